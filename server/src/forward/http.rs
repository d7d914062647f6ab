//! What the HTTP kinds share: one client per destination (no redirects followed: a
//! redirect could carry the case and the credentials to a host the vendor never
//! configured) and one reading of the helpdesk's answer into [`Delivered`] or [`Failure`].

use std::time::Duration;

use super::{Delivered, Failure};
use crate::config::WebhookConfig;

/// The HTTP client for one destination, with the outbox's per-attempt timeout.
pub fn client(timing: &WebhookConfig) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_millis(timing.timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))
}

/// Sends `request` and reads the answer: 2xx is delivered, with the ticket id `remote_id`
/// finds in the JSON body (or the `Resource-ID` header, Help Scout's way); 408, 429 and 5xx
/// (and no answer at all) are retried; any other 4xx, and a redirect, is parked with the
/// helpdesk's message, because sending the same request again cannot succeed.
pub async fn send(
    who: &str,
    request: reqwest::RequestBuilder,
    remote_id: impl Fn(&serde_json::Value) -> Option<String>,
) -> Result<Delivered, Failure> {
    let response = request
        .send()
        .await
        .map_err(|e| Failure::Retry(format!("{who}: request failed: {}", describe(e))))?;
    let status = response.status();
    let resource_id = response
        .headers()
        .get("resource-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.text().await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if status.is_success() {
        let id = remote_id(&json).or(resource_id);
        let answer = match &id {
            Some(id) => format!("{who} answered {status}: created {id}"),
            None => format!("{who} answered {status}"),
        };
        return Ok(Delivered {
            remote_id: id,
            answer,
        });
    }
    let message = format!("{who} answered {status}: {}", excerpt(&text));
    if status.is_redirection() {
        return Err(Failure::Park(format!(
            "{message} (a redirect, not followed: configure the final URL)"
        )));
    }
    let code = status.as_u16();
    if code == 408 || code == 429 || status.is_server_error() {
        Err(Failure::Retry(message))
    } else {
        Err(Failure::Park(message))
    }
}

/// The first 300 characters of an answer body, on one line.
fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    let trimmed = one_line.trim();
    if trimmed.is_empty() {
        "(no body)".into()
    } else {
        trimmed.to_string()
    }
}

/// An id that may be a JSON string or number.
pub fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A transport error with its causes ("…: operation timed out") but without the URL, which
/// may hold a secret; it goes to the log and to `outbox.last_error`.
pub fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
