//! The learn export (`deflect report --format learn`) on SQLite and (when
//! DEFLECT_TEST_POSTGRES_URL names a server; required when CI is set) PostgreSQL: resolved
//! and "No" evidence per question and article, one count per journey, k-anonymity on the
//! question text, and no personal tokens.

#[macro_use]
mod common;

use common::{test_db, Backend};
use deflect_server::learn_export::{export, to_jsonl};
use deflect_server::report::Range;
use serde_json::{json, Value};

fn event(n: &mut usize, journey: &str, second: u32, kind: Value) -> Value {
    common::event(n, journey, &format!("2026-11-23T10:00:{second:02}Z"), kind)
}

fn search(q: &str) -> Value {
    json!({"type": "search", "query": q, "results": 3, "top_articles": ["billing/refunds"]})
}

fn feedback(article: &str, helpful: bool) -> Value {
    json!({"type": "feedback", "article_id": article, "helpful": helpful})
}

fn ended(outcome: &str) -> Value {
    json!({"type": "journey_ended", "outcome": outcome})
}

async fn exports_resolved_and_no_evidence_with_k_anonymity(backend: Backend) {
    let Some(db) = test_db(backend, "learn_export").await else {
        return;
    };
    let server = common::collector_on(&db).await;
    let n = &mut 0;
    let mut events = Vec::new();
    for j in ["j1", "j2", "j3"] {
        events.extend([
            event(n, j, 0, search("How do I get my  money back")),
            event(n, j, 5, feedback("billing/refunds", true)),
            // Asked twice in one journey: still one journey.
            event(n, j, 6, feedback("billing/refunds", true)),
            event(n, j, 7, ended("resolved")),
        ]);
    }
    events.extend([
        event(
            n,
            "j4",
            0,
            search("refund for order 1234567 jo@example.com"),
        ),
        event(n, "j4", 5, feedback("billing/refunds", true)),
        event(n, "j4", 6, ended("resolved")),
        // "Yes" in a journey that did not end resolved teaches nothing.
        event(n, "j5", 0, search("how do i get my money back")),
        event(n, "j5", 5, feedback("billing/refunds", true)),
        event(n, "j5", 6, ended("abandoned")),
    ]);
    for j in ["j6", "j7"] {
        events.extend([
            event(n, j, 0, search("vat number")),
            event(n, j, 5, feedback("billing/vat", false)),
            event(n, j, 6, ended("escalated")),
        ]);
    }
    common::post_events(&server, events).await;

    let store = server.state.db.as_ref().unwrap();
    let k2 = to_jsonl(&export(store, Range::default(), 2).await.unwrap());
    assert_eq!(
        k2,
        "{\"query\":\"how do i get my money back\",\"doc_id\":\"billing/refunds\",\"outcome\":\"resolved\",\"count\":3,\"journeys\":3,\"at\":\"2026-11-23\"}\n\
         {\"query\":\"vat number\",\"doc_id\":\"billing/vat\",\"outcome\":\"no\",\"count\":2,\"journeys\":2,\"at\":\"2026-11-23\"}\n"
    );
    let k1 = export(store, Range::default(), 1).await.unwrap();
    assert_eq!(k1.len(), 3);
    assert_eq!(k1[1].query, "refund for order", "personal tokens dropped");
    let outside = Range::parse(Some("2026-11-24"), None).unwrap();
    assert!(export(store, outside, 1).await.unwrap().is_empty());
    server.stop().await.unwrap();
}

on_both_backends!(exports_resolved_and_no_evidence_with_k_anonymity);
