//! What the widget knows about the customer before they type into the contact form, and
//! how it fills the form with it: [`update_identity`] merges each `Deflect('identify', …)`
//! call into who the customer is, and [`contact_draft`] brings a saved draft up to date
//! with the journey and that identity. Plain functions, tested natively; `session` calls
//! them with the live journey.

use deflect_journey::Trail;

use crate::form::ContactDraft;
use crate::settings::Identity;

/// Updates who the customer is with `who`; fields left out keep their value. A call that
/// names any signed field (user id, e-mail, plan) brings its own signature, or none: an
/// earlier signature never vouches for values it was not computed over.
pub fn update_identity(current: &mut Identity, who: Identity) {
    if who.user_id.is_some() || who.email.is_some() || who.plan.is_some() {
        current.signature = who.signature.clone();
    }
    for (slot, value) in [
        (&mut current.user_id, who.user_id),
        (&mut current.email, who.email),
        (&mut current.name, who.name),
        (&mut current.plan, who.plan),
    ] {
        if value.is_some() {
            *slot = value;
        }
    }
}

/// The journey as the contact form needs it.
pub struct JourneySoFar<F: FnOnce() -> String> {
    /// What the customer tried so far in the running journey.
    pub trail: Trail,
    /// The journey's id; called only when the draft takes it (it starts a journey when
    /// none is running).
    pub journey_id: F,
    /// The last query of this journey (the subject when the draft has none).
    pub last_query: Option<String>,
}

/// The contact form's draft: the saved one (if any) brought up to date with this journey —
/// its trail, and the last query as subject — and prefilled from `identify` (a signed
/// e-mail replaces whatever the draft held).
pub fn contact_draft<F: FnOnce() -> String>(
    saved: Option<ContactDraft>,
    journey: JourneySoFar<F>,
    who: &Identity,
) -> ContactDraft {
    let mut draft = saved.unwrap_or_default();
    let trail = journey.trail;
    if !trail.queries.is_empty() || !trail.articles.is_empty() || draft.journey_id.is_empty() {
        draft.trail = trail;
        draft.journey_id = (journey.journey_id)();
    }
    if draft.subject.trim().is_empty() {
        draft.subject = journey.last_query.unwrap_or_default();
    }
    if let Some(account) = who.signed_email() {
        // Vouched for by the vendor's backend: the reply goes to the account's address
        // (the form shows it read-only), whatever an older draft held.
        draft.email = account.to_string();
    } else if draft.email.is_empty() {
        draft.email = who.email.clone().unwrap_or_default();
    }
    if draft.name.is_empty() {
        draft.name = who.name.clone().unwrap_or_default();
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn journey(queries: &[&str], id: &'static str) -> JourneySoFar<impl FnOnce() -> String> {
        JourneySoFar {
            trail: Trail {
                queries: queries.iter().map(|q| q.to_string()).collect(),
                ..Trail::default()
            },
            journey_id: move || id.to_string(),
            last_query: queries.last().map(|q| q.to_string()),
        }
    }

    #[test]
    fn identify_keeps_fields_left_out_and_drops_a_signature_it_did_not_bring() {
        let mut who = Identity::default();
        update_identity(
            &mut who,
            Identity {
                email: Some("a@example.com".into()),
                signature: Some(SIGNATURE.into()),
                ..Identity::default()
            },
        );
        update_identity(
            &mut who,
            Identity {
                name: Some("Ada".into()),
                ..Identity::default()
            },
        );
        assert_eq!(
            who.signed_email(),
            Some("a@example.com"),
            "a name is not signed"
        );
        update_identity(
            &mut who,
            Identity {
                plan: Some("pro".into()),
                ..Identity::default()
            },
        );
        assert_eq!(
            who.signature, None,
            "the old signature did not cover the plan"
        );
        assert_eq!(who.email.as_deref(), Some("a@example.com"));
        assert_eq!(who.name.as_deref(), Some("Ada"));
    }

    #[test]
    fn a_new_draft_takes_the_journey_its_last_query_and_who_the_customer_is() {
        let who = Identity {
            email: Some("a@example.com".into()),
            name: Some("Ada".into()),
            ..Identity::default()
        };
        let draft = contact_draft(None, journey(&["export", "export fails"], "j1"), &who);
        assert_eq!(draft.journey_id, "j1");
        assert_eq!(draft.subject, "export fails");
        assert_eq!(draft.trail.queries.len(), 2);
        assert_eq!(
            (draft.email.as_str(), draft.name.as_str()),
            ("a@example.com", "Ada")
        );
    }

    #[test]
    fn a_saved_draft_keeps_what_the_customer_typed_unless_the_email_is_signed() {
        let saved = ContactDraft {
            journey_id: "j0".into(),
            subject: "My own words".into(),
            email: "typed@example.com".into(),
            ..ContactDraft::default()
        };
        let no_new_steps = journey(&[], "j-unused");
        let unsigned = Identity {
            email: Some("other@example.com".into()),
            ..Identity::default()
        };
        let draft = contact_draft(Some(saved.clone()), no_new_steps, &unsigned);
        assert_eq!(
            draft.journey_id, "j0",
            "no new steps: the draft keeps its journey"
        );
        assert_eq!(draft.subject, "My own words");
        assert_eq!(draft.email, "typed@example.com");

        let signed = Identity {
            signature: Some(SIGNATURE.into()),
            ..unsigned
        };
        let draft = contact_draft(Some(saved), journey(&["refund"], "j2"), &signed);
        assert_eq!(
            draft.email, "other@example.com",
            "the account's address wins"
        );
        assert_eq!(
            (draft.journey_id.as_str(), draft.subject.as_str()),
            ("j2", "My own words")
        );
    }
}
