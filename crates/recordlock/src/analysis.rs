//! Static analysis of a configuration: what its rules will do, told before it is saved.
//!
//! [`lint`] reads a compiled [`Policy`] and reports [`Finding`]s, one per problem, each with
//! a stable [`FindingKind`], a [`Severity`], the JSON path of what it is about and a message:
//!
//! | kind | finds |
//! |---|---|
//! | `never_holds` | a rule, group or condition no record satisfies (`Amount > 100 AND Amount < 50`, `in []`) |
//! | `always_holds` | one every record satisfies, empty fields included |
//! | `redundant_rule` | a rule that never shows as the locking rule: earlier rules hold wherever it does |
//! | `equivalent_rules` | a rule that holds on exactly the records an earlier rule holds on |
//! | `reads_excluded_field` | criteria reading a field that stays editable on a locked record |
//! | `lock_existing_rarely_filled` | `lock_existing_records` on a rule that needs fields records often leave empty |
//!
//! The reasoning is per field, over the typed constants ([`recordlock_criteria::typed`]):
//! intervals for numbers, dates and instants, finite and co-finite sets for text, options and
//! ids, and sure implications between substring tests. Criteria are searched branch by branch
//! in disjunctive normal form under a step budget ([`AnalysisOptions::budget`]). Every
//! "never", "always", "redundant" and "equivalent" is a proof: where the analysis cannot
//! decide (a `like` pattern it cannot read, a budget spent) it says nothing.
//!
//! [`never_holds`], [`always_holds`] and [`covered_by`] answer the underlying questions for
//! any typed criteria.
//!
//! ```
//! use recordlock::analysis::{self, FindingKind};
//! use recordlock::{Limits, Module, Policy};
//! use recordlock::criteria::EvalOptions;
//! use serde_json::json;
//!
//! let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
//!     {"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
//!     {"name": "Won and big", "criteria": {"group_operator": "AND", "group": [
//!         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"},
//!         {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}]}},
//!     {"name": "Impossible", "criteria": {"group_operator": "AND", "group": [
//!         {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 100},
//!         {"field": {"api_name": "Amount"}, "comparator": "less_than", "value": 50}]}}]}]});
//! let policy = Policy::new(&body, Module::resolve("Deals", None)?, Limits::default(), EvalOptions::default())?;
//!
//! let findings = analysis::lint(&policy);
//! let kinds: Vec<FindingKind> = findings.iter().map(|f| f.kind).collect();
//! assert_eq!(kinds, [FindingKind::RedundantRule, FindingKind::NeverHolds]);
//! assert_eq!(findings[0].json_path, "$.record_locking_configurations[0].locking_rules[1]");
//! assert_eq!(findings[0].related, ["$.record_locking_configurations[0].locking_rules[0]"]);
//! # Ok::<(), recordlock::criteria::Error>(())
//! ```

mod domain;
mod findings;
mod lint;
mod solver;

use recordlock_criteria::{EvalOptions, Expr, Schema};

pub use self::findings::{Finding, FindingKind, Severity};
use self::solver::{Formula, Solver, Verdict};
use crate::policy::Policy;

/// How hard the analysis tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// Search steps per question (a question: "can these criteria hold together?"); past
    /// it the analysis stays silent on that question. Each step adds one condition or splits
    /// one OR, so the default decides every configuration within the default limits whose
    /// criteria, rewritten as ORs of ANDs, have up to a few thousand branches.
    pub budget: usize,
}

impl Default for AnalysisOptions {
    fn default() -> AnalysisOptions {
        AnalysisOptions { budget: 20_000 }
    }
}

/// Every finding on `policy`, rule by rule in configuration order.
pub fn lint(policy: &Policy) -> Vec<Finding> {
    lint_with(policy, &AnalysisOptions::default())
}

/// As [`lint`], with options.
pub fn lint_with(policy: &Policy, opts: &AnalysisOptions) -> Vec<Finding> {
    lint::lint(policy, opts)
}

/// Whether `expr` provably holds on no record of `schema` (`false`: it may hold, or the
/// analysis could not tell). `opts` gives the time zone of date-against-datetime tests.
///
/// ```
/// use recordlock::analysis::never_holds;
/// use recordlock::criteria::{typecheck, Criteria, CriteriaLimits, EvalOptions, Schema};
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
    let solver = Solver::new(schema, opts.tz, AnalysisOptions::default().budget);
    matches!(solver.check(goals), Verdict::Unsatisfiable(_))
}

impl Policy {
    /// The analysis's findings on this policy ([`lint`]).
    pub fn lint(&self) -> Vec<Finding> {
        lint(self)
    }
}
