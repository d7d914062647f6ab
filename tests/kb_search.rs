//! Cross-crate: builds the demo knowledge base with the indexer and searches it through
//! the widget's query path (deflect-core), the way a customer types.

use std::path::Path;

use deflect_core::SearchIndex;
use deflect_eval as golden;
use deflect_index::{build, BuildOptions};

fn built_kb() -> (tempfile::TempDir, SearchIndex) {
    let out = tempfile::tempdir().unwrap();
    let kb = Path::new(env!("CARGO_MANIFEST_DIR")).join("kb");
    build(&kb, out.path(), &BuildOptions::default()).expect("kb/ builds");
    let index = deflect_index::open_published(out.path()).unwrap();
    (out, index)
}

fn top_ids(index: &SearchIndex, query: &str, n: usize) -> Vec<String> {
    index
        .search(query, n)
        .unwrap()
        .into_iter()
        .map(|h| h.article.id)
        .collect()
}

#[test]
fn every_golden_question_finds_its_article_in_the_top_3() {
    let (_out, index) = built_kb();
    assert!(
        index.num_articles() >= 60,
        "the demo kb has at least 60 articles"
    );
    let set = golden::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("kb/golden.toml")).unwrap();
    assert!(set.questions.len() >= 40);
    let report = golden::evaluate(&index, &set).unwrap();
    let misses: Vec<String> = report
        .misses
        .iter()
        .map(|m| format!("{:?} → {:?} (rank {:?})", m.text, m.got, m.rank))
        .collect();
    assert!(
        misses.is_empty(),
        "golden questions missing from the top 3:\n{}",
        misses.join("\n")
    );
    assert!(
        report.failed_thresholds.is_empty(),
        "{:?}",
        report.failed_thresholds
    );
}

#[test]
fn suggestions_follow_each_keystroke_of_a_partial_word() {
    let (_out, index) = built_kb();
    // Each prefix a customer passes through while typing: the answer appears early and stays.
    for typed in ["reset pas", "reset pasw", "reset passw", "reset password"] {
        assert_eq!(
            top_ids(&index, typed, 1),
            vec!["account/reset-password"],
            "typed {typed:?}"
        );
    }
    assert_eq!(
        top_ids(&index, "cancel subscr", 1),
        vec!["billing/cancel-subscription"]
    );
    assert!(top_ids(&index, "install on ubun", 3)
        .contains(&"installation/install-desktop-linux".to_string()));
}

#[test]
fn typos_are_tolerated_but_exact_words_rank_first() {
    let (_out, index) = built_kb();
    assert!(
        top_ids(&index, "downlod invoices", 3).contains(&"billing/download-invoices".to_string())
    );
    assert!(top_ids(&index, "invoise", 5).contains(&"billing/download-invoices".to_string()));
    // The exact title word beats a fuzzy neighbour.
    let hits = index.search("refund", 3).unwrap();
    assert_eq!(hits[0].article.id, "billing/refunds");
}

#[test]
fn hits_carry_highlights_and_what_the_results_list_shows() {
    let (_out, index) = built_kb();
    let hit = &index.search("reset pasw", 1).unwrap()[0];
    assert_eq!(hit.article.title, "Reset your password");
    assert_eq!(hit.title.matched(), vec!["Reset", "password"]);
    assert_eq!(hit.article.category, "Account and login");
    assert!(hit.article.html.starts_with("articles/") && hit.article.html.ends_with(".html"));
    assert!(!hit.article.excerpt.is_empty());
    assert!(index.search("", 5).unwrap().is_empty());
    assert!(
        index.search("qzxv", 5).unwrap().is_empty(),
        "nonsense finds nothing"
    );
}

#[test]
fn links_between_articles_resolve_to_article_ids() {
    let (out, index) = built_kb();
    let hit = &index.search("reset your password", 1).unwrap()[0];
    let html = std::fs::read_to_string(out.path().join(&hit.article.html)).unwrap();
    assert!(
        html.contains("href=\"#article:account/enable-two-factor\""),
        "{html}"
    );
    assert!(index
        .article("account/enable-two-factor")
        .unwrap()
        .is_some());
    assert!(index.article("no/such-article").unwrap().is_none());
}

#[test]
fn excerpts_come_from_the_matching_section_and_link_to_its_heading() {
    let (out, index) = built_kb();
    let hit = index
        .search("password reset email in spam folder", 5)
        .unwrap()
        .into_iter()
        .find(|h| h.article.id == "account/reset-password")
        .expect("the reset article is found");
    let section = hit.section.clone().expect("the hit points into a section");
    assert_eq!(section.heading, "If the email doesn't arrive");
    assert_eq!(section.anchor, "section-if-the-email-doesn-t-arrive");
    assert!(
        hit.excerpt
            .plain()
            .contains("check your spam or junk folder"),
        "{:?}",
        hit.excerpt.plain()
    );
    assert!(hit.excerpt.matched().contains(&"spam"), "{:?}", hit.excerpt);
    // The stored excerpt (the summary) is unchanged; the hit's excerpt is the passage.
    assert_ne!(hit.excerpt.plain(), hit.article.excerpt);
    // The article HTML has the id the hit links to.
    let html = std::fs::read_to_string(out.path().join(&hit.article.html)).unwrap();
    assert!(
        html.contains(r#"<h2 id="section-if-the-email-doesn-t-arrive">"#),
        "{html}"
    );
    // Every word in the title: the article as a whole answers, so the passage is its
    // opening and no section is linked, although the SSO note at its end repeats "reset"
    // and "password" in one sentence (issue 15: the top answer opened at that note).
    for query in ["Reset your password", "how do I reset my password"] {
        let hit = &index.search(query, 1).unwrap()[0];
        assert_eq!(hit.article.id, "account/reset-password", "{query}");
        assert_eq!(hit.section, None, "{query}: {:?}", hit.excerpt.plain());
        assert!(
            hit.excerpt
                .plain()
                .starts_with("If you've forgotten your password"),
            "{query}: {:?}",
            hit.excerpt.plain()
        );
        assert!(
            hit.excerpt.plain().chars().count() <= 200,
            "{:?}",
            hit.excerpt.plain()
        );
    }
    // The words the title does not say point into the section that answers them.
    let hit = index
        .search("reset password sso google", 10)
        .unwrap()
        .into_iter()
        .find(|h| h.article.id == "account/reset-password")
        .expect("the reset article is found");
    assert_eq!(
        hit.section.map(|s| s.heading).as_deref(),
        Some("You sign in with Google, Microsoft or SSO")
    );
}

#[test]
fn did_you_mean_corrects_unknown_words_from_the_index_vocabulary() {
    let (_out, index) = built_kb();
    assert_eq!(
        index.did_you_mean("cancel subscripton").as_deref(),
        Some("cancel subscription")
    );
    assert_eq!(
        index.did_you_mean("downlaod my Invoise?").as_deref(),
        Some("download my Invoice?")
    );
    // Known words, stop words and an unfinished last word that completes: nothing to fix.
    assert_eq!(index.did_you_mean("reset password"), None);
    assert_eq!(index.did_you_mean("how do I cancel my subscr"), None);
    // Nothing close in the vocabulary.
    assert_eq!(index.did_you_mean("qzxvbnm"), None);
    assert_eq!(index.did_you_mean(""), None);
}
