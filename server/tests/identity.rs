//! Identity verification over real HTTP, against SQLite and (when DEFLECT_TEST_POSTGRES_URL
//! names a server; required when CI is set) PostgreSQL: a case signed by the vendor's
//! backend is forwarded as verified, an unsigned or wrongly signed one as NOT verified (and
//! under `require_verified` without the user id and plan it claimed), the mark shows on the
//! dashboard and in the personal-data export, and neither the secret nor the signature is
//! stored, forwarded or echoed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deflect_server::config::Config;
use deflect_server::identity::{message, sign};
use serde_json::{json, Value};

#[macro_use]
mod common;
use common::{test_db, Backend, TestDb};

const TOKEN: &str = "test-report-token-0123456789";
const SECRET: &str = "identity-test-secret-5f0a9c2e7d41b8a3c6e9";

/// A helpdesk stand-in that records every delivery's JSON body.
async fn start_receiver(delivered: Arc<Mutex<Vec<Value>>>) -> std::net::SocketAddr {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: String| {
            let delivered = delivered.clone();
            async move {
                delivered
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn start(
    db: &TestDb,
    hook: std::net::SocketAddr,
    require_verified: bool,
) -> deflect_server::Server {
    let mut config = Config {
        database: Some(db.spec.clone()),
        report_token: Some(TOKEN.into()),
        allowed_origins: vec!["*".into()],
        ..Config::default()
    };
    config.rate_limit.per_second = 0.0;
    config.webhook.url = Some(format!("http://{hook}/hook"));
    config.webhook.poll_ms = 50;
    config.identity.secret = Some(SECRET.into());
    config.identity.require_verified = require_verified;
    let (listener, _) = deflect_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    deflect_server::start(config, None, listener).await.unwrap()
}

fn base(server: &deflect_server::Server) -> String {
    format!("http://{}", server.addr)
}

async fn post_case(server: &deflect_server::Server, case: &Value) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/v1/cases", base(server)))
        .header("content-type", "application/json")
        .body(case.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get(server: &deflect_server::Server, path: &str) -> String {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", base(server)))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.unwrap()
}

/// A case from Ana, user u-1042 on the premium plan, with `signature` if any.
fn case(id: &str, email: &str, signature: Option<String>) -> Value {
    let mut context = json!({"user_id": "u-1042", "plan": "premium"});
    if let Some(s) = signature {
        context["identity_signature"] = s.into();
    }
    json!({
        "id": id, "journey_id": "journey-identity", "created_at": "2026-11-23T10:00:00Z",
        "subject": "Please change my billing address", "email": email, "name": "Ana",
        "customer_category": "billing_or_account", "context": context
    })
}

/// What the vendor's backend computes for Ana.
fn anas_signature() -> String {
    sign(
        SECRET,
        &message(Some("u-1042"), Some("ana@example.com"), Some("premium")),
    )
}

/// Posts the three cases of every test: signed, unsigned, and signed for Ana but sent with
/// another address (a visitor replaying Ana's page values). Waits until all are forwarded
/// and returns the deliveries by case id.
async fn post_three_and_collect(
    server: &deflect_server::Server,
    delivered: &Arc<Mutex<Vec<Value>>>,
) -> std::collections::BTreeMap<String, Value> {
    let cases = [
        case(
            "case-ident-signed",
            "ana@example.com",
            Some(anas_signature()),
        ),
        case("case-ident-unsigned", "ana@example.com", None),
        case(
            "case-ident-wrong",
            "mallory@example.com",
            Some(anas_signature()),
        ),
    ];
    for c in &cases {
        let (status, body) = post_case(server, c).await;
        assert_eq!(status, 201, "{body}");
        assert!(!body.contains(SECRET), "{body}");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while delivered.lock().unwrap().len() < cases.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for the webhook"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all = delivered.lock().unwrap().clone();
    assert_eq!(all.len(), cases.len(), "each case delivered once");
    all.into_iter()
        .map(|d| (d["case"]["id"].as_str().unwrap().to_string(), d))
        .collect()
}

async fn signed_cases_are_verified_and_others_are_forwarded_as_not_verified(backend: Backend) {
    let Some(db) = test_db(backend, "identity").await else {
        return;
    };
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let server = start(&db, start_receiver(delivered.clone()).await, false).await;
    let by_id = post_three_and_collect(&server, &delivered).await;

    let signed = &by_id["case-ident-signed"];
    assert_eq!(signed["identity_verified"], true);
    let text = signed["body_text"].as_str().unwrap();
    assert!(text.contains("Identity: verified"), "{text}");
    assert!(!text.contains("NOT verified"), "{text}");
    for id in ["case-ident-unsigned", "case-ident-wrong"] {
        let d = &by_id[id];
        assert_eq!(d["identity_verified"], false, "{id}");
        let text = d["body_text"].as_str().unwrap();
        assert!(
            text.contains(
                "Identity: NOT verified — the e-mail was typed by the visitor / not signed"
            ),
            "{id}: {text}"
        );
        // Without require_verified the claimed values travel, marked as unverified.
        assert_eq!(d["case"]["context"]["user_id"], "u-1042", "{id}");
    }
    assert_eq!(
        by_id["case-ident-wrong"]["case"]["email"],
        "mallory@example.com"
    );
    for d in by_id.values() {
        let json = d.to_string();
        assert!(!json.contains("identity_signature"), "forwarded: {json}");
        assert!(!json.contains(SECRET), "forwarded: {json}");
    }

    // The dashboard's cases table and the personal-data export carry the mark; nothing
    // the collector shows holds the secret or a signature.
    let dashboard = get(&server, "/report?from=2026-11-01&to=2026-11-30").await;
    let row = |id: &str| {
        let start = dashboard.find(&format!("id=\"case-{id}\"")).expect(id);
        dashboard[start..]
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    assert!(
        row("case-ident-signed").contains("<td>verified</td>"),
        "{}",
        row("case-ident-signed")
    );
    assert!(
        row("case-ident-wrong").contains("not verified"),
        "{}",
        row("case-ident-wrong")
    );
    let export: Value =
        serde_json::from_str(&get(&server, "/v1/personal-data?user_id=u-1042").await).unwrap();
    let marks: Vec<(String, bool)> = export["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["case"]["id"].as_str().unwrap().to_string(),
                c["identity_verified"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        marks
            .iter()
            .filter(|(_, v)| *v)
            .map(|(id, _)| id.as_str())
            .collect::<Vec<_>>(),
        ["case-ident-signed"],
        "{marks:?}"
    );
    assert_eq!(marks.len(), 3, "{marks:?}");
    for path in ["/v1/personal-data?user_id=u-1042", "/v1/report", "/healthz"] {
        let body = get(&server, path).await;
        assert!(!body.contains(SECRET), "{path}: {body}");
        assert!(!body.contains(&anas_signature()), "{path}: {body}");
    }
    assert!(!dashboard.contains(SECRET) && !dashboard.contains(&anas_signature()));
    server.stop().await.unwrap();
}
on_both_backends!(signed_cases_are_verified_and_others_are_forwarded_as_not_verified);

async fn require_verified_drops_the_user_id_and_plan_of_unverified_cases(backend: Backend) {
    let Some(db) = test_db(backend, "identity_required").await else {
        return;
    };
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let server = start(&db, start_receiver(delivered.clone()).await, true).await;
    let by_id = post_three_and_collect(&server, &delivered).await;

    let signed = &by_id["case-ident-signed"]["case"];
    assert_eq!(signed["context"]["user_id"], "u-1042");
    assert_eq!(signed["context"]["plan"], "premium");
    for (id, email) in [
        ("case-ident-unsigned", "ana@example.com"),
        ("case-ident-wrong", "mallory@example.com"),
    ] {
        let d = &by_id[id];
        assert_eq!(d["identity_verified"], false, "{id}");
        // Accepted and forwarded with the address the visitor typed, as not verified...
        assert_eq!(d["case"]["email"], email, "{id}");
        // ... but without the account and plan it claimed.
        assert_eq!(d["case"]["context"].get("user_id"), None, "{id}: {d}");
        assert_eq!(d["case"]["context"].get("plan"), None, "{id}: {d}");
        let text = d["body_text"].as_str().unwrap();
        assert!(
            !text.contains("u-1042") && !text.contains("premium"),
            "{id}: {text}"
        );
    }
    // What is stored is what was forwarded: the export by user id finds the verified case
    // only.
    let export: Value =
        serde_json::from_str(&get(&server, "/v1/personal-data?user_id=u-1042").await).unwrap();
    let ids: Vec<&str> = export["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["case-ident-signed"]);
    server.stop().await.unwrap();
}
on_both_backends!(require_verified_drops_the_user_id_and_plan_of_unverified_cases);

/// A signature that cannot be an HMAC-SHA256 in hex is a malformed request: 422 naming
/// the field, nothing stored, and the answer shows neither the secret nor the value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_signature_is_refused_naming_the_field() {
    let db = test_db(Backend::Sqlite, "identity_malformed")
        .await
        .unwrap();
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let server = start(&db, start_receiver(delivered).await, false).await;
    for bad in [
        "B1CD563C70A6D7AB4281FC8CF8067DFB0CCA484A0BEEC22D0A58BF90CEBB3EF1".to_string(),
        "b1cd563c".to_string(),
        format!("{}zz", "0".repeat(62)),
    ] {
        let (status, body) = post_case(
            &server,
            &case("case-ident-bad", "ana@example.com", Some(bad.clone())),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["field"], "context.identity_signature", "{body}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("64 lower-case hexadecimal"),
            "{body}"
        );
        assert!(!body.contains(SECRET) && !body.contains(&bad), "{body}");
    }
    let counts = server.state.db.as_ref().unwrap().counts().await.unwrap();
    assert_eq!(counts.cases, 0);
    server.stop().await.unwrap();
}
