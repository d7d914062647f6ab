//! The collector over real HTTP, against SQLite and (when DEFLECT_TEST_POSTGRES_URL names a
//! server; required when CI is set) PostgreSQL: idempotent retries, rejected input stores
//! nothing, the report equals counts computed from the generated raw data, and webhook
//! forwarding survives an outage and restarts with every case delivered exactly once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deflect_server::config::Config;
use deflect_server::report::Report;
use serde_json::{json, Value};

#[macro_use]
mod common;
use common::{collector_config, eventually, start_collector, test_db, Backend, Lcg, TestDb};

const TOKEN: &str = "test-report-token-0123456789";

// ---------------------------------------------------------------------------------------
// Servers and requests

fn config(db: &TestDb) -> Config {
    collector_config(&db.spec, TOKEN)
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
    text: String,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

fn url(server: &deflect_server::Server, path: &str) -> String {
    format!("http://{}{path}", server.addr)
}

async fn post_json(server: &deflect_server::Server, path: &str, body: &Value) -> Answer {
    send(
        reqwest::Client::new()
            .post(url(server, path))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

async fn counts(server: &deflect_server::Server) -> deflect_server::db::Counts {
    server.state.db.as_ref().unwrap().counts().await.unwrap()
}

async fn report(server: &deflect_server::Server, query: &str) -> Report {
    let a = send(
        reqwest::Client::new()
            .get(url(server, &format!("/v1/report{query}")))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    serde_json::from_str(&a.text).unwrap()
}

fn event(id: &str, journey: &str, at: &str, kind: Value) -> Value {
    let mut e = json!({"id": id, "journey_id": journey, "at": at});
    e.as_object_mut()
        .unwrap()
        .extend(kind.as_object().unwrap().clone());
    e
}

fn case(id: &str, journey: &str, category: &str) -> Value {
    json!({
        "id": id, "journey_id": journey, "created_at": "2026-11-23T10:00:00Z",
        "subject": "Invoice shows the wrong VAT", "description": "Since Monday.",
        "email": "ana@example.com", "name": "Ana", "customer_category": category,
        "trail": {"queries": ["invoice vat"], "articles": [
            {"id": "billing/vat", "title": "VAT on invoices", "dwell_ms": 12000, "helpful": false, "reason": "did_not_work"}
        ]}
    })
}

// ---------------------------------------------------------------------------------------
// Idempotency

async fn retries_store_nothing_twice(backend: Backend) {
    let Some(db) = test_db(backend, "retries").await else {
        return;
    };
    let server = start_collector(config(&db)).await;
    let batch = json!({"events": [
        event("ev-000001", "journey-01", "2026-11-23T10:00:00Z", json!({"type": "search", "query": "reset password", "results": 3, "top_articles": ["a", "b"]})),
        event("ev-000002", "journey-01", "2026-11-23T10:00:09Z", json!({"type": "article_viewed", "article_id": "a", "dwell_ms": 9000})),
        event("ev-000003", "journey-01", "2026-11-23T10:00:10Z", json!({"type": "journey_ended", "outcome": "resolved"})),
    ]});
    let first = post_json(&server, "/v1/events", &batch).await;
    assert_eq!(first.status, 202, "{}", first.text);
    assert_eq!(first.body, json!({"accepted": 3, "duplicates": 0}));

    // The same batch again, as sendBeacon sends it (text/plain): all duplicates.
    let again = send(
        reqwest::Client::new()
            .post(url(&server, "/v1/events"))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(batch.to_string()),
    )
    .await;
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.body, json!({"accepted": 0, "duplicates": 3}));

    // One new event beside two known ones, and an id repeated inside the batch.
    let mixed = json!({"events": [
        batch["events"][0].clone(),
        event("ev-000004", "journey-02", "2026-11-23T11:00:00Z", json!({"type": "handoff_started"})),
        event("ev-000004", "journey-02", "2026-11-23T11:00:00Z", json!({"type": "handoff_started"})),
        batch["events"][2].clone(),
    ]});
    let m = post_json(&server, "/v1/events", &mixed).await;
    assert_eq!(
        m.body,
        json!({"accepted": 1, "duplicates": 3}),
        "{}",
        m.text
    );
    assert_eq!(counts(&server).await.events, 4);

    // Cases: 201 with a receipt, then 200 with created: false; one outbox row.
    let c = case("case-0000000001", "journey-02", "billing_or_account");
    let created = post_json(&server, "/v1/cases", &c).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.body,
        json!({"id": "case-0000000001", "reference": "DF-CASE0000", "created": true})
    );
    let retried = post_json(&server, "/v1/cases", &c).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.body["created"], false);
    assert_eq!(retried.body["reference"], "DF-CASE0000");
    let n = counts(&server).await;
    assert_eq!((n.cases, n.outbox_pending), (1, 1));

    // Classification: token required, unknown case 404, bad category 422, then stored.
    let client = reqwest::Client::new();
    let put = |id: &str, token: Option<&str>, body: &str| {
        let mut r = client
            .put(url(&server, &format!("/v1/cases/{id}/classification")))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        send(r)
    };
    let good = r#"{"vendor_category": "billing"}"#;
    assert_eq!(put("case-0000000001", None, good).await.status, 401);
    assert_eq!(
        put("case-0000000001", Some("wrong-token-wrong-token"), good)
            .await
            .status,
        401
    );
    let missing = put("case-unknown-01", Some(TOKEN), good).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["field"], "id");
    let bad = put(
        "case-0000000001",
        Some(TOKEN),
        r#"{"vendor_category": "weather"}"#,
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.body["field"], "vendor_category");
    assert_eq!(report(&server, "").await.totals.classified_cases, 0);
    for _ in 0..2 {
        let ok = put("case-0000000001", Some(TOKEN), good).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
    }
    let r = report(&server, "").await;
    assert_eq!(r.cell("billing_or_account", "billing"), 1);
    assert_eq!(r.totals.classified_cases, 1);
    server.stop().await.unwrap();
}
on_both_backends!(retries_store_nothing_twice);

// ---------------------------------------------------------------------------------------
// Rejections

async fn bad_requests_are_rejected_and_store_nothing(backend: Backend) {
    let Some(db) = test_db(backend, "rejections").await else {
        return;
    };
    let mut cfg = config(&db);
    cfg.allowed_origins = vec!["https://app.example".into()];
    cfg.max_body_bytes = 4096;
    let server = start_collector(cfg).await;
    let client = reqwest::Client::new();
    let valid = json!({"events": [
        event("ok-000001", "journey-01", "2026-11-23T10:00:00Z", json!({"type": "journey_ended", "outcome": "abandoned"})),
    ]});

    let mut rejected = Vec::new();
    // Malformed JSON: 400.
    rejected.push((
        "malformed",
        send(
            client
                .post(url(&server, "/v1/events"))
                .header("content-type", "application/json")
                .body("{\"events\": [{"),
        )
        .await,
        400,
        "",
    ));
    // Valid JSON, but the third event's id is too short: 422 naming it, and the two valid
    // events before it are not stored either.
    let partly_bad = json!({"events": [
        event("ok-000002", "journey-01", "2026-11-23T10:00:00Z", json!({"type": "handoff_started"})),
        event("ok-000003", "journey-01", "2026-11-23T10:00:00Z", json!({"type": "handoff_started"})),
        event("short", "journey-01", "2026-11-23T10:00:00Z", json!({"type": "handoff_started"})),
    ]});
    rejected.push((
        "invalid event",
        post_json(&server, "/v1/events", &partly_bad).await,
        422,
        "events[2].id",
    ));
    let mut bad_case = case("case-bad-000001", "journey-01", "how_do_i");
    bad_case["email"] = json!("ana.example.com");
    rejected.push((
        "invalid case",
        post_json(&server, "/v1/cases", &bad_case).await,
        422,
        "email",
    ));
    let mut no_email = case("case-bad-000002", "journey-01", "how_do_i");
    no_email.as_object_mut().unwrap().remove("email");
    rejected.push((
        "missing field",
        post_json(&server, "/v1/cases", &no_email).await,
        422,
        "email",
    ));
    // Oversized: 413, whether or not Content-Length tells up front.
    let big_query = "x".repeat(400);
    let oversized = json!({"events": (0..20).map(|i| event(&format!("big-{i:06}"), "journey-01", "2026-11-23T10:00:00Z",
        json!({"type": "search", "query": big_query, "results": 0}))).collect::<Vec<_>>()});
    rejected.push((
        "oversized",
        post_json(&server, "/v1/events", &oversized).await,
        413,
        "",
    ));
    rejected.push((
        "oversized, chunked",
        post_chunked(server.addr, "/v1/events", oversized.to_string().as_bytes()).await,
        413,
        "",
    ));
    // Wrong media types: 415.
    rejected.push((
        "form post",
        send(
            client
                .post(url(&server, "/v1/events"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(valid.to_string()),
        )
        .await,
        415,
        "Content-Type",
    ));
    rejected.push((
        "case as a form post",
        send(
            client
                .post(url(&server, "/v1/cases"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(case("case-form-00001", "journey-01", "how_do_i").to_string()),
        )
        .await,
        415,
        "Content-Type",
    ));
    // An origin that is not listed: 403, for events and cases alike.
    for path in ["/v1/events", "/v1/cases"] {
        let body = if path == "/v1/events" {
            valid.to_string()
        } else {
            case("case-evil-000001", "journey-01", "how_do_i").to_string()
        };
        rejected.push((
            "wrong origin",
            send(
                client
                    .post(url(&server, path))
                    .header("content-type", "application/json")
                    .header("origin", "https://evil.example")
                    .body(body),
            )
            .await,
            403,
            "Origin",
        ));
    }
    for (what, answer, status, field) in &rejected {
        assert_eq!(answer.status, *status, "{what}: {}", answer.text);
        assert_eq!(answer.body["field"], *field, "{what}: {}", answer.text);
        assert!(
            answer.body["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {}",
            answer.text
        );
    }
    let n = counts(&server).await;
    assert_eq!((n.events, n.cases, n.outbox_pending), (0, 0, 0));

    // A case as sendBeacon sends it (text/plain) is stored: the widget beacons cases it
    // could not keep in local storage when the page goes away.
    let beaconed = send(
        client
            .post(url(&server, "/v1/cases"))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(case("case-txt-000001", "journey-01", "how_do_i").to_string()),
    )
    .await;
    assert_eq!(beaconed.status, 201, "{}", beaconed.text);
    assert_eq!(counts(&server).await.cases, 1);

    // A preflight from a listed origin is allowed; from another, it gets no CORS grant.
    let preflight = |origin: &'static str| {
        send(
            client
                .request(reqwest::Method::OPTIONS, url(&server, "/v1/cases"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type"),
        )
    };
    let ok = preflight("https://app.example").await;
    assert_eq!(
        ok.headers["access-control-allow-origin"],
        "https://app.example"
    );
    let evil = preflight("https://evil.example").await;
    assert!(evil.headers.get("access-control-allow-origin").is_none());

    // Listed origin, same origin (the page served by this host) and no Origin are accepted.
    let listed = send(
        client
            .post(url(&server, "/v1/events"))
            .header("content-type", "application/json")
            .header("origin", "https://app.example")
            .body(valid.to_string()),
    )
    .await;
    assert_eq!(listed.status, 202, "{}", listed.text);
    assert_eq!(
        listed.headers["access-control-allow-origin"],
        "https://app.example"
    );
    let same_origin = send(
        client
            .post(url(&server, "/v1/events"))
            .header("content-type", "application/json")
            .header("origin", format!("http://{}", server.addr))
            .body(valid.to_string()),
    )
    .await;
    assert_eq!(same_origin.status, 202, "{}", same_origin.text);
    assert_eq!(post_json(&server, "/v1/events", &valid).await.status, 202);
    assert_eq!(counts(&server).await.events, 1);

    // The report needs the token.
    let anonymous = send(client.get(url(&server, "/v1/report"))).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.body["field"], "Authorization");
    let bad_range = send(
        client
            .get(url(&server, "/v1/report?from=last-week"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(bad_range.status, 400);
    assert_eq!(bad_range.body["field"], "from");
    server.stop().await.unwrap();

    // Rate limit: a burst of 2, then 429 with Retry-After; the refused request stores nothing.
    let mut cfg = config(&db);
    cfg.rate_limit.per_second = 0.01;
    cfg.rate_limit.burst = 2;
    let server = start_collector(cfg).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let b = json!({"events": [event(&format!("rl-{i:06}"), "journey-rl", "2026-11-23T10:00:00Z", json!({"type": "handoff_started"}))]});
        let a = post_json(&server, "/v1/events", &b).await;
        if a.status == 429 {
            assert!(a.headers.contains_key("retry-after"));
        }
        statuses.push(a.status);
    }
    assert_eq!(statuses, [202, 202, 429]);
    assert_eq!(counts(&server).await.events, 3, "1 before + 2 accepted");
    server.stop().await.unwrap();
}
on_both_backends!(bad_requests_are_rejected_and_store_nothing);

/// POSTs `body` with chunked transfer encoding (no Content-Length) over a raw connection;
/// returns the status and the body.
async fn post_chunked(addr: SocketAddr, path: &str, body: &[u8]) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(1000) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything; that is fine.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json_start = text.find("\r\n\r\n").map_or(text.len(), |i| i + 4);
    let raw_body = &text[json_start..];
    // The body may itself be chunked: take the JSON object inside.
    let body = raw_body
        .find('{')
        .zip(raw_body.rfind('}'))
        .and_then(|(a, b)| serde_json::from_str(&raw_body[a..=b]).ok())
        .unwrap_or(Value::Null);
    Answer {
        status,
        headers: reqwest::header::HeaderMap::new(),
        body,
        text,
    }
}

// ---------------------------------------------------------------------------------------
// The report against a generated data set

const CUSTOMER: [&str; 6] = [
    "something_broken",
    "how_do_i",
    "installation_or_setup",
    "billing_or_account",
    "documentation_unclear",
    "feature_request",
];
const VENDOR: [&str; 7] = [
    "defect",
    "question",
    "configuration",
    "billing",
    "documentation",
    "feature_request",
    "other",
];
const REASONS: [&str; 4] = ["unclear", "does_not_match", "did_not_work", "outdated"];

struct DataSet {
    events: Vec<Value>,
    cases: Vec<Value>,
    classifications: Vec<(String, &'static str)>,
}

fn generate(seed: u64) -> DataSet {
    let mut rng = Lcg(seed);
    let mut queries: Vec<String> = (0..30).map(|i| format!("topic {i}")).collect();
    queries.extend(
        [
            "Reset  Password",
            "reset password",
            "<script>alert('gap')</script>",
            "sso with okta",
        ]
        .map(String::from),
    );
    let always_empty = ["<script>alert('gap')</script>", "sso with okta", "topic 7"];
    let days = [
        "2026-11-10",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
    ];
    let mut data = DataSet {
        events: Vec::new(),
        cases: Vec::new(),
        classifications: Vec::new(),
    };
    let mut n = 0;
    let mut id = |prefix: &str| {
        n += 1;
        format!("{prefix}-{n:08}")
    };
    for j in 0..150 {
        let journey = format!("journey-{j:05}");
        let day = days[rng.below(days.len() as u64) as usize];
        let hour = 8 + rng.below(12);
        let mut second = 0;
        let mut at = |rng: &mut Lcg| {
            second += 1 + rng.below(50);
            format!("{day}T{hour:02}:{:02}:{:02}Z", second / 60, second % 60)
        };
        for _ in 0..1 + rng.below(3) {
            let q = &queries[rng.below(queries.len() as u64) as usize];
            let results = if always_empty.contains(&q.as_str()) || rng.chance(10) {
                0
            } else {
                1 + rng.below(5)
            };
            let mut kind = json!({"type": "search", "results": results, "top_articles": []});
            if !rng.chance(10) {
                kind["query"] = json!(q);
            }
            // Older widgets send no judgement; newer ones sometimes find no good answer.
            if !rng.chance(20) {
                kind["good_answer"] = json!(results > 0 && !rng.chance(25));
            }
            let t = at(&mut rng);
            data.events.push(event(&id("ev"), &journey, &t, kind));
        }
        for _ in 0..rng.below(3) {
            let article = format!("kb/article-{:02}", rng.below(25));
            let t = at(&mut rng);
            data.events.push(event(
                &id("ev"),
                &journey,
                &t,
                json!({"type": "article_viewed", "article_id": article, "dwell_ms": rng.below(60_000)}),
            ));
            if rng.chance(70) {
                let helpful = rng.chance(40);
                let mut kind =
                    json!({"type": "feedback", "article_id": article, "helpful": helpful});
                if !helpful && rng.chance(75) {
                    kind["reason"] = json!(REASONS[rng.below(4) as usize]);
                }
                let t = at(&mut rng);
                data.events.push(event(&id("ev"), &journey, &t, kind));
            }
        }
        let outcome = ["resolved", "escalated", "abandoned"][rng.below(3) as usize];
        if outcome == "escalated" {
            let t = at(&mut rng);
            data.events.push(event(
                &id("ev"),
                &journey,
                &t,
                json!({"type": "handoff_started"}),
            ));
            let case_id = id("case");
            let mut c = case(&case_id, &journey, CUSTOMER[rng.below(6) as usize]);
            c["created_at"] = json!(at(&mut rng));
            data.cases.push(c);
            let t = at(&mut rng);
            data.events.push(event(
                &id("ev"),
                &journey,
                &t,
                json!({"type": "case_submitted", "case_id": case_id}),
            ));
            if rng.chance(60) {
                data.classifications
                    .push((case_id, VENDOR[rng.below(7) as usize]));
            }
        }
        // Some pages went away without a word: journeys without an outcome.
        if outcome == "abandoned" && rng.chance(30) {
            continue;
        }
        let t = at(&mut rng);
        data.events.push(event(
            &id("ev"),
            &journey,
            &t,
            json!({"type": "journey_ended", "outcome": outcome}),
        ));
    }
    data
}

fn normalize(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn in_range(at: &str, from: &str, to_exclusive: &str) -> bool {
    at >= from && at < to_exclusive
}

/// The report computed directly from the generated rows, independently of the SQL.
fn expected_report(data: &DataSet, from: &str, to_exclusive: &str) -> Report {
    use deflect_server::report::{ArticleFeedback, Day, MatrixCell, QueryCount, Totals};
    let events: Vec<&Value> = data
        .events
        .iter()
        .filter(|e| in_range(e["at"].as_str().unwrap(), from, to_exclusive))
        .collect();
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let mut t = Totals {
        events: events.len() as i64,
        journeys: events
            .iter()
            .map(|e| s(e, "journey_id"))
            .collect::<HashSet<_>>()
            .len() as i64,
        ..Totals::default()
    };
    let mut days: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    let mut ended: HashSet<String> = HashSet::new();
    // Per normalized query: searches, zero results, no good answer.
    let mut queries: HashMap<String, (i64, i64, i64)> = HashMap::new();
    let mut feedback: HashMap<String, ArticleFeedback> = HashMap::new();
    for e in &events {
        match e["type"].as_str().unwrap() {
            "journey_ended" => {
                let slot = match e["outcome"].as_str().unwrap() {
                    "resolved" => 0,
                    "escalated" => 1,
                    _ => 2,
                };
                days.entry(s(e, "at")[..10].to_string()).or_default()[slot] += 1;
                *[&mut t.resolved, &mut t.escalated, &mut t.abandoned][slot] += 1;
                ended.insert(s(e, "journey_id"));
            }
            "search" => {
                let zero = e["results"] == 0;
                let weak = !zero && e["good_answer"] == false;
                t.searches += 1;
                t.zero_result_searches += i64::from(zero);
                t.no_good_answer_searches += i64::from(weak);
                if let Some(q) = e["query"].as_str() {
                    let entry = queries.entry(normalize(q)).or_default();
                    entry.0 += 1;
                    entry.1 += i64::from(zero);
                    entry.2 += i64::from(weak);
                }
            }
            "feedback" => {
                let a = feedback
                    .entry(s(e, "article_id"))
                    .or_insert_with(|| ArticleFeedback {
                        article_id: s(e, "article_id"),
                        no: 0,
                        yes: 0,
                        reasons: BTreeMap::new(),
                    });
                if e["helpful"] == true {
                    a.yes += 1;
                } else {
                    a.no += 1;
                    let reason = e["reason"].as_str().unwrap_or("unspecified").to_string();
                    *a.reasons.entry(reason).or_insert(0) += 1;
                }
            }
            _ => {}
        }
    }
    let rate = |r: i64, e: i64| (r + e > 0).then(|| r as f64 / (r + e) as f64);
    t.deflection_rate = rate(t.resolved, t.escalated);
    t.without_outcome = t.journeys - ended.len() as i64;
    let sort_top = |mut v: Vec<QueryCount>| {
        v.sort_by(|a, b| b.searches.cmp(&a.searches).then(a.query.cmp(&b.query)));
        v.truncate(20);
        v
    };
    // Each list is a ranking of one count: searches, zero results, no good answer; a query
    // is listed where its count is above zero, with only that count's columns filled.
    // (searches, zero results, no good answer) → the row's three columns, if listed.
    type Row = fn(i64, i64, i64) -> Option<(i64, i64, i64)>;
    let ranked = |row: Row| {
        sort_top(
            queries
                .iter()
                .filter_map(|(q, &(n, z, w))| {
                    row(n, z, w).map(|(searches, zero_results, no_good_answer)| QueryCount {
                        query: q.clone(),
                        searches,
                        zero_results,
                        no_good_answer,
                    })
                })
                .collect(),
        )
    };
    let top_queries = ranked(|n, z, w| Some((n, z, w)));
    let zero_result_queries = ranked(|_, z, _| (z > 0).then_some((z, z, 0)));
    let no_good_answer_queries = ranked(|_, _, w| (w > 0).then_some((w, 0, w)));
    let mut unhelpful: Vec<ArticleFeedback> = feedback.into_values().filter(|a| a.no > 0).collect();
    unhelpful.sort_by(|a, b| b.no.cmp(&a.no).then(a.article_id.cmp(&b.article_id)));
    unhelpful.truncate(20);
    let vendor_of: HashMap<&str, &str> = data
        .classifications
        .iter()
        .map(|(c, v)| (c.as_str(), *v))
        .collect();
    let mut cells: BTreeMap<(usize, usize), MatrixCell> = BTreeMap::new();
    for c in data
        .cases
        .iter()
        .filter(|c| in_range(c["created_at"].as_str().unwrap(), from, to_exclusive))
    {
        let customer = s(c, "customer_category");
        let vendor = vendor_of
            .get(c["id"].as_str().unwrap())
            .copied()
            .unwrap_or("unclassified");
        t.cases += 1;
        t.classified_cases += i64::from(vendor != "unclassified");
        let key = (
            CUSTOMER.iter().position(|x| *x == customer).unwrap(),
            VENDOR.iter().position(|x| *x == vendor).unwrap_or(7),
        );
        cells
            .entry(key)
            .or_insert_with(|| MatrixCell {
                customer_category: customer.clone(),
                vendor_category: vendor.to_string(),
                cases: 0,
            })
            .cases += 1;
    }
    Report {
        from: None,
        to: None,
        totals: t,
        days: days
            .into_iter()
            .map(|(day, [r, e, a])| Day {
                day,
                resolved: r,
                escalated: e,
                abandoned: a,
                deflection_rate: rate(r, e),
            })
            .collect(),
        top_queries,
        zero_result_queries,
        no_good_answer_queries,
        unhelpful_articles: unhelpful,
        classification: cells.into_values().collect(),
        outbox: Default::default(),
    }
}

async fn report_equals_counts_from_the_raw_rows(backend: Backend) {
    let Some(db) = test_db(backend, "report").await else {
        return;
    };
    let server = start_collector(config(&db)).await;
    let data = generate(7);
    assert!(data.events.len() > 600, "a batch boundary is crossed");
    // Batches of up to 200, every third one sent twice (a retry after a lost answer).
    let mut acknowledged = 0;
    for (i, chunk) in data.events.chunks(170).enumerate() {
        let batch = json!({ "events": chunk });
        for _ in 0..if i % 3 == 0 { 2 } else { 1 } {
            let a = post_json(&server, "/v1/events", &batch).await;
            assert_eq!(a.status, 202, "{}", a.text);
            acknowledged += a.body["accepted"].as_i64().unwrap();
        }
    }
    assert_eq!(acknowledged, data.events.len() as i64);
    for c in &data.cases {
        assert_eq!(post_json(&server, "/v1/cases", c).await.status, 201);
    }
    for (case_id, vendor) in &data.classifications {
        let a = send(
            reqwest::Client::new()
                .put(url(&server, &format!("/v1/cases/{case_id}/classification")))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(json!({ "vendor_category": vendor }).to_string()),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
    }

    // The whole data set, then a window that leaves out 2026-11-10 and 2026-11-24.
    let mut all = report(&server, "").await;
    let expected_all = expected_report(&data, "0000", "9999");
    assert_eq!(all.outbox.pending, data.cases.len() as i64);
    all.outbox = Default::default();
    assert_eq!(all, expected_all);

    let mut window = report(&server, "?from=2026-11-20&to=2026-11-23").await;
    let mut expected = expected_report(&data, "2026-11-20", "2026-11-24");
    expected.from = Some("2026-11-20T00:00:00Z".into());
    expected.to = Some("2026-11-24T00:00:00Z".into());
    window.outbox = Default::default();
    assert_eq!(window, expected);
    assert!(expected.totals.events < expected_all.totals.events);
    assert!(expected.top_queries.len() == 20 && !expected.unhelpful_articles.is_empty());
    assert!(expected
        .zero_result_queries
        .iter()
        .any(|q| q.query.contains("<script>")));
    assert!(expected.totals.without_outcome > 0 && !expected.no_good_answer_queries.is_empty());

    // The dashboard: a login form without the token; with it, the same figures as SVG and
    // tables, and customer text escaped.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let anonymous = send(client.get(url(&server, "/report"))).await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.text.contains("action=\"/report/login\""));
    let wrong = send(
        client
            .post(url(&server, "/report/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=not-the-token-at-all"),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.headers.get("set-cookie").is_none());
    let login = send(
        client
            .post(url(&server, "/report/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={TOKEN}")),
    )
    .await;
    assert_eq!(login.status, 303);
    let cookie = login.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // The cookie holds an expiring session, not the token: a copy of it is not the token,
    // the token pasted into a cookie is not a session, and the session opens no API.
    assert!(!cookie.contains(TOKEN), "{cookie}");
    assert!(cookie.contains("Max-Age=43200"), "{cookie}");
    let token_as_cookie = send(
        client
            .get(url(&server, "/report"))
            .header("cookie", format!("deflect_report={TOKEN}")),
    )
    .await;
    assert_eq!(token_as_cookie.status, 401);
    let api_with_cookie = send(
        client
            .get(url(&server, "/v1/report"))
            .header("cookie", cookie.split(';').next().unwrap()),
    )
    .await;
    assert_eq!(api_with_cookie.status, 401);
    let page = send(
        client
            .get(url(&server, "/report?from=2026-11-20&to=2026-11-23"))
            .header("cookie", cookie.split(';').next().unwrap()),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = &page.text;
    assert!(
        html.matches("<svg").count() >= 4,
        "journeys, queries, gaps, feedback"
    );
    assert!(!html.contains("<script"), "customer text is escaped");
    assert!(html.contains("&lt;script&gt;alert(&#39;gap&#39;)&lt;/script&gt;"));
    assert!(html.contains(&format!(
        "<b>{:.1}%</b>deflection rate",
        expected.totals.deflection_rate.unwrap() * 100.0
    )));
    let by_header = send(client.get(url(&server, "/report")).bearer_auth(TOKEN)).await;
    assert_eq!(by_header.status, 200);
    server.stop().await.unwrap();
}
on_both_backends!(report_equals_counts_from_the_raw_rows);

// ---------------------------------------------------------------------------------------
// What the report relies on: journeys without an outcome, searches with no good answer,
// a single day's deflection rate, and classifying cases from the dashboard

/// The report as JSON, without the typed struct: the figures are checked by name.
async fn report_json(server: &deflect_server::Server, query: &str) -> Value {
    let a = send(
        reqwest::Client::new()
            .get(url(server, &format!("/v1/report{query}")))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.body
}

async fn report_counts_journeys_without_an_outcome_and_searches_with_no_good_answer(
    backend: Backend,
) {
    let Some(db) = test_db(backend, "gaps").await else {
        return;
    };
    let server = start_collector(config(&db)).await;
    let mut events = Vec::new();
    for j in 0..11 {
        let journey = format!("journey-{j:02}");
        let search = match j {
            // A gap behind unrelated results, typed twice (normalized into one query).
            0 => {
                json!({"type": "search", "query": "can I see my projects as a gantt chart", "results": 8, "top_articles": ["a"], "good_answer": false})
            }
            1 => {
                json!({"type": "search", "query": "Can I see my projects as a  Gantt chart", "results": 8, "top_articles": ["a"], "good_answer": false})
            }
            2 => {
                json!({"type": "search", "query": "gantt", "results": 0, "top_articles": [], "good_answer": false})
            }
            // An older widget: no good_answer, which is unknown and never a gap.
            3 => json!({"type": "search", "query": "refund", "results": 8, "top_articles": ["a"]}),
            _ => {
                json!({"type": "search", "query": "reset password", "results": 3, "top_articles": ["a"], "good_answer": true})
            }
        };
        events.push(event(
            &format!("ev-{j:02}-search"),
            &journey,
            "2026-11-23T10:00:00Z",
            search,
        ));
        // 0-4 resolved, 5-6 escalated, 7-8 abandoned that day; 9 ends the next day; 10 never.
        let end = match j {
            0..=4 => Some(("resolved", "2026-11-23T10:01:00Z")),
            5..=6 => Some(("escalated", "2026-11-23T10:01:00Z")),
            7..=8 => Some(("abandoned", "2026-11-23T10:01:00Z")),
            9 => Some(("abandoned", "2026-11-24T00:00:05Z")),
            _ => None,
        };
        if let Some((outcome, at)) = end {
            events.push(event(
                &format!("ev-{j:02}-end"),
                &journey,
                at,
                json!({"type": "journey_ended", "outcome": outcome}),
            ));
        }
    }
    let a = post_json(&server, "/v1/events", &json!({ "events": events })).await;
    assert_eq!(a.status, 202, "{}", a.text);

    // One day, as the issue saw it: 11 journeys, of which 9 have an outcome that day.
    let day = report_json(&server, "?from=2026-11-23&to=2026-11-23").await;
    let t = &day["totals"];
    assert_eq!(t["journeys"], 11);
    assert_eq!(
        (&t["resolved"], &t["escalated"], &t["abandoned"]),
        (&json!(5), &json!(2), &json!(2))
    );
    assert_eq!(t["without_outcome"], 2, "journeys 9 and 10: {t}");
    // All time: journey 9 has its outcome, only 10 is still open.
    let all = report_json(&server, "").await;
    let t = &all["totals"];
    assert_eq!(t["without_outcome"], 1, "{t}");
    let parts: i64 = ["resolved", "escalated", "abandoned", "without_outcome"]
        .iter()
        .map(|k| t[*k].as_i64().unwrap())
        .sum();
    assert_eq!(
        json!(parts),
        t["journeys"],
        "the outcomes add up to the journeys"
    );

    assert_eq!(t["zero_result_searches"], 1);
    assert_eq!(t["no_good_answer_searches"], 2, "{t}");
    assert_eq!(
        all["no_good_answer_queries"],
        json!([{"query": "can i see my projects as a gantt chart", "searches": 2, "zero_results": 0, "no_good_answer": 2}])
    );
    assert_eq!(
        all["zero_result_queries"][0]["query"], "gantt",
        "zero results stay their own list"
    );
    let top = all["top_queries"].as_array().unwrap();
    let refund = top.iter().find(|q| q["query"] == "refund").unwrap();
    assert_eq!(refund["no_good_answer"], 0, "unknown is not a gap");

    // The dashboard says so, and one day's deflection rate is a visible dot with its value.
    let page = send(
        reqwest::Client::new()
            .get(url(&server, "/report?from=2026-11-23&to=2026-11-23"))
            .bearer_auth(TOKEN),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("<b>2</b>without an outcome"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<b>2</b>searches with no good answer"));
    assert!(page
        .text
        .contains("can i see my projects as a gantt chart: 2 searches"));
    assert_eq!(page.text.matches("class=\"rate-point\"").count(), 1);
    assert!(
        page.text.contains(">71.4%</text>"),
        "the single point is labelled"
    );
    assert_eq!(page.text.matches("<main>").count(), 1, "one main landmark");
    server.stop().await.unwrap();
}
on_both_backends!(report_counts_journeys_without_an_outcome_and_searches_with_no_good_answer);

/// The value of the first `name="{name}" value="…"` attribute pair in `html`.
fn form_value<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field"))
        + marker.len();
    &html[at..at + html[at..].find('"').unwrap()]
}

async fn the_dashboard_classifies_cases_only_from_its_own_form(backend: Backend) {
    let Some(db) = test_db(backend, "classify_form").await else {
        return;
    };
    let server = start_collector(config(&db)).await;
    let id = "case-form-0001";
    assert_eq!(
        post_json(
            &server,
            "/v1/cases",
            &case(id, "journey-form-1", "how_do_i")
        )
        .await
        .status,
        201
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = send(
        client
            .post(url(&server, "/report/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={TOKEN}")),
    )
    .await;
    let cookie = login.headers["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let page = send(
        client
            .get(url(&server, "/report"))
            .header("cookie", &cookie),
    )
    .await;
    assert_eq!(page.status, 200);
    let action = format!("action=\"/report/cases/{id}/classification\"");
    assert!(
        page.text.contains(&action),
        "a form per case: {}",
        page.text
    );
    assert!(page
        .text
        .contains("aria-label=\"Vendor's category of DF-CASEFORM\""));
    let csrf = form_value(&page.text, "csrf").to_string();
    assert_eq!(csrf.len(), 64);

    let origin = format!("http://{}", server.addr);
    let post = |cookie: Option<&str>, origin: &str, body: String| {
        let mut r = client
            .post(url(&server, &format!("/report/cases/{id}/classification")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", origin)
            .body(body);
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        send(r)
    };
    let good = format!("vendor_category=defect&csrf={csrf}&from=&to=");
    // No session: the sign-in form.
    assert_eq!(post(None, &origin, good.clone()).await.status, 401);
    // Another site submitting the form in a signed-in browser.
    let forged = post(Some(cookie.as_str()), "https://evil.example", good.clone()).await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    // This origin, but without the form's token (or with a guessed one).
    for body in [
        "vendor_category=defect".to_string(),
        format!("vendor_category=defect&csrf={}", "0".repeat(64)),
    ] {
        assert_eq!(post(Some(cookie.as_str()), &origin, body).await.status, 403);
    }
    assert_eq!(report(&server, "").await.totals.classified_cases, 0);
    // An unknown category.
    let bad = post(
        Some(cookie.as_str()),
        &origin,
        format!("vendor_category=weather&csrf={csrf}"),
    )
    .await;
    assert_eq!(bad.status, 422);

    // The real form: saved, and back to the report saying so.
    let saved = post(
        Some(cookie.as_str()),
        &origin,
        format!("vendor_category=defect&csrf={csrf}&from=2026-11-01&to="),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let location = saved.headers["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("/report?saved={id}&from=2026-11-01#case-{id}")
    );
    let r = report(&server, "").await;
    assert_eq!(r.totals.classified_cases, 1);
    assert_eq!(r.cell("how_do_i", "defect"), 1);
    let back = send(
        client
            .get(url(&server, location.split('#').next().unwrap()))
            .header("cookie", &cookie),
    )
    .await;
    assert!(back
        .text
        .contains("role=\"status\">Saved: DF-CASEFORM is classified as “defect”."));
    assert!(back.text.contains("<option value=\"defect\" selected>"));
    server.stop().await.unwrap();
}
on_both_backends!(the_dashboard_classifies_cases_only_from_its_own_form);

// ---------------------------------------------------------------------------------------
// Webhook forwarding

#[derive(Default)]
struct Receiver {
    failing: std::sync::atomic::AtomicBool,
    attempts: AtomicUsize,
    delivered: Mutex<Vec<Value>>,
}

/// A helpdesk stand-in on `port` (0: any); answers 503 while `failing`, else 200 and
/// records the delivery with its headers.
async fn start_receiver(
    port: u16,
    state: Arc<Receiver>,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |axum::extract::State(state): axum::extract::State<Arc<Receiver>>,
                 headers: axum::http::HeaderMap,
                 body: String| async move {
                    state.attempts.fetch_add(1, Ordering::SeqCst);
                    let close = [(axum::http::header::CONNECTION, "close")];
                    if state.failing.load(Ordering::SeqCst) {
                        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, close);
                    }
                    let h = |k: &str| {
                        headers
                            .get(k)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    let payload: Value = serde_json::from_str(&body).unwrap();
                    state.delivered.lock().unwrap().push(json!({
                        "key": h("idempotency-key"),
                        "authorization": h("authorization"),
                        "content_type": h("content-type"),
                        "payload": payload,
                    }));
                    (axum::http::StatusCode::OK, close)
                },
            ),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (addr, stop, handle)
}

async fn forwarding_survives_an_outage_and_restarts(backend: Backend) {
    let Some(db) = test_db(backend, "webhook").await else {
        return;
    };
    let receiver = Arc::new(Receiver::default());
    receiver.failing.store(true, Ordering::SeqCst);
    let (hook, stop_receiver, receiver_task) = start_receiver(0, receiver.clone()).await;
    let mut cfg = config(&db);
    cfg.webhook.url = Some(format!("http://{hook}/hook"));
    cfg.webhook.token = Some("hook-secret".into());
    cfg.webhook.retry_base_ms = 20;
    cfg.webhook.retry_max_ms = 200;
    cfg.webhook.poll_ms = 50;
    cfg.webhook.timeout_ms = 2_000;
    cfg.webhook.lease_ms = 10_000;

    // Phase 1: the helpdesk answers 503; cases are accepted and retried.
    let first = start_collector(cfg.clone()).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = format!("case-hook-{i:05}");
        let a = post_json(&first, "/v1/cases", &case(&id, "journey-hook", "how_do_i")).await;
        assert_eq!(a.status, 201, "{}", a.text);
        ids.push(id);
    }
    eventually("retries against the failing webhook", async || {
        receiver.attempts.load(Ordering::SeqCst) >= 10
    })
    .await;
    // Phase 2: the collector restarts mid-outbox and the helpdesk goes away entirely
    // (connection refused). Two instances now share the database.
    first.stop().await.unwrap();
    let _ = stop_receiver.send(());
    receiver_task.await.unwrap();
    let a = start_collector(cfg.clone()).await;
    let b = start_collector(cfg.clone()).await;
    for i in 5..9 {
        let id = format!("case-hook-{i:05}");
        let server = if i % 2 == 0 { &a } else { &b };
        let r = post_json(server, "/v1/cases", &case(&id, "journey-hook", "how_do_i")).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(id);
    }
    let retry = post_json(&b, "/v1/cases", &case(&ids[0], "journey-hook", "how_do_i")).await;
    assert_eq!(retry.status, 200, "a retried case is not queued again");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(counts(&a).await.outbox_delivered, 0);
    assert!(receiver.delivered.lock().unwrap().is_empty());

    // Phase 3: the helpdesk is back on the same address and accepts.
    receiver.failing.store(false, Ordering::SeqCst);
    let (_, stop_receiver, receiver_task) = start_receiver(hook.port(), receiver.clone()).await;
    eventually("every case delivered", async || {
        counts(&a).await.outbox_delivered == ids.len() as i64
    })
    .await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();
    // A later restart finds nothing left to send.
    let c = start_collector(cfg.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let n = counts(&c).await;
    assert_eq!(
        (n.outbox_pending, n.outbox_delivered),
        (0, ids.len() as i64)
    );
    c.stop().await.unwrap();
    let _ = stop_receiver.send(());
    receiver_task.await.unwrap();

    let delivered = receiver.delivered.lock().unwrap().clone();
    let mut per_case: BTreeMap<String, usize> = BTreeMap::new();
    for d in &delivered {
        let id = d["payload"]["case"]["id"].as_str().unwrap().to_string();
        assert_eq!(d["key"], id.as_str(), "Idempotency-Key is the case id");
        assert_eq!(d["authorization"], "Bearer hook-secret");
        assert_eq!(d["content_type"], "application/json");
        assert_eq!(d["payload"]["type"], "deflect.case");
        assert_eq!(
            d["payload"]["reference"],
            deflect_wire::case_reference(&id).as_str()
        );
        assert_eq!(
            d["payload"]["case"]["subject"],
            "Invoice shows the wrong VAT"
        );
        assert!(d["payload"]["body_text"]
            .as_str()
            .unwrap()
            .contains("VAT on invoices (billing/vat, 12 s) — not helpful (did_not_work)"));
        *per_case.entry(id).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = ids.iter().map(|id| (id.clone(), 1)).collect();
    assert_eq!(per_case, expected, "each case arrives exactly once");
}
on_both_backends!(forwarding_survives_an_outage_and_restarts);

// ---------------------------------------------------------------------------------------
// Retention

/// Rows older than the policy are purged in bounded batches by the collector's clock and
/// recent ones stay; an old case the helpdesk has not received yet stays while a webhook
/// waits for it; and a running collector purges on its own.
async fn retention_purges_old_rows_in_batches_and_keeps_undelivered_cases(backend: Backend) {
    use deflect_server::retention::{purge, Purged};
    let Some(db) = test_db(backend, "retention").await else {
        return;
    };
    let store = deflect_server::db::Db::open(&db.spec).await.unwrap();
    let now = deflect_server::db::now_ms();
    let day = 86_400_000i64;
    let events = |prefix: &str, n: usize| -> deflect_wire::EventBatch {
        serde_json::from_value(json!({"events": (0..n).map(|i| event(
            &format!("{prefix}-{i:04}"), "journey-ret", "2026-11-23T10:00:00Z",
            json!({"type": "search", "query": "vat", "results": 1}))).collect::<Vec<_>>()}))
        .unwrap()
    };
    let as_case = |id: &str| -> deflect_wire::Case {
        serde_json::from_value(case(id, "journey-ret", "billing_or_account")).unwrap()
    };
    // 25 events that arrived 40 days ago, 5 today; three cases: two from 800 days ago (one
    // forwarded, one still waiting for the helpdesk) and one from today.
    store
        .insert_events(&events("old", 25), now - 40 * day)
        .await
        .unwrap();
    store.insert_events(&events("new", 5), now).await.unwrap();
    store
        .insert_case(&as_case("case-ret-forwarded"), false, now - 800 * day)
        .await
        .unwrap();
    store
        .insert_case(&as_case("case-ret-waiting"), false, now - 800 * day)
        .await
        .unwrap();
    store
        .insert_case(&as_case("case-ret-recent"), false, now)
        .await
        .unwrap();
    for claimed in store.claim_outbox("test", now, 60_000, 10).await.unwrap() {
        if claimed.case_id == "case-ret-forwarded" {
            store
                .outbox_delivered(&claimed.case_id, "test", now)
                .await
                .unwrap();
        }
    }

    let policy = deflect_server::config::RetentionConfig {
        events_days: 30,
        cases_days: 730,
        purge_interval_s: 3600,
        batch_size: 7,
    };
    let purged = purge(&store, &policy, now, true).await.unwrap();
    assert_eq!(
        purged,
        Purged {
            events: 25,
            cases: 1
        }
    );
    let n = store.counts().await.unwrap();
    assert_eq!(
        (n.events, n.cases, n.outbox_pending, n.outbox_delivered),
        (5, 2, 2, 0)
    );
    assert!(store
        .case_payload("case-ret-waiting")
        .await
        .unwrap()
        .is_some());
    // Without a webhook nothing waits for the old case: it goes too.
    assert_eq!(
        purge(&store, &policy, now, false).await.unwrap(),
        Purged {
            events: 0,
            cases: 1
        }
    );
    assert_eq!(
        purge(&store, &policy, now, false).await.unwrap(),
        Purged::default()
    );
    store.close().await;

    // A running collector purges at start, without being asked.
    let store = deflect_server::db::Db::open(&db.spec).await.unwrap();
    store
        .insert_events(&events("aged", 12), now - 500 * day)
        .await
        .unwrap();
    store.close().await;
    let mut c = config(&db);
    c.retention.batch_size = 5;
    let server = start_collector(c).await;
    let db_handle = server.state.db.clone().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while db_handle.counts().await.unwrap().events != 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the collector did not purge on its own"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await.unwrap();
}
on_both_backends!(retention_purges_old_rows_in_batches_and_keeps_undelivered_cases);

// ---------------------------------------------------------------------------------------
// One person's data: export and erasure

/// Everything held about one person comes out whole and goes away whole through the API
/// (behind the report token): their cases, found by e-mail (case-insensitively) or by user
/// id, and the events of those cases' journeys; everyone else's rows stay.
async fn one_persons_data_is_exported_and_erased(backend: Backend) {
    let Some(db) = test_db(backend, "personal").await else {
        return;
    };
    let server = start_collector(config(&db)).await;
    let search = |id: &str, journey: &str, q: &str| {
        event(
            id,
            journey,
            "2026-11-23T10:00:00Z",
            json!({"type": "search", "query": q, "results": 2}),
        )
    };
    let events = json!({"events": [
        search("pd-ana-1a", "journey-ana-1", "invoice vat"),
        search("pd-ana-1b", "journey-ana-1", "vat number"),
        search("pd-ana-2a", "journey-ana-2", "refund"),
        search("pd-bo-1a", "journey-bo-1", "refund"),
        search("pd-anon-1", "journey-anon-1", "timer"),
    ]});
    assert_eq!(post_json(&server, "/v1/events", &events).await.status, 202);
    let mut ana_1 = case("case-pd-ana-0001", "journey-ana-1", "billing_or_account");
    ana_1["context"] = json!({"user_id": "u_1", "plan": "team"});
    let mut ana_2 = case("case-pd-ana-0002", "journey-ana-2", "how_do_i");
    ana_2["email"] = json!("ANA@Example.com");
    let mut bo = case("case-pd-bo-00001", "journey-bo-1", "how_do_i");
    bo["email"] = json!("bo@example.com");
    bo["context"] = json!({"user_id": "u-1"});
    for c in [&ana_1, &ana_2, &bo] {
        assert_eq!(post_json(&server, "/v1/cases", c).await.status, 201);
    }

    let client = reqwest::Client::new();
    let personal = |method: reqwest::Method, query: &str, token: bool| {
        let request = client.request(method, url(&server, &format!("/v1/personal-data{query}")));
        if token {
            request.bearer_auth(TOKEN)
        } else {
            request
        }
    };
    assert_eq!(
        send(personal(
            reqwest::Method::GET,
            "?email=ana@example.com",
            false
        ))
        .await
        .status,
        401
    );
    assert_eq!(
        send(personal(
            reqwest::Method::DELETE,
            "?email=ana@example.com",
            false
        ))
        .await
        .status,
        401
    );
    let no_selector = send(personal(reqwest::Method::GET, "", true)).await;
    assert_eq!(
        (no_selector.status, no_selector.body["field"].as_str()),
        (400, Some("email"))
    );
    assert_eq!(
        send(personal(
            reqwest::Method::GET,
            "?email=a@b.co&user_id=u",
            true
        ))
        .await
        .status,
        400
    );

    let ids = |v: &Value, key: &str, field: &str| -> Vec<String> {
        let mut ids: Vec<String> = v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                if field.is_empty() {
                    x["id"].as_str()
                } else {
                    x[field]["id"].as_str()
                }
                .unwrap()
                .to_string()
            })
            .collect();
        ids.sort();
        ids
    };
    let by_email = send(personal(
        reqwest::Method::GET,
        "?email=Ana@example.COM",
        true,
    ))
    .await;
    assert_eq!(by_email.status, 200, "{}", by_email.text);
    assert_eq!(
        ids(&by_email.body, "cases", "case"),
        ["case-pd-ana-0001", "case-pd-ana-0002"]
    );
    assert_eq!(
        ids(&by_email.body, "events", ""),
        ["pd-ana-1a", "pd-ana-1b", "pd-ana-2a"]
    );
    assert_eq!(
        by_email.body["cases"][0]["case"]["description"],
        "Since Monday."
    );
    assert_eq!(by_email.body["cases"][0]["forwarded_ms"], Value::Null);
    // By user id: exactly that id ("u_1" is not "u-1", though LIKE's _ would match it).
    let by_user = send(personal(reqwest::Method::GET, "?user_id=u_1", true)).await;
    assert_eq!(ids(&by_user.body, "cases", "case"), ["case-pd-ana-0001"]);
    assert_eq!(ids(&by_user.body, "events", ""), ["pd-ana-1a", "pd-ana-1b"]);

    let erased = send(personal(
        reqwest::Method::DELETE,
        "?email=ana@example.com",
        true,
    ))
    .await;
    assert_eq!(erased.status, 200, "{}", erased.text);
    assert_eq!(erased.body, json!({"cases": 2, "events": 3}));
    let after = send(personal(
        reqwest::Method::GET,
        "?email=ana@example.com",
        true,
    ))
    .await;
    assert_eq!(after.body, json!({"cases": [], "events": []}));
    let n = counts(&server).await;
    assert_eq!(
        (n.events, n.cases, n.outbox_pending),
        (2, 1, 1),
        "Bo's case and events, the anonymous search"
    );
    let bo_data = send(personal(reqwest::Method::GET, "?user_id=u-1", true)).await;
    assert_eq!(ids(&bo_data.body, "cases", "case"), ["case-pd-bo-00001"]);
    server.stop().await.unwrap();
}
on_both_backends!(one_persons_data_is_exported_and_erased);

// ---------------------------------------------------------------------------------------
// PostgreSQL over TLS

/// The collector reaches PostgreSQL over TLS and verifies the server: against the private
/// test cluster (scripts/test-postgres: a throwaway CA, a certificate for `localhost` only),
/// `sslmode=verify-full` with the CA connects encrypted (and `/healthz` says so), while the
/// same URL by IP address (the name does not match) and without the CA (unknown issuer)
/// are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_verifies_the_server_certificate() {
    let admin = std::env::var("DEFLECT_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let ca = std::env::var("DEFLECT_TEST_POSTGRES_CA")
        .ok()
        .filter(|v| !v.is_empty());
    let (Some(admin), Some(ca)) = (admin, ca) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but DEFLECT_TEST_POSTGRES_URL/_CA are not: scripts/test starts a TLS cluster"
        );
        eprintln!(
            "notice: skipping the PostgreSQL TLS test: DEFLECT_TEST_POSTGRES_URL/_CA are not set"
        );
        return;
    };
    let name = format!("deflect_tls_{}", std::process::id());
    let plain = deflect_server::db::create_postgres_database(&admin, &name)
        .await
        .unwrap();
    // postgres://postgres@127.0.0.1:PORT/NAME -> the same server by another name and mode.
    let by =
        |host: &str, params: &str| plain.replacen("@127.0.0.1:", &format!("@{host}:"), 1) + params;

    let verified = by(
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    );
    let db = deflect_server::db::Db::open(&verified)
        .await
        .expect("verify-full with the CA");
    assert_eq!(db.tls().await.unwrap(), Some(true));
    db.close().await;
    let mut c = Config {
        database: Some(verified.clone()),
        // These tests post without an Origin or from listed ones (set where it matters).
        allowed_origins: vec!["*".into()],
        ..Config::default()
    };
    c.rate_limit.per_second = 0.0;
    let server = start_collector(c).await;
    let health = send(reqwest::Client::new().get(url(&server, "/healthz"))).await;
    assert_eq!(
        health.body,
        json!({"status": "ok", "database": "postgres", "database_tls": true})
    );
    server.stop().await.unwrap();

    let wrong_name = by(
        "127.0.0.1",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    );
    assert!(
        deflect_server::db::Db::open(&wrong_name).await.is_err(),
        "a certificate for another name"
    );
    let unknown_issuer = by("localhost", "?sslmode=verify-full");
    assert!(
        deflect_server::db::Db::open(&unknown_issuer).await.is_err(),
        "a CA nobody trusts"
    );
    let unencrypted = deflect_server::db::Db::open(&by("localhost", "?sslmode=disable"))
        .await
        .unwrap();
    assert_eq!(unencrypted.tls().await.unwrap(), Some(false));
    unencrypted.close().await;
}
