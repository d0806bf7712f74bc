//! Issue 6 property tests beyond VM == reference: normalisation is idempotent; a
//! configuration written out and read back is the same policy; a failing partial update
//! leaves the store unchanged; sweeps give the same output for 1 and N threads.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "helpers of tests fail by panicking")]

use proptest::prelude::*;
use recordlock::config::Reference;
use recordlock::config::validate::validate;
use recordlock::criteria::EvalOptions;
use recordlock::store::{FixedClock, SequentialIds, Store};
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::synth::RecordGenerator;
use recordlock::{Limits, Module, Policy, RuleScope};
use serde_json::{Value as Json, json};

fn deals() -> Module {
    Module::resolve("Deals", None).unwrap()
}

fn criteria_pool() -> Vec<Json> {
    let leaf = |f: &str, c: &str, v: Json| json!({"field": {"api_name": f}, "comparator": c, "value": v});
    vec![
        leaf("Stage", "equal", json!("Closed Won")),
        leaf("Stage", "in", json!(["Closed Lost", "closed-lost to competition"])),
        leaf("Amount", "greater_than", json!("50000")),
        leaf("Amount", "between", json!([1000, 2000.50])),
        leaf("Deal_Name", "starts_with", json!("ACME")),
        leaf("Closing_Date", "less_than", json!("2022-06-01")),
        leaf("Type", "not_equal", json!("${EMPTY}")),
        json!({"group_operator": "or", "group": [leaf("Stage", "equal", json!("Qualification")), leaf("Probability", "greater_equal", json!(50))]}),
        json!({"group_operator": "AND", "group": [leaf("Lead_Source", "equal", json!("Partner")), leaf("Deal_Name", "contains", json!("renewal"))]}),
    ]
}

prop_compose! {
    fn arb_config()(
        lock_type in prop::sample::select(vec!["manual", "automatic", "both"]),
        singular in any::<bool>(),
        exclude_profiles in any::<bool>(),
        actions in prop::sample::subsequence(vec!["delete", "tags", "change_owner", "convert", "update"], 0..=5),
        actions_null in any::<bool>(),
        comms in prop::sample::subsequence(vec!["send_mail", "send_survey", "send_survery", "send_portal_invitation"], 0..=3),
        excluded in prop::sample::subsequence(vec!["Description", "Next_Step", "Amount", "Probability"], 0..=4),
        rules in prop::sample::subsequence((0..9).collect::<Vec<usize>>(), 1..=5),
        lock_existing in prop::collection::vec(any::<bool>(), 5),
        portal in prop::option::of(any::<bool>()),
    ) -> Json {
        let pool = criteria_pool();
        let locking_rules: Vec<Json> = rules.iter().enumerate().map(|(i, &r)| json!({
            "name": format!("rule {r}"), "lock_existing_records": lock_existing[i], "criteria": pool[r].clone()})).collect();
        let mut c = json!({"lock_type": lock_type, "locking_rules": locking_rules,
            "restricted_actions": if actions_null { Json::Null } else { json!(actions) },
            "restricted_communications": comms,
            "excluded_fields": excluded.iter().map(|f| json!({"api_name": f})).collect::<Vec<_>>()});
        if exclude_profiles {
            c["locked_for"] = json!(if singular { "all_profiles_except_excluded_profile" } else { "all_profiles_except_excluded_profiles" });
            c["lock_excluded_profiles"] = json!([{"id": "5843104000000026011", "name": "Administrator"}]);
        }
        if let Some(p) = portal {
            c["lock_for_portal_users"] = json!(p);
        }
        json!({"record_locking_configurations": [c]})
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Normalising a normalised configuration changes nothing, and the written-out body
    /// reads back as the same configuration.
    #[test]
    fn normalisation_is_idempotent_and_round_trips(body in arb_config()) {
        let once = validate(&body, &deals(), &Limits::default()).unwrap();
        let written = once.config().to_body();
        let twice = validate(&written, &deals(), &Limits::default()).unwrap();
        prop_assert_eq!(&once.config(), &twice.config());
        prop_assert_eq!(written, twice.config().to_body());
        // The same policy: the same locks on generated records.
        let a = Policy::from_valid(once, deals(), Limits::default(), EvalOptions::default()).unwrap();
        let b = Policy::from_valid(twice, deals(), Limits::default(), EvalOptions::default()).unwrap();
        let generator = RecordGenerator::new(a.schema(), 3);
        for i in 0..40 {
            let record = generator.record(i);
            let (mut ra, mut rb) = (a.new_row(), b.new_row());
            a.ingest_str(&record, &mut ra).unwrap();
            b.ingest_str(&record, &mut rb).unwrap();
            prop_assert_eq!(a.matching_rule(&ra, RuleScope::All).map(|r| r.name()), b.matching_rule(&rb, RuleScope::All).map(|r| r.name()));
        }
    }

    /// A partial update that fails leaves the store byte for byte as it was.
    #[test]
    fn a_failing_update_changes_nothing(body in arb_config(), breaker in 0usize..5) {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00").unwrap();
        let store = Store::new(Box::new(FixedClock(now)), Box::new(SequentialIds::default()));
        let admin = Reference { id: "1".into(), name: None };
        let (response, _) = store.create("Deals", &body, &admin).unwrap();
        let id = response["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
        let before = store.get("Deals").unwrap().to_string();
        let rule_id = store.policy("Deals").unwrap().rules()[0].id().unwrap().to_owned();
        let bad = match breaker {
            0 => json!({"lock_type": "sometimes"}),
            1 => json!({"locking_rules": [{"id": "1", "name": "ghost"}]}),
            2 => json!({"locking_rules": [{"name": "x", "criteria": {"field": {"api_name": "Nope"}, "comparator": "equal", "value": 1}}]}),
            3 => json!({"locking_rules": [{"id": rule_id, "criteria": {"field": {"api_name": "Amount"}, "comparator": "like", "value": "1"}}]}),
            _ => json!({"excluded_fields": [{"api_name": "Description"}], "restricted_actions": ["explode"]}),
        };
        let result = store.update("Deals", Some(&id), &json!({"record_locking_configurations": [bad]}), &admin);
        prop_assert!(result.is_err());
        prop_assert_eq!(before, store.get("Deals").unwrap().to_string());
    }

    /// Sweeps print the same lines whatever the thread count and chunk size.
    #[test]
    fn sweeps_are_deterministic_across_threads(body in arb_config(), seed in 0u64..1000, chunk in 1usize..300, all in any::<bool>()) {
        let policy = Policy::new(&body, deals(), Limits::default(), EvalOptions::default()).unwrap();
        let generator = RecordGenerator::new(policy.schema(), seed);
        let mut input = String::new();
        for i in 0..400 {
            input.push_str(&generator.record(i));
            input.push('\n');
            if i % 97 == 0 {
                input.push_str("{\"id\": \"bad\", \"Amount\": \"lots\", \"Stage\": 5}\nnot json\n\n");
            }
        }
        let scope = if all { RuleScope::All } else { RuleScope::ExistingRecords };
        let run = |threads: usize, chunk_records: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut out = Vec::new();
                let opts = SweepOptions { scope, chunk_records, ..SweepOptions::default() };
                sweep_lines(&policy, input.as_bytes(), &opts, |o| out.push(o.to_json().to_string()), |_| {}).unwrap();
                out
            })
        };
        let one = run(1, 8192);
        prop_assert_eq!(&one, &run(2, chunk));
        prop_assert_eq!(&one, &run(4, chunk.max(7)));
    }
}
