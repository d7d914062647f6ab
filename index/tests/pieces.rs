//! A pack split by need (hot part + content-addressed pieces) answers exactly like the whole
//! pack, opens without any piece, names the pieces a query needs, and refuses pieces that
//! are corrupt or not its own.

use std::path::Path;

use deflect_core::pack::pieces::PieceTable;
use deflect_core::pack::PIECES_FILE;
use deflect_core::{ArticlePack, Manifest, SearchIndex};
use deflect_eval as golden;
use deflect_index::{build, BuildOptions};

fn built_kb() -> (tempfile::TempDir, Manifest) {
    let out = tempfile::tempdir().unwrap();
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb");
    let report = build(&kb, out.path(), &BuildOptions::default()).expect("kb/ builds");
    (out, report.manifest)
}

/// The hot part alone, as the widget has it before any piece arrives.
fn hot_part(out: &Path, manifest: &Manifest) -> ArticlePack {
    ArticlePack::parse(std::fs::read(out.join(&manifest.pack)).unwrap()).unwrap()
}

/// The whole pack put back together from the hot part and the pieces on disk.
fn reassembled(out: &Path, manifest: &Manifest) -> SearchIndex {
    let hot = hot_part(out, manifest);
    let table: PieceTable = serde_json::from_slice(hot.file(PIECES_FILE).unwrap()).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = hot
        .file_names()
        .into_iter()
        .filter(|n| n != PIECES_FILE && !n.contains('@'))
        .map(|n| (n.clone(), hot.file(&n).unwrap().to_vec()))
        .collect();
    for cold in &table.files {
        let bytes: Vec<u8> = cold
            .pieces
            .iter()
            .flat_map(|p| std::fs::read(out.join(p)).unwrap())
            .collect();
        assert_eq!(bytes.len() as u64, cold.len, "{}", cold.name);
        files.push((cold.name.clone(), bytes));
    }
    SearchIndex::open_bytes(ArticlePack::encode(&files)).unwrap()
}

fn queries() -> Vec<String> {
    let set =
        golden::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb/golden.toml")).unwrap();
    let mut queries = Vec::new();
    for (n, q) in set.questions.into_iter().enumerate() {
        // Every keystroke of some questions (as typed), every question in full.
        if n % 8 == 0 {
            for (i, _) in q.text.char_indices().skip(1) {
                queries.push(q.text[..i].to_string());
            }
        }
        queries.push(q.text);
    }
    queries
}

#[test]
fn a_split_pack_answers_exactly_like_the_whole_pack() {
    let (out, manifest) = built_kb();
    assert!(manifest.pieces > 0, "{manifest:?}");
    let whole = reassembled(out.path(), &manifest);
    let split = deflect_index::open_published(out.path()).unwrap();
    for q in queries() {
        assert_eq!(
            split.suggest(&q, 5).unwrap(),
            whole.suggest(&q, 5).unwrap(),
            "{q:?}"
        );
        assert_eq!(split.did_you_mean(&q), whole.did_you_mean(&q), "{q:?}");
    }
    let id = &whole.search("refund", 1).unwrap()[0].article.id;
    assert_eq!(split.article(id).unwrap(), whole.article(id).unwrap());
}

#[test]
fn the_hot_part_opens_alone_and_a_query_loads_only_the_pieces_it_names() {
    let (out, manifest) = built_kb();
    let whole = reassembled(out.path(), &manifest);
    let index = SearchIndex::open(&hot_part(out.path(), &manifest)).expect("opens without pieces");
    let total = index.pieces_pending().len();
    assert_eq!(total as u64, manifest.pieces);
    let query = "how do i get a refund";
    // Nothing is answered from part of the index.
    let err = index.suggest(query, 5).unwrap_err();
    assert!(err.to_string().contains("not loaded yet"), "{err}");
    let mut rounds = 0;
    loop {
        let needed = index.pieces_needed(query, 5);
        if needed.is_empty() {
            break;
        }
        rounds += 1;
        assert!(rounds <= 2, "postings, then stored fields: {rounds} rounds");
        for name in needed {
            index
                .add_piece(&name, std::fs::read(out.path().join(&name)).unwrap())
                .unwrap();
        }
    }
    assert_eq!(
        index.suggest(query, 5).unwrap(),
        whole.suggest(query, 5).unwrap()
    );
    let loaded = total - index.pieces_pending().len();
    assert!(
        loaded > 0 && loaded < total,
        "loaded {loaded} of {total} pieces"
    );
}

#[test]
fn corrupt_truncated_and_foreign_pieces_are_refused() {
    let (out, manifest) = built_kb();
    let pack = hot_part(out.path(), &manifest);
    let name = pack.piece_names()[0].clone();
    let good = std::fs::read(out.path().join(&name)).unwrap();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x01;
    let err = pack.add_piece(&name, flipped).unwrap_err();
    assert!(err.to_string().contains("does not match its name"), "{err}");
    let err = pack
        .add_piece(&name, good[..good.len() - 1].to_vec())
        .unwrap_err();
    assert!(err.to_string().contains("expected"), "{err}");
    let err = pack
        .add_piece("kb.0000000000000000.piece", good.clone())
        .unwrap_err();
    assert!(
        err.to_string().contains("not a piece of this pack"),
        "{err}"
    );
    assert!(pack.pieces_pending().contains(&name));
    pack.add_piece(&name, good).unwrap();
    assert!(!pack.pieces_pending().contains(&name));
}
