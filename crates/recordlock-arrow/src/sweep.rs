//! Columnar sweeps: batches stream from a [`Source`], a window of them is evaluated in
//! parallel (rayon), and the reported rows come out in input order — the lines of
//! `recordlock sweep`, byte for byte: `{"id","rule":{"id","name"}}` for a locked row,
//! `{"error","id","line"}` for a row that cannot be evaluated (`line`: its 1-based row
//! number). Every row read is counted in [`SweepStats`].

use std::fmt;
use std::io::{self, Write};

use rayon::prelude::*;
use std::sync::OnceLock;

use recordlock::criteria::{Error, RecordError};
use serde_json::json;

use crate::mapping::MappingError;
use crate::plan::{ColumnarPlan, Evaluation, RowOutcome};
use crate::read::{Source, SourceBatch};

/// Counts of a sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Rows read.
    pub records: u64,
    /// Rows a rule locks.
    pub locked: u64,
    /// Rows that cannot be evaluated (or read).
    pub errors: u64,
}

/// Why a sweep could not run or stopped.
#[derive(Debug)]
pub enum SweepError {
    /// The input cannot be opened or is not of its format.
    Open {
        /// The input.
        path: String,
        /// Why.
        message: String,
    },
    /// A column the rules read is missing or of the wrong type (before any output).
    Mapping(MappingError),
    /// Reading failed part way (a truncated or corrupt file): the rows before were swept.
    Read {
        /// The input.
        path: String,
        /// Rows read (and swept) before the failure.
        after_rows: u64,
        /// Why.
        message: String,
    },
    /// Writing the output failed.
    Output(io::Error),
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::Open { path, message } => write!(f, "{path}: {message}"),
            SweepError::Mapping(e) => write!(f, "{e}"),
            SweepError::Read { path, after_rows, message } => {
                write!(f, "{path}: reading failed after row {after_rows} (rows up to it were swept): {message}")
            }
            SweepError::Output(e) => write!(f, "writing the output: {e}"),
        }
    }
}

impl std::error::Error for SweepError {}

impl From<MappingError> for SweepError {
    fn from(e: MappingError) -> SweepError {
        SweepError::Mapping(e)
    }
}

/// One reported row.
#[derive(Debug, Clone)]
pub enum SweepLine<'a> {
    /// A rule locks the row.
    Locked {
        /// The record id.
        id: Option<String>,
        /// The rule's index in the plan's rules.
        rule: usize,
    },
    /// The row cannot be evaluated.
    Unevaluable {
        /// The record id, when it could be read.
        id: Option<String>,
        /// Why.
        error: &'a Error,
        /// The 1-based row number.
        line: u64,
    },
}

/// Writes sweep lines exactly as `recordlock sweep` does, with each rule's JSON made once.
#[derive(Debug, Clone)]
pub struct LineWriter {
    rules: Vec<String>,
}

impl LineWriter {
    /// A writer for `plan`'s rules.
    pub fn new(plan: &ColumnarPlan) -> LineWriter {
        LineWriter { rules: plan.rules().rules().iter().map(|r| r.to_json().to_string()).collect() }
    }

    /// Writes `line` and a newline.
    ///
    /// # Errors
    /// The writer's.
    pub fn write(&self, out: &mut impl Write, line: &SweepLine<'_>) -> io::Result<()> {
        match line {
            SweepLine::Locked { id, rule } => {
                out.write_all(b"{\"id\":")?;
                serde_json::to_writer(&mut *out, id)?;
                out.write_all(b",\"rule\":")?;
                out.write_all(self.rules.get(*rule).map_or("null", String::as_str).as_bytes())?;
                out.write_all(b"}\n")
            }
            SweepLine::Unevaluable { id, error, line } => {
                serde_json::to_writer(&mut *out, &json!({"id": id, "error": error, "line": line}))?;
                out.write_all(b"\n")
            }
        }
    }
}

/// Sweeps `source`: evaluates `window` batches at a time in parallel (in the current rayon
/// pool) and calls `emit` for each reported row in input order, `progress` after each window.
///
/// Returns the counts of what was swept and, if the sweep stopped early, why: a read error
/// part way (the rows before are emitted and counted) or `emit`'s error.
pub fn sweep(
    source: Source,
    window: usize,
    emit: impl FnMut(&ColumnarPlan, SweepLine<'_>) -> io::Result<()>,
    progress: impl FnMut(&SweepStats),
) -> (SweepStats, Result<(), SweepError>) {
    let mut stats = SweepStats::default();
    let result = sweep_into(source, window, emit, progress, &mut stats);
    (stats, result)
}

fn sweep_into(
    source: Source,
    window: usize,
    mut emit: impl FnMut(&ColumnarPlan, SweepLine<'_>) -> io::Result<()>,
    mut progress: impl FnMut(&SweepStats),
    stats: &mut SweepStats,
) -> Result<(), SweepError> {
    let Source { plan, mut batches } = source;
    let window = window.max(1);
    loop {
        let mut read: Vec<SourceBatch> = Vec::with_capacity(window);
        let mut failure = None;
        for b in batches.by_ref() {
            match b {
                Ok(b) => read.push(b),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            if read.len() == window {
                break;
            }
        }
        if read.is_empty() && failure.is_none() {
            return Ok(());
        }
        let evaluated: Vec<Result<Evaluation, MappingError>> =
            read.par_iter().map(|b| plan.evaluate(&b.batch)).collect();
        for (b, e) in read.iter().zip(evaluated) {
            let evaluation = e?;
            report(&plan, b, &evaluation, stats, &mut emit).map_err(SweepError::Output)?;
        }
        progress(stats);
        if let Some(e) = failure {
            return Err(e);
        }
    }
}

/// The error of a row without an id: a lock nobody could apply is never
/// reported, as in the JSON Lines sweep.
fn missing_id() -> &'static Error {
    static MISSING: OnceLock<Error> = OnceLock::new();
    MISSING.get_or_init(|| RecordError::missing_id().into())
}

fn report(
    plan: &ColumnarPlan,
    b: &SourceBatch,
    evaluation: &Evaluation,
    stats: &mut SweepStats,
    emit: &mut impl FnMut(&ColumnarPlan, SweepLine<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let first = stats.records;
    let ids = plan.ids(&b.batch);
    let line = |row: usize| first + row as u64 + 1;
    // Every reported row with its priority: the reader's error, then the evaluation's, then
    // a missing id, then a lock.
    let mut rows: Vec<(usize, u8, SweepLine<'_>)> = Vec::new();
    for (row, error) in &b.unreadable {
        rows.push((*row, 0, SweepLine::Unevaluable { id: ids.get(*row), error, line: line(*row) }));
    }
    for (row, outcome) in evaluation.reported() {
        match outcome {
            RowOutcome::Unevaluable(error) => {
                rows.push((row, 1, SweepLine::Unevaluable { id: ids.get(row), error, line: line(row) }));
            }
            RowOutcome::Locked(rule) => {
                if let Some(id) = ids.get(row) {
                    rows.push((row, 3, SweepLine::Locked { id: Some(id), rule }));
                }
            }
            RowOutcome::Unlocked => {}
        }
    }
    for row in ids.missing(b.batch.num_rows()) {
        rows.push((row, 2, SweepLine::Unevaluable { id: None, error: missing_id(), line: line(row) }));
    }
    rows.sort_by_key(|(row, priority, _)| (*row, *priority));
    rows.dedup_by_key(|(row, _, _)| *row);
    for (_, _, l) in rows {
        match l {
            SweepLine::Locked { .. } => stats.locked += 1,
            SweepLine::Unevaluable { .. } => stats.errors += 1,
        }
        emit(plan, l)?;
    }
    stats.records += b.batch.num_rows() as u64;
    Ok(())
}
