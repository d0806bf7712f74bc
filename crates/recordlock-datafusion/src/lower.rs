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
//! ([`UNEVALUABLE`] for a row whose error column is set), and [`Lowered::reported`] the
//! filter of the rows a sweep reports. Only built-in functions are used.

mod choice;
mod column;
mod ordered;
mod text;

use datafusion::arrow::datatypes::{Field as ArrowField, Schema as ArrowSchema};
use datafusion::logical_expr::{is_not_true, lit, when};
use datafusion::prelude::{Expr, ident};
use datafusion::scalar::ScalarValue;
use recordlock::RuleSet;
use recordlock::criteria::typed::{Pred, Test};
use recordlock::criteria::{EvalOptions, Expr as Criteria, Field, Schema};

pub(crate) use self::ordered::instant_nanos as ordered_instant_nanos;
pub use self::text::like as like_expr;
use crate::batch::ERROR_COLUMN;
use crate::error::Error;

/// The [`Lowered::first_match`] value of a row that cannot be evaluated.
pub const UNEVALUABLE: i32 = -1;

/// A rule set lowered for one table.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// One boolean expression per rule of the set, in order: TRUE exactly where it holds.
    pub rules: Vec<Expr>,
    /// `Int32`: the index of the first rule that holds, [`UNEVALUABLE`] for a row that cannot
    /// be evaluated (its [`ERROR_COLUMN`] is set), NULL when no rule holds.
    pub first_match: Expr,
    /// The rows a sweep reports: some rule holds, or the row cannot be evaluated. Written as
    /// an OR of the rules, so DataFusion can prune Parquet row groups with it.
    pub reported: Expr,
}

/// Lowers `rules` for a table with Arrow schema `table`, whose columns are named by the
/// fields' API names. A field with no column is empty in every row. A column whose type
/// cannot hold its field's values exactly is an [`Error::ColumnType`] naming it.
///
/// # Errors
/// [`Error::ColumnType`]; [`Error::Unrepresentable`] for a constant DataFusion cannot hold
/// (a leap second against an Arrow timestamp).
pub fn lower(rules: &RuleSet, table: &ArrowSchema) -> Result<Lowered, Error> {
    let lowerer = Lowerer { schema: rules.schema(), table, opts: rules.eval_options() };
    let lowered: Vec<Expr> = rules.rules().iter().map(|r| lowerer.expr(r.expr())).collect::<Result<_, _>>()?;
    let error = table.field_with_name(ERROR_COLUMN).is_ok().then(|| ident(ERROR_COLUMN).is_not_null());

    let mut branches: Vec<(Expr, Expr)> = Vec::new();
    if let Some(e) = &error {
        branches.push((e.clone(), lit(UNEVALUABLE)));
    }
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
    let reported = error.into_iter().chain(lowered.iter().cloned()).reduce(Expr::or).unwrap_or(lit(false));
    Ok(Lowered { rules: lowered, first_match, reported })
}

/// What lowering reads: the module's schema, the table's columns, the time zone.
struct Lowerer<'a> {
    schema: &'a Schema,
    table: &'a ArrowSchema,
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
        let positive = match self.table.field_with_name(field.api_name()) {
            // No column: every value is empty.
            Err(_) => lit(matches!(p.test(), Test::IsEmpty)),
            Ok(column) => self.positive(p.test(), field, column)?,
        };
        Ok(if p.negated() { is_not_true(positive) } else { positive })
    }

    /// The positive test: TRUE where it holds, FALSE or NULL elsewhere.
    fn positive(&self, test: &Test, field: &Field, column: &ArrowField) -> Result<Expr, Error> {
        let c = ident(column.name());
        column::check(field, column)?;
        Ok(match test {
            Test::IsEmpty => column::is_empty(c, column),
            Test::Text(t) => text::text(c, t),
            Test::Choice(t) => choice::choice(c, field, t),
            Test::Choices(t) => choice::choices(c, column, field, t)?,
            Test::Number(t) => ordered::number(c, column, t)?,
            Test::Date(t) => ordered::date(c, column, t)?,
            Test::DateTime(t) => ordered::datetime(c, column, field, t)?,
            Test::DayOfDateTime(t) => ordered::day_of_datetime(c, column, t, self.opts)?,
            Test::Bool(b) => c.eq(lit(*b)),
            Test::Id(t) => column::id(c, column, t)?,
        })
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
