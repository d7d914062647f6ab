//! Learning from resolved journeys: `deflect build --learn FILE`.
//!
//! FILE is JSON Lines, each line at least `{"query": "...", "doc_id": "..."}` — a question a
//! customer asked and the article that resolved it — optionally with `count` (default 1),
//! `outcome` (`"resolved"`, the default, or `"no"`: the article did not help), `at` (an RFC
//! 3339 time or a `YYYY-MM-DD` date), `journey` / `client` ids, and `journeys` (how many
//! distinct journeys an aggregated line stands for, as `deflect report --format learn`
//! writes it). This module turns those lines into the text of each article's learned-queries
//! field (see `deflect_core::learned`) under these rules:
//!
//! - **Decay**: evidence weighs `count × ½^(age / half-life)`, age measured from `now` (by
//!   default the newest `at` in the file, so the same file always builds the same pack).
//! - **Caps**: one journey or client gives one article at most `source_cap` of evidence per
//!   outcome, however many lines it has, so a single customer cannot steer ranking.
//! - **"No" demotes within a bound**: "no" evidence for a question and article cancels
//!   resolved evidence for that same pair and never more: the worst it does is take away the
//!   learned boost; it cannot push an article below what its own text earns.
//! - **k-anonymity**: a question's text is kept only when at least `min_journeys` distinct
//!   journeys asked it (after normalisation).
//! - **No personal data**: tokens that look like e-mail addresses, URLs, or numbers of three
//!   digits or more (phone, order, account numbers) are dropped before anything is counted.
//!
//! Every bad line is reported with the file and line and nothing is built; a line naming an
//! article the knowledge base does not have (any more) is a warning and is skipped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{BuildError, SourceError};

/// Most times one question's text is repeated in an article's learned field: enough for
/// well-attested questions to count more, while BM25 saturation does the rest.
pub const MAX_REPEATS: usize = 3;
/// Longest learned question kept, in characters (longer ones are cut at a word).
const MAX_QUERY_CHARS: usize = 300;

/// How learned evidence is weighed and filtered.
#[derive(Debug, Clone)]
pub struct LearnOptions {
    /// k-anonymity: distinct journeys that must share a question's text for it to be kept.
    pub min_journeys: u64,
    /// Age, in days, at which evidence counts half.
    pub half_life_days: f64,
    /// Most evidence one journey or client gives one article, per outcome.
    pub source_cap: f64,
    /// Reference time for decay; `None` means the newest `at` in the file.
    pub now: Option<OffsetDateTime>,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            min_journeys: 3,
            half_life_days: 180.0,
            source_cap: 1.0,
            now: None,
        }
    }
}

/// A learn file and how to read it.
#[derive(Debug, Clone)]
pub struct LearnSource {
    /// The JSON Lines file.
    pub path: PathBuf,
    /// The rules.
    pub options: LearnOptions,
}

/// What learning kept and dropped, for the build summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearnStats {
    /// Lines read.
    pub lines: usize,
    /// Distinct (question, article) pairs that made it into the pack.
    pub pairs_kept: usize,
    /// Articles with a learned field.
    pub articles: usize,
    /// Distinct question texts dropped because fewer than k journeys shared them.
    pub texts_below_k: usize,
    /// Pairs whose "no" evidence cancelled all their resolved evidence, or too faded to count.
    pub pairs_cancelled: usize,
    /// Tokens dropped as personal data.
    pub personal_tokens: usize,
}

/// Each article's learned-queries text.
#[derive(Debug, Clone, Default)]
pub struct LearnedQueries {
    by_article: HashMap<String, String>,
    /// What was kept and dropped.
    pub stats: LearnStats,
}

impl LearnedQueries {
    /// The learned text of article `id`, if any.
    pub fn text(&self, id: &str) -> Option<&str> {
        self.by_article.get(id).map(String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnLine {
    query: String,
    doc_id: String,
    #[serde(default)]
    count: Option<f64>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    journey: Option<String>,
    #[serde(default)]
    client: Option<String>,
    #[serde(default)]
    journeys: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Outcome {
    Resolved,
    No,
}

/// One valid line, normalised.
struct Evidence {
    line: usize,
    text: String,
    doc_id: String,
    weight: f64,
    at: Option<OffsetDateTime>,
    outcome: Outcome,
    source: Option<String>,
    journey: Option<String>,
    journeys: u64,
}

/// Parses `at`: an RFC 3339 time or a `YYYY-MM-DD` date (midnight UTC).
fn parse_at(at: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(at, &Rfc3339) {
        return Some(t);
    }
    let date = time::Date::parse(
        at,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(date.midnight().assume_utc())
}

/// True for a token that may identify a person: an e-mail address, a URL, or a number of
/// three digits or more (phone, order, account, card).
fn is_personal(token: &str) -> bool {
    token.contains('@')
        || token.contains("://")
        || token.starts_with("www.")
        || token.chars().filter(char::is_ascii_digit).count() >= 3
}

/// A question as it may be learned: personal tokens dropped, lower-cased, spaces collapsed,
/// cut to a bounded length. `None` when nothing is left. Returns the dropped token count too.
pub fn scrub_query(query: &str) -> (Option<String>, usize) {
    let mut dropped = 0;
    let mut out = String::new();
    for token in query.split_whitespace() {
        if is_personal(token) {
            dropped += 1;
            continue;
        }
        if out.chars().count() + token.chars().count() > MAX_QUERY_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token.to_lowercase());
    }
    let has_word = out.chars().any(char::is_alphanumeric);
    (has_word.then_some(out), dropped)
}

fn parse_line(path: &Path, line: usize, text: &str) -> Result<(LearnLine, Outcome), SourceError> {
    let error = |message: String| SourceError {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let parsed: LearnLine = serde_json::from_str(text).map_err(|e| error(e.to_string()))?;
    if parsed.query.trim().is_empty() {
        return Err(error("field `query` is empty".into()));
    }
    if parsed.doc_id.trim().is_empty() {
        return Err(error("field `doc_id` is empty".into()));
    }
    if let Some(count) = parsed.count {
        if !(count.is_finite() && count > 0.0) {
            return Err(error(format!(
                "field `count` must be a positive number, got {count}"
            )));
        }
    }
    if parsed.journeys == Some(0) {
        return Err(error("field `journeys` must be at least 1".into()));
    }
    let outcome = match parsed.outcome.as_deref() {
        None | Some("resolved") => Outcome::Resolved,
        Some("no") => Outcome::No,
        Some(other) => {
            return Err(error(format!(
                "field `outcome` must be \"resolved\" or \"no\", got {other:?}"
            )))
        }
    };
    if let Some(at) = &parsed.at {
        if parse_at(at).is_none() {
            return Err(error(format!(
                "field `at` must be an RFC 3339 time or a YYYY-MM-DD date, got {at:?}"
            )));
        }
    }
    Ok((parsed, outcome))
}

/// Reads a learn file: every bad line is an error (all of them are listed, nothing is built);
/// lines naming an article not in `article_ids` are returned as warnings and skipped.
pub fn read(
    source: &LearnSource,
    article_ids: &HashSet<&str>,
) -> Result<(LearnedQueries, Vec<SourceError>), BuildError> {
    let path = &source.path;
    let bytes = std::fs::read(path)
        .map_err(|e| BuildError::io(format!("reading {}", path.display()), e))?;
    let content = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        BuildError::InvalidLearnFile(vec![SourceError {
            path: path.clone(),
            line: Some(line),
            message: "is not valid UTF-8".into(),
        }])
    })?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut evidence = Vec::new();
    let mut stats = LearnStats::default();
    for (i, text) in content.lines().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        stats.lines += 1;
        let (line, outcome) = match parse_line(path, i + 1, text) {
            Ok(parsed) => parsed,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !article_ids.contains(line.doc_id.as_str()) {
            warnings.push(SourceError {
                path: path.clone(),
                line: Some(i + 1),
                message: format!(
                    "article `{}` is not in the knowledge base; line skipped",
                    line.doc_id
                ),
            });
            continue;
        }
        let (scrubbed, dropped) = scrub_query(&line.query);
        stats.personal_tokens += dropped;
        let Some(query) = scrubbed else { continue };
        evidence.push(Evidence {
            line: i + 1,
            text: query,
            doc_id: line.doc_id,
            weight: line.count.unwrap_or(1.0),
            at: line.at.as_deref().and_then(parse_at),
            outcome,
            source: line
                .client
                .map(|c| format!("client:{c}"))
                .or_else(|| line.journey.as_ref().map(|j| format!("journey:{j}"))),
            journey: line.journey,
            journeys: line.journeys.unwrap_or(1),
        });
    }
    if !errors.is_empty() {
        return Err(BuildError::InvalidLearnFile(errors));
    }
    let learned = learn(evidence, &source.options, stats);
    Ok((learned, warnings))
}

/// Applies decay, caps, "no" and k-anonymity to valid evidence.
fn learn(evidence: Vec<Evidence>, options: &LearnOptions, mut stats: LearnStats) -> LearnedQueries {
    let now = options
        .now
        .or_else(|| evidence.iter().filter_map(|e| e.at).max());
    let decay = |at: Option<OffsetDateTime>| match (at, now) {
        (Some(at), Some(now)) if options.half_life_days > 0.0 => {
            let days = ((now - at).as_seconds_f64() / 86_400.0).max(0.0);
            0.5f64.powf(days / options.half_life_days)
        }
        _ => 1.0,
    };

    // k-anonymity: distinct journeys behind each text; lines without a journey id count as
    // the journeys they stand for (1 unless aggregated), never merged with one another.
    let mut journeys_by_text: HashMap<&str, (HashSet<&str>, u64)> = HashMap::new();
    for e in &evidence {
        let entry = journeys_by_text.entry(&e.text).or_default();
        match &e.journey {
            Some(j) => {
                entry.0.insert(j);
            }
            None => entry.1 += e.journeys,
        }
    }
    let shared = |text: &str| {
        journeys_by_text
            .get(text)
            .is_some_and(|(ids, anonymous)| ids.len() as u64 + anonymous >= options.min_journeys)
    };
    stats.texts_below_k = journeys_by_text.keys().filter(|t| !shared(t)).count();

    // Caps: a journey's or client's evidence for one article and outcome is scaled down to
    // `source_cap` in total; evidence without a source is already one per journey.
    let mut per_source: HashMap<(&str, &str, Outcome), f64> = HashMap::new();
    for e in &evidence {
        if let Some(source) = &e.source {
            *per_source
                .entry((source, &e.doc_id, e.outcome))
                .or_default() += e.weight * decay(e.at);
        }
    }
    let mut pairs: BTreeMap<(&str, &str), (f64, f64, usize)> = BTreeMap::new();
    for e in &evidence {
        let mut weight = e.weight * decay(e.at);
        if let Some(source) = &e.source {
            let total = per_source[&(source.as_str(), e.doc_id.as_str(), e.outcome)];
            if total > options.source_cap {
                weight *= options.source_cap / total;
            }
        }
        let slot = pairs
            .entry((&e.doc_id, &e.text))
            .or_insert((0.0, 0.0, e.line));
        match e.outcome {
            Outcome::Resolved => slot.0 += weight,
            Outcome::No => slot.1 += weight,
        }
    }

    let mut by_article: BTreeMap<&str, Vec<(usize, &str, usize)>> = BTreeMap::new();
    for ((doc_id, text), (resolved, no, first_line)) in pairs {
        if resolved <= 0.0 || !shared(text) {
            continue;
        }
        // "No" only cancels resolved evidence for the same pair; evidence worth under half of
        // one fresh resolution is too faded (or too contested) to count.
        let repeats = (resolved - no).max(0.0).round().min(MAX_REPEATS as f64) as usize;
        if repeats == 0 {
            stats.pairs_cancelled += 1;
            continue;
        }
        stats.pairs_kept += 1;
        by_article
            .entry(doc_id)
            .or_default()
            .push((first_line, text, repeats));
    }
    stats.articles = by_article.len();
    let by_article = by_article
        .into_iter()
        .map(|(doc_id, mut texts)| {
            // File order, so the field reads like the evidence it came from.
            texts.sort();
            let text = texts
                .iter()
                .flat_map(|(_, text, repeats)| std::iter::repeat_n(*text, *repeats))
                .collect::<Vec<_>>()
                .join("\n");
            (doc_id.to_string(), text)
        })
        .collect();
    LearnedQueries { by_article, stats }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learn_from(lines: &str, options: LearnOptions) -> Result<LearnedQueries, BuildError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("learn.jsonl");
        std::fs::write(&path, lines).unwrap();
        let ids: HashSet<&str> = ["a", "b"].into_iter().collect();
        read(&LearnSource { path, options }, &ids).map(|(l, _)| l)
    }

    fn k1() -> LearnOptions {
        LearnOptions {
            min_journeys: 1,
            ..LearnOptions::default()
        }
    }

    #[test]
    fn every_bad_line_is_named_with_file_line_and_field() {
        let err = learn_from(
            "{\"query\": \"ok\", \"doc_id\": \"a\"}\nnot json\n{\"query\": \"\", \"doc_id\": \"a\"}\n\
             {\"query\": \"x\", \"doc_id\": \"a\", \"outcome\": \"maybe\"}\n\
             {\"query\": \"x\", \"doc_id\": \"a\", \"count\": 0}\n\
             {\"query\": \"x\", \"doc_id\": \"a\", \"at\": \"yesterday\"}\n\
             {\"query\": \"x\", \"doc_id\": \"a\", \"ouctome\": \"no\"}\n",
            k1(),
        )
        .unwrap_err()
        .to_string();
        for needle in [
            "learn.jsonl:2:",
            "learn.jsonl:3: field `query` is empty",
            "learn.jsonl:4: field `outcome`",
            "learn.jsonl:5: field `count`",
            "learn.jsonl:6: field `at`",
            "learn.jsonl:7: unknown field `ouctome`",
        ] {
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
        assert!(!err.contains("learn.jsonl:1:"), "{err}");
    }

    #[test]
    fn k_anonymity_drops_text_fewer_than_k_journeys_share() {
        let lines = "{\"query\": \"How do I cancel\", \"doc_id\": \"a\", \"journey\": \"j1\"}\n\
                     {\"query\": \"how do i  cancel\", \"doc_id\": \"a\", \"journey\": \"j2\"}\n\
                     {\"query\": \"my very rare question\", \"doc_id\": \"b\", \"journey\": \"j3\"}\n\
                     {\"query\": \"my very rare question\", \"doc_id\": \"b\", \"journey\": \"j3\"}\n\
                     {\"query\": \"aggregated\", \"doc_id\": \"b\", \"count\": 2, \"journeys\": 2}\n";
        let k2 = learn_from(
            lines,
            LearnOptions {
                min_journeys: 2,
                source_cap: 10.0,
                ..LearnOptions::default()
            },
        )
        .unwrap();
        // Two journeys, one resolution each: the text twice.
        assert_eq!(k2.text("a"), Some("how do i cancel\nhow do i cancel"));
        // One journey asking twice is still one journey.
        assert_eq!(k2.text("b"), Some("aggregated\naggregated"));
        assert_eq!(k2.stats.texts_below_k, 1);
        let k1 = learn_from(lines, k1()).unwrap();
        assert!(k1.text("b").unwrap().contains("my very rare question"));
    }

    #[test]
    fn personal_data_never_reaches_the_pack() {
        let learned = learn_from(
            "{\"query\": \"refund for order 1234567 mail me at jo@example.com or https://x.io/a\", \"doc_id\": \"a\"}\n",
            k1(),
        )
        .unwrap();
        assert_eq!(learned.text("a"), Some("refund for order mail me at or"));
        assert_eq!(learned.stats.personal_tokens, 3);
        assert_eq!(scrub_query("555-123-4567 42"), (Some("42".into()), 1));
        assert_eq!(scrub_query("jo@example.com"), (None, 1));
    }

    #[test]
    fn one_journey_or_client_is_capped() {
        let spam: String = (0..50)
            .map(|_| "{\"query\": \"buy now\", \"doc_id\": \"a\", \"client\": \"c1\"}\n")
            .collect();
        let learned = learn_from(&spam, k1()).unwrap();
        // 50 lines from one client weigh as one resolution.
        assert_eq!(learned.text("a"), Some("buy now"));
        let many: String = (0..50)
            .map(|i| {
                format!("{{\"query\": \"buy now\", \"doc_id\": \"a\", \"client\": \"c{i}\"}}\n")
            })
            .collect();
        let learned = learn_from(&many, k1()).unwrap();
        assert_eq!(
            learned.text("a").unwrap().matches("buy now").count(),
            MAX_REPEATS
        );
    }

    #[test]
    fn no_cancels_resolved_evidence_but_never_goes_below_it() {
        let lines = "{\"query\": \"reset password\", \"doc_id\": \"a\", \"count\": 3}\n\
                     {\"query\": \"reset password\", \"doc_id\": \"a\", \"count\": 2, \"outcome\": \"no\"}\n\
                     {\"query\": \"change email\", \"doc_id\": \"a\", \"count\": 1}\n\
                     {\"query\": \"change email\", \"doc_id\": \"a\", \"count\": 9, \"outcome\": \"no\"}\n\
                     {\"query\": \"only no\", \"doc_id\": \"b\", \"count\": 9, \"outcome\": \"no\"}\n";
        let learned = learn_from(lines, k1()).unwrap();
        assert_eq!(learned.text("a"), Some("reset password"));
        assert_eq!(learned.text("b"), None);
        assert_eq!(learned.stats.pairs_cancelled, 1);
    }

    #[test]
    fn old_evidence_decays_by_the_half_life() {
        let lines = "{\"query\": \"new\", \"doc_id\": \"a\", \"count\": 3, \"at\": \"2026-06-01\"}\n\
                     {\"query\": \"old\", \"doc_id\": \"a\", \"count\": 3, \"at\": \"2025-06-01T00:00:00Z\"}\n\
                     {\"query\": \"ancient\", \"doc_id\": \"a\", \"count\": 3, \"at\": \"2023-06-01\"}\n";
        let learned = learn_from(lines, k1()).unwrap();
        // 3 fresh → 3 repeats; 3 a year old (two half-lives) → 0.74 → 1; 3 years → dropped.
        assert_eq!(learned.text("a"), Some("new\nnew\nnew\nold"));
        let no_decay = learn_from(
            lines,
            LearnOptions {
                half_life_days: 0.0,
                ..k1()
            },
        )
        .unwrap();
        assert_eq!(no_decay.text("a").unwrap().matches("ancient").count(), 3);
    }

    #[test]
    fn lines_for_unknown_articles_are_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        std::fs::write(&path, "{\"query\": \"q\", \"doc_id\": \"gone\"}\n").unwrap();
        let ids: HashSet<&str> = ["a"].into_iter().collect();
        let (learned, warnings) = read(
            &LearnSource {
                path,
                options: k1(),
            },
            &ids,
        )
        .unwrap();
        assert_eq!(learned.stats.pairs_kept, 0);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0]
            .to_string()
            .contains("l.jsonl:1: article `gone`"));
    }
}
