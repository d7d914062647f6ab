//! A case as plain text: the one rendering for every place a person reads a case outside
//! the widget — the helpdesk webhook's `body_text` (read by agents) and the e-mail the
//! widget offers when the collector is absent or refuses the case (sent by the customer).
//!
//! Both used to be written separately and had drifted (the e-mail had no reply promise
//! and no page, the webhook listed searches and articles apart). The layout is fixed
//! here; only the words change with the reader, through [`CaseWording`]: the widget passes
//! the customer's language, the collector the agents' wording with article ids.
//!
//! ```text
//! <description>
//!
//! <reference label>: DF-3F2A9C1E
//! <notes: e.g. whether the identity was verified>
//! <category label>: <category>
//! <reply label>: <when>                  (when a reply time was promised)
//!
//! <tried label>:
//! - <searched "…">
//! - <read "…" (12 s) — verdict>
//!
//! <extra lines: page, locale, user id, plan, identity …>
//! ```

use std::fmt::Write as _;

use crate::{Case, CustomerCategory, TrailArticle};

/// The words of a case's text for one kind of reader.
pub trait CaseWording {
    /// "Reference".
    fn reference(&self) -> &str;
    /// The label of the customer's own category ("Type of problem").
    fn category_label(&self) -> &str;
    /// A customer category as this reader reads it.
    fn category(&self, category: CustomerCategory) -> String;
    /// The label of the promised reply time; `None` leaves the line out.
    fn reply_by_label(&self) -> Option<&str>;
    /// The label of the trail ("What I tried first").
    fn tried_label(&self) -> &str;
    /// One search of the trail, as a line.
    fn searched(&self, query: &str) -> String;
    /// One article of the trail (title, time read, verdict), as a line.
    fn read(&self, article: &TrailArticle) -> String;
}

/// The case as plain text: `notes` (lines the reader must see first, such as whether the
/// identity was verified) under the reference, and `extra` lines (label, value) at the end
/// (the page, the plan …).
pub fn render(
    case: &Case,
    wording: &dyn CaseWording,
    notes: &[&str],
    extra: &[(&str, String)],
) -> String {
    let mut s = String::new();
    let description = case.description.trim();
    if !description.is_empty() {
        s.push_str(description);
        s.push_str("\n\n");
    }
    let _ = writeln!(s, "{}: {}", wording.reference(), case.reference());
    for note in notes {
        let _ = writeln!(s, "{note}");
    }
    let _ = writeln!(
        s,
        "{}: {}",
        wording.category_label(),
        wording.category(case.customer_category)
    );
    if let (Some(label), Some(by)) = (wording.reply_by_label(), case.expected_reply_by) {
        let _ = writeln!(s, "{label}: {by}");
    }
    let lines: Vec<String> = case
        .trail
        .queries
        .iter()
        .map(|q| wording.searched(q))
        .chain(case.trail.articles.iter().map(|a| wording.read(a)))
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(s, "\n{}:", wording.tried_label());
        for line in lines {
            let _ = writeln!(s, "- {line}");
        }
    }
    if !extra.is_empty() {
        s.push('\n');
        for (label, value) in extra {
            let _ = writeln!(s, "{label}: {value}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Trail;

    struct Plain;
    impl CaseWording for Plain {
        fn reference(&self) -> &str {
            "Reference"
        }
        fn category_label(&self) -> &str {
            "Category"
        }
        fn category(&self, c: CustomerCategory) -> String {
            c.as_str().to_string()
        }
        fn reply_by_label(&self) -> Option<&str> {
            Some("Reply by")
        }
        fn tried_label(&self) -> &str {
            "Tried"
        }
        fn searched(&self, q: &str) -> String {
            format!("searched {q}")
        }
        fn read(&self, a: &TrailArticle) -> String {
            format!("read {} ({} s)", a.title, a.dwell_ms / 1000)
        }
    }

    /// The crate's case fixture, with a description to trim.
    fn case() -> Case {
        Case {
            description: "  Since Monday.  ".into(),
            ..crate::tests::case()
        }
    }

    #[test]
    fn one_layout_whatever_the_wording() {
        let text = render(
            &case(),
            &Plain,
            &["Identity: verified"],
            &[("Page", "/billing".into())],
        );
        assert_eq!(
            text,
            "Since Monday.\n\nReference: DF-3F2A9C1E\nIdentity: verified\nCategory: billing_or_account\n\n\
             Tried:\n- searched invoice vat\n- read VAT on invoices (12 s)\n\nPage: /billing\n"
        );
        // Nothing tried, no description, no extras: just the reference and category.
        let mut bare = case();
        bare.description.clear();
        bare.trail = Trail::default();
        assert_eq!(
            render(&bare, &Plain, &[], &[]),
            "Reference: DF-3F2A9C1E\nCategory: billing_or_account\n"
        );
    }
}
