//! The widget's settings, as the host page gives them.
//!
//! A page configures the widget with data attributes on its root element for the common
//! cases and, for everything else, a JSON object in
//! `<script type="application/json" id="deflect-config">`:
//!
//! ```json
//! { "index": "/kb/manifest.json",
//!   "contact": "mailto:support@example.com",
//!   "collector": "https://collect.example.com",
//!   "query_text": "full", "page_url": "path", "draft_days": 7, "meaning": "auto",
//!   "identify": { "email": "ana@example.com", "name": "Ana", "plan": "premium",
//!                 "signature": "…64 hex characters from the vendor's backend…" },
//!   "support": { "time_zone": "Europe/Berlin", "hours": { "mon-fri": "09:00-17:00" },
//!                "response_targets": { "default": "4h" } } }
//! ```
//!
//! Data attributes win over the JSON, so a page can override one value without copying
//! the rest. Settings are plain data and parsed natively in tests.

use deflect_journey::{QueryText, SupportPolicy, SupportSchedule};
use serde::Deserialize;

use crate::privacy::{PageUrl, DEFAULT_DRAFT_DAYS};

/// Who the customer is, when the host page knows (never asked again in the form).
///
/// `signature` is the vendor backend's HMAC of `user_id`, `email` and `plan`
/// (docs/identity-verification.md). The widget cannot check it (it never sees the secret)
/// and only forwards it with a case; the collector decides whether the case is verified.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Identity {
    /// The vendor's id for the customer.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Their e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Their name.
    #[serde(default)]
    pub name: Option<String>,
    /// Their plan; selects the response target.
    #[serde(default)]
    pub plan: Option<String>,
    /// The vendor backend's signature of this identity (64 lower-case hex characters).
    #[serde(default, deserialize_with = "signature")]
    pub signature: Option<String>,
}

impl Identity {
    /// True when the host page vouches for the e-mail address with a signature: the form
    /// then shows it as the account's, not as a field to type.
    pub fn signed_email(&self) -> Option<&str> {
        self.signature.as_ref().and(self.email.as_deref())
    }
}

/// A malformed signature is refused where the page passes it (naming `signature`), not
/// forwarded: the collector would refuse the whole case over it.
fn signature<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(de)?;
    if let Some(s) = &value {
        deflect_journey::wire::check_identity_signature("signature", s)
            .map_err(|e| serde::de::Error::custom(e.to_string()))?;
    }
    Ok(value)
}

/// Whether the widget fetches the knowledge base's meaning vectors (when its pack has
/// them) after the first suggestions: on a FeedbackQA-sized knowledge base they are about
/// 0.6 MB brotli, fetched at low priority, and they let a question find an article that
/// shares no word with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeaningSetting {
    /// Fetch them, unless the customer's browser asks pages to save data.
    #[default]
    Auto,
    /// Never fetch them: rank by words only.
    Off,
}

impl MeaningSetting {
    /// Reads `data-meaning`.
    pub fn parse(value: &str) -> Result<MeaningSetting, String> {
        match value.trim() {
            "auto" => Ok(MeaningSetting::Auto),
            "off" => Ok(MeaningSetting::Off),
            other => Err(format!("data-meaning=\"{other}\": expected auto or off")),
        }
    }

    /// Whether to fetch the vectors, given whether the customer's browser asks to save data
    /// (the `Save-Data` preference): their bytes are an extra, the words already answer.
    pub fn fetches(self, save_data: bool) -> bool {
        self == MeaningSetting::Auto && !save_data
    }
}

/// Everything a host page can configure.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetSettings {
    /// URL of the index manifest (relative to the page).
    #[serde(default)]
    pub index: Option<String>,
    /// Where "Contact support" leads when no collector is configured, and the e-mail
    /// fallback when it keeps failing (`mailto:` or `https:`).
    #[serde(default)]
    pub contact: Option<String>,
    /// Base URL of the collector (`deflect serve`); cases go to `{collector}/v1/cases`,
    /// events to `{collector}/v1/events`. Without it nothing is sent anywhere.
    #[serde(default)]
    pub collector: Option<String>,
    /// The customer's language (`en`, `de`, `fr`); by default the page's, else the
    /// browser's.
    #[serde(default)]
    pub locale: Option<String>,
    /// Whether events carry query text.
    #[serde(default)]
    pub query_text: QueryText,
    /// How much of the page URL a case carries (default: scheme, host and path).
    #[serde(default)]
    pub page_url: PageUrl,
    /// Days an unsent contact draft is kept after its last edit (default 7).
    #[serde(default)]
    pub draft_days: Option<f64>,
    /// The customer, if known.
    #[serde(default)]
    pub identify: Identity,
    /// Support hours and response targets, for an honest reply expectation.
    #[serde(default)]
    pub support: Option<SupportPolicy>,
    /// Seconds loading the index may take before the widget reports it unavailable
    /// (default 30).
    #[serde(default)]
    pub index_timeout_s: Option<f64>,
    /// Whether the knowledge base's meaning vectors are fetched (default: unless the
    /// browser asks to save data).
    #[serde(default)]
    pub meaning: MeaningSetting,
}

impl WidgetSettings {
    /// Parses the JSON settings block; the error names the field and position.
    pub fn from_json(json: &str) -> Result<WidgetSettings, String> {
        serde_json::from_str(json).map_err(|e| format!("#deflect-config: {e}"))
    }

    /// The support schedule, if a valid policy is configured (an invalid one is reported
    /// and ignored: no promise is better than a wrong one).
    pub fn schedule(&self) -> Result<Option<SupportSchedule>, String> {
        self.support
            .as_ref()
            .map(|p| p.schedule().map_err(|e| e.to_string()))
            .transpose()
    }

    /// Days an unsent contact draft is kept.
    pub fn draft_days(&self) -> f64 {
        self.draft_days
            .filter(|d| *d > 0.0)
            .unwrap_or(DEFAULT_DRAFT_DAYS)
    }

    /// Applies the privacy-related data attributes (`data-query-text`, `data-page-url`,
    /// `data-draft-days`), which win over the JSON like every other attribute. `attribute`
    /// gives an attribute's value; a bad value keeps the setting and is returned as an
    /// error naming the attribute.
    pub fn apply_privacy_attributes(
        &mut self,
        attribute: impl Fn(&str) -> Option<String>,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(v) = attribute("data-query-text") {
            match v.trim() {
                "full" => self.query_text = QueryText::Full,
                "none" => self.query_text = QueryText::None,
                other => errors.push(format!(
                    "data-query-text=\"{other}\": expected full or none"
                )),
            }
        }
        if let Some(v) = attribute("data-page-url") {
            match PageUrl::parse(&v) {
                Ok(p) => self.page_url = p,
                Err(e) => errors.push(e),
            }
        }
        if let Some(v) = attribute("data-draft-days") {
            match v.trim().parse::<f64>() {
                Ok(d) if d > 0.0 => self.draft_days = Some(d),
                _ => errors.push(format!(
                    "data-draft-days=\"{v}\": expected a number of days, e.g. 7"
                )),
            }
        }
        errors
    }

    /// The collector endpoint for `path` (`/v1/cases`), if a collector is configured.
    pub fn endpoint(&self, path: &str) -> Option<String> {
        let base = self.collector.as_deref()?.trim();
        (!base.is_empty()).then(|| format!("{}{path}", base.trim_end_matches('/')))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_parses() {
        let s = WidgetSettings::from_json(
            r#"{"collector":"https://c.example.com/","query_text":"none",
                "identify":{"email":"ana@example.com","plan":"premium"},
                "support":{"time_zone":"Europe/Berlin","hours":{"mon-fri":"09:00-17:00"},
                           "response_targets":{"default":"4h"}}}"#,
        )
        .unwrap();
        assert_eq!(s.query_text, QueryText::None);
        assert_eq!(
            s.endpoint("/v1/cases").as_deref(),
            Some("https://c.example.com/v1/cases")
        );
        assert_eq!(s.identify.plan.as_deref(), Some("premium"));
        assert!(s.schedule().unwrap().is_some());
        assert_eq!(
            s.identify.signed_email(),
            None,
            "no signature: typed, not vouched for"
        );
    }

    #[test]
    fn an_identity_signature_is_forwarded_only_when_well_formed() {
        let signature = "ab".repeat(32);
        let s = WidgetSettings::from_json(&format!(
            r#"{{"identify":{{"email":"ana@example.com","signature":"{signature}"}}}}"#
        ))
        .unwrap();
        assert_eq!(s.identify.signature.as_deref(), Some(signature.as_str()));
        assert_eq!(s.identify.signed_email(), Some("ana@example.com"));
        let e = WidgetSettings::from_json(r#"{"identify":{"email":"a@b.co","signature":"AB12"}}"#)
            .unwrap_err();
        assert!(
            e.contains("signature") && e.contains("64 lower-case"),
            "{e}"
        );
    }

    #[test]
    fn privacy_attributes_win_over_the_json_and_bad_values_are_named() {
        let mut s =
            WidgetSettings::from_json(r#"{"query_text":"full","page_url":"full","draft_days":30}"#)
                .unwrap();
        assert_eq!(s.page_url, PageUrl::Full);
        assert_eq!(s.draft_days(), 30.0);
        let attributes = |name: &str| match name {
            "data-query-text" => Some("none".to_string()),
            "data-page-url" => Some("path".to_string()),
            "data-draft-days" => Some("2".to_string()),
            _ => None,
        };
        assert_eq!(s.apply_privacy_attributes(attributes), Vec::<String>::new());
        assert_eq!(s.query_text, QueryText::None);
        assert_eq!(s.page_url, PageUrl::Path);
        assert_eq!(s.draft_days(), 2.0);
        let errors = s.apply_privacy_attributes(|name| match name {
            "data-query-text" => Some("some".to_string()),
            "data-draft-days" => Some("a week".to_string()),
            _ => None,
        });
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("data-query-text") && errors[1].contains("data-draft-days"));
        assert_eq!(
            s.query_text,
            QueryText::None,
            "a bad value keeps the setting"
        );
        assert_eq!(WidgetSettings::default().draft_days(), DEFAULT_DRAFT_DAYS);
        assert_eq!(WidgetSettings::default().page_url, PageUrl::Path);
    }

    #[test]
    fn meaning_vectors_are_fetched_unless_turned_off_or_the_customer_saves_data() {
        let default = WidgetSettings::default().meaning;
        assert_eq!(default, MeaningSetting::Auto);
        assert!(default.fetches(false));
        assert!(!default.fetches(true), "Save-Data");
        let off = WidgetSettings::from_json(r#"{"meaning":"off"}"#)
            .unwrap()
            .meaning;
        assert_eq!(off, MeaningSetting::Off);
        assert!(!off.fetches(false));
        assert_eq!(MeaningSetting::parse(" off "), Ok(MeaningSetting::Off));
        assert_eq!(MeaningSetting::parse("auto"), Ok(MeaningSetting::Auto));
        let e = MeaningSetting::parse("no").unwrap_err();
        assert!(
            e.contains("data-meaning=\"no\"") && e.contains("auto or off"),
            "{e}"
        );
        let e = WidgetSettings::from_json(r#"{"meaning":"never"}"#).unwrap_err();
        assert!(e.contains("never"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        let e = WidgetSettings::from_json(r#"{"colector":"x"}"#).unwrap_err();
        assert!(e.contains("colector"), "{e}");
        let s = WidgetSettings::from_json(r#"{"support":{"time_zone":"Nowhere/Land","hours":{}}}"#)
            .unwrap();
        assert!(s.schedule().unwrap_err().contains("time_zone"));
        assert_eq!(WidgetSettings::default().endpoint("/v1/cases"), None);
    }
}
