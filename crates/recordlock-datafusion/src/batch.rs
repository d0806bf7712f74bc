//! Records (JSON) to Arrow batches for the fields a rule set reads.
//!
//! Each record is first read by recordlock's ingestor, which checks every read value's type
//! as SPEC.md §2 reads it (numbers from their text, RFC 3339 instants, `"true"`, lookup
//! objects...). A record it refuses keeps its place in the batch with its fields NULL and the
//! error, as JSON text, in [`ERROR_COLUMN`]: the lowered `CASE` answers
//! [`UNEVALUABLE`](crate::lower::UNEVALUABLE) for it (fail closed). Text, picklist and
//! multi-select values are stored **as written** (not case-folded: folding is DataFusion's
//! `lower`); numbers as decimals, dates as `Date32`, datetimes as nanosecond UTC timestamps,
//! lookups as their id text.
//!
//! Until the shared Arrow mapping (`recordlock-arrow`) lands this is the crate's own; it
//! holds no rule semantics.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, ListBuilder, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema as ArrowSchema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use recordlock::RuleSet;
use recordlock::criteria::{Field, Ingestor, Row, Slot, TypeClass, Value, is_empty_json};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::error::Error;
use crate::lower::ordered_instant_nanos;

/// The record id column (text).
pub const ID_COLUMN: &str = "id";
/// The column that holds, for a record that cannot be evaluated, its error as JSON text.
pub const ERROR_COLUMN: &str = "__recordlock_error";

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

/// Collects records into one batch of the columns a rule set reads.
pub struct BatchBuilder {
    fields: Vec<(Slot, Field)>,
    ids: Vec<Option<String>>,
    errors: Vec<Option<String>>,
    /// Per field, per record: the raw JSON value (text classes) or the typed value.
    cells: Vec<Vec<Cell>>,
}

/// One stored value.
#[derive(Debug, Clone)]
enum Cell {
    Null,
    Text(String),
    Texts(Vec<String>),
    Typed(Value),
}

impl BatchBuilder {
    /// A builder for the fields `rules` reads.
    pub fn new(rules: &RuleSet) -> BatchBuilder {
        let schema = rules.schema();
        let fields: Vec<(Slot, Field)> = rules.reads().into_iter().map(|s| (s, schema.field(s).clone())).collect();
        let cells = fields.iter().map(|_| Vec::new()).collect();
        BatchBuilder { fields, ids: Vec::new(), errors: Vec::new(), cells }
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
    ///
    /// # Errors
    /// [`Error::Unrepresentable`] for a value Arrow cannot hold exactly (a leap second).
    pub fn push(&mut self, read: Read<'_>) -> Result<(), Error> {
        match read {
            Read::Refused { id, error } => {
                self.ids.push(id.map(str::to_owned));
                self.errors.push(Some(error.to_string()));
                for column in &mut self.cells {
                    column.push(Cell::Null);
                }
            }
            Read::Fine { id, row, record } => {
                let mut cells = Vec::with_capacity(self.fields.len());
                for (slot, field) in &self.fields {
                    cells.push(cell(field, row.get(*slot), record.get(field.api_name()))?);
                }
                self.ids.push(id.map(str::to_owned));
                self.errors.push(None);
                for (column, c) in self.cells.iter_mut().zip(cells) {
                    column.push(c);
                }
            }
        }
        Ok(())
    }

    /// The batch: `id`, one column per read field (named by its API name), the error column.
    ///
    /// # Errors
    /// Arrow errors; [`Error::Unrepresentable`] for an instant outside nanosecond timestamps.
    pub fn finish(self) -> Result<RecordBatch, Error> {
        let mut columns: Vec<ArrayRef> = Vec::new();
        let mut schema: Vec<ArrowField> = Vec::new();
        let mut ids = StringBuilder::new();
        for id in &self.ids {
            ids.append_option(id.as_deref());
        }
        schema.push(ArrowField::new(ID_COLUMN, DataType::Utf8, true));
        columns.push(Arc::new(ids.finish()));
        for ((_, field), cells) in self.fields.iter().zip(&self.cells) {
            let (dt, array) = column(field, cells)?;
            schema.push(ArrowField::new(field.api_name(), dt, true));
            columns.push(array);
        }
        let mut errors = StringBuilder::new();
        for e in &self.errors {
            errors.append_option(e.as_deref());
        }
        schema.push(ArrowField::new(ERROR_COLUMN, DataType::Utf8, true));
        columns.push(Arc::new(errors.finish()));
        Ok(RecordBatch::try_new(Arc::new(ArrowSchema::new(schema)), columns)?)
    }
}

/// The batch of `records` (JSON objects) for the fields `rules` reads, numbers
/// records the ingestor refuses carry their error.
///
/// # Errors
/// As [`BatchBuilder::push`] and [`BatchBuilder::finish`].
pub fn records_batch(rules: &RuleSet, records: &[Json]) -> Result<RecordBatch, Error> {
    let ingestor = Ingestor::for_fields(rules.schema(), rules.reads());
    let mut row = ingestor.new_row();
    let mut builder = BatchBuilder::new(rules);
    for record in records {
        match ingestor.ingest_json(record, &mut row) {
            Ok(()) => builder.push(Read::Fine { id: row.record_id(), row: &row, record })?,
            Err(e) => {
                let error = json!({ "error": record_error_json(e) });
                builder.push(Read::Refused { id: row.record_id(), error: &error })?;
            }
        }
    }
    builder.finish()
}

/// The stored value of one field of a record the ingestor read.
fn cell(field: &Field, typed: &Value, raw: Option<&Json>) -> Result<Cell, Error> {
    let raw = raw.filter(|j| !is_empty_json(j));
    Ok(match field.data_type().class() {
        TypeClass::Text | TypeClass::Picklist => match raw.and_then(scalar_text) {
            Some(text) => Cell::Text(text.to_owned()),
            None => Cell::Null,
        },
        TypeClass::MultiPicklist => match raw {
            Some(Json::Array(items)) => Cell::Texts(items.iter().filter_map(scalar_text).map(str::to_owned).collect()),
            _ => Cell::Null,
        },
        TypeClass::DateTime => {
            if let Value::DateTime(t) = typed {
                ordered_instant_nanos(t, field)?;
            }
            Cell::Typed(typed.clone())
        }
        _ => Cell::Typed(typed.clone()),
    })
}

/// A column's Arrow type and array.
fn column(field: &Field, cells: &[Cell]) -> Result<(DataType, ArrayRef), Error> {
    Ok(match field.data_type().class() {
        TypeClass::Text | TypeClass::Picklist | TypeClass::Lookup => {
            let mut b = StringBuilder::new();
            for c in cells {
                match c {
                    Cell::Text(t) => b.append_value(t),
                    Cell::Typed(Value::Id(id)) => b.append_value(id.to_string()),
                    _ => b.append_null(),
                }
            }
            (DataType::Utf8, Arc::new(b.finish()))
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
            let array = b.finish();
            (array.data_type().clone(), Arc::new(array))
        }
        TypeClass::Number { integral } => decimals(cells, integral)?,
        TypeClass::Date => {
            let mut b = Date32Builder::new();
            for c in cells {
                match c {
                    Cell::Typed(Value::Date(d)) => {
                        let days = d.signed_duration_since(chrono::NaiveDate::default()).num_days();
                        b.append_value(i32::try_from(days).map_err(|_| Error::Unrepresentable(format!("date {d}")))?);
                    }
                    _ => b.append_null(),
                }
            }
            (DataType::Date32, Arc::new(b.finish()))
        }
        TypeClass::DateTime => {
            let mut b = TimestampNanosecondBuilder::new().with_timezone("UTC");
            for c in cells {
                match c {
                    Cell::Typed(Value::DateTime(t)) => {
                        let nanos = ordered_instant_nanos(t, field)?;
                        let v = i64::try_from(nanos).map_err(|_| {
                            Error::Unrepresentable(format!(
                                "`{}`: {} is outside nanosecond timestamps (1677-2262)",
                                field.api_name(),
                                t.to_rfc3339()
                            ))
                        })?;
                        b.append_value(v);
                    }
                    _ => b.append_null(),
                }
            }
            (DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), Arc::new(b.finish()))
        }
        TypeClass::Boolean => {
            let mut b = BooleanBuilder::new();
            for c in cells {
                match c {
                    Cell::Typed(Value::Bool(v)) => b.append_value(*v),
                    _ => b.append_null(),
                }
            }
            (DataType::Boolean, Arc::new(b.finish()))
        }
        TypeClass::Unsupported => {
            let mut b = StringBuilder::new();
            for _ in cells {
                b.append_null();
            }
            (DataType::Utf8, Arc::new(b.finish()))
        }
    })
}

/// A `Decimal128(38, s)` column holding every value exactly: `s` is the largest scale among
/// the values (0 for an integer field). Values needing more than 38 digits at that scale
/// together (a 25-digit integer beside a 20-decimal fraction) are refused.
fn decimals(cells: &[Cell], integral: bool) -> Result<(DataType, ArrayRef), Error> {
    let values: Vec<Option<Decimal>> = cells
        .iter()
        .map(|c| match c {
            Cell::Typed(Value::Number(d)) => Some(d.normalize()),
            _ => None,
        })
        .collect();
    let scale = if integral { 0 } else { values.iter().flatten().map(Decimal::scale).max().unwrap_or(0) };
    let digits = values.iter().flatten().map(integer_digits).max().unwrap_or(1);
    if digits + scale > 38 {
        return Err(Error::Unrepresentable(format!(
            "numbers with {digits} digits before the point and {scale} after do not fit one Decimal128(38, s) column"
        )));
    }
    let mut b = Decimal128Builder::new();
    for v in &values {
        match v {
            Some(d) => {
                let shift = scale.saturating_sub(d.scale());
                let unscaled = 10i128
                    .checked_pow(shift)
                    .and_then(|p| d.mantissa().checked_mul(p))
                    .ok_or_else(|| Error::Unrepresentable(format!("{d} at scale {scale}")))?;
                b.append_value(unscaled);
            }
            None => b.append_null(),
        }
    }
    let scale = i8::try_from(scale).map_err(|_| Error::Unrepresentable(format!("scale {scale}")))?;
    let array = b.finish().with_precision_and_scale(38, scale)?;
    Ok((DataType::Decimal128(38, scale), Arc::new(array)))
}

/// Digits before the decimal point.
fn integer_digits(d: &Decimal) -> u32 {
    let whole = d.trunc().abs();
    let text = whole.normalize().to_string();
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

/// The text of a JSON string, or of a JSON number as written (numbers are accepted as text).
fn scalar_text(json: &Json) -> Option<&str> {
    match json {
        Json::String(s) => Some(s),
        Json::Number(n) => Some(n.as_str()),
        _ => None,
    }
}

/// The JSON Lines sweep's error object for a record recordlock's ingestor refused.
pub(crate) fn record_error_json(e: recordlock::criteria::RecordError) -> Json {
    serde_json::to_value(recordlock::criteria::Error::from(e)).unwrap_or(Json::Null)
}
