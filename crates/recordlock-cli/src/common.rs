//! What every command shares: reading the configuration, module, schema and time zone, and
//! opening inputs and outputs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use chrono::FixedOffset;
use clap::Args;
use recordlock::criteria::{EvalOptions, Schema};
use recordlock::{Limits, Module, Policy};
use serde_json::Value as Json;

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// The input was read but is invalid: print this JSON error object, exit 1.
    Invalid(Json),
    /// Usage or I/O error: print the message on stderr, exit 2.
    Usage(String),
    /// The reader of stdout went away: stop quietly.
    BrokenPipe,
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe { Failure::BrokenPipe } else { Failure::Usage(e.to_string()) }
    }
}

impl From<recordlock::criteria::Error> for Failure {
    fn from(e: recordlock::criteria::Error) -> Failure {
        Failure::Invalid(serde_json::to_value(&e).unwrap_or(Json::Null))
    }
}

/// A records format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines: one record (a JSON object) a line.
    Jsonl,
    /// CSV as a CRM bulk export writes it (a header row of API names).
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Arrow IPC, file or stream.
    Arrow,
}

impl Format {
    /// The format a file's extension names (JSON Lines for anything else and for stdin).
    pub fn of_path(path: Option<&str>) -> Format {
        let ext = path.and_then(|p| std::path::Path::new(p).extension()).and_then(|e| e.to_str());
        match ext.map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Format::Csv,
            Some("parquet" | "pq") => Format::Parquet,
            Some("arrow" | "arrows" | "ipc" | "feather") => Format::Arrow,
            _ => Format::Jsonl,
        }
    }
}

/// `--module M [--schema FIELDS]`.
#[derive(Debug, Args)]
pub struct ModuleArgs {
    /// The module's API name (`Deals`, `Leads`, a custom module's name...).
    #[arg(long)]
    pub module: String,
    /// A Zoho fields-metadata body replacing the built-in schema (needed for custom modules).
    #[arg(long)]
    pub schema: Option<String>,
}

/// `--config C --module M [--schema F] [--tz OFFSET]`.
#[derive(Debug, Args)]
pub struct Inputs {
    /// The configuration body.
    #[arg(long)]
    pub config: String,
    #[command(flatten)]
    pub module: ModuleArgs,
    /// The time zone for date-vs-datetime comparisons, e.g. `+05:30` (default `+00:00`).
    #[arg(long, default_value = "+00:00", allow_hyphen_values = true)]
    pub tz: String,
}

/// Reads a whole file.
pub fn read_file(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("cannot read `{path}`: {e}")))
}

/// Reads a JSON file strictly (duplicate keys are errors); a file that is not valid JSON is
/// invalid input (exit 1).
pub fn read_json(path: &str) -> Result<Json, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure::Usage(format!("cannot read `{path}`: {e}")))?;
    Ok(recordlock::criteria::parse_json_strict_bytes(&bytes)?)
}

impl ModuleArgs {
    /// The module, with the given schema or its built-in one.
    pub fn resolve(&self) -> Result<Module, Failure> {
        let schema = match &self.schema {
            None => None,
            Some(path) => Some(Schema::from_json(&read_json(path)?)?),
        };
        Ok(Module::resolve(&self.module, schema)?)
    }
}

impl Inputs {
    /// The compiled policy.
    pub fn policy(&self) -> Result<Policy, Failure> {
        let tz = parse_tz(&self.tz)
            .ok_or_else(|| Failure::Usage(format!("`{}` is not a time zone offset like +05:30", self.tz)))?;
        let body = read_json(&self.config)?;
        let module = self.module.resolve()?;
        Ok(Policy::new(&body, module, Limits::default(), EvalOptions { tz })?)
    }
}

/// `+05:30`, `-08:00`, `+0000`, `Z` or `UTC`.
pub fn parse_tz(s: &str) -> Option<FixedOffset> {
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, s.get(1..)?),
        b'-' => (-1, s.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits.get(..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..)?.parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

/// The input named `path`, or stdin for `-` or none.
pub fn open_input(path: Option<&str>) -> Result<Box<dyn BufRead + Send>, Failure> {
    match path {
        None | Some("-") => Ok(Box::new(BufReader::with_capacity(1 << 20, io::stdin()))),
        Some(p) => {
            let f = File::open(p).map_err(|e| Failure::Usage(format!("cannot open `{p}`: {e}")))?;
            Ok(Box::new(BufReader::with_capacity(1 << 20, f)))
        }
    }
}

/// Buffered stdout.
pub fn stdout() -> BufWriter<io::Stdout> {
    BufWriter::with_capacity(1 << 16, io::stdout())
}

/// Writes one JSON value and a newline.
pub fn write_line(out: &mut impl Write, value: &Json) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zone_offsets() {
        assert_eq!(parse_tz("+05:30").map(|t| t.local_minus_utc()), Some(19_800));
        assert_eq!(parse_tz("-0800").map(|t| t.local_minus_utc()), Some(-28_800));
        assert_eq!(parse_tz("Z").map(|t| t.local_minus_utc()), Some(0));
        assert!(parse_tz("05:30").is_none());
        assert!(parse_tz("+25:00").is_none());
    }
}
