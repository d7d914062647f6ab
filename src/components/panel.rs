//! The help panel: a dialog showing one screen at a time (search, article, contact form,
//! acknowledgement, "Your requests"), with a footer that always offers a human. It owns
//! the keyboard contract of the dialog: Tab stays inside, Escape steps back, and every
//! change of view moves focus into the new view and is announced (`view_change`).

use deflect_core::StoredArticle;
use yew::prelude::*;

use super::acknowledgement::{heading_text as ack_heading, Acknowledgement, RequestList};
use super::app::{IndexState, Shared};
use super::article_view::ArticleView;
use super::contact_form::ContactForm;
use super::feedback::FeedbackBox;
use super::panel_dispatch::PanelHandle;
use super::search_screen::{status_text, SearchScreen};
use super::view_change::use_view_change;
use crate::form::FormState;
use crate::i18n::fill;
use crate::outbox::Outbox;
use crate::panel_state::{PanelAction, PanelState, Screen};
use crate::session::Session;
use crate::view::{Announced, View};

/// Props of [`Panel`].
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The panel's state.
    pub state: PanelHandle,
    /// The contact form's state.
    pub form: UseReducerHandle<FormState>,
    /// The index's state.
    pub index: IndexState,
    /// The customer's session.
    pub session: Shared<Session>,
    /// Queued and sent cases.
    pub outbox: Shared<Outbox>,
    /// New text in the search box.
    pub on_input: Callback<String>,
    /// A suggestion was chosen.
    pub on_open_article: Callback<StoredArticle>,
    /// The panel should close.
    pub on_close: Callback<()>,
}

/// The section of `id` the customer's query matched best, if the article was opened
/// from the suggestions.
fn section_anchor(state: &PanelState, id: &str) -> Option<AttrValue> {
    state
        .hits
        .iter()
        .find(|h| h.article.id == id)
        .and_then(|h| h.section.as_ref())
        .map(|s| AttrValue::from(s.anchor.clone()))
}

/// Keeps Tab and Shift+Tab inside the dialog (the WAI-ARIA dialog pattern).
fn trap_focus(e: &KeyboardEvent, dialog: &NodeRef, session: &Session) {
    use wasm_bindgen::JsCast;
    let Some(dialog) = dialog.cast::<web_sys::Element>() else {
        return;
    };
    let Ok(nodes) = dialog.query_selector_all(
        "button:not([disabled]), a[href], input:not([disabled]), textarea, select, [tabindex]:not([tabindex='-1'])",
    ) else {
        return;
    };
    let focusable: Vec<web_sys::HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (focusable.first(), focusable.last()) else {
        return;
    };
    let active = session.config().active_element();
    let at = |el: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    if e.shift_key() && (at(first) || !inside) {
        e.prevent_default();
        let _ = last.focus();
    } else if !e.shift_key() && (at(last) || !inside) {
        e.prevent_default();
        let _ = first.focus();
    }
}

/// The dialog. Escape goes back one screen, and closes it from the search screen.
#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    let state = &props.state;
    let t = props.session.0.config().texts;
    let back = {
        let state = state.clone();
        Callback::from(move |_: ()| state.dispatch(PanelAction::Back))
    };
    let dialog = use_node_ref();
    let onkeydown = {
        let (state, on_close, back) = (state.clone(), props.on_close.clone(), back.clone());
        let (dialog, session) = (dialog.clone(), props.session.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Tab" {
                trap_focus(&e, &dialog, &session.0);
            } else if e.key() == "Escape" {
                e.prevent_default();
                if state.screen == Screen::Search {
                    on_close.emit(())
                } else {
                    back.emit(())
                }
            }
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let contact = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(PanelAction::ShowContact);
        })
    };
    let contact_button = |label: &str| {
        html! {
            <button type="button" class="deflect-contact" onclick={contact.clone()}>{ label.to_string() }</button>
        }
    };
    let view = View::of(state, |id| props.outbox.0.request(id).is_some());
    let sent = match &state.screen {
        Screen::Sent(id) => props.outbox.0.request(id),
        _ => None,
    };
    let announcement = view.announcement(
        t,
        &Announced {
            search_status: &status_text(state, &props.index, t),
            article_title: state.article.as_ref().map_or("", |a| a.meta.title.as_str()),
            reference: sent.map_or("", |r| r.reference.as_str()),
            ack_heading: sent.map_or("", |r| ack_heading(r, t)),
            requests: props.outbox.0.requests.len(),
        },
    );
    let announced = use_view_change(&dialog, view, announcement);
    let on_link = {
        let (index, open) = (props.index.clone(), props.on_open_article.clone());
        Callback::from(move |id: String| {
            if let IndexState::Ready(Shared(index)) = &index {
                if let Ok(Some(meta)) = index.article(&id) {
                    open.emit(meta);
                }
            }
        })
    };
    let body = match (&state.screen, &state.article) {
        (Screen::Article, Some(article)) => html! {
            <div class="deflect-scroll">
                <ArticleView texts={t} article={article.clone()} anchor={section_anchor(state, &article.meta.id)} on_back={back.clone()} on_link={on_link} />
                <FeedbackBox state={state.clone()} session={props.session.clone()}
                    on_open_article={props.on_open_article.clone()} on_contact={contact.clone()} />
            </div>
        },
        (Screen::Contact, _) => html! {
            <ContactForm form={props.form.clone()} state={state.clone()} index={props.index.clone()}
                session={props.session.clone()} on_open_article={props.on_open_article.clone()} on_back={back.clone()} />
        },
        (Screen::Sent(id), _) => html! {
            <Acknowledgement id={AttrValue::from(id.clone())} outbox={props.outbox.clone()}
                session={props.session.clone()} on_back={back.clone()} />
        },
        (Screen::Requests, _) => html! {
            <RequestList outbox={props.outbox.clone()} session={props.session.clone()} on_back={back.clone()} />
        },
        _ => html! {
            <SearchScreen texts={t} state={state.clone()} index={props.index.clone()}
                on_input={props.on_input.clone()} on_open_article={props.on_open_article.clone()} on_contact={contact.clone()} />
        },
    };
    let requests = props.outbox.0.requests.len();
    let show_requests = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(PanelAction::ShowRequests))
    };
    html! {
        <div ref={dialog} class="deflect-panel" role="dialog" aria-label={t.help} aria-modal="true" tabindex="-1" {onkeydown}>
            <p class="deflect-announcer" role="status" aria-live="polite" aria-atomic="true">{ announced }</p>
            // Plain divs, not <header>/<footer>: those are banner and contentinfo landmarks,
            // duplicating the host page's own (axe: landmark-no-duplicate-banner).
            <div class="deflect-header">
                <h1 class="deflect-heading">{ t.heading }</h1>
                <button type="button" class="deflect-close" aria-label={t.close_help} onclick={close}>{ "×" }</button>
            </div>
            { body }
            <div class="deflect-footer">
                if !matches!(state.screen, Screen::Contact | Screen::Sent(_)) {
                    { t.cant_find }{ " " }{ contact_button(t.contact_support) }
                }
                if requests > 0 && state.screen != Screen::Requests {
                    <button type="button" class="deflect-requests-link" onclick={show_requests}>
                        { fill(t.your_requests_n, &[("n", &requests.to_string())]) }
                    </button>
                }
            </div>
        </div>
    }
}
