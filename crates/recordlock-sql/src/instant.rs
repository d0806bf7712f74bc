//! Datetime constants against `timestamp with time zone` columns, exactly.
//!
//! A column holds whole microseconds and no leap second; a constant may have nanoseconds
//! (`...:59.9999995Z`) or be a leap second (`23:59:60Z`), which chrono orders after every
//! instant of the second before it and before the next minute. Against the values a column
//! can hold, such a constant sits strictly between two neighbouring microseconds, so each
//! comparison becomes an exact one with the microsecond below it ([`Bound::JustAfter`]).

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

/// A constant as seen from a column of whole microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Exactly this microsecond.
    Exact(DateTime<Utc>),
    /// After this microsecond and before the next one: equal to no column value.
    JustAfter(DateTime<Utc>),
}

impl Bound {
    /// The bound of `t`, or `None` when PostgreSQL cannot hold the microsecond (never for a
    /// four-digit year).
    pub fn of(t: &DateTime<FixedOffset>) -> Option<Bound> {
        let utc = t.with_timezone(&Utc);
        let nanos = utc.timestamp_subsec_nanos();
        if nanos >= 1_000_000_000 {
            // A leap second: after the last microsecond of the second it extends.
            let second = DateTime::from_timestamp(utc.timestamp(), 0)?;
            return Some(Bound::JustAfter(second + TimeDelta::microseconds(999_999)));
        }
        let micros = DateTime::from_timestamp_micros(utc.timestamp_micros())?;
        Some(if nanos.is_multiple_of(1000) { Bound::Exact(micros) } else { Bound::JustAfter(micros) })
    }

    /// The microsecond the comparison is made against.
    pub fn micros(self) -> DateTime<Utc> {
        match self {
            Bound::Exact(t) | Bound::JustAfter(t) => t,
        }
    }
}

/// The first instant of calendar day `day` in the time zone `tz` (the instants of a day are
/// `[start(day), start(day + 1))`). `None` past chrono's range.
pub fn day_start(day: NaiveDate, tz: FixedOffset) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    let local = midnight.and_local_timezone(tz).single()?;
    Some(local.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn leap_seconds_and_nanoseconds_fall_between_microseconds() {
        let leap = Bound::of(&at("2016-12-31T23:59:60.5Z")).unwrap();
        assert_eq!(leap, Bound::JustAfter(at("2016-12-31T23:59:59.999999Z").with_timezone(&Utc)));
        let nanos = Bound::of(&at("2024-01-01T00:00:00.0000015Z")).unwrap();
        assert_eq!(nanos, Bound::JustAfter(at("2024-01-01T00:00:00.000001Z").with_timezone(&Utc)));
        let before_1970 = Bound::of(&at("1969-12-31T23:59:59.9999995Z")).unwrap();
        assert_eq!(before_1970, Bound::JustAfter(at("1969-12-31T23:59:59.999999Z").with_timezone(&Utc)));
        let exact = Bound::of(&at("2024-01-01T05:30:00+05:30")).unwrap();
        assert_eq!(exact, Bound::Exact(at("2024-01-01T00:00:00Z").with_timezone(&Utc)));
    }

    #[test]
    fn days_start_at_local_midnight() {
        let tz = FixedOffset::east_opt(19_800).unwrap();
        let d = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        assert_eq!(day_start(d, tz).unwrap(), at("2024-01-01T18:30:00Z").with_timezone(&Utc));
    }
}
