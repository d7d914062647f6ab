//! Forwards stored cases to the vendor's helpdesk webhook from the durable outbox.
//!
//! The outbox row is written in the same transaction as the case, so nothing acknowledged
//! can be lost by a helpdesk outage or a restart. A worker claims due rows with a lease
//! (see [`Db::claim_outbox`]), POSTs the payload with `Idempotency-Key: <case id>`, marks
//! the row delivered on a 2xx and otherwise schedules a retry with exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use deflect_wire::case_text::{self, CaseWording};
use deflect_wire::{Case, CustomerCategory, TrailArticle};
use serde::Serialize;
use tokio::sync::{watch, Notify};

use crate::config::WebhookConfig;
use crate::db::{now_ms, Db};

/// The JSON body POSTed to the webhook for each case.
#[derive(Debug, Serialize)]
pub struct WebhookPayload<'a> {
    /// Always `deflect.case`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Payload version (1).
    pub version: u32,
    /// The case's short reference, as shown to the customer (`DF-…`).
    pub reference: String,
    /// A ready-made plain-text body: the description followed by the self-help trail.
    pub body_text: String,
    /// Whether the case's user id, e-mail and plan carried a valid signature from the
    /// vendor's backend (docs/identity-verification.md). False: anyone could have typed
    /// them.
    pub identity_verified: bool,
    /// The case as received (see schemas/v1/case.schema.json), without its signature.
    pub case: &'a Case,
}

/// How agents read a case: the customer's category as its wire name, articles with ids.
struct AgentWording;

impl CaseWording for AgentWording {
    fn reference(&self) -> &str {
        "Reference"
    }
    fn category_label(&self) -> &str {
        "Customer's category"
    }
    fn category(&self, category: CustomerCategory) -> String {
        category.as_str().to_string()
    }
    fn reply_by_label(&self) -> Option<&str> {
        Some("Reply promised by")
    }
    fn tried_label(&self) -> &str {
        "What the customer tried first"
    }
    fn searched(&self, query: &str) -> String {
        format!("Searched for: {query}")
    }
    fn read(&self, a: &TrailArticle) -> String {
        let verdict = match (a.helpful, a.reason) {
            (Some(true), _) => " — helpful".to_string(),
            (Some(false), Some(r)) => format!(" — not helpful ({})", r.as_str()),
            (Some(false), None) => " — not helpful".to_string(),
            (None, _) => String::new(),
        };
        format!(
            "Read: {} ({}, {} s){verdict}",
            a.title,
            a.id,
            a.dwell_ms / 1000
        )
    }
}

/// Renders the case as plain text for a helpdesk comment (`deflect_wire::case_text`,
/// the same layout as the widget's e-mail fallback): saying first, under the reference,
/// whether the customer's identity was verified; then the page, locale, user id and plan.
pub fn body_text(case: &Case, identity_verified: bool) -> String {
    let c = &case.context;
    let extra: Vec<(&str, String)> = [
        ("Page", &c.page_url),
        ("Locale", &c.locale),
        ("User id", &c.user_id),
        ("Plan", &c.plan),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.clone().map(|v| (label, v)))
    .collect();
    let notes = [crate::identity::statement(identity_verified)];
    case_text::render(case, &AgentWording, &notes, &extra)
}

/// The delay before attempt `attempts + 1` after `attempts` failures.
pub fn backoff_ms(cfg: &WebhookConfig, attempts: i64) -> u64 {
    let shift = attempts.clamp(0, 30) as u32;
    cfg.retry_base_ms
        .saturating_mul(1u64 << shift)
        .min(cfg.retry_max_ms)
}

/// The forwarding loop; returns when `shutdown` turns true (after the current delivery).
pub async fn run(
    db: Db,
    cfg: WebhookConfig,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Some(url) = cfg.url.clone() else { return };
    // Redirects are not followed: a redirect could carry the case (and the bearer token)
    // to a host the vendor never configured, or downgrade it to plain http.
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_millis(cfg.timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook: cannot build the HTTP client");
            return;
        }
    };
    static WORKERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WORKERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let owner = format!("{}-{}-{n}", std::process::id(), now_ms());
    tracing::info!(url = %redact_url(&url), owner = %owner, "forwarding cases to the webhook");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = now_ms();
        let claimed = match db.claim_outbox(&owner, now, cfg.lease_ms as i64, 16).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhook: cannot read the outbox");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        for row in claimed {
            deliver(&db, &client, &cfg, &url, &owner, &row.case_id, row.attempts).await;
            if *shutdown.borrow() {
                break;
            }
        }
        if !idle {
            continue;
        }
        // Sleep until the next due row, a new case, the poll interval, or shutdown.
        let mut wait = Duration::from_millis(cfg.poll_ms);
        if let Ok(Some(due)) = db.next_outbox_due().await {
            let until = Duration::from_millis(due.saturating_sub(now_ms()).max(0) as u64);
            wait = wait.min(until.max(Duration::from_millis(5)));
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = wake.notified() => {}
            _ = shutdown.changed() => {}
        }
    }
}

async fn deliver(
    db: &Db,
    client: &reqwest::Client,
    cfg: &WebhookConfig,
    url: &str,
    owner: &str,
    case_id: &str,
    attempts: i64,
) {
    let outcome: Result<(), String> = async {
        let (stored, identity_verified) = db
            .case_for_delivery(case_id)
            .await
            .map_err(|e| format!("reading the case: {e}"))?
            .ok_or_else(|| "the case row is missing".to_string())?;
        let case: Case =
            serde_json::from_str(&stored).map_err(|e| format!("stored case is unreadable: {e}"))?;
        let body = serde_json::to_vec(&WebhookPayload {
            kind: "deflect.case",
            version: 1,
            reference: case.reference(),
            body_text: body_text(&case, identity_verified),
            identity_verified,
            case: &case,
        })
        .map_err(|e| e.to_string())?;
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .header("idempotency-key", case_id)
            .body(body);
        if let Some(token) = &cfg.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("request failed: {}", describe(e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_redirection() {
            Err(format!(
                "webhook answered {status} (a redirect, not followed: configure the final URL)"
            ))
        } else {
            Err(format!("webhook answered {status}"))
        }
    }
    .await;
    let result = match outcome {
        Ok(()) => {
            tracing::info!(case_id, attempts = attempts + 1, "case forwarded");
            db.outbox_delivered(case_id, owner, now_ms()).await
        }
        Err(error) => {
            let delay = backoff_ms(cfg, attempts);
            tracing::warn!(case_id, attempts = attempts + 1, retry_in_ms = delay, %error, "case forwarding failed");
            db.outbox_failed(case_id, owner, now_ms() + delay as i64, &error)
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(case_id, error = %e, "webhook: cannot update the outbox (the lease will expire and the case will be retried)");
    }
}

/// The webhook URL as logged: scheme and host only. Helpdesk hook URLs often carry a
/// secret in their user info, path or query (`https://hooks.example/T0/B1/XyZsecret`).
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(webhook URL)".into();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}/…")
}

/// A transport error with its causes ("…: operation timed out") but without the URL, which
/// may hold a secret; it goes to the log and to `outbox.last_error`.
fn describe(e: reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_webhook_urls_hold_no_secrets() {
        assert_eq!(
            redact_url("https://user:s3cret@hooks.example:8443/T0/B1/XyZ?token=abc#f"),
            "https://hooks.example:8443/…"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:9/hook"),
            "http://127.0.0.1:9/…"
        );
        assert_eq!(redact_url("nonsense"), "(webhook URL)");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cfg = WebhookConfig {
            retry_base_ms: 100,
            retry_max_ms: 1_000,
            ..WebhookConfig::default()
        };
        let delays: Vec<u64> = (0..6).map(|a| backoff_ms(&cfg, a)).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff_ms(&cfg, 1_000), 1_000);
    }
}
