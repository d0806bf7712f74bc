//! Ballista standalone (an in-process scheduler and `N` executors) against local DataFusion
//! on the same Parquet dataset, in one run: `cargo run --release -p recordlock-datafusion
//! --example ballista_vs_local -- CONFIG MODULE DATASET [EXECUTORS] [TASKS_PER_EXECUTOR]`.
//!
//! Sweeps the dataset (a file, a directory or a glob of Parquet files) with the policy's
//! `lock_existing_records` rules on local DataFusion (`EXECUTORS × TASKS` target
//! partitions), then on the cluster, and prints each time, the ratio and whether the two
//! outputs are identical (they must be: the process exits 1 otherwise).

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark's report")]

use std::process::ExitCode;
use std::time::Instant;

use ballista::prelude::SessionContextExt;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use datafusion::prelude::SessionContext;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_datafusion::engine;
use recordlock_datafusion::sweep::{Stats, Sweep, input_files};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("ballista_vs_local: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [config, module, dataset, rest @ ..] = args.as_slice() else {
        return Err("usage: ballista_vs_local CONFIG MODULE DATASET [EXECUTORS] [TASKS_PER_EXECUTOR]".into());
    };
    let executors: usize = rest.first().map_or(Ok(2), |s| s.parse())?;
    let tasks: usize = rest.get(1).map_or(Ok(1), |s| s.parse())?;
    let body: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(config)?)?;
    let policy = Policy::new(&body, Module::resolve(module, None)?, Limits::default(), EvalOptions::default())?;
    let files = input_files(dataset)?;
    let threads = executors * tasks;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads.max(2)).enable_all().build()?;
    rt.block_on(async {
        let local = engine::session(threads);
        let (local_stats, local_lines, local_s) = sweep(&policy, &local, false, &files).await?;
        println!(
            "local DataFusion ({threads} partitions): {} records, {} locked, {local_s:.3} s",
            local_stats.records, local_stats.locked
        );

        let state = engine::state(tasks);
        let address = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state).await?;
        let url = format!("http://localhost:{}", address.port());
        for _ in 0..executors {
            let scheduler = SchedulerGrpcClient::connect(url.clone()).await?;
            ballista_executor::new_standalone_executor_from_state(scheduler, tasks, &state).await?;
        }
        let cluster = SessionContext::remote_with_state(&format!("df://localhost:{}", address.port()), state).await?;
        let (cluster_stats, cluster_lines, cluster_s) = sweep(&policy, &cluster, true, &files).await?;
        println!(
            "Ballista standalone ({executors} executors × {tasks} tasks): {} records, {} locked, {cluster_s:.3} s",
            cluster_stats.records, cluster_stats.locked
        );
        println!("ratio Ballista / local: {:.2}", cluster_s / local_s);
        let same = local_lines == cluster_lines;
        println!("outputs identical: {same}");
        Ok(same)
    })
}

/// Sweeps `files`, returning the counts, the output (as text) and the seconds taken.
async fn sweep(
    policy: &Policy,
    ctx: &SessionContext,
    remote: bool,
    files: &[(std::path::PathBuf, recordlock_datafusion::sweep::Format)],
) -> Result<(Stats, Vec<u8>, f64), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut out = Vec::new();
    let s = Sweep { policy, scope: RuleScope::ExistingRecords, ctx, remote };
    let stats = s
        .run(files, &mut |lines| {
            out.extend_from_slice(lines);
            Ok(())
        })
        .await?;
    Ok((stats, out, started.elapsed().as_secs_f64()))
}
