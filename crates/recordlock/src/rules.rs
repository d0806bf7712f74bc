//! The rules a back end evaluates: a configuration's locking rules, in order, each with its
//! typed criteria, for one [`RuleScope`].
//!
//! The bytecode VM is one engine among several (the columnar engine, DataFusion, PostgreSQL).
//! They all start from a [`RuleSet`] built from a [`ValidConfig`], never from the VM's
//! [`Policy`](crate::Policy): the typed [`Expr`] is the one definition of what a rule means
//! (SPEC.md §2), and each engine lowers it to its own form. A back end answers, for each
//! record, the index in [`RuleSet::rules`] of the first rule that holds, or that the record
//! cannot be evaluated (a value of the wrong type in a field some rule of the set reads: fail
//! closed, SPEC.md §4).
//!
//! ```
//! use recordlock::{Module, Limits, RuleScope, RuleSet};
//! use recordlock::config::validate::validate;
//! use recordlock::criteria::EvalOptions;
//! use serde_json::json;
//!
//! let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
//!     {"name": "Won", "lock_existing_records": true,
//!      "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
//!     {"name": "Big", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}}]}]});
//! let deals = Module::resolve("Deals", None).unwrap();
//! let valid = validate(&body, &deals, &Limits::default()).unwrap();
//!
//! let backfill = RuleSet::new(&valid, deals.clone(), EvalOptions::default(), RuleScope::ExistingRecords);
//! assert_eq!(backfill.rules().len(), 1);
//! assert_eq!(backfill.rules()[0].name(), "Won");
//! let every = RuleSet::new(&valid, deals, EvalOptions::default(), RuleScope::All);
//! assert_eq!(every.rules().len(), 2);
//! assert_eq!(every.rules()[1].position(), 1);
//! ```

use std::sync::Arc;

use recordlock_criteria::{EvalOptions, Expr, Schema, Slot};
use serde_json::{Value as Json, json};

use crate::config::ValidConfig;
use crate::decision::RuleRef;
use crate::module::Module;
use crate::policy::RuleScope;

/// One locking rule with its typed criteria.
#[derive(Debug, Clone)]
pub struct Rule {
    position: usize,
    id: Option<Arc<str>>,
    name: Arc<str>,
    lock_existing_records: bool,
    expr: Expr,
}

impl Rule {
    pub(crate) fn new(position: usize, id: Option<&str>, name: &str, lock_existing_records: bool, expr: Expr) -> Rule {
        Rule { position, id: id.map(Arc::from), name: Arc::from(name), lock_existing_records, expr }
    }

    /// The rule's index in the configuration's `locking_rules` (whatever the scope).
    pub fn position(&self) -> usize {
        self.position
    }

    /// The rule id (absent before a store assigned one).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The rule name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether back-fill sweeps apply it.
    pub fn lock_existing_records(&self) -> bool {
        self.lock_existing_records
    }

    /// The typed criteria: what every engine evaluates.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The rule as named in decisions.
    pub fn rule_ref(&self) -> RuleRef {
        RuleRef { id: self.id.clone(), name: Some(Arc::clone(&self.name)) }
    }

    /// The rule as a sweep prints it: `{"id", "name"}`.
    pub fn to_json(&self) -> Json {
        json!({"id": self.id(), "name": self.name()})
    }
}

/// The rules one [`RuleScope`] applies, in configuration order, with the module and
/// evaluation options they are read under. Empty when `lock_type` is `manual`: only
/// automatic locking evaluates rules.
#[derive(Debug, Clone)]
pub struct RuleSet {
    module: Module,
    opts: EvalOptions,
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules of `valid` that `scope` applies.
    pub fn new(valid: &ValidConfig, module: Module, opts: EvalOptions, scope: RuleScope) -> RuleSet {
        let automatic = valid.config().lock_type.is_automatic();
        let rules = valid
            .rules()
            .enumerate()
            .filter(|_| automatic)
            .filter(|(_, (rule, _))| scope == RuleScope::All || rule.lock_existing_records)
            .map(|(position, (rule, expr))| {
                Rule::new(position, rule.id.as_deref(), &rule.name, rule.lock_existing_records, expr.clone())
            })
            .collect();
        RuleSet { module, opts, rules }
    }

    /// Rules already paired with their criteria (the VM's policy hands over its own).
    pub(crate) fn from_rules(module: Module, opts: EvalOptions, rules: Vec<Rule>) -> RuleSet {
        RuleSet { module, opts, rules }
    }

    /// The rules, in configuration order. A back end answers with an index into this slice.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The module's schema: each slot's field, type and picklist options.
    pub fn schema(&self) -> &Schema {
        self.module.schema()
    }

    /// The evaluation options (the time zone of date-against-datetime tests).
    pub fn eval_options(&self) -> &EvalOptions {
        &self.opts
    }

    /// The fields any rule of the set reads, sorted, each once. A record whose value in one
    /// of them has the wrong type cannot be evaluated (fail closed), whichever rule matches.
    pub fn reads(&self) -> Vec<Slot> {
        let mut slots: Vec<Slot> = self.rules.iter().flat_map(|r| r.expr.preds().map(|p| p.slot())).collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    }
}
