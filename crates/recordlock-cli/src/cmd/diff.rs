//! `recordlock diff --old A --new B --module M [--schema] [--tz] [--update] [RECORDS|-]`:
//! the records whose lock a configuration change would change.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::Args;
use recordlock::criteria::EvalOptions;
use recordlock::impact::{Impact, ImpactOptions, ImpactOutcome, apply_update};
use recordlock::{Limits, Policy};

use crate::common::{
    Failure, ModuleArgs, input_name, invalid_in, open_input, parse_tz, print_stderr, read_json_named, stdout,
    thread_pool,
};

/// The arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current configuration body.
    #[arg(long)]
    old: String,
    /// The proposed configuration body (with `--update`: a store update request).
    #[arg(long)]
    new: String,
    #[command(flatten)]
    module: ModuleArgs,
    /// The time zone for date-vs-datetime comparisons, e.g. `+05:30` (default `+00:00`).
    #[arg(long, default_value = "+00:00", allow_hyphen_values = true)]
    tz: String,
    /// Read `--new` as a partial update request (a PUT body) applied to `--old`.
    #[arg(long)]
    update: bool,
    /// Worker threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Records as JSON Lines, each with its lock under `Locking_Information__s` or without
    /// (`-` or absent: stdin).
    records: Option<String>,
}

/// Prints one line per record whose lock changes, in input order, and a summary on stderr.
pub fn run(args: &DiffArgs) -> Result<(), Failure> {
    let tz = parse_tz(&args.tz)
        .ok_or_else(|| Failure::Usage(format!("`{}` is not a time zone offset like +05:30", args.tz)))?;
    let opts = EvalOptions { tz };
    let module = args.module.resolve()?;
    let old = Policy::new(&read_json_named("old configuration", &args.old)?, module.clone(), Limits::default(), opts)
        .map_err(invalid_in("old configuration", &args.old))?;
    let new_body = read_json_named("new configuration", &args.new)?;
    let new = if args.update {
        apply_update(&old, &new_body)
    } else {
        Policy::new(&new_body, module, Limits::default(), opts)
    }
    .map_err(invalid_in("new configuration", &args.new))?;
    let pool = thread_pool(args.threads)?;
    let input = open_input(args.records.as_deref())?;
    let started = Instant::now();
    let mut out = stdout();
    let mut write_error = None;
    let stop = AtomicBool::new(false);
    let impact = Impact::new(&old, &new);
    let stats = pool.install(|| {
        impact.lines(
            input,
            &ImpactOptions { cancel: Some(&stop), ..ImpactOptions::default() },
            |outcome| {
                if write_error.is_none()
                    && let Err(e) = write_outcome(&mut out, &outcome)
                {
                    write_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            },
            |_| {},
        )
    });
    if let Some(e) = write_error {
        return Err(Failure::stdout(e));
    }
    let stats = stats.map_err(|e| Failure::read(&input_name(args.records.as_deref()), &e))?;
    out.flush().map_err(Failure::stdout)?;
    print_stderr(&format!(
        "diff: {} records, {} lock, {} unlock, {} rule, {} unchanged, {} manual, {} errors, {:.3} s",
        stats.records,
        stats.locked,
        stats.unlocked,
        stats.rule_changed,
        stats.unchanged,
        stats.manual,
        stats.errors,
        started.elapsed().as_secs_f64()
    ))
}

/// Writes one outcome line, keys in their documented order.
fn write_outcome(out: &mut impl Write, outcome: &ImpactOutcome) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, outcome)?;
    out.write_all(b"\n")
}
