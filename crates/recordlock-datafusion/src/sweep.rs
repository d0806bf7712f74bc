//! Sweeps of files on DataFusion: Parquet read and filtered by DataFusion itself (locally or
//! on a Ballista cluster), JSON Lines and CSV read by recordlock into Arrow batches.
//!
//! Output is the JSON Lines sweep's, line for line: `{"id", "rule": {"id", "name"}}` for each
//! record a rule locks and `{"id", "error": {...}}` for each that cannot be evaluated, in
//! input order within a file, files in name order.
//!
//! - **Parquet**: `SELECT id, <CASE>, file_row_index() FROM file WHERE <some rule holds> OR
//!   id IS NULL`. The filter is an OR of the rules, so row groups whose statistics rule every
//!   rule out are skipped. Locally the scan is split into windows of row groups, a few run in
//!   parallel and printed in file order (`windows.rs`: no sort, memory bounded by the windows
//!   in flight); `file_row_index()` numbers the error lines. On a cluster, one partition per
//!   file. Columns are typed: one whose type cannot hold its field exactly fails the sweep
//!   before it starts (naming the column), so no row can hold a value of the wrong type.
//! - **Parquet with text for typed fields** (RFC 3339 datetimes, decimal digits...; swept
//!   locally): read by recordlock and typed as the columnar engine reads them
//!   (`typing.rs`), datetimes as exact instant keys (leap seconds included), then
//!   evaluated by DataFusion batch by batch, in order. A cluster refuses such a file,
//!   naming the column.
//! - **JSON Lines**: each line is read by recordlock's ingestor (so errors are the JSON Lines
//!   sweep's own), a chunk of lines becomes one batch, and DataFusion evaluates the rules.
//! - **CSV**: a header row names the fields; each row is read as a record whose values are
//!   the cells' text (an empty cell is empty; a multi-select cell lists options separated by
//!   `;`), then as JSON Lines.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, UInt64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{Field, Int32Type, Schema, UInt64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::functions::expr_fn::file_row_index;
use datafusion::logical_expr::{cast, lit};
use datafusion::parquet::file::metadata::ParquetMetaData;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{DataFrame, Expr, ParquetReadOptions, SessionContext, ident};
use datafusion::scalar::ScalarValue;
use recordlock::criteria::{JsonPath, RecordError, Row};
use recordlock::lines::{LineRead, read_line_bounded};
use recordlock::{Policy, RuleScope, RuleSet};
use serde_json::{Map, Value as Json, json};

use crate::engine::session;
use crate::error::Error;
use crate::lower::{UNEVALUABLE, lower};
use crate::typing::{needs_typing, typed_batch};
use crate::windows;
use recordlock_arrow::mapping::{MappingOptions, map_columns};
use recordlock_arrow::read::{self, Part};
use recordlock_arrow::records::{ID_COLUMN, Read, RecordsBuilder, record_error_json};
use recordlock_arrow::sweep::LineWriter;

/// The row's position in its Parquet file.
const ROW_COLUMN: &str = "__recordlock_row";

/// Files swept at a time on a cluster.
const CLUSTER_JOBS: usize = 4;

/// Records per batch for JSON Lines and CSV.
const CHUNK: usize = 8192;

/// A file format, from the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.parquet`
    Parquet,
    /// `.csv`
    Csv,
    /// `.jsonl`, `.ndjson`, `.json`
    JsonLines,
}

impl Format {
    /// The format of `path`, by extension.
    pub fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// The files of `spec`, in name order: a file, every file of a known format under a
/// directory (recursively, e.g. a Hive-partitioned dataset), or the matches of a glob.
///
/// # Errors
/// [`Error::Input`] for a path that names nothing, a bad glob, or no file of a known format.
pub fn input_files(spec: &str) -> Result<Vec<(PathBuf, Format)>, Error> {
    let path = Path::new(spec);
    let mut found: Vec<PathBuf> = Vec::new();
    if path.is_file() {
        found.push(path.to_path_buf());
    } else if path.is_dir() {
        walk(path, &mut found)?;
    } else {
        let matches = glob::glob(spec).map_err(|e| Error::Input(format!("`{spec}`: {e}")))?;
        for m in matches {
            let m = m.map_err(|e| Error::Input(e.to_string()))?;
            if m.is_dir() {
                walk(&m, &mut found)?;
            } else {
                found.push(m);
            }
        }
    }
    found.sort();
    found.dedup();
    let mut files = Vec::new();
    for f in found {
        match Format::of(&f) {
            Some(format) => files.push((f, format)),
            // A file named explicitly must be readable; others in a directory are skipped.
            None if path.is_file() => {
                return Err(Error::Input(format!(
                    "`{}`: unknown format (expected .parquet, .csv, .jsonl, .ndjson or .json)",
                    f.display()
                )));
            }
            None => {}
        }
    }
    if files.is_empty() {
        return Err(Error::Input(format!("`{spec}`: no .parquet, .csv or JSON Lines file")));
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::Input(format!("`{}`: {e}", dir.display())))?;
    for entry in entries {
        let p = entry.map_err(|e| Error::Input(e.to_string()))?.path();
        let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Counts at the end of a sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records read (for Parquet, the files' row counts).
    pub records: u64,
    /// Records a rule locks.
    pub locked: u64,
    /// Records that cannot be evaluated.
    pub errors: u64,
}

/// Where a sweep's lines go: the rules' line writer, the caller's `emit`, the counts so far
/// and whom to tell after each batch.
struct Output<'o> {
    writer: LineWriter,
    /// How many rules there are.
    rules: usize,
    emit: &'o mut dyn FnMut(&[u8]) -> io::Result<()>,
    stats: Stats,
    progress: &'o mut dyn FnMut(&Stats),
    /// A batch's lines, reused from batch to batch.
    lines: Vec<u8>,
}

impl<'o> Output<'o> {
    fn new(
        rules: &RuleSet,
        emit: &'o mut dyn FnMut(&[u8]) -> io::Result<()>,
        progress: &'o mut dyn FnMut(&Stats),
    ) -> Output<'o> {
        Output {
            writer: LineWriter::for_rules(rules),
            rules: rules.rules().len(),
            emit,
            stats: Stats::default(),
            progress,
            lines: Vec::new(),
        }
    }

    /// Writes the output lines of a result batch: `id`, `rule` ([`Lowered::first_match`]),
    /// `error`, and `row` (the 0-based row in the file) when the input has rows, not lines.
    /// Rows without an id are error lines (no lock could be applied to them), after rows
    /// that cannot be evaluated, as in the columnar engine.
    fn batch(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        let column = |name: &str| batch.column_by_name(name).ok_or_else(|| Error::Input(format!("no `{name}` column")));
        let ids = column("id")?.as_string_opt::<i32>().ok_or_else(|| Error::Input("id is not text".into()))?;
        let matched =
            column("rule")?.as_primitive_opt::<Int32Type>().ok_or_else(|| Error::Input("rule is not Int32".into()))?;
        let errors = column("error")?.as_string_opt::<i32>();
        let rows = batch.column_by_name("row").and_then(|r| r.as_primitive_opt::<UInt64Type>());
        self.lines.clear();
        for i in 0..batch.num_rows() {
            let id = ids.is_valid(i).then(|| ids.value(i));
            let rule = matched.is_valid(i).then(|| matched.value(i));
            let line = rows.filter(|r| r.is_valid(i)).map(|r| r.value(i).saturating_add(1));
            let mut error = match (rule, id) {
                (Some(UNEVALUABLE), _) => errors
                    .filter(|e| e.is_valid(i))
                    .and_then(|e| serde_json::from_str::<Map<String, Json>>(e.value(i)).ok())
                    .unwrap_or_default(),
                (_, None) => {
                    let mut error = Map::new();
                    error.insert("error".to_owned(), record_error_json(RecordError::missing_id()));
                    error
                }
                (Some(n), Some(id)) => {
                    let rule = usize::try_from(n)
                        .ok()
                        .filter(|n| *n < self.rules)
                        .ok_or_else(|| Error::Input(format!("rule index {n} out of range")))?;
                    self.stats.locked += 1;
                    self.writer.write_locked(&mut self.lines, Some(id), rule).map_err(Error::Output)?;
                    continue;
                }
                (None, Some(_)) => continue,
            };
            self.stats.errors += 1;
            error.insert("id".to_owned(), id.map_or(Json::Null, |id| Json::String(id.to_owned())));
            if let Some(line) = line {
                error.entry("line").or_insert(Json::from(line));
            }
            serde_json::to_writer(&mut self.lines, &error).map_err(|e| Error::Output(e.into()))?;
            self.lines.push(b'\n');
        }
        if !self.lines.is_empty() {
            (self.emit)(&self.lines).map_err(Error::Output)?;
        }
        (self.progress)(&self.stats);
        Ok(())
    }
}

/// A sweep of files with one policy and scope.
pub struct Sweep<'a> {
    /// The policy (its ingestor reads JSON Lines and CSV records).
    pub policy: &'a Policy,
    /// Which rules apply.
    pub scope: RuleScope,
    /// The session Parquet files are read in: local ([`session`]) or a Ballista cluster's.
    pub ctx: &'a SessionContext,
    /// Whether `ctx` is a cluster's (JSON Lines and CSV are then refused: recordlock reads
    /// them itself, in this process).
    pub remote: bool,
}

impl Sweep<'_> {
    /// Sweeps `files` in order, calling `emit` with the output: complete lines (each JSON text
    /// ending in `\n`, as `recordlock sweep` prints them), a batch's lines at a time, in order.
    ///
    /// # Errors
    /// Input, lowering and DataFusion errors; `emit`'s I/O errors stop the sweep.
    pub async fn run(
        &self,
        files: &[(PathBuf, Format)],
        emit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Stats, Error> {
        self.run_with_progress(files, emit, &mut |_| {}).await
    }

    /// As [`Sweep::run`], calling `progress` with the counts so far after each batch.
    ///
    /// # Errors
    /// As [`Sweep::run`].
    pub async fn run_with_progress(
        &self,
        files: &[(PathBuf, Format)],
        emit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        progress: &mut dyn FnMut(&Stats),
    ) -> Result<Stats, Error> {
        let rules = self.policy.rule_set(self.scope);
        let mut out = Output::new(&rules, emit, progress);
        if self.remote {
            self.cluster(&rules, files, &mut out).await?;
            return Ok(out.stats);
        }
        for (i, (path, format)) in files.iter().enumerate() {
            match format {
                Format::Parquet => self.parquet(&rules, i, path, &mut out).await?,
                Format::JsonLines => self.json_lines(&rules, path, &mut out).await?,
                Format::Csv => self.csv(&rules, path, &mut out).await?,
            }
        }
        Ok(out.stats)
    }

    /// On a cluster: one job per file, each of one partition (so its rows come back in file
    /// order: a distributed plan cannot carry `file_row_index()`), up to
    /// [`CLUSTER_JOBS`] files at a time, printed in file order.
    async fn cluster(&self, rules: &RuleSet, files: &[(PathBuf, Format)], out: &mut Output<'_>) -> Result<(), Error> {
        use futures::StreamExt;
        if let Some((path, _)) = files.iter().find(|(_, f)| *f != Format::Parquet) {
            return Err(Error::Input(format!(
                "`{}`: a cluster sweeps Parquet; JSON Lines and CSV are swept locally (drop --cluster)",
                path.display()
            )));
        }
        let jobs = files.iter().enumerate().map(|(i, (path, _))| self.cluster_file(rules, i, path, true));
        let mut results = futures::stream::iter(jobs).buffered(CLUSTER_JOBS);
        let mut index = 0;
        while let Some(result) = results.next().await {
            let (rows, mut batches) = result?;
            if batches.iter().any(has_error_lines) {
                // An error line carries its row, which a distributed plan cannot compute:
                // the file again, unfiltered (rare: a record without an id, a fraction in
                // an integer field), its rows numbered here as they come back in order.
                let path = files.get(index).map(|(p, _)| p.as_path()).unwrap_or(Path::new(""));
                batches = self.cluster_file(rules, index, path, false).await?.1;
            }
            out.stats.records += rows;
            for b in &batches {
                out.batch(b)?;
            }
            index += 1;
        }
        Ok(())
    }

    /// File `path` swept on the cluster: its row count and the result batches, `filtered`
    /// (only the rows the sweep reports) or every row, numbered (a `row` column).
    async fn cluster_file(
        &self,
        rules: &RuleSet,
        index: usize,
        path: &Path,
        filtered: bool,
    ) -> Result<(u64, Vec<RecordBatch>), Error> {
        let table = format!("recordlock_input_{index}");
        let location = std::path::absolute(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let location = location.to_str().ok_or_else(|| Error::Input(format!("`{}`: not UTF-8", path.display())))?;
        self.ctx.register_parquet(table.as_str(), location, ParquetReadOptions::default()).await?;
        let result = async {
            let df = self.ctx.table(table.as_str()).await?;
            let schema = df.schema().as_arrow().clone();
            let lowered = lower(rules, &schema).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
            let df = if filtered { df.filter(lowered.reported.or(id_missing(&schema)))? } else { df };
            let df = df.select(vec![
                id_text(&schema).alias("id"),
                lowered.first_match.alias("rule"),
                lowered.error.alias("error"),
            ])?;
            let batches = df.collect().await?;
            let batches = if filtered { batches } else { numbered(batches)? };
            Ok::<_, Error>((parquet_rows(path)?, batches))
        }
        .await;
        self.ctx.deregister_table(table.as_str())?;
        result
    }

    async fn parquet(&self, rules: &RuleSet, index: usize, path: &Path, out: &mut Output<'_>) -> Result<(), Error> {
        let table = format!("recordlock_input_{index}");
        let location = std::path::absolute(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let location = location.to_str().ok_or_else(|| Error::Input(format!("`{}`: not UTF-8", path.display())))?;
        if !self.remote && needs_typing(rules, &parquet_schema(path)?) {
            return self.parquet_typed(rules, path, out).await;
        }
        self.ctx.register_parquet(table.as_str(), location, ParquetReadOptions::default()).await?;
        let result = self.parquet_query(rules, &table, path, out).await;
        self.ctx.deregister_table(table.as_str())?;
        result
    }

    /// The sweep's query on the Parquet table `table` (file `path`), its windows run in
    /// parallel and printed in file order ([`crate::windows`]).
    async fn parquet_query(
        &self,
        rules: &RuleSet,
        table: &str,
        path: &Path,
        out: &mut Output<'_>,
    ) -> Result<(), Error> {
        let plan = parquet_plan(self.ctx, rules, table, path).await?;
        out.stats.records += parquet_rows(path)?;
        // As many windows ahead as the columnar engine reads (twice the threads): the
        // threads stay busy while the earliest window still runs.
        let ahead = 2 * self.ctx.copied_config().target_partitions();
        windows::in_order(plan, self.ctx.task_ctx(), ahead, |batch| out.batch(batch)).await
    }

    /// A Parquet file with text columns for typed fields ([`crate::typing`]): read by
    /// recordlock (only the columns the rules read), typed, and evaluated batch by batch.
    async fn parquet_typed(&self, rules: &RuleSet, path: &Path, out: &mut Output<'_>) -> Result<(), Error> {
        use datafusion::parquet::arrow::ProjectionMask;
        use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let where_ = |e: &dyn std::fmt::Display| Error::Input(format!("`{}`: {e}", path.display()));
        let file = std::fs::File::open(path).map_err(|e| where_(&e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| where_(&e))?;
        let mapping = map_columns(rules.schema(), &rules.reads(), builder.schema(), &MappingOptions::default())
            .map_err(|e| where_(&e))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), mapping.projection());
        let reader = builder.with_projection(mask).with_batch_size(CHUNK).build().map_err(|e| where_(&e))?;
        let mut first_row = 0u64;
        for batch in reader {
            let batch = batch.map_err(|e| where_(&e))?;
            let rows = u64::try_from(batch.num_rows()).unwrap_or(u64::MAX);
            let typed = typed_batch(rules, &batch, first_row, &[]).map_err(|e| where_(&e))?;
            evaluate_batch(rules, typed, Some(first_row), out).await?;
            first_row += rows;
        }
        Ok(())
    }

    async fn json_lines(&self, rules: &RuleSet, path: &Path, out: &mut Output<'_>) -> Result<(), Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        self.lines(rules, &mut BufReader::with_capacity(1 << 20, file), out).await.map_err(|e| match e {
            Error::Input(why) => Error::Input(format!("`{}`: {why}", path.display())),
            other => other,
        })
    }

    /// Sweeps JSON Lines from `input` (stdin, say), as [`Sweep::run`] sweeps a `.jsonl` file.
    ///
    /// # Errors
    /// As [`Sweep::run`].
    pub async fn run_lines(
        &self,
        input: &mut dyn BufRead,
        emit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Stats, Error> {
        self.run_lines_with_progress(input, emit, &mut |_| {}).await
    }

    /// As [`Sweep::run_lines`], calling `progress` with the counts so far after each batch.
    ///
    /// # Errors
    /// As [`Sweep::run`].
    pub async fn run_lines_with_progress(
        &self,
        input: &mut dyn BufRead,
        emit: &mut dyn FnMut(&[u8]) -> io::Result<()>,
        progress: &mut dyn FnMut(&Stats),
    ) -> Result<Stats, Error> {
        let rules = self.policy.rule_set(self.scope);
        let mut out = Output::new(&rules, emit, progress);
        self.lines(&rules, input, &mut out).await?;
        Ok(out.stats)
    }

    async fn lines(&self, rules: &RuleSet, input: &mut dyn BufRead, out: &mut Output<'_>) -> Result<(), Error> {
        let mut reader = Records::new(self.policy, self.scope);
        let mut buf = Vec::new();
        let mut builder = RecordsBuilder::new(rules);
        let mut number = 0u64;
        loop {
            buf.clear();
            let read = read_line_bounded(input, &mut buf, self.policy.limits().record_bytes)
                .map_err(|e| Error::Input(e.to_string()))?;
            number += 1;
            match read {
                LineRead::Eof => break,
                LineRead::TooLong => reader.too_long(number, &mut builder)?,
                LineRead::Line if buf.iter().all(u8::is_ascii_whitespace) => continue,
                LineRead::Line => reader.line(number, &buf, &mut builder)?,
            }
            if builder.len() >= CHUNK {
                let full = std::mem::replace(&mut builder, RecordsBuilder::new(rules));
                evaluate(rules, full, out).await?;
            }
        }
        evaluate(rules, builder, out).await
    }

    /// A CSV file as a CRM export writes it, read by the columnar engine's reader
    /// ([`recordlock_arrow::read::csv`]: the header's API names, `Field.id` lookups, a row's
    /// unreadable cells) and typed as a Parquet file's text columns are.
    async fn csv(&self, rules: &RuleSet, path: &Path, out: &mut Output<'_>) -> Result<(), Error> {
        let where_ = |e: &dyn std::fmt::Display| Error::Input(format!("`{}`: {e}", path.display()));
        let source = read::csv(path, rules, MappingOptions::default()).map_err(|e| where_(&e))?;
        let mut first_row = 0u64;
        for part in source.parts {
            // The CSV reader reads every batch itself (no deferred or skipped parts).
            let Part::Batch(b) = part.map_err(|e| Error::Input(e.to_string()))? else {
                return Err(where_(&"the CSV reader skipped rows"));
            };
            let rows = u64::try_from(b.batch.num_rows()).unwrap_or(u64::MAX);
            let typed = typed_batch(rules, &b.batch, first_row, &b.unreadable).map_err(|e| where_(&e))?;
            evaluate_batch(rules, typed, Some(first_row), out).await?;
            first_row += rows;
        }
        Ok(())
    }
}

/// The query a local sweep runs on the Parquet table `table` (registered in `ctx`):
/// `SELECT id, <CASE> AS rule, <error> AS error, file_row_index() AS row WHERE <some rule
/// holds> OR id IS NULL`. The filter is pushed into the scan, so row groups (and pages)
/// whose statistics rule out every rule are never read. Its rows come in file order within
/// each of the scan's partitions; [`parquet_plan`] makes those partitions windows of row
/// groups, in file order.
///
/// # Errors
/// Lowering (a column the rules cannot read) and DataFusion errors.
pub async fn parquet_frame(ctx: &SessionContext, rules: &RuleSet, table: &str) -> Result<DataFrame, Error> {
    let df = ctx.table(table).await?;
    let schema = df.schema().as_arrow().clone();
    let lowered = lower(rules, &schema)?;
    let id = id_text(&schema);
    // The row index in a projection right on the scan (the Parquet reader computes it),
    // the filter pushed into the scan (pruning), then the CASE: a projection merged into
    // the scan's must hold nothing but columns and the row index.
    let mut columns: Vec<Expr> = schema.fields().iter().map(|f| ident(f.name())).collect();
    columns.push(file_row_index().alias(ROW_COLUMN));
    let reported = lowered.reported.or(id_missing(&schema));
    Ok(df.select(columns)?.filter(reported)?.select(vec![
        id.alias("id"),
        lowered.first_match.alias("rule"),
        lowered.error.alias("error"),
        cast(ident(ROW_COLUMN), DataType::UInt64).alias("row"),
    ])?)
}

/// The physical plan a local sweep runs for the Parquet file `path`, registered in `ctx` as
/// `table`: [`parquet_frame`]'s, its scan split into one partition per window of row groups,
/// in file order (partition `i` holds the reported rows of the file's `i`-th window, in order).
///
/// # Errors
/// As [`parquet_frame`]; the file's footer cannot be read.
pub async fn parquet_plan(
    ctx: &SessionContext,
    rules: &RuleSet,
    table: &str,
    path: &Path,
) -> Result<Arc<dyn ExecutionPlan>, Error> {
    let where_ = |e: &dyn std::fmt::Display| Error::Input(format!("`{}`: {e}", path.display()));
    let df = parquet_frame(ctx, rules, table).await.map_err(|e| where_(&e))?;
    let footer = parquet_footer(path)?;
    // Windows of WINDOW_ROWS rows, or of a 16th of a smaller file (still swept in parallel).
    let rows = u64::try_from(footer.file_metadata().num_rows()).unwrap_or(0);
    let min_rows = windows::WINDOW_ROWS.min(rows / 16);
    windows::windowed(df.create_physical_plan().await?, footer.row_groups(), min_rows).map_err(|e| where_(&e))
}

/// Reads record lines with the policy's ingestor, as the JSON Lines sweep does.
struct Records<'p> {
    policy: &'p Policy,
    scope: RuleScope,
    row: Row,
}

impl<'p> Records<'p> {
    fn new(policy: &'p Policy, scope: RuleScope) -> Records<'p> {
        Records { policy, scope, row: policy.new_row() }
    }

    fn too_long(&mut self, number: u64, builder: &mut RecordsBuilder) -> Result<(), Error> {
        let limit = self.policy.limits().record_bytes;
        let error =
            recordlock::criteria::Error::limit_exceeded(&JsonPath::root(), "the size of a record in bytes", limit);
        let error = json!({"error": error, "line": number});
        builder.push(Read::Refused { id: None, error: &error });
        Ok(())
    }

    /// Reads the record on input line `number` (1-based), as the JSON Lines sweep does.
    fn line(&mut self, number: u64, line: &[u8], builder: &mut RecordsBuilder) -> Result<(), Error> {
        // The line ending is not part of the record (as in the JSON Lines sweep).
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self.policy.ingest_record_for(self.scope, line, &mut self.row) {
            Err(e) => {
                let error = json!({"error": record_error_json(e), "line": number});
                builder.push(Read::Refused { id: self.row.record_id(), error: &error });
                Ok(())
            }
            Ok(()) => {
                // The ingestor checked every value it reads (UTF-8 included); values it
                // skips may be invalid UTF-8, which a lossy read leaves out of the fields read.
                let text = String::from_utf8_lossy(line);
                let record: Json = serde_json::from_str(&text).map_err(|e| Error::Input(e.to_string()))?;
                builder.push(Read::Fine { id: self.row.record_id(), row: &self.row, record: &record });
                Ok(())
            }
        }
    }
}

/// Evaluates one batch of records on a one-partition session (rows stay in order).
async fn evaluate(rules: &RuleSet, builder: RecordsBuilder, out: &mut Output<'_>) -> Result<(), Error> {
    if builder.is_empty() {
        return Ok(());
    }
    evaluate_batch(rules, builder.finish()?, None, out).await
}

/// Evaluates one batch (recordlock's, or a typed Parquet or CSV batch whose rows follow
/// `first_row` rows of their file) on a one-partition session (rows stay in order).
async fn evaluate_batch(
    rules: &RuleSet,
    batch: RecordBatch,
    first_row: Option<u64>,
    out: &mut Output<'_>,
) -> Result<(), Error> {
    out.stats.records += u64::try_from(batch.num_rows()).unwrap_or(u64::MAX);
    let schema = batch.schema();
    let lowered = lower(rules, schema.as_ref())?;
    let mut columns =
        vec![id_text(&schema).alias("id"), lowered.first_match.alias("rule"), lowered.error.alias("error")];
    let batch = match first_row {
        None => batch,
        Some(first) => {
            // The row in the file, for the lines of rows without an id.
            columns.push(ident(ROW_COLUMN).alias("row"));
            with_row_numbers(&batch, first, ROW_COLUMN)?
        }
    };
    let ctx = session(1);
    let df = ctx.read_batch(batch)?.filter(lowered.reported.or(id_missing(&schema)))?.select(columns)?;
    for b in df.collect().await? {
        out.batch(&b)?;
    }
    Ok(())
}

/// Whether a result batch holds a row the sweep reports as an error line.
fn has_error_lines(batch: &RecordBatch) -> bool {
    let ids = batch.column_by_name("id");
    let rules = batch.column_by_name("rule").and_then(|r| r.as_primitive_opt::<Int32Type>());
    ids.is_some_and(|ids| ids.null_count() > 0) || rules.is_some_and(|r| r.iter().any(|v| v == Some(UNEVALUABLE)))
}

/// `batches` (every row of a file, in order) with a `row` column: each row's 0-based
/// position.
fn numbered(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, Error> {
    let mut first = 0u64;
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        out.push(with_row_numbers(&b, first, "row")?);
        first = first.saturating_add(u64::try_from(b.num_rows()).unwrap_or(u64::MAX));
    }
    Ok(out)
}

/// `batch` with a column `name` numbering its rows from `first` on.
fn with_row_numbers(batch: &RecordBatch, first: u64, name: &str) -> Result<RecordBatch, Error> {
    let numbers: UInt64Array = (first..).take(batch.num_rows()).collect();
    let schema = batch.schema();
    let mut fields: Vec<_> = schema.fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(name, DataType::UInt64, false)));
    let mut arrays = batch.columns().to_vec();
    arrays.push(Arc::new(numbers));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// TRUE for a row without an id (NULL; every row without an `id` column): no lock could be
/// applied to it, so the sweep reports it as an error line.
fn id_missing(schema: &datafusion::arrow::datatypes::Schema) -> Expr {
    match schema.field_with_name(ID_COLUMN) {
        Ok(_) => ident(ID_COLUMN).is_null(),
        Err(_) => lit(true),
    }
}

/// The record id as text (an integer id written in decimal), NULL without an `id` column.
fn id_text(schema: &datafusion::arrow::datatypes::Schema) -> Expr {
    match schema.field_with_name(ID_COLUMN) {
        Ok(_) => cast(ident(ID_COLUMN), DataType::Utf8),
        Err(_) => lit(ScalarValue::Utf8(None)),
    }
}

/// The Arrow schema of a Parquet file, from its footer.
fn parquet_schema(path: &Path) -> Result<datafusion::arrow::datatypes::Schema, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    let builder = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    Ok(builder.schema().as_ref().clone())
}

/// The footer of a Parquet file.
fn parquet_footer(path: &Path) -> Result<ParquetMetaData, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    let reader = datafusion::parquet::file::reader::SerializedFileReader::new(file)
        .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    use datafusion::parquet::file::reader::FileReader;
    Ok(reader.metadata().clone())
}

/// The row count of a Parquet file, from its footer.
fn parquet_rows(path: &Path) -> Result<u64, Error> {
    Ok(u64::try_from(parquet_footer(path)?.file_metadata().num_rows()).unwrap_or(0))
}
