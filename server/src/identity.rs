//! Identity verification: whether the customer a case names is the one the vendor's backend
//! vouched for, the way Intercom's identity verification and Help Scout's secure mode work.
//!
//! The vendor's backend signs the identity of the signed-in customer with a secret only it
//! and the collector know, and the page passes the signature to `Deflect('identify', …)`.
//! Anyone can post a case naming any e-mail address; only a case whose `user_id`, `email`
//! and `plan` carry a matching signature is marked verified. The signed message is, byte
//! for byte (docs/identity-verification.md, where a test checks the example):
//!
//! ```text
//! deflect-identity-v1 LF user_id LF email LF plan
//! ```
//!
//! UTF-8, fields joined by a single line feed (0x0A), no trailing line feed, an absent field
//! as the empty string; HMAC-SHA256 keyed with the secret's UTF-8 bytes, written as 64
//! lower-case hex characters. A value holding a line break could shift the fields, so such
//! a case is never verified.
//!
//! Nothing here refuses a case: an unverified one is still stored and forwarded (a customer
//! always reaches a human), marked "NOT verified", and with `require_verified` without the
//! user id and plan it claimed. The signature itself is dropped before anything is stored:
//! it is a credential for that identity and nobody downstream needs it.

use deflect_wire::Case;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// The first line of every signed message; names the scheme and its version so a
/// signature made for something else with the same secret never matches.
pub const MESSAGE_PREFIX: &str = "deflect-identity-v1";

/// Shortest accepted secret, in characters (`openssl rand -hex 32` gives 64).
pub const MIN_SECRET_CHARS: usize = 32;

/// `[identity]` settings.
#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// The HMAC key shared with the vendor's backend; none: every case is unverified.
    pub secret: Option<String>,
    /// Unverified cases keep the e-mail the visitor typed but lose the `user_id` and
    /// `plan` they claimed.
    pub require_verified: bool,
}

/// Written without the secret: settings are debug-printed in panics and test failures.
impl std::fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("require_verified", &self.require_verified)
            .finish()
    }
}

impl IdentityConfig {
    /// Checks what the types cannot; errors name the key and never show the secret.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(secret) = &self.secret {
            if secret.chars().count() < MIN_SECRET_CHARS {
                anyhow::bail!(
                    "identity.secret: must be at least {MIN_SECRET_CHARS} characters \
                     (e.g. the output of `openssl rand -hex 32`)"
                );
            }
        }
        if self.require_verified && self.secret.is_none() {
            anyhow::bail!(
                "identity.require_verified: needs identity.secret (or DEFLECT_IDENTITY_SECRET): \
                 without it no case could ever be verified"
            );
        }
        Ok(())
    }
}

/// The exact bytes the vendor's backend signs.
pub fn message(user_id: Option<&str>, email: Option<&str>, plan: Option<&str>) -> String {
    [
        MESSAGE_PREFIX,
        user_id.unwrap_or(""),
        email.unwrap_or(""),
        plan.unwrap_or(""),
    ]
    .join("\n")
}

fn mac(secret: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length")
}

/// The signature of `message` with `secret`, as lower-case hex (what the vendor's backend
/// computes; the collector itself only verifies).
pub fn sign(secret: &str, message: &str) -> String {
    let mut mac = mac(secret);
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` (hex) is the signature of `message`, compared in constant time
/// (`Mac::verify_slice`): how long the check takes says nothing about how much matched.
pub fn verify(secret: &str, message: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(message.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// What the collector concluded about a case's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The signature matches the case's user id, e-mail and plan.
    Verified,
    /// No signature came with the case (or no secret is configured).
    Unsigned,
    /// A signature came and does not match: the visitor changed a value, or the vendor's
    /// backend signs something else.
    Mismatch,
}

impl Verdict {
    /// True only for [`Verdict::Verified`].
    pub fn is_verified(self) -> bool {
        self == Verdict::Verified
    }
}

/// Checks a case's identity, then removes its signature, and under `require_verified`
/// drops the user id and plan of a case that is not verified. The e-mail stays either
/// way: it is where the customer asked to be answered, marked as typed, not vouched for.
pub fn settle(case: &mut Case, config: &IdentityConfig) -> Verdict {
    let signature = case.context.identity_signature.take();
    let verdict = match (&config.secret, signature) {
        (Some(secret), Some(signature)) => {
            let c = &case.context;
            let fields = [
                c.user_id.as_deref(),
                Some(case.email.trim()),
                c.plan.as_deref(),
            ];
            let shifted = fields.iter().flatten().any(|v| v.contains(['\n', '\r']));
            let signed = message(fields[0], fields[1], fields[2]);
            if !shifted && verify(secret, &signed, &signature) {
                Verdict::Verified
            } else {
                Verdict::Mismatch
            }
        }
        _ => Verdict::Unsigned,
    };
    if config.require_verified && !verdict.is_verified() {
        case.context.user_id = None;
        case.context.plan = None;
    }
    verdict
}

/// The line the helpdesk reads at the top of the forwarded case.
pub fn statement(verified: bool) -> &'static str {
    if verified {
        "Identity: verified (user id, e-mail and plan signed by your backend)"
    } else {
        "Identity: NOT verified — the e-mail was typed by the visitor / not signed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in docs/identity-verification.md: the secret, the values and the hex
    /// printed there are what this code computes (and the document says so byte for byte).
    #[test]
    fn the_documented_example_is_what_the_collector_computes() {
        let doc = include_str!("../../docs/identity-verification.md");
        let secret = "4f1c9e2a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8";
        let signed = message(Some("u-1042"), Some("ana@example.com"), Some("premium"));
        assert_eq!(
            signed.as_bytes(),
            b"deflect-identity-v1\nu-1042\nana@example.com\npremium"
        );
        let hex = sign(secret, &signed);
        assert_eq!(hex.len(), 64);
        assert!(
            doc.contains(secret),
            "the document shows the example secret"
        );
        assert!(
            doc.contains(&format!("`{hex}`")),
            "docs/identity-verification.md must show the signature {hex}"
        );
        let without_user = sign(secret, &message(None, Some("ana@example.com"), None));
        assert!(
            doc.contains(&format!("`{without_user}`")),
            "docs/identity-verification.md must show the signature {without_user}"
        );
        assert!(verify(secret, &signed, &hex));
        assert!(!verify(secret, &signed, &without_user));
        assert!(!verify(secret, &signed, "not hex"));
    }

    /// The Python snippet in the document, run as written (when python3 is installed),
    /// prints the same signature.
    #[test]
    fn the_documented_python_snippet_signs_the_same() {
        let doc = include_str!("../../docs/identity-verification.md");
        let snippet = doc
            .split("```python\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("a python block in docs/identity-verification.md");
        let program = format!(
            "{snippet}\nprint(deflect_signature('4f1c9e2a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8', \
             'u-1042', 'ana@example.com', 'premium'))\n"
        );
        let Ok(out) = std::process::Command::new("python3")
            .arg("-c")
            .arg(&program)
            .output()
        else {
            eprintln!("notice: python3 is not installed; the Python snippet was not run");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let secret = "4f1c9e2a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8";
        let expected = sign(
            secret,
            &message(Some("u-1042"), Some("ana@example.com"), Some("premium")),
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);
    }

    #[test]
    fn settings_are_checked_and_never_show_the_secret() {
        let secret = "s3cr3t-".repeat(6);
        let c = IdentityConfig {
            secret: Some(secret.clone()),
            require_verified: true,
        };
        c.validate().unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"), "{c:?}");
        let short = IdentityConfig {
            secret: Some("s3cr3t".into()),
            require_verified: false,
        };
        let e = short.validate().unwrap_err().to_string();
        assert!(
            e.starts_with("identity.secret") && !e.contains("s3cr3t"),
            "{e}"
        );
        let none = IdentityConfig {
            secret: None,
            require_verified: true,
        };
        let e = none.validate().unwrap_err().to_string();
        assert!(e.starts_with("identity.require_verified"), "{e}");
    }

    #[test]
    fn a_value_with_a_line_break_is_never_verified() {
        let secret = "k".repeat(40);
        let case_with = |plan: &str, signature: String| -> Case {
            serde_json::from_value(serde_json::json!({
                "id": "case-ident-0001", "journey_id": "journey-01",
                "created_at": "2026-11-23T10:00:00Z", "subject": "x",
                "email": "ana@example.com", "customer_category": "how_do_i",
                "context": {"user_id": "u-1", "plan": plan, "identity_signature": signature}
            }))
            .unwrap()
        };
        let config = IdentityConfig {
            secret: Some(secret.clone()),
            require_verified: true,
        };
        let signed = |plan: &str| {
            sign(
                &secret,
                &message(Some("u-1"), Some("ana@example.com"), Some(plan)),
            )
        };
        let mut case = case_with("team", signed("team"));
        assert_eq!(settle(&mut case, &config), Verdict::Verified);
        assert_eq!(case.context.identity_signature, None, "never stored");
        assert_eq!(case.context.plan.as_deref(), Some("team"));
        // Even signed as sent: a line break would let the fields be regrouped.
        let mut case = case_with("team\nu-2", signed("team\nu-2"));
        assert_eq!(settle(&mut case, &config), Verdict::Mismatch);
        assert_eq!((case.context.user_id, case.context.plan), (None, None));
    }
}
