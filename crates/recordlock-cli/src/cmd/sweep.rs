//! `recordlock sweep`: the `lock_existing_records` back-fill over JSON Lines (and, with the
//! `columnar` feature, CSV, Parquet and Arrow IPC: `sweep_columnar`).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use recordlock::RuleScope;
use recordlock::sweep::{SweepOptions, sweep_lines};

use crate::common::{Failure, Format, Inputs, SweepProgress, input_name, open_input, stdout, thread_pool, write_line};

/// Streams the records, prints each locked (or unevaluable) one in input order, and a
/// summary on stderr. The first failed write to stdout stops the readers and the workers
/// (after the chunk in hand): a closed pipe ends the run quietly, any other write error is
/// exit 2 naming stdout.
pub fn run(
    inputs: &Inputs,
    all_rules: bool,
    threads: Option<usize>,
    format: Option<Format>,
    records: Option<&str>,
) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let pool = thread_pool(threads)?;
    let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
    let format = format.unwrap_or_else(|| Format::of_path(records));
    if format != Format::Jsonl {
        return columnar(&policy, scope, &pool, format, records);
    }
    let input = open_input(records)?;
    let stop = AtomicBool::new(false);
    let opts = SweepOptions { scope, cancel: Some(&stop), ..SweepOptions::default() };
    let progress = SweepProgress::start();
    let mut out = stdout();
    let mut write_error = None;
    let stats = pool.install(|| {
        sweep_lines(
            &policy,
            input,
            &opts,
            |outcome| {
                if write_error.is_none()
                    && let Err(e) = write_line(&mut out, &outcome.to_json())
                {
                    write_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            },
            |s| progress.show(s.records, s.locked, s.errors),
        )
    });
    progress.clear();
    if let Some(e) = write_error {
        return Err(Failure::stdout(e));
    }
    let stats = stats.map_err(|e| Failure::read(&input_name(records), &e))?;
    out.flush().map_err(Failure::stdout)?;
    progress.summary(stats.records, stats.locked, stats.errors)
}

#[cfg(feature = "columnar")]
fn columnar(
    policy: &recordlock::Policy,
    scope: RuleScope,
    pool: &rayon::ThreadPool,
    format: Format,
    records: Option<&str>,
) -> Result<(), Failure> {
    crate::cmd::sweep_columnar::run(policy, scope, pool, format, records)
}

#[cfg(not(feature = "columnar"))]
fn columnar(
    _: &recordlock::Policy,
    _: RuleScope,
    _: &rayon::ThreadPool,
    format: Format,
    _: Option<&str>,
) -> Result<(), Failure> {
    Err(Failure::Usage(format!("this build reads JSON Lines only (--format {format:?} needs the `columnar` feature)")))
}
