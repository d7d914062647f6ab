//! Where this page's outbox is kept, and how a page takes over the outboxes of pages that
//! went away: plain logic over an [`OutboxShelf`] (local storage in the browser, a map in
//! the native tests), so the rules are tested without a browser.
//!
//! Each page writes only its own key (`outbox:<page id>`; see `outbox.rs` for why). Every
//! change reads the stored copy, changes it and saves it at once, bounding the history
//! (`privacy::bound_requests`) on the way. When storage refuses the write (full, disabled,
//! a sandboxed frame) the outbox lives on in memory: without that a case would be
//! acknowledged and never sent, since delivery reads the stored copy, which never changed.

use jiff::Timestamp;

use crate::outbox::Outbox;
use crate::privacy::bound_requests;

/// Each page's outbox is `outbox:<page id>`, written by that page alone.
pub const OUTBOX_PREFIX: &str = "outbox:";
/// The one outbox all tabs shared before per-page outboxes; adopted like a closed page's.
pub const SHARED_OUTBOX_KEY: &str = "outbox";

/// Whether `key` (without the storage prefix) is an outbox.
pub fn is_outbox_key(key: &str) -> bool {
    key == SHARED_OUTBOX_KEY || key.starts_with(OUTBOX_PREFIX)
}

/// The storage outboxes are kept in.
pub trait OutboxShelf {
    /// Every stored key (outboxes and others).
    fn keys(&self) -> Vec<String>;
    /// The outbox under `key`, empty when there is none (or it cannot be read).
    fn load(&self, key: &str) -> Outbox;
    /// Saves `outbox` under `key`; false when storage refused it.
    fn save(&self, key: &str, outbox: &Outbox) -> bool;
    fn remove(&self, key: &str);
}

/// This page's outbox: its key, and the in-memory copy while storage refuses it.
#[derive(Debug)]
pub struct PageOutbox {
    key: String,
    unsaved: Option<Outbox>,
}

impl PageOutbox {
    /// The outbox of the page with id `page_id`.
    pub fn new(page_id: &str) -> PageOutbox {
        PageOutbox {
            key: format!("{OUTBOX_PREFIX}{page_id}"),
            unsaved: None,
        }
    }

    /// True while the outbox lives only in memory (storage refused it).
    pub fn kept_in_memory(&self) -> bool {
        self.unsaved.is_some()
    }

    /// The outbox: the in-memory copy while storage refuses it, else the stored one.
    pub fn read(&self, shelf: &impl OutboxShelf) -> Outbox {
        self.unsaved
            .clone()
            .unwrap_or_else(|| shelf.load(&self.key))
    }

    /// Reads, changes and saves the outbox in one go, so nothing between two awaits is
    /// overwritten with a stale copy; the history is bounded as of `now`. An empty
    /// outbox takes no key.
    pub fn update<R>(
        &mut self,
        shelf: &impl OutboxShelf,
        now: Timestamp,
        change: impl FnOnce(&mut Outbox) -> R,
    ) -> R {
        let mut outbox = self.read(shelf);
        outbox.closed = false;
        let r = change(&mut outbox);
        bound_requests(&mut outbox, now);
        outbox.written_ms = now.as_millisecond() as f64;
        let saved = if outbox.is_empty() {
            shelf.remove(&self.key);
            true
        } else {
            shelf.save(&self.key, &outbox)
        };
        self.unsaved = (!saved).then_some(outbox);
        r
    }

    /// The outboxes of the other pages (tabs open now, or gone) with their keys.
    fn others(&self, shelf: &impl OutboxShelf) -> Vec<(String, Outbox)> {
        shelf
            .keys()
            .into_iter()
            .filter(|key| *key != self.key && is_outbox_key(key))
            .map(|key| {
                let other = shelf.load(&key);
                (key, other)
            })
            .collect()
    }

    /// Takes over the outboxes of pages that are gone (closed, reloaded, crashed), so
    /// what they queued is delivered from here; returns how many of the oldest events
    /// were dropped to stay within the bound. The other page's key is removed only once
    /// its contents are saved here: while storage refuses this page's outbox, nothing is
    /// adopted.
    pub fn adopt_orphans(&mut self, shelf: &impl OutboxShelf, now: Timestamp) -> usize {
        let mut dropped = 0;
        if self.kept_in_memory() {
            return dropped;
        }
        let now_ms = now.as_millisecond() as f64;
        for (key, other) in self.others(shelf) {
            if key == SHARED_OUTBOX_KEY || other.is_orphaned(now_ms) {
                dropped += self.update(shelf, now, |o| o.absorb(other));
                if self.kept_in_memory() {
                    break;
                }
                shelf.remove(&key);
            }
        }
        dropped
    }

    /// What "Your requests" shows: this page's outbox with every other tab's cases (not
    /// their events, which those tabs deliver themselves).
    pub fn browser_view(&self, shelf: &impl OutboxShelf, now: Timestamp) -> Outbox {
        let mut view = self.read(shelf);
        for (_, other) in self.others(shelf) {
            view.absorb(Outbox {
                events: Vec::new(),
                ..other
            });
        }
        bound_requests(&mut view, now);
        view
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeMap;

    use super::*;
    use crate::outbox::tests::{case, event};
    use crate::outbox::ORPHAN_AFTER_MS;

    /// Local storage as a map; `full` makes every save fail, as a full storage does.
    #[derive(Default)]
    pub(crate) struct MapShelf {
        pub(crate) stored: RefCell<BTreeMap<String, Outbox>>,
        pub(crate) full: Cell<bool>,
    }

    impl OutboxShelf for MapShelf {
        fn keys(&self) -> Vec<String> {
            self.stored.borrow().keys().cloned().collect()
        }
        fn load(&self, key: &str) -> Outbox {
            self.stored.borrow().get(key).cloned().unwrap_or_default()
        }
        fn save(&self, key: &str, outbox: &Outbox) -> bool {
            if self.full.get() {
                return false;
            }
            self.stored
                .borrow_mut()
                .insert(key.to_string(), outbox.clone());
            true
        }
        fn remove(&self, key: &str) {
            self.stored.borrow_mut().remove(key);
        }
    }

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millisecond(ms).unwrap()
    }

    #[test]
    fn each_change_is_saved_under_the_pages_own_key_and_an_empty_outbox_takes_none() {
        let shelf = MapShelf::default();
        let mut page = PageOutbox::new("p1");
        page.update(&shelf, at(1_000), |o| o.push_events(vec![event(1)]));
        assert_eq!(shelf.keys(), vec!["outbox:p1".to_string()]);
        assert_eq!(shelf.load("outbox:p1").written_ms, 1_000.0);
        page.update(&shelf, at(2_000), |o| {
            o.events_delivered(&["event-0001".into()])
        });
        assert!(shelf.keys().is_empty());
    }

    #[test]
    fn a_refused_save_keeps_the_outbox_in_memory_and_adopts_nothing() {
        let shelf = MapShelf::default();
        let mut gone = Outbox {
            closed: true,
            ..Outbox::default()
        };
        gone.queue_case(case("c-gone"), 0.0);
        shelf.save("outbox:p0", &gone);
        shelf.full.set(true);
        let mut page = PageOutbox::new("p1");
        page.update(&shelf, at(1_000), |o| o.queue_case(case("c1"), 1_000.0));
        assert!(page.kept_in_memory());
        assert!(
            page.read(&shelf).case("c1").is_some(),
            "the case is not lost"
        );
        assert_eq!(page.adopt_orphans(&shelf, at(2_000)), 0);
        assert!(
            shelf.load("outbox:p0").case("c-gone").is_some(),
            "the gone page's case stays where it is until it can be saved here"
        );
        shelf.full.set(false);
        page.update(&shelf, at(3_000), |_| ());
        assert!(!page.kept_in_memory());
        assert!(shelf.load("outbox:p1").case("c1").is_some());
    }

    #[test]
    fn only_closed_silent_or_legacy_outboxes_are_adopted_and_their_keys_removed() {
        let shelf = MapShelf::default();
        let mut closed = Outbox {
            closed: true,
            written_ms: 9_000.0,
            ..Outbox::default()
        };
        closed.queue_case(case("c-closed"), 0.0);
        let mut open = Outbox {
            written_ms: 9_000.0,
            ..Outbox::default()
        };
        open.queue_case(case("c-open"), 0.0);
        let mut silent = Outbox {
            written_ms: 0.0,
            ..Outbox::default()
        };
        silent.queue_case(case("c-silent"), 0.0);
        let mut legacy = Outbox::default();
        legacy.queue_case(case("c-legacy"), 0.0);
        shelf.save("outbox:closed", &closed);
        shelf.save("outbox:open", &open);
        shelf.save("outbox:silent", &silent);
        shelf.save(SHARED_OUTBOX_KEY, &legacy);
        shelf.save("draft", &Outbox::default());

        let now = ORPHAN_AFTER_MS as i64 + 5_000;
        let mut page = PageOutbox::new("p1");
        page.adopt_orphans(&shelf, at(now));
        let mine = shelf.load("outbox:p1");
        for adopted in ["c-closed", "c-silent", "c-legacy"] {
            assert!(mine.case(adopted).is_some(), "{adopted} adopted");
        }
        assert!(mine.case("c-open").is_none(), "a live tab keeps its own");
        assert_eq!(
            shelf.keys(),
            vec!["draft", "outbox:open", "outbox:p1"],
            "adopted keys are removed, others untouched"
        );
    }

    #[test]
    fn your_requests_lists_other_tabs_cases_but_not_their_events() {
        let shelf = MapShelf::default();
        let mut other = Outbox {
            written_ms: 1_000.0,
            ..Outbox::default()
        };
        other.queue_case(case("c-other"), 0.0);
        other.push_events(vec![event(7)]);
        shelf.save("outbox:p2", &other);
        let mut page = PageOutbox::new("p1");
        page.update(&shelf, at(1_000), |o| o.queue_case(case("c1"), 1_000.0));
        let view = page.browser_view(&shelf, at(1_000));
        assert!(view.request("c1").is_some() && view.request("c-other").is_some());
        assert!(view.events.is_empty());
        assert!(
            shelf.load("outbox:p2").case("c-other").is_some(),
            "viewing takes nothing over"
        );
    }
}
