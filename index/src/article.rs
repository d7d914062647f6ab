//! The validated article: what every source format is turned into before indexing.

use std::path::PathBuf;

/// One knowledge-base article, validated and ready to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Stable id: from front matter, or the source path relative to the knowledge base
    /// without its extension (`account/reset-password`).
    pub id: String,
    /// Title shown in results.
    pub title: String,
    /// Category shown in results; may be empty.
    pub category: String,
    /// Tags, searched with a high weight.
    pub tags: Vec<String>,
    /// Canonical URL on the vendor's help centre; may be empty.
    pub url: String,
    /// Last update date (`YYYY-MM-DD`); may be empty.
    pub updated: String,
    /// One-sentence summary; may be empty.
    pub summary: String,
    /// Sanitized HTML of the body, for the article view.
    pub html: String,
    /// Plain text of the body, for indexing.
    pub text: String,
    /// The body's section headings, in order.
    pub headings: Vec<String>,
    /// Where the article came from.
    pub source: PathBuf,
}

/// Longest excerpt stored for the results list, in characters.
pub const EXCERPT_CHARS: usize = 180;

impl Article {
    /// The excerpt shown under the title: the summary, or the start of the text cut at a
    /// word boundary.
    pub fn excerpt(&self) -> String {
        let source = if self.summary.is_empty() {
            &self.text
        } else {
            &self.summary
        };
        let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= EXCERPT_CHARS {
            return flat;
        }
        let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
        let cut = match cut.rfind(' ') {
            Some(space) if space > EXCERPT_CHARS / 2 => cut[..space].to_string(),
            _ => cut,
        };
        format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
    }
}
