//! The contact form's e-mail when the vendor's backend signed it (`identify` with a
//! `signature`): shown read-only as the account's address, because a changed address would
//! no longer match the signature and the case would reach the helpdesk as not verified.

use yew::prelude::*;

use crate::form::Field;

/// Props of [`AccountEmail`].
#[derive(Properties, PartialEq)]
pub struct AccountEmailProps {
    /// The signed address.
    pub address: AttrValue,
    /// The field's label.
    pub label: AttrValue,
    /// Says where the address comes from.
    pub note: AttrValue,
}

/// The read-only e-mail field, with the same id as the editable one.
#[function_component(AccountEmail)]
pub fn account_email(props: &AccountEmailProps) -> Html {
    html! {
        <div class="deflect-field">
            <label for={Field::Email.input_id()}>{ props.label.clone() }</label>
            <input id={Field::Email.input_id()} type="email" value={props.address.clone()} readonly=true
                aria-describedby="deflect-email-account" />
            <p id="deflect-email-account" class="deflect-field-note">{ props.note.clone() }</p>
        </div>
    }
}
