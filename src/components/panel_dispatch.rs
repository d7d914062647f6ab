//! The one path by which a customer's action reaches both the panel and the journey.
//!
//! Components hold a [`PanelHandle`] instead of the reducer: it reads like the panel's
//! state and its `dispatch` first records the journey step the action implies
//! ([`PanelState::journey_step`], natively tested), then applies the action. Nothing else
//! records panel steps, so the two cannot drift apart (they had: clearing the box skipped
//! the journey, and resuming a saved draft never started a handoff). The pause after which
//! typing counts as settled, and turning typed text into a search, live here too.

use std::cell::RefCell;
use std::ops::Deref;
use std::rc::Rc;

use deflect_core::SearchHit;
use deflect_journey::{Answer, Step};
use gloo_timers::callback::Timeout;
use yew::prelude::*;

use super::index_state::Shared;
use crate::panel_state::{PanelAction, PanelState};
use crate::session::Session;

/// A pause in typing this long makes the query in the box a "final form".
const SETTLE_MS: u32 = 1_000;

impl Reducible for PanelState {
    type Action = PanelAction;
    fn reduce(self: Rc<Self>, action: PanelAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// The panel's state as of this render, and the way to change it.
#[derive(Clone)]
pub struct PanelHandle {
    state: UseReducerHandle<PanelState>,
    session: Shared<Session>,
    settle: Rc<RefCell<Option<Timeout>>>,
}

impl PartialEq for PanelHandle {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && self.session == other.session
    }
}

impl Deref for PanelHandle {
    type Target = PanelState;
    fn deref(&self) -> &PanelState {
        &self.state
    }
}

impl PanelHandle {
    /// Records the journey step `action` implies, then applies it to the panel.
    pub fn dispatch(&self, action: PanelAction) {
        if let Some(step) = self.state.journey_step(&action) {
            let typed = matches!(step, Step::Typed { .. });
            self.session.0.record(step);
            if typed {
                // Each keystroke restarts the pause; when it elapses the query settles.
                let session = self.session.clone();
                *self.settle.borrow_mut() = Some(Timeout::new(SETTLE_MS, move || {
                    session.0.record(Step::QuerySettled)
                }));
            }
        }
        self.state.dispatch(action);
    }

    /// The box now holds `query`: its suggestions when `search` can answer now, else it
    /// waits (typed, unsearched: `search` has started fetching the pieces of the index it
    /// reads, and [`PanelHandle::search_waiting`] answers it when they arrive); or the host
    /// page's `context` suggestions when the box is blank.
    pub fn input(&self, query: String, context: &[String], search: &Search<'_>) {
        if query.trim().is_empty() && !context.is_empty() {
            self.dispatch(PanelAction::Results {
                query,
                hits: Vec::new(),
                answer: None,
            });
            self.show_context(context, search);
            return;
        }
        match search(&query) {
            Some((hits, answer)) => self.dispatch(PanelAction::Results {
                query,
                hits,
                answer,
            }),
            None => self.dispatch(PanelAction::Typed(query)),
        }
    }

    /// Searches the query that was waiting (for the index, or pieces of it), if `search`
    /// can answer it now; nothing happens otherwise, so the pause before it settles is not
    /// restarted by every piece that arrives.
    pub fn search_waiting(&self, query: String, search: &Search<'_>) {
        if let Some((hits, answer)) = search(&query) {
            self.dispatch(PanelAction::Results {
                query,
                hits,
                answer,
            });
        }
    }

    /// Suggestions for the host page's context, shown while the box is empty.
    pub fn show_context(&self, context: &[String], search: &Search<'_>) {
        if let Some((hits, _)) = search(&context.join(" ")) {
            self.dispatch(PanelAction::ContextResults(hits));
        }
    }
}

/// Searches the index for a query: its suggestions and what the journey records of them,
/// or `None` while the index (or the pieces of it the query reads) is not there yet.
pub type Search<'a> = dyn Fn(&str) -> Option<(Vec<SearchHit>, Option<Answer>)> + 'a;

/// The panel's reducer, wired to the journey of `session`.
#[hook]
pub fn use_panel(session: Shared<Session>) -> PanelHandle {
    let state = use_reducer(PanelState::default);
    let settle = use_mut_ref(|| None::<Timeout>);
    PanelHandle {
        state,
        session,
        settle,
    }
}
