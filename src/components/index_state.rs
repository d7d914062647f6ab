//! Values the components share by identity: the loaded index and its life cycle.

use std::rc::Rc;

use deflect_core::SearchIndex;

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
    pub fn search(&self, query: &str, limit: usize) -> Vec<deflect_core::SearchHit> {
        match self {
            IndexState::Ready(Shared(index)) => index.search(query, limit).unwrap_or_else(|e| {
                crate::platform::warn(&format!("deflect: search failed: {e}"));
                Vec::new()
            }),
            _ => Vec::new(),
        }
    }
}
