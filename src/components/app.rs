//! The root component: owns the panel (through `panel_dispatch`, which also tells the
//! journey), the form's reducer, the index and the session, and answers the host page's
//! commands.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use deflect_core::{SearchHit, StoredArticle};
use deflect_journey::Answer;
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
use crate::panel_state::{PanelAction, MAX_SUGGESTIONS};
use crate::platform;
use crate::session::Session;
use crate::storage_keys;

impl Reducible for FormState {
    type Action = FormAction;
    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        Rc::new((*self).clone().apply(action))
    }
}

/// How many times pieces of the index arrived: a dependency of the effect that searches
/// the query that was waiting for them.
#[derive(Default, PartialEq)]
struct PiecesArrived(u32);

impl Reducible for PiecesArrived {
    type Action = ();
    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(PiecesArrived(self.0 + 1))
    }
}

/// Pieces of a split pack being fetched, so a query and the background warm-up never ask
/// for one twice.
type InFlight = Rc<RefCell<HashSet<String>>>;

/// Searches `query` now if the index holds every piece it reads; otherwise starts fetching
/// them (see [`fetch_pieces_callback`]) and answers `None`: the query waits, unrecorded.
fn search_now(
    index: &IndexState,
    query: &str,
    fetch: &Callback<Vec<String>>,
) -> Option<(Vec<SearchHit>, Option<Answer>)> {
    if let IndexState::Ready(Shared(ready)) = index {
        let needed = ready.pieces_needed(query, MAX_SUGGESTIONS);
        if !needed.is_empty() {
            fetch.emit(needed);
            return None;
        }
    }
    Some(index.suggest(query, MAX_SUGGESTIONS))
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
    let arrived = use_reducer(PiecesArrived::default);
    let in_flight: InFlight = use_mut_ref(HashSet::<String>::new);
    let fetch = fetch_pieces_callback(&index, &arrived, &in_flight, &props.config.manifest_url);
    let warmed_up = use_mut_ref(|| false);

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
        // Pieces arriving re-run this for the query that waited for them.
        let (config, state) = (props.config.clone(), state.clone());
        let fetch = fetch.clone();
        use_effect_with(
            ((*index).clone(), (*context).clone(), arrived.0),
            move |(index, context, _)| {
                config.set_state(index.label());
                if matches!(index, IndexState::Ready(_)) && !state.query.is_empty() {
                    // Searched once every piece it reads is here (nothing while they load).
                    state.search_waiting(state.query.clone(), &|q| search_now(index, q, &fetch));
                } else if !context.is_empty() {
                    state.show_context(context, &|q| search_now(index, q, &fetch));
                }
            },
        );
    }

    {
        // "deflect:suggestions" marks each render of suggestions from the index (not the
        // empty ones while it loads): keystroke-to-suggestions, measurable by the host.
        // Once the first suggestions are painted, the rest of a split pack follows in the
        // background, so later keystrokes never wait on the network (and work offline).
        let ready = match &*index {
            IndexState::Ready(Shared(ready)) if !state.pending => Some(ready.clone()),
            _ => None,
        };
        let (arrived, in_flight) = (arrived.clone(), in_flight.clone());
        let manifest_url = props.config.manifest_url.clone();
        let meaning = props.config.settings.meaning;
        use_effect_with((state.query.clone(), state.hits.clone()), move |_| {
            if let Some(ready) = ready {
                platform::mark("deflect:suggestions");
                if !std::mem::replace(&mut *warmed_up.borrow_mut(), true) {
                    let meaning = meaning.fetches(platform::saves_data());
                    spawn_local(warm_up(ready, manifest_url, in_flight, arrived, meaning));
                }
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
            state.dispatch(PanelAction::OpenPanel);
            if crate::components::contact_form::has_saved_draft(draft_days) {
                state.dispatch(PanelAction::ShowContact);
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
            state.dispatch(PanelAction::ClosePanel);
            if let Some(button) = launcher.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        })
    };
    let on_input = {
        let (state, index, context) = (state.clone(), index.clone(), context.clone());
        let fetch = fetch.clone();
        Callback::from(move |query: String| {
            state.input(query, &context, &|q| search_now(&index, q, &fetch))
        })
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
                state.dispatch(PanelAction::ClosePanel);
                state.dispatch(PanelAction::Clear);
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
        let (on_open_article, fetch) = (on_open_article.clone(), fetch.clone());
        use_effect_with(((*index).clone(), arrived.0), move |(index, _)| {
            if let IndexState::Ready(Shared(index)) = index {
                // Its postings, then its stored fields: fetched first when the pack is split.
                let needed = match deep_link.borrow().as_deref() {
                    Some(id) => index.article_pieces_needed(id),
                    None => Vec::new(),
                };
                if !needed.is_empty() {
                    fetch.emit(needed);
                } else if let Some(id) = deep_link.borrow_mut().take() {
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

/// Fetching the pieces a query needs: each at most once at a time; when they arrive the
/// waiting query is searched; a piece that fails twice (see `loader::fetch_pieces`) makes
/// search unavailable, and the panel offers contact instead.
fn fetch_pieces_callback(
    index: &UseStateHandle<IndexState>,
    arrived: &UseReducerHandle<PiecesArrived>,
    in_flight: &InFlight,
    manifest_url: &str,
) -> Callback<Vec<String>> {
    let (index, arrived, in_flight) = (index.clone(), arrived.clone(), in_flight.clone());
    let manifest_url = manifest_url.to_string();
    Callback::from(move |names: Vec<String>| {
        let IndexState::Ready(Shared(ready)) = (*index).clone() else {
            return;
        };
        let names: Vec<String> = names
            .into_iter()
            .filter(|n| in_flight.borrow_mut().insert(n.clone()))
            .collect();
        if names.is_empty() {
            return; // already on the way; their arrival re-runs the query
        }
        let (index, arrived, in_flight) = (index.clone(), arrived.clone(), in_flight.clone());
        let manifest_url = manifest_url.clone();
        spawn_local(async move {
            let fetched = loader::fetch_pieces(&ready, &names, &manifest_url, false).await;
            for name in &names {
                in_flight.borrow_mut().remove(name);
            }
            match fetched {
                Ok(()) => arrived.dispatch(()),
                Err(e) => {
                    web_sys::console::error_1(&format!("deflect: search unavailable: {e}").into());
                    index.set(IndexState::Failed(e.into()));
                }
            }
        });
    })
}

/// Fetches every piece of a split pack not loaded yet, a few at a time at low priority,
/// then marks `deflect:pieces-loaded` (User Timing) when none is missing; then the pack's
/// meaning vectors, if it names any and `meaning` says to (the page's `meaning` setting and
/// the customer's Save-Data preference; `deflect:meaning-loaded` once they rank). A failure
/// here is not shown: a query that needs the piece fetches it again, and says so if it
/// still fails.
async fn warm_up(
    index: Rc<deflect_core::SearchIndex>,
    manifest_url: String,
    in_flight: InFlight,
    arrived: UseReducerHandle<PiecesArrived>,
    meaning: bool,
) {
    const AT_ONCE: usize = 4;
    let mut tried = HashSet::new();
    loop {
        // Asked afresh each time: queries load pieces meanwhile.
        let batch: Vec<String> = index
            .pieces_pending()
            .into_iter()
            .filter(|n| !tried.contains(n) && !in_flight.borrow().contains(n))
            .take(AT_ONCE)
            .collect();
        if batch.is_empty() {
            break;
        }
        for name in &batch {
            tried.insert(name.clone());
            in_flight.borrow_mut().insert(name.clone());
        }
        let fetched = loader::fetch_pieces(&index, &batch, &manifest_url, true).await;
        for name in &batch {
            in_flight.borrow_mut().remove(name);
        }
        if let Err(e) = fetched {
            platform::warn(&format!("deflect: background fetch: {e}"));
        }
        // A query may have been waiting for a piece this batch fetched.
        arrived.dispatch(());
    }
    if index.pieces_pending().is_empty() {
        platform::mark("deflect:pieces-loaded");
    }
    // Meaning vectors, when the pack has them, come last: the words already answer, and
    // the next keystroke after they attach ranks by meaning too. Failing only loses that.
    if let Some(note) = index.meaning_note().filter(|_| meaning) {
        match loader::load_meaning(&note, &manifest_url).await {
            Ok(vectors) => match index.attach_meaning(vectors) {
                Ok(_) => platform::mark("deflect:meaning-loaded"),
                Err(e) => platform::warn(&format!("deflect: meaning vectors: {e}")),
            },
            Err(e) => platform::warn(&format!("deflect: meaning vectors: {e}")),
        }
    }
}

/// Opening an article: show it, record the step, fetch its body.
fn open_article_callback(state: &PanelHandle, manifest_url: &str) -> Callback<StoredArticle> {
    let (state, manifest_url) = (state.clone(), manifest_url.to_string());
    Callback::from(move |meta: StoredArticle| {
        state.dispatch(PanelAction::ShowArticle(meta.clone()));
        let (state, manifest_url) = (state.clone(), manifest_url.clone());
        spawn_local(async move {
            let body = loader::load_article(&meta.html, &manifest_url).await;
            state.dispatch(PanelAction::ArticleBody { id: meta.id, body });
        });
    })
}
