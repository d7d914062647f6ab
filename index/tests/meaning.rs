//! Meaning vectors on a built demo pack: a paraphrase that shares no word with its article
//! finds it once vectors are attached, weight 0 ranks exactly as without them, and vectors
//! of another knowledge base are refused while stale rows are listed.

use std::path::PathBuf;

use deflect_core::{MeaningError, MeaningVectors, SearchIndex};
use deflect_index::{build, open_published, BuildError, BuildOptions};

const ARTICLE: &str = "billing/cancel-subscription";
/// A question sharing no word with the article's own text.
const PARAPHRASE: &str = "halt my membership";

fn demo_pack(dir: &std::path::Path) -> SearchIndex {
    let kb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kb");
    build(&kb, dir, &BuildOptions::default()).unwrap();
    open_published(dir).unwrap()
}

fn ids(index: &SearchIndex, query: &str) -> Vec<String> {
    index
        .search(query, 5)
        .unwrap()
        .into_iter()
        .map(|h| h.article.id)
        .collect()
}

/// "halt" points where the cancel article lies; "membership" a little elsewhere.
fn vectors(articles: &[&str]) -> MeaningVectors {
    let rows: Vec<(&str, Vec<f32>)> = articles
        .iter()
        .map(|id| {
            let v = if *id == ARTICLE {
                vec![1.0, 0.0, 0.0, 0.0]
            } else {
                vec![0.0, 0.0, 1.0, 0.0]
            };
            (*id, v)
        })
        .collect();
    let bytes = MeaningVectors::encode(
        4,
        8,
        2.0,
        &[
            ("halt", vec![2.0, 0.0, 0.0, 0.0]),
            ("membership", vec![0.5, 0.5, 0.0, 0.0]),
        ],
        &["my"],
        &rows,
    );
    MeaningVectors::parse(&bytes).unwrap()
}

#[test]
fn attached_vectors_find_a_paraphrase_and_weight_zero_is_the_plain_ranking() {
    let tmp = tempfile::tempdir().unwrap();
    let mut index = demo_pack(tmp.path());
    let plain = ids(&index, PARAPHRASE);
    assert!(!plain.contains(&ARTICLE.to_string()), "{plain:?}");
    let other = "account/reset-password";
    assert!(
        index.article(other).unwrap().is_some(),
        "{other} is a demo article"
    );
    let attached = index
        .attach_meaning(vectors(&[ARTICLE, other, "gone/deleted-article"]))
        .unwrap();
    assert_eq!(attached.matched, 2);
    assert_eq!(attached.unknown, ["gone/deleted-article"]);
    assert!(index.has_meaning());
    assert_eq!(index.meaning_weight(), Some(2.0));
    assert_eq!(
        ids(&index, PARAPHRASE).first().map(String::as_str),
        Some(ARTICLE)
    );
    // A word only the vectors know still finds the article, as the customer types it.
    assert_eq!(
        ids(&index, "halt").first().map(String::as_str),
        Some(ARTICLE)
    );
    // Queries the vectors know no word of rank exactly as before.
    let reset = "reset my password";
    index.set_meaning_weight(0.0);
    assert_eq!(ids(&index, PARAPHRASE), plain);
    let before = index.search(reset, 5).unwrap();
    index.set_meaning_weight(2.0);
    assert_eq!(index.search(reset, 5).unwrap(), before);
}

#[test]
fn no_good_answer_is_judged_on_the_words_not_on_what_meaning_lifted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut index = demo_pack(tmp.path());
    let other = "account/reset-password";
    let query = "reset password";
    let plain = index.suggest(query, 1).unwrap();
    assert_eq!(plain.hits[0].article.id, other);
    assert!(plain.good_answer);
    // Vectors that put "password" beside the cancel article, strongly enough to lift it
    // over the article that has the customer's words.
    let bytes = MeaningVectors::encode(
        4,
        8,
        10.0,
        &[("password", vec![1.0, 0.0, 0.0, 0.0])],
        &[],
        &[
            (ARTICLE, vec![1.0, 0.0, 0.0, 0.0]),
            (other, vec![0.0, 0.0, 1.0, 0.0]),
        ],
    );
    index
        .attach_meaning(MeaningVectors::parse(&bytes).unwrap())
        .unwrap();
    let fused = index.suggest(query, 1).unwrap();
    assert_eq!(fused.hits[0].article.id, ARTICLE, "meaning lifted it");
    assert!(
        fused.good_answer,
        "the knowledge base has the customer's words: not a content gap"
    );
    // A question whose specific word no article has is still a gap, whatever meaning finds.
    let gap = index.suggest("password gantt", 1).unwrap();
    assert!(!gap.good_answer);
    index.set_meaning_weight(0.0);
    assert_eq!(index.suggest(query, 1).unwrap(), plain);
}

#[test]
fn vectors_of_another_knowledge_base_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let index = demo_pack(tmp.path());
    assert_eq!(
        index.attach_meaning(vectors(&["other/one", "other/two"])),
        Err(MeaningError::NoArticleMatches(2))
    );
    assert!(!index.has_meaning());
}

#[test]
fn a_pack_built_with_meaning_vectors_ranks_with_them_when_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("kb.meaning");
    std::fs::write(
        &file,
        vectors(&[ARTICLE, "gone/deleted-article"]).to_bytes(),
    )
    .unwrap();
    let kb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kb");
    let out = tmp.path().join("out");
    let options = BuildOptions {
        meaning: Some(file.clone()),
        ..BuildOptions::default()
    };
    let report = build(&kb, &out, &options).unwrap();
    let warnings: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("1 articles are not in the knowledge base")
                && w.contains("gone/deleted-article")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("have no vector") && w.starts_with(&file.display().to_string())),
        "{warnings:?}"
    );
    let index = open_published(&out).unwrap();
    let note = index.meaning_note().expect("the pack names its vectors");
    assert!(note.file.starts_with("kb.") && note.file.ends_with(".meaning"));
    assert_eq!(
        std::fs::metadata(out.join(&note.file)).unwrap().len(),
        note.bytes
    );
    assert!(index.has_meaning());
    assert_eq!(
        ids(&index, PARAPHRASE).first().map(String::as_str),
        Some(ARTICLE)
    );
    // A build without them names none, and the old file goes after the next generation.
    let plain = build_without(&kb, &out);
    assert!(plain.meaning_note().is_none() && !plain.has_meaning());
}

fn build_without(kb: &std::path::Path, out: &std::path::Path) -> SearchIndex {
    build(kb, out, &BuildOptions::default()).unwrap();
    open_published(out).unwrap()
}

#[test]
fn a_damaged_meaning_file_fails_the_build_naming_it_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kb");
    let good = vectors(&[ARTICLE]).to_bytes();
    for (name, bytes) in [
        ("truncated.meaning", good[..good.len() - 3].to_vec()),
        ("other-kb.meaning", vectors(&["other/one"]).to_bytes()),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let out = tmp.path().join(format!("out-{name}"));
        let options = BuildOptions {
            meaning: Some(file.clone()),
            ..BuildOptions::default()
        };
        let err = build(&kb, &out, &options).unwrap_err();
        assert!(
            matches!(err, BuildError::InvalidMeaningFile { ref path, .. } if *path == file),
            "{err}"
        );
        assert!(err.to_string().contains("nothing was written"), "{err}");
        assert!(
            !out.join("manifest.json").exists(),
            "{name}: nothing published"
        );
    }
}
