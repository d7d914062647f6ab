//! The doc team's failing-articles list (`deflect report --format failing`) on SQLite and
//! (when DEFLECT_TEST_POSTGRES_URL names a server; required when CI is set) PostgreSQL:
//! "No" journeys per article with reasons and the last day, the questions that led there
//! (one count per journey, k-anonymity on the text, no personal tokens), and the window.

#[macro_use]
mod common;

use common::{test_db, Backend};
use deflect_server::failing_articles::build;
use deflect_server::report::Range;
use serde_json::{json, Value};

fn event(n: &mut usize, journey: &str, day: u32, second: u32, kind: Value) -> Value {
    common::event(
        n,
        journey,
        &format!("2026-11-{day:02}T10:00:{second:02}Z"),
        kind,
    )
}

fn search(q: &str) -> Value {
    json!({"type": "search", "query": q, "results": 3, "top_articles": ["billing/vat"]})
}

fn no(article: &str, reason: Option<&str>) -> Value {
    let mut f = json!({"type": "feedback", "article_id": article, "helpful": false});
    if let Some(r) = reason {
        f["reason"] = json!(r);
    }
    f
}

fn yes(article: &str) -> Value {
    json!({"type": "feedback", "article_id": article, "helpful": true})
}

async fn lists_failing_articles_with_their_questions(backend: Backend) {
    let Some(db) = test_db(backend, "failing_articles").await else {
        return;
    };
    let server = common::collector_on(&db).await;
    let n = &mut 0;
    let mut events = Vec::new();
    // Three journeys ask the same question and say No to billing/vat; j1 says it twice.
    for (j, day, reason) in [
        ("j1", 20, Some("did_not_work")),
        ("j2", 21, Some("outdated")),
        ("j3", 22, None),
    ] {
        events.extend([
            event(n, j, day, 0, search("Where is my  VAT number")),
            event(n, j, day, 5, no("billing/vat", reason)),
            event(n, j, day, 6, no("billing/vat", reason)),
        ]);
    }
    // A question only one journey asked (with personal tokens) stays withheld.
    events.extend([
        event(
            n,
            "j4",
            23,
            0,
            search("vat for invoice 1234567 jo@example.com"),
        ),
        event(n, "j4", 23, 5, no("billing/vat", Some("did_not_work"))),
        event(n, "j5", 23, 0, search("vat")),
        event(n, "j5", 23, 5, yes("billing/vat")),
        event(n, "j6", 19, 0, search("refund")),
        event(n, "j6", 19, 5, no("billing/refunds", Some("unclear"))),
    ]);
    common::post_events(&server, events).await;

    let store = server.state.db.as_ref().unwrap();
    let list = build(store, Range::default(), 3).await.unwrap();
    assert_eq!(
        serde_json::to_value(&list).unwrap(),
        json!({
            "min_journeys": 3,
            "articles": [
                {
                    "article_id": "billing/vat",
                    "no_journeys": 4,
                    "yes_journeys": 1,
                    "reasons": {"did_not_work": 2, "outdated": 1, "unspecified": 1},
                    "last_seen": "2026-11-23",
                    "questions": [
                        {"query": "where is my vat number", "journeys": 3, "last_seen": "2026-11-22"}
                    ],
                    "withheld_journeys": 1
                },
                {
                    "article_id": "billing/refunds",
                    "no_journeys": 1,
                    "yes_journeys": 0,
                    "reasons": {"unclear": 1},
                    "last_seen": "2026-11-19",
                    "questions": [],
                    "withheld_journeys": 1
                }
            ]
        })
    );
    let table = list.to_table();
    assert!(
        table.contains("3 × \"where is my vat number\" (last 2026-11-22)"),
        "{table}"
    );
    assert!(
        !table.contains("example.com") && !table.contains("journey-"),
        "{table}"
    );

    let k1 = build(store, Range::default(), 1).await.unwrap();
    assert_eq!(
        k1.articles[0].questions[1].query, "vat for invoice",
        "personal tokens dropped"
    );
    assert_eq!(k1.articles[0].withheld_journeys, 0);

    let window = Range::parse(Some("2026-11-21"), Some("2026-11-22")).unwrap();
    let windowed = build(store, window, 1).await.unwrap();
    assert_eq!(windowed.articles.len(), 1);
    assert_eq!(windowed.articles[0].no_journeys, 2);
    assert_eq!(windowed.articles[0].last_seen, "2026-11-22");
    server.stop().await.unwrap();
}

on_both_backends!(lists_failing_articles_with_their_questions);
