//! Row-group pruning: a Parquet row group is skipped unread when its statistics prove that
//! no rule holds on any of its rows and that none of its rows would be an error line.
//!
//! Only what the statistics decide exactly takes part: the minimum, maximum and null count
//! of a column held as numbers (Decimal128, integers), dates (Date32), instants (Timestamp)
//! or booleans. A leaf that tests such a column with `equal`, `in`, `less_*`, `greater_*`,
//! `between` (numbers, dates, instants, dates of instants), a boolean's value, or
//! `is_empty` / `is_not_empty` (null counts) prunes; every other leaf may hold anywhere.
//! Pruning never changes an answer: a group is skipped only when every rule is proven false
//! on every row (two-valued logic: a negated leaf may hold wherever its test may fail, a null
//! included), every row has an id (null count 0), and every value a rule reads is one that
//! reading cannot refuse (no date or instant outside the years 0000..=9999, no fraction in a
//! whole-number field).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use recordlock::criteria::TypeClass;

use crate::column::{Form, ticks_per_second};
use crate::lower::{IntCond, Lowered};
use crate::mapping::Encoding;
use crate::plan::{ColumnarPlan, Node};

/// What a row group's statistics prove of one column.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    /// The least and greatest value (as the column's integers: scaled decimals, days,
    /// ticks, 0/1 for booleans), when both are known exactly.
    range: Option<(i128, i128)>,
    /// Nulls, when known.
    nulls: Option<u64>,
    /// Rows in the group.
    rows: u64,
}

impl Stats {
    /// Whether every row is null.
    fn all_null(&self) -> bool {
        self.nulls == Some(self.rows)
    }

    /// Whether some row may be null.
    fn may_have_nulls(&self) -> bool {
        self.nulls != Some(0)
    }
}

/// For each row group of the file, whether a sweep with `plan` may skip it.
pub(crate) fn pruned_row_groups(plan: &ColumnarPlan, metadata: &ArrowReaderMetadata) -> Vec<bool> {
    let groups = metadata.metadata().row_groups();
    let none = vec![false; groups.len()];
    // Statistics are the file's word: one the Parquet crate cannot decode must not stop the
    // sweep (its rows are then read, and the reader reports what is wrong with them).
    let stats = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| column_stats(plan, metadata)));
    let Ok(Some(stats)) = stats else { return none };
    let Some(id_nulls) = id_null_counts(plan, metadata) else { return none };
    (0..groups.len())
        .map(|g| {
            let columns: Vec<Stats> = stats.iter().map(|c| c.get(g).copied().unwrap_or_default()).collect();
            id_nulls.get(g).copied().flatten() == Some(0)
                && plan.mapping().columns().iter().zip(&columns).enumerate().all(|(i, (_, s))| readable(plan, i, s))
                && !plan.trees().iter().any(|t| may_hold(t, &columns))
        })
        .collect()
}

/// Each plan column's statistics in every row group; `None` when the file has no usable
/// statistics at all.
fn column_stats(plan: &ColumnarPlan, metadata: &ArrowReaderMetadata) -> Option<Vec<Vec<Stats>>> {
    let groups = metadata.metadata().row_groups();
    let parquet_schema = metadata.metadata().file_metadata().schema_descr();
    let rows: Vec<u64> = groups.iter().map(|g| g.num_rows().unsigned_abs()).collect();
    plan.mapping()
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let unknown = || rows.iter().map(|r| Stats { range: None, nulls: None, rows: *r }).collect();
            let Ok(converter) = StatisticsConverter::try_new(&c.column, metadata.schema(), parquet_schema) else {
                return Some(unknown());
            };
            let converter = converter.with_missing_null_counts_as_zero(false);
            let nulls = converter.row_group_null_counts(groups.iter()).ok()?;
            // Statistics a decimal cannot hold (more than 16 bytes: a corrupt file; the
            // Parquet crate asserts on them) leave the column unknown.
            let plausible = converter.parquet_column_index().is_some_and(|p| {
                groups.iter().all(|g| g.columns().get(p).and_then(|c| c.statistics()).is_none_or(plausible))
            });
            let ranges: Vec<Option<(i128, i128)>> = if plausible && plan.form(i).is_some_and(orderable) {
                let (Ok(mins), Ok(maxes)) =
                    (converter.row_group_mins(groups.iter()), converter.row_group_maxes(groups.iter()))
                else {
                    return Some(unknown());
                };
                let exact_min = converter.row_group_is_min_value_exact(groups.iter()).ok()?;
                let exact_max = converter.row_group_is_max_value_exact(groups.iter()).ok()?;
                (0..groups.len())
                    .map(|g| {
                        let exact =
                            exact_min.is_valid(g) && exact_min.value(g) && exact_max.is_valid(g) && exact_max.value(g);
                        match (exact, int_at(&mins, g), int_at(&maxes, g)) {
                            (true, Some(lo), Some(hi)) => Some((lo, hi)),
                            _ => None,
                        }
                    })
                    .collect()
            } else {
                vec![None; groups.len()]
            };
            Some(
                rows.iter()
                    .enumerate()
                    .map(|(g, r)| Stats {
                        range: ranges.get(g).copied().flatten(),
                        nulls: nulls.is_valid(g).then(|| nulls.value(g)),
                        rows: *r,
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The `id` column's null count in every row group, when ids are text or integers (JSON
/// ids can be unreadable whatever the statistics say).
fn id_null_counts(plan: &ColumnarPlan, metadata: &ArrowReaderMetadata) -> Option<Vec<Option<u64>>> {
    let (_, encoding) = plan.mapping().id()?;
    if !matches!(encoding, Encoding::Text | Encoding::Integer) {
        return None;
    }
    let groups = metadata.metadata().row_groups();
    let converter =
        StatisticsConverter::try_new("id", metadata.schema(), metadata.metadata().file_metadata().schema_descr())
            .ok()?
            .with_missing_null_counts_as_zero(false);
    let nulls = converter.row_group_null_counts(groups.iter()).ok()?;
    Some((0..groups.len()).map(|g| nulls.is_valid(g).then(|| nulls.value(g))).collect())
}

/// Whether a column chunk's minimum and maximum are of a size some Arrow number holds.
fn plausible(stats: &parquet::file::statistics::Statistics) -> bool {
    let fits = |b: Option<&[u8]>| b.is_none_or(|b| b.len() <= 16);
    fits(stats.min_bytes_opt()) && fits(stats.max_bytes_opt())
}

/// Whether the statistics order a column of this form.
fn orderable(form: Form) -> bool {
    matches!(form, Form::Scaled(_) | Form::Date | Form::Timestamp(_) | Form::Boolean)
}

/// Row `g` of a statistics array as the column's integer.
fn int_at(array: &ArrayRef, g: usize) -> Option<i128> {
    if g >= array.len() || array.is_null(g) {
        return None;
    }
    macro_rules! int {
        ($t:ty) => {
            Some(i128::from(array.as_primitive::<$t>().value(g)))
        };
    }
    match array.data_type() {
        DataType::Decimal128(..) => Some(array.as_primitive::<Decimal128Type>().value(g)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Date32 => int!(Date32Type),
        DataType::Timestamp(TimeUnit::Second, _) => int!(TimestampSecondType),
        DataType::Timestamp(TimeUnit::Millisecond, _) => int!(TimestampMillisecondType),
        DataType::Timestamp(TimeUnit::Microsecond, _) => int!(TimestampMicrosecondType),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => int!(TimestampNanosecondType),
        DataType::Boolean => Some(i128::from(array.as_boolean().value(g))),
        _ => None,
    }
}

/// Whether reading plan column `i` can refuse no row of a group with statistics `s`.
fn readable(plan: &ColumnarPlan, i: usize, s: &Stats) -> bool {
    let (Some(c), Some(form), Some(class)) = (plan.mapping().columns().get(i), plan.form(i), plan.class(i)) else {
        return false;
    };
    let within = |lo: i128, hi: i128| s.all_null() || s.range.is_some_and(|(min, max)| lo <= min && max <= hi);
    match form {
        Form::Text | Form::Boolean => true,
        Form::Scaled(scale) => !(scale > 0 && matches!(class, TypeClass::Number { integral: true })),
        Form::Date => within(-719_528, 2_932_896),
        Form::Timestamp(unit) => {
            let per = ticks_per_second(unit);
            within(-62_167_219_200 * per, 253_402_300_800 * per - 1)
        }
        // Picklist and multi-select options are read from any text; other text is parsed.
        Form::Values => match c.encoding {
            Encoding::Text => matches!(class, TypeClass::Text | TypeClass::Picklist | TypeClass::MultiPicklist),
            Encoding::TextList => true,
            _ => false,
        },
    }
}

/// Whether `node` may hold on some row of a group whose columns have `stats`.
fn may_hold(node: &Node, stats: &[Stats]) -> bool {
    match node {
        Node::All(items) => items.iter().all(|n| may_hold(n, stats)),
        Node::Any(items) => items.iter().any(|n| may_hold(n, stats)),
        Node::Leaf(leaf) => {
            let Some(s) = stats.get(leaf.column) else { return true };
            let negated = leaf.pred.negated();
            match &leaf.lowered {
                Lowered::IsNull if negated => s.nulls.is_none_or(|n| n < s.rows),
                Lowered::IsNull => s.may_have_nulls(),
                Lowered::Int(cond) | Lowered::Day { cond, .. } => {
                    let range = match &leaf.lowered {
                        Lowered::Day { per_second, offset, .. } => {
                            let day = |t: i128| (t.div_euclid(*per_second) + offset).div_euclid(86_400);
                            s.range.map(|(lo, hi)| (day(lo), day(hi)))
                        }
                        _ => s.range,
                    };
                    int_may_hold(cond, range, s, negated)
                }
                Lowered::Bool(b) => int_may_hold(&IntCond::Set(vec![i128::from(*b)]), s.range, s, negated),
                Lowered::Never => negated,
                Lowered::General => true,
            }
        }
    }
}

/// Whether a (negated) integer condition may hold on a row with a value in `range` (every
/// non-null value, when known) or a null.
fn int_may_hold(cond: &IntCond, range: Option<(i128, i128)>, s: &Stats, negated: bool) -> bool {
    if s.all_null() {
        // Every value null: the positive test fails on every row, its negation holds.
        return negated;
    }
    let Some((min, max)) = range else { return true };
    if negated {
        // The negation holds on a null, or on a value the condition rejects.
        let covers_all = match cond {
            IntCond::Range(lo, hi) => *lo <= min && max <= *hi,
            IntCond::Set(set) => min == max && set.binary_search(&min).is_ok(),
        };
        s.may_have_nulls() || !covers_all
    } else {
        match cond {
            IntCond::Range(lo, hi) => lo <= hi && *lo <= max && min <= *hi,
            IntCond::Set(set) => set.iter().any(|v| (min..=max).contains(v)),
        }
    }
}
