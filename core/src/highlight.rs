//! Highlighting: splitting a title or excerpt into matched and unmatched fragments.
//!
//! A word is highlighted when the analyzer turns it into one of the terms the query
//! matched, so "Resetting" lights up for a search on "reset" and stop words never do.
//! The result is plain data, rendered as text nodes by the widget: customer input and
//! article text never become markup here.

use std::collections::HashSet;

use tantivy::tokenizer::TextAnalyzer;

use crate::analyzer::tokens;

/// A run of text, highlighted or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fragment {
    /// The text, verbatim from the source.
    pub text: String,
    /// True when it is a matched word.
    pub matched: bool,
}

/// A text split into fragments; concatenated, they give back the source exactly.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Highlighted {
    /// The fragments, in order.
    pub fragments: Vec<Fragment>,
}

impl Highlighted {
    /// Splits `text`, marking the words whose analysed form is in `terms`.
    pub fn new(analyzer: &mut TextAnalyzer, text: &str, terms: &HashSet<String>) -> Highlighted {
        let mut fragments = Vec::new();
        let mut at = 0;
        for token in tokens(analyzer, text) {
            if !terms.contains(&token.term) || token.from < at {
                continue;
            }
            if token.from > at {
                fragments.push(Fragment {
                    text: text[at..token.from].into(),
                    matched: false,
                });
            }
            fragments.push(Fragment {
                text: text[token.from..token.to].into(),
                matched: true,
            });
            at = token.to;
        }
        if at < text.len() {
            fragments.push(Fragment {
                text: text[at..].into(),
                matched: false,
            });
        }
        Highlighted { fragments }
    }

    /// The source text without markup.
    pub fn plain(&self) -> String {
        self.fragments.iter().map(|f| f.text.as_str()).collect()
    }

    /// The matched words, in order.
    pub fn matched(&self) -> Vec<&str> {
        self.fragments
            .iter()
            .filter(|f| f.matched)
            .map(|f| f.text.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::ArticleLanguage;

    #[test]
    fn marks_words_by_their_analysed_form() {
        let terms: HashSet<String> = ["reset".to_string(), "password".to_string()].into();
        let h = Highlighted::new(
            &mut ArticleLanguage::English.analyzer(),
            "Resetting your Passwords, fast",
            &terms,
        );
        assert_eq!(h.matched(), vec!["Resetting", "Passwords"]);
        assert_eq!(h.plain(), "Resetting your Passwords, fast");
    }

    #[test]
    fn no_terms_gives_one_plain_fragment() {
        let h = Highlighted::new(
            &mut ArticleLanguage::English.analyzer(),
            "<b>not markup</b>",
            &HashSet::new(),
        );
        assert_eq!(
            h.fragments,
            vec![Fragment {
                text: "<b>not markup</b>".into(),
                matched: false
            }]
        );
    }
}
