//! The report computed from the daily rollups (server/src/rollup.rs): whole UTC days of the
//! window come from the `rollup_*` tables, and only the partial days at its edges (a window
//! that starts or ends inside a day) from raw events and cases. Every figure equals what
//! [`crate::report::build_raw`] computes from raw rows alone, as long as retention has not
//! purged any of them; after a purge the rollups still have the days' figures.
//!
//! Each query unions the rollup rows of the whole days with the raw rows of the edges and
//! aggregates once. The per-key lists (queries, articles) have one row per day and key, so
//! for them the calendar months among the whole days come from the monthly tables
//! (`rollup_*_month`) and only the other whole days from the daily ones: a quarter reads
//! three rows per key instead of ninety. A month the window covers for more than half is
//! read as its month row minus the day rows of its days outside the window. Distinct journeys are the exception: they are the sum of the days'
//! journey counters, corrected over the only journeys a sum can count twice or miss —
//! those seen on more than one day of the window (`rollup_journey_spans`) and those with
//! raw events at its edges — whose rows are read and counted distinct. That keeps the
//! cost per day constant instead of growing with the window's journeys.

use std::collections::BTreeMap;

use sqlx::Row;

use crate::db::Db;
use crate::report::{
    self, rate, rfc3339, ArticleFeedback, Day, MatrixCell, QueryCount, Range, Report, Totals,
    TOP_N, UNCLASSIFIED,
};
use crate::rollup::{self, ABANDONED, ENDED, ESCALATED, RESOLVED};

const DAY_MS: i64 = 86_400_000;

/// The window cut into whole days (`day >= $1 AND day < $2`, as `YYYY-MM-DD`) and up to two
/// partial edges in epoch ms (`[$3, $4)` and `[$5, $6)`, empty as `[0, 0)`); the whole days
/// contain the whole months `month >= $7 AND month < $8` (`YYYY-MM`; none as `["", "")`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Split {
    day_from: String,
    day_to: String,
    edges: [(i64, i64); 2],
    month_from: String,
    month_to: String,
}

/// Sorts after every `YYYY-MM-DD`: no upper bound on days.
const NO_LAST_DAY: &str = "~";

fn split(range: Range) -> Split {
    let mut s = split_days(range);
    (s.month_from, s.month_to) = month_span(&s.day_from, &s.day_to);
    s
}

/// The calendar months the per-key lists read from the monthly tables for the whole days
/// `[day_from, day_to)`, as `[from, to)` in `YYYY-MM`; `("", "")` for none. Every month
/// wholly inside, and also a month the window covers for more than half of it: that one is
/// read as its month row minus the day rows of its days outside the window (fewer rows
/// than its days inside). A bound `YYYY-MM` also splits days: a day of that month sorts
/// after it, a day of an earlier month before it.
fn month_span(day_from: &str, day_to: &str) -> (String, String) {
    let day_of_month = |day: &str| day.get(8..10).and_then(|d| d.parse::<u32>().ok());
    let from = match day_of_month(day_from) {
        None => String::new(),
        // From the 1st to the 15th: most of the month is inside.
        Some(d) if d <= 15 => rollup::month_of(day_from).to_string(),
        Some(_) => next_month(rollup::month_of(day_from)),
    };
    let to = match day_of_month(day_to) {
        None if day_to == NO_LAST_DAY => NO_LAST_DAY.to_string(),
        None => String::new(),
        // The window's last day is the 16th or later: most of its month is inside.
        Some(d) if d > 16 => next_month(rollup::month_of(day_to)),
        Some(_) => rollup::month_of(day_to).to_string(),
    };
    if from >= to {
        return (String::new(), String::new());
    }
    (from, to)
}

/// The month after `YYYY-MM`.
fn next_month(month: &str) -> String {
    let parse = |r: std::ops::Range<usize>| month.get(r).and_then(|p| p.parse::<i32>().ok());
    match (parse(0..4), parse(5..7)) {
        (Some(y), Some(12)) => format!("{:04}-01", y + 1),
        (Some(y), Some(m)) => format!("{y:04}-{:02}", m + 1),
        // Not a month the rollups write: no whole month follows.
        _ => NO_LAST_DAY.to_string(),
    }
}

fn split_days(range: Range) -> Split {
    let first_whole = range
        .from_ms
        .map(|f| (f + DAY_MS - 1).div_euclid(DAY_MS) * DAY_MS);
    let end_whole = range.to_ms.map(|t| t.div_euclid(DAY_MS) * DAY_MS);
    let day = |ms: i64| rollup::day_of_ms(ms).unwrap_or_default();
    if let (Some(first), Some(end)) = (first_whole, end_whole) {
        if first >= end {
            // No whole day inside: the window is read raw.
            return Split {
                day_from: String::new(),
                day_to: String::new(),
                edges: [(range.from_ms.unwrap(), range.to_ms.unwrap()), (0, 0)],
                month_from: String::new(),
                month_to: String::new(),
            };
        }
    }
    Split {
        day_from: first_whole.map(day).unwrap_or_default(),
        day_to: end_whole.map_or(NO_LAST_DAY.to_string(), day),
        edges: [
            range.from_ms.zip(first_whole).unwrap_or((0, 0)),
            end_whole.zip(range.to_ms).unwrap_or((0, 0)),
        ],
        month_from: String::new(),
        month_to: String::new(),
    }
}

/// Raw rows of the edges, by the column `at` (events: `at_ms`, cases: `created_ms`).
fn edges(at: &str) -> String {
    format!("(({at} >= $3 AND {at} < $4) OR ({at} >= $5 AND {at} < $6))")
}

const WHOLE_DAYS: &str = "day >= $1 AND day < $2";

/// Of a daily per-key table: the whole days outside the months read whole ([`month_span`]),
/// counted with [`DAY_SIGN`] 1, and the days of those months outside the window, with -1.
const DAYS_BESIDE_MONTHS: &str = "((day >= $1 AND day < $2 AND (day < $7 OR day >= $8)) \
     OR (day >= $7 AND day < $8 AND (day < $1 OR day >= $2)))";

/// A day row's sign in [`DAYS_BESIDE_MONTHS`].
const DAY_SIGN: &str = "CASE WHEN day >= $1 AND day < $2 THEN 1 ELSE -1 END";

/// Of a monthly table: the months read whole.
const WHOLE_MONTHS: &str = "month >= $7 AND month < $8";

fn bind<'q>(
    sql: &'q str,
    s: &Split,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(s.day_from.clone())
        .bind(s.day_to.clone())
        .bind(s.edges[0].0)
        .bind(s.edges[0].1)
        .bind(s.edges[1].0)
        .bind(s.edges[1].1)
}

/// [`bind`], plus the whole months as `$7` and `$8`.
fn bind_months<'q>(
    sql: &'q str,
    s: &Split,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    bind(sql, s)
        .bind(s.month_from.clone())
        .bind(s.month_to.clone())
}

/// A journey_ended event's bits in `rollup_journeys.ended`.
fn ended_bits() -> String {
    format!(
        "CASE WHEN type = 'journey_ended' THEN CASE outcome WHEN 'resolved' THEN {} \
         WHEN 'escalated' THEN {} WHEN 'abandoned' THEN {} ELSE {ENDED} END ELSE 0 END",
        RESOLVED | ENDED,
        ESCALATED | ENDED,
        ABANDONED | ENDED
    )
}

/// Computes the report for `range` from rollups plus the raw edges.
pub async fn build(db: &Db, range: Range) -> anyhow::Result<Report> {
    let s = split(range);
    // One read-only transaction: every figure from the same snapshot on PostgreSQL
    // (repeatable read), so the journey counters and the rows that correct them agree, and
    // room to hash in memory (the query lists; before the journey counters, the quarter's
    // distinct journeys spilled at the default 4 MB). `SET LOCAL` ends with the transaction.
    let mut tx = db.pool().begin().await?;
    if db.backend() == crate::db::Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SET LOCAL work_mem = '64MB'")
            .execute(&mut *tx)
            .await?;
        // Each read is now a few thousand rollup rows or an index range of raw edge rows:
        // starting parallel workers cost more than they saved (the quarter's query lists at
        // 2 M events: 66–77 ms with them, 40–43 ms without, on the shared 2-core machine).
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
            .execute(&mut *tx)
            .await?;
    }
    let collate = db.bytewise();
    let at = edges("at_ms");

    // Journeys ended per day: a day is listed when some journey ended in it. A journey has
    // one row per day, so the day's counters are its distinct counts.
    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    let sql = format!(
        "SELECT day, CAST(SUM(journeys_resolved) AS BIGINT) AS r, \
         CAST(SUM(journeys_escalated) AS BIGINT) AS e, \
         CAST(SUM(journeys_abandoned) AS BIGINT) AS a \
         FROM rollup_days WHERE {WHOLE_DAYS} GROUP BY day HAVING SUM(journeys_ended) > 0 \
         UNION ALL \
         SELECT day, COUNT(DISTINCT CASE WHEN outcome = 'resolved' THEN journey_id END) AS r, \
         COUNT(DISTINCT CASE WHEN outcome = 'escalated' THEN journey_id END) AS e, \
         COUNT(DISTINCT CASE WHEN outcome = 'abandoned' THEN journey_id END) AS a \
         FROM events WHERE type = 'journey_ended' AND {at} GROUP BY day"
    );
    for row in bind(&sql, &s).fetch_all(&mut *tx).await? {
        let day: String = row.try_get("day")?;
        let entry = days.entry(day.clone()).or_insert_with(|| Day {
            day,
            resolved: 0,
            escalated: 0,
            abandoned: 0,
            deflection_rate: None,
        });
        entry.resolved += row.try_get::<Option<i64>, _>("r")?.unwrap_or(0);
        entry.escalated += row.try_get::<Option<i64>, _>("e")?.unwrap_or(0);
        entry.abandoned += row.try_get::<Option<i64>, _>("a")?.unwrap_or(0);
    }
    let days: Vec<Day> = days
        .into_values()
        .map(|mut d| {
            d.deflection_rate = rate(d.resolved, d.escalated);
            d
        })
        .collect();

    let mut totals = Totals::default();
    let [journeys, resolved, escalated, abandoned, ended] = distinct_journeys(&mut tx, &s).await?;
    totals.journeys = journeys;
    totals.resolved = resolved;
    totals.escalated = escalated;
    totals.abandoned = abandoned;
    totals.without_outcome = journeys - ended;
    totals.deflection_rate = rate(totals.resolved, totals.escalated);

    let sql = format!(
        "SELECT CAST(SUM(n) AS BIGINT) AS events, CAST(SUM(s) AS BIGINT) AS searches, \
         CAST(SUM(z) AS BIGINT) AS zero, CAST(SUM(w) AS BIGINT) AS weak FROM ( \
         SELECT events AS n, searches AS s, zero_results AS z, no_good_answer AS w \
         FROM rollup_days WHERE {WHOLE_DAYS} \
         UNION ALL SELECT COUNT(*), SUM(CASE WHEN type = 'search' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN type = 'search' AND results = 0 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN type = 'search' AND results > 0 AND good_answer = 0 THEN 1 ELSE 0 END) \
         FROM events WHERE {at}) u"
    );
    let row = bind(&sql, &s).fetch_one(&mut *tx).await?;
    let sum = |name: &str| -> anyhow::Result<i64> {
        Ok(row.try_get::<Option<i64>, _>(name)?.unwrap_or(0))
    };
    totals.events = sum("events")?;
    totals.searches = sum("searches")?;
    totals.zero_result_searches = sum("zero")?;
    totals.no_good_answer_searches = sum("weak")?;

    // The three query lists from one aggregation (materialized once, read three times).
    let sql = format!(
        "WITH q AS MATERIALIZED (SELECT query_norm, CAST(SUM(n) AS BIGINT) AS n, \
         CAST(SUM(z) AS BIGINT) AS z, CAST(SUM(w) AS BIGINT) AS w FROM ( \
         SELECT query_norm, searches AS n, zero_results AS z, no_good_answer AS w \
         FROM rollup_queries_month WHERE {WHOLE_MONTHS} \
         UNION ALL SELECT query_norm, {DAY_SIGN} * searches, {DAY_SIGN} * zero_results, \
         {DAY_SIGN} * no_good_answer FROM rollup_queries WHERE {DAYS_BESIDE_MONTHS} \
         UNION ALL SELECT query_norm, COUNT(*), SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN results > 0 AND good_answer = 0 THEN 1 ELSE 0 END) FROM events \
         WHERE type = 'search' AND query_norm IS NOT NULL AND {at} GROUP BY query_norm \
         ) u GROUP BY query_norm) \
         SELECT 0 AS list, query_norm, n, z, w FROM \
         (SELECT * FROM q WHERE n > 0 ORDER BY n DESC, query_norm {collate} LIMIT $9) top \
         UNION ALL SELECT 1, query_norm, n, z, w FROM \
         (SELECT * FROM q WHERE z > 0 ORDER BY z DESC, query_norm {collate} LIMIT $9) zero \
         UNION ALL SELECT 2, query_norm, n, z, w FROM \
         (SELECT * FROM q WHERE w > 0 ORDER BY w DESC, query_norm {collate} LIMIT $9) weak"
    );
    let [mut top_queries, mut zero_result_queries, mut no_good_answer_queries]: [Vec<QueryCount>;
        3] = Default::default();
    for row in bind_months(&sql, &s)
        .bind(TOP_N)
        .fetch_all(&mut *tx)
        .await?
    {
        let get = |name: &str| -> anyhow::Result<i64> {
            Ok(row.try_get::<Option<i64>, _>(name)?.unwrap_or(0))
        };
        let (n, z, w) = (get("n")?, get("z")?, get("w")?);
        let query: String = row.try_get("query_norm")?;
        let (list, searches, zero_results, no_good_answer) = match get("list")? {
            0 => (&mut top_queries, n, z, w),
            1 => (&mut zero_result_queries, z, z, 0),
            _ => (&mut no_good_answer_queries, w, 0, w),
        };
        list.push(QueryCount {
            query,
            searches,
            zero_results,
            no_good_answer,
        });
    }
    // A union keeps no order: most searched first, then the query bytewise, as the SQL.
    for list in [
        &mut top_queries,
        &mut zero_result_queries,
        &mut no_good_answer_queries,
    ] {
        list.sort_by(|a, b| {
            b.searches
                .cmp(&a.searches)
                .then_with(|| a.query.cmp(&b.query))
        });
    }

    let unhelpful_articles = unhelpful_articles(&mut tx, db.bytewise(), &s).await?;

    let sql = format!(
        "SELECT customer_category, vendor_category, CAST(SUM(n) AS BIGINT) AS n FROM ( \
         SELECT customer_category, vendor_category, cases AS n FROM rollup_cases \
         WHERE {WHOLE_DAYS} \
         UNION ALL SELECT customer_category, COALESCE(vendor_category, ''), 1 FROM cases \
         WHERE {}) u GROUP BY customer_category, vendor_category",
        edges("created_ms")
    );
    let mut cells: BTreeMap<(usize, usize), MatrixCell> = BTreeMap::new();
    for row in bind(&sql, &s).fetch_all(&mut *tx).await? {
        let customer: String = row.try_get("customer_category")?;
        let vendor: String = row.try_get("vendor_category")?;
        let n: i64 = row.try_get::<Option<i64>, _>("n")?.unwrap_or(0);
        if n <= 0 {
            // A cell every case has been classified out of.
            continue;
        }
        totals.cases += n;
        let vendor = if vendor.is_empty() {
            UNCLASSIFIED.to_string()
        } else {
            totals.classified_cases += n;
            vendor
        };
        report::add_to_matrix(&mut cells, customer, vendor, n);
    }

    let outbox = report::outbox_state(&mut *tx).await?;

    // Read-only: ending it either way changes nothing.
    tx.commit().await?;
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

/// Distinct journeys of the window: [all, resolved, escalated, abandoned, ended].
///
/// The whole days' counters count each journey once per day it has a row in. Only the
/// journeys of `rollup_journey_spans` overlapping those days can have two rows in them, and
/// only journeys with raw events at the edges can be missing from them; for those two sets
/// the counters' share (their rows in the whole days, `counted`) is taken out and they are
/// counted distinct over those rows and the edge events, as the report did for every
/// journey. `counted` is read for the spanning journeys alone: an edge journey with a row
/// in a whole day has rows on two days, so it is one of them. Driving it from the edge
/// events too (tens of thousands of rows, a few thousand journeys) made PostgreSQL
/// misjudge the set and scan every journey row of the window: 300 of a partial-edge
/// quarter's 430 ms at 10 M events.
async fn distinct_journeys(conn: &mut sqlx::AnyConnection, s: &Split) -> anyhow::Result<[i64; 5]> {
    let sql = format!(
        "SELECT CAST(SUM(journeys) AS BIGINT) AS j, CAST(SUM(journeys_resolved) AS BIGINT) AS r, \
         CAST(SUM(journeys_escalated) AS BIGINT) AS e, \
         CAST(SUM(journeys_abandoned) AS BIGINT) AS a, CAST(SUM(journeys_ended) AS BIGINT) AS x \
         FROM rollup_days WHERE {WHOLE_DAYS}"
    );
    let counters = bind(&sql, s).fetch_one(&mut *conn).await?;
    let at = edges("at_ms");
    let sql = format!(
        "WITH counted AS (SELECT journey_id, ended FROM rollup_journeys \
         WHERE {WHOLE_DAYS} AND journey_id IN (SELECT journey_id FROM rollup_journey_spans \
         WHERE first_day < $2 AND last_day >= $1)), \
         per_journey AS (SELECT journey_id, MAX(ended & {RESOLVED}) AS r, \
         MAX(ended & {ESCALATED}) AS e, MAX(ended & {ABANDONED}) AS a, MAX(ended & {ENDED}) AS x \
         FROM (SELECT journey_id, ended FROM counted \
         UNION ALL SELECT journey_id, {} AS ended FROM events WHERE {at}) u GROUP BY journey_id) \
         SELECT (SELECT COUNT(*) FROM per_journey) - (SELECT COUNT(*) FROM counted) AS j, \
         {} AS r, {} AS e, {} AS a, {} AS x",
        ended_bits(),
        correction("r", RESOLVED),
        correction("e", ESCALATED),
        correction("a", ABANDONED),
        correction("x", ENDED),
    );
    let correction = bind(&sql, s).fetch_one(&mut *conn).await?;
    let mut out = [0; 5];
    for (i, name) in ["j", "r", "e", "a", "x"].into_iter().enumerate() {
        out[i] = counters.try_get::<Option<i64>, _>(name)?.unwrap_or(0)
            + correction.try_get::<Option<i64>, _>(name)?.unwrap_or(0);
    }
    Ok(out)
}

/// The set's distinct journeys with `bit` minus its whole-day rows with it.
fn correction(column: &str, bit: i64) -> String {
    format!(
        "(SELECT COUNT(*) FROM per_journey WHERE {column} <> 0) \
         - (SELECT COUNT(*) FROM counted WHERE (ended & {bit}) <> 0)"
    )
}

async fn unhelpful_articles(
    conn: &mut sqlx::AnyConnection,
    collate: &str,
    s: &Split,
) -> anyhow::Result<Vec<ArticleFeedback>> {
    let at = edges("at_ms");
    let sql = format!(
        "SELECT article_id, CAST(SUM(no) AS BIGINT) AS no, CAST(SUM(yes) AS BIGINT) AS yes FROM ( \
         SELECT article_id, CASE WHEN helpful = 0 THEN n ELSE 0 END AS no, \
         CASE WHEN helpful = 1 THEN n ELSE 0 END AS yes FROM rollup_feedback_month \
         WHERE {WHOLE_MONTHS} \
         UNION ALL SELECT article_id, CASE WHEN helpful = 0 THEN {DAY_SIGN} * n ELSE 0 END, \
         CASE WHEN helpful = 1 THEN {DAY_SIGN} * n ELSE 0 END FROM rollup_feedback \
         WHERE {DAYS_BESIDE_MONTHS} \
         UNION ALL SELECT article_id, CASE WHEN helpful = 0 THEN 1 ELSE 0 END, \
         CASE WHEN helpful = 1 THEN 1 ELSE 0 END FROM events WHERE type = 'feedback' AND {at} \
         ) u GROUP BY article_id HAVING SUM(no) > 0 ORDER BY no DESC, article_id {collate} LIMIT $9"
    );
    let mut articles = Vec::new();
    for row in bind_months(&sql, s)
        .bind(TOP_N)
        .fetch_all(&mut *conn)
        .await?
    {
        articles.push(ArticleFeedback {
            article_id: row.try_get("article_id")?,
            no: row.try_get::<Option<i64>, _>("no")?.unwrap_or(0),
            yes: row.try_get::<Option<i64>, _>("yes")?.unwrap_or(0),
            reasons: BTreeMap::new(),
        });
    }
    if articles.is_empty() {
        return Ok(articles);
    }
    let sql = format!(
        "SELECT article_id, reason, CAST(SUM(n) AS BIGINT) AS n FROM ( \
         SELECT article_id, reason, n FROM rollup_feedback_month \
         WHERE helpful = 0 AND {WHOLE_MONTHS} \
         UNION ALL SELECT article_id, reason, {DAY_SIGN} * n FROM rollup_feedback \
         WHERE helpful = 0 AND {DAYS_BESIDE_MONTHS} \
         UNION ALL SELECT article_id, COALESCE(reason, 'unspecified'), 1 FROM events \
         WHERE type = 'feedback' AND helpful = 0 AND {at}) u GROUP BY article_id, reason"
    );
    for row in bind_months(&sql, s).fetch_all(&mut *conn).await? {
        let article: String = row.try_get("article_id")?;
        let reason: String = row.try_get("reason")?;
        let n: i64 = row.try_get::<Option<i64>, _>("n")?.unwrap_or(0);
        if n == 0 {
            // Only in the days a month row had taken out: not in the window.
            continue;
        }
        if let Some(a) = articles.iter_mut().find(|a| a.article_id == article) {
            *a.reasons.entry(reason).or_insert(0) += n;
        }
    }
    Ok(articles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_split_into_whole_days_and_raw_edges() {
        let day = |d: &str| Range::parse(Some(d), None).unwrap().from_ms.unwrap();
        let d23 = day("2026-11-23");
        // Whole days only.
        let s = split(Range::parse(Some("2026-11-23"), Some("2026-11-24")).unwrap());
        assert_eq!(
            (s.day_from.as_str(), s.day_to.as_str()),
            ("2026-11-23", "2026-11-25")
        );
        assert_eq!(s.edges, [(d23, d23), (d23 + 2 * DAY_MS, d23 + 2 * DAY_MS)]);
        // Partial edges on both sides.
        let r = Range {
            from_ms: Some(d23 + 3_600_000),
            to_ms: Some(d23 + 2 * DAY_MS + 60_000),
        };
        let s = split(r);
        assert_eq!(
            (s.day_from.as_str(), s.day_to.as_str()),
            ("2026-11-24", "2026-11-25")
        );
        assert_eq!(
            s.edges,
            [
                (d23 + 3_600_000, d23 + DAY_MS),
                (d23 + 2 * DAY_MS, d23 + 2 * DAY_MS + 60_000)
            ]
        );
        // Inside one day: all raw, no rollup day.
        let s = split(Range {
            from_ms: Some(d23 + 1),
            to_ms: Some(d23 + 5),
        });
        assert_eq!(s.day_from, s.day_to);
        assert_eq!(s.edges, [(d23 + 1, d23 + 5), (0, 0)]);
        // All time: every rollup day, nothing raw.
        let s = split(Range::default());
        assert_eq!((s.day_from.as_str(), s.day_to.as_str()), ("", NO_LAST_DAY));
        assert_eq!(s.edges, [(0, 0), (0, 0)]);
        assert_eq!(
            (s.month_from.as_str(), s.month_to.as_str()),
            ("", NO_LAST_DAY)
        );
    }

    #[test]
    fn months_read_whole_are_those_mostly_inside() {
        let months = |from: &str, to: &str| month_span(from, to);
        let m = |a: &str, b: &str| (a.to_string(), b.to_string());
        // A quarter of whole days is three months.
        assert_eq!(months("2026-09-01", "2026-12-01"), m("2026-09", "2026-12"));
        // A day before and after: only the months inside.
        assert_eq!(months("2026-08-31", "2026-12-02"), m("2026-09", "2026-12"));
        // Most of a month inside at either end: that month too (minus its other days).
        assert_eq!(months("2026-09-02", "2026-11-30"), m("2026-09", "2026-12"));
        assert_eq!(months("2026-09-16", "2026-11-16"), m("2026-10", "2026-11"));
        assert_eq!(months("2026-09-15", "2026-11-18"), m("2026-09", "2026-12"));
        // Across a year end.
        assert_eq!(months("2026-12-20", "2027-02-01"), m("2027-01", "2027-02"));
        assert_eq!(months("2026-12-10", "2027-01-05"), m("2026-12", "2027-01"));
        // Most of one month: read as the month minus its other days.
        assert_eq!(months("2026-09-02", "2026-09-30"), m("2026-09", "2026-10"));
        // A few days: none, so that the daily tables serve them.
        assert_eq!(months("2026-09-10", "2026-09-14"), m("", ""));
        assert_eq!(months("2026-09-20", "2026-09-30"), m("", ""));
        assert_eq!(months("", ""), m("", ""));
        // Open ends.
        assert_eq!(months("", "2026-09-15"), m("", "2026-09"));
        assert_eq!(months("2026-09-20", NO_LAST_DAY), m("2026-10", NO_LAST_DAY));
        // The bounds split days: those of the months fall inside, the others out.
        let (from, to) = months("2026-08-31", "2026-12-02");
        let inside = |day: &str| day >= from.as_str() && day < to.as_str();
        assert!(!inside("2026-08-31") && inside("2026-09-01") && inside("2026-11-30"));
        assert!(!inside("2026-12-01"));
    }
}
