//! What the customer sees after asking for help: an immediate acknowledgement with the
//! case reference and the reply expectation, and "Your requests" to come back to later.
//! Both say honestly whether the request has reached support yet.

use yew::prelude::*;

use super::app::Shared;
use crate::form::mailto;
use crate::i18n::{clock_time, fill, Texts};
use crate::outbox::{Outbox, RequestRecord, RequestStatus};
use crate::platform;
use crate::session::Session;

/// Whether a queued request exists only in this page (storage refused it): then the
/// customer is told so and offered e-mail at once, rather than promised a retry later.
fn only_in_memory(r: &RequestRecord) -> bool {
    r.status == RequestStatus::Queued && r.attempts > 0 && crate::session::outbox_kept_in_memory()
}

fn status_text(r: &RequestRecord, t: &Texts) -> &'static str {
    match r.status {
        RequestStatus::Sent => t.status_sent,
        RequestStatus::Emailed => t.status_emailed,
        RequestStatus::Rejected => t.status_rejected,
        RequestStatus::Queued if r.attempts == 0 => t.status_sending,
        RequestStatus::Queued if only_in_memory(r) => t.status_queued_unsaved,
        RequestStatus::Queued => t.status_queued,
    }
}

/// The acknowledgement's heading: "we've got it" only once the collector confirmed it;
/// until then, where the request is (saved on this device and retried, only in this page,
/// in the e-mail program, refused).
pub fn heading_text(r: &RequestRecord, t: &Texts) -> &'static str {
    match r.status {
        RequestStatus::Sent => t.ack_heading,
        RequestStatus::Emailed => t.ack_heading_emailed,
        RequestStatus::Rejected => t.ack_heading_rejected,
        RequestStatus::Queued if r.attempts == 0 => t.ack_heading_sending,
        RequestStatus::Queued if only_in_memory(r) => t.ack_heading_unsaved,
        RequestStatus::Queued => t.ack_heading_saved,
    }
}

/// "Expect a reply by Monday 7 December, 13:00 CET" for a recorded request.
fn reply_text(session: &Session, r: &RequestRecord) -> Option<String> {
    let t = session.config().texts;
    let schedule = session.config().schedule.as_ref()?;
    let due = r
        .expected_reply_by?
        .to_zoned_datetime(schedule.zone().clone());
    let when = format!("{}, {}", t.long_date(due.date()), clock_time(&due));
    Some(fill(t.expect_reply_by, &[("when", &when)]))
}

fn email_link(session: &Session, outbox: &Outbox, r: &RequestRecord) -> Html {
    let t = session.config().texts;
    match outbox
        .case(&r.id)
        .filter(|_| r.offer_email() || only_in_memory(r))
    {
        Some(case) => html! {
            <a class="deflect-email-fallback" href={mailto(&session.config().contact_url, case, t)}>{ t.send_by_email_instead }</a>
        },
        None => Html::default(),
    }
}

/// Props of [`Acknowledgement`].
#[derive(Properties, PartialEq)]
pub struct AcknowledgementProps {
    /// The case id.
    pub id: AttrValue,
    /// Queued and sent cases.
    pub outbox: Shared<Outbox>,
    /// The customer's session.
    pub session: Shared<Session>,
    /// Back to the search.
    pub on_back: Callback<()>,
}

/// Shown the moment the customer presses Send: the reference, the reply expectation, and
/// a heading and status line that follow the request until support has it.
#[function_component(Acknowledgement)]
pub fn acknowledgement(props: &AcknowledgementProps) -> Html {
    let session = &props.session.0;
    let config = session.config();
    let t = config.texts;
    let Some(r) = props.outbox.0.request(&props.id) else {
        return html! { <p class="deflect-status" role="status">{ t.saving_request }</p> };
    };
    let expectation = config.schedule.as_ref().map(|s| {
        t.expectation(&s.expectation(platform::now(), session.identity().plan.as_deref()))
    });
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    let (before, after) = t
        .your_reference
        .split_once("{reference}")
        .unwrap_or((t.your_reference, ""));
    html! {
        <section class="deflect-ack deflect-scroll" aria-labelledby="deflect-ack-title">
            <h2 id="deflect-ack-title" tabindex="-1">{ heading_text(r, t) }</h2>
            <p>{ before }<strong class="deflect-reference">{ r.reference.clone() }</strong>{ after }</p>
            if let Some(e) = expectation {
                <p class="deflect-expectation">{ e }</p>
            }
            <p class="deflect-delivery" role="status" data-status={format!("{:?}", r.status).to_lowercase()}>{ status_text(r, t) }</p>
            { email_link(session, &props.outbox.0, r) }
            <p>{ t.ack_trail }</p>
            <button type="button" class="deflect-back" onclick={back}>{ t.back_to_articles }</button>
        </section>
    }
}

/// Props of [`RequestList`].
#[derive(Properties, PartialEq)]
pub struct RequestListProps {
    /// Queued and sent cases.
    pub outbox: Shared<Outbox>,
    /// The customer's session.
    pub session: Shared<Session>,
    /// Back to the search.
    pub on_back: Callback<()>,
}

/// "Your requests": every case sent from this browser, newest first.
#[function_component(RequestList)]
pub fn request_list(props: &RequestListProps) -> Html {
    let session = &props.session.0;
    let t = session.config().texts;
    let zone = session
        .config()
        .schedule
        .as_ref()
        .map(|s| s.zone().clone())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let items = props.outbox.0.requests.iter().map(|r| {
        let at = r.created_at.to_zoned_datetime(zone.clone());
        let when = format!("{} {}, {}", t.long_date(at.date()), at.year(), clock_time(&at));
        html! {
            <li class="deflect-request">
                <span class="deflect-request-subject">{ r.subject.clone() }</span>
                <span class="deflect-reference">{ r.reference.clone() }</span>
                <span class="deflect-request-time">{ fill(t.sent_at, &[("when", &when)]) }</span>
                <span class="deflect-delivery">{ status_text(r, t) }</span>
                if let Some(reply) = reply_text(session, r).filter(|_| r.status == RequestStatus::Sent) {
                    <span class="deflect-request-reply">{ reply }</span>
                }
                { email_link(session, &props.outbox.0, r) }
            </li>
        }
    });
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    html! {
        <section class="deflect-requests deflect-scroll" aria-labelledby="deflect-requests-title">
            <button type="button" class="deflect-back" onclick={back}>{ t.back }</button>
            <h2 id="deflect-requests-title" tabindex="-1">{ t.your_requests }</h2>
            <p>{ t.replies_by_email }</p>
            <ul class="deflect-request-list">{ for items }</ul>
        </section>
    }
}
