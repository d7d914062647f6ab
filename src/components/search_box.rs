//! The search box: a WAI-ARIA combobox controlling the suggestions listbox.

use deflect_core::StoredArticle;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::panel_dispatch::PanelHandle;
use super::result_list::{option_id, LISTBOX_ID};
use crate::i18n::Texts;
use crate::panel_state::PanelAction;

/// Props of [`SearchBox`].
#[derive(Properties, PartialEq)]
pub struct SearchBoxProps {
    /// The customer's language.
    pub texts: &'static Texts,
    /// The search feature's state.
    pub state: PanelHandle,
    /// New text typed.
    pub on_input: Callback<String>,
    /// Enter on a suggestion.
    pub on_open: Callback<StoredArticle>,
}

/// Searches on every keystroke; arrows move through suggestions, Enter opens, Escape clears.
#[function_component(SearchBox)]
pub fn search_box(props: &SearchBoxProps) -> Html {
    let state = &props.state;
    let oninput = {
        let on_input = props.on_input.clone();
        Callback::from(move |e: InputEvent| {
            on_input.emit(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onkeydown = {
        let (state, on_open) = (state.clone(), props.on_open.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                e.prevent_default();
                state.dispatch(PanelAction::Move(if e.key() == "ArrowDown" {
                    1
                } else {
                    -1
                }));
            }
            "Enter" => {
                if let Some(hit) = state.enter_target() {
                    e.prevent_default();
                    on_open.emit(hit.article.clone());
                }
            }
            "Escape" if !state.query.is_empty() => {
                // Clearing is handled here; an empty box lets Escape close the panel.
                e.prevent_default();
                e.stop_propagation();
                state.dispatch(PanelAction::Clear);
            }
            _ => {}
        })
    };
    let expanded = !state.hits.is_empty();
    let active = state.active.map(option_id);
    html! {
        <div class="deflect-searchbar">
            <input class="deflect-search" type="search" role="combobox"
                aria-label={props.texts.search_label} aria-autocomplete="list"
                aria-controls={LISTBOX_ID} aria-expanded={expanded.to_string()}
                aria-activedescendant={active}
                placeholder={props.texts.search_placeholder}
                autocomplete="off" spellcheck="false" maxlength="500"
                value={state.query.clone()} {oninput} {onkeydown} />
        </div>
    }
}
