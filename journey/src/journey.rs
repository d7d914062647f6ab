//! The journey state machine: one customer's attempt to solve one problem.
//!
//! The widget feeds it [`Step`]s with the time they happened; it answers with the
//! [`Event`]s to record and keeps the trail a case will carry. It owns the rules that make
//! the figures trustworthy: only settled queries count (not every keystroke), dwell time is
//! measured when the customer leaves an article, a "No" is sent with its reason once the
//! customer moves on, a query typed before the index could search it is kept for the trail
//! but never reported as a search, and the outcome is recorded exactly once: after it,
//! every step is ignored and the widget starts a new journey.

use jiff::Timestamp;

use crate::wire::{
    Event, EventKind, FeedbackReason, JourneyOutcome, Trail, TrailArticle, MAX_TOP_ARTICLES,
    MAX_TRAIL_ITEMS,
};

pub use deflect_wire::QueryText;

/// Something the customer did.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The search box now holds `query`.
    Typed {
        /// The text.
        query: String,
        /// What the loaded index answered; `None` while the index is still loading (or
        /// could not be loaded): the query was never searched, so it says nothing about
        /// the knowledge base and is not recorded as a search (it stays in the trail).
        answer: Option<Answer>,
    },
    /// The customer paused typing: the query in the box is a final form.
    QuerySettled,
    /// An article was opened.
    ArticleOpened {
        /// Its id.
        id: String,
        /// Its title.
        title: String,
    },
    /// The customer went back from the article to the suggestions.
    ArticleClosed,
    /// The customer answered "Did this solve your problem?" for the open article; a
    /// reason after a "No" refines that answer.
    Feedback {
        /// Yes or no.
        helpful: bool,
        /// Why not.
        reason: Option<FeedbackReason>,
    },
    /// The contact form was opened.
    HandoffStarted,
    /// A case was submitted (queued for sending counts: the customer is done).
    CaseSubmitted {
        /// Its id.
        case_id: String,
    },
    /// The widget was closed or the page hidden.
    Closed,
}

impl Step {
    /// Whether this step is the customer doing something: it begins a journey (a new one
    /// when the last has ended), and only a journey that began can be abandoned. Opening
    /// or closing the panel, an empty box, a pause or feedback with no article are not.
    pub fn begins_journey(&self) -> bool {
        match self {
            Step::Typed { query, .. } => !query.trim().is_empty(),
            Step::ArticleOpened { .. } | Step::HandoffStarted | Step::CaseSubmitted { .. } => true,
            Step::QuerySettled | Step::ArticleClosed | Step::Feedback { .. } | Step::Closed => {
                false
            }
        }
    }
}

/// What a loaded index answered for one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// How many suggestions it got.
    pub results: u32,
    /// Their article ids, best first.
    pub top_articles: Vec<String>,
    /// Whether they answer the query (`deflect_core::Suggestions::good_answer`).
    pub good_answer: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct PendingQuery {
    query: String,
    answer: Option<Answer>,
}

#[derive(Debug, Clone, PartialEq)]
struct Visit {
    id: String,
    title: String,
    dwell_ms: u64,
    helpful: Option<bool>,
    reason: Option<FeedbackReason>,
}

#[derive(Debug, Clone, PartialEq)]
struct Reading {
    /// Index into `visits`.
    visit: usize,
    since: Timestamp,
    /// A "No" not yet sent (it is sent, with any reason, when the customer moves on).
    unsent_no: bool,
}

/// One journey.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    id: String,
    query_text: QueryText,
    seq: u32,
    queries: Vec<String>,
    /// The last query recorded as a search (a query settled before the index could search
    /// it is recorded once it has been searched).
    last_searched: Option<String>,
    pending: Option<PendingQuery>,
    visits: Vec<Visit>,
    reading: Option<Reading>,
    handoff_from: Option<Option<String>>,
    outcome: Option<JourneyOutcome>,
    began: bool,
}

/// The journey a page is in: the running one, or none once it has ended. A step that
/// begins a journey ([`Step::begins_journey`]) after the last one ended starts a new one;
/// any other step then has nothing to belong to and is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentJourney {
    journey: Option<Journey>,
    query_text: QueryText,
}

impl CurrentJourney {
    /// No journey yet; new ones collect query text as `query_text` says.
    pub fn new(query_text: QueryText) -> CurrentJourney {
        CurrentJourney {
            journey: None,
            query_text,
        }
    }

    /// Applies `step` to the running journey, starting one with an id from `new_id` when
    /// none is running and the step begins one; returns the events to record.
    pub fn step(
        &mut self,
        step: Step,
        now: Timestamp,
        new_id: impl FnOnce() -> String,
    ) -> Vec<crate::wire::Event> {
        if self.running().is_none() {
            if !step.begins_journey() {
                return Vec::new();
            }
            self.journey = Some(Journey::new(new_id(), self.query_text));
        }
        let journey = self.journey.as_mut().expect("a running journey");
        let kinds = journey.step(step, now);
        journey.events(kinds, now)
    }

    /// The running journey, started (with an id from `new_id`) if none is: a case sent
    /// straight from the form belongs to one.
    pub fn ensure(&mut self, new_id: impl FnOnce() -> String) -> &Journey {
        if self.running().is_none() {
            self.journey = Some(Journey::new(new_id(), self.query_text));
        }
        self.journey.as_ref().expect("a running journey")
    }

    /// The running journey, if one has not ended.
    pub fn running(&self) -> Option<&Journey> {
        self.journey.as_ref().filter(|j| j.outcome().is_none())
    }

    /// The last journey, running or ended (its trail and query outlive its end).
    pub fn last(&self) -> Option<&Journey> {
        self.journey.as_ref()
    }

    /// Forgets the journey (sign-out: nothing of it stays in this page).
    pub fn clear(&mut self) {
        self.journey = None;
    }
}

impl Journey {
    /// A journey with a fresh, client-generated `id` (8 to 54 letters, digits, `-`, `_`).
    pub fn new(id: impl Into<String>, query_text: QueryText) -> Journey {
        Journey {
            id: id.into(),
            query_text,
            seq: 0,
            queries: Vec::new(),
            last_searched: None,
            pending: None,
            visits: Vec::new(),
            reading: None,
            handoff_from: None,
            outcome: None,
            began: false,
        }
    }

    /// The journey's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How it ended, once it has.
    pub fn outcome(&self) -> Option<JourneyOutcome> {
        self.outcome
    }

    /// Whether the customer did anything yet.
    pub fn began(&self) -> bool {
        self.began
    }

    /// The most recent query: the one in the box, else the last settled one (prefills the
    /// contact form's subject).
    pub fn last_query(&self) -> Option<&str> {
        self.pending
            .as_ref()
            .map(|p| p.query.as_str())
            .filter(|q| !q.trim().is_empty())
            .or(self.queries.last().map(String::as_str))
    }

    /// The id of the article being read.
    pub fn reading(&self) -> Option<&str> {
        self.reading
            .as_ref()
            .map(|r| self.visits[r.visit].id.as_str())
    }

    /// What the customer tried, as of `now`: settled queries (and the one in the box) and
    /// the articles read, each once, with total dwell and the latest feedback.
    pub fn trail(&self, now: Timestamp) -> Trail {
        let mut queries = self.queries.clone();
        if let Some(p) = &self.pending {
            let q = p.query.trim();
            if !q.is_empty() && queries.last().map(String::as_str) != Some(q) {
                queries.push(q.to_string());
            }
        }
        let mut articles: Vec<TrailArticle> = Vec::new();
        for (i, v) in self.visits.iter().enumerate() {
            let live = match &self.reading {
                Some(r) if r.visit == i => elapsed_ms(r.since, now),
                _ => 0,
            };
            match articles.iter_mut().find(|a| a.id == v.id) {
                Some(a) => {
                    a.dwell_ms += v.dwell_ms + live;
                    if v.helpful.is_some() {
                        a.helpful = v.helpful;
                        a.reason = v.reason;
                    }
                }
                None => articles.push(TrailArticle {
                    id: v.id.clone(),
                    title: v.title.clone(),
                    dwell_ms: v.dwell_ms + live,
                    helpful: v.helpful,
                    reason: v.reason,
                }),
            }
        }
        // Keep the most recent when a long journey exceeds the wire limits.
        let skip = queries.len().saturating_sub(MAX_TRAIL_ITEMS);
        queries.drain(..skip);
        let skip = articles.len().saturating_sub(MAX_TRAIL_ITEMS);
        articles.drain(..skip);
        Trail { queries, articles }
    }

    /// Applies one step at `now` and returns the events to record, oldest first.
    pub fn step(&mut self, step: Step, now: Timestamp) -> Vec<EventKind> {
        if self.outcome.is_some() {
            return Vec::new();
        }
        let mut out = Vec::new();
        self.began |= step.begins_journey();
        match step {
            Step::Typed { query, mut answer } => {
                if let Some(a) = answer.as_mut() {
                    a.top_articles.truncate(MAX_TOP_ARTICLES);
                }
                self.pending = Some(PendingQuery { query, answer });
            }
            Step::QuerySettled => self.settle(&mut out),
            Step::ArticleOpened { id, title } => {
                self.settle(&mut out);
                self.leave_article(now, &mut out);
                self.visits.push(Visit {
                    id,
                    title,
                    dwell_ms: 0,
                    helpful: None,
                    reason: None,
                });
                self.reading = Some(Reading {
                    visit: self.visits.len() - 1,
                    since: now,
                    unsent_no: false,
                });
            }
            Step::ArticleClosed => {
                self.settle(&mut out);
                self.leave_article(now, &mut out);
            }
            Step::Feedback { helpful, reason } => {
                let Some(reading) = self.reading.as_mut() else {
                    return out;
                };
                let visit = &mut self.visits[reading.visit];
                visit.helpful = Some(helpful);
                visit.reason = if helpful { None } else { reason };
                if helpful {
                    reading.unsent_no = false;
                    let article_id = visit.id.clone();
                    self.settle(&mut out);
                    self.leave_article(now, &mut out);
                    out.push(EventKind::Feedback {
                        article_id,
                        helpful: true,
                        reason: None,
                    });
                    self.end(JourneyOutcome::Resolved, &mut out);
                } else {
                    reading.unsent_no = true;
                }
            }
            Step::HandoffStarted => {
                self.settle(&mut out);
                let article_id = self.reading().map(str::to_string);
                self.leave_article(now, &mut out);
                // Opening the form twice in one journey is one handoff.
                if self.handoff_from.is_none() {
                    self.handoff_from = Some(article_id.clone());
                    out.push(EventKind::HandoffStarted { article_id });
                }
            }
            Step::CaseSubmitted { case_id } => {
                self.settle(&mut out);
                self.leave_article(now, &mut out);
                out.push(EventKind::CaseSubmitted { case_id });
                self.end(JourneyOutcome::Escalated, &mut out);
            }
            Step::Closed => {
                if self.began {
                    self.settle(&mut out);
                    self.leave_article(now, &mut out);
                    self.end(JourneyOutcome::Abandoned, &mut out);
                }
            }
        }
        out
    }

    /// Wraps event kinds as events of this journey, with ids unique to it.
    pub fn events(&mut self, kinds: Vec<EventKind>, at: Timestamp) -> Vec<Event> {
        kinds
            .into_iter()
            .map(|kind| {
                self.seq += 1;
                Event {
                    id: format!("{}-{}", self.id, self.seq),
                    journey_id: self.id.clone(),
                    at,
                    kind,
                }
            })
            .collect()
    }

    fn settle(&mut self, out: &mut Vec<EventKind>) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let query = p.query.trim();
        if query.is_empty() {
            return;
        }
        if self.queries.last().map(String::as_str) != Some(query) {
            self.queries.push(query.to_string());
        }
        // Unsearched (the index was not loaded yet): in the trail, but not a search.
        let Some(answer) = p.answer else {
            return;
        };
        if self.last_searched.as_deref() == Some(query) {
            return;
        }
        self.last_searched = Some(query.to_string());
        out.push(EventKind::Search {
            query: match self.query_text {
                QueryText::Full => Some(query.to_string()),
                QueryText::None => None,
            },
            results: answer.results,
            top_articles: answer.top_articles,
            good_answer: Some(answer.good_answer),
        });
    }

    fn leave_article(&mut self, now: Timestamp, out: &mut Vec<EventKind>) {
        let Some(reading) = self.reading.take() else {
            return;
        };
        let visit = &mut self.visits[reading.visit];
        let dwell_ms = elapsed_ms(reading.since, now);
        visit.dwell_ms += dwell_ms;
        out.push(EventKind::ArticleViewed {
            article_id: visit.id.clone(),
            dwell_ms,
        });
        if reading.unsent_no {
            out.push(EventKind::Feedback {
                article_id: visit.id.clone(),
                helpful: false,
                reason: visit.reason,
            });
        }
    }

    fn end(&mut self, outcome: JourneyOutcome, out: &mut Vec<EventKind>) {
        self.pending = None;
        self.outcome = Some(outcome);
        out.push(EventKind::JourneyEnded { outcome });
    }
}

fn elapsed_ms(since: Timestamp, now: Timestamp) -> u64 {
    now.duration_since(since).as_millis().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + secs).unwrap()
    }

    fn typed(q: &str, results: u32) -> Step {
        Step::Typed {
            query: q.into(),
            answer: Some(Answer {
                results,
                top_articles: (0..results).map(|i| format!("a{i}")).collect(),
                good_answer: results > 0,
            }),
        }
    }

    fn names(events: &[EventKind]) -> Vec<&'static str> {
        events.iter().map(EventKind::type_name).collect()
    }

    fn open(id: &str) -> Step {
        Step::ArticleOpened {
            id: id.into(),
            title: format!("Title of {id}"),
        }
    }

    #[test]
    fn keystrokes_are_not_queries_until_settled() {
        let mut j = Journey::new("journey-1", QueryText::Full);
        for (i, q) in ["r", "re", "res", "reset", "reset pass"].iter().enumerate() {
            assert!(j.step(typed(q, 3), t(i as i64)).is_empty());
        }
        let ev = j.step(Step::QuerySettled, t(5));
        assert_eq!(
            ev,
            vec![EventKind::Search {
                query: Some("reset pass".into()),
                results: 3,
                top_articles: vec!["a0".into(), "a1".into(), "a2".into()],
                good_answer: Some(true),
            }]
        );
        // Settling again with nothing new records nothing.
        assert!(j.step(Step::QuerySettled, t(6)).is_empty());
        j.step(typed("reset pass ", 3), t(7));
        assert!(
            j.step(Step::QuerySettled, t(8)).is_empty(),
            "same query after trimming"
        );
    }

    #[test]
    fn a_query_typed_while_the_index_loads_is_recorded_only_once_searched() {
        let unsearched = |q: &str| Step::Typed {
            query: q.into(),
            answer: None,
        };
        let mut j = Journey::new("journey-1", QueryText::Full);
        j.step(unsearched("refund"), t(0));
        // The pause settles it before the index arrived: no "0 results" search.
        assert!(j.step(Step::QuerySettled, t(1)).is_empty());
        assert_eq!(j.trail(t(1)).queries, ["refund"], "still in the trail");
        // The index arrives and searches what is in the box.
        j.step(typed("refund", 8), t(2));
        let ev = j.step(Step::QuerySettled, t(3));
        assert_eq!(
            ev,
            vec![EventKind::Search {
                query: Some("refund".into()),
                results: 8,
                top_articles: (0..8).map(|i| format!("a{i}")).collect(),
                good_answer: Some(true),
            }]
        );
        assert_eq!(j.trail(t(3)).queries, ["refund"], "not twice");
        // Closing while unsearched (the index never loaded) records no search either.
        let mut j = Journey::new("journey-2", QueryText::Full);
        j.step(unsearched("vpn"), t(0));
        assert_eq!(names(&j.step(Step::Closed, t(5))), ["journey_ended"]);
    }

    #[test]
    fn yes_records_exactly_one_resolved_outcome() {
        let mut j = Journey::new("journey-1", QueryText::Full);
        j.step(typed("invoice", 2), t(0));
        let ev = j.step(open("billing/invoice"), t(1));
        assert_eq!(names(&ev), ["search"], "opening settles the query");
        let ev = j.step(
            Step::Feedback {
                helpful: true,
                reason: None,
            },
            t(31),
        );
        assert_eq!(names(&ev), ["article_viewed", "feedback", "journey_ended"]);
        assert_eq!(
            ev[0],
            EventKind::ArticleViewed {
                article_id: "billing/invoice".into(),
                dwell_ms: 30_000
            }
        );
        assert_eq!(j.outcome(), Some(JourneyOutcome::Resolved));
        // A second "Yes", closing, or anything else records nothing more.
        assert!(j
            .step(
                Step::Feedback {
                    helpful: true,
                    reason: None
                },
                t(32)
            )
            .is_empty());
        assert!(j.step(Step::Closed, t(33)).is_empty());
        assert!(j
            .step(
                Step::CaseSubmitted {
                    case_id: "c".into()
                },
                t(34)
            )
            .is_empty());
    }

    #[test]
    fn no_is_sent_with_its_reason_when_the_customer_moves_on() {
        let mut j = Journey::new("journey-1", QueryText::Full);
        j.step(typed("export csv", 4), t(0));
        j.step(open("export"), t(1));
        let no = j.step(
            Step::Feedback {
                helpful: false,
                reason: None,
            },
            t(10),
        );
        assert!(no.is_empty(), "a reason may still follow");
        j.step(
            Step::Feedback {
                helpful: false,
                reason: Some(FeedbackReason::Outdated),
            },
            t(12),
        );
        let ev = j.step(Step::HandoffStarted, t(15));
        assert_eq!(
            names(&ev),
            ["article_viewed", "feedback", "handoff_started"]
        );
        assert_eq!(
            ev[1],
            EventKind::Feedback {
                article_id: "export".into(),
                helpful: false,
                reason: Some(FeedbackReason::Outdated)
            }
        );
        assert_eq!(
            ev[2],
            EventKind::HandoffStarted {
                article_id: Some("export".into())
            }
        );
        let trail = j.trail(t(20));
        assert_eq!(trail.queries, ["export csv"]);
        assert_eq!(trail.articles.len(), 1);
        assert_eq!(trail.articles[0].dwell_ms, 14_000);
        assert_eq!(trail.articles[0].helpful, Some(false));
        assert_eq!(trail.articles[0].reason, Some(FeedbackReason::Outdated));
        assert_eq!(j.last_query(), Some("export csv"));

        let ev = j.step(
            Step::CaseSubmitted {
                case_id: "case-0001".into(),
            },
            t(60),
        );
        assert_eq!(names(&ev), ["case_submitted", "journey_ended"]);
        assert_eq!(j.outcome(), Some(JourneyOutcome::Escalated));
    }

    #[test]
    fn closing_abandons_a_journey_that_began_and_ignores_one_that_did_not() {
        let mut idle = Journey::new("journey-1", QueryText::Full);
        assert!(idle.step(Step::Closed, t(1)).is_empty());
        assert_eq!(idle.outcome(), None);

        let mut j = Journey::new("journey-2", QueryText::Full);
        j.step(typed("sso", 0), t(0));
        assert_eq!(names(&j.step(open("sso"), t(2))), ["search"]);
        let ev = j.step(Step::Closed, t(9));
        assert_eq!(names(&ev), ["article_viewed", "journey_ended"]);
        assert_eq!(
            ev.last(),
            Some(&EventKind::JourneyEnded {
                outcome: JourneyOutcome::Abandoned
            })
        );
    }

    #[test]
    fn query_text_none_keeps_counts_but_drops_the_words() {
        let mut j = Journey::new("journey-1", QueryText::None);
        j.step(typed("my secret project", 0), t(0));
        let ev = j.step(Step::QuerySettled, t(1));
        assert_eq!(
            ev,
            vec![EventKind::Search {
                query: None,
                results: 0,
                top_articles: vec![],
                good_answer: Some(false),
            }]
        );
    }

    #[test]
    fn the_trail_merges_revisits_and_includes_the_query_in_the_box() {
        let mut j = Journey::new("journey-1", QueryText::Full);
        j.step(typed("vpn", 2), t(0));
        j.step(open("vpn"), t(1));
        j.step(open("proxy"), t(11));
        j.step(open("vpn"), t(21));
        j.step(typed("vpn timeout", 1), t(40));
        let trail = j.trail(t(41));
        assert_eq!(trail.queries, ["vpn", "vpn timeout"]);
        let dwell: Vec<_> = trail
            .articles
            .iter()
            .map(|a| (a.id.as_str(), a.dwell_ms))
            .collect();
        assert_eq!(dwell, [("vpn", 30_000), ("proxy", 10_000)]);
    }

    #[test]
    fn event_ids_are_unique_and_valid() {
        use crate::wire::Validate;
        let mut j = Journey::new("4b1d3c7e-9f00-4000-8000-00000000abcd", QueryText::Full);
        j.step(typed("a", 1), t(0));
        let kinds = j.step(open("x"), t(1));
        let mut events = j.events(kinds, t(1));
        let kinds = j.step(Step::Closed, t(2));
        events.extend(j.events(kinds, t(2)));
        let ids: std::collections::HashSet<_> = events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids.len(), events.len());
        for e in &events {
            e.validate().unwrap();
        }
    }

    #[test]
    fn only_a_customer_action_starts_the_next_journey() {
        let mut current = CurrentJourney::new(QueryText::Full);
        let mut ids = ["journey-2", "journey-1"].map(String::from).to_vec();
        let mut new_id = || ids.pop().unwrap();
        // Opening, closing, an empty box: no journey, no events.
        assert!(current.step(Step::Closed, t(0), &mut new_id).is_empty());
        assert!(current
            .step(
                Step::Typed {
                    query: " ".into(),
                    answer: None
                },
                t(0),
                &mut new_id
            )
            .is_empty());
        assert!(current.running().is_none());
        // The first real step starts journey-1; a case ends it.
        current.step(open("a1"), t(1), &mut new_id);
        assert_eq!(current.running().unwrap().id(), "journey-1");
        let ended = current.step(
            Step::CaseSubmitted {
                case_id: "c1".into(),
            },
            t(2),
            &mut new_id,
        );
        assert_eq!(ended.last().unwrap().kind.type_name(), "journey_ended");
        assert!(current.running().is_none());
        assert_eq!(current.last().unwrap().id(), "journey-1");
        // Feedback or a close after the end belongs to nothing; a query starts journey-2.
        assert!(current.step(Step::Closed, t(3), &mut new_id).is_empty());
        current.step(typed("vat", 1), t(4), &mut new_id);
        assert_eq!(current.running().unwrap().id(), "journey-2");
    }
}
