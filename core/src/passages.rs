//! Passages: an article's text by section, stored in the pack so a result can show the
//! passage that matched and link to its section.
//!
//! The indexer stores each article's sections (the text before the first heading, then
//! one per `h2`/`h3` heading, with the heading's `id` in the article HTML) in one stored
//! field, each section's text cut to [`SECTION_CHARS`]. At query time, [`best_passage`]
//! picks the passage that answers the query: the section covering the most (rarity-weighted)
//! query words that the title does not already say, else the article's opening, and in it
//! the best-matching sentence; it returns an excerpt of about [`EXCERPT_CHARS`] around it,
//! with the section it belongs to.

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

/// What passages are matched against: the query's words, each as the weighted terms it
/// stands for (the word as typed, its completions, typo neighbours and synonyms; a term's
/// weight is its rarity times how it matched, like the ranking's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassageQuery {
    words: Vec<HashMap<String, f32>>,
}

impl PassageQuery {
    /// One map of term → weight per query word, in the order typed.
    pub fn new(words: Vec<HashMap<String, f32>>) -> PassageQuery {
        PassageQuery { words }
    }

    fn contains(&self, term: &str) -> bool {
        self.words.iter().any(|w| w.contains_key(term))
    }

    /// Per query word, the weight of its best term among `present` (0 when none is).
    fn matched(&self, present: &HashSet<String>) -> Vec<f32> {
        self.words
            .iter()
            .map(|terms| {
                terms
                    .iter()
                    .filter(|(t, _)| present.contains(*t))
                    .map(|(_, w)| *w)
                    .fold(0.0, f32::max)
            })
            .collect()
    }
}

/// The distinct analysed terms of `text`.
fn terms_of(analyzer: &mut TextAnalyzer, text: &str) -> HashSet<String> {
    tokens(analyzer, text).into_iter().map(|t| t.term).collect()
}

/// Sums `matched` over the query words `counted` selects.
fn sum_where(matched: &[f32], counted: &[bool]) -> f32 {
    matched
        .iter()
        .zip(counted)
        .filter(|(_, c)| **c)
        .map(|(w, _)| w)
        .sum()
}

/// A sentence's score: the weight of the words the title does not already say, then of
/// all matched words; a word only in the section's heading counts half.
fn sentence_score(own: &[f32], heading: &[f32], distinctive: &[bool]) -> (f32, f32) {
    let each: Vec<f32> = own
        .iter()
        .zip(heading)
        .map(|(o, h)| o.max(0.5 * h))
        .collect();
    let all = vec![true; each.len()];
    (sum_where(&each, distinctive), sum_where(&each, &all))
}

/// The excerpt and section for a result: the passage of the article that answers the
/// query, widened with its neighbouring sentences up to [`EXCERPT_CHARS`].
///
/// Which section: the one covering the most weight of the query words that the article's
/// `title` does not already contain. The title's words say *which* article answers, the
/// other words say *where* in it ("reset password email in spam" → the section on emails
/// that do not arrive). A heading's words count as its section's; ties go to the earlier
/// section, so the lead and its steps win over a later note with the same words. When every
/// matched word is in the title, the article as a whole answers the question and the
/// passage is its opening: the first sentence of its first section that has a query word,
/// never a later note that happens to repeat the words ("there's no password to reset
/// when you sign in with SSO" for "how do I reset my password").
///
/// Which sentence in that section: the one with the most weight of those distinctive words,
/// then of all query words (a word only in the heading counts half), the earliest on ties.
///
/// `None` when the first section has no query word and no other word sets a section apart
/// (a title-only hit: the stored summary is the better excerpt).
pub fn best_passage(
    analyzer: &mut TextAnalyzer,
    title: &str,
    sections: &[Section],
    query: &PassageQuery,
) -> Option<(String, Option<SectionHit>)> {
    let in_title = query.matched(&terms_of(analyzer, title));
    let distinctive: Vec<bool> = in_title.iter().map(|w| *w == 0.0).collect();
    // (section, its distinctive weight, its heading's matches)
    let mut best: Option<(usize, f32, Vec<f32>)> = None;
    for (i, section) in sections.iter().enumerate() {
        if sentences(&section.text).is_empty() {
            continue;
        }
        let heading_terms = terms_of(analyzer, &section.heading);
        let heading = query.matched(&heading_terms);
        let mut present = terms_of(analyzer, &section.text);
        present.extend(heading_terms);
        let score = sum_where(&query.matched(&present), &distinctive);
        if score > 0.0 && best.as_ref().is_none_or(|(_, s, _)| score > s + 1e-6) {
            best = Some((i, score, heading));
        }
    }
    let (i, range) = match best {
        Some((i, _, heading)) => {
            let mut pick: Option<((f32, f32), (usize, usize))> = None;
            for range in sentences(&sections[i].text) {
                let own = query.matched(&terms_of(analyzer, &sections[i].text[range.0..range.1]));
                let score = sentence_score(&own, &heading, &distinctive);
                let better = pick.is_none_or(|((d, a), _)| {
                    score.0 > d + 1e-6 || (score.0 > d - 1e-6 && score.1 > a + 1e-6)
                });
                if better {
                    pick = Some((score, range));
                }
            }
            (i, pick?.1)
        }
        // Only the title's words matched: the article's opening is the passage.
        None => {
            let lead = sections
                .iter()
                .position(|s| !sentences(&s.text).is_empty())?;
            let text = &sections[lead].text;
            let first = sentences(text).into_iter().find(|r| {
                terms_of(analyzer, &text[r.0..r.1])
                    .iter()
                    .any(|t| query.contains(t))
            })?;
            (lead, first)
        }
    };
    let excerpt = excerpt_around(analyzer, &sections[i].text, range, query);
    let section = &sections[i];
    let hit = (!section.anchor.is_empty()).then(|| SectionHit {
        heading: section.heading.clone(),
        anchor: section.anchor.clone(),
    });
    Some((excerpt, hit))
}

/// About [`EXCERPT_CHARS`] of `text` around the sentence at `from..to`: its neighbours
/// while they fit, or a cut of one long sentence starting a little before its first match.
fn excerpt_around(
    analyzer: &mut TextAnalyzer,
    text: &str,
    (from, to): (usize, usize),
    query: &PassageQuery,
) -> String {
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
    if fits(a, b) {
        let mut e = text[a..b].to_string();
        if b < text.len() || text.ends_with('…') && b == text.len() {
            if !e.ends_with('…') {
                e.push_str(" …");
            }
        }
        if a > 0 {
            e = format!("… {e}");
        }
        return e;
    }
    // One long sentence: start a little before its first matched word.
    let sentence = &text[from..to];
    let first = tokens(analyzer, sentence)
        .into_iter()
        .find(|t| query.contains(&t.term))
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

    /// A query of one-term words (analysed terms with their weights).
    fn weights(terms: &[(&str, f32)]) -> PassageQuery {
        PassageQuery::new(
            terms
                .iter()
                .map(|(t, w)| HashMap::from([(t.to_string(), *w)]))
                .collect(),
        )
    }

    fn passage(
        title: &str,
        sections: &[Section],
        query: &PassageQuery,
    ) -> Option<(String, Option<SectionHit>)> {
        best_passage(
            &mut ArticleLanguage::English.analyzer(),
            title,
            sections,
            query,
        )
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
        let (excerpt, hit) = passage("", &sections, &w).unwrap();
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
        let (excerpt, hit) = passage("", &sections, &w).unwrap();
        assert!(
            excerpt.starts_with("Invoices are sent monthly."),
            "{excerpt}"
        );
        assert_eq!(hit, None);
        assert_eq!(passage("", &sections, &weights(&[("zebra", 1.0)])), None);
    }

    #[test]
    fn a_long_sentence_is_cut_around_its_match() {
        let text = format!(
            "{} the refund button is here {}",
            "lorem ".repeat(60),
            "ipsum ".repeat(60)
        );
        let sections = vec![sec("", "", text.trim())];
        let (excerpt, _) = passage("", &sections, &weights(&[("refund", 1.0)])).unwrap();
        assert!(excerpt.contains("refund button"), "{excerpt}");
        assert!(
            excerpt.starts_with("… ") && excerpt.ends_with('…'),
            "{excerpt}"
        );
        assert!(excerpt.chars().count() <= EXCERPT_CHARS + 3, "{excerpt}");
    }

    /// The shape of kb/account/reset-password.md: a lead with the steps, then sections
    /// for when the email or the link fails, then a note for SSO customers that repeats
    /// the title's words in one sentence.
    fn reset_article() -> Vec<Section> {
        vec![
            sec(
                "",
                "",
                "If you've forgotten your password, you can set a new one from the sign-in page. \
                 Click Forgot password? below the password field. Enter your email address and \
                 click Send reset link.",
            ),
            sec(
                "section-if-the-email-doesn-t-arrive",
                "If the email doesn't arrive",
                "Wait a few minutes and check your spam or junk folder. Ask your IT team to \
                 allow our emails.",
            ),
            sec(
                "section-sso",
                "You sign in with Google, Microsoft or SSO",
                "If you use single sign-on, there's no Tallyboard password to reset. Reset the \
                 password with your IT team instead.",
            ),
        ]
    }

    #[test]
    fn when_the_title_says_it_all_the_opening_wins_over_a_late_note_repeating_the_words() {
        // "how do I reset my password": every word is in the title. A sentence-by-sentence
        // choice took the SSO note (the only sentence with both words).
        let q = weights(&[("reset", 2.0), ("password", 1.5)]);
        let (excerpt, hit) = passage("Reset your password", &reset_article(), &q).unwrap();
        assert!(
            excerpt.starts_with("If you've forgotten your password"),
            "{excerpt}"
        );
        assert!(!excerpt.contains("single sign-on"), "{excerpt}");
        assert_eq!(hit, None, "the opening is not under a heading: no scroll");
        // A title without the words: the lead covers both as well as the note does, and
        // the earlier passage wins the tie.
        let (excerpt, hit) = passage("Sign-in help", &reset_article(), &q).unwrap();
        assert!(excerpt.contains("Send reset link"), "{excerpt}");
        assert_eq!(hit, None);
    }

    #[test]
    fn the_words_the_title_does_not_say_choose_the_section() {
        let q = weights(&[
            ("reset", 2.0),
            ("password", 1.5),
            ("email", 1.0),
            ("spam", 3.0),
        ]);
        let (excerpt, hit) = passage("Reset your password", &reset_article(), &q).unwrap();
        assert!(excerpt.contains("check your spam"), "{excerpt}");
        assert_eq!(hit.unwrap().anchor, "section-if-the-email-doesn-t-arrive");
        // A word in a section's heading alone is enough to point there ("arrive").
        let q = weights(&[("reset", 2.0), ("password", 1.5), ("arriv", 2.0)]);
        let (excerpt, hit) = passage("Reset your password", &reset_article(), &q).unwrap();
        assert!(excerpt.starts_with("Wait a few minutes"), "{excerpt}");
        assert_eq!(hit.unwrap().anchor, "section-if-the-email-doesn-t-arrive");
    }

    #[test]
    fn a_passage_covering_more_query_words_beats_one_sentence_with_the_rarest() {
        let sections = vec![
            sec(
                "section-a",
                "Archive",
                "Archived projects keep their invoices.",
            ),
            sec(
                "section-b",
                "Moving",
                "You can move a timer to another project. Each entry keeps its client.",
            ),
        ];
        // "archive" is the rarest word, but the second section covers two query words.
        let q = weights(&[("archiv", 2.0), ("move", 1.5), ("client", 1.2)]);
        let (excerpt, hit) = passage("", &sections, &q).unwrap();
        assert_eq!(hit.unwrap().anchor, "section-b", "{excerpt}");
        // Equal coverage: the earlier section (the lead and its steps come first).
        let q = weights(&[("keep", 1.0)]);
        let (_, hit) = passage("", &sections, &q).unwrap();
        assert_eq!(hit.unwrap().anchor, "section-a");
    }

    #[test]
    fn a_title_only_match_keeps_the_summary() {
        // Every matched word is in the title and the opening has none: no passage.
        let sections = vec![
            sec("", "", "Open the settings page first."),
            sec("section-x", "Notes", "Your invoice is sent monthly."),
        ];
        let q = weights(&[("invoic", 1.0)]);
        assert_eq!(passage("Download an invoice", &sections, &q), None);
    }
}
