//! Typed values: what a record's field holds, and what a criteria constant is.
//!
//! Values are read from JSON once (records at ingest, constants at type checking) and compare
//! exactly afterwards: numbers are [`Decimal`]s read from their JSON text, never through `f64`;
//! text is kept case-folded; picklist values are option codes; ids are normalised so `77`
//! and `"77"` are the same id.

mod parse;

use crate::sorted_set::SortedSet;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value as Json;

pub use self::parse::{parse_bool, parse_bool_text, parse_date, parse_datetime, parse_decimal};
use crate::schema::{Field, OptionCode, TypeClass};
use crate::text::fold;

/// A typed field value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    /// No value: a missing key, `null`, `""` or `[]`.
    #[default]
    Empty,
    /// Text, case-folded. A `String`, so that a row read again and again (a sweep's) can
    /// keep its allocation for the next record's text.
    Text(String),
    /// A picklist value.
    Choice(Choice),
    /// A multi-select picklist value: a non-empty set.
    Choices(ChoiceSet),
    /// Any numeric type, exact.
    Number(Decimal),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant with the offset it was written with (compared as instants).
    DateTime(DateTime<FixedOffset>),
    /// A boolean.
    Bool(bool),
    /// A lookup's record or user id.
    Id(RecordId),
}

/// A picklist value: one of the field's options, or (for a value the schema does not list, or
/// a field that lists no options) its folded text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Choice {
    /// A listed option.
    Option(OptionCode),
    /// Unlisted text, case-folded.
    Other(Box<str>),
}

/// A set of choices, sorted and without duplicates (so set equality is slice equality).
pub type ChoiceSet = SortedSet<Choice>;

/// A record or user id. Ids compare as decimal strings: `77` and `"77"` are one id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordId {
    /// A canonical decimal id (no sign, no leading zero) that fits in a `u64`.
    Number(u64),
    /// Any other id text.
    Text(Box<str>),
}

impl RecordId {
    /// The id written as `text`.
    pub fn parse(text: &str) -> RecordId {
        let canonical = !text.is_empty()
            && text.len() <= 20
            && text.bytes().all(|b| b.is_ascii_digit())
            && (text == "0" || !text.starts_with('0'));
        match canonical.then(|| text.parse::<u64>().ok()).flatten() {
            Some(n) => RecordId::Number(n),
            None => RecordId::Text(text.into()),
        }
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordId::Number(n) => write!(f, "{n}"),
            RecordId::Text(s) => f.write_str(s),
        }
    }
}

impl Value {
    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    /// Reads a record's value for `field` from JSON. `Err` carries what was expected, for an
    /// error that names the field.
    ///
    /// ```
    /// use recordlock_criteria::{Field, FieldType, Value};
    /// use serde_json::json;
    ///
    /// let amount = Field::new("Amount", FieldType::Currency);
    /// let a = Value::from_json(&amount, &json!(1000.10)).unwrap();
    /// let b = Value::from_json(&amount, &json!("1000.1")).unwrap();
    /// assert_eq!(a, b);
    /// assert!(Value::from_json(&amount, &json!(true)).is_err());
    /// assert!(Value::from_json(&amount, &json!(null)).unwrap().is_empty());
    /// ```
    pub fn from_json(field: &Field, json: &Json) -> Result<Value, String> {
        match json {
            Json::String(text) => return Value::from_text(field, text),
            Json::Number(n) => return Value::from_number(field, n.as_str()),
            _ => {}
        }
        if is_empty_json(json) {
            return Ok(Value::Empty);
        }
        let class = field.data_type().class();
        let wrong = || format!("expected a {} value", field.data_type());
        match class {
            TypeClass::Text => scalar_text(json).map(|s| Value::Text(fold(s))).ok_or_else(wrong),
            TypeClass::Picklist => scalar_text(json).map(|s| Value::Choice(choice_of(field, s))).ok_or_else(wrong),
            TypeClass::MultiPicklist => {
                let Json::Array(items) = json else { return Err(wrong()) };
                let mut choices = Vec::with_capacity(items.len());
                for item in items {
                    let s = scalar_text(item).ok_or_else(wrong)?;
                    if !s.is_empty() {
                        choices.push(choice_of(field, s));
                    }
                }
                if choices.is_empty() { Ok(Value::Empty) } else { Ok(Value::Choices(ChoiceSet::new(choices))) }
            }
            TypeClass::Number { integral } => {
                let d = scalar_text(json).and_then(parse_decimal).ok_or_else(wrong)?;
                if integral && !d.is_integer() {
                    return Err(format!("expected a whole number for a {} field", field.data_type()));
                }
                Ok(Value::Number(d))
            }
            TypeClass::Date => match json {
                Json::String(s) => parse_date(s).map(Value::Date).ok_or_else(wrong),
                _ => Err(wrong()),
            },
            TypeClass::DateTime => match json {
                Json::String(s) => parse_datetime(s).map(Value::DateTime).ok_or_else(wrong),
                _ => Err(wrong()),
            },
            TypeClass::Boolean => parse_bool(json).map(Value::Bool).ok_or_else(wrong),
            TypeClass::Lookup => {
                let id = match json {
                    Json::Object(map) => match map.get("id") {
                        Some(v) if is_empty_json(v) => return Ok(Value::Empty),
                        Some(v) => id_text(v),
                        None => None,
                    },
                    other => id_text(other),
                };
                id.map(|s| Value::Id(RecordId::parse(s))).ok_or_else(wrong)
            }
            TypeClass::Unsupported => Ok(Value::Empty),
        }
    }

    /// The value of `field` a JSON string holds (`Value::from_json` of `Json::String(text)`,
    /// which comes here): the one reading of string values, so the ingestion fast path, which
    /// reads strings in place, cannot differ from it.
    pub fn from_text(field: &Field, text: &str) -> Result<Value, String> {
        if text.is_empty() {
            return Ok(Value::Empty);
        }
        let wrong = || format!("expected a {} value", field.data_type());
        match field.data_type().class() {
            TypeClass::Text => Ok(Value::Text(fold(text))),
            TypeClass::Picklist => Ok(Value::Choice(choice_of(field, text))),
            TypeClass::MultiPicklist => Err(wrong()),
            TypeClass::Number { integral } => {
                let d = parse_decimal(text).ok_or_else(wrong)?;
                if integral && !d.is_integer() {
                    return Err(format!("expected a whole number for a {} field", field.data_type()));
                }
                Ok(Value::Number(d))
            }
            TypeClass::Date => parse_date(text).map(Value::Date).ok_or_else(wrong),
            TypeClass::DateTime => parse_datetime(text).map(Value::DateTime).ok_or_else(wrong),
            TypeClass::Boolean => parse_bool_text(text).map(Value::Bool).ok_or_else(wrong),
            TypeClass::Lookup => Ok(Value::Id(RecordId::parse(text))),
            TypeClass::Unsupported => Ok(Value::Empty),
        }
    }

    /// The value of `field` a JSON number holds, given as its text (`Value::from_json` of a
    /// `Json::Number`, which comes here): the one reading of number values, so the ingestion
    /// fast path, which reads numbers in place, cannot differ from it.
    pub fn from_number(field: &Field, text: &str) -> Result<Value, String> {
        let wrong = || format!("expected a {} value", field.data_type());
        match field.data_type().class() {
            TypeClass::Text => Ok(Value::Text(fold(text))),
            TypeClass::Picklist => Ok(Value::Choice(choice_of(field, text))),
            TypeClass::Number { integral } => {
                let d = parse_decimal(text).ok_or_else(wrong)?;
                if integral && !d.is_integer() {
                    return Err(format!("expected a whole number for a {} field", field.data_type()));
                }
                Ok(Value::Number(d))
            }
            // An id written as a number: a whole non-negative one.
            TypeClass::Lookup if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Value::Id(RecordId::parse(text))),
            TypeClass::MultiPicklist
            | TypeClass::Date
            | TypeClass::DateTime
            | TypeClass::Boolean
            | TypeClass::Lookup => Err(wrong()),
            TypeClass::Unsupported => Ok(Value::Empty),
        }
    }

    /// The value written for a person: options by their actual value.
    pub fn display(&self, field: &Field) -> String {
        match self {
            Value::Empty => "(empty)".to_owned(),
            Value::Text(s) => format!("{s:?}"),
            Value::Choice(c) => display_choice(field, c),
            Value::Choices(set) => {
                let items: Vec<String> = set.as_slice().iter().map(|c| display_choice(field, c)).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Number(d) => d.to_string(),
            Value::Date(d) => d.to_string(),
            Value::DateTime(t) => t.to_rfc3339(),
            Value::Bool(b) => b.to_string(),
            Value::Id(id) => format!("id {id}"),
        }
    }
}

fn display_choice(field: &Field, c: &Choice) -> String {
    match c {
        Choice::Option(code) => match field.option_by_code(*code) {
            Some(o) => format!("{:?}", o.actual_value),
            None => format!("option #{}", code.index()),
        },
        Choice::Other(s) => format!("{s:?}"),
    }
}

/// The choice `text` names in `field`: an option when it names one, else its folded text.
pub fn choice_of(field: &Field, text: &str) -> Choice {
    match field.option_of(text) {
        Some(code) => Choice::Option(code),
        None => Choice::Other(fold(text).into()),
    }
}

/// Whether a JSON value counts as empty: `null`, `""` or `[]`.
pub fn is_empty_json(json: &Json) -> bool {
    match json {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The text of a JSON string, or of a JSON number as written.
pub fn scalar_text(json: &Json) -> Option<&str> {
    match json {
        Json::String(s) => Some(s),
        Json::Number(n) => Some(n.as_str()),
        _ => None,
    }
}

/// The text of an id: a string, or a JSON number that is a whole non-negative number.
pub fn id_text(json: &Json) -> Option<&str> {
    match json {
        Json::String(s) if !s.is_empty() => Some(s),
        Json::Number(n) if n.as_str().bytes().all(|b| b.is_ascii_digit()) => Some(n.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{FieldType, PicklistOption};
    use serde_json::json;

    fn field(t: FieldType) -> Field {
        Field::new("F", t)
    }

    /// SPEC.md §2 Numbers: read from their text, never through f64.
    #[test]
    fn exact_decimals_and_big_integers() {
        let f = field(FieldType::Bigint);
        let a: Json = serde_json::from_str("9007199254740993").unwrap();
        let b: Json = serde_json::from_str("9007199254740992").unwrap();
        assert_ne!(Value::from_json(&f, &a).unwrap(), Value::from_json(&f, &b).unwrap());
        let c = field(FieldType::Currency);
        let x: Json = serde_json::from_str("1000.10").unwrap();
        let y: Json = serde_json::from_str("1000.1").unwrap();
        assert_eq!(Value::from_json(&c, &x).unwrap(), Value::from_json(&c, &y).unwrap());
        assert!(Value::from_json(&f, &json!("5.5")).is_err(), "integer fields hold whole numbers");
        assert!(Value::from_json(&f, &json!("5.0")).is_ok());
    }

    /// SPEC.md §2 Empty: a missing key, null, "" and [] are empty.
    #[test]
    fn empty_spellings() {
        for t in [FieldType::Text, FieldType::Integer, FieldType::MultiSelectPicklist, FieldType::Lookup] {
            for v in [json!(null), json!(""), json!([])] {
                assert!(Value::from_json(&field(t.clone()), &v).unwrap().is_empty());
            }
        }
        assert!(Value::from_json(&field(FieldType::Lookup), &json!({"id": null, "name": "x"})).unwrap().is_empty());
    }

    /// SPEC.md §2 Lookups: by id, `{"id","name"}` or a bare id, string or number.
    #[test]
    fn lookups_by_id() {
        let f = field(FieldType::Lookup);
        let a = Value::from_json(&f, &json!({"id": "77", "name": "Acme"})).unwrap();
        let b = Value::from_json(&f, &serde_json::from_str::<Json>("77").unwrap()).unwrap();
        let c = Value::from_json(&f, &json!("77")).unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_ne!(c, Value::from_json(&f, &json!("077")).unwrap());
        assert!(Value::from_json(&f, &json!({"name": "Acme"})).is_err());
        assert!(Value::from_json(&f, &json!(true)).is_err());
    }

    /// SPEC.md §2 Booleans: JSON booleans or the strings, any case.
    #[test]
    fn booleans_from_json_or_strings() {
        let f = field(FieldType::Boolean);
        assert_eq!(Value::from_json(&f, &json!("TRUE")).unwrap(), Value::Bool(true));
        assert_eq!(Value::from_json(&f, &json!(false)).unwrap(), Value::Bool(false));
        assert!(Value::from_json(&f, &json!("yes")).is_err());
    }

    #[test]
    fn picklist_values_match_options_by_actual_or_display_value() {
        let f = field(FieldType::Picklist).with_options(vec![PicklistOption {
            actual_value: "Closed Lost to Competition".into(),
            display_value: "Closed-Lost to Competition".into(),
        }]);
        let a = Value::from_json(&f, &json!("closed-lost TO competition")).unwrap();
        let b = Value::from_json(&f, &json!("Closed Lost to Competition")).unwrap();
        assert_eq!(a, b);
        assert!(matches!(a, Value::Choice(Choice::Option(_))));
        assert!(matches!(Value::from_json(&f, &json!("Other")).unwrap(), Value::Choice(Choice::Other(_))));
    }

    #[test]
    fn dates_and_datetimes_are_strict() {
        assert!(Value::from_json(&field(FieldType::Date), &json!("2024-02-29")).is_ok());
        assert!(Value::from_json(&field(FieldType::Date), &json!("2023-02-29")).is_err());
        assert!(Value::from_json(&field(FieldType::Date), &json!("2024-2-9")).is_err());
        assert!(Value::from_json(&field(FieldType::DateTime), &json!("2024-01-01T10:00:00+05:30")).is_ok());
        assert!(Value::from_json(&field(FieldType::DateTime), &json!("2024-01-01T10:00:00")).is_err());
    }
}
