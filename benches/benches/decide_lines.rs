//! The decide-line path that `recordlock decide` and the server's JSON Lines decide share
//! (`LineDecider`: a request line read, its record ingested, the decision made and written),
//! against its floor: serde_json reading the same bytes into `IgnoredAny` (parsing alone,
//! nothing built or decided). The lines are the load test's (`tests/load/run`): 1,000
//! update requests on Deals with `examples/deals.json`.
//!
//! `cargo bench -p recordlock-benches --bench decide_lines`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, LineDecider, Module, Policy};
use serde::de::IgnoredAny;

fn lines() -> Vec<String> {
    (1..=1000)
        .map(|i| {
            let stage = if i % 10 == 0 { "Closed Won" } else { "Qualification" };
            format!(
                r#"{{"record": {{"id": "{i}", "Stage": "{stage}", "Amount": {i}}}, "actor": {{"id": "7"}}, "operation": {{"action": "update", "fields": ["Amount"]}}}}"#
            )
        })
        .collect()
}

fn decide_lines(c: &mut Criterion) {
    let body: serde_json::Value = serde_json::from_str(include_str!("../../examples/deals.json")).unwrap();
    let module = Module::resolve("Deals", None).unwrap();
    let policy = Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap();
    let lines = lines();
    let mut decider = LineDecider::new(&policy);
    let blocked = lines.iter().filter(|l| decider.decide(l).unwrap().is_blocked_by_lock()).count();
    assert_eq!(blocked, 100, "a tenth of the records are Closed Won");

    let mut g = c.benchmark_group("decide_lines_1000");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("floor_serde_json_ignored_any", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(serde_json::from_str::<IgnoredAny>(black_box(line)).unwrap());
            }
        })
    });
    let mut out = Vec::with_capacity(1 << 20);
    g.bench_function("line_decider_and_write", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                let decision = decider.decide(black_box(line)).unwrap();
                serde_json::to_writer(&mut out, &decision).unwrap();
                out.push(b'\n');
            }
            black_box(out.len())
        })
    });
    // The convenience API: a `serde_json::Value` answer per line.
    g.bench_function("answer_line_json_value", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                serde_json::to_writer(&mut out, &policy.answer_line(black_box(line))).unwrap();
                out.push(b'\n');
            }
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, decide_lines);
criterion_main!(benches);
