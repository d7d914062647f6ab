//! Forwards stored cases to the vendor's helpdesk from the durable outbox.
//!
//! The outbox row is written in the same transaction as the case, so nothing acknowledged
//! can be lost by a helpdesk outage or a restart. A worker claims due rows with a lease
//! (see [`Db::claim_outbox`]), renews the lease right before each send, hands the case to
//! the configured [`Forwarder`] (webhook, e-mail or a helpdesk API: `crate::forward`), and
//! records its verdict: delivered (with the helpdesk's ticket id), retried with exponential
//! backoff, or parked after a permanent refusal.

use std::sync::Arc;
use std::time::Duration;

use deflect_wire::case_text::{self, CaseWording};
use deflect_wire::{Case, CustomerCategory, TrailArticle};
use serde::Serialize;
use tokio::sync::{watch, Notify};

use crate::config::WebhookConfig;
use crate::db::{now_ms, Db};
use crate::forward::{Delivered, Failure, Forwarder};

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
    forwarder: Forwarder,
    cfg: WebhookConfig,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    static WORKERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WORKERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let owner = format!("{}-{}-{n}", std::process::id(), now_ms());
    tracing::info!(kind = forwarder.kind().as_str(), owner = %owner, "forwarding cases");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = now_ms();
        let claimed = match db.claim_outbox(&owner, now, cfg.lease_ms as i64, 16).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "forwarding: cannot read the outbox");
                Vec::new()
            }
        };
        let idle = claimed.is_empty();
        for row in claimed {
            deliver(&db, &forwarder, &cfg, &owner, &row.case_id, row.attempts).await;
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
    forwarder: &Forwarder,
    cfg: &WebhookConfig,
    owner: &str,
    case_id: &str,
    attempts: i64,
) {
    // A batch is claimed at once but sent one by one: renew this row's lease right before
    // its send, so the send runs inside a full lease (longer than the request timeout) and
    // no other instance can claim it meanwhile. A lease that ran out is left alone.
    match db
        .renew_lease(case_id, owner, now_ms(), cfg.lease_ms as i64)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(
                case_id,
                "lease ran out before sending; left to whoever holds it"
            );
            return;
        }
        Err(e) => {
            tracing::warn!(case_id, error = %e, "cannot renew the lease; not sending");
            return;
        }
    }
    let outcome: Result<Delivered, Failure> = async {
        let (stored, identity_verified) = db
            .case_for_delivery(case_id)
            .await
            .map_err(|e| Failure::Retry(format!("reading the case: {e}")))?
            .ok_or_else(|| Failure::Park("the case row is missing".to_string()))?;
        let case: Case = serde_json::from_str(&stored)
            .map_err(|e| Failure::Park(format!("stored case is unreadable: {e}")))?;
        forwarder.send(&case, identity_verified).await
    }
    .await;
    let result = match outcome {
        Ok(delivered) => {
            tracing::info!(case_id, attempts = attempts + 1, answer = %delivered.answer, "case forwarded");
            db.outbox_delivered_as(case_id, owner, now_ms(), delivered.remote_id.as_deref())
                .await
        }
        Err(Failure::Park(reason)) => {
            tracing::error!(case_id, attempts = attempts + 1, %reason, "the helpdesk refused the case for good: parked (fix the settings, then `deflect forward retry-parked`)");
            db.outbox_parked(case_id, owner, now_ms(), &reason).await
        }
        Err(Failure::Retry(error)) => {
            let delay = backoff_ms(cfg, attempts);
            tracing::warn!(case_id, attempts = attempts + 1, retry_in_ms = delay, %error, "case forwarding failed");
            db.outbox_failed(case_id, owner, now_ms() + delay as i64, &error)
                .await
        }
    };
    if let Err(e) = result {
        tracing::error!(case_id, error = %e, "forwarding: cannot update the outbox (the lease will expire and the case will be retried)");
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
