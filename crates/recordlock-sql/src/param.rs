//! Bind parameters: every constant of a rule reaches the server as one of these, never as
//! text inside the statement.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

/// A bind parameter's value. The statement casts each `$n` to [`Param::sql_type`], so the
/// server knows every parameter's type from the text alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// `text`.
    Text(String),
    /// `text[]`.
    TextArray(Vec<String>),
    /// `text[]` with NULL items (only loading records writes these).
    NullableTextArray(Vec<Option<String>>),
    /// `numeric`.
    Numeric(Decimal),
    /// `numeric[]`.
    NumericArray(Vec<Decimal>),
    /// `bigint`.
    Bigint(i64),
    /// `bigint[]`.
    BigintArray(Vec<i64>),
    /// `date`.
    Date(NaiveDate),
    /// `date[]`.
    DateArray(Vec<NaiveDate>),
    /// `timestamp with time zone` (whole microseconds).
    Timestamptz(DateTime<Utc>),
    /// `timestamp with time zone[]`.
    TimestamptzArray(Vec<DateTime<Utc>>),
    /// `boolean`.
    Boolean(bool),
}

impl Param {
    /// The SQL type the statement casts the parameter to.
    pub fn sql_type(&self) -> &'static str {
        match self {
            Param::Text(_) => "text",
            Param::TextArray(_) | Param::NullableTextArray(_) => "text[]",
            Param::Numeric(_) => "numeric",
            Param::NumericArray(_) => "numeric[]",
            Param::Bigint(_) => "bigint",
            Param::BigintArray(_) => "bigint[]",
            Param::Date(_) => "date",
            Param::DateArray(_) => "date[]",
            Param::Timestamptz(_) => "timestamptz",
            Param::TimestamptzArray(_) => "timestamptz[]",
            Param::Boolean(_) => "boolean",
        }
    }

    /// The value as JSON, for printing a statement's parameters (numbers as exact strings,
    /// instants in RFC 3339 with microseconds).
    pub fn to_json(&self) -> Json {
        let instant = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match self {
            Param::Text(s) => json!(s),
            Param::TextArray(v) => json!(v),
            Param::NullableTextArray(v) => json!(v),
            Param::Numeric(d) => json!(d.to_string()),
            Param::NumericArray(v) => json!(v.iter().map(Decimal::to_string).collect::<Vec<_>>()),
            Param::Bigint(n) => json!(n.to_string()),
            Param::BigintArray(v) => json!(v.iter().map(i64::to_string).collect::<Vec<_>>()),
            Param::Date(d) => json!(d.to_string()),
            Param::DateArray(v) => json!(v.iter().map(NaiveDate::to_string).collect::<Vec<_>>()),
            Param::Timestamptz(t) => json!(instant(t)),
            Param::TimestamptzArray(v) => json!(v.iter().map(instant).collect::<Vec<_>>()),
            Param::Boolean(b) => json!(b),
        }
    }
}

#[cfg(feature = "postgres-types")]
mod to_sql {
    use bytes::BytesMut;
    use postgres_types::{IsNull, ToSql, Type, to_sql_checked};

    use super::Param;

    type Result = std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>>;

    impl ToSql for Param {
        fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result {
            match self {
                Param::Text(v) => v.to_sql(ty, out),
                Param::TextArray(v) => v.to_sql(ty, out),
                Param::NullableTextArray(v) => v.to_sql(ty, out),
                Param::Numeric(v) => v.to_sql(ty, out),
                Param::NumericArray(v) => v.to_sql(ty, out),
                Param::Bigint(v) => v.to_sql(ty, out),
                Param::BigintArray(v) => v.to_sql(ty, out),
                Param::Date(v) => v.to_sql(ty, out),
                Param::DateArray(v) => v.to_sql(ty, out),
                Param::Timestamptz(v) => v.to_sql(ty, out),
                Param::TimestamptzArray(v) => v.to_sql(ty, out),
                Param::Boolean(v) => v.to_sql(ty, out),
            }
        }

        fn accepts(ty: &Type) -> bool {
            // The statement casts every parameter to its own type; the value checks the type
            // the server inferred when it is written.
            let _ = ty;
            true
        }

        to_sql_checked!();
    }
}
