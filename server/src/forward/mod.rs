//! Where a stored case goes once the outbox has claimed it: one module per kind of
//! destination (`[forward] kind = …`), all behind [`Forwarder::send`].
//!
//! This module owns the `[forward]` settings, the choice of kind (the older `[webhook]`
//! section alone still means kind `webhook`), and the one verdict every kind returns:
//! delivered (with the helpdesk's ticket id when it names one), worth retrying (the
//! helpdesk is down, slow or rate-limiting), or parked (the helpdesk refused the case for
//! good: wrong credentials, unknown mailbox, invalid field). Parking is what keeps a
//! misconfigured connector from retrying forever; the helpdesk's own message is kept so the
//! operator can read why in the report. The outbox (`crate::outbox`) owns claiming, leases
//! and backoff; the kinds own only the request they make.

pub mod email;
mod fields;
pub mod freshdesk;
pub mod helpscout;
mod http;
pub mod rt;
pub mod state;
pub mod webhook;
pub mod zendesk;

use deflect_wire::Case;
use serde::Deserialize;

use crate::config::Config;

/// The kinds of destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A JSON POST per case to `[webhook] url` (the original connector).
    Webhook,
    /// An e-mail per case over SMTP (`[forward.email]`).
    Email,
    /// Zendesk Tickets API (`[forward.zendesk]`).
    Zendesk,
    /// Freshdesk Tickets API v2 (`[forward.freshdesk]`).
    Freshdesk,
    /// Help Scout Mailbox API 2.0 conversations (`[forward.helpscout]`).
    Helpscout,
    /// Request Tracker 5 REST2 (`[forward.rt]`).
    Rt,
}

impl Kind {
    /// The name used in `[forward] kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Webhook => "webhook",
            Kind::Email => "email",
            Kind::Zendesk => "zendesk",
            Kind::Freshdesk => "freshdesk",
            Kind::Helpscout => "helpscout",
            Kind::Rt => "rt",
        }
    }
}

/// `[forward]`: which kind, and each kind's settings. The outbox's timing (timeouts,
/// backoff, leases) stays in `[webhook]` and applies to every kind.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ForwardConfig {
    /// None: `webhook` when `[webhook] url` is set, else cases wait in the outbox.
    pub kind: Option<Kind>,
    /// `[forward.email]`.
    pub email: email::EmailConfig,
    /// `[forward.zendesk]`.
    pub zendesk: zendesk::ZendeskConfig,
    /// `[forward.freshdesk]`.
    pub freshdesk: freshdesk::FreshdeskConfig,
    /// `[forward.helpscout]`.
    pub helpscout: helpscout::HelpscoutConfig,
    /// `[forward.rt]`.
    pub rt: rt::RtConfig,
}

impl ForwardConfig {
    /// The kind in effect: the one named, else `webhook` when its URL is set.
    pub fn effective_kind(&self, webhook_url: Option<&str>) -> Option<Kind> {
        self.kind.or(webhook_url.map(|_| Kind::Webhook))
    }

    /// Checks the chosen kind's settings; errors name the key (`forward.email.from`).
    pub fn validate(&self, webhook_url: Option<&str>) -> anyhow::Result<()> {
        match self.kind {
            None => Ok(()),
            Some(Kind::Webhook) if webhook_url.is_none() => {
                anyhow::bail!("forward.kind: \"webhook\" needs [webhook] url")
            }
            Some(Kind::Webhook) => Ok(()),
            Some(Kind::Email) => self.email.validate(),
            Some(Kind::Zendesk) => self.zendesk.validate(),
            Some(Kind::Freshdesk) => self.freshdesk.validate(),
            Some(Kind::Helpscout) => self.helpscout.validate(),
            Some(Kind::Rt) => self.rt.validate(),
        }
    }
}

/// What the helpdesk did with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The helpdesk's id for the new ticket/conversation/message, when it names one.
    pub remote_id: Option<String>,
    /// A one-line summary of the answer (`deflect forward test` prints it).
    pub answer: String,
}

/// Why a case was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Try again later with backoff: the helpdesk is down, slow, or rate-limiting.
    Retry(String),
    /// Do not try again: the helpdesk refused this request for good (wrong credentials, a
    /// field it rejects). The text is the helpdesk's own message.
    Park(String),
}

impl Failure {
    /// The message, whichever the verdict.
    pub fn message(&self) -> &str {
        match self {
            Failure::Retry(m) | Failure::Park(m) => m,
        }
    }
}

/// A configured destination.
#[derive(Debug, Clone)]
pub enum Forwarder {
    /// See [`webhook`].
    Webhook(webhook::Webhook),
    /// See [`email`].
    Email(email::Email),
    /// See [`zendesk`].
    Zendesk(zendesk::Zendesk),
    /// See [`freshdesk`].
    Freshdesk(freshdesk::Freshdesk),
    /// See [`helpscout`].
    Helpscout(helpscout::Helpscout),
    /// See [`rt`].
    Rt(rt::Rt),
}

impl Forwarder {
    /// The destination `config` asks for; None when cases are to wait in the outbox.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Forwarder>> {
        let timing = &config.webhook;
        let Some(kind) = config.forward.effective_kind(config.webhook.url.as_deref()) else {
            return Ok(None);
        };
        let f = &config.forward;
        Ok(Some(match kind {
            Kind::Webhook => Forwarder::Webhook(webhook::Webhook::new(timing)?),
            Kind::Email => Forwarder::Email(email::Email::new(&f.email, timing)?),
            Kind::Zendesk => Forwarder::Zendesk(zendesk::Zendesk::new(&f.zendesk, timing)?),
            Kind::Freshdesk => {
                Forwarder::Freshdesk(freshdesk::Freshdesk::new(&f.freshdesk, timing)?)
            }
            Kind::Helpscout => {
                Forwarder::Helpscout(helpscout::Helpscout::new(&f.helpscout, timing)?)
            }
            Kind::Rt => Forwarder::Rt(rt::Rt::new(&f.rt, timing)?),
        }))
    }

    /// The kind.
    pub fn kind(&self) -> Kind {
        match self {
            Forwarder::Webhook(_) => Kind::Webhook,
            Forwarder::Email(_) => Kind::Email,
            Forwarder::Zendesk(_) => Kind::Zendesk,
            Forwarder::Freshdesk(_) => Kind::Freshdesk,
            Forwarder::Helpscout(_) => Kind::Helpscout,
            Forwarder::Rt(_) => Kind::Rt,
        }
    }

    /// Sends one case. `identity_verified` is said plainly in what the agent reads.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        match self {
            Forwarder::Webhook(w) => w.send(case, identity_verified).await,
            Forwarder::Email(e) => e.send(case, identity_verified).await,
            Forwarder::Zendesk(z) => z.send(case, identity_verified).await,
            Forwarder::Freshdesk(f) => f.send(case, identity_verified).await,
            Forwarder::Helpscout(h) => h.send(case, identity_verified).await,
            Forwarder::Rt(r) => r.send(case, identity_verified).await,
        }
    }
}

/// Cases carry customers' names, addresses and words: they travel over TLS. Plain http is
/// allowed only to this machine (a local relay, the tests). `field` names the setting.
pub fn check_url(field: &str, url: &str) -> anyhow::Result<reqwest::Url> {
    // Named without the URL itself: helpdesk URLs often hold a secret in their path.
    let shown = crate::outbox::redact_url(url);
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("{field}: {shown} is not a URL ({e})"))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(parsed.host_str().unwrap_or_default()) => Ok(parsed),
        "http" => anyhow::bail!(
            "{field}: {shown} must use https:// (plain http:// only to this machine: localhost, 127.0.0.1, [::1])"
        ),
        _ => anyhow::bail!("{field}: {shown} must be an https:// URL"),
    }
}

/// Whether `host` names this machine.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A required text setting: present and not blank.
fn required<'a>(field: &str, value: &'a Option<String>) -> anyhow::Result<&'a str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| anyhow::anyhow!("{field}: must be set"))
}

/// The case's subject as a ticket subject: control characters (CR, LF, tabs) become spaces,
/// so no helpdesk field and no mail header ever sees a line break from the customer, and
/// the reference is appended so agents and customers quote the same thing.
pub fn ticket_subject(case: &Case) -> String {
    let clean: String = case
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{clean} [{}]", case.reference())
}

/// The customer's display name, without control characters.
pub fn customer_name(case: &Case) -> Option<String> {
    let name = case.name.as_deref()?;
    let clean: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    (!clean.is_empty()).then_some(clean)
}

/// The case body as an inert HTML fragment (for helpdesks whose description field is HTML).
pub fn body_html(body_text: &str) -> String {
    format!(
        "<pre style=\"white-space:pre-wrap;font-family:inherit\">{}</pre>",
        // The dashboard's escaping: the five special characters; line breaks are kept by
        // the `<pre>` wrapper.
        crate::dashboard::escape(body_text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            body_html("<script>alert('x')</script> & \"q\""),
            "<pre style=\"white-space:pre-wrap;font-family:inherit\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</pre>"
        );
    }

    #[test]
    fn an_unknown_kind_or_key_is_an_error_naming_it() {
        let e = crate::config::Config::from_toml("[forward]\nkind = \"jira\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("jira") && e.contains("email"),
            "{e}"
        );
        let e = crate::config::Config::from_toml("[forward.email]\nhots = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("hots") && e.contains("line 2"), "{e}");
        let mut c = crate::config::Config::from_toml(
            "[forward]\nkind = \"email\"\n[forward.email]\nhost = \"smtp.example.com\"\n\
             security = \"none\"\nfrom = \"a@example.com\"\nto = \"b@example.com\"\n",
        )
        .unwrap();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("forward.email.security"), "{e}");
        c.forward.email.security = email::Security::Starttls;
        c.forward.email.to = Some("not an address".into());
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("forward.email.to"), "{e}");
    }

    #[test]
    fn a_mistyped_helpdesk_key_is_an_error_naming_it() {
        // The helpdesk sections share their field reading (fields.rs) but each keeps its
        // keys listed, so `deny_unknown_fields` still names a typo.
        for kind in ["zendesk", "freshdesk", "rt"] {
            let e = crate::config::Config::from_toml(&format!(
                "[forward.{kind}]\nbase_url = \"https://x\"\ncategory_feild = \"1\"\n"
            ))
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("category_feild") && e.contains("line 3"),
                "{kind}: {e}"
            );
        }
    }

    #[test]
    fn the_kind_defaults_to_webhook_only_when_its_url_is_set() {
        let f = ForwardConfig::default();
        assert_eq!(f.effective_kind(None), None);
        assert_eq!(f.effective_kind(Some("https://x")), Some(Kind::Webhook));
        let f = ForwardConfig {
            kind: Some(Kind::Email),
            ..ForwardConfig::default()
        };
        assert_eq!(f.effective_kind(Some("https://x")), Some(Kind::Email));
        assert!(f
            .validate(None)
            .unwrap_err()
            .to_string()
            .starts_with("forward.email.host"));
    }
}

/// A case id's short reference (`DF-…`), as the customer and the helpdesk see it.
pub fn reference(case_id: &str) -> String {
    deflect_wire::case_reference(case_id)
}

/// The case `deflect forward test` sends: plainly a test, with every field an agent sees
/// filled in (a trail, a category, a promised reply time, a page).
pub fn sample_case() -> Case {
    let now = jiff::Timestamp::now();
    let id = format!("forward-test-{}", now.as_millisecond());
    serde_json::from_value(serde_json::json!({
        "id": id,
        "journey_id": format!("journey-{id}"),
        "created_at": now.to_string(),
        "subject": "Test case from `deflect forward test` (safe to close)",
        "description": "This is a sample case sent by the Deflect collector to check the helpdesk \
                        connection. It is not from a customer.",
        "email": "deflect-forward-test@example.com",
        "name": "Deflect test",
        "customer_category": "how_do_i",
        "trail": {"queries": ["connect helpdesk"], "articles": [
            {"id": "setup/forwarding", "title": "Forwarding cases to your helpdesk",
             "dwell_ms": 15000, "helpful": false, "reason": "did_not_work"}
        ]},
        "expected_reply_by": (now + jiff::SignedDuration::from_hours(24)).to_string(),
        "context": {"page_url": "https://app.example.com/settings/support", "locale": "en"}
    }))
    .expect("the sample case matches the wire schema")
}
