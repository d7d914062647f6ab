//! Synonyms the documentation team maintains (`login` ⇔ `sign in`, `2fa` ⇔ `two-factor`).
//!
//! Groups are stored in the pack as the phrases the team wrote (`deflect-synonyms.json`)
//! and analysed when the pack is opened, with the same analyzer as everything else, so a
//! group written as "Signing in" still meets the stem "sign". When consecutive query words
//! spell one phrase of a group, the other phrases' terms join the first word's
//! alternatives, weighted a little below the words actually typed.

use std::collections::HashSet;

use crate::analyzer::ArticleLanguage;

/// Name of the synonyms file inside a pack.
pub const SYNONYMS_FILE: &str = "deflect-synonyms.json";

/// Longest phrase, in analysed terms, that is matched against the query.
const MAX_PHRASE_TERMS: usize = 4;

/// Analysed synonym groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    raw: Vec<Vec<String>>,
    groups: Vec<Vec<Vec<String>>>,
}

impl Synonyms {
    /// Analyses groups of phrases in the index's `language`; phrases that analyse to
    /// nothing (only stop words) and groups left with fewer than two phrases are dropped.
    pub fn new(raw: Vec<Vec<String>>, language: ArticleLanguage) -> Synonyms {
        let groups = raw
            .iter()
            .map(|group| {
                let mut phrases: Vec<Vec<String>> = Vec::new();
                for phrase in group {
                    let terms = language.analyze(phrase);
                    if !terms.is_empty()
                        && terms.len() <= MAX_PHRASE_TERMS
                        && !phrases.contains(&terms)
                    {
                        phrases.push(terms);
                    }
                }
                phrases
            })
            .filter(|g| g.len() >= 2)
            .collect();
        Synonyms { raw, groups }
    }

    /// The groups as written, for storing in a pack.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.raw).expect("strings serialize")
    }

    /// Reads groups stored in a pack of an index in `language`.
    pub fn from_json(bytes: &[u8], language: ArticleLanguage) -> Result<Synonyms, String> {
        serde_json::from_slice::<Vec<Vec<String>>>(bytes)
            .map(|raw| Synonyms::new(raw, language))
            .map_err(|e| format!("{SYNONYMS_FILE}: {e}"))
    }

    /// True when there are no usable groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// For analysed query terms (in order), the synonym terms each position gains: entry
    /// `i` lists the terms of the other phrases of every group whose phrase starts at `i`.
    pub fn expansions(&self, terms: &[&str]) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new(); terms.len()];
        for group in &self.groups {
            for phrase in group {
                for start in 0..terms.len() {
                    let end = start + phrase.len();
                    if end > terms.len()
                        || terms[start..end].iter().zip(phrase).any(|(a, b)| a != b)
                    {
                        continue;
                    }
                    let own: HashSet<&str> = phrase.iter().map(String::as_str).collect();
                    for other in group.iter().filter(|p| *p != phrase) {
                        for term in other.iter().filter(|t| !own.contains(t.as_str())) {
                            if !out[start].contains(term) {
                                out[start].push(term.clone());
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups() -> Synonyms {
        Synonyms::new(
            vec![
                vec!["login".into(), "log in".into(), "signing in".into()],
                vec!["2FA".into(), "two-factor".into(), "MFA".into()],
                vec!["the".into(), "login".into()], // "the" is a stop word: group too small
            ],
            ArticleLanguage::English,
        )
    }

    #[test]
    fn single_and_multi_word_phrases_expand_both_ways() {
        let s = groups();
        assert_eq!(
            s.expansions(&["sign"]),
            vec![vec!["login".to_string(), "log".to_string()]]
        );
        assert_eq!(s.expansions(&["login", "issu"])[0], vec!["log", "sign"]);
        assert_eq!(
            s.expansions(&["enabl", "2fa"])[1],
            vec!["two", "factor", "mfa"]
        );
        assert_eq!(s.expansions(&["two", "factor"])[0], vec!["2fa", "mfa"]);
        assert!(
            s.expansions(&["factor"])[0].is_empty(),
            "half a phrase does not match"
        );
    }

    #[test]
    fn round_trips_through_the_pack_as_written() {
        let s = groups();
        assert_eq!(
            Synonyms::from_json(&s.to_json(), ArticleLanguage::English).unwrap(),
            s
        );
        assert!(Synonyms::from_json(b"{", ArticleLanguage::English).is_err());
        assert!(Synonyms::new(vec![vec!["only".into()]], ArticleLanguage::English).is_empty());
    }
}
