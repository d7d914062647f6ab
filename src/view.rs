//! Which view the panel shows, as far as a keyboard or screen-reader user is concerned:
//! every change of view moves focus to a meaningful element of the new one (its heading,
//! its first field, or the message that replaced the button just pressed) and is announced
//! in the panel's live region. Without that, pressing a button that the next view removes
//! ("Yes", "No", "Contact support", "Your requests") drops focus to `<body>`, where Escape
//! and Tab no longer reach the dialog.
//!
//! Plain data, tested natively; `components::panel` applies it after each render.

use crate::i18n::{fill, Texts};
use crate::panel_state::{FeedbackAnswer, PanelState, Screen};

/// The customer's answer to the open article, without the reason: picking a reason is
/// not a change of view (focus must stay on the radio button just chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Not answered yet.
    Not,
    /// "Yes".
    Solved,
    /// "No".
    NotSolved,
}

/// A view of the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The search box and suggestions.
    Search,
    /// Article `id`, with the customer's answer so far.
    Article {
        /// The article's id: opening another article is a new view.
        id: String,
        /// "Did this solve your problem?" answered how.
        answered: Answered,
    },
    /// The contact form.
    Contact,
    /// The acknowledgement of case `id`; `recorded` once the outbox holds it (before, a
    /// "saving" line stands in for the heading).
    Sent {
        /// The case id.
        id: String,
        /// Whether the outbox has the case yet.
        recorded: bool,
    },
    /// "Your requests".
    Requests,
}

impl View {
    /// The view `state` shows; `recorded` says whether the acknowledged case is in the
    /// outbox yet.
    pub fn of(state: &PanelState, recorded: impl Fn(&str) -> bool) -> View {
        match &state.screen {
            Screen::Article => match &state.article {
                Some(article) => View::Article {
                    id: article.meta.id.clone(),
                    answered: match article.feedback {
                        FeedbackAnswer::Unanswered => Answered::Not,
                        FeedbackAnswer::Solved => Answered::Solved,
                        FeedbackAnswer::NotSolved(_) => Answered::NotSolved,
                    },
                },
                None => View::Search,
            },
            Screen::Search => View::Search,
            Screen::Contact => View::Contact,
            Screen::Sent(id) => View::Sent {
                id: id.clone(),
                recorded: recorded(id),
            },
            Screen::Requests => View::Requests,
        }
    }

    /// CSS selector of the element that receives focus when this view appears (the
    /// dialog itself when it is not there).
    pub fn focus_target(&self) -> &'static str {
        match self {
            View::Search => "input.deflect-search",
            View::Article {
                answered: Answered::Not,
                ..
            } => "#deflect-article-title",
            View::Article {
                answered: Answered::Solved,
                ..
            } => ".deflect-thanks",
            View::Article {
                answered: Answered::NotSolved,
                ..
            } => ".deflect-sorry",
            View::Contact => "#deflect-form-title",
            View::Sent { .. } => "#deflect-ack-title",
            View::Requests => "#deflect-requests-title",
        }
    }

    /// Whether the view's new content sits below what was on screen and must be brought
    /// into view as a whole (the reasons after "No" appeared below the fold).
    pub fn reveals_section(&self) -> Option<&'static str> {
        match self {
            View::Article {
                answered: Answered::NotSolved,
                ..
            } => Some(".deflect-feedback"),
            _ => None,
        }
    }
}

/// What a view's appearance says in the live region, besides the focused element.
pub struct Announced<'a> {
    /// The search screen's status line ("5 articles").
    pub search_status: &'a str,
    /// The open article's title.
    pub article_title: &'a str,
    /// The acknowledged case's reference (`DF-…`).
    pub reference: &'a str,
    /// The acknowledgement's heading as shown: where the request is (saved on this
    /// device, sent, …), never "we've got it" before the collector confirmed it.
    pub ack_heading: &'a str,
    /// How many requests "Your requests" lists.
    pub requests: usize,
}

impl View {
    /// The live-region text announcing this view.
    pub fn announcement(&self, t: &Texts, facts: &Announced) -> String {
        match self {
            View::Search => facts.search_status.to_string(),
            View::Article {
                answered: Answered::Not,
                ..
            } => fill(t.announce_article, &[("title", facts.article_title)]),
            View::Article {
                answered: Answered::Solved,
                ..
            } => t.thanks_solved.to_string(),
            View::Article {
                answered: Answered::NotSolved,
                ..
            } => format!("{} {}", t.sorry_not_solved, t.what_was_wrong),
            View::Contact => t.announce_contact.to_string(),
            View::Sent {
                recorded: false, ..
            } => t.saving_request.to_string(),
            View::Sent { .. } => format!(
                "{} {}",
                facts.ack_heading,
                fill(t.your_reference, &[("reference", facts.reference)])
            ),
            View::Requests => fill(t.your_requests_n, &[("n", &facts.requests.to_string())]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel_state::{test_article as article, PanelAction};
    use deflect_journey::FeedbackReason;

    #[test]
    fn every_screen_has_a_focus_target_and_answers_change_the_view() {
        let none = |_: &str| false;
        let s = PanelState::default();
        assert_eq!(View::of(&s, none), View::Search);
        let s = s.apply(PanelAction::ShowArticle(article("a")));
        let read = View::of(&s, none);
        assert_eq!(read.focus_target(), "#deflect-article-title");
        let s = s.apply(PanelAction::Feedback(FeedbackAnswer::NotSolved(None)));
        let no = View::of(&s, none);
        assert_ne!(no, read, "\"No\" replaces its button: a new view");
        assert_eq!(no.focus_target(), ".deflect-sorry");
        assert_eq!(no.reveals_section(), Some(".deflect-feedback"));
        let s = s.apply(PanelAction::Feedback(FeedbackAnswer::NotSolved(Some(
            FeedbackReason::Unclear,
        ))));
        assert_eq!(View::of(&s, none), no, "choosing a reason keeps the view");
        let s = s.apply(PanelAction::ShowContact);
        assert_eq!(View::of(&s, none).focus_target(), "#deflect-form-title");
        let s = s.apply(PanelAction::ShowSent("c1".into()));
        assert_ne!(View::of(&s, none), View::of(&s, |_| true));
        assert_eq!(View::of(&s, |_| true).focus_target(), "#deflect-ack-title");
        let s = s.apply(PanelAction::ShowRequests);
        assert_eq!(View::of(&s, none).focus_target(), "#deflect-requests-title");

        let other = PanelState::default()
            .apply(PanelAction::ShowArticle(article("b")))
            .apply(PanelAction::Feedback(FeedbackAnswer::Solved));
        assert_eq!(View::of(&other, none).focus_target(), ".deflect-thanks");
        let next = other.apply(PanelAction::ShowArticle(article("c")));
        assert_eq!(
            View::of(&next, none),
            View::Article {
                id: "c".into(),
                answered: Answered::Not
            },
            "another article is another view"
        );
    }

    #[test]
    fn every_view_announces_itself() {
        let t = crate::i18n::Locale::En.texts();
        let facts = Announced {
            search_status: "5 articles",
            article_title: "Reset your password",
            reference: "DF-0A1B2C3D",
            ack_heading: t.ack_heading_saved,
            requests: 2,
        };
        let article = |answered| View::Article {
            id: "a".into(),
            answered,
        };
        let said = |v: View| v.announcement(t, &facts);
        assert_eq!(said(View::Search), "5 articles");
        assert_eq!(said(article(Answered::Not)), "Article: Reset your password");
        assert_eq!(said(article(Answered::Solved)), t.thanks_solved);
        assert!(said(article(Answered::NotSolved)).starts_with(t.sorry_not_solved));
        assert_eq!(said(View::Contact), t.announce_contact);
        let sent = |recorded| View::Sent {
            id: "c".into(),
            recorded,
        };
        assert_eq!(said(sent(false)), t.saving_request);
        assert!(said(sent(true)).contains("DF-0A1B2C3D"));
        assert!(
            said(sent(true)).starts_with(t.ack_heading_saved),
            "the heading as shown, not \"we've got it\" before delivery"
        );
        assert_eq!(said(View::Requests), "Your requests (2)");
    }
}
