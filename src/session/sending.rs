//! Sending what the outbox holds, as browser glue: one delivery loop at a time, a timer
//! for the next attempt, and `sendBeacon` as the page goes away. What to send and what each
//! answer means is decided in `delivery.rs`; this module only runs it.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use yew::platform::spawn_local;

use super::{outbox_kept_in_memory, Session};
use crate::delivery::{self, Sending};
use crate::platform;

impl Session {
    pub(super) fn send_now(self: &Rc<Self>) {
        self.timer.borrow_mut().take();
        if !self.sending.replace(true) {
            let session = self.clone();
            spawn_local(async move {
                session.deliver().await;
                session.sending.set(false);
                session.schedule_next();
            });
        }
    }

    /// Sends in `delay_ms` unless something is already due sooner.
    pub(super) fn send_in(self: &Rc<Self>, delay_ms: f64) {
        let due = platform::now_ms() + delay_ms;
        if self
            .timer
            .borrow()
            .as_ref()
            .is_some_and(|(at, _)| *at <= due)
        {
            return;
        }
        let weak = Rc::downgrade(self);
        let timeout = Timeout::new(delay_ms.clamp(0.0, 2_147_483_647.0) as u32, move || {
            if let Some(s) = weak.upgrade() {
                s.send_now();
            }
        });
        *self.timer.borrow_mut() = Some((due, timeout));
    }

    fn schedule_next(self: &Rc<Self>) {
        let outbox = self.read_outbox();
        if let Some(wait) = outbox.next_due_in(platform::now_ms()) {
            self.send_in(wait.max(250.0));
        }
    }

    /// Sends whatever is due, one request at a time, until nothing is (adopting gone
    /// pages' outboxes first).
    async fn deliver(&self) {
        self.adopt_orphans();
        while let Some(request) = delivery::next_request(
            &self.read_outbox(),
            platform::now_ms(),
            &self.config.settings,
        ) {
            let answer = platform::post_json(&request.url, request.body).await;
            let warning = self.update_outbox(|o| {
                delivery::record_answer(o, &request.sending, answer, platform::now_ms())
            });
            if let Some(warning) = warning {
                platform::warn(&warning);
            }
            if matches!(request.sending, Sending::Case(_)) {
                self.changed();
            }
        }
    }

    /// Hands every queued event to `sendBeacon` (and, while the outbox lives only in
    /// memory, every undelivered case: nothing else would send it after this page); they
    /// stay queued until confirmed, and the collector stores each id once.
    pub(super) fn beacon_events(&self) {
        let beacons = delivery::beacons(
            &self.read_outbox(),
            outbox_kept_in_memory(),
            &self.config.settings,
        );
        for (url, body) in &beacons.cases {
            platform::beacon(url, body);
        }
        for (url, body) in &beacons.event_batches {
            if !platform::beacon(url, body) {
                break;
            }
        }
    }
}
