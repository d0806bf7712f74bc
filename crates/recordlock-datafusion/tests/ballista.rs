//! Ballista in-process (a standalone scheduler and executor in the test process): the same
//! plan over a multi-file partitioned Parquet dataset gives exactly the VM's output (issue
//! 12 §3). Also: JSON Lines are refused with a cluster, naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use ballista::prelude::SessionContextExt;
use datafusion::prelude::SessionContext;
use recordlock::RuleScope;
use recordlock_datafusion::sweep::{Sweep, input_files};

#[test]
fn ballista_standalone_sweeps_a_partitioned_dataset_like_the_vm() {
    let policy = common::deals_policy();
    let lines = common::records(&policy, 12_000, 23);
    let dir = common::scratch("ballista");
    common::write_parquet(&policy, &lines, &dir, 3, 1_500);
    let jsonl = dir.join("also.jsonl");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let ctx = SessionContext::standalone_with_state(recordlock_datafusion::engine::state(1)).await.unwrap();
        for scope in [RuleScope::ExistingRecords, RuleScope::All] {
            let want = common::vm_lines(&policy, scope, &lines);
            assert!(want.len() > 500);
            let files = input_files(dir.to_str().unwrap()).unwrap();
            let mut got = Vec::new();
            let s = Sweep { policy: &policy, scope, ctx: &ctx, remote: true };
            let stats = s
                .run(&files, &mut |lines| {
                    got.extend(common::parse_lines(lines));
                    Ok(())
                })
                .await
                .unwrap();
            assert_eq!(stats.records, 12_000);
            assert_eq!(got, want);
        }
        common::write_jsonl(&lines[..10], &jsonl);
        let files = input_files(jsonl.to_str().unwrap()).unwrap();
        let s = Sweep { policy: &policy, scope: RuleScope::All, ctx: &ctx, remote: true };
        let err = s.run(&files, &mut |_| Ok(())).await.unwrap_err();
        assert!(err.to_string().contains("also.jsonl"), "{err}");
    });
}

/// Multi-select tests are lambdas (`array_any_match`): they ship to Ballista's executors with
/// its own codec, and answer as the VM does.
#[test]
fn multi_select_lambdas_run_on_ballista() {
    use recordlock::criteria::EvalOptions;
    use recordlock::{Limits, Module, Policy};
    use serde_json::json;

    let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "VAT and sales tax", "lock_existing_records": true, "criteria":
            {"field": {"api_name": "Tax"}, "comparator": "include_all", "value": ["vat", "Sales Tax"]}},
        {"name": "Exactly service", "lock_existing_records": true, "criteria":
            {"field": {"api_name": "Tax"}, "comparator": "equal", "value": ["Service Tax"]}},
        {"name": "Not any tax", "lock_existing_records": true, "criteria": {"group_operator": "AND", "group": [
            {"field": {"api_name": "Tax"}, "comparator": "exclude_any", "value": ["Vat", "Service Tax"]},
            {"field": {"api_name": "Product_Category"}, "comparator": "contains", "value": "WARE"}]}}]}]});
    let policy =
        Policy::new(&config, Module::resolve("Products", None).unwrap(), Limits::default(), EvalOptions::default())
            .unwrap();
    let taxes = [
        json!(["Vat", "sales tax"]),
        json!(["SERVICE TAX"]),
        json!(["Service Tax", "Vat"]),
        json!([]),
        json!(null),
        json!(["", "Vat"]),
        json!(["Other"]),
    ];
    let categories = ["Hardware", "software", "CRM Applications", ""];
    let mut lines = Vec::new();
    for (i, tax) in taxes.iter().enumerate() {
        for (j, category) in categories.iter().enumerate() {
            lines.push(json!({"id": format!("{i}{j}"), "Tax": tax, "Product_Category": category}).to_string());
        }
    }
    let dir = common::scratch("ballista-multi");
    common::write_parquet(&policy, &lines, &dir, 2, 10);
    let want = common::vm_lines(&policy, RuleScope::ExistingRecords, &lines);
    assert!(want.len() >= 10, "{want:?}");
    assert_eq!(standalone_sweep(&policy, RuleScope::ExistingRecords, &dir), want);
}

/// On a cluster too, a record without an id is an error line on its own line (the row in its
/// file), whatever the rules say of it, as the JSON Lines sweep reports it.
#[test]
fn ballista_reports_records_without_an_id_on_their_lines() {
    let policy = common::deals_policy();
    let mut lines = common::records(&policy, 2_000, 31);
    for (i, line) in lines.iter_mut().enumerate() {
        if i % 101 == 7 {
            let mut record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
            record.remove("id");
            *line = serde_json::Value::Object(record).to_string();
        }
    }
    let dir = common::scratch("ballista-no-ids");
    common::write_parquet(&policy, &lines, &dir, 1, 500);
    let want = common::vm_lines(&policy, RuleScope::All, &lines);
    assert!(want.iter().filter(|l| l["error"]["details"]["api_name"] == "id").count() >= 19);
    assert_eq!(standalone_sweep(&policy, RuleScope::All, &dir), want);
}

/// The output lines of a sweep of `dir` on a standalone Ballista (scheduler and executor in
/// this process).
fn standalone_sweep(policy: &recordlock::Policy, scope: RuleScope, dir: &std::path::Path) -> Vec<serde_json::Value> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let ctx = SessionContext::standalone_with_state(recordlock_datafusion::engine::state(1)).await.unwrap();
        let files = input_files(dir.to_str().unwrap()).unwrap();
        let mut got = Vec::new();
        let s = Sweep { policy, scope, ctx: &ctx, remote: true };
        s.run(&files, &mut |lines| {
            got.extend(common::parse_lines(lines));
            Ok(())
        })
        .await
        .unwrap();
        got
    })
}
