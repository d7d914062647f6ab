//! The dashboard's sign-in session: what the `/report` cookie holds instead of the token.
//!
//! The cookie used to carry the report token itself, so a copy of it (a shared browser
//! profile, a backup, a cookie-stealing extension) was the token: good for the JSON report,
//! for exporting and erasing personal data through the API, forever. Now it carries a
//! session that expires: `s1.<expiry, unix seconds>.<HMAC-SHA256 of a label and the expiry
//! under the report token>`. It proves its holder typed the token recently, opens only the
//! dashboard (the API takes the bearer token alone), stops working after
//! [`SESSION_SECONDS`], and every session ends at once when the token is rotated. Every
//! collector instance behind a load balancer verifies it without shared state.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a sign-in lasts (also the cookie's `Max-Age`): one working day.
pub const SESSION_SECONDS: i64 = 12 * 60 * 60;

const VERSION: &str = "s1";
const LABEL: &[u8] = b"deflect report: dashboard session, v1\n";

fn mac(report_token: &str, expires: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(report_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(LABEL);
    mac.update(expires.to_string().as_bytes());
    mac
}

/// A session for someone who just signed in with `report_token` at `now` (unix seconds).
pub fn issue(report_token: &str, now: i64) -> String {
    let expires = now + SESSION_SECONDS;
    let tag = hex::encode(mac(report_token, expires).finalize().into_bytes());
    format!("{VERSION}.{expires}.{tag}")
}

/// True when `cookie` is a session issued under `report_token` that has not expired at
/// `now`. The tag is compared in constant time.
pub fn is_valid(report_token: &str, cookie: &str, now: i64) -> bool {
    let mut parts = cookie.splitn(3, '.');
    let (Some(VERSION), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Ok(expires), Ok(tag)) = (expires.parse::<i64>(), hex::decode(tag)) else {
        return false;
    };
    // A session from the future (a forged expiry far ahead) is refused by its MAC; one
    // that claims more than a session's length is refused here too, whatever its MAC.
    if expires <= now || expires > now + SESSION_SECONDS {
        return false;
    }
    mac(report_token, expires).verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "report-token-0123456789";
    const NOW: i64 = 1_790_000_000;

    #[test]
    fn a_session_is_valid_until_it_expires_and_is_not_the_token() {
        let s = issue(TOKEN, NOW);
        assert!(!s.contains(TOKEN));
        assert!(is_valid(TOKEN, &s, NOW));
        assert!(is_valid(TOKEN, &s, NOW + SESSION_SECONDS - 1));
        assert!(!is_valid(TOKEN, &s, NOW + SESSION_SECONDS));
    }

    #[test]
    fn rotating_the_token_ends_every_session_and_forgeries_fail() {
        let s = issue(TOKEN, NOW);
        assert!(!is_valid("another-token-0123456789", &s, NOW));
        // A longer expiry with the old tag, a flipped tag, the token itself, garbage.
        let (_, tag) = s.rsplit_once('.').unwrap();
        let later = format!("s1.{}.{tag}", NOW + SESSION_SECONDS - 10);
        assert!(!is_valid(TOKEN, &later, NOW));
        let mut flipped = s.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        for bad in [flipped.as_str(), TOKEN, "", "s1..", "s1.x.y", "s2.1.00"] {
            assert!(!is_valid(TOKEN, bad, NOW), "{bad:?}");
        }
        // Even a correctly signed session claiming more than a session's length is refused.
        let far = NOW + 10 * SESSION_SECONDS;
        let tag = hex::encode(mac(TOKEN, far).finalize().into_bytes());
        assert!(!is_valid(TOKEN, &format!("s1.{far}.{tag}"), NOW));
    }
}
