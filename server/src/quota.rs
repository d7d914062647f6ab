//! Daily quotas per page origin: how many events and cases one origin may store in a UTC
//! day, so one embedding page (or a script claiming its origin) cannot fill the disk.
//!
//! Counted in memory by each instance, like the rate limit: with n instances behind a
//! balancer an origin may store up to n times its quota, which still bounds the disk. The
//! count resets at UTC midnight; a refused request is told to retry then (429 with
//! `Retry-After`). At most `MAX_ORIGINS` origins are counted separately each day; further
//! ones share one count, so invented `Origin` headers cannot grow memory.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::QuotaConfig;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Origins counted separately per day.
pub const MAX_ORIGINS: usize = 10_000;
const OTHER_ORIGINS: &str = "(other origins)";

/// What a request would store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// This many events.
    Events(u64),
    /// One case.
    Case,
}

/// Why a request was refused: the quota it would exceed, and seconds until UTC midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// "events" or "cases".
    pub kind: &'static str,
    /// The daily quota.
    pub quota: u64,
    /// Seconds until the count resets.
    pub retry_after_s: u64,
}

/// Today's counts per origin.
#[derive(Debug)]
pub struct DailyQuota {
    limits: QuotaConfig,
    /// (UTC day number, origin -> (events, cases)).
    counts: Mutex<(i64, HashMap<String, (u64, u64)>)>,
}

impl DailyQuota {
    /// Quotas of 0 are unlimited.
    pub fn new(limits: QuotaConfig) -> DailyQuota {
        DailyQuota {
            limits,
            counts: Mutex::new((i64::MIN, HashMap::new())),
        }
    }

    /// Counts what a request from `origin` would store at `now_ms`, or refuses it whole.
    pub fn take(&self, origin: &str, stored: Stored, now_ms: i64) -> Result<(), Exceeded> {
        let (n, quota, kind) = match stored {
            Stored::Events(n) => (n, self.limits.events_per_origin_per_day, "events"),
            Stored::Case => (1, self.limits.cases_per_origin_per_day, "cases"),
        };
        if quota == 0 {
            return Ok(());
        }
        let day = now_ms.div_euclid(DAY_MS);
        let mut guard = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (counted_day, counts) = &mut *guard;
        if *counted_day != day {
            *counted_day = day;
            counts.clear();
        }
        let key = if counts.len() >= MAX_ORIGINS && !counts.contains_key(origin) {
            OTHER_ORIGINS
        } else {
            origin
        };
        let (events, cases) = counts.entry(key.to_string()).or_default();
        let used = if stored == Stored::Case {
            cases
        } else {
            events
        };
        if *used + n > quota {
            let retry_after_s = ((day + 1) * DAY_MS - now_ms + 999).div_euclid(1000).max(1) as u64;
            return Err(Exceeded {
                kind,
                quota,
                retry_after_s,
            });
        }
        *used += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(events: u64, cases: u64) -> DailyQuota {
        DailyQuota::new(QuotaConfig {
            events_per_origin_per_day: events,
            cases_per_origin_per_day: cases,
        })
    }

    #[test]
    fn counts_per_origin_per_utc_day_and_refuses_a_request_whole() {
        let q = quota(5, 1);
        let noon = 20_000 * DAY_MS + DAY_MS / 2;
        assert!(q.take("https://a.example", Stored::Events(3), noon).is_ok());
        let refused = q
            .take("https://a.example", Stored::Events(3), noon)
            .unwrap_err();
        assert_eq!(
            (refused.kind, refused.quota, refused.retry_after_s),
            ("events", 5, 43_200)
        );
        assert!(
            q.take("https://a.example", Stored::Events(2), noon).is_ok(),
            "3 + 2 fits"
        );
        assert!(
            q.take("https://b.example", Stored::Events(5), noon).is_ok(),
            "another origin"
        );
        assert!(q.take("https://a.example", Stored::Case, noon).is_ok());
        assert_eq!(
            q.take("https://a.example", Stored::Case, noon)
                .unwrap_err()
                .kind,
            "cases"
        );
        // A new UTC day starts from zero.
        assert!(q
            .take("https://a.example", Stored::Events(5), noon + DAY_MS / 2)
            .is_ok());
        assert!(
            quota(0, 0)
                .take("x", Stored::Events(1_000_000), noon)
                .is_ok(),
            "0 is unlimited"
        );
    }

    #[test]
    fn invented_origins_share_one_count_past_the_limit() {
        let q = quota(1, 0);
        for i in 0..MAX_ORIGINS {
            assert!(q
                .take(&format!("https://o{i}.example"), Stored::Events(1), 0)
                .is_ok());
        }
        assert!(q
            .take("https://new-1.example", Stored::Events(1), 0)
            .is_ok());
        assert!(
            q.take("https://new-2.example", Stored::Events(1), 0)
                .is_err(),
            "shared count"
        );
        assert_eq!(q.counts.lock().unwrap().1.len(), MAX_ORIGINS + 1);
    }
}
