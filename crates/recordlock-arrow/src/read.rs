//! Readers: Parquet, CSV as a CRM bulk export writes it, and Arrow IPC files and streams,
//! each a stream of batches (a file is never held whole) with the plan for its schema.

use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;
use recordlock::RuleSet;
use recordlock::criteria::{Error, ErrorCode, JsonPath};

use crate::mapping::{MappingOptions, map_columns};
use crate::plan::ColumnarPlan;
use crate::sweep::SweepError;

/// Rows per batch the readers produce.
pub const BATCH_ROWS: usize = 8192;

/// A batch as read, with the rows the reader itself could not read (a ragged CSV row, a
/// value that is not UTF-8): those rows are null in the batch and reported with this error.
#[derive(Debug, Clone)]
pub struct SourceBatch {
    /// The rows.
    pub batch: RecordBatch,
    /// Rows (index in the batch) the reader could not read, and why.
    pub unreadable: Vec<(usize, Error)>,
}

impl From<RecordBatch> for SourceBatch {
    fn from(batch: RecordBatch) -> SourceBatch {
        SourceBatch { batch, unreadable: Vec::new() }
    }
}

/// Batches read on demand, or why reading failed.
pub type Batches = Box<dyn Iterator<Item = Result<SourceBatch, String>> + Send>;

/// A piece of the input that a sweep reads and evaluates apart from the others, in parallel
/// with them.
pub enum Part {
    /// A batch already read (CSV, Arrow IPC).
    Batch(SourceBatch),
    /// `rows` rows read where the part is evaluated (a Parquet row group, decoded on the
    /// thread that evaluates it).
    Deferred {
        /// Rows in the part.
        rows: u64,
        /// Opens the part's batches.
        read: Box<dyn FnOnce() -> Result<Batches, String> + Send>,
    },
    /// Rows counted and never read: the file's statistics prove that no rule holds on any
    /// of them and that every one of them has an id and readable values (a pruned Parquet
    /// row group).
    Skipped(u64),
}

impl Part {
    /// The number of rows in the part.
    pub fn rows(&self) -> u64 {
        match self {
            Part::Batch(b) => b.batch.num_rows() as u64,
            Part::Deferred { rows, .. } | Part::Skipped(rows) => *rows,
        }
    }
}

impl From<SourceBatch> for Part {
    fn from(b: SourceBatch) -> Part {
        Part::Batch(b)
    }
}

/// A stream of parts and the plan for their schema.
pub struct Source {
    /// The plan, made for the batches' schema.
    pub plan: ColumnarPlan,
    /// The input, as errors name it.
    pub name: String,
    /// The parts, in file order.
    pub parts: Box<dyn Iterator<Item = Result<Part, SweepError>> + Send>,
}

fn open(path: &Path) -> Result<File, SweepError> {
    File::open(path).map_err(|e| SweepError::Open { path: path.display().to_string(), message: e.to_string() })
}

/// Opens a Parquet file, reading only the columns the rules read and `id`: one part per row
/// group, decoded where it is evaluated (so row groups decode in parallel), and skipped
/// unread when its statistics prove that no rule holds on any of its rows and none of them is
/// an error (see the README's "Row-group pruning").
///
/// # Errors
/// The file cannot be opened or is not Parquet; a column the rules read is missing or of
/// the wrong type.
pub fn parquet(path: &Path, rules: &RuleSet, opts: MappingOptions) -> Result<Source, SweepError> {
    let file = open(path)?;
    let owned = path.to_owned();
    // A file of its own for each row group: handles of one file share their position.
    parquet_parts(file, &path.display().to_string(), rules, opts, move || File::open(&owned).map_err(|e| e.to_string()))
}

/// [`parquet()`] from the whole file in memory (`name` names it in errors): anything Parquet
/// reads by position that is cheap to clone, such as `bytes::Bytes`.
///
/// # Errors
/// As [`parquet()`].
pub fn parquet_reader<R: ChunkReader + Clone + 'static>(
    input: R,
    name: &str,
    rules: &RuleSet,
    opts: MappingOptions,
) -> Result<Source, SweepError> {
    let again = input.clone();
    parquet_parts(input, name, rules, opts, move || Ok(again.clone()))
}

/// The parts of a Parquet file read through `input`; `reopen` gives each row group its own
/// reader of the same bytes.
/// Every column chunk's byte range lies inside the file: the Parquet crate asserts on a
/// negative offset or length when it builds a reader (found by the `parquet` fuzz target),
/// and reads past the end of a file that lies about them.
fn check_column_ranges(metadata: &parquet::file::metadata::ParquetMetaData, file_len: u64) -> Result<(), String> {
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for (c, column) in group.columns().iter().enumerate() {
            let start = column.dictionary_page_offset().unwrap_or_else(|| column.data_page_offset());
            let len = column.compressed_size();
            let end = u64::try_from(start).ok().zip(u64::try_from(len).ok()).and_then(|(s, l)| s.checked_add(l));
            if end.is_none_or(|end| end > file_len) {
                return Err(format!(
                    "row group {g}, column {c}: its bytes ({start}, length {len}) are not inside the file ({file_len} bytes)"
                ));
            }
        }
    }
    Ok(())
}

fn parquet_parts<R: ChunkReader + 'static>(
    input: impl ChunkReader,
    name: &str,
    rules: &RuleSet,
    opts: MappingOptions,
    reopen: impl Fn() -> Result<R, String> + Clone + Send + 'static,
) -> Result<Source, SweepError> {
    let shown = name.to_owned();
    let corrupt = |e: parquet::errors::ParquetError| SweepError::Open {
        path: shown.clone(),
        message: format!("not a readable Parquet file: {e}"),
    };
    // The footer first, without its Arrow schema hint: the hint is used only when arrow-ipc
    // can convert it without panicking (a corrupt one would abort the process; found by the
    // `parquet` fuzz target), else the file is read by its Parquet schema alone (the same
    // values; picklists as plain text).
    let plain = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let metadata = ArrowReaderMetadata::load(&input, plain).map_err(corrupt)?;
    let hint_ok = metadata
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|kv| kv.key == parquet::arrow::ARROW_SCHEMA_META_KEY)
        .all(|kv| kv.value.as_deref().is_none_or(crate::ipc_schema::hint_is_safe));
    let metadata = if hint_ok {
        ArrowReaderMetadata::try_new(Arc::clone(metadata.metadata()), ArrowReaderOptions::default()).map_err(corrupt)?
    } else {
        metadata
    };
    check_column_ranges(metadata.metadata(), input.len()).map_err(|message| SweepError::Open {
        path: shown.clone(),
        message: format!("not a readable Parquet file: {message}"),
    })?;
    let full = map_columns(rules.schema(), &rules.reads(), metadata.schema(), &opts)?;
    let mask = ProjectionMask::roots(metadata.metadata().file_metadata().schema_descr(), full.projection());
    // The batches' schema: the projected columns, in file order.
    let mut projection = full.projection();
    projection.sort_unstable();
    projection.dedup();
    let projected = metadata
        .schema()
        .project(&projection)
        .map_err(|e| SweepError::Open { path: shown.clone(), message: format!("not a readable Parquet file: {e}") })?;
    let plan = ColumnarPlan::new(rules, &projected, opts)?;
    let skip = crate::prune::pruned_row_groups(&plan, &metadata);
    let groups = metadata.metadata().row_groups().len();
    let parts = (0..groups).map(move |group| {
        let rows = metadata.metadata().row_group(group).num_rows().unsigned_abs();
        if skip.get(group).copied().unwrap_or(false) {
            return Ok(Part::Skipped(rows));
        }
        let (reopen, metadata, mask) = (reopen.clone(), metadata.clone(), mask.clone());
        let read = move || -> Result<Batches, String> {
            let input = reopen()?;
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(input, metadata)
                .with_projection(mask)
                .with_row_groups(vec![group])
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())?;
            Ok(Box::new(guarded(reader)))
        };
        Ok(Part::Deferred { rows, read: Box::new(read) })
    });
    Ok(Source { plan, name: shown, parts: Box::new(parts) })
}

/// The batches of `reader`, a panic of the Parquet crate while decoding (it asserts on some
/// corrupt pages; found by the `parquet` fuzz target) turned into an error, after which the
/// reader, in an unknown state, is dropped.
fn guarded(
    reader: impl Iterator<Item = Result<RecordBatch, arrow_schema::ArrowError>> + Send,
) -> impl Iterator<Item = Result<SourceBatch, String>> + Send {
    let mut reader = Some(reader);
    std::iter::from_fn(move || match std::panic::catch_unwind(AssertUnwindSafe(|| reader.as_mut()?.next())) {
        Ok(next) => next.map(|b| b.map(SourceBatch::from).map_err(|e| e.to_string())),
        Err(_) => {
            reader = None;
            Some(Err("the Parquet reader failed on a corrupt page".to_owned()))
        }
    })
}

/// Opens an Arrow IPC file (`ARROW1` magic) or stream.
///
/// # Errors
/// The input cannot be opened or is not Arrow IPC; a column is missing or of the wrong type.
pub fn arrow_ipc(path: &Path, rules: &RuleSet, opts: MappingOptions) -> Result<Source, SweepError> {
    let mut file = open(path)?;
    let mut magic = [0u8; 6];
    let is_file = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
    let file = open(path)?;
    let shown = path.display().to_string();
    let bad = |e: arrow_schema::ArrowError| SweepError::Open {
        path: path.display().to_string(),
        message: format!("not a readable Arrow IPC file or stream: {e}"),
    };
    // arrow-ipc panics on a schema it cannot convert (a corrupt file): checked first.
    let mut check = open(path)?;
    let safe = if is_file {
        crate::ipc_schema::file_schema_is_safe(&mut check)
    } else {
        crate::ipc_schema::stream_schema_is_safe(&mut BufReader::new(check))
    };
    if !safe {
        return Err(SweepError::Open {
            path: path.display().to_string(),
            message: "not a readable Arrow IPC file or stream: its schema holds a type or layout that cannot be read"
                .to_owned(),
        });
    }
    let (schema, batches): (Arc<ArrowSchema>, Box<dyn Iterator<Item = Result<RecordBatch, _>> + Send>) = if is_file {
        let r = arrow_ipc::reader::FileReader::try_new(file, None).map_err(bad)?;
        (r.schema(), Box::new(r))
    } else {
        let r = arrow_ipc::reader::StreamReader::try_new(BufReader::new(file), None).map_err(bad)?;
        (r.schema(), Box::new(r))
    };
    let plan = ColumnarPlan::new(rules, &schema, opts)?;
    let mut rows = 0u64;
    let name = shown.clone();
    let parts = batches.map(move |b| match b {
        Ok(b) => {
            rows += b.num_rows() as u64;
            Ok(Part::Batch(SourceBatch::from(b)))
        }
        Err(e) => Err(SweepError::Read { path: shown.clone(), after_rows: rows, message: e.to_string() }),
    });
    Ok(Source { plan, name, parts: Box::new(parts) })
}

/// Opens a CSV file as a CRM bulk export writes it: a header row of API names (a lookup as
/// `Field.id` or `Field`), every value text, a multi-select's options joined by `;`, empty
/// cells empty. Each value is read by its field's type with the rules of JSON ingestion. A
/// row with another number of cells than the header, or a read value that is not UTF-8, is
/// an error line for that row; the sweep goes on.
///
/// # Errors
/// The file cannot be opened, has no header row, or lacks a column the rules read.
pub fn csv(path: &Path, rules: &RuleSet, opts: MappingOptions) -> Result<Source, SweepError> {
    let file = open(path)?;
    csv_reader(Box::new(file), &path.display().to_string(), rules, opts)
}

/// [`csv()`] from any reader (`name` names it in errors).
///
/// # Errors
/// As [`csv()`].
pub fn csv_reader(
    input: Box<dyn Read + Send>,
    name: &str,
    rules: &RuleSet,
    opts: MappingOptions,
) -> Result<Source, SweepError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let header = reader
        .byte_headers()
        .map_err(|e| SweepError::Open { path: name.to_owned(), message: format!("cannot read the header row: {e}") })?
        .clone();
    if header.is_empty() {
        return Err(SweepError::Open {
            path: name.to_owned(),
            message: "the file is empty (no header row)".to_owned(),
        });
    }
    let mut names = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        let h = std::str::from_utf8(h).map_err(|_| SweepError::Open {
            path: name.to_owned(),
            message: format!("header cell {} is not UTF-8", i + 1),
        })?;
        // A UTF-8 byte order mark before the first name is not part of it.
        names.push(if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.to_owned());
    }
    let all = ArrowSchema::new(names.iter().map(|n| ArrowField::new(n, DataType::Utf8, true)).collect::<Vec<_>>());
    let mapping = map_columns(rules.schema(), &rules.reads(), &all, &opts)?;
    let read: Vec<usize> = mapping.projection();
    let schema = Arc::new(ArrowSchema::new(
        read.iter().filter_map(|i| names.get(*i)).map(|n| ArrowField::new(n, DataType::Utf8, true)).collect::<Vec<_>>(),
    ));
    let plan = ColumnarPlan::new(rules, &schema, opts)?;
    let width = header.len();
    let shown = name.to_owned();
    let mut rows = 0u64;
    let mut done = false;
    let batches = std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut builders: Vec<StringBuilder> = read.iter().map(|_| StringBuilder::new()).collect();
        let mut unreadable = Vec::new();
        let mut record = csv::ByteRecord::new();
        let mut n = 0usize;
        while n < BATCH_ROWS {
            match reader.read_byte_record(&mut record) {
                Ok(false) => {
                    done = true;
                    break;
                }
                Ok(true) => {}
                Err(e) => {
                    done = true;
                    return Some(Err(SweepError::Read {
                        path: shown.clone(),
                        after_rows: rows,
                        message: e.to_string(),
                    }));
                }
            }
            let row_number = rows + 1;
            if record.len() != width {
                // The cells there are still give the row its id in the error line.
                for (b, column) in builders.iter_mut().zip(&read) {
                    match record.get(*column).map(std::str::from_utf8) {
                        Some(Ok(text)) if !text.is_empty() => b.append_value(text),
                        _ => b.append_null(),
                    }
                }
                let message = format!("row {row_number} has {} cells; the header has {width}", record.len());
                unreadable.push((n, Error::new(ErrorCode::InvalidRecord, &JsonPath::root(), message)));
            } else {
                let mut bad: Option<Error> = None;
                for (b, column) in builders.iter_mut().zip(&read) {
                    match record.get(*column).map(std::str::from_utf8) {
                        Some(Ok("")) | None => b.append_null(),
                        Some(Ok(text)) => b.append_value(text),
                        Some(Err(_)) => {
                            b.append_null();
                            let column_name = names.get(*column).cloned().unwrap_or_default();
                            bad.get_or_insert_with(|| {
                                Error::new(
                                    ErrorCode::InvalidRecord,
                                    &JsonPath::root().key(&column_name),
                                    format!("`{column_name}`: the value is not UTF-8"),
                                )
                                .with_api_name(column_name.clone())
                            });
                        }
                    }
                }
                if let Some(e) = bad {
                    unreadable.push((n, e));
                }
            }
            rows += 1;
            n += 1;
        }
        if n == 0 {
            return None;
        }
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        Some(
            RecordBatch::try_new(Arc::clone(&schema), arrays)
                .map(|batch| Part::Batch(SourceBatch { batch, unreadable }))
                .map_err(|e| SweepError::Read { path: shown.clone(), after_rows: rows, message: e.to_string() }),
        )
    });
    Ok(Source { plan, name: name.to_owned(), parts: Box::new(batches) })
}
