//! SPEC.md §3 "After a configuration change": the change-impact computation — per record
//! `lock`, `unlock` or `rule`, in input order whatever the threads and chunks, manual locks
//! untouched, given locks authoritative, bad lines reported without stopping.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "helpers of tests fail by panicking"
)]

mod common;

use common::{deals_policy, leaf};
use recordlock::Policy;
use recordlock::impact::{Impact, ImpactOptions, ImpactStats};
use serde_json::{Value as Json, json};

fn rule(id: &str, name: &str, criteria: Json) -> Json {
    json!({"id": id, "name": name, "criteria": criteria})
}

/// Old: `Won` (id 1), `Big` (id 2, Amount > 1000). New: `Won` kept, `Big` now > 2000, and
/// `Lost` (id 3) added before it.
fn policies() -> (Policy, Policy) {
    let won = rule("1", "Won", leaf("Stage", "equal", json!("Closed Won")));
    let old = deals_policy(json!({"id": "9", "lock_type": "automatic", "locking_rules": [
        won.clone(), rule("2", "Big", leaf("Amount", "greater_than", json!(1000)))]}));
    let new = deals_policy(json!({"id": "9", "lock_type": "automatic", "locking_rules": [
        won, rule("3", "Lost", leaf("Stage", "equal", json!("Closed Lost"))),
        rule("2", "Big", leaf("Amount", "greater_than", json!(2000)))]}));
    (old, new)
}

fn run(old: &Policy, new: &Policy, input: &str, chunk: usize, threads: usize) -> (Vec<Json>, ImpactStats) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let mut out = Vec::new();
    let opts = ImpactOptions { chunk_records: chunk, ..ImpactOptions::default() };
    let stats =
        pool.install(|| Impact::new(old, new).lines(input.as_bytes(), &opts, |o| out.push(o.to_json()), |_| {}));
    (out, stats.unwrap())
}

fn input(n: usize) -> String {
    let stages = ["Closed Won", "Closed Lost", "Qualification"];
    (0..n)
        .map(|i| {
            let line = match i % 13 {
                5 => "not json".to_owned(),
                7 => json!({"id": i.to_string(), "Amount": "lots"}).to_string(),
                9 => String::new(),
                11 => json!({"id": i.to_string(), "Stage": "Closed Lost", "Locking_Information__s":
                    {"Lock_Source__s": "Manual", "Locked_Reason__s": "audit"}})
                .to_string(),
                _ => json!({"id": i.to_string(), "Stage": stages[i % 3], "Amount": (i * 211) % 3000}).to_string(),
            };
            line + "\n"
        })
        .collect()
}

#[test]
fn spec3_impact_lock_unlock_and_rule_changes() {
    let (old, new) = policies();
    let text = [
        json!({"id": "a", "Stage": "Closed Won", "Amount": 5000}),
        json!({"id": "b", "Stage": "Closed Lost", "Amount": 1500}),
        json!({"id": "c", "Stage": "Qualification", "Amount": 1500}),
        json!({"id": "d", "Stage": "Closed Lost", "Amount": 10}),
        json!({"id": "e", "Stage": "Qualification", "Amount": 2500}),
        json!({"id": "f", "Stage": "Qualification", "Amount": 2500,
               "Locking_Information__s": {"Lock_Source__s": "Automatic", "Record_Locking_Rule_Id__s": "1"}}),
        json!({"id": "g", "Stage": "Qualification", "Amount": 5,
               "Locking_Information__s": {"Lock_Source__s": "Manual", "Locked_Reason__s": "audit"}}),
    ]
    .iter()
    .map(|j| format!("{j}\n"))
    .collect::<String>();
    let (out, stats) = run(&old, &new, &text, 8192, 2);
    let big = json!({"id": "2", "name": "Big"});
    let lost = json!({"id": "3", "name": "Lost"});
    assert_eq!(
        out,
        [
            json!({"id": "b", "change": "rule", "old_rule": big, "new_rule": lost}),
            json!({"id": "c", "change": "unlock", "old_rule": big}),
            json!({"id": "d", "change": "lock", "new_rule": lost}),
            // The record's own lock names rule 1; the new configuration locks it by Big.
            json!({"id": "f", "change": "rule", "old_rule": {"id": "1", "name": "Won"}, "new_rule": big}),
        ]
    );
    assert_eq!(
        (stats.records, stats.locked, stats.unlocked, stats.rule_changed, stats.unchanged, stats.manual, stats.errors),
        (7, 1, 1, 2, 2, 1, 0)
    );
}

#[test]
fn spec3_impact_same_output_for_any_threads_and_chunks() {
    let (old, new) = policies();
    let text = input(3000);
    let (one, s1) = run(&old, &new, &text, 8192, 1);
    for (chunk, threads) in [(7, 2), (100, 4), (1, 3)] {
        let (many, s) = run(&old, &new, &text, chunk, threads);
        assert_eq!(many, one);
        assert_eq!(s, s1);
    }
    // Bad lines are reported in place, with the configuration that could not read them.
    let errors: Vec<&Json> = one.iter().filter(|o| o.get("error").is_some()).collect();
    assert_eq!(errors.len() as u64, s1.errors);
    assert!(errors.iter().any(|e| e["configuration"] == "new" && e["error"]["code"] == "INVALID_RECORD"));
    assert!(s1.manual > 0 && s1.locked > 0 && s1.unlocked > 0 && s1.rule_changed > 0);
    let ids: Vec<usize> = one.iter().filter_map(|o| o["id"].as_str()).map(|s| s.parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "input order");
}

/// The same configuration on both sides changes nothing.
#[test]
fn spec3_impact_of_no_change_is_nothing() {
    let (old, _) = policies();
    let text: String = input(500)
        .lines()
        .filter(|l| !l.contains("lots") && !l.contains("not json"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (out, stats) = run(&old, &old, &text, 64, 2);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(stats.errors + stats.locked + stats.unlocked + stats.rule_changed, 0);
}
