//! Storage for events, cases and the webhook outbox: SQLite (one file, WAL) by default,
//! PostgreSQL for several collector instances behind a load balancer.
//!
//! One set of migrations (`server/migrations/*.sql`) serves both, so the SQL here sticks to
//! what both understand: TEXT ids, BIGINT epoch milliseconds, `INSERT … ON CONFLICT (id) DO
//! NOTHING`, `$n` parameters in ascending order. Every write that the API acknowledges is
//! one committed transaction (SQLite runs with `synchronous=FULL`).

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use deflect_wire::{Case, EventBatch, EventKind, VendorCategory};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};

use crate::rollup;

/// The migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "collector",
        include_str!("../migrations/0001_collector.sql"),
    ),
    (
        2,
        "good_answer",
        include_str!("../migrations/0002_good_answer.sql"),
    ),
    (
        3,
        "retention",
        include_str!("../migrations/0003_retention.sql"),
    ),
    (
        4,
        "identity",
        include_str!("../migrations/0004_identity.sql"),
    ),
    (
        5,
        "rollups",
        include_str!("../migrations/0005_rollups.sqlite.sql"),
    ),
    (
        6,
        "partitions",
        include_str!("../migrations/0006_partitions.sqlite.sql"),
    ),
    (
        7,
        "forward_state",
        include_str!("../migrations/0007_forward_state.sql"),
    ),
    (
        8,
        "journey_counts",
        include_str!("../migrations/0008_journey_counts.sql"),
    ),
    (
        9,
        "month_rollups",
        include_str!("../migrations/0009_month_rollups.sql"),
    ),
];

/// Migrations whose SQL differs on PostgreSQL: (version, SQL run there instead of the
/// [`MIGRATIONS`] entry's).
const POSTGRES_VARIANTS: &[(i64, &str)] = &[
    (5, include_str!("../migrations/0005_rollups.postgres.sql")),
    (
        6,
        include_str!("../migrations/0006_partitions.postgres.sql"),
    ),
];

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool plus the engine it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// A `--database` value turned into a sqlx URL: `postgres://…`/`postgresql://…` as given,
/// `sqlite:…` as given (created if missing), anything else is a file path.
pub fn database_url(spec: &str) -> anyhow::Result<(Backend, String)> {
    let spec = spec.trim();
    if spec.is_empty() {
        anyhow::bail!("database: must not be empty");
    }
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        return Ok((Backend::Postgres, spec.to_string()));
    }
    if spec.contains("://") && !spec.starts_with("sqlite:") {
        anyhow::bail!(
            "database: {:?} is neither a postgres:// URL, a sqlite: URL nor a file path",
            redact(spec)
        );
    }
    let url = if let Some(rest) = spec.strip_prefix("sqlite:") {
        if rest.contains("mode=") {
            spec.to_string()
        } else if rest.contains('?') {
            format!("{spec}&mode=rwc")
        } else {
            format!("{spec}?mode=rwc")
        }
    } else {
        let path = Path::new(spec);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("database: creating {}", parent.display()))?;
        }
        let mut encoded = String::new();
        for c in spec.chars() {
            match c {
                '%' | '?' | '#' | ' ' => encoded.push_str(&format!("%{:02X}", c as u32)),
                c => encoded.push(c),
            }
        }
        format!("sqlite://{encoded}?mode=rwc")
    };
    Ok((Backend::Sqlite, url))
}

/// The current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Lower-cased, trimmed, inner whitespace collapsed: how queries are grouped in the report.
pub fn normalize_query(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn utc_day(ts: jiff::Timestamp) -> String {
    ts.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// One outbox row a worker has claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The case to forward.
    pub case_id: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// Row counts, for tests and `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Stored events.
    pub events: i64,
    /// Stored cases.
    pub cases: i64,
    /// Outbox rows not delivered yet.
    pub outbox_pending: i64,
    /// Outbox rows delivered.
    pub outbox_delivered: i64,
}

impl Db {
    /// Connects (creating a SQLite file on first start) and applies pending migrations.
    pub async fn open(spec: &str) -> anyhow::Result<Db> {
        Db::connect(spec).await.map_err(|e| scrubbed(e, spec))
    }

    async fn connect(spec: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (backend, url) = database_url(spec)?;
        let options: AnyConnectOptions = url
            .parse()
            .with_context(|| format!("database: cannot parse {:?}", redact(spec)))?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool_options = match backend {
            // One writer at a time anyway; a few connections let reads run beside it.
            Backend::Sqlite => pool_options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options.max_connections(16),
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .with_context(|| format!("database: cannot open {}", redact(spec)))?;
        let db = Db { pool, backend };
        db.migrate().await.context("database: migrations failed")?;
        crate::partitions::ensure_ahead(&db, now_ms())
            .await
            .context("database: creating the event partitions ahead")?;
        Ok(db)
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies every migration not yet recorded in `schema_migrations`, each in its own
    /// transaction. On PostgreSQL an advisory lock keeps instances that start together from
    /// running them twice.
    async fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_lock(4242001)").await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (\
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
            )
            .await?;
            for (version, name, sql) in MIGRATIONS {
                let sql = match self.backend {
                    Backend::Postgres => POSTGRES_VARIANTS
                        .iter()
                        .find(|(v, _)| v == version)
                        .map_or(*sql, |(_, variant)| *variant),
                    Backend::Sqlite => *sql,
                };
                let applied: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                        .bind(*version)
                        .fetch_optional(&mut *conn)
                        .await?;
                if applied.is_some() {
                    continue;
                }
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                for statement in split_statements(sql) {
                    tx.execute(statement.as_str())
                        .await
                        .with_context(|| format!("migration {version} ({name}): {statement}"))?;
                }
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
                )
                .bind(*version)
                .bind(*name)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(version, name, "applied migration");
            }
            anyhow::Ok(())
        }
        .await;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_unlock(4242001)").await?;
        }
        result
    }

    /// Deletes up to `limit` events received before `cutoff_ms`; returns how many.
    pub async fn purge_events(&self, cutoff_ms: i64, limit: i64) -> anyhow::Result<u64> {
        let deleted = sqlx::query(
            "DELETE FROM events WHERE id IN \
             (SELECT id FROM events WHERE received_ms < $1 LIMIT $2)",
        )
        .bind(cutoff_ms)
        .bind(limit)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(deleted)
    }

    /// Deletes up to `limit` cases received before `cutoff_ms`, with their outbox rows, in
    /// one transaction; with `keep_undelivered`, a case the helpdesk has not received yet
    /// stays whatever its age (it was acknowledged to the customer). Returns how many.
    pub async fn purge_cases(
        &self,
        cutoff_ms: i64,
        limit: i64,
        keep_undelivered: bool,
    ) -> anyhow::Result<u64> {
        let undelivered = if keep_undelivered {
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND o.delivered_ms IS NULL)"
        } else {
            ""
        };
        let mut tx = self.pool.begin().await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT c.id FROM cases c WHERE c.received_ms < $1{undelivered} LIMIT $2"
        ))
        .bind(cutoff_ms)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        delete_cases(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    /// Whether this session's connection to the server is encrypted: `Some(true)` for
    /// PostgreSQL over TLS, `Some(false)` for plain TCP, `None` for SQLite (a local file).
    pub async fn tls(&self) -> anyhow::Result<Option<bool>> {
        if self.backend == Backend::Sqlite {
            return Ok(None);
        }
        let ssl: bool = sqlx::query_scalar(
            "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Some(ssl))
    }

    /// `SELECT 1`, for `/healthz`.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Stores a validated batch in one transaction; returns (newly stored, already known).
    pub async fn insert_events(
        &self,
        batch: &EventBatch,
        received_ms: i64,
    ) -> anyhow::Result<(u64, u64)> {
        const COLUMNS: usize = 17;
        let mut sql = String::from(
            "INSERT INTO events (id, journey_id, at_ms, day, received_ms, type, query, \
             query_norm, results, article_id, dwell_ms, helpful, reason, case_id, outcome, \
             good_answer, payload) VALUES ",
        );
        for i in 0..batch.events.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..COLUMNS {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * COLUMNS + c + 1));
            }
            sql.push(')');
        }
        // No conflict target: on PostgreSQL the key is (id, at_ms), see migration 0006.
        // RETURNING tells which events are new, and only those go into the rollups.
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING id");
        let mut query = sqlx::query(&sql);
        let mut facts: Vec<(String, rollup::Fact)> = Vec::with_capacity(batch.events.len());
        for e in &batch.events {
            let mut q: Option<String> = None;
            let mut results: Option<i64> = None;
            let mut article: Option<String> = None;
            let mut dwell: Option<i64> = None;
            let mut helpful: Option<i64> = None;
            let mut reason: Option<String> = None;
            let mut case_id: Option<String> = None;
            let mut outcome: Option<String> = None;
            let mut good: Option<i64> = None;
            match &e.kind {
                EventKind::Search {
                    query,
                    results: r,
                    good_answer,
                    ..
                } => {
                    q = query.clone();
                    results = Some(i64::from(*r));
                    good = good_answer.map(i64::from);
                }
                EventKind::ArticleViewed {
                    article_id,
                    dwell_ms,
                } => {
                    article = Some(article_id.clone());
                    dwell = Some(i64::try_from(*dwell_ms).unwrap_or(i64::MAX));
                }
                EventKind::Feedback {
                    article_id,
                    helpful: h,
                    reason: r,
                } => {
                    article = Some(article_id.clone());
                    helpful = Some(i64::from(*h));
                    reason = r.map(|r| r.as_str().to_string());
                }
                EventKind::HandoffStarted { article_id } => article = article_id.clone(),
                EventKind::CaseSubmitted { case_id: c } => case_id = Some(c.clone()),
                EventKind::JourneyEnded { outcome: o } => outcome = Some(o.as_str().to_string()),
            }
            let norm = q.as_deref().map(normalize_query).filter(|n| !n.is_empty());
            facts.push((
                e.id.clone(),
                rollup::Fact {
                    day: utc_day(e.at),
                    journey_id: e.journey_id.clone(),
                    search: results.map(|r| (norm.clone(), r, good)),
                    feedback: helpful
                        .map(|h| (article.clone().unwrap_or_default(), h, reason.clone())),
                    outcome: outcome.clone(),
                },
            ));
            query = query
                .bind(e.id.clone())
                .bind(e.journey_id.clone())
                .bind(e.at.as_millisecond())
                .bind(utc_day(e.at))
                .bind(received_ms)
                .bind(e.kind.type_name())
                .bind(q)
                .bind(norm)
                .bind(results)
                .bind(article)
                .bind(dwell)
                .bind(helpful)
                .bind(reason)
                .bind(case_id)
                .bind(outcome)
                .bind(good)
                .bind(serde_json::to_string(e)?);
        }
        // A single statement is atomic; the explicit transaction makes the commit (and its
        // fsync) happen before we answer.
        //
        // On any failure the connection is closed instead of going back to the pool. After
        // an I/O error (a full disk) SQLite may keep the transaction open while sqlx's
        // ROLLBACK fails, leaving sqlx's transaction depth at 1: the next `begin` on that
        // pooled connection then only opens a SAVEPOINT and `commit` only releases it, so
        // every later write on it was acknowledged but never committed (and lost when the
        // connection closed). A fresh connection has no such state.
        let mut conn = self.pool.acquire().await?;
        let stored = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let new_ids: Vec<String> = query
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| row.try_get("id"))
                .collect::<Result<_, _>>()?;
            let stored = new_ids.len() as u64;
            let new = rollup::stored_once(facts, new_ids);
            let shard = rollup::shard_for(self.backend, &batch.events[0].journey_id);
            rollup::add_events(&mut tx, &new, shard).await?;
            tx.commit().await?;
            anyhow::Ok(stored)
        }
        .await
        .inspect_err(|_| conn.close_on_drop())?;
        let total = batch.events.len() as u64;
        Ok((stored, total.saturating_sub(stored)))
    }

    /// Stores a validated case and its outbox row in one transaction, with whether its
    /// identity was verified; `false` when the id was already stored (nothing is written
    /// then).
    ///
    /// On any failure the connection is closed instead of going back to the pool; see
    /// [`Db::insert_events`].
    pub async fn insert_case(
        &self,
        case: &Case,
        identity_verified: bool,
        received_ms: i64,
    ) -> anyhow::Result<bool> {
        let mut conn = self.pool.acquire().await?;
        let payload = serde_json::to_string(case)?;
        async {
            let tx = sqlx::Connection::begin(&mut *conn).await?;
            Self::insert_case_in(tx, case, identity_verified, received_ms, payload).await
        }
        .await
        .inspect_err(|_| conn.close_on_drop())
    }

    async fn insert_case_in(
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        case: &Case,
        identity_verified: bool,
        received_ms: i64,
        payload: String,
    ) -> anyhow::Result<bool> {
        let stored = sqlx::query(
            "INSERT INTO cases (id, journey_id, created_ms, received_ms, subject, email, \
             customer_category, payload, identity_verified) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(case.id.clone())
        .bind(case.journey_id.clone())
        .bind(case.created_at.as_millisecond())
        .bind(received_ms)
        .bind(case.subject.clone())
        .bind(case.email.trim().to_string())
        .bind(case.customer_category.as_str())
        .bind(payload)
        .bind(i64::from(identity_verified))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if stored == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO outbox (case_id, created_ms, attempts, next_attempt_ms) \
             VALUES ($1, $2, 0, $3) ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(case.id.clone())
        .bind(received_ms)
        .bind(received_ms)
        .execute(&mut *tx)
        .await?;
        let day = utc_day(case.created_at);
        rollup::add_case(&mut tx, &day, case.customer_category.as_str(), None, 1).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets the vendor's category of a case; `false` when there is no such case.
    pub async fn classify(
        &self,
        case_id: &str,
        category: VendorCategory,
        now: i64,
    ) -> anyhow::Result<bool> {
        let mut tx = self.pool.begin().await?;
        // A no-op write first takes the row's lock (SQLite: the write lock), so the category
        // read next is the one this update replaces, even with classifiers racing.
        let n = sqlx::query("UPDATE cases SET classified_ms = classified_ms WHERE id = $1")
            .bind(case_id.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT created_ms, customer_category, vendor_category FROM cases WHERE id = $1",
        )
        .bind(case_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let created_ms: i64 = row.try_get("created_ms")?;
        let customer: String = row.try_get("customer_category")?;
        let old: Option<String> = row.try_get("vendor_category")?;
        sqlx::query("UPDATE cases SET vendor_category = $1, classified_ms = $2 WHERE id = $3")
            .bind(category.as_str())
            .bind(now)
            .bind(case_id.to_string())
            .execute(&mut *tx)
            .await?;
        if old.as_deref() != Some(category.as_str()) {
            let day = rollup::day_of_ms(created_ms).unwrap_or_default();
            rollup::add_case(&mut tx, &day, &customer, old.as_deref(), -1).await?;
            rollup::add_case(&mut tx, &day, &customer, Some(category.as_str()), 1).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The stored JSON of a case.
    pub async fn case_payload(&self, case_id: &str) -> anyhow::Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT payload FROM cases WHERE id = $1")
                .bind(case_id.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The stored JSON of a case and whether its identity was verified, for forwarding.
    pub async fn case_for_delivery(&self, case_id: &str) -> anyhow::Result<Option<(String, bool)>> {
        let row = sqlx::query("SELECT payload, identity_verified FROM cases WHERE id = $1")
            .bind(case_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            let verified: i64 = row.try_get("identity_verified")?;
            Ok((row.try_get("payload")?, verified == 1))
        })
        .transpose()
    }

    /// Claims up to `limit` due, undelivered outbox rows for `owner` until `now + lease_ms`.
    /// A row is claimed by a conditional UPDATE that only succeeds while nobody else holds
    /// an unexpired lease, so concurrent instances never claim the same row.
    pub async fn claim_outbox(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<Claimed>> {
        let candidates = sqlx::query(
            "SELECT case_id, attempts FROM outbox WHERE delivered_ms IS NULL AND parked_ms IS NULL \
             AND next_attempt_ms <= $1 AND (lease_until_ms IS NULL OR lease_until_ms < $2) \
             ORDER BY next_attempt_ms, case_id LIMIT $3",
        )
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in candidates {
            let case_id: String = row.try_get("case_id")?;
            let attempts: i64 = row.try_get("attempts")?;
            let n = sqlx::query(
                "UPDATE outbox SET lease_owner = $1, lease_until_ms = $2 WHERE case_id = $3 \
                 AND delivered_ms IS NULL AND parked_ms IS NULL AND (lease_until_ms IS NULL OR lease_until_ms < $4)",
            )
            .bind(owner.to_string())
            .bind(now + lease_ms)
            .bind(case_id.clone())
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if n == 1 {
                claimed.push(Claimed { case_id, attempts });
            }
        }
        Ok(claimed)
    }

    /// Marks a claimed row delivered.
    pub async fn outbox_delivered(
        &self,
        case_id: &str,
        owner: &str,
        now: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET delivered_ms = $1, attempts = attempts + 1, lease_owner = NULL, \
             lease_until_ms = NULL, last_error = NULL WHERE case_id = $2 AND lease_owner = $3",
        )
        .bind(now)
        .bind(case_id.to_string())
        .bind(owner.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again; releases the lease.
    pub async fn outbox_failed(
        &self,
        case_id: &str,
        owner: &str,
        next_attempt_ms: i64,
        error: &str,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, lease_owner = NULL, \
             lease_until_ms = NULL, last_error = $2 WHERE case_id = $3 AND lease_owner = $4",
        )
        .bind(next_attempt_ms)
        .bind(error.chars().take(500).collect::<String>())
        .bind(case_id.to_string())
        .bind(owner.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The earliest `next_attempt_ms` of an undelivered row, if any.
    pub async fn next_outbox_due(&self) -> anyhow::Result<Option<i64>> {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_ms) FROM outbox WHERE delivered_ms IS NULL AND parked_ms IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(v)
    }

    /// Row counts.
    pub async fn counts(&self) -> anyhow::Result<Counts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM cases) AS cases, \
             (SELECT COUNT(*) FROM outbox WHERE delivered_ms IS NULL) AS pending, \
             (SELECT COUNT(*) FROM outbox WHERE delivered_ms IS NOT NULL) AS delivered",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Counts {
            events: row.try_get("events")?,
            cases: row.try_get("cases")?,
            outbox_pending: row.try_get("pending")?,
            outbox_delivered: row.try_get("delivered")?,
        })
    }

    /// The pool, for the report's queries.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// `ORDER BY … COLLATE` clause that sorts text bytewise on both engines.
    pub(crate) fn bytewise(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "COLLATE BINARY",
            Backend::Postgres => "COLLATE \"C\"",
        }
    }
}

/// Creates database `name` on the PostgreSQL server at `admin_url` and returns a URL for
/// it (same server and credentials). For test set-ups and provisioning scripts.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        anyhow::bail!("database name {name:?}: use lower-case letters, digits and '_'");
    }
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    sqlx::Connection::close(conn).await?;
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let server = match base.rfind('/') {
        Some(i) if base[..i].contains("://") && !base[..i].ends_with('/') => &base[..i],
        _ => base,
    };
    Ok(format!("{server}/{name}{query}"))
}

/// Splits a migration file at semicolons that end a line, except inside a `$$`-quoted
/// function body (PostgreSQL's PL/pgSQL); drops comments and blanks.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_body = false;
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_body = !in_body;
        }
        if trimmed.ends_with(';') && !in_body {
            let stmt = current.trim().trim_end_matches(';').trim().to_string();
            if !stmt.is_empty() {
                out.push(stmt);
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// True when a `postgres://` spec names this machine (a Unix socket or a loopback host),
/// where an unencrypted connection never leaves it.
pub fn is_loopback_spec(spec: &str) -> bool {
    let Some((_, rest)) = spec.split_once("://") else {
        return true;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.is_empty()
        || host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `$1, …, $n`, for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Deletes the cases `ids` and their outbox rows inside the caller's transaction; returns
/// how many cases were deleted.
pub(crate) async fn delete_cases(
    conn: &mut sqlx::AnyConnection,
    ids: &[String],
) -> anyhow::Result<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        let list = placeholders(chunk.len());
        for (table_and_key, counted) in [("outbox WHERE case_id", false), ("cases WHERE id", true)]
        {
            let sql = format!("DELETE FROM {table_and_key} IN ({list})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.clone());
            }
            let n = query.execute(&mut *conn).await?.rows_affected();
            if counted {
                deleted += n;
            }
        }
    }
    Ok(deleted)
}

/// The secrets a database spec can carry: the password in its user info (as written and
/// percent-decoded) and `password=` / `sslpassword=` query parameters.
fn secrets_in(spec: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Some((_, rest)) = spec.split_once("://") {
        // The last '@' ends the user info: a password may itself contain '@' or '/'.
        if let Some((auth, _)) = rest.rsplit_once('@') {
            if let Some((_, password)) = auth.split_once(':') {
                secrets.push(password.to_string());
                secrets.push(percent_decode(password));
            }
        }
    }
    if let Some((_, query)) = spec.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=') {
                if key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword") {
                    secrets.push(value.to_string());
                    secrets.push(percent_decode(value));
                }
            }
        }
    }
    secrets.retain(|s| !s.is_empty());
    // Longest first, so a secret containing another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with every secret of `spec` replaced by `***`.
pub fn redact_in(text: &str, spec: &str) -> String {
    secrets_in(spec).iter().fold(text.to_string(), |t, secret| {
        t.replace(secret.as_str(), "***")
    })
}

/// The spec without its secrets, for messages.
pub fn redact(spec: &str) -> String {
    redact_in(spec, spec)
}

/// An error about `spec` whose whole chain (sqlx's messages included) holds no secret.
fn scrubbed(e: anyhow::Error, spec: &str) -> anyhow::Error {
    anyhow::anyhow!(redact_in(&format!("{e:#}"), spec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_specs() {
        assert_eq!(
            database_url("postgres://u:p@h/db").unwrap().0,
            Backend::Postgres
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b/c.db");
        let (b, url) = database_url(path.to_str().unwrap()).unwrap();
        assert_eq!(b, Backend::Sqlite);
        assert!(url.ends_with("a%20b/c.db?mode=rwc"), "{url}");
        assert_eq!(
            database_url("sqlite:x.db").unwrap().1,
            "sqlite:x.db?mode=rwc"
        );
        assert!(database_url("mysql://x").is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u:p@ss/w@h/db"), "postgres://u:***@h/db");
        assert!(is_loopback_spec("postgres://u:p@127.0.0.1:5432/db"));
        assert!(is_loopback_spec("postgres://u@localhost/db"));
        assert!(is_loopback_spec("postgres://u@[::1]:5432/db"));
        assert!(!is_loopback_spec("postgres://u:p@db.example.com:5432/db"));
        assert_eq!(
            redact("postgres://u@h/db?sslmode=require&password=s3cr3t"),
            "postgres://u@h/db?sslmode=require&password=***"
        );
        assert_eq!(
            redact_in("failed for p@ss w", "postgres://u:p%40ss%20w@h/db"),
            "failed for ***"
        );
    }

    #[tokio::test]
    async fn errors_about_a_database_url_never_show_its_password() {
        for spec in [
            "postgres://ana:s3cr3t-pw@localhost:notaport/db",
            "postgres://ana:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=2",
            "mysql://ana:s3cr3t-pw@localhost/db",
            "postgres://ana:s3cr3t%2Dpw@[::1/db",
        ] {
            let e = Db::open(spec).await.err().expect("cannot open");
            let message = format!("{e:#} {e:?}");
            assert!(!message.contains("s3cr3t"), "{spec}: {message}");
            assert!(message.contains("database"), "{spec}: {message}");
        }
    }

    #[test]
    fn migrations_split_into_statements() {
        let stmts = split_statements(MIGRATIONS[0].2);
        assert!(stmts.iter().any(|s| s.starts_with("CREATE TABLE events")));
        assert!(stmts.iter().all(|s| !s.contains(';')));
        let pg = POSTGRES_VARIANTS.iter().find(|(v, _)| *v == 6).unwrap().1;
        let stmts = split_statements(pg);
        let function = stmts
            .iter()
            .find(|s| s.starts_with("CREATE FUNCTION deflect_event_partition("))
            .expect("the function is one statement");
        assert!(function.trim_end().ends_with("$$"), "{function}");
        assert_eq!(normalize_query("  Reset   PASSWORD "), "reset password");
    }
}
