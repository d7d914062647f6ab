//! Content addresses: the files a build publishes (the pack, each article's HTML) are named
//! by a hash of their bytes, and whoever fetches one checks the bytes against the name
//! before using them.
//!
//! The name carries the first [`HASH_HEX_LEN`] hex digits of the SHA-256 of the file
//! (`kb.1f0c9a7e3b5d2c48.pack`, `articles/9e1d…​.html`). The indexer names files with
//! [`content_name`] and the widget checks them with [`verify_content_address`], so the two
//! can never disagree on what a name means. The check runs in pure Rust: the same code is
//! tested natively, it is synchronous, and it works on plain-http pages, where browsers
//! give no SubtleCrypto.

use sha2::{Digest, Sha256};

/// Hex digits of the SHA-256 a content-addressed name carries (64 bits: a collision by
/// chance among a knowledge base's files is out of reach; forging one on purpose is not
/// what the name defends against, the manifest's origin is).
pub const HASH_HEX_LEN: usize = 16;

/// Why bytes do not belong under a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentAddressError {
    /// The name holds no hash to check against, so the file cannot be verified.
    #[error("{name} is not a content-addressed name (no {HASH_HEX_LEN}-digit hex hash in it)")]
    NoHash {
        /// The file name.
        name: String,
    },
    /// The bytes hash to something else: corrupted or replaced on the way.
    #[error("{name} does not match its content: its bytes hash to {actual}")]
    Mismatch {
        /// The file name.
        name: String,
        /// The leading hex digits of the bytes' SHA-256, as long as the name's hash.
        actual: String,
    },
}

/// The content hash of `bytes` as it appears in a published file name.
pub fn content_name(bytes: &[u8]) -> String {
    let mut hex = full_hex(bytes);
    hex.truncate(HASH_HEX_LEN);
    hex
}

fn full_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash a file name carries: the one dot-separated part of its last path segment that
/// is lower-case hex of at least [`HASH_HEX_LEN`] and at most 64 digits (a longer, less
/// truncated hash is checked to its full length).
fn hash_in_name(name: &str) -> Option<&str> {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let file = file.split(['?', '#']).next().unwrap_or(file);
    let mut parts = file.split('.').filter(|p| {
        (HASH_HEX_LEN..=64).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    match (parts.next(), parts.next()) {
        (Some(hash), None) => Some(hash),
        _ => None,
    }
}

/// Checks that `bytes` are the file `name` (a file name or URL path, e.g.
/// `articles/9e1d….html` or `kb.1f0c….pack`) promises: the SHA-256 of the bytes starts
/// with the hex hash in the name. Use it for every content-addressed file before using its
/// bytes (the pack, its pieces, article HTML).
pub fn verify_content_address(name: &str, bytes: &[u8]) -> Result<(), ContentAddressError> {
    let expected = hash_in_name(name).ok_or_else(|| ContentAddressError::NoHash {
        name: name.to_string(),
    })?;
    let mut actual = full_hex(bytes);
    if actual.starts_with(expected) {
        return Ok(());
    }
    actual.truncate(expected.len());
    Err(ContentAddressError::Mismatch {
        name: name.to_string(),
        actual,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_leading_digits_of_sha256() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(content_name(b"abc"), "ba7816bf8f01cfea");
        assert_eq!(content_name(b"abc").len(), HASH_HEX_LEN);
    }

    #[test]
    fn the_bytes_a_name_promises_pass_in_every_published_form() {
        let html = b"<p>Refunds take five days.</p>";
        let hash = content_name(html);
        for name in [
            format!("articles/{hash}.html"),
            format!("https://cdn.example/kb/articles/{hash}.html"),
            format!("kb.{hash}.pack"),
            format!("kb.{hash}.3.piece"),
            format!("{}.html", full_hex(html)),
        ] {
            assert_eq!(verify_content_address(&name, html), Ok(()), "{name}");
        }
    }

    #[test]
    fn changed_bytes_are_a_mismatch_naming_the_file_and_the_actual_hash() {
        let html = b"<p>Refunds take five days.</p>";
        let name = format!("articles/{}.html", content_name(html));
        let tampered = b"<p>Refunds take <a href=\"javascript:x\">five</a> days.</p>";
        let e = verify_content_address(&name, tampered).unwrap_err();
        assert_eq!(
            e,
            ContentAddressError::Mismatch {
                name: name.clone(),
                actual: content_name(tampered)
            }
        );
        assert!(e.to_string().contains(&name), "{e}");
        // One flipped bit, a truncation, nothing at all.
        let mut flipped = html.to_vec();
        flipped[3] ^= 1;
        assert!(verify_content_address(&name, &flipped).is_err());
        assert!(verify_content_address(&name, &html[..html.len() - 1]).is_err());
        assert!(verify_content_address(&name, b"").is_err());
    }

    #[test]
    fn names_without_exactly_one_hash_cannot_be_verified() {
        for name in [
            "articles/refunds.html",
            "kb.pack",
            "kb.1f0c9a7e.pack",         // too short to be a content name
            "kb.1F0C9A7E3B5D2C48.pack", // not how the indexer writes it
            "kb.1f0c9a7e3b5d2c48.9e1d00aa11bb22cc.pack", // two candidates: which one?
            "1f0c9a7e3b5d2c48/articles.html", // the hash is in a folder
        ] {
            assert!(
                matches!(
                    verify_content_address(name, b"x"),
                    Err(ContentAddressError::NoHash { .. })
                ),
                "{name}"
            );
        }
    }
}
