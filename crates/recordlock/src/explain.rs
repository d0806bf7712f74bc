//! Explanations: for one record, each rule's verdict and each leaf's value and result.

use std::fmt;

use recordlock_criteria::{Row, Trace, reference};
use serde::Serialize;

use crate::decision::RuleRef;
use crate::policy::Policy;

/// Why a record is (or is not) locked by the rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The rule that locks the record (the first that matches), if any.
    pub lock: Option<RuleRef>,
    /// Whether rules apply at all (`lock_type` automatic or both).
    pub rules_apply: bool,
    /// Every rule, in configuration order.
    pub rules: Vec<RuleExplanation>,
}

/// One rule's verdict on the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleExplanation {
    /// The rule explained, by id and name.
    pub rule: RuleRef,
    /// Whether back-fill sweeps apply the rule.
    pub lock_existing_records: bool,
    /// Whether the criteria hold.
    pub matched: bool,
    /// Whether this is the rule that locks the record.
    pub locks: bool,
    /// Every node's result.
    pub trace: Trace,
}

impl Policy {
    /// Explains the rules' verdicts on `row`, by the reference interpreter (which the VM
    /// agrees with).
    pub fn explain(&self, row: &Row) -> Explanation {
        let rules_apply = self.config().lock_type.is_automatic();
        let mut locked = false;
        let mut lock = None;
        let rules = self
            .rules()
            .iter()
            .map(|r| {
                let trace = reference::trace(r.expr(), row, self.schema(), self.eval_options());
                let matched = trace.result();
                let locks = rules_apply && matched && !locked;
                if locks {
                    locked = true;
                    lock = Some(r.rule_ref());
                }
                RuleExplanation {
                    rule: r.rule_ref(),
                    lock_existing_records: r.lock_existing_records(),
                    matched,
                    locks,
                    trace,
                }
            })
            .collect();
        Explanation { lock, rules_apply, rules }
    }
}

impl fmt::Display for Explanation {
    /// An indented tree: each rule, then its criteria with every leaf's value and result;
    /// `*` marks the leaves that decided the rule's result.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.lock {
            Some(r) => writeln!(f, "locked by rule {}", rule_label(r))?,
            None if self.rules_apply => writeln!(f, "not locked: no rule matches")?,
            None => writeln!(f, "not locked: lock_type is manual, rules do not apply")?,
        }
        for r in &self.rules {
            let verdict = match (r.matched, r.locks) {
                (true, true) => "matches — locks the record",
                (true, false) => "matches (an earlier rule locks first)",
                (false, _) => "does not match",
            };
            let existing = if r.lock_existing_records { ", lock_existing_records" } else { "" };
            writeln!(f, "rule {}{existing}: {verdict}", rule_label(&r.rule))?;
            write_trace(f, &r.trace, 1)?;
        }
        Ok(())
    }
}

fn rule_label(r: &RuleRef) -> String {
    match (&r.name, &r.id) {
        (Some(n), Some(id)) => format!("{n:?} (id {id})"),
        (Some(n), None) => format!("{n:?}"),
        (None, Some(id)) => format!("id {id}"),
        (None, None) => "(unnamed)".to_owned(),
    }
}

fn write_trace(f: &mut fmt::Formatter<'_>, t: &Trace, depth: usize) -> fmt::Result {
    let indent = "  ".repeat(depth);
    match t {
        Trace::Leaf { api_name, comparator, constant, field_value, result, decided, .. } => {
            let mark = if *decided { "*" } else { " " };
            writeln!(f, "{indent}{mark} {api_name} {comparator} {constant}: value {field_value} → {result}")
        }
        Trace::Group { operator, result, decided, items } => {
            let mark = if *decided { "*" } else { " " };
            writeln!(f, "{indent}{mark} {operator} → {result}")?;
            items.iter().try_for_each(|i| write_trace(f, i, depth + 1))
        }
    }
}
