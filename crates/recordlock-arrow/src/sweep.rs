//! Columnar sweeps: parts (batches, or Parquet row groups read where they are evaluated)
//! stream from a [`Source`], a window of them is read, evaluated and rendered in parallel
//! (rayon), and the reported rows come out in input order — the lines of
//! `recordlock sweep`, byte for byte: `{"id","rule":{"id","name"}}` for a locked row,
//! `{"error","id","line"}` for a row that cannot be evaluated (`line`: its 1-based row
//! number). Every row read is counted in [`SweepStats`].

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{OnceLock, mpsc};

use recordlock::RuleSet;
use recordlock::criteria::{Error, RecordError};
use serde_json::json;

use crate::mapping::MappingError;
use crate::plan::{ColumnarPlan, Evaluation, RowId, RowOutcome};
use crate::read::{Part, Source, SourceBatch};

/// Counts of a sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Rows read.
    pub records: u64,
    /// Rows a rule locks.
    pub locked: u64,
    /// Rows that cannot be evaluated (or read).
    pub errors: u64,
    /// Rows counted without being read: in row groups whose statistics prove that no rule
    /// holds and no row is an error (included in `records`).
    pub skipped: u64,
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
        id: Option<RowId<'a>>,
        /// The rule's index in the plan's rules.
        rule: usize,
    },
    /// The row cannot be evaluated.
    Unevaluable {
        /// The record id, when it could be read.
        id: Option<RowId<'a>>,
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
    /// Bytes a lock line of a 20-character id takes at most: what a batch's output reserves
    /// for each reported row, so the buffer is not grown (and copied) again and again.
    line_bytes: usize,
}

impl LineWriter {
    /// A writer for `plan`'s rules.
    pub fn new(plan: &ColumnarPlan) -> LineWriter {
        LineWriter::for_rules(plan.rules())
    }

    /// A writer for `rules` (another engine's sweep writes the same lines).
    pub fn for_rules(rules: &RuleSet) -> LineWriter {
        let rules: Vec<String> = rules.rules().iter().map(|r| r.to_json().to_string()).collect();
        let line_bytes =
            rules.iter().map(String::len).max().unwrap_or(4) + r#"{"id":"12345678901234567890","rule":}"#.len() + 1;
        LineWriter { rules, line_bytes }
    }

    /// Writes the line of a row that rule `rule` (its index in the rules) locks, and a newline.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_locked(&self, out: &mut impl Write, id: Option<&str>, rule: usize) -> io::Result<()> {
        out.write_all(b"{\"id\":")?;
        match id {
            Some(id) if written_as_is(id) => {
                out.write_all(b"\"")?;
                out.write_all(id.as_bytes())?;
                out.write_all(b"\"")?;
            }
            _ => serde_json::to_writer(&mut *out, &id)?,
        }
        out.write_all(b",\"rule\":")?;
        out.write_all(self.rules.get(rule).map_or("null", String::as_str).as_bytes())?;
        out.write_all(b"}\n")
    }

    /// Writes `line` and a newline.
    ///
    /// # Errors
    /// The writer's.
    pub fn write(&self, out: &mut impl Write, line: &SweepLine<'_>) -> io::Result<()> {
        match line {
            SweepLine::Locked { id: Some(id), rule } => id.with_text(|t| self.write_locked(out, Some(t), *rule)),
            SweepLine::Locked { id: None, rule } => self.write_locked(out, None, *rule),
            SweepLine::Unevaluable { id, error, line } => {
                serde_json::to_writer(&mut *out, &json!({"id": id, "error": error, "line": line}))?;
                out.write_all(b"\n")
            }
        }
    }
}

/// Whether JSON writes `text` as itself between quotes: no quote, backslash or control
/// character, the only characters serde_json escapes (record ids are digits, as a rule).
fn written_as_is(text: &str) -> bool {
    // No early exit, so the loop is vectorised: ids are short.
    !text.bytes().fold(false, |escaped, b| escaped | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// Sweeps `source`: reads and evaluates up to `window` parts at once in parallel (in the
/// current rayon pool), each part's reported rows rendered by `writer` on the thread that
/// evaluated them, and hands `output` each part's lines in input order as soon as the parts
/// before it are out; `progress` after each part. A new part starts as soon as one is out, so
/// no thread waits for the slowest part of a group, and memory stays bounded by `window`
/// parts.
///
/// Returns the counts of what was swept and, if the sweep stopped early, why: a read error
/// part way (the rows before are output and counted) or `output`'s error.
pub fn sweep(
    source: Source,
    window: usize,
    writer: &LineWriter,
    mut output: impl FnMut(&[u8]) -> io::Result<()>,
    mut progress: impl FnMut(&SweepStats),
) -> (SweepStats, Result<(), SweepError>) {
    let mut stats = SweepStats::default();
    let Source { plan, name, mut parts } = source;
    let (plan, window) = (&plan, window.max(1));
    // Parts stop starting once the output has failed.
    let stopping = AtomicBool::new(false);
    let stopping = &stopping;
    let (done, finished) = mpsc::channel::<(usize, Option<Swept>)>();
    let result = rayon::in_place_scope_fifo(|scope| {
        // Parts started, parts output, the next part's first row, and parts done out of order.
        let (mut started, mut out, mut next_row) = (0usize, 0usize, 0u64);
        let mut waiting: BTreeMap<usize, Option<Swept>> = BTreeMap::new();
        let mut failure: Option<SweepError> = None;
        loop {
            while failure.is_none() && started - out < window {
                match parts.next() {
                    Some(Ok(part)) => {
                        let (index, first) = (started, next_row);
                        next_row += part.rows();
                        // Sends the part's result, or `None` if the part's work panicked (so
                        // the loop below never waits for a message that cannot come).
                        let reply = Reply { index, swept: None, done: done.clone() };
                        scope.spawn_fifo(move |_| {
                            // The whole reply moves here (not only the field set below).
                            let mut reply = reply;
                            if !stopping.load(Ordering::Relaxed) {
                                reply.swept = Some(sweep_part(plan, part, first, writer));
                            }
                        });
                        started += 1;
                    }
                    Some(Err(e)) => failure = Some(e),
                    None => break,
                }
            }
            if out == started {
                break failure.map_or(Ok(()), Err);
            }
            let part = loop {
                if let Some(part) = waiting.remove(&out) {
                    break part;
                }
                match receive(&finished) {
                    // No message can come (not possible while this loop holds a sender).
                    (usize::MAX, _) => break None,
                    (index, part) => waiting.insert(index, part),
                };
            };
            out += 1;
            let stopped = match part {
                None => Some(SweepError::Read {
                    path: name.clone(),
                    after_rows: stats.records,
                    message: "a part's evaluation failed".to_owned(),
                }),
                Some(part) => {
                    part.bytes.iter().try_for_each(|b| output(b)).map_err(SweepError::Output).err().or_else(|| {
                        stats.records += part.stats.records;
                        stats.locked += part.stats.locked;
                        stats.errors += part.stats.errors;
                        stats.skipped += part.stats.skipped;
                        part.failure.map(|f| f.at(&name, stats.records))
                    })
                }
            };
            if let Some(e) = stopped {
                stopping.store(true, Ordering::Relaxed);
                break Err(e);
            }
            progress(&stats);
        }
    });
    (stats, result)
}

/// A part's result on its way to the sweep's loop: sent when dropped, so a part whose work
/// panicked still answers (with `None`).
struct Reply {
    index: usize,
    swept: Option<Swept>,
    done: mpsc::Sender<(usize, Option<Swept>)>,
}

impl Drop for Reply {
    fn drop(&mut self) {
        // The loop has stopped listening only after an error: nothing is lost.
        let _ = self.done.send((self.index, self.swept.take()));
    }
}

/// The next part's result. On a thread of the pool, runs the pool's pending work while none
/// has arrived (that thread is one of the sweep's workers); elsewhere, or with nothing to
/// run, waits.
fn receive(finished: &mpsc::Receiver<(usize, Option<Swept>)>) -> (usize, Option<Swept>) {
    loop {
        match finished.try_recv() {
            Ok(message) => return message,
            Err(mpsc::TryRecvError::Disconnected) => return (usize::MAX, None),
            Err(mpsc::TryRecvError::Empty) => {}
        }
        if rayon::yield_now() != Some(rayon::Yield::Executed) {
            // Nothing to run here: every started part is on another thread.
            return finished.recv().unwrap_or((usize::MAX, None));
        }
    }
}

/// A part swept: its rendered lines, counts, and what stopped it part way.
struct Swept {
    /// Each batch's lines, in a buffer sized for them (one buffer for the part would be
    /// grown, and copied, again and again).
    bytes: Vec<Vec<u8>>,
    stats: SweepStats,
    failure: Option<PartFailure>,
}

impl Swept {
    /// Counts a reported row in the part's summary.
    fn count(&mut self, line: &SweepLine<'_>) {
        match line {
            SweepLine::Locked { .. } => self.stats.locked += 1,
            SweepLine::Unevaluable { .. } => self.stats.errors += 1,
        }
    }
}

enum PartFailure {
    Read(String),
    Mapping(MappingError),
    Output(io::Error),
}

impl PartFailure {
    /// The sweep's error, `after_rows` rows into the input.
    fn at(self, name: &str, after_rows: u64) -> SweepError {
        match self {
            PartFailure::Read(message) => SweepError::Read { path: name.to_owned(), after_rows, message },
            PartFailure::Mapping(e) => SweepError::Mapping(e),
            PartFailure::Output(e) => SweepError::Output(e),
        }
    }
}

/// Reads (if deferred) and evaluates one part whose first row is the input's row
/// `first` (0-based), rendering its reported rows.
fn sweep_part(plan: &ColumnarPlan, part: Part, first: u64, writer: &LineWriter) -> Swept {
    let mut swept = Swept { bytes: Vec::new(), stats: SweepStats::default(), failure: None };
    let one = |b: &SourceBatch, swept: &mut Swept| {
        let evaluation = match plan.evaluate(&b.batch) {
            Ok(e) => e,
            Err(e) => return Err(PartFailure::Mapping(e)),
        };
        report(plan, b, &evaluation, first, writer, swept).map_err(PartFailure::Output)
    };
    match part {
        Part::Batch(b) => swept.failure = one(&b, &mut swept).err(),
        Part::Skipped(rows) => {
            swept.stats.records = rows;
            swept.stats.skipped = rows;
        }
        Part::Deferred { rows, read } => {
            let batches = match read() {
                Ok(batches) => batches,
                Err(message) => {
                    swept.failure = Some(PartFailure::Read(message));
                    return swept;
                }
            };
            for b in batches {
                let result = match b {
                    Ok(b) => one(&b, &mut swept),
                    Err(message) => Err(PartFailure::Read(message)),
                };
                if let Err(f) = result {
                    swept.failure = Some(f);
                    return swept;
                }
            }
            if swept.stats.records != rows {
                let message = format!("a part of {rows} rows held {} rows", swept.stats.records);
                swept.failure = Some(PartFailure::Read(message));
            }
        }
    }
    swept
}

/// The error of a row without an id: a lock nobody could apply is never
/// reported, as in the JSON Lines sweep.
fn missing_id() -> &'static Error {
    static MISSING: OnceLock<Error> = OnceLock::new();
    MISSING.get_or_init(|| RecordError::missing_id().into())
}

/// Renders the reported rows of batch `b` (its rows follow the part's `swept.stats.records`
/// rows, the part's first row being the input's row `first`) and counts them.
fn report(
    plan: &ColumnarPlan,
    b: &SourceBatch,
    evaluation: &Evaluation,
    first: u64,
    writer: &LineWriter,
    swept: &mut Swept,
) -> io::Result<()> {
    let start = first + swept.stats.records;
    let ids = plan.ids(&b.batch);
    let line = |row: usize| start + row as u64 + 1;
    let missing = ids.missing(b.batch.num_rows());
    let reported = evaluation.locked() + evaluation.unevaluable() + b.unreadable.len() + missing.len();
    let mut bytes = Vec::with_capacity(reported.saturating_mul(writer.line_bytes));
    if b.unreadable.is_empty() && missing.is_empty() {
        // The common case: the evaluation's rows are all there is, in order.
        for (row, outcome) in evaluation.reported() {
            let l = match outcome {
                RowOutcome::Unevaluable(error) => SweepLine::Unevaluable { id: ids.get(row), error, line: line(row) },
                RowOutcome::Locked(rule) => SweepLine::Locked { id: ids.get(row), rule },
                RowOutcome::Unlocked => continue,
            };
            swept.count(&l);
            writer.write(&mut bytes, &l)?;
        }
        swept.bytes.push(bytes);
        swept.stats.records += b.batch.num_rows() as u64;
        return Ok(());
    }
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
    for row in missing {
        rows.push((row, 2, SweepLine::Unevaluable { id: None, error: missing_id(), line: line(row) }));
    }
    rows.sort_by_key(|(row, priority, _)| (*row, *priority));
    rows.dedup_by_key(|(row, _, _)| *row);
    for (_, _, l) in rows {
        swept.count(&l);
        writer.write(&mut bytes, &l)?;
    }
    swept.bytes.push(bytes);
    swept.stats.records += b.batch.num_rows() as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An id written without serde_json is written exactly as serde_json writes it: every
    /// ASCII character alone and inside digits, and text beyond ASCII.
    #[test]
    fn ids_are_written_as_serde_json_writes_them() {
        let writer = LineWriter { rules: vec!["{}".to_owned()], line_bytes: 40 };
        let mut ids: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        ids.extend((0u8..128).map(|b| format!("58431040{}0000123", char::from(b))));
        ids.extend(["", "5843104000100000000", "ß", "Σς", "İ", "\u{7f}", "\u{2028}", "a\"b\\c"].map(str::to_owned));
        for id in &ids {
            let mut ours = Vec::new();
            writer.write_locked(&mut ours, Some(id), 0).unwrap_or_else(|e| panic!("{e}"));
            let expected = format!("{{\"id\":{},\"rule\":{{}}}}\n", serde_json::to_string(id).unwrap_or_default());
            assert_eq!(String::from_utf8_lossy(&ours), expected, "{id:?}");
        }
    }
}
