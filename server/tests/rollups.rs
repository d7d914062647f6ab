//! The daily rollups against the raw rows, on SQLite and (when DEFLECT_TEST_POSTGRES_URL
//! names a server; required when CI is set) PostgreSQL: on generated journeys that cross
//! midnight and a month end, with late events (arriving after their day's figures were
//! already read), retried batches, repeated ids inside a batch, repeated cases and
//! reclassified cases, the report from rollups equals the report from raw rows for whole
//! days, partial days, a month and all time; and after retention purged every raw event
//! and case, the whole days' figures are still there.

#[macro_use]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{test_db, Backend, Lcg};
use deflect_server::db::Db;
use deflect_server::report::{self, Range, Report};
use deflect_wire::{Case, EventBatch, VendorCategory};
use serde_json::{json, Value};

const DAYS: [&str; 5] = [
    "2026-10-30",
    "2026-10-31",
    "2026-11-01",
    "2026-11-02",
    "2026-11-03",
];
const QUERIES: [&str; 8] = [
    "reset password",
    "  Reset   PASSWORD ",
    "invoice vat",
    "export csv",
    "sso saml",
    "delete account",
    "api rate limit",
    "dark mode",
];
const REASONS: [&str; 4] = ["unclear", "does_not_match", "did_not_work", "outdated"];
const CUSTOMER: [&str; 6] = [
    "something_broken",
    "how_do_i",
    "installation_or_setup",
    "billing_or_account",
    "documentation_unclear",
    "feature_request",
];

struct Generated {
    /// Events in journey order.
    events: Vec<Value>,
    cases: Vec<Value>,
}

fn generate(seed: u64) -> Generated {
    let mut rng = Lcg(seed);
    let mut g = Generated {
        events: Vec::new(),
        cases: Vec::new(),
    };
    let mut n = 0;
    for j in 0..160 {
        let journey = format!("journey-{seed}-{j:04}");
        let day = DAYS[rng.below(DAYS.len() as u64) as usize];
        let start = jiff::Timestamp::from_second(
            day.parse::<jiff::civil::Date>()
                .unwrap()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp()
                .as_second()
                // One journey in five starts in the day's last half hour and may end after
                // midnight (on 31 October: in another month).
                + if rng.chance(20) {
                    86_400 - 1_800 + rng.below(1_700) as i64
                } else {
                    rng.below(80_000) as i64
                },
        )
        .unwrap();
        let mut second = 0i64;
        let mut push = |rng: &mut Lcg, g: &mut Generated, kind: Value| {
            second += 1 + rng.below(400) as i64;
            n += 1;
            let mut e = json!({
                "id": format!("ev-{seed}-{n:06}"),
                "journey_id": journey,
                "at": (start + jiff::SignedDuration::from_secs(second)).to_string(),
            });
            e.as_object_mut()
                .unwrap()
                .extend(kind.as_object().unwrap().clone());
            g.events.push(e);
        };
        for _ in 0..1 + rng.below(3) {
            let results = if rng.chance(20) { 0 } else { 1 + rng.below(5) };
            let mut kind = json!({"type": "search", "results": results, "top_articles": []});
            if !rng.chance(10) {
                kind["query"] = json!(QUERIES[rng.below(QUERIES.len() as u64) as usize]);
            }
            if !rng.chance(20) {
                kind["good_answer"] = json!(results > 0 && !rng.chance(30));
            }
            push(&mut rng, &mut g, kind);
        }
        for _ in 0..rng.below(3) {
            let article = format!("kb/article-{:02}", rng.below(12));
            let dwell = rng.below(60_000);
            push(
                &mut rng,
                &mut g,
                json!({"type": "article_viewed", "article_id": article, "dwell_ms": dwell}),
            );
            if rng.chance(70) {
                let helpful = rng.chance(40);
                let mut kind =
                    json!({"type": "feedback", "article_id": article, "helpful": helpful});
                if !helpful && rng.chance(75) {
                    kind["reason"] = json!(REASONS[rng.below(4) as usize]);
                }
                push(&mut rng, &mut g, kind);
            }
        }
        // Some journeys never report an end; a few end twice (reopened the widget).
        let ends = match rng.below(10) {
            0 => 0,
            1 => 2,
            _ => 1,
        };
        for _ in 0..ends {
            let outcome = ["resolved", "escalated", "abandoned"][rng.below(3) as usize];
            if outcome == "escalated" {
                let case_id = format!("case-{seed}-{j:04}-{}", rng.below(1000));
                push(
                    &mut rng,
                    &mut g,
                    json!({"type": "case_submitted", "case_id": case_id}),
                );
                let created = g.events.last().unwrap()["at"].clone();
                g.cases.push(json!({
                    "id": case_id, "journey_id": journey, "created_at": created,
                    "subject": "It broke", "description": "", "email": "ana@example.com",
                    "customer_category": CUSTOMER[rng.below(6) as usize],
                }));
            }
            push(
                &mut rng,
                &mut g,
                json!({"type": "journey_ended", "outcome": outcome}),
            );
        }
    }
    g
}

fn batch(events: &[Value]) -> EventBatch {
    serde_json::from_value(json!({ "events": events })).expect("a valid batch")
}

fn windows() -> Vec<(&'static str, Range)> {
    let r = |from: Option<&str>, to: Option<&str>| Range::parse(from, to).unwrap();
    vec![
        ("all time", r(None, None)),
        ("one day", r(Some("2026-10-31"), Some("2026-10-31"))),
        ("another day", r(Some("2026-11-02"), Some("2026-11-02"))),
        ("month", r(Some("2026-11-01"), Some("2026-11-30"))),
        ("two months", r(Some("2026-10-01"), Some("2026-11-30"))),
        (
            "partial days at both ends",
            r(Some("2026-10-30T13:30:00Z"), Some("2026-11-02T06:45:00Z")),
        ),
        (
            "inside one day",
            r(Some("2026-10-31T10:00:00Z"), Some("2026-10-31T23:59:00Z")),
        ),
        (
            "across one midnight",
            r(Some("2026-10-31T20:00:00Z"), Some("2026-11-01T04:00:00Z")),
        ),
        ("from a time on", r(Some("2026-11-01T12:00:00Z"), None)),
        ("up to a time", r(None, Some("2026-11-01T12:00:00Z"))),
        // Whole months (rollup_*_month) beside whole days outside them and raw edges: a
        // day counted in both, or in neither, shows here.
        (
            "a day, then a whole month",
            r(Some("2026-10-31"), Some("2026-11-30")),
        ),
        (
            "a partial day, a day, a whole month, a partial day",
            r(Some("2026-10-30T13:30:00Z"), Some("2026-12-01T06:00:00Z")),
        ),
        (
            "a whole month, then a day",
            r(Some("2026-10-01"), Some("2026-11-01")),
        ),
        ("up to the end of a month", r(None, Some("2026-10-31"))),
        ("from a day on", r(Some("2026-10-31"), None)),
        (
            "days from a month's first",
            r(Some("2026-11-01"), Some("2026-11-02")),
        ),
        // Most of a month: its month row minus the day rows of its days outside the window
        // (which have events here), with a raw edge among those days in the last one.
        (
            "a month but its first days",
            r(Some("2026-11-03"), Some("2026-11-30")),
        ),
        (
            "a month but its last day",
            r(Some("2026-10-01"), Some("2026-10-30")),
        ),
        (
            "a partial day, then most of a month",
            r(Some("2026-11-02T12:00:00Z"), Some("2026-11-25")),
        ),
    ]
}

async fn assert_rollups_equal_raw(db: &Db, when: &str) {
    for (name, range) in windows() {
        let rolled = report::build(db, range).await.unwrap();
        let raw = report::build_raw(db, range).await.unwrap();
        assert_eq!(rolled, raw, "{when}: window {name}");
    }
}

async fn rollups_equal_raw_rows_with_late_and_duplicate_events(backend: Backend) {
    let Some(test_database) = test_db(backend, "rollups_equal").await else {
        return;
    };
    let spec = test_database.spec.clone();
    let db = Db::open(&spec).await.unwrap();
    let g = generate(20);
    let now = jiff::Timestamp::now().as_millisecond();

    // Most events arrive on time, in batches of one journey's worth or so; one in six is
    // held back and arrives after the report has read its day.
    let mut rng = Lcg(7);
    let (mut on_time, mut late) = (Vec::new(), Vec::new());
    for e in &g.events {
        if rng.chance(16) {
            late.push(e.clone())
        } else {
            on_time.push(e.clone())
        }
    }
    let on_time_batches: Vec<EventBatch> = on_time.chunks(7).map(batch).collect();
    let mut stored = 0;
    for b in &on_time_batches {
        stored += db.insert_events(b, now).await.unwrap().0;
    }
    assert_eq!(stored as usize, on_time.len());
    let half = (g.cases.len() / 2).max(1);
    for c in &g.cases[..half] {
        let case: Case = serde_json::from_value(c.clone()).unwrap();
        assert!(db.insert_case(&case, false, now).await.unwrap());
    }
    assert_rollups_equal_raw(&db, "on time").await;
    let first = report::build(&db, Range::default()).await.unwrap();
    assert_eq!(first.totals.events, on_time.len() as i64);

    // Retries: every third batch again (nothing new), late events mixed with events already
    // stored, and an id repeated inside one batch.
    for b in on_time_batches.iter().step_by(3) {
        assert_eq!(db.insert_events(b, now + 1_000).await.unwrap().0, 0);
    }
    let mut late_stored = 0;
    for (i, chunk) in late.chunks(5).enumerate() {
        let mut events = chunk.to_vec();
        events.push(on_time[i % on_time.len()].clone());
        events.push(chunk[0].clone());
        late_stored += db
            .insert_events(&batch(&events), now + 2_000)
            .await
            .unwrap()
            .0;
    }
    assert_eq!(late_stored as usize, late.len());
    for c in &g.cases {
        let case: Case = serde_json::from_value(c.clone()).unwrap();
        db.insert_case(&case, false, now + 2_000).await.unwrap();
    }
    // Classify two cases in three, and move some of those to another category.
    for (i, c) in g.cases.iter().enumerate() {
        let id = c["id"].as_str().unwrap();
        if i % 3 != 2 {
            let category = VendorCategory::ALL[i % VendorCategory::ALL.len()];
            assert!(db.classify(id, category, now).await.unwrap());
        }
        if i % 5 == 0 {
            assert!(db.classify(id, VendorCategory::Other, now).await.unwrap());
            assert!(db.classify(id, VendorCategory::Other, now).await.unwrap());
        }
    }
    assert_rollups_equal_raw(&db, "after late and repeated events").await;
    let full = report::build(&db, Range::default()).await.unwrap();
    assert_eq!(full.totals.events, g.events.len() as i64);
    assert!(full.totals.without_outcome > 0 && full.totals.classified_cases > 0);
    assert!(!full.unhelpful_articles.is_empty() && !full.zero_result_queries.is_empty());

    // Retention purges every raw event and case; the whole days' figures stay.
    let whole: Vec<(&str, Range, Report)> = {
        let mut v = Vec::new();
        for (name, range) in windows().into_iter().take(5) {
            v.push((name, range, report::build(&db, range).await.unwrap()));
        }
        v
    };
    while db.purge_events(now + 10_000, 500).await.unwrap() > 0 {}
    while db.purge_cases(now + 10_000, 500, false).await.unwrap() > 0 {}
    assert_eq!(db.counts().await.unwrap().events, 0);
    for (name, range, before) in whole {
        let mut after = report::build(&db, range).await.unwrap();
        // The forwarding state is of the outbox now, not of a day.
        after.outbox = before.outbox.clone();
        assert_eq!(after, before, "after the purge: window {name}");
    }
    db.close().await;
}

on_both_backends!(rollups_equal_raw_rows_with_late_and_duplicate_events);

// ---------------------------------------------------------------------------------------
// Upgrading a database made by migrations 0001–0004

/// The SQL of the schema as it was before the rollups (what databases in the field have).
const BEFORE_ROLLUPS: [&str; 4] = [
    include_str!("../migrations/0001_collector.sql"),
    include_str!("../migrations/0002_good_answer.sql"),
    include_str!("../migrations/0003_retention.sql"),
    include_str!("../migrations/0004_identity.sql"),
];

/// Every stored column of every event and case, in id order, as text.
async fn dump(conn: &mut sqlx::AnyConnection) -> (Vec<String>, Vec<String>) {
    use sqlx::Row;
    let events = sqlx::query(
        "SELECT id, journey_id, at_ms, day, received_ms, type, query, query_norm, results, \
         article_id, dwell_ms, helpful, reason, case_id, outcome, good_answer, payload \
         FROM events ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let t = |i: usize| {
            r.try_get::<Option<String>, _>(i)
                .unwrap()
                .unwrap_or_default()
        };
        let n = |i: usize| format!("{:?}", r.try_get::<Option<i64>, _>(i).unwrap());
        [
            t(0),
            t(1),
            n(2),
            t(3),
            n(4),
            t(5),
            t(6),
            t(7),
            n(8),
            t(9),
            n(10),
            n(11),
            t(12),
            t(13),
            t(14),
            n(15),
            t(16),
        ]
        .join("|")
    })
    .collect();
    let cases = sqlx::query(
        "SELECT id, journey_id, created_ms, received_ms, customer_category, vendor_category, \
         identity_verified, payload FROM cases ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        let t = |i: usize| {
            r.try_get::<Option<String>, _>(i)
                .unwrap()
                .unwrap_or_default()
        };
        let n = |i: usize| format!("{:?}", r.try_get::<Option<i64>, _>(i).unwrap());
        [t(0), t(1), n(2), n(3), t(4), t(5), n(6), t(7)].join("|")
    })
    .collect();
    (events, cases)
}

/// An event's row as the collector of migrations 0001–0004 stored it.
async fn insert_old_row(conn: &mut sqlx::AnyConnection, e: &Value, received_ms: i64) {
    let at = e["at"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let kind = e["type"].as_str().unwrap();
    let norm = e["query"].as_str().map(|q| {
        q.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    });
    sqlx::query(
        "INSERT INTO events (id, journey_id, at_ms, day, received_ms, type, query, query_norm, \
         results, article_id, dwell_ms, helpful, reason, case_id, outcome, good_answer, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(e["id"].as_str().unwrap().to_string())
    .bind(e["journey_id"].as_str().unwrap().to_string())
    .bind(at.as_millisecond())
    .bind(
        at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    )
    .bind(received_ms)
    .bind(kind.to_string())
    .bind(e["query"].as_str().map(String::from))
    .bind(norm)
    .bind(e["results"].as_i64())
    .bind(e["article_id"].as_str().map(String::from))
    .bind(e["dwell_ms"].as_i64())
    .bind(e["helpful"].as_bool().map(i64::from))
    .bind(e["reason"].as_str().map(String::from))
    .bind(e["case_id"].as_str().map(String::from))
    .bind(e["outcome"].as_str().map(String::from))
    .bind(e["good_answer"].as_bool().map(i64::from))
    .bind(e.to_string())
    .execute(&mut *conn)
    .await
    .unwrap();
}

async fn upgrade_from_0004_keeps_every_row(backend: Backend) {
    use sqlx::{Connection, Executor};
    let Some(test_database) = test_db(backend, "upgrade").await else {
        return;
    };
    let spec = test_database.spec.clone();
    if let Backend::Sqlite = backend {
        // The collector creates the file's folder; this test writes the old schema first.
        std::fs::create_dir_all(std::path::Path::new(&spec).parent().unwrap()).unwrap();
    }
    sqlx::any::install_default_drivers();
    let url = deflect_server::db::database_url(&spec).unwrap().1;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    conn.execute(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
         applied_ms BIGINT NOT NULL)",
    )
    .await
    .unwrap();
    for (i, sql) in BEFORE_ROLLUPS.iter().enumerate() {
        for statement in sql.split(";\n") {
            let body: String = statement
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            if !body.trim().is_empty() {
                conn.execute(body.as_str()).await.unwrap();
            }
        }
        sqlx::query("INSERT INTO schema_migrations VALUES ($1, 'before', 0)")
            .bind(i as i64 + 1)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let g = generate(21);
    for (i, e) in g.events.iter().enumerate() {
        insert_old_row(&mut conn, e, 1_790_000_000_000 + i as i64).await;
    }
    for (i, c) in g.cases.iter().enumerate() {
        let created = c["created_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap();
        sqlx::query(
            "INSERT INTO cases (id, journey_id, created_ms, received_ms, subject, email, \
             customer_category, vendor_category, payload, identity_verified) \
             VALUES ($1, $2, $3, $4, 'It broke', 'ana@example.com', $5, $6, $7, $8)",
        )
        .bind(c["id"].as_str().unwrap().to_string())
        .bind(c["journey_id"].as_str().unwrap().to_string())
        .bind(created.as_millisecond())
        .bind(created.as_millisecond())
        .bind(c["customer_category"].as_str().unwrap().to_string())
        .bind((i % 2 == 0).then(|| "defect".to_string()))
        .bind(c.to_string())
        .bind((i % 3 == 0) as i64)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let before = dump(&mut conn).await;
    assert_eq!(before.0.len(), g.events.len());
    conn.close().await.unwrap();

    let db = Db::open(&spec).await.expect("the upgrade applies");
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    assert_eq!(
        dump(&mut conn).await,
        before,
        "every row kept, every column equal"
    );
    if let Backend::Postgres = backend {
        let partitions: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::TEXT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'events'::regclass ORDER BY 1",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for month in ["events_2026_10", "events_2026_11", "events_default"] {
            assert!(
                partitions.iter().any(|p| p == month),
                "{month} in {partitions:?}"
            );
        }
        let in_default: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events_default")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(in_default, 0, "every generated month has its partition");
    }
    // The rollups were filled from the old rows.
    assert_rollups_equal_raw(&db, "after the upgrade").await;
    // A retried event is still stored once (the key is (id, at_ms) on PostgreSQL).
    let again = batch(&g.events[..3]);
    assert_eq!(db.insert_events(&again, 1).await.unwrap(), (0, 3));
    assert_eq!(db.counts().await.unwrap().events, g.events.len() as i64);
    db.close().await;
}

on_both_backends!(upgrade_from_0004_keeps_every_row);

// ---------------------------------------------------------------------------------------
// Upgrading a database of migration 0008 (day rollups kept by the writer, sharded on
// PostgreSQL, no month tables)

/// A month table's rows, sorted, as text.
async fn month_rows(conn: &mut sqlx::AnyConnection, table: &str) -> Vec<String> {
    use sqlx::Row;
    let key = if table == "rollup_queries_month" {
        "month || '|' || query_norm || '|' || CAST(shard AS TEXT) || '|' || \
         CAST(searches AS TEXT) || '|' || CAST(zero_results AS TEXT) || '|' || \
         CAST(no_good_answer AS TEXT)"
    } else {
        "month || '|' || article_id || '|' || CAST(helpful AS TEXT) || '|' || reason || '|' || \
         CAST(shard AS TEXT) || '|' || CAST(n AS TEXT)"
    };
    let mut rows: Vec<String> = sqlx::query(&format!("SELECT {key} AS r FROM {table}"))
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("r"))
        .collect();
    rows.sort();
    rows
}

async fn upgrade_from_0008_fills_the_month_rollups(backend: Backend) {
    use sqlx::{Connection, Executor};
    let Some(test_database) = test_db(backend, "upgrade_0008").await else {
        return;
    };
    let spec = test_database.spec.clone();
    let db = Db::open(&spec).await.unwrap();
    let g = generate(24);
    // Several writers at once, so that PostgreSQL's rows spread over shards.
    let batches: Vec<EventBatch> = g.events.chunks(9).map(batch).collect();
    let writes = batches.iter().map(|b| db.insert_events(b, 1));
    for stored in futures_util::future::join_all(writes).await {
        stored.unwrap();
    }
    db.close().await;
    let url = deflect_server::db::database_url(&spec).unwrap().1;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let kept = (
        month_rows(&mut conn, "rollup_queries_month").await,
        month_rows(&mut conn, "rollup_feedback_month").await,
    );
    assert!(!kept.0.is_empty() && !kept.1.is_empty());
    // Back to the schema of migration 0008, its day rollups as the writer kept them.
    conn.execute(
        "DROP TABLE rollup_queries_month; DROP TABLE rollup_feedback_month; \
         DELETE FROM schema_migrations WHERE version = 9",
    )
    .await
    .unwrap();
    conn.close().await.unwrap();

    let db = Db::open(&spec).await.expect("migration 0009 applies");
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let filled = (
        month_rows(&mut conn, "rollup_queries_month").await,
        month_rows(&mut conn, "rollup_feedback_month").await,
    );
    assert_eq!(
        filled, kept,
        "0009 fills the month tables as the writer keeps them"
    );
    assert_rollups_equal_raw(&db, "after migration 0009").await;
    conn.close().await.unwrap();
    db.close().await;
}

on_both_backends!(upgrade_from_0008_fills_the_month_rollups);

// ---------------------------------------------------------------------------------------
// Retention by dropping whole months (PostgreSQL)

#[tokio::test]
async fn retention_drops_whole_months_and_deletes_the_rest() {
    let Some(test_database) = test_db(Backend::Postgres, "partition_drop").await else {
        return;
    };
    let spec = test_database.spec.clone();
    let db = Db::open(&spec).await.unwrap();
    let g = generate(22);
    let oct_15 = Range::parse(Some("2026-10-15"), None)
        .unwrap()
        .from_ms
        .unwrap();
    deflect_server::partitions::ensure_ahead(&db, oct_15)
        .await
        .unwrap();
    // October's and November's events were received in their month, except the late ones
    // of October, received in December: October's partition must stay for them.
    let dec = Range::parse(Some("2026-12-15"), None)
        .unwrap()
        .from_ms
        .unwrap();
    let nov_1 = Range::parse(Some("2026-11-01"), None)
        .unwrap()
        .from_ms
        .unwrap();
    let (mut october, mut november): (Vec<Value>, Vec<Value>) = g
        .events
        .iter()
        .cloned()
        .partition(|e| e["at"].as_str().unwrap() < "2026-11-01");
    let late_october = october.split_off(october.len() - 5);
    november.truncate(november.len() / 2 * 2);
    for chunk in october.chunks(50) {
        db.insert_events(&batch(chunk), nov_1 - 1).await.unwrap();
    }
    for chunk in november.chunks(50) {
        db.insert_events(&batch(chunk), nov_1 + 20 * 86_400_000)
            .await
            .unwrap();
    }
    db.insert_events(&batch(&late_october), dec).await.unwrap();
    let whole = report::build(&db, Range::default()).await.unwrap();

    // Cutoff 1 December: November's partition goes whole; October's stays (late events) but
    // loses its rows received before the cutoff.
    let policy = deflect_server::config::RetentionConfig {
        events_days: 1,
        cases_days: 0,
        ..Default::default()
    };
    let purged = deflect_server::retention::purge(&db, &policy, dec - 13 * 86_400_000, false)
        .await
        .unwrap();
    assert_eq!(purged.events as usize, october.len() + november.len());
    use sqlx::Connection;
    let url = deflect_server::db::database_url(&spec).unwrap().1;
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    let exists = |name: &'static str| {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'events'::regclass AND c.relname = $1)",
        )
        .bind(name)
    };
    assert!(!exists("events_2026_11").fetch_one(&mut conn).await.unwrap());
    assert!(exists("events_2026_10").fetch_one(&mut conn).await.unwrap());
    assert_eq!(db.counts().await.unwrap().events, late_october.len() as i64);
    // The daily figures outlive the raw rows.
    let mut after = report::build(&db, Range::default()).await.unwrap();
    after.outbox = whole.outbox.clone();
    assert_eq!(after, whole);
    db.close().await;
}

// ---------------------------------------------------------------------------------------
// Journeys seen on several days, written concurrently

/// Journeys with events on every one of [`DAYS`], outcomes on some of them (one outcome
/// repeated on two days), each event in its own batch, stored by 12 concurrent writers:
/// a journey-day row or an outcome bit must be counted once however the batches interleave
/// (the per-day journey counters of migration 0008 and the spans of multi-day journeys).
async fn journeys_over_several_days_written_concurrently(backend: Backend) {
    let Some(test_database) = test_db(backend, "rollup_spans").await else {
        return;
    };
    let spec = test_database.spec.clone();
    let db = Db::open(&spec).await.unwrap();
    let mut events = Vec::new();
    for j in 0..6 {
        for (d, day) in DAYS.iter().enumerate() {
            for k in 0..3 {
                let at = format!("{day}T{:02}:{:02}:00Z", 6 + 4 * k, 10 * j);
                let id = format!("span-{j}-{d}-{k}");
                let kind = match (k, (j + d) % 4) {
                    (2, 0) => json!({"type": "journey_ended", "outcome": "resolved"}),
                    (2, 1) if j % 2 == 0 => {
                        json!({"type": "journey_ended", "outcome": "escalated"})
                    }
                    (2, 2) if j < 3 => json!({"type": "journey_ended", "outcome": "abandoned"}),
                    _ => json!({"type": "search", "query": "reset password", "results": 1,
                                "top_articles": []}),
                };
                let mut e = json!({"id": id, "journey_id": format!("span-journey-{j}"), "at": at});
                e.as_object_mut()
                    .unwrap()
                    .extend(kind.as_object().unwrap().clone());
                events.push(e);
            }
        }
    }
    // Interleave the journeys' days so that concurrent writers meet on one journey.
    let mut rng = Lcg(11);
    for i in (1..events.len()).rev() {
        events.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    let events = std::sync::Arc::new(events);
    let writers: Vec<_> = (0..12)
        .map(|_| {
            let (db, next, events) = (db.clone(), next.clone(), events.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(e) = events.get(i) else { break };
                    db.insert_events(&batch(std::slice::from_ref(e)), 1)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    assert_rollups_equal_raw(&db, "journeys over several days").await;
    let all = report::build(&db, Range::default()).await.unwrap();
    assert_eq!(all.totals.journeys, 6);
    let window = Range::parse(Some("2026-10-31"), Some("2026-11-02")).unwrap();
    assert_eq!(report::build(&db, window).await.unwrap().totals.journeys, 6);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn journeys_over_several_days_written_concurrently_sqlite() {
    journeys_over_several_days_written_concurrently(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn journeys_over_several_days_written_concurrently_postgres() {
    journeys_over_several_days_written_concurrently(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------
// Erasure

async fn erasure_removes_the_persons_journeys_from_the_rollups(backend: Backend) {
    let Some(test_database) = test_db(backend, "rollup_erasure").await else {
        return;
    };
    let spec = test_database.spec.clone();
    let db = Db::open(&spec).await.unwrap();
    let g = generate(23);
    for chunk in g.events.chunks(20) {
        db.insert_events(&batch(chunk), 1).await.unwrap();
    }
    let case = &g.cases[0];
    let journey = case["journey_id"].as_str().unwrap().to_string();
    // Words only this person searched for: gone from the day and the month rollups after.
    let words = json!({"id": "ev-words", "journey_id": journey, "at": case["created_at"],
                       "type": "search", "query": "Only Ana Asks This", "results": 0,
                       "top_articles": []});
    db.insert_events(&batch(&[words]), 1).await.unwrap();
    let case: Case = serde_json::from_value(case.clone()).unwrap();
    db.insert_case(&case, false, 1).await.unwrap();
    let rows_with_words = || {
        let spec = spec.clone();
        async move {
            use sqlx::Connection;
            let url = deflect_server::db::database_url(&spec).unwrap().1;
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            let mut n = 0;
            for table in ["rollup_queries", "rollup_queries_month"] {
                n += sqlx::query_scalar::<_, i64>(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE query_norm = 'only ana asks this'"
                ))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            }
            n
        }
    };
    assert_eq!(rows_with_words().await, 2, "a day row and a month row");
    let rows_of = |journey: String| {
        let spec = spec.clone();
        async move {
            use sqlx::Connection;
            let url = deflect_server::db::database_url(&spec).unwrap().1;
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM rollup_journeys WHERE journey_id = $1",
            )
            .bind(journey)
            .fetch_one(&mut conn)
            .await
            .unwrap()
        }
    };
    assert!(rows_of(journey.clone()).await > 0);
    let who = deflect_server::personal_data::Person::Email("ana@example.com".into());
    let erased = deflect_server::personal_data::erase(&db, &who)
        .await
        .unwrap();
    assert_eq!(erased.cases, 1);
    assert_eq!(
        rows_of(journey).await,
        0,
        "the erased journey's id is gone from the rollups"
    );
    assert_eq!(
        rows_with_words().await,
        0,
        "the erased person's words are gone from the day and the month rollups"
    );
    // The raw report no longer counts anything of the erased journeys, nor do the
    // rollups: journeys, events, searches, the erased person's queries, feedback, cases.
    assert_rollups_equal_raw(&db, "after the erasure").await;
    let all = report::build(&db, windows().last().unwrap().1)
        .await
        .unwrap();
    assert_eq!(all.totals.cases, 0, "the erased case left the matrix");
    db.close().await;
}

on_both_backends!(erasure_removes_the_persons_journeys_from_the_rollups);
