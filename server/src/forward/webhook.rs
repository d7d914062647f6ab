//! Kind `webhook`: one JSON POST per case ([`crate::outbox::WebhookPayload`]) to
//! `[webhook] url`, with `Idempotency-Key: <case id>` and the optional bearer token. The
//! ticket id is read from an `id` or `ticket_id` field of a JSON answer, when there is one.

use deflect_wire::Case;

use super::{http, Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::{body_text, WebhookPayload};

/// A configured webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl Webhook {
    /// From `[webhook]` (its URL was checked by `Config::validate`).
    pub fn new(cfg: &WebhookConfig) -> anyhow::Result<Webhook> {
        let url = cfg
            .url
            .clone()
            .ok_or_else(|| anyhow::anyhow!("webhook.url: must be set"))?;
        Ok(Webhook {
            client: http::client(cfg)?,
            url,
            token: cfg.token.clone(),
        })
    }

    /// POSTs the case.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let body = serde_json::to_vec(&WebhookPayload {
            kind: "deflect.case",
            version: 1,
            reference: case.reference(),
            body_text: body_text(case, identity_verified),
            identity_verified,
            case,
        })
        .map_err(|e| Failure::Park(e.to_string()))?;
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("idempotency-key", &case.id)
            .body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        http::send("webhook", request, |json| {
            http::id_text(&json["id"]).or_else(|| http::id_text(&json["ticket_id"]))
        })
        .await
    }
}
