//! Applies a change of the panel's view (see [`crate::view`]): after the new view is
//! rendered, focus moves to its heading, first field or message, content that appeared
//! below the fold is brought into view, and the panel's live region says what changed.
//! Focus that stays on a removed button falls to `<body>`, outside the dialog, where its
//! Escape and Tab handling no longer apply.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::view::View;

/// Moves focus when `view` changes and returns the live region's text: `announcement` as
/// it was when the view appeared (the text changes only with the view, so typing in the
/// search box does not repeat it; the search status has its own live region).
#[hook]
pub fn use_view_change(dialog: &NodeRef, view: View, announcement: String) -> String {
    let announced = use_state(String::new);
    {
        let (dialog, announced) = (dialog.clone(), announced.clone());
        use_effect_with(view, move |view| {
            if let Some(dialog) = dialog.cast::<web_sys::HtmlElement>() {
                let target = dialog
                    .query_selector(view.focus_target())
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
                // The dialog itself (tabindex -1) when the target is not there.
                let _ = target.as_ref().unwrap_or(&dialog).focus();
                if let Some(Ok(Some(section))) =
                    view.reveals_section().map(|s| dialog.query_selector(s))
                {
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                    section.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
            announced.set(announcement);
        });
    }
    (*announced).clone()
}
