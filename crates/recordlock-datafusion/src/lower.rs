//! Lowering: a [`RuleSet`] to DataFusion expressions over a table's Arrow schema.
//!
//! Each rule becomes one boolean expression with SPEC.md §2's two-valued meaning, written
//! so that SQL's NULL never leaks into it:
//!
//! - a **positive** test is TRUE where it holds and FALSE *or NULL* elsewhere (an empty value
//!   is NULL, `''` or a list without a non-empty item; every positive test but `IsEmpty` is
//!   false or NULL there);
//! - a **negated** test is `positive IS NOT TRUE`, which is TRUE on NULL: the exact negation;
//! - AND and OR only combine these (negation is only ever at a leaf), and under Kleene logic
//!   a NULL among them acts exactly as FALSE, so a rule's expression is TRUE exactly where the
//!   rule holds.
//!
//! [`Lowered::first_match`] is the `CASE` that yields the index of the first rule that holds
//! ([`UNEVALUABLE`] for a row that cannot be evaluated), and [`Lowered::reported`] the
//! filter of the rows a sweep reports. Only built-in functions are used.

mod choice;
mod column;
mod ordered;
mod text;

use datafusion::arrow::datatypes::{DataType, Field as ArrowField, Schema as ArrowSchema, TimeUnit};
use datafusion::functions::core::expr_fn::{coalesce, get_field};
use datafusion::logical_expr::{is_not_true, lit, when};
use datafusion::prelude::{Expr, ident};
use datafusion::scalar::ScalarValue;
use recordlock::RuleSet;
use recordlock::criteria::typed::{Pred, Test};
use recordlock::criteria::{EvalOptions, Expr as Criteria, Field, Ingestor, Schema, TypeClass};
use recordlock_arrow::mapping::{Encoding, Mapping, MappingOptions, map_columns};

pub use self::text::like as like_expr;
use crate::error::Error;
use recordlock_arrow::records::{ERROR_COLUMN, is_instant_key, record_error_json};

/// The [`Lowered::first_match`] value of a row that cannot be evaluated.
pub const UNEVALUABLE: i32 = -1;

/// A rule set lowered for one table.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// One boolean expression per rule of the set, in order: TRUE exactly where it holds.
    pub rules: Vec<Expr>,
    /// `Utf8`: for a row that cannot be evaluated, the fields of its output line but `id`
    /// as JSON text (`{"error": {...}}`, with `"line"` for JSON Lines input), as the JSON
    /// Lines sweep prints them; NULL for every other row.
    pub error: Expr,
    /// `Int32`: the index of the first rule that holds, [`UNEVALUABLE`] for a row that cannot
    /// be evaluated, NULL when no rule holds.
    pub first_match: Expr,
    /// The rows a sweep reports: some rule holds, or the row cannot be evaluated. Written as
    /// an OR of the rules, so DataFusion can prune Parquet row groups with it.
    pub reported: Expr,
}

/// Lowers `rules` for a table with Arrow schema `table`.
///
/// Columns are found and checked by the shared Arrow mapping
/// ([`recordlock_arrow::mapping::map_columns`]): a column a rule reads must exist and have a
/// type its field accepts. DataFusion then compares typed columns only: text columns for
/// non-text fields (which a local sweep types first: [`crate::sweep`]) and floats are refused,
/// naming the column. A table with an [`ERROR_COLUMN`] (recordlock's own batches) carries
/// rows that cannot be evaluated; in every table, a decimal column with a scale that holds
/// an integer field makes a row with a fraction unevaluable, as JSON ingestion does. A
/// column of recordlock's [instant keys](recordlock_arrow::records::instant_key) holds a
/// datetime field exactly, leap seconds included.
///
/// # Errors
/// [`Error::ColumnType`]; [`Error::Mapping`].
pub fn lower(rules: &RuleSet, table: &ArrowSchema) -> Result<Lowered, Error> {
    let schema = rules.schema();
    let mapping = map_columns(schema, &rules.reads(), &mapping_view(table), &MappingOptions::default())
        .map_err(|e| Error::Mapping(e.to_string()))?;
    let lowerer = Lowerer { schema, table, mapping: &mapping, opts: rules.eval_options() };
    let lowered: Vec<Expr> = rules.rules().iter().map(|r| lowerer.expr(r.expr())).collect::<Result<_, _>>()?;
    // `None`: no row of this table can be unevaluable.
    // The error column of recordlock's batches, then fractions in integer fields.
    let error = match (table.field_with_name(ERROR_COLUMN).is_ok(), lowerer.row_errors()?) {
        (true, None) => Some(ident(ERROR_COLUMN)),
        (true, Some(fraction)) => Some(coalesce(vec![ident(ERROR_COLUMN), fraction])),
        (false, fraction) => fraction,
    };

    let unevaluable = error.as_ref().map(|e| (e.clone().is_not_null(), lit(UNEVALUABLE)));
    let mut branches = unevaluable.into_iter().collect::<Vec<_>>();
    for (i, r) in lowered.iter().enumerate() {
        let index = i32::try_from(i).map_err(|_| Error::Unrepresentable("too many rules".into()))?;
        branches.push((r.clone(), lit(index)));
    }
    let no_rule = lit(ScalarValue::Int32(None));
    let first_match = match branches.split_first() {
        None => no_rule,
        Some(((cond, then), rest)) => {
            let mut case = when(cond.clone(), then.clone());
            for (cond, then) in rest {
                case = case.when(cond.clone(), then.clone());
            }
            case.otherwise(no_rule)?
        }
    };
    let reported = error.iter().map(|e| e.clone().is_not_null()).chain(lowered.iter().cloned()).reduce(Expr::or);
    let reported = reported.unwrap_or(lit(false));
    let error = error.unwrap_or(lit(ScalarValue::Utf8(None)));
    Ok(Lowered { rules: lowered, error, first_match, reported })
}

/// `table` as the shared Arrow mapping should see it: a column of recordlock's instant keys
/// (a Decimal128 the mapping does not know for datetimes) as the timestamp it stands for.
fn mapping_view(table: &ArrowSchema) -> ArrowSchema {
    let fields: Vec<ArrowField> = table
        .fields()
        .iter()
        .map(|f| {
            if is_instant_key(f) {
                ArrowField::new(f.name(), DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())), true)
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    ArrowSchema::new(fields)
}

/// What lowering reads: the module's schema, the table's columns, the time zone.
struct Lowerer<'a> {
    schema: &'a Schema,
    table: &'a ArrowSchema,
    mapping: &'a Mapping,
    opts: &'a EvalOptions,
}

impl Lowerer<'_> {
    fn expr(&self, e: &Criteria) -> Result<Expr, Error> {
        match e {
            Criteria::Leaf(p) => self.pred(p),
            Criteria::All(items) => fold(items.iter().map(|e| self.expr(e)), Expr::and),
            Criteria::Any(items) => fold(items.iter().map(|e| self.expr(e)), Expr::or),
        }
    }

    fn pred(&self, p: &Pred) -> Result<Expr, Error> {
        let field = self.schema.field(p.slot());
        let Some(mapped) = self.mapping.column(p.slot()) else {
            return Err(Error::Mapping(format!("no column for `{}`", field.api_name())));
        };
        let column = self.table.field(mapped.index);
        let positive = self.positive(p.test(), field, column, mapped.encoding)?;
        Ok(if p.negated() { is_not_true(positive) } else { positive })
    }

    /// The positive test: TRUE where it holds, FALSE or NULL elsewhere.
    fn positive(&self, test: &Test, field: &Field, column: &ArrowField, encoding: Encoding) -> Result<Expr, Error> {
        column::check(field, column, encoding)?;
        let c = match encoding {
            Encoding::IdStruct { .. } => get_field(ident(column.name()), "id"),
            _ => ident(column.name()),
        };
        let column = &column::value_field(column, encoding);
        Ok(match test {
            Test::IsEmpty => column::is_empty(c, column),
            Test::Text(t) => text::text(c, t),
            Test::Choice(t) => choice::choice(c, field, t),
            Test::Choices(t) => choice::choices(c, column, field, t)?,
            Test::Number(t) => ordered::number(c, column, t)?,
            Test::Date(t) => ordered::date(c, column, t)?,
            Test::DateTime(t) => ordered::datetime(c, column, t)?,
            Test::DayOfDateTime(t) => ordered::day_of_datetime(c, column, t, self.opts)?,
            Test::Bool(b) => c.eq(lit(*b)),
            Test::Id(t) => column::id(c, column, t)?,
        })
    }

    /// The error of a row whose integer field holds a fraction (a decimal column with a scale), as JSON ingestion reports it.
    fn row_errors(&self) -> Result<Option<Expr>, Error> {
        let mut case: Option<datafusion::logical_expr::conditional_expressions::CaseBuilder> = None;
        for mapped in self.mapping.columns() {
            let field = self.schema.field(mapped.slot);
            let (TypeClass::Number { integral: true }, Encoding::Decimal { scale }) =
                (field.data_type().class(), mapped.encoding)
            else {
                continue;
            };
            if scale <= 0 {
                continue;
            }
            let column = self.table.field(mapped.index);
            let fraction = ordered::has_fraction(ident(column.name()), column)?;
            let error = lit(fraction_error(self.schema, mapped.slot)?);
            case = Some(match case {
                None => when(fraction, error),
                Some(mut c) => c.when(fraction, error),
            });
        }
        Ok(match case {
            None => None,
            Some(mut c) => Some(c.otherwise(lit(ScalarValue::Utf8(None)))?),
        })
    }
}

/// The JSON Lines sweep's error for a fraction in integer field `slot`: what recordlock's
/// ingestor says of `{"<field>": 0.5}`, as an unevaluable record.
fn fraction_error(schema: &Schema, slot: recordlock::criteria::Slot) -> Result<String, Error> {
    let field = schema.field(slot);
    let record = serde_json::json!({ field.api_name(): 0.5 }).to_string();
    let ingestor = Ingestor::for_fields(schema, [slot]);
    let mut row = ingestor.new_row();
    match ingestor.ingest_str(&record, &mut row) {
        Ok(()) => Err(Error::Unrepresentable(format!("`{}` holds fractions", field.api_name()))),
        Err(e) => Ok(serde_json::json!({ "error": record_error_json(e) }).to_string()),
    }
}

/// AND or OR of the items.
fn fold(items: impl Iterator<Item = Result<Expr, Error>>, op: fn(Expr, Expr) -> Expr) -> Result<Expr, Error> {
    let mut acc: Option<Expr> = None;
    for item in items {
        let item = item?;
        acc = Some(match acc {
            None => item,
            Some(a) => op(a, item),
        });
    }
    // Groups hold at least two items (recordlock_criteria::typed::Items); an empty one
    // cannot be built.
    acc.ok_or_else(|| Error::Unrepresentable("an empty criteria group".into()))
}
