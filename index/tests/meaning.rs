//! Meaning vectors on a built demo pack: a paraphrase that shares no word with its article
//! finds it once vectors are attached, weight 0 ranks exactly as without them, and vectors
//! of another knowledge base are refused while stale rows are listed.

use std::path::PathBuf;

use deflect_core::{MeaningError, MeaningVectors, SearchIndex};
use deflect_index::{build, open_published, BuildOptions};

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
    assert!(index.article(other).unwrap().is_some(), "{other} is a demo article");
    let attached = index
        .attach_meaning(vectors(&[ARTICLE, other, "gone/deleted-article"]))
        .unwrap();
    assert_eq!(attached.matched, 2);
    assert_eq!(attached.unknown, ["gone/deleted-article"]);
    assert!(index.has_meaning());
    assert_eq!(index.meaning_weight(), Some(2.0));
    assert_eq!(ids(&index, PARAPHRASE).first().map(String::as_str), Some(ARTICLE));
    // A word only the vectors know still finds the article, as the customer types it.
    assert_eq!(ids(&index, "halt").first().map(String::as_str), Some(ARTICLE));
    // Queries the vectors know no word of rank exactly as before.
    let reset = "reset my password";
    index.set_meaning_weight(0.0);
    assert_eq!(ids(&index, PARAPHRASE), plain);
    let before = index.search(reset, 5).unwrap();
    index.set_meaning_weight(2.0);
    assert_eq!(index.search(reset, 5).unwrap(), before);
}

#[test]
fn vectors_of_another_knowledge_base_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut index = demo_pack(tmp.path());
    assert_eq!(
        index.attach_meaning(vectors(&["other/one", "other/two"])),
        Err(MeaningError::NoArticleMatches(2))
    );
    assert!(!index.has_meaning());
}
