//! Every key the widget keeps in the browser, and the two ways they are forgotten: by age
//! when the widget starts, and all at once on `Deflect('reset')` (the customer signed out).
//!
//! Local storage, each key prefixed `deflect:v1:` (`platform.rs`):
//! - `draft`: the unsent contact form (subject, description, e-mail, name, category, the
//!   trail), saved on every keystroke once the customer typed; removed when the case is
//!   sent, when it expires (`draft_days`, default 7 days after the last edit) and on reset.
//! - `outbox:<page id>`: one per page: events and cases waiting for the collector, and the
//!   history "Your requests" lists (bounded: `privacy::bound_requests`). On reset the
//!   history goes; undelivered cases and events stay until delivered (then the key goes).
//! - `outbox`: the one outbox older widgets shared; adopted and removed like a closed
//!   page's.
//!
//! Session storage: nothing today; on reset every key beginning `deflect:` is removed all
//! the same, so a later addition cannot outlive a sign-out by mistake. Nothing is kept in
//! cookies or IndexedDB. Who the customer is (`identify`) and the journey in progress live
//! only in the page's memory (`session/mod.rs` forgets them on reset).

use crate::form::ContactDraft;
use crate::outbox::Outbox;
use crate::outbox_store::is_outbox_key;
use crate::platform;
use crate::privacy::{draft_expired, forget_history};

/// The unsent contact form.
pub const DRAFT_KEY: &str = "draft";
/// Session storage keys of the widget begin with this.
const SESSION_PREFIX: &str = "deflect:";

/// The saved contact draft, unless it is older than `days` (then it is removed).
pub fn saved_draft(days: f64) -> Option<ContactDraft> {
    let draft = platform::load::<Option<ContactDraft>>(DRAFT_KEY)?;
    if draft_expired(draft.saved_at_ms, platform::now_ms(), days) {
        platform::remove(DRAFT_KEY);
        return None;
    }
    Some(draft)
}

/// Saves the contact draft, stamped with the time (from which it expires).
pub fn save_draft(draft: &ContactDraft) {
    let draft = ContactDraft {
        saved_at_ms: Some(platform::now_ms()),
        ..draft.clone()
    };
    let _ = platform::save(DRAFT_KEY, &draft);
}

/// When the widget starts: removes what is past its time.
pub fn forget_expired(draft_days: f64) {
    let _ = saved_draft(draft_days);
}

/// `Deflect('reset')`: removes every personal trace the widget left in this browser: the
/// draft, the history of every page's outbox (what is still to be delivered stays, see
/// `privacy::forget_history`), any other key of the widget, and its session storage.
pub fn forget_all() {
    for key in platform::stored_keys() {
        if is_outbox_key(&key) {
            let mut outbox: Outbox = platform::load(&key);
            forget_history(&mut outbox);
            if outbox.is_empty() {
                platform::remove(&key);
            } else {
                // Smaller than before, so storage takes it; if it refused, the old copy
                // stays: losing a case the customer was promised would be worse.
                platform::save(&key, &outbox);
            }
        } else {
            platform::remove(&key);
        }
    }
    if let Some(session) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let keys: Vec<String> = (0..session.length().unwrap_or(0))
            .filter_map(|i| session.key(i).ok().flatten())
            .filter(|k| k.starts_with(SESSION_PREFIX))
            .collect();
        for key in keys {
            let _ = session.remove_item(&key);
        }
    }
}
