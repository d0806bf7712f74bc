//! `Sweep` over files gives the JSON Lines sweep's output, line for line (issue 12 §2):
//! JSON Lines (errors included), and a multi-file, multi-row-group Parquet dataset swept
//! on two threads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use recordlock::RuleScope;
use recordlock_datafusion::engine::session;
use recordlock_datafusion::sweep::{Stats, Sweep, input_files};
use serde_json::Value as Json;

fn sweep(policy: &recordlock::Policy, scope: RuleScope, spec: &str, threads: usize) -> (Vec<Json>, Stats) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().unwrap();
    let files = input_files(spec).unwrap();
    let mut out = Vec::new();
    let stats = rt
        .block_on(async {
            let ctx = session(threads);
            let s = Sweep { policy, scope, ctx: &ctx, remote: false };
            s.run(&files, &mut |line| {
                out.push(line.clone());
                Ok(())
            })
            .await
        })
        .unwrap();
    (out, stats)
}

#[test]
fn json_lines_with_errors_match_the_vm() {
    let policy = common::deals_policy();
    let mut lines = common::records(&policy, 20_000, 7);
    // Records that cannot be evaluated, a blank line and a line that is not JSON.
    lines.insert(3, r#"{"id": "bad-1", "Stage": {"not": "text"}}"#.into());
    lines.insert(10, r#"{"id": "bad-2", "Amount": "lots", "Stage": "Closed Lost"}"#.into());
    lines.insert(11, String::new());
    lines.insert(12, "not json".into());
    lines.push(r#"{"id": 99, "Stage": "closed won", "Amount": 1e3}"#.into());
    let dir = common::scratch("jsonl");
    let path = dir.join("deals.jsonl");
    common::write_jsonl(&lines, &path);
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let want = common::vm_lines(&policy, scope, &lines);
        let (got, stats) = sweep(&policy, scope, path.to_str().unwrap(), 2);
        assert!(want.len() > 100, "a sweep that locks little proves little");
        assert_eq!(stats.errors, 3);
        assert_eq!(got, want);
    }
}

#[test]
fn a_partitioned_parquet_dataset_matches_the_vm_in_order() {
    let policy = common::deals_policy();
    let lines = common::records(&policy, 30_000, 11);
    let dir = common::scratch("parquet");
    common::write_parquet(&policy, &lines, &dir, 4, 2_000);
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let want = common::vm_lines(&policy, scope, &lines);
        assert!(want.len() > 1_000);
        for spec in [dir.to_str().unwrap().to_owned(), format!("{}/part=*/*.parquet", dir.display())] {
            let (got, stats) = sweep(&policy, scope, &spec, 2);
            assert_eq!(stats.records, 30_000);
            assert_eq!(got.len(), want.len(), "{spec}");
            assert_eq!(got, want, "{spec}");
        }
    }
}
