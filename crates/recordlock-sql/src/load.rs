//! Records (Zoho JSON) into a typed table: `CREATE TABLE` for a [`TableMap`] and each
//! record's `INSERT` parameters. Used by the tests that load generated records into a real
//! server, and by anyone filling a table to sweep.
//!
//! A value goes in only if its column holds it exactly. A value the column cannot hold is
//! reported ([`LoadError`]), and whether SPEC.md's reader accepts it says what it means:
//! [`LoadProblem::Invalid`] (a value of the wrong type: a typed table cannot hold the record
//! as written, and a rule reading the field could not evaluate it) or
//! [`LoadProblem::Unrepresentable`] (a valid value the column type cannot hold: a leap second
//! or nanoseconds in `timestamptz`, NUL in text, `077` in a bigint id column).
//! Values a column holds but the reader refuses (a fraction in an integer field's `numeric`,
//! a NULL item in `text[]`) are loaded: the sweep's fail-closed checks find them.

use recordlock::criteria::{Field, Schema, TypeClass, Value, parse_bool, parse_date, parse_datetime, parse_decimal};
use serde_json::Value as Json;

use crate::columns::{SqlType, TableMap};
use crate::instant::Bound;
use crate::param::Param;

/// Why a record's value was not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadProblem {
    /// SPEC.md's reader refuses it too: a value of the wrong type for the field.
    Invalid,
    /// A valid value the column's type cannot hold exactly.
    Unrepresentable,
}

/// A value not loaded, by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The field's API name.
    pub api_name: String,
    /// Which problem.
    pub problem: LoadProblem,
}

/// `CREATE [TEMPORARY] TABLE` with the id column (`text`, primary key) and every mapped field's
/// column.
pub fn create_table(table: &TableMap, temporary: bool) -> String {
    let mut cols = vec![format!("{} {} PRIMARY KEY", table.id_sql(), table.id_type().as_sql())];
    cols.extend(table.data_columns().map(|(_, c)| format!("{} {}", c.quoted(), c.type_sql())));
    let temp = if temporary { "TEMPORARY " } else { "" };
    format!("CREATE {temp}TABLE {} (\n  {}\n)", table.table_sql(), cols.join(",\n  "))
}

/// `INSERT` of one record: `$1` the id, then one parameter per mapped column, in
/// [`TableMap::data_columns`] order (the order of [`row_params`]).
pub fn insert_sql(table: &TableMap) -> String {
    let mut names = vec![table.id_sql()];
    let mut values = vec![format!("$1::{}", insert_type(table.id_type()))];
    for (i, (_, c)) in table.data_columns().enumerate() {
        names.push(c.quoted());
        values.push(format!("${}::{}", i + 2, insert_type(c.sql_type())));
    }
    format!("INSERT INTO {} ({}) VALUES ({})", table.table_sql(), names.join(", "), values.join(", "))
}

fn insert_type(t: SqlType) -> &'static str {
    match t {
        SqlType::Text | SqlType::Varchar | SqlType::Citext => "text",
        SqlType::Smallint | SqlType::Integer | SqlType::Bigint => "bigint",
        SqlType::Numeric => "numeric",
        SqlType::Date => "date",
        SqlType::Timestamptz => "timestamptz",
        SqlType::Boolean => "boolean",
        SqlType::TextArray => "text[]",
    }
}

/// The parameters of [`insert_sql`] for `record` (None is NULL; a value that could not be
/// loaded is NULL too), and every value that could not be loaded.
pub fn row_params(table: &TableMap, schema: &Schema, record: &Json) -> (Vec<Option<Param>>, Vec<LoadError>) {
    let id_json = record.get("id").unwrap_or(&Json::Null);
    let id = match table.columns().find(|(_, c)| c.name() == table.id()) {
        Some((slot, c)) => convert(schema.field(slot), c.sql_type(), id_json).flatten(),
        None => match id_json {
            Json::String(s) => pg_text(s).map(Param::Text),
            Json::Number(n) => Some(Param::Text(n.as_str().to_owned())),
            _ => None,
        },
    };
    let mut params = vec![id];
    let mut errors = Vec::new();
    for (slot, column) in table.data_columns() {
        let field = schema.field(slot);
        let json = record.get(field.api_name()).unwrap_or(&Json::Null);
        match convert(field, column.sql_type(), json).filter(|p| fits(column.digits(), p)) {
            Some(p) => params.push(p),
            None => {
                let problem = if Value::from_json(field, json).is_ok() {
                    LoadProblem::Unrepresentable
                } else {
                    LoadProblem::Invalid
                };
                errors.push(LoadError { api_name: field.api_name().to_owned(), problem });
                params.push(None);
            }
        }
    }
    (params, errors)
}

/// An id's text as SPEC.md reads it: a non-empty string, or a JSON number of digits only.
fn id_text(json: &Json) -> Option<&str> {
    match json {
        Json::String(s) if !s.is_empty() => Some(s),
        Json::Number(n) if n.as_str().bytes().all(|b| b.is_ascii_digit()) => Some(n.as_str()),
        _ => None,
    }
}

/// Whether a `numeric(p, s)` column holds the value without rounding it.
fn fits(digits: Option<crate::columns::NumericDigits>, param: &Option<Param>) -> bool {
    match (digits, param) {
        (Some(d), Some(Param::Numeric(v))) => {
            let v = v.normalize();
            let scale = i64::from(v.scale());
            let integer_digits = v.trunc().abs().to_string().trim_start_matches('0').len() as i64;
            scale <= i64::from(d.scale) && integer_digits <= i64::from(d.precision) - i64::from(d.scale)
        }
        _ => true,
    }
}

/// Text PostgreSQL can hold (no NUL).
fn pg_text(s: &str) -> Option<String> {
    (!s.contains('\0')).then(|| s.to_owned())
}

/// The column value for `json`: `Some(None)` is NULL, `None` not loadable.
fn convert(field: &Field, sql_type: SqlType, json: &Json) -> Option<Option<Param>> {
    if json.is_null() {
        return Some(None);
    }
    let class = field.data_type().class();
    let scalar = match json {
        Json::String(s) => Some(s.as_str()),
        Json::Number(n) => Some(n.as_str()),
        _ => None,
    };
    let empty_string = matches!(json, Json::String(s) if s.is_empty());
    let empty = empty_string || matches!(json, Json::Array(a) if a.is_empty());
    let param = match (class, sql_type) {
        (TypeClass::Text | TypeClass::Picklist, _) if matches!(json, Json::Array(a) if a.is_empty()) => {
            return Some(None);
        }
        (TypeClass::Text | TypeClass::Picklist, _) => Param::Text(pg_text(scalar?)?),
        (TypeClass::MultiPicklist, _) => match json {
            Json::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(match item {
                        Json::Null => None,
                        Json::String(s) => Some(pg_text(s)?),
                        Json::Number(n) => Some(n.as_str().to_owned()),
                        _ => return None,
                    });
                }
                Param::NullableTextArray(out)
            }
            _ if empty => return Some(None),
            _ => return None,
        },
        _ if empty => return Some(None),
        (TypeClass::Number { .. }, SqlType::Numeric) => Param::Numeric(parse_decimal(scalar?)?),
        (TypeClass::Number { .. }, t) => {
            let d = parse_decimal(scalar?)?;
            let n = i64::try_from(d).ok().filter(|n| rust_decimal::Decimal::from(*n) == d)?;
            let fits = match t {
                SqlType::Smallint => i16::try_from(n).is_ok(),
                SqlType::Integer => i32::try_from(n).is_ok(),
                _ => true,
            };
            if !fits {
                return None;
            }
            Param::Bigint(n)
        }
        (TypeClass::Date, _) => Param::Date(parse_date(json.as_str()?)?),
        (TypeClass::DateTime, _) => match Bound::of(&parse_datetime(json.as_str()?)?)? {
            Bound::Exact(t) => Param::Timestamptz(t),
            Bound::JustAfter(_) => return None,
        },
        (TypeClass::Boolean, _) => Param::Boolean(parse_bool(json)?),
        (TypeClass::Lookup, t) => {
            let inner = match json {
                Json::Object(m) => m.get("id")?,
                other => other,
            };
            if inner.is_null() || matches!(inner, Json::String(s) if s.is_empty()) {
                return Some(None);
            }
            let text = id_text(inner)?;
            if t.is_integer() {
                let n = text.parse::<i64>().ok().filter(|n| n.to_string() == text)?;
                if t == SqlType::Integer && i32::try_from(n).is_err() {
                    return None;
                }
                Param::Bigint(n)
            } else {
                Param::Text(pg_text(text)?)
            }
        }
        (TypeClass::Unsupported, _) => return Some(None),
    };
    Some(Some(param))
}
