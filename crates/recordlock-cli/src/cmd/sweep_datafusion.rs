//! `recordlock sweep --engine datafusion [--cluster df://HOST:PORT]`: the back-fill on
//! DataFusion (or a Ballista cluster) over Parquet, CSV and JSON Lines files.

use crate::common::{Failure, Inputs};

/// Without the `datafusion` feature: says how to get it.
#[cfg(not(feature = "datafusion"))]
pub fn run(
    _inputs: &Inputs,
    _all_rules: bool,
    _threads: Option<usize>,
    _cluster: Option<&str>,
    _records: Option<&str>,
) -> Result<(), Failure> {
    Err(Failure::Usage(
        "this recordlock was built without DataFusion: cargo build --release -p recordlock-cli --features datafusion"
            .into(),
    ))
}

/// Sweeps the files on DataFusion and prints the JSON Lines sweep's output, progress and
/// summary ([`SweepProgress`](crate::common::SweepProgress), as every sweep does).
#[cfg(feature = "datafusion")]
pub fn run(
    inputs: &Inputs,
    all_rules: bool,
    threads: Option<usize>,
    cluster: Option<&str>,
    records: Option<&str>,
) -> Result<(), Failure> {
    use std::io::Write;

    use recordlock::RuleScope;
    use recordlock_datafusion::Error;
    use recordlock_datafusion::sweep::{Stats, Sweep, input_files};

    use crate::common::{SweepProgress, stdout};

    let policy = inputs.policy()?;
    // Absent or `-`: JSON Lines on stdin.
    let files = match records {
        None | Some("-") if cluster.is_some() => {
            return Err(Failure::Usage("--cluster sweeps Parquet files: name a file, a directory or a glob".into()));
        }
        None | Some("-") => None,
        Some(spec) => Some(input_files(spec).map_err(|e| Failure::Usage(e.to_string()))?),
    };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start threads: {e}")))?;
    let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
    let progress = SweepProgress::start();
    let mut out = stdout();
    let result = runtime.block_on(async {
        let ctx = match cluster {
            None => recordlock_datafusion::engine::session(threads),
            Some(url) => recordlock_datafusion::engine::cluster(url).await?,
        };
        let sweep = Sweep { policy: &policy, scope, ctx: &ctx, remote: cluster.is_some() };
        let mut emit = |lines: &[u8]| out.write_all(lines);
        let mut show = |s: &Stats| progress.show(s.records, s.locked, s.errors);
        match &files {
            Some(files) => sweep.run_with_progress(files, &mut emit, &mut show).await,
            None => sweep.run_lines_with_progress(&mut std::io::stdin().lock(), &mut emit, &mut show).await,
        }
    });
    progress.clear();
    let stats = match result {
        Ok(stats) => stats,
        Err(Error::Output(e)) => return Err(Failure::stdout(e)),
        Err(e) => return Err(Failure::Usage(e.to_string())),
    };
    out.flush().map_err(Failure::stdout)?;
    progress.summary(stats.records, stats.locked, stats.errors)
}
