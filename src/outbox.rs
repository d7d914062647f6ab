//! The durable outbox: events and cases waiting to reach the collector, and the cases this
//! browser has sent ("Your requests").
//!
//! It is plain data, saved to `localStorage` after every change and read back before every
//! change, so a reload, a crash or a second tab never drops what the customer was promised.
//! Delivery is at-least-once; the collector stores each client-generated id once, so a
//! retry (or a beacon followed by a retry) never creates a duplicate.

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
}

impl Outbox {
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
mod tests {
    use super::*;
    use deflect_journey::{CaseContext, CustomerCategory, EventKind, JourneyOutcome, Trail};

    fn event(i: usize) -> Event {
        Event {
            id: format!("event-{i:04}"),
            journey_id: "journey-0001".into(),
            at: Timestamp::UNIX_EPOCH,
            kind: EventKind::JourneyEnded {
                outcome: JourneyOutcome::Abandoned,
            },
        }
    }

    fn case(id: &str) -> Case {
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
}
