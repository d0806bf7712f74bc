//! Fail closed: values a column can hold but SPEC.md's reader cannot (SPEC.md §4).
//!
//! A record whose value in a field some rule reads has the wrong type cannot be evaluated.
//! In a typed table most wrong values cannot exist; these can, and each is checked for
//! every field the rules read, before any rule, whatever short-circuiting would skip:
//!
//! | column | cannot be evaluated when |
//! |---|---|
//! | `numeric` | NaN, ±Infinity, or not an exact 96-bit decimal (more than 28 decimals, or a mantissa of 2^96 or more): what `rust_decimal` cannot hold exactly, as the JSON reader refuses it |
//! | `numeric` of an integer or bigint field | a fraction (`5.5`) |
//! | `date` | ±infinity, or outside the years 0000–9999 (RFC 3339's four-digit years) |
//! | `timestamp with time zone` | ±infinity, or an instant no RFC 3339 text with a four-digit year writes |
//! | `text[]` | a NULL item, or more than one dimension |
//!
//! Text, integer, boolean and lookup columns hold only readable values.

use recordlock::criteria::TypeClass;

use crate::columns::SqlType;
use crate::predicate::Read;

/// The largest mantissa a `rust_decimal::Decimal` holds: 2^96 - 1.
const MAX_MANTISSA: &str = "79228162514264337593543950335";

/// One check: the SQL condition that holds on an unreadable value, and what the error says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub(crate) sql: String,
    pub(crate) why: String,
}

/// The checks of one column, in order.
pub(crate) fn checks(read: &Read<'_>) -> Vec<Check> {
    let v = read.column.quoted();
    let data_type = read.field.data_type();
    let wrong = format!("expected a {data_type} value");
    match (read.column.sql_type(), data_type.class()) {
        (SqlType::Numeric, class) if read.column.digits().is_some_and(|d| d.precision <= 28 && d.scale <= 28) => {
            // numeric(p, s) with p <= 28: every finite value fits; only NaN and ±Infinity
            // (outside every bound) do not.
            let digits = read.column.digits();
            let mut checks =
                vec![Check { sql: format!("(NOT ({v} BETWEEN -{MAX_MANTISSA} AND {MAX_MANTISSA}))"), why: wrong }];
            if class == (TypeClass::Number { integral: true }) && digits.is_some_and(|d| d.scale > 0) {
                checks.push(Check {
                    sql: format!("({v} <> trunc({v}))"),
                    why: format!("expected a whole number for a {data_type} field"),
                });
            }
            checks
        }
        (SqlType::Numeric, class) => {
            let mut checks = vec![Check {
                // The first test is a shortcut: at most 10 decimals and below 10^18 is a
                // mantissa below 10^28, which fits.
                sql: format!(
                    "(NOT (scale({v}) <= 10 AND {v} > -1000000000000000000 AND {v} < 1000000000000000000) \
                     AND (NOT ({v} BETWEEN -{MAX_MANTISSA} AND {MAX_MANTISSA}) OR scale({v}) > 28 \
                     OR abs({v}) * power(10::numeric, scale({v})) > {MAX_MANTISSA}))"
                ),
                why: wrong,
            }];
            if class == (TypeClass::Number { integral: true }) {
                checks.push(Check {
                    sql: format!("({v} <> trunc({v}))"),
                    why: format!("expected a whole number for a {data_type} field"),
                });
            }
            checks
        }
        (SqlType::Date, _) => {
            vec![Check { sql: format!("(NOT ({v} BETWEEN '0001-01-01 BC'::date AND '9999-12-31'::date))"), why: wrong }]
        }
        (SqlType::Timestamptz, _) => vec![Check {
            // 0000-01-01T00:00:00+23:59 and 9999-12-31T23:59:59.999999-23:59.
            sql: format!(
                "(NOT ({v} BETWEEN '0002-12-31 00:01:00+00 BC'::timestamptz \
                 AND '10000-01-01 23:58:59.999999+00'::timestamptz))"
            ),
            why: wrong,
        }],
        (SqlType::TextArray, _) => vec![Check {
            sql: format!("(CASE WHEN array_ndims({v}) > 1 THEN true ELSE array_position({v}, NULL) IS NOT NULL END)"),
            why: wrong,
        }],
        _ => Vec::new(),
    }
}
