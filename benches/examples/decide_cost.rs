//! The cost of answering decide request lines, for a deterministic instruction count under
//! callgrind (criterion's times move with the machine's load; instruction counts do not):
//!
//! ```sh
//! cargo build --release -p recordlock-benches --example decide_cost
//! for mode in none ignored_any decide; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$mode target/release/examples/decide_cost $mode 20000
//! done
//! ```
//!
//! The lines are the load test's (`tests/load/run`, `benches/decide_lines.rs`), repeated to N.
//! Each mode builds them first; `none` stops there, so a mode's cost per line is (its total -
//! `none`'s total) / N. `ignored_any`: serde_json parses each line into
//! `serde::de::IgnoredAny` (the floor); `decide`: what `recordlock decide` does per line
//! (`LineDecider`: the request read, the record ingested, the decision made and written).

use std::hint::black_box;

use recordlock::criteria::EvalOptions;
use recordlock::{Limits, LineDecider, Module, Policy};
use recordlock_benches::parsed_into_ignored_any;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "decide".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let lines: Vec<String> = (0..n)
        .map(|k| {
            let i = k % 1000 + 1;
            format!(
                r#"{{"record": {{"id": "{i}", "Stage": "Qualification", "Amount": {i}}}, "actor": {{"id": "7"}}, "operation": {{"action": "update", "fields": ["Amount"]}}}}"#
            )
        })
        .collect();
    let body: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/deals.json")).unwrap_or_else(|e| panic!("{e}"));
    let module = Module::resolve("Deals", None).unwrap_or_else(|e| panic!("{e:?}"));
    let policy =
        Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    let count = match mode.as_str() {
        "none" => 0,
        "ignored_any" => parsed_into_ignored_any(&lines),
        "decide" => {
            let mut decider = LineDecider::new(&policy);
            let mut out = Vec::with_capacity(64 * 1024);
            let mut answered = 0;
            for line in &lines {
                if let Ok(decision) = decider.decide(black_box(line)) {
                    serde_json::to_writer(&mut out, &decision).unwrap_or_else(|e| panic!("{e}"));
                    out.push(b'\n');
                    answered += 1;
                }
                if out.len() > 60 * 1024 {
                    black_box(&out);
                    out.clear();
                }
            }
            answered
        }
        other => panic!("unknown mode {other}: none, ignored_any or decide"),
    };
    println!("{mode}: {count} of {n}");
}
