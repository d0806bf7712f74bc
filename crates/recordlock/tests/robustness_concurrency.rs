//! Issue 6: a policy shared across threads while the store replaces the module's
//! configuration. Readers take the current `Arc<Policy>` and decide; a writer flips the
//! configuration between two versions. Every decision must match one whole version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use recordlock::config::Reference;
use recordlock::store::{FixedClock, SequentialIds, Store};
use recordlock::{Actor, Operation};
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
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (store, stop, decisions) = (Arc::clone(&store), Arc::clone(&stop), Arc::clone(&decisions));
            std::thread::spawn(move || {
                let actor = Actor { id: "u".into(), profile_id: Some("p".into()), ..Actor::default() };
                while !stop.load(Ordering::Relaxed) {
                    let policy = store.policy("Deals").expect("a configuration is always published");
                    let won = policy.rules()[0].name() == "lock Closed Won";
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
    while started.elapsed() < Duration::from_millis(1500) {
        let (stage, actions) =
            if flips % 2 == 0 { ("Closed Lost", json!(["update"])) } else { ("Closed Won", json!(["delete"])) };
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
}
