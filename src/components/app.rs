//! The root component: owns the panel (through `panel_dispatch`, which also tells the
//! journey), the form's reducer, the index and the session, and answers the host page's
//! commands.

use std::rc::Rc;

use deflect_core::StoredArticle;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::host_commands::use_host_commands;
pub use super::index_state::{IndexState, Shared};
use super::panel::Panel;
use super::panel_dispatch::{use_panel, PanelHandle};
use crate::command::Command;
use crate::config::WidgetConfig;
use crate::form::{FormAction, FormState};
use crate::loader;
use crate::outbox::Outbox;
use crate::platform;
use crate::session::Session;
use crate::state::SearchAction;
use crate::storage_keys;

impl Reducible for FormState {
    type Action = FormAction;
    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Configuration read from the host page.
    pub config: WidgetConfig,
}

/// The widget: a launcher button and, when open, the help panel.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let form = use_reducer(FormState::default);
    let index = use_state(|| IndexState::Idle);
    let session = use_memo((), {
        let config = props.config.clone();
        move |_| Session::start(config)
    });
    let session = Shared((*session).clone());
    let state = use_panel(session.clone());
    let outbox = use_state(|| Rc::new(Outbox::default()));
    let context = use_state(Vec::<String>::new);
    let launcher = use_node_ref();

    {
        // An expired contact draft goes when the widget starts, not only when it is seen.
        let draft_days = props.config.settings.draft_days();
        use_effect_with((), move |_| storage_keys::forget_expired(draft_days));
    }
    {
        let (session, outbox) = (session.clone(), outbox.clone());
        use_effect_with((), move |_| {
            session.0.subscribe(Callback::from(move |o| outbox.set(o)))
        });
    }
    {
        // Report progress on the host element, and search what was typed while loading:
        // only now is it a search the journey records (with what the index answered).
        // Context suggestions follow the host page's context while the box is empty.
        let (config, state) = (props.config.clone(), state.clone());
        use_effect_with(
            ((*index).clone(), (*context).clone()),
            move |(index, context)| {
                config.set_state(index.label());
                if matches!(index, IndexState::Ready(_)) && !state.query.is_empty() {
                    state.input(state.query.clone(), index, context);
                } else if !context.is_empty() {
                    state.show_context(index, context);
                }
            },
        );
    }

    {
        // "deflect:suggestions" marks each render of suggestions from the index (not the
        // empty ones while it loads): keystroke-to-suggestions, measurable by the host.
        let ready = matches!(*index, IndexState::Ready(_));
        use_effect_with((state.query.clone(), state.hits.clone()), move |_| {
            if ready {
                platform::mark("deflect:suggestions");
            }
        });
    }

    let on_open = {
        let (state, index, manifest_url) = (
            state.clone(),
            index.clone(),
            props.config.manifest_url.clone(),
        );
        let timeout_s = props
            .config
            .settings
            .index_timeout_s
            .unwrap_or(loader::DEFAULT_INDEX_TIMEOUT_S);
        let draft_days = props.config.settings.draft_days();
        Callback::from(move |_: ()| {
            state.dispatch(SearchAction::OpenPanel);
            if crate::components::contact_form::has_saved_draft(draft_days) {
                state.dispatch(SearchAction::ShowContact);
            }
            if matches!(*index, IndexState::Idle | IndexState::Failed(_)) {
                index.set(IndexState::Loading);
                let (index, manifest_url) = (index.clone(), manifest_url.clone());
                spawn_local(async move {
                    match loader::load_index(&manifest_url, timeout_s).await {
                        Ok(loaded) => index.set(IndexState::Ready(Shared(Rc::new(loaded)))),
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
        let (state, index, context) = (state.clone(), index.clone(), context.clone());
        Callback::from(move |query: String| state.input(query, &index, &context))
    };
    let on_open_article = open_article_callback(&state, &props.config.manifest_url);
    let on_command = {
        let (open, on_open, on_close, on_input) = (
            state.open,
            on_open.clone(),
            on_close.clone(),
            on_input.clone(),
        );
        let (session, context) = (session.clone(), context.clone());
        let (state, form) = (state.clone(), form.clone());
        Callback::from(move |command: Command| match command {
            Command::Open if !open => on_open.emit(()),
            Command::Close if open => on_close.emit(()),
            Command::Open | Command::Close => {}
            Command::Search(query) => {
                if !open {
                    on_open.emit(());
                }
                on_input.emit(query);
            }
            Command::SetContext(page) => context.set(page.tags),
            Command::Identify(who) => session.0.identify(who),
            Command::Reset => {
                // Nothing of the signed-out customer stays on screen or in storage.
                state.dispatch(SearchAction::ClosePanel);
                state.dispatch(SearchAction::Clear);
                form.dispatch(FormAction::Reset);
                context.set(Vec::new());
                session.0.reset();
            }
        })
    };
    use_host_commands(&props.config.root, on_command);
    {
        // A link between articles opened in a new tab lands here with ?deflect-article=<id>:
        // open the panel at once and the article as soon as the index is ready.
        let deep_link = use_mut_ref(|| platform::query_param("deflect-article"));
        let on_open = on_open.clone();
        use_effect_with((), {
            let deep_link = deep_link.clone();
            move |_| {
                if deep_link.borrow().is_some() {
                    on_open.emit(());
                }
            }
        });
        let on_open_article = on_open_article.clone();
        use_effect_with((*index).clone(), move |index| {
            if let IndexState::Ready(Shared(index)) = index {
                if let Some(id) = deep_link.borrow_mut().take() {
                    match index.article(&id) {
                        Ok(Some(meta)) => on_open_article.emit(meta),
                        _ => platform::warn(&format!("deflect: no article {id:?} to open")),
                    }
                }
            }
        });
    }
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
        <div class="deflect" lang={props.config.locale.tag()}>
            if state.open {
                <Panel state={state.clone()} form={form.clone()} index={(*index).clone()}
                    session={session.clone()} outbox={Shared((*outbox).clone())}
                    {on_input} {on_open_article} on_close={on_close.clone()} />
            }
            <button ref={launcher} type="button" class="deflect-launcher"
                aria-expanded={state.open.to_string()} aria-haspopup="dialog" onclick={toggle}>
                { if state.open { props.config.texts.close_help } else { props.config.texts.help } }
            </button>
        </div>
    }
}

/// Opening an article: show it, record the step, fetch its body.
fn open_article_callback(state: &PanelHandle, manifest_url: &str) -> Callback<StoredArticle> {
    let (state, manifest_url) = (state.clone(), manifest_url.to_string());
    Callback::from(move |meta: StoredArticle| {
        state.dispatch(SearchAction::ShowArticle(meta.clone()));
        let (state, manifest_url) = (state.clone(), manifest_url.clone());
        spawn_local(async move {
            let body = loader::load_article(&meta.html, &manifest_url).await;
            state.dispatch(SearchAction::ArticleBody { id: meta.id, body });
        });
    })
}
