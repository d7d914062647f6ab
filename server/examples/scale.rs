//! The scale benchmark's database side (server/bench/scale.sh drives it; not a test):
//!
//!   scale load DATABASE EVENTS   bulk-loads EVENTS generated events (and their cases) over
//!                                the year before 2026-12-01 straight into PostgreSQL with
//!                                SQL, fills the rollups the way migrations 0005,
//!                                0008 and 0009 do, and prints the bulk-load rate
//!                                and the database size;
//!   scale ingest DATABASE EVENTS stores EVENTS more through `Db::insert_events` (the
//!                                collector's write path, rollups included) from 16 tasks,
//!                                in batches of 20, and prints events per second;
//!   scale report DATABASE        times the report for a day, a month, a quarter and all
//!                                time, from rollups and from raw rows, and prints a
//!                                Markdown table.
//!
//! The generated year is shaped like a widget's traffic: journeys of 8 events (searches
//! with a skewed query vocabulary of 2,000, article views and feedback over 300 articles,
//! an end with an outcome; one in five escalates with a case).

use std::time::{Duration, Instant};

use deflect_server::db::Db;
use deflect_server::report::{self, Range};

/// The generated year ends here (exclusive).
const END: &str = "2026-12-01";
const DAY_MS: i64 = 86_400_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["load", db, n] => load(db, n.parse()?).await,
        ["ingest", db, n] => ingest(db, n.parse()?).await,
        ["report", db] => reports(db).await,
        _ => anyhow::bail!("usage: scale load|ingest DATABASE EVENTS | scale report DATABASE"),
    }
}

fn end_ms() -> i64 {
    Range::parse(Some(END), None).unwrap().from_ms.unwrap()
}

async fn load(spec: &str, events: i64) -> anyhow::Result<()> {
    let db = Db::open(spec).await?;
    anyhow::ensure!(
        db.backend() == deflect_server::db::Backend::Postgres,
        "the scale load is PostgreSQL SQL"
    );
    let pool = &sqlx::AnyPool::connect(&deflect_server::db::database_url(spec)?.1).await?;
    let start_ms = end_ms() - 365 * DAY_MS;
    deflect_server::partitions::ensure_ahead(&db, start_ms).await?;
    for month in 0..13 {
        deflect_server::partitions::ensure_ahead(&db, start_ms + month * 31 * DAY_MS).await?;
    }
    let journeys = events / 8;
    let started = Instant::now();
    // One chunk per ~1 M events so progress shows and no transaction grows huge.
    let chunk = 1_000_000i64;
    let mut first = 0i64;
    while first < events {
        let last = (first + chunk).min(events);
        sqlx::query(&format!(
            "INSERT INTO events (id, journey_id, at_ms, day, received_ms, type, query, query_norm, \
             results, article_id, dwell_ms, helpful, reason, case_id, outcome, payload, good_answer) \
             SELECT 'ev-' || i, 'j-' || j, at, \
             to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), at + 900, \
             t, q, q, res, art, CASE WHEN t = 'article_viewed' THEN 15000 END, \
             hlp, CASE WHEN hlp = 0 AND r2 < 0.75 THEN (ARRAY['unclear','does_not_match','did_not_work','outdated'])[1 + (i % 4)] END, \
             CASE WHEN t = 'case_submitted' THEN 'case-' || j END, \
             CASE WHEN t = 'journey_ended' THEN out END, \
             '{{\"id\":\"ev-' || i || '\",\"journey_id\":\"j-' || j || '\",\"at\":\"' || at || '\",\"type\":\"' || t || '\",\"query\":\"' || COALESCE(q, '') || '\",\"results\":' || COALESCE(res, 0) || ',\"top_articles\":[\"kb/a1\",\"kb/a2\",\"kb/a3\"]}}', \
             CASE WHEN t = 'search' AND res > 0 THEN (CASE WHEN r < 0.15 THEN 0 ELSE 1 END) END \
             FROM ( \
               SELECT i, j, at, r, r2, out, \
                 CASE WHEN k IN (0, 1, 4) THEN 'search' WHEN k IN (2, 5) THEN 'article_viewed' \
                      WHEN k IN (3, 6) THEN 'feedback' \
                      WHEN k = 7 THEN 'journey_ended' END AS t, \
                 CASE WHEN k IN (0, 1, 4) THEN 'q' || floor(2000 * power(r2, 3))::INT END AS q, \
                 CASE WHEN k IN (0, 1, 4) THEN CASE WHEN r < 0.08 THEN 0 ELSE 1 + (i % 5) END END AS res, \
                 CASE WHEN k IN (2, 3, 5, 6) THEN 'kb/a' || floor(300 * power(r2, 2))::INT END AS art, \
                 CASE WHEN k IN (3, 6) THEN CASE WHEN r < 0.4 THEN 0 ELSE 1 END END AS hlp \
               FROM ( \
                 SELECT i, i / 8 AS j, i % 8 AS k, random() AS r, random() AS r2, \
                   $1::BIGINT + ((i / 8) * (365::BIGINT * {DAY_MS} / $2::BIGINT)) + (i % 8) * 40000 AS at, \
                   CASE WHEN (i / 8) % 10 < 5 THEN 'resolved' WHEN (i / 8) % 10 < 7 THEN 'escalated' \
                        ELSE 'abandoned' END AS out \
                 FROM generate_series($3::BIGINT, $4::BIGINT - 1) i \
               ) g \
             ) e",
        ))
        .bind(start_ms)
        .bind(journeys.max(1))
        .bind(first)
        .bind(last)
        .execute(pool)
        .await?;
        first = last;
        eprintln!(
            "scale: {first} events in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    // One case per escalated journey, created when the journey ended.
    sqlx::query(
        "INSERT INTO cases (id, journey_id, created_ms, received_ms, subject, email, \
         customer_category, vendor_category, payload) \
         SELECT 'case-' || journey_id, journey_id, at_ms, received_ms, 'It broke', 'a@example.com', \
         (ARRAY['something_broken','how_do_i','installation_or_setup','billing_or_account'])[1 + (hashtext(journey_id) & 3)], \
         CASE WHEN hashtext(journey_id) % 3 = 0 THEN NULL ELSE 'defect' END, \
         '{\"subject\":\"It broke\",\"description\":\"Since Monday the export stops halfway.\"}' \
         FROM events WHERE type = 'journey_ended' AND outcome = 'escalated'",
    )
    .execute(pool)
    .await?;
    let events_s = started.elapsed();
    // The rollups, as migrations 0005, 0008 (journey counters) and 0009 (month tables) fill
    // them from stored rows.
    let rollups = Instant::now();
    let migrations = [
        include_str!("../migrations/0005_rollups.postgres.sql"),
        include_str!("../migrations/0008_journey_counts.sql"),
        include_str!("../migrations/0009_month_rollups.sql"),
    ];
    for statement in migrations.iter().flat_map(|m| m.split(";\n")) {
        let body: String = statement
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if body.trim_start().starts_with("INSERT INTO rollup_") {
            sqlx::query(&body).execute(pool).await?;
        }
    }
    // The steady state autovacuum keeps: statistics and the visibility map.
    sqlx::query("VACUUM ANALYZE").execute(pool).await?;
    let rollups_s = rollups.elapsed();
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(pool)
        .await?;
    println!(
        "bulk load: {events} events in {:.1} s ({:.0} events/s); rollups filled (and VACUUM ANALYZE) in {:.1} s; \
         database {:.2} GB, {:.0} MB per million events",
        events_s.as_secs_f64(),
        events as f64 / events_s.as_secs_f64(),
        rollups_s.as_secs_f64(),
        size as f64 / 1e9,
        size as f64 / 1e6 / (events as f64 / 1e6)
    );
    Ok(())
}

async fn ingest(spec: &str, events: usize) -> anyhow::Result<()> {
    let db = Db::open(spec).await?;
    let now = deflect_server::db::now_ms();
    let tasks = 16;
    let per_task = events / tasks;
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let mut stored = 0u64;
            for b in 0..per_task / 20 {
                let journey = format!("ingest-{now}-{t}-{b}");
                let events: Vec<serde_json::Value> = (0..20)
                    .map(|i| {
                        let at = jiff::Timestamp::from_millisecond(now - 60_000 + i * 1000)
                            .unwrap()
                            .to_string();
                        let kind = match i % 4 {
                            0 | 1 => serde_json::json!({"type": "search", "query": format!("q{}", (b * 7 + i as usize) % 2000), "results": i % 3, "top_articles": [], "good_answer": i % 2 == 0}),
                            2 => serde_json::json!({"type": "feedback", "article_id": format!("kb/a{}", b % 300), "helpful": false, "reason": "unclear"}),
                            _ => serde_json::json!({"type": "article_viewed", "article_id": format!("kb/a{}", b % 300), "dwell_ms": 1000}),
                        };
                        let mut e = serde_json::json!({"id": format!("{journey}-{i}"), "journey_id": journey, "at": at});
                        e.as_object_mut().unwrap().extend(kind.as_object().unwrap().clone());
                        e
                    })
                    .collect();
                let batch = serde_json::from_value(serde_json::json!({ "events": events }))?;
                stored += db.insert_events(&batch, now).await?.0;
            }
            anyhow::Ok(stored)
        }));
    }
    let mut stored = 0;
    for h in handles {
        stored += h.await??;
    }
    let s = started.elapsed().as_secs_f64();
    println!(
        "ingest through Db::insert_events: {stored} events in {s:.1} s ({:.0} events/s, 16 tasks, batches of 20)",
        stored as f64 / s
    );
    Ok(())
}

/// The fastest of `runs` (a report is read-only; the first run warms the cache).
async fn time(db: &Db, range: Range, raw: bool, runs: usize) -> anyhow::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let r = if raw {
            report::build_raw(db, range).await?
        } else {
            report::build(db, range).await?
        };
        std::hint::black_box(r);
        best = best.min(started.elapsed());
    }
    Ok(best)
}

async fn reports(spec: &str) -> anyhow::Result<()> {
    let db = Db::open(spec).await?;
    let events = db.counts().await?.events;
    let end = end_ms();
    let windows = [
        (
            "day",
            Range::parse(Some("2026-11-20"), Some("2026-11-20")).unwrap(),
        ),
        (
            "month",
            Range::parse(Some("2026-11-01"), Some("2026-11-30")).unwrap(),
        ),
        (
            "quarter",
            Range::parse(Some("2026-09-01"), Some("2026-11-30")).unwrap(),
        ),
        (
            "quarter, partial edge days",
            Range {
                from_ms: Some(end - 91 * DAY_MS + 13 * 3_600_000),
                to_ms: Some(end - 9 * 3_600_000),
            },
        ),
        ("all time", Range::default()),
    ];
    println!("| window ({events} events) | rollups | raw rows | raw ÷ rollups |");
    println!("|---|---:|---:|---:|");
    for (name, range) in windows {
        let rolled = time(&db, range, false, 3).await?;
        let raw = time(&db, range, true, if name == "all time" { 1 } else { 2 }).await?;
        println!(
            "| {name} | {} ms | {} ms | {:.0}× |",
            rolled.as_millis(),
            raw.as_millis(),
            raw.as_secs_f64() / rolled.as_secs_f64()
        );
    }
    Ok(())
}
