//! Text analysis: the one definition of how article text and typed queries become terms.
//!
//! The indexer registers [`english_analyzer`] under [`ANALYZER_NAME`] for every text field,
//! and the query planner runs the very same analyzer over what the customer types. The
//! chain is: split on non-alphanumerics, drop absurdly long tokens, lower-case, fold
//! accents to ASCII, remove stop words, then Snowball-stem.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// Name under which the analyzer is registered in every index built by Deflect.
pub const ANALYZER_NAME: &str = "deflect_en";

/// Tokens longer than this (in bytes) are dropped: they are base64 blobs or hashes, not words.
pub const MAX_TOKEN_LEN: usize = 40;

/// Lucene's English stop words plus the words people put around a question
/// ("how do I …", "what can we …"). Questions are the common input to a help widget, and
/// these words otherwise match nearly every article and pull unrelated ones up.
pub const STOP_WORDS: &[&str] = &[
    // Lucene's EnglishAnalyzer list.
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", // Question scaffolding.
    "how", "what", "why", "when", "where", "which", "who", "whom", "do", "does", "did", "i", "me",
    "my", "we", "our", "you", "your", "can", "could", "should", "would", "am", "has", "have",
    "had", "been", "so", "from", "its", "im", "ive", "dont", "there", "any", "some",
];

/// Builds the analyzer used for every text field and every query.
pub fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Builds the analyzer without stop words and stemming: what a *partial* word is matched
/// with, since stemming "configura" would not give a prefix of anything useful.
pub fn folding_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// A term produced by analysis, with the byte range of the source word it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedToken {
    /// The term as stored in the index.
    pub term: String,
    /// Byte offset of the source word's start.
    pub from: usize,
    /// Byte offset just past the source word's end.
    pub to: usize,
}

/// Runs `analyzer` over `text` and collects its tokens with their source offsets.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<AnalyzedToken> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(AnalyzedToken {
            term: token.text.clone(),
            from: token.offset_from,
            to: token.offset_to,
        });
    }
    out
}

/// Analyzes `text` with the English analyzer and returns only the terms.
pub fn analyze(text: &str) -> Vec<String> {
    tokens(&mut english_analyzer(), text)
        .into_iter()
        .map(|t| t.term)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_folds_and_stems() {
        assert_eq!(analyze("Résetting PASSWORDS"), vec!["reset", "password"]);
        assert_eq!(analyze("Configuration"), vec!["configur"]);
    }

    #[test]
    fn drops_question_scaffolding_and_stop_words() {
        assert_eq!(
            analyze("How do I cancel my subscription?"),
            vec!["cancel", "subscript"]
        );
        assert!(analyze("the and of it").is_empty());
    }

    #[test]
    fn drops_overlong_tokens_and_keeps_offsets() {
        let blob = "x".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(
            analyze(&format!("token {blob} invoice")),
            vec!["token", "invoic"]
        );
        let toks = tokens(&mut english_analyzer(), "Renew  invoices");
        assert_eq!(
            toks[1],
            AnalyzedToken {
                term: "invoic".into(),
                from: 7,
                to: 15
            }
        );
    }

    #[test]
    fn folding_analyzer_keeps_partial_words_whole() {
        let toks = tokens(&mut folding_analyzer(), "Configura");
        assert_eq!(toks[0].term, "configura");
    }
}
