//! "Did you mean": corrections from the index's own vocabulary.
//!
//! The term dictionary holds stems ("invoic", "configur"), not words, so a correction is
//! found in two steps: the stems near what was typed (within the planner's typo distance,
//! never changing the first letter, or a stem the typed word begins with), then the word
//! written out again — the stem plus a common ending of the index's language — choosing the spelling
//! closest to what was typed that analyses back to that very stem. Nothing is stored in
//! the pack for this.

use std::collections::HashMap;

use crate::analyzer::{folding_analyzer, tokens, ArticleLanguage};
use crate::planner::{typo_distance, QueryBuilder};

fn analyses_to(language: ArticleLanguage, word: &str, stem: &str) -> bool {
    let mut analyzer = language.analyzer();
    let toks = tokens(&mut analyzer, word);
    toks.len() == 1 && toks[0].term == stem
}

/// The spelling of `stem` closest to `typed` among the stem plus common endings (and the
/// typed word's own ending), as (word, edit distance).
fn write_out(language: ArticleLanguage, stem: &str, typed: &str) -> Option<(String, usize)> {
    let mut bases = vec![stem.to_string()];
    // Snowball turns a final "y" into "i" ("company" → "compani").
    if let Some(base) = stem.strip_suffix('i') {
        bases.push(format!("{base}y"));
        bases.push(base.to_string());
    }
    let mut candidates: Vec<String> = Vec::new();
    for base in &bases {
        candidates.extend(language.word_endings().iter().map(|e| format!("{base}{e}")));
        // Keep what followed the stem in the typed word ("invois|ing" → "invoic|ing").
        let keep = typed.chars().count().saturating_sub(stem.chars().count());
        if keep > 0 {
            let tail: String = typed.chars().skip(typed.chars().count() - keep).collect();
            candidates.push(format!("{base}{tail}"));
        }
    }
    candidates
        .into_iter()
        .filter(|c| analyses_to(language, c, stem))
        .map(|c| {
            let d = strsim::osa_distance(&c, typed);
            (c, d)
        })
        .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
}

/// The best correction of one complete word the index does not know, if any.
pub(crate) fn correct_word(builder: &QueryBuilder<'_>, folded: &str, stem: &str) -> Option<String> {
    let len = folded.chars().count();
    let distance = typo_distance(len);
    if distance == 0 {
        return None;
    }
    let mut stems: HashMap<String, u64> = HashMap::new();
    for source in [stem, folded] {
        for (term, freq) in builder.scan_fuzzy(source, distance, false) {
            stems.entry(term).or_insert(freq);
        }
    }
    // A typo in a long ending ("configuraton") leaves a known stem at the start.
    let min = 4.max(len.saturating_sub(5));
    for (i, _) in folded.char_indices().skip(min) {
        let prefix = &folded[..i];
        let freq = builder.doc_freq(prefix);
        if freq > 0 {
            stems.entry(prefix.to_string()).or_insert(freq);
        }
    }
    let first = folded.chars().next();
    stems
        .into_iter()
        .filter(|(term, _)| term.chars().next() == first)
        .filter_map(|(term, freq)| {
            let (word, d) = write_out(builder.language(), &term, folded)?;
            (d > 0 && d <= usize::from(distance)).then_some((word, d, freq))
        })
        .min_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| b.2.cmp(&a.2))
                .then_with(|| a.0.cmp(&b.0))
        })
        .map(|(word, _, _)| word)
}

/// Rewrites `input` with every unknown word corrected, or `None` when nothing changes.
pub(crate) fn did_you_mean(builder: &QueryBuilder<'_>, input: &str) -> Option<String> {
    if input.len() > crate::planner::MAX_INPUT_BYTES {
        return None;
    }
    let mut stemming = builder.language().analyzer();
    let words = tokens(&mut folding_analyzer(), input);
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    let mut changed = false;
    for (i, w) in words.iter().enumerate() {
        let source = &input[w.from..w.to];
        let Some(stem) = tokens(&mut stemming, source)
            .into_iter()
            .next()
            .map(|t| t.term)
        else {
            continue; // a stop word
        };
        if builder.doc_freq(&stem) > 0 || w.term.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // The last word may be unfinished: a completion is not a typo.
        let last = i + 1 == words.len() && w.to == input.len();
        if last && !builder.scan_prefix(&w.term).is_empty() {
            continue;
        }
        let Some(fix) = correct_word(builder, &w.term, &stem) else {
            continue;
        };
        let capital = source.chars().next().is_some_and(char::is_uppercase);
        let fix = if capital {
            let mut c = fix.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        } else {
            fix
        };
        out.push_str(&input[at..w.from]);
        out.push_str(&fix);
        at = w.to;
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(&input[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_stems_out_as_the_closest_word() {
        assert_eq!(
            write_out(ArticleLanguage::English, "invoic", "invoise"),
            Some(("invoice".into(), 1))
        );
        assert_eq!(
            write_out(ArticleLanguage::English, "subscript", "subscripton"),
            Some(("subscription".into(), 1))
        );
        assert_eq!(
            write_out(ArticleLanguage::English, "compani", "compnay"),
            Some(("company".into(), 1))
        );
        assert_eq!(
            write_out(ArticleLanguage::English, "password", "pasword"),
            Some(("password".into(), 1))
        );
    }
}
