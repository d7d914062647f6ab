//! Kind `email`: each case as one e-mail over SMTP (lettre), to the address the helpdesk
//! turns into tickets.
//!
//! The mail is multipart plain text + HTML (the HTML is the same text, escaped, so whatever
//! the customer typed stays inert); `Reply-To` is the customer when their address parses as
//! one address, so the agent's reply reaches them; `Message-ID` is derived from the case id,
//! so a resend after a crash is recognisably the same message. No customer text reaches a
//! header with a line break in it: the subject and name are cleaned of control characters
//! ([`super::ticket_subject`]) and the address must parse whole. SMTP answers 5xx
//! (permanent: wrong credentials, refused recipient) park the case; 4xx and connection
//! failures are retried.

use std::time::Duration;

use deflect_wire::Case;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use super::{Delivered, Failure};
use crate::config::WebhookConfig;
use crate::outbox::body_text;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is required (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: only to a relay on this machine (port 25 by default).
    None,
}

/// `[forward.email]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EmailConfig {
    /// SMTP server host name (the TLS certificate must match it).
    pub host: Option<String>,
    /// Port; default by `security`: 587, 465 or 25.
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none` (loopback only).
    pub security: Security,
    /// SMTP AUTH user name; none: no authentication.
    pub username: Option<String>,
    /// SMTP AUTH password.
    pub password: Option<String>,
    /// The sender (`Deflect <support-bot@example.com>`).
    pub from: Option<String>,
    /// The helpdesk's inbound address (`support@example.com`).
    pub to: Option<String>,
    /// A PEM file of extra CA certificates to trust for the SMTP server (an in-house relay
    /// with a private CA); the public roots stay trusted.
    pub ca_file: Option<std::path::PathBuf>,
}

impl EmailConfig {
    /// Checks the settings; errors name the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let host = super::required("forward.email.host", &self.host)?;
        if self.security == Security::None && !super::is_loopback(host) {
            anyhow::bail!(
                "forward.email.security: \"none\" only to a relay on this machine (localhost, 127.0.0.1, [::1]); use \"starttls\" or \"tls\" for {host}"
            );
        }
        if self.username.is_some() != self.password.is_some() {
            anyhow::bail!("forward.email.username and forward.email.password: set both or neither");
        }
        let from = super::required("forward.email.from", &self.from)?;
        from.parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("forward.email.from: {from:?} is not an address ({e})"))?;
        let to = super::required("forward.email.to", &self.to)?;
        to.parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("forward.email.to: {to:?} is not an address ({e})"))?;
        Ok(())
    }
}

/// A configured SMTP destination.
#[derive(Clone)]
pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Mailbox,
    endpoint: String,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the transport: it holds the password.
        f.debug_struct("Email")
            .field("endpoint", &self.endpoint)
            .field("to", &self.to.to_string())
            .finish()
    }
}

impl Email {
    /// From `[forward.email]`, with the outbox's per-attempt timeout.
    pub fn new(cfg: &EmailConfig, timing: &WebhookConfig) -> anyhow::Result<Email> {
        cfg.validate()?;
        let host = cfg.host.as_deref().unwrap_or_default().trim();
        let tls = match cfg.security {
            Security::None => Tls::None,
            security => {
                let mut params = TlsParameters::builder(host.to_string());
                if let Some(path) = &cfg.ca_file {
                    let pem = std::fs::read(path).map_err(|e| {
                        anyhow::anyhow!("forward.email.ca_file: {}: {e}", path.display())
                    })?;
                    let ca = Certificate::from_pem(&pem).map_err(|e| {
                        anyhow::anyhow!("forward.email.ca_file: {}: {e}", path.display())
                    })?;
                    params = params.add_root_certificate(ca);
                }
                let params = params
                    .build_rustls()
                    .map_err(|e| anyhow::anyhow!("forward.email.host: {host}: {e}"))?;
                // STARTTLS is required, never opportunistic: a server that does not offer
                // it (or a network that strips it) gets no case in plain text.
                if security == Security::Starttls {
                    Tls::Required(params)
                } else {
                    Tls::Wrapper(params)
                }
            }
        };
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).tls(tls);
        let port = cfg.port.unwrap_or(match cfg.security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
        let mut builder = builder
            .port(port)
            .timeout(Some(Duration::from_millis(timing.timeout_ms)));
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let parse = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().parse::<Mailbox>();
        Ok(Email {
            transport: builder.build(),
            from: parse(&cfg.from)?,
            to: parse(&cfg.to)?,
            endpoint: format!("{host}:{port}"),
        })
    }

    /// Builds the message for `case` (public for tests and `deflect forward test`).
    pub fn message(&self, case: &Case, identity_verified: bool) -> anyhow::Result<Message> {
        let text = body_text(case, identity_verified);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(self.to.clone())
            .subject(super::ticket_subject(case))
            .message_id(Some(message_id(&case.id, &self.from)));
        if let Some(customer) = reply_to(case) {
            builder = builder.reply_to(customer);
        }
        let html = format!(
            "<!doctype html><html><body>{}</body></html>",
            super::body_html(&text)
        );
        Ok(builder.multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html),
                ),
        )?)
    }

    /// Sends the case's e-mail.
    pub async fn send(&self, case: &Case, identity_verified: bool) -> Result<Delivered, Failure> {
        let message = self
            .message(case, identity_verified)
            .map_err(|e| Failure::Park(format!("email: cannot build the message: {e}")))?;
        let id = message_id(&case.id, &self.from);
        match self.transport.send(message).await {
            Ok(response) => Ok(Delivered {
                answer: format!(
                    "smtp {} answered {}: {}",
                    self.endpoint,
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
                remote_id: Some(id),
            }),
            Err(e) if e.is_permanent() => Err(Failure::Park(format!(
                "smtp {}: {}",
                self.endpoint,
                one_line(&e)
            ))),
            Err(e) => Err(Failure::Retry(format!(
                "smtp {}: {}",
                self.endpoint,
                one_line(&e)
            ))),
        }
    }
}

/// `<case-id@sender-domain>`: the same for every attempt of one case, so a mail resent
/// after a crash is recognisably the same message.
pub fn message_id(case_id: &str, from: &Mailbox) -> String {
    // Case ids are [A-Za-z0-9_-] (validated on arrival); filter anyway, it lands in a header.
    let local: String = case_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("<deflect-case-{local}@{}>", from.email.domain())
}

/// The customer as `Reply-To`, when their address parses as exactly one address and their
/// name has no control characters left (a name with a line break must not become a header).
pub fn reply_to(case: &Case) -> Option<Mailbox> {
    let email = case.email.trim();
    if email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let address: Address = email.parse().ok()?;
    Some(Mailbox::new(super::customer_name(case), address))
}

fn one_line(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
