//! Decisions on a locked record with a 5-rule policy (SPEC.md §4).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use recordlock::{Actor, AutomaticLock, LockState, Operation};
use recordlock_benches::policy;

fn decide(c: &mut Criterion) {
    let policy = policy(5);
    let mut row = policy.new_row();
    // Matches the last rule only, so deriving the lock runs all five programs.
    policy
        .ingest_str(
            r#"{"id": "1", "Stage": "Needs Analysis", "Amount": 900000, "Deal_Name": "ACME renewal"}"#,
            &mut row,
        )
        .unwrap();
    let rule_id = None;
    let lock = LockState::Automatic(AutomaticLock { rule_id, ..AutomaticLock::default() });
    let actor = Actor { id: "u1".into(), profile_id: Some("300".into()), ..Actor::default() };
    let update = Operation::Update { fields: vec!["Amount".into()] };
    assert!(!policy.decide(&actor, &lock, &update).is_allowed());
    assert!(!policy.decide_derived(&actor, &row, &update).is_allowed());
    let mut g = c.benchmark_group("decide");
    g.bench_function("given_lock", |b| {
        b.iter(|| policy.decide(black_box(&actor), black_box(&lock), black_box(&Operation::Delete)))
    });
    g.bench_function("given_lock_update", |b| {
        b.iter(|| policy.decide(black_box(&actor), black_box(&lock), black_box(&update)))
    });
    // An exempt actor: a profile the configuration excludes from locks.
    let exempt_policy = recordlock_benches::exempt_policy();
    let admin = Actor { id: "a".into(), profile_id: Some("5843104000000026011".into()), ..Actor::default() };
    assert!(exempt_policy.decide(&admin, &lock, &update).is_allowed());
    g.bench_function("exempt_actor", |b| {
        b.iter(|| exempt_policy.decide(black_box(&admin), black_box(&lock), black_box(&update)))
    });
    g.bench_function("derived_lock", |b| {
        b.iter(|| policy.decide_derived(black_box(&actor), black_box(&row), black_box(&Operation::Delete)))
    });
    g.finish();
}

criterion_group!(benches, decide);
criterion_main!(benches);
