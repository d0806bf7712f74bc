//! Field dependencies (issue 7): `Policy::may_change_lock`, which a host asks on every save
//! to skip re-evaluating the rules when no field they read changed, and `lock_fields`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use recordlock_benches::policy;

fn lock_fields(c: &mut Criterion) {
    // Five rules reading Stage, Amount and Deal_Name (benches/lib.rs `config`).
    let policy = policy(5);
    let untouched: &[&str] = &["Description", "Next_Step"];
    let touched: &[&str] = &["Description", "Amount"];
    let many: &[&str] =
        &["Owner", "Type", "Lead_Source", "Probability", "Closing_Date", "Description", "Next_Step", "Pipeline"];
    assert!(!policy.may_change_lock(untouched));
    assert!(policy.may_change_lock(touched));
    assert!(!policy.may_change_lock(many));
    let mut g = c.benchmark_group("lock_fields");
    g.bench_function("may_change_lock_untouched_2", |b| b.iter(|| policy.may_change_lock(black_box(untouched))));
    g.bench_function("may_change_lock_touched_2", |b| b.iter(|| policy.may_change_lock(black_box(touched))));
    g.bench_function("may_change_lock_untouched_8", |b| b.iter(|| policy.may_change_lock(black_box(many))));
    g.bench_function("lock_fields", |b| b.iter(|| black_box(&policy).lock_fields()));
    g.finish();
}

criterion_group!(benches, lock_fields);
criterion_main!(benches);
