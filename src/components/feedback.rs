//! "Did this solve your problem?" under every article: Yes resolves the journey; No asks
//! (optionally) why and shows the way forward — other suggestions and a human.

use deflect_core::StoredArticle;
use deflect_journey::FeedbackReason;
use yew::prelude::*;

use super::app::Shared;
use super::panel_dispatch::PanelHandle;
use crate::panel_state::{FeedbackAnswer, PanelAction};
use crate::session::Session;

/// Props of [`FeedbackBox`].
#[derive(Properties, PartialEq)]
pub struct FeedbackBoxProps {
    /// The panel's state (the open article and the suggestions).
    pub state: PanelHandle,
    /// The customer's session.
    pub session: Shared<Session>,
    /// Another suggestion was chosen.
    pub on_open_article: Callback<StoredArticle>,
    /// "Contact support".
    pub on_contact: Callback<MouseEvent>,
}

/// The question, its answers and what follows them.
#[function_component(FeedbackBox)]
pub fn feedback_box(props: &FeedbackBoxProps) -> Html {
    let Some(article) = &props.state.article else {
        return Html::default();
    };
    let t = props.session.0.config().texts;
    let answer = move |a: FeedbackAnswer| {
        let state = props.state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(PanelAction::Feedback(a));
        })
    };
    // The thanks and the apology replace the button just pressed: the panel moves focus to
    // them (tabindex -1) and announces them in its live region (`crate::view`).
    match article.feedback {
        FeedbackAnswer::Unanswered => html! {
            <section class="deflect-feedback" aria-labelledby="deflect-feedback-q">
                <p id="deflect-feedback-q" class="deflect-feedback-question">{ t.did_this_solve }</p>
                <div class="deflect-feedback-answers">
                    <button type="button" class="deflect-yes" onclick={answer(FeedbackAnswer::Solved)}>{ t.yes }</button>
                    <button type="button" class="deflect-no" onclick={answer(FeedbackAnswer::NotSolved(None))}>{ t.no }</button>
                </div>
            </section>
        },
        FeedbackAnswer::Solved => html! {
            <section class="deflect-feedback">
                <p class="deflect-thanks" tabindex="-1">{ t.thanks_solved }</p>
            </section>
        },
        FeedbackAnswer::NotSolved(chosen) => {
            let reasons = FeedbackReason::ALL.iter().map(|&r| {
                html! {
                    <label class="deflect-reason">
                        <input type="radio" name="deflect-reason" value={r.as_str()}
                            checked={chosen == Some(r)} onclick={answer(FeedbackAnswer::NotSolved(Some(r)))} />
                        { t.reason(r) }
                    </label>
                }
            });
            let others = props.state.hits.iter().filter(|h| h.article.id != article.meta.id).take(3).map(|h| {
                let (open, meta) = (props.on_open_article.clone(), h.article.clone());
                let onclick = Callback::from(move |_: MouseEvent| open.emit(meta.clone()));
                html! { <li><button type="button" class="deflect-other" {onclick}>{ h.article.title.clone() }</button></li> }
            }).collect::<Vec<_>>();
            html! {
                <section class="deflect-feedback">
                    <p class="deflect-sorry" tabindex="-1">{ t.sorry_not_solved }</p>
                    <fieldset class="deflect-reasons">
                        <legend>{ t.what_was_wrong }</legend>
                        { for reasons }
                    </fieldset>
                    if !others.is_empty() {
                        <p class="deflect-others-heading">{ t.might_help_instead }</p>
                        <ul class="deflect-others">{ for others }</ul>
                    }
                    <p>{ t.or_ask_support }</p>
                    <button type="button" class="deflect-contact deflect-primary" onclick={props.on_contact.clone()}>{ t.contact_support }</button>
                </section>
            }
        }
    }
}
