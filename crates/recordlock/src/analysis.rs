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
//! any typed criteria; they and the solver live in [`recordlock_criteria::analysis`], where
//! every back end can use them.
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

mod findings;
mod lint;

pub use self::findings::{Finding, FindingKind, Severity};
use crate::policy::Policy;
pub use recordlock_criteria::analysis::{always_holds, covered_by, never_holds};

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
        AnalysisOptions { budget: recordlock_criteria::analysis::DEFAULT_BUDGET }
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

impl Policy {
    /// The analysis's findings on this policy ([`lint`]).
    pub fn lint(&self) -> Vec<Finding> {
        lint(self)
    }
}
