//! The panel's state: what the customer typed, the suggestions, which one is active, the
//! open article and its feedback, and which screen is showing. One reducer owns every
//! transition, so keyboard, mouse and programmatic actions cannot disagree; and
//! [`PanelState::journey_step`] says which journey step each action implies, so the panel
//! and the journey cannot disagree either (`components::panel_dispatch` applies both).

use std::rc::Rc;

use deflect_core::{SearchHit, StoredArticle};
use deflect_journey::{Answer, FeedbackReason, Step};

/// Most suggestions shown at once.
pub const MAX_SUGGESTIONS: usize = 8;

/// The body of the open article.
#[derive(Debug, Clone, PartialEq)]
pub enum ArticleBody {
    /// Being fetched.
    Loading,
    /// Sanitized HTML, ready to show.
    Loaded(Rc<str>),
    /// Could not be fetched; the message says why.
    Failed(String),
}

/// The customer's answer to "Did this solve your problem?" for the open article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedbackAnswer {
    /// Not answered yet.
    #[default]
    Unanswered,
    /// Yes: the journey is resolved.
    Solved,
    /// No, with the reason once the customer picks one.
    NotSolved(Option<FeedbackReason>),
}

/// The article being read.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenArticle {
    /// Its stored fields.
    pub meta: StoredArticle,
    /// Its body.
    pub body: ArticleBody,
    /// The customer's feedback on it.
    pub feedback: FeedbackAnswer,
}

/// What the panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Screen {
    /// The search box and suggestions.
    #[default]
    Search,
    /// The open article.
    Article,
    /// The contact form.
    Contact,
    /// The acknowledgement of case `0` (its id).
    Sent(String),
    /// "Your requests": cases sent from this browser.
    Requests,
}

/// State of the search feature.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PanelState {
    /// Whether the panel is open.
    pub open: bool,
    /// The text in the search box.
    pub query: String,
    /// Suggestions for `query`.
    pub hits: Rc<Vec<SearchHit>>,
    /// Index of the keyboard-active suggestion.
    pub active: Option<usize>,
    /// The article being read, if any.
    pub article: Option<OpenArticle>,
    /// What the panel shows.
    pub screen: Screen,
    /// Whether `hits` were found for the host page's context rather than typed words.
    pub from_context: bool,
    /// Whether `query` waits for pieces of the index before it can be searched: `hits` are
    /// still the previous query's, and nothing new is painted yet.
    pub pending: bool,
}

/// Everything that can happen to the search feature.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelAction {
    /// The launcher or the API opened the panel.
    OpenPanel,
    /// The panel was closed.
    ClosePanel,
    /// New input and its suggestions.
    Results {
        /// The input.
        query: String,
        /// Its suggestions.
        hits: Vec<SearchHit>,
        /// What the index answered, for the journey; `None` while it could not search
        /// (a query nobody could search yet is not a zero-result search).
        answer: Option<Answer>,
    },
    /// New input that waits for pieces of the index: the box shows it, the suggestions stay
    /// those of the previous input until its own arrive (no flash of "no match").
    Typed(String),
    /// Suggestions for the host page's context, shown while the box is empty.
    ContextResults(Vec<SearchHit>),
    /// Escape in a non-empty box.
    Clear,
    /// Arrow keys: +1 down, -1 up; wraps around.
    Move(isize),
    /// Open an article (its body is then fetched).
    ShowArticle(StoredArticle),
    /// The body of article `id` arrived or failed.
    ArticleBody {
        /// Which article.
        id: String,
        /// The HTML, or why it failed.
        body: Result<String, String>,
    },
    /// Back: from the contact form to the article it was opened from (or the
    /// suggestions), from anything else to the suggestions.
    Back,
    /// The customer answered "Did this solve your problem?".
    Feedback(FeedbackAnswer),
    /// Open the contact form.
    ShowContact,
    /// Show the acknowledgement of a submitted case.
    ShowSent(String),
    /// Show "Your requests".
    ShowRequests,
}

/// Links between articles arrive as `href="#article:<id>"` (written by the indexer). A
/// fragment that names no element is a broken in-page link to assistive technology, so
/// they become `?deflect-article=<id>` links carrying `data-deflect-article`, which the
/// article view opens in place.
pub fn article_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("href=\"#article:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "href=\"#article:".len()..];
        let end = after.find('"').unwrap_or(after.len());
        let id = &after[..end];
        let id = id.split('#').next().unwrap_or(id);
        out.push_str(&format!(
            "href=\"?deflect-article={id}\" data-deflect-article=\"{id}"
        ));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

impl PanelState {
    /// Applies one action.
    pub fn apply(mut self, action: PanelAction) -> PanelState {
        match action {
            PanelAction::OpenPanel => self.open = true,
            PanelAction::ClosePanel => {
                self.open = false;
                self.article = None;
                self.screen = Screen::Search;
            }
            PanelAction::Typed(query) => {
                self.query = query;
                self.pending = true;
            }
            PanelAction::Results { query, hits, .. } => {
                self.from_context = false;
                self.pending = false;
                self.query = query;
                self.hits = Rc::new(hits.into_iter().take(MAX_SUGGESTIONS).collect());
                self.active = None;
            }
            PanelAction::ContextResults(hits) => {
                if self.query.trim().is_empty() {
                    self.query.clear();
                    self.hits = Rc::new(hits.into_iter().take(MAX_SUGGESTIONS).collect());
                    self.active = None;
                    self.from_context = true;
                }
            }
            PanelAction::Clear => {
                self.from_context = false;
                self.query.clear();
                self.hits = Rc::default();
                self.active = None;
            }
            PanelAction::Move(delta) => {
                let n = self.hits.len() as isize;
                if n > 0 {
                    let next = match self.active {
                        None if delta >= 0 => 0,
                        None => n - 1,
                        Some(i) => (i as isize + delta).rem_euclid(n),
                    };
                    self.active = Some(next as usize);
                }
            }
            PanelAction::ShowArticle(meta) => {
                self.article = Some(OpenArticle {
                    meta,
                    body: ArticleBody::Loading,
                    feedback: FeedbackAnswer::Unanswered,
                });
                self.screen = Screen::Article;
            }
            PanelAction::ArticleBody { id, body } => {
                // A late answer for an article the customer already left is dropped.
                if let Some(article) = self.article.as_mut().filter(|a| a.meta.id == id) {
                    article.body = match body {
                        Ok(html) => ArticleBody::Loaded(article_links(&html).into()),
                        Err(e) => ArticleBody::Failed(e),
                    };
                }
            }
            PanelAction::Back => match self.screen {
                Screen::Contact if self.article.is_some() => self.screen = Screen::Article,
                _ => {
                    self.article = None;
                    self.screen = Screen::Search;
                }
            },
            PanelAction::Feedback(answer) => {
                if let Some(article) = self.article.as_mut() {
                    // A "Yes" is final; a "No" can gain a reason.
                    if article.feedback != FeedbackAnswer::Solved {
                        article.feedback = answer;
                    }
                }
            }
            PanelAction::ShowContact => self.screen = Screen::Contact,
            PanelAction::ShowSent(id) => {
                self.article = None;
                self.screen = Screen::Sent(id);
            }
            PanelAction::ShowRequests => self.screen = Screen::Requests,
        }
        self
    }

    /// The journey step `action` implies, judged on the state before it. Every action
    /// reaches the journey through here, so a new way to clear the box, open the contact
    /// form or leave an article cannot forget to tell it.
    pub fn journey_step(&self, action: &PanelAction) -> Option<Step> {
        match action {
            PanelAction::Results { query, answer, .. } => Some(Step::Typed {
                query: query.clone(),
                answer: answer.clone(),
            }),
            // In the box while the pieces of the index it reads arrive: in the trail, not
            // yet a search (its Results record the answer).
            PanelAction::Typed(query) => Some(Step::Typed {
                query: query.clone(),
                answer: None,
            }),
            // The box is empty now: what was erased is not the customer's question.
            PanelAction::Clear => Some(Step::Typed {
                query: String::new(),
                answer: None,
            }),
            PanelAction::ShowArticle(meta) => Some(Step::ArticleOpened {
                id: meta.id.clone(),
                title: meta.title.clone(),
            }),
            PanelAction::Back if self.screen == Screen::Article => Some(Step::ArticleClosed),
            PanelAction::Feedback(FeedbackAnswer::Solved) => Some(Step::Feedback {
                helpful: true,
                reason: None,
            }),
            PanelAction::Feedback(FeedbackAnswer::NotSolved(reason)) => Some(Step::Feedback {
                helpful: false,
                reason: *reason,
            }),
            // However the form is reached (the button, a saved draft resumed on opening),
            // a handoff starts; showing it again while it is open is not a new one.
            PanelAction::ShowContact if self.screen != Screen::Contact => {
                Some(Step::HandoffStarted)
            }
            PanelAction::ClosePanel if self.open => Some(Step::Closed),
            PanelAction::OpenPanel
            | PanelAction::ClosePanel
            | PanelAction::ContextResults(_)
            | PanelAction::Move(_)
            | PanelAction::ArticleBody { .. }
            | PanelAction::Back
            | PanelAction::Feedback(FeedbackAnswer::Unanswered)
            | PanelAction::ShowContact
            // The case itself is recorded by the session when it is queued.
            | PanelAction::ShowSent(_)
            | PanelAction::ShowRequests => None,
        }
    }

    /// The suggestion Enter would open: the active one, else the first.
    pub fn enter_target(&self) -> Option<&SearchHit> {
        self.hits.get(self.active.unwrap_or(0))
    }
}

/// An article named `id` (title `id`, body `{id}.html`), for this crate's tests.
#[cfg(test)]
pub(crate) fn test_article(id: &str) -> StoredArticle {
    StoredArticle {
        id: id.into(),
        title: id.into(),
        url: String::new(),
        category: String::new(),
        excerpt: String::new(),
        html: format!("{id}.html"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str) -> SearchHit {
        SearchHit {
            article: test_article(id),
            score: 1.0,
            title: Default::default(),
            excerpt: Default::default(),
            section: None,
        }
    }

    fn with_hits(n: usize) -> PanelState {
        let hits = (0..n).map(|i| hit(&format!("a{i}"))).collect();
        PanelState::default().apply(PanelAction::Results {
            query: "q".into(),
            hits,
            answer: None,
        })
    }

    #[test]
    fn input_waiting_for_index_pieces_keeps_the_previous_suggestions_until_its_own_arrive() {
        let s = with_hits(3).apply(PanelAction::Typed("qu".into()));
        assert_eq!((s.query.as_str(), s.hits.len(), s.pending), ("qu", 3, true));
        let s = s.apply(PanelAction::Results {
            query: "qu".into(),
            hits: Vec::new(),
            answer: None,
        });
        assert_eq!((s.hits.len(), s.pending), (0, false));
    }

    #[test]
    fn arrows_wrap_and_enter_targets_the_active_hit() {
        let s = with_hits(3);
        assert_eq!(s.enter_target().unwrap().article.id, "a0");
        let s = s.apply(PanelAction::Move(-1));
        assert_eq!(s.active, Some(2));
        let s = s.apply(PanelAction::Move(1));
        assert_eq!(s.active, Some(0));
        let s = s.apply(PanelAction::Move(1));
        assert_eq!(s.enter_target().unwrap().article.id, "a1");
        assert_eq!(with_hits(0).apply(PanelAction::Move(1)).active, None);
    }

    #[test]
    fn new_results_reset_the_active_hit_and_are_capped() {
        let s = with_hits(20).apply(PanelAction::Move(1));
        assert_eq!(s.hits.len(), MAX_SUGGESTIONS);
        let s = s.apply(PanelAction::Results {
            query: "qq".into(),
            hits: vec![hit("b")],
            answer: None,
        });
        assert_eq!((s.active, s.query.as_str()), (None, "qq"));
    }

    #[test]
    fn late_article_bodies_for_another_article_are_dropped() {
        let s = with_hits(2).apply(PanelAction::ShowArticle(hit("a1").article));
        let s = s.apply(PanelAction::ArticleBody {
            id: "a0".into(),
            body: Ok("<p>x</p>".into()),
        });
        assert_eq!(s.article.as_ref().unwrap().body, ArticleBody::Loading);
        let s = s.apply(PanelAction::ArticleBody {
            id: "a1".into(),
            body: Err("404".into()),
        });
        assert_eq!(
            s.article.as_ref().unwrap().body,
            ArticleBody::Failed("404".into())
        );
        let s = s.apply(PanelAction::Back);
        assert!(s.article.is_none());
        assert_eq!(s.hits.len(), 2, "going back keeps the suggestions");
    }

    #[test]
    fn screens_follow_the_journey_and_back_retraces_it() {
        let s = with_hits(2).apply(PanelAction::ShowArticle(hit("a1").article));
        assert_eq!(s.screen, Screen::Article);
        let s = s.apply(PanelAction::Feedback(FeedbackAnswer::NotSolved(None)));
        let s = s.apply(PanelAction::Feedback(FeedbackAnswer::NotSolved(Some(
            FeedbackReason::Unclear,
        ))));
        assert_eq!(
            s.article.as_ref().unwrap().feedback,
            FeedbackAnswer::NotSolved(Some(FeedbackReason::Unclear))
        );
        let s = s.apply(PanelAction::ShowContact);
        assert_eq!(s.screen, Screen::Contact);
        let s = s.apply(PanelAction::Back);
        assert_eq!(
            s.screen,
            Screen::Article,
            "back from the form returns to the article"
        );
        let s = s.apply(PanelAction::Back);
        assert_eq!(
            (s.screen.clone(), s.article.is_none()),
            (Screen::Search, true)
        );
        let s = s.apply(PanelAction::ShowContact).apply(PanelAction::Back);
        assert_eq!(s.screen, Screen::Search);
        let s = s.apply(PanelAction::ShowSent("case-1".into()));
        assert_eq!(s.screen, Screen::Sent("case-1".into()));
    }

    #[test]
    fn context_suggestions_never_replace_typed_ones() {
        let s = PanelState::default().apply(PanelAction::ContextResults(vec![hit("ctx")]));
        assert!(s.from_context);
        assert_eq!(s.hits[0].article.id, "ctx");
        let s = with_hits(2).apply(PanelAction::ContextResults(vec![hit("ctx")]));
        assert!(!s.from_context, "the customer's words win");
        assert_eq!(s.hits.len(), 2);
    }

    #[test]
    fn links_between_articles_open_in_place() {
        assert_eq!(
            article_links(
                r##"<p>See <a href="#article:billing/vat#rates">VAT</a> or <a href="https://x.example/">x</a>.</p>"##
            ),
            r#"<p>See <a href="?deflect-article=billing/vat" data-deflect-article="billing/vat">VAT</a> or <a href="https://x.example/">x</a>.</p>"#
        );
        assert_eq!(article_links("<p>plain</p>"), "<p>plain</p>");
    }

    #[test]
    fn yes_is_final() {
        let s = with_hits(1)
            .apply(PanelAction::ShowArticle(hit("a0").article))
            .apply(PanelAction::Feedback(FeedbackAnswer::Solved))
            .apply(PanelAction::Feedback(FeedbackAnswer::NotSolved(None)));
        assert_eq!(s.article.unwrap().feedback, FeedbackAnswer::Solved);
    }

    #[test]
    fn clear_and_close() {
        let s = with_hits(2)
            .apply(PanelAction::OpenPanel)
            .apply(PanelAction::Clear);
        assert!(s.query.is_empty() && s.hits.is_empty() && s.open);
        let s = s
            .apply(PanelAction::ShowArticle(hit("x").article))
            .apply(PanelAction::ClosePanel);
        assert!(!s.open && s.article.is_none());
    }

    /// Drives the reducer and a real journey the way `components::panel_dispatch` does:
    /// each action's step (judged on the state before it), then the action.
    fn drive(actions: Vec<PanelAction>) -> (PanelState, deflect_journey::Journey, Vec<String>) {
        let mut journey =
            deflect_journey::Journey::new("journey-1", deflect_journey::QueryText::Full);
        let mut state = PanelState::default();
        let mut events = Vec::new();
        for (i, action) in actions.into_iter().enumerate() {
            if let Some(step) = state.journey_step(&action) {
                let now = jiff::Timestamp::from_second(1_790_000_000 + i as i64).unwrap();
                for e in journey.step(step, now) {
                    events.push(e.type_name().to_string());
                }
            }
            state = state.apply(action);
        }
        (state, journey, events)
    }

    fn typed(q: &str) -> PanelAction {
        PanelAction::Results {
            query: q.into(),
            hits: Vec::new(),
            answer: None,
        }
    }

    #[test]
    fn text_cleared_with_escape_is_not_the_customers_question() {
        // Typed, not settled, cleared with Escape: the contact subject must not be it.
        let (_, journey, _) = drive(vec![
            PanelAction::OpenPanel,
            typed("my account number is 1234"),
            PanelAction::Clear,
            PanelAction::ShowContact,
        ]);
        assert_eq!(journey.last_query(), None);
        // A question settled before stays the subject.
        let mut actions = vec![PanelAction::OpenPanel, typed("reset password")];
        let (state, mut journey, _) = drive(std::mem::take(&mut actions));
        let now = jiff::Timestamp::from_second(1_790_000_100).unwrap();
        journey.step(Step::QuerySettled, now);
        let clear = state.journey_step(&PanelAction::Clear).unwrap();
        journey.step(clear, now);
        assert_eq!(journey.last_query(), Some("reset password"));
    }

    #[test]
    fn resuming_a_saved_draft_starts_a_handoff_once() {
        // Opening the panel on a saved draft shows the form: that is a handoff.
        let (state, _, events) = drive(vec![PanelAction::OpenPanel, PanelAction::ShowContact]);
        assert_eq!(state.screen, Screen::Contact);
        assert_eq!(events, vec!["handoff_started"]);
        // Showing the form while it is open is not a second one.
        assert_eq!(state.journey_step(&PanelAction::ShowContact), None);
    }

    #[test]
    fn each_customer_action_reaches_the_journey() {
        let (_, _, events) = drive(vec![
            PanelAction::OpenPanel,
            PanelAction::Results {
                query: "vat".into(),
                hits: vec![hit("a0")],
                answer: Some(deflect_journey::Answer {
                    results: 1,
                    top_articles: vec!["a0".into()],
                    good_answer: true,
                }),
            },
            PanelAction::ShowArticle(hit("a0").article),
            PanelAction::Feedback(FeedbackAnswer::NotSolved(None)),
            PanelAction::Back,
            PanelAction::ShowContact,
            PanelAction::ClosePanel,
        ]);
        // Opening the article settles the query (a search), feedback is recorded, the
        // handoff starts, closing ends the visit.
        assert!(events.contains(&"search".to_string()), "{events:?}");
        assert!(events.contains(&"feedback".to_string()), "{events:?}");
        assert!(
            events.contains(&"handoff_started".to_string()),
            "{events:?}"
        );
        // Back from the search screen, or closing a closed panel, says nothing.
        let closed = PanelState::default();
        assert_eq!(closed.journey_step(&PanelAction::ClosePanel), None);
        assert_eq!(closed.journey_step(&PanelAction::Back), None);
    }
}
