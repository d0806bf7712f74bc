//! Ordered tests (numbers, dates, datetimes) with constants written in the column's own
//! units: decimals at the column's scale, instants in the timestamp's unit.
//!
//! A column holds integers on a grid (a `Decimal128(p, 2)` holds hundredths, a millisecond
//! timestamp milliseconds). A constant is placed on that grid as a [`Bound`]: exact, or
//! strictly between two neighbours. Comparisons then stay exact: `x < 1.005` on hundredths
//! is `x < 1.01` (the ceiling), `x <= 1.005` is `x <= 1.00` (the floor), and `x = 1.005` is
//! false. A constant beyond the column's range compares as every value does.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, TimeUnit, i256};
use datafusion::logical_expr::lit;
use datafusion::prelude::Expr;
use datafusion::scalar::ScalarValue;
use recordlock::criteria::EvalOptions;
use recordlock::criteria::typed::OrdTest;
use recordlock_arrow::records::{instant_key, is_instant_key, second_key};
use rust_decimal::Decimal;

use super::column::list_test;
use crate::error::Error;

/// How a column's values sit on the integers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grid {
    /// `Decimal128`/`Decimal256`: value × 10^scale.
    Decimal { precision: u8, scale: i8, wide: bool },
    /// An integer type.
    Integer { data_type: DataType, min: i128, max: i128 },
    /// Days since 1970-01-01.
    Date32,
    /// Instants since 1970-01-01T00:00Z in `unit`.
    Timestamp { unit: TimeUnit, tz: Option<Arc<str>> },
}

impl Grid {
    /// The grid of a column type, if it has one.
    pub(crate) fn of(dt: &DataType) -> Option<Grid> {
        let int = |min: i128, max: i128| Some(Grid::Integer { data_type: dt.clone(), min, max });
        match dt {
            DataType::Decimal128(p, s) => Some(Grid::Decimal { precision: *p, scale: *s, wide: false }),
            DataType::Decimal256(p, s) => Some(Grid::Decimal { precision: *p, scale: *s, wide: true }),
            DataType::Int8 => int(i8::MIN.into(), i8::MAX.into()),
            DataType::Int16 => int(i16::MIN.into(), i16::MAX.into()),
            DataType::Int32 => int(i32::MIN.into(), i32::MAX.into()),
            DataType::Int64 => int(i64::MIN.into(), i64::MAX.into()),
            DataType::UInt8 => int(0, u8::MAX.into()),
            DataType::UInt16 => int(0, u16::MAX.into()),
            DataType::UInt32 => int(0, u32::MAX.into()),
            DataType::UInt64 => int(0, u64::MAX.into()),
            DataType::Date32 => Some(Grid::Date32),
            DataType::Timestamp(unit, tz) => Some(Grid::Timestamp { unit: *unit, tz: tz.clone() }),
            _ => None,
        }
    }

    /// The smallest and largest value the column can hold, in its units.
    fn range(&self) -> (i256, i256) {
        match self {
            Grid::Decimal { precision, .. } => {
                let max = pow10(u32::from(*precision)).wrapping_sub(i256::ONE);
                (max.wrapping_neg(), max)
            }
            Grid::Integer { min, max, .. } => (i256::from_i128(*min), i256::from_i128(*max)),
            Grid::Date32 => (i256::from_i128(i32::MIN.into()), i256::from_i128(i32::MAX.into())),
            Grid::Timestamp { .. } => (i256::from_i128(i64::MIN.into()), i256::from_i128(i64::MAX.into())),
        }
    }

    /// `v` (within [`Grid::range`]) as a literal of the column's type.
    fn literal(&self, v: i256) -> Result<ScalarValue, Error> {
        if let Grid::Decimal { precision, scale, wide: true } = self {
            return Ok(ScalarValue::Decimal256(Some(v), *precision, *scale));
        }
        let small = v.to_i128().ok_or_else(|| Error::Unrepresentable(format!("{v} does not fit in 128 bits")))?;
        let narrow = |what: &str| Error::Unrepresentable(format!("{small} does not fit in {what}"));
        Ok(match self {
            Grid::Decimal { precision, scale, .. } => ScalarValue::Decimal128(Some(small), *precision, *scale),
            Grid::Integer { data_type, .. } => {
                ScalarValue::Int64(Some(i64::try_from(small).map_err(|_| narrow("64 bits"))?))
                    .cast_to(data_type)
                    .or_else(|_| {
                        u64::try_from(small)
                            .map_err(|_| narrow("64 bits"))
                            .and_then(|u| ScalarValue::UInt64(Some(u)).cast_to(data_type).map_err(Error::from))
                    })?
            }
            Grid::Date32 => ScalarValue::Date32(Some(i32::try_from(small).map_err(|_| narrow("Date32"))?)),
            Grid::Timestamp { unit, tz } => {
                let v = Some(i64::try_from(small).map_err(|_| narrow("a timestamp"))?);
                match unit {
                    TimeUnit::Second => ScalarValue::TimestampSecond(v, tz.clone()),
                    TimeUnit::Millisecond => ScalarValue::TimestampMillisecond(v, tz.clone()),
                    TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(v, tz.clone()),
                    TimeUnit::Nanosecond => ScalarValue::TimestampNanosecond(v, tz.clone()),
                }
            }
        })
    }

    /// Nanoseconds per unit of a timestamp column.
    fn nanos_per_unit(&self) -> i128 {
        match self {
            Grid::Timestamp { unit: TimeUnit::Second, .. } => 1_000_000_000,
            Grid::Timestamp { unit: TimeUnit::Millisecond, .. } => 1_000_000,
            Grid::Timestamp { unit: TimeUnit::Microsecond, .. } => 1_000,
            _ => 1,
        }
    }
}

/// A constant on a column's grid: `floor == ceil` when it is on the grid, else the two
/// neighbours it lies strictly between. Saturates beyond 256 bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bound {
    floor: i256,
    ceil: i256,
}

impl Bound {
    /// A constant on the grid.
    pub(crate) fn exact(v: i128) -> Bound {
        Bound { floor: i256::from_i128(v), ceil: i256::from_i128(v) }
    }

    /// Beyond every value.
    fn above() -> Bound {
        Bound { floor: i256::MAX, ceil: i256::MAX }
    }

    /// `n / d` for `d > 0`.
    fn ratio(n: i128, d: i128) -> Bound {
        let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
        Bound { floor: i256::from_i128(q), ceil: i256::from_i128(if r == 0 { q } else { q + 1 }) }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Equal,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
}

/// `c op bound`, exact on the grid: TRUE where it holds, FALSE or NULL elsewhere.
pub(crate) fn compare(c: &Expr, grid: &Grid, op: Op, b: Bound) -> Result<Expr, Error> {
    let (min, max) = grid.range();
    let every = || c.clone().is_not_null();
    let at = |v: i256| grid.literal(v).map(lit);
    Ok(match op {
        Op::Equal if b.floor == b.ceil && min <= b.floor && b.floor <= max => c.clone().eq(at(b.floor)?),
        Op::Equal => lit(false),
        Op::Less if b.ceil > max => every(),
        Op::Less if b.ceil <= min => lit(false),
        Op::Less => c.clone().lt(at(b.ceil)?),
        Op::LessEqual if b.floor >= max => every(),
        Op::LessEqual if b.floor < min => lit(false),
        Op::LessEqual => c.clone().lt_eq(at(b.floor)?),
        Op::Greater if b.floor < min => every(),
        Op::Greater if b.floor >= max => lit(false),
        Op::Greater => c.clone().gt(at(b.floor)?),
        Op::GreaterEqual if b.ceil <= min => every(),
        Op::GreaterEqual if b.ceil > max => lit(false),
        Op::GreaterEqual => c.clone().gt_eq(at(b.ceil)?),
    })
}

/// An ordered test with each constant placed by `place`.
fn ordered<T>(c: Expr, grid: &Grid, t: &OrdTest<T>, place: impl Fn(&T) -> Result<Bound, Error>) -> Result<Expr, Error> {
    Ok(match t {
        OrdTest::Equal(k) => compare(&c, grid, Op::Equal, place(k)?)?,
        OrdTest::In(set) => {
            let (min, max) = grid.range();
            let mut values = Vec::new();
            for k in set.iter() {
                let b = place(k)?;
                if b.floor == b.ceil && min <= b.floor && b.floor <= max {
                    values.push(lit(grid.literal(b.floor)?));
                }
            }
            list_test(c, values)
        }
        OrdTest::Less(k) => compare(&c, grid, Op::Less, place(k)?)?,
        OrdTest::LessEqual(k) => compare(&c, grid, Op::LessEqual, place(k)?)?,
        OrdTest::Greater(k) => compare(&c, grid, Op::Greater, place(k)?)?,
        OrdTest::GreaterEqual(k) => compare(&c, grid, Op::GreaterEqual, place(k)?)?,
        OrdTest::Between(lo, hi) => {
            compare(&c, grid, Op::GreaterEqual, place(lo)?)?.and(compare(&c, grid, Op::LessEqual, place(hi)?)?)
        }
    })
}

fn grid_of(column: &ArrowField) -> Result<Grid, Error> {
    Grid::of(column.data_type())
        .ok_or_else(|| Error::Unrepresentable(format!("column `{}` has no order recordlock compares", column.name())))
}

/// 10^n, saturating.
fn pow10(n: u32) -> i256 {
    let mut v = i256::ONE;
    for _ in 0..n {
        v = v.checked_mul(i256::from_i128(10)).unwrap_or(i256::MAX);
    }
    v
}

/// A decimal constant on a grid of 10^-scale.
fn decimal_bound(d: &Decimal, scale: i8) -> Bound {
    let m = d.mantissa();
    let cs = i32::try_from(d.scale()).unwrap_or(i32::MAX);
    let shift = i32::from(scale) - cs;
    if shift >= 0 {
        let v = i256::from_i128(m).checked_mul(pow10(shift.unsigned_abs()));
        let v = v.unwrap_or(if m < 0 { i256::MIN } else { i256::MAX });
        return Bound { floor: v, ceil: v };
    }
    let down = shift.unsigned_abs();
    if down > 38 {
        // |m| < 2^96 < 10^29 ≤ the divisor: the quotient is 0 or -1.
        return Bound::ratio(m.signum(), 2);
    }
    Bound::ratio(m, 10i128.pow(down))
}

/// A test on a numeric column: decimals at the column's scale, integers at scale 0.
pub(crate) fn number(c: Expr, column: &ArrowField, t: &OrdTest<Decimal>) -> Result<Expr, Error> {
    let grid = grid_of(column)?;
    let scale = match &grid {
        Grid::Decimal { scale, .. } => *scale,
        _ => 0,
    };
    ordered(c, &grid, t, |d| Ok(decimal_bound(d, scale)))
}

/// Days since 1970-01-01.
fn day_number(d: &NaiveDate) -> i128 {
    i128::from(d.signed_duration_since(NaiveDate::default()).num_days())
}

/// A test on a date column.
pub(crate) fn date(c: Expr, column: &ArrowField, t: &OrdTest<NaiveDate>) -> Result<Expr, Error> {
    let grid = grid_of(column)?;
    ordered(c, &grid, t, |d| Ok(Bound::exact(day_number(d))))
}

/// How a column holds instants: ticks of an Arrow timestamp unit, or recordlock's exact
/// [instant keys](recordlock_arrow::records::instant_key) (JSON Lines and CSV batches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Instants {
    /// Nanoseconds per tick of a timestamp column.
    Ticks(i128),
    /// Instant keys.
    Keys,
}

impl Instants {
    fn of(column: &ArrowField, grid: &Grid) -> Instants {
        if is_instant_key(column) { Instants::Keys } else { Instants::Ticks(grid.nanos_per_unit()) }
    }

    /// An instant on the column's grid. On a key column every instant is exact. A timestamp
    /// holds no leap second (`23:59:60`), which the VM orders after every instant of the
    /// second it extends and before the next second: between that second's last tick and
    /// the next second's first, so comparisons with it stay exact (as PostgreSQL's are,
    /// `recordlock_sql::instant`).
    fn place(self, t: &DateTime<FixedOffset>) -> Bound {
        let (seconds, sub) = (i128::from(t.timestamp()), i128::from(t.timestamp_subsec_nanos()));
        match self {
            Instants::Keys => Bound::exact(instant_key(t)),
            Instants::Ticks(per) if sub >= 1_000_000_000 => {
                // `per` divides 10^9: the next second starts on a tick.
                let next = (seconds + 1) * 1_000_000_000 / per;
                Bound { floor: i256::from_i128(next - 1), ceil: i256::from_i128(next) }
            }
            Instants::Ticks(per) => Bound::ratio(seconds * 1_000_000_000 + sub, per),
        }
    }

    /// The first instant of the unix second `seconds`.
    fn second(self, seconds: i128) -> Bound {
        match self {
            Instants::Keys => Bound::exact(second_key(seconds)),
            Instants::Ticks(per) => Bound::ratio(seconds * 1_000_000_000, per),
        }
    }
}

/// A test on a datetime column (a timestamp, or instant keys) with datetime constants.
pub(crate) fn datetime(c: Expr, column: &ArrowField, t: &OrdTest<DateTime<FixedOffset>>) -> Result<Expr, Error> {
    let grid = grid_of(column)?;
    let instants = Instants::of(column, &grid);
    ordered(c, &grid, t, |i| Ok(instants.place(i)))
}

/// A test on a datetime column with date constants: the calendar date of the instant in the
/// evaluation time zone, as ranges of instants (`= d` is `[start of d, start of d+1)`), so
/// no per-row date arithmetic and Parquet statistics still prune. A leap second belongs to
/// the day of the second it extends, as in the VM.
pub(crate) fn day_of_datetime(
    c: Expr,
    column: &ArrowField,
    t: &OrdTest<NaiveDate>,
    opts: &EvalOptions,
) -> Result<Expr, Error> {
    let grid = grid_of(column)?;
    let instants = Instants::of(column, &grid);
    let offset = i128::from(opts.tz.local_minus_utc());
    let start = |d: &NaiveDate| -> Bound { instants.second(day_number(d) * 86_400 - offset) };
    let next = |d: &NaiveDate| d.succ_opt().map_or(Bound::above(), |n| start(&n));
    let ge = |b: Bound| compare(&c, &grid, Op::GreaterEqual, b);
    let lt = |b: Bound| compare(&c, &grid, Op::Less, b);
    Ok(match t {
        OrdTest::Equal(d) => ge(start(d))?.and(lt(next(d))?),
        OrdTest::In(set) => {
            let mut any: Option<Expr> = None;
            for d in set.iter() {
                let day = ge(start(d))?.and(lt(next(d))?);
                any = Some(match any {
                    None => day,
                    Some(a) => a.or(day),
                });
            }
            any.unwrap_or(lit(false))
        }
        OrdTest::Less(d) => lt(start(d))?,
        OrdTest::LessEqual(d) => lt(next(d))?,
        OrdTest::Greater(d) => ge(next(d))?,
        OrdTest::GreaterEqual(d) => ge(start(d))?,
        OrdTest::Between(lo, hi) => ge(start(lo))?.and(lt(next(hi))?),
    })
}

/// Whether a decimal column's value has a fraction: `c % 1 <> 0` at the column's scale.
pub(crate) fn has_fraction(c: Expr, column: &ArrowField) -> Result<Expr, Error> {
    let grid = grid_of(column)?;
    let Grid::Decimal { scale, .. } = grid else { return Ok(lit(false)) };
    if scale <= 0 {
        return Ok(lit(false));
    }
    let one = grid.literal(pow10(u32::from(scale.unsigned_abs())))?;
    let zero = grid.literal(i256::ZERO)?;
    Ok((c % lit(one)).not_eq(lit(zero)))
}
