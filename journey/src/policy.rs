//! The vendor's support policy and the reply expectation it implies *right now*.
//!
//! A policy names a time zone, weekly opening hours, holidays and a response target per
//! plan ("4h" of business time). [`SupportSchedule`] is the checked form of it: it answers
//! whether support is open at an instant, when it next opens, and by when a reply can be
//! expected, counting only business time. All calendar arithmetic is done in the support
//! team's zone with jiff, so days that are 23 or 25 hours long around a DST change, week-
//! ends and holidays come out right; instants are compared as UTC timestamps.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

/// How far ahead the schedule looks for an opening before giving up (a policy with no
/// hours at all, or only holidays).
const HORIZON_DAYS: usize = 400;

/// The support policy as the vendor writes it in the widget's configuration.
///
/// ```json
/// { "time_zone": "Europe/Berlin",
///   "hours": { "mon-fri": "09:00-17:00", "sat": "10:00-14:00" },
///   "holidays": ["2026-12-25"],
///   "response_targets": { "default": "4h", "premium": "1h" },
///   "covers": "Questions about Tallyboard; not your own spreadsheets." }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportPolicy {
    /// IANA time zone of the support team, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The zone's rules as a POSIX TZ string, e.g. `CET-1CEST,M3.5.0,M10.5.0/3` (the last
    /// line of its file in the IANA database). Optional: the widget carries no time-zone
    /// database and, without them, asks the browser for the named zone's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone_rules: Option<String>,
    /// Opening hours per day (`mon`…`sun`) or day range (`mon-fri`): comma-separated
    /// `HH:MM-HH:MM` intervals, `closed`, or `24h`. Days not named are closed.
    pub hours: BTreeMap<String, String>,
    /// Dates (in the support zone) on which support is closed all day.
    #[serde(default)]
    pub holidays: Vec<Date>,
    /// Business time to a first reply, per plan; `default` applies when the customer's
    /// plan is unknown or not listed. Durations like `4h`, `30m`, `1h 30m`.
    #[serde(default)]
    pub response_targets: BTreeMap<String, String>,
    /// What support covers, in the vendor's words (shown on the form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<String>,
}

/// A policy the schedule cannot use; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("support policy: {field}: {message}")]
pub struct PolicyError {
    /// The offending field, e.g. `hours.mon-fri`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn policy_error(field: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError {
        field: field.into(),
        message: message.into(),
    }
}

/// One opening interval within a day; `end` of `None` means midnight at the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    start: Time,
    end: Option<Time>,
}

/// A checked [`SupportPolicy`], ready for arithmetic.
#[derive(Debug, Clone)]
pub struct SupportSchedule {
    zone: TimeZone,
    /// Index 0 is Monday.
    week: [Vec<Interval>; 7],
    holidays: Vec<Date>,
    targets: BTreeMap<String, SignedDuration>,
    covers: Option<String>,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(name: &str) -> Option<usize> {
    let name = name.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| name.starts_with(d) && name.len() >= 3)
}

fn parse_days(key: &str) -> Option<Vec<usize>> {
    match key.split_once('-') {
        None => day_index(key).map(|d| vec![d]),
        Some((from, to)) => {
            let (from, to) = (day_index(from)?, day_index(to)?);
            // "fri-mon" wraps over the weekend.
            let len = (to + 7 - from) % 7 + 1;
            Some((0..len).map(|i| (from + i) % 7).collect())
        }
    }
}

fn parse_intervals(field: &str, spec: &str) -> Result<Vec<Interval>, PolicyError> {
    let spec = spec.trim();
    if spec.eq_ignore_ascii_case("closed") || spec.is_empty() {
        return Ok(Vec::new());
    }
    if spec.eq_ignore_ascii_case("24h") {
        return Ok(vec![Interval {
            start: Time::midnight(),
            end: None,
        }]);
    }
    let mut intervals = Vec::new();
    for part in spec.split(',') {
        let (a, b) = part.trim().split_once('-').ok_or_else(|| {
            policy_error(
                field,
                format!("{part:?} is not an interval like 09:00-17:00"),
            )
        })?;
        let parse = |s: &str| -> Result<Option<Time>, PolicyError> {
            let s = s.trim();
            if s == "24:00" {
                return Ok(None);
            }
            s.parse::<Time>()
                .map(Some)
                .map_err(|_| policy_error(field, format!("{s:?} is not a time like 09:00")))
        };
        let start =
            parse(a)?.ok_or_else(|| policy_error(field, "an interval cannot start at 24:00"))?;
        let end = parse(b)?;
        if end.is_some_and(|end| end <= start) {
            return Err(policy_error(
                field,
                format!("{part:?} ends before it starts (write overnight hours as two days)"),
            ));
        }
        intervals.push(Interval { start, end });
    }
    intervals.sort_by_key(|i| i.start);
    for pair in intervals.windows(2) {
        if pair[0].end.is_none_or(|end| end > pair[1].start) {
            return Err(policy_error(field, "intervals overlap"));
        }
    }
    Ok(intervals)
}

impl SupportPolicy {
    /// Checks the policy and turns it into a schedule.
    pub fn schedule(&self) -> Result<SupportSchedule, PolicyError> {
        let rules = self.time_zone_rules.as_deref();
        let zone = crate::zone::resolve(&self.time_zone, rules).map_err(|message| {
            let field = if rules.is_some() {
                "time_zone_rules"
            } else {
                "time_zone"
            };
            policy_error(field, message)
        })?;
        let mut week: [Vec<Interval>; 7] = Default::default();
        let mut named = [false; 7];
        for (key, spec) in &self.hours {
            let field = format!("hours.{key}");
            let days = parse_days(key).ok_or_else(|| {
                policy_error(&field, "is not a day (mon…sun) or a range like mon-fri")
            })?;
            let intervals = parse_intervals(&field, spec)?;
            for d in days {
                if named[d] {
                    return Err(policy_error(&field, format!("{} is named twice", DAYS[d])));
                }
                named[d] = true;
                week[d] = intervals.clone();
            }
        }
        let mut targets = BTreeMap::new();
        for (plan, spec) in &self.response_targets {
            let field = format!("response_targets.{plan}");
            let d: SignedDuration = spec.trim().parse().map_err(|_| {
                policy_error(&field, format!("{spec:?} is not a duration like 4h or 30m"))
            })?;
            if d.is_negative() {
                return Err(policy_error(&field, "must not be negative"));
            }
            targets.insert(plan.clone(), d);
        }
        let mut holidays = self.holidays.clone();
        holidays.sort();
        Ok(SupportSchedule {
            zone,
            week,
            holidays,
            targets,
            covers: self.covers.clone(),
        })
    }
}

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

/// When a reply can be expected, computed for one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The instant it was computed for, in the support zone.
    pub now: ZonedDateTime,
    /// Whether support is working at `now`.
    pub open_now: bool,
    /// When support next opens, if it is closed now.
    pub opens_at: Option<ZonedDateTime>,
    /// The latest a first reply is expected, if the policy has a response target.
    pub reply_by: Option<ZonedDateTime>,
}

impl SupportSchedule {
    /// The support team's time zone.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// What support covers, in the vendor's words.
    pub fn covers(&self) -> Option<&str> {
        self.covers.as_deref()
    }

    fn is_holiday(&self, date: Date) -> bool {
        self.holidays.binary_search(&date).is_ok()
    }

    /// The opening intervals of `date` as UTC instants (empty on holidays and closed days).
    fn intervals_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.is_holiday(date) {
            return Vec::new();
        }
        let at = |d: Date, t: Time| -> Option<Timestamp> {
            // Compatible disambiguation: a time skipped by DST moves forward, a repeated one
            // takes its first occurrence.
            d.to_datetime(t)
                .to_zoned_datetime(self.zone.clone())
                .ok()
                .map(|z| z.timestamp())
        };
        self.week[weekday_index(date.weekday())]
            .iter()
            .filter_map(|i| {
                let start = at(date, i.start)?;
                let end = match i.end {
                    Some(end) => at(date, end)?,
                    None => at(date.tomorrow().ok()?, Time::midnight())?,
                };
                (end > start).then_some((start, end))
            })
            .collect()
    }

    /// Walks the opening intervals that end after `from`, in order, clipped to start no
    /// earlier than `from`.
    fn open_spans(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first = from.to_zoned_datetime(self.zone.clone()).date();
        // Start a day early: an interval of yesterday can run past midnight (24:00 end).
        let start_day = first.yesterday().unwrap_or(first);
        (0..HORIZON_DAYS)
            .scan(Some(start_day), |day, _| {
                let d = (*day)?;
                *day = d.tomorrow().ok();
                Some(d)
            })
            .flat_map(move |d| self.intervals_on(d))
            .filter(move |&(_, end)| end > from)
            .map(move |(start, end)| (start.max(from), end))
    }

    /// Whether support is working at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.open_spans(at)
            .next()
            .is_some_and(|(start, _)| start == at)
    }

    /// The next instant at or after `at` when support is working.
    pub fn next_opening(&self, at: Timestamp) -> Option<ZonedDateTime> {
        self.open_spans(at)
            .next()
            .map(|(start, _)| start.to_zoned_datetime(self.zone.clone()))
    }

    /// The instant `business` of working time after `at`, skipping closed hours.
    pub fn add_business_time(
        &self,
        at: Timestamp,
        business: SignedDuration,
    ) -> Option<ZonedDateTime> {
        let mut remaining = business;
        for (start, end) in self.open_spans(at) {
            let available = end.duration_since(start);
            if available >= remaining {
                let due = start.checked_add(remaining).ok()?;
                return Some(due.to_zoned_datetime(self.zone.clone()));
            }
            remaining -= available;
        }
        None
    }

    /// The response target for `plan` (falling back to `default`).
    pub fn target(&self, plan: Option<&str>) -> Option<SignedDuration> {
        plan.and_then(|p| self.targets.get(p))
            .or_else(|| self.targets.get("default"))
            .copied()
    }

    /// When a customer on `plan` who asks at `now` can expect a reply.
    pub fn expectation(&self, now: Timestamp, plan: Option<&str>) -> Expectation {
        let open_now = self.is_open(now);
        Expectation {
            now: now.to_zoned_datetime(self.zone.clone()),
            open_now,
            opens_at: if open_now {
                None
            } else {
                self.next_opening(now)
            },
            reply_by: self
                .target(plan)
                .and_then(|t| self.add_business_time(now, t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> SupportSchedule {
        SupportPolicy {
            time_zone: "Europe/Berlin".into(),
            time_zone_rules: None,
            hours: [("mon-fri".to_string(), "09:00-17:00".to_string())].into(),
            holidays: vec!["2026-12-25".parse().unwrap(), "2026-12-24".parse().unwrap()],
            response_targets: [
                ("default".to_string(), "4h".to_string()),
                ("premium".to_string(), "1h".to_string()),
            ]
            .into(),
            covers: None,
        }
        .schedule()
        .unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn local(z: &ZonedDateTime) -> String {
        z.strftime("%a %Y-%m-%d %H:%M %Z").to_string()
    }

    #[test]
    fn inside_hours_the_reply_is_due_within_the_day() {
        let s = berlin();
        // Monday 23 Nov 2026 10:00 CET = 09:00 UTC.
        let e = s.expectation(ts("2026-11-23T09:00:00Z"), None);
        assert!(e.open_now);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-11-23 14:00 CET"
        );
        let e = s.expectation(ts("2026-11-23T09:00:00Z"), Some("premium"));
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-11-23 11:00 CET"
        );
        // An unknown plan falls back to the default target.
        let e = s.expectation(ts("2026-11-23T09:00:00Z"), Some("bronze"));
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-11-23 14:00 CET"
        );
    }

    #[test]
    fn the_target_carries_over_closing_time() {
        let s = berlin();
        // Monday 15:30 CET: 1.5 h today, 2.5 h from Tuesday 09:00.
        let e = s.expectation(ts("2026-11-23T14:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Tue 2026-11-24 11:30 CET"
        );
    }

    #[test]
    fn over_the_weekend_it_waits_for_monday() {
        let s = berlin();
        // Friday 27 Nov 18:00 CET.
        let e = s.expectation(ts("2026-11-27T17:00:00Z"), None);
        assert!(!e.open_now);
        assert_eq!(
            local(e.opens_at.as_ref().unwrap()),
            "Mon 2026-11-30 09:00 CET"
        );
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-11-30 13:00 CET"
        );
        // Before opening on a weekday.
        let e = s.expectation(ts("2026-11-24T06:00:00Z"), None);
        assert!(!e.open_now);
        assert_eq!(
            local(e.opens_at.as_ref().unwrap()),
            "Tue 2026-11-24 09:00 CET"
        );
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Tue 2026-11-24 13:00 CET"
        );
    }

    #[test]
    fn holidays_are_skipped() {
        let s = berlin();
        // Wednesday 23 Dec 2026 16:00 CET: 1 h left that day; 24th (Thu) and 25th (Fri) are
        // holidays, then the weekend; 3 h more on Monday 28th.
        let e = s.expectation(ts("2026-12-23T15:00:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-12-28 12:00 CET"
        );
        // On the holiday itself, support is closed.
        assert!(!s.is_open(ts("2026-12-24T10:00:00Z")));
    }

    #[test]
    fn business_time_is_elapsed_time_across_dst_changes() {
        let s = SupportPolicy {
            time_zone: "Europe/Berlin".into(),
            time_zone_rules: None,
            hours: [("mon-sun".to_string(), "24h".to_string())].into(),
            holidays: vec![],
            response_targets: [("default".to_string(), "4h".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap();
        // Sunday 29 Mar 2026 00:30 CET; clocks jump 02:00 → 03:00. Four real hours later the
        // wall clock reads 05:30 CEST.
        let e = s.expectation(ts("2026-03-28T23:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-03-29 05:30 CEST"
        );
        // And back in October: 01:30 CEST + 4 h = 04:30 CET (02:00–03:00 happens twice).
        let e = s.expectation(ts("2026-10-24T23:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-10-25 04:30 CET"
        );
    }

    /// A schedule whose zone comes from its POSIX rules alone, as in the widget (which has
    /// no time-zone database); the name is one the database does not know.
    fn by_rules(rules: &str, hours: &str, target: &str) -> SupportSchedule {
        SupportPolicy {
            time_zone: "Support/Team".into(),
            time_zone_rules: Some(rules.into()),
            hours: [("mon-sun".to_string(), hours.to_string())].into(),
            holidays: vec![],
            response_targets: [("default".to_string(), target.to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap()
    }

    #[test]
    fn zone_rules_alone_carry_the_dst_changes() {
        let s = by_rules("CET-1CEST,M3.5.0,M10.5.0/3", "24h", "4h");
        // The same instants as with the database's Europe/Berlin: spring forward…
        let e = s.expectation(ts("2026-03-28T23:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-03-29 05:30 CEST"
        );
        // …and fall back, in 2026 and (rules, not a table) in 2027.
        let e = s.expectation(ts("2026-10-24T23:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-10-25 04:30 CET"
        );
        let e = s.expectation(ts("2027-10-30T23:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2027-10-31 04:30 CET"
        );
        // Opening hours keep their wall-clock times across the change: 09:00 CET before,
        // 09:00 CEST (an hour earlier in UTC) after.
        let s = by_rules("CET-1CEST,M3.5.0,M10.5.0/3", "09:00-17:00", "1h");
        let e = s.expectation(ts("2026-03-28T17:00:00Z"), None); // Sat 18:00 CET
        assert_eq!(
            local(e.opens_at.as_ref().unwrap()),
            "Sun 2026-03-29 09:00 CEST"
        );
        assert_eq!(e.opens_at.unwrap().timestamp(), ts("2026-03-29T07:00:00Z"));
        // Southern hemisphere: Sydney leaves DST on the first Sunday of April at 03:00.
        let s = by_rules("AEST-10AEDT,M10.1.0,M4.1.0/3", "24h", "2h");
        let e = s.expectation(ts("2026-04-04T15:30:00Z"), None); // Sun 02:30 AEDT
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-04-05 03:30 AEST"
        );
    }

    #[test]
    fn bad_zone_rules_are_named() {
        let e = SupportPolicy {
            time_zone: "Europe/Berlin".into(),
            time_zone_rules: Some("summer time".into()),
            hours: BTreeMap::new(),
            holidays: vec![],
            response_targets: BTreeMap::new(),
            covers: None,
        }
        .schedule()
        .unwrap_err();
        assert_eq!(e.field, "time_zone_rules");
    }

    #[test]
    fn a_workday_on_a_dst_day_keeps_its_wall_clock_hours() {
        let s = SupportPolicy {
            time_zone: "America/New_York".into(),
            time_zone_rules: None,
            hours: [("mon-sun".to_string(), "08:00-12:00".to_string())].into(),
            holidays: vec![],
            response_targets: [("default".to_string(), "6h".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap();
        // Saturday 7 Mar 2026 10:00 EST: 2 h left; Sunday 8 Mar (DST starts 02:00) 08:00 EDT
        // + 4 h = 12:00 EDT.
        let e = s.expectation(ts("2026-03-07T15:00:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Sun 2026-03-08 12:00 EDT"
        );
    }

    #[test]
    fn split_days_and_ranges_that_wrap() {
        let s = SupportPolicy {
            time_zone: "Asia/Tokyo".into(),
            time_zone_rules: None,
            hours: [
                (
                    "sun-thu".to_string(),
                    "09:00-12:00, 13:00-18:00".to_string(),
                ),
                ("fri".to_string(), "closed".to_string()),
            ]
            .into(),
            holidays: vec![],
            response_targets: [("default".to_string(), "1h 30m".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap();
        // Monday 23 Nov 2026 11:30 JST: 30 min before lunch, 1 h after.
        let e = s.expectation(ts("2026-11-23T02:30:00Z"), None);
        assert_eq!(
            local(e.reply_by.as_ref().unwrap()),
            "Mon 2026-11-23 14:00 JST"
        );
        // Lunch is closed; Friday and Saturday are closed, Sunday opens.
        assert!(!s.is_open(ts("2026-11-23T03:30:00Z")));
        let e = s.expectation(ts("2026-11-27T01:00:00Z"), None); // Fri 10:00 JST
        assert_eq!(
            local(e.opens_at.as_ref().unwrap()),
            "Sun 2026-11-29 09:00 JST"
        );
    }

    #[test]
    fn bad_policies_name_the_field() {
        let base = SupportPolicy {
            time_zone: "Europe/Berlin".into(),
            time_zone_rules: None,
            hours: BTreeMap::new(),
            holidays: vec![],
            response_targets: BTreeMap::new(),
            covers: None,
        };
        let with = |f: &dyn Fn(&mut SupportPolicy)| {
            let mut p = base.clone();
            f(&mut p);
            p.schedule().unwrap_err().field
        };
        assert_eq!(with(&|p| p.time_zone = "Mars/Olympus".into()), "time_zone");
        assert_eq!(
            with(&|p| {
                p.hours.insert("funday".into(), "09:00-17:00".into());
            }),
            "hours.funday"
        );
        assert_eq!(
            with(&|p| {
                p.hours.insert("mon".into(), "17:00-09:00".into());
            }),
            "hours.mon"
        );
        assert_eq!(
            with(&|p| {
                p.hours.insert("mon".into(), "9-5".into());
            }),
            "hours.mon"
        );
        assert_eq!(
            with(&|p| {
                p.hours.insert("mon-fri".into(), "09:00-17:00".into());
                p.hours.insert("fri".into(), "09:00-12:00".into());
            }),
            "hours.mon-fri"
        );
        assert_eq!(
            with(&|p| {
                p.response_targets.insert("default".into(), "soon".into());
            }),
            "response_targets.default"
        );
    }

    #[test]
    fn a_policy_with_no_hours_promises_nothing() {
        let s = SupportPolicy {
            time_zone: "UTC".into(),
            time_zone_rules: None,
            hours: BTreeMap::new(),
            holidays: vec![],
            response_targets: [("default".to_string(), "4h".to_string())].into(),
            covers: None,
        }
        .schedule()
        .unwrap();
        let e = s.expectation(ts("2026-11-23T09:00:00Z"), None);
        assert!(!e.open_now && e.opens_at.is_none() && e.reply_by.is_none());
    }
}
