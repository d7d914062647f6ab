//! Which links an article may carry: the one rule the indexer's sanitiser applies when a
//! pack is built and the widget applies again to every link it inserts (a pack the vendor
//! did not build with Deflect, or one edited after the build, gets no say).
//!
//! A link survives when it leads to a web page (`http:`, `https:`), writes an e-mail
//! (`mailto:`: support articles name addresses to write to, and opening the mail program
//! runs nothing) or has no scheme at all (a link inside the knowledge base: `#article:<id>`,
//! a section `#codes`, the widget's own `?deflect-article=<id>`). Everything else —
//! `javascript:`, `data:`, `vbscript:`, `file:`, custom app schemes — is dropped.

/// The schemes a link may use (lower case).
pub const ALLOWED_LINK_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Whether an `href` may stay. The URL is read as browsers read it: leading and trailing
/// spaces and control characters do not count and tabs and line breaks inside are ignored
/// (`" java\tscript:"` is a `javascript:` URL), and the scheme is case-insensitive.
pub fn link_allowed(href: &str) -> bool {
    let cleaned: String = href
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    match scheme_of(&cleaned) {
        None => !cleaned.starts_with("\\\\") && !cleaned.starts_with("/\\"),
        Some(scheme) => ALLOWED_LINK_SCHEMES
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed)),
    }
}

/// The scheme of `url`, if it has one: letters, digits, `+`, `-`, `.` before the first
/// `:`, starting with a letter, with no `/`, `?` or `#` before it.
fn scheme_of(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mail_and_in_knowledge_base_links_survive() {
        for href in [
            "https://help.example.com/refunds",
            "HTTP://example.com",
            "mailto:billing@example.com",
            "#article:billing/refunds",
            "#article:2fa#codes",
            "#codes",
            "?deflect-article=billing/vat",
            "/pricing",
            "../setup/",
            "//cdn.example.com/guide",
            "  https://example.com  ",
        ] {
            assert!(link_allowed(href), "{href} should survive");
        }
    }

    #[test]
    fn script_data_and_other_schemes_are_dropped_however_they_are_written() {
        for href in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "jav\r\nascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "tel:+491234",
            "x-app:open",
            "blob:https://example.com/1",
        ] {
            assert!(!link_allowed(href), "{href:?} should be dropped");
        }
    }
}
