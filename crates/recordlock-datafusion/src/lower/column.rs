//! Which Arrow column types hold which field types exactly, emptiness, and lookups.

use datafusion::arrow::datatypes::{DataType, Field as ArrowField};
use datafusion::logical_expr::{in_list, lit};
use datafusion::prelude::Expr;
use recordlock::criteria::typed::IdTest;
use recordlock::criteria::{Field, RecordId, TypeClass};
use recordlock_arrow::mapping::Encoding;

use super::choice::any_item;
use super::ordered::{Bound, Grid, compare};
use crate::error::Error;

/// Whether `dt` is a string type (or a dictionary of strings).
pub(crate) fn is_string(dt: &DataType) -> bool {
    recordlock_arrow::mapping::is_text(dt)
}

/// The item field of a list of strings.
pub(crate) fn string_list_item(dt: &DataType) -> Option<&std::sync::Arc<ArrowField>> {
    match dt {
        DataType::List(item) | DataType::LargeList(item) if is_string(item.data_type()) => Some(item),
        _ => None,
    }
}

/// Checks that DataFusion can compare `column` (mapped with `encoding`) exactly: typed
/// columns only. Text holding numbers, dates, instants or booleans (which a local sweep
/// types first, [`crate::typing`]) and `arrow.json` columns are refused, naming the column.
pub(crate) fn check(field: &Field, column: &ArrowField, encoding: Encoding) -> Result<(), Error> {
    let class = field.data_type().class();
    let ok = matches!(
        (class, encoding),
        (TypeClass::Text | TypeClass::Picklist | TypeClass::Lookup, Encoding::Text)
            | (TypeClass::MultiPicklist, Encoding::TextList)
            | (TypeClass::Number { .. }, Encoding::Integer | Encoding::Decimal { .. })
            | (TypeClass::Date, Encoding::Date)
            | (TypeClass::DateTime, Encoding::Timestamp(_))
            | (TypeClass::Boolean, Encoding::Boolean)
            | (TypeClass::Lookup, Encoding::Integer | Encoding::IdStruct { .. })
    );
    if ok {
        return Ok(());
    }
    let want = match class {
        TypeClass::MultiPicklist => "a list of strings",
        TypeClass::Number { .. } => "a Decimal128 or an integer column",
        TypeClass::Date => "a Date32 column",
        TypeClass::DateTime => "a timestamp column with a time zone",
        TypeClass::Boolean => "a Boolean column",
        _ => "a typed column",
    };
    Err(Error::ColumnType {
        column: column.name().clone(),
        found: column.data_type().to_string(),
        field_type: field.data_type().to_string(),
        why: format!(
            "DataFusion compares typed columns exactly; expected {want} (a local sweep types text columns itself, a cluster and SQL cannot)"
        ),
    })
}

/// The field whose values a test reads: the column, or a lookup struct's `id` child.
pub(crate) fn value_field(column: &ArrowField, encoding: Encoding) -> ArrowField {
    match (encoding, column.data_type()) {
        (Encoding::IdStruct { child, .. }, DataType::Struct(children)) => {
            children.get(child).map_or_else(|| column.clone(), |c| c.as_ref().clone())
        }
        _ => column.clone(),
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
