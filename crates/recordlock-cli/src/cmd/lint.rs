//! `recordlock lint CONFIG --module M [--schema FIELDS] [--tz OFFSET] [--json]`: the static
//! analysis's findings.

use std::io::{IsTerminal, Write};

use clap::Args;
use recordlock::analysis::{Finding, lint};
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Policy};

use crate::common::{Failure, ModuleArgs, invalid_in, parse_tz, read_json_named, stdout};

/// The arguments of `lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The configuration body (a create body or a GET response).
    config: String,
    #[command(flatten)]
    module: ModuleArgs,
    /// The time zone for date-vs-datetime comparisons, e.g. `+05:30` (default `+00:00`).
    #[arg(long, default_value = "+00:00", allow_hyphen_values = true)]
    tz: String,
    /// One JSON finding a line even when stdout is a terminal.
    #[arg(long)]
    json: bool,
}

/// Prints each finding: one JSON object a line, or text for a person when stdout is a
/// terminal. Findings are advice, not errors: exit 0. An invalid configuration prints its
/// error object (exit 1), as `validate` does.
pub fn run(args: &LintArgs) -> Result<(), Failure> {
    let tz = parse_tz(&args.tz)
        .ok_or_else(|| Failure::Usage(format!("`{}` is not a time zone offset like +05:30", args.tz)))?;
    let body = read_json_named("configuration", &args.config)?;
    let policy = Policy::new(&body, args.module.resolve()?, Limits::default(), EvalOptions { tz })
        .map_err(invalid_in("configuration", &args.config))?;
    let findings = lint(&policy);
    let mut out = stdout();
    if args.json || !std::io::stdout().is_terminal() {
        for f in &findings {
            write_finding(&mut out, f).map_err(Failure::stdout)?;
        }
    } else {
        for f in &findings {
            writeln!(out, "{f}").map_err(Failure::stdout)?;
        }
        match findings.len() {
            0 => writeln!(out, "no findings").map_err(Failure::stdout)?,
            1 => writeln!(out, "1 finding").map_err(Failure::stdout)?,
            n => writeln!(out, "{n} findings").map_err(Failure::stdout)?,
        }
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(())
}

/// Writes one finding line, keys in their documented order.
fn write_finding(out: &mut impl Write, finding: &Finding) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, finding)?;
    out.write_all(b"\n")
}
