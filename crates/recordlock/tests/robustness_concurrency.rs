//! Issue 6: a policy shared across threads while the store replaces the module's
//! configuration. Readers take the current `Arc<Policy>` and decide; a writer flips the
//! configuration between two versions. Every decision must match one whole version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use recordlock::config::Reference;
use recordlock::impact::{Impact, ImpactOptions};
use recordlock::store::{FixedClock, SequentialIds, Store};
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::{Actor, AutomaticLock, LockState, Operation, Policy};
use serde_json::json;

/// Version A locks Closed Won deals and restricts delete; version B locks Closed Lost deals
/// and restricts nothing but update. A half-applied update (A's rule with B's restrictions,
/// or the reverse) would show as a decision neither version makes.
#[test]
fn readers_always_see_one_whole_configuration() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00").unwrap();
    let store = Arc::new(Store::new(Box::new(FixedClock(now)), Box::new(SequentialIds::default())));
    let admin = Reference { id: "1".into(), name: None };
    let version = |stage: &str, actions: serde_json::Value| {
        json!({"record_locking_configurations": [{"lock_type": "automatic", "restricted_actions": actions,
            "locking_rules": [{"name": format!("lock {stage}"), "criteria":
                {"field": {"api_name": "Stage"}, "comparator": "equal", "value": stage}}]}]})
    };
    let (response, _) = store.create("Deals", &version("Closed Won", json!(["delete"])), &admin).unwrap();
    let id = response["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let decisions = Arc::new(AtomicU64::new(0));
    // Per reader: whether it has decided under version A and under version B.
    let seen: Arc<Vec<[AtomicBool; 2]>> =
        Arc::new((0..4).map(|_| [AtomicBool::new(false), AtomicBool::new(false)]).collect());
    let readers: Vec<_> = (0..4)
        .map(|reader| {
            let (store, stop, decisions, seen) =
                (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&decisions), Arc::clone(&seen));
            std::thread::spawn(move || {
                let actor = Actor { id: "u".into(), profile_id: Some("p".into()), ..Actor::default() };
                while !stop.load(Ordering::Relaxed) {
                    let policy = store.policy("Deals").expect("a configuration is always published");
                    let won = policy.rules()[0].name() == "lock Closed Won";
                    seen[reader][usize::from(!won)].store(true, Ordering::Relaxed);
                    for (stage, locked_in_a, locked_in_b) in [("Closed Won", true, false), ("Closed Lost", false, true)]
                    {
                        let mut row = policy.new_row();
                        policy.ingest_json(&json!({"Stage": stage}), &mut row).unwrap();
                        let delete = policy.decide_derived(&actor, &row, &Operation::Delete);
                        let update =
                            policy.decide_derived(&actor, &row, &Operation::Update { fields: vec!["Amount".into()] });
                        let locked = if won { locked_in_a } else { locked_in_b };
                        // Delete is restricted only in version A, update in both.
                        assert_eq!(
                            delete.is_allowed(),
                            !(locked && won),
                            "{stage} in version {}",
                            if won { "A" } else { "B" }
                        );
                        assert_eq!(update.is_allowed(), !locked);
                        decisions.fetch_add(2, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    let started = Instant::now();
    let mut flips = 0u32;
    let all_seen = || seen.iter().all(|s| s.iter().all(|v| v.load(Ordering::Relaxed)));
    // Flip for at least 1.5 s, and until every reader has decided under both versions (a
    // stress test whose readers never saw a swap would prove nothing); a minute at most.
    while started.elapsed() < Duration::from_millis(1500)
        || (!all_seen() && started.elapsed() < Duration::from_secs(60))
    {
        let (stage, actions) = if flips.is_multiple_of(2) {
            ("Closed Lost", json!(["update"]))
        } else {
            ("Closed Won", json!(["delete"]))
        };
        let Some(rule_id) = store.policy("Deals").unwrap().rules()[0].id().map(str::to_owned) else {
            panic!("rules have ids")
        };
        let mut body = version(stage, actions);
        // Replace the one rule: delete the old, add the new, in one atomic update.
        body["record_locking_configurations"][0]["locking_rules"] = json!([{"id": rule_id, "_delete": true}, body["record_locking_configurations"][0]["locking_rules"][0].clone()]);
        store.update("Deals", Some(&id), &body, &admin).unwrap();
        flips += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().expect("no reader saw a half-applied configuration");
    }
    assert!(flips > 10, "only {flips} updates");
    assert!(decisions.load(Ordering::Relaxed) > 1000);
    assert!(all_seen(), "every reader decided under both versions");
}

/// Issue 15 item 16: while the store swaps versions A and B (each swap deletes the rule and
/// adds a new one with a fresh id), sweeps and impact runs over snapshots give exactly their
/// versions' answers, and decisions against a lock the host holds, naming a rule a swap has
/// deleted, still block as that lock must (a host's lock is authoritative).
#[test]
fn sweeps_impacts_and_held_locks_during_swaps() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00").unwrap();
    let store = Arc::new(Store::new(Box::new(FixedClock(now)), Box::new(SequentialIds::default())));
    let admin = Reference { id: "1".into(), name: None };
    let version = |stage: &str, actions: serde_json::Value| {
        json!({"record_locking_configurations": [{"lock_type": "automatic", "restricted_actions": actions,
            "locking_rules": [{"name": format!("lock {stage}"), "lock_existing_records": true, "criteria":
                {"field": {"api_name": "Stage"}, "comparator": "equal", "value": stage}}]}]})
    };
    let (response, _) = store.create("Deals", &version("Closed Won", json!(["delete"])), &admin).unwrap();
    let id = response["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    let first_rule = store.policy("Deals").unwrap().rules()[0].id().unwrap().to_owned();
    let stages = ["Closed Won", "Closed Lost", "Qualification"];
    let records: String =
        (0..300).map(|i| format!("{{\"id\": \"{i}\", \"Stage\": \"{}\"}}\n", stages[i % 3])).collect();
    let stop = Arc::new(AtomicBool::new(false));
    // Sweeps, impacts and held-lock decisions done, and how many saw two versions differ.
    let counts = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);

    let sweeper = {
        let (store, stop, counts, records) =
            (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&counts), records.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let policy = store.policy("Deals").unwrap();
                let locked_stage =
                    if policy.rules()[0].name() == "lock Closed Won" { "Closed Won" } else { "Closed Lost" };
                let mut out = Vec::new();
                let opts = SweepOptions { chunk_records: 64, ..SweepOptions::default() };
                sweep_lines(&policy, records.as_bytes(), &opts, |o| out.push(o.to_json()), |_| {}).unwrap();
                let want: Vec<_> = (0..300)
                    .filter(|i| stages[i % 3] == locked_stage)
                    .map(|i| json!({"id": i.to_string(), "rule": {"id": policy.rules()[0].id(), "name": policy.rules()[0].name()}}))
                    .collect();
                assert_eq!(out, want, "a sweep gives its snapshot's answer");
                counts[0].fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let differ = {
        let (store, stop, counts, records) =
            (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&counts), records.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let old = store.policy("Deals").unwrap();
                std::thread::yield_now();
                let new = store.policy("Deals").unwrap();
                let stage_of =
                    |p: &Policy| if p.rules()[0].name() == "lock Closed Won" { "Closed Won" } else { "Closed Lost" };
                let (old_stage, new_stage) = (stage_of(&old), stage_of(&new));
                let same_rule = old.rules()[0].id() == new.rules()[0].id();
                let mut out = Vec::new();
                Impact::new(&old, &new)
                    .lines(records.as_bytes(), &ImpactOptions::default(), |o| out.push(o.to_json()), |_| {})
                    .unwrap();
                let want: Vec<_> = (0..300)
                    .filter_map(|i| {
                        let stage = stages[i % 3];
                        let kind = match (stage == old_stage, stage == new_stage) {
                            (true, true) if same_rule => return None,
                            (true, true) => "rule",
                            (true, false) => "unlock",
                            (false, true) => "lock",
                            (false, false) => return None,
                        };
                        Some((i.to_string(), kind))
                    })
                    .collect();
                let got: Vec<_> =
                    out.iter().map(|o| (o["id"].as_str().unwrap().to_owned(), o["change"].as_str().unwrap())).collect();
                assert_eq!(got, want, "an impact gives its two snapshots' answer");
                counts[1].fetch_add(1, Ordering::Relaxed);
                if !same_rule {
                    counts[3].fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let holder = {
        let (store, stop, counts, first_rule) =
            (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&counts), first_rule.clone());
        std::thread::spawn(move || {
            let actor = Actor { id: "u".into(), profile_id: Some("p".into()), ..Actor::default() };
            let held =
                LockState::Automatic(AutomaticLock { rule_id: Some(first_rule.clone()), ..AutomaticLock::default() });
            while !stop.load(Ordering::Relaxed) {
                let policy = store.policy("Deals").unwrap();
                let deleted = policy.rule_by_id(&first_rule).is_none();
                let version_a = policy.rules()[0].name() == "lock Closed Won";
                let update = policy.decide(&actor, &held, &Operation::Update { fields: vec!["Amount".into()] });
                let json = update.to_json();
                assert_eq!(json["code"], "RECORD_LOCKED", "a held lock blocks, its rule deleted or not");
                assert_eq!(json["lock"]["rule"]["id"], first_rule.as_str());
                if deleted {
                    assert!(json["lock"]["rule"]["name"].is_null(), "a deleted rule has no name to give");
                }
                let delete = policy.decide(&actor, &held, &Operation::Delete);
                assert_eq!(delete.is_allowed(), !version_a, "delete is restricted in version A only");
                counts[2].fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let started = Instant::now();
    let mut flips = 0u32;
    let enough = || counts.iter().all(|c| c.load(Ordering::Relaxed) >= 5);
    while started.elapsed() < Duration::from_millis(1500) || (!enough() && started.elapsed() < Duration::from_secs(60))
    {
        let (stage, actions) = if flips.is_multiple_of(2) {
            ("Closed Lost", json!(["update"]))
        } else {
            ("Closed Won", json!(["delete"]))
        };
        let rule_id = store.policy("Deals").unwrap().rules()[0].id().unwrap().to_owned();
        let mut body = version(stage, actions);
        body["record_locking_configurations"][0]["locking_rules"] = json!([{"id": rule_id, "_delete": true}, body["record_locking_configurations"][0]["locking_rules"][0].clone()]);
        store.update("Deals", Some(&id), &body, &admin).unwrap();
        flips += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for t in [sweeper, differ, holder] {
        t.join().expect("every answer matched its snapshot");
    }
    let [sweeps, impacts, held, changed] = counts.as_ref().each_ref().map(|c| c.load(Ordering::Relaxed));
    assert!(
        flips > 10 && sweeps >= 5 && impacts >= 5 && held >= 5,
        "{flips} flips, {sweeps} sweeps, {impacts} impacts, {held} decisions"
    );
    assert!(changed >= 5, "impacts across a swap: {changed}");
}
