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
use deflect_server::db::Db;
use deflect_server::report::Report;
use serde_json::{json, Value};

const TOKEN: &str = "test-report-token-0123456789";

// ---------------------------------------------------------------------------------------
// Backends

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test; the temp dir (SQLite) lives as long as this.
struct TestDb {
    spec: String,
    _dir: Option<tempfile::TempDir>,
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// None when PostgreSQL is not available locally (and CI is not set).
async fn test_db(backend: Backend, name: &str) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let spec = dir
                .path()
                .join("data/collector.sqlite")
                .to_string_lossy()
                .into_owned();
            Some(TestDb {
                spec,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let Some(admin) = std::env::var("DEFLECT_TEST_POSTGRES_URL")
                .ok()
                .filter(|v| !v.is_empty())
            else {
                if std::env::var_os("CI").is_some() {
                    panic!(
                        "CI is set but DEFLECT_TEST_POSTGRES_URL is not: the PostgreSQL tests \
                         must run in CI (scripts/test starts a private cluster)"
                    );
                }
                eprintln!(
                    "notice: skipping the PostgreSQL variant of {name}: \
                     DEFLECT_TEST_POSTGRES_URL is not set (scripts/test sets it)"
                );
                return None;
            };
            let db_name = format!(
                "deflect_{}_{}_{}",
                name,
                std::process::id(),
                DB_COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let spec = deflect_server::db::create_postgres_database(&admin, &db_name)
                .await
                .expect("creating a test database");
            Some(TestDb { spec, _dir: None })
        }
    }
}

/// Runs `$body` (an async fn taking a Backend) once per backend, as separate tests.
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await;
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Servers and requests

fn config(db: &TestDb) -> Config {
    let mut c = Config {
        database: Some(db.spec.clone()),
        report_token: Some(TOKEN.into()),
        ..Config::default()
    };
    c.rate_limit.per_second = 0.0;
    c
}

async fn start(config: Config) -> deflect_server::Server {
    let (listener, _) = deflect_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    deflect_server::start(config, None, listener).await.unwrap()
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
    let server = start(config(&db)).await;
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
    let server = start(cfg).await;
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
        "case as text/plain",
        send(
            client
                .post(url(&server, "/v1/cases"))
                .header("content-type", "text/plain")
                .body(case("case-txt-000001", "journey-01", "how_do_i").to_string()),
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
    let server = start(cfg).await;
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
