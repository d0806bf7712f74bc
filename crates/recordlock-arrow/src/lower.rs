//! Leaves lowered to the column forms they run on: ordered tests on scaled integers, day
//! numbers and ticks become an integer range or set, with each constant rescaled once.
//!
//! A constant that falls between two representable column values is rounded the way that
//! keeps the comparison exact: `v < c` is `v < ceil(c)`, `v <= c` is `v <= floor(c)`, and
//! `v = c` never holds unless `c` is representable.

use chrono::{DateTime, FixedOffset, NaiveDate};
use recordlock::criteria::typed::{OrdTest, Test};
use rust_decimal::Decimal;

use crate::column::{Form, ticks_per_second};

/// An integer condition: an inclusive range or a sorted set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IntCond {
    /// `lo <= v && v <= hi`.
    Range(i128, i128),
    /// `v` is one of these (sorted).
    Set(Vec<i128>),
}

/// A constant placed among the integers: the nearest at or below, at or above, and whether
/// it is one of them.
#[derive(Debug, Clone, Copy)]
struct Placed {
    floor: i128,
    ceil: i128,
    exact: bool,
}

impl Placed {
    fn exact(n: i128) -> Placed {
        Placed { floor: n, ceil: n, exact: true }
    }
}

fn cond<T>(test: &OrdTest<T>, place: impl Fn(&T) -> Placed) -> IntCond {
    match test {
        OrdTest::Equal(c) => {
            let p = place(c);
            if p.exact { IntCond::Range(p.floor, p.floor) } else { IntCond::Set(Vec::new()) }
        }
        OrdTest::In(set) => {
            let mut v: Vec<i128> = set.iter().map(&place).filter(|p| p.exact).map(|p| p.floor).collect();
            v.sort_unstable();
            v.dedup();
            IntCond::Set(v)
        }
        OrdTest::Less(c) => IntCond::Range(i128::MIN, place(c).ceil.saturating_sub(1)),
        OrdTest::LessEqual(c) => IntCond::Range(i128::MIN, place(c).floor),
        OrdTest::Greater(c) => IntCond::Range(place(c).floor.saturating_add(1), i128::MAX),
        OrdTest::GreaterEqual(c) => IntCond::Range(place(c).ceil, i128::MAX),
        OrdTest::Between(lo, hi) => IntCond::Range(place(lo).ceil, place(hi).floor),
    }
}

/// `c × 10^scale` placed among the integers (saturating far outside any column's range).
fn place_decimal(c: &Decimal, scale: i8) -> Placed {
    let m = c.mantissa();
    let cs = i32::try_from(c.scale()).unwrap_or(0);
    let diff = i32::from(scale) - cs;
    if diff >= 0 {
        let mut n = m;
        for _ in 0..diff {
            n = match n.checked_mul(10) {
                Some(n) => n,
                // Beyond i128: beyond every column value too.
                None => {
                    let far = if m < 0 { i128::MIN } else { i128::MAX };
                    return Placed { floor: far, ceil: far, exact: false };
                }
            };
        }
        return Placed::exact(n);
    }
    let d = 10i128.checked_pow(diff.unsigned_abs()).unwrap_or(i128::MAX);
    let floor = m.div_euclid(d);
    let exact = m.rem_euclid(d) == 0;
    Placed { floor, ceil: if exact { floor } else { floor + 1 }, exact }
}

fn days(d: &NaiveDate) -> i128 {
    i128::from(d.signed_duration_since(NaiveDate::default()).num_days())
}

/// An instant placed among the ticks of a unit. A leap second (`23:59:60`) lies after every
/// tick of its minute's last second and before the next second.
fn place_instant(c: &DateTime<FixedOffset>, per_second: i128) -> Placed {
    let secs = i128::from(c.timestamp());
    let nanos = i128::from(c.timestamp_subsec_nanos());
    if nanos >= 1_000_000_000 {
        let next = (secs + 1) * per_second;
        return Placed { floor: next - 1, ceil: next, exact: false };
    }
    let per_tick = 1_000_000_000 / per_second;
    let n = secs * per_second + nanos / per_tick;
    let exact = nanos % per_tick == 0;
    Placed { floor: n, ceil: if exact { n } else { n + 1 }, exact }
}

/// A leaf's positive test, lowered for its column's form.
#[derive(Debug, Clone)]
pub(crate) enum Lowered {
    /// `IsEmpty` on a typed column: the value is null.
    IsNull,
    /// On scaled integers, day numbers or ticks.
    Int(IntCond),
    /// On the local day number of an instant (ticks), in a zone `offset` seconds east.
    Day { cond: IntCond, per_second: i128, offset: i128 },
    /// A boolean equals this.
    Bool(bool),
    /// Never holds (a test another form's column cannot pass).
    Never,
    /// Evaluated on [`recordlock::criteria::Value`]s or text: the test itself.
    General,
}

/// Lowers `test` for a column of `form`; `offset` is the evaluation time zone's offset in
/// seconds east of UTC.
pub(crate) fn lower(test: &Test, form: Form, offset: i32) -> Lowered {
    match (form, test) {
        (Form::Values | Form::Text, _) => Lowered::General,
        (_, Test::IsEmpty) => Lowered::IsNull,
        (Form::Scaled(scale), Test::Number(t)) => Lowered::Int(cond(t, |c| place_decimal(c, scale))),
        (Form::Date, Test::Date(t)) => Lowered::Int(cond(t, |d| Placed::exact(days(d)))),
        (Form::Timestamp(unit), Test::DateTime(t)) => {
            let per = ticks_per_second(unit);
            Lowered::Int(cond(t, |c| place_instant(c, per)))
        }
        (Form::Timestamp(unit), Test::DayOfDateTime(t)) => Lowered::Day {
            cond: cond(t, |d| Placed::exact(days(d))),
            per_second: ticks_per_second(unit),
            offset: i128::from(offset),
        },
        (Form::Boolean, Test::Bool(b)) => Lowered::Bool(*b),
        _ => Lowered::Never,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_rescale_exactly() {
        let c = Decimal::new(100010, 2); // 1000.10
        let p = place_decimal(&c, 1);
        assert_eq!((p.floor, p.ceil, p.exact), (10001, 10001, true));
        let c = Decimal::new(-15, 1); // -1.5
        let p = place_decimal(&c, 0);
        assert_eq!((p.floor, p.ceil, p.exact), (-2, -1, false));
        let c = Decimal::MAX;
        assert!(!place_decimal(&c, 28).exact);
    }
}
