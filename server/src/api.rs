//! The collector's HTTP API: `POST /v1/events`, `POST /v1/cases`,
//! `PUT /v1/cases/{id}/classification`, `GET /v1/report`, `GET /healthz`.
//!
//! Every rejection is a JSON [`FieldError`] naming what is wrong; nothing is stored unless
//! the whole request is valid. 4xx answers are permanent, 429 and 5xx may be retried.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use deflect_wire::{decode, DecodeError};
use deflect_wire::{Case, CaseReceipt, EventBatch, FieldError, VendorClassification};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN, RETRY_AFTER};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use tokio::sync::Notify;

use crate::body::{self, BodyRead};
use crate::config::Config;
use crate::db::{now_ms, Db};
use crate::identity;
use crate::personal_data::{self, Person};
use crate::privacy;
use crate::quota::{DailyQuota, Exceeded, Stored};
use crate::rate_limit::RateLimiter;
use crate::report::{self, Range};

/// Shared by every handler.
#[derive(Debug)]
pub struct AppState {
    /// None: static hosting only; `/v1` answers 503.
    pub db: Option<Db>,
    /// Settings.
    pub config: Config,
    /// Per-client limiter for the posting endpoints.
    pub limiter: RateLimiter,
    /// What each page origin has stored today.
    pub quota: DailyQuota,
    /// Per-client limit on the dashboard's sign-in form (token guessing).
    pub sign_in_limiter: RateLimiter,
    /// Wakes the outbox worker when a case is stored.
    pub outbox_wake: Arc<Notify>,
}

/// A JSON error answer.
pub struct ApiError {
    status: StatusCode,
    error: FieldError,
    headers: Vec<(http::HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error for `field` with `status`.
    pub fn new(status: StatusCode, field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: FieldError::new(field, message),
            headers: Vec::new(),
        }
    }

    fn storage(e: anyhow::Error) -> ApiError {
        tracing::error!(error = %format!("{e:#}"), "storage failed");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "storage is unavailable; retry later",
        )
    }

    /// The same answer with `Connection: close`: the request body was not read to its end,
    /// so the connection cannot carry another request.
    fn closing(mut self) -> ApiError {
        self.headers
            .push((http::header::CONNECTION, HeaderValue::from_static("close")));
        self
    }

    fn unauthorized(message: &str) -> ApiError {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "Authorization", message);
        e.headers.push((
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"deflect\""),
        ));
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.error)).into_response();
        for (k, v) in self.headers {
            response.headers_mut().insert(k, v);
        }
        response
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Extractor: the database, or 503 when none is configured (static hosting only). It comes
/// first in each handler, so a collector without storage says so whatever the body holds.
pub struct Storage(pub Db);

impl FromRequestParts<Arc<AppState>> for Storage {
    type Rejection = ApiError;

    async fn from_request_parts(_: &mut Parts, state: &Arc<AppState>) -> ApiResult<Self> {
        state.db.clone().map(Storage).ok_or_else(|| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                "no database is configured: start `deflect serve` with --database (or DEFLECT_DATABASE)",
            )
        })
    }
}

/// The media type without parameters, lower-cased.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

fn require_media_type(headers: &HeaderMap, allowed: &[&str]) -> ApiResult<()> {
    match media_type(headers) {
        Some(t) if allowed.contains(&t.as_str()) => Ok(()),
        got => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type",
            format!(
                "must be {}, got {}",
                allowed.join(" or "),
                got.map_or("none".to_string(), |g| format!("{g:?}"))
            ),
        )),
    }
}

/// What the collector accepts as a request body: the media types, the validation beyond
/// the types, and how a decoding error is named.
pub trait WireBody: serde::de::DeserializeOwned + Sized {
    /// Accepted `Content-Type`s (without parameters).
    const MEDIA_TYPES: &'static [&'static str];
    /// Limits the types cannot express; the error names the field.
    fn check(&self) -> Result<(), FieldError>;
    /// Names a decoding error that serde left without a field.
    fn name(e: DecodeError) -> DecodeError {
        e
    }
}

/// `application/json`, and `text/plain`: what `navigator.sendBeacon` sends, which cannot
/// send JSON cross-origin when a page going away hands its events or cases over.
const JSON_OR_BEACON: &[&str] = &["application/json", "text/plain"];

impl WireBody for EventBatch {
    const MEDIA_TYPES: &'static [&'static str] = JSON_OR_BEACON;
    fn check(&self) -> Result<(), FieldError> {
        deflect_wire::Validate::validate(self)
    }
}

impl WireBody for Case {
    const MEDIA_TYPES: &'static [&'static str] = JSON_OR_BEACON;
    fn check(&self) -> Result<(), FieldError> {
        deflect_wire::Validate::validate(self)
    }
}

impl WireBody for VendorClassification {
    const MEDIA_TYPES: &'static [&'static str] = &["application/json"];
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }
    fn name(mut e: DecodeError) -> DecodeError {
        if e.error.field.is_empty() && !e.syntax {
            e.error.field = "vendor_category".into();
        }
        e
    }
}

/// Extractor: a request body read within `max_body_bytes` (413 beyond it, the rest drained
/// so the client reads the answer: see [`crate::body`]), of an accepted media type (415),
/// decoded (400 for syntax, 422 for shape) and checked (422), every error naming the field.
pub struct Wire<T>(pub T);

impl<T: WireBody> FromRequest<Arc<AppState>> for Wire<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &Arc<AppState>) -> ApiResult<Self> {
        let (parts, body) = request.into_parts();
        let limit = state.config.max_body_bytes;
        let deadline = std::time::Duration::from_millis(state.config.body_read_timeout_ms);
        let bytes = match body::read_limited(&parts.headers, body, limit, deadline).await {
            BodyRead::Complete(bytes) => bytes,
            BodyRead::TooLarge { drained } => {
                let e = ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "",
                    format!("the body must be at most {limit} bytes"),
                );
                return Err(if drained { e } else { e.closing() });
            }
            BodyRead::TimedOut => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "",
                    format!("the body did not arrive within {} ms", deadline.as_millis()),
                )
                .closing())
            }
            BodyRead::Broken => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "",
                    "the body could not be read",
                )
                .closing())
            }
        };
        require_media_type(&parts.headers, T::MEDIA_TYPES)?;
        parse::<T>(&bytes).map(Wire)
    }
}

/// Extractor: the page origin a posting request comes from (`Origin`), for the daily
/// quota; requests without one (server-to-server) count as one origin.
pub struct PageOrigin(pub String);

impl FromRequestParts<Arc<AppState>> for PageOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let origin = parts
            .headers
            .get(ORIGIN)
            .and_then(|o| o.to_str().ok())
            .unwrap_or("(no origin)");
        Ok(PageOrigin(origin.to_ascii_lowercase()))
    }
}

impl ApiError {
    fn quota(origin: &str, e: Exceeded) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "",
            format!(
                "{origin} has stored its {} {} for today (UTC); retry after midnight UTC",
                e.quota, e.kind
            ),
        );
        error
            .headers
            .push((RETRY_AFTER, HeaderValue::from(e.retry_after_s)));
        error
    }
}

/// Extractor: the report token, presented as `Authorization: Bearer` (401 otherwise).
pub struct ReportToken;

impl FromRequestParts<Arc<AppState>> for ReportToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> ApiResult<Self> {
        require_token(state, bearer(&parts.headers)).map(|()| ReportToken)
    }
}

/// A body that could not be decoded: not JSON is 400, JSON of the wrong shape 422.
fn decode_error(e: DecodeError) -> ApiError {
    ApiError {
        status: if e.syntax {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
        error: e.error,
        headers: Vec::new(),
    }
}

/// Parses and validates: syntax errors are 400, well-formed JSON that breaks the schema
/// (types, required fields, limits) 422; both name the field.
fn parse<T: WireBody>(bytes: &[u8]) -> ApiResult<T> {
    let value: T = decode(bytes).map_err(|e| decode_error(T::name(e)))?;
    value.check().map_err(|error| ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        error,
        headers: Vec::new(),
    })?;
    Ok(value)
}

/// `POST /v1/events`: a batch, stored in one transaction; ids already stored are skipped.
/// Accepts `application/json` and `text/plain` (what `navigator.sendBeacon` sends).
pub async fn post_events(
    State(state): State<Arc<AppState>>,
    Storage(db): Storage,
    PageOrigin(origin): PageOrigin,
    Wire(mut batch): Wire<EventBatch>,
) -> ApiResult<Response> {
    privacy::scrub_events(&mut batch, &state.config.privacy);
    state
        .quota
        .take(&origin, Stored::Events(batch.events.len() as u64), now_ms())
        .map_err(|e| ApiError::quota(&origin, e))?;
    let (accepted, duplicates) = db
        .insert_events(&batch, now_ms())
        .await
        .map_err(ApiError::storage)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"accepted": accepted, "duplicates": duplicates})),
    )
        .into_response())
}

/// `POST /v1/cases`: 201 and a receipt for a new case, 200 (`created: false`) for a retry.
/// A case whose identity is not verified is stored all the same, marked so (see
/// [`identity`]).
/// Accepts `text/plain` too: a page going away hands a case it could not keep in local
/// storage to `navigator.sendBeacon`, which cannot send JSON cross-origin.
pub async fn post_case(
    State(state): State<Arc<AppState>>,
    Storage(db): Storage,
    PageOrigin(origin): PageOrigin,
    Wire(mut case): Wire<Case>,
) -> ApiResult<Response> {
    privacy::scrub_case(&mut case, &state.config.privacy);
    // Settled before the quota and the insert: the signature is never stored, and a retry
    // of a stored case answers from the row without trusting anything new.
    let verdict = identity::settle(&mut case, &state.config.identity);
    if verdict == identity::Verdict::Mismatch {
        // For the vendor debugging their signing code: which case, never the signature.
        tracing::warn!(case_id = %case.id, "identity signature does not match the case's user id, e-mail and plan: stored as NOT verified");
    }
    if let Err(e) = state.quota.take(&origin, Stored::Case, now_ms()) {
        // A retry of a case already stored is answered as usual: the widget must learn
        // that it arrived, or it would retry until midnight.
        let stored = db.case_payload(&case.id).await.map_err(ApiError::storage)?;
        if stored.is_none() {
            return Err(ApiError::quota(&origin, e));
        }
    }
    let created = db
        .insert_case(&case, verdict.is_verified(), now_ms())
        .await
        .map_err(ApiError::storage)?;
    if created {
        state.outbox_wake.notify_one();
        tracing::info!(case_id = %case.id, "case stored");
    }
    let receipt = CaseReceipt {
        id: case.id.clone(),
        reference: case.reference(),
        created,
    };
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(receipt)).into_response())
}

/// Constant-time equality (for tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bearer token from `Authorization`, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn require_token(state: &AppState, presented: Option<&str>) -> ApiResult<()> {
    let Some(expected) = state.config.report_token.as_deref() else {
        return Err(ApiError::unauthorized(
            "no report token is configured: set report_token (or DEFLECT_REPORT_TOKEN)",
        ));
    };
    match presented {
        Some(p) if same_secret(p, expected) => Ok(()),
        Some(_) => Err(ApiError::unauthorized("the bearer token is wrong")),
        None => Err(ApiError::unauthorized(
            "send the report token as Authorization: Bearer <token>",
        )),
    }
}

/// `PUT /v1/cases/{id}/classification` (bearer token): sets the vendor's category.
pub async fn put_classification(
    Storage(db): Storage,
    Path(id): Path<String>,
    _: ReportToken,
    Wire(c): Wire<VendorClassification>,
) -> ApiResult<Response> {
    let found = db
        .classify(&id, c.vendor_category, now_ms())
        .await
        .map_err(ApiError::storage)?;
    if !found {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "id",
            format!("no case with id {id:?}"),
        ));
    }
    Ok(Json(serde_json::json!({"id": id, "vendor_category": c.vendor_category})).into_response())
}

/// `from` and `to` query parameters.
#[derive(Debug, Deserialize, Default)]
pub struct RangeQuery {
    /// `YYYY-MM-DD` or RFC 3339.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (inclusive) or RFC 3339 (exclusive).
    pub to: Option<String>,
}

impl RangeQuery {
    /// The parsed range, or a 400 naming the parameter.
    pub fn range(&self) -> ApiResult<Range> {
        Range::parse(self.from.as_deref(), self.to.as_deref())
            .map_err(|(field, message)| ApiError::new(StatusCode::BAD_REQUEST, &field, message))
    }
}

/// `GET /v1/report?from&to` (bearer token): the report as JSON.
pub async fn get_report(
    Storage(db): Storage,
    Query(q): Query<RangeQuery>,
    _: ReportToken,
) -> ApiResult<Response> {
    let range = q.range()?;
    let report = report::build(&db, range).await.map_err(ApiError::storage)?;
    Ok(Json(report).into_response())
}

/// `email` or `user_id`: whose data.
#[derive(Debug, Deserialize, Default)]
pub struct PersonQuery {
    /// The address the person's cases were sent from.
    pub email: Option<String>,
    /// The vendor's user id their cases carried.
    pub user_id: Option<String>,
}

impl PersonQuery {
    fn person(&self) -> ApiResult<Person> {
        Person::from_selectors(self.email.as_deref(), self.user_id.as_deref())
            .map_err(|(field, message)| ApiError::new(StatusCode::BAD_REQUEST, &field, message))
    }
}

/// `GET /v1/personal-data?email=…` (or `user_id=`; bearer token): everything held about one
/// person, as JSON.
pub async fn get_personal_data(
    Storage(db): Storage,
    Query(q): Query<PersonQuery>,
    _: ReportToken,
) -> ApiResult<Response> {
    let data = personal_data::export(&db, &q.person()?)
        .await
        .map_err(ApiError::storage)?;
    Ok(Json(data).into_response())
}

/// `DELETE /v1/personal-data?email=…` (or `user_id=`; bearer token): erases it; answers
/// what was removed.
pub async fn delete_personal_data(
    Storage(db): Storage,
    Query(q): Query<PersonQuery>,
    _: ReportToken,
) -> ApiResult<Response> {
    let person = q.person()?;
    let erased = personal_data::erase(&db, &person)
        .await
        .map_err(ApiError::storage)?;
    tracing::info!(
        cases = erased.cases,
        events = erased.events,
        "personal data erased"
    );
    Ok(Json(erased).into_response())
}

/// `GET /healthz`: 200 when the database answers (or none is configured), else 503.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match &state.db {
        None => Json(serde_json::json!({"status": "ok", "database": "none"})).into_response(),
        Some(db) => match db.ping().await {
            Ok(()) => Json(serde_json::json!({
                "status": "ok",
                "database": db.backend().as_str(),
                "database_tls": db.tls().await.ok().flatten(),
            }))
            .into_response(),
            Err(e) => {
                tracing::warn!(error = %e, "health check: database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Json(serde_json::json!({"status": "unavailable", "database": db.backend().as_str()})),
                )
                    .into_response()
            }
        },
    }
}

/// True when `origin` may call the API: listed, or `"*"` is listed, or the page is served
/// by this very host (same origin). An empty list (only possible without a database, see
/// `Config::validate`) allows the same origin alone.
pub fn origin_allowed(config: &Config, origin: &str, host: Option<&str>) -> bool {
    if config
        .allowed_origins
        .iter()
        .any(|o| o == crate::config::ANY_ORIGIN)
    {
        return true;
    }
    if config
        .allowed_origins
        .iter()
        .any(|o| o.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

/// Middleware: a request whose `Origin` is present and not allowed gets 403 before
/// anything is read or stored (preflights are answered by the CORS layer).
pub async fn origin_guard(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != http::Method::OPTIONS {
        if let Some(origin) = request.headers().get(ORIGIN) {
            let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
            let allowed = origin
                .to_str()
                .map(|o| origin_allowed(&state.config, o, host))
                .unwrap_or(false);
            if !allowed {
                tracing::info!(origin = ?origin, path = %request.uri().path(), "origin refused");
                let e = ApiError::new(
                    StatusCode::FORBIDDEN,
                    "Origin",
                    format!(
                        "{} is not an allowed origin",
                        origin.to_str().unwrap_or("this origin")
                    ),
                );
                return refuse_unread(request, e).await;
            }
        }
    }
    next.run(request).await
}

/// Answers a request refused before its body was read: the body is drained first, so the
/// client reads the refusal instead of a reset (see [`crate::body`]).
async fn refuse_unread(request: Request, e: ApiError) -> Response {
    let (parts, body) = request.into_parts();
    let e = if body::drain(&parts.headers, body).await {
        e
    } else {
        e.closing()
    };
    e.into_response()
}

/// The client address for the rate limit: the TCP peer, or with `n` trusted proxies in
/// front, the `n`-th `X-Forwarded-For` entry from the right — the address the outermost
/// trusted proxy saw. Entries left of it are the client's own words (a forged header picks
/// no bucket); with fewer entries than proxies the left-most one is the furthest known.
fn client_ip(state: &AppState, request: &Request) -> IpAddr {
    client_of(state, request.headers(), request.extensions())
}

/// [`client_ip`] from a request's parts, for handlers that take them apart.
pub fn client_of(state: &AppState, headers: &HeaderMap, extensions: &http::Extensions) -> IpAddr {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    forwarded_client(headers, state.config.proxy_hops()).unwrap_or(peer)
}

/// True when a trusted proxy says the client reached it over https (`X-Forwarded-Proto`;
/// `deflect serve` itself speaks plain http, so https is always a proxy's).
pub fn served_over_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.proxy_hops() > 0
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn forwarded_client(headers: &HeaderMap, hops: usize) -> Option<IpAddr> {
    if hops == 0 {
        return None;
    }
    // Several X-Forwarded-For headers are one list, in order (RFC 9110 field lines).
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let chosen = entries.get(entries.len().checked_sub(hops).unwrap_or(0))?;
    chosen.parse().ok()
}

/// Middleware: per-client token bucket on the posting endpoints (429 + `Retry-After`).
pub async fn rate_limit(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == http::Method::POST {
        let ip = client_ip(&state, &request);
        if let Err(retry_after) = state.limiter.check(ip, Instant::now()) {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "",
                "too many requests from this client; retry later",
            );
            e.headers
                .push((RETRY_AFTER, HeaderValue::from(retry_after)));
            return refuse_unread(request, e).await;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_by_its_path() {
        let field = |json: String| match parse::<Case>(json.as_bytes()) {
            Ok(_) => (0, String::new()),
            Err(e) => (e.status.as_u16(), e.error.field),
        };
        let base = r#""id":"abcdefgh12","journey_id":"abcdefgh12","created_at":"2026-11-23T10:00:00Z","subject":"x""#;
        let ok = format!(r#"{{{base},"email":"a@b.co","customer_category":"how_do_i"}}"#);
        assert_eq!(field(ok.clone()), (0, String::new()));
        assert_eq!(
            field(format!(
                r#"{{{base},"email":"a@b.co","customer_category":"weather"}}"#
            )),
            (422, "customer_category".into())
        );
        assert_eq!(
            field(format!(r#"{{{base},"customer_category":"how_do_i"}}"#)),
            (422, "email".into())
        );
        assert_eq!(
            field(format!(
                r#"{{{base},"email":"a@b.co","customer_category":"how_do_i","trail":{{"articles":[{{"id":"a","title":"t","dwell_ms":-1}}]}}}}"#
            )),
            (422, "trail.articles[0].dwell_ms".into())
        );
        assert_eq!(
            field(format!(
                r#"{{{base},"email":"nope","customer_category":"how_do_i"}}"#
            )),
            (422, "email".into())
        );
        assert_eq!(field(ok.replace('}', "")).0, 400);
        assert_eq!(field(format!("{ok} trailing")).0, 400);
    }

    #[test]
    fn origins_are_listed_or_same_host() {
        let mut c = Config::default();
        assert!(!origin_allowed(&c, "https://any.example", None));
        assert!(origin_allowed(
            &c,
            "http://127.0.0.1:4000",
            Some("127.0.0.1:4000")
        ));
        c.allowed_origins = vec!["*".into()];
        assert!(origin_allowed(&c, "https://any.example", None));
        c.allowed_origins = vec!["https://app.example".into()];
        assert!(origin_allowed(&c, "https://app.example", None));
        assert!(origin_allowed(&c, "HTTPS://APP.example", None));
        assert!(!origin_allowed(&c, "https://evil.example", None));
        assert!(!origin_allowed(&c, "https://app.example.evil", None));
        assert!(origin_allowed(
            &c,
            "http://127.0.0.1:4000",
            Some("127.0.0.1:4000")
        ));
        assert!(!origin_allowed(
            &c,
            "http://127.0.0.1:4001",
            Some("127.0.0.1:4000")
        ));
        assert!(!origin_allowed(&c, "null", Some("127.0.0.1:4000")));
    }

    #[test]
    fn the_client_is_read_from_the_right_of_x_forwarded_for() {
        let headers = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
            }
            h
        };
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        // The client forged the first entry; the one proxy appended the real address.
        let forged = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            forwarded_client(&forged, 0),
            None,
            "no proxy: header ignored"
        );
        assert_eq!(forwarded_client(&forged, 1), ip("203.0.113.7"));
        // Two proxies (CDN then load balancer), the list split over two header lines.
        let two = headers(&["6.6.6.6, 203.0.113.7", "198.51.100.2"]);
        assert_eq!(forwarded_client(&two, 2), ip("203.0.113.7"));
        assert_eq!(forwarded_client(&two, 1), ip("198.51.100.2"));
        // Fewer entries than proxies: the furthest one known.
        assert_eq!(
            forwarded_client(&headers(&["203.0.113.7"]), 3),
            ip("203.0.113.7")
        );
        // Garbage where the client should be: the peer address is used.
        assert_eq!(forwarded_client(&headers(&["1.2.3.4, unknown"]), 1), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
        // The older setting still means one proxy.
        let old = Config {
            trust_forwarded_for: true,
            ..Config::default()
        };
        assert_eq!(old.proxy_hops(), 1);
    }

    #[test]
    fn bearer_tokens_and_secret_comparison() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
