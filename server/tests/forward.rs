//! Forwarding kinds end to end: the collector (the real `deflect_server::start`) against a
//! real SMTP server (Debian's aiosmtpd, `scripts/smtp-sink`) for kind `email`, and against
//! loopback receivers that check each helpdesk API's documented request shape for
//! `zendesk`, `freshdesk`, `helpscout` and `rt`. Also: permanent refusals park a case with
//! the helpdesk's message (visible in the report), transient ones are retried.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::{collector_config, eventually, start_collector};
use deflect_server::config::Config;
use deflect_server::forward::state::ForwardState;
use deflect_server::forward::Kind;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;

const TOKEN: &str = "test-report-token-0123456789";

struct Collector {
    server: deflect_server::Server,
    _dir: tempfile::TempDir,
}

fn base_config(dir: &Path) -> Config {
    let mut c = collector_config(&dir.join("collector.sqlite").to_string_lossy(), TOKEN);
    c.webhook.retry_base_ms = 20;
    c.webhook.retry_max_ms = 100;
    c.webhook.poll_ms = 20;
    c.webhook.timeout_ms = 5_000;
    c.webhook.lease_ms = 10_000;
    c
}

async fn start(edit: impl FnOnce(&mut Config)) -> Collector {
    let dir = tempfile::tempdir().unwrap();
    let mut config = base_config(dir.path());
    edit(&mut config);
    config.validate().unwrap();
    let server = start_collector(config).await;
    Collector { server, _dir: dir }
}

fn case(id: &str) -> Value {
    json!({
        "id": id, "journey_id": format!("journey-{id}"), "created_at": "2026-11-23T10:00:00Z",
        "subject": "Invoice shows the wrong VAT", "description": "Since Monday.",
        "email": "ana@example.com", "name": "Ana", "customer_category": "billing_or_account",
        "trail": {"queries": ["invoice vat"], "articles": [
            {"id": "billing/vat", "title": "VAT on invoices", "dwell_ms": 12000, "helpful": false, "reason": "did_not_work"}
        ]},
        "context": {"page_url": "https://app.example.com/billing"}
    })
}

async fn post_case(c: &Collector, body: &Value) {
    let r = reqwest::Client::new()
        .post(format!("http://{}/v1/cases", c.server.addr))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(status, 201, "{}", r.text().await.unwrap());
}

async fn state(c: &Collector, id: &str) -> ForwardState {
    let db = c.server.state.db.as_ref().unwrap();
    db.forward_state(id)
        .await
        .unwrap()
        .expect("the case is stored")
}

/// Waits until case `id`'s forward state is one `pick` takes something from; that thing.
async fn wait_for<T>(
    c: &Collector,
    id: &str,
    what: &str,
    pick: impl Fn(ForwardState) -> Option<T>,
) -> T {
    eventually(what, async || pick(state(c, id).await).is_some()).await;
    pick(state(c, id).await).expect("a settled state stays")
}

/// Waits until case `id` is delivered; the helpdesk's ticket id.
async fn delivered(c: &Collector, id: &str) -> Option<String> {
    wait_for(c, id, "delivered", |s| match s {
        ForwardState::Delivered { remote_id } => Some(remote_id),
        _ => None,
    })
    .await
}

/// Waits until case `id` is parked; the reason kept for the operator.
async fn parked(c: &Collector, id: &str) -> String {
    wait_for(c, id, "parked", |s| match s {
        ForwardState::Parked { reason } => Some(reason),
        _ => None,
    })
    .await
}

async fn report_json(c: &Collector) -> Value {
    let r = reqwest::Client::new()
        .get(format!("http://{}/v1/report", c.server.addr))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------
// E-mail against a real SMTP server

/// `scripts/smtp-sink` (aiosmtpd) on a loopback port, writing messages to a temp folder.
struct SmtpSink {
    port: u16,
    dir: tempfile::TempDir,
    child: tokio::process::Child,
}

async fn smtp_sink(args: &[&str]) -> SmtpSink {
    let dir = tempfile::tempdir().unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/smtp-sink");
    let mut child = tokio::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(dir.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting scripts/smtp-sink (needs python3-aiosmtpd: scripts/setup)");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port = lines
        .next_line()
        .await
        .unwrap()
        .expect("scripts/smtp-sink printed no port (is python3-aiosmtpd installed? scripts/setup)")
        .trim()
        .parse()
        .unwrap();
    SmtpSink { port, dir, child }
}

impl SmtpSink {
    fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

fn email_config(c: &mut Config, port: u16, user: Option<(&str, &str)>) {
    c.forward.kind = Some(Kind::Email);
    let e = &mut c.forward.email;
    e.host = Some("127.0.0.1".into());
    e.port = Some(port);
    e.security = deflect_server::forward::email::Security::None;
    e.from = Some("Deflect <cases@vendor.example>".into());
    e.to = Some("support@vendor.example".into());
    if let Some((u, p)) = user {
        e.username = Some(u.into());
        e.password = Some(p.into());
    }
}

/// The header block of a message, unfolded: name (lower case) → values.
fn headers(message: &str) -> BTreeMap<String, Vec<String>> {
    let head = message.split("\r\n\r\n").next().unwrap();
    let mut unfolded: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            unfolded.last_mut().unwrap().push_str(line);
        } else {
            unfolded.push(line.to_string());
        }
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in unfolded {
        let (name, value) = line.split_once(':').expect("a header line");
        map.entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.trim().to_string());
    }
    map
}

/// The decoded bodies of the parts with `content_type` (lettre picks 7bit, quoted-printable
/// or base64 per part).
fn part(message: &str, content_type: &str) -> String {
    let boundary = message
        .split("boundary=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a multipart message");
    for chunk in message.split(&format!("--{boundary}")) {
        let Some((head, body)) = chunk.split_once("\r\n\r\n") else {
            continue;
        };
        let head_lc = head.to_ascii_lowercase();
        if !head_lc.contains(&format!("content-type: {content_type}")) {
            continue;
        }
        if head_lc.contains("content-transfer-encoding: quoted-printable") {
            return decode_qp(body);
        }
        if head_lc.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            return String::from_utf8(base64_decode(&joined)).unwrap();
        }
        return body.to_string();
    }
    panic!("no {content_type} part in:\n{message}");
}

fn decode_qp(body: &str) -> String {
    let mut bytes = Vec::new();
    let b = body.replace("=\r\n", "");
    let raw = b.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'=' && i + 2 < raw.len() {
            bytes.push(
                u8::from_str_radix(std::str::from_utf8(&raw[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(bytes).unwrap()
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_arrives_as_an_email_at_a_real_smtp_server() {
    let sink = smtp_sink(&["--auth", "deflect:s3cret"]).await;
    let c = start(|c| email_config(c, sink.port, Some(("deflect", "s3cret")))).await;
    post_case(&c, &case("case-mail-00001")).await;
    // Hostile text: line breaks in the subject and name that would start new headers,
    // markup in the description.
    let mut hostile = case("case-mail-00002");
    hostile["subject"] = json!("Help\r\nBcc: victim@evil.example\r\nX-Injected: yes");
    hostile["name"] = json!("Mallory\r\nX-Name-Injected: yes");
    hostile["description"] = json!("<script>alert('x')</script><img src=x onerror=alert(1)>");
    post_case(&c, &hostile).await;
    eventually("both mails delivered", async || sink.messages().len() == 2).await;
    delivered(&c, "case-mail-00002").await;
    delivered(&c, "case-mail-00001").await;

    let messages = sink.messages();
    let by_id = |id: &str| {
        messages
            .iter()
            .find(|m| m.contains(&format!("<deflect-case-{id}@vendor.example>")))
            .unwrap_or_else(|| panic!("no message for {id}"))
            .clone()
    };
    let plain = by_id("case-mail-00001");
    let h = headers(&plain);
    assert_eq!(h["x-sink-rcpt-to"], ["support@vendor.example"]);
    assert_eq!(h["from"], ["Deflect <cases@vendor.example>"]);
    assert_eq!(h["to"], ["support@vendor.example"]);
    assert_eq!(h["reply-to"], ["Ana <ana@example.com>"]);
    let reference = deflect_server::forward::reference("case-mail-00001");
    assert_eq!(
        h["subject"],
        [format!("Invoice shows the wrong VAT [{reference}]")]
    );
    assert_eq!(
        h["message-id"],
        ["<deflect-case-case-mail-00001@vendor.example>"]
    );
    assert!(
        h["content-type"][0].starts_with("multipart/alternative"),
        "{h:?}"
    );
    let text = part(&plain, "text/plain");
    assert!(text.contains("Since Monday."), "{text}");
    assert!(
        text.contains("VAT on invoices (billing/vat, 12 s) — not helpful (did_not_work)"),
        "{text}"
    );
    assert!(text.contains("https://app.example.com/billing"), "{text}");
    assert!(
        text.contains("Identity: NOT verified"),
        "the identity is said plainly: {text}"
    );
    let html = part(&plain, "text/html");
    assert!(html.contains("Since Monday."), "{html}");
    assert_eq!(
        state(&c, "case-mail-00001").await,
        ForwardState::Delivered {
            remote_id: Some("<deflect-case-case-mail-00001@vendor.example>".into())
        }
    );

    let evil = by_id("case-mail-00002");
    let h = headers(&evil);
    assert!(
        !h.contains_key("bcc")
            && !h.contains_key("x-injected")
            && !h.contains_key("x-name-injected"),
        "{h:?}"
    );
    assert_eq!(
        h["x-sink-rcpt-to"],
        ["support@vendor.example"],
        "no extra recipient"
    );
    let reference = deflect_server::forward::reference("case-mail-00002");
    assert_eq!(
        h["subject"],
        [format!(
            "Help Bcc: victim@evil.example X-Injected: yes [{reference}]"
        )]
    );
    // The cleaned name travels as an RFC 2047 encoded word (it holds a colon): one line.
    let reply_to = &h["reply-to"][0];
    let encoded = reply_to
        .strip_prefix("=?utf-8?b?")
        .and_then(|r| r.strip_suffix("?= <ana@example.com>"))
        .unwrap_or_else(|| panic!("{reply_to}"));
    assert_eq!(
        String::from_utf8(base64_decode(encoded)).unwrap(),
        "Mallory X-Name-Injected: yes"
    );
    let html = part(&evil, "text/html");
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "{html}"
    );
    assert!(
        html.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        ),
        "{html}"
    );
    c.server.stop().await.unwrap();
    drop(sink.child);
}

/// A throwaway CA and a certificate for 127.0.0.1 signed by it (openssl): (ca, cert, key).
fn throwaway_certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let script = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=deflect-test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout smtp.key -out smtp.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext
openssl x509 -req -in smtp.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out smtp.pem -days 2 -extfile ext 2>/dev/null
"#;
    let ok = std::process::Command::new("bash")
        .args(["-c", script])
        .current_dir(dir)
        .status()
        .expect("openssl (scripts/setup installs it)")
        .success();
    assert!(ok, "openssl failed");
    (
        dir.join("ca.pem"),
        dir.join("smtp.pem"),
        dir.join("smtp.key"),
    )
}

/// STARTTLS (required) and TLS from the first byte, each against aiosmtpd with a
/// certificate from a private CA named in `forward.email.ca_file`; with AUTH. Without the
/// CA the certificate is not trusted and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_over_starttls_and_tls_to_a_real_smtp_server() {
    use deflect_server::forward::email::Security;
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = throwaway_certificates(certs.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    for (mode, security) in [("starttls", Security::Starttls), ("tls", Security::Tls)] {
        let sink = smtp_sink(&[
            "--tls",
            mode,
            "--cert",
            cert,
            "--key",
            key,
            "--auth",
            "deflect:s3cret",
        ])
        .await;
        let c = start(|c| {
            email_config(c, sink.port, Some(("deflect", "s3cret")));
            c.forward.email.security = security;
            c.forward.email.ca_file = Some(ca.clone());
        })
        .await;
        let id = format!("case-{mode}-00001");
        post_case(&c, &case(&id)).await;
        eventually("delivered over TLS", async || {
            matches!(state(&c, &id).await, ForwardState::Delivered { .. })
        })
        .await;
        let messages = sink.messages();
        assert_eq!(messages.len(), 1, "{mode}");
        assert!(messages[0].contains(&format!("<deflect-case-{id}@vendor.example>")));
        c.server.stop().await.unwrap();

        // The same server without its CA: the certificate is refused, nothing is sent.
        let c = start(|c| {
            email_config(c, sink.port, Some(("deflect", "s3cret")));
            c.forward.email.security = security;
        })
        .await;
        let id = format!("case-{mode}-00002");
        post_case(&c, &case(&id)).await;
        eventually("a failed attempt", async || {
            !matches!(state(&c, &id).await, ForwardState::Pending)
        })
        .await;
        let s = state(&c, &id).await;
        assert!(
            !matches!(s, ForwardState::Delivered { .. }),
            "{mode}: delivered to an untrusted certificate: {s:?}"
        );
        assert!(s.summary().to_lowercase().contains("certificate"), "{s:?}");
        assert_eq!(sink.messages().len(), 1, "{mode}: nothing more arrived");
        c.server.stop().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_smtp_credentials_park_the_case_with_the_servers_answer() {
    let sink = smtp_sink(&["--auth", "deflect:s3cret"]).await;
    let c = start(|c| email_config(c, sink.port, Some(("deflect", "wrong")))).await;
    post_case(&c, &case("case-mail-00003")).await;
    let reason = parked(&c, "case-mail-00003").await;
    assert!(
        reason.contains("535") && reason.contains("Authentication credentials invalid"),
        "{reason}"
    );
    // Parked means never retried: a while later it is still one attempt, nothing arrived.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty());
    let report = report_json(&c).await;
    assert_eq!(report["outbox"]["parked"], 1, "{report}");
    assert_eq!(report["outbox"]["pending"], 0, "{report}");
    // The dashboard's case list says so too.
    let range = deflect_server::report::Range::parse(None, None).unwrap();
    let rows = deflect_server::report::recent_cases(c.server.state.db.as_ref().unwrap(), range)
        .await
        .unwrap();
    assert!(
        rows[0]
            .forward
            .summary()
            .starts_with("parked: smtp 127.0.0.1:"),
        "{:?}",
        rows[0]
    );
    c.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_smtp_refusal_is_retried_not_parked() {
    let sink = smtp_sink(&["--reject-data", "451 4.3.0 Mailbox busy, try later"]).await;
    let c = start(|c| email_config(c, sink.port, None)).await;
    post_case(&c, &case("case-mail-00004")).await;
    eventually("retried at least three times", async || {
        matches!(state(&c, "case-mail-00004").await, ForwardState::Retrying { attempts, .. } if attempts >= 3)
    })
    .await;
    let ForwardState::Retrying { last_error, .. } = state(&c, "case-mail-00004").await else {
        unreachable!()
    };
    assert!(last_error.contains("451"), "{last_error}");
    c.server.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// HTTP helpdesks: loopback receivers that check the documented request shape

/// One request as received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
}

/// A vendor stand-in: records each request, and answers what `answer` says for it.
type Answer = Arc<dyn Fn(&Seen) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

async fn receiver(answer: Answer) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method,
              uri: axum::http::Uri,
              headers: axum::http::HeaderMap,
              body: String| {
            let log = log.clone();
            let answer = answer.clone();
            async move {
                let s = Seen {
                    method: method.to_string(),
                    path: uri.path().to_string(),
                    headers: headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                        .collect(),
                    body,
                };
                let (status, extra, body) = answer(&s);
                log.lock().unwrap().push(s);
                let mut response = axum::response::Response::builder().status(status);
                for (k, v) in extra {
                    response = response.header(k, v);
                }
                response
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(body))
                    .unwrap()
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

/// A while after a case was parked, the receiver still saw only the one request.
async fn assert_not_retried(seen: &Mutex<Vec<Seen>>) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a parked case is not retried"
    );
}

fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// Fails unless `body` is a JSON object whose keys are all in `allowed` and that has every
/// key in `required` (the documented schema, as far as these tests rely on it).
fn check_keys(what: &str, body: &Value, allowed: &[&str], required: &[&str]) {
    let obj = body
        .as_object()
        .unwrap_or_else(|| panic!("{what}: not a JSON object: {body}"));
    for k in obj.keys() {
        assert!(
            allowed.contains(&k.as_str()),
            "{what}: field {k:?} is not in the documented request schema"
        );
    }
    for k in required {
        assert!(
            obj.contains_key(*k),
            "{what}: required field {k:?} missing: {body}"
        );
    }
}

/// Zendesk Tickets API, Create Ticket:
/// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket
/// (request: POST /api/v2/tickets.json, Basic "{email}/token:{token}", JSON {"ticket": …};
/// answer 201 {"ticket": {"id": …}}; Idempotency-Key header supported on create).
fn zendesk_contract(s: &Seen) -> Result<(), String> {
    if s.method != "POST" || s.path != "/api/v2/tickets.json" {
        return Err(format!("{} {} is not Create Ticket", s.method, s.path));
    }
    if s.headers.get("authorization") != Some(&basic("agent@vendor.example/token", "zd-token")) {
        return Err("wrong authorization".into());
    }
    if !s
        .headers
        .get("content-type")
        .is_some_and(|v| v.starts_with("application/json"))
    {
        return Err("not JSON".into());
    }
    let body: Value = serde_json::from_str(&s.body).map_err(|e| e.to_string())?;
    check_keys("zendesk body", &body, &["ticket"], &["ticket"]);
    let t = &body["ticket"];
    check_keys(
        "zendesk ticket",
        t,
        &[
            "subject",
            "comment",
            "requester",
            "requester_id",
            "external_id",
            "tags",
            "priority",
            "custom_fields",
            "type",
            "status",
        ],
        &["subject", "comment"],
    );
    check_keys(
        "zendesk comment",
        &t["comment"],
        &["body", "html_body", "public"],
        &["body"],
    );
    check_keys(
        "zendesk requester",
        &t["requester"],
        &["name", "email", "locale_id"],
        &["email"],
    );
    if let Some(p) = t.get("priority") {
        if !["urgent", "high", "normal", "low"].contains(&p.as_str().unwrap_or_default()) {
            return Err(format!("priority {p} is not documented"));
        }
    }
    for f in t["custom_fields"].as_array().into_iter().flatten() {
        check_keys(
            "zendesk custom field",
            f,
            &["id", "value"],
            &["id", "value"],
        );
        if !f["id"].is_u64() {
            return Err("custom field id must be a number".into());
        }
    }
    Ok(())
}

/// Kind `zendesk` at `url`, agent `agent@vendor.example` with `api_token`.
fn zendesk_config(c: &mut Config, url: &str, api_token: &str) {
    c.forward.kind = Some(Kind::Zendesk);
    let z = &mut c.forward.zendesk;
    z.base_url = Some(url.to_string());
    z.email = Some("agent@vendor.example".into());
    z.api_token = Some(api_token.into());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zendesk_tickets_follow_the_documented_request_and_401_parks() {
    let (url, seen) = receiver(Arc::new(|s: &Seen| match zendesk_contract(s) {
        Ok(()) => (
            201,
            vec![],
            json!({"ticket": {"id": 35436, "status": "new"}}).to_string(),
        ),
        Err(e) => (
            400,
            vec![],
            json!({"error": "contract", "description": e}).to_string(),
        ),
    }))
    .await;
    let c = start(|c| {
        zendesk_config(c, &url, "zd-token");
        let z = &mut c.forward.zendesk;
        z.tags = vec!["deflect".into()];
        z.priority = Some("high".into());
        z.custom_fields = BTreeMap::from([("360001".into(), "web".into())]);
        z.category_field = Some("360002".into());
    })
    .await;
    post_case(&c, &case("case-zd-00001")).await;
    assert_eq!(
        delivered(&c, "case-zd-00001").await.as_deref(),
        Some("35436")
    );
    let s = seen.lock().unwrap()[0].clone();
    assert_eq!(s.headers["idempotency-key"], "case-zd-00001");
    let t: Value = serde_json::from_str(&s.body).unwrap();
    let t = &t["ticket"];
    assert_eq!(
        t["requester"],
        json!({"name": "Ana", "email": "ana@example.com"})
    );
    assert_eq!(t["external_id"], "case-zd-00001");
    assert_eq!(t["tags"], json!(["deflect", "deflect_billing_or_account"]));
    assert_eq!(t["priority"], "high");
    assert_eq!(
        t["custom_fields"],
        json!([{"id": 360001, "value": "web"}, {"id": 360002, "value": "billing_or_account"}])
    );
    assert!(t["comment"]["body"]
        .as_str()
        .unwrap()
        .contains("What the customer tried first"));
    c.server.stop().await.unwrap();

    // Wrong token: Zendesk answers 401 {"error": "Couldn't authenticate you"}: parked.
    let (url, seen) = receiver(Arc::new(|_: &Seen| {
        (
            401,
            vec![],
            json!({"error": "Couldn't authenticate you"}).to_string(),
        )
    }))
    .await;
    let c = start(|c| zendesk_config(c, &url, "revoked")).await;
    post_case(&c, &case("case-zd-00002")).await;
    let reason = parked(&c, "case-zd-00002").await;
    assert!(
        reason.contains("401") && reason.contains("Couldn't authenticate you"),
        "{reason}"
    );
    assert_not_retried(&seen).await;
    c.server.stop().await.unwrap();
}

/// Freshdesk API v2, Create a Ticket: https://developers.freshdesk.com/api/#create_ticket
/// (POST /api/v2/tickets, Basic "{api_key}:X", JSON; status 2..5, priority 1..4, source
/// 1,2,3,7,9,10; custom_fields keys cf_…; answer 201 {"id": …}; 429 with Retry-After).
fn freshdesk_contract(s: &Seen) -> Result<(), String> {
    if s.method != "POST" || s.path != "/api/v2/tickets" {
        return Err(format!("{} {} is not Create a Ticket", s.method, s.path));
    }
    if s.headers.get("authorization") != Some(&basic("fd-key", "X")) {
        return Err("wrong authorization".into());
    }
    let body: Value = serde_json::from_str(&s.body).map_err(|e| e.to_string())?;
    check_keys(
        "freshdesk ticket",
        &body,
        &[
            "name",
            "requester_id",
            "email",
            "facebook_id",
            "phone",
            "twitter_id",
            "unique_external_id",
            "subject",
            "type",
            "status",
            "priority",
            "description",
            "responder_id",
            "attachments",
            "cc_emails",
            "custom_fields",
            "due_by",
            "email_config_id",
            "fr_due_by",
            "group_id",
            "parent_id",
            "product_id",
            "source",
            "tags",
            "company_id",
            "internal_agent_id",
            "internal_group_id",
            "lookup_parameter",
        ],
        &["email", "subject", "description", "status", "priority"],
    );
    if !(2..=5).contains(&body["status"].as_u64().unwrap_or(0)) {
        return Err("status".into());
    }
    if !(1..=4).contains(&body["priority"].as_u64().unwrap_or(0)) {
        return Err("priority".into());
    }
    if ![1, 2, 3, 7, 9, 10].contains(&body["source"].as_u64().unwrap_or(2)) {
        return Err("source".into());
    }
    for k in body["custom_fields"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if !k.starts_with("cf_") {
            return Err(format!("custom field {k}"));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freshdesk_tickets_follow_the_documented_request_and_429_is_retried() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = calls.clone();
    let (url, seen) = receiver(Arc::new(move |s: &Seen| {
        if let Err(e) = freshdesk_contract(s) {
            return (
                400,
                vec![],
                json!({"description": "Validation failed", "errors": [e]}).to_string(),
            );
        }
        // The first attempt is rate-limited, as Freshdesk does past the plan's limit.
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return (429, vec![("retry-after".into(), "1".into())], "{}".into());
        }
        (201, vec![], json!({"id": 1042, "status": 2}).to_string())
    }))
    .await;
    let c = start(|c| {
        c.forward.kind = Some(Kind::Freshdesk);
        let f = &mut c.forward.freshdesk;
        f.base_url = Some(url.clone());
        f.api_key = Some("fd-key".into());
        f.priority = Some(2);
        f.category_field = Some("cf_deflect_category".into());
    })
    .await;
    let mut hostile = case("case-fd-00001");
    hostile["description"] = json!("<script>alert(1)</script>");
    post_case(&c, &hostile).await;
    assert_eq!(
        delivered(&c, "case-fd-00001").await.as_deref(),
        Some("1042")
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "429 once, then created");
    let body: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(
        body["custom_fields"],
        json!({"cf_deflect_category": "billing_or_account"})
    );
    assert_eq!(body["tags"], json!(["deflect_billing_or_account"]));
    let description = body["description"].as_str().unwrap();
    assert!(
        description.contains("&lt;script&gt;") && !description.contains("<script"),
        "{description}"
    );
    c.server.stop().await.unwrap();
}

/// Request Tracker 5 REST2, create a ticket:
/// https://docs.bestpractical.com/rt/5.0.0/RT/REST2.html (POST /REST/2.0/ticket,
/// "Authorization: token …", JSON with Queue, Subject, Requestor, Content, ContentType,
/// CustomFields; answer 201 {"id", "type": "ticket", "_url"}).
fn rt_contract(s: &Seen) -> Result<(), String> {
    if s.method != "POST" || s.path != "/rt/REST/2.0/ticket" {
        return Err(format!("{} {} is not ticket create", s.method, s.path));
    }
    if s.headers.get("authorization").map(String::as_str) != Some("token 1-14-rt-token") {
        return Err("wrong authorization".into());
    }
    let body: Value = serde_json::from_str(&s.body).map_err(|e| e.to_string())?;
    check_keys(
        "rt ticket",
        &body,
        &[
            "Queue",
            "Subject",
            "Requestor",
            "Cc",
            "AdminCc",
            "Owner",
            "Status",
            "Priority",
            "InitialPriority",
            "FinalPriority",
            "Content",
            "ContentType",
            "CustomFields",
            "Due",
            "Starts",
        ],
        &["Queue", "Subject"],
    );
    if body.get("Content").is_some()
        && body["ContentType"] != "text/plain"
        && body["ContentType"] != "text/html"
    {
        return Err("ContentType".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rt_tickets_follow_the_documented_request_and_5xx_is_retried() {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = calls.clone();
    let (url, seen) = receiver(Arc::new(move |s: &Seen| {
        if let Err(e) = rt_contract(s) {
            return (400, vec![], json!({"message": e}).to_string());
        }
        if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return (503, vec![], "{}".into());
        }
        (
            201,
            vec![],
            json!({"id": "20", "type": "ticket", "_url": "http://rt/REST/2.0/ticket/20"})
                .to_string(),
        )
    }))
    .await;
    let c = start(|c| {
        c.forward.kind = Some(Kind::Rt);
        let r = &mut c.forward.rt;
        r.base_url = Some(format!("{url}/rt/"));
        r.token = Some("1-14-rt-token".into());
        r.queue = Some("Support".into());
        r.custom_fields = BTreeMap::from([("Source".into(), "Deflect".into())]);
    })
    .await;
    post_case(&c, &case("case-rt-00001")).await;
    assert_eq!(delivered(&c, "case-rt-00001").await.as_deref(), Some("20"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "503 once, then created");
    let body: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(body["Queue"], "Support");
    assert_eq!(body["Requestor"], "ana@example.com");
    assert_eq!(body["CustomFields"], json!({"Source": "Deflect"}));
    c.server.stop().await.unwrap();
}

/// Help Scout Mailbox API 2.0: client-credentials token
/// (https://developer.helpscout.com/mailbox-api/overview/authentication/#client-credentials-flow)
/// then Create Conversation
/// (https://developer.helpscout.com/mailbox-api/endpoints/conversations/create/): 201 with
/// the id in the Resource-ID header.
fn helpscout_contract(s: &Seen) -> Result<(u16, Vec<(String, String)>, String), String> {
    match (s.method.as_str(), s.path.as_str()) {
        ("POST", "/v2/oauth2/token") => {
            if !s
                .headers
                .get("content-type")
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
            {
                return Err("token request must be form-encoded".into());
            }
            let mut form: Vec<&str> = s.body.split('&').collect();
            form.sort();
            if form
                != [
                    "client_id=hs-app",
                    "client_secret=hs%2Fsecret%26x",
                    "grant_type=client_credentials",
                ]
            {
                return Ok((401, vec![], json!({"error": "invalid_client"}).to_string()));
            }
            Ok((
                200,
                vec![],
                json!({"token_type": "bearer", "access_token": "hs-access", "expires_in": 172800})
                    .to_string(),
            ))
        }
        ("POST", "/v2/conversations") => {
            if s.headers.get("authorization").map(String::as_str) != Some("Bearer hs-access") {
                return Ok((401, vec![], json!({"error": "unauthorized"}).to_string()));
            }
            let body: Value = serde_json::from_str(&s.body).map_err(|e| e.to_string())?;
            check_keys(
                "helpscout conversation",
                &body,
                &[
                    "subject",
                    "autoReply",
                    "imported",
                    "assignTo",
                    "customer",
                    "mailboxId",
                    "type",
                    "status",
                    "createdAt",
                    "threads",
                    "tags",
                    "fields",
                    "user",
                ],
                &[
                    "subject",
                    "customer",
                    "mailboxId",
                    "type",
                    "status",
                    "threads",
                ],
            );
            if !["email", "phone", "chat"].contains(&body["type"].as_str().unwrap_or_default()) {
                return Err("type".into());
            }
            if !["active", "closed", "pending"]
                .contains(&body["status"].as_str().unwrap_or_default())
            {
                return Err("status".into());
            }
            for t in body["threads"].as_array().ok_or("threads")? {
                check_keys(
                    "helpscout thread",
                    t,
                    &[
                        "type",
                        "customer",
                        "text",
                        "bcc",
                        "cc",
                        "imported",
                        "createdAt",
                        "attachments",
                    ],
                    &["type", "text"],
                );
                if t["type"] == "customer" && t.get("customer").is_none() {
                    return Err("a customer thread needs its customer".into());
                }
            }
            Ok((
                201,
                vec![("resource-id".into(), "88771".into())],
                String::new(),
            ))
        }
        (m, p) => Err(format!("{m} {p} is not a documented endpoint")),
    }
}

/// A Help Scout stand-in that answers what its documented contract says (400 otherwise).
async fn helpscout_receiver() -> (String, Arc<Mutex<Vec<Seen>>>) {
    receiver(Arc::new(|s: &Seen| match helpscout_contract(s) {
        Ok(answer) => answer,
        Err(e) => (400, vec![], json!({"message": e}).to_string()),
    }))
    .await
}

/// Kind `helpscout` at `url`, app `hs-app` with `secret`, mailbox 4242.
fn helpscout_config(c: &mut Config, url: &str, secret: &str) {
    c.forward.kind = Some(Kind::Helpscout);
    let h = &mut c.forward.helpscout;
    h.api_url = Some(url.to_string());
    h.client_id = Some("hs-app".into());
    h.client_secret = Some(secret.into());
    h.mailbox_id = Some(4242);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helpscout_conversations_use_a_client_credentials_token() {
    let (url, seen) = helpscout_receiver().await;
    let c = start(|c| {
        helpscout_config(c, &url, "hs/secret&x");
        c.forward.helpscout.tags = vec!["deflect".into()];
    })
    .await;
    post_case(&c, &case("case-hs-00001")).await;
    post_case(&c, &case("case-hs-00002")).await;
    delivered(&c, "case-hs-00002").await;
    assert_eq!(
        delivered(&c, "case-hs-00001").await.as_deref(),
        Some("88771")
    );
    let seen = seen.lock().unwrap().clone();
    let paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/v2/oauth2/token", "/v2/conversations", "/v2/conversations"],
        "the token is reused"
    );
    let body: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(body["mailboxId"], 4242);
    assert_eq!(
        body["customer"],
        json!({"email": "ana@example.com", "firstName": "Ana"})
    );
    assert_eq!(
        body["tags"],
        json!(["deflect", "deflect-billing-or-account"])
    );
    c.server.stop().await.unwrap();

    // A wrong secret: the token endpoint refuses; the case is parked with its answer.
    let (url, _) = helpscout_receiver().await;
    let c = start(|c| helpscout_config(c, &url, "wrong")).await;
    post_case(&c, &case("case-hs-00003")).await;
    let reason = parked(&c, "case-hs-00003").await;
    assert!(
        reason.contains("401") && reason.contains("invalid_client"),
        "{reason}"
    );
    c.server.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_refuses_for_good_parks_the_case() {
    let (url, seen) = receiver(Arc::new(|_: &Seen| {
        (
            403,
            vec![],
            json!({"error": "token lacks tickets:write"}).to_string(),
        )
    }))
    .await;
    let c = start(|c| c.webhook.url = Some(format!("{url}/hook"))).await;
    post_case(&c, &case("case-wh-00001")).await;
    let reason = parked(&c, "case-wh-00001").await;
    assert_not_retried(&seen).await;
    assert!(
        reason.contains("403") && reason.contains("tickets:write"),
        "{reason}"
    );
    // The operator fixes the token and queues parked cases again.
    let db = c.server.state.db.as_ref().unwrap();
    assert_eq!(
        db.unpark_all(deflect_server::db::now_ms()).await.unwrap(),
        1
    );
    eventually("tried again", async || seen.lock().unwrap().len() >= 2).await;
    c.server.stop().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Leases: a send starts only inside a fresh lease

/// Instance A claims a batch, but its lease on one row runs out before A reaches it (a
/// slow batch); instance B claims that row. A must not send it: `renew_lease` right before
/// each send says no, so only B sends. (Before, A sent whatever it had claimed, and
/// server/bench/balanced.sh saw the same case delivered twice by two live instances.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_never_starts_on_a_lease_that_ran_out() {
    let c = start(|_| {}).await; // no destination: the rows stay for this test to claim
    post_case(&c, &case("case-lease-00001")).await;
    let db = c.server.state.db.as_ref().unwrap();
    let t = deflect_server::db::now_ms() + 1_000;
    let a = db.claim_outbox("instance-a", t, 100, 16).await.unwrap();
    assert_eq!(a.len(), 1);
    // Within A's lease nobody else can claim, and A may renew (and so send).
    assert!(db
        .claim_outbox("instance-b", t + 50, 100, 16)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .renew_lease("case-lease-00001", "instance-a", t + 50, 100)
        .await
        .unwrap());
    // A's renewed lease runs to t + 150; past it B claims the row ...
    let b = db
        .claim_outbox("instance-b", t + 200, 100, 16)
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    // ... and A, reaching the row late, is told not to send; B is.
    assert!(!db
        .renew_lease("case-lease-00001", "instance-a", t + 210, 100)
        .await
        .unwrap());
    assert!(db
        .renew_lease("case-lease-00001", "instance-b", t + 210, 100)
        .await
        .unwrap());
    // A's late verdicts change nothing either.
    db.outbox_delivered_as("case-lease-00001", "instance-a", t + 220, Some("late"))
        .await
        .unwrap();
    assert_eq!(state(&c, "case-lease-00001").await, ForwardState::Pending);
    c.server.stop().await.unwrap();
}
