//! Whether the suggestions for a query answer it: the "no good answer" signal of the
//! report's content gaps, decided here because only the search core knows which words
//! matched what.
//!
//! Zero results is the obvious gap, but a question about something the knowledge base does
//! not cover usually still gets results: its ordinary words ("see", "projects", "chart")
//! match articles about other things. What gives it away is its most specific word, the
//! one the fewest articles contain, or none at all ("gantt"): when no suggestion contains
//! that word, not even as a completion, a typo correction or a synonym, the suggestions
//! answer a different question. A typo of a known word is corrected by the planner
//! ("pasword" → "password"), so it still counts as matched. How often this flags real gaps
//! and answered questions is measured in README.md ("No good answer").

use crate::planner::{Expansion, MatchKind, QueryWord};

/// How specific a query word is: the documents containing it as typed (0 when the index
/// does not know it). An unfinished word counts by its most frequent completion.
pub fn word_doc_freq(word: &QueryWord, expansions: &[Expansion]) -> u64 {
    let exact = expansions
        .iter()
        .find(|e| e.kind == MatchKind::Exact)
        .map(|e| e.doc_freq);
    match exact {
        Some(df) => df,
        None if word.partial => expansions
            .iter()
            .filter(|e| e.kind == MatchKind::Prefix)
            .map(|e| e.doc_freq)
            .max()
            .unwrap_or(0),
        None => 0,
    }
}

/// The words a good answer must contain: the content words (stop words do not count) that
/// the fewest documents contain, each given as its expansions (`expanded` is aligned with
/// `words`). Empty when the query has no content word.
pub fn key_words<'a>(words: &[QueryWord], expanded: &'a [Vec<Expansion>]) -> Vec<&'a [Expansion]> {
    let content: Vec<(u64, &[Expansion])> = words
        .iter()
        .zip(expanded)
        .filter(|(w, _)| w.stem.is_some())
        .map(|(w, e)| (word_doc_freq(w, e), e.as_slice()))
        .collect();
    let Some(rarest) = content.iter().map(|(df, _)| *df).min() else {
        return Vec::new();
    };
    content
        .into_iter()
        .filter(|(df, _)| *df == rarest)
        .map(|(_, e)| e)
        .collect()
}

/// True when `hits` answer the query: there are some, and every key word is contained (in
/// any of its expansions) by at least one of them, as `contains(hit, expansions)` says.
pub fn good_answer<H>(
    hits: &[H],
    keys: &[&[Expansion]],
    contains: impl Fn(&H, &[Expansion]) -> bool,
) -> bool {
    !hits.is_empty()
        && keys
            .iter()
            .all(|key| !key.is_empty() && hits.iter().any(|h| contains(h, key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(stem: Option<&str>, partial: bool) -> QueryWord {
        QueryWord {
            folded: stem.unwrap_or("the").into(),
            stem: stem.map(str::to_string),
            partial,
        }
    }

    fn ex(term: &str, kind: MatchKind, doc_freq: u64) -> Expansion {
        Expansion {
            term: term.into(),
            kind,
            doc_freq,
        }
    }

    #[test]
    fn the_rarest_content_word_is_the_key_and_unknown_words_are_rarest() {
        let words = [
            word(Some("project"), false),
            word(None, false),
            word(Some("gantt"), false),
        ];
        let expanded = vec![vec![ex("project", MatchKind::Exact, 30)], vec![], vec![]];
        let keys = key_words(&words, &expanded);
        assert_eq!(keys.len(), 1);
        assert!(keys[0].is_empty(), "gantt, which nothing contains");
        // Hits exist (about projects) but none can contain "gantt": no good answer.
        assert!(!good_answer(&["a", "b"], &keys, |_, _| true));
    }

    #[test]
    fn a_corrected_typo_counts_when_a_hit_contains_the_correction() {
        let words = [word(Some("reset"), false), word(Some("pasword"), false)];
        let expanded = vec![
            vec![ex("reset", MatchKind::Exact, 12)],
            vec![ex("password", MatchKind::Correction, 9)],
        ];
        let keys = key_words(&words, &expanded);
        assert_eq!(keys, vec![&expanded[1][..]]);
        let hits = ["reset-password", "billing"];
        let contains =
            |h: &&str, e: &[Expansion]| *h == "reset-password" && e[0].term == "password";
        assert!(good_answer(&hits, &keys, contains));
        assert!(!good_answer(&hits[1..], &keys, contains));
        assert!(
            !good_answer::<&str>(&[], &keys, contains),
            "no hits is never an answer"
        );
    }

    #[test]
    fn an_unfinished_word_counts_by_its_completions_and_stop_words_never_count() {
        let words = [word(Some("invoic"), false), word(Some("ex"), true)];
        let expanded = vec![
            vec![ex("invoic", MatchKind::Exact, 5)],
            vec![
                ex("export", MatchKind::Prefix, 9),
                ex("expens", MatchKind::Prefix, 3),
            ],
        ];
        assert_eq!(word_doc_freq(&words[1], &expanded[1]), 9);
        assert_eq!(key_words(&words, &expanded), vec![&expanded[0][..]]);
        let only_stop_words = [word(None, false)];
        assert!(key_words(&only_stop_words, &[vec![]]).is_empty());
        assert!(good_answer(&["a"], &[], |_, _| false));
    }
}
