//! Query planning for as-you-type input.
//!
//! The customer has usually not finished the last word when we search, so every word but
//! the last is a full term and the last is matched three ways: as typed (stemmed), as a
//! prefix of indexed terms, and — from four letters on — within a small edit distance of a
//! prefix, never changing the first letter. Expansions are taken from the index's own term
//! dictionary, most frequent first, and each becomes an ordinary, separately weighted term
//! query. That keeps exact matches ranked above fuzzy ones (tantivy's own fuzzy and prefix
//! queries score every expansion alike) and tells the highlighter which words matched.
//!
//! Within one query word, expansions are combined with a disjunction-max so that a short
//! prefix with many expansions cannot outweigh a fully typed word.

use std::collections::HashMap;

use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::analyzer::{folding_analyzer, tokens, ArticleLanguage};
use crate::synonyms::Synonyms;

/// Longest input the planner reads, in bytes; longer input is cut (at a char boundary).
pub const MAX_INPUT_BYTES: usize = 1000;
/// Most words planned; when more are typed, the last ones (where the customer is) win.
pub const MAX_WORDS: usize = 16;
/// Most prefix or fuzzy expansions kept for one word.
pub const MAX_EXPANSIONS: usize = 8;
/// Most dictionary terms scanned per field for one prefix, bounding latency on short prefixes.
const MAX_SCANNED_TERMS: usize = 20_000;

/// Weight of a term that matches the word as typed.
pub const EXACT_WEIGHT: f32 = 1.0;
/// Weight of a term completing an unfinished word.
pub const PREFIX_WEIGHT: f32 = 0.8;
/// Weight of a term within the allowed edit distance.
pub const FUZZY_WEIGHT: f32 = 0.3;
/// Weight of a correction of a word that matched nothing as typed.
pub const CORRECTION_WEIGHT: f32 = 0.7;
/// Weight of a term from a synonym group.
pub const SYNONYM_WEIGHT: f32 = 0.9;

/// One word of the customer's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The word lower-cased and ASCII-folded, as typed.
    pub folded: String,
    /// The word through the full analyzer; `None` for a stop word.
    pub stem: Option<String>,
    /// True for the last word when the customer may still be typing it.
    pub partial: bool,
}

/// How an expansion relates to the typed word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The analysed word itself.
    Exact,
    /// A completion of an unfinished word.
    Prefix,
    /// A term within the allowed edit distance of a word that also matched otherwise.
    Fuzzy,
    /// A term within the allowed edit distance of a word the index does not know at all:
    /// the only reading of what was typed, so it counts almost like the word itself.
    Correction,
    /// A term from a synonym of the typed word or phrase.
    Synonym,
}

impl MatchKind {
    /// The weight of a term matched this way, relative to the word as typed.
    pub fn weight(self) -> f32 {
        match self {
            MatchKind::Exact => EXACT_WEIGHT,
            MatchKind::Prefix => PREFIX_WEIGHT,
            MatchKind::Fuzzy => FUZZY_WEIGHT,
            MatchKind::Correction => CORRECTION_WEIGHT,
            MatchKind::Synonym => SYNONYM_WEIGHT,
        }
    }
}

/// An indexed term a query word expands to.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    /// The indexed term.
    pub term: String,
    /// How it matched.
    pub kind: MatchKind,
    /// Documents containing it, summed over the searched fields.
    pub doc_freq: u64,
}

/// The planned form of an input: its words, before they meet an index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryPlan {
    /// The words, in input order.
    pub words: Vec<QueryWord>,
}

/// Allowed edit distance for a word of `len` characters: 0 under 4, 1 from 4, 2 from 8.
pub fn typo_distance(len: usize) -> u8 {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// True when `word` is within one edit (a transposition counting as one) of a stop word
/// of at least four letters.
fn is_near_stop_word(language: ArticleLanguage, word: &str) -> bool {
    language
        .folded_stop_words()
        .iter()
        .filter(|s| s.len() >= 4)
        .any(|s| strsim::osa_distance(word, s) <= 1)
}

fn truncate(input: &str) -> &str {
    if input.len() <= MAX_INPUT_BYTES {
        return input;
    }
    let mut end = MAX_INPUT_BYTES;
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    &input[..end]
}

impl QueryPlan {
    /// Splits input into words, stemmed as `language` stems them; the last is `partial`
    /// unless a separator follows it.
    pub fn parse(input: &str, language: ArticleLanguage) -> QueryPlan {
        let input = truncate(input);
        let mut folding = folding_analyzer();
        let mut stemming = language.analyzer();
        let toks = tokens(&mut folding, input);
        let skip = toks.len().saturating_sub(MAX_WORDS);
        let words = toks
            .iter()
            .skip(skip)
            .map(|t| {
                let source = &input[t.from..t.to];
                QueryWord {
                    folded: t.term.clone(),
                    stem: tokens(&mut stemming, source)
                        .into_iter()
                        .next()
                        .map(|s| s.term),
                    partial: t.to == input.len(),
                }
            })
            .collect();
        QueryPlan { words }
    }

    /// True when there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Looks query words up in an index's vocabulary and builds the tantivy query.
pub struct QueryBuilder<'a> {
    searcher: &'a Searcher,
    fields: Vec<(Field, f32)>,
    language: ArticleLanguage,
}

fn add_freq(found: &mut HashMap<String, u64>, term: &[u8], doc_freq: u32) {
    if let Ok(term) = std::str::from_utf8(term) {
        *found.entry(term.to_string()).or_default() += u64::from(doc_freq);
    }
}

fn top_by_freq(found: HashMap<String, u64>, kind: MatchKind, limit: usize) -> Vec<Expansion> {
    let mut all: Vec<Expansion> = found
        .into_iter()
        .map(|(term, doc_freq)| Expansion {
            term,
            kind,
            doc_freq,
        })
        .collect();
    all.sort_by(|a, b| {
        b.doc_freq
            .cmp(&a.doc_freq)
            .then_with(|| a.term.cmp(&b.term))
    });
    all.truncate(limit);
    all
}

impl<'a> QueryBuilder<'a> {
    /// A builder over `fields` (with their weights) of the index behind `searcher`, whose
    /// text is in `language`.
    pub fn new(searcher: &'a Searcher, fields: &[(Field, f32)], language: ArticleLanguage) -> Self {
        QueryBuilder {
            searcher,
            fields: fields.to_vec(),
            language,
        }
    }

    /// The language of the index's text.
    pub fn language(&self) -> ArticleLanguage {
        self.language
    }

    /// Documents containing `term` in any searched field (summed, so an upper bound).
    pub fn doc_freq(&self, term: &str) -> u64 {
        self.fields
            .iter()
            .map(|(f, _)| {
                self.searcher
                    .doc_freq(&Term::from_field_text(*f, term))
                    .unwrap_or(0)
            })
            .sum()
    }

    pub(crate) fn scan_prefix(&self, prefix: &str) -> HashMap<String, u64> {
        let mut found = HashMap::new();
        let mut upper = prefix.as_bytes().to_vec();
        upper.push(0xff); // never occurs in UTF-8, so it bounds every completion of `prefix`
        for (field, _) in &self.fields {
            for segment in self.searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(*field) else {
                    continue;
                };
                let Ok(mut stream) = inverted.terms().range().ge(prefix).lt(&upper).into_stream()
                else {
                    continue;
                };
                let mut scanned = 0;
                while stream.advance() && scanned < MAX_SCANNED_TERMS {
                    add_freq(&mut found, stream.key(), stream.value().doc_freq);
                    scanned += 1;
                }
            }
        }
        found
    }

    pub(crate) fn scan_fuzzy(
        &self,
        word: &str,
        distance: u8,
        prefix: bool,
    ) -> HashMap<String, u64> {
        let mut found = HashMap::new();
        let first = word.chars().next();
        for (field, _) in &self.fields {
            let term = Term::from_field_text(*field, word);
            let query = if prefix {
                FuzzyTermQuery::new_prefix(term, distance, true)
            } else {
                FuzzyTermQuery::new(term, distance, true)
            };
            for segment in self.searcher.segment_readers() {
                let Ok(automaton) = query.automaton() else {
                    continue;
                };
                let Ok(inverted) = segment.inverted_index(*field) else {
                    continue;
                };
                let Ok(mut stream) = inverted.terms().search(automaton).into_stream() else {
                    continue;
                };
                let mut scanned = 0;
                while stream.advance() && scanned < MAX_SCANNED_TERMS {
                    scanned += 1;
                    // Typos on the first letter are rare and their matches mostly noise.
                    if std::str::from_utf8(stream.key())
                        .ok()
                        .and_then(|k| k.chars().next())
                        != first
                    {
                        continue;
                    }
                    add_freq(&mut found, stream.key(), stream.value().doc_freq);
                }
            }
        }
        found
    }

    /// The indexed terms one word expands to, exact first.
    pub fn expand(&self, word: &QueryWord) -> Vec<Expansion> {
        self.expand_word(word, true)
    }

    fn expand_word(&self, word: &QueryWord, may_complete: bool) -> Vec<Expansion> {
        let mut out: Vec<Expansion> = Vec::new();
        let push = |e: Expansion, out: &mut Vec<Expansion>| {
            if e.doc_freq > 0 && !out.iter().any(|o| o.term == e.term) {
                out.push(e);
            }
        };
        if let Some(stem) = &word.stem {
            let doc_freq = self.doc_freq(stem);
            push(
                Expansion {
                    term: stem.clone(),
                    kind: MatchKind::Exact,
                    doc_freq,
                },
                &mut out,
            );
        }
        let typed_len = word.folded.chars().count();
        let exact_found = out.iter().any(|e| e.kind == MatchKind::Exact);
        // "Shoudl" is a typo of a stop word, not a rare word to correct into noise.
        if !word.partial && !exact_found && is_near_stop_word(self.language, &word.folded) {
            return out;
        }
        let completing = word.partial && may_complete && typed_len >= 2;
        // A complete word the index does not know may be a typo in its ending ("fundnig"):
        // the stem of what was meant ("fund") is then a prefix of what was typed.
        let repairing = !word.partial && !exact_found && typed_len >= 5;
        if completing || repairing {
            // Stems are usually prefixes of their words, so "configura" must also find
            // the stem "configur", which is shorter than what was typed.
            let min_chars = if completing {
                3.max(typed_len.saturating_sub(3))
            } else {
                4.max(typed_len - 3)
            };
            let kind = if completing {
                MatchKind::Prefix
            } else {
                MatchKind::Correction
            };
            let ends = word
                .folded
                .char_indices()
                .map(|(i, _)| i)
                .chain([word.folded.len()]);
            for end in ends.skip(min_chars) {
                let stem_prefix = &word.folded[..end];
                let doc_freq = self.doc_freq(stem_prefix);
                push(
                    Expansion {
                        term: stem_prefix.into(),
                        kind,
                        doc_freq,
                    },
                    &mut out,
                );
            }
        }
        if completing {
            for e in top_by_freq(
                self.scan_prefix(&word.folded),
                MatchKind::Prefix,
                MAX_EXPANSIONS,
            ) {
                push(e, &mut out);
            }
        }
        let distance = typo_distance(typed_len);
        // With no exact or prefix match, a fuzzy match is a correction, not a side reading.
        let fuzzy_kind = if out
            .iter()
            .any(|e| matches!(e.kind, MatchKind::Exact | MatchKind::Prefix))
        {
            MatchKind::Fuzzy
        } else {
            MatchKind::Correction
        };
        // A complete word is corrected only when the index does not know it; an unfinished
        // one always gets fuzzy completions, weighted far below exact ones.
        if distance > 0 && (word.partial || !exact_found) {
            let mut fuzzy = HashMap::new();
            if word.partial {
                fuzzy = self.scan_fuzzy(&word.folded, distance, true);
            }
            // Indexed terms are stems, so a typo is also corrected on the stem: the
            // unfinished "invoise" stems to "invois", one edit from "invoic".
            let stem = word
                .stem
                .as_deref()
                .filter(|s| !word.partial || *s != word.folded);
            // The typed length sets the budget: "yars" may correct its stem "yar" to "year".
            if let Some(stem) = stem {
                for (term, freq) in self.scan_fuzzy(stem, distance, false) {
                    fuzzy.entry(term).or_insert(freq);
                }
            }
            for e in top_by_freq(fuzzy, fuzzy_kind, MAX_EXPANSIONS) {
                push(e, &mut out);
            }
        }
        out
    }

    /// Expands every word of `plan`, adding synonyms; words with no match are dropped.
    pub fn expand_plan(&self, plan: &QueryPlan, synonyms: &Synonyms) -> Vec<Vec<Expansion>> {
        self.expand_words(plan, synonyms)
            .into_iter()
            .filter(|e| !e.is_empty())
            .collect()
    }

    /// Expands every word of `plan`, adding synonyms: one list per word, in the plan's
    /// order, empty for a word that matches nothing (what judging an answer needs to see).
    pub fn expand_words(&self, plan: &QueryPlan, synonyms: &Synonyms) -> Vec<Vec<Expansion>> {
        // A stop word typed last after other words ("can't log in") is almost always
        // complete: completing it ("in" → "install") would add noise, not intent.
        let lone = plan.words.len() == 1;
        let mut expanded: Vec<Vec<Expansion>> = plan
            .words
            .iter()
            .map(|w| self.expand_word(w, lone || w.stem.is_some()))
            .collect();
        if !synonyms.is_empty() {
            // Stop words have no stem and do not break a phrase ("log in" is ["log"]).
            let positions: Vec<usize> = (0..plan.words.len())
                .filter(|i| plan.words[*i].stem.is_some())
                .collect();
            let stems: Vec<&str> = positions
                .iter()
                .filter_map(|i| plan.words[*i].stem.as_deref())
                .collect();
            for (k, terms) in synonyms.expansions(&stems).into_iter().enumerate() {
                let group = &mut expanded[positions[k]];
                for term in terms {
                    let doc_freq = self.doc_freq(&term);
                    if doc_freq > 0 && !group.iter().any(|e| e.term == term) {
                        group.push(Expansion {
                            term,
                            kind: MatchKind::Synonym,
                            doc_freq,
                        });
                    }
                }
            }
        }
        expanded
    }

    /// The scoring query for expanded words: a sum over words of the best expansion each.
    pub fn query(&self, expanded: &[Vec<Expansion>]) -> Box<dyn Query> {
        let words: Vec<(Occur, Box<dyn Query>)> = expanded
            .iter()
            .map(|expansions| {
                let alternatives: Vec<Box<dyn Query>> =
                    expansions.iter().map(|e| self.term_query(e)).collect();
                let word: Box<dyn Query> =
                    Box::new(DisjunctionMaxQuery::with_tie_breaker(alternatives, 0.1));
                (Occur::Should, word)
            })
            .collect();
        Box::new(BooleanQuery::new(words))
    }

    fn term_query(&self, e: &Expansion) -> Box<dyn Query> {
        let weight = e.kind.weight();
        let per_field: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .iter()
            .map(|(field, field_weight)| {
                let term = Term::from_field_text(*field, &e.term);
                let q: Box<dyn Query> = Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    weight * field_weight,
                ));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(per_field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_word_is_partial_unless_followed_by_a_separator() {
        let plan = QueryPlan::parse("Reset pasw", ArticleLanguage::English);
        assert_eq!(plan.words.len(), 2);
        assert_eq!(
            plan.words[0],
            QueryWord {
                folded: "reset".into(),
                stem: Some("reset".into()),
                partial: false
            }
        );
        assert_eq!(plan.words[1].folded, "pasw");
        assert!(plan.words[1].partial);
        assert!(!QueryPlan::parse("reset password ", ArticleLanguage::English).words[1].partial);
        assert!(!QueryPlan::parse("reset password?", ArticleLanguage::English).words[1].partial);
    }

    #[test]
    fn stop_words_keep_their_place_without_a_stem() {
        let plan = QueryPlan::parse("how do I export", ArticleLanguage::English);
        assert_eq!(
            plan.words
                .iter()
                .map(|w| w.stem.is_some())
                .collect::<Vec<_>>(),
            vec![false, false, false, true]
        );
    }

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(
            QueryPlan::parse("FACTURÉ", ArticleLanguage::English).words[0].folded,
            "facture"
        );
    }

    #[test]
    fn bounds_huge_input() {
        let huge = "word ".repeat(200_000) + "ünïcödé";
        let plan = QueryPlan::parse(&huge, ArticleLanguage::English);
        assert_eq!(plan.words.len(), MAX_WORDS);
        // 1,000 bytes falls inside the 334th "é": the cut must move to a char boundary.
        let plan = QueryPlan::parse(&"é ".repeat(MAX_INPUT_BYTES), ArticleLanguage::English);
        assert_eq!(plan.words.len(), MAX_WORDS);
        assert!(plan.words.iter().all(|w| w.folded == "e"));
        assert!(QueryPlan::parse("  ?! ", ArticleLanguage::English).is_empty());
    }

    #[test]
    fn typos_of_stop_words_are_recognised() {
        assert!(
            is_near_stop_word(ArticleLanguage::English, "shoudl")
                && is_near_stop_word(ArticleLanguage::English, "whsere")
                && is_near_stop_word(ArticleLanguage::English, "wich")
        );
        assert!(
            !is_near_stop_word(ArticleLanguage::English, "invoice")
                && !is_near_stop_word(ArticleLanguage::English, "show")
        );
    }

    #[test]
    fn typo_distance_grows_with_length() {
        assert_eq!(
            (
                typo_distance(3),
                typo_distance(4),
                typo_distance(7),
                typo_distance(8)
            ),
            (0, 1, 1, 2)
        );
    }
}
