//! Sets of ordered values (numbers, dates, instants) as sorted unions of disjoint intervals.
//!
//! An [`IntervalSet`] is what a field's ordered conditions still allow of a non-empty value.
//! Every [`OrdTest`] is one such set, its negation the complement, and a conjunction the
//! intersection, so the set is exact: it is empty exactly when no value passes. On discrete
//! domains (whole numbers, calendar dates) bounds are tightened to inclusive ones, so that
//! `Count > 5 AND Count < 6` is empty on an integer field; instants and decimals are treated
//! as dense, which can only make a set look non-empty when it is not (silence, never a
//! false "never holds").

use std::cmp::Ordering;
use std::ops::Bound;

use crate::typed::OrdTest;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use rust_decimal::Decimal;

/// A value of an ordered domain.
pub(crate) trait Point: Ord + Clone {
    /// The tightest lower bound admitting the same domain values (`integral`: the domain is
    /// whole numbers).
    fn tighten_lower(bound: Bound<Self>, integral: bool) -> Bound<Self>;
    /// The tightest upper bound admitting the same domain values.
    fn tighten_upper(bound: Bound<Self>, integral: bool) -> Bound<Self>;
}

impl Point for Decimal {
    fn tighten_lower(bound: Bound<Decimal>, integral: bool) -> Bound<Decimal> {
        match bound {
            Bound::Included(x) if integral => Bound::Included(x.ceil()),
            Bound::Excluded(x) if integral => match x.floor().checked_add(Decimal::ONE) {
                Some(next) => Bound::Included(next),
                None => Bound::Excluded(x),
            },
            other => other,
        }
    }

    fn tighten_upper(bound: Bound<Decimal>, integral: bool) -> Bound<Decimal> {
        match bound {
            Bound::Included(x) if integral => Bound::Included(x.floor()),
            Bound::Excluded(x) if integral => match x.ceil().checked_sub(Decimal::ONE) {
                Some(previous) => Bound::Included(previous),
                None => Bound::Excluded(x),
            },
            other => other,
        }
    }
}

impl Point for NaiveDate {
    fn tighten_lower(bound: Bound<NaiveDate>, _: bool) -> Bound<NaiveDate> {
        match bound {
            Bound::Excluded(d) => d.succ_opt().map_or(Bound::Excluded(d), Bound::Included),
            other => other,
        }
    }

    fn tighten_upper(bound: Bound<NaiveDate>, _: bool) -> Bound<NaiveDate> {
        match bound {
            Bound::Excluded(d) => d.pred_opt().map_or(Bound::Excluded(d), Bound::Included),
            other => other,
        }
    }
}

impl Point for DateTime<FixedOffset> {
    fn tighten_lower(bound: Bound<Self>, _: bool) -> Bound<Self> {
        bound
    }

    fn tighten_upper(bound: Bound<Self>, _: bool) -> Bound<Self> {
        bound
    }
}

/// One interval; never empty inside an [`IntervalSet`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval<T> {
    lo: Bound<T>,
    hi: Bound<T>,
}

impl<T: Point> Interval<T> {
    fn tightened(self, integral: bool) -> Interval<T> {
        Interval { lo: T::tighten_lower(self.lo, integral), hi: T::tighten_upper(self.hi, integral) }
    }

    fn is_empty(&self) -> bool {
        match (&self.lo, &self.hi) {
            (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
            (Bound::Included(a), Bound::Included(b)) => a > b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => a >= b,
        }
    }

    fn intersect(&self, other: &Interval<T>) -> Interval<T> {
        let lo = if cmp_lower(&self.lo, &other.lo) == Ordering::Less { &other.lo } else { &self.lo };
        let hi = if cmp_upper(&self.hi, &other.hi) == Ordering::Greater { &other.hi } else { &self.hi };
        Interval { lo: lo.clone(), hi: hi.clone() }
    }
}

/// The values a field's ordered conditions allow: sorted, disjoint, non-empty intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IntervalSet<T> {
    items: Vec<Interval<T>>,
    integral: bool,
}

impl<T: Point> IntervalSet<T> {
    /// Every value of the domain.
    pub(crate) fn full(integral: bool) -> IntervalSet<T> {
        IntervalSet::from_sorted(vec![Interval { lo: Bound::Unbounded, hi: Bound::Unbounded }], integral)
    }

    /// The values that pass `test`.
    pub(crate) fn of_test(test: &OrdTest<T>, integral: bool) -> IntervalSet<T> {
        let point = |c: &T| Interval { lo: Bound::Included(c.clone()), hi: Bound::Included(c.clone()) };
        let items = match test {
            OrdTest::Equal(c) => vec![point(c)],
            // INVARIANT: `In` constants are sorted and deduplicated (typed.rs), so the points
            // are sorted and disjoint.
            OrdTest::In(set) => set.iter().map(point).collect(),
            OrdTest::Less(c) => vec![Interval { lo: Bound::Unbounded, hi: Bound::Excluded(c.clone()) }],
            OrdTest::LessEqual(c) => vec![Interval { lo: Bound::Unbounded, hi: Bound::Included(c.clone()) }],
            OrdTest::Greater(c) => vec![Interval { lo: Bound::Excluded(c.clone()), hi: Bound::Unbounded }],
            OrdTest::GreaterEqual(c) => vec![Interval { lo: Bound::Included(c.clone()), hi: Bound::Unbounded }],
            OrdTest::Between(lo, hi) => {
                vec![Interval { lo: Bound::Included(lo.clone()), hi: Bound::Included(hi.clone()) }]
            }
        };
        IntervalSet::from_sorted(items, integral)
    }

    /// Whether no value is left.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The values in both sets.
    pub(crate) fn intersect(&self, other: &IntervalSet<T>) -> IntervalSet<T> {
        // Both lists are sorted and disjoint, so the pairwise intersections come out sorted:
        // all of `a`'s pieces lie inside `a`, before the next interval of `self`.
        let mut items = Vec::new();
        for a in &self.items {
            for b in &other.items {
                let i = a.intersect(b);
                if !i.is_empty() {
                    items.push(i);
                }
            }
        }
        IntervalSet::from_sorted(items, self.integral || other.integral)
    }

    /// The values not in the set.
    pub(crate) fn complement(&self) -> IntervalSet<T> {
        let mut items = Vec::with_capacity(self.items.len() + 1);
        let mut lo = Bound::Unbounded;
        for it in &self.items {
            if let Some(hi) = flip(&it.lo) {
                items.push(Interval { lo, hi });
            }
            match flip(&it.hi) {
                Some(next) => lo = next,
                None => return IntervalSet::from_sorted(items, self.integral),
            }
        }
        items.push(Interval { lo, hi: Bound::Unbounded });
        IntervalSet::from_sorted(items, self.integral)
    }

    /// `items` (sorted and disjoint) tightened, without the empty ones.
    fn from_sorted(items: Vec<Interval<T>>, integral: bool) -> IntervalSet<T> {
        let items = items.into_iter().map(|i| i.tightened(integral)).filter(|i| !i.is_empty()).collect();
        IntervalSet { items, integral }
    }
}

impl IntervalSet<DateTime<FixedOffset>> {
    /// The instants whose calendar date in `tz` passes `test` (a date constant against a
    /// datetime field, SPEC.md §2 Dates). `None` when a day falls outside the representable
    /// range, in which case the caller learns nothing from the test.
    pub(crate) fn of_day_test(
        test: &OrdTest<NaiveDate>,
        tz: FixedOffset,
    ) -> Option<IntervalSet<DateTime<FixedOffset>>> {
        // Day `d` in `tz` is the instants [start(d), start(d + 1)).
        let start = |d: NaiveDate| tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).single();
        let from = |d: NaiveDate| start(d).map(Bound::Included);
        let until = |d: NaiveDate| match d.succ_opt() {
            Some(next) => start(next).map(Bound::Excluded),
            None => Some(Bound::Unbounded),
        };
        let after = |d: NaiveDate| match d.succ_opt() {
            Some(next) => start(next).map(Bound::Included),
            None => None,
        };
        let day = |d: NaiveDate| Some(Interval { lo: from(d)?, hi: until(d)? });
        let items = match test {
            OrdTest::Equal(d) => vec![day(*d)?],
            OrdTest::In(days) => days.iter().map(|d| day(*d)).collect::<Option<Vec<_>>>()?,
            OrdTest::Less(d) => vec![Interval { lo: Bound::Unbounded, hi: start(*d).map(Bound::Excluded)? }],
            OrdTest::LessEqual(d) => vec![Interval { lo: Bound::Unbounded, hi: until(*d)? }],
            OrdTest::Greater(d) => vec![Interval { lo: after(*d)?, hi: Bound::Unbounded }],
            OrdTest::GreaterEqual(d) => vec![Interval { lo: from(*d)?, hi: Bound::Unbounded }],
            OrdTest::Between(lo, hi) => vec![Interval { lo: from(*lo)?, hi: until(*hi)? }],
        };
        Some(IntervalSet::from_sorted(items, false))
    }
}

/// The bound on the other side of a boundary: the complement's upper bound for a lower
/// bound, and the other way round. `None` for an unbounded side (nothing lies beyond it).
fn flip<T: Clone>(b: &Bound<T>) -> Option<Bound<T>> {
    match b {
        Bound::Included(x) => Some(Bound::Excluded(x.clone())),
        Bound::Excluded(x) => Some(Bound::Included(x.clone())),
        Bound::Unbounded => None,
    }
}

/// Orders lower bounds by how much they exclude: unbounded first; at one value, inclusive
/// before exclusive.
fn cmp_lower<T: Ord>(a: &Bound<T>, b: &Bound<T>) -> Ordering {
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Less,
        (_, Bound::Unbounded) => Ordering::Greater,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            x.cmp(y).then_with(|| exclusive(a).cmp(&exclusive(b)))
        }
    }
}

/// Orders upper bounds by how much they admit: at one value, exclusive before inclusive;
/// unbounded last.
fn cmp_upper<T: Ord>(a: &Bound<T>, b: &Bound<T>) -> Ordering {
    match (a, b) {
        (Bound::Unbounded, Bound::Unbounded) => Ordering::Equal,
        (Bound::Unbounded, _) => Ordering::Greater,
        (_, Bound::Unbounded) => Ordering::Less,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            x.cmp(y).then_with(|| exclusive(b).cmp(&exclusive(a)))
        }
    }
}

fn exclusive<T>(b: &Bound<T>) -> bool {
    matches!(b, Bound::Excluded(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SortedSet;

    fn d(n: i64) -> Decimal {
        Decimal::from(n)
    }

    fn set(test: OrdTest<Decimal>, integral: bool) -> IntervalSet<Decimal> {
        IntervalSet::of_test(&test, integral)
    }

    #[test]
    fn contradictory_bounds_are_empty() {
        let gt = set(OrdTest::Greater(d(100)), false);
        let lt = set(OrdTest::Less(d(50)), false);
        assert!(gt.intersect(&lt).is_empty());
        let ge = set(OrdTest::GreaterEqual(d(50)), false);
        let le = set(OrdTest::LessEqual(d(50)), false);
        assert!(!ge.intersect(&le).is_empty(), "exactly 50 is left");
        let gt50 = set(OrdTest::Greater(d(50)), false);
        assert!(gt50.intersect(&le).is_empty());
    }

    #[test]
    fn between_a_point_and_not_equal_it_is_empty() {
        let between = set(OrdTest::Between(d(5), d(5)), false);
        let not_five = set(OrdTest::Equal(d(5)), false).complement();
        assert!(between.intersect(&not_five).is_empty());
        assert!(set(OrdTest::In(SortedSet::default()), false).is_empty());
        assert!(!set(OrdTest::In(SortedSet::default()), false).complement().is_empty());
    }

    /// Dense decimals keep the gap between 5 and 6; whole numbers do not.
    #[test]
    fn whole_numbers_are_discrete() {
        let gap = |integral| set(OrdTest::Greater(d(5)), integral).intersect(&set(OrdTest::Less(d(6)), integral));
        assert!(!gap(false).is_empty());
        assert!(gap(true).is_empty());
        let half = Decimal::new(55, 1);
        assert!(set(OrdTest::Equal(half), true).is_empty(), "no whole number equals 5.5");
        assert!(!set(OrdTest::Equal(half), false).is_empty());
    }

    #[test]
    fn complement_is_exact() {
        let s = set(OrdTest::In(SortedSet::new(vec![d(1), d(3)])), true);
        let c = s.complement();
        assert!(c.intersect(&s).is_empty());
        assert!(!c.intersect(&set(OrdTest::Equal(d(2)), true)).is_empty());
        assert_eq!(c.complement(), s);
        assert!(IntervalSet::<Decimal>::full(false).complement().is_empty());
    }

    #[test]
    fn dates_are_discrete() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let after = IntervalSet::of_test(&OrdTest::Greater(day("2024-01-01")), false);
        let before = IntervalSet::of_test(&OrdTest::Less(day("2024-01-02")), false);
        assert!(after.intersect(&before).is_empty());
    }

    /// A date constant against a datetime field covers the whole day in the time zone.
    #[test]
    fn days_of_instants_follow_the_time_zone() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let ist = FixedOffset::east_opt(19_800).unwrap();
        let on_day = IntervalSet::of_day_test(&OrdTest::Equal(day), ist).unwrap();
        let instant = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let at = |s: &str| IntervalSet::of_test(&OrdTest::Equal(instant(s)), false);
        assert!(!on_day.intersect(&at("2023-12-31T18:30:00Z")).is_empty());
        assert!(on_day.intersect(&at("2023-12-31T18:29:59Z")).is_empty());
        assert!(on_day.intersect(&at("2024-01-01T18:30:00Z")).is_empty());
    }
}
