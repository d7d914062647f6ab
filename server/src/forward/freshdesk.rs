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
        super::check_url(
            "forward.freshdesk.base_url",
            super::required("forward.freshdesk.base_url", &self.base_url)?,
        )?;
        super::required("forward.freshdesk.api_key", &self.api_key)?;
        if let Some(p) = self.priority {
            if !(1..=4).contains(&p) {
                anyhow::bail!("forward.freshdesk.priority: {p} is not 1 (low) to 4 (urgent)");
            }
        }
        for name in self
            .custom_fields
            .keys()
            .chain(self.category_field.as_ref())
        {
            if !name.starts_with("cf_") {
                anyhow::bail!(
                    "forward.freshdesk.custom_fields: {name:?} is not a custom field name (cf_…)"
                );
            }
        }
        Ok(())
    }
}

/// A configured Freshdesk account.
#[derive(Debug, Clone)]
pub struct Freshdesk {
    client: reqwest::Client,
    cfg: FreshdeskConfig,
    url: String,
}

impl Freshdesk {
    /// From `[forward.freshdesk]`.
    pub fn new(cfg: &FreshdeskConfig, timing: &WebhookConfig) -> anyhow::Result<Freshdesk> {
        cfg.validate()?;
        let base = cfg
            .base_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        Ok(Freshdesk {
            client: http::client(timing)?,
            url: format!("{base}/api/v2/tickets"),
            cfg: cfg.clone(),
        })
    }

    /// The request body for `case`.
    pub fn body(&self, case: &Case, identity_verified: bool) -> serde_json::Value {
        let mut tags = self.cfg.tags.clone();
        tags.push(format!("deflect_{}", case.customer_category.as_str()));
        let mut fields: serde_json::Map<String, serde_json::Value> = self
            .cfg
            .custom_fields
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if let Some(name) = &self.cfg.category_field {
            fields.insert(name.clone(), json!(case.customer_category.as_str()));
        }
        let mut body = json!({
            "email": case.email.trim(),
            "subject": super::ticket_subject(case),
            "description": super::body_html(&body_text(case, identity_verified)),
            "status": 2,
            "priority": self.cfg.priority.unwrap_or(1),
            "source": 2,
            "tags": tags,
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
            .client
            .post(&self.url)
            .basic_auth(self.cfg.api_key.as_deref().unwrap_or_default(), Some("X"))
            .header("content-type", "application/json")
            .body(self.body(case, identity_verified).to_string());
        http::send("freshdesk", request, |json| http::id_text(&json["id"])).await
    }
}
