//! The doc team's list of failing articles: `deflect report --format failing` (a text
//! table) and `--format failing-json`.
//!
//! For every article that got a "No" ("Did this solve your problem?") in the window it
//! gives how many distinct journeys said No and how many said Yes, the No reasons
//! customers picked, the last day a No came in, and the questions that led to the article:
//! within a journey, the question behind an answer is the journey's latest search before it,
//! as in the learn export (`crate::learn_export`). Articles come most-failed first.
//!
//! Privacy follows the learn export: personal-looking tokens (e-mail addresses, URLs, long
//! numbers) are dropped from a question first, and a question's text is shown only when at
//! least `min_journeys` distinct journeys asked it and then said No to that article
//! (k-anonymity per line shown); the rest are counted as withheld. No journey, client or
//! person id leaves. The list is built from raw events, not from the rollups, because which
//! search led to which "No" is only known within a journey; it is a windowed doc-team tool,
//! so events already removed by retention are simply not in it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::db::Db;
use crate::learn_export::{journeys_in, scrub, JourneyEvent};
use crate::report::Range;

/// One question that led customers to an article they then said No to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingQuestion {
    /// The question, normalised and without personal tokens.
    pub query: String,
    /// Distinct journeys that asked it and said No to the article.
    pub journeys: u64,
    /// The last UTC day (`YYYY-MM-DD`) one of them did.
    pub last_seen: String,
}

/// One article customers said No to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingArticle {
    /// The article id.
    pub article_id: String,
    /// Distinct journeys with a "No" for it.
    pub no_journeys: u64,
    /// Distinct journeys with a "Yes" for it (context: a popular article gets both).
    pub yes_journeys: u64,
    /// "No" journeys by the reason picked (`unspecified` when none); a journey that gave
    /// two reasons counts under each.
    pub reasons: BTreeMap<String, u64>,
    /// The last UTC day (`YYYY-MM-DD`) a "No" came in.
    pub last_seen: String,
    /// The questions shared by at least `min_journeys` journeys, most asked first.
    pub questions: Vec<FailingQuestion>,
    /// "No" journeys none of whose questions is shown: asked by too few journeys, emptied
    /// by scrubbing, stored without text (privacy settings) or with no search before.
    pub withheld_journeys: u64,
}

/// The whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailingList {
    /// The k-anonymity threshold the questions were filtered with.
    pub min_journeys: u64,
    /// Articles, most "No" journeys first (ties by id).
    pub articles: Vec<FailingArticle>,
}

/// What one journey said about articles: article → (said No, said Yes, reasons, questions
/// behind a No with the day).
#[derive(Default)]
struct JourneyVerdicts {
    no: bool,
    yes: bool,
    no_day: String,
    reasons: BTreeSet<String>,
    questions: BTreeMap<String, String>,
}

fn journey_verdicts(events: &[JourneyEvent]) -> BTreeMap<String, JourneyVerdicts> {
    let mut question: Option<String> = None;
    let mut verdicts: BTreeMap<String, JourneyVerdicts> = BTreeMap::new();
    for e in events {
        match e.kind.as_str() {
            "search" => question = e.query_norm.as_deref().and_then(scrub),
            "feedback" => {
                let Some(article) = &e.article_id else {
                    continue;
                };
                let v = verdicts.entry(article.clone()).or_default();
                match e.helpful {
                    Some(0) => {
                        v.no = true;
                        v.no_day = v.no_day.clone().max(e.day.clone());
                        v.reasons
                            .insert(e.reason.clone().unwrap_or_else(|| "unspecified".into()));
                        if let Some(q) = &question {
                            let day = v.questions.entry(q.clone()).or_default();
                            *day = day.clone().max(e.day.clone());
                        }
                    }
                    Some(1) => v.yes = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    verdicts
}

/// The failing-articles list for `range`, question texts kept only when at least
/// `min_journeys` distinct journeys asked them of that article (k-anonymity).
pub async fn build(db: &Db, range: Range, min_journeys: u64) -> anyhow::Result<FailingList> {
    let journeys = journeys_in(db, range).await?;
    Ok(from_journeys(&journeys, min_journeys))
}

fn from_journeys(journeys: &[Vec<JourneyEvent>], min_journeys: u64) -> FailingList {
    #[derive(Default)]
    struct Tally {
        no: BTreeSet<usize>,
        yes: u64,
        reasons: BTreeMap<String, u64>,
        last_seen: String,
        // question → (journeys, last day)
        questions: BTreeMap<String, (BTreeSet<usize>, String)>,
    }
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for (n, events) in journeys.iter().enumerate() {
        for (article, v) in journey_verdicts(events) {
            let t = tallies.entry(article).or_default();
            if v.yes {
                t.yes += 1;
            }
            if !v.no {
                continue;
            }
            t.no.insert(n);
            t.last_seen = t.last_seen.clone().max(v.no_day);
            for reason in v.reasons {
                *t.reasons.entry(reason).or_insert(0) += 1;
            }
            for (q, day) in v.questions {
                let (js, last) = t.questions.entry(q).or_default();
                js.insert(n);
                *last = last.clone().max(day);
            }
        }
    }
    let mut articles: Vec<FailingArticle> = tallies
        .into_iter()
        .filter(|(_, t)| !t.no.is_empty())
        .map(|(article_id, t)| {
            let shown: Vec<_> = t
                .questions
                .into_iter()
                .filter(|(_, (js, _))| js.len() as u64 >= min_journeys.max(1))
                .collect();
            let covered: BTreeSet<usize> = shown
                .iter()
                .flat_map(|(_, (js, _))| js.iter().copied())
                .collect();
            let mut questions: Vec<FailingQuestion> = shown
                .into_iter()
                .map(|(query, (js, last_seen))| FailingQuestion {
                    query,
                    journeys: js.len() as u64,
                    last_seen,
                })
                .collect();
            questions.sort_by(|a, b| b.journeys.cmp(&a.journeys).then(a.query.cmp(&b.query)));
            FailingArticle {
                article_id,
                no_journeys: t.no.len() as u64,
                yes_journeys: t.yes,
                reasons: t.reasons,
                last_seen: t.last_seen,
                questions,
                withheld_journeys: (t.no.len() - covered.len()) as u64,
            }
        })
        .collect();
    articles.sort_by(|a, b| {
        b.no_journeys
            .cmp(&a.no_journeys)
            .then(a.article_id.cmp(&b.article_id))
    });
    FailingList {
        min_journeys,
        articles,
    }
}

impl FailingList {
    /// A plain-text table: one line per article, its questions indented below it.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        if self.articles.is_empty() {
            out.push_str("No article got a \"No\" in this window.\n");
            return out;
        }
        let width = self
            .articles
            .iter()
            .map(|a| a.article_id.chars().count())
            .max()
            .unwrap_or(0)
            .max("article".len());
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:>4}  {:<10}  reasons",
            "article", "no", "yes", "last no"
        );
        for a in &self.articles {
            let reasons: Vec<String> = a
                .reasons
                .iter()
                .map(|(r, n)| format!("{n} {}", r.replace('_', " ")))
                .collect();
            let _ = writeln!(
                out,
                "{:<width$}  {:>4}  {:>4}  {:<10}  {}",
                a.article_id,
                a.no_journeys,
                a.yes_journeys,
                a.last_seen,
                reasons.join(", ")
            );
            for q in &a.questions {
                let _ = writeln!(
                    out,
                    "    {:>4} × \"{}\" (last {})",
                    q.journeys, q.query, q.last_seen
                );
            }
            if a.withheld_journeys > 0 {
                let _ = writeln!(
                    out,
                    "    {:>4} × question withheld (asked by fewer than {} journeys, or not recorded)",
                    a.withheld_journeys, self.min_journeys
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        kind: &str,
        query: Option<&str>,
        article: Option<&str>,
        helpful: Option<i64>,
    ) -> JourneyEvent {
        JourneyEvent {
            kind: kind.into(),
            query_norm: query.map(Into::into),
            article_id: article.map(Into::into),
            helpful,
            reason: None,
            outcome: None,
            day: "2026-11-23".into(),
        }
    }

    #[test]
    fn the_question_behind_a_no_is_the_latest_search_before_it() {
        let journey = vec![
            ev("search", Some("vat"), None, None),
            ev("search", Some("vat number"), None, None),
            ev("feedback", None, Some("billing/vat"), Some(0)),
            ev("search", Some("refund"), None, None),
        ];
        let list = from_journeys(&[journey], 1);
        assert_eq!(list.articles[0].questions[0].query, "vat number");
        assert_eq!(list.articles[0].questions.len(), 1);
    }
}
