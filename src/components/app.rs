//! The root component: owns the search reducer and the index, and wires actions to effects
//! (loading the pack on first open, fetching article bodies).

use std::rc::Rc;

use deflect_core::{SearchIndex, StoredArticle};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::panel::Panel;
use crate::config::WidgetConfig;
use crate::loader;
use crate::state::{SearchAction, SearchState, MAX_SUGGESTIONS};

impl Reducible for SearchState {
    type Action = SearchAction;
    fn reduce(self: Rc<Self>, action: SearchAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// The loaded index, compared by identity.
#[derive(Clone)]
pub struct SharedIndex(pub Rc<SearchIndex>);

impl PartialEq for SharedIndex {
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
    Ready(SharedIndex),
    /// Could not be loaded; search is unavailable but contact still works.
    Failed(Rc<str>),
}

impl IndexState {
    fn label(&self) -> &'static str {
        match self {
            IndexState::Idle => "idle",
            IndexState::Loading => "loading",
            IndexState::Ready(_) => "ready",
            IndexState::Failed(_) => "error",
        }
    }
}

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Configuration read from the host page.
    pub config: WidgetConfig,
}

fn run_search(index: &IndexState, query: &str) -> Vec<deflect_core::SearchHit> {
    match index {
        IndexState::Ready(SharedIndex(index)) => {
            index.search(query, MAX_SUGGESTIONS).unwrap_or_else(|e| {
                web_sys::console::error_1(&format!("deflect: search failed: {e}").into());
                Vec::new()
            })
        }
        _ => Vec::new(),
    }
}

/// The widget: a launcher button and, when open, the help panel.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(SearchState::default);
    let index = use_state(|| IndexState::Idle);
    let launcher = use_node_ref();
    let config = props.config.clone();

    {
        // Report progress on the host element, and search what was typed while loading.
        let (config, state) = (config.clone(), state.clone());
        use_effect_with((*index).clone(), move |index| {
            config.set_state(index.label());
            if matches!(index, IndexState::Ready(_)) && !state.query.is_empty() {
                let hits = run_search(index, &state.query);
                state.dispatch(SearchAction::Results {
                    query: state.query.clone(),
                    hits,
                });
            }
        });
    }

    let on_open = {
        let (state, index, manifest_url) =
            (state.clone(), index.clone(), config.manifest_url.clone());
        Callback::from(move |_: ()| {
            state.dispatch(SearchAction::OpenPanel);
            if matches!(*index, IndexState::Idle | IndexState::Failed(_)) {
                index.set(IndexState::Loading);
                let (index, manifest_url) = (index.clone(), manifest_url.clone());
                spawn_local(async move {
                    match loader::load_index(&manifest_url).await {
                        Ok(loaded) => index.set(IndexState::Ready(SharedIndex(Rc::new(loaded)))),
                        Err(e) => {
                            web_sys::console::error_1(
                                &format!("deflect: search unavailable: {e}").into(),
                            );
                            index.set(IndexState::Failed(e.into()));
                        }
                    }
                });
            }
        })
    };
    let on_close = {
        let (state, launcher) = (state.clone(), launcher.clone());
        Callback::from(move |_: ()| {
            state.dispatch(SearchAction::ClosePanel);
            if let Some(button) = launcher.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        })
    };
    let on_input = {
        let (state, index) = (state.clone(), index.clone());
        Callback::from(move |query: String| {
            let hits = run_search(&index, &query);
            state.dispatch(SearchAction::Results { query, hits });
        })
    };
    let on_open_article = {
        let (state, manifest_url) = (state.clone(), config.manifest_url.clone());
        Callback::from(move |meta: StoredArticle| {
            state.dispatch(SearchAction::ShowArticle(meta.clone()));
            let (state, manifest_url) = (state.clone(), manifest_url.clone());
            spawn_local(async move {
                let body = loader::load_article(&meta.html, &manifest_url).await;
                state.dispatch(SearchAction::ArticleBody { id: meta.id, body });
            });
        })
    };
    let on_article_link = {
        let (index, on_open_article) = (index.clone(), on_open_article.clone());
        Callback::from(move |id: String| {
            if let IndexState::Ready(SharedIndex(index)) = &*index {
                if let Ok(Some(meta)) = index.article(&id) {
                    on_open_article.emit(meta);
                }
            }
        })
    };
    let toggle = {
        let (open, on_open, on_close) = (state.open, on_open.clone(), on_close.clone());
        Callback::from(move |_: MouseEvent| {
            if open {
                on_close.emit(())
            } else {
                on_open.emit(())
            }
        })
    };

    html! {
        <div class="deflect">
            if state.open {
                <Panel
                    state={state.clone()}
                    index={(*index).clone()}
                    contact_url={AttrValue::from(config.contact_url.clone())}
                    {on_input}
                    {on_open_article}
                    {on_article_link}
                    on_close={on_close.clone()}
                />
            }
            <button ref={launcher} type="button" class="deflect-launcher"
                aria-expanded={state.open.to_string()} aria-haspopup="dialog"
                onclick={toggle}>
                { if state.open { "Close help" } else { "Help" } }
            </button>
        </div>
    }
}
