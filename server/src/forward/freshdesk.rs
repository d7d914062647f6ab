//! Kind `freshdesk`: each case as a ticket through the Freshdesk API v2.
//!
//! Request relied on (Create a Ticket, https://developers.freshdesk.com/api/#create_ticket):
//! `POST {base_url}/api/v2/tickets`, `Authorization: Basic base64("{api_key}:X")`, body
//! `{"name", "email", "subject", "description" (HTML), "status": 2 (Open), "priority": 1-4,
//! "source": 2 (Portal), "tags", "custom_fields": {"cf_…": …}}`; answer `201 {"id": …}`.
//! Freshdesk has no idempotency key; the outbox's lease keeps one instance per case.

use std::collections::BTreeMap;

use deflect_wire::Case;
use serde::Deserialize;
use serde_json::json;

use super::fields::{check_base_url, TicketApi, TicketFields};
use super::{http, Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::body_text;

/// `[forward.freshdesk]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FreshdeskConfig {
    /// `https://yourcompany.freshdesk.com`.
    pub base_url: Option<String>,
    /// Profile settings → API key.
    pub api_key: Option<String>,
    /// Tags on every ticket; the customer's category is added as `deflect_<category>`.
    pub tags: Vec<String>,
    /// 1 low, 2 medium, 3 high, 4 urgent (default 1).
    pub priority: Option<u8>,
    /// Custom field name (`cf_…`) → value, set on every ticket.
    pub custom_fields: BTreeMap<String, String>,
    /// Custom field name (`cf_…`) that receives the customer's category.
    pub category_field: Option<String>,
}

impl FreshdeskConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        check_base_url("freshdesk", &self.base_url)?;
        super::required("forward.freshdesk.api_key", &self.api_key)?;
        if let Some(p) = self.priority {
            if !(1..=4).contains(&p) {
                anyhow::bail!("forward.freshdesk.priority: {p} is not 1 (low) to 4 (urgent)");
            }
        }
        self.fields()
            .check_names(|name| name.starts_with("cf_"), "a custom field name (cf_…)")
    }

    /// The tags and custom fields, for the shared reading.
    fn fields(&self) -> TicketFields<'_> {
        TicketFields {
            kind: "freshdesk",
            tags: &self.tags,
            custom_fields: &self.custom_fields,
            category_field: self.category_field.as_ref(),
        }
    }
}

/// A configured Freshdesk account.
#[derive(Debug, Clone)]
pub struct Freshdesk {
    api: TicketApi,
    cfg: FreshdeskConfig,
}

impl Freshdesk {
    /// From `[forward.freshdesk]`.
    pub fn new(cfg: &FreshdeskConfig, timing: &WebhookConfig) -> anyhow::Result<Freshdesk> {
        cfg.validate()?;
        Ok(Freshdesk {
            api: TicketApi::new(&cfg.base_url, "/api/v2/tickets", timing)?,
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
            "email": case.email.trim(),
            "subject": super::ticket_subject(case),
            "description": super::body_html(&body_text(case, identity_verified)),
            "status": 2,
            "priority": self.cfg.priority.unwrap_or(1),
            "source": 2,
            "tags": self.cfg.fields().tags(case),
        });
        if let Some(name) = super::customer_name(case) {
            body["name"] = json!(name);
        }
        if !fields.is_empty() {
            body["custom_fields"] = serde_json::Value::Object(fields);
        }
        body
    }

    /// Creates the ticket.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let request = self
            .api
            .post(&self.body(case, identity_verified))
            .basic_auth(self.cfg.api_key.as_deref().unwrap_or_default(), Some("X"));
        http::send("freshdesk", request, |json| http::id_text(&json["id"])).await
    }
}
