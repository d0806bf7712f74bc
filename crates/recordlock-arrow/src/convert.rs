//! JSON records → Arrow batches: each field a column of its natural Arrow type when every
//! value fits it, else a column of the canonical `arrow.json` extension type that keeps
//! each value's JSON text (so a value of the wrong type still reaches the engine, which
//! fails closed on it exactly as JSON ingestion does).
//!
//! `recordlock gen --format parquet` writes its records through this, and the tests build
//! batches in every encoding the engine reads ([`Style`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Date32Builder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, Decimal128Array, DictionaryArray, Int64Array, LargeListArray, LargeStringArray, ListArray,
    RecordBatch, StringArray, StringViewArray, StructArray, TimestampMicrosecondArray, TimestampMillisecondArray,
    TimestampNanosecondArray, TimestampSecondArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{ArrowError, DataType, Field as ArrowField, Fields, Schema as ArrowSchema, TimeUnit};
use chrono::NaiveDate;
use recordlock::criteria::{
    Field, Schema, Slot, TypeClass, is_empty_json, parse_bool, parse_date, parse_datetime, parse_decimal,
};
use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::mapping::{EXTENSION_NAME_KEY, JSON_EXTENSION};
use crate::records::{common_scale, date32, scalar_text};

/// How text columns are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextLayout {
    /// Utf8.
    #[default]
    Utf8,
    /// LargeUtf8.
    Large,
    /// Utf8View.
    View,
    /// Dictionary(Int32, Utf8).
    Dictionary,
}

/// The encodings a batch is built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Text, picklist (and text-typed) columns.
    pub text: TextLayout,
    /// Empty text values as `""` rather than null.
    pub empty_as_empty_string: bool,
    /// Every column as text of the value (a JSON string's text, a number's digits), as a CSV
    /// export carries it; values without such text (booleans in text fields, objects) as
    /// JSON text.
    pub all_text: bool,
    /// Every column as JSON text (the `arrow.json` extension type).
    pub all_json: bool,
    /// Decimals with precision 38 (read value by value) rather than the least precision.
    pub wide_decimals: bool,
    /// Timestamps in this unit (values it cannot hold exactly fall back to nanoseconds).
    pub unit: TimeUnit,
    /// Multi-selects as LargeList.
    pub large_lists: bool,
    /// Lookups as a Struct with an `id` child.
    pub lookup_structs: bool,
    /// Whole numbers as Int64 rather than Decimal128 when all values are whole.
    pub integers: bool,
    /// Picklists as Dictionary(Int32, Utf8), whatever `text` says.
    pub picklist_dictionary: bool,
    /// Decimal fields (not integer and bigint) as Decimal128 of this precision and scale
    /// (a value with more decimals goes to JSON text): one schema for every batch of a file.
    pub fixed_decimal: Option<(u8, i8)>,
    /// The `id` column as Int64 (Zoho's type for record ids is bigint) when every id is an
    /// integer Int64 holds, written as Int64 writes it back (no sign `+`, no leading zero);
    /// as text otherwise.
    pub integer_ids: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            text: TextLayout::Utf8,
            empty_as_empty_string: false,
            all_text: false,
            all_json: false,
            wide_decimals: false,
            unit: TimeUnit::Microsecond,
            large_lists: false,
            lookup_structs: false,
            integers: true,
            picklist_dictionary: false,
            fixed_decimal: None,
            integer_ids: false,
        }
    }
}

/// Builds one batch of `records` (JSON objects) with an `id` column and one column per field
/// in `slots` of `schema`.
///
/// # Errors
/// Arrow's own errors (not expected for any input: every value has a column that holds it).
pub fn batch_from_json(
    schema: &Schema,
    slots: &[Slot],
    records: &[Json],
    style: &Style,
) -> Result<RecordBatch, ArrowError> {
    let ids: Vec<Option<&Json>> = records.iter().map(|r| r.get("id")).collect();
    let columns: Vec<Vec<Option<&Json>>> = slots
        .iter()
        .map(|slot| {
            let name = schema.get(*slot).map(Field::api_name);
            records.iter().map(|r| name.and_then(|n| r.get(n))).collect()
        })
        .collect();
    batch_from_columns(schema, slots, &ids, &columns, style)
}

/// Builds one batch from values already split by column: `ids` the `id` column's, and
/// `columns[k]` the values of `slots[k]` (every column as long as `ids`; `None`: absent).
///
/// # Errors
/// Arrow's own errors, or columns of unequal lengths.
pub fn batch_from_columns(
    schema: &Schema,
    slots: &[Slot],
    ids: &[Option<&Json>],
    columns: &[Vec<Option<&Json>>],
    style: &Style,
) -> Result<RecordBatch, ArrowError> {
    let mut fields = Vec::with_capacity(slots.len() + 1);
    let mut arrays = Vec::with_capacity(slots.len() + 1);
    let (f, a) = match style.integer_ids.then(|| integer_ids(ids)).flatten() {
        Some(ids) => (ArrowField::new("id", DataType::Int64, true), Arc::new(ids) as ArrayRef),
        None => text_or_json("id", ids, style, TypeClass::Text),
    };
    fields.push(f);
    arrays.push(a);
    for (slot, values) in slots.iter().zip(columns) {
        let Some(field) = schema.get(*slot) else { continue };
        let (f, a) = column(field, values, style);
        fields.push(f);
        arrays.push(a);
    }
    RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), arrays)
}

/// The ids as Int64 when each is null or an integer (a string or a number) whose Int64 is
/// written back as the very same text; `None` otherwise.
fn integer_ids(ids: &[Option<&Json>]) -> Option<Int64Array> {
    let exact = |text: &str| text.parse::<i64>().ok().filter(|n| n.to_string() == text);
    ids.iter()
        .map(|id| match id {
            None | Some(Json::Null) => Some(None),
            Some(Json::String(s)) => exact(s).map(Some),
            Some(Json::Number(n)) => exact(&n.to_string()).map(Some),
            Some(_) => None,
        })
        .collect::<Option<Vec<Option<i64>>>>()
        .map(Int64Array::from)
}

fn column(field: &Field, values: &[Option<&Json>], style: &Style) -> (ArrowField, ArrayRef) {
    let name = field.api_name();
    if style.all_json {
        return json_column(name, values);
    }
    let class = field.data_type().class();
    if style.all_text {
        return text_or_json(name, values, style, class);
    }
    let typed = match class {
        TypeClass::Text => texts(values).map(|t| text_array(name, &t, style)),
        TypeClass::Picklist => texts(values).map(|t| {
            let dictionary = Style { text: TextLayout::Dictionary, ..*style };
            text_array(name, &t, if style.picklist_dictionary { &dictionary } else { style })
        }),
        TypeClass::MultiPicklist => lists(values).map(|l| list_array(name, &l, style)),
        TypeClass::Number { integral } => {
            numbers(values, integral).and_then(|n| number_array(name, &n, integral, style))
        }
        TypeClass::Date => dates(values).map(|d| {
            let mut b = Date32Builder::with_capacity(d.len());
            for v in &d {
                b.append_option(v.as_ref().and_then(date32));
            }
            (ArrowField::new(name, DataType::Date32, true), Arc::new(b.finish()) as ArrayRef)
        }),
        TypeClass::DateTime => instants(values, style.unit)
            .map(|(unit, ticks)| timestamp_array(name, unit, ticks))
            .or_else(|| instants(values, TimeUnit::Nanosecond).map(|(unit, ticks)| timestamp_array(name, unit, ticks))),
        TypeClass::Boolean => booleans(values).map(|b| {
            let mut builder = BooleanBuilder::with_capacity(b.len());
            for v in &b {
                builder.append_option(*v);
            }
            (ArrowField::new(name, DataType::Boolean, true), Arc::new(builder.finish()) as ArrayRef)
        }),
        TypeClass::Lookup => lookup_ids(values).map(|ids| id_array(name, &ids, style)),
        TypeClass::Unsupported => None,
    };
    typed.unwrap_or_else(|| json_column(name, values))
}

/// Text values (`None`: empty), or `None` if some value is not text.
fn texts<'a>(values: &[Option<&'a Json>]) -> Option<Vec<Option<&'a str>>> {
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(j) => scalar_text(j).map(Some),
        })
        .collect()
}

/// The column as text where every value has text that reads as the value does (a
/// multi-select's options joined by `;`), else as JSON text. (A lookup's JSON number `1.5`
/// is not an id, but the text `1.5` is: such a column stays JSON.)
fn text_or_json(name: &str, values: &[Option<&Json>], style: &Style, class: TypeClass) -> (ArrowField, ArrayRef) {
    let multi = class == TypeClass::MultiPicklist;
    let as_text: Option<Vec<Option<String>>> = values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(Json::Array(items)) if multi => {
                let parts: Option<Vec<&str>> = items.iter().map(scalar_text).collect();
                parts.filter(|p| p.iter().all(|s| !s.contains(';'))).map(|p| Some(p.join(";")))
            }
            Some(_) if multi => None,
            Some(Json::Number(n)) if class == TypeClass::Lookup && !n.as_str().bytes().all(|b| b.is_ascii_digit()) => {
                None
            }
            Some(j) => scalar_text(j).map(|s| Some(s.to_owned())),
        })
        .collect();
    match as_text {
        Some(t) => {
            let t: Vec<Option<&str>> = t.iter().map(Option::as_deref).collect();
            text_array(name, &t, style)
        }
        None => json_column(name, values),
    }
}

fn text_array(name: &str, values: &[Option<&str>], style: &Style) -> (ArrowField, ArrayRef) {
    let values: Vec<Option<&str>> = values
        .iter()
        .map(|v| match v {
            None if style.empty_as_empty_string => Some(""),
            other => *other,
        })
        .collect();
    let array: ArrayRef = match style.text {
        TextLayout::Utf8 => Arc::new(StringArray::from(values)),
        TextLayout::Large => Arc::new(LargeStringArray::from(values)),
        TextLayout::View => Arc::new(StringViewArray::from(values)),
        TextLayout::Dictionary => Arc::new(values.into_iter().collect::<DictionaryArray<Int32Type>>()),
    };
    (ArrowField::new(name, array.data_type().clone(), true), array)
}

fn json_column(name: &str, values: &[Option<&Json>]) -> (ArrowField, ArrayRef) {
    let mut b = StringBuilder::new();
    for v in values {
        match v {
            None => b.append_null(),
            Some(j) => b.append_value(j.to_string()),
        }
    }
    let field = ArrowField::new(name, DataType::Utf8, true)
        .with_metadata(HashMap::from([(EXTENSION_NAME_KEY.to_owned(), JSON_EXTENSION.to_owned())]));
    (field, Arc::new(b.finish()))
}

/// Multi-select values: each a list of option texts (`None`: empty).
fn lists<'a>(values: &[Option<&'a Json>]) -> Option<Vec<Option<Vec<&'a str>>>> {
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(Json::Array(items)) => items.iter().map(scalar_text).collect::<Option<Vec<&str>>>().map(Some),
            Some(_) => None,
        })
        .collect()
}

fn list_array(name: &str, lists: &[Option<Vec<&str>>], style: &Style) -> (ArrowField, ArrayRef) {
    let items: Vec<&str> = lists.iter().flatten().flatten().copied().collect();
    let mut lengths = Vec::with_capacity(lists.len());
    for l in lists {
        lengths.push(l.as_ref().map_or(0, Vec::len));
    }
    let nulls = NullBuffer::from(lists.iter().map(Option::is_some).collect::<Vec<bool>>());
    let item_style = Style { empty_as_empty_string: false, ..*style };
    let item_values: Vec<Option<&str>> = items.into_iter().map(Some).collect();
    let (item_field, item_array) = text_array("item", &item_values, &item_style);
    let item_field = Arc::new(item_field);
    let array: ArrayRef = if style.large_lists {
        Arc::new(LargeListArray::new(
            Arc::clone(&item_field),
            OffsetBuffer::from_lengths(lengths),
            item_array,
            Some(nulls),
        ))
    } else {
        Arc::new(ListArray::new(Arc::clone(&item_field), OffsetBuffer::from_lengths(lengths), item_array, Some(nulls)))
    };
    (ArrowField::new(name, array.data_type().clone(), true), array)
}

/// Exact numbers (`None`: empty), or `None` if some value is not one a field of this kind
/// holds.
fn numbers(values: &[Option<&Json>], integral: bool) -> Option<Vec<Option<Decimal>>> {
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(j) => scalar_text(j).and_then(parse_decimal).filter(|d| !integral || d.is_integer()).map(Some),
        })
        .collect()
}

/// Whole numbers as Int64, others as Decimal128 at the largest scale among them; `None` when
/// they do not fit 38 digits at that scale.
fn number_array(
    name: &str,
    numbers: &[Option<Decimal>],
    integral: bool,
    style: &Style,
) -> Option<(ArrowField, ArrayRef)> {
    if let (false, Some((precision, scale))) = (integral, style.fixed_decimal) {
        let target = u32::try_from(scale).ok()?;
        let (scaled, common) = common_scale(numbers, target)?;
        if common != target {
            return None;
        }
        let array = Decimal128Array::from(scaled).with_precision_and_scale(precision, scale).ok()?;
        array.validate_decimal_precision(precision).ok()?;
        return Some((ArrowField::new(name, array.data_type().clone(), true), Arc::new(array)));
    }
    let whole = numbers.iter().flatten().all(|d| d.is_integer() && d.normalize().to_string().parse::<i64>().is_ok());
    if style.integers && whole {
        let ints: Vec<Option<i64>> =
            numbers.iter().map(|d| d.and_then(|d| d.normalize().to_string().parse::<i64>().ok())).collect();
        let array: ArrayRef = Arc::new(Int64Array::from(ints));
        return Some((ArrowField::new(name, DataType::Int64, true), array));
    }
    let (scaled, scale) = common_scale(numbers, 0)?;
    let digits = scaled.iter().flatten().map(|m| m.unsigned_abs().to_string().len()).max().unwrap_or(1);
    let scale = u8::try_from(scale).unwrap_or(28);
    let precision = if style.wide_decimals { 38 } else { u8::try_from(digits).unwrap_or(38).max(scale).clamp(1, 38) };
    if digits > 38 {
        return None;
    }
    let array = Decimal128Array::from(scaled).with_precision_and_scale(precision, i8::try_from(scale).ok()?).ok()?;
    Some((ArrowField::new(name, array.data_type().clone(), true), Arc::new(array)))
}

fn dates(values: &[Option<&Json>]) -> Option<Vec<Option<NaiveDate>>> {
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(Json::String(s)) => parse_date(s).map(Some),
            Some(_) => None,
        })
        .collect()
}

/// Instants as ticks of `unit`, or `None` if some value is not an instant this unit holds
/// exactly (a leap second never is).
fn instants(values: &[Option<&Json>], unit: TimeUnit) -> Option<(TimeUnit, Vec<Option<i64>>)> {
    let per_second: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let ticks = values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(Json::String(s)) => {
                let t = parse_datetime(s)?;
                let nanos = i64::from(t.timestamp_subsec_nanos());
                let per_tick = 1_000_000_000 / per_second;
                if nanos >= 1_000_000_000 || nanos % per_tick != 0 {
                    return None;
                }
                t.timestamp().checked_mul(per_second)?.checked_add(nanos / per_tick).map(Some)
            }
            Some(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((unit, ticks))
}

fn timestamp_array(name: &str, unit: TimeUnit, ticks: Vec<Option<i64>>) -> (ArrowField, ArrayRef) {
    let zone = "UTC";
    let array: ArrayRef = match unit {
        TimeUnit::Second => Arc::new(TimestampSecondArray::from(ticks).with_timezone(zone)),
        TimeUnit::Millisecond => Arc::new(TimestampMillisecondArray::from(ticks).with_timezone(zone)),
        TimeUnit::Microsecond => Arc::new(TimestampMicrosecondArray::from(ticks).with_timezone(zone)),
        TimeUnit::Nanosecond => Arc::new(TimestampNanosecondArray::from(ticks).with_timezone(zone)),
    };
    (ArrowField::new(name, array.data_type().clone(), true), array)
}

fn booleans(values: &[Option<&Json>]) -> Option<Vec<Option<bool>>> {
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(j) => parse_bool(j).map(Some),
        })
        .collect()
}

/// Lookup ids as text (`None`: empty), as JSON ingestion reads them.
fn lookup_ids(values: &[Option<&Json>]) -> Option<Vec<Option<String>>> {
    let id_text = |j: &Json| match j {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) if n.as_str().bytes().all(|b| b.is_ascii_digit()) => Some(n.as_str().to_owned()),
        _ => None,
    };
    values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(j) if is_empty_json(j) => Some(None),
            Some(Json::Object(map)) => match map.get("id") {
                Some(id) if is_empty_json(id) => Some(None),
                Some(id) => id_text(id).map(Some),
                None => None,
            },
            Some(j) => id_text(j).map(Some),
        })
        .collect()
}

fn id_array(name: &str, ids: &[Option<String>], style: &Style) -> (ArrowField, ArrayRef) {
    let texts: Vec<Option<&str>> = ids.iter().map(Option::as_deref).collect();
    let plain = Style { empty_as_empty_string: false, ..*style };
    let (child_field, child) = text_array("id", &texts, &plain);
    if !style.lookup_structs {
        return text_array(name, &texts, style);
    }
    let nulls = NullBuffer::from(ids.iter().map(Option::is_some).collect::<Vec<bool>>());
    let fields = Fields::from(vec![child_field]);
    match StructArray::try_new(fields, vec![child], Some(nulls)) {
        Ok(s) => (ArrowField::new(name, s.data_type().clone(), true), Arc::new(s)),
        Err(_) => text_array(name, &texts, style),
    }
}
