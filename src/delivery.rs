//! Delivery to the collector, as plain decisions tested natively: which request the outbox
//! needs next ([`next_request`]), what the collector's answer does to the outbox
//! ([`record_answer`]), and what leaves by `sendBeacon` when the page goes away
//! ([`beacons`]). The browser glue — the HTTP call, the timers, the beacon itself — is in
//! `session/sending.rs` and `platform.rs`.
//!
//! Cases go first and one at a time (each is a promise to the customer); events follow in
//! batches of [`EVENTS_PER_BATCH`]. A transient failure backs off and retries; a refusal
//! stops retrying and is logged, because no retry will change the collector's mind.

use deflect_journey::{Case, Event, EventBatch};

use crate::outbox::{Outbox, EVENTS_PER_BATCH};
use crate::settings::WidgetSettings;

/// How an HTTP delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// 2xx: stored.
    Stored,
    /// Worth retrying: offline, a timeout, 408, 429 or 5xx.
    Transient(String),
    /// Refused for good (other 4xx): the message says why.
    Refused(String),
}

/// What a request carries, so its answer can be recorded against it.
#[derive(Debug, Clone, PartialEq)]
pub enum Sending {
    /// One case.
    Case(Case),
    /// A batch of events, by id.
    Events(Vec<String>),
}

/// One POST to the collector.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub url: String,
    /// The JSON body.
    pub body: String,
    pub sending: Sending,
}

/// The next request the outbox needs at `now_ms`: the first case due, else the events
/// due; none when nothing is due or the page configured no collector for it.
pub fn next_request(outbox: &Outbox, now_ms: f64, settings: &WidgetSettings) -> Option<Request> {
    if let (Some(case), Some(url)) = (outbox.case_due(now_ms), settings.endpoint("/v1/cases")) {
        let body = serde_json::to_string(&case).expect("a case serializes");
        return Some(Request {
            url,
            body,
            sending: Sending::Case(case),
        });
    }
    if let (Some(events), Some(url)) = (outbox.events_due(now_ms), settings.endpoint("/v1/events"))
    {
        let ids = events.iter().map(|e| e.id.clone()).collect();
        let body = serde_json::to_string(&EventBatch { events }).expect("events serialize");
        return Some(Request {
            url,
            body,
            sending: Sending::Events(ids),
        });
    }
    None
}

/// Records the collector's `answer` to what was `sent`; returns the warning to log when
/// the collector refused it for good.
pub fn record_answer(
    outbox: &mut Outbox,
    sent: &Sending,
    answer: Delivery,
    now_ms: f64,
) -> Option<String> {
    match (sent, answer) {
        (Sending::Case(case), Delivery::Stored) => outbox.case_delivered(&case.id),
        (Sending::Case(case), Delivery::Transient(e)) => {
            outbox.case_failed(&case.id, now_ms, e, false)
        }
        (Sending::Case(case), Delivery::Refused(e)) => {
            let warning = format!(
                "deflect: the collector refused case {}: {e}",
                case.reference()
            );
            outbox.case_failed(&case.id, now_ms, e, true);
            return Some(warning);
        }
        (Sending::Events(ids), Delivery::Stored) => outbox.events_delivered(ids),
        (Sending::Events(ids), Delivery::Transient(_)) => outbox.events_failed(ids, now_ms, false),
        (Sending::Events(ids), Delivery::Refused(e)) => {
            outbox.events_failed(ids, now_ms, true);
            return Some(format!(
                "deflect: the collector refused {} events: {e}",
                ids.len()
            ));
        }
    }
    None
}

/// What to hand to `sendBeacon` as the page goes away, as `(url, body)` pairs.
#[derive(Debug, Default, PartialEq)]
pub struct Beacons {
    /// Every undelivered case, only while the outbox lives in memory: nothing else would
    /// send it after this page. Each is sent whatever became of the others.
    pub cases: Vec<(String, String)>,
    /// Every queued event in batches; sending stops at the first batch the browser
    /// refuses (its beacon quota is spent).
    pub event_batches: Vec<(String, String)>,
}

/// The beacons for `outbox`. What they carry stays queued until a normal POST confirms
/// it; the collector stores each id once, so the duplicate is harmless.
pub fn beacons(outbox: &Outbox, kept_in_memory: bool, settings: &WidgetSettings) -> Beacons {
    let mut beacons = Beacons::default();
    if let Some(url) = settings.endpoint("/v1/cases").filter(|_| kept_in_memory) {
        for case in outbox.cases.iter().map(|q| &q.case) {
            let body = serde_json::to_string(case).expect("a case serializes");
            beacons.cases.push((url.clone(), body));
        }
    }
    if let Some(url) = settings.endpoint("/v1/events") {
        for chunk in outbox.events.chunks(EVENTS_PER_BATCH) {
            let events: Vec<Event> = chunk.to_vec();
            let body = serde_json::to_string(&EventBatch { events }).expect("events serialize");
            beacons.event_batches.push((url.clone(), body));
        }
    }
    beacons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::tests::{case, event};
    use crate::outbox::RequestStatus;

    fn collector() -> WidgetSettings {
        WidgetSettings {
            collector: Some("https://collect.example/".into()),
            ..WidgetSettings::default()
        }
    }

    #[test]
    fn a_due_case_goes_before_events_and_nothing_goes_without_a_collector() {
        let mut outbox = Outbox::default();
        outbox.push_events(vec![event(1)]);
        outbox.queue_case(case("c1"), 0.0);
        let first = next_request(&outbox, 0.0, &collector()).unwrap();
        assert_eq!(first.url, "https://collect.example/v1/cases");
        assert_eq!(first.sending, Sending::Case(case("c1")));
        assert!(next_request(&outbox, 0.0, &WidgetSettings::default()).is_none());

        record_answer(&mut outbox, &first.sending, Delivery::Stored, 0.0);
        let second = next_request(&outbox, 0.0, &collector()).unwrap();
        assert_eq!(second.url, "https://collect.example/v1/events");
        assert_eq!(second.sending, Sending::Events(vec!["event-0001".into()]));
        let batch: serde_json::Value = serde_json::from_str(&second.body).unwrap();
        assert_eq!(batch["events"][0]["id"], "event-0001");
    }

    #[test]
    fn a_transient_failure_retries_later_and_a_refusal_stops_with_a_warning() {
        let mut outbox = Outbox::default();
        outbox.queue_case(case("c1"), 0.0);
        let sent = Sending::Case(case("c1"));
        let busy = Delivery::Transient("HTTP 503".into());
        assert_eq!(record_answer(&mut outbox, &sent, busy, 0.0), None);
        assert!(
            next_request(&outbox, 0.0, &collector()).is_none(),
            "backing off"
        );
        assert!(outbox.next_due_in(0.0).is_some(), "but retried later");

        let refused = Delivery::Refused("HTTP 422: bad e-mail".into());
        let warning = record_answer(&mut outbox, &sent, refused, 1.0).unwrap();
        assert!(warning.contains("refused case") && warning.contains("bad e-mail"));
        assert_eq!(
            outbox.request("c1").unwrap().status,
            RequestStatus::Rejected
        );
        assert!(outbox.next_due_in(1.0).is_none());

        outbox.push_events(vec![event(1), event(2)]);
        let ids = Sending::Events(vec!["event-0001".into(), "event-0002".into()]);
        let warning = record_answer(&mut outbox, &ids, Delivery::Refused("HTTP 400".into()), 2.0);
        assert_eq!(
            warning.as_deref(),
            Some("deflect: the collector refused 2 events: HTTP 400")
        );
    }

    #[test]
    fn beacons_carry_events_in_batches_and_cases_only_when_nothing_else_will_send_them() {
        let mut outbox = Outbox::default();
        outbox.push_events((0..EVENTS_PER_BATCH + 1).map(event).collect());
        outbox.queue_case(case("c1"), 0.0);
        let stored = beacons(&outbox, false, &collector());
        assert!(
            stored.cases.is_empty(),
            "a stored case is sent by the next page"
        );
        assert_eq!(stored.event_batches.len(), 2);
        let in_memory = beacons(&outbox, true, &collector());
        assert_eq!(in_memory.cases.len(), 1);
        assert_eq!(in_memory.cases[0].0, "https://collect.example/v1/cases");
        assert_eq!(
            beacons(&outbox, true, &WidgetSettings::default()),
            Beacons::default()
        );
    }
}
