//! What the collector keeps of what customers send, whatever a widget was configured to
//! send: the vendor's privacy settings, enforced where the data is stored.
//!
//! A widget on a page the vendor forgot to configure, an older widget, or a script posting
//! directly could send query text or full page URLs the vendor promised not to keep; the
//! collector drops them before anything is written.

use deflect_wire::{Case, EventBatch, EventKind, QueryText};
use serde::Deserialize;

pub use deflect_wire::PageUrl;

/// `[privacy]` settings.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// `"none"`: search events are stored without their words (counts and results only).
    pub query_text: QueryText,
    /// How much of a case's page URL is stored.
    pub page_url: PageUrl,
}

/// Drops from a batch what the settings say not to keep.
pub fn scrub_events(batch: &mut EventBatch, privacy: &PrivacyConfig) {
    if privacy.query_text == QueryText::None {
        for event in &mut batch.events {
            if let EventKind::Search { query, .. } = &mut event.kind {
                *query = None;
            }
        }
    }
}

/// Drops from a case what the settings say not to keep. The customer's own words (subject,
/// description, the searches in the trail they saw on the form) are the request itself and
/// stay.
pub fn scrub_case(case: &mut Case, privacy: &PrivacyConfig) {
    if let Some(url) = &mut case.context.page_url {
        *url = privacy.page_url.apply(url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_lose_query_and_fragment_unless_kept() {
        let mut case: Case = serde_json::from_value(serde_json::json!({
            "id": "case-priv-0001", "journey_id": "journey-01", "created_at": "2026-11-23T10:00:00Z",
            "subject": "x", "email": "a@b.co", "customer_category": "how_do_i",
            "context": {"page_url": "https://app.example/billing?token=abc&email=a@b.co#invoice-7"}
        }))
        .unwrap();
        let mut full = case.clone();
        scrub_case(&mut case, &PrivacyConfig::default());
        assert_eq!(
            case.context.page_url.as_deref(),
            Some("https://app.example/billing")
        );
        scrub_case(
            &mut full,
            &PrivacyConfig {
                page_url: PageUrl::Full,
                ..PrivacyConfig::default()
            },
        );
        assert!(full.context.page_url.unwrap().ends_with("#invoice-7"));
    }
}
