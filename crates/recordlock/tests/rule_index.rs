//! The index of rules (`Policy::matching_rule` runs only the rules a row's picklist option
//! does not rule out) against trying every rule in turn and against the reference
//! interpreter, on generated configurations and records: the same first match always.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "helpers of tests fail by panicking")]

use proptest::prelude::*;
use recordlock::criteria::EvalOptions;
use recordlock::synth::RecordGenerator;
use recordlock::{Limits, Module, Policy, RuleScope};
use serde_json::{Value as Json, json};

fn deals() -> Module {
    Module::resolve("Deals", None).unwrap()
}

/// The actual values of the Deals `Stage` options, in code order.
fn stages() -> Vec<String> {
    let module = deals();
    let schema = module.schema();
    let field = schema.field(schema.slot("Stage").unwrap());
    field.options().iter().map(|o| o.actual_value.clone()).collect()
}

fn leaf(field: &str, comparator: &str, value: Json) -> Json {
    json!({"field": {"api_name": field}, "comparator": comparator, "value": value})
}

/// A rule's criteria: leaves that gate on `Stage` (equal, in, with options in any case)
/// and on `Lead_Source`, leaves that do not (`not_equal`, empty, `starts_with`, other
/// fields), first in an AND or an OR or alone.
fn arb_criteria() -> impl Strategy<Value = Json> {
    let stages = stages();
    let stage = prop::sample::select(stages.clone());
    let first = prop_oneof![
        stage.clone().prop_map(|s| leaf("Stage", "equal", json!(s))),
        stage.clone().prop_map(|s| leaf("Stage", "equal", json!(s.to_uppercase()))),
        prop::sample::subsequence(stages, 1..=4).prop_map(|s| leaf("Stage", "in", json!(s))),
        stage.clone().prop_map(|s| leaf("Stage", "not_equal", json!(s))),
        Just(leaf("Stage", "equal", json!("${EMPTY}"))),
        Just(leaf("Stage", "starts_with", json!("Closed"))),
        Just(leaf("Lead_Source", "equal", json!("Partner"))),
        Just(leaf("Lead_Source", "in", json!(["Cold Call", "Web Download"]))),
        Just(leaf("Amount", "greater_than", json!(5000))),
    ];
    let rest = prop_oneof![
        Just(leaf("Amount", "greater_than", json!(3000))),
        Just(leaf("Deal_Name", "contains", json!("renewal"))),
        stage.prop_map(|s| leaf("Stage", "equal", json!(s))),
        Just(leaf("Lead_Source", "equal", json!("Cold Call"))),
    ];
    (first, prop::collection::vec(rest, 0..3), 0..3usize).prop_map(|(first, rest, shape)| {
        if rest.is_empty() || shape == 0 {
            return first;
        }
        let mut group = vec![first];
        group.extend(rest);
        json!({"group_operator": if shape == 1 { "AND" } else { "OR" }, "group": group})
    })
}

/// A configuration of `rules.len()` rules; `distinct`: each rule's criteria ANDed with a
/// last leaf of its own (a configuration may not hold the same criteria twice).
fn config(lock_type: &str, rules: &[(Json, bool)], distinct: bool) -> Json {
    let locking_rules: Vec<Json> = rules
        .iter()
        .enumerate()
        .map(|(i, (criteria, existing))| {
            let mut criteria = criteria.clone();
            if distinct {
                let last = leaf("Amount", "not_equal", json!(1_000_000 + i));
                criteria = json!({"group_operator": "AND", "group": [criteria, last]});
            }
            json!({"name": format!("rule {i}"), "lock_existing_records": existing, "criteria": criteria})
        })
        .collect();
    json!({"record_locking_configurations": [{"lock_type": lock_type, "locking_rules": locking_rules}]})
}

/// Generated records, and the same with `Stage` (and `Lead_Source`) replaced by each of:
/// every option, in other cases, an unlisted text, empty, null, a number, absent.
fn records(seed: u64) -> Vec<String> {
    let module = deals();
    let generator = RecordGenerator::new(module.schema(), seed);
    let mut odd: Vec<Json> = stages().iter().flat_map(|s| [json!(s), json!(s.to_lowercase())]).collect();
    odd.extend([json!("Not an option"), json!(""), Json::Null, json!(7)]);
    let mut out = Vec::new();
    for i in 0..60 {
        let record = generator.record(i);
        let mut value: Json = serde_json::from_str(&record).unwrap();
        out.push(record);
        value["Stage"] = odd[i as usize % odd.len()].clone();
        if i % 3 == 0 {
            value["Lead_Source"] = json!("Partner");
        }
        out.push(value.to_string());
        if let Some(map) = value.as_object_mut() {
            map.remove("Stage");
        }
        out.push(value.to_string());
    }
    out
}

/// On every record and both scopes: the indexed first match is the in-turn one and the
/// reference interpreter's.
fn assert_same_matches(policy: &Policy, seed: u64) -> Result<(), TestCaseError> {
    for record in records(seed) {
        for scope in [RuleScope::All, RuleScope::ExistingRecords] {
            let mut row = policy.new_row();
            if policy.ingest_bytes_for(scope, record.as_bytes(), &mut row).is_err() {
                continue;
            }
            let indexed = policy.matching_rule(&row, scope).map(|r| r.name().to_owned());
            let in_turn = policy.matching_rule_in_turn(&row, scope).map(|r| r.name().to_owned());
            let reference = policy.matching_rule_reference(&row, scope).map(|r| r.name().to_owned());
            prop_assert_eq!(&indexed, &in_turn, "{:?} on {}", scope, record);
            prop_assert_eq!(&indexed, &reference, "{:?} on {}", scope, record);
        }
    }
    Ok(())
}

/// 256 cases, or `PROPTEST_CASES` when set.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Up to Zoho's five rules, any lock type.
    #[test]
    fn the_index_finds_the_first_match(
        rules in prop::collection::vec((arb_criteria(), any::<bool>()), 1..=5),
        lock_type in prop::sample::select(vec!["automatic", "both", "manual"]),
        seed in 0u64..1000,
    ) {
        // Rules may come out the same criteria (refused as DUPLICATE_DATA): those cases are skipped.
        let policy = Policy::new(&config(lock_type, &rules, false), deals(), Limits::default(), EvalOptions::default());
        prop_assume!(policy.is_ok());
        assert_same_matches(&policy.unwrap(), seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases() / 16 + 1))]

    /// An embedder's limit of more rules: up to 64 are indexed, more are tried in turn.
    #[test]
    fn many_rules_find_the_first_match(
        rules in prop::collection::vec((arb_criteria(), any::<bool>()), 60..=70),
        seed in 0u64..1000,
    ) {
        let limits = Limits { rules: 70, ..Limits::default() };
        let policy = Policy::new(&config("automatic", &rules, true), deals(), limits, EvalOptions::default()).unwrap();
        assert_same_matches(&policy, seed)?;
    }
}

/// Rules gated on one option each: a row holding one option runs only its rule (seen by
/// which rule matches when every rule but the gate would accept).
#[test]
fn rules_gated_on_options_match_by_option() {
    let stages = stages();
    let rules: Vec<(Json, bool)> = stages.iter().take(5).map(|s| (leaf("Stage", "equal", json!(s)), true)).collect();
    let policy =
        Policy::new(&config("automatic", &rules, false), deals(), Limits::default(), EvalOptions::default()).unwrap();
    for (i, stage) in stages.iter().enumerate() {
        let mut row = policy.new_row();
        let record = json!({"id": "1", "Stage": stage}).to_string();
        policy.ingest_bytes_for(RuleScope::All, record.as_bytes(), &mut row).unwrap();
        let want = (i < 5).then(|| format!("rule {i}"));
        assert_eq!(policy.matching_rule(&row, RuleScope::All).map(|r| r.name().to_owned()), want, "{stage}");
    }
}
