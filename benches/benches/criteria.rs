//! The criteria language: compiling, and evaluating one rule on one row (SPEC.md §2).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use recordlock::criteria::{EvalOptions, Ingestor, Row, reference};
use recordlock_benches::{and_rule, compile_rule, config, deals, nested_rule, or_rule};

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile");
    let module = recordlock::Module::resolve("Deals", None).unwrap();
    for n in [1, 5] {
        let body = config(n);
        g.bench_with_input(BenchmarkId::new("rules", n), &body, |b, body| {
            b.iter(|| {
                recordlock::Policy::new(
                    black_box(body),
                    module.clone(),
                    recordlock::Limits::default(),
                    EvalOptions::default(),
                )
                .unwrap()
            })
        });
    }
    g.finish();
}

fn eval_leaves(c: &mut Criterion) {
    let record = r#"{"id": "1", "Stage": "Closed Won", "Amount": 25000, "Deal_Name": "ACME renewal",
                     "Closing_Date": "2024-03-01", "Type": "Existing Business"}"#;
    let mut g = c.benchmark_group("eval_leaves");
    for (shape, make) in [("and", and_rule as fn(usize) -> _), ("or", or_rule), ("nested", nested_rule)] {
        for n in [1, 5, 20, 100] {
            let (expr, program) = compile_rule(&make(n));
            // A row of the program's layout, as a policy's rows are.
            let ingest = Ingestor::with_layout(deals(), program.layout(), program.reads());
            let mut row = ingest.new_row();
            ingest.ingest_str(record, &mut row).unwrap();
            assert_eq!(program.matches(&row), reference::evaluate(&expr, &row, deals(), &EvalOptions::default()));
            g.bench_with_input(BenchmarkId::new(format!("vm_{shape}"), n), &row, |b, row| {
                b.iter(|| program.matches(black_box(row)))
            });
            if shape == "and" {
                g.bench_with_input(BenchmarkId::new("reference_and", n), &row, |b, row| {
                    b.iter(|| reference::evaluate(&expr, black_box(row), deals(), &EvalOptions::default()))
                });
            }
        }
    }
    g.finish();
}

fn ingest(c: &mut Criterion) {
    let record = recordlock_benches::records(1).remove(0);
    let mut g = c.benchmark_group("ingest");
    let all = Ingestor::new(deals());
    let policy = recordlock_benches::policy(5);
    let mut row = Row::new(deals());
    g.bench_function("deals_all_fields", |b| b.iter(|| all.ingest_str(black_box(&record), &mut row).unwrap()));
    g.bench_function("deals_policy_fields", |b| b.iter(|| policy.ingest_str(black_box(&record), &mut row).unwrap()));
    g.finish();
}

criterion_group!(benches, compile, eval_leaves, ingest);
criterion_main!(benches);
