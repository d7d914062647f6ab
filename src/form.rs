//! The contact form's state: the draft (saved on every keystroke so a reload loses
//! nothing), its inline errors, and turning it into a [`Case`] or a `mailto:` link.
//!
//! Validation is the wire format's own ([`Validate`]), so the form refuses exactly what the
//! collector would refuse and names the same field.

use deflect_journey::case_text::{self, CaseWording};
use deflect_journey::wire::{check_email, MAX_DESCRIPTION_CHARS, MAX_SUBJECT_CHARS};
use deflect_journey::{Case, CaseContext, CustomerCategory, Trail, TrailArticle, Validate};

use crate::i18n::{fill, Texts};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// One line: what is wrong.
    Subject,
    /// The details.
    Description,
    /// Where to reply.
    Email,
    /// The customer's name.
    Name,
    /// The customer's own classification.
    Category,
}

impl Field {
    /// The id of the field's input element (and of its error, with `-error`).
    pub fn input_id(self) -> &'static str {
        match self {
            Field::Subject => "deflect-subject",
            Field::Description => "deflect-description",
            Field::Email => "deflect-email",
            Field::Name => "deflect-name",
            Field::Category => "deflect-category",
        }
    }

    fn from_wire(field: &str) -> Field {
        match field {
            "subject" => Field::Subject,
            "email" => Field::Email,
            "name" => Field::Name,
            "customer_category" => Field::Category,
            _ => Field::Description,
        }
    }
}

/// What the customer has typed so far, with the trail captured when the form opened.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactDraft {
    /// The journey that led here.
    pub journey_id: String,
    /// Subject, prefilled with the last query.
    pub subject: String,
    /// Description.
    pub description: String,
    /// E-mail, prefilled from `identify`.
    pub email: String,
    /// Name, prefilled from `identify`.
    pub name: String,
    /// The customer's classification.
    pub category: Option<CustomerCategory>,
    /// What they tried.
    pub trail: Trail,
    /// When it was last saved (ms since the epoch): a draft expires some days after
    /// (`privacy::draft_expired`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_at_ms: Option<f64>,
}

/// Everything that can happen to the form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormAction {
    /// Start (or resume) with this draft.
    Load(ContactDraft),
    /// A text field changed.
    Edit(Field, String),
    /// A category was picked.
    Category(CustomerCategory),
    /// The customer pressed Send: show every error.
    Attempt,
    /// The case left the form: start empty next time.
    Reset,
}

/// The form's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormState {
    /// The draft.
    pub draft: ContactDraft,
    /// Whether Send was pressed (errors show from then on, and update as the customer
    /// fixes them).
    pub attempted: bool,
    /// Whether the customer changed anything (only then is the draft worth keeping).
    pub touched: bool,
}

impl FormState {
    /// Applies one action.
    pub fn apply(mut self, action: FormAction) -> FormState {
        match action {
            FormAction::Load(draft) => {
                self.draft = draft;
                self.attempted = false;
                self.touched = false;
            }
            FormAction::Edit(field, value) => {
                self.touched = true;
                let d = &mut self.draft;
                match field {
                    Field::Subject => d.subject = value,
                    Field::Description => d.description = value,
                    Field::Email => d.email = value,
                    Field::Name => d.name = value,
                    Field::Category => d.category = CustomerCategory::parse(&value),
                }
            }
            FormAction::Category(c) => {
                self.touched = true;
                self.draft.category = Some(c);
            }
            FormAction::Attempt => self.attempted = true,
            FormAction::Reset => self = FormState::default(),
        }
        self
    }

    /// The errors to show now (none before the first Send).
    pub fn visible_errors(&self, t: &Texts) -> Vec<(Field, String)> {
        if self.attempted {
            self.draft.errors(t)
        } else {
            Vec::new()
        }
    }
}

impl ContactDraft {
    /// Every problem with the draft, in form order, in the customer's language.
    pub fn errors(&self, t: &Texts) -> Vec<(Field, String)> {
        let mut errors = Vec::new();
        let chars = |s: &str| s.trim().chars().count();
        let too_long = |max: usize, n: usize| {
            fill(
                t.error_too_long,
                &[("max", &max.to_string()), ("n", &n.to_string())],
            )
        };
        if self.subject.trim().is_empty() {
            errors.push((Field::Subject, t.error_subject_empty.to_string()));
        } else if chars(&self.subject) > MAX_SUBJECT_CHARS {
            errors.push((
                Field::Subject,
                too_long(MAX_SUBJECT_CHARS, chars(&self.subject)),
            ));
        }
        if chars(&self.description) > MAX_DESCRIPTION_CHARS {
            errors.push((
                Field::Description,
                too_long(MAX_DESCRIPTION_CHARS, chars(&self.description)),
            ));
        }
        if check_email("email", &self.email).is_err() {
            errors.push((Field::Email, t.error_email.to_string()));
        }
        if self.category.is_none() {
            errors.push((Field::Category, t.error_category.to_string()));
        }
        if errors.is_empty() {
            // Anything else the collector would refuse (control characters, a long name).
            let probe = self.to_case(
                "validation-probe".into(),
                Timestamp::UNIX_EPOCH,
                None,
                CaseContext::default(),
            );
            if let Err(e) = probe.validate() {
                errors.push((
                    Field::from_wire(&e.field),
                    fill(t.error_other, &[("message", &e.message)]),
                ));
            }
        }
        errors
    }

    /// The case this draft becomes. The category defaults to "How do I…" only for
    /// validation probes; a real submission is refused until one is chosen.
    pub fn to_case(
        &self,
        id: String,
        now: Timestamp,
        expected_reply_by: Option<Timestamp>,
        context: CaseContext,
    ) -> Case {
        let name = self.name.trim();
        Case {
            id,
            journey_id: if self.journey_id.is_empty() {
                "journey-unknown".into()
            } else {
                self.journey_id.clone()
            },
            created_at: now,
            subject: self.subject.trim().to_string(),
            description: self.description.trim().to_string(),
            email: self.email.trim().to_string(),
            name: (!name.is_empty()).then(|| name.to_string()),
            customer_category: self.category.unwrap_or(CustomerCategory::HowDoI),
            trail: self.trail.clone(),
            expected_reply_by,
            context,
        }
    }
}

/// The trail as plain sentences, for the form's summary and the e-mail body.
pub fn trail_lines(trail: &Trail, t: &Texts) -> Vec<String> {
    let mut lines = Vec::new();
    for q in &trail.queries {
        lines.push(fill(t.trail_searched, &[("query", q)]));
    }
    for a in &trail.articles {
        lines.push(read_line(a, t));
    }
    lines
}

/// One article of the trail as a sentence: title, time read, the customer's verdict.
fn read_line(a: &TrailArticle, t: &Texts) -> String {
    let secs = a.dwell_ms / 1000;
    let time = if secs >= 60 {
        fill(
            t.minutes_seconds,
            &[
                ("m", &(secs / 60).to_string()),
                ("s", &(secs % 60).to_string()),
            ],
        )
    } else {
        fill(t.seconds, &[("s", &secs.to_string())])
    };
    let verdict = match (a.helpful, a.reason) {
        (Some(true), _) => t.trail_helped.to_string(),
        (Some(false), Some(r)) => fill(t.trail_not_helped_because, &[("reason", t.reason(r))]),
        (Some(false), None) => t.trail_not_helped.to_string(),
        (None, _) => String::new(),
    };
    fill(t.trail_read, &[("title", &a.title), ("time", &time)]) + &verdict
}

/// How the customer reads their own case in the e-mail they send: their language, the
/// trail as sentences (`trail_lines`' wording), no reply promise (it was made to them).
struct CustomerWording<'a>(&'a Texts);

impl CaseWording for CustomerWording<'_> {
    fn reference(&self) -> &str {
        self.0.mail_reference
    }
    fn category_label(&self) -> &str {
        self.0.mail_problem_type
    }
    fn category(&self, category: CustomerCategory) -> String {
        self.0.category(category).to_string()
    }
    fn reply_by_label(&self) -> Option<&str> {
        None
    }
    fn tried_label(&self) -> &str {
        self.0.mail_tried_first
    }
    fn searched(&self, query: &str) -> String {
        fill(self.0.trail_searched, &[("query", query)])
    }
    fn read(&self, article: &TrailArticle) -> String {
        read_line(article, self.0)
    }
}

/// A `mailto:` link carrying the case (`deflect_journey::case_text`, the layout the
/// helpdesk webhook uses too), for when the collector is absent or keeps failing.
pub fn mailto(contact: &str, case: &Case, t: &Texts) -> String {
    let address = contact.strip_prefix("mailto:").unwrap_or(contact);
    let address = address.split('?').next().unwrap_or(address);
    let body = case_text::render(case, &CustomerWording(t), &[], &[]);
    format!(
        "mailto:{address}?subject={}&body={}",
        percent_encode(&format!("{} [{}]", case.subject, case.reference())),
        percent_encode(&body)
    )
}

/// RFC 6068 wants everything but unreserved characters percent-encoded in hfields.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;
    use deflect_journey::{FeedbackReason, TrailArticle};

    fn draft() -> ContactDraft {
        ContactDraft {
            journey_id: "journey-0001".into(),
            subject: "export csv".into(),
            description: "It stops at 99 %.".into(),
            email: "ana@example.com".into(),
            name: "Ana".into(),
            category: Some(CustomerCategory::SomethingBroken),
            trail: Trail {
                queries: vec!["export csv".into()],
                articles: vec![TrailArticle {
                    id: "export".into(),
                    title: "Exporting timesheets".into(),
                    dwell_ms: 75_000,
                    helpful: Some(false),
                    reason: Some(FeedbackReason::DidNotWork),
                }],
            },
            saved_at_ms: Some(1_800_000_000_000.0),
        }
    }

    #[test]
    fn a_complete_draft_has_no_errors_and_becomes_a_valid_case() {
        let d = draft();
        assert!(d.errors(&EN).is_empty(), "{:?}", d.errors(&EN));
        let case = d.to_case(
            "case-00000001".into(),
            Timestamp::UNIX_EPOCH,
            None,
            CaseContext::default(),
        );
        case.validate().unwrap();
        assert_eq!(case.name.as_deref(), Some("Ana"));
    }

    #[test]
    fn errors_name_each_field_and_only_show_after_send() {
        let mut d = draft();
        d.subject = "  ".into();
        d.email = "ana-at-example".into();
        d.category = None;
        let state = FormState::default().apply(FormAction::Load(d));
        assert!(state.visible_errors(&EN).is_empty());
        assert!(!state.touched, "a prefilled draft is not worth keeping yet");
        let state = state.apply(FormAction::Attempt);
        let fields: Vec<_> = state
            .visible_errors(&EN)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, [Field::Subject, Field::Email, Field::Category]);
        let state = state
            .apply(FormAction::Edit(Field::Email, "ana@example.com".into()))
            .apply(FormAction::Category(CustomerCategory::HowDoI));
        let fields: Vec<_> = state
            .visible_errors(&EN)
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [Field::Subject],
            "errors clear as the customer fixes them"
        );
    }

    #[test]
    fn too_long_text_says_so() {
        let mut d = draft();
        d.subject = "x".repeat(201);
        d.description = "y".repeat(10_001);
        let errors = d.errors(&EN);
        assert_eq!(errors[0].0, Field::Subject);
        assert!(
            errors[0].1.contains("200 characters (it has 201)"),
            "{errors:?}"
        );
        assert_eq!(errors[1].0, Field::Description);
        assert!(errors[1].1.contains("10000"), "{errors:?}");
        let mut d = draft();
        d.name = "\u{7}".into();
        assert_eq!(
            d.errors(&EN)[0].0,
            Field::Name,
            "the wire format's own checks apply too"
        );
    }

    #[test]
    fn the_draft_survives_storage() {
        let d = draft();
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<ContactDraft>(&json).unwrap(), d);
    }

    #[test]
    fn mailto_carries_subject_trail_and_reference() {
        let case = draft().to_case(
            "abcdef12-3456".into(),
            Timestamp::UNIX_EPOCH,
            None,
            CaseContext::default(),
        );
        let link = mailto("mailto:help@tallyboard.example", &case, &EN);
        assert!(link.starts_with(
            "mailto:help@tallyboard.example?subject=export%20csv%20%5BDF-ABCDEF12%5D&body="
        ));
        assert!(link.contains("Exporting%20timesheets"));
        assert!(link.contains("did%20not%20help%20%28didn%27t%20work%29"));
        assert!(!link.contains(' ') && !link.contains('\n'));
        // The webhook's layout (deflect_journey::case_text) in the customer's words.
        let body = case_text::render(&case, &CustomerWording(&EN), &[], &[]);
        assert!(link.ends_with(&format!("&body={}", percent_encode(&body))));
        assert!(
            body.contains("Reference: DF-ABCDEF12\nType of problem: ")
                && body.contains("\n\nWhat I tried first:\n- Searched for “export csv”\n- Read “Exporting timesheets”"),
            "{body}"
        );
    }

    #[test]
    fn the_trail_reads_as_sentences() {
        assert_eq!(
            trail_lines(&draft().trail, &EN),
            [
                "Searched for “export csv”",
                "Read “Exporting timesheets” (1 min 15 s) — said it did not help (didn't work)"
            ]
        );
    }
}
