//! Text analysis: the one definition of how article text and typed queries become terms.
//!
//! An index is built for one [`ArticleLanguage`]. The indexer registers that language's
//! analyzer under [`ArticleLanguage::analyzer_name`] for every text field, so the name is
//! recorded in the index's own schema; opening a pack reads it back and the query planner
//! runs the very same analyzer over what the customer types. The chain is: split on
//! non-alphanumerics, drop absurdly long tokens, lower-case, fold accents to ASCII, remove
//! the language's stop words, then stem with the language's Snowball stemmer.

use std::fmt;
use std::rc::Rc;

use frostem::Algorithm;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer,
};

use crate::stemmer::SnowballStemmer;
use crate::stop_words;

/// Tokens longer than this (in bytes) are dropped: they are base64 blobs or hashes, not words.
pub const MAX_TOKEN_LEN: usize = 40;

/// The language a knowledge base's articles are written in; it chooses stop words,
/// stemmer and the word endings "Did you mean" writes corrections out with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum ArticleLanguage {
    /// English (`en`).
    #[default]
    #[serde(rename = "en")]
    English,
    /// German (`de`).
    #[serde(rename = "de")]
    German,
    /// French (`fr`).
    #[serde(rename = "fr")]
    French,
}

impl fmt::Display for ArticleLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

thread_local! {
    // Folding a few hundred stop words is work the planner would otherwise repeat for every
    // unknown word of every keystroke, and "Did you mean" analyses dozens of candidate
    // spellings per keystroke: both are built once per language.
    static FOLDED_STOP_WORDS: [Rc<[String]>; 3] =
        ArticleLanguage::ALL.map(ArticleLanguage::fold_stop_words);
    static ANALYZERS: [TextAnalyzer; 3] = ArticleLanguage::ALL.map(ArticleLanguage::build_analyzer);
}

impl ArticleLanguage {
    /// Every supported language.
    pub const ALL: [ArticleLanguage; 3] = [
        ArticleLanguage::English,
        ArticleLanguage::German,
        ArticleLanguage::French,
    ];

    /// The BCP 47 primary language subtag (`en`, `de`, `fr`).
    pub fn code(self) -> &'static str {
        match self {
            ArticleLanguage::English => "en",
            ArticleLanguage::German => "de",
            ArticleLanguage::French => "fr",
        }
    }

    /// Reads a language tag by its primary subtag, ignoring case and region
    /// (`de`, `de-CH`, `FR_fr`); `None` for a language Deflect has no analyzer for.
    pub fn from_tag(tag: &str) -> Option<ArticleLanguage> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        ArticleLanguage::ALL
            .into_iter()
            .find(|l| l.code() == primary)
    }

    /// Name under which this language's analyzer is registered; an index's schema records
    /// it for every text field.
    pub fn analyzer_name(self) -> &'static str {
        match self {
            ArticleLanguage::English => "deflect_en",
            ArticleLanguage::German => "deflect_de",
            ArticleLanguage::French => "deflect_fr",
        }
    }

    /// The language whose analyzer is registered as `name`.
    pub fn from_analyzer_name(name: &str) -> Option<ArticleLanguage> {
        ArticleLanguage::ALL
            .into_iter()
            .find(|l| l.analyzer_name() == name)
    }

    /// The stop words, as written (before folding).
    pub fn stop_words(self) -> &'static [&'static str] {
        match self {
            ArticleLanguage::English => stop_words::ENGLISH,
            ArticleLanguage::German => stop_words::GERMAN,
            ArticleLanguage::French => stop_words::FRENCH,
        }
    }

    /// Endings tried when a stem is written back out as a word for "Did you mean".
    pub fn word_endings(self) -> &'static [&'static str] {
        match self {
            ArticleLanguage::English => &[
                "", "e", "s", "es", "ed", "ing", "er", "ers", "ion", "ions", "ation", "ations",
                "ment", "ments", "al", "ally", "ly", "ity", "ive", "able", "ate", "ated", "ance",
                "ence", "y", "ies", "ness",
            ],
            ArticleLanguage::German => &[
                "", "e", "en", "er", "ern", "es", "s", "n", "ung", "ungen", "lich", "keit", "heit",
                "ig", "isch", "ieren", "iert", "t", "te", "ten",
            ],
            ArticleLanguage::French => &[
                "", "e", "es", "s", "er", "ez", "ee", "ees", "ion", "ions", "ment", "ments", "eur",
                "eurs", "euse", "able", "ique", "iques", "ite", "ation", "ations", "ir", "re",
            ],
        }
    }

    fn stemmer_algorithm(self) -> Algorithm {
        match self {
            ArticleLanguage::English => Algorithm::English,
            ArticleLanguage::German => Algorithm::German,
            ArticleLanguage::French => Algorithm::French,
        }
    }

    fn build_analyzer(self) -> TextAnalyzer {
        // Stop words are compared after folding, so they are folded the same way ("für").
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_LEN))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::remove(
                self.folded_stop_words().iter().cloned(),
            ))
            .filter(SnowballStemmer::new(self.stemmer_algorithm()))
            .build()
    }

    /// Position in [`ArticleLanguage::ALL`], for the per-language tables.
    fn slot(self) -> usize {
        ArticleLanguage::ALL
            .iter()
            .position(|l| *l == self)
            .expect("every language is in ALL")
    }

    /// The analyzer used for every text field and every query of an index in this language.
    pub fn analyzer(self) -> TextAnalyzer {
        ANALYZERS.with(|a| a[self.slot()].clone())
    }

    /// The stop words folded as the analyzer compares them (lower-cased, ASCII).
    pub fn folded_stop_words(self) -> Rc<[String]> {
        FOLDED_STOP_WORDS.with(|f| f[self.slot()].clone())
    }

    fn fold_stop_words(self) -> Rc<[String]> {
        let mut folding = folding_analyzer();
        self.stop_words()
            .iter()
            .flat_map(|w| tokens(&mut folding, w))
            .map(|t| t.term)
            .collect()
    }

    /// Analyzes `text` and returns only the terms.
    pub fn analyze(self, text: &str) -> Vec<String> {
        tokens(&mut self.analyzer(), text)
            .into_iter()
            .map(|t| t.term)
            .collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str) -> Vec<String> {
        ArticleLanguage::English.analyze(text)
    }

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
        let toks = tokens(&mut ArticleLanguage::English.analyzer(), "Renew  invoices");
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

    #[test]
    fn german_and_french_stem_and_drop_their_own_stop_words() {
        let de = ArticleLanguage::German;
        assert_eq!(
            de.analyze("Wie kann ich meine Rechnungen herunterladen?"),
            de.analyze("Rechnung herunterladen")
        );
        assert_eq!(
            de.analyze("Passwörter für Einstellungen"),
            de.analyze("Passwort Einstellung")
        );
        let fr = ArticleLanguage::French;
        assert_eq!(
            fr.analyze("Comment télécharger mes factures ?"),
            fr.analyze("télécharger facture")
        );
        assert_eq!(fr.analyze("l'application"), fr.analyze("applications"));
        // English stemming does not know German plurals: the language matters.
        assert_ne!(
            ArticleLanguage::English.analyze("Rechnungen"),
            ArticleLanguage::English.analyze("Rechnung")
        );
    }

    #[test]
    fn language_tags_and_analyzer_names_round_trip() {
        assert_eq!(
            ArticleLanguage::from_tag("de-CH"),
            Some(ArticleLanguage::German)
        );
        assert_eq!(
            ArticleLanguage::from_tag("FR_fr"),
            Some(ArticleLanguage::French)
        );
        assert_eq!(
            ArticleLanguage::from_tag("en"),
            Some(ArticleLanguage::English)
        );
        assert_eq!(ArticleLanguage::from_tag("pt-BR"), None);
        assert_eq!(ArticleLanguage::from_tag(""), None);
        for l in ArticleLanguage::ALL {
            assert_eq!(
                ArticleLanguage::from_analyzer_name(l.analyzer_name()),
                Some(l)
            );
            assert_eq!(ArticleLanguage::from_tag(l.code()), Some(l));
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.code())
            );
        }
    }
}
