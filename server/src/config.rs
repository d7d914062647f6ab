//! The collector's settings: a TOML file (`--config deflect-server.toml`), overridden by
//! environment variables and command-line flags (the CLI does that merge).

use std::path::Path;

use serde::Deserialize;

/// Everything `deflect serve` needs beyond the folder to host.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// A SQLite file path (or `sqlite:` URL) or a `postgres://` URL; none: static only.
    pub database: Option<String>,
    /// Bearer token for `GET /v1/report`, `/report` and the classification API.
    pub report_token: Option<String>,
    /// Page origins allowed to post (`https://app.example.com`), or `["*"]` for any origin.
    /// Pages served by the collector itself (same origin) are always allowed. A collector
    /// with a database refuses to start with an empty list: accepting events and cases
    /// from every web page must be said, not defaulted into.
    pub allowed_origins: Vec<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Per-client rate limit on `POST /v1/events` and `POST /v1/cases`.
    pub rate_limit: RateLimitConfig,
    /// How many proxies in front of the collector append to `X-Forwarded-For` and can be
    /// trusted to (a load balancer, a CDN): the client address for the rate limit is read
    /// that many entries from the right. 0 (default): the header is ignored, the TCP peer
    /// is the client. Entries further left are whatever the client sent and never used.
    pub trusted_proxy_hops: usize,
    /// Older spelling of `trusted_proxy_hops = 1`, still read.
    pub trust_forwarded_for: bool,
    /// Forwarding of cases to the vendor's helpdesk: the webhook's URL, and the outbox's
    /// timing for every kind of destination.
    pub webhook: WebhookConfig,
    /// Which kind of destination receives cases (`webhook`, `email`, `zendesk`, …) and
    /// its settings (`crate::forward`).
    pub forward: crate::forward::ForwardConfig,
    /// Open connections at most; more wait in the listen backlog (keep the process's
    /// descriptor limit above this plus the database pool).
    pub max_connections: usize,
    /// How long a request's headers may take to arrive, in milliseconds (also how long an
    /// idle kept-alive connection stays open).
    pub header_read_timeout_ms: u64,
    /// How long a request's body may take to arrive, in milliseconds (408 past it).
    pub body_read_timeout_ms: u64,
    /// How long events and cases are kept.
    pub retention: RetentionConfig,
    /// How much one page origin may store per UTC day.
    pub quota: QuotaConfig,
    /// What is kept of query text and page URLs, whatever widgets send.
    pub privacy: crate::privacy::PrivacyConfig,
    /// Identity verification: the secret shared with the vendor's backend.
    pub identity: crate::identity::IdentityConfig,
}

/// Daily quotas per page origin (`Origin` header; requests without one count as one
/// origin); 0 is unlimited. Each instance counts on its own.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaConfig {
    /// Events one origin may store per UTC day.
    pub events_per_origin_per_day: u64,
    /// Cases one origin may store per UTC day.
    pub cases_per_origin_per_day: u64,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        // About ten times what 50,000 widget sessions a day write.
        QuotaConfig {
            events_per_origin_per_day: 2_000_000,
            cases_per_origin_per_day: 20_000,
        }
    }
}

/// How long what the collector stores is kept, and how the purge runs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days an event is kept after it arrived; 0 keeps events for ever.
    pub events_days: u32,
    /// Days a case is kept after it arrived (once forwarded, when a webhook is set); 0
    /// keeps cases for ever.
    pub cases_days: u32,
    /// Seconds between purges.
    pub purge_interval_s: u64,
    /// Rows deleted per statement.
    pub batch_size: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            // 13 months: a year-over-year comparison still has its month.
            events_days: 400,
            cases_days: 730,
            purge_interval_s: 3600,
            batch_size: 1000,
        }
    }
}

/// A token bucket per client address.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained requests per second per client; 0 turns the limit off.
    pub per_second: f64,
    /// Requests a client may send at once before the sustained rate applies.
    pub burst: u32,
}

/// Where and how cases are forwarded.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// `https://…` endpoint that receives one JSON POST per case; none: cases wait in the
    /// outbox until one is configured.
    pub url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` when set.
    pub token: Option<String>,
    /// Per-attempt timeout, in milliseconds.
    pub timeout_ms: u64,
    /// First retry delay, in milliseconds; doubles on each failure ...
    pub retry_base_ms: u64,
    /// ... up to this, in milliseconds.
    pub retry_max_ms: u64,
    /// How often an idle worker looks for due rows (other instances' cases), in ms.
    pub poll_ms: u64,
    /// How long a claimed row stays reserved for one instance, in milliseconds.
    pub lease_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database: None,
            report_token: None,
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            rate_limit: RateLimitConfig::default(),
            trusted_proxy_hops: 0,
            trust_forwarded_for: false,
            webhook: WebhookConfig::default(),
            forward: crate::forward::ForwardConfig::default(),
            max_connections: 2048,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            retention: RetentionConfig::default(),
            quota: QuotaConfig::default(),
            privacy: crate::privacy::PrivacyConfig::default(),
            identity: crate::identity::IdentityConfig::default(),
        }
    }
}

/// Cases carry customers' names, e-mail addresses and words: they travel to the helpdesk
/// over TLS. Plain http is allowed only to this machine (a local relay, the tests).
fn check_webhook_url(url: &str) -> anyhow::Result<()> {
    // Named without the URL itself: webhook URLs often hold a secret in their path.
    let shown = crate::outbox::redact_url(url);
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| anyhow::anyhow!("webhook.url: {shown} is not a URL ({e})"))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => anyhow::bail!(
            "webhook.url: {shown} must use https:// (plain http:// only to this machine: localhost, 127.0.0.1, [::1])"
        ),
        _ => anyhow::bail!("webhook.url: {shown} must be an https:// URL"),
    }
}

impl Config {
    /// Whether stored cases are forwarded anywhere (a `[forward] kind`, or a webhook URL).
    pub fn forwarding(&self) -> bool {
        self.forward
            .effective_kind(self.webhook.url.as_deref())
            .is_some()
    }

    /// The resolved number of trusted proxies: `trusted_proxy_hops`, or 1 for the older
    /// `trust_forwarded_for = true`.
    pub fn proxy_hops(&self) -> usize {
        self.trusted_proxy_hops
            .max(usize::from(self.trust_forwarded_for))
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_second: 20.0,
            burst: 100,
        }
    }
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            url: None,
            token: None,
            timeout_ms: 10_000,
            retry_base_ms: 1_000,
            retry_max_ms: 600_000,
            poll_ms: 1_000,
            lease_ms: 60_000,
        }
    }
}

/// Shortest accepted report token.
pub const MIN_TOKEN_CHARS: usize = 16;

impl Config {
    /// Reads a TOML file; unknown keys and wrong types are errors naming the key and line.
    pub fn from_file(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        Config::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(config)
    }

    /// Checks values that the types cannot: origins, URLs, token length, limits.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.allowed_origins.iter().any(|o| o == ANY_ORIGIN) {
            if self.allowed_origins.len() > 1 {
                anyhow::bail!(
                    "allowed_origins: \"*\" (any origin) cannot be combined with listed origins; \
                     keep either \"*\" or the list"
                );
            }
        } else {
            for origin in &self.allowed_origins {
                check_origin(origin)?;
            }
        }
        if self.database.is_some() && self.allowed_origins.is_empty() {
            anyhow::bail!(
                "allowed_origins: a collector with a database must list the page origins that \
                 may post events and cases, e.g. allowed_origins = [\"https://app.example.com\"] \
                 (--allowed-origins, DEFLECT_ALLOWED_ORIGINS); say allowed_origins = [\"*\"] \
                 to accept any origin"
            );
        }
        if let Some(token) = &self.report_token {
            if token.chars().count() < MIN_TOKEN_CHARS {
                anyhow::bail!("report_token: must be at least {MIN_TOKEN_CHARS} characters");
            }
            // It travels in a header and a cookie: visible ASCII without separators.
            if !token
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'))
            {
                anyhow::bail!(
                    "report_token: use letters, digits and punctuation other than ; , \" \\ \
                     (no spaces), e.g. the output of `openssl rand -hex 24`"
                );
            }
        }
        if let Some(url) = &self.webhook.url {
            check_webhook_url(url)?;
        }
        self.forward.validate(self.webhook.url.as_deref())?;
        self.identity.validate()?;
        if self.retention.batch_size == 0 {
            anyhow::bail!("retention.batch_size: must be at least 1");
        }
        if self.max_connections == 0 {
            anyhow::bail!("max_connections: must be at least 1");
        }
        if self.header_read_timeout_ms == 0 || self.body_read_timeout_ms == 0 {
            anyhow::bail!("header_read_timeout_ms and body_read_timeout_ms: must be at least 1");
        }
        if self.max_body_bytes < 1024 {
            anyhow::bail!("max_body_bytes: must be at least 1024");
        }
        if !(self.rate_limit.per_second >= 0.0 && self.rate_limit.per_second.is_finite()) {
            anyhow::bail!("rate_limit.per_second: must be 0 (off) or a positive number");
        }
        if self.rate_limit.per_second > 0.0 && self.rate_limit.burst == 0 {
            anyhow::bail!("rate_limit.burst: must be at least 1 when the limit is on");
        }
        let w = &self.webhook;
        if w.timeout_ms == 0 || w.retry_base_ms == 0 || w.poll_ms == 0 {
            anyhow::bail!("webhook: timeout_ms, retry_base_ms and poll_ms must be positive");
        }
        if w.retry_max_ms < w.retry_base_ms {
            anyhow::bail!("webhook.retry_max_ms: must be at least retry_base_ms");
        }
        if w.lease_ms <= w.timeout_ms {
            anyhow::bail!("webhook.lease_ms: must be longer than webhook.timeout_ms");
        }
        Ok(())
    }
}

/// The `allowed_origins` entry that accepts every page origin.
pub const ANY_ORIGIN: &str = "*";

/// An origin is `scheme://host[:port]`, nothing more (that is what browsers send).
fn check_origin(origin: &str) -> anyhow::Result<()> {
    let bad = || {
        anyhow::anyhow!(
            "allowed_origins: {origin:?} must look like https://app.example.com \
             (scheme, host and optional port; no path or trailing slash)"
        )
    };
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    if !(scheme == "http" || scheme == "https") || rest.is_empty() || rest.contains('/') {
        return Err(bad());
    }
    Ok(())
}

/// Splits a comma-separated list (for `DEFLECT_ALLOWED_ORIGINS`), dropping blanks.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_and_names_unknown_keys() {
        let c = Config::from_toml(
            "database = \"x.db\"\nallowed_origins = [\"https://a.example\"]\n\
             [webhook]\nurl = \"https://hd.example/hook\"\nretry_base_ms = 10\n",
        )
        .unwrap();
        assert_eq!(c.database.as_deref(), Some("x.db"));
        assert_eq!(c.webhook.retry_base_ms, 10);
        assert_eq!(c.webhook.timeout_ms, 10_000);
        c.validate().unwrap();
        let err = Config::from_toml("databse = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("databse"), "{err}");
        let err = Config::from_toml("[rate_limit]\nburst = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("burst"), "{err}");
    }

    #[test]
    fn validation_names_the_key() {
        let mut c = Config {
            allowed_origins: vec!["https://a.example/".into()],
            ..Config::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("allowed_origins"));
        c.allowed_origins = vec!["https://a.example:8443".into()];
        c.validate().unwrap();
        c.report_token = Some("short".into());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("report_token"));
        c.report_token = None;
        c.webhook.url = Some("ftp://x".into());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("webhook.url"));
        // Plain http only to this machine; the error does not repeat the URL's secret path.
        c.webhook.url = Some("http://hooks.example/T0/secret-path".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("must use https://"), "{err}");
        assert!(!err.contains("secret-path"), "{err}");
        for ok in [
            "https://hooks.example/x",
            "http://127.0.0.1:9/x",
            "http://[::1]:9/x",
            "http://localhost/x",
        ] {
            c.webhook.url = Some(ok.into());
            c.validate().unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        assert_eq!(split_list(" a, ,b "), vec!["a", "b"]);
        let c = Config::from_toml("[identity]\nsecret = \"short\"\n").unwrap();
        let err = c.validate().unwrap_err().to_string();
        assert!(
            err.starts_with("identity.secret") && !err.contains("short"),
            "{err}"
        );
    }

    #[test]
    fn a_collector_with_a_database_needs_its_origins_said() {
        let mut c = Config {
            database: Some("x.db".into()),
            ..Config::default()
        };
        let err = c.validate().unwrap_err().to_string();
        assert!(
            err.starts_with("allowed_origins: a collector with a database"),
            "{err}"
        );
        assert!(
            err.contains("[\"*\"]"),
            "the error says how to accept any origin: {err}"
        );
        c.allowed_origins = vec!["*".into()];
        c.validate().unwrap();
        c.allowed_origins = vec!["https://app.example".into()];
        c.validate().unwrap();
        c.allowed_origins = vec!["*".into(), "https://app.example".into()];
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("cannot be combined"), "{err}");
        // Static hosting only (no database) needs no list: /v1 answers 503 anyway.
        Config::default().validate().unwrap();
    }
}
