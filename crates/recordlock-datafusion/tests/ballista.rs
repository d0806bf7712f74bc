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
                .run(&files, &mut |line| {
                    got.push(line.clone());
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
