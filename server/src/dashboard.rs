//! `/report`: the report as one HTML page with server-drawn SVG charts (no scripts), and
//! the list of cases where the vendor classifies them (`classify`).
//!
//! Access takes the report token, either as `Authorization: Bearer` or through the login
//! form, which sets an `HttpOnly; SameSite=Strict` cookie scoped to `/report` holding a
//! signed session that expires (`report_session`), never the token itself. Every
//! piece of customer-provided text (queries, article ids, categories) is HTML-escaped.
//! Everything sits in one `main` landmark and every chart has a text alternative, so the
//! page passes axe-core like the widget does.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use deflect_wire::CustomerCategory;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE,
};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;

use crate::api::{bearer, same_secret, AppState};
use crate::classify::{cases_table, csrf_token};
use crate::report::{self, reason_names, vendor_columns, CaseRow, Report};
use crate::report_session::{self, SESSION_SECONDS};

const COOKIE_NAME: &str = "deflect_report";
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
}

/// True when the request carries the report token (header) or a live session (cookie).
pub(crate) fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = state.config.report_token.as_deref() else {
        return false;
    };
    let by_header = bearer(headers).is_some_and(|t| same_secret(t, expected));
    by_header
        || cookie_token(headers)
            .is_some_and(|c| report_session::is_valid(expected, &c, now_seconds()))
}

fn now_seconds() -> i64 {
    crate::db::now_ms() / 1000
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// A whole page: `body` goes in the page's one `main` landmark.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// A page that only says `message` (an error), with a way back to the report.
pub(crate) fn message_page(status: StatusCode, message: &str) -> Response {
    html(
        status,
        page(
            "Deflect report",
            &format!(
                "<h1>Deflect report</h1><p role=\"alert\">{}</p><p><a href=\"/report\">Back to the report</a></p>",
                escape(message)
            ),
        ),
    )
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;\
padding:0 1rem;color:#1d2330}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2.2rem}\
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid #e3e6ec;\
text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.kpi{display:flex;\
gap:1.5rem;flex-wrap:wrap}.kpi div{background:#f4f6fa;border-radius:8px;padding:.6rem 1rem}\
.kpi b{display:block;font-size:1.4rem}svg{max-width:100%;height:auto}form.range{margin:1rem 0}\
.muted{color:#667}.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;\
vertical-align:middle}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);\
white-space:nowrap}form.classify{display:flex;gap:.4rem;margin:0}.saved{background:#e6f4ec;\
border-radius:8px;padding:.5rem 1rem}";

/// The sign-in form (401), with `message` when the last attempt failed.
pub(crate) fn login_page(message: Option<&str>) -> Response {
    let msg = message.map_or(String::new(), |m| {
        format!("<p role=\"alert\">{}</p>", escape(m))
    });
    html(
        StatusCode::UNAUTHORIZED,
        page(
            "Deflect report — sign in",
            &format!(
                "<h1>Deflect report</h1>{msg}<form method=\"post\" action=\"/report/login\">\
                 <label>Report token <input type=\"password\" name=\"token\" \
                 autocomplete=\"current-password\" required></label> \
                 <button type=\"submit\">Open the report</button></form>"
            ),
        ),
    )
}

/// `GET /report` parameters: the window, and the case just classified (if any).
#[derive(Debug, Deserialize, Default)]
pub struct DashboardQuery {
    /// `YYYY-MM-DD` or RFC 3339.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (inclusive) or RFC 3339 (exclusive).
    pub to: Option<String>,
    /// The id of the case whose category was just saved.
    pub saved: Option<String>,
}

/// `GET /report`.
pub async fn get_dashboard(
    State(state): State<Arc<AppState>>,
    Query(q): Query<DashboardQuery>,
    headers: HeaderMap,
) -> Response {
    if state.config.report_token.is_none() {
        return login_page(Some(
            "No report token is configured on this server: set report_token (or DEFLECT_REPORT_TOKEN).",
        ));
    }
    if !authorized(&state, &headers) {
        return login_page(None);
    }
    let Some(db) = state.db.as_ref() else {
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            page(
                "Deflect report",
                "<h1>Deflect report</h1><p>No database is configured: start <code>deflect serve</code> with --database.</p>",
            ),
        );
    };
    let range = match report::Range::parse(q.from.as_deref(), q.to.as_deref()) {
        Ok(r) => r,
        Err((field, message)) => {
            return html(
                StatusCode::BAD_REQUEST,
                page(
                    "Deflect report",
                    &format!(
                        "<h1>Deflect report</h1><p role=\"alert\">{}: {}</p><p><a href=\"/report\">Back</a></p>",
                        escape(&field),
                        escape(&message)
                    ),
                ),
            );
        }
    };
    let built = async {
        let report = report::build(db, range).await?;
        let cases = report::recent_cases(db, range).await?;
        anyhow::Ok((report, cases))
    };
    match built.await {
        Ok((r, cases)) => {
            let csrf = csrf_token(state.config.report_token.as_deref().unwrap_or_default());
            let view = View {
                from: q.from.as_deref().unwrap_or(""),
                to: q.to.as_deref().unwrap_or(""),
                cases: &cases,
                csrf: &csrf,
                saved: q.saved.as_deref(),
            };
            html(StatusCode::OK, render(&r, &view))
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "report failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                page(
                    "Deflect report",
                    "<h1>Deflect report</h1><p>The database is unavailable.</p>",
                ),
            )
        }
    }
}

/// The login form's body.
#[derive(Deserialize)]
pub struct Login {
    token: String,
}

/// `POST /report/login`: sets the cookie and redirects to `/report`. Attempts are limited
/// per client (five at once, then one every 12 s: 429 with `Retry-After`), so the token
/// cannot be guessed through the form; the cookie is `Secure` when a trusted proxy says
/// the page was served over https.
pub async fn post_login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    extensions: http::Extensions,
    Form(login): Form<Login>,
) -> Response {
    let client = crate::api::client_of(&state, &headers, &extensions);
    if let Err(retry_after) = state
        .sign_in_limiter
        .check(client, std::time::Instant::now())
    {
        let mut r = login_page(Some(
            "Too many sign-in attempts from here; wait a minute and try again.",
        ));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        r.headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from(retry_after));
        return r;
    }
    let Some(token) = state
        .config
        .report_token
        .as_deref()
        .filter(|t| same_secret(login.token.trim(), t))
    else {
        return login_page(Some("That token is not right."));
    };
    let secure = if crate::api::served_over_https(&state, &headers) {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/report; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}",
        report_session::issue(token, now_seconds())
    );
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r.headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/report"));
    r
}

/// `POST /report/logout`: clears the cookie.
pub async fn post_logout() -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static(
            "deflect_report=; Path=/report; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    r.headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/report"));
    r
}

const RESOLVED: &str = "#2e9e6b";
const ESCALATED: &str = "#d9822b";
const ABANDONED: &str = "#9aa3b5";
const REASON_COLOURS: [&str; 5] = ["#5b6ee1", "#d9822b", "#c9455b", "#8a6bbf", "#9aa3b5"];

fn pct(r: Option<f64>) -> String {
    r.map_or("–".into(), |r| format!("{:.1}%", r * 100.0))
}

/// What the page shows besides the report's figures.
pub struct View<'a> {
    /// The window as the vendor typed it (echoed into the forms).
    pub from: &'a str,
    /// The window's end as typed.
    pub to: &'a str,
    /// The newest cases in the window.
    pub cases: &'a [CaseRow],
    /// The classification forms' CSRF token.
    pub csrf: &'a str,
    /// The case whose category was just saved.
    pub saved: Option<&'a str>,
}

/// The whole dashboard page.
pub fn render(r: &Report, view: &View<'_>) -> String {
    let t = &r.totals;
    let mut b = String::new();
    let saved = view
        .saved
        .and_then(|id| view.cases.iter().find(|c| c.id == id));
    let _ = write!(
        b,
        "<h1>Deflect report</h1><form class=\"range\" method=\"get\" action=\"/report\">\
         <label>From <input type=\"date\" name=\"from\" value=\"{}\"></label> \
         <label>To <input type=\"date\" name=\"to\" value=\"{}\"></label> \
         <button type=\"submit\">Show</button></form>\
         <form method=\"post\" action=\"/report/logout\"><button type=\"submit\">Sign out</button></form>",
        escape(view.from),
        escape(view.to)
    );
    if let Some(c) = saved {
        let _ = write!(
            b,
            "<p class=\"saved\" role=\"status\">Saved: {} is classified as “{}”.</p>",
            escape(&c.reference),
            escape(&c.vendor_category.as_deref().unwrap_or("").replace('_', " "))
        );
    }
    let _ = write!(
        b,
        "<p class=\"muted\">Window: {} to {} (UTC, customers' clocks).</p><div class=\"kpi\">\
         <div><b>{}</b>deflection rate</div><div><b>{}</b>journeys</div><div><b>{}</b>resolved</div>\
         <div><b>{}</b>escalated</div><div><b>{}</b>abandoned</div><div><b>{}</b>without an outcome</div>\
         <div><b>{}</b>searches</div><div><b>{}</b>zero-result searches</div>\
         <div><b>{}</b>searches with no good answer</div><div><b>{}</b>cases ({} classified)</div>\
         <div><b>{}</b>cases waiting to be forwarded</div></div>\
         <p>Of {} journeys, {} ended resolved, {} escalated and {} abandoned; {} have no outcome in \
         this window (still in progress, ended after it, or their end never reached the collector).</p>",
        escape(r.from.as_deref().unwrap_or("the start")),
        escape(r.to.as_deref().unwrap_or("now")),
        pct(t.deflection_rate),
        t.journeys,
        t.resolved,
        t.escalated,
        t.abandoned,
        t.without_outcome,
        t.searches,
        t.zero_result_searches,
        t.no_good_answer_searches,
        t.cases,
        t.classified_cases,
        r.outbox.pending,
        t.journeys,
        t.resolved,
        t.escalated,
        t.abandoned,
        t.without_outcome,
    );
    b.push_str("<h2>Journeys per day by outcome, and the deflection rate</h2>");
    b.push_str(&days_chart(r));
    b.push_str("<p class=\"legend\"><span style=\"background:");
    let _ = write!(
        b,
        "{RESOLVED}\"></span>resolved<span style=\"background:{ESCALATED}\"></span>escalated\
         <span style=\"background:{ABANDONED}\"></span>abandoned<span style=\"background:#1d2330;height:2px\"></span>\
         deflection rate = resolved ÷ (resolved + escalated), one dot per day</p>"
    );
    b.push_str("<h2>Top queries</h2>");
    b.push_str(&bar_list(
        "Top queries, by searches",
        &r.top_queries
            .iter()
            .map(|q| (q.query.clone(), q.searches))
            .collect::<Vec<_>>(),
        "#5b6ee1",
        "searches",
    ));
    b.push_str(
        "<h2>Zero-result queries</h2><p class=\"muted\">What customers looked for and the \
         knowledge base did not have: the documentation team's content gaps.</p>",
    );
    b.push_str(&bar_list(
        "Zero-result queries, by searches",
        &r.zero_result_queries
            .iter()
            .map(|q| (q.query.clone(), q.searches))
            .collect::<Vec<_>>(),
        "#c9455b",
        "searches",
    ));
    b.push_str(
        "<h2>Queries with no good answer</h2><p class=\"muted\">Queries that got suggestions, \
         none of which contains the query's most specific word (\u{201c}gantt\u{201d} in \
         \u{201c}projects as a gantt chart\u{201d}): content gaps hidden behind unrelated results. \
         Judged by the widget's search core; older widgets do not send it.</p>",
    );
    b.push_str(&bar_list(
        "Queries with no good answer, by searches",
        &r.no_good_answer_queries
            .iter()
            .map(|q| (q.query.clone(), q.searches))
            .collect::<Vec<_>>(),
        "#8a6bbf",
        "searches",
    ));
    b.push_str("<h2>Articles with the most “No” feedback</h2>");
    b.push_str(&feedback_chart(r));
    b.push_str(&cases_table(view.cases, view.csrf, view.from, view.to));
    b.push_str(
        "<h2>Customers' classification of cases against the vendor's</h2><p class=\"muted\">\
         Rows: what the customer chose in the form. Columns: the vendor's category, set in the \
         cases table above or with <code>PUT /v1/cases/{id}/classification</code>.</p>",
    );
    b.push_str(&matrix(r));
    let title = match saved {
        Some(c) => format!("Saved {} — Deflect report", c.reference),
        None => "Deflect report".to_string(),
    };
    page(&title, &b)
}

fn days_chart(r: &Report) -> String {
    if r.days.is_empty() {
        return "<p class=\"muted\">No journeys ended in this window.</p>".into();
    }
    let (w, h, left, right, top, bottom) = (760.0, 260.0, 44.0, 48.0, 12.0, 30.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = r
        .days
        .iter()
        .map(|d| d.resolved + d.escalated + d.abandoned)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let n = r.days.len() as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.8).max(1.0);
    let summary: Vec<String> = r
        .days
        .iter()
        .map(|d| {
            format!(
                "{}: {} resolved, {} escalated, {} abandoned, deflection rate {}",
                d.day,
                d.resolved,
                d.escalated,
                d.abandoned,
                pct(d.deflection_rate)
            )
        })
        .collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"Journeys per day by outcome. {}\" font-size=\"11\" font-family=\"system-ui,sans-serif\">",
        escape(&summary.join("; "))
    );
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#c5cad6\"/>\
         <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{max}</text>\
         <text x=\"{tx}\" y=\"{y}\" text-anchor=\"end\">0</text>\
         <text x=\"{rx}\" y=\"{ty}\">100%</text><text x=\"{rx}\" y=\"{y}\">0%</text>",
        y = top + plot_h,
        x2 = left + plot_w,
        tx = left - 6.0,
        ty = top + 8.0,
        rx = left + plot_w + 6.0,
        max = max as i64
    );
    let mut points = Vec::new();
    for (i, d) in r.days.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = top + plot_h;
        for (count, colour, label) in [
            (d.resolved, RESOLVED, "resolved"),
            (d.escalated, ESCALATED, "escalated"),
            (d.abandoned, ABANDONED, "abandoned"),
        ] {
            if count == 0 {
                continue;
            }
            let bh = count as f64 / max * plot_h;
            y -= bh;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{colour}\">\
                 <title>{} {label}: {count}</title></rect>",
                escape(&d.day)
            );
        }
        if let Some(rate) = d.deflection_rate {
            points.push((x + bar / 2.0, top + plot_h - rate * plot_h, rate, &d.day));
        }
    }
    if points.len() > 1 {
        let line: Vec<String> = points
            .iter()
            .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1d2330\" stroke-width=\"2\"/>",
            line.join(" ")
        );
    }
    // A dot per day, so that one day of data (a line of one point) is still visible.
    for (x, y, rate, day) in &points {
        let _ = write!(
            s,
            "<circle class=\"rate-point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"#1d2330\" \
             stroke=\"#fff\" stroke-width=\"1.5\"><title>{} deflection rate: {}</title></circle>",
            escape(day),
            pct(Some(*rate))
        );
        if points.len() == 1 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + 8.0,
                (y - 6.0).max(top + 10.0),
                pct(Some(*rate))
            );
        }
    }
    let first = &r.days[0].day;
    let last = &r.days[r.days.len() - 1].day;
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{y}\">{}</text>",
        escape(first),
        y = h - 8.0
    );
    if r.days.len() > 1 {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            h - 8.0,
            escape(last)
        );
    }
    s.push_str("</svg>");
    s
}

/// A horizontal bar per item, labelled with its (escaped) text and count; `title` and the
/// items make its text alternative.
fn bar_list(title: &str, items: &[(String, i64)], colour: &str, unit: &str) -> String {
    if items.is_empty() {
        return "<p class=\"muted\">None in this window.</p>".into();
    }
    let (w, row, label_w) = (760.0, 22.0, 300.0);
    let h = row * items.len() as f64 + 4.0;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    let bar_w = w - label_w - 60.0;
    let alternative: Vec<String> = items
        .iter()
        .map(|(label, n)| format!("{label}: {n} {unit}"))
        .collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"{}. {}\" font-size=\"12\" font-family=\"system-ui,sans-serif\">",
        escape(title),
        escape(&alternative.join("; "))
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let len = *n as f64 / max * bar_w;
        let shown: String = label.chars().take(48).collect();
        let shown = if shown.len() < label.len() {
            format!("{shown}…")
        } else {
            shown
        };
        let _ = write!(
            s,
            "<text x=\"{lx}\" y=\"{ty:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{bh}\" fill=\"{colour}\">\
             <title>{}: {n} {unit}</title></rect><text x=\"{nx:.1}\" y=\"{ty:.1}\">{n}</text>",
            escape(&shown),
            escape(label),
            lx = label_w - 8.0,
            ty = y + 14.0,
            bh = row - 6.0,
            nx = label_w + len + 6.0
        );
    }
    s.push_str("</svg>");
    s
}

fn feedback_chart(r: &Report) -> String {
    if r.unhelpful_articles.is_empty() {
        return "<p class=\"muted\">No “No” answers in this window.</p>".into();
    }
    let reasons = reason_names();
    let (w, row, label_w) = (760.0, 22.0, 300.0);
    let h = row * r.unhelpful_articles.len() as f64 + 4.0;
    let max = r
        .unhelpful_articles
        .iter()
        .map(|a| a.no)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bar_w = w - label_w - 130.0;
    let alternative: Vec<String> = r
        .unhelpful_articles
        .iter()
        .map(|a| {
            let why: Vec<String> = a
                .reasons
                .iter()
                .map(|(reason, n)| format!("{n} {}", reason.replace('_', " ")))
                .collect();
            format!(
                "{}: {} no, {} yes ({})",
                a.article_id,
                a.no,
                a.yes,
                why.join(", ")
            )
        })
        .collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"Articles with the most No answers, and why. {}\" font-size=\"12\" \
         font-family=\"system-ui,sans-serif\">",
        escape(&alternative.join("; "))
    );
    for (i, a) in r.unhelpful_articles.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let mut x = label_w;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 14.0,
            escape(&a.article_id.chars().take(48).collect::<String>())
        );
        for (k, reason) in reasons.iter().enumerate() {
            let n = a.reasons.get(*reason).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let len = n as f64 / max * bar_w;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{}\" fill=\"{}\">\
                 <title>{}: {n} × {reason}</title></rect>",
                row - 6.0,
                REASON_COLOURS[k % REASON_COLOURS.len()],
                escape(&a.article_id)
            );
            x += len;
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{} no / {} yes</text>",
            x + 6.0,
            y + 14.0,
            a.no,
            a.yes
        );
    }
    s.push_str("</svg><p class=\"legend\">");
    for (k, reason) in reasons.iter().enumerate() {
        let _ = write!(
            s,
            "<span style=\"background:{}\"></span>{}",
            REASON_COLOURS[k % REASON_COLOURS.len()],
            escape(&reason.replace('_', " "))
        );
    }
    s.push_str("</p>");
    s
}

fn matrix(r: &Report) -> String {
    if r.classification.is_empty() {
        return "<p class=\"muted\">No cases in this window.</p>".into();
    }
    let columns = vendor_columns();
    let max = r
        .classification
        .iter()
        .map(|c| c.cases)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut s = String::from("<table><thead><tr><th>customer ↓ / vendor →</th>");
    for c in &columns {
        let _ = write!(s, "<th class=\"n\">{}</th>", escape(&c.replace('_', " ")));
    }
    s.push_str("</tr></thead><tbody>");
    for customer in CustomerCategory::ALL {
        let _ = write!(
            s,
            "<tr><th>{}</th>",
            escape(&customer.as_str().replace('_', " "))
        );
        for c in &columns {
            let n = r.cell(customer.as_str(), c);
            let alpha = n as f64 / max * 0.6;
            let agree = customer.as_vendor().as_str() == *c;
            let _ = write!(
                s,
                "<td class=\"n\" style=\"background:rgba(91,110,225,{alpha:.2}){}\">{n}</td>",
                if agree {
                    ";outline:2px solid #2e9e6b"
                } else {
                    ""
                }
            );
        }
        s.push_str("</tr>");
    }
    s.push_str(
        "</tbody></table><p class=\"muted\">Outlined: where the vendor's category matches the \
         customer's.</p>",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn finds_the_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; deflect_report=tok; b=2"),
        );
        assert_eq!(cookie_token(&h).as_deref(), Some("tok"));
    }
}
