//! The sweep's Parquet query skips row groups whose statistics rule out every rule: on a
//! file whose own statistics allow a match but every row group's min/max exclude the rules, DataFusion's own metrics
//! (`row_groups_pruned_statistics`) count every row group pruned and none read; on a file
//! where one row group can match, that one is read and the others are pruned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::sync::Arc;

use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties, collect};
use datafusion::prelude::ParquetReadOptions;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_arrow::convert::{Style, batch_from_json};
use recordlock_datafusion::engine::session;
use recordlock_datafusion::sweep::parquet_plan;
use serde_json::json;

/// Large and old: Amount ≥ 50000 and Closing_Date before 2022; or closing from 2030 on
/// (comparisons Parquet statistics decide).
fn policy() -> Policy {
    let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "Large and old", "lock_existing_records": true, "criteria": {"group_operator": "AND", "group": [
            {"field": {"api_name": "Amount"}, "comparator": "greater_equal", "value": "50000"},
            {"field": {"api_name": "Closing_Date"}, "comparator": "less_than", "value": "2022-01-01"}]}},
        {"name": "Far", "lock_existing_records": true,
         "criteria": {"field": {"api_name": "Closing_Date"}, "comparator": "greater_equal", "value": "2030-01-01"}}]}]});
    Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
}

/// `groups` row groups of 1,000 rows: even groups large deals closing in 2023, odd groups
/// small deals closing in 2020 — so the file's statistics allow a match (large, and closing
/// before 2022) but no row group's do — except group `matching`, large and closing in 2020.
fn write(path: &std::path::Path, groups: usize, matching: Option<usize>) {
    let policy = policy();
    let records: Vec<serde_json::Value> = (0..groups * 1_000)
        .map(|i| {
            let group = i / 1_000;
            let (amount, year) = match (Some(group) == matching, group % 2) {
                (true, _) => (60_000 + i % 100, 2020),
                (false, 0) => (60_000 + i % 100, 2023),
                (false, _) => (i % 40_000, 2020),
            };
            json!({"id": i.to_string(), "Amount": format!("{amount}.00"), "Closing_Date": format!("{year}-{:02}-01", 1 + i % 12)})
        })
        .collect();
    let reads = policy.rule_set(RuleScope::All).reads();
    let batch = batch_from_json(policy.schema(), &reads, &records, &Style::default()).unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(1_000)).build();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), Arc::clone(&batch.schema()), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// (row groups pruned by statistics, row groups matched, rows output) of the sweep's query.
fn run(path: &std::path::Path) -> (usize, usize, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let ctx = session(2);
        ctx.register_parquet("t", path.to_str().unwrap(), ParquetReadOptions::default()).await.unwrap();
        let rules = policy().rule_set(RuleScope::All);
        let plan = parquet_plan(&ctx, &rules, "t", path).await.unwrap();
        // One partition per window of row groups: a 16th of this small file is less than a
        // row group, so each row group is a window.
        assert_eq!(plan.output_partitioning().partition_count(), 8, "one window per row group");
        let rows: usize = collect(Arc::clone(&plan), ctx.task_ctx()).await.unwrap().iter().map(|b| b.num_rows()).sum();
        let (mut pruned, mut matched) = (0, 0);
        visit(plan.as_ref(), &mut |p| {
            for m in p.metrics().iter().flat_map(|m| m.iter().cloned().collect::<Vec<_>>()) {
                if let MetricValue::PruningMetrics { name, pruning_metrics } = m.value()
                    && name == "row_groups_pruned_statistics"
                {
                    pruned += pruning_metrics.pruned();
                    matched += pruning_metrics.matched();
                }
            }
        });
        (pruned, matched, rows)
    })
}

fn visit(plan: &dyn ExecutionPlan, f: &mut dyn FnMut(&dyn ExecutionPlan)) {
    f(plan);
    for child in plan.children() {
        visit(child.as_ref(), f);
    }
}

#[test]
fn row_groups_whose_statistics_rule_out_every_rule_are_not_read() {
    let dir = common::scratch("pruning");
    let none = dir.join("none.parquet");
    write(&none, 8, None);
    assert_eq!(run(&none), (8, 0, 0), "every row group pruned by its statistics, none read");
    let one = dir.join("one.parquet");
    write(&one, 8, Some(5));
    assert_eq!(run(&one), (7, 1, 1_000), "only the row group that can match is read");
}
