//! PostgreSQL's monthly event partitions (migration 0006): creating them ahead of the
//! events that will need them, and retention by dropping a month whole.
//!
//! A month is created from last month to [`MONTHS_AHEAD`] ahead at start and at every
//! retention pass, so that current events never land in the default partition (which
//! still takes them, correctly, if the collector was down for months). Dropping a month
//! is one catalog change instead of millions of row deletes and the vacuum after them; the
//! rows retention would keep (received after the cutoff, e.g. late events for that month)
//! keep the partition alive, and the row-by-row purge handles what is left. On SQLite
//! every function here does nothing.

use sqlx::Row;

use crate::db::{Backend, Db};

/// Months created ahead of the current one.
pub const MONTHS_AHEAD: i64 = 3;

const DAY_MS: i64 = 86_400_000;

/// Creates the partitions from last month to [`MONTHS_AHEAD`] months after `now_ms`;
/// returns how many were new.
pub async fn ensure_ahead(db: &Db, now_ms: i64) -> anyhow::Result<i64> {
    if db.backend() != Backend::Postgres {
        return Ok(0);
    }
    let created: i32 = sqlx::query_scalar("SELECT deflect_event_partitions($1, $2)")
        .bind(now_ms - 31 * DAY_MS)
        .bind(now_ms + (MONTHS_AHEAD * 31) * DAY_MS)
        .fetch_one(db.pool())
        .await?;
    Ok(i64::from(created))
}

/// Drops every monthly partition whose month ended before `cutoff_ms` and whose rows were
/// all received before it; returns how many events went with them.
pub async fn drop_expired(db: &Db, cutoff_ms: i64) -> anyhow::Result<u64> {
    if db.backend() != Backend::Postgres {
        return Ok(0);
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::TEXT FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'events'::regclass ORDER BY c.relname",
    )
    .fetch_all(db.pool())
    .await?;
    let mut dropped = 0;
    for name in names {
        let Some(month_end) = month_end_ms(&name) else {
            // The default partition, or a table an operator attached by hand.
            continue;
        };
        if month_end > cutoff_ms {
            continue;
        }
        // The name came from the catalog and matched events_YYYY_MM: safe to splice.
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, MAX(received_ms) AS newest FROM {name}"
        ))
        .fetch_one(db.pool())
        .await?;
        let n: i64 = row.try_get("n")?;
        let newest: Option<i64> = row.try_get("newest")?;
        if newest.is_some_and(|t| t >= cutoff_ms) {
            continue;
        }
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}"))
            .execute(db.pool())
            .await?;
        tracing::info!(partition = %name, events = n, "retention: dropped a month of events");
        dropped += n as u64;
    }
    Ok(dropped)
}

/// The end (exclusive, epoch ms) of the month a partition named `events_YYYY_MM` holds.
fn month_end_ms(name: &str) -> Option<i64> {
    let rest = name.strip_prefix("events_")?;
    let (year, month) = rest.split_once('_')?;
    if year.len() != 4 || month.len() != 2 {
        return None;
    }
    let date = jiff::civil::Date::new(year.parse().ok()?, month.parse().ok()?, 1).ok()?;
    let next = date.checked_add(jiff::Span::new().months(1)).ok()?;
    Some(
        next.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_millisecond(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_give_the_end_of_their_month() {
        let end = month_end_ms("events_2026_12").unwrap();
        assert_eq!(
            jiff::Timestamp::from_millisecond(end).unwrap().to_string(),
            "2027-01-01T00:00:00Z"
        );
        assert_eq!(month_end_ms("events_default"), None);
        assert_eq!(month_end_ms("events_26_1"), None);
    }
}
