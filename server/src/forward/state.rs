//! The forward state of each case, as stored on its outbox row (migration 7): pending
//! (with attempts and the last error), delivered (with the helpdesk's id for what it
//! created) or parked (with the helpdesk's reason). This module owns the SQL that records
//! a verdict and the SQL that reads the state back for the report and `deflect forward`.
//!
//! Every verdict is recorded only by the instance that holds the row's lease
//! (`lease_owner`), and [`Db::renew_lease`] is called right before each send, so the send
//! always happens inside a lease longer than the request timeout: another instance cannot
//! claim the row while it is in flight.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Db;

/// Where a case stands with the helpdesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum ForwardState {
    /// Not delivered yet (no destination configured, or retrying).
    #[default]
    Pending,
    /// Waiting for another attempt after `attempts` failures; `last_error` says why.
    Retrying {
        /// Failed attempts so far.
        attempts: i64,
        /// The latest failure.
        last_error: String,
    },
    /// Delivered; `remote_id` is the helpdesk's ticket (or message) id when it named one.
    Delivered {
        /// The helpdesk's id.
        remote_id: Option<String>,
    },
    /// Refused for good by the helpdesk; never retried. `reason` is its message.
    Parked {
        /// The helpdesk's message.
        reason: String,
    },
}

impl ForwardState {
    /// One line for tables: `delivered #123`, `parked: …`, `retrying (3): …`, `pending`.
    pub fn summary(&self) -> String {
        match self {
            ForwardState::Pending => "pending".into(),
            ForwardState::Retrying {
                attempts,
                last_error,
            } => format!("retrying ({attempts}): {last_error}"),
            ForwardState::Delivered {
                remote_id: Some(id),
            } => format!("delivered {id}"),
            ForwardState::Delivered { remote_id: None } => "delivered".into(),
            ForwardState::Parked { reason } => format!("parked: {reason}"),
        }
    }

    /// Reads the state from an outbox row selected with [`STATE_COLUMNS`] (all NULL when
    /// the case has no outbox row: pending).
    pub fn from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<ForwardState> {
        let delivered: Option<i64> = row.try_get("fw_delivered_ms")?;
        let parked: Option<i64> = row.try_get("fw_parked_ms")?;
        let attempts: Option<i64> = row.try_get("fw_attempts")?;
        let last_error: Option<String> = row.try_get("fw_last_error")?;
        Ok(if delivered.is_some() {
            ForwardState::Delivered {
                remote_id: row.try_get("fw_remote_id")?,
            }
        } else if parked.is_some() {
            ForwardState::Parked {
                reason: row
                    .try_get::<Option<String>, _>("fw_parked_reason")?
                    .unwrap_or_default(),
            }
        } else if let (Some(attempts), Some(last_error)) = (attempts.filter(|a| *a > 0), last_error)
        {
            ForwardState::Retrying {
                attempts,
                last_error,
            }
        } else {
            ForwardState::Pending
        })
    }
}

/// The outbox columns [`ForwardState::from_row`] reads, for a query joining `outbox o`.
pub const STATE_COLUMNS: &str = "o.delivered_ms AS fw_delivered_ms, o.parked_ms AS fw_parked_ms, \
     o.attempts AS fw_attempts, o.last_error AS fw_last_error, o.remote_id AS fw_remote_id, \
     o.parked_reason AS fw_parked_reason";

/// Longest stored helpdesk message.
const MESSAGE_CHARS: usize = 500;

impl Db {
    /// Extends `owner`'s lease on a row to `now + lease_ms` right before a send; false when
    /// the lease has already run out (another instance may hold the row now: do not send).
    pub async fn renew_lease(
        &self,
        case_id: &str,
        owner: &str,
        now: i64,
        lease_ms: i64,
    ) -> anyhow::Result<bool> {
        let n = sqlx::query(
            "UPDATE outbox SET lease_until_ms = $1 WHERE case_id = $2 AND lease_owner = $3 \
             AND lease_until_ms > $4 AND delivered_ms IS NULL AND parked_ms IS NULL",
        )
        .bind(now + lease_ms)
        .bind(case_id.to_string())
        .bind(owner.to_string())
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Marks a claimed row delivered, with the helpdesk's id for what it created, in one
    /// statement (a reader never sees a delivered row without its id).
    pub async fn outbox_delivered_as(
        &self,
        case_id: &str,
        owner: &str,
        now: i64,
        remote_id: Option<&str>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbox SET delivered_ms = $1, remote_id = $2, attempts = attempts + 1, \
             lease_owner = NULL, lease_until_ms = NULL, last_error = NULL \
             WHERE case_id = $3 AND lease_owner = $4",
        )
        .bind(now)
        .bind(remote_id.map(|id| id.chars().take(MESSAGE_CHARS).collect::<String>()))
        .bind(case_id.to_string())
        .bind(owner.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Parks a claimed row: never claimed again; `reason` is the helpdesk's message.
    pub async fn outbox_parked(
        &self,
        case_id: &str,
        owner: &str,
        now: i64,
        reason: &str,
    ) -> anyhow::Result<()> {
        let reason: String = reason.chars().take(MESSAGE_CHARS).collect();
        sqlx::query(
            "UPDATE outbox SET parked_ms = $1, parked_reason = $2, last_error = $3, \
             attempts = attempts + 1, lease_owner = NULL, lease_until_ms = NULL \
             WHERE case_id = $4 AND lease_owner = $5",
        )
        .bind(now)
        .bind(reason.clone())
        .bind(reason)
        .bind(case_id.to_string())
        .bind(owner.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Puts parked rows back in the queue (after the operator fixed the credentials);
    /// returns how many.
    pub async fn unpark_all(&self, now: i64) -> anyhow::Result<u64> {
        let n = sqlx::query(
            "UPDATE outbox SET parked_ms = NULL, parked_reason = NULL, attempts = 0, \
             next_attempt_ms = $1 WHERE parked_ms IS NOT NULL AND delivered_ms IS NULL",
        )
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n)
    }

    /// The forward state of one case; None when there is no such case.
    pub async fn forward_state(&self, case_id: &str) -> anyhow::Result<Option<ForwardState>> {
        let row = sqlx::query(&format!(
            "SELECT {STATE_COLUMNS} FROM cases c LEFT JOIN outbox o ON o.case_id = c.id \
             WHERE c.id = $1"
        ))
        .bind(case_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(ForwardState::from_row).transpose()
    }

    /// Cases not delivered, oldest first (at most `limit`): id and state.
    pub async fn undelivered_cases(
        &self,
        limit: i64,
    ) -> anyhow::Result<Vec<(String, ForwardState)>> {
        let rows = sqlx::query(&format!(
            "SELECT o.case_id AS id, {STATE_COLUMNS} FROM outbox o WHERE o.delivered_ms IS NULL \
             ORDER BY o.created_ms, o.case_id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, ForwardState::from_row(row)?)))
            .collect()
    }

    /// How many rows are parked.
    pub async fn parked_count(&self) -> anyhow::Result<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE parked_ms IS NOT NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(n)
    }
}
