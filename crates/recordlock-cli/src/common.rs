//! What every command shares: reading the configuration, module, schema and time zone, and
//! opening inputs and outputs.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use chrono::FixedOffset;
use clap::Args;
use recordlock::criteria::{EvalOptions, Schema};
use recordlock::sweep::READ_BYTES;
use recordlock::{Limits, Module, Policy};
use serde_json::Value as Json;

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum Failure {
    /// The input was read but is invalid: print this JSON error object, exit 1.
    Invalid(Json),
    /// Usage or I/O error: print the message on stderr, exit 2.
    Usage(String),
    /// The reader of stdout or stderr went away: stop quietly (exit 0).
    BrokenPipe,
}

/// The output streams, named in write errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// `stdout` or `stderr`.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

impl Failure {
    /// A failed write to `stream`: a closed pipe stops quietly, any other error (a full
    /// disk...) is an I/O error naming the stream.
    pub fn write(stream: Stream, e: &io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Usage(format!("cannot write to {}: {e}", stream.name()))
        }
    }

    /// A failed read of the input named `name` (a path, or `stdin`).
    pub fn read(name: &str, e: &io::Error) -> Failure {
        Failure::Usage(format!("cannot read {name}: {e}"))
    }

    /// A failed write to stdout.
    pub fn stdout(e: io::Error) -> Failure {
        Failure::write(Stream::Stdout, &e)
    }
}

/// Writes a line of text to stderr (unbuffered), never panicking: the error names stderr.
pub fn print_stderr(line: &str) -> Result<(), Failure> {
    let mut err = io::stderr().lock();
    err.write_all(line.as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .and_then(|()| err.flush())
        .map_err(|e| Failure::write(Stream::Stderr, &e))
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

/// Reads a file, but at most `limit + 1` bytes: enough to tell it is over the limit
/// without holding a file of any size.
pub fn read_bounded(path: &str, limit: usize) -> Result<Vec<u8>, Failure> {
    let cannot = |e: io::Error| Failure::Usage(format!("cannot read `{path}`: {e}"));
    let file = File::open(path).map_err(cannot)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Failure::Usage(format!("cannot read `{path}`: it is a directory")));
    }
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1)).read_to_end(&mut bytes).map_err(cannot)?;
    Ok(bytes)
}

/// The UTF-8 byte order mark some editors write at the start of a file: not part of the JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a configuration or schema file strictly (duplicate keys are errors; a leading byte
/// order mark is skipped; over `Limits::config_bytes` is `LIMIT_EXCEEDED` before parsing);
/// a file that is not valid JSON is invalid input (exit 1).
pub fn read_json(path: &str) -> Result<Json, Failure> {
    let limits = Limits::default();
    let bytes = read_bounded(path, limits.config_bytes)?;
    Ok(recordlock::config::parse_config_bytes(&bytes, &limits)?)
}

/// The error object of an invalid input file, after a stderr line naming the file (`what`:
/// "configuration", "schema"...), so that an error's JSON path can be placed.
pub fn invalid_in(what: &str, path: &str) -> impl FnOnce(recordlock::criteria::Error) -> Failure {
    let note = format!("recordlock: the {what} `{path}` is invalid");
    move |e| {
        // The error object on stdout is the contract; the note is a courtesy.
        let _ = print_stderr(&note);
        Failure::from(e)
    }
}

/// Reads and names a JSON input file: as [`read_json`], an invalid one noted by name.
pub fn read_json_named(what: &str, path: &str) -> Result<Json, Failure> {
    match read_json(path) {
        Err(Failure::Invalid(body)) => {
            let _ = print_stderr(&format!("recordlock: the {what} `{path}` cannot be read as JSON"));
            Err(Failure::Invalid(body))
        }
        other => other,
    }
}

impl ModuleArgs {
    /// The module, with the given schema or its built-in one.
    pub fn resolve(&self) -> Result<Module, Failure> {
        let schema = match &self.schema {
            None => None,
            Some(path) => {
                Some(Schema::from_json(&read_json_named("schema", path)?).map_err(invalid_in("schema", path))?)
            }
        };
        Ok(Module::resolve(&self.module, schema)?)
    }
}

impl Inputs {
    /// The compiled policy.
    pub fn policy(&self) -> Result<Policy, Failure> {
        let tz = parse_tz(&self.tz)
            .ok_or_else(|| Failure::Usage(format!("`{}` is not a time zone offset like +05:30", self.tz)))?;
        let body = read_json_named("configuration", &self.config)?;
        let module = self.module.resolve()?;
        Policy::new(&body, module, Limits::default(), EvalOptions { tz })
            .map_err(invalid_in("configuration", &self.config))
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

/// The name of an input in messages: `` `PATH` `` or `stdin`.
pub fn input_name(path: Option<&str>) -> String {
    match path {
        None | Some("-") => "stdin".to_owned(),
        Some(p) => format!("`{p}`"),
    }
}

/// The input named `path`, or stdin for `-` or none. A directory is refused here, by name,
/// rather than failing at the first read. Its buffer is the size a sweep reads at a time
/// ([`READ_BYTES`]), so a sweep's reads go straight into its chunks (one copy, not two: 4%
/// less time for a 1-thread sweep of a file of 1M generated records, measured against a
/// buffer of 1 MiB).
pub fn open_input(path: Option<&str>) -> Result<Box<dyn BufRead + Send>, Failure> {
    match path {
        None | Some("-") => skip_bom(BufReader::with_capacity(READ_BYTES, io::stdin())),
        Some(p) => {
            let f = File::open(p).map_err(|e| Failure::Usage(format!("cannot open `{p}`: {e}")))?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                return Err(Failure::Usage(format!("cannot read `{p}`: it is a directory, not a file of records")));
            }
            skip_bom(BufReader::with_capacity(READ_BYTES, f))
        }
    }
}

/// Skips a byte order mark at the start of an input: not part of its first line.
fn skip_bom<R: BufRead + Send + 'static>(mut input: R) -> Result<Box<dyn BufRead + Send>, Failure> {
    if input.fill_buf().is_ok_and(|b| b.starts_with(BOM)) {
        input.consume(BOM.len());
    }
    Ok(Box::new(input))
}

/// Worker threads per core at most: more only costs startup time and memory (each thread
/// has its own stack and row scratch) and cannot make a CPU-bound sweep faster.
pub const THREADS_PER_CORE: usize = 4;

/// The largest `--threads` accepted on this machine: [`THREADS_PER_CORE`] × its cores.
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).saturating_mul(THREADS_PER_CORE)
}

/// The worker pool for `--threads N` (default: one thread per core). `0` and more than
/// [`max_threads`] are usage errors, reported before any input is read.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        let max = max_threads();
        if n == 0 || n > max {
            return Err(Failure::Usage(format!(
                "--threads {n}: give 1 to {max} ({THREADS_PER_CORE} per core of the {} here)",
                max / THREADS_PER_CORE
            )));
        }
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|e| Failure::Usage(format!("cannot start {} threads: {e}", threads.unwrap_or(0))))
}

/// Buffered stdout.
pub fn stdout() -> BufWriter<io::Stdout> {
    BufWriter::with_capacity(1 << 16, io::stdout())
}

/// Writes one value as JSON, and a newline.
pub fn write_line(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

/// A sweep's progress on stderr: a spinner while it runs (on a terminal only) and the
/// one-line summary at the end, the same for every input format.
pub struct SweepProgress {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
}

impl SweepProgress {
    /// Starts the clock, and the spinner when stderr is a terminal.
    pub fn start() -> SweepProgress {
        let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message("sweeping");
            bar
        });
        SweepProgress { bar, started: std::time::Instant::now() }
    }

    /// Shows the counts so far.
    pub fn show(&self, records: u64, locked: u64, errors: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{records} records, {locked} locked, {errors} errors"));
            bar.tick();
        }
    }

    /// Clears the spinner (before the caller reports a failure or the summary).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Prints the summary line: counts, seconds and records per second.
    pub fn summary(&self, records: u64, locked: u64, errors: u64) -> Result<(), Failure> {
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 { records as f64 / seconds } else { 0.0 };
        print_stderr(&format!(
            "sweep: {records} records, {locked} locked, {errors} errors, {seconds:.3} s, {rate:.0} records/s"
        ))
    }
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
