//! Kind `rt`: each case as a ticket in Request Tracker 5 through REST2.
//!
//! Request relied on (RT::REST2, https://docs.bestpractical.com/rt/5.0.0/RT/REST2.html,
//! "Tickets" → `POST /ticket`): `POST {base_url}/REST/2.0/ticket`,
//! `Authorization: token {token}` (an auth token from RT::Authen::Token), JSON body
//! `{"Queue", "Subject", "Requestor", "Content", "ContentType": "text/plain", "Priority",
//! "CustomFields": {name: value}}`; answer `201 {"id": "…", "type": "ticket", "_url": …}`.

use std::collections::BTreeMap;

use deflect_wire::Case;
use serde::Deserialize;
use serde_json::json;

use super::fields::{check_base_url, TicketApi, TicketFields};
use super::{http, Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::body_text;

/// `[forward.rt]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RtConfig {
    /// `https://rt.example.com` (RT's WebPath included, if any).
    pub base_url: Option<String>,
    /// An RT auth token (Logged in as the user → Settings → Auth Tokens).
    pub token: Option<String>,
    /// The queue (default `General`).
    pub queue: Option<String>,
    /// Ticket priority (a number; none: the queue's default).
    pub priority: Option<u32>,
    /// Custom field name → value, set on every ticket.
    pub custom_fields: BTreeMap<String, String>,
    /// Custom field name that receives the customer's category.
    pub category_field: Option<String>,
}

impl RtConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        check_base_url("rt", &self.base_url)?;
        super::required("forward.rt.token", &self.token)?;
        Ok(())
    }

    /// The custom fields, for the shared reading (RT tickets have no tags).
    fn fields(&self) -> TicketFields<'_> {
        TicketFields {
            kind: "rt",
            tags: &[],
            custom_fields: &self.custom_fields,
            category_field: self.category_field.as_ref(),
        }
    }
}

/// A configured Request Tracker.
#[derive(Debug, Clone)]
pub struct Rt {
    api: TicketApi,
    cfg: RtConfig,
}

impl Rt {
    /// From `[forward.rt]`.
    pub fn new(cfg: &RtConfig, timing: &WebhookConfig) -> anyhow::Result<Rt> {
        cfg.validate()?;
        Ok(Rt {
            api: TicketApi::new(&cfg.base_url, "/REST/2.0/ticket", timing)?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for `case`.
    pub fn body(&self, case: &Case, identity_verified: bool) -> serde_json::Value {
        let fields: serde_json::Map<String, serde_json::Value> = self
            .cfg
            .fields()
            .values(case)
            .into_iter()
            .map(|(name, value)| (name.to_string(), json!(value)))
            .collect();
        let mut body = json!({
            "Queue": self.cfg.queue.as_deref().unwrap_or("General"),
            "Subject": super::ticket_subject(case),
            "Requestor": case.email.trim(),
            "Content": body_text(case, identity_verified),
            "ContentType": "text/plain",
        });
        if let Some(p) = self.cfg.priority {
            body["Priority"] = json!(p);
        }
        if !fields.is_empty() {
            body["CustomFields"] = serde_json::Value::Object(fields);
        }
        body
    }

    /// Creates the ticket.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let request = self.api.post(&self.body(case, identity_verified)).header(
            "authorization",
            format!("token {}", self.cfg.token.as_deref().unwrap_or_default()),
        );
        http::send("rt", request, |json| http::id_text(&json["id"])).await
    }
}
