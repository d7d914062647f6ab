//! This page's outbox in the browser: the one `PageOutbox` of the page, kept on local
//! storage, and the session's ways to read and change it and to tell "Your requests" when
//! it changed. The rules (read-change-save, in memory when storage refuses, adopting gone
//! pages) are `outbox_store.rs`'s, tested natively; this is only the glue.

use std::cell::RefCell;
use std::rc::Rc;

use yew::Callback;

use super::Session;
use crate::outbox::Outbox;
use crate::outbox_store::{OutboxShelf, PageOutbox};
use crate::platform;

thread_local! {
    // This page's outbox (`outbox:<page id>`), one per page. While local storage refuses
    // it, it lives here in memory: it is delivered while the page lives, and handed to
    // `sendBeacon` when the page goes away.
    static PAGE_OUTBOX: RefCell<PageOutbox> = RefCell::new(PageOutbox::new(&platform::new_id()));
}

/// True while the outbox lives only in memory (local storage refused it).
pub fn outbox_kept_in_memory() -> bool {
    PAGE_OUTBOX.with(|p| p.borrow().kept_in_memory())
}

/// Local storage, as the shelf outboxes are kept on.
struct LocalStorage;

impl OutboxShelf for LocalStorage {
    fn keys(&self) -> Vec<String> {
        platform::stored_keys()
    }
    fn load(&self, key: &str) -> Outbox {
        platform::load(key)
    }
    fn save(&self, key: &str, outbox: &Outbox) -> bool {
        platform::save(key, outbox)
    }
    fn remove(&self, key: &str) {
        platform::remove(key)
    }
}

impl Session {
    /// This page's outbox.
    pub(super) fn read_outbox(&self) -> Outbox {
        PAGE_OUTBOX.with(|p| p.borrow().read(&LocalStorage))
    }

    /// Reads, changes and saves this page's outbox in one go (`PageOutbox::update`).
    pub(super) fn update_outbox<R>(&self, change: impl FnOnce(&mut Outbox) -> R) -> R {
        PAGE_OUTBOX.with(|p| {
            p.borrow_mut()
                .update(&LocalStorage, platform::now(), change)
        })
    }

    /// Takes over the outboxes of pages that are gone (`PageOutbox::adopt_orphans`).
    pub(super) fn adopt_orphans(&self) {
        let dropped =
            PAGE_OUTBOX.with(|p| p.borrow_mut().adopt_orphans(&LocalStorage, platform::now()));
        if dropped > 0 {
            platform::warn(&format!(
                "deflect: dropped the {dropped} oldest queued events"
            ));
        }
    }

    /// What "Your requests" shows: this page's outbox with every other tab's cases.
    fn browser_view(&self) -> Outbox {
        PAGE_OUTBOX.with(|p| p.borrow().browser_view(&LocalStorage, platform::now()))
    }

    /// Tells `callback` whenever the outbox changes (for "Your requests").
    pub fn subscribe(&self, callback: Callback<Rc<Outbox>>) {
        callback.emit(Rc::new(self.browser_view()));
        *self.on_outbox.borrow_mut() = Some(callback);
    }

    pub(super) fn changed(&self) {
        if let Some(cb) = self.on_outbox.borrow().as_ref() {
            cb.emit(Rc::new(self.browser_view()));
        }
    }
}
