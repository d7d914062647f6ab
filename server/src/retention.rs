//! How long the collector keeps what it stores, and the purge that enforces it.
//!
//! Events and cases are kept for `retention.events_days` and `retention.cases_days` by the
//! collector's own clock (`received_ms`). A purge runs at start and then every
//! `retention.purge_interval_s`, deleting in batches of `retention.batch_size` rows so a
//! long backlog never holds the database's write lock for long (SQLite has one writer; the
//! widget's events wait behind it). A case the helpdesk has not received yet is kept
//! whatever its age: it was acknowledged to a customer. Several instances may purge at
//! once; deleting a row twice is harmless. On PostgreSQL a month of events whose rows are
//! all past the cutoff is dropped whole (server/src/partitions.rs); the daily rollups are
//! never purged, so the report keeps every day's figures.

use std::time::Duration;

use tokio::sync::watch;

use crate::config::RetentionConfig;
use crate::db::{now_ms, Db};
use crate::partitions;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What one purge removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Events deleted.
    pub events: u64,
    /// Cases deleted (with their outbox rows).
    pub cases: u64,
}

/// Deletes everything older than the policy allows, as of `now_ms`, batch by batch.
/// `keep_undelivered`: a webhook is configured, so undelivered cases wait for it.
pub async fn purge(
    db: &Db,
    policy: &RetentionConfig,
    now_ms: i64,
    keep_undelivered: bool,
) -> anyhow::Result<Purged> {
    let batch = i64::from(policy.batch_size.max(1));
    let mut purged = Purged::default();
    if policy.events_days > 0 {
        let cutoff = now_ms - i64::from(policy.events_days) * DAY_MS;
        // PostgreSQL: whole months first, then row by row for what is left.
        purged.events += partitions::drop_expired(db, cutoff).await?;
        loop {
            let n = db.purge_events(cutoff, batch).await?;
            purged.events += n;
            if n < batch as u64 {
                break;
            }
            // Let waiting writes (the widget's events) in between batches.
            tokio::task::yield_now().await;
        }
    }
    if policy.cases_days > 0 {
        let cutoff = now_ms - i64::from(policy.cases_days) * DAY_MS;
        loop {
            let n = db.purge_cases(cutoff, batch, keep_undelivered).await?;
            purged.cases += n;
            if n < batch as u64 {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    Ok(purged)
}

/// Purges at start and every `purge_interval_s` until `shutdown` turns true.
pub async fn run(
    db: Db,
    policy: RetentionConfig,
    keep_undelivered: bool,
    mut shutdown: watch::Receiver<bool>,
) {
    let every = Duration::from_secs(policy.purge_interval_s.max(1));
    loop {
        // A long-running collector keeps creating next months' partitions (PostgreSQL).
        if let Err(e) = partitions::ensure_ahead(&db, now_ms()).await {
            tracing::warn!(error = %format!("{e:#}"), "creating event partitions failed; retried next time");
        }
        if policy.events_days == 0 && policy.cases_days == 0 {
            tokio::select! {
                _ = tokio::time::sleep(every) => continue,
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
        match purge(&db, &policy, now_ms(), keep_undelivered).await {
            Ok(p) if p.events + p.cases > 0 => {
                tracing::info!(events = p.events, cases = p.cases, "retention: purged")
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "retention: purge failed; retried next time")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}
