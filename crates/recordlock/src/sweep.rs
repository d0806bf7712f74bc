//! Sweeps: the `lock_existing_records` back-fill over a stream of records (SPEC.md §3).
//!
//! Records stream in as JSON Lines, are evaluated in parallel (rayon) a chunk at a time, and
//! come out in input order: only the records a rule locks, and the records that cannot be
//! evaluated (which do not stop the sweep). The next chunk is read while the current one is
//! evaluated, and at most two chunks are held, so memory stays flat however long the stream.
//! The output is the same for any number of threads.

use std::io::{self, BufRead};
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;
use recordlock_criteria::{Error, JsonPath, Row};
use serde_json::{Value as Json, json};

pub use crate::chunks::{CHUNK_BYTES, CHUNK_BYTES_PER_THREAD, READ_BYTES};
use crate::chunks::{Line, Reading, Step, map_lines, map_slice};
use crate::policy::{CompiledRule, Policy, RuleScope};

/// How to sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions<'a> {
    /// Only rules with `lock_existing_records` ([`RuleScope::ExistingRecords`], the
    /// default), or every rule.
    pub scope: RuleScope,
    /// Records per chunk at most (bounded memory: two chunks at a time). For input in
    /// memory ([`sweep_bytes`]), the results held at once.
    pub chunk_records: usize,
    /// Bytes per chunk, roughly: a chunk takes no more lines once it holds this many bytes,
    /// so it holds less than this plus one record (`Limits::record_bytes`). Default
    /// [`CHUNK_BYTES`] (8 MiB). Chunks are also kept to [`CHUNK_BYTES_PER_THREAD`]
    /// (1 MiB) per thread of the pool (512 KiB on one thread), so that a chunk is still in
    /// cache when it is evaluated.
    pub chunk_bytes: usize,
    /// Set to stop the sweep after the current chunk.
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for SweepOptions<'_> {
    fn default() -> Self {
        SweepOptions { scope: RuleScope::ExistingRecords, chunk_records: 8192, chunk_bytes: CHUNK_BYTES, cancel: None }
    }
}

/// A record the sweep reports.
#[derive(Debug, Clone)]
pub enum SweepOutcome<'p> {
    /// A rule locks the record.
    Locked {
        /// The record's id.
        id: Option<String>,
        /// The first matching rule.
        rule: &'p CompiledRule,
    },
    /// The record cannot be evaluated, or has no id to apply a lock to.
    Unevaluable {
        /// The record's id, when it could be read.
        id: Option<String>,
        /// The 1-based input line.
        line: u64,
        /// Why it cannot be evaluated (`INVALID_RECORD` with the field's path, or
        /// `LIMIT_EXCEEDED` for a line over the size limit).
        error: Error,
    },
}

impl SweepOutcome<'_> {
    /// The output line: `{"id", "rule": {"id", "name"}}` or `{"id", "error": {...}, "line"}`.
    pub fn to_json(&self) -> Json {
        match self {
            SweepOutcome::Locked { id, rule } => json!({"id": id, "rule": {"id": rule.id(), "name": rule.name()}}),
            SweepOutcome::Unevaluable { id, line, error } => json!({"id": id, "error": error, "line": line}),
        }
    }
}

/// Counts at the end of (or during) a sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Records read (blank lines are not records).
    pub records: u64,
    /// Records a rule locks.
    pub locked: u64,
    /// Records that could not be evaluated.
    pub errors: u64,
    /// Whether the sweep was cancelled before the end of the input.
    pub cancelled: bool,
}

/// Sweeps JSON Lines from `input`, calling `emit` for each reported record in input order
/// and `progress` after each chunk.
///
/// ```
/// use recordlock::{sweep::{sweep_lines, SweepOptions}, Module, Policy, Limits};
/// use recordlock_criteria::EvalOptions;
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Won", "lock_existing_records": true,
///      "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
/// let input = "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n{\"id\": \"2\", \"Stage\": \"Qualification\"}\n{\"id\": \"3\", \"Stage\": 7}\nnot json\n";
/// let mut out = Vec::new();
/// let stats = sweep_lines(&policy, input.as_bytes(), &SweepOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
/// assert_eq!((stats.records, stats.locked, stats.errors), (4, 1, 1));
/// assert_eq!(out[0], json!({"id": "1", "rule": {"id": null, "name": "Won"}}));
/// # // A number is valid picklist text, so record 3 is simply not locked; "not json" is the error.
/// assert!(out[1]["error"].is_object());
/// ```
pub fn sweep_lines<'p, R: BufRead + Send>(
    policy: &'p Policy,
    input: R,
    opts: &SweepOptions<'_>,
    emit: impl FnMut(SweepOutcome<'p>),
    progress: impl FnMut(&SweepStats),
) -> io::Result<SweepStats> {
    let mut tally = Tally { stats: SweepStats::default(), lines: 0, emit, progress };
    let cancelled = map_lines(
        input,
        &reading(policy, opts),
        || policy.new_row(),
        |row, _, line| evaluate_line(policy, opts.scope, row, line),
        |step| tally.step(step),
    )?;
    tally.stats.cancelled = cancelled;
    Ok(tally.stats)
}

/// [`sweep_lines`] over JSON Lines already in memory: the lines are read where they are,
/// without the copy into chunks that a reader's input takes, each found just before it is
/// evaluated (and the bytes ahead of it asked into the cache), with the same output.
/// Progress comes after each chunk, whose end is set by bytes alone
/// ([`SweepOptions::chunk_bytes`]); [`SweepOptions::chunk_records`] bounds the results held
/// at once. Nothing here can fail.
///
/// ```
/// use recordlock::{sweep::{sweep_bytes, sweep_lines, SweepOptions}, Module, Policy, Limits};
/// use recordlock_criteria::EvalOptions;
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Won", "lock_existing_records": true,
///      "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
/// let input = b"{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n{\"id\": \"2\"}\nnot json\n";
/// let (mut in_place, mut read) = (Vec::new(), Vec::new());
/// let opts = SweepOptions::default();
/// let stats = sweep_bytes(&policy, input, &opts, |o| in_place.push(o.to_json()), |_| {});
/// assert_eq!(stats, sweep_lines(&policy, &input[..], &opts, |o| read.push(o.to_json()), |_| {}).unwrap());
/// assert_eq!((stats.records, stats.locked, stats.errors), (3, 1, 1));
/// assert_eq!(in_place, read);
/// ```
pub fn sweep_bytes<'p>(
    policy: &'p Policy,
    input: &[u8],
    opts: &SweepOptions<'_>,
    emit: impl FnMut(SweepOutcome<'p>),
    progress: impl FnMut(&SweepStats),
) -> SweepStats {
    let mut tally = Tally { stats: SweepStats::default(), lines: 0, emit, progress };
    tally.stats.cancelled = map_slice(
        input,
        &reading(policy, opts),
        || policy.new_row(),
        |row, line| evaluate_line(policy, opts.scope, row, line),
        |step| tally.step(step),
    );
    tally.stats
}

/// How a sweep with `opts` reads its lines.
fn reading<'a>(policy: &Policy, opts: &SweepOptions<'a>) -> Reading<'a> {
    Reading {
        chunk_lines: opts.chunk_records,
        chunk_bytes: opts.chunk_bytes,
        limit: policy.limits().record_bytes,
        cancel: opts.cancel,
    }
}

/// A sweep's counts, and where its outcomes and progress go.
struct Tally<E, P> {
    stats: SweepStats,
    /// Lines seen: every line gives one item, in input order, so this is the 1-based number
    /// of the line whose item came last (error lines are numbered from it).
    lines: u64,
    emit: E,
    progress: P,
}

impl<'p, E: FnMut(SweepOutcome<'p>), P: FnMut(&SweepStats)> Tally<E, P> {
    fn step(&mut self, step: Step<Evaluated<'p>>) {
        if let Step::Item(_) = step {
            self.lines += 1;
        }
        match step {
            Step::Item(Evaluated::Blank) => {}
            Step::Item(Evaluated::Fine) => self.stats.records += 1,
            Step::Item(Evaluated::Reported(mut o)) => {
                self.stats.records += 1;
                match &mut o {
                    SweepOutcome::Locked { .. } => self.stats.locked += 1,
                    SweepOutcome::Unevaluable { line, .. } => {
                        *line = self.lines;
                        self.stats.errors += 1;
                    }
                }
                (self.emit)(o);
            }
            Step::ChunkDone => (self.progress)(&self.stats),
        }
    }
}

/// Evaluates pre-ingested rows in parallel: for each, the first matching rule in `scope`.
pub fn sweep_rows<'p>(policy: &'p Policy, rows: &[Row], scope: RuleScope) -> Vec<Option<&'p CompiledRule>> {
    rows.par_iter().with_min_len(1024).map(|row| policy.matching_rule(row, scope)).collect()
}

/// Counts the rows a rule locks, in parallel, without collecting (the in-memory benchmark).
pub fn count_locked(policy: &Policy, rows: &[Row], scope: RuleScope) -> usize {
    rows.par_iter().with_min_len(4096).filter(|row| policy.matching_rule(row, scope).is_some()).count()
}

enum Evaluated<'p> {
    Blank,
    Fine,
    Reported(SweepOutcome<'p>),
}

/// Evaluates one line; an error line's number is left 0, for the [`Tally`] to set.
fn evaluate_line<'p>(policy: &'p Policy, scope: RuleScope, row: &mut Row, line: Line<'_>) -> Evaluated<'p> {
    let unevaluable = |id: Option<&str>, error: Error| {
        Evaluated::Reported(SweepOutcome::Unevaluable { id: id.map(str::to_owned), line: 0, error })
    };
    let line = match line {
        Line::Text(line) => line,
        Line::TooLong => {
            let limit = policy.limits().record_bytes;
            return unevaluable(None, Error::limit_exceeded(&JsonPath::root(), "the size of a record in bytes", limit));
        }
    };
    if line.iter().all(u8::is_ascii_whitespace) {
        return Evaluated::Blank;
    }
    if let Err(error) = policy.ingest_record_for(scope, line, row) {
        return unevaluable(row.record_id(), error.into());
    }
    match policy.matching_rule(row, scope) {
        Some(rule) => Evaluated::Reported(SweepOutcome::Locked { id: row.record_id().map(str::to_owned), rule }),
        None => Evaluated::Fine,
    }
}
