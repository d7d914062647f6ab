//! Packs whose header and checksum are right but whose tantivy files are not: only a broken
//! or hostile publisher makes them, and they must be errors, never panics (a panic aborts
//! the widget in wasm). Inputs are the fuzz seeds under `fuzz/seeds/pack_deep/`. (Here
//! rather than in core for the fuzz targets' header repair, `deflect_index::fuzz`.)

use deflect_core::{ArticlePack, PackError, SearchIndex};
use deflect_index::fuzz::with_valid_header;

fn seed(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds/pack_deep")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rewrites one file inside a pack, keeping the others.
fn replace_file(pack: &[u8], name: &str, edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let parsed = ArticlePack::parse(pack.to_vec()).unwrap();
    let files: Vec<(String, Vec<u8>)> = parsed
        .file_names()
        .into_iter()
        .map(|n| {
            let mut bytes = parsed.file(&n).unwrap().to_vec();
            if n == name {
                edit(&mut bytes);
            }
            (n, bytes)
        })
        .collect();
    ArticlePack::encode(&files)
}

#[test]
fn the_fuzzers_composite_footer_crash_is_an_error() {
    // Regression: tantivy's CompositeFile::open subtracted past zero on this pack.
    let err = SearchIndex::open_bytes(
        with_valid_header(&seed("crash-composite-footer-overflow")).unwrap(),
    )
    .unwrap_err();
    assert!(matches!(err, PackError::BadIndex(_)), "{err}");
}

#[test]
fn every_composite_footer_pointing_outside_its_file_is_an_error() {
    let good = seed("two-articles.pack");
    let index = SearchIndex::open_bytes(good.clone()).expect("the seed pack is valid");
    assert_eq!(index.num_articles(), 2);
    let names = ArticlePack::parse(good.clone()).unwrap().file_names();
    let composite: Vec<&String> = names
        .iter()
        .filter(|n| {
            [".term", ".idx", ".fieldnorm", ".pos"]
                .iter()
                .any(|e| n.ends_with(e))
        })
        .collect();
    assert!(
        composite.len() >= 3,
        "composite files in the seed: {names:?}"
    );
    for name in composite {
        // The composite's own length (the u32 before tantivy's footer), made huge.
        let huge_table = replace_file(&good, name, |f| {
            let footer_json = u32::from_le_bytes(f[f.len() - 8..f.len() - 4].try_into().unwrap());
            let at = f.len() - 8 - footer_json as usize - 4;
            f[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        });
        let err = SearchIndex::open_bytes(huge_table).unwrap_err();
        assert!(err.to_string().contains(name.as_str()), "{name}: {err}");
        // tantivy's footer length, made longer than the file.
        let huge_footer = replace_file(&good, name, |f| {
            let n = f.len();
            f[n - 8..n - 4].copy_from_slice(&(n as u32).to_le_bytes());
        });
        let err = SearchIndex::open_bytes(huge_footer).unwrap_err();
        assert!(err.to_string().contains(name.as_str()), "{name}: {err}");
        // Cut to its last byte: nothing left to hold either footer.
        let cut = replace_file(&good, name, |f| {
            f.drain(..f.len() - 1);
        });
        assert!(SearchIndex::open_bytes(cut).is_err(), "{name}");
    }
}
