//! The suggestions: a listbox of articles with highlighted titles and excerpts.

use std::rc::Rc;

use deflect_core::{SearchHit, StoredArticle};
use yew::prelude::*;

use super::highlighted::HighlightedText;
use crate::i18n::Texts;

/// Id of the listbox, referenced by the combobox.
pub const LISTBOX_ID: &str = "deflect-results";

/// Id of the option at `index`, referenced by `aria-activedescendant`.
pub fn option_id(index: usize) -> String {
    format!("deflect-option-{index}")
}

/// Props of [`ResultList`].
#[derive(Properties, PartialEq)]
pub struct ResultListProps {
    /// The customer's language.
    pub texts: &'static Texts,
    /// The suggestions.
    pub hits: Rc<Vec<SearchHit>>,
    /// The keyboard-active one.
    pub active: Option<usize>,
    /// A suggestion was clicked.
    pub on_open: Callback<StoredArticle>,
}

/// Renders the suggestions; the active one is scrolled into view.
#[function_component(ResultList)]
pub fn result_list(props: &ResultListProps) -> Html {
    let list = use_node_ref();
    {
        let list = list.clone();
        use_effect_with(props.active, move |active| {
            let el = active.and_then(|i| {
                list.cast::<web_sys::Element>()?
                    .query_selector(&format!("#{}", option_id(i)))
                    .ok()?
            });
            if let Some(el) = el {
                el.scroll_into_view_with_bool(false);
            }
        });
    }
    let options = props.hits.iter().enumerate().map(|(i, hit)| {
        let onclick = {
            let (on_open, article) = (props.on_open.clone(), hit.article.clone());
            Callback::from(move |_: MouseEvent| on_open.emit(article.clone()))
        };
        let selected = props.active == Some(i);
        html! {
            <li id={option_id(i)} class="deflect-result" role="option"
                aria-selected={selected.to_string()} {onclick}>
                <span class="deflect-result-title"><HighlightedText text={hit.title.clone()} /></span>
                if !hit.article.category.is_empty() {
                    <span class="deflect-result-category">{ hit.article.category.clone() }</span>
                }
                if let Some(section) = &hit.section {
                    <span class="deflect-result-section">{ format!("› {}", section.heading) }</span>
                }
                <span class="deflect-result-excerpt"><HighlightedText text={hit.excerpt.clone()} /></span>
            </li>
        }
    });
    html! {
        <ul ref={list} id={LISTBOX_ID} class="deflect-results" role="listbox" aria-label={props.texts.suggestions_label}>
            { for options }
        </ul>
    }
}
