//! The search screen: the search box, its status line, "Did you mean", and the
//! suggestions (or, when nothing matches or search is unavailable, a way to a human).

use deflect_core::StoredArticle;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::app::{IndexState, Shared};
use super::panel_dispatch::PanelHandle;
use super::result_list::ResultList;
use super::search_box::SearchBox;
use crate::i18n::{fill, Texts};
use crate::panel_state::PanelState;

/// Below this many suggestions, a spelling from the index's vocabulary is offered too.
const FEW_RESULTS: usize = 3;

/// The status line: loading, unavailable, a prompt, or how many articles match.
pub fn status_text(state: &PanelState, index: &IndexState, t: &Texts) -> String {
    match index {
        IndexState::Idle | IndexState::Loading => t.loading_articles.into(),
        IndexState::Failed(_) => t.search_unavailable.into(),
        IndexState::Ready(_) if state.query.trim().is_empty() => t.type_question.into(),
        IndexState::Ready(_) => match state.hits.len() {
            0 => t.no_match_short.into(),
            1 => t.one_article.into(),
            n => fill(t.n_articles, &[("n", &n.to_string())]),
        },
    }
}

/// Props of [`SearchScreen`].
#[derive(Properties, PartialEq)]
pub struct SearchScreenProps {
    /// The customer's language.
    pub texts: &'static Texts,
    /// The panel's state.
    pub state: PanelHandle,
    /// The index's state.
    pub index: IndexState,
    /// New text in the search box.
    pub on_input: Callback<String>,
    /// A suggestion was chosen.
    pub on_open_article: Callback<StoredArticle>,
    /// "Contact support".
    pub on_contact: Callback<MouseEvent>,
}

/// The screen.
#[function_component(SearchScreen)]
pub fn search_screen(props: &SearchScreenProps) -> Html {
    let (state, t) = (&props.state, props.texts);
    // Asked once per query, not on every render of the panel.
    let did_you_mean = use_memo(
        (
            props.index.clone(),
            state.query.clone(),
            state.hits.len() < FEW_RESULTS && !state.from_context,
        ),
        |(index, query, few)| match index {
            IndexState::Ready(Shared(index)) if *few && !query.trim().is_empty() => {
                index.did_you_mean(query)
            }
            _ => None,
        },
    );
    let did_you_mean = (*did_you_mean).clone();
    let no_match = matches!(props.index, IndexState::Ready(_))
        && !state.query.trim().is_empty()
        && state.hits.is_empty();
    let contact_button = html! {
        <button type="button" class="deflect-contact" onclick={props.on_contact.clone()}>{ t.contact_support }</button>
    };
    let accept_suggestion = |suggestion: String| {
        let on_input = props.on_input.clone();
        Callback::from(move |e: MouseEvent| {
            // The suggestion's button goes away with the new results: keep focus in the
            // search box rather than let it fall out of the dialog.
            let searchbar = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|b| b.closest(".deflect-panel").ok().flatten())
                .and_then(|panel| panel.query_selector("input.deflect-search").ok().flatten())
                .and_then(|input| input.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(input) = searchbar {
                let _ = input.focus();
            }
            on_input.emit(suggestion.clone())
        })
    };
    html! {
        <>
            <SearchBox texts={t} state={state.clone()} on_input={props.on_input.clone()} on_open={props.on_open_article.clone()} />
            <p class="deflect-status" role="status" aria-live="polite">{ status_text(state, &props.index, t) }</p>
            if let Some(suggestion) = did_you_mean {
                <p class="deflect-suggestion"><button type="button" class="deflect-did-you-mean" onclick={accept_suggestion(suggestion.clone())}>
                    { fill(t.did_you_mean, &[("suggestion", &suggestion)]) }
                </button></p>
            }
            if no_match {
                <div class="deflect-empty">
                    <p>{ t.no_match_long }</p>
                    { contact_button.clone() }
                </div>
            } else if matches!(props.index, IndexState::Failed(_)) {
                <div class="deflect-empty">{ contact_button.clone() }</div>
            } else {
                if state.from_context && !state.hits.is_empty() {
                    <p class="deflect-context-heading">{ t.context_suggestions }</p>
                }
                <ResultList texts={t} hits={state.hits.clone()} active={state.active} on_open={props.on_open_article.clone()} />
            }
        </>
    }
}
