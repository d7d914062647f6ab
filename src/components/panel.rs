//! The help panel: a dialog holding either the search view or the open article.

use yew::prelude::*;

use super::app::IndexState;
use super::article_view::ArticleView;
use super::result_list::ResultList;
use super::search_box::SearchBox;
use crate::state::{SearchAction, SearchState};
use deflect_core::StoredArticle;

/// Props of [`Panel`].
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The search feature's state.
    pub state: UseReducerHandle<SearchState>,
    /// The index's state.
    pub index: IndexState,
    /// Where "Contact support" leads.
    pub contact_url: AttrValue,
    /// New text in the search box.
    pub on_input: Callback<String>,
    /// A suggestion was chosen.
    pub on_open_article: Callback<StoredArticle>,
    /// A link to another article was followed.
    pub on_article_link: Callback<String>,
    /// The panel should close.
    pub on_close: Callback<()>,
}

fn status_text(state: &SearchState, index: &IndexState) -> String {
    match index {
        IndexState::Idle | IndexState::Loading => "Loading help articles…".into(),
        IndexState::Failed(_) => {
            "Search is unavailable right now. You can still contact support.".into()
        }
        IndexState::Ready(_) if state.query.trim().is_empty() => {
            "Type your question to see matching articles.".into()
        }
        IndexState::Ready(_) => match state.hits.len() {
            0 => "No articles match.".into(),
            1 => "1 article".into(),
            n => format!("{n} articles"),
        },
    }
}

/// The dialog. Escape goes back from an article, otherwise closes it.
#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let onkeydown = {
        let (state, on_close) = (state.clone(), props.on_close.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                if state.article.is_some() {
                    state.dispatch(SearchAction::Back);
                } else {
                    on_close.emit(());
                }
            }
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let contact = html! {
        <a class="deflect-contact" href={props.contact_url.clone()}>{ "Contact support" }</a>
    };
    let no_match = matches!(props.index, IndexState::Ready(_))
        && !state.query.trim().is_empty()
        && state.hits.is_empty();
    let body = if let Some(article) = &state.article {
        let back = {
            let state = state.clone();
            Callback::from(move |_: ()| state.dispatch(SearchAction::Back))
        };
        html! { <ArticleView article={article.clone()} on_back={back} on_link={props.on_article_link.clone()} /> }
    } else {
        html! {
            <>
                <SearchBox state={state.clone()} on_input={props.on_input.clone()} on_open={props.on_open_article.clone()} />
                <p class="deflect-status" role="status" aria-live="polite">{ status_text(state, &props.index) }</p>
                if no_match {
                    <div class="deflect-empty">
                        <p>{ "No articles match your question. Try other words, or ask us directly:" }</p>
                        { contact.clone() }
                    </div>
                } else if matches!(props.index, IndexState::Failed(_)) {
                    <div class="deflect-empty">{ contact.clone() }</div>
                } else {
                    <ResultList hits={state.hits.clone()} active={state.active} on_open={props.on_open_article.clone()} />
                }
            </>
        }
    };
    html! {
        <div class="deflect-panel" role="dialog" aria-label="Help" aria-modal="false" {onkeydown}>
            <header class="deflect-header">
                <h1 class="deflect-heading">{ "How can we help?" }</h1>
                <button type="button" class="deflect-close" aria-label="Close help" onclick={close}>{ "×" }</button>
            </header>
            { body }
            <footer class="deflect-footer">{ "Can't find an answer? " }{ contact }</footer>
        </div>
    }
}
