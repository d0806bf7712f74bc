//! Explanations: for one record, each rule's verdict and each leaf's value and result.

use std::fmt;

use recordlock_criteria::{Choice, Error, Row, Trace, Value, reference};
use serde::Serialize;
use serde_json::Value as Json;

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

    /// Explains the rules' verdicts on a record given as JSON text, showing each text value
    /// as the record wrote it: rows hold text folded for comparison (`acme x` for `ACME x`),
    /// which is not what a person looking at the record should read.
    ///
    /// ```
    /// use recordlock::{Limits, Module, Policy};
    /// use recordlock::criteria::{EvalOptions, Trace};
    /// use serde_json::json;
    ///
    /// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [{"name": "ACME",
    ///     "criteria": {"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "acme"}}]}]});
    /// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
    /// let explanation = policy.explain_record(r#"{"id": "1", "Deal_Name": "ACME x"}"#).unwrap();
    /// let Trace::Leaf { field_value, result, .. } = &explanation.rules[0].trace else { panic!() };
    /// assert_eq!((field_value.as_str(), *result), ("\"ACME x\"", true));
    /// ```
    pub fn explain_record(&self, text: &str) -> Result<Explanation, Error> {
        let mut row = self.new_row();
        self.ingest_str(text, &mut row)?;
        let mut explanation = self.explain(&row);
        // The record was just read whole, so it parses; its text values are shown as given.
        let record: Json = serde_json::from_str(text).unwrap_or(Json::Null);
        for rule in &mut explanation.rules {
            self.show_as_written(&mut rule.trace, &record, &row);
        }
        Ok(explanation)
    }

    fn show_as_written(&self, trace: &mut Trace, record: &Json, row: &Row) {
        match trace {
            Trace::Leaf { api_name, field_value, .. } => {
                let Some(slot) = self.schema().slot(api_name) else { return };
                let folded = matches!(row.get(slot), Value::Text(_) | Value::Choice(Choice::Other(_)));
                let written = match record.get(api_name.as_str()) {
                    Some(Json::String(s)) => Some(s.as_str()),
                    Some(Json::Number(n)) => Some(n.as_str()),
                    _ => None,
                };
                if let (true, Some(text)) = (folded, written) {
                    *field_value = format!("{text:?}");
                }
            }
            Trace::Group { items, .. } => items.iter_mut().for_each(|t| self.show_as_written(t, record, row)),
        }
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
