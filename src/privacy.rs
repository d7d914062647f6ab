//! What the widget keeps about the customer, and for how long: the rules, as plain data
//! tested natively. Where they are applied in the browser: `storage_keys.rs` (every key the
//! widget stores, expiry on load, `Deflect('reset')`), `outbox_store.rs` (the history bound on
//! every write of the outbox) and the contact form (the page URL a case carries).
//!
//! - The page URL a case carries loses its query string and fragment unless the page sets
//!   `page_url: "full"`: they hold tokens, e-mail addresses and search terms, and trimming
//!   them in the browser means they never leave it (the collector trims them again).
//! - An unsent contact draft (name, e-mail, description) is forgotten
//!   [`DEFAULT_DRAFT_DAYS`] days after it was last edited (`draft_days` to change).
//! - "Your requests" keeps the [`MAX_REQUESTS`] newest cases of the last
//!   [`REQUESTS_KEPT_DAYS`] days, plus every case not yet delivered (the customer was told
//!   it is saved on this device and will be sent, so it stays visible until it is).
//! - `Deflect('reset')` (on sign-out) forgets the history and the draft at once; cases and
//!   events not yet delivered are still delivered (the case was acknowledged to the
//!   customer; dropping it would break that promise) but no longer listed.

use jiff::{SignedDuration, Timestamp};

use crate::outbox::{Outbox, RequestStatus};

/// Days an unsent contact draft is kept after its last edit, unless the page sets
/// `draft_days`.
pub const DEFAULT_DRAFT_DAYS: f64 = 7.0;
/// Cases "Your requests" lists at most (besides undelivered ones).
pub const MAX_REQUESTS: usize = 20;
/// Days a case stays in "Your requests" (besides undelivered ones).
pub const REQUESTS_KEPT_DAYS: i64 = 90;

const DAY_MS: f64 = 86_400_000.0;

pub use deflect_journey::wire::PageUrl;

/// Whether a draft last saved at `saved_at_ms` (ms since the epoch) is past `days` at
/// `now_ms`. A draft without a time was saved by a widget from before drafts expired: its
/// age is unknown, so it counts as expired.
pub fn draft_expired(saved_at_ms: Option<f64>, now_ms: f64, days: f64) -> bool {
    match saved_at_ms {
        Some(saved) => now_ms - saved > days * DAY_MS,
        None => true,
    }
}

/// Forgets the requests "Your requests" no longer lists at `now`: beyond the
/// [`MAX_REQUESTS`] newest, or older than [`REQUESTS_KEPT_DAYS`]; a case not yet delivered
/// (queued) always stays. Returns how many were forgotten.
pub fn bound_requests(outbox: &mut Outbox, now: Timestamp) -> usize {
    let oldest_kept = now
        .checked_sub(SignedDuration::from_hours(24 * REQUESTS_KEPT_DAYS))
        .unwrap_or(Timestamp::MIN);
    let before = outbox.requests.len();
    outbox
        .requests
        .sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let mut listed = 0;
    outbox.requests.retain(|r| {
        if r.status == RequestStatus::Queued {
            return true;
        }
        listed += 1;
        listed <= MAX_REQUESTS && r.created_at >= oldest_kept
    });
    before - outbox.requests.len()
}

/// What `Deflect('reset')` leaves of an outbox: what still has to be delivered (cases,
/// events), without the history that shows the customer's cases.
pub fn forget_history(outbox: &mut Outbox) {
    outbox.requests.clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::RequestRecord;

    #[test]
    fn page_urls_lose_query_and_fragment_unless_kept() {
        let href =
            "https://app.example/billing/invoices?token=s3cr3t&email=ana@x.example#invoice-7";
        assert_eq!(
            PageUrl::default().apply(href),
            "https://app.example/billing/invoices"
        );
        assert_eq!(
            PageUrl::Path.apply("https://app.example/#/settings?tab=2"),
            "https://app.example/"
        );
        assert_eq!(
            PageUrl::Path.apply("https://app.example/plain"),
            "https://app.example/plain"
        );
        assert_eq!(PageUrl::Full.apply(href), href);
        assert_eq!(PageUrl::parse("full"), Ok(PageUrl::Full));
        assert!(PageUrl::parse("all").unwrap_err().contains("data-page-url"));
    }

    #[test]
    fn drafts_expire_after_their_days() {
        let now = 1_800_000_000_000.0;
        let days = |d: f64| now - d * DAY_MS;
        assert!(!draft_expired(Some(days(0.0)), now, DEFAULT_DRAFT_DAYS));
        assert!(!draft_expired(Some(days(6.9)), now, DEFAULT_DRAFT_DAYS));
        assert!(!draft_expired(Some(days(7.0)), now, DEFAULT_DRAFT_DAYS));
        assert!(draft_expired(Some(days(7.01)), now, DEFAULT_DRAFT_DAYS));
        assert!(draft_expired(Some(days(2.0)), now, 1.0));
        assert!(draft_expired(None, now, DEFAULT_DRAFT_DAYS));
    }

    fn record(i: i64, days_ago: i64, status: RequestStatus, now: Timestamp) -> RequestRecord {
        RequestRecord {
            id: format!("case-{i:04}"),
            reference: format!("DF-{i:04}"),
            subject: format!("request {i}"),
            created_at: now
                - SignedDuration::from_hours(24 * days_ago)
                - SignedDuration::from_secs(i),
            expected_reply_by: None,
            status,
            attempts: 0,
            last_error: None,
        }
    }

    #[test]
    fn the_history_keeps_the_newest_twenty_of_ninety_days_and_every_undelivered_case() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let mut outbox = Outbox::default();
        // 30 delivered cases of the last days, 2 older than 90 days, 1 undelivered of last
        // year, 1 undelivered of today.
        for i in 0..30 {
            outbox
                .requests
                .push(record(i, i / 3, RequestStatus::Sent, now));
        }
        outbox
            .requests
            .push(record(100, 91, RequestStatus::Sent, now));
        outbox
            .requests
            .push(record(101, 200, RequestStatus::Emailed, now));
        outbox
            .requests
            .push(record(102, 365, RequestStatus::Queued, now));
        outbox
            .requests
            .insert(0, record(103, 0, RequestStatus::Queued, now));
        let forgotten = bound_requests(&mut outbox, now);
        let ids: Vec<&str> = outbox.requests.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(forgotten, 12);
        assert_eq!(ids.len(), MAX_REQUESTS + 2);
        assert!(
            ids.contains(&"case-0102") && ids.contains(&"case-0103"),
            "{ids:?}"
        );
        assert!(
            ids.contains(&"case-0019") && !ids.contains(&"case-0020"),
            "{ids:?}"
        );
        assert!(
            !ids.contains(&"case-0100") && !ids.contains(&"case-0101"),
            "{ids:?}"
        );
        // Newest first, as "Your requests" lists them.
        assert!(outbox
            .requests
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at));
        // Nothing more to forget the second time.
        assert_eq!(bound_requests(&mut outbox, now), 0);
    }

    #[test]
    fn reset_forgets_the_history_but_keeps_what_still_has_to_be_delivered() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let case: deflect_journey::Case = serde_json::from_value(serde_json::json!({
            "id": "case-undelivered", "journey_id": "journey-01", "created_at": "2026-11-29T11:00:00Z",
            "subject": "Invoice is wrong", "email": "ana@example.com", "customer_category": "how_do_i"
        }))
        .unwrap();
        let mut outbox = Outbox::default();
        outbox.queue_case(case, 0.0);
        outbox.requests.push(record(2, 1, RequestStatus::Sent, now));
        let queued = outbox.clone();
        forget_history(&mut outbox);
        assert!(outbox.requests.is_empty());
        assert!(!outbox.is_empty(), "the undelivered case keeps its key");
        assert_eq!(outbox.cases, queued.cases);
        assert_eq!(outbox.case_due(0.0).unwrap().id, "case-undelivered");
        assert_eq!(outbox.events, queued.events);
    }
}
