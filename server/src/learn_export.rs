//! The learn export: what the collector's journeys teach the next index build.
//!
//! `deflect report --format learn` writes one JSON line per (question, article, outcome,
//! day): `{"query", "doc_id", "outcome", "count", "journeys", "at"}`, the file
//! `deflect build --learn` reads. Within a journey, the question behind a "Did this solve your
//! problem?" answer is the journey's latest search before it:
//!
//! - **resolved**: a "Yes" for an article in a journey that ended resolved;
//! - **no**: a "No" for an article, whatever the journey's end.
//!
//! Each journey counts once per (question, article, outcome), so `count` is distinct
//! journeys and no single customer can weigh more than one. A question's text leaves the
//! collector only when at least `min_journeys` distinct journeys asked it (k-anonymity), and
//! tokens that look like e-mail addresses, URLs or long numbers are dropped first (the same
//! rule `deflect build --learn` applies again). Searches stored without their text (privacy
//! settings) give nothing to learn from and are skipped.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::Serialize;
use sqlx::Row;

use crate::db::Db;
use crate::report::Range;

/// One line of the learn export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnLine {
    /// The question, normalised and without personal tokens.
    pub query: String,
    /// The article.
    pub doc_id: String,
    /// `resolved` or `no`.
    pub outcome: &'static str,
    /// Evidence weight: distinct journeys.
    pub count: u64,
    /// Distinct journeys behind this line.
    pub journeys: u64,
    /// The UTC day of the evidence (`YYYY-MM-DD`), for decay.
    pub at: String,
}

/// True for a token that may identify a person: an e-mail address, a URL, or a number of
/// three digits or more. Mirrors `deflect_index::learn`, which applies it again at build.
fn is_personal(token: &str) -> bool {
    token.contains('@')
        || token.contains("://")
        || token.starts_with("www.")
        || token.chars().filter(char::is_ascii_digit).count() >= 3
}

/// The question without personal tokens; `None` when no word is left.
pub fn scrub(query: &str) -> Option<String> {
    let kept: Vec<&str> = query
        .split_whitespace()
        .filter(|t| !is_personal(t))
        .collect();
    let text = kept.join(" ").to_lowercase();
    text.chars().any(char::is_alphanumeric).then_some(text)
}

/// One stored event of a journey, as far as learning (and the failing-articles list,
/// `crate::failing_articles`) reads it.
pub(crate) struct JourneyEvent {
    pub(crate) kind: String,
    pub(crate) query_norm: Option<String>,
    pub(crate) article_id: Option<String>,
    pub(crate) helpful: Option<i64>,
    pub(crate) reason: Option<String>,
    pub(crate) outcome: Option<String>,
    pub(crate) day: String,
}

/// The searches, feedback and ends of every journey with an event in `range`, each
/// journey's events in the order they happened. Read from raw events, not rollups: which
/// search led to which answer is only known within a journey.
pub(crate) async fn journeys_in(db: &Db, range: Range) -> anyhow::Result<Vec<Vec<JourneyEvent>>> {
    let rows = sqlx::query(
        "SELECT journey_id, type, query_norm, article_id, helpful, reason, outcome, day \
         FROM events WHERE type IN ('search', 'feedback', 'journey_ended') \
         AND at_ms >= $1 AND at_ms < $2 ORDER BY journey_id, at_ms, id",
    )
    .bind(range.from_ms.unwrap_or(i64::MIN))
    .bind(range.to_ms.unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    let mut journeys: Vec<(String, Vec<JourneyEvent>)> = Vec::new();
    for row in rows {
        let journey: String = row.try_get("journey_id")?;
        let event = JourneyEvent {
            kind: row.try_get("type")?,
            query_norm: row.try_get("query_norm")?,
            article_id: row.try_get("article_id")?,
            helpful: row.try_get("helpful")?,
            reason: row.try_get("reason")?,
            outcome: row.try_get("outcome")?,
            day: row.try_get("day")?,
        };
        match journeys.last_mut() {
            Some((id, events)) if *id == journey => events.push(event),
            _ => journeys.push((journey, vec![event])),
        }
    }
    Ok(journeys.into_iter().map(|(_, events)| events).collect())
}

/// What one journey taught: (question, article, outcome) → the day of the evidence.
fn journey_evidence(events: &[JourneyEvent]) -> BTreeMap<(String, String, &'static str), String> {
    let resolved = events
        .iter()
        .any(|e| e.kind == "journey_ended" && e.outcome.as_deref() == Some("resolved"));
    let mut question: Option<String> = None;
    let mut found = BTreeMap::new();
    for e in events {
        match e.kind.as_str() {
            "search" => question = e.query_norm.as_deref().and_then(scrub),
            "feedback" => {
                let (Some(q), Some(article)) = (&question, &e.article_id) else {
                    continue;
                };
                let outcome = match e.helpful {
                    Some(0) => "no",
                    Some(1) if resolved => "resolved",
                    _ => continue,
                };
                found
                    .entry((q.clone(), article.clone(), outcome))
                    .or_insert_with(|| e.day.clone());
            }
            _ => {}
        }
    }
    found
}

/// The learn export for `range`: lines sorted by question, article, outcome and day, with
/// every question fewer than `min_journeys` distinct journeys asked left out.
pub async fn export(db: &Db, range: Range, min_journeys: u64) -> anyhow::Result<Vec<LearnLine>> {
    let journeys = journeys_in(db, range).await?;
    let mut askers: HashMap<String, HashSet<usize>> = HashMap::new();
    let mut lines: BTreeMap<(String, String, &'static str, String), BTreeSet<usize>> =
        BTreeMap::new();
    for (n, events) in journeys.iter().enumerate() {
        for ((query, article, outcome), day) in journey_evidence(events) {
            askers.entry(query.clone()).or_default().insert(n);
            lines
                .entry((query, article, outcome, day))
                .or_default()
                .insert(n);
        }
    }
    Ok(lines
        .into_iter()
        .filter(|((query, ..), _)| askers[query].len() as u64 >= min_journeys)
        .map(|((query, doc_id, outcome, at), js)| LearnLine {
            query,
            doc_id,
            outcome,
            count: js.len() as u64,
            journeys: js.len() as u64,
            at,
        })
        .collect())
}

/// The export as JSON Lines.
pub fn to_jsonl(lines: &[LearnLine]) -> String {
    lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap_or_default() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_tokens_are_dropped_before_anything_leaves() {
        assert_eq!(
            scrub("Refund order 1234567 for jo@example.com").as_deref(),
            Some("refund order for")
        );
        assert_eq!(scrub("555-0100-22"), None);
    }
}
