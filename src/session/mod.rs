//! The customer's session in this page, as browser glue: the current journey, the page's
//! listeners (going away, coming back online, other tabs), and who the customer is.
//! The decisions live in plain modules tested natively — `outbox_store` (this page's
//! outbox, adopting gone pages'), `delivery` (what to send and what an answer means),
//! `prefill` (identify and the contact draft) — and the journey rules in
//! `deflect-journey`; [`sending`] schedules the requests and beacons.
//!
//! Every step goes through [`Session::record`]: the journey turns it into events, which
//! are dispatched to the host page as DOM `CustomEvent`s, written to the durable
//! [`Outbox`] and sent in batches. Cases are queued the same way and sent at once; failures
//! back off and retry, also after a reload (delivery starts when the page loads, not when
//! the panel opens). When the page goes away, queued events leave by `sendBeacon`; they stay
//! queued until a normal POST confirms them, and the collector ignores the duplicate.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deflect_journey::{Case, CurrentJourney, Step, Trail};
use gloo_events::EventListener;
use gloo_timers::callback::{Interval, Timeout};
use yew::Callback;

use crate::config::WidgetConfig;
use crate::form::ContactDraft;
use crate::outbox::{Outbox, HEARTBEAT_MS};
use crate::outbox_store::is_outbox_key;
use crate::platform;
use crate::prefill::{self, JourneySoFar};
use crate::privacy::forget_history;
use crate::settings::Identity;
use crate::storage_keys;

mod page_outbox;
mod sending;

pub use page_outbox::outbox_kept_in_memory;

/// Events wait this long for company before a batch is sent.
const EVENT_BATCH_DELAY_MS: f64 = 2_000.0;

/// The session; shared by the components through an `Rc`.
pub struct Session {
    config: WidgetConfig,
    journey: RefCell<CurrentJourney>,
    sending: Cell<bool>,
    timer: RefCell<Option<(f64, Timeout)>>,
    on_outbox: RefCell<Option<Callback<Rc<Outbox>>>>,
    listeners: RefCell<Vec<EventListener>>,
    identity: RefCell<Identity>,
    heartbeat: RefCell<Option<Interval>>,
}

impl Session {
    /// Starts the session: listens for the page going away and coming back online, and
    /// resumes delivering whatever an earlier page left queued.
    pub fn start(config: WidgetConfig) -> Rc<Session> {
        let session = Rc::new(Session {
            config: config.clone(),
            journey: RefCell::new(CurrentJourney::new(config.settings.query_text)),
            sending: Cell::new(false),
            timer: RefCell::new(None),
            on_outbox: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            identity: RefCell::new(config.settings.identify.clone()),
            heartbeat: RefCell::new(None),
        });
        let window = web_sys::window().expect("a window");
        let weak = Rc::downgrade(&session);
        let on_hide = {
            let weak = weak.clone();
            EventListener::new(&window, "pagehide", move |_| {
                if let Some(s) = weak.upgrade() {
                    s.record(Step::Closed);
                    s.beacon_events();
                    // The next page (or another tab) adopts what is left at once.
                    s.update_outbox(|o| o.closed = true);
                }
            })
        };
        // Another tab changed its outbox: "Your requests" shows every tab's cases.
        let on_storage = {
            let weak = weak.clone();
            EventListener::new(&window, "storage", move |e| {
                if let Some(s) = weak
                    .upgrade()
                    .filter(|_| platform::storage_event_touches(e, is_outbox_key))
                {
                    s.changed();
                }
            })
        };
        let heartbeat = {
            let weak = weak.clone();
            Interval::new(HEARTBEAT_MS as u32, move || {
                if let Some(s) = weak.upgrade() {
                    s.update_outbox(|_| ());
                }
            })
        };
        *session.heartbeat.borrow_mut() = Some(heartbeat);
        let document = platform::document();
        let on_hidden = {
            let weak = weak.clone();
            EventListener::new(&document, "visibilitychange", move |_| {
                let hidden =
                    platform::document().visibility_state() == web_sys::VisibilityState::Hidden;
                if let Some(s) = weak.upgrade().filter(|_| hidden) {
                    s.beacon_events();
                }
            })
        };
        let on_online = EventListener::new(&window, "online", move |_| {
            if let Some(s) = weak.upgrade() {
                s.send_now();
            }
        });
        session
            .listeners
            .borrow_mut()
            .extend([on_hide, on_hidden, on_online, on_storage]);
        session.send_now();
        session
    }

    /// Who the customer is (configuration, then `Deflect('identify', …)`).
    pub fn identity(&self) -> Identity {
        self.identity.borrow().clone()
    }

    /// Updates who the customer is (`prefill::update_identity`).
    pub fn identify(&self, who: Identity) {
        prefill::update_identity(&mut self.identity.borrow_mut(), who);
    }

    /// `Deflect('reset')`, on sign-out: ends the journey (as abandoned, if it began),
    /// forgets who the customer is and every trace the widget stored
    /// (`storage_keys::forget_all`). Undelivered cases and events are still delivered.
    pub fn reset(self: &Rc<Self>) {
        self.record(Step::Closed);
        self.journey.borrow_mut().clear();
        *self.identity.borrow_mut() = Identity::default();
        self.update_outbox(forget_history);
        storage_keys::forget_all();
        self.changed();
    }

    /// The configuration.
    pub fn config(&self) -> &WidgetConfig {
        &self.config
    }

    /// Records one step of the customer's journey (starting a journey when needed).
    pub fn record(self: &Rc<Self>, step: Step) {
        let now = platform::now();
        let events = self.journey.borrow_mut().step(step, now, platform::new_id);
        if events.is_empty() {
            return;
        }
        for event in &events {
            platform::dispatch(&self.config.root, event.kind.type_name(), event);
        }
        if self.config.settings.endpoint("/v1/events").is_some() {
            let dropped = self.update_outbox(|o| o.push_events(events));
            if dropped > 0 {
                platform::warn(&format!("deflect: the collector is unreachable; dropped the {dropped} oldest queued events"));
            }
            self.send_in(EVENT_BATCH_DELAY_MS);
        }
    }

    /// The current journey's id (one is started if none is running).
    pub fn journey_id(&self) -> String {
        self.journey
            .borrow_mut()
            .ensure(platform::new_id)
            .id()
            .to_string()
    }

    /// What the customer tried so far in this journey.
    pub fn trail(&self) -> Trail {
        self.journey
            .borrow()
            .running()
            .map(|j| j.trail(platform::now()))
            .unwrap_or_default()
    }

    /// The last query of this journey (the contact form's subject).
    pub fn last_query(&self) -> Option<String> {
        self.journey
            .borrow()
            .last()
            .and_then(|j| j.last_query().map(str::to_string))
    }

    /// The contact form's draft: the saved one (if any) brought up to date with this
    /// journey and who the customer is (`prefill::contact_draft`).
    pub fn contact_draft(&self, saved: Option<ContactDraft>) -> ContactDraft {
        let journey = JourneySoFar {
            trail: self.trail(),
            journey_id: || self.journey_id(),
            last_query: self.last_query(),
        };
        prefill::contact_draft(saved, journey, &self.identity())
    }

    /// Queues a case for delivery, records the escalation, and starts sending.
    pub fn submit(self: &Rc<Self>, case: Case) {
        let id = case.id.clone();
        self.update_outbox(|o| o.queue_case(case, platform::now_ms()));
        self.changed();
        self.record(Step::CaseSubmitted { case_id: id });
        self.send_now();
    }

    /// Records a case the customer sends by e-mail instead.
    pub fn emailed(self: &Rc<Self>, case: &Case) {
        self.update_outbox(|o| o.record_emailed(case));
        self.changed();
        self.record(Step::CaseSubmitted {
            case_id: case.id.clone(),
        });
    }
}
