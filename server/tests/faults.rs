//! Faults and hostile input at the collector, in-process over real HTTP on SQLite: a
//! database locked by another process, a helpdesk webhook that never answers, unknown
//! fields, control characters and bidi overrides, absurd sizes and nesting. (A full disk
//! and secrets in logs need the real binary: cli/tests/faults.rs.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::{collector_config, eventually, start_collector};
use deflect_server::config::Config;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, Row, SqliteConnection};

const TOKEN: &str = "test-report-token-0123456789";

struct Db {
    _dir: tempfile::TempDir,
    path: String,
}

fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("collector.sqlite")
        .to_string_lossy()
        .into_owned();
    Db { _dir: dir, path }
}

fn config(db: &Db) -> Config {
    collector_config(&db.path, TOKEN)
}

/// A second connection to the same SQLite file, as another process (a backup, sqlite3)
/// would hold it.
async fn side_connection(db: &Db) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", db.path))
        .await
        .unwrap()
}

async fn post(server: &deflect_server::Server, path: &str, body: String) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("http://{}{path}", server.addr))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(server: &deflect_server::Server, path: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .get(format!("http://{}{path}", server.addr))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn batch(prefix: &str, n: usize) -> String {
    let events: Vec<Value> = (0..n)
        .map(|i| {
            json!({"id": format!("{prefix}-{i:06}"), "journey_id": "journey-01",
                   "at": "2026-11-23T10:00:00Z", "type": "search", "query": "reset password",
                   "results": 1})
        })
        .collect();
    json!({ "events": events }).to_string()
}

fn case(id: &str) -> Value {
    json!({
        "id": id, "journey_id": "journey-01", "created_at": "2026-11-23T10:00:00Z",
        "subject": "Invoice shows the wrong VAT", "description": "Since Monday.",
        "email": "ana@example.com", "name": "Ana", "customer_category": "billing_or_account",
        "trail": {"queries": ["invoice vat"], "articles": [
            {"id": "billing/vat", "title": "VAT on invoices", "dwell_ms": 12000}
        ]}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_delays_writes_then_answers_503_and_reads_keep_working() {
    let db = sqlite();
    let server = start_collector(config(&db)).await;
    assert_eq!(post(&server, "/v1/events", batch("lock-a", 2)).await.0, 202);

    // Another process holds the write lock briefly: the write waits (busy_timeout) and
    // succeeds once the lock is released; reads are served meanwhile (WAL).
    let mut holder = side_connection(&db).await;
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let waiting = {
        let addr = server.addr;
        tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(format!("http://{addr}/v1/events"))
                .header("content-type", "application/json")
                .body(batch("lock-b", 3))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a write cannot complete while another connection holds the write lock"
    );
    let (status, report) = get(&server, "/v1/report").await;
    assert_eq!(status, 200, "{report}");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["totals"]["events"], 2);
    assert_eq!(get(&server, "/healthz").await.0, 200);
    holder.execute("COMMIT").await.unwrap();
    let (status, text) = waiting.await.unwrap();
    assert_eq!(status, 202, "{text}");

    // Held past the busy timeout (10 s): 503 naming no field, nothing stored, and the same
    // request succeeds once the lock is gone.
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let (status, body) = post(&server, "/v1/events", batch("lock-c", 4)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["field"], "");
    let (status, body) = post(&server, "/v1/cases", case("case-locked-0001").to_string()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(&server, "/v1/report").await.0, 200, "reads still work");
    holder.execute("ROLLBACK").await.unwrap();
    let n = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!((n.events, n.cases, n.outbox_pending), (5, 0, 0));
    let (status, body) = post(&server, "/v1/events", batch("lock-c", 4)).await;
    assert_eq!((status, body["accepted"].clone()), (202, json!(4)));
    let (status, _) = post(&server, "/v1/cases", case("case-locked-0001").to_string()).await;
    assert_eq!(status, 201);
    // Every acknowledged write is really committed: a fresh connection sees them.
    let mut fresh = side_connection(&db).await;
    let stored: i64 = fresh
        .fetch_one("SELECT COUNT(*) FROM events")
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 9);
    server.stop().await.unwrap();
}

/// A helpdesk stand-in speaking just enough HTTP: while `hang` is set it reads the request
/// and never answers; otherwise it answers 200. Counts requests and 200s.
struct Helpdesk {
    hang: AtomicBool,
    requests: AtomicUsize,
    answered: AtomicUsize,
}

async fn start_helpdesk(state: Arc<Helpdesk>) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then Content-Length bytes of body.
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                state.requests.fetch_add(1, Ordering::SeqCst);
                if state.hang.load(Ordering::SeqCst) {
                    // Keep the connection open and silent until the client gives up.
                    let _ = socket.read(&mut buf).await;
                    return;
                }
                state.answered.fetch_add(1, Ordering::SeqCst);
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_times_out_and_the_case_waits_in_the_outbox() {
    let db = sqlite();
    let helpdesk = Arc::new(Helpdesk {
        hang: AtomicBool::new(true),
        requests: AtomicUsize::new(0),
        answered: AtomicUsize::new(0),
    });
    let hook = start_helpdesk(helpdesk.clone()).await;
    let mut cfg = config(&db);
    cfg.webhook.url = Some(format!("http://{hook}/hook"));
    cfg.webhook.timeout_ms = 200;
    cfg.webhook.retry_base_ms = 20;
    cfg.webhook.retry_max_ms = 100;
    cfg.webhook.poll_ms = 20;
    cfg.webhook.lease_ms = 5_000;
    let server = start_collector(cfg).await;

    // The case is acknowledged at once: forwarding never holds up the customer.
    let (status, body) = post(&server, "/v1/cases", case("case-hang-00001").to_string()).await;
    assert_eq!(status, 201, "{body}");
    eventually("several timed-out attempts", async || {
        helpdesk.requests.load(Ordering::SeqCst) >= 3
    })
    .await;
    let mut side = side_connection(&db).await;
    let row = side
        .fetch_one("SELECT attempts, delivered_ms, last_error FROM outbox")
        .await
        .unwrap();
    let attempts: i64 = row.get(0);
    let delivered: Option<i64> = row.get(1);
    let last_error: Option<String> = row.get(2);
    assert!(attempts >= 2, "{attempts}");
    assert_eq!(delivered, None, "a timeout is not a delivery");
    let last_error = last_error.unwrap_or_default();
    assert!(last_error.contains("timed out"), "{last_error}");
    assert!(
        !last_error.contains(&hook.to_string()),
        "the webhook URL stays out of stored errors: {last_error}"
    );
    let n = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!((n.outbox_pending, n.outbox_delivered), (1, 0));

    // The helpdesk recovers: the case is delivered, and only one attempt got a 2xx.
    helpdesk.hang.store(false, Ordering::SeqCst);
    eventually("delivery after the helpdesk recovers", async || {
        server
            .state
            .db
            .as_ref()
            .unwrap()
            .counts()
            .await
            .unwrap()
            .outbox_delivered
            == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(helpdesk.answered.load(Ordering::SeqCst), 1);
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_ignored_and_never_stored() {
    let db = sqlite();
    let server = start_collector(config(&db)).await;
    let body = json!({"events": [{
        "id": "unk-000001", "journey_id": "journey-01", "at": "2026-11-23T10:00:00Z",
        "type": "search", "query": "vat", "results": 0,
        "evil": "<script>window.__pwned=1</script>", "nested": {"deep": [1, 2, 3]}
    }], "extra": "x".repeat(10_000)});
    let (status, answer) = post(&server, "/v1/events", body.to_string()).await;
    assert_eq!(status, 202, "{answer}");
    let mut c = case("case-unknown-001");
    c["evil"] = json!("<img src=x onerror=alert(1)>");
    c["trail"]["articles"][0]["onclick"] = json!("alert(1)");
    c["context"] = json!({"plan": "team", "secret_field": "x"});
    let (status, answer) = post(&server, "/v1/cases", c.to_string()).await;
    assert_eq!(status, 201, "{answer}");

    let mut side = side_connection(&db).await;
    let payload: String = side
        .fetch_one("SELECT payload FROM events")
        .await
        .unwrap()
        .get(0);
    let stored: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        stored,
        json!({"id": "unk-000001", "journey_id": "journey-01", "at": "2026-11-23T10:00:00Z",
               "type": "search", "query": "vat", "results": 0, "top_articles": []})
    );
    let case_payload = server
        .state
        .db
        .as_ref()
        .unwrap()
        .case_payload("case-unknown-001")
        .await
        .unwrap()
        .unwrap();
    for unknown in ["evil", "onclick", "secret_field", "onerror"] {
        assert!(!case_payload.contains(unknown), "{case_payload}");
    }
    assert!(case_payload.contains("\"plan\":\"team\""));
    server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_sizes_and_nesting_are_rejected_naming_the_field() {
    let db = sqlite();
    let server = start_collector(config(&db)).await;
    let event = |query: &str| {
        json!({"events": [{"id": "ctl-000001", "journey_id": "journey-01",
               "at": "2026-11-23T10:00:00Z", "type": "search", "query": query, "results": 1}]})
        .to_string()
    };
    let mut rejected: Vec<(&str, (u16, Value), u16, &str)> = vec![
        (
            "NUL in a query",
            post(&server, "/v1/events", event("reset\u{0}password")).await,
            422,
            "events[0].query",
        ),
        (
            "BEL in a query",
            post(&server, "/v1/events", event("\u{7}")).await,
            422,
            "events[0].query",
        ),
        (
            "ANSI escape in a query",
            post(&server, "/v1/events", event("\u{1b}[2J")).await,
            422,
            "events[0].query",
        ),
        (
            "501-character query",
            post(&server, "/v1/events", event(&"q".repeat(501))).await,
            422,
            "events[0].query",
        ),
        (
            "1 MB query",
            post(&server, "/v1/events", event(&"q".repeat(1024 * 1024))).await,
            413,
            "",
        ),
    ];
    for (what, field, value) in [
        ("escape in the subject", "subject", json!("\u{1b}[31mred")),
        ("NUL in the name", "name", json!("Ana\u{0}")),
        (
            "DEL-range control in the description",
            "description",
            json!("x\u{85}y"),
        ),
        (
            "number too large for the dwell time",
            "trail.articles[0].dwell_ms",
            json!(1e30),
        ),
    ] {
        let mut c = case("case-ctl-000001");
        if field.starts_with("trail") {
            c["trail"]["articles"][0]["dwell_ms"] = value;
        } else {
            c[field] = value;
        }
        rejected.push((
            what,
            post(&server, "/v1/cases", c.to_string()).await,
            422,
            field,
        ));
    }
    // Invalid UTF-8, duplicate keys, and nesting far past serde_json's recursion limit.
    let mut bad_utf8 = batch("utf-000000", 1).into_bytes();
    let at = bad_utf8.windows(5).position(|w| w == b"reset").unwrap();
    bad_utf8[at] = 0xff;
    let r = reqwest::Client::new()
        .post(format!("http://{}/v1/events", server.addr))
        .header("content-type", "application/json")
        .body(bad_utf8)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    rejected.push((
        "invalid UTF-8",
        (
            status,
            serde_json::from_str(&r.text().await.unwrap()).unwrap(),
        ),
        400,
        "",
    ));
    let one = batch("dup-000000", 1);
    let inner = &one[1..one.len() - 1];
    rejected.push((
        "duplicate key",
        post(&server, "/v1/events", format!("{{{inner},{inner}}}")).await,
        422,
        "events",
    ));
    let deep = format!(
        "{{\"events\": [], \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Skipped without recursion (no stack overflow); the empty list is what is wrong.
    rejected.push((
        "100,000 nested arrays in an unknown field",
        post(&server, "/v1/events", deep).await,
        422,
        "events",
    ));
    for (what, (status, body), expected, field) in &rejected {
        assert_eq!(status, expected, "{what}: {body}");
        assert_eq!(body["field"], *field, "{what}: {body}");
    }
    let n = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!((n.events, n.cases), (0, 0), "nothing rejected is stored");

    // Right-to-left overrides and isolates are text (Arabic and Hebrew need them): they are
    // accepted, stored verbatim, and the dashboard shows them escaped, inside the page's
    // markup only as text.
    let rtl = "\u{202e}gnp.exe <img src=x onerror=alert(1)>";
    let (status, body) = post(&server, "/v1/events", event(rtl)).await;
    assert_eq!(status, 202, "{body}");
    let mut c = case("case-rtl-000001");
    c["subject"] = json!(format!("\u{2067}مرحبا\u{2069} {rtl}"));
    assert_eq!(post(&server, "/v1/cases", c.to_string()).await.0, 201);
    let stored = server
        .state
        .db
        .as_ref()
        .unwrap()
        .case_payload("case-rtl-000001")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.contains('\u{202e}'), "{stored}");
    let (status, page) = get(&server, "/report").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the query is shown, escaped"
    );
    assert!(!page.contains("<img"), "{page}");
    server.stop().await.unwrap();
}

/// What a client reads back from one request: the status, or the transport error that hid it.
type Outcome = Result<(u16, Value), String>;

/// POSTs `body` through reqwest (which sends `Content-Length`) and reads the answer.
async fn try_post(
    client: &reqwest::Client,
    url: String,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Outcome {
    let mut request = client.post(url).body(body).timeout(Duration::from_secs(30));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let r = request.send().await.map_err(|e| format!("{e:?}"))?;
    let status = r.status().as_u16();
    let text = r.text().await.map_err(|e| format!("{e:?}"))?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// POSTs `body` with chunked transfer encoding (no `Content-Length`, so the server only
/// learns the size while reading) over a raw connection, as a browser streaming a body
/// would. A failed write or read is returned, not ignored: it is the defect under test.
async fn try_post_chunked(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> Outcome {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(16 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let exchange = async {
        stream
            .write_all(&request)
            .await
            .map_err(|e| format!("writing the body: {e}"))?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .await
            .map_err(|e| format!("reading the answer: {e}"))?;
        Ok::<_, String>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| "no answer within 30 s".to_string())??;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line in {:?}", &text[..text.len().min(200)]))?;
    let body = text
        .find('{')
        .zip(text.rfind('}'))
        .and_then(|(a, b)| serde_json::from_str(&text[a..=b]).ok())
        .unwrap_or(Value::Null);
    Ok((status, body))
}

/// Issue 21: the collector answered 413 to an oversized body and closed the connection
/// while the client was still writing, so under load the client sometimes saw a reset
/// instead of the answer (and a widget would retry instead of stopping). Every rejection
/// that comes before the body is read — too large (declared or streamed), wrong media
/// type, refused origin — must reach the client, 200 times over, 16 at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_of_large_bodies_reach_the_client_under_concurrency() {
    let db = sqlite();
    let mut c = config(&db);
    c.allowed_origins = vec!["https://app.example".into()];
    let server = start_collector(c).await;
    let client = reqwest::Client::new();
    let url = format!("http://{}/v1/events", server.addr);
    let over = event_batch_of_bytes(server.state.config.max_body_bytes + 200_000);
    let under = event_batch_of_bytes(server.state.config.max_body_bytes / 2);

    let mut outcomes = Vec::new();
    for round in 0..(200 / 16 + 1) {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..16 {
            let n = round * 16 + i;
            if n >= 200 {
                break;
            }
            let (client, url, over, under) =
                (client.clone(), url.clone(), over.clone(), under.clone());
            let addr = server.addr;
            tasks.spawn(async move {
                let (what, expected, outcome) = match n % 4 {
                    0 => (
                        "declared too large",
                        413,
                        try_post(&client, url, &[("content-type", "application/json")], over).await,
                    ),
                    1 => (
                        "streamed too large",
                        413,
                        try_post_chunked(addr, "/v1/events", &over).await,
                    ),
                    2 => (
                        "wrong media type",
                        415,
                        try_post(&client, url, &[("content-type", "application/xml")], under).await,
                    ),
                    _ => (
                        "refused origin",
                        403,
                        try_post(
                            &client,
                            url,
                            &[
                                ("content-type", "application/json"),
                                ("origin", "https://evil.example"),
                            ],
                            under,
                        )
                        .await,
                    ),
                };
                (n, what, expected, outcome)
            });
        }
        while let Some(done) = tasks.join_next().await {
            outcomes.push(done.unwrap());
        }
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(n, what, expected, outcome)| match outcome {
            Ok((status, body)) if status == expected && body["message"].is_string() => None,
            Ok((status, body)) => Some(format!("#{n} {what}: {status} {body}")),
            Err(e) => Some(format!("#{n} {what}: no answer: {e}")),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rejections did not reach the client, e.g. {:#?}",
        failures.len(),
        outcomes.len(),
        &failures[..failures.len().min(5)]
    );
    let n = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!(n.events, 0, "nothing rejected is stored");
    server.stop().await.unwrap();
}

/// A syntactically valid event batch of about `bytes` bytes (one long query).
fn event_batch_of_bytes(bytes: usize) -> Vec<u8> {
    json!({"events": [{"id": "big-000001", "journey_id": "journey-01",
        "at": "2026-11-23T10:00:00Z", "type": "search", "query": "q".repeat(bytes), "results": 0}]})
    .to_string()
    .into_bytes()
}

/// Behind one proxy, the client is the right-most `X-Forwarded-For` entry: varying the
/// entries the client writes itself (left of it) does not get it a fresh bucket, and IPv6
/// clients are limited per /64.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_forwarded_for_entries_and_fresh_ipv6_addresses_share_one_bucket() {
    let db = sqlite();
    let mut c = config(&db);
    c.rate_limit.per_second = 0.001;
    c.rate_limit.burst = 2;
    c.trusted_proxy_hops = 1;
    let server = start_collector(c).await;
    let client = reqwest::Client::new();
    let post_from = |forwarded: String, n: usize| {
        let client = client.clone();
        let url = format!("http://{}/v1/events", server.addr);
        async move {
            client
                .post(url)
                .header("content-type", "application/json")
                .header("x-forwarded-for", forwarded)
                .body(batch(&format!("xff-{n:04}"), 1))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut forged = Vec::new();
    for n in 0..4 {
        forged.push(post_from(format!("10.9.9.{n}, 203.0.113.7"), n).await);
    }
    assert_eq!(
        forged,
        [202, 202, 429, 429],
        "forged left-hand entries pick no bucket"
    );
    let mut v6 = Vec::new();
    for n in 0..4 {
        v6.push(post_from(format!("2001:db8:7:7::{:x}", n + 1), 10 + n).await);
    }
    assert_eq!(
        v6,
        [202, 202, 429, 429],
        "fresh addresses of one /64 share a bucket"
    );
    assert_eq!(
        post_from("2001:db8:7:8::1".into(), 20).await,
        202,
        "another /64 is another client"
    );
    server.stop().await.unwrap();
}

/// Reads from `stream` until the server closes it (or `limit` passes); returns what it sent
/// and how long the close took, or `None` if it kept the connection open past `limit`.
async fn until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: Duration,
) -> Option<(String, Duration)> {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| {
        (
            String::from_utf8_lossy(&got).into_owned(),
            started.elapsed(),
        )
    })
}

/// Slow clients cannot hold the collector's connections: a client trickling header lines
/// (slowloris) is cut off after `header_read_timeout_ms`, one whose body stalls gets a 408
/// after `body_read_timeout_ms`, and past `max_connections` new clients wait for a free
/// connection instead of exhausting the process's descriptors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_and_connections_are_capped() {
    use tokio::io::AsyncWriteExt;
    let db = sqlite();
    let mut c = config(&db);
    c.header_read_timeout_ms = 500;
    c.body_read_timeout_ms = 500;
    let server = start_collector(c).await;

    // Slowloris: a header line every 200 ms, never the blank line that ends them.
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow
                .write_all(format!("X-Pad-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                return true; // the server closed it
            }
        }
        false
    };
    let cut_off = tokio::time::timeout(Duration::from_secs(10), trickle)
        .await
        .unwrap_or(false);
    assert!(
        cut_off,
        "a client trickling headers for 10 s kept its connection"
    );

    // A body that stalls after 10 of its 1,000 declared bytes.
    let mut stalled = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"events\":",
        )
        .await
        .unwrap();
    let (answer, _) = until_closed(&mut stalled, Duration::from_secs(10))
        .await
        .expect("a stalled body kept its connection for 10 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    server.stop().await.unwrap();

    // Two connections at most: a third client waits until one of them goes.
    let mut c = config(&db);
    c.max_connections = 2;
    let server = start_collector(c).await;
    let idle_a = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let _idle_b = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let health = || {
        reqwest::Client::new()
            .get(format!("http://{}/healthz", server.addr))
            .timeout(Duration::from_millis(1500))
            .send()
    };
    assert!(
        health().await.is_err(),
        "a third connection was served past the cap"
    );
    drop(idle_a);
    let r = health().await.expect("served once a connection is free");
    assert_eq!(r.status().as_u16(), 200);
    server.stop().await.unwrap();
}

/// A helpdesk answering with a redirect: the collector does not follow it (the case and
/// the bearer token would go to a host nobody configured); the case is parked with the
/// reason (sending the same request again cannot succeed until the URL is fixed: issue
/// 19), and the redirect's target never sees a request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_redirects_are_not_followed() {
    use axum::routing::post as route_post;
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let app = axum::Router::new()
        .route(
            "/hook",
            route_post(|| async {
                (
                    http::StatusCode::TEMPORARY_REDIRECT,
                    [(http::header::LOCATION, "/elsewhere")],
                )
            }),
        )
        .route(
            "/elsewhere",
            route_post(move || {
                hits.fetch_add(1, Ordering::SeqCst);
                async { http::StatusCode::OK }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let db = sqlite();
    let mut cfg = config(&db);
    cfg.webhook.url = Some(format!("http://{hook}/hook"));
    cfg.webhook.retry_base_ms = 20;
    cfg.webhook.retry_max_ms = 50;
    cfg.webhook.poll_ms = 20;
    let server = start_collector(cfg).await;
    let (status, body) = post(&server, "/v1/cases", case("case-redirect-01").to_string()).await;
    assert_eq!(status, 201, "{body}");
    let mut side = side_connection(&db).await;
    eventually("the case is parked", async || {
        let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT parked_ms FROM outbox")
            .fetch_optional(&mut side)
            .await
            .unwrap();
        row.is_some_and(|(parked,)| parked.is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (delivered, attempts, last_error): (Option<i64>, i64, Option<String>) =
        sqlx::query_as("SELECT delivered_ms, attempts, last_error FROM outbox")
            .fetch_one(&mut side)
            .await
            .unwrap();
    assert_eq!(delivered, None);
    assert_eq!(attempts, 1, "a parked case is not retried");
    assert!(
        last_error
            .as_deref()
            .unwrap_or_default()
            .contains("redirect, not followed"),
        "{last_error:?}"
    );
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    server.stop().await.unwrap();
}

/// One origin cannot fill the disk: past its daily quota it gets a 429 naming the quota and
/// when to retry, other origins are unaffected, and a retried case that is already stored
/// is still acknowledged (or the widget would retry it until midnight).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_past_its_daily_quota_gets_a_clear_429() {
    let db = sqlite();
    let mut c = config(&db);
    c.quota.events_per_origin_per_day = 5;
    c.quota.cases_per_origin_per_day = 1;
    let server = start_collector(c).await;
    let client = reqwest::Client::new();
    let send = |path: &'static str, origin: &'static str, body: String| {
        let request = client
            .post(format!("http://{}{path}", server.addr))
            .header("content-type", "application/json")
            .header("origin", origin)
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
            (status, retry, body)
        }
    };
    let a = "https://a.example";
    assert_eq!(send("/v1/events", a, batch("qa-1", 3)).await.0, 202);
    let (status, retry, body) = send("/v1/events", a, batch("qa-2", 3)).await;
    assert_eq!(status, 429);
    let retry: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("https://a.example has stored its 5 events for today"),
        "{body}"
    );
    assert_eq!(
        send("/v1/events", a, batch("qa-3", 2)).await.0,
        202,
        "3 + 2 fits"
    );
    assert_eq!(
        send("/v1/events", "https://b.example", batch("qb-1", 5))
            .await
            .0,
        202
    );

    assert_eq!(
        send("/v1/cases", a, case("case-quota-0001").to_string())
            .await
            .0,
        201
    );
    let (status, _, body) = send("/v1/cases", a, case("case-quota-0002").to_string()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        send("/v1/cases", a, case("case-quota-0001").to_string())
            .await
            .0,
        200,
        "a retry of a stored case"
    );
    let n = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!((n.events, n.cases), (10, 1));
    server.stop().await.unwrap();
}

/// The vendor's privacy settings hold whatever a widget sends: with `query_text = "none"`
/// no search is stored with its words, and page URLs lose their query and fragment unless
/// `page_url = "full"`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_settings_are_enforced_by_the_collector() {
    let db = sqlite();
    let mut c = config(&db);
    c.privacy.query_text = deflect_wire::QueryText::None;
    let server = start_collector(c).await;
    assert_eq!(post(&server, "/v1/events", batch("priv", 2)).await.0, 202);
    let mut kase = case("case-privacy-01");
    kase["context"] = json!({"page_url": "https://app.example/billing?token=s3cr3t#invoice-7"});
    assert_eq!(post(&server, "/v1/cases", kase.to_string()).await.0, 201);
    let mut side = side_connection(&db).await;
    let rows: Vec<(Option<String>, String)> = sqlx::query_as("SELECT query, payload FROM events")
        .fetch_all(&mut side)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for (query, payload) in rows {
        assert_eq!(query, None);
        assert!(!payload.contains("reset password"), "{payload}");
    }
    let stored = server
        .state
        .db
        .as_ref()
        .unwrap()
        .case_payload("case-privacy-01")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.contains("\"page_url\":\"https://app.example/billing\""),
        "{stored}"
    );
    assert!(!stored.contains("s3cr3t"), "{stored}");
    server.stop().await.unwrap();
}

/// The dashboard's sign-in form cannot be used to guess the token: five attempts at once
/// per client, then one every 12 s (429 with `Retry-After`, even for the right token), while
/// another client is unaffected. Behind a proxy that says the page came over https, the
/// session cookie is `Secure`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_per_client_and_the_cookie_is_secure_behind_https() {
    let db = sqlite();
    let mut c = config(&db);
    c.trusted_proxy_hops = 1;
    let server = start_collector(c).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |token: &str, from: &str, proto: Option<&str>| {
        let mut request = client
            .post(format!("http://{}/report/login", server.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", from)
            .body(format!("token={token}"));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        async move {
            let r = request.send().await.unwrap();
            let cookie = r
                .headers()
                .get("set-cookie")
                .map(|v| v.to_str().unwrap().to_string());
            let retry = r.headers().get("retry-after").is_some();
            (r.status().as_u16(), cookie, retry)
        }
    };
    let (status, cookie, _) = sign_in(TOKEN, "203.0.113.1", Some("https")).await;
    assert_eq!(status, 303);
    assert!(cookie.unwrap().ends_with("; Secure"), "served over https");
    let (status, cookie, _) = sign_in(TOKEN, "203.0.113.1", None).await;
    assert_eq!(status, 303);
    assert!(
        !cookie.unwrap().contains("Secure"),
        "plain http: a Secure cookie would never come back"
    );

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            sign_in("guess-0123456789abcdef", "203.0.113.1", None)
                .await
                .0,
        );
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 429],
        "two sign-ins and three guesses use the burst"
    );
    let (status, cookie, retry) = sign_in(TOKEN, "203.0.113.1", None).await;
    assert_eq!(
        (status, cookie, retry),
        (429, None, true),
        "throttled before the token is checked"
    );
    assert_eq!(
        sign_in(TOKEN, "198.51.100.9", None).await.0,
        303,
        "another client"
    );
    server.stop().await.unwrap();
}
