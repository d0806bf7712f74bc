//! Sweeps of files on DataFusion: Parquet read and filtered by DataFusion itself (locally or
//! on a Ballista cluster), JSON Lines and CSV read by recordlock into Arrow batches.
//!
//! Output is the JSON Lines sweep's, line for line: `{"id", "rule": {"id", "name"}}` for each
//! record a rule locks and `{"id", "error": {...}}` for each that cannot be evaluated, in
//! input order within a file, files in name order.
//!
//! - **Parquet**: `SELECT id, <CASE> FROM file WHERE <some rule holds> ORDER BY
//!   file_row_index()`. The filter is an OR of the rules, so row groups whose statistics
//!   rule every rule out are skipped; `file_row_index()` (the row's position in its file)
//!   restores input order after DataFusion's parallel scan. Columns are typed: one whose type
//!   cannot hold its field exactly fails the sweep before it starts (naming the column), so
//!   no row can hold a value of the wrong type.
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

use datafusion::arrow::array::{Array, Int32Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::functions::expr_fn::file_row_index;
use datafusion::logical_expr::{cast, lit};
use datafusion::prelude::{DataFrame, Expr, ParquetReadOptions, SessionContext, ident};
use datafusion::scalar::ScalarValue;
use recordlock::criteria::{JsonPath, Row, TypeClass};
use recordlock::lines::{LineRead, read_line_bounded};
use recordlock::{Policy, RuleScope, RuleSet};
use serde_json::{Map, Value as Json, json};

use crate::engine::session;
use crate::error::Error;
use crate::lower::{UNEVALUABLE, lower};
use crate::typing::{needs_typing, typed_batch};
use recordlock_arrow::mapping::{MappingOptions, map_columns};
use recordlock_arrow::records::{ID_COLUMN, Read, RecordsBuilder, record_error_json};

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

/// The counts of a sweep so far, and whom to tell after each batch.
struct Tally<'p> {
    stats: Stats,
    progress: &'p mut dyn FnMut(&Stats),
}

impl Tally<'_> {
    fn tick(&mut self) {
        (self.progress)(&self.stats);
    }
}

impl std::ops::Deref for Tally<'_> {
    type Target = Stats;
    fn deref(&self) -> &Stats {
        &self.stats
    }
}

impl std::ops::DerefMut for Tally<'_> {
    fn deref_mut(&mut self) -> &mut Stats {
        &mut self.stats
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
    /// Sweeps `files` in order, calling `emit` with each output line.
    ///
    /// # Errors
    /// Input, lowering and DataFusion errors; `emit`'s I/O errors stop the sweep.
    pub async fn run(
        &self,
        files: &[(PathBuf, Format)],
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
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
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        progress: &mut dyn FnMut(&Stats),
    ) -> Result<Stats, Error> {
        let rules = self.policy.rule_set(self.scope);
        let mut stats = Tally { stats: Stats::default(), progress };
        if self.remote {
            self.cluster(&rules, files, emit, &mut stats).await?;
            return Ok(stats.stats);
        }
        for (i, (path, format)) in files.iter().enumerate() {
            match format {
                Format::Parquet => self.parquet(&rules, i, path, emit, &mut stats).await?,
                Format::JsonLines => self.json_lines(&rules, path, emit, &mut stats).await?,
                Format::Csv => self.csv(&rules, path, emit, &mut stats).await?,
            }
        }
        Ok(stats.stats)
    }

    /// On a cluster: one job per file, each of one partition (so its rows come back in file
    /// order: a distributed plan cannot carry `file_row_index()`), up to
    /// [`CLUSTER_JOBS`] files at a time, printed in file order.
    async fn cluster(
        &self,
        rules: &RuleSet,
        files: &[(PathBuf, Format)],
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
        use futures::StreamExt;
        if let Some((path, _)) = files.iter().find(|(_, f)| *f != Format::Parquet) {
            return Err(Error::Input(format!(
                "`{}`: a cluster sweeps Parquet; JSON Lines and CSV are swept locally (drop --cluster)",
                path.display()
            )));
        }
        let jobs = files.iter().enumerate().map(|(i, (path, _))| self.cluster_file(rules, i, path));
        let mut results = futures::stream::iter(jobs).buffered(CLUSTER_JOBS);
        while let Some(result) = results.next().await {
            let (rows, batches) = result?;
            stats.records += rows;
            for b in &batches {
                emit_batch(rules, b, emit, stats)?;
            }
        }
        Ok(())
    }

    async fn cluster_file(&self, rules: &RuleSet, index: usize, path: &Path) -> Result<(u64, Vec<RecordBatch>), Error> {
        let table = format!("recordlock_input_{index}");
        let location = std::path::absolute(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let location = location.to_str().ok_or_else(|| Error::Input(format!("`{}`: not UTF-8", path.display())))?;
        self.ctx.register_parquet(table.as_str(), location, ParquetReadOptions::default()).await?;
        let result = async {
            let df = self.ctx.table(table.as_str()).await?;
            let schema = df.schema().as_arrow().clone();
            let lowered = lower(rules, &schema).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
            let df = df.filter(lowered.reported)?.select(vec![
                id_text(&schema).alias("id"),
                lowered.first_match.alias("rule"),
                lowered.error.alias("error"),
            ])?;
            Ok::<_, Error>((parquet_rows(path)?, df.collect().await?))
        }
        .await;
        self.ctx.deregister_table(table.as_str())?;
        result
    }

    async fn parquet(
        &self,
        rules: &RuleSet,
        index: usize,
        path: &Path,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
        let table = format!("recordlock_input_{index}");
        let location = std::path::absolute(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        let location = location.to_str().ok_or_else(|| Error::Input(format!("`{}`: not UTF-8", path.display())))?;
        if !self.remote && needs_typing(rules, &parquet_schema(path)?) {
            return self.parquet_typed(rules, path, emit, stats).await;
        }
        self.ctx.register_parquet(table.as_str(), location, ParquetReadOptions::default()).await?;
        let result = self.parquet_query(rules, &table, path, emit, stats).await;
        self.ctx.deregister_table(table.as_str())?;
        result
    }

    async fn parquet_query(
        &self,
        rules: &RuleSet,
        table: &str,
        path: &Path,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
        let df = parquet_frame(self.ctx, rules, table)
            .await
            .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        stats.records += parquet_rows(path)?;
        let mut stream = df.execute_stream().await?;
        use futures::StreamExt;
        while let Some(batch) = stream.next().await {
            emit_batch(rules, &batch?, emit, stats)?;
        }
        Ok(())
    }

    /// A Parquet file with text columns for typed fields ([`crate::typing`]): read by
    /// recordlock (only the columns the rules read), typed, and evaluated batch by batch.
    async fn parquet_typed(
        &self,
        rules: &RuleSet,
        path: &Path,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
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
            let typed = typed_batch(rules, &batch, first_row).map_err(|e| where_(&e))?;
            evaluate_batch(rules, typed, emit, stats).await?;
            first_row += rows;
        }
        Ok(())
    }

    async fn json_lines(
        &self,
        rules: &RuleSet,
        path: &Path,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
        let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
        self.lines(rules, &mut BufReader::with_capacity(1 << 20, file), emit, stats).await.map_err(|e| match e {
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
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
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
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        progress: &mut dyn FnMut(&Stats),
    ) -> Result<Stats, Error> {
        let rules = self.policy.rule_set(self.scope);
        let mut stats = Tally { stats: Stats::default(), progress };
        self.lines(&rules, input, emit, &mut stats).await?;
        Ok(stats.stats)
    }

    async fn lines(
        &self,
        rules: &RuleSet,
        input: &mut dyn BufRead,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
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
                evaluate(rules, full, emit, stats).await?;
            }
        }
        evaluate(rules, builder, emit, stats).await
    }

    async fn csv(
        &self,
        rules: &RuleSet,
        path: &Path,
        emit: &mut dyn FnMut(&Json) -> io::Result<()>,
        stats: &mut Tally<'_>,
    ) -> Result<(), Error> {
        let where_ = |e: &dyn std::fmt::Display| Error::Input(format!("`{}`: {e}", path.display()));
        let mut csv = csv::ReaderBuilder::new().has_headers(true).from_path(path).map_err(|e| where_(&e))?;
        let headers: Vec<String> = csv.headers().map_err(|e| where_(&e))?.iter().map(str::to_owned).collect();
        let schema = self.policy.schema();
        let multi: Vec<bool> = headers
            .iter()
            .map(|h| schema.slot(h).is_some_and(|s| schema.field(s).data_type().class() == TypeClass::MultiPicklist))
            .collect();
        let mut reader = Records::new(self.policy, self.scope);
        let mut builder = RecordsBuilder::new(rules);
        for row in csv.records() {
            let row = row.map_err(|e| where_(&e))?;
            let mut record = Map::new();
            for ((h, cell), multi) in headers.iter().zip(row.iter()).zip(&multi) {
                let value = if cell.is_empty() {
                    Json::Null
                } else if *multi {
                    Json::Array(cell.split(';').map(|s| Json::String(s.to_owned())).collect())
                } else {
                    Json::String(cell.to_owned())
                };
                record.insert(h.clone(), value);
            }
            let text = Json::Object(record).to_string();
            // Line 1 is the header.
            let number = row.position().map_or(0, |p| p.line());
            reader.line(number, text.as_bytes(), &mut builder)?;
            if builder.len() >= CHUNK {
                let full = std::mem::replace(&mut builder, RecordsBuilder::new(rules));
                evaluate(rules, full, emit, stats).await?;
            }
        }
        evaluate(rules, builder, emit, stats).await
    }
}

/// The query a local sweep runs on the Parquet table `table` (registered in `ctx`):
/// `SELECT id, <CASE> AS rule, <error> AS error WHERE <some rule holds> ORDER BY
/// file_row_index()`. The filter is pushed into the scan, so row groups (and pages) whose
/// statistics rule out every rule are never read.
///
/// # Errors
/// Lowering (a column the rules cannot read) and DataFusion errors.
pub async fn parquet_frame(ctx: &SessionContext, rules: &RuleSet, table: &str) -> Result<DataFrame, Error> {
    let df = ctx.table(table).await?;
    let schema = df.schema().as_arrow().clone();
    let lowered = lower(rules, &schema)?;
    let id = id_text(&schema);
    // The row index in a projection right on the scan (the Parquet reader computes it),
    // the filter pushed into the scan (pruning), the sort, and only then the CASE: a
    // projection merged into the scan's must hold nothing but columns and the row index.
    let mut columns: Vec<Expr> = schema.fields().iter().map(|f| ident(f.name())).collect();
    columns.push(file_row_index().alias(ROW_COLUMN));
    Ok(df.select(columns)?.filter(lowered.reported)?.sort(vec![ident(ROW_COLUMN).sort(true, false)])?.select(vec![
        id.alias("id"),
        lowered.first_match.alias("rule"),
        lowered.error.alias("error"),
    ])?)
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
async fn evaluate(
    rules: &RuleSet,
    builder: RecordsBuilder,
    emit: &mut dyn FnMut(&Json) -> io::Result<()>,
    stats: &mut Tally<'_>,
) -> Result<(), Error> {
    if builder.is_empty() {
        return Ok(());
    }
    evaluate_batch(rules, builder.finish()?, emit, stats).await
}

/// Evaluates one batch (recordlock's, or a typed Parquet batch) on a one-partition session
/// (rows stay in order).
async fn evaluate_batch(
    rules: &RuleSet,
    batch: RecordBatch,
    emit: &mut dyn FnMut(&Json) -> io::Result<()>,
    stats: &mut Tally<'_>,
) -> Result<(), Error> {
    stats.records += u64::try_from(batch.num_rows()).unwrap_or(u64::MAX);
    let schema = batch.schema();
    let lowered = lower(rules, schema.as_ref())?;
    let ctx = session(1);
    let df = ctx.read_batch(batch)?.filter(lowered.reported)?.select(vec![
        id_text(schema.as_ref()).alias("id"),
        lowered.first_match.alias("rule"),
        lowered.error.alias("error"),
    ])?;
    for b in df.collect().await? {
        emit_batch(rules, &b, emit, stats)?;
    }
    Ok(())
}

/// Writes the output lines of a result batch (`id`, `rule`, `error`).
fn emit_batch(
    rules: &RuleSet,
    batch: &RecordBatch,
    emit: &mut dyn FnMut(&Json) -> io::Result<()>,
    stats: &mut Tally<'_>,
) -> Result<(), Error> {
    let column = |name: &str| batch.column_by_name(name).ok_or_else(|| Error::Input(format!("no `{name}` column")));
    let ids =
        column("id")?.as_any().downcast_ref::<StringArray>().ok_or_else(|| Error::Input("id is not text".into()))?;
    let matched = column("rule")?
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or_else(|| Error::Input("rule is not Int32".into()))?;
    let errors = column("error")?.as_any().downcast_ref::<StringArray>();
    for i in 0..batch.num_rows() {
        let id = if ids.is_valid(i) { Json::String(ids.value(i).to_owned()) } else { Json::Null };
        if !matched.is_valid(i) {
            continue;
        }
        let line = match matched.value(i) {
            UNEVALUABLE => {
                stats.errors += 1;
                let mut line = errors
                    .filter(|e| e.is_valid(i))
                    .and_then(|e| serde_json::from_str::<serde_json::Map<String, Json>>(e.value(i)).ok())
                    .unwrap_or_default();
                line.insert("id".to_owned(), id);
                Json::Object(line)
            }
            n => {
                let rule = usize::try_from(n)
                    .ok()
                    .and_then(|n| rules.rules().get(n))
                    .ok_or_else(|| Error::Input(format!("rule index {n} out of range")))?;
                stats.locked += 1;
                json!({"id": id, "rule": rule.to_json()})
            }
        };
        emit(&line).map_err(Error::Output)?;
    }
    stats.tick();
    Ok(())
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

/// The row count of a Parquet file, from its footer.
fn parquet_rows(path: &Path) -> Result<u64, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    let reader = datafusion::parquet::file::reader::SerializedFileReader::new(file)
        .map_err(|e| Error::Input(format!("`{}`: {e}", path.display())))?;
    use datafusion::parquet::file::reader::FileReader;
    Ok(u64::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0))
}
