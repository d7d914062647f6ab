//! Passages: an article's text by section, stored in the pack so a result can show the
//! passage that matched and link to its section.
//!
//! The indexer stores each article's sections (the text before the first heading, then
//! one per `h2`/`h3` heading, with the heading's `id` in the article HTML) in one stored
//! field, each section's text cut to [`SECTION_CHARS`]. At query time, [`best_passage`]
//! scores every sentence by the query terms it contains (rarer terms weigh more, and a
//! section's heading counts for its sentences) and returns an excerpt of about
//! [`EXCERPT_CHARS`] around the best one, with the section it belongs to.

use std::collections::{HashMap, HashSet};

use tantivy::tokenizer::TextAnalyzer;

use crate::analyzer::tokens;

/// Longest text stored per section, in characters (cut at a word boundary).
pub const SECTION_CHARS: usize = 280;
/// Most sections stored per article (the rest are searched but not shown).
pub const MAX_SECTIONS: usize = 12;
/// Longest excerpt shown under a result, in characters.
pub const EXCERPT_CHARS: usize = 180;

const SECTION_SEP: char = '\u{1e}';
const FIELD_SEP: char = '\u{1f}';

/// One section of an article.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// The heading's text; empty for the text before the first heading.
    pub heading: String,
    /// The heading's `id` in the article HTML; empty for the text before the first heading.
    pub anchor: String,
    /// The section's plain text.
    pub text: String,
}

/// The section of an article a result points into.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SectionHit {
    /// The heading's text, as written.
    pub heading: String,
    /// The heading's `id` in the article HTML (scroll to `#{anchor}` in the article view).
    pub anchor: String,
}

fn clean(s: &str) -> String {
    s.replace([SECTION_SEP, FIELD_SEP], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cuts `text` to at most `max` characters at a word boundary, adding "…" when cut.
pub fn cut_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max / 2 => cut[..space].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// Encodes sections for the stored field: empty sections dropped, whitespace flattened,
/// texts cut to [`SECTION_CHARS`], at most [`MAX_SECTIONS`].
pub fn encode(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections
        .iter()
        .filter(|s| !s.text.trim().is_empty() || !s.heading.trim().is_empty())
        .take(MAX_SECTIONS)
    {
        if !out.is_empty() {
            out.push(SECTION_SEP);
        }
        out.push_str(&clean(&s.anchor));
        out.push(FIELD_SEP);
        out.push_str(&clean(&s.heading));
        out.push(FIELD_SEP);
        out.push_str(&cut_at_word(&clean(&s.text), SECTION_CHARS));
    }
    out
}

/// Decodes what [`encode`] wrote; malformed parts are skipped.
pub fn decode(stored: &str) -> Vec<Section> {
    stored
        .split(SECTION_SEP)
        .filter_map(|part| {
            let mut fields = part.splitn(3, FIELD_SEP);
            Some(Section {
                anchor: fields.next()?.to_string(),
                heading: fields.next()?.to_string(),
                text: fields.next()?.to_string(),
            })
        })
        .collect()
}

/// Splits text into sentences, keeping their byte ranges (end punctuation included).
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let boundary =
            matches!(c, '.' | '!' | '?' | ';') && bytes.get(end).is_none_or(|b| *b == b' ');
        if boundary {
            out.push((start, end));
            start = end;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out.into_iter()
        .map(|(a, b)| {
            let s = &text[a..b];
            let lead = s.len() - s.trim_start().len();
            (a + lead, b)
        })
        .filter(|(a, b)| a < b)
        .collect()
}

/// The excerpt and section for a result: the best sentence by the weights of the distinct
/// query terms it (and its section's heading) contains, widened with its neighbours up to
/// [`EXCERPT_CHARS`]. `None` when no sentence contains a query term.
pub fn best_passage(
    analyzer: &mut TextAnalyzer,
    sections: &[Section],
    weights: &HashMap<String, f32>,
) -> Option<(String, Option<SectionHit>)> {
    let terms_of = |analyzer: &mut TextAnalyzer, text: &str| -> HashSet<String> {
        tokens(analyzer, text)
            .into_iter()
            .filter(|t| weights.contains_key(&t.term))
            .map(|t| t.term)
            .collect()
    };
    let weigh = |terms: &HashSet<String>| terms.iter().map(|t| weights[t]).sum::<f32>();
    // (score, section, sentence range)
    let mut best: Option<(f32, usize, (usize, usize))> = None;
    for (i, section) in sections.iter().enumerate() {
        let heading = terms_of(analyzer, &section.heading);
        for range in sentences(&section.text) {
            let own = terms_of(analyzer, &section.text[range.0..range.1]);
            if own.is_empty() {
                continue;
            }
            // The heading counts half: a sentence that names the words itself is better.
            let extra: HashSet<String> = heading.difference(&own).cloned().collect();
            let score = weigh(&own) + 0.5 * weigh(&extra);
            if best.is_none_or(|(s, _, _)| score > s + 1e-6) {
                best = Some((score, i, range));
            }
        }
    }
    let (_, i, (from, to)) = best?;
    let text = &sections[i].text;
    let all = sentences(text);
    let at = all.iter().position(|r| *r == (from, to)).unwrap_or(0);
    let (mut a, mut b) = (from, to);
    // Widen forwards, then backwards, while the excerpt stays short.
    let fits = |a: usize, b: usize| text[a..b].chars().count() <= EXCERPT_CHARS;
    for next in all.iter().skip(at + 1) {
        if !fits(a, next.1) {
            break;
        }
        b = next.1;
    }
    for prev in all[..at].iter().rev() {
        if !fits(prev.0, b) {
            break;
        }
        a = prev.0;
    }
    let excerpt = if fits(a, b) {
        let mut e = text[a..b].to_string();
        if b < text.len() || text.ends_with('…') && b == text.len() {
            if !e.ends_with('…') {
                e.push_str(" …");
            }
        }
        if a > 0 {
            e = format!("… {e}");
        }
        e
    } else {
        // One long sentence: start a little before its first matched word.
        let sentence = &text[from..to];
        let first = tokens(analyzer, sentence)
            .into_iter()
            .find(|t| weights.contains_key(&t.term))
            .map_or(0, |t| t.from);
        let mut start = sentence[..first]
            .char_indices()
            .rev()
            .filter(|(_, c)| *c == ' ')
            .nth(5)
            .map_or(0, |(i, _)| i + 1);
        if first - start > EXCERPT_CHARS / 3 {
            start = sentence[..first].rfind(' ').map_or(0, |i| i + 1);
        }
        let body = cut_at_word(&sentence[start..], EXCERPT_CHARS);
        let lead = if from + start > 0 { "… " } else { "" };
        format!("{lead}{body}")
    };
    let section = &sections[i];
    let hit = (!section.anchor.is_empty()).then(|| SectionHit {
        heading: section.heading.clone(),
        anchor: section.anchor.clone(),
    });
    Some((excerpt, hit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::ArticleLanguage;

    fn sec(anchor: &str, heading: &str, text: &str) -> Section {
        Section {
            heading: heading.into(),
            anchor: anchor.into(),
            text: text.into(),
        }
    }

    fn weights(terms: &[(&str, f32)]) -> HashMap<String, f32> {
        terms.iter().map(|(t, w)| (t.to_string(), *w)).collect()
    }

    #[test]
    fn encodes_and_decodes_sections() {
        let s = vec![
            sec("", "", "Intro  text\nhere."),
            sec("section-a", "A \u{1f} b", "Body"),
            sec("", "", "  "),
        ];
        let back = decode(&encode(&s));
        assert_eq!(
            back,
            vec![
                sec("", "", "Intro text here."),
                sec("section-a", "A b", "Body")
            ]
        );
        assert_eq!(decode(""), vec![]);
    }

    #[test]
    fn long_sections_are_cut_at_a_word() {
        let long = "word ".repeat(200);
        let back = decode(&encode(&[sec("", "", &long)]));
        assert!(back[0].text.chars().count() <= SECTION_CHARS + 1);
        assert!(back[0].text.ends_with("word…"), "{}", back[0].text);
    }

    #[test]
    fn picks_the_sentence_with_the_rarest_matched_words_and_its_section() {
        let sections = vec![
            sec("", "", "Invoices are sent monthly. Nothing else here."),
            sec(
                "section-refunds",
                "Refunds",
                "Ask support for a refund. Refunds of invoices take five days.",
            ),
        ];
        let w = weights(&[("invoic", 1.0), ("refund", 3.0)]);
        let (excerpt, hit) =
            best_passage(&mut ArticleLanguage::English.analyzer(), &sections, &w).unwrap();
        assert!(excerpt.contains("Refunds of invoices"), "{excerpt}");
        assert_eq!(
            hit,
            Some(SectionHit {
                heading: "Refunds".into(),
                anchor: "section-refunds".into()
            })
        );
        // Matched only in the text before the first heading: no section to link to.
        let w = weights(&[("month", 1.0)]);
        let (excerpt, hit) =
            best_passage(&mut ArticleLanguage::English.analyzer(), &sections, &w).unwrap();
        assert!(
            excerpt.starts_with("Invoices are sent monthly."),
            "{excerpt}"
        );
        assert_eq!(hit, None);
        assert_eq!(
            best_passage(
                &mut ArticleLanguage::English.analyzer(),
                &sections,
                &weights(&[("zebra", 1.0)])
            ),
            None
        );
    }

    #[test]
    fn a_long_sentence_is_cut_around_its_match() {
        let text = format!(
            "{} the refund button is here {}",
            "lorem ".repeat(60),
            "ipsum ".repeat(60)
        );
        let sections = vec![sec("", "", text.trim())];
        let (excerpt, _) = best_passage(
            &mut ArticleLanguage::English.analyzer(),
            &sections,
            &weights(&[("refund", 1.0)]),
        )
        .unwrap();
        assert!(excerpt.contains("refund button"), "{excerpt}");
        assert!(
            excerpt.starts_with("… ") && excerpt.ends_with('…'),
            "{excerpt}"
        );
        assert!(excerpt.chars().count() <= EXCERPT_CHARS + 3, "{excerpt}");
    }
}
