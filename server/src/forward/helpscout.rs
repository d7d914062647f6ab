//! Kind `helpscout`: each case as a conversation in a Help Scout mailbox (Mailbox API 2.0).
//!
//! Requests relied on:
//! - token (https://developer.helpscout.com/mailbox-api/overview/authentication/#client-credentials-flow):
//!   `POST {api_url}/v2/oauth2/token`, form `grant_type=client_credentials&client_id=…&client_secret=…`,
//!   answer `{"token_type": "bearer", "access_token": …, "expires_in": seconds}`;
//! - create conversation (https://developer.helpscout.com/mailbox-api/endpoints/conversations/create/):
//!   `POST {api_url}/v2/conversations`, `Authorization: Bearer …`, body `{"subject",
//!   "customer": {"email", "firstName"}, "mailboxId", "type": "email", "status": "active",
//!   "threads": [{"type": "customer", "customer": {"email"}, "text"}], "tags"}`; answer
//!   `201` with the new conversation's id in the `Resource-ID` header.
//!
//! The token is cached until shortly before it expires. A 401 on a cached token drops it
//! and retries (it may have been revoked); a 401 on a fresh token, or on the token request
//! itself, parks the case: the credentials are wrong.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deflect_wire::Case;
use serde::Deserialize;
use serde_json::json;

use super::{http, Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::body_text;

/// `[forward.helpscout]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HelpscoutConfig {
    /// The API's address; default `https://api.helpscout.net`.
    pub api_url: Option<String>,
    /// Your Profile → My Apps → app id.
    pub client_id: Option<String>,
    /// The app's secret.
    pub client_secret: Option<String>,
    /// The mailbox that receives the conversations (its number in the mailbox URL).
    pub mailbox_id: Option<u64>,
    /// Tags on every conversation; the customer's category is added as `deflect-<category>`.
    pub tags: Vec<String>,
}

impl HelpscoutConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        super::check_url("forward.helpscout.api_url", self.api_url())?;
        super::required("forward.helpscout.client_id", &self.client_id)?;
        super::required("forward.helpscout.client_secret", &self.client_secret)?;
        if self.mailbox_id.is_none() {
            anyhow::bail!("forward.helpscout.mailbox_id: must be set");
        }
        Ok(())
    }

    fn api_url(&self) -> &str {
        self.api_url
            .as_deref()
            .unwrap_or("https://api.helpscout.net")
            .trim_end_matches('/')
    }
}

/// A configured Help Scout mailbox.
#[derive(Debug, Clone)]
pub struct Helpscout {
    client: reqwest::Client,
    cfg: HelpscoutConfig,
    token: Arc<Mutex<Option<(String, Instant)>>>,
}

impl Helpscout {
    /// From `[forward.helpscout]`.
    pub fn new(cfg: &HelpscoutConfig, timing: &WebhookConfig) -> anyhow::Result<Helpscout> {
        cfg.validate()?;
        Ok(Helpscout {
            client: http::client(timing)?,
            cfg: cfg.clone(),
            token: Arc::default(),
        })
    }

    /// The request body for `case`.
    pub fn body(&self, case: &Case, identity_verified: bool) -> serde_json::Value {
        let mut tags = self.cfg.tags.clone();
        tags.push(format!(
            "deflect-{}",
            case.customer_category.as_str().replace('_', "-")
        ));
        let mut customer = json!({"email": case.email.trim()});
        if let Some(name) = super::customer_name(case) {
            customer["firstName"] = json!(name.chars().take(40).collect::<String>());
        }
        json!({
            "subject": super::ticket_subject(case),
            "customer": customer,
            "mailboxId": self.cfg.mailbox_id.unwrap_or_default(),
            "type": "email",
            "status": "active",
            "threads": [{
                "type": "customer",
                "customer": {"email": case.email.trim()},
                "text": super::body_html(&body_text(case, identity_verified)),
            }],
            "tags": tags,
        })
    }

    /// A cached token, or a new one (and whether it is new).
    async fn token(&self) -> Result<(String, bool), Failure> {
        if let Some((token, until)) = self.token.lock().unwrap().clone() {
            if Instant::now() < until {
                return Ok((token, false));
            }
        }
        let form = format!(
            "grant_type=client_credentials&client_id={}&client_secret={}",
            form_encode(self.cfg.client_id.as_deref().unwrap_or_default()),
            form_encode(self.cfg.client_secret.as_deref().unwrap_or_default()),
        );
        let response = self
            .client
            .post(format!("{}/v2/oauth2/token", self.cfg.api_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| {
                Failure::Retry(format!(
                    "helpscout token: request failed: {}",
                    http::describe(e)
                ))
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = format!(
                "helpscout token answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
            return Err(if status.as_u16() == 429 || status.is_server_error() {
                Failure::Retry(message)
            } else {
                Failure::Park(message)
            });
        }
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let token = json["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Failure::Retry("helpscout token: the answer has no access_token".into())
            })?
            .to_string();
        // Renewed a minute early, so a token never expires between here and the request.
        let lifetime = json["expires_in"].as_u64().unwrap_or(0).saturating_sub(60);
        *self.token.lock().unwrap() = Some((
            token.clone(),
            Instant::now() + Duration::from_secs(lifetime),
        ));
        Ok((token, true))
    }

    /// Creates the conversation.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let (token, fresh) = self.token().await?;
        let request = self
            .client
            .post(format!("{}/v2/conversations", self.cfg.api_url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(self.body(case, identity_verified).to_string());
        match http::send("helpscout", request, |_| None).await {
            Err(Failure::Park(m)) if !fresh && m.contains(" 401 ") => {
                *self.token.lock().unwrap() = None;
                Err(Failure::Retry(format!(
                    "{m} (token dropped, a new one is fetched next)"
                )))
            }
            other => other,
        }
    }
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
