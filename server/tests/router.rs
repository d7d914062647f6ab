//! The collector's router driven in process with `tower::ServiceExt::oneshot`, as axum's
//! own `examples/testing` does: each request goes through the real middleware stack
//! (origin guard, rate limit, extractors) without a socket. Where a real port is the point
//! — slow clients, connection caps, unread bodies, kills — the tests in `collector.rs` and
//! `faults.rs` use one.

use axum::body::{to_bytes, Body};
use axum::Router;
use deflect_server::config::Config;
use http::{header, Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

const TOKEN: &str = "router-test-report-token";

/// A router over a fresh SQLite database (kept alive by the returned directory).
async fn router(configure: impl FnOnce(&mut Config)) -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        database: Some(dir.path().join("c.sqlite").to_string_lossy().into_owned()),
        report_token: Some(TOKEN.into()),
        allowed_origins: vec!["https://app.example".into()],
        ..Config::default()
    };
    config.rate_limit.per_second = 0.0;
    configure(&mut config);
    let (router, _state) = deflect_server::app(config, None).await.unwrap();
    (router, dir)
}

/// Sends one request; returns the status and the body as JSON (`Value::Null` if empty or
/// not JSON).
async fn send(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `POST path` with `body` as JSON, from the page `origin` if given.
fn post_json(path: &str, body: &Value, origin: Option<&str>) -> Request<Body> {
    let mut r = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(o) = origin {
        r = r.header(header::ORIGIN, o);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn search_event(id: &str) -> Value {
    json!({"id": id, "journey_id": "journey-router-1", "at": "2026-11-23T10:00:00Z",
           "type": "search", "query": "reset password", "results": 3, "top_articles": ["a"]})
}

#[tokio::test]
async fn events_are_stored_once_and_errors_name_the_field() {
    let (router, _dir) = router(|_| {}).await;
    let batch = json!({"events": [search_event("ev-router-0001"), search_event("ev-router-0002")]});
    let request = || post_json("/v1/events", &batch, None);
    assert_eq!(
        send(&router, request()).await,
        (
            StatusCode::ACCEPTED,
            json!({"accepted": 2, "duplicates": 0})
        )
    );
    // A retry of the same batch stores nothing twice.
    assert_eq!(
        send(&router, request()).await,
        (
            StatusCode::ACCEPTED,
            json!({"accepted": 0, "duplicates": 2})
        )
    );

    // An invalid journey id: 422 naming the field by its JSON path.
    let mut bad = search_event("ev-router-0003");
    bad["journey_id"] = json!("no spaces allowed here");
    let bad = json!({"events": [bad]});
    let (status, body) = send(&router, post_json("/v1/events", &bad, None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "events[0].journey_id", "{body}");

    // Not JSON by its media type: 415, before anything is decoded.
    let (status, _) = send(
        &router,
        Request::post("/v1/events")
            .header(header::CONTENT_TYPE, "text/html")
            .body(Body::from(batch.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_page_origin_not_listed_is_refused_before_anything_is_stored() {
    let (router, _dir) = router(|_| {}).await;
    let batch = json!({"events": [search_event("ev-router-0100")]});
    let from = |origin: &str| post_json("/v1/events", &batch, Some(origin));
    let (status, _) = send(&router, from("https://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The listed origin is accepted, and the refused request stored nothing.
    assert_eq!(
        send(&router, from("https://app.example")).await,
        (
            StatusCode::ACCEPTED,
            json!({"accepted": 1, "duplicates": 0})
        )
    );
}

#[tokio::test]
async fn the_report_needs_the_token_and_counts_what_was_stored() {
    let (router, _dir) = router(|_| {}).await;
    let report = |auth: Option<&str>| {
        let mut r = Request::get("/v1/report");
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::empty()).unwrap()
    };
    assert_eq!(
        send(&router, report(None)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&router, report(Some("Bearer wrong-token-of-some-length")))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let batch = json!({"events": [search_event("ev-router-0200")]});
    send(&router, post_json("/v1/events", &batch, None)).await;
    let (status, body) = send(&router, report(Some(&format!("Bearer {TOKEN}")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["totals"]["searches"], 1, "{body}");
}

#[tokio::test]
async fn without_a_database_the_api_says_503_whatever_the_body() {
    let (router, _state) = deflect_server::app(Config::default(), None).await.unwrap();
    let (status, body) = send(
        &router,
        Request::post("/v1/cases")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("not even json"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["message"].is_string(), "{body}");
}
