//! The checks behind [`crate::analysis::lint`]: each rule's criteria and groups, each rule
//! against the earlier ones, and each rule against the rest of the configuration.

use std::collections::BTreeSet;

use recordlock_criteria::{Expr, FieldType, JsonPath, Schema, Slot};

use super::AnalysisOptions;
use super::findings::{Finding, FindingKind, Severity};
use crate::config::BODY_KEY;
use crate::policy::{CompiledRule, Policy};
use recordlock_criteria::analysis::{Formula, Solver, Verdict};

/// Every finding on `policy`, rule by rule in configuration order.
pub(crate) fn lint(policy: &Policy, opts: &AnalysisOptions) -> Vec<Finding> {
    let schema = policy.schema();
    let solver = Solver::new(schema, policy.eval_options().tz, opts.budget);
    let rules = policy.rules();
    let holds: Vec<Formula<'_>> = rules.iter().map(|r| Formula::holds(r.expr())).collect();
    let fails: Vec<Formula<'_>> = rules.iter().map(|r| Formula::fails(r.expr())).collect();
    let never: Vec<Option<BTreeSet<Slot>>> = holds.iter().map(|h| unsatisfiable(solver.check(&[h]))).collect();
    let lint = Lint { policy, schema, solver, holds, fails };
    let mut findings = Vec::new();
    for (j, rule) in rules.iter().enumerate() {
        // A rule that never holds locks nothing: the other checks would only add noise.
        match never.get(j).cloned().flatten() {
            Some(fields) => findings.push(lint.rule_never_holds(j, rule, &fields)),
            None => {
                lint.criteria(j, rule, &mut findings);
                let earlier: Vec<usize> = (0..j).filter(|i| never.get(*i).is_some_and(Option::is_none)).collect();
                findings.extend(lint.redundancy(j, &earlier));
                findings.extend(lint.excluded_fields(rule));
                findings.extend(lint.rarely_filled(j, rule));
            }
        }
    }
    findings
}

struct Lint<'p> {
    policy: &'p Policy,
    schema: &'p Schema,
    solver: Solver<'p>,
    holds: Vec<Formula<'p>>,
    fails: Vec<Formula<'p>>,
}

impl<'p> Lint<'p> {
    fn rule(&self, i: usize) -> Option<&'p CompiledRule> {
        self.policy.rules().get(i)
    }

    fn rule_never_holds(&self, j: usize, rule: &CompiledRule, fields: &BTreeSet<Slot>) -> Finding {
        Finding {
            severity: Severity::Error,
            kind: FindingKind::NeverHolds,
            json_path: criteria_path(j),
            message: format!(
                "rule `{}` never holds: {}, so it locks no record",
                rule.name(),
                self.contradiction(fields)
            ),
            related: Vec::new(),
        }
    }

    /// The rule's criteria, then its groups and leaves top-down: the first node (from the
    /// top) that never or always holds is reported, and nothing inside it.
    fn criteria(&self, j: usize, rule: &CompiledRule, findings: &mut Vec<Finding>) {
        let name = rule.name();
        let root = rule.expr();
        if self.always_holds(root) {
            findings.push(Finding {
                severity: Severity::Warning,
                kind: FindingKind::AlwaysHolds,
                json_path: criteria_path(j),
                message: format!(
                    "rule `{name}` always holds, on every record including records with empty fields, so it locks \
                     every record of the module"
                ),
                related: Vec::new(),
            });
            return;
        }
        let mut stack: Vec<&Expr> = children(root).iter().rev().collect();
        while let Some(node) = stack.pop() {
            let what = describe(node);
            if let Some(fields) = unsatisfiable(self.solver.check(&[&Formula::holds(node)])) {
                let why = match node {
                    Expr::Leaf(p) => format!("no value of `{}` passes it", p.origin().api_name),
                    Expr::All(_) | Expr::Any(_) => self.contradiction(&fields),
                };
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::NeverHolds,
                    json_path: node_path(node),
                    message: format!(
                        "{what} in rule `{name}` never holds: {why}; the rule holds only through its other conditions"
                    ),
                    related: Vec::new(),
                });
            } else if self.always_holds(node) {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::AlwaysHolds,
                    json_path: node_path(node),
                    message: format!(
                        "{what} in rule `{name}` always holds, on every record including records with empty \
                         fields, so it adds nothing to the rule"
                    ),
                    related: Vec::new(),
                });
            } else {
                stack.extend(children(node).iter().rev());
            }
        }
    }

    fn always_holds(&self, expr: &Expr) -> bool {
        unsatisfiable(self.solver.check(&[&Formula::fails(expr)])).is_some()
    }

    /// Whether every record rule `j` holds on, one of the rules `by` holds on too.
    fn covered(&self, j: usize, by: &[usize]) -> bool {
        let Some(holds) = self.holds.get(j) else { return false };
        let mut goals = vec![holds];
        goals.extend(by.iter().filter_map(|i| self.fails.get(*i)));
        goals.len() == by.len() + 1 && unsatisfiable(self.solver.check(&goals)).is_some()
    }

    /// Rule `j` against the `earlier` rules that may hold: equivalent to one, covered by
    /// one, or covered by several together (reported with a minimal set of them).
    fn redundancy(&self, j: usize, earlier: &[usize]) -> Option<Finding> {
        let rule = self.rule(j)?;
        let covering: Vec<usize> = earlier.iter().copied().filter(|i| self.covered(j, &[*i])).collect();
        if let Some(i) = covering.iter().copied().find(|i| self.covered(*i, &[j])) {
            let other = self.rule(i)?;
            return Some(Finding {
                severity: Severity::Warning,
                kind: FindingKind::EquivalentRules,
                json_path: rule_path(j).to_string(),
                message: format!(
                    "rule `{}` is equivalent to the earlier rule `{}`: they hold on exactly the same records, and \
                     the first match wins, so `{}` never shows as the locking rule{}",
                    rule.name(),
                    other.name(),
                    rule.name(),
                    self.back_fill_note(rule, &[i])
                ),
                related: vec![rule_path(i).to_string()],
            });
        }
        let by = match covering.first() {
            Some(i) => vec![*i],
            None if earlier.len() >= 2 && self.covered(j, earlier) => {
                // Drop each rule the others do without, keeping the set minimal.
                let mut by = earlier.to_vec();
                for i in earlier {
                    let without: Vec<usize> = by.iter().copied().filter(|k| k != i).collect();
                    if self.covered(j, &without) {
                        by = without;
                    }
                }
                by
            }
            None => return None,
        };
        let names: Vec<String> = by.iter().filter_map(|i| self.rule(*i)).map(|r| format!("`{}`", r.name())).collect();
        let (those, lock) = if by.len() == 1 { ("the earlier rule", "locks") } else { ("the earlier rules", "lock") };
        Some(Finding {
            severity: Severity::Warning,
            kind: FindingKind::RedundantRule,
            json_path: rule_path(j).to_string(),
            message: format!(
                "rule `{}` is redundant: every record it holds on, {those} {} already {lock}, and the first match \
                 wins, so `{}` never shows as the locking rule{}",
                rule.name(),
                names.join(" or "),
                rule.name(),
                self.back_fill_note(rule, &by)
            ),
            related: by.iter().map(|i| rule_path(*i).to_string()).collect(),
        })
    }

    /// A back-fill applies only `lock_existing_records` rules: there, a rule covered by
    /// rules without it does show.
    fn back_fill_note(&self, rule: &CompiledRule, by: &[usize]) -> String {
        let skipped: Vec<String> = by
            .iter()
            .filter_map(|i| self.rule(*i))
            .filter(|r| !r.lock_existing_records())
            .map(|r| format!("`{}`", r.name()))
            .collect();
        if rule.lock_existing_records() && !skipped.is_empty() {
            format!(
                " (except in a lock_existing_records back-fill, which skips {} and so reports `{}`)",
                skipped.join(" and "),
                rule.name()
            )
        } else {
            String::new()
        }
    }

    /// Each excluded field the rule reads, at the first leaf that reads it.
    fn excluded_fields(&self, rule: &CompiledRule) -> Vec<Finding> {
        self.policy
            .excluded_slots()
            .iter()
            .filter_map(|slot| rule.expr().preds().find(|p| p.slot() == *slot))
            .map(|p| Finding {
                severity: Severity::Warning,
                kind: FindingKind::ReadsExcludedField,
                json_path: p.origin().path.to_string(),
                message: format!(
                    "rule `{}` reads `{}`, an excluded field: a user may edit it on a locked record, and the lock is \
                     recomputed on save, so editing it can take the record out of this rule's lock",
                    rule.name(),
                    p.origin().api_name
                ),
                related: vec![config_path().key("excluded_fields").to_string()],
            })
            .collect()
    }

    /// `lock_existing_records` on a rule whose criteria read only rarely filled fields
    /// (textareas and optional lookups) and cannot hold while all of them are empty.
    fn rarely_filled(&self, j: usize, rule: &CompiledRule) -> Option<Finding> {
        if !rule.lock_existing_records() {
            return None;
        }
        let slots: BTreeSet<Slot> = rule.expr().preds().map(|p| p.slot()).collect();
        if slots.is_empty() || !slots.iter().all(|s| rarely_filled(self.schema.field(*s).data_type())) {
            return None;
        }
        let empties: Vec<Formula<'static>> = slots.iter().map(|s| Formula::is_empty(*s)).collect();
        let mut goals: Vec<&Formula<'_>> = vec![self.holds.get(j)?];
        goals.extend(empties.iter());
        unsatisfiable(self.solver.check(&goals))?;
        let fields: Vec<String> = slots
            .iter()
            .map(|s| {
                let f = self.schema.field(*s);
                format!("`{}` ({})", f.api_name(), f.data_type())
            })
            .collect();
        let (which, fields_are) = if fields.len() == 1 { ("", "a field") } else { ("at least one of ", "fields") };
        Some(Finding {
            severity: Severity::Warning,
            kind: FindingKind::LockExistingRarelyFilled,
            json_path: rule_path(j).key("lock_existing_records").to_string(),
            message: format!(
                "rule `{}` has lock_existing_records, but it holds only on records that fill {which}{}, {fields_are} \
                 existing records often leave empty (free text and optional lookups are filled by hand, if at \
                 all), so the back-fill may lock few existing records",
                rule.name(),
                fields.join(", ")
            ),
            related: Vec::new(),
        })
    }

    /// "the conditions on `A` and `B` contradict each other".
    fn contradiction(&self, fields: &BTreeSet<Slot>) -> String {
        let names: Vec<String> = fields.iter().map(|s| format!("`{}`", self.schema.field(*s).api_name())).collect();
        match names.len() {
            0 => "its conditions cannot all hold".to_owned(),
            1 => format!("its conditions on {} cannot all hold on one value", names.join("")),
            _ => format!("its conditions on {} cannot all hold together", names.join(", ")),
        }
    }
}

/// Textareas and lookups to other records (not owners or users, which Zoho fills): fields
/// that existing records often leave empty.
fn rarely_filled(t: &FieldType) -> bool {
    matches!(t, FieldType::Textarea | FieldType::Lookup)
}

fn unsatisfiable(v: Verdict) -> Option<BTreeSet<Slot>> {
    match v {
        Verdict::Unsatisfiable(fields) => Some(fields),
        Verdict::Open | Verdict::GaveUp => None,
    }
}

fn children(e: &Expr) -> &[Expr] {
    match e {
        Expr::Leaf(_) => &[],
        Expr::All(items) | Expr::Any(items) => items,
    }
}

fn describe(e: &Expr) -> String {
    match e {
        Expr::Leaf(p) => {
            format!("the condition `{} {} {}`", p.origin().api_name, p.origin().comparator, p.origin().value)
        }
        Expr::All(_) => "the AND group".to_owned(),
        Expr::Any(_) => "the OR group".to_owned(),
    }
}

fn config_path() -> JsonPath {
    JsonPath::root().key(BODY_KEY).index(0)
}

/// `$.record_locking_configurations[0].locking_rules[i]`, as validation numbers rules.
fn rule_path(i: usize) -> JsonPath {
    config_path().key("locking_rules").index(i)
}

fn criteria_path(i: usize) -> String {
    rule_path(i).key("criteria").to_string()
}

/// A node's JSON path: a leaf's own, or for a group the longest path all its leaves lie
/// under (a group merged into its parent by the typed tree's normalisation is reported as
/// that parent).
fn node_path(e: &Expr) -> String {
    let paths: Vec<&str> = e.preds().map(|p| p.origin().path.as_str()).collect();
    let Some((first, rest)) = paths.split_first() else { return String::new() };
    if rest.is_empty() {
        return (*first).to_owned();
    }
    let mut len = rest.iter().map(|p| common_prefix(first, p)).min().unwrap_or(first.len());
    let boundary = |p: &str, at: usize| p.len() == at || matches!(p.as_bytes().get(at), Some(b'.' | b'['));
    while len > 0 && !paths.iter().all(|p| boundary(p, len)) {
        len -= 1;
    }
    let prefix = first.get(..len).unwrap_or(first);
    prefix.strip_suffix(".group").unwrap_or(prefix).to_owned()
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}
