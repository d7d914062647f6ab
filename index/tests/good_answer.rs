//! The "no good answer" signal on the demo knowledge base: questions it does not cover are
//! flagged even when they get results, and the golden questions (which it answers) are
//! not. The full measurement, with FeedbackQA, is `node bench/gaps/run.mjs` (README.md).

use std::path::Path;

use deflect_core::SearchIndex;
use deflect_eval as golden;
use deflect_index::{build, BuildOptions};

/// What the widget's panel shows, and so what the widget judges.
const TOP: usize = 8;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn built_kb() -> (tempfile::TempDir, SearchIndex) {
    let out = tempfile::tempdir().unwrap();
    build(&repo().join("kb"), out.path(), &BuildOptions::default()).expect("kb/ builds");
    let index = deflect_index::open_published(out.path()).unwrap();
    (out, index)
}

#[test]
fn the_issue_s_gantt_question_has_results_but_no_good_answer() {
    let (_out, index) = built_kb();
    let gap = index
        .suggest("can I see my projects as a gantt chart", TOP)
        .unwrap();
    assert!(!gap.hits.is_empty(), "it does get suggestions");
    assert!(!gap.good_answer, "none of them is about gantt charts");
    let bare = index.suggest("gantt", TOP).unwrap();
    assert!(bare.hits.is_empty() && !bare.good_answer);
    // A typo of a word the knowledge base knows is corrected, not a gap.
    for answered in [
        "reset pasword",
        "how do I get a copy of my invoice",
        "vat id",
    ] {
        let s = index.suggest(answered, TOP).unwrap();
        assert!(s.good_answer, "{answered:?} is answered");
    }
}

#[test]
fn off_topic_questions_are_flagged_and_golden_questions_are_not() {
    let (_out, index) = built_kb();
    let off_topic: Vec<String> =
        std::fs::read_to_string(repo().join("bench/gaps/offtopic-demo.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["text"].as_str().unwrap().to_string()
            })
            .collect();
    let missed: Vec<&String> = off_topic
        .iter()
        .filter(|q| index.suggest(q, TOP).unwrap().good_answer)
        .collect();
    let set = golden::load(&repo().join("kb/golden.toml")).unwrap();
    let flagged: Vec<&str> = set
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .filter(|q| !index.suggest(q, TOP).unwrap().good_answer)
        .collect();
    eprintln!(
        "off-topic flagged {}/{}; golden flagged {}/{}: {flagged:?}; missed gaps: {missed:?}",
        off_topic.len() - missed.len(),
        off_topic.len(),
        flagged.len(),
        set.questions.len()
    );
    // Measured (README.md, "No good answer"): see the bounds' comments.
    assert!(
        missed.len() * 100 <= off_topic.len() * MAX_MISSED_GAPS_PCT,
        "{} of {} off-topic questions look answered: {missed:?}",
        missed.len(),
        off_topic.len()
    );
    assert!(
        flagged.len() * 100 <= set.questions.len() * MAX_FLAGGED_ANSWERED_PCT,
        "{} of {} golden questions flagged: {flagged:?}",
        flagged.len(),
        set.questions.len()
    );
}

/// Off-topic questions the signal may miss, in percent (measured: 8 of 40, 20 %).
const MAX_MISSED_GAPS_PCT: usize = 25;
/// Golden (answered) questions it may flag, in percent (measured: 2 of 50, 4 %).
const MAX_FLAGGED_ANSWERED_PCT: usize = 8;
