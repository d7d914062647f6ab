//! Values the components share by identity: the loaded index and its life cycle, and what
//! a search of it means for the journey (searched, or typed before the index could be).

use std::rc::Rc;

use deflect_core::{SearchHit, SearchIndex};
use deflect_journey::Answer;

/// Something shared by identity: equal when it is the same allocation.
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where the index is in its life.
#[derive(Clone, PartialEq)]
pub enum IndexState {
    /// Not requested yet: nothing is downloaded before the panel first opens.
    Idle,
    /// Being fetched and opened.
    Loading,
    /// Ready to search.
    Ready(Shared<SearchIndex>),
    /// Could not be loaded; search is unavailable but contact still works.
    Failed(Rc<str>),
}

impl IndexState {
    /// The state's name on the host element (`data-deflect-state`).
    pub fn label(&self) -> &'static str {
        match self {
            IndexState::Idle => "idle",
            IndexState::Loading => "loading",
            IndexState::Ready(_) => "ready",
            IndexState::Failed(_) => "error",
        }
    }

    /// Suggestions for `query` (none until the index is ready).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        self.suggest(query, limit).0
    }

    /// Suggestions for `query` and what the journey records of them: `None` until the
    /// index is ready, because a query nobody could search yet is not a zero-result search.
    pub fn suggest(&self, query: &str, limit: usize) -> (Vec<SearchHit>, Option<Answer>) {
        let IndexState::Ready(Shared(index)) = self else {
            return (Vec::new(), None);
        };
        match index.suggest(query, limit) {
            Ok(s) => {
                let answer = Answer {
                    results: s.hits.len() as u32,
                    top_articles: s.hits.iter().map(|h| h.article.id.clone()).collect(),
                    good_answer: s.good_answer,
                };
                (s.hits, Some(answer))
            }
            Err(e) => {
                crate::platform::warn(&format!("deflect: search failed: {e}"));
                (Vec::new(), None)
            }
        }
    }
}
