//! Columns read for evaluation: each mapped Arrow column of a batch, in the form its
//! tests run on, with the rows whose value cannot be read (fail closed, SPEC.md §4).
//!
//! Numbers, dates, instants and booleans stay in their Arrow buffers (compared as scaled
//! integers, day numbers and ticks); dictionaries are read once per dictionary value and
//! gathered by key; picklist text is read once per distinct value; everything else is read
//! value by value with the rules of JSON ingestion ([`Value::from_json`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, LargeStringArray, StringArray, StringViewArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, TimeUnit};
use recordlock::criteria::{Choice, ChoiceSet, Field, TypeClass, Value, fold};
use serde_json::Value as Json;

use crate::dictionary::{DictionaryMemo, DictionaryValues};
use crate::mapping::Encoding;

/// Rows (index in the batch) whose value cannot be read, and why.
pub(crate) type RowErrors = Vec<(usize, String)>;

/// The form a mapped column takes for tests, decided from the mapping (so once per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// [`Column::Values`].
    Values,
    /// [`Column::Text`].
    Text,
    /// [`Column::Scaled`] with this scale.
    Scaled(i8),
    /// [`Column::Date`].
    Date,
    /// [`Column::Timestamp`].
    Timestamp(TimeUnit),
    /// [`Column::Boolean`].
    Boolean,
}

/// The form of a column of `field` with Arrow type `dt`, read with `encoding`.
pub(crate) fn form(field: &Field, encoding: Encoding, dt: &DataType) -> Form {
    let class = field.data_type().class();
    match (encoding, class) {
        (Encoding::Text, TypeClass::Text) if Strings::is_plain(dt) => Form::Text,
        (Encoding::Integer, TypeClass::Number { .. }) if *dt != DataType::UInt64 => Form::Scaled(0),
        (Encoding::Decimal { scale }, TypeClass::Number { .. }) => match dt {
            DataType::Decimal128(precision, _) if *precision <= 28 && (0..=28).contains(&scale) => Form::Scaled(scale),
            _ => Form::Values,
        },
        (Encoding::Date, _) => Form::Date,
        (Encoding::Timestamp(unit), _) => Form::Timestamp(unit),
        (Encoding::Boolean, _) => Form::Boolean,
        _ => Form::Values,
    }
}

/// Whether a column of `field` with Arrow type `dt`, read with `encoding`, is read as
/// [`Column::Values`] with keys: a dictionary, or a picklist's text.
pub(crate) fn keyed(field: &Field, encoding: Encoding, dt: &DataType) -> bool {
    form(field, encoding, dt) == Form::Values
        && matches!(encoding, Encoding::Text | Encoding::Json)
        && (matches!(dt, DataType::Dictionary(..))
            || (encoding == Encoding::Text && field.data_type().class() == TypeClass::Picklist))
}

/// A column ready for tests.
pub(crate) enum Column<'a> {
    /// Typed values: one per row, or (with `keys`) one per distinct value and a key per row.
    Values { values: ValueList, keys: Option<Keys<'a>> },
    /// Plain text of a text field, folded when tested (no row can be unreadable).
    Text(Strings<'a>),
    /// Exact numbers as integers scaled by the column's `10^scale`.
    Scaled { data: Scaled<'a>, nulls: Option<NullBuffer> },
    /// Days since 1970-01-01.
    Date { days: ScalarBuffer<i32>, nulls: Option<NullBuffer> },
    /// Instants, in ticks of `unit` since the epoch.
    Timestamp { ticks: ScalarBuffer<i64>, nulls: Option<NullBuffer> },
    /// Booleans.
    Boolean(BooleanArray),
}

/// The values of a [`Column::Values`]: read for this batch, or a dictionary's, read once
/// for every batch that carries it.
pub(crate) enum ValueList {
    Owned(Vec<Value>),
    Shared(Arc<DictionaryValues>),
}

impl std::ops::Deref for ValueList {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        match self {
            ValueList::Owned(v) => v,
            ValueList::Shared(d) => &d.values,
        }
    }
}

impl From<Vec<Value>> for ValueList {
    fn from(values: Vec<Value>) -> ValueList {
        ValueList::Owned(values)
    }
}

/// Each row's index into a column's distinct values.
pub(crate) struct Keys<'a> {
    /// Each row's index (whatever it is for a null row; out of range: no value). An Int32
    /// dictionary's key buffer as it is.
    pub(crate) index: Cow<'a, [i32]>,
    /// Null rows (empty), when there are any.
    pub(crate) nulls: Option<NullBuffer>,
}

impl Keys<'_> {
    /// Row `row`'s index into the values, `None` for a null row.
    #[inline]
    pub(crate) fn get(&self, row: usize) -> Option<usize> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return None;
        }
        self.index.get(row).and_then(|k| usize::try_from(*k).ok())
    }
}

/// The integers of a [`Column::Scaled`].
#[derive(Debug)]
pub(crate) enum Scaled<'a> {
    /// Decimal128's values as they are, borrowed (no reference count to raise and drop).
    I128(&'a [i128]),
    /// Integer columns, widened.
    I64(Vec<i64>),
}

/// Text values of a Utf8, LargeUtf8 or Utf8View array.
pub(crate) enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    /// Whether `dt` is Utf8, LargeUtf8 or Utf8View.
    pub(crate) fn is_plain(dt: &DataType) -> bool {
        matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
    }

    pub(crate) fn new(array: &'a dyn Array) -> Option<Strings<'a>> {
        match array.data_type() {
            DataType::Utf8 => Some(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Some(Strings::View(array.as_string_view())),
            _ => None,
        }
    }

    /// The text in row `i`, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }

    pub(crate) fn null_count(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.null_count(),
            Strings::Large(a) => a.null_count(),
            Strings::View(a) => a.null_count(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Strings::Utf8(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
        }
    }
}

/// Text of any text column, dictionaries included: row `i`'s text or `None` when null.
pub(crate) enum AnyText<'a> {
    Plain(Strings<'a>),
    Dict { keys: Keys<'a>, values: Strings<'a> },
}

impl<'a> AnyText<'a> {
    pub(crate) fn new(array: &'a dyn Array) -> Option<AnyText<'a>> {
        if let Some(d) = array.as_any_dictionary_opt() {
            let values = Strings::new(d.values().as_ref())?;
            return Some(AnyText::Dict {
                keys: Keys { index: key_index(array), nulls: array.logical_nulls() },
                values,
            });
        }
        Strings::new(array).map(AnyText::Plain)
    }

    /// Whether no row is null (known without looking at every row: plain text without a
    /// null; a dictionary's keys may point at null values, so it is never said of those).
    pub(crate) fn none_null(&self) -> bool {
        match self {
            AnyText::Plain(s) => s.null_count() == 0,
            AnyText::Dict { .. } => false,
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            AnyText::Plain(s) => s.get(i),
            AnyText::Dict { keys, values } => values.get(keys.get(i).filter(|k| *k < values.len())?),
        }
    }
}

/// Reads `array` (a column of `field`, read with `encoding`) for tests, in `form`, the
/// form [`form`] gives for its type.
pub(crate) fn read<'a>(
    array: &'a ArrayRef,
    field: &Field,
    encoding: Encoding,
    form: Form,
    memo: &DictionaryMemo,
) -> (Column<'a>, RowErrors) {
    match encoding {
        Encoding::Text if form == Form::Text => match Strings::new(array.as_ref()) {
            Some(s) => (Column::Text(s), vec![]),
            None => (Column::Values { values: vec![Value::Empty; array.len()].into(), keys: None }, vec![]),
        },
        Encoding::Text | Encoding::Json => read_text(array.as_ref(), field, encoding == Encoding::Json, memo),
        Encoding::Integer if form == Form::Scaled(0) => match integers(array.as_ref()) {
            Some(Ok(data)) => (Column::Scaled { data: Scaled::I64(data), nulls: array.logical_nulls() }, vec![]),
            Some(Err(wide)) => values_per_row(
                array.len(),
                |i| wide.get(i).copied().flatten().map(|n| n.to_string()),
                |text| Value::from_json(field, &number_json(text)),
            ),
            None => (Column::Values { values: vec![Value::Empty; array.len()].into(), keys: None }, vec![]),
        },
        Encoding::Integer => {
            // A lookup's id as an integer: read as JSON reads a number id.
            let texts = integer_texts(array.as_ref());
            values_per_row(
                array.len(),
                |i| texts.get(i).cloned().flatten(),
                |t| Value::from_json(field, &number_json(t)),
            )
        }
        Encoding::Decimal { scale } => read_decimal(array, field, scale),
        Encoding::Float => {
            let texts = float_texts(array.as_ref());
            values_per_row(
                array.len(),
                |i| texts.get(i).cloned().flatten(),
                |t| Value::from_json(field, &number_json(t)),
            )
        }
        Encoding::Date => {
            let a = array.as_primitive::<arrow_array::types::Date32Type>();
            let days = a.values().clone();
            let nulls = a.logical_nulls();
            // JSON dates have four-digit years: 0000-01-01 ..= 9999-12-31.
            let errors = (0..a.len())
                .filter(|&i| a.is_valid(i) && !(-719_528..=2_932_896).contains(&days.get(i).copied().unwrap_or(0)))
                .map(|i| (i, "a date outside the years 0000..=9999".to_owned()))
                .collect();
            (Column::Date { days, nulls }, errors)
        }
        Encoding::Timestamp(unit) => {
            let (ticks, nulls) = timestamp_ticks(array.as_ref());
            let per_second = ticks_per_second(unit);
            let (lo, hi) = (-62_167_219_200i128 * per_second, 253_402_300_800i128 * per_second);
            let errors = (0..ticks.len())
                .filter(|&i| nulls.as_ref().is_none_or(|n| n.is_valid(i)))
                .filter(|&i| ticks.get(i).is_some_and(|t| !(lo..hi).contains(&i128::from(*t))))
                .map(|i| (i, "an instant outside the years 0000..=9999".to_owned()))
                .collect();
            (Column::Timestamp { ticks, nulls }, errors)
        }
        Encoding::Boolean => (Column::Boolean(array.as_boolean().clone()), vec![]),
        Encoding::TextList => read_list(array.as_ref(), field),
        Encoding::IdStruct { child, integer } => {
            let s = array.as_struct();
            let ids = s.column(child);
            let texts: Vec<Option<String>> = if integer {
                integer_texts(ids.as_ref())
            } else {
                let t = AnyText::new(ids.as_ref());
                (0..ids.len()).map(|i| t.as_ref().and_then(|t| t.get(i)).map(str::to_owned)).collect()
            };
            values_per_row(
                array.len(),
                |i| {
                    if s.is_null(i) { None } else { texts.get(i).cloned().flatten() }
                },
                |t| {
                    if integer {
                        Value::from_json(field, &number_json(t))
                    } else {
                        Value::from_json(field, &Json::String(t.to_owned()))
                    }
                },
            )
        }
    }
}

/// The JSON number written as `text` (an integer, decimal or float's text); text that is
/// not a number (`NaN`) stays a string, which no numeric field accepts.
fn number_json(text: &str) -> Json {
    match serde_json::from_str::<Json>(text) {
        Ok(n @ Json::Number(_)) => n,
        _ => Json::String(text.to_owned()),
    }
}

/// Values read one row at a time from each row's text (`None`: null).
fn values_per_row(
    len: usize,
    text: impl Fn(usize) -> Option<String>,
    read: impl Fn(&str) -> Result<Value, String>,
) -> (Column<'static>, RowErrors) {
    let mut values = Vec::with_capacity(len);
    let mut errors = Vec::new();
    for i in 0..len {
        match text(i) {
            None => values.push(Value::Empty),
            Some(t) => match read(&t) {
                Ok(v) => values.push(v),
                Err(why) => {
                    values.push(Value::Empty);
                    errors.push((i, why));
                }
            },
        }
    }
    (Column::Values { values: values.into(), keys: None }, errors)
}

/// Reads one text value of `field`: as JSON ingestion reads a JSON string (or, for `json`,
/// the JSON value the text is). A multi-select's text is its options joined by `;`.
pub(crate) fn value_of_text(field: &Field, text: &str, json: bool) -> Result<Value, String> {
    if text.is_empty() {
        return Ok(Value::Empty);
    }
    if json {
        let parsed: Json = serde_json::from_str(text).map_err(|e| format!("not a JSON value ({e})"))?;
        return Value::from_json(field, &parsed);
    }
    match field.data_type().class() {
        TypeClass::Text => Ok(Value::Text(fold(text))),
        TypeClass::Picklist => Ok(Value::Choice(choice_of(field, text))),
        TypeClass::MultiPicklist => Ok(choices(field, text.split(';').map(Some))),
        _ => Value::from_json(field, &Json::String(text.to_owned())),
    }
}

/// A multi-select value from its selected options' texts (empty and null items are ignored).
fn choices<'t>(field: &Field, items: impl Iterator<Item = Option<&'t str>>) -> Value {
    let set: Vec<Choice> = items.flatten().filter(|s| !s.is_empty()).map(|s| choice_of(field, s)).collect();
    if set.is_empty() { Value::Empty } else { Value::Choices(ChoiceSet::new(set)) }
}

fn read_text<'a>(array: &'a dyn Array, field: &Field, json: bool, memo: &DictionaryMemo) -> (Column<'a>, RowErrors) {
    let len = array.len();
    let mut errors = Vec::new();
    // Dictionaries: each dictionary value read once (once for all the batches that carry
    // the dictionary), rows gathered by key.
    if let Some(d) = array.as_any_dictionary_opt() {
        let Some(strings) = Strings::new(d.values().as_ref()) else {
            return (Column::Values { values: vec![Value::Empty; len].into(), keys: None }, errors);
        };
        let read = memo.values(d.values().as_ref(), || {
            let mut values = Vec::with_capacity(strings.len() + 1);
            let mut bad: Vec<Option<String>> = Vec::with_capacity(strings.len() + 1);
            for k in 0..strings.len() {
                match strings.get(k).map(|t| value_of_text(field, t, json)).unwrap_or(Ok(Value::Empty)) {
                    Ok(v) => {
                        values.push(v);
                        bad.push(None);
                    }
                    Err(why) => {
                        values.push(Value::Empty);
                        bad.push(Some(why));
                    }
                }
            }
            (values, bad)
        });
        let keys = Keys { index: key_index(array), nulls: array.logical_nulls() };
        if read.any_bad {
            for i in 0..len {
                if let Some(Some(why)) = keys.get(i).and_then(|k| read.bad.get(k)) {
                    errors.push((i, why.clone()));
                }
            }
        }
        return (Column::Values { values: ValueList::Shared(read), keys: Some(keys) }, errors);
    }
    let Some(strings) = Strings::new(array) else {
        return (Column::Values { values: vec![Value::Empty; len].into(), keys: None }, errors);
    };
    // Picklists: few distinct values; read each once.
    if field.data_type().class() == TypeClass::Picklist && !json {
        let mut seen: HashMap<&str, i32> = HashMap::new();
        let mut values = vec![Value::Empty];
        let mut keys = Vec::with_capacity(len);
        for i in 0..len {
            let key = match strings.get(i) {
                None | Some("") => 0,
                Some(t) => *seen.entry(t).or_insert_with(|| {
                    values.push(Value::Choice(choice_of(field, t)));
                    i32::try_from(values.len() - 1).unwrap_or(-1)
                }),
            };
            keys.push(key);
        }
        return (
            Column::Values { values: values.into(), keys: Some(Keys { index: Cow::Owned(keys), nulls: None }) },
            errors,
        );
    }
    let mut values = Vec::with_capacity(len);
    for i in 0..len {
        match strings.get(i).map(|t| value_of_text(field, t, json)).unwrap_or(Ok(Value::Empty)) {
            Ok(v) => values.push(v),
            Err(why) => {
                values.push(Value::Empty);
                errors.push((i, why));
            }
        }
    }
    (Column::Values { values: values.into(), keys: None }, errors)
}

fn read_list(array: &dyn Array, field: &Field) -> (Column<'static>, RowErrors) {
    let len = array.len();
    let mut values = Vec::with_capacity(len);
    let mut push = |items: Option<ArrayRef>| {
        let v = match items {
            None => Value::Empty,
            Some(items) => match AnyText::new(items.as_ref()) {
                Some(t) => choices(field, (0..items.len()).map(|j| t.get(j))),
                None => Value::Empty,
            },
        };
        values.push(v);
    };
    match array.data_type() {
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            for i in 0..len {
                push(l.is_valid(i).then(|| l.value(i)));
            }
        }
        DataType::LargeList(_) => {
            let l = array.as_list::<i64>();
            for i in 0..len {
                push(l.is_valid(i).then(|| l.value(i)));
            }
        }
        _ => values.resize(len, Value::Empty),
    }
    (Column::Values { values: values.into(), keys: None }, Vec::new())
}

fn read_decimal<'a>(array: &'a ArrayRef, field: &Field, scale: i8) -> (Column<'a>, RowErrors) {
    let a = array.as_primitive::<arrow_array::types::Decimal128Type>();
    let integral = matches!(field.data_type().class(), TypeClass::Number { integral: true });
    let DataType::Decimal128(precision, _) = a.data_type() else {
        return (Column::Values { values: vec![Value::Empty; a.len()].into(), keys: None }, vec![]);
    };
    // A Decimal128 beyond what an exact 96-bit decimal holds (more than 28 digits, a scale
    // over 28, or a negative scale) is read value by value; values that do not fit are
    // errors, as the same number written in JSON would be.
    if *precision > 28 || !(0..=28).contains(&scale) {
        return values_per_row(
            a.len(),
            |i| a.is_valid(i).then(|| decimal_text(a.value(i), scale)),
            |t| Value::from_json(field, &number_json(t)),
        );
    }
    let mut errors = Vec::new();
    if integral && scale > 0 {
        let unit = 10i128.pow(u32::try_from(scale).unwrap_or(0));
        for i in 0..a.len() {
            if a.is_valid(i) && a.value(i) % unit != 0 {
                errors.push((i, format!("expected a whole number for a {} field", field.data_type())));
            }
        }
    }
    (Column::Scaled { data: Scaled::I128(a.values()), nulls: a.logical_nulls() }, errors)
}

/// A Decimal128's text: `value × 10^-scale`, written out without the trailing zeros a wide
/// scale gives it (`1000` at scale 13 is `1000e0`, which fits a 96-bit decimal).
fn decimal_text(mut value: i128, mut scale: i8) -> String {
    while scale > 0 && value % 10 == 0 {
        value /= 10;
        scale -= 1;
    }
    if scale <= 0 {
        return format!("{value}e{}", -i32::from(scale));
    }
    format!("{value}e-{scale}")
}

/// Integers widened to i64; `Err` with every value (as i128) when a UInt64 exceeds i64.
fn integers(array: &dyn Array) -> Option<Result<Vec<i64>, Vec<Option<i128>>>> {
    macro_rules! widen {
        ($t:ty) => {
            Some(Ok(array.as_primitive::<$t>().values().iter().map(|v| i64::from(*v)).collect()))
        };
    }
    match array.data_type() {
        DataType::Int8 => widen!(Int8Type),
        DataType::Int16 => widen!(Int16Type),
        DataType::Int32 => widen!(Int32Type),
        DataType::Int64 => Some(Ok(array.as_primitive::<Int64Type>().values().to_vec())),
        DataType::UInt8 => widen!(UInt8Type),
        DataType::UInt16 => widen!(UInt16Type),
        DataType::UInt32 => widen!(UInt32Type),
        DataType::UInt64 => {
            let a = array.as_primitive::<UInt64Type>();
            let narrow: Option<Vec<i64>> = a.values().iter().map(|v| i64::try_from(*v).ok()).collect();
            match narrow {
                Some(v) => Some(Ok(v)),
                None => Some(Err((0..a.len()).map(|i| a.is_valid(i).then(|| i128::from(a.value(i)))).collect())),
            }
        }
        _ => None,
    }
}

/// An integer column's values, each written out as text only when asked for (a sweep
/// writes the ids of the rows it reports, a few of many: see [`RowId`](crate::RowId)).
pub(crate) struct IntegerTexts {
    /// The widened values (`None`: not an integer column, every row without a value).
    values: Option<Result<Vec<i64>, Vec<Option<i128>>>>,
    nulls: Option<NullBuffer>,
}

impl IntegerTexts {
    pub(crate) fn new(array: &dyn Array) -> IntegerTexts {
        IntegerTexts { values: integers(array), nulls: array.logical_nulls() }
    }

    /// Whether no row is null (known without looking at every row).
    pub(crate) fn none_null(&self) -> bool {
        matches!(self.values, Some(Ok(_))) && self.nulls.as_ref().is_none_or(|n| n.null_count() == 0)
    }

    /// Row `i`'s integer, `None` when null.
    pub(crate) fn get(&self, i: usize) -> Option<i128> {
        match self.values.as_ref()? {
            Ok(v) => v.get(i).filter(|_| self.nulls.as_ref().is_none_or(|n| n.is_valid(i))).map(|n| i128::from(*n)),
            Err(v) => v.get(i).copied().flatten(),
        }
    }
}

/// Each row's integer as text (`None` when null).
pub(crate) fn integer_texts(array: &dyn Array) -> Vec<Option<String>> {
    let valid = |i: usize| array.is_valid(i);
    match integers(array) {
        Some(Ok(v)) => v.iter().enumerate().map(|(i, n)| valid(i).then(|| n.to_string())).collect(),
        Some(Err(v)) => v.iter().map(|n| n.map(|n| n.to_string())).collect(),
        None => vec![None; array.len()],
    }
}

/// Each row's float as its shortest decimal text (`NaN`, `inf` for those).
fn float_texts(array: &dyn Array) -> Vec<Option<String>> {
    let text = |f: f64| format!("{f}");
    match array.data_type() {
        DataType::Float64 => {
            let a = array.as_primitive::<arrow_array::types::Float64Type>();
            (0..a.len()).map(|i| a.is_valid(i).then(|| text(a.value(i)))).collect()
        }
        DataType::Float32 => {
            let a = array.as_primitive::<arrow_array::types::Float32Type>();
            // The f32's own shortest text, not its f64 widening's.
            (0..a.len()).map(|i| a.is_valid(i).then(|| format!("{}", a.value(i)))).collect()
        }
        _ => vec![None; array.len()],
    }
}

/// A timestamp column's ticks and nulls, whatever its unit.
fn timestamp_ticks(array: &dyn Array) -> (ScalarBuffer<i64>, Option<NullBuffer>) {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
    };
    let nulls = array.logical_nulls();
    let ticks = match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => array.as_primitive::<TimestampSecondType>().values().clone(),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array.as_primitive::<TimestampMillisecondType>().values().clone()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().values().clone()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            array.as_primitive::<TimestampNanosecondType>().values().clone()
        }
        _ => ScalarBuffer::from(vec![0i64; array.len()]),
    };
    (ticks, nulls)
}

/// Ticks of `unit` in one second.
pub(crate) fn ticks_per_second(unit: TimeUnit) -> i128 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// The choice `text` names in `field`: an option (by actual or display value, ignoring case)
/// or its folded text, as JSON ingestion reads a picklist value.
fn choice_of(field: &Field, text: &str) -> Choice {
    // `option_of` matches ASCII text against the folded option names without folding or
    // hashing it; only text that names no option is folded (and kept).
    field.option_of(text).map_or_else(|| Choice::Other(fold(text).into()), Choice::Option)
}

/// A dictionary's keys as indices: an Int32 key buffer as it is, other key types converted
/// (a key outside `i32`: -1, no value).
fn key_index(array: &dyn Array) -> Cow<'_, [i32]> {
    let Some(d) = array.as_any_dictionary_opt() else { return Cow::Owned(vec![-1; array.len()]) };
    let keys = d.keys();
    macro_rules! convert {
        ($t:ty) => {
            Cow::Owned(keys.as_primitive::<$t>().values().iter().map(|k| i32::try_from(*k).unwrap_or(-1)).collect())
        };
    }
    match keys.data_type() {
        DataType::Int32 => Cow::Borrowed(keys.as_primitive::<Int32Type>().values()),
        DataType::Int8 => convert!(Int8Type),
        DataType::Int16 => convert!(Int16Type),
        DataType::Int64 => convert!(Int64Type),
        DataType::UInt8 => convert!(UInt8Type),
        DataType::UInt16 => convert!(UInt16Type),
        DataType::UInt32 => convert!(UInt32Type),
        DataType::UInt64 => convert!(UInt64Type),
        _ => Cow::Owned(vec![-1; array.len()]),
    }
}
