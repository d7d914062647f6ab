//! What the ticket helpdesks (Zendesk, Freshdesk, Request Tracker) read the same way from
//! their settings: the API address a kind posts its tickets to, the tags every ticket
//! carries plus the customer's category as a tag, and the custom fields set on every
//! ticket with the category in one of them.
//!
//! Each kind keeps its own settings struct with these keys listed in it: serde's
//! `#[serde(flatten)]` cannot be combined with `deny_unknown_fields`, and a mistyped key in
//! `deflect.toml` must stay an error naming it. The kinds lend their fields to
//! [`TicketFields`] instead, so the reading is written once while the parsing stays strict.

use std::collections::BTreeMap;

use deflect_wire::Case;

use super::http;
use crate::config::WebhookConfig;

/// One kind's tags and custom-field settings, borrowed from its settings struct.
pub struct TicketFields<'a> {
    /// The kind's section name (`zendesk`, …), for error messages.
    pub kind: &'static str,
    /// Tags on every ticket (none for kinds without tags).
    pub tags: &'a [String],
    /// Custom field → value, set on every ticket.
    pub custom_fields: &'a BTreeMap<String, String>,
    /// The custom field that receives the customer's category.
    pub category_field: Option<&'a String>,
}

impl<'a> TicketFields<'a> {
    /// The configured tags and `deflect_<category>`.
    pub fn tags(&self, case: &Case) -> Vec<String> {
        let mut tags = self.tags.to_vec();
        tags.push(format!("deflect_{}", case.customer_category.as_str()));
        tags
    }

    /// Each custom field with its value: the configured ones in key order, then the
    /// category field with the customer's category.
    pub fn values<'c>(&self, case: &'c Case) -> Vec<(&'a str, &'c str)>
    where
        'a: 'c,
    {
        self.custom_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(
                self.category_field
                    .map(|k| (k.as_str(), case.customer_category.as_str())),
            )
            .collect()
    }

    /// Every field name (the custom fields' and the category field) is one the helpdesk
    /// can take: `is_name` says so, `what` says what a name must be in the error.
    pub fn check_names(&self, is_name: impl Fn(&str) -> bool, what: &str) -> anyhow::Result<()> {
        match self
            .custom_fields
            .keys()
            .chain(self.category_field)
            .find(|name| !is_name(name))
        {
            Some(name) => anyhow::bail!(
                "forward.{}.custom_fields: {name:?} is not {what}",
                self.kind
            ),
            None => Ok(()),
        }
    }
}

/// `forward.<kind>.base_url`: set, and https (or http to this machine).
pub fn check_base_url(kind: &str, base_url: &Option<String>) -> anyhow::Result<()> {
    let field = format!("forward.{kind}.base_url");
    super::check_url(&field, super::required(&field, base_url)?)?;
    Ok(())
}

/// Where one kind creates its tickets: the client and `{base_url}{path}`.
#[derive(Debug, Clone)]
pub struct TicketApi {
    client: reqwest::Client,
    url: String,
}

impl TicketApi {
    /// The endpoint `path` below a checked `base_url` (a trailing `/` on it is dropped).
    pub fn new(
        base_url: &Option<String>,
        path: &str,
        timing: &WebhookConfig,
    ) -> anyhow::Result<Self> {
        let base = base_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/');
        Ok(TicketApi {
            client: http::client(timing)?,
            url: format!("{base}{path}"),
        })
    }

    /// A JSON POST of `body` to the endpoint; the kind adds its credentials.
    pub fn post(&self, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string())
    }
}
