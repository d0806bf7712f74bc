//! Records read by recordlock's ingestor → one Arrow batch of typed columns, exactly: what
//! the DataFusion engine evaluates for JSON Lines and CSV, and the array builders
//! [`crate::convert`] writes Parquet with.
//!
//! Each record is read by the ingestor, which checks every value the rules read as SPEC.md
//! §2 reads it (numbers from their text, RFC 3339 instants, `"true"`, lookup objects...). A
//! record it refuses keeps its place in the batch with its fields null and its error, as
//! JSON text, in [`ERROR_COLUMN`] (fail closed). Columns, named by the fields' API names:
//!
//! | field type | column |
//! |---|---|
//! | text, picklist | Utf8, **as written** (not case-folded) |
//! | multiselectpicklist | List of Utf8, as written |
//! | lookup | Utf8: the id's text |
//! | numbers | Decimal128(38, s), `s` the largest scale among the values (0 for integer fields); Decimal256(76, s) when 38 digits do not hold them all |
//! | date | Date32 |
//! | datetime | an [instant key](instant_key): Decimal128(38, 0) tagged [`INSTANT_KEY_EXTENSION`] |
//! | boolean | Boolean |
//!
//! **Instant keys.** RFC 3339 allows a leap second (`2016-12-31T23:59:60Z`) and the VM orders
//! it after every instant of the second it extends and before the next one; an Arrow
//! timestamp cannot hold it. So datetimes read from text are stored as
//! `key = unix_seconds × 2·10⁹ + nanoseconds`, where the nanoseconds are chrono's
//! (1,000,000,000 and up within a leap second, whose unix second is the one it extends). Key
//! order is the VM's instant order: chrono orders instants by (UTC date, second of the day,
//! nanosecond), `unix_seconds` is increasing in (date, second), and the nanoseconds stay below
//! the 2·10⁹ step; the VM's own key (`recordlock_criteria::compile::instant_key`) orders the
//! same triple the same way. A key fits 23 digits for every year chrono holds.
//!
//! ```
//! use chrono::DateTime;
//! use recordlock_arrow::records::instant_key;
//!
//! let at = |s: &str| instant_key(&DateTime::parse_from_rfc3339(s).unwrap());
//! let (before, leap, after) = (at("2016-12-31T23:59:59.9Z"), at("2016-12-31T23:59:60.5Z"), at("2017-01-01T00:00:00Z"));
//! assert!(before < leap && leap < after);
//! assert_eq!(at("2017-01-01T05:30:00+05:30"), after);
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Date32Builder, ListBuilder, StringBuilder};
use arrow_array::{Array, ArrayRef, Decimal128Array, Decimal256Array, RecordBatch};
use arrow_buffer::i256;
use arrow_schema::{ArrowError, DataType, Field as ArrowField, Schema as ArrowSchema};
use chrono::{DateTime, FixedOffset, NaiveDate};
use recordlock::RuleSet;
use recordlock::criteria::{Field, Ingestor, RecordError, Row, Slot, TypeClass, Value, is_empty_json};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::mapping::EXTENSION_NAME_KEY;

/// The record id column (text).
pub const ID_COLUMN: &str = "id";
/// The column that holds, for a record that cannot be evaluated, its output line's fields
/// but `id` as JSON text (`{"error": {...}}`, with `"line"` for JSON Lines input).
pub const ERROR_COLUMN: &str = "__recordlock_error";
/// The extension name (under `ARROW:extension:name`) of a column of [instant keys](instant_key).
pub const INSTANT_KEY_EXTENSION: &str = "recordlock.instant_key";
/// Key units per second: 2·10⁹, because a leap second's nanoseconds reach 1,999,999,999.
pub const INSTANT_KEY_SCALE: i128 = 2_000_000_000;

/// The exact, order-preserving key of an instant, leap seconds included (see the module
/// documentation): `unix_seconds × 2·10⁹ + nanoseconds`.
pub fn instant_key(t: &DateTime<FixedOffset>) -> i128 {
    i128::from(t.timestamp()) * INSTANT_KEY_SCALE + i128::from(t.timestamp_subsec_nanos())
}

/// The key of the first instant of the unix second `seconds`.
pub fn second_key(seconds: i128) -> i128 {
    seconds * INSTANT_KEY_SCALE
}

/// The Arrow field of a column of instant keys named `name`.
pub fn instant_key_field(name: &str) -> ArrowField {
    ArrowField::new(name, DataType::Decimal128(38, 0), true)
        .with_metadata(HashMap::from([(EXTENSION_NAME_KEY.to_owned(), INSTANT_KEY_EXTENSION.to_owned())]))
}

/// Whether `column` holds [instant keys](instant_key).
pub fn is_instant_key(column: &ArrowField) -> bool {
    column.metadata().get(EXTENSION_NAME_KEY).is_some_and(|n| n == INSTANT_KEY_EXTENSION)
}

/// Days from 1970-01-01 (a Date32 value); `None` beyond 32 bits (never for chrono's dates).
pub fn date32(d: &NaiveDate) -> Option<i32> {
    i32::try_from(d.signed_duration_since(NaiveDate::default()).num_days()).ok()
}

/// The text of a JSON string, or of a JSON number as written (numbers are accepted as text).
pub fn scalar_text(json: &Json) -> Option<&str> {
    match json {
        Json::String(s) => Some(s),
        Json::Number(n) => Some(n.as_str()),
        _ => None,
    }
}

/// Exact decimals on one grid: each value's mantissa at the largest scale among them (at
/// least `min_scale`), and that scale; `None` when a value overflows 128 bits there.
pub fn common_scale(numbers: &[Option<Decimal>], min_scale: u32) -> Option<(Vec<Option<i128>>, u32)> {
    let scale = numbers.iter().flatten().map(Decimal::scale).max().unwrap_or(0).max(min_scale);
    let scaled = numbers
        .iter()
        .map(|d| match d {
            None => Some(None),
            Some(d) => 10i128.checked_pow(scale - d.scale()).and_then(|p| d.mantissa().checked_mul(p)).map(Some),
        })
        .collect::<Option<Vec<_>>>()?;
    Some((scaled, scale))
}

/// A column holding every number exactly: Decimal128(38, s) at the largest scale `s` among
/// them (0 for `integral` fields, whose values are whole), else Decimal256(76, s).
///
/// # Errors
/// Arrow's (not expected: 76 digits hold every `rust_decimal` value at any scale up to 28).
pub fn decimal_column(numbers: &[Option<Decimal>]) -> Result<(DataType, ArrayRef), ArrowError> {
    let normal: Vec<Option<Decimal>> = numbers.iter().map(|d| d.map(|d| d.normalize())).collect();
    let scale = normal.iter().flatten().map(Decimal::scale).max().unwrap_or(0);
    let scale_i8 = i8::try_from(scale).map_err(|_| ArrowError::InvalidArgumentError(format!("scale {scale}")))?;
    if let Some((scaled, _)) = common_scale(&normal, scale) {
        let array = Decimal128Array::from(scaled).with_precision_and_scale(38, scale_i8)?;
        if array.validate_decimal_precision(38).is_ok() {
            return Ok((array.data_type().clone(), Arc::new(array)));
        }
    }
    // Up to 29 digits before the point and 28 after: 57 < 76.
    let ten = i256::from_i128(10);
    let wide: Vec<Option<i256>> = normal
        .iter()
        .map(|d| {
            d.map(|d| {
                let mut m = i256::from_i128(d.mantissa());
                for _ in d.scale()..scale {
                    m = m.wrapping_mul(ten);
                }
                m
            })
        })
        .collect();
    let array = Decimal256Array::from(wide).with_precision_and_scale(76, scale_i8)?;
    array.validate_decimal_precision(76)?;
    Ok((array.data_type().clone(), Arc::new(array)))
}

/// A column of [instant keys](instant_key) named `name`.
///
/// # Errors
/// Arrow's (not expected).
pub fn instant_key_column(
    name: &str,
    instants: &[Option<DateTime<FixedOffset>>],
) -> Result<(ArrowField, ArrayRef), ArrowError> {
    let keys: Vec<Option<i128>> = instants.iter().map(|t| t.as_ref().map(instant_key)).collect();
    let array = Decimal128Array::from(keys).with_precision_and_scale(38, 0)?;
    Ok((instant_key_field(name), Arc::new(array)))
}

/// One record as the ingestor read it.
pub enum Read<'a> {
    /// Read: the typed row and the record as JSON (text values are taken as written).
    Fine {
        /// The record's id.
        id: Option<&'a str>,
        /// The row the ingestor filled.
        row: &'a Row,
        /// The record.
        record: &'a Json,
    },
    /// Refused by the ingestor.
    Refused {
        /// The record's id, when it was read.
        id: Option<&'a str>,
        /// The output line's fields but `id` (`{"error": {...}, "line": n}`), as the JSON
        /// Lines sweep prints them.
        error: &'a Json,
    },
}

/// Collects records into one batch of the columns a rule set reads (see the module
/// documentation for the column types).
pub struct RecordsBuilder {
    fields: Vec<(Slot, Field)>,
    ids: Vec<Option<String>>,
    errors: Vec<Option<String>>,
    /// Per field, per record.
    cells: Vec<Vec<Cell>>,
}

/// One stored value: text as written for text classes, else the typed value.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Text(String),
    Texts(Vec<String>),
    Typed(Value),
}

impl RecordsBuilder {
    /// A builder for the fields `rules` reads.
    pub fn new(rules: &RuleSet) -> RecordsBuilder {
        let schema = rules.schema();
        let fields: Vec<(Slot, Field)> = rules.reads().into_iter().map(|s| (s, schema.field(s).clone())).collect();
        let cells = fields.iter().map(|_| Vec::new()).collect();
        RecordsBuilder { fields, ids: Vec::new(), errors: Vec::new(), cells }
    }

    /// The records pushed so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none was pushed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds one record.
    pub fn push(&mut self, read: Read<'_>) {
        match read {
            Read::Refused { id, error } => {
                self.ids.push(id.map(str::to_owned));
                self.errors.push(Some(error.to_string()));
                for column in &mut self.cells {
                    column.push(Cell::Null);
                }
            }
            Read::Fine { id, row, record } => {
                self.ids.push(id.map(str::to_owned));
                self.errors.push(None);
                for ((slot, field), column) in self.fields.iter().zip(&mut self.cells) {
                    column.push(cell(field, row.get(*slot), record.get(field.api_name())));
                }
            }
        }
    }

    /// The batch: `id`, one column per read field (named by its API name), [`ERROR_COLUMN`].
    ///
    /// # Errors
    /// Arrow's (not expected: every value the ingestor reads has a column that holds it).
    pub fn finish(self) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.fields.len() + 2);
        let mut schema: Vec<ArrowField> = Vec::with_capacity(self.fields.len() + 2);
        schema.push(ArrowField::new(ID_COLUMN, DataType::Utf8, true));
        columns.push(Arc::new(self.ids.iter().map(Option::as_deref).collect::<arrow_array::StringArray>()));
        for ((_, field), cells) in self.fields.iter().zip(&self.cells) {
            let (f, array) = column(field, cells)?;
            schema.push(f);
            columns.push(array);
        }
        schema.push(ArrowField::new(ERROR_COLUMN, DataType::Utf8, true));
        columns.push(Arc::new(self.errors.iter().map(Option::as_deref).collect::<arrow_array::StringArray>()));
        RecordBatch::try_new(Arc::new(ArrowSchema::new(schema)), columns)
    }
}

/// The batch of `records` (JSON objects) for the fields `rules` reads; records the
/// ingestor refuses carry their error.
///
/// # Errors
/// As [`RecordsBuilder::finish`].
pub fn records_batch(rules: &RuleSet, records: &[Json]) -> Result<RecordBatch, ArrowError> {
    let ingestor = Ingestor::for_fields(rules.schema(), rules.reads());
    let mut row = ingestor.new_row();
    let mut builder = RecordsBuilder::new(rules);
    for record in records {
        match ingestor.ingest_json(record, &mut row) {
            Ok(()) => builder.push(Read::Fine { id: row.record_id(), row: &row, record }),
            Err(e) => {
                let error = json!({ "error": record_error_json(e) });
                builder.push(Read::Refused { id: row.record_id(), error: &error });
            }
        }
    }
    builder.finish()
}

/// The JSON Lines sweep's error object for a record recordlock's ingestor refused.
pub fn record_error_json(e: RecordError) -> Json {
    serde_json::to_value(recordlock::criteria::Error::from(e)).unwrap_or(Json::Null)
}

/// The stored value of one field of a record the ingestor read.
fn cell(field: &Field, typed: &Value, raw: Option<&Json>) -> Cell {
    let raw = raw.filter(|j| !is_empty_json(j));
    match field.data_type().class() {
        TypeClass::Text | TypeClass::Picklist => match raw.and_then(scalar_text) {
            Some(text) => Cell::Text(text.to_owned()),
            None => Cell::Null,
        },
        TypeClass::MultiPicklist => match raw {
            Some(Json::Array(items)) => Cell::Texts(items.iter().filter_map(scalar_text).map(str::to_owned).collect()),
            _ => Cell::Null,
        },
        _ => Cell::Typed(typed.clone()),
    }
}

/// A field's column.
fn column(field: &Field, cells: &[Cell]) -> Result<(ArrowField, ArrayRef), ArrowError> {
    let name = field.api_name();
    let plain = |array: ArrayRef| (ArrowField::new(name, array.data_type().clone(), true), array);
    Ok(match field.data_type().class() {
        TypeClass::Text | TypeClass::Picklist | TypeClass::Lookup | TypeClass::Unsupported => {
            let mut b = StringBuilder::with_capacity(cells.len(), cells.len() * 8);
            for c in cells {
                match c {
                    Cell::Text(t) => b.append_value(t),
                    Cell::Typed(Value::Id(id)) => b.append_value(id.to_string()),
                    _ => b.append_null(),
                }
            }
            plain(Arc::new(b.finish()))
        }
        TypeClass::MultiPicklist => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for c in cells {
                match c {
                    Cell::Texts(items) => {
                        for item in items {
                            b.values().append_value(item);
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            plain(Arc::new(b.finish()))
        }
        TypeClass::Number { .. } => {
            let numbers: Vec<Option<Decimal>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Typed(Value::Number(d)) => Some(*d),
                    _ => None,
                })
                .collect();
            let (_, array) = decimal_column(&numbers)?;
            plain(array)
        }
        TypeClass::Date => {
            let mut b = Date32Builder::with_capacity(cells.len());
            for c in cells {
                b.append_option(match c {
                    Cell::Typed(Value::Date(d)) => date32(d),
                    _ => None,
                });
            }
            plain(Arc::new(b.finish()))
        }
        TypeClass::DateTime => {
            let instants: Vec<Option<DateTime<FixedOffset>>> = cells
                .iter()
                .map(|c| match c {
                    Cell::Typed(Value::DateTime(t)) => Some(*t),
                    _ => None,
                })
                .collect();
            instant_key_column(name, &instants)?
        }
        TypeClass::Boolean => {
            let mut b = BooleanBuilder::with_capacity(cells.len());
            for c in cells {
                b.append_option(match c {
                    Cell::Typed(Value::Bool(v)) => Some(*v),
                    _ => None,
                });
            }
            plain(Arc::new(b.finish()))
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn leap_seconds_sit_between_their_second_and_the_next() {
        let keys: Vec<i128> = [
            "2016-12-31T23:59:59Z",
            "2016-12-31T23:59:59.999999999Z",
            "2016-12-31T23:59:60Z",
            "2017-01-01T05:29:60.5+05:30",
            "2016-12-31T23:59:60.999999999Z",
            "2017-01-01T00:00:00Z",
        ]
        .iter()
        .map(|s| instant_key(&at(s)))
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_eq!(instant_key(&at("2017-01-01T00:00:00Z")), second_key(1_483_228_800));
    }

    proptest! {
        /// Key order and equality are chrono's (the VM's) for any two instants: any offset,
        /// any nanosecond, leap seconds included.
        #[test]
        fn keys_order_instants_as_chrono_does(
            a in -62_135_596_800i64..253_402_300_799, b in -62_135_596_800i64..253_402_300_799,
            na in 0u32..2_000_000_000, nb in 0u32..2_000_000_000,
            oa in -86_399i32..86_399, ob in -86_399i32..86_399, near in any::<bool>(),
        ) {
            let b = if near { a + (b % 3) } else { b };
            // chrono holds a leap second only in the last second of a UTC minute.
            let make = |s: i64, n: u32, o: i32| {
                let n = if n >= 1_000_000_000 && s.rem_euclid(60) != 59 { n - 1_000_000_000 } else { n };
                DateTime::from_timestamp(s, n).map(|t| t.with_timezone(&FixedOffset::east_opt(o).unwrap()))
            };
            if let (Some(x), Some(y)) = (make(a, na, oa), make(b, nb, ob)) {
                prop_assert_eq!(instant_key(&x).cmp(&instant_key(&y)), x.cmp(&y));
            }
        }
    }

    #[test]
    fn numbers_too_wide_for_38_digits_go_to_decimal256() {
        let big = Decimal::from_str_exact("79228162514264337593543950335").unwrap();
        let small = Decimal::from_str_exact("0.0000000000000000000000000001").unwrap();
        let (dt, array) = decimal_column(&[Some(big), None, Some(small)]).unwrap();
        assert_eq!(dt, DataType::Decimal256(76, 28));
        assert_eq!(array.null_count(), 1);
        let (dt, _) = decimal_column(&[Some(Decimal::new(150, 2)), Some(Decimal::new(7, 0))]).unwrap();
        assert_eq!(dt, DataType::Decimal128(38, 1));
    }
}
