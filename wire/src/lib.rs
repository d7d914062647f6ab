//! `deflect-wire`: the contract between the widget and the collector — event batches and
//! cases, their validation and decoding, their JSON Schemas, and a case as plain text
//! ([`case_text`]). It is the collector's only dependency on the widget's side: the
//! journey's state machine and the support policy stay in `deflect-journey`, which
//! re-exports all of this as `deflect_journey::wire`.
//!
//! These types *are* the versioned contract. The JSON Schema files under `schemas/v1/` are
//! generated from them ([`events_schema`], [`case_schema`]) and a test fails when the
//! committed files drift. Both sides call [`Validate::validate`], so the widget refuses to
//! queue what the collector would reject, and the collector's 4xx names the same field.
//!
//! Every event and case carries a client-generated id: a retry after a lost answer sends
//! the same id again, and the collector stores it once.

pub mod case_text;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Most events in one batch.
pub const MAX_EVENTS_PER_BATCH: usize = 200;
/// Longest id (events, cases, journeys, articles), in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Shortest id: long enough to be unguessable when client-generated.
pub const MIN_ID_LEN: usize = 8;
/// Longest query text, in characters (the planner reads at most 1,000 bytes).
pub const MAX_QUERY_CHARS: usize = 500;
/// Longest case subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest case description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Longest e-mail address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest name, title, URL or other short free text, in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 2_000;
/// Most queries or articles in a case's trail.
pub const MAX_TRAIL_ITEMS: usize = 50;
/// Most article ids listed in one `search` event.
pub const MAX_TOP_ARTICLES: usize = 10;
/// Length of an identity signature: HMAC-SHA256 (32 bytes) as lower-case hex.
pub const IDENTITY_SIGNATURE_LEN: usize = 64;

/// How a journey ended; recorded exactly once per journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JourneyOutcome {
    /// The customer said an article solved the problem.
    Resolved,
    /// The customer submitted a case.
    Escalated,
    /// The customer closed the widget or left the page with neither.
    Abandoned,
}

impl JourneyOutcome {
    /// The wire name (`resolved`, `escalated`, `abandoned`).
    pub fn as_str(self) -> &'static str {
        match self {
            JourneyOutcome::Resolved => "resolved",
            JourneyOutcome::Escalated => "escalated",
            JourneyOutcome::Abandoned => "abandoned",
        }
    }
}

/// Why an article did not solve the problem (all optional for the customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackReason {
    /// The article is hard to follow.
    Unclear,
    /// The article is about something else.
    DoesNotMatch,
    /// The customer followed it and it did not work.
    DidNotWork,
    /// The article describes an older version of the product.
    Outdated,
}

impl FeedbackReason {
    /// Every reason, in the order the widget offers them.
    pub const ALL: [FeedbackReason; 4] = [
        FeedbackReason::Unclear,
        FeedbackReason::DoesNotMatch,
        FeedbackReason::DidNotWork,
        FeedbackReason::Outdated,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackReason::Unclear => "unclear",
            FeedbackReason::DoesNotMatch => "does_not_match",
            FeedbackReason::DidNotWork => "did_not_work",
            FeedbackReason::Outdated => "outdated",
        }
    }
}

/// How the *customer* classifies the problem, in their words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerCategory {
    /// "Something is broken".
    SomethingBroken,
    /// "How do I…".
    HowDoI,
    /// "Installation or setup".
    InstallationOrSetup,
    /// "Billing or account".
    BillingOrAccount,
    /// "The documentation is unclear".
    DocumentationUnclear,
    /// "Feature request".
    FeatureRequest,
}

impl CustomerCategory {
    /// Every category, in the order the form offers them.
    pub const ALL: [CustomerCategory; 6] = [
        CustomerCategory::SomethingBroken,
        CustomerCategory::HowDoI,
        CustomerCategory::InstallationOrSetup,
        CustomerCategory::BillingOrAccount,
        CustomerCategory::DocumentationUnclear,
        CustomerCategory::FeatureRequest,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerCategory::SomethingBroken => "something_broken",
            CustomerCategory::HowDoI => "how_do_i",
            CustomerCategory::InstallationOrSetup => "installation_or_setup",
            CustomerCategory::BillingOrAccount => "billing_or_account",
            CustomerCategory::DocumentationUnclear => "documentation_unclear",
            CustomerCategory::FeatureRequest => "feature_request",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<CustomerCategory> {
        CustomerCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The vendor category this perception corresponds to, for the side-by-side report.
    pub fn as_vendor(self) -> VendorCategory {
        match self {
            CustomerCategory::SomethingBroken => VendorCategory::Defect,
            CustomerCategory::HowDoI => VendorCategory::Question,
            CustomerCategory::InstallationOrSetup => VendorCategory::Configuration,
            CustomerCategory::BillingOrAccount => VendorCategory::Billing,
            CustomerCategory::DocumentationUnclear => VendorCategory::Documentation,
            CustomerCategory::FeatureRequest => VendorCategory::FeatureRequest,
        }
    }
}

/// How the *vendor* classifies a case after looking at it (set through the collector's API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VendorCategory {
    /// A fault in the product.
    Defect,
    /// A usage question the product answers as designed.
    Question,
    /// Installation, setup or configuration of the customer's environment.
    Configuration,
    /// Billing or account administration.
    Billing,
    /// Missing or wrong documentation.
    Documentation,
    /// Something the product does not do yet.
    FeatureRequest,
    /// Anything else (duplicates, spam, out of scope).
    Other,
}

impl VendorCategory {
    /// Every category.
    pub const ALL: [VendorCategory; 7] = [
        VendorCategory::Defect,
        VendorCategory::Question,
        VendorCategory::Configuration,
        VendorCategory::Billing,
        VendorCategory::Documentation,
        VendorCategory::FeatureRequest,
        VendorCategory::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            VendorCategory::Defect => "defect",
            VendorCategory::Question => "question",
            VendorCategory::Configuration => "configuration",
            VendorCategory::Billing => "billing",
            VendorCategory::Documentation => "documentation",
            VendorCategory::FeatureRequest => "feature_request",
            VendorCategory::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<VendorCategory> {
        VendorCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One step of a journey, as sent to the events endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Client-generated, unique; a retried event with the same id is stored once.
    #[schemars(length(min = MIN_ID_LEN, max = MAX_ID_LEN), regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub id: String,
    /// The journey this step belongs to.
    #[schemars(length(min = MIN_ID_LEN, max = MAX_ID_LEN), regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub journey_id: String,
    /// When it happened (RFC 3339, UTC), by the customer's clock.
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened in one journey step; `type` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The customer settled on a query (its final form, not every keystroke).
    Search {
        /// The query text; absent when the vendor collects no query text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schemars(length(max = MAX_QUERY_CHARS))]
        query: Option<String>,
        /// How many suggestions it got (0 marks a content gap).
        results: u32,
        /// The ids of the first suggestions, best first.
        #[serde(default)]
        #[schemars(length(max = MAX_TOP_ARTICLES))]
        top_articles: Vec<String>,
        /// Whether the suggestions answer the query, as the search core judged it: false
        /// when there are none, or none contains the query's most specific word (the
        /// report's "no good answer" content gaps). Absent from widgets older than this
        /// field, and then unknown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        good_answer: Option<bool>,
    },
    /// The customer read an article for `dwell_ms` (sent when they leave it).
    ArticleViewed {
        /// The article's id.
        article_id: String,
        /// Time spent on it, in milliseconds.
        dwell_ms: u64,
    },
    /// The customer answered "Did this solve your problem?".
    Feedback {
        /// The article's id.
        article_id: String,
        /// Yes or no.
        helpful: bool,
        /// Why not, when the customer said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<FeedbackReason>,
    },
    /// The customer opened the contact form.
    HandoffStarted {
        /// The article they came from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        article_id: Option<String>,
    },
    /// The customer submitted a case.
    CaseSubmitted {
        /// The case's id.
        case_id: String,
    },
    /// The journey ended (exactly one per journey).
    JourneyEnded {
        /// How.
        outcome: JourneyOutcome,
    },
}

impl EventKind {
    /// The wire name of the event type.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Search { .. } => "search",
            EventKind::ArticleViewed { .. } => "article_viewed",
            EventKind::Feedback { .. } => "feedback",
            EventKind::HandoffStarted { .. } => "handoff_started",
            EventKind::CaseSubmitted { .. } => "case_submitted",
            EventKind::JourneyEnded { .. } => "journey_ended",
        }
    }
}

/// The body of `POST /v1/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventBatch {
    /// The events, oldest first (1 to 200).
    #[schemars(length(min = 1, max = MAX_EVENTS_PER_BATCH))]
    pub events: Vec<Event>,
}

/// One article the customer read before asking for help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrailArticle {
    /// The article's id.
    pub id: String,
    /// Its title when it was read.
    pub title: String,
    /// Time spent on it, in milliseconds.
    pub dwell_ms: u64,
    /// The customer's answer to "Did this solve your problem?", if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helpful: Option<bool>,
    /// Why not, when they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<FeedbackReason>,
}

/// Everything the customer already tried, attached to the case so nobody asks again.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Trail {
    /// The queries they settled on, oldest first.
    #[serde(default)]
    #[schemars(length(max = MAX_TRAIL_ITEMS))]
    pub queries: Vec<String>,
    /// The articles they read, oldest first.
    #[serde(default)]
    #[schemars(length(max = MAX_TRAIL_ITEMS))]
    pub articles: Vec<TrailArticle>,
}

/// Where the case came from; all optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct CaseContext {
    /// The host page's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// The browser's language (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The vendor's id for the customer, from `identify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The customer's plan, from `identify`; selects the response target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// The vendor backend's HMAC-SHA256 of the identity (docs/identity-verification.md),
    /// from `identify`, as 64 lower-case hexadecimal characters. The widget only forwards
    /// it; the collector checks it, marks the case verified or not and never stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = IDENTITY_SIGNATURE_LEN, max = IDENTITY_SIGNATURE_LEN), regex(pattern = r"^[0-9a-f]{64}$"))]
    pub identity_signature: Option<String>,
}

/// The body of `POST /v1/cases`: a request for help with the self-help trail attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Case {
    /// Client-generated, unique; a retried case with the same id is stored once.
    #[schemars(length(min = MIN_ID_LEN, max = MAX_ID_LEN), regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub id: String,
    /// The journey that escalated.
    #[schemars(length(min = MIN_ID_LEN, max = MAX_ID_LEN), regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub journey_id: String,
    /// When the customer pressed Send (RFC 3339, UTC).
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub created_at: Timestamp,
    /// One line: what the problem is (1 to 200 characters).
    #[schemars(length(min = 1, max = MAX_SUBJECT_CHARS))]
    pub subject: String,
    /// The customer's description (up to 10,000 characters).
    #[serde(default)]
    #[schemars(length(max = MAX_DESCRIPTION_CHARS))]
    pub description: String,
    /// Where to reply.
    #[schemars(length(min = 3, max = MAX_EMAIL_CHARS), extend("format" = "email"))]
    pub email: String,
    /// The customer's name, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How the customer classifies the problem.
    pub customer_category: CustomerCategory,
    /// What they tried first.
    #[serde(default)]
    pub trail: Trail,
    /// The reply time the customer was promised, when the widget knows the support hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub expected_reply_by: Option<Timestamp>,
    /// Page, locale and identity.
    #[serde(default)]
    pub context: CaseContext,
}

impl Case {
    /// The short reference shown to the customer and quoted in e-mails.
    pub fn reference(&self) -> String {
        case_reference(&self.id)
    }
}

/// The short, human-friendly reference for case `id`: `DF-` and its first eight letters
/// and digits, upper-cased. Derived from the id so the widget can show it before the
/// collector has answered (offline, the acknowledgement still has a reference).
pub fn case_reference(id: &str) -> String {
    let mut reference = String::from("DF-");
    reference.extend(
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .map(|c| c.to_ascii_uppercase()),
    );
    reference
}

/// The collector's answer to an accepted case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseReceipt {
    /// The case's id.
    pub id: String,
    /// Its reference.
    pub reference: String,
    /// `false` when this id had been received before (a retry).
    pub created: bool,
}

/// The body of `PUT /v1/cases/{id}/classification`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VendorClassification {
    /// How the vendor classifies the case.
    pub vendor_category: VendorCategory,
}

/// A 4xx body: which field is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// JSON path of the offending field, e.g. `events[3].query`; empty for the whole body.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Checks the limits that serde's types cannot express.
pub trait Validate {
    /// `Ok` when the value is acceptable; otherwise the first offending field.
    fn validate(&self) -> Result<(), FieldError>;
}

fn check_id(field: &str, id: &str) -> Result<(), FieldError> {
    if id.len() < MIN_ID_LEN || id.len() > MAX_ID_LEN {
        return Err(FieldError::new(
            field,
            format!("must be {MIN_ID_LEN} to {MAX_ID_LEN} characters long"),
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldError::new(
            field,
            "may hold only letters, digits, '-' and '_'",
        ));
    }
    Ok(())
}

fn check_article_id(field: &str, id: &str) -> Result<(), FieldError> {
    if id.is_empty() || id.len() > MAX_ID_LEN * 4 {
        return Err(FieldError::new(field, "must be 1 to 256 bytes long"));
    }
    if id.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn check_text(field: &str, text: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let n = text.trim().chars().count();
    if n < min {
        return Err(FieldError::new(
            field,
            if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("must be at least {min} characters")
            },
        ));
    }
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    // Line breaks and tabs are text; other control characters are not.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An identity signature is an HMAC-SHA256 written as 64 lower-case hexadecimal
/// characters (what Node's `digest('hex')` and Python's `hexdigest()` print). Anything else
/// cannot be one, and is named here rather than silently failing verification later.
pub fn check_identity_signature(field: &str, signature: &str) -> Result<(), FieldError> {
    let hex = signature
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if signature.len() == IDENTITY_SIGNATURE_LEN && hex {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be an HMAC-SHA256 as {IDENTITY_SIGNATURE_LEN} lower-case hexadecimal \
                 characters (got {} characters)",
                signature.chars().count()
            ),
        ))
    }
}

/// A deliberately loose e-mail check: one `@` with something on both sides and a dot in
/// the domain. The mail server is the real judge; this catches typos like a missing `@`.
pub fn check_email(field: &str, email: &str) -> Result<(), FieldError> {
    check_text(field, email, 1, MAX_EMAIL_CHARS)?;
    let email = email.trim();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "must be an e-mail address like name@example.com",
        ))
    }
}

impl Validate for Event {
    fn validate(&self) -> Result<(), FieldError> {
        check_id("id", &self.id)?;
        check_id("journey_id", &self.journey_id)?;
        match &self.kind {
            EventKind::Search {
                query,
                top_articles,
                ..
            } => {
                if let Some(q) = query {
                    check_text("query", q, 0, MAX_QUERY_CHARS)?;
                }
                if top_articles.len() > MAX_TOP_ARTICLES {
                    return Err(FieldError::new(
                        "top_articles",
                        format!("must list at most {MAX_TOP_ARTICLES} articles"),
                    ));
                }
                for (i, a) in top_articles.iter().enumerate() {
                    check_article_id(&format!("top_articles[{i}]"), a)?;
                }
            }
            EventKind::ArticleViewed { article_id, .. }
            | EventKind::Feedback { article_id, .. } => check_article_id("article_id", article_id)?,
            EventKind::HandoffStarted { article_id } => {
                if let Some(a) = article_id {
                    check_article_id("article_id", a)?;
                }
            }
            EventKind::CaseSubmitted { case_id } => check_id("case_id", case_id)?,
            EventKind::JourneyEnded { .. } => {}
        }
        Ok(())
    }
}

impl Validate for EventBatch {
    fn validate(&self) -> Result<(), FieldError> {
        if self.events.is_empty() || self.events.len() > MAX_EVENTS_PER_BATCH {
            return Err(FieldError::new(
                "events",
                format!("must hold 1 to {MAX_EVENTS_PER_BATCH} events"),
            ));
        }
        for (i, event) in self.events.iter().enumerate() {
            event.validate().map_err(|e| FieldError {
                field: format!("events[{i}].{}", e.field),
                message: e.message,
            })?;
        }
        Ok(())
    }
}

impl Validate for Case {
    fn validate(&self) -> Result<(), FieldError> {
        check_id("id", &self.id)?;
        check_id("journey_id", &self.journey_id)?;
        check_text("subject", &self.subject, 1, MAX_SUBJECT_CHARS)?;
        check_text("description", &self.description, 0, MAX_DESCRIPTION_CHARS)?;
        check_email("email", &self.email)?;
        if let Some(name) = &self.name {
            check_text("name", name, 0, MAX_SHORT_TEXT_CHARS)?;
        }
        if self.trail.queries.len() > MAX_TRAIL_ITEMS {
            return Err(FieldError::new(
                "trail.queries",
                format!("must hold at most {MAX_TRAIL_ITEMS} queries"),
            ));
        }
        for (i, q) in self.trail.queries.iter().enumerate() {
            check_text(&format!("trail.queries[{i}]"), q, 0, MAX_QUERY_CHARS)?;
        }
        if self.trail.articles.len() > MAX_TRAIL_ITEMS {
            return Err(FieldError::new(
                "trail.articles",
                format!("must hold at most {MAX_TRAIL_ITEMS} articles"),
            ));
        }
        for (i, a) in self.trail.articles.iter().enumerate() {
            check_article_id(&format!("trail.articles[{i}].id"), &a.id)?;
            check_text(
                &format!("trail.articles[{i}].title"),
                &a.title,
                0,
                MAX_SHORT_TEXT_CHARS,
            )?;
        }
        let c = &self.context;
        for (field, value) in [
            ("context.page_url", &c.page_url),
            ("context.locale", &c.locale),
            ("context.user_id", &c.user_id),
            ("context.plan", &c.plan),
        ] {
            if let Some(v) = value {
                check_text(field, v, 0, MAX_SHORT_TEXT_CHARS)?;
            }
        }
        if let Some(signature) = &c.identity_signature {
            check_identity_signature("context.identity_signature", signature)?;
        }
        Ok(())
    }
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Not JSON at all (or trailing garbage), as opposed to JSON of the wrong shape.
    pub syntax: bool,
    /// The field and what is wrong with it.
    pub error: FieldError,
}

/// Deserializes JSON, naming the offending field by its path (`events[2].outcome`,
/// `trail.articles[0].dwell_ms`, `email` for a missing e-mail).
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let syntax = inner.is_syntax() || inner.is_eof();
        let message = inner.to_string();
        // A syntax error has no meaningful field; the message gives line and column.
        let mut field = if path == "." || syntax {
            String::new()
        } else {
            path
        };
        // serde names a missing or repeated field in backquotes, relative to the object it
        // belongs to.
        let named = message
            .strip_prefix("missing field `")
            .or_else(|| message.strip_prefix("duplicate field `"));
        if let Some(rest) = named {
            if let Some(name) = rest.split('`').next() {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(name);
            }
        }
        DecodeError {
            syntax,
            error: FieldError::new(field, message),
        }
    })?;
    de.end().map_err(|e| DecodeError {
        syntax: true,
        error: FieldError::new("", e.to_string()),
    })?;
    Ok(value)
}

/// Decodes and validates a JSON body, naming the offending field on failure: the
/// collector's request decoding, and what the fuzz target `api` exercises.
pub fn parse_json<T>(body: &[u8]) -> Result<T, FieldError>
where
    T: serde::de::DeserializeOwned + Validate,
{
    let value: T = decode(body).map_err(|e| e.error)?;
    value.validate()?;
    Ok(value)
}

/// The body of the fuzz target `api` (shared by `fuzz/` and the bounded replay in
/// `index/tests/fuzz_replay.rs`): any body the collector accepts as a batch or a case
/// serializes back to JSON that decodes to the same value.
pub fn fuzz_decode(data: &[u8]) {
    fn round_trip<T>(data: &[u8])
    where
        T: Serialize + serde::de::DeserializeOwned + Validate + PartialEq + std::fmt::Debug,
    {
        if let Ok(value) = parse_json::<T>(data) {
            let again = serde_json::to_vec(&value).expect("an accepted value serializes");
            let back = parse_json::<T>(&again)
                .unwrap_or_else(|e| panic!("an accepted value does not parse back: {e}"));
            assert_eq!(back, value);
        }
    }
    round_trip::<EventBatch>(data);
    round_trip::<Case>(data);
}

/// The JSON Schema (draft 2020-12) of [`EventBatch`], as committed in `schemas/v1/`.
pub fn events_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(EventBatch)).expect("schema");
    decorate(
        &mut schema,
        "events",
        "A batch of Deflect journey events (POST /v1/events).",
    );
    schema
}

/// The JSON Schema (draft 2020-12) of [`Case`], as committed in `schemas/v1/`.
pub fn case_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Case)).expect("schema");
    decorate(
        &mut schema,
        "case",
        "A Deflect support case with its self-help trail (POST /v1/cases).",
    );
    schema
}

fn decorate(schema: &mut serde_json::Value, name: &str, description: &str) {
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            format!("https://deflect.dev/schemas/v1/{name}.schema.json").into(),
        );
        obj.insert("description".into(), description.into());
    }
}

/// How much of the page URL a case carries: the widget's `page_url` setting (it trims
/// before anything leaves the browser) and the collector's `[privacy] page_url` (which
/// trims whatever a widget sends). One type, so the two cannot disagree on the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageUrl {
    /// Scheme, host and path: query strings and fragments often hold tokens, e-mail
    /// addresses and search terms.
    #[default]
    Path,
    /// The whole URL as the page had it.
    Full,
}

impl PageUrl {
    /// Parses a data attribute's value (`data-page-url`).
    pub fn parse(value: &str) -> Result<PageUrl, String> {
        match value.trim() {
            "path" => Ok(PageUrl::Path),
            "full" => Ok(PageUrl::Full),
            other => Err(format!("data-page-url=\"{other}\": expected path or full")),
        }
    }

    /// `href` as a case may carry it.
    pub fn apply(self, href: &str) -> String {
        match self {
            PageUrl::Full => href.to_string(),
            PageUrl::Path => href[..href.find(['?', '#']).unwrap_or(href.len())].to_string(),
        }
    }
}

/// How much query text the vendor collects in events (the widget's `queryText` setting
/// and the collector's `[privacy] query_text`, which enforces it whatever a widget sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryText {
    /// Events carry what the customer typed.
    #[default]
    Full,
    /// Events carry no query text (counts and results only).
    None,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid case with a trail, shared by the tests of this crate.
    pub(crate) fn case() -> Case {
        Case {
            id: "3f2a9c1e-0000-4000-8000-000000000001".into(),
            journey_id: "journey-0001".into(),
            created_at: "2026-11-23T10:00:00Z".parse().unwrap(),
            subject: "Invoice shows the wrong VAT".into(),
            description: "Since Monday.".into(),
            email: "ana@example.com".into(),
            name: Some("Ana".into()),
            customer_category: CustomerCategory::BillingOrAccount,
            trail: Trail {
                queries: vec!["invoice vat".into()],
                articles: vec![TrailArticle {
                    id: "billing/vat".into(),
                    title: "VAT on invoices".into(),
                    dwell_ms: 12_000,
                    helpful: Some(false),
                    reason: Some(FeedbackReason::DidNotWork),
                }],
            },
            expected_reply_by: None,
            context: CaseContext::default(),
        }
    }

    #[test]
    fn a_case_round_trips_and_validates() {
        let c = case();
        let json = serde_json::to_vec(&c).unwrap();
        let back: Case = parse_json(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(c.reference(), "DF-3F2A9C1E");
    }

    #[test]
    fn case_errors_name_the_field() {
        let mut c = case();
        c.email = "ana.example.com".into();
        assert_eq!(c.validate().unwrap_err().field, "email");
        let mut c = case();
        c.subject = "   ".into();
        assert_eq!(c.validate().unwrap_err().field, "subject");
        let mut c = case();
        c.trail.articles[0].title = "x".repeat(MAX_SHORT_TEXT_CHARS + 1);
        assert_eq!(c.validate().unwrap_err().field, "trail.articles[0].title");
        let mut c = case();
        c.id = "short".into();
        assert_eq!(c.validate().unwrap_err().field, "id");
        let mut c = case();
        c.id = "has spaces in it".into();
        assert_eq!(c.validate().unwrap_err().field, "id");
    }

    #[test]
    fn identity_signatures_are_64_lower_case_hex_characters() {
        let mut c = case();
        c.context.identity_signature = Some("0f".repeat(32));
        c.validate().unwrap();
        for bad in [
            "0f".repeat(31),                  // too short
            "0f".repeat(33),                  // too long
            "0F".repeat(32),                  // upper case
            format!("{}zz", "0f".repeat(31)), // not hex
            String::new(),
        ] {
            c.context.identity_signature = Some(bad.clone());
            let e = c.validate().unwrap_err();
            assert_eq!(e.field, "context.identity_signature", "{bad:?}");
            assert!(e.message.contains("64 lower-case hexadecimal"), "{e}");
        }
        // Older widgets send none: still a valid case, and none appears on the way out.
        c.context.identity_signature = None;
        c.validate().unwrap();
        assert!(!serde_json::to_string(&c)
            .unwrap()
            .contains("identity_signature"));
    }

    #[test]
    fn serde_errors_name_the_missing_field() {
        let err = parse_json::<Case>(br#"{"id":"abcdefgh12","journey_id":"abcdefgh12","created_at":"2026-11-23T10:00:00Z","subject":"x"}"#)
            .unwrap_err();
        assert_eq!(err.field, "email", "{err}");
        let err = parse_json::<Case>(b"{not json").unwrap_err();
        assert!(err.message.contains("line 1"), "{err}");
    }

    #[test]
    fn events_use_a_type_tag_and_batch_errors_carry_the_index() {
        let json = br#"{"events":[
            {"id":"e0000001","journey_id":"j0000001","at":"2026-11-23T10:00:00Z","type":"search","query":"reset password","results":3,"top_articles":["a","b"]},
            {"id":"e0000002","journey_id":"j0000001","at":"2026-11-23T10:00:05Z","type":"journey_ended","outcome":"resolved"}
        ]}"#;
        let batch: EventBatch = parse_json(json).unwrap();
        assert_eq!(
            batch.events[1].kind,
            EventKind::JourneyEnded {
                outcome: JourneyOutcome::Resolved
            }
        );
        assert_eq!(batch.events[0].kind.type_name(), "search");

        let bad = br#"{"events":[
            {"id":"e0000001","journey_id":"j0000001","at":"2026-11-23T10:00:00Z","type":"journey_ended","outcome":"resolved"},
            {"id":"e0000002","journey_id":"j00","at":"2026-11-23T10:00:05Z","type":"journey_ended","outcome":"resolved"}
        ]}"#;
        assert_eq!(
            parse_json::<EventBatch>(bad).unwrap_err().field,
            "events[1].journey_id"
        );
        let unknown_type = br#"{"events":[{"id":"e0000001","journey_id":"j0000001","at":"2026-11-23T10:00:00Z","type":"teleport"}]}"#;
        assert!(parse_json::<EventBatch>(unknown_type).is_err());
        assert_eq!(
            parse_json::<EventBatch>(br#"{"events":[]}"#)
                .unwrap_err()
                .field,
            "events"
        );
    }

    #[test]
    fn good_answer_is_optional_so_older_widgets_are_still_accepted() {
        let older = br#"{"events":[{"id":"e0000001","journey_id":"j0000001","at":"2026-11-23T10:00:00Z","type":"search","query":"gantt chart","results":8,"top_articles":["a"]}]}"#;
        let batch: EventBatch = parse_json(older).unwrap();
        assert!(matches!(
            batch.events[0].kind,
            EventKind::Search {
                good_answer: None,
                ..
            }
        ));
        let newer = br#"{"events":[{"id":"e0000001","journey_id":"j0000001","at":"2026-11-23T10:00:00Z","type":"search","query":"gantt chart","results":8,"top_articles":["a"],"good_answer":false}]}"#;
        let batch: EventBatch = parse_json(newer).unwrap();
        assert!(matches!(
            batch.events[0].kind,
            EventKind::Search {
                good_answer: Some(false),
                ..
            }
        ));
        // Unknown stays unknown on the way back out: no field, not `null` or `true`.
        let json = serde_json::to_string(&EventKind::Search {
            query: None,
            results: 1,
            top_articles: vec![],
            good_answer: None,
        })
        .unwrap();
        assert!(!json.contains("good_answer"), "{json}");
    }

    #[test]
    fn committed_schemas_match_the_types() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/v1");
        for (file, schema) in [
            ("events.schema.json", events_schema()),
            ("case.schema.json", case_schema()),
        ] {
            let path = dir.join(file);
            let expected = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            if std::env::var_os("DEFLECT_WRITE_SCHEMAS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &expected).unwrap();
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == expected,
                "{} is out of date with the Rust types; regenerate with \
                 DEFLECT_WRITE_SCHEMAS=1 cargo test -p deflect-journey",
                path.display()
            );
        }
    }
}
