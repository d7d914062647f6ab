//! The self-help report: journeys by outcome per day (and those without an outcome yet) and
//! the deflection rate, top queries, the content gaps (zero-result queries and queries whose
//! suggestions miss their most specific word), the articles with the most "No" feedback and
//! why, and the customers' classification of cases against the vendor's. One [`Report`] value feeds
//! `GET /v1/report` (JSON), the `/report` dashboard and `deflect report`.
//!
//! Events are counted by the customer's clock (`at`), cases by `created_at`, days in UTC.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use deflect_wire::{CustomerCategory, FeedbackReason, VendorCategory};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Db;

/// How many top queries, zero-result queries and unhelpful articles are listed.
pub const TOP_N: i64 = 20;

/// The time window, as epoch milliseconds: `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Range {
    /// Start (inclusive); none: from the beginning.
    pub from_ms: Option<i64>,
    /// End (exclusive); none: until now and beyond.
    pub to_ms: Option<i64>,
}

impl Range {
    /// Parses `from`/`to` as `YYYY-MM-DD` (UTC; `to` includes that whole day) or RFC 3339
    /// timestamps. Errors name the parameter.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Range, (String, String)> {
        let from_ms = from
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_bound("from", s, false))
            .transpose()?;
        let to_ms = to
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_bound("to", s, true))
            .transpose()?;
        if let (Some(f), Some(t)) = (from_ms, to_ms) {
            if f >= t {
                return Err(("to".into(), "must be later than from".into()));
            }
        }
        Ok(Range { from_ms, to_ms })
    }

    pub(crate) fn bounds(&self) -> (i64, i64) {
        (
            self.from_ms.unwrap_or(i64::MIN),
            self.to_ms.unwrap_or(i64::MAX),
        )
    }
}

fn parse_bound(name: &str, s: &str, end: bool) -> Result<i64, (String, String)> {
    let s = s.trim();
    if let Ok(date) = s.parse::<jiff::civil::Date>() {
        let day = if end {
            date.tomorrow()
                .map_err(|e| (name.to_string(), e.to_string()))?
        } else {
            date
        };
        let ts = day
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .map_err(|e| (name.to_string(), e.to_string()))?
            .timestamp();
        return Ok(ts.as_millisecond());
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            (
                name.to_string(),
                format!("must be a date like 2026-11-23 or an RFC 3339 time, got {s:?}"),
            )
        })
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Start of the window (RFC 3339), if any.
    pub from: Option<String>,
    /// End of the window, exclusive (RFC 3339), if any.
    pub to: Option<String>,
    /// Headline figures.
    pub totals: Totals,
    /// Journeys ended per UTC day, by outcome.
    pub days: Vec<Day>,
    /// Most frequent settled queries (normalized: trimmed, lower-cased).
    pub top_queries: Vec<QueryCount>,
    /// Queries that found nothing: the content-gap list.
    pub zero_result_queries: Vec<QueryCount>,
    /// Queries that found suggestions, none containing the query's most specific word (as
    /// judged by widgets that send `good_answer`): content gaps hidden behind results.
    #[serde(default)]
    pub no_good_answer_queries: Vec<QueryCount>,
    /// Articles with the most "No" answers, and why.
    pub unhelpful_articles: Vec<ArticleFeedback>,
    /// Cases by the customer's category against the vendor's.
    pub classification: Vec<MatrixCell>,
    /// Case forwarding state (all time).
    pub outbox: OutboxState,
}

/// Headline figures for the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Totals {
    /// Events stored.
    pub events: i64,
    /// Distinct journeys with any event.
    pub journeys: i64,
    /// Journeys that ended resolved.
    pub resolved: i64,
    /// Journeys that ended with a case.
    pub escalated: i64,
    /// Journeys that ended with neither.
    pub abandoned: i64,
    /// Journeys with events in the window but no outcome in it: still in progress, or
    /// their end fell after the window (or never reached the collector).
    #[serde(default)]
    pub without_outcome: i64,
    /// resolved ÷ (resolved + escalated); none when both are 0.
    pub deflection_rate: Option<f64>,
    /// Settled searches.
    pub searches: i64,
    /// Searches with no result.
    pub zero_result_searches: i64,
    /// Searches with results but no good answer (`good_answer: false`).
    #[serde(default)]
    pub no_good_answer_searches: i64,
    /// Cases received.
    pub cases: i64,
    /// Cases the vendor has classified.
    pub classified_cases: i64,
}

/// One day of journey outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Journeys resolved that day.
    pub resolved: i64,
    /// Journeys escalated that day.
    pub escalated: i64,
    /// Journeys abandoned that day.
    pub abandoned: i64,
    /// resolved ÷ (resolved + escalated) that day.
    pub deflection_rate: Option<f64>,
}

/// A query and how often it was searched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryCount {
    /// Normalized query text.
    pub query: String,
    /// Searches.
    pub searches: i64,
    /// Of which found nothing.
    pub zero_results: i64,
    /// Of which found suggestions but no good answer.
    #[serde(default)]
    pub no_good_answer: i64,
}

/// Feedback on one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleFeedback {
    /// The article id.
    pub article_id: String,
    /// "No" answers.
    pub no: i64,
    /// "Yes" answers.
    pub yes: i64,
    /// "No" answers by reason (`unclear`, `does_not_match`, `did_not_work`, `outdated`,
    /// `unspecified`); zero counts are left out.
    pub reasons: BTreeMap<String, i64>,
}

/// One cell of the customer × vendor category matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixCell {
    /// The customer's category.
    pub customer_category: String,
    /// The vendor's category, or `unclassified`.
    pub vendor_category: String,
    /// Cases.
    pub cases: i64,
}

/// Forwarding state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OutboxState {
    /// Cases not yet accepted by the helpdesk (parked ones excluded).
    pub pending: i64,
    /// Cases delivered.
    pub delivered: i64,
    /// Cases the helpdesk refused for good (`deflect forward list` says why).
    #[serde(default)]
    pub parked: i64,
}

/// Adds `n` cases to the classification matrix's (customer, vendor) cell; the key orders
/// the cells as the report shows them.
pub(crate) fn add_to_matrix(
    cells: &mut BTreeMap<(usize, usize), MatrixCell>,
    customer: String,
    vendor: String,
    n: i64,
) {
    let key = (customer_order(&customer), vendor_order(&vendor));
    cells
        .entry(key)
        .or_insert_with(|| MatrixCell {
            customer_category: customer,
            vendor_category: vendor,
            cases: 0,
        })
        .cases += n;
}

/// The outbox's state now (not windowed): what both the raw and the rollup report show.
pub(crate) async fn outbox_state<'e, E>(db: E) -> anyhow::Result<OutboxState>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT SUM(CASE WHEN delivered_ms IS NULL AND parked_ms IS NULL THEN 1 ELSE 0 END) AS pending, \
         SUM(CASE WHEN delivered_ms IS NULL THEN 0 ELSE 1 END) AS delivered, \
         SUM(CASE WHEN delivered_ms IS NULL AND parked_ms IS NOT NULL THEN 1 ELSE 0 END) AS parked \
         FROM outbox",
    )
    .fetch_one(db)
    .await?;
    Ok(OutboxState {
        pending: row.try_get::<Option<i64>, _>("pending")?.unwrap_or(0),
        delivered: row.try_get::<Option<i64>, _>("delivered")?.unwrap_or(0),
        parked: row.try_get::<Option<i64>, _>("parked")?.unwrap_or(0),
    })
}

/// The vendor-category column for cases not classified yet.
pub const UNCLASSIFIED: &str = "unclassified";

/// Searches with suggestions that miss the query's most specific word.
const WEAK: &str = "SUM(CASE WHEN results > 0 AND good_answer = 0 THEN 1 ELSE 0 END)";

pub(crate) fn rate(resolved: i64, escalated: i64) -> Option<f64> {
    (resolved + escalated > 0).then(|| resolved as f64 / (resolved + escalated) as f64)
}

pub(crate) fn rfc3339(ms: i64) -> Option<String> {
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_string())
}

/// Computes the report for `range` from the daily rollups, reading raw events only for the
/// partial days at the window's edges (server/src/report_rollups.rs).
pub async fn build(db: &Db, range: Range) -> anyhow::Result<Report> {
    crate::report_rollups::build(db, range).await
}

/// Computes the report for `range` from raw rows only: the reference the rollups are
/// tested against, and the benchmark's baseline. Figures of days whose events retention
/// has purged are gone here.
pub async fn build_raw(db: &Db, range: Range) -> anyhow::Result<Report> {
    let pool = db.pool();
    let (from, to) = range.bounds();
    let collate = db.bytewise();

    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    let rows = sqlx::query(
        "SELECT day, outcome, COUNT(DISTINCT journey_id) AS n FROM events \
         WHERE type = 'journey_ended' AND at_ms >= $1 AND at_ms < $2 GROUP BY day, outcome",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    for row in rows {
        let day: String = row.try_get("day")?;
        let outcome: Option<String> = row.try_get("outcome")?;
        let n: i64 = row.try_get("n")?;
        let entry = days.entry(day.clone()).or_insert_with(|| Day {
            day,
            resolved: 0,
            escalated: 0,
            abandoned: 0,
            deflection_rate: None,
        });
        match outcome.as_deref() {
            Some("resolved") => entry.resolved += n,
            Some("escalated") => entry.escalated += n,
            Some("abandoned") => entry.abandoned += n,
            _ => {}
        }
    }
    let days: Vec<Day> = days
        .into_values()
        .map(|mut d| {
            d.deflection_rate = rate(d.resolved, d.escalated);
            d
        })
        .collect();

    let mut totals = Totals::default();
    let rows = sqlx::query(
        "SELECT outcome, COUNT(DISTINCT journey_id) AS n FROM events \
         WHERE type = 'journey_ended' AND at_ms >= $1 AND at_ms < $2 GROUP BY outcome",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    for row in rows {
        let outcome: Option<String> = row.try_get("outcome")?;
        let n: i64 = row.try_get("n")?;
        match outcome.as_deref() {
            Some("resolved") => totals.resolved = n,
            Some("escalated") => totals.escalated = n,
            Some("abandoned") => totals.abandoned = n,
            _ => {}
        }
    }
    totals.deflection_rate = rate(totals.resolved, totals.escalated);
    let row = sqlx::query(
        "SELECT COUNT(*) AS events, COUNT(DISTINCT journey_id) AS journeys, \
         SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END) AS searches, \
         SUM(CASE WHEN type = 'search' AND results = 0 THEN 1 ELSE 0 END) AS zero, \
         SUM(CASE WHEN type = 'search' AND results > 0 AND good_answer = 0 THEN 1 ELSE 0 END) \
         AS weak FROM events WHERE at_ms >= $1 AND at_ms < $2",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    totals.events = row.try_get("events")?;
    totals.journeys = row.try_get("journeys")?;
    totals.searches = row.try_get::<Option<i64>, _>("searches")?.unwrap_or(0);
    totals.zero_result_searches = row.try_get::<Option<i64>, _>("zero")?.unwrap_or(0);
    totals.no_good_answer_searches = row.try_get::<Option<i64>, _>("weak")?.unwrap_or(0);
    // Journeys seen in the window without an outcome in it, so that the outcomes and these
    // add up to `journeys`.
    // One pass grouped by journey: a NOT EXISTS per event row looked up every event of
    // the same journey again, minutes on the load run's 120,000 events.
    totals.without_outcome = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT journey_id, \
         MAX(CASE WHEN type = 'journey_ended' THEN 1 ELSE 0 END) AS ended \
         FROM events WHERE at_ms >= $1 AND at_ms < $2 GROUP BY journey_id) j WHERE ended = 0",
    )
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;

    let top_queries = query_counts(
        db,
        &format!(
            "SELECT query_norm, COUNT(*) AS n, SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END) AS z, \
             {WEAK} AS w FROM events WHERE type = 'search' AND query_norm IS NOT NULL \
             AND at_ms >= $1 AND at_ms < $2 GROUP BY query_norm \
             ORDER BY n DESC, query_norm {collate} LIMIT $3"
        ),
        from,
        to,
    )
    .await?;
    let zero_result_queries = query_counts(
        db,
        &format!(
            "SELECT query_norm, COUNT(*) AS n, COUNT(*) AS z, CAST(0 AS BIGINT) AS w FROM events \
             WHERE type = 'search' AND results = 0 AND query_norm IS NOT NULL AND at_ms >= $1 \
             AND at_ms < $2 GROUP BY query_norm ORDER BY n DESC, query_norm {collate} LIMIT $3"
        ),
        from,
        to,
    )
    .await?;
    let no_good_answer_queries = query_counts(
        db,
        &format!(
            "SELECT query_norm, COUNT(*) AS n, CAST(0 AS BIGINT) AS z, COUNT(*) AS w FROM events \
             WHERE type = 'search' AND results > 0 AND good_answer = 0 \
             AND query_norm IS NOT NULL AND at_ms >= $1 AND at_ms < $2 GROUP BY query_norm \
             ORDER BY n DESC, query_norm {collate} LIMIT $3"
        ),
        from,
        to,
    )
    .await?;

    let rows = sqlx::query(&format!(
        "SELECT article_id, SUM(CASE WHEN helpful = 0 THEN 1 ELSE 0 END) AS no, \
         SUM(CASE WHEN helpful = 1 THEN 1 ELSE 0 END) AS yes FROM events \
         WHERE type = 'feedback' AND at_ms >= $1 AND at_ms < $2 GROUP BY article_id \
         HAVING SUM(CASE WHEN helpful = 0 THEN 1 ELSE 0 END) > 0 \
         ORDER BY no DESC, article_id {collate} LIMIT $3"
    ))
    .bind(from)
    .bind(to)
    .bind(TOP_N)
    .fetch_all(pool)
    .await?;
    let mut unhelpful_articles = Vec::new();
    for row in rows {
        unhelpful_articles.push(ArticleFeedback {
            article_id: row.try_get("article_id")?,
            no: row.try_get::<Option<i64>, _>("no")?.unwrap_or(0),
            yes: row.try_get::<Option<i64>, _>("yes")?.unwrap_or(0),
            reasons: BTreeMap::new(),
        });
    }
    if !unhelpful_articles.is_empty() {
        let rows = sqlx::query(
            "SELECT article_id, reason, COUNT(*) AS n FROM events WHERE type = 'feedback' \
             AND helpful = 0 AND at_ms >= $1 AND at_ms < $2 GROUP BY article_id, reason",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await?;
        for row in rows {
            let article: String = row.try_get("article_id")?;
            let reason: Option<String> = row.try_get("reason")?;
            let n: i64 = row.try_get("n")?;
            if let Some(a) = unhelpful_articles
                .iter_mut()
                .find(|a| a.article_id == article)
            {
                *a.reasons
                    .entry(reason.unwrap_or_else(|| "unspecified".into()))
                    .or_insert(0) += n;
            }
        }
    }

    let rows = sqlx::query(
        "SELECT customer_category, vendor_category, COUNT(*) AS n FROM cases \
         WHERE created_ms >= $1 AND created_ms < $2 GROUP BY customer_category, vendor_category",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;
    let mut cells: BTreeMap<(usize, usize), MatrixCell> = BTreeMap::new();
    for row in rows {
        let customer: String = row.try_get("customer_category")?;
        let vendor: Option<String> = row.try_get("vendor_category")?;
        let n: i64 = row.try_get("n")?;
        totals.cases += n;
        if vendor.is_some() {
            totals.classified_cases += n;
        }
        let vendor = vendor.unwrap_or_else(|| UNCLASSIFIED.to_string());
        add_to_matrix(&mut cells, customer, vendor, n);
    }

    let outbox = outbox_state(pool).await?;

    Ok(Report {
        from: range.from_ms.and_then(rfc3339),
        to: range.to_ms.and_then(rfc3339),
        totals,
        days,
        top_queries,
        zero_result_queries,
        no_good_answer_queries,
        unhelpful_articles,
        classification: cells.into_values().collect(),
        outbox,
    })
}

/// Most cases listed on the dashboard (newest first).
pub const CASE_LIST_LIMIT: i64 = 50;

/// One case in the dashboard's list, where the vendor classifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    /// The case id.
    pub id: String,
    /// Its short reference (`DF-…`), as the customer was told.
    pub reference: String,
    /// When the customer sent it (RFC 3339).
    pub created: String,
    /// The customer's subject line.
    pub subject: String,
    /// The customer's category.
    pub customer_category: String,
    /// The vendor's category, once set.
    pub vendor_category: Option<String>,
    /// Whether the customer's identity carried a valid signature from the vendor's backend.
    pub identity_verified: bool,
    /// Where the case stands with the helpdesk (pending, delivered with its ticket id,
    /// parked with the helpdesk's reason).
    #[serde(default)]
    pub forward: crate::forward::state::ForwardState,
}

/// The newest cases created in `range` (at most [`CASE_LIST_LIMIT`]).
pub async fn recent_cases(db: &Db, range: Range) -> anyhow::Result<Vec<CaseRow>> {
    let (from, to) = range.bounds();
    let rows = sqlx::query(&format!(
        "SELECT cases.id AS id, cases.created_ms AS created_ms, subject, customer_category, \
         vendor_category, identity_verified, {} \
         FROM cases LEFT JOIN outbox o ON o.case_id = cases.id \
         WHERE cases.created_ms >= $1 AND cases.created_ms < $2 \
         ORDER BY cases.created_ms DESC, cases.id {} LIMIT $3",
        crate::forward::state::STATE_COLUMNS,
        db.bytewise()
    ))
    .bind(from)
    .bind(to)
    .bind(CASE_LIST_LIMIT)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let created_ms: i64 = row.try_get("created_ms")?;
            Ok(CaseRow {
                reference: deflect_wire::case_reference(&id),
                id,
                created: rfc3339(created_ms).unwrap_or_default(),
                subject: row.try_get("subject")?,
                customer_category: row.try_get("customer_category")?,
                vendor_category: row.try_get("vendor_category")?,
                identity_verified: row.try_get::<i64, _>("identity_verified")? == 1,
                forward: crate::forward::state::ForwardState::from_row(&row)?,
            })
        })
        .collect()
}

async fn query_counts(db: &Db, sql: &str, from: i64, to: i64) -> anyhow::Result<Vec<QueryCount>> {
    let rows = sqlx::query(sql)
        .bind(from)
        .bind(to)
        .bind(TOP_N)
        .fetch_all(db.pool())
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(QueryCount {
                query: row.try_get("query_norm")?,
                searches: row.try_get("n")?,
                zero_results: row.try_get::<Option<i64>, _>("z")?.unwrap_or(0),
                no_good_answer: row.try_get::<Option<i64>, _>("w")?.unwrap_or(0),
            })
        })
        .collect()
}

/// Position of a customer category in the form's order (unknown names last).
pub fn customer_order(name: &str) -> usize {
    CustomerCategory::ALL
        .iter()
        .position(|c| c.as_str() == name)
        .unwrap_or(usize::MAX)
}

/// Position of a vendor category (`unclassified` last).
pub fn vendor_order(name: &str) -> usize {
    VendorCategory::ALL
        .iter()
        .position(|c| c.as_str() == name)
        .unwrap_or(VendorCategory::ALL.len())
}

/// The matrix's column names: every vendor category, then `unclassified`.
pub fn vendor_columns() -> Vec<&'static str> {
    VendorCategory::ALL
        .iter()
        .map(|v| v.as_str())
        .chain([UNCLASSIFIED])
        .collect()
}

/// Reason names in the widget's order, then `unspecified`.
pub fn reason_names() -> Vec<&'static str> {
    FeedbackReason::ALL
        .iter()
        .map(|r| r.as_str())
        .chain(["unspecified"])
        .collect()
}

impl Report {
    /// Cases for (customer, vendor).
    pub fn cell(&self, customer: &str, vendor: &str) -> i64 {
        self.classification
            .iter()
            .filter(|c| c.customer_category == customer && c.vendor_category == vendor)
            .map(|c| c.cases)
            .sum()
    }

    /// Plain-text tables.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let t = &self.totals;
        let _ = writeln!(
            s,
            "Deflect report  from {}  to {}",
            self.from.as_deref().unwrap_or("(start)"),
            self.to.as_deref().unwrap_or("(now)")
        );
        let _ = writeln!(
            s,
            "\njourneys {}  resolved {}  escalated {}  abandoned {}  without an outcome {}  \
             deflection rate {}",
            t.journeys,
            t.resolved,
            t.escalated,
            t.abandoned,
            t.without_outcome,
            pct(t.deflection_rate)
        );
        let _ = writeln!(
            s,
            "events {}  searches {}  zero-result searches {}  no good answer {}  \
             cases {} ({} classified)  forwarding: {} pending, {} delivered, {} parked",
            t.events,
            t.searches,
            t.zero_result_searches,
            t.no_good_answer_searches,
            t.cases,
            t.classified_cases,
            self.outbox.pending,
            self.outbox.delivered,
            self.outbox.parked
        );
        let _ = writeln!(s, "\nJourneys per day (UTC)");
        let _ = writeln!(
            s,
            "{:<10}  {:>8}  {:>9}  {:>9}  {:>10}",
            "day", "resolved", "escalated", "abandoned", "deflection"
        );
        for d in &self.days {
            let _ = writeln!(
                s,
                "{:<10}  {:>8}  {:>9}  {:>9}  {:>10}",
                d.day,
                d.resolved,
                d.escalated,
                d.abandoned,
                pct(d.deflection_rate)
            );
        }
        for (title, list) in [
            ("Top queries", &self.top_queries),
            (
                "Zero-result queries (content gaps)",
                &self.zero_result_queries,
            ),
            (
                "Queries with results but no good answer (content gaps)",
                &self.no_good_answer_queries,
            ),
        ] {
            let _ = writeln!(s, "\n{title}");
            let _ = writeln!(s, "{:>8}  {:>12}  query", "searches", "zero results");
            for q in list {
                let _ = writeln!(
                    s,
                    "{:>8}  {:>12}  {}",
                    q.searches,
                    q.zero_results,
                    one_line(&q.query)
                );
            }
        }
        let _ = writeln!(s, "\nArticles with the most \"No\" feedback");
        let _ = writeln!(s, "{:>4}  {:>4}  {:<40}  reasons", "no", "yes", "article");
        for a in &self.unhelpful_articles {
            let reasons: Vec<String> = a.reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
            let _ = writeln!(
                s,
                "{:>4}  {:>4}  {:<40}  {}",
                a.no,
                a.yes,
                one_line(&a.article_id),
                reasons.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "\nCases: customer's category (rows) × vendor's category (columns)"
        );
        let columns = vendor_columns();
        let _ = write!(s, "{:<22}", "");
        for c in &columns {
            let _ = write!(s, " {:>13}", c);
        }
        let _ = writeln!(s);
        for customer in CustomerCategory::ALL {
            let _ = write!(s, "{:<22}", customer.as_str());
            for c in &columns {
                let _ = write!(s, " {:>13}", self.cell(customer.as_str(), c));
            }
            let _ = writeln!(s);
        }
        s
    }

    /// Long-format CSV: `section,key,series,value`, one figure per line.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("section,key,series,value\n");
        let mut line = |section: &str, key: &str, series: &str, value: String| {
            let _ = writeln!(
                s,
                "{},{},{},{}",
                csv_field(section),
                csv_field(key),
                csv_field(series),
                csv_field(&value)
            );
        };
        let t = &self.totals;
        for (k, v) in [
            ("events", t.events),
            ("journeys", t.journeys),
            ("resolved", t.resolved),
            ("escalated", t.escalated),
            ("abandoned", t.abandoned),
            ("without_outcome", t.without_outcome),
            ("searches", t.searches),
            ("zero_result_searches", t.zero_result_searches),
            ("no_good_answer_searches", t.no_good_answer_searches),
            ("cases", t.cases),
            ("classified_cases", t.classified_cases),
            ("outbox_pending", self.outbox.pending),
            ("outbox_delivered", self.outbox.delivered),
            ("outbox_parked", self.outbox.parked),
        ] {
            line("totals", k, "", v.to_string());
        }
        line("totals", "deflection_rate", "", ratio(t.deflection_rate));
        for d in &self.days {
            line("day", &d.day, "resolved", d.resolved.to_string());
            line("day", &d.day, "escalated", d.escalated.to_string());
            line("day", &d.day, "abandoned", d.abandoned.to_string());
            line("day", &d.day, "deflection_rate", ratio(d.deflection_rate));
        }
        for q in &self.top_queries {
            line("top_query", &q.query, "searches", q.searches.to_string());
            line(
                "top_query",
                &q.query,
                "zero_results",
                q.zero_results.to_string(),
            );
        }
        for q in &self.zero_result_queries {
            line(
                "zero_result_query",
                &q.query,
                "searches",
                q.searches.to_string(),
            );
        }
        for q in &self.no_good_answer_queries {
            line(
                "no_good_answer_query",
                &q.query,
                "searches",
                q.searches.to_string(),
            );
        }
        for a in &self.unhelpful_articles {
            line("article_feedback", &a.article_id, "no", a.no.to_string());
            line("article_feedback", &a.article_id, "yes", a.yes.to_string());
            for (r, n) in &a.reasons {
                line(
                    "article_feedback",
                    &a.article_id,
                    &format!("reason:{r}"),
                    n.to_string(),
                );
            }
        }
        for c in &self.classification {
            line(
                "classification",
                &c.customer_category,
                &c.vendor_category,
                c.cases.to_string(),
            );
        }
        s
    }
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn ratio(r: Option<f64>) -> String {
    r.map_or(String::new(), |r| format!("{r:.4}"))
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// RFC 4180 quoting; a leading `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets
/// do not run customer text as a formula.
pub fn csv_field(s: &str) -> String {
    let mut s = s.to_string();
    if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_dates_and_times_and_name_the_bad_one() {
        let r = Range::parse(Some("2026-11-23"), Some("2026-11-23")).unwrap();
        assert_eq!(r.to_ms.unwrap() - r.from_ms.unwrap(), 86_400_000);
        let r = Range::parse(Some("2026-11-23T10:00:00Z"), None).unwrap();
        assert_eq!(r.from_ms, Some(1_795_428_000_000));
        assert_eq!(Range::parse(None, Some("yesterday")).unwrap_err().0, "to");
        assert_eq!(
            Range::parse(Some("2026-11-24"), Some("2026-11-23"))
                .unwrap_err()
                .0,
            "to"
        );
        assert_eq!(Range::parse(Some(""), None).unwrap(), Range::default());
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-3"), "-3");
    }
}
