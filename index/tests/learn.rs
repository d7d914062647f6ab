//! `deflect build --learn` on the demo knowledge base: learned questions find their article,
//! a bad learn file fails the build naming file and line with nothing written, and a pack
//! built without `--learn` (or searched with the learned field off) ranks exactly as before.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use deflect_core::SearchIndex;
use deflect_index::{build, open_published, BuildError, BuildOptions, LearnOptions, LearnSource};

fn kb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../kb")
}

fn learn_options(path: &Path, min_journeys: u64) -> BuildOptions {
    BuildOptions {
        learn: Some(LearnSource {
            path: path.to_path_buf(),
            options: LearnOptions {
                min_journeys,
                ..LearnOptions::default()
            },
        }),
        ..BuildOptions::default()
    }
}

fn build_into(dir: &Path, options: &BuildOptions) -> SearchIndex {
    build(&kb(), dir, options).unwrap();
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

/// A question sharing no word with the answering article's own text.
const PARAPHRASE: &str = "halt my membership";

fn learn_file(dir: &Path, journeys: usize) -> PathBuf {
    let path = dir.join("learn.jsonl");
    let lines: String = (0..journeys)
        .map(|j| {
            format!(
                "{{\"query\": \"{PARAPHRASE}\", \"doc_id\": \"billing/cancel-subscription\", \"journey\": \"j{j}\"}}\n"
            )
        })
        .collect();
    std::fs::write(&path, lines).unwrap();
    path
}

#[test]
fn a_learned_question_finds_the_article_that_resolved_it() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = build_into(&tmp.path().join("plain"), &BuildOptions::default());
    assert!(!plain.has_learned());
    assert!(
        !ids(&plain, PARAPHRASE).contains(&"billing/cancel-subscription".to_string()),
        "the paraphrase must not find the article by its own words: {:?}",
        ids(&plain, PARAPHRASE)
    );
    let file = learn_file(tmp.path(), 3);
    let learned = build_into(&tmp.path().join("learned"), &learn_options(&file, 3));
    assert!(learned.has_learned());
    assert_eq!(
        ids(&learned, PARAPHRASE).first().map(String::as_str),
        Some("billing/cancel-subscription")
    );
    // Typed as a customer types it: unfinished, with a typo.
    assert_eq!(
        ids(&learned, "halt my membrship")
            .first()
            .map(String::as_str),
        Some("billing/cancel-subscription")
    );
}

#[test]
fn k_anonymity_keeps_a_question_only_when_enough_journeys_asked_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = learn_file(tmp.path(), 2);
    let learned = build_into(&tmp.path().join("k3"), &learn_options(&file, 3));
    assert!(!ids(&learned, PARAPHRASE).contains(&"billing/cancel-subscription".to_string()));
    let learned = build_into(&tmp.path().join("k2"), &learn_options(&file, 2));
    assert_eq!(
        ids(&learned, PARAPHRASE).first().map(String::as_str),
        Some("billing/cancel-subscription")
    );
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_bad_learn_file_names_file_and_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build(&kb(), &out, &BuildOptions::default()).unwrap();
    let before = snapshot(&out);
    let file = tmp.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"query\": \"reset\", \"doc_id\": \"account/reset-password\"}\n{\"query\": \"x\"}\n\
         {\"query\": \"y\", \"doc_id\": \"account/reset-password\", \"outcome\": \"meh\"}\n",
    )
    .unwrap();
    let err = build(&kb(), &out, &learn_options(&file, 1)).unwrap_err();
    assert!(matches!(err, BuildError::InvalidLearnFile(ref e) if e.len() == 2));
    let message = err.to_string();
    assert!(
        message.contains("bad.jsonl:2: missing field `doc_id`")
            && message.contains("bad.jsonl:3: field `outcome`")
            && message.contains("nothing was written"),
        "{message}"
    );
    assert_eq!(snapshot(&out), before, "the previous build is untouched");
}

#[test]
fn without_the_learned_field_ranking_is_exactly_the_plain_ranking() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    build(&kb(), &a, &BuildOptions::default()).unwrap();
    build(&kb(), &b, &BuildOptions::default()).unwrap();
    let manifest = |d: &Path| {
        serde_json::from_slice::<deflect_core::Manifest>(
            &std::fs::read(d.join("manifest.json")).unwrap(),
        )
        .unwrap()
        .pack
    };
    // No --learn: the same pack (named by its content) as any plain build.
    assert_eq!(manifest(&a), manifest(&b));
    let plain = open_published(&a).unwrap();
    let file = learn_file(tmp.path(), 3);
    let mut learned = build_into(&tmp.path().join("learned"), &learn_options(&file, 1));
    learned.set_learned_weight(0.0);
    let golden = deflect_eval::load(&kb().join("golden.toml")).unwrap();
    for q in golden
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .chain([PARAPHRASE])
    {
        assert_eq!(
            plain.search(q, 10).unwrap(),
            learned.search(q, 10).unwrap(),
            "{q}"
        );
    }
}
