//! The columnar engine (recordlock-arrow), group `columnar`:
//!
//! * `peers_rule/*`: the peers rule (`Stage in [Closed Won, Closed Lost] AND Amount between
//!   [1000, 50000] AND Deal_Name starts_with "ACME"`) on the peers' 1,024 records, as one
//!   batch (Stage dictionary-encoded, Amount Decimal128(20, 2), Deal_Name Utf8) beside the
//!   VM on pre-ingested rows and `hand_written_struct` (a closure over typed structs: the
//!   row-at-a-time floor). Answers are checked equal before timing.
//! * `picklist_1leaf_1m/{1,2}`: a one-leaf picklist rule over a 1M-row dictionary column, on
//!   1 and 2 threads (slices of 64Ki rows).

use std::hint::black_box;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use recordlock::criteria::Row;
use recordlock_arrow::{ColumnarPlan, MappingOptions};
use recordlock_benches::peers_data::{
    N, criteria, ingested_rows, peers_batch, peers_rule_set, records, rule_set_of, typed_deals, typed_rule,
};
use recordlock_benches::{compile_rule, deals};
use serde_json::json;

fn columnar(c: &mut Criterion) {
    let records = records();
    let schema = deals();
    let (_, program) = compile_rule(&criteria());
    let rows: Vec<Row> = ingested_rows(&records, &program);
    let typed = typed_deals(&records);
    let stage_field = schema.field(schema.slot("Stage").unwrap());
    let hand_written_struct = typed_rule();

    let batch = peers_batch(&records);
    let rules = peers_rule_set();
    let plan = ColumnarPlan::new(&rules, &batch.schema(), MappingOptions::default()).unwrap();

    let result = plan.evaluate(&batch).unwrap();
    for (i, row) in rows.iter().enumerate() {
        let want = program.matches(row);
        assert_eq!(result.rule(i).is_some(), want, "record {i}");
        assert_eq!(hand_written_struct(&typed[i]), want, "record {i}");
    }

    let mut g = c.benchmark_group("columnar");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("peers_rule/columnar", |b| b.iter(|| plan.evaluate(black_box(&batch)).unwrap().locked()));
    // The same, each evaluation meeting a dictionary the plan has not kept (five batches of
    // the same records, each with its own arrays, in turn: the plan keeps four per column),
    // as the first batch of each Parquet row group does.
    let unkept: Vec<RecordBatch> = (0..5).map(|_| peers_batch(&records)).collect();
    let mut turn = 0;
    g.bench_function("peers_rule/columnar_unkept_dictionary", |b| {
        b.iter(|| {
            turn = (turn + 1) % unkept.len();
            plan.evaluate(black_box(&unkept[turn])).unwrap().locked()
        })
    });
    g.bench_function("peers_rule/recordlock_vm", |b| {
        b.iter(|| black_box(&rows).iter().filter(|row| program.matches(row)).count())
    });
    g.bench_function("peers_rule/hand_written_struct", |b| {
        b.iter(|| black_box(&typed).iter().filter(|d| hand_written_struct(d)).count())
    });

    // One picklist leaf over 1M rows of a dictionary column.
    const ROWS: usize = 1 << 20;
    let options: Vec<&str> = stage_field.options().iter().map(|o| o.actual_value.as_str()).collect();
    let stages: ArrayRef =
        Arc::new((0..ROWS).map(|i| options[(i * 7 + i / 3) % options.len()]).collect::<DictionaryArray<Int32Type>>());
    let ids: ArrayRef = Arc::new(StringArray::from_iter_values((0..ROWS).map(|i| i.to_string())));
    let big = RecordBatch::try_from_iter([("id", ids), ("Stage", stages)]).unwrap();
    let one_leaf = rule_set_of(json!({"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}));
    let plan = ColumnarPlan::new(&one_leaf, &big.schema(), MappingOptions::default()).unwrap();
    let expected = plan.evaluate(&big).unwrap().locked();
    assert!(expected > ROWS / 20, "{expected}");
    g.throughput(Throughput::Elements(ROWS as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        g.bench_with_input(BenchmarkId::new("picklist_1leaf_1m", threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    plan.evaluate_parallel(black_box(&big), 1 << 16).unwrap().iter().map(|e| e.locked()).sum::<usize>()
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, columnar);
criterion_main!(benches);
