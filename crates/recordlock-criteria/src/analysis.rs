//! What criteria can and cannot do, proven without a record: "can these criteria hold at
//! all?", "do they hold on every record?", "does every record this rule locks satisfy an
//! earlier rule?".
//!
//! Criteria become [`Formula`]s; a [`Solver`] searches their disjunctive normal form branch by
//! branch under a step budget, with per-field constraints over the typed constants
//! (intervals for numbers, dates and instants; finite and co-finite sets for text, options and
//! ids; sure implications between substring tests). Every "unsatisfiable" is a proof; where it
//! cannot decide (a `like` pattern it cannot read, a budget spent) the answer is "may hold".
//!
//! The record-locking analysis (`recordlock::analysis`: findings on a configuration) is built
//! on these; so can every back end (SQL, DataFusion), which may drop a rule that
//! [`never_holds`].

mod domain;
mod solver;

pub use self::solver::{Formula, Lit, Solver, Verdict};
use crate::{EvalOptions, Expr, Schema};

/// Search steps per question by default: each step adds one condition or splits one OR, so
/// this decides every rule within the default limits whose criteria, written as ORs of ANDs,
/// have up to a few thousand branches.
pub const DEFAULT_BUDGET: usize = 20_000;

/// Whether `expr` provably holds on no record of `schema` (`false`: it may hold, or the
/// analysis could not tell). `opts` gives the time zone of date-against-datetime tests.
///
/// ```
/// use recordlock_criteria::analysis::never_holds;
/// use recordlock_criteria::{typecheck, Criteria, CriteriaLimits, EvalOptions, Schema};
/// use serde_json::json;
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let typed = |j| typecheck::check(&serde_json::from_value::<Criteria>(j).unwrap(), deals, &CriteriaLimits::default()).unwrap();
/// let opts = EvalOptions::default();
/// assert!(never_holds(&typed(json!({"group_operator": "AND", "group": [
///     {"field": {"api_name": "Amount"}, "comparator": "between", "value": [5, 5]},
///     {"field": {"api_name": "Amount"}, "comparator": "not_equal", "value": 5}]})), deals, &opts));
/// assert!(!never_holds(&typed(json!(
///     {"field": {"api_name": "Amount"}, "comparator": "not_equal", "value": 5})), deals, &opts));
/// ```
pub fn never_holds(expr: &Expr, schema: &Schema, opts: &EvalOptions) -> bool {
    proven(schema, opts, &[&Formula::holds(expr)])
}

/// Whether `expr` provably holds on every record of `schema`, empty fields included.
pub fn always_holds(expr: &Expr, schema: &Schema, opts: &EvalOptions) -> bool {
    proven(schema, opts, &[&Formula::fails(expr)])
}

/// Whether every record on which `later` holds provably satisfies one of `earlier` too: a
/// rule with criteria `later` after rules with `earlier` never shows as the locking rule.
pub fn covered_by(later: &Expr, earlier: &[&Expr], schema: &Schema, opts: &EvalOptions) -> bool {
    let fails: Vec<Formula<'_>> = earlier.iter().map(|e| Formula::fails(e)).collect();
    let holds = Formula::holds(later);
    let mut goals = vec![&holds];
    goals.extend(fails.iter());
    proven(schema, opts, &goals)
}

/// Whether the conjunction of `goals` is proven unsatisfiable.
fn proven(schema: &Schema, opts: &EvalOptions, goals: &[&Formula<'_>]) -> bool {
    let solver = Solver::new(schema, opts.tz, DEFAULT_BUDGET);
    matches!(solver.check(goals), Verdict::Unsatisfiable(_))
}
