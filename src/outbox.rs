//! The durable outbox: events and cases waiting to reach the collector, and the cases this
//! browser has sent ("Your requests").
//!
//! It is plain data, saved to `localStorage` after every change and read back before every
//! change, so a reload or a crash never drops what the customer was promised. Each page
//! writes only its own outbox: local storage has no transactions across tabs (Chromium
//! lost 9 % of 1,000 read-modify-writes two tabs made to one key, with or without Web
//! Locks), so a shared outbox would let one tab overwrite a case another just queued. A
//! page takes over ([`Outbox::absorb`]) the outboxes of pages that went away
//! ([`Outbox::is_orphaned`]). Delivery is at-least-once; the collector stores each
//! client-generated id once, so a retry (or a beacon followed by a retry) never creates a
//! duplicate.

use deflect_journey::{case_reference, Case, Event};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Most events kept while the collector is unreachable; the oldest go first beyond it
/// (with a console warning), so a broken endpoint cannot fill the customer's storage.
pub const MAX_QUEUED_EVENTS: usize = 2_000;
/// Events per `POST /v1/events`.
pub const EVENTS_PER_BATCH: usize = 100;
/// Failed attempts after which the customer is offered e-mail instead (retries go on).
pub const OFFER_EMAIL_AFTER: u32 = 3;
/// Longest wait between retries.
pub const MAX_BACKOFF_MS: f64 = 5.0 * 60_000.0;
/// "Not again": JSON has no infinity, so the largest finite number stands for it.
const NEVER: f64 = f64::MAX;
/// A live page rewrites its outbox at least this often (a heartbeat), so others can tell
/// it from one a crashed page left behind.
pub const HEARTBEAT_MS: f64 = 60_000.0;
/// Another page's outbox not written for this long belongs to a page that is gone
/// (crashed, killed). Ten heartbeats: browsers run a hidden tab's timers as rarely as once
/// a minute, and adopting a live page's outbox must not happen.
pub const ORPHAN_AFTER_MS: f64 = 10.0 * HEARTBEAT_MS;

/// The wait before attempt `attempts + 1`: 2 s, 4 s, 8 s … capped at five minutes.
pub fn backoff_ms(attempts: u32) -> f64 {
    (2_000.0 * 2f64.powi(attempts.saturating_sub(1).min(16) as i32)).min(MAX_BACKOFF_MS)
}

/// Where a case is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Saved on this device, not yet acknowledged by the collector.
    Queued,
    /// The collector stored it.
    Sent,
    /// The collector refused it (a 4xx); only e-mail can deliver it now.
    Rejected,
    /// Handed to the customer's mail program (no collector configured).
    Emailed,
}

/// A case sent from this browser, for "Your requests".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The case id.
    pub id: String,
    /// Its reference (`DF-…`).
    pub reference: String,
    /// Its subject.
    pub subject: String,
    /// When it was submitted.
    pub created_at: Timestamp,
    /// The reply time the customer was promised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_reply_by: Option<Timestamp>,
    /// Delivery status.
    pub status: RequestStatus,
    /// Failed attempts so far.
    #[serde(default)]
    pub attempts: u32,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl RequestStatus {
    /// How far delivery got: a record seen in two outboxes keeps the further one.
    fn progress(self) -> u8 {
        match self {
            RequestStatus::Queued => 0,
            RequestStatus::Rejected => 1,
            RequestStatus::Emailed => 2,
            RequestStatus::Sent => 3,
        }
    }
}

impl RequestRecord {
    /// The record of a newly submitted `case`.
    fn new(case: &Case, status: RequestStatus) -> RequestRecord {
        RequestRecord {
            id: case.id.clone(),
            reference: case_reference(&case.id),
            subject: case.subject.clone(),
            created_at: case.created_at,
            expected_reply_by: case.expected_reply_by,
            status,
            attempts: 0,
            last_error: None,
        }
    }

    /// Whether the customer should be offered e-mail for this case.
    pub fn offer_email(&self) -> bool {
        self.status == RequestStatus::Rejected
            || (self.status == RequestStatus::Queued && self.attempts >= OFFER_EMAIL_AFTER)
    }
}

/// A case waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedCase {
    /// The case.
    pub case: Case,
    /// Not before this instant (ms since the epoch).
    pub next_attempt_ms: f64,
}

/// Everything waiting for the collector, and the request history.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outbox {
    /// Events not yet acknowledged, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Failed event deliveries in a row.
    #[serde(default)]
    pub event_attempts: u32,
    /// Next event delivery not before this instant (ms since the epoch).
    #[serde(default)]
    pub events_next_attempt_ms: f64,
    /// Cases not yet acknowledged.
    #[serde(default)]
    pub cases: Vec<QueuedCase>,
    /// Cases submitted from this browser, newest first.
    #[serde(default)]
    pub requests: Vec<RequestRecord>,
    /// When its page last wrote it (ms since the epoch).
    #[serde(default)]
    pub written_ms: f64,
    /// Its page went away (`pagehide`): another page may adopt it at once.
    #[serde(default)]
    pub closed: bool,
}

impl Outbox {
    /// Nothing waiting and no history: not worth a key in local storage.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.cases.is_empty() && self.requests.is_empty()
    }

    /// Whether another page, seeing this outbox at `now_ms`, may take it over: its page
    /// closed, or stopped writing long ago (crashed).
    pub fn is_orphaned(&self, now_ms: f64) -> bool {
        self.closed || now_ms - self.written_ms > ORPHAN_AFTER_MS
    }

    /// Takes in everything `other` holds: another page's outbox being adopted, or shown
    /// beside this one in "Your requests". A case both know keeps the record that got
    /// further; one already sent is not queued again. Returns how many old events had to
    /// be dropped to make room.
    pub fn absorb(&mut self, other: Outbox) -> usize {
        let dropped = self.push_events(other.events);
        for r in other.requests {
            match self.requests.iter_mut().find(|m| m.id == r.id) {
                Some(m) if r.status.progress() > m.status.progress() => *m = r,
                Some(_) => {}
                None => self.requests.push(r),
            }
        }
        // Newest first, as they were submitted.
        self.requests
            .sort_by(|a, b| b.created_at.cmp(&a.created_at));
        for q in other.cases {
            let known = self.cases.iter().any(|m| m.case.id == q.case.id);
            let done = self
                .request(&q.case.id)
                .is_some_and(|r| r.status != RequestStatus::Queued);
            if !known && !done {
                self.cases.push(q);
            }
        }
        dropped
    }

    /// Queues events; returns how many old events had to be dropped to make room.
    pub fn push_events(&mut self, events: Vec<Event>) -> usize {
        for e in events {
            if !self.events.iter().any(|q| q.id == e.id) {
                self.events.push(e);
            }
        }
        let overflow = self.events.len().saturating_sub(MAX_QUEUED_EVENTS);
        self.events.drain(..overflow);
        overflow
    }

    /// The next batch of events to send at `now_ms`, if any is due.
    pub fn events_due(&self, now_ms: f64) -> Option<Vec<Event>> {
        (!self.events.is_empty() && now_ms >= self.events_next_attempt_ms)
            .then(|| self.events.iter().take(EVENTS_PER_BATCH).cloned().collect())
    }

    /// Events the collector acknowledged.
    pub fn events_delivered(&mut self, ids: &[String]) {
        self.events.retain(|e| !ids.contains(&e.id));
        self.event_attempts = 0;
        self.events_next_attempt_ms = 0.0;
    }

    /// An event delivery failed at `now_ms` (retried later). A permanent rejection drops
    /// the batch: resending the same bytes cannot succeed.
    pub fn events_failed(&mut self, ids: &[String], now_ms: f64, permanent: bool) {
        if permanent {
            self.events.retain(|e| !ids.contains(&e.id));
            return;
        }
        self.event_attempts += 1;
        self.events_next_attempt_ms = now_ms + backoff_ms(self.event_attempts);
    }

    /// Queues a submitted case and remembers it under "Your requests".
    pub fn queue_case(&mut self, case: Case, now_ms: f64) {
        if self.requests.iter().any(|r| r.id == case.id) {
            return;
        }
        self.requests
            .insert(0, RequestRecord::new(&case, RequestStatus::Queued));
        self.cases.push(QueuedCase {
            case,
            next_attempt_ms: now_ms,
        });
    }

    /// Remembers a case the customer sent by e-mail (nothing to deliver).
    pub fn record_emailed(&mut self, case: &Case) {
        self.cases.retain(|q| q.case.id != case.id);
        match self.requests.iter_mut().find(|r| r.id == case.id) {
            Some(r) => r.status = RequestStatus::Emailed,
            None => self
                .requests
                .insert(0, RequestRecord::new(case, RequestStatus::Emailed)),
        }
    }

    /// The next case due at `now_ms`.
    pub fn case_due(&self, now_ms: f64) -> Option<Case> {
        self.cases
            .iter()
            .find(|q| now_ms >= q.next_attempt_ms)
            .map(|q| q.case.clone())
    }

    /// The case `id` as queued (for the e-mail fallback).
    pub fn case(&self, id: &str) -> Option<&Case> {
        self.cases.iter().map(|q| &q.case).find(|c| c.id == id)
    }

    /// The collector acknowledged case `id`.
    pub fn case_delivered(&mut self, id: &str) {
        self.cases.retain(|q| q.case.id != id);
        if let Some(r) = self.requests.iter_mut().find(|r| r.id == id) {
            r.status = RequestStatus::Sent;
            r.last_error = None;
        }
    }

    /// Delivering case `id` failed at `now_ms`. Transient failures are retried with
    /// backoff; a permanent one stops retrying and keeps the case for e-mail.
    pub fn case_failed(&mut self, id: &str, now_ms: f64, error: String, permanent: bool) {
        let record = self.requests.iter_mut().find(|r| r.id == id);
        let attempts = match record {
            Some(r) => {
                r.attempts += 1;
                r.last_error = Some(error);
                if permanent {
                    r.status = RequestStatus::Rejected;
                }
                r.attempts
            }
            None => 1,
        };
        if let Some(q) = self.cases.iter_mut().find(|q| q.case.id == id) {
            q.next_attempt_ms = if permanent {
                NEVER
            } else {
                now_ms + backoff_ms(attempts)
            };
        }
    }

    /// Milliseconds from `now_ms` until something is due, if anything is waiting.
    pub fn next_due_in(&self, now_ms: f64) -> Option<f64> {
        let events = (!self.events.is_empty()).then_some(self.events_next_attempt_ms);
        let cases = self
            .cases
            .iter()
            .map(|q| q.next_attempt_ms)
            .filter(|&t| t < NEVER);
        events
            .into_iter()
            .chain(cases)
            .reduce(f64::min)
            .map(|t| (t - now_ms).max(0.0))
    }

    /// The record of case `id`.
    pub fn request(&self, id: &str) -> Option<&RequestRecord> {
        self.requests.iter().find(|r| r.id == id)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use deflect_journey::{CaseContext, CustomerCategory, EventKind, JourneyOutcome, Trail};

    pub(crate) fn event(i: usize) -> Event {
        Event {
            id: format!("event-{i:04}"),
            journey_id: "journey-0001".into(),
            at: Timestamp::UNIX_EPOCH,
            kind: EventKind::JourneyEnded {
                outcome: JourneyOutcome::Abandoned,
            },
        }
    }

    pub(crate) fn case(id: &str) -> Case {
        Case {
            id: id.into(),
            journey_id: "journey-0001".into(),
            created_at: Timestamp::UNIX_EPOCH,
            subject: "Export fails".into(),
            description: String::new(),
            email: "a@example.com".into(),
            name: None,
            customer_category: CustomerCategory::SomethingBroken,
            trail: Trail::default(),
            expected_reply_by: None,
            context: CaseContext::default(),
        }
    }

    #[test]
    fn events_go_in_batches_and_back_off_after_failures() {
        let mut o = Outbox::default();
        o.push_events((0..250).map(event).collect());
        let batch = o.events_due(0.0).unwrap();
        assert_eq!(batch.len(), EVENTS_PER_BATCH);
        let ids: Vec<_> = batch.iter().map(|e| e.id.clone()).collect();
        o.events_failed(&ids, 1_000.0, false);
        assert!(o.events_due(2_000.0).is_none(), "backing off");
        assert_eq!(o.next_due_in(1_000.0), Some(2_000.0));
        assert!(o.events_due(3_000.0).is_some());
        o.events_delivered(&ids);
        assert_eq!(o.events.len(), 150);
        assert_eq!(o.events_due(3_000.0).unwrap()[0].id, "event-0100");
        // Re-queuing an event already queued (a second tab, a replay) keeps one copy.
        o.push_events(vec![event(100)]);
        assert_eq!(o.events.len(), 150);
    }

    #[test]
    fn the_event_queue_is_bounded() {
        let mut o = Outbox::default();
        let dropped = o.push_events((0..MAX_QUEUED_EVENTS + 5).map(event).collect());
        assert_eq!(dropped, 5);
        assert_eq!(o.events[0].id, "event-0005");
    }

    #[test]
    fn a_case_is_retried_until_delivered_and_then_listed_as_sent() {
        let mut o = Outbox::default();
        o.queue_case(case("case-0001"), 0.0);
        o.queue_case(case("case-0001"), 0.0);
        assert_eq!(
            (o.cases.len(), o.requests.len()),
            (1, 1),
            "submitting twice queues once"
        );
        assert_eq!(o.requests[0].reference, "DF-CASE0001");
        for attempt in 1..=OFFER_EMAIL_AFTER {
            let c = o.case_due(1e300).unwrap();
            o.case_failed(&c.id, 0.0, "HTTP 503".into(), false);
            assert_eq!(o.request("case-0001").unwrap().attempts, attempt);
        }
        assert!(o.request("case-0001").unwrap().offer_email());
        assert!(o.case_due(1.0).is_none(), "waits for the backoff");
        assert_eq!(o.next_due_in(0.0), Some(backoff_ms(OFFER_EMAIL_AFTER)));
        o.case_delivered("case-0001");
        assert!(o.cases.is_empty() && o.next_due_in(0.0).is_none());
        let r = o.request("case-0001").unwrap();
        assert_eq!(r.status, RequestStatus::Sent);
        assert!(!r.offer_email());
    }

    #[test]
    fn a_rejected_case_stops_retrying_and_offers_email() {
        let mut o = Outbox::default();
        o.queue_case(case("case-0002"), 0.0);
        o.case_failed("case-0002", 0.0, "HTTP 422: email".into(), true);
        assert!(o.case_due(1e300).is_none());
        assert!(o.next_due_in(0.0).is_none());
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(
            serde_json::from_str::<Outbox>(&json).unwrap(),
            o,
            "survives storage"
        );
        assert!(o.request("case-0002").unwrap().offer_email());
        assert!(
            o.case("case-0002").is_some(),
            "kept for the e-mail fallback"
        );
        o.record_emailed(&case("case-0002"));
        assert!(o.cases.is_empty());
        assert_eq!(
            o.request("case-0002").unwrap().status,
            RequestStatus::Emailed
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1), 2_000.0);
        assert_eq!(backoff_ms(2), 4_000.0);
        assert_eq!(backoff_ms(30), MAX_BACKOFF_MS);
    }

    #[test]
    fn it_survives_a_round_trip_through_storage() {
        let mut o = Outbox::default();
        o.push_events(vec![event(1)]);
        o.queue_case(case("case-0003"), 5.0);
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<Outbox>(&json).unwrap(), o);
        // Stored by an older widget with fewer fields: still readable.
        assert_eq!(
            serde_json::from_str::<Outbox>("{}").unwrap(),
            Outbox::default()
        );
    }

    #[test]
    fn adopting_another_pages_outbox_loses_nothing_and_sends_nothing_twice() {
        // This page: case 1 queued, case 2 already sent; events 0..3.
        let mut mine = Outbox::default();
        mine.queue_case(case("case-0001"), 0.0);
        mine.queue_case(case("case-0002"), 0.0);
        mine.case_delivered("case-0002");
        mine.push_events((0..3).map(event).collect());
        // The page that went away: case 2 still queued there (it never saw the receipt),
        // case 3 queued, case 4 e-mailed; events 2..5.
        let mut gone = Outbox::default();
        gone.queue_case(case("case-0002"), 0.0);
        gone.queue_case(case("case-0003"), 0.0);
        gone.record_emailed(&case("case-0004"));
        gone.push_events((2..5).map(event).collect());

        assert_eq!(mine.absorb(gone), 0);
        let queued: Vec<_> = mine.cases.iter().map(|q| q.case.id.as_str()).collect();
        assert_eq!(
            queued,
            ["case-0001", "case-0003"],
            "case 2 is not sent again"
        );
        let status = |id| mine.request(id).unwrap().status;
        assert_eq!(status("case-0001"), RequestStatus::Queued);
        assert_eq!(
            status("case-0002"),
            RequestStatus::Sent,
            "the further record wins"
        );
        assert_eq!(status("case-0003"), RequestStatus::Queued);
        assert_eq!(status("case-0004"), RequestStatus::Emailed);
        assert_eq!(mine.requests.len(), 4);
        let events: Vec<_> = mine.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            events,
            [
                "event-0000",
                "event-0001",
                "event-0002",
                "event-0003",
                "event-0004"
            ]
        );
    }

    #[test]
    fn only_a_closed_or_long_silent_pages_outbox_is_orphaned() {
        let mut o = Outbox {
            written_ms: 1_000_000.0,
            ..Outbox::default()
        };
        assert!(
            !o.is_orphaned(1_000_000.0 + 2.0 * HEARTBEAT_MS),
            "a hidden, throttled tab"
        );
        assert!(
            o.is_orphaned(1_000_000.0 + ORPHAN_AFTER_MS + 1.0),
            "a crashed tab"
        );
        o.closed = true;
        assert!(o.is_orphaned(1_000_000.0), "a page that went away");
        // An outbox from before per-page outboxes (no time) is orphaned.
        assert!(serde_json::from_str::<Outbox>("{}")
            .unwrap()
            .is_orphaned(1_000_000.0));
    }
}
