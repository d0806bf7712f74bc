//! The rules as DataFusion SQL a person can paste into `datafusion-cli`.
//!
//! The SQL is unparsed from the very expressions the engine runs ([`crate::lower()`]), so it
//! means the same. Constants are written in the column types of the table they are lowered
//! for: a Parquet file's own schema when one is given, else [`canonical_schema`].

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema as ArrowSchema, TimeUnit};
use datafusion::sql::unparser::expr_to_sql;
use recordlock::RuleSet;
use recordlock::criteria::TypeClass;
use recordlock::criteria::typed::{OrdTest, Test};

use crate::error::Error;
use crate::lower::lower;
use recordlock_arrow::records::ID_COLUMN;

/// The table recordlock assumes without a file: text as `Utf8`, multi-select picklists as
/// lists of `Utf8`, numbers as `Decimal128(38, s)` with `s` the largest scale among the
/// rules' constants on that field (0 for integer fields), dates as `Date32`, datetimes as
/// UTC nanosecond timestamps, lookups as their id text.
pub fn canonical_schema(rules: &RuleSet) -> ArrowSchema {
    let schema = rules.schema();
    let mut fields = vec![ArrowField::new(ID_COLUMN, DataType::Utf8, true)];
    for slot in rules.reads() {
        let field = schema.field(slot);
        let dt = match field.data_type().class() {
            TypeClass::MultiPicklist => DataType::List(Arc::new(ArrowField::new("item", DataType::Utf8, true))),
            TypeClass::Number { integral: true } => DataType::Decimal128(38, 0),
            TypeClass::Number { integral: false } => {
                let scale = rules
                    .rules()
                    .iter()
                    .flat_map(|r| r.expr().preds())
                    .filter(|p| p.slot() == slot)
                    .flat_map(|p| match p.test() {
                        Test::Number(t) => constants(t),
                        _ => Vec::new(),
                    })
                    .map(|d| d.normalize().scale())
                    .max()
                    .unwrap_or(0);
                DataType::Decimal128(38, i8::try_from(scale).unwrap_or(28))
            }
            TypeClass::Date => DataType::Date32,
            TypeClass::DateTime => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            TypeClass::Boolean => DataType::Boolean,
            TypeClass::Text | TypeClass::Picklist | TypeClass::Lookup | TypeClass::Unsupported => DataType::Utf8,
        };
        fields.push(ArrowField::new(field.api_name(), dt, true));
    }
    ArrowSchema::new(fields)
}

fn constants<T: Clone>(t: &OrdTest<T>) -> Vec<T> {
    match t {
        OrdTest::Equal(v)
        | OrdTest::Less(v)
        | OrdTest::LessEqual(v)
        | OrdTest::Greater(v)
        | OrdTest::GreaterEqual(v) => vec![v.clone()],
        OrdTest::In(set) => set.iter().cloned().collect(),
        OrdTest::Between(lo, hi) => vec![lo.clone(), hi.clone()],
    }
}

/// `SELECT id, CASE ... END AS rule FROM table WHERE ...`: the records some rule locks, with
/// the index (from 0, in the set's order) of the first rule that holds.
///
/// # Errors
/// As [`lower()`]; unparsing errors.
pub fn select_sql(rules: &RuleSet, columns: &ArrowSchema, table: &str) -> Result<String, Error> {
    let lowered = lower(rules, columns)?;
    let case = expr_to_sql(&lowered.first_match)?;
    let filter = expr_to_sql(&lowered.reported)?;
    let names: Vec<String> =
        rules.rules().iter().enumerate().map(|(i, r)| format!("--   {i}: {}", r.name().replace('\n', " "))).collect();
    let table = quote(table);
    Ok(format!(
        "-- recordlock rules as DataFusion SQL; `rule` is the index of the first rule that holds:\n{}\nSELECT {}, {case} AS rule\nFROM {table}\nWHERE {filter};\n",
        names.join("\n"),
        quote(ID_COLUMN)
    ))
}

/// A SQL identifier, double-quoted.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The Arrow schema of a Parquet file (from its footer).
///
/// # Errors
/// [`Error::Input`] for a file that cannot be read as Parquet.
pub fn parquet_schema(path: &str) -> Result<ArrowSchema, Error> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{path}`: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::Input(format!("`{path}`: {e}")))?;
    Ok(builder.schema().as_ref().clone())
}
