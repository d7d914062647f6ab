//! The daily rollups (tables `rollup_*`, migration 0005): per-day aggregates of everything
//! the report shows, kept up to date inside the transaction that stores events or a case.
//!
//! Why at write time rather than by a catch-up job: the insert already learns, through
//! `RETURNING id`, exactly which events were new, so a duplicate (a retried batch) adds
//! nothing and a late event adds to its own day whenever it arrives, with no watermark to
//! get wrong. A catch-up job keyed on `received_ms` would miss rows whose transaction
//! committed after the job passed their timestamp (PostgreSQL commits concurrent
//! transactions in any order), and recomputing a day from raw rows would lose the figures
//! that retention has already purged. The cost is a few multi-row upserts per batch; the
//! counters PostgreSQL writers contend on are spread over [`SHARDS`] rows per day, and the
//! hottest ones are written last so their row locks are held only up to the commit.
//!
//! The per-key counters (queries, article feedback) are kept twice: per day and per
//! calendar month (`rollup_queries_month`, `rollup_feedback_month`, migration 0009), so that
//! a window's lists read one row per month and key for its whole months rather than one per
//! day; both are written by the same upsert calls, so they never disagree.
//!
//! Distinct journeys do not add up across days, so besides one row per journey and day
//! (`rollup_journeys`) each day counts its journey-day rows and their outcome bits
//! (`rollup_days.journeys*`), and journeys seen on more than one day are listed in
//! `rollup_journey_spans`: a window's distinct count is the days' sum corrected over those
//! few (server/src/report_rollups.rs). Knowing whether a journey-day row or an outcome bit
//! is new needs the journey's stored rows, read under a per-journey lock (PostgreSQL
//! advisory lock; SQLite has one writer) so that two batches of one journey never both
//! count the same row.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use sqlx::{AnyConnection, Row};

use crate::db::Backend;

/// Counter rows per day (and per query, per article) on PostgreSQL.
pub const SHARDS: u64 = 16;

/// Bits of `rollup_journeys.ended`.
pub const RESOLVED: i64 = 1;
/// Ended with a case.
pub const ESCALATED: i64 = 2;
/// Ended with neither.
pub const ABANDONED: i64 = 4;
/// Any `journey_ended`, whatever its outcome.
pub const ENDED: i64 = 8;

/// What the rollups need of one stored event.
#[derive(Debug, Clone)]
pub(crate) struct Fact {
    pub day: String,
    pub journey_id: String,
    /// Set for searches: (normalized query, results, good_answer).
    pub search: Option<(Option<String>, i64, Option<i64>)>,
    /// Set for feedback: (article, helpful, reason).
    pub feedback: Option<(String, i64, Option<String>)>,
    /// Set for `journey_ended`: the outcome's name.
    pub outcome: Option<String>,
}

/// What a day's journey-day rows add to (or, erased, take from) its `rollup_days` row.
#[derive(Default)]
struct JourneyCounts {
    journeys: i64,
    resolved: i64,
    escalated: i64,
    abandoned: i64,
    ended: i64,
}

impl JourneyCounts {
    /// Counts `bits` (newly set on a row) and, if `new_row`, the row itself, `sign` times.
    fn add(&mut self, new_row: bool, bits: i64, sign: i64) {
        let has = |bit: i64| i64::from(bits & bit != 0) * sign;
        self.journeys += i64::from(new_row) * sign;
        self.resolved += has(RESOLVED);
        self.escalated += has(ESCALATED);
        self.abandoned += has(ABANDONED);
        self.ended += has(ENDED);
    }
}

#[derive(Default)]
struct Counts {
    events: i64,
    searches: i64,
    zero: i64,
    weak: i64,
}

/// The shard a batch's counters go to: by journey, so that one journey's batches land on
/// one row and concurrent journeys spread.
pub(crate) fn shard_for(backend: Backend, journey_id: &str) -> i64 {
    if backend == Backend::Sqlite {
        return 0;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    journey_id.hash(&mut h);
    (h.finish() % SHARDS) as i64
}

fn outcome_bits(outcome: Option<&str>) -> i64 {
    match outcome {
        None => 0,
        Some("resolved") => RESOLVED | ENDED,
        Some("escalated") => ESCALATED | ENDED,
        Some("abandoned") => ABANDONED | ENDED,
        Some(_) => ENDED,
    }
}

/// The facts of the events an insert reported as stored (`RETURNING id`), each once: a
/// batch that repeats an id stored it once, and only the first occurrence counts.
pub(crate) fn stored_once(facts: Vec<(String, Fact)>, stored_ids: Vec<String>) -> Vec<Fact> {
    let mut stored: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for id in stored_ids {
        *stored.entry(id).or_insert(0) += 1;
    }
    facts
        .into_iter()
        .filter_map(|(id, fact)| match stored.get_mut(&id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Some(fact)
            }
            _ => None,
        })
        .collect()
}

/// Adds `facts` (events this transaction stored, each once) to the rollups. Keys are
/// sorted (BTreeMap) so concurrent transactions lock rows in one order and never deadlock.
pub(crate) async fn add_events(
    conn: &mut AnyConnection,
    facts: &[Fact],
    shard: i64,
) -> anyhow::Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let Tally {
        days,
        journeys,
        queries,
        feedback,
    } = tally(facts);

    // The batch's journeys, locked, then their stored rows: which rows and bits are new.
    let batch_journeys: BTreeSet<&str> = journeys.keys().map(|(_, j)| *j).collect();
    lock_journeys(conn, &batch_journeys).await?;
    let stored = stored_rows(conn, &batch_journeys).await?;
    let mut journey_counts: BTreeMap<&str, JourneyCounts> = BTreeMap::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut new_days: BTreeSet<&str> = BTreeSet::new();
    for ((day, journey), bits) in &journeys {
        let old = stored.get(&(day.to_string(), journey.to_string())).copied();
        let ended = old.unwrap_or(0) | bits;
        if old == Some(ended) {
            continue;
        }
        if old.is_none() {
            new_days.insert(*journey);
        }
        journey_counts
            .entry(*day)
            .or_default()
            .add(old.is_none(), ended & !old.unwrap_or(0), 1);
        rows.push(vec![text(day), text(journey), Value::Int(ended)]);
    }
    upsert(
        conn,
        "rollup_journeys (day, journey_id, ended)",
        &rows,
        "(day, journey_id) DO UPDATE SET ended = rollup_journeys.ended | excluded.ended",
    )
    .await?;

    // A journey that gained a day and now has two or more: its span, from all its days.
    let mut spans: Vec<Vec<Value>> = Vec::new();
    for journey in new_days {
        let days: BTreeSet<&str> = stored
            .keys()
            .filter(|(_, j)| j == journey)
            .map(|(d, _)| d.as_str())
            .chain(
                journeys
                    .keys()
                    .filter(|(_, j)| *j == journey)
                    .map(|(d, _)| *d),
            )
            .collect();
        if let (Some(first), Some(last)) = (days.first(), days.last()) {
            if first != last {
                spans.push(vec![text(journey), text(first), text(last)]);
            }
        }
    }
    upsert(
        conn,
        "rollup_journey_spans (journey_id, first_day, last_day)",
        &spans,
        "(journey_id) DO UPDATE SET first_day = excluded.first_day, last_day = excluded.last_day",
    )
    .await?;

    add_to_queries(conn, &queries, shard, 1).await?;
    add_to_feedback(conn, &feedback, shard, 1).await?;

    // The per-day counters are what every writer of the day shares: last, so the row lock
    // is held only until the commit that follows.
    let none = JourneyCounts::default();
    let rows: Vec<Vec<Value>> = days
        .iter()
        .map(|(day, c)| {
            let j = journey_counts.get(day).unwrap_or(&none);
            vec![
                text(day),
                Value::Int(shard),
                Value::Int(c.events),
                Value::Int(c.searches),
                Value::Int(c.zero),
                Value::Int(c.weak),
                Value::Int(j.journeys),
                Value::Int(j.resolved),
                Value::Int(j.escalated),
                Value::Int(j.abandoned),
                Value::Int(j.ended),
            ]
        })
        .collect();
    add_to_days(conn, &rows).await
}

/// What a set of stored events adds to each rollup table, keyed as the tables are.
struct Tally<'a> {
    days: BTreeMap<&'a str, Counts>,
    journeys: BTreeMap<(&'a str, &'a str), i64>,
    queries: BTreeMap<(&'a str, &'a str), Counts>,
    feedback: BTreeMap<(&'a str, &'a str, i64, &'a str), i64>,
}

fn tally(facts: &[Fact]) -> Tally<'_> {
    let mut days: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut journeys: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut queries: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    let mut feedback: BTreeMap<(&str, &str, i64, &str), i64> = BTreeMap::new();
    for f in facts {
        let day = days.entry(&f.day).or_default();
        day.events += 1;
        *journeys.entry((&f.day, &f.journey_id)).or_insert(0) |= outcome_bits(f.outcome.as_deref());
        if let Some((norm, results, good)) = &f.search {
            let zero = i64::from(*results == 0);
            let weak = i64::from(*results > 0 && *good == Some(0));
            day.searches += 1;
            day.zero += zero;
            day.weak += weak;
            if let Some(norm) = norm {
                let q = queries.entry((&f.day, norm)).or_default();
                q.searches += 1;
                q.zero += zero;
                q.weak += weak;
            }
        }
        if let Some((article, helpful, reason)) = &f.feedback {
            let reason = match (helpful, reason) {
                (1, _) => "",
                (_, Some(r)) => r.as_str(),
                (_, None) => "unspecified",
            };
            *feedback
                .entry((&f.day, article, *helpful, reason))
                .or_insert(0) += 1;
        }
    }

    Tally {
        days,
        journeys,
        queries,
        feedback,
    }
}

/// Takes erased events (`facts`) out of the per-day, per-query and per-article counters, as
/// the raw report no longer counts them, and drops a query's rows once no search of it is
/// left that day, so an erased person's words do not outlive them in the rollups. (Their
/// journey rows go through [`forget_journeys`].) Retention never calls this: purged raw
/// rows keep their daily figures.
pub(crate) async fn subtract_events(
    conn: &mut AnyConnection,
    facts: &[Fact],
) -> anyhow::Result<()> {
    if facts.is_empty() {
        return Ok(());
    }
    let Tally {
        days,
        queries,
        feedback,
        ..
    } = tally(facts);
    add_to_queries(conn, &queries, 0, -1).await?;
    // Shards are summed by the report; a query is gone from a day (a month) when its shards
    // there sum to nothing.
    for (day, query) in queries.keys() {
        sqlx::query(
            "DELETE FROM rollup_queries WHERE day = $1 AND query_norm = $2 AND \
             (SELECT SUM(searches) FROM rollup_queries WHERE day = $1 AND query_norm = $2) = 0",
        )
        .bind(day.to_string())
        .bind(query.to_string())
        .execute(&mut *conn)
        .await?;
    }
    let months: BTreeSet<(&str, &str)> = queries.keys().map(|(d, q)| (month_of(d), *q)).collect();
    for (month, query) in months {
        sqlx::query(
            "DELETE FROM rollup_queries_month WHERE month = $1 AND query_norm = $2 AND \
             (SELECT SUM(searches) FROM rollup_queries_month \
             WHERE month = $1 AND query_norm = $2) = 0",
        )
        .bind(month.to_string())
        .bind(query.to_string())
        .execute(&mut *conn)
        .await?;
    }
    add_to_feedback(conn, &feedback, 0, -1).await?;
    let rows: Vec<Vec<Value>> = days
        .iter()
        .map(|(day, c)| {
            let mut row = vec![text(day)];
            row.extend(
                [0, -c.events, -c.searches, -c.zero, -c.weak, 0, 0, 0, 0, 0].map(Value::Int),
            );
            row
        })
        .collect();
    add_to_days(conn, &rows).await
}

/// The calendar month (`YYYY-MM`) of a day (`YYYY-MM-DD`).
pub(crate) fn month_of(day: &str) -> &str {
    day.get(..7).unwrap_or(day)
}

/// Adds `sign` × the tally's per-query counts to `rollup_queries` and to their months in
/// `rollup_queries_month`, in `shard`. Every writer takes the day rows' locks before the
/// month rows', each in key order, so concurrent transactions never deadlock.
async fn add_to_queries(
    conn: &mut AnyConnection,
    queries: &BTreeMap<(&str, &str), Counts>,
    shard: i64,
    sign: i64,
) -> anyhow::Result<()> {
    let mut months: BTreeMap<(&str, &str), Counts> = BTreeMap::new();
    for ((day, query), c) in queries {
        let m = months.entry((month_of(day), query)).or_default();
        m.searches += c.searches;
        m.zero += c.zero;
        m.weak += c.weak;
    }
    for (table, period, counts) in [
        ("rollup_queries", "day", queries),
        ("rollup_queries_month", "month", &months),
    ] {
        let rows: Vec<Vec<Value>> = counts
            .iter()
            .map(|((period, query), c)| {
                vec![
                    text(period),
                    text(query),
                    Value::Int(shard),
                    Value::Int(sign * c.searches),
                    Value::Int(sign * c.zero),
                    Value::Int(sign * c.weak),
                ]
            })
            .collect();
        upsert(
            conn,
            &format!(
                "{table} ({period}, query_norm, shard, searches, zero_results, no_good_answer)"
            ),
            &rows,
            &format!(
                "({period}, query_norm, shard) DO UPDATE SET \
                 searches = {table}.searches + excluded.searches, \
                 zero_results = {table}.zero_results + excluded.zero_results, \
                 no_good_answer = {table}.no_good_answer + excluded.no_good_answer"
            ),
        )
        .await?;
    }
    Ok(())
}

/// Adds `sign` × the tally's per-article feedback counts to `rollup_feedback` and to their
/// months in `rollup_feedback_month`, in `shard`.
async fn add_to_feedback(
    conn: &mut AnyConnection,
    feedback: &BTreeMap<(&str, &str, i64, &str), i64>,
    shard: i64,
    sign: i64,
) -> anyhow::Result<()> {
    let mut months: BTreeMap<(&str, &str, i64, &str), i64> = BTreeMap::new();
    for ((day, article, helpful, reason), n) in feedback {
        *months
            .entry((month_of(day), article, *helpful, reason))
            .or_insert(0) += n;
    }
    for (table, period, counts) in [
        ("rollup_feedback", "day", feedback),
        ("rollup_feedback_month", "month", &months),
    ] {
        let rows: Vec<Vec<Value>> = counts
            .iter()
            .map(|((period, article, helpful, reason), n)| {
                vec![
                    text(period),
                    text(article),
                    Value::Int(*helpful),
                    text(reason),
                    Value::Int(shard),
                    Value::Int(sign * n),
                ]
            })
            .collect();
        upsert(
            conn,
            &format!("{table} ({period}, article_id, helpful, reason, shard, n)"),
            &rows,
            &format!(
                "({period}, article_id, helpful, reason, shard) DO UPDATE SET \
                 n = {table}.n + excluded.n"
            ),
        )
        .await?;
    }
    Ok(())
}

/// Adds rows of (day, shard, events, searches, zero, weak, journeys, resolved, escalated,
/// abandoned, ended) to `rollup_days`.
async fn add_to_days(conn: &mut AnyConnection, rows: &[Vec<Value>]) -> anyhow::Result<()> {
    upsert(
        conn,
        "rollup_days (day, shard, events, searches, zero_results, no_good_answer, journeys, \
         journeys_resolved, journeys_escalated, journeys_abandoned, journeys_ended)",
        rows,
        "(day, shard) DO UPDATE SET events = rollup_days.events + excluded.events, \
         searches = rollup_days.searches + excluded.searches, \
         zero_results = rollup_days.zero_results + excluded.zero_results, \
         no_good_answer = rollup_days.no_good_answer + excluded.no_good_answer, \
         journeys = rollup_days.journeys + excluded.journeys, \
         journeys_resolved = rollup_days.journeys_resolved + excluded.journeys_resolved, \
         journeys_escalated = rollup_days.journeys_escalated + excluded.journeys_escalated, \
         journeys_abandoned = rollup_days.journeys_abandoned + excluded.journeys_abandoned, \
         journeys_ended = rollup_days.journeys_ended + excluded.journeys_ended",
    )
    .await
}

/// Serializes, until the commit, the writers of each of `journeys` (PostgreSQL; SQLite has
/// one writer): reading a journey's rows and counting what is new must not interleave with
/// another batch of the same journey. Locked in key order, so two batches never deadlock.
async fn lock_journeys(conn: &mut AnyConnection, journeys: &BTreeSet<&str>) -> anyhow::Result<()> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    let keys: BTreeSet<i32> = journeys.iter().map(|j| journey_lock_key(j)).collect();
    for key in keys {
        // Two-key advisory locks: a space apart from the one-key lock of the migrations.
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(JOURNEY_LOCK_CLASS)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The first key of the journeys' advisory locks (issue 20).
const JOURNEY_LOCK_CLASS: i32 = 20;

/// A journey's lock key: FNV-1a, stable across builds, so that every collector instance
/// in front of one database locks a journey under the same key. Two journeys sharing a key
/// only wait for each other.
fn journey_lock_key(journey: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in journey.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// The stored `rollup_journeys` rows of `journeys`: (day, journey) → ended bits.
async fn stored_rows(
    conn: &mut AnyConnection,
    journeys: &BTreeSet<&str>,
) -> anyhow::Result<HashMap<(String, String), i64>> {
    let sql = format!(
        "SELECT day, journey_id, ended FROM rollup_journeys WHERE journey_id IN ({})",
        crate::db::placeholders(journeys.len())
    );
    let mut query = sqlx::query(&sql);
    for j in journeys {
        query = query.bind(j.to_string());
    }
    let mut rows = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        rows.insert(
            (row.try_get("day")?, row.try_get("journey_id")?),
            row.try_get("ended")?,
        );
    }
    Ok(rows)
}

/// Adds `delta` cases to the cell (day, customer, vendor); vendor `None`: unclassified.
pub(crate) async fn add_case(
    conn: &mut AnyConnection,
    day: &str,
    customer: &str,
    vendor: Option<&str>,
    delta: i64,
) -> anyhow::Result<()> {
    upsert(
        conn,
        "rollup_cases (day, customer_category, vendor_category, cases)",
        &[vec![
            text(day),
            text(customer),
            text(vendor.unwrap_or("")),
            Value::Int(delta),
        ]],
        "(day, customer_category, vendor_category) DO UPDATE SET \
         cases = rollup_cases.cases + excluded.cases",
    )
    .await
}

/// Deletes the per-journey rollup rows of `journeys` (erasure of a person's data) and takes
/// them out of their days' journey counters, as the raw report no longer counts them; the
/// other counters keep their numbers, which name nobody.
pub(crate) async fn forget_journeys(
    conn: &mut AnyConnection,
    journeys: &[String],
) -> anyhow::Result<()> {
    if journeys.is_empty() {
        return Ok(());
    }
    lock_journeys(conn, &journeys.iter().map(String::as_str).collect()).await?;
    let list = crate::db::placeholders(journeys.len());
    let sql =
        format!("DELETE FROM rollup_journeys WHERE journey_id IN ({list}) RETURNING day, ended");
    let mut query = sqlx::query(&sql);
    for j in journeys {
        query = query.bind(j.clone());
    }
    let mut counts: BTreeMap<String, JourneyCounts> = BTreeMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        let ended: i64 = row.try_get("ended")?;
        counts
            .entry(row.try_get("day")?)
            .or_default()
            .add(true, ended, -1);
    }
    let sql = format!("DELETE FROM rollup_journey_spans WHERE journey_id IN ({list})");
    let mut query = sqlx::query(&sql);
    for j in journeys {
        query = query.bind(j.clone());
    }
    query.execute(&mut *conn).await?;
    let rows: Vec<Vec<Value>> = counts
        .iter()
        .map(|(day, j)| {
            let mut row = vec![text(day)];
            row.extend(
                [
                    0,
                    0,
                    0,
                    0,
                    0,
                    j.journeys,
                    j.resolved,
                    j.escalated,
                    j.abandoned,
                    j.ended,
                ]
                .map(Value::Int),
            );
            row
        })
        .collect();
    add_to_days(conn, &rows).await
}

enum Value {
    Text(String),
    Int(i64),
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// One multi-row `INSERT … ON CONFLICT …` for `rows` (at most a batch's worth).
async fn upsert(
    conn: &mut AnyConnection,
    table: &str,
    rows: &[Vec<Value>],
    on_conflict: &str,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = format!("INSERT INTO {table} VALUES ");
    let mut n = 0;
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..row.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT ");
    sql.push_str(on_conflict);
    let mut query = sqlx::query(&sql);
    for row in rows {
        for v in row {
            query = match v {
                Value::Text(s) => query.bind(s.clone()),
                Value::Int(i) => query.bind(*i),
            };
        }
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// The UTC day (`YYYY-MM-DD`) of epoch milliseconds; `None` outside jiff's range.
pub(crate) fn day_of_ms(ms: i64) -> Option<String> {
    let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
    Some(
        ts.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    )
}
