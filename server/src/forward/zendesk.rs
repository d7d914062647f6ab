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

use super::fields::{check_base_url, TicketApi, TicketFields};
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
        check_base_url("zendesk", &self.base_url)?;
        super::required("forward.zendesk.email", &self.email)?;
        super::required("forward.zendesk.api_token", &self.api_token)?;
        if let Some(p) = &self.priority {
            if !matches!(p.as_str(), "urgent" | "high" | "normal" | "low") {
                anyhow::bail!("forward.zendesk.priority: {p:?} is not urgent, high, normal or low");
            }
        }
        self.fields().check_names(
            |id| id.parse::<u64>().is_ok(),
            "a ticket field id (a number)",
        )
    }

    /// The tags and custom fields, for the shared reading.
    fn fields(&self) -> TicketFields<'_> {
        TicketFields {
            kind: "zendesk",
            tags: &self.tags,
            custom_fields: &self.custom_fields,
            category_field: self.category_field.as_ref(),
        }
    }
}

/// A configured Zendesk account.
#[derive(Debug, Clone)]
pub struct Zendesk {
    api: TicketApi,
    cfg: ZendeskConfig,
}

impl Zendesk {
    /// From `[forward.zendesk]`.
    pub fn new(cfg: &ZendeskConfig, timing: &WebhookConfig) -> anyhow::Result<Zendesk> {
        cfg.validate()?;
        Ok(Zendesk {
            api: TicketApi::new(&cfg.base_url, "/api/v2/tickets.json", timing)?,
            cfg: cfg.clone(),
        })
    }

    /// The request body for `case`.
    pub fn body(&self, case: &Case, identity_verified: bool) -> serde_json::Value {
        let fields: Vec<serde_json::Value> = self
            .cfg
            .fields()
            .values(case)
            .into_iter()
            .map(|(id, value)| json!({"id": id.parse::<u64>().unwrap_or_default(), "value": value}))
            .collect();
        let mut requester = json!({"email": case.email.trim()});
        if let Some(name) = super::customer_name(case) {
            requester["name"] = json!(name);
        }
        let mut ticket = json!({
            "subject": super::ticket_subject(case),
            "comment": {"body": body_text(case, identity_verified)},
            "requester": requester,
            "external_id": case.id,
            "tags": self.cfg.fields().tags(case),
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
            .api
            .post(&self.body(case, identity_verified))
            .basic_auth(user, self.cfg.api_token.as_deref())
            .header("idempotency-key", &case.id);
        http::send("zendesk", request, |json| {
            http::id_text(&json["ticket"]["id"])
        })
        .await
    }
}
