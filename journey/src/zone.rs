//! The support team's time zone, without shipping a time-zone database.
//!
//! The widget runs in the browser, where bundling the IANA database costs ~145 KB of
//! brotli wasm for the one zone a vendor configures. So a policy's zone is resolved from
//! its *rules*: a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3` (the same string
//! the IANA database ends each zone with, describing its current and future transitions).
//! The rules come from the policy (`time_zone_rules`) or, when the vendor gave only a
//! name, from the browser, which has the whole database behind `Intl`:
//! [`posix_rules`] probes a zone's UTC offset through one year and writes the rules that
//! reproduce it. Native builds (tests, tools) may still look names up in jiff's database.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// Probing steps through the year this far apart; real zones change offset at most a few
/// times a year and never twice within days, so no change is stepped over.
const PROBE_STEP_SECONDS: i64 = 4 * 24 * 3600;

/// Resolves a zone: its POSIX rules when given, else its name in jiff's database (absent
/// from the widget's build, which then fills in the rules from the browser first).
pub fn resolve(name: &str, rules: Option<&str>) -> Result<TimeZone, String> {
    if let Some(rules) = rules {
        return TimeZone::posix(rules.trim()).map_err(|e| {
            format!("{rules:?} is not a POSIX TZ string like CET-1CEST,M3.5.0,M10.5.0/3: {e}")
        });
    }
    if name.eq_ignore_ascii_case("UTC") || name.eq_ignore_ascii_case("Etc/UTC") {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name).map_err(|_| {
        format!("{name:?} is not an IANA time zone like Europe/Berlin (or its rules are unknown here: give time_zone_rules)")
    })
}

/// The POSIX TZ rules that reproduce a zone's offsets in `year`, probed through
/// `offset_at` (seconds east of UTC at an instant; `None` when the zone is unknown).
/// `abbreviation_at` names the local time at an instant (`CET`); names POSIX cannot
/// carry are replaced by the offset (`+01`). `None` when the zone is unknown or changes
/// offset other than into and out of one daylight-saving period a year (a permanent
/// change of standard time, which a rule cannot say).
pub fn posix_rules(
    year: i16,
    mut offset_at: impl FnMut(Timestamp) -> Option<i32>,
    mut abbreviation_at: impl FnMut(Timestamp) -> Option<String>,
) -> Option<String> {
    let start = DateTime::new(year, 1, 1, 0, 0, 0, 0)
        .ok()?
        .to_zoned_datetime(TimeZone::UTC)
        .ok()?
        .timestamp();
    let end = DateTime::new(year + 1, 1, 1, 0, 0, 0, 0)
        .ok()?
        .to_zoned_datetime(TimeZone::UTC)
        .ok()?
        .timestamp();
    let at = |s: i64| Timestamp::from_second(s).ok();

    // Each change of offset: (instant of the change, offset before, offset after).
    let mut changes = Vec::new();
    let (mut t, mut offset) = (start.as_second(), offset_at(start)?);
    while t < end.as_second() {
        let next = (t + PROBE_STEP_SECONDS).min(end.as_second());
        let next_offset = offset_at(at(next)?)?;
        if next_offset != offset {
            // Bisect to the second: `lo` still has the old offset, `hi` the new one.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(at(mid)?)? == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            changes.push((at(hi)?, offset, next_offset));
        }
        (t, offset) = (next, next_offset);
    }

    let name = |at: Timestamp,
                offset: i32,
                abbreviation_at: &mut dyn FnMut(Timestamp) -> Option<String>| {
        abbreviation_at(at)
            .filter(|a| {
                a.len() >= 3
                    && a.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
            })
            .unwrap_or_else(|| numeric_name(offset))
    };
    match changes.as_slice() {
        [] => Some(format!(
            "{}{}",
            quoted(&name(start, offset, &mut abbreviation_at)),
            posix_offset(offset)
        )),
        [(a, a_before, a_after), (b, b_before, b_after)]
            if a_before == b_after && a_after == b_before =>
        {
            // Standard time is the smaller offset; in the southern hemisphere the year
            // starts in daylight-saving time, so the change into it comes second.
            let (into_dst, out_of_dst) = if a_after > a_before { (a, b) } else { (b, a) };
            let (std, dst) = ((*a_before).min(*a_after), (*a_before).max(*a_after));
            let std_name = name(*out_of_dst, std, &mut abbreviation_at);
            let dst_name = name(*into_dst, dst, &mut abbreviation_at);
            let mut rules = format!(
                "{}{}{}",
                quoted(&std_name),
                posix_offset(std),
                quoted(&dst_name)
            );
            if dst - std != 3600 {
                rules.push_str(&posix_offset(dst));
            }
            // POSIX gives each change as the local time in effect before it.
            rules.push_str(&transition_rule(*into_dst, std)?);
            rules.push_str(&transition_rule(*out_of_dst, dst)?);
            Some(rules)
        }
        _ => None,
    }
}

/// Seconds east of UTC from a `GMT+01:00`-style offset (`Intl`'s `longOffset` zone
/// name; plain `GMT` is UTC).
pub fn parse_gmt_offset(text: &str) -> Option<i32> {
    let rest = text.strip_prefix("GMT")?;
    if rest.is_empty() {
        return Some(0);
    }
    // Some locales write the minus sign as U+2212.
    let minus = rest
        .strip_prefix('-')
        .or_else(|| rest.strip_prefix('\u{2212}'));
    let (sign, rest) = match (rest.strip_prefix('+'), minus) {
        (Some(rest), _) => (1, rest),
        (_, Some(rest)) => (-1, rest),
        _ => return None,
    };
    let mut parts = rest.split(':').map(|p| p.parse::<i32>().ok());
    let h = parts.next()??;
    let m = parts.next().unwrap_or(Some(0))?;
    let s = parts.next().unwrap_or(Some(0))?;
    Some(sign * (h * 3600 + m * 60 + s))
}

/// `,Mm.w.d[/time]`: the change at `at`, written as "the w-th (5: last) weekday d of month
/// m" at the local wall-clock time before the change (offset `before`).
fn transition_rule(at: Timestamp, before: i32) -> Option<String> {
    let local = at
        .to_zoned_datetime(TimeZone::fixed(Offset::from_seconds(before).ok()?))
        .datetime();
    let date = local.date();
    let week = if date.day() + 7 > date.days_in_month() {
        5
    } else {
        (date.day() - 1) / 7 + 1
    };
    let seconds =
        i32::from(local.hour()) * 3600 + i32::from(local.minute()) * 60 + i32::from(local.second());
    let mut rule = format!(
        ",M{}.{}.{}",
        date.month(),
        week,
        date.weekday().to_sunday_zero_offset()
    );
    if seconds != 7200 {
        rule.push('/');
        rule.push_str(&clock(seconds));
    }
    Some(rule)
}

/// POSIX offsets count westward: UTC+1 is `-1`, UTC-3:30 is `3:30`.
fn posix_offset(seconds_east: i32) -> String {
    let west = -seconds_east;
    let sign = if west < 0 { "-" } else { "" };
    format!("{sign}{}", clock(west.abs()))
}

/// `h`, `h:mm` or `h:mm:ss`, as short as exact.
fn clock(seconds: i32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (m, s) {
        (0, 0) => format!("{h}"),
        (_, 0) => format!("{h}:{m:02}"),
        _ => format!("{h}:{m:02}:{s:02}"),
    }
}

/// The IANA database's name for an unnamed offset: `+01`, `-0330`.
fn numeric_name(seconds_east: i32) -> String {
    let sign = if seconds_east < 0 { '-' } else { '+' };
    let (h, m) = (seconds_east.abs() / 3600, seconds_east.abs() / 60 % 60);
    if m == 0 {
        format!("{sign}{h:02}")
    } else {
        format!("{sign}{h:02}{m:02}")
    }
}

/// Names other than letters only are quoted: `<+01>`.
fn quoted(name: &str) -> String {
    if name.bytes().all(|b| b.is_ascii_alphabetic()) {
        name.to_string()
    } else {
        format!("<{name}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules derived by probing the database's own zone, as the widget probes Intl.
    fn derived(name: &str, year: i16) -> String {
        let zone = TimeZone::get(name).unwrap();
        posix_rules(
            year,
            |t| Some(zone.to_offset(t).seconds()),
            |t| Some(zone.to_offset_info(t).abbreviation().to_string()),
        )
        .unwrap_or_else(|| panic!("{name}: no rules derived"))
    }

    #[test]
    fn rules_derived_from_offsets_match_the_databases_own() {
        assert_eq!(derived("Europe/Berlin", 2026), "CET-1CEST,M3.5.0,M10.5.0/3");
        assert_eq!(derived("America/New_York", 2026), "EST5EDT,M3.2.0,M11.1.0");
        assert_eq!(
            derived("Australia/Sydney", 2026),
            "AEST-10AEDT,M10.1.0,M4.1.0/3"
        );
        assert_eq!(
            derived("America/St_Johns", 2026),
            "NST3:30NDT,M3.2.0,M11.1.0"
        );
        assert_eq!(derived("Asia/Tokyo", 2026), "JST-9");
        assert_eq!(derived("Asia/Kolkata", 2026), "IST-5:30");
        assert_eq!(derived("America/Sao_Paulo", 2026), "<-03>3");
        assert_eq!(
            derived("Australia/Lord_Howe", 2026),
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"
        );
    }

    #[test]
    fn derived_rules_give_the_databases_offsets_hour_by_hour_for_two_years() {
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Sydney",
            "America/St_Johns",
            "Europe/Dublin",
            "Pacific/Auckland",
            "America/Santiago",
            "Asia/Kolkata",
        ] {
            let zone = TimeZone::get(name).unwrap();
            let rules = TimeZone::posix(&derived(name, 2026)).unwrap();
            let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
            for hour in 0..2 * 366 * 24 {
                let t = Timestamp::from_second(start.as_second() + hour * 3600).unwrap();
                assert_eq!(rules.to_offset(t), zone.to_offset(t), "{name} at {t}");
            }
        }
    }

    #[test]
    fn names_posix_cannot_carry_become_offsets() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let rules = posix_rules(
            2026,
            |t| Some(berlin.to_offset(t).seconds()),
            |_| Some("GMT 1".into()),
        );
        assert_eq!(rules.as_deref(), Some("<+01>-1<+02>,M3.5.0,M10.5.0/3"));
        // An unknown zone has no rules.
        assert_eq!(posix_rules(2026, |_| None, |_| None), None);
    }

    #[test]
    fn intl_long_offsets_parse() {
        assert_eq!(parse_gmt_offset("GMT"), Some(0));
        assert_eq!(parse_gmt_offset("GMT+01:00"), Some(3600));
        assert_eq!(parse_gmt_offset("GMT-03:30"), Some(-12600));
        assert_eq!(parse_gmt_offset("GMT+05:45"), Some(20700));
        assert_eq!(parse_gmt_offset("CET"), None);
        assert_eq!(parse_gmt_offset("GMT+x"), None);
        assert_eq!(parse_gmt_offset("GMT\u{2212}01:00"), Some(-3600));
    }

    #[test]
    fn given_rules_are_used_and_bad_ones_are_named() {
        let zone = resolve("Europe/Berlin", Some("CET-1CEST,M3.5.0,M10.5.0/3")).unwrap();
        let summer: Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(zone.to_offset(summer).seconds(), 7200);
        assert_eq!(zone.to_offset_info(summer).abbreviation(), "CEST");
        let e = resolve("Europe/Berlin", Some("Berlin time")).unwrap_err();
        assert!(
            e.contains("\"Berlin time\" is not a POSIX TZ string"),
            "{e}"
        );
        assert!(resolve("UTC", None).is_ok());
    }
}
