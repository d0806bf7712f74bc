//! Which Arrow column types hold which field types exactly, emptiness, and lookups.

use datafusion::arrow::datatypes::{DataType, Field as ArrowField};
use datafusion::logical_expr::{in_list, lit};
use datafusion::prelude::Expr;
use recordlock::criteria::typed::IdTest;
use recordlock::criteria::{Field, RecordId, TypeClass};

use super::choice::any_item;
use super::ordered::{Bound, Grid, compare};
use crate::error::Error;

/// Whether `dt` is a string type.
pub(crate) fn is_string(dt: &DataType) -> bool {
    matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// The item field of a list of strings.
pub(crate) fn string_list_item(dt: &DataType) -> Option<&std::sync::Arc<ArrowField>> {
    match dt {
        DataType::List(item) | DataType::LargeList(item) if is_string(item.data_type()) => Some(item),
        _ => None,
    }
}

/// Checks that `column` can hold `field`'s values exactly.
///
/// Text and picklists: strings. Multi-select picklists: lists of strings. Numbers: decimals
/// or integers (never floats: `0.1` is not a binary fraction). Dates: `Date32`. Datetimes:
/// timestamps with a time zone (an instant; a zoneless timestamp is a wall-clock time).
/// Booleans: `Boolean`. Lookups: strings (the id) or integers.
pub(crate) fn check(field: &Field, column: &ArrowField) -> Result<(), Error> {
    let dt = column.data_type();
    let (ok, want) = match field.data_type().class() {
        TypeClass::Text | TypeClass::Picklist => (is_string(dt), "a string column"),
        TypeClass::MultiPicklist => (string_list_item(dt).is_some(), "a list of strings"),
        TypeClass::Number { integral } => (
            match Grid::of(dt) {
                Some(Grid::Decimal { scale, .. }) => !integral || scale <= 0,
                Some(Grid::Integer { .. }) => true,
                _ => false,
            },
            if integral {
                "an integer or a decimal of scale 0"
            } else {
                "a decimal or an integer (floats cannot hold decimals exactly)"
            },
        ),
        TypeClass::Date => (matches!(dt, DataType::Date32), "Date32"),
        TypeClass::DateTime => {
            (matches!(dt, DataType::Timestamp(_, Some(_))), "a timestamp with a time zone (an instant)")
        }
        TypeClass::Boolean => (matches!(dt, DataType::Boolean), "Boolean"),
        TypeClass::Lookup => (is_string(dt) || matches!(Grid::of(dt), Some(Grid::Integer { .. })), "a string or an integer id"),
        TypeClass::Unsupported => (false, "a supported field type"),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::ColumnType {
            column: column.name().clone(),
            found: dt.to_string(),
            field_type: field.data_type().to_string(),
            why: format!("expected {want}"),
        })
    }
}

/// `equal ${EMPTY}`: NULL, `''`, or a list without a non-empty item. Never NULL itself.
pub(crate) fn is_empty(c: Expr, column: &ArrowField) -> Expr {
    let dt = column.data_type();
    if is_string(dt) {
        c.clone().is_null().or(c.eq(lit("")))
    } else if let Some(item) = string_list_item(dt) {
        let non_empty = any_item(c.clone(), item, |x| x.not_eq(lit("")));
        c.is_null().or(non_empty.is_not_true())
    } else {
        c.is_null()
    }
}

/// A lookup test: ids compare as decimal strings, so a string column compares with the id's
/// canonical text (`77`, never `077`: [`RecordId`] keeps `077` as other text, and no other
/// spelling of a canonical id is canonical); an integer column only with canonical numbers.
pub(crate) fn id(c: Expr, column: &ArrowField, t: &IdTest) -> Result<Expr, Error> {
    let ids: Vec<&RecordId> = match t {
        IdTest::Equal(id) => vec![id],
        IdTest::In(set) => set.iter().collect(),
    };
    let dt = column.data_type();
    if is_string(dt) {
        let texts: Vec<Expr> = ids.iter().map(|id| lit(id.to_string())).collect();
        return Ok(list_test(c, texts));
    }
    let Some(grid) = Grid::of(dt) else {
        return Err(Error::Unrepresentable(format!("column `{}` cannot hold ids", column.name())));
    };
    let mut tests = Vec::new();
    for id in ids {
        if let RecordId::Number(n) = id {
            tests.push(compare(&c, &grid, super::ordered::Op::Equal, Bound::exact(i128::from(*n)))?);
        }
    }
    Ok(tests.into_iter().reduce(Expr::or).unwrap_or(lit(false)))
}

/// `c = v` for one value, `c IN (...)` for more, FALSE for none.
pub(crate) fn list_test(c: Expr, values: Vec<Expr>) -> Expr {
    match values.as_slice() {
        [] => lit(false),
        [one] => c.eq(one.clone()),
        _ => in_list(c, values, false),
    }
}
