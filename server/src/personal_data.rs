//! Everything the collector holds about one person, to hand over (export) or to delete
//! (erase), as data-protection law lets a customer ask.
//!
//! A person is found by the e-mail address a case was sent from or the vendor's user id
//! (`identify`) it carried. What is theirs: those cases (with their forwarding state) and
//! every event of the journeys that led to them — the searches typed, the articles read.
//! Events of journeys that never led to a case carry no identity and cannot be attributed
//! to anyone; retention removes them (`crate::retention`).

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use crate::db::{delete_cases, placeholders, Db};

/// Whose data: an e-mail address (compared case-insensitively) or a vendor user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// The address a case was sent from.
    Email(String),
    /// `context.user_id` of a case.
    UserId(String),
}

impl Person {
    /// From the two optional selectors a request or the CLI gives: exactly one, not blank.
    pub fn from_selectors(
        email: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Person, (String, String)> {
        let nonblank = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match (nonblank(email), nonblank(user_id)) {
            (Some(e), None) => Ok(Person::Email(e)),
            (None, Some(u)) => Ok(Person::UserId(u)),
            (Some(_), Some(_)) => Err((
                "email".into(),
                "give either email or user_id, not both".into(),
            )),
            (None, None) => Err(("email".into(), "give email or user_id".into())),
        }
    }
}

/// One stored case as exported: the case as received, and what the collector added.
#[derive(Debug, Serialize)]
pub struct ExportedCase {
    /// The case as the widget sent it.
    pub case: Value,
    /// When the collector received it (epoch ms).
    pub received_ms: i64,
    /// The vendor's classification, if any.
    pub vendor_category: Option<String>,
    /// When the helpdesk received it (epoch ms), if it did.
    pub forwarded_ms: Option<i64>,
    /// Whether the identity it names carried a valid signature from the vendor's backend.
    pub identity_verified: bool,
}

/// Everything held about one person.
#[derive(Debug, Serialize)]
pub struct PersonalData {
    /// Their cases, oldest first.
    pub cases: Vec<ExportedCase>,
    /// The events of those cases' journeys, in order.
    pub events: Vec<Value>,
}

/// What an erasure removed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Erased {
    /// Cases deleted (with their outbox rows).
    pub cases: u64,
    /// Events deleted.
    pub events: u64,
}

struct CaseRow {
    id: String,
    journey_id: String,
    payload: String,
    received_ms: i64,
    vendor_category: Option<String>,
    forwarded_ms: Option<i64>,
    identity_verified: bool,
}

async fn cases_of(db: &Db, who: &Person) -> anyhow::Result<Vec<CaseRow>> {
    let select = "SELECT c.id, c.journey_id, c.payload, c.received_ms, c.vendor_category, \
                  o.delivered_ms, c.identity_verified FROM cases c \
                  LEFT JOIN outbox o ON o.case_id = c.id";
    let rows = match who {
        Person::Email(email) => {
            sqlx::query(&format!(
                "{select} WHERE lower(c.email) = lower($1) ORDER BY c.received_ms, c.id"
            ))
            .bind(email.clone())
            .fetch_all(db.pool())
            .await?
        }
        Person::UserId(user_id) => {
            // The id lives in the stored JSON (re-serialized by serde_json, so the field is
            // written exactly `"user_id":"…"`): a LIKE narrows, parsing below decides.
            let needle = format!("\"user_id\":{}", serde_json::to_string(user_id)?);
            let pattern = format!(
                "%{}%",
                needle
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sqlx::query(&format!(
                "{select} WHERE c.payload LIKE $1 ESCAPE '\\' ORDER BY c.received_ms, c.id"
            ))
            .bind(pattern)
            .fetch_all(db.pool())
            .await?
        }
    };
    let mut cases = Vec::new();
    for row in rows {
        let case = CaseRow {
            id: row.try_get(0)?,
            journey_id: row.try_get(1)?,
            payload: row.try_get(2)?,
            received_ms: row.try_get(3)?,
            vendor_category: row.try_get(4)?,
            forwarded_ms: row.try_get(5)?,
            identity_verified: row.try_get::<i64, _>(6)? == 1,
        };
        if let Person::UserId(user_id) = who {
            let stored: Value = serde_json::from_str(&case.payload)?;
            if stored["context"]["user_id"].as_str() != Some(user_id.as_str()) {
                continue;
            }
        }
        cases.push(case);
    }
    Ok(cases)
}

/// The distinct journeys the cases came from.
fn journeys_of(rows: &[CaseRow]) -> Vec<String> {
    let mut journeys: Vec<String> = rows.iter().map(|r| r.journey_id.clone()).collect();
    journeys.sort_unstable();
    journeys.dedup();
    journeys
}

/// Everything held about `who`.
pub async fn export(db: &Db, who: &Person) -> anyhow::Result<PersonalData> {
    let rows = cases_of(db, who).await?;
    let journeys = journeys_of(&rows);
    let mut events = Vec::new();
    for chunk in journeys.chunks(500) {
        let sql = format!(
            "SELECT payload FROM events WHERE journey_id IN ({}) ORDER BY at_ms, id",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for j in chunk {
            query = query.bind(j.to_string());
        }
        for payload in query.fetch_all(db.pool()).await? {
            events.push(serde_json::from_str(&payload)?);
        }
    }
    let cases = rows
        .into_iter()
        .map(|r| {
            Ok(ExportedCase {
                case: serde_json::from_str(&r.payload)?,
                received_ms: r.received_ms,
                vendor_category: r.vendor_category,
                forwarded_ms: r.forwarded_ms,
                identity_verified: r.identity_verified,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(PersonalData { cases, events })
}

/// Deletes everything held about `who` in one transaction: their cases, those cases'
/// outbox rows (an unforwarded case is not forwarded any more) and their journeys' events.
pub async fn erase(db: &Db, who: &Person) -> anyhow::Result<Erased> {
    let rows = cases_of(db, who).await?;
    let case_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let journeys = journeys_of(&rows);
    let mut tx = db.pool().begin().await?;
    let mut erased = Erased {
        cases: 0,
        events: 0,
    };
    for chunk in journeys.chunks(500) {
        let sql = format!(
            "DELETE FROM events WHERE journey_id IN ({}) RETURNING day, journey_id, \
             query_norm, results, good_answer, article_id, helpful, reason, outcome",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for j in chunk {
            query = query.bind(j.clone());
        }
        let deleted = query.fetch_all(&mut *tx).await?;
        erased.events += deleted.len() as u64;
        // The report no longer counts what was erased, so neither may the rollups: their
        // counters lose these events, and their per-journey rows (which carry the journey
        // id, singling this person's journeys out) go.
        let facts = deleted
            .iter()
            .map(erased_fact)
            .collect::<anyhow::Result<Vec<_>>>()?;
        crate::rollup::subtract_events(&mut tx, &facts).await?;
        crate::rollup::forget_journeys(&mut tx, chunk).await?;
    }
    for id in &case_ids {
        let row = sqlx::query(
            "SELECT created_ms, customer_category, vendor_category FROM cases WHERE id = $1",
        )
        .bind(id.clone())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let day = crate::rollup::day_of_ms(row.try_get("created_ms")?).unwrap_or_default();
            let customer: String = row.try_get("customer_category")?;
            let vendor: Option<String> = row.try_get("vendor_category")?;
            crate::rollup::add_case(&mut tx, &day, &customer, vendor.as_deref(), -1).await?;
        }
    }
    erased.cases = delete_cases(&mut tx, &case_ids).await?;
    tx.commit().await?;
    Ok(erased)
}

/// An erased event as the rollups counted it when it was stored (`Db::insert_events`).
fn erased_fact(row: &sqlx::any::AnyRow) -> anyhow::Result<crate::rollup::Fact> {
    let results: Option<i64> = row.try_get("results")?;
    let helpful: Option<i64> = row.try_get("helpful")?;
    let article: Option<String> = row.try_get("article_id")?;
    Ok(crate::rollup::Fact {
        day: row.try_get("day")?,
        journey_id: row.try_get("journey_id")?,
        search: match results {
            Some(r) => Some((row.try_get("query_norm")?, r, row.try_get("good_answer")?)),
            None => None,
        },
        feedback: match helpful {
            Some(h) => Some((article.unwrap_or_default(), h, row.try_get("reason")?)),
            None => None,
        },
        outcome: row.try_get("outcome")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_selector() {
        assert_eq!(
            Person::from_selectors(Some(" a@b.co "), None),
            Ok(Person::Email("a@b.co".into()))
        );
        assert_eq!(
            Person::from_selectors(None, Some("u-1")),
            Ok(Person::UserId("u-1".into()))
        );
        assert!(Person::from_selectors(Some("a@b.co"), Some("u-1")).is_err());
        assert!(Person::from_selectors(Some("  "), None).is_err());
        assert!(Person::from_selectors(None, None).is_err());
    }
}
