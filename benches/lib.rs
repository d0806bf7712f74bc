//! Shared fixtures for the criterion benchmarks in `benches/`: the Deals module, rules of a
//! given number of leaves, and generated records.
//!
//! Run them with `cargo bench -p recordlock-benches` (see the README's "Performance").

pub mod peers_data;

use recordlock::criteria::{Criteria, CriteriaLimits, EvalOptions, Expr, Program, Row, Schema, compile, typecheck};
use recordlock::synth::RecordGenerator;
use recordlock::{Limits, Module, Policy};
use serde_json::{Value as Json, json};

/// The built-in Deals schema.
pub fn deals() -> &'static Schema {
    Schema::builtin("Deals").unwrap_or_else(|| unreachable!("Deals is built in"))
}

/// A leaf cycling through common shapes: picklist `in`, currency range, text prefix, date
/// comparison, picklist equality.
pub fn leaf(i: usize) -> Json {
    match i % 5 {
        0 => json!({"field": {"api_name": "Stage"}, "comparator": "in", "value": ["Closed Won", "Closed Lost"]}),
        1 => json!({"field": {"api_name": "Amount"}, "comparator": "between", "value": [1000 + i, 50000]}),
        2 => json!({"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "ACME"}),
        3 => json!({"field": {"api_name": "Closing_Date"}, "comparator": "greater_equal", "value": "2021-01-01"}),
        _ => json!({"field": {"api_name": "Type"}, "comparator": "not_equal", "value": "New Business"}),
    }
}

/// An AND of `n` leaves (a lone leaf for 1).
pub fn and_rule(n: usize) -> Json {
    if n == 1 { leaf(0) } else { json!({"group_operator": "AND", "group": (0..n).map(leaf).collect::<Vec<_>>()}) }
}

/// An OR of `n` leaves.
pub fn or_rule(n: usize) -> Json {
    if n == 1 { leaf(0) } else { json!({"group_operator": "OR", "group": (0..n).map(leaf).collect::<Vec<_>>()}) }
}

/// `n` leaves nested: AND of ORs of 5.
pub fn nested_rule(n: usize) -> Json {
    let groups: Vec<Json> = (0..n.div_ceil(5))
        .map(|g| json!({"group_operator": "OR", "group": (g * 5..(g * 5 + 5).min(n)).map(leaf).collect::<Vec<_>>()}))
        .collect();
    json!({"group_operator": "AND", "group": groups})
}

/// Criteria JSON, type-checked and compiled against Deals.
pub fn compile_rule(criteria: &Json) -> (Expr, Program) {
    let limits = CriteriaLimits { max_group_items: 200, max_leaves: 200, ..CriteriaLimits::default() };
    let c =
        Criteria::parse(criteria, &recordlock::criteria::JsonPath::root(), &limits).unwrap_or_else(|e| panic!("{e}"));
    let expr = typecheck::check(&c, deals(), &limits).unwrap_or_else(|e| panic!("{e}"));
    let program = compile::compile(&expr, deals(), &EvalOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    (expr, program)
}

/// A configuration body with `n` rules of a few leaves each.
pub fn config(n: usize) -> Json {
    let rules: Vec<Json> = (0..n)
        .map(|i| {
            let stages = ["Closed Won", "Closed Lost", "Negotiation/Review", "Qualification", "Needs Analysis"];
            let stage = stages.get(i % 5).copied().unwrap_or("Closed Won");
            json!({"name": format!("rule {i}"), "lock_existing_records": true, "criteria": {"group_operator": "AND", "group": [
                {"field": {"api_name": "Stage"}, "comparator": "equal", "value": stage},
                {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000 * (i + 1)},
                {"field": {"api_name": "Deal_Name"}, "comparator": "contains", "value": "renewal"}]}})
        })
        .collect();
    json!({"record_locking_configurations": [{"lock_type": "automatic", "excluded_fields": [{"api_name": "Description"}],
        "restricted_actions": ["delete"], "locking_rules": rules}]})
}

/// A compiled policy of `config(n)`.
pub fn policy(n: usize) -> Policy {
    let module = Module::resolve("Deals", None).unwrap_or_else(|e| panic!("{e}"));
    Policy::new(&config(n), module, Limits::default(), EvalOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// `config(5)` with the Administrator profile exempt.
pub fn exempt_policy() -> Policy {
    let mut body = config(5);
    body["record_locking_configurations"][0]["locked_for"] = json!("all_profiles_except_excluded_profiles");
    body["record_locking_configurations"][0]["lock_excluded_profiles"] =
        json!([{"id": "5843104000000026011", "name": "Administrator"}]);
    let module = Module::resolve("Deals", None).unwrap_or_else(|e| panic!("{e}"));
    Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// A policy with one rule: `Stage equal Closed Won` (a 1-leaf picklist rule).
pub fn picklist_policy() -> Policy {
    let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "Won", "lock_existing_records": true,
         "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
    let module = Module::resolve("Deals", None).unwrap_or_else(|e| panic!("{e}"));
    Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// `n` generated Deals records as JSON lines.
pub fn records(n: usize) -> Vec<String> {
    let g = RecordGenerator::new(deals(), 7);
    (0..n as u64).map(|i| g.record(i)).collect()
}

/// The floor of issue 15's ingestion goal: how many of `lines` serde_json merely parses into
/// `serde::de::IgnoredAny`. The cost examples all measure this one pass.
pub fn parsed_into_ignored_any(lines: &[String]) -> usize {
    lines.iter().filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(std::hint::black_box(l)).is_ok()).count()
}

/// How many of `lines` `policy` ingests as a sweep does (`lock_existing_records` rules, an id
/// required), one row reused.
pub fn ingested_for_sweep(policy: &Policy, lines: &[String]) -> usize {
    let mut row = policy.new_row();
    lines
        .iter()
        .filter(|l| {
            policy
                .ingest_record_for(recordlock::RuleScope::ExistingRecords, std::hint::black_box(l.as_bytes()), &mut row)
                .is_ok()
        })
        .count()
}

/// `n` generated Deals records, ingested for `policy` (the fields its rules read).
pub fn rows(policy: &Policy, n: usize) -> Vec<Row> {
    let g = RecordGenerator::new(deals(), 7);
    (0..n as u64)
        .map(|i| {
            let mut row = policy.new_row();
            policy.ingest_str(&g.record(i), &mut row).unwrap_or_else(|e| panic!("{e}"));
            row
        })
        .collect()
}
