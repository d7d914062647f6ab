//! The dashboard's list of cases and the form that sets the vendor's category of one.
//!
//! Classifying from the dashboard must not open a cross-site request forgery: the form
//! posts with the dashboard's session cookie, so another site could otherwise submit it in
//! a signed-in browser. Three things stand in the way, each enough on its own in current
//! browsers: the cookie is `SameSite=Strict`; the request must come from this origin
//! (`Sec-Fetch-Site`, and `Origin` against `Host`, when the browser sends them); and the
//! form carries a CSRF token that only a holder of the report token can compute (an HMAC
//! of a fixed label under the report token, so every collector instance behind a load
//! balancer agrees on it without shared state).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use deflect_wire::VendorCategory;
use hmac::{Hmac, Mac};
use http::header::{HOST, LOCATION, ORIGIN};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use sha2::Sha256;

use crate::api::{same_secret, AppState};
use crate::dashboard::{authorized, escape, login_page};
use crate::db::now_ms;
use crate::report::{CaseRow, CASE_LIST_LIMIT};

/// The CSRF token of the dashboard's forms for `report_token`.
pub fn csrf_token(report_token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(report_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"deflect report: classification form, v1");
    hex::encode(mac.finalize().into_bytes())
}

/// True unless the browser says the request comes from another site: `Sec-Fetch-Site`
/// must be `same-origin` and `Origin` must name this host, whichever of them is present.
/// A client that sends neither (curl, an old browser) still needs the token and the CSRF
/// field.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = header("sec-fetch-site") {
        if !site.eq_ignore_ascii_case("same-origin") {
            return false;
        }
    }
    match header(ORIGIN.as_str()) {
        None => true,
        Some(origin) => {
            let authority = origin.split_once("://").map(|(_, rest)| rest);
            matches!((authority, header(HOST.as_str())), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
        }
    }
}

/// The classification form's body.
#[derive(Deserialize)]
pub struct ClassifyForm {
    vendor_category: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    crate::dashboard::message_page(status, message)
}

/// `POST /report/cases/{id}/classification`: sets the vendor's category from the
/// dashboard and goes back to it (303), saying what was saved.
pub async fn post_classification(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ClassifyForm>,
) -> Response {
    let Some(token) = state.config.report_token.as_deref() else {
        return login_page(Some("No report token is configured on this server."));
    };
    if !authorized(&state, &headers) {
        return login_page(None);
    }
    if !same_origin(&headers) || !same_secret(&form.csrf, &csrf_token(token)) {
        tracing::info!("classification form refused: cross-site or without its CSRF token");
        return refuse(
            StatusCode::FORBIDDEN,
            "This form must be sent from the report page itself.",
        );
    }
    let Some(category) = VendorCategory::parse(&form.vendor_category) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose one of the vendor categories.",
        );
    };
    let Some(db) = state.db.as_ref() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "No database is configured.",
        );
    };
    match db.classify(&id, category, now_ms()).await {
        Ok(true) => {
            let mut query = format!("saved={}", url_encode(&id));
            for (k, v) in [("from", &form.from), ("to", &form.to)] {
                if !v.trim().is_empty() {
                    let _ = write!(query, "&{k}={}", url_encode(v.trim()));
                }
            }
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) =
                HeaderValue::from_str(&format!("/report?{query}#case-{}", url_encode(&id)))
            {
                r.headers_mut().insert(LOCATION, v);
            }
            r
        }
        Ok(false) => refuse(StatusCode::NOT_FOUND, "There is no such case."),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "classification failed");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable.",
            )
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The case's forward state for the table: parked in bold, with the helpdesk's message.
fn forward_cell(state: &crate::forward::state::ForwardState) -> String {
    use crate::forward::state::ForwardState;
    match state {
        ForwardState::Parked { .. } => format!("<strong>{}</strong>", escape(&state.summary())),
        _ => escape(&state.summary()),
    }
}

/// The cases table: one row per case, newest first, each with its classification form.
pub fn cases_table(cases: &[CaseRow], csrf: &str, from: &str, to: &str) -> String {
    let mut s = String::from(
        "<h2 id=\"cases\">Cases</h2><p class=\"muted\">The newest cases in this window (at most ",
    );
    let _ = write!(
        s,
        "{CASE_LIST_LIMIT}). Set the vendor's category of each here; it fills the matrix below.</p>"
    );
    if cases.is_empty() {
        s.push_str("<p class=\"muted\">No cases in this window.</p>");
        return s;
    }
    s.push_str(
        "<table class=\"cases\"><thead><tr><th scope=\"col\">Reference</th>\
         <th scope=\"col\">Sent (UTC)</th><th scope=\"col\">Subject</th>\
         <th scope=\"col\">Identity</th><th scope=\"col\">Helpdesk</th>\
         <th scope=\"col\">Customer's category</th><th scope=\"col\">Vendor's category</th>\
         </tr></thead><tbody>",
    );
    for c in cases {
        let reference = escape(&c.reference);
        let _ = write!(
            s,
            "<tr id=\"case-{id}\"><th scope=\"row\">{reference}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td><form class=\"classify\" method=\"post\" action=\"/report/cases/{id}/classification\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"from\" value=\"{}\"><input type=\"hidden\" name=\"to\" value=\"{}\">\
             <select name=\"vendor_category\" aria-label=\"Vendor's category of {reference}\">",
            escape(&c.created.replace('T', " ").replace('Z', "")),
            escape(&c.subject),
            if c.identity_verified {
                "verified"
            } else {
                "<strong>not verified</strong>"
            },
            forward_cell(&c.forward),
            escape(&c.customer_category.replace('_', " ")),
            escape(csrf),
            escape(from),
            escape(to),
            id = escape(&c.id),
        );
        if c.vendor_category.is_none() {
            s.push_str("<option value=\"\" selected>not classified yet</option>");
        }
        for v in VendorCategory::ALL {
            let selected = c.vendor_category.as_deref() == Some(v.as_str());
            let _ = write!(
                s,
                "<option value=\"{}\"{}>{}</option>",
                v.as_str(),
                if selected { " selected" } else { "" },
                v.as_str().replace('_', " ")
            );
        }
        let _ = write!(
            s,
            "</select> <button type=\"submit\">Save<span class=\"sr\"> the category of {reference}</span>\
             </button></form></td></tr>"
        );
    }
    s.push_str("</tbody></table>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cases_table_shows_each_cases_forward_state_escaped() {
        use crate::forward::state::ForwardState;
        let row = |id: &str, forward: ForwardState| CaseRow {
            id: id.into(),
            reference: format!("DF-{id}"),
            created: "2026-11-23T10:00:00Z".into(),
            subject: "s".into(),
            customer_category: "how_do_i".into(),
            vendor_category: None,
            identity_verified: false,
            forward,
        };
        let html = cases_table(
            &[
                row(
                    "a",
                    ForwardState::Delivered {
                        remote_id: Some("35436".into()),
                    },
                ),
                row(
                    "b",
                    ForwardState::Parked {
                        reason: "zendesk answered 401 Unauthorized: <b>no</b>".into(),
                    },
                ),
            ],
            "csrf",
            "",
            "",
        );
        assert!(html.contains("<th scope=\"col\">Helpdesk</th>"), "{html}");
        assert!(html.contains("<td>delivered 35436</td>"), "{html}");
        assert!(
            html.contains("<td><strong>parked: zendesk answered 401 Unauthorized: &lt;b&gt;no&lt;/b&gt;</strong></td>"),
            "{html}"
        );
    }

    #[test]
    fn csrf_tokens_depend_on_the_report_token() {
        let a = csrf_token("report-token-0123456789");
        assert_eq!(a.len(), 64);
        assert_eq!(a, csrf_token("report-token-0123456789"));
        assert_ne!(a, csrf_token("report-token-0123456780"));
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let mut h = HeaderMap::new();
        assert!(
            same_origin(&h),
            "no browser headers: token and CSRF field decide"
        );
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        h.insert(ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn ids_and_dates_are_encoded_in_the_redirect() {
        assert_eq!(url_encode("case-01_x"), "case-01_x");
        assert_eq!(url_encode("a b&c"), "a%20b%26c");
    }
}
