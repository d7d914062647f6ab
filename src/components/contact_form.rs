//! The contact form: prefilled from the journey and the host page's `identify` data (an
//! e-mail the vendor's backend signed is shown read-only), saved on every keystroke, honest about when a reply will come, and still offering
//! articles while the subject is typed.

use deflect_core::StoredArticle;
use deflect_journey::{CaseContext, CustomerCategory};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::account_email::AccountEmail;
use super::app::{IndexState, Shared};
use super::panel_dispatch::PanelHandle;
use crate::form::{mailto, trail_lines, Field, FormAction, FormState};
use crate::panel_state::PanelAction;
use crate::platform;
use crate::session::Session;
use crate::storage_keys;

/// Whether a draft from earlier (this page or before a reload) is waiting, and not older
/// than `draft_days`.
pub fn has_saved_draft(draft_days: f64) -> bool {
    storage_keys::saved_draft(draft_days).is_some()
}

/// Props of [`ContactForm`].
#[derive(Properties, PartialEq)]
pub struct ContactFormProps {
    /// The form's state.
    pub form: UseReducerHandle<FormState>,
    /// The panel's state (to show the acknowledgement).
    pub state: PanelHandle,
    /// The index, for last-chance suggestions.
    pub index: IndexState,
    /// The customer's session.
    pub session: Shared<Session>,
    /// A suggestion was chosen.
    pub on_open_article: Callback<StoredArticle>,
    /// Back to where the customer came from (the draft is kept).
    pub on_back: Callback<()>,
}

/// The form.
#[function_component(ContactForm)]
pub fn contact_form(props: &ContactFormProps) -> Html {
    let form = &props.form;
    {
        let (form, session) = (form.clone(), props.session.clone());
        use_effect_with((), move |_| {
            let days = session.0.config().settings.draft_days();
            form.dispatch(FormAction::Load(
                session.0.contact_draft(storage_keys::saved_draft(days)),
            ))
        });
    }
    {
        // Saved only once the customer typed or chose something: a merely prefilled form
        // should not reopen by itself next time.
        use_effect_with((form.draft.clone(), form.touched), |(draft, touched)| {
            if *touched {
                storage_keys::save_draft(draft);
            }
        });
    }
    let config = props.session.0.config();
    let t = config.texts;
    let errors = form.visible_errors(t);
    let error_of = |f: Field| errors.iter().find(|(e, _)| *e == f).map(|(_, m)| m.clone());
    let edit = |f: Field| {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            form.dispatch(FormAction::Edit(f, platform::input_value(&e)))
        })
    };
    let field = |f: Field, label: &str, value: &str, kind: &str, autocomplete: &str| {
        let error = error_of(f);
        let error_id = format!("{}-error", f.input_id());
        html! {
            <div class="deflect-field">
                <label for={f.input_id()}>{ label.to_string() }</label>
                if kind == "textarea" {
                    <textarea id={f.input_id()} rows="5" value={value.to_string()} oninput={edit(f)}
                        aria-invalid={error.is_some().to_string()} aria-describedby={error.as_ref().map(|_| error_id.clone())} />
                } else {
                    <input id={f.input_id()} type={kind.to_string()} value={value.to_string()} oninput={edit(f)}
                        autocomplete={autocomplete.to_string()}
                        aria-invalid={error.is_some().to_string()} aria-describedby={error.as_ref().map(|_| error_id.clone())} />
                }
                if let Some(message) = error {
                    <p id={error_id} class="deflect-field-error">{ message }</p>
                }
            </div>
        }
    };
    let draft = &form.draft;
    let suggestions = props.index.search(&draft.subject, 3).into_iter().map(|hit| {
        let (open, meta) = (props.on_open_article.clone(), hit.article.clone());
        let onclick = Callback::from(move |_: MouseEvent| open.emit(meta.clone()));
        html! { <li><button type="button" class="deflect-other" {onclick}>{ hit.article.title.clone() }</button></li> }
    }).collect::<Vec<_>>();
    let categories = CustomerCategory::ALL.iter().map(|&c| {
        let form = form.clone();
        let onclick = Callback::from(move |_: MouseEvent| form.dispatch(FormAction::Category(c)));
        html! {
            <label class="deflect-category-option">
                <input type="radio" name="deflect-category" value={c.as_str()} checked={draft.category == Some(c)} {onclick} />
                { t.category(c) }
            </label>
        }
    });
    let category_error = error_of(Field::Category);
    let schedule = config.schedule.clone();
    let who = props.session.0.identity();
    let signed_email = who.signed_email().map(|a| AttrValue::from(a.to_string()));
    let plan = who.plan;
    let expectation = schedule
        .as_ref()
        .map(|s| s.expectation(platform::now(), plan.as_deref()));
    let onsubmit = {
        let (form, state, session) = (form.clone(), props.state.clone(), props.session.clone());
        let contact = config.contact_url.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            form.dispatch(FormAction::Attempt);
            if let Some((first, _)) = form.draft.errors(session.0.config().texts).first() {
                if let Some(el) = session.0.config().find(first.input_id()) {
                    let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                }
                return;
            }
            let config = session.0.config();
            let now = platform::now();
            let reply_by = config
                .schedule
                .as_ref()
                .and_then(|s| s.expectation(now, plan.as_deref()).reply_by)
                .map(|z| z.timestamp());
            let who = session.0.identity();
            let context = CaseContext {
                // Without query and fragment unless the page keeps them (privacy.rs).
                page_url: platform::document()
                    .location()
                    .and_then(|l| l.href().ok())
                    .map(|href| config.settings.page_url.apply(&href)),
                locale: web_sys::window().and_then(|w| w.navigator().language()),
                user_id: who.user_id.clone(),
                plan: who.plan.clone(),
                identity_signature: who.signature.clone(),
            };
            let case = form
                .draft
                .to_case(platform::new_id(), now, reply_by, context);
            let id = case.id.clone();
            if config.settings.endpoint("/v1/cases").is_some() {
                session.0.submit(case);
            } else {
                session.0.emailed(&case);
                let _ = platform::document()
                    .location()
                    .map(|l| l.set_href(&mailto(&contact, &case, session.0.config().texts)));
            }
            platform::remove(storage_keys::DRAFT_KEY);
            form.dispatch(FormAction::Reset);
            state.dispatch(PanelAction::ShowSent(id));
        })
    };
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    let trail = trail_lines(&draft.trail, t);
    let by_email = config.settings.endpoint("/v1/cases").is_none();
    html! {
        <form class="deflect-form deflect-scroll" novalidate=true {onsubmit} aria-labelledby="deflect-form-title">
            <button type="button" class="deflect-back" onclick={back}>{ t.back }</button>
            <h2 id="deflect-form-title" tabindex="-1">{ t.contact_support }</h2>
            if let Some(e) = &expectation {
                <p class="deflect-expectation">{ t.expectation(e) }</p>
            }
            if let Some(covers) = schedule.as_ref().and_then(|s| s.covers().map(str::to_string)) {
                <p class="deflect-covers">{ covers }</p>
            }
            { field(Field::Subject, t.subject, &draft.subject, "text", "off") }
            if !suggestions.is_empty() {
                <div class="deflect-last-chance" aria-live="polite">
                    <p>{ t.last_chance }</p>
                    <ul class="deflect-others">{ for suggestions }</ul>
                </div>
            }
            <fieldset class="deflect-field deflect-categories" aria-invalid={category_error.is_some().to_string()}
                aria-describedby={category_error.as_ref().map(|_| "deflect-category-error")}>
                <legend id={Field::Category.input_id()} tabindex="-1">{ t.describes_it }</legend>
                { for categories }
                if let Some(message) = category_error {
                    <p id="deflect-category-error" class="deflect-field-error">{ message }</p>
                }
            </fieldset>
            { field(Field::Description, t.details_optional, &draft.description, "textarea", "off") }
            { field(Field::Name, t.name_optional, &draft.name, "text", "name") }
            if let Some(address) = signed_email {
                <AccountEmail {address} label={t.email} note={t.email_from_account} />
            } else {
                { field(Field::Email, t.email, &draft.email, "email", "email") }
            }
            <section class="deflect-trail" aria-labelledby="deflect-trail-title">
                <h3 id="deflect-trail-title">{ t.attached_trail }</h3>
                if trail.is_empty() {
                    <p>{ t.nothing_tried }</p>
                } else {
                    <ul>{ for trail.into_iter().map(|l| html! { <li>{ l }</li> }) }</ul>
                }
            </section>
            <button type="submit" class="deflect-submit deflect-primary">
                { if by_email { t.send_by_email } else { t.send_request } }
            </button>
        </form>
    }
}
