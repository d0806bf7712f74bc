//! Parquet columns that hold text for typed fields — RFC 3339 datetimes, decimal digits,
//! `YYYY-MM-DD` dates, `true`/`false`, multi-selects joined by `;` (what the shared mapping
//! accepts and the columnar engine parses) — typed by recordlock before DataFusion compares.
//!
//! DataFusion's own casts would not give the VM's answers: they accept more than SPEC.md §2
//! reads, fail a whole query on one bad value, and an Arrow timestamp cannot hold a leap
//! second (`23:59:60Z`), which RFC 3339 allows. So each value is read as the columnar engine
//! reads it (as JSON ingestion reads the same JSON string), datetimes become exact
//! [instant keys](recordlock_arrow::records::instant_key), and a value that cannot be read
//! makes its row unevaluable with the columnar engine's error (`line`: the 1-based row in
//! the file) in [`ERROR_COLUMN`].

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Date32Array, ListBuilder, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema as ArrowSchema};
use datafusion::arrow::record_batch::RecordBatch;
use recordlock::RuleSet;
use recordlock::criteria::{Error as CriteriaError, ErrorCode, Field, JsonPath, TypeClass, Value};
use recordlock_arrow::mapping::{Encoding, MappingOptions, map_columns};
use recordlock_arrow::records::{ERROR_COLUMN, date32, decimal_column, instant_key_column};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::error::Error;

/// Whether a field of this class read from text is typed here (text, picklists and lookups
/// are compared as text by DataFusion itself).
fn typed_here(field: &Field) -> bool {
    matches!(
        field.data_type().class(),
        TypeClass::Number { .. }
            | TypeClass::Date
            | TypeClass::DateTime
            | TypeClass::Boolean
            | TypeClass::MultiPicklist
    )
}

/// Whether some column `rules` read holds text for a field typed here.
pub(crate) fn needs_typing(rules: &RuleSet, table: &ArrowSchema) -> bool {
    let schema = rules.schema();
    map_columns(schema, &rules.reads(), table, &MappingOptions::default()).is_ok_and(|mapping| {
        mapping.columns().iter().any(|m| m.encoding == Encoding::Text && typed_here(schema.field(m.slot)))
    })
}

/// `batch` (rows `first_row + 1 ..` of its file) with each text column of a field typed here
/// replaced by its typed column, and [`ERROR_COLUMN`] added: for a row the reader could not
/// read (`unreadable`), its error; for a row with a value that cannot be read, the first
/// such error in field order.
///
/// # Errors
/// A mapping error (the batch is not of the file's schema); Arrow's.
pub(crate) fn typed_batch(
    rules: &RuleSet,
    batch: &RecordBatch,
    first_row: u64,
    unreadable: &[(usize, CriteriaError)],
) -> Result<RecordBatch, Error> {
    let schema = rules.schema();
    let table = batch.schema();
    let mapping = map_columns(schema, &rules.reads(), &table, &MappingOptions::default())
        .map_err(|e| Error::Mapping(e.to_string()))?;
    let mut fields: Vec<ArrowField> = table.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut arrays: Vec<ArrayRef> = batch.columns().to_vec();
    let mut errors: Vec<Option<String>> = vec![None; batch.num_rows()];
    // The reader's errors first (a ragged CSV row, a cell that is not UTF-8), as the
    // columnar engine reports them.
    for (row, error) in unreadable {
        if let Some(slot) = errors.get_mut(*row) {
            *slot = Some(json!({"error": error, "line": line_of(first_row, *row)}).to_string());
        }
    }
    for mapped in mapping.columns() {
        let field = schema.field(mapped.slot);
        if mapped.encoding != Encoding::Text || !typed_here(field) {
            continue;
        }
        let (Some(slot_field), Some(slot_array)) = (fields.get_mut(mapped.index), arrays.get_mut(mapped.index)) else {
            continue;
        };
        let (f, a) = typed_column(field, &mapped.column, slot_array, first_row, &mut errors)?;
        *slot_field = f;
        *slot_array = a;
    }
    fields.push(ArrowField::new(ERROR_COLUMN, DataType::Utf8, true));
    arrays.push(Arc::new(errors.iter().map(Option::as_deref).collect::<datafusion::arrow::array::StringArray>()));
    Ok(RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), arrays)?)
}

/// The typed column of `field` from the text column `array` named `name`.
fn typed_column(
    field: &Field,
    name: &str,
    array: &ArrayRef,
    first_row: u64,
    errors: &mut [Option<String>],
) -> Result<(ArrowField, ArrayRef), Error> {
    let text = cast(array, &DataType::Utf8)?;
    let text = text.as_string::<i32>();
    let texts =
        (0..text.len()).map(|i| if text.is_valid(i) { Some(text.value(i)).filter(|t| !t.is_empty()) } else { None });
    let plain = |array: ArrayRef| (ArrowField::new(name, array.data_type().clone(), true), array);
    if field.data_type().class() == TypeClass::MultiPicklist {
        // The options as written, as a JSON array of them is stored.
        let mut b = ListBuilder::new(StringBuilder::new());
        for t in texts {
            match t {
                Some(t) => {
                    for item in t.split(';') {
                        b.values().append_value(item);
                    }
                    b.append(true);
                }
                None => b.append(false),
            }
        }
        return Ok(plain(Arc::new(b.finish())));
    }
    let mut values = Vec::with_capacity(text.len());
    for (i, t) in texts.enumerate() {
        let value = match t.map(|t| Value::from_json(field, &Json::String(t.to_owned()))) {
            None => Value::Empty,
            Some(Ok(v)) => v,
            Some(Err(why)) => {
                if let Some(slot @ None) = errors.get_mut(i) {
                    *slot = Some(json!({"error": row_error(field, &why), "line": line_of(first_row, i)}).to_string());
                }
                Value::Empty
            }
        };
        values.push(value);
    }
    Ok(match field.data_type().class() {
        TypeClass::Number { .. } => {
            let numbers: Vec<Option<Decimal>> =
                values.iter().map(|v| if let Value::Number(d) = v { Some(*d) } else { None }).collect();
            plain(decimal_column(&numbers)?.1)
        }
        TypeClass::Date => plain(Arc::new(
            values.iter().map(|v| if let Value::Date(d) = v { date32(d) } else { None }).collect::<Date32Array>(),
        )),
        TypeClass::DateTime => {
            let instants: Vec<_> =
                values.iter().map(|v| if let Value::DateTime(t) = v { Some(*t) } else { None }).collect();
            instant_key_column(name, &instants)?
        }
        _ => plain(Arc::new(
            values.iter().map(|v| if let Value::Bool(b) = v { Some(*b) } else { None }).collect::<BooleanArray>(),
        )),
    })
}

/// The 1-based number of row `row` of a batch whose rows follow `first_row` rows of the file.
fn line_of(first_row: u64, row: usize) -> u64 {
    first_row.saturating_add(u64::try_from(row).unwrap_or(u64::MAX)).saturating_add(1)
}

/// The columnar engine's error for a value of `field` that cannot be read: what JSON
/// ingestion reports for the same value (INVALID_RECORD, the field's path and type).
fn row_error(field: &Field, why: &str) -> CriteriaError {
    let name = field.api_name();
    CriteriaError::new(ErrorCode::InvalidRecord, &JsonPath::root().key(name), format!("`{name}`: {why}"))
        .with_api_name(name)
        .with_expected_data_type(field.data_type().as_str())
}
