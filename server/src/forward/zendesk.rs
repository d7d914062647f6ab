//! Kind `zendesk`: each case as a ticket through the Zendesk Tickets API.
//!
//! Request relied on (Create Ticket,
//! https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket):
//! `POST {base_url}/api/v2/tickets.json`, `Authorization: Basic base64("{email}/token:{api_token}")`,
//! `Idempotency-Key` (Zendesk keeps it for two hours and answers a repeat with the first
//! ticket), body `{"ticket": {"subject", "comment": {"body"}, "requester": {"name", "email"},
//! "external_id", "tags", "priority", "custom_fields": [{"id", "value"}]}}`; answer
//! `201 {"ticket": {"id": …}}`.

use std::collections::BTreeMap;

use deflect_wire::Case;
use serde::Deserialize;
use serde_json::json;

use super::{http, Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::body_text;

/// `[forward.zendesk]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ZendeskConfig {
    /// `https://yourcompany.zendesk.com`.
    pub base_url: Option<String>,
    /// The agent whose API token this is.
    pub email: Option<String>,
    /// Admin Center → Apps and integrations → Zendesk API → API token.
    pub api_token: Option<String>,
    /// Tags on every ticket; the customer's category is added as `deflect_<category>`.
    pub tags: Vec<String>,
    /// `urgent`, `high`, `normal` or `low`; none: the account's default.
    pub priority: Option<String>,
    /// Ticket field id (as text) → value, set on every ticket.
    pub custom_fields: BTreeMap<String, String>,
    /// Ticket field id that receives the customer's category (`billing`, `bug`, …).
    pub category_field: Option<String>,
}

impl ZendeskConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        super::check_url(
            "forward.zendesk.base_url",
            super::required("forward.zendesk.base_url", &self.base_url)?,
        )?;
        super::required("forward.zendesk.email", &self.email)?;
        super::required("forward.zendesk.api_token", &self.api_token)?;
        if let Some(p) = &self.priority {
            if !matches!(p.as_str(), "urgent" | "high" | "normal" | "low") {
                anyhow::bail!("forward.zendesk.priority: {p:?} is not urgent, high, normal or low");
            }
        }
        for id in self
            .custom_fields
            .keys()
            .chain(self.category_field.as_ref())
        {
            id.parse::<u64>().map_err(|_| {
                anyhow::anyhow!(
                    "forward.zendesk.custom_fields: {id:?} is not a ticket field id (a number)"
                )
            })?;
        }
        Ok(())
    }
}

/// A configured Zendesk account.
#[derive(Debug, Clone)]
pub struct Zendesk {
    client: reqwest::Client,
    cfg: ZendeskConfig,
    url: String,
}

impl Zendesk {
    /// From `[forward.zendesk]`.
    pub fn new(cfg: &ZendeskConfig, timing: &WebhookConfig) -> anyhow::Result<Zendesk> {
        cfg.validate()?;
        let base = cfg
            .base_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        Ok(Zendesk {
            client: http::client(timing)?,
            url: format!("{base}/api/v2/tickets.json"),
            cfg: cfg.clone(),
        })
    }

    /// The request body for `case`.
    pub fn body(&self, case: &Case, identity_verified: bool) -> serde_json::Value {
        let mut tags = self.cfg.tags.clone();
        tags.push(format!("deflect_{}", case.customer_category.as_str()));
        let mut fields: Vec<serde_json::Value> = self
            .cfg
            .custom_fields
            .iter()
            .map(|(id, v)| json!({"id": id.parse::<u64>().unwrap_or_default(), "value": v}))
            .collect();
        if let Some(id) = &self.cfg.category_field {
            fields.push(json!({"id": id.parse::<u64>().unwrap_or_default(), "value": case.customer_category.as_str()}));
        }
        let mut requester = json!({"email": case.email.trim()});
        if let Some(name) = super::customer_name(case) {
            requester["name"] = json!(name);
        }
        let mut ticket = json!({
            "subject": super::ticket_subject(case),
            "comment": {"body": body_text(case, identity_verified)},
            "requester": requester,
            "external_id": case.id,
            "tags": tags,
        });
        if let Some(p) = &self.cfg.priority {
            ticket["priority"] = json!(p);
        }
        if !fields.is_empty() {
            ticket["custom_fields"] = json!(fields);
        }
        json!({ "ticket": ticket })
    }

    /// Creates the ticket.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let user = format!(
            "{}/token",
            self.cfg.email.as_deref().unwrap_or_default().trim()
        );
        let request = self
            .client
            .post(&self.url)
            .basic_auth(user, self.cfg.api_token.as_deref())
            .header("idempotency-key", &case.id)
            .header("content-type", "application/json")
            .body(self.body(case, identity_verified).to_string());
        http::send("zendesk", request, |json| {
            http::id_text(&json["ticket"]["id"])
        })
        .await
    }
}
