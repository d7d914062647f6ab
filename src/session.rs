//! The customer's session in this page: the current journey, and delivery of what it
//! records to the collector.
//!
//! Every step goes through [`Session::record`]: the journey turns it into events, which
//! are dispatched to the host page as DOM `CustomEvent`s, written to the durable
//! [`Outbox`] and sent in batches. Cases are queued the same way and sent at once; failures
//! back off and retry, also after a reload (delivery starts when the page loads, not when
//! the panel opens). When the page goes away, queued events leave by `sendBeacon`; they stay
//! queued until a normal POST confirms them, and the collector ignores the duplicate.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deflect_journey::{Case, CurrentJourney, Event, EventBatch, Step, Trail};
use gloo_events::EventListener;
use gloo_timers::callback::{Interval, Timeout};
use yew::platform::spawn_local;
use yew::Callback;

use crate::config::WidgetConfig;
use crate::form::ContactDraft;
use crate::outbox::{Outbox, EVENTS_PER_BATCH, HEARTBEAT_MS};
use crate::platform::{self, Delivery};
use crate::privacy::{bound_requests, forget_history};
use crate::settings::Identity;
use crate::storage_keys::{self, is_outbox_key, OUTBOX_PREFIX, SHARED_OUTBOX_KEY};

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
    /// This page's outbox key (`outbox:<page id>`).
    outbox_key: String,
    heartbeat: RefCell<Option<Interval>>,
}

thread_local! {
    // The outbox while local storage refuses it (full, disabled, a sandboxed frame). Without
    // it a case would be acknowledged and then never sent: delivery reads the stored copy,
    // which never changed. In memory it is delivered while the page lives, and handed to
    // `sendBeacon` when the page goes away.
    static UNSAVED_OUTBOX: RefCell<Option<Outbox>> = const { RefCell::new(None) };
}

/// True while the outbox lives only in memory (local storage refused it).
pub fn outbox_kept_in_memory() -> bool {
    UNSAVED_OUTBOX.with(|m| m.borrow().is_some())
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
            outbox_key: format!("{OUTBOX_PREFIX}{}", platform::new_id()),
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

    /// This page's outbox: the in-memory copy while storage refuses it, else the stored one.
    fn read_outbox(&self) -> Outbox {
        UNSAVED_OUTBOX
            .with(|m| m.borrow().clone())
            .unwrap_or_else(|| platform::load(&self.outbox_key))
    }

    /// Reads, changes and saves this page's outbox in one go, so nothing between two
    /// awaits is overwritten with a stale copy. An empty outbox takes no key.
    fn update_outbox<R>(&self, change: impl FnOnce(&mut Outbox) -> R) -> R {
        let mut outbox = self.read_outbox();
        outbox.closed = false;
        let r = change(&mut outbox);
        bound_requests(&mut outbox, platform::now());
        outbox.written_ms = platform::now_ms();
        let saved = if outbox.is_empty() {
            platform::remove(&self.outbox_key);
            true
        } else {
            platform::save(&self.outbox_key, &outbox)
        };
        UNSAVED_OUTBOX.with(|m| *m.borrow_mut() = (!saved).then(|| outbox.clone()));
        r
    }

    /// Takes over the outboxes of pages that are gone (closed, reloaded, crashed), so what
    /// they queued is delivered from here. The other page's key is removed only once its
    /// contents are saved in this page's outbox.
    fn adopt_orphans(&self) {
        if outbox_kept_in_memory() {
            return;
        }
        let now = platform::now_ms();
        for (key, other) in self.other_outboxes() {
            if key == SHARED_OUTBOX_KEY || other.is_orphaned(now) {
                let dropped = self.update_outbox(|o| o.absorb(other));
                if outbox_kept_in_memory() {
                    return;
                }
                platform::remove(&key);
                if dropped > 0 {
                    platform::warn(&format!(
                        "deflect: dropped the {dropped} oldest queued events"
                    ));
                }
            }
        }
    }

    /// The outboxes of the other pages (tabs open now, or gone) with their keys.
    fn other_outboxes(&self) -> Vec<(String, Outbox)> {
        platform::stored_keys()
            .into_iter()
            .filter(|key| *key != self.outbox_key && is_outbox_key(key))
            .map(|key| {
                let other = platform::load(&key);
                (key, other)
            })
            .collect()
    }

    /// What "Your requests" shows: this page's outbox with every other tab's cases.
    fn browser_view(&self) -> Outbox {
        let mut view = self.read_outbox();
        for (_, other) in self.other_outboxes() {
            view.absorb(Outbox {
                events: Vec::new(),
                ..other
            });
        }
        bound_requests(&mut view, platform::now());
        view
    }

    /// Tells `callback` whenever the outbox changes (for "Your requests").
    pub fn subscribe(&self, callback: Callback<Rc<Outbox>>) {
        callback.emit(Rc::new(self.browser_view()));
        *self.on_outbox.borrow_mut() = Some(callback);
    }

    fn changed(&self) {
        if let Some(cb) = self.on_outbox.borrow().as_ref() {
            cb.emit(Rc::new(self.browser_view()));
        }
    }

    /// Who the customer is (configuration, then `Deflect('identify', …)`).
    pub fn identity(&self) -> Identity {
        self.identity.borrow().clone()
    }

    /// Updates who the customer is; fields left out keep their value. A call that names
    /// any signed field (user id, e-mail, plan) brings its own signature, or none: an
    /// earlier signature never vouches for values it was not computed over.
    pub fn identify(&self, who: Identity) {
        let mut guard = self.identity.borrow_mut();
        let current = &mut *guard;
        if who.user_id.is_some() || who.email.is_some() || who.plan.is_some() {
            current.signature = who.signature.clone();
        }
        for (slot, value) in [
            (&mut current.user_id, who.user_id),
            (&mut current.email, who.email),
            (&mut current.name, who.name),
            (&mut current.plan, who.plan),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
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
    /// journey — its trail, and the last query as subject — and prefilled from `identify`
    /// (a signed e-mail replaces whatever the draft held).
    pub fn contact_draft(&self, saved: Option<ContactDraft>) -> ContactDraft {
        let mut draft = saved.unwrap_or_default();
        let trail = self.trail();
        if !trail.queries.is_empty() || !trail.articles.is_empty() || draft.journey_id.is_empty() {
            draft.trail = trail;
            draft.journey_id = self.journey_id();
        }
        if draft.subject.trim().is_empty() {
            draft.subject = self.last_query().unwrap_or_default();
        }
        let who = self.identity();
        if let Some(account) = who.signed_email() {
            // Vouched for by the vendor's backend: the reply goes to the account's address
            // (the form shows it read-only), whatever an older draft held.
            draft.email = account.to_string();
        } else if draft.email.is_empty() {
            draft.email = who.email.clone().unwrap_or_default();
        }
        if draft.name.is_empty() {
            draft.name = who.name.clone().unwrap_or_default();
        }
        draft
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

    fn send_now(self: &Rc<Self>) {
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
    fn send_in(self: &Rc<Self>, delay_ms: f64) {
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

    async fn deliver(&self) {
        let settings = &self.config.settings;
        self.adopt_orphans();
        loop {
            let outbox = self.read_outbox();
            let now = platform::now_ms();
            if let (Some(case), Some(url)) = (outbox.case_due(now), settings.endpoint("/v1/cases"))
            {
                let body = serde_json::to_string(&case).expect("a case serializes");
                let result = platform::post_json(&url, body).await;
                self.update_outbox(|o| match result {
                    Delivery::Stored => o.case_delivered(&case.id),
                    Delivery::Transient(e) => o.case_failed(&case.id, platform::now_ms(), e, false),
                    Delivery::Refused(e) => {
                        platform::warn(&format!(
                            "deflect: the collector refused case {}: {e}",
                            case.reference()
                        ));
                        o.case_failed(&case.id, platform::now_ms(), e, true)
                    }
                });
                self.changed();
                continue;
            }
            if let (Some(events), Some(url)) =
                (outbox.events_due(now), settings.endpoint("/v1/events"))
            {
                let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
                let body = serde_json::to_string(&EventBatch { events }).expect("events serialize");
                let result = platform::post_json(&url, body).await;
                self.update_outbox(|o| match result {
                    Delivery::Stored => o.events_delivered(&ids),
                    Delivery::Transient(_) => o.events_failed(&ids, platform::now_ms(), false),
                    Delivery::Refused(e) => {
                        platform::warn(&format!(
                            "deflect: the collector refused {} events: {e}",
                            ids.len()
                        ));
                        o.events_failed(&ids, platform::now_ms(), true)
                    }
                });
                continue;
            }
            break;
        }
    }

    /// Hands every queued event to `sendBeacon` (and, while the outbox lives only in
    /// memory, every undelivered case: nothing else would send it after this page); they
    /// stay queued until confirmed, and the collector stores each id once.
    fn beacon_events(&self) {
        let outbox = self.read_outbox();
        if outbox_kept_in_memory() {
            if let Some(url) = self.config.settings.endpoint("/v1/cases") {
                for case in outbox.cases.iter().map(|q| &q.case) {
                    let body = serde_json::to_string(case).expect("a case serializes");
                    platform::beacon(&url, &body);
                }
            }
        }
        let Some(url) = self.config.settings.endpoint("/v1/events") else {
            return;
        };
        for chunk in outbox.events.chunks(EVENTS_PER_BATCH) {
            let events: Vec<Event> = chunk.to_vec();
            let body = serde_json::to_string(&EventBatch { events }).expect("events serialize");
            if !platform::beacon(&url, &body) {
                break;
            }
        }
    }
}
