//! `recordlock gen --format csv|parquet`: the synthetic records of `gen`, as a CRM bulk
//! export (CSV) or Parquet (picklists dictionary-encoded, decimals Decimal128(20, 2), dates
//! Date32, datetimes Timestamp(µs, UTC), multi-selects lists, lookups their id).

use std::io::Write;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use recordlock::criteria::{FieldType, Schema, Slot, TypeClass};
use recordlock_arrow::convert::{Style, batch_from_json};
use serde_json::Value as Json;

use rayon::prelude::*;

use crate::cmd::gen_records::BATCH;
use crate::common::{Failure, Format};

/// Rows per Parquet row group: a sweep reads row groups in parallel and skips those whose
/// statistics rule out every rule, so groups of a quarter million rows give both room.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Why writing failed: the output (named by the caller) or anything else.
pub enum GenFailure {
    /// Writing the output failed.
    Write(std::io::Error),
    /// Any other failure.
    Other(Failure),
}

impl From<Failure> for GenFailure {
    fn from(f: Failure) -> GenFailure {
        GenFailure::Other(f)
    }
}

/// Writes `count` records (`lines(start, end)` gives records `start..end` as JSON) as `format`.
pub fn run(
    schema: &Schema,
    count: u64,
    format: Format,
    mut out: Box<dyn Write + Send>,
    lines: impl Fn(u64, u64) -> Vec<String> + Sync,
) -> Result<(), GenFailure> {
    let slots: Vec<Slot> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.api_name() != "id" && !matches!(f.data_type(), FieldType::Other(_)))
        .filter_map(|(i, _)| Slot::new(i))
        .collect();
    let parse = |lines: Vec<String>| -> Result<Vec<Json>, Failure> {
        lines
            .iter()
            .map(|l| serde_json::from_str(l).map_err(|e| Failure::Usage(format!("generated record: {e}"))))
            .collect()
    };
    let fail = |e: &dyn std::fmt::Display| Failure::Usage(format!("writing {format:?}: {e}").to_lowercase());
    // Batches are built a window at a time in parallel (record `i` depends only on the seed
    // and `i`) and written in order.
    let window = u64::try_from(rayon::current_num_threads().max(1) * 2).unwrap_or(2);
    let ranges = |first: u64| -> Vec<(u64, u64)> {
        (0..window)
            .map(|k| first.saturating_add(k.saturating_mul(BATCH)))
            .take_while(|s| *s < count)
            .map(|s| (s, count.min(s.saturating_add(BATCH))))
            .collect()
    };
    match format {
        Format::Csv => {
            let mut header = vec!["id".to_owned()];
            for slot in &slots {
                let f = schema.field(*slot);
                let lookup = f.data_type().class() == TypeClass::Lookup;
                header.push(if lookup { format!("{}.id", f.api_name()) } else { f.api_name().to_owned() });
            }
            let rows_of = |start: u64, end: u64| -> Result<Vec<u8>, Failure> {
                let mut csv = csv_writer(Vec::new());
                for record in parse(lines(start, end))? {
                    let mut row = vec![cell(record.get("id"))];
                    row.extend(slots.iter().map(|s| cell(record.get(schema.field(*s).api_name()))));
                    csv.write_record(&row).map_err(|e| fail(&e))?;
                }
                csv.into_inner().map_err(|e| fail(&e.error()))
            };
            let mut csv = csv_writer(&mut out);
            csv.write_record(&header).map_err(|e| fail(&e))?;
            csv.flush().map_err(GenFailure::Write)?;
            drop(csv);
            let mut first = 0u64;
            while first < count {
                let window = ranges(first);
                let built: Vec<Result<Vec<u8>, Failure>> = window.par_iter().map(|(s, e)| rows_of(*s, *e)).collect();
                for bytes in built {
                    out.write_all(&bytes?).map_err(GenFailure::Write)?;
                }
                first = window.last().map_or(count, |(_, e)| *e);
            }
            out.flush().map_err(GenFailure::Write)?;
        }
        Format::Parquet => {
            let style = Style { picklist_dictionary: true, fixed_decimal: Some((20, 2)), ..Style::default() };
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .build();
            let batch_of = |start: u64, end: u64| -> Result<_, Failure> {
                batch_from_json(schema, &slots, &parse(lines(start, end))?, &style).map_err(|e| fail(&e))
            };
            let first_batch = batch_of(0, count.min(BATCH))?;
            let mut writer =
                ArrowWriter::try_new(out, Arc::clone(&first_batch.schema()), Some(props)).map_err(|e| fail(&e))?;
            writer.write(&first_batch).map_err(|e| fail(&e))?;
            let mut first = count.min(BATCH);
            while first < count {
                let window = ranges(first);
                let built: Vec<Result<_, Failure>> = window.par_iter().map(|(s, e)| batch_of(*s, *e)).collect();
                for batch in built {
                    writer.write(&batch?).map_err(|e| fail(&e))?;
                }
                first = window.last().map_or(count, |(_, e)| *e);
            }
            let mut out = writer.into_inner().map_err(|e| fail(&e))?;
            out.flush().map_err(GenFailure::Write)?;
        }
        Format::Jsonl | Format::Arrow => {
            return Err(GenFailure::Other(Failure::Usage("gen writes jsonl, csv or parquet".to_owned())));
        }
    }
    Ok(())
}

fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(out)
}

/// A value as a bulk export writes it: text as is, numbers as written, lookups as their id,
/// multi-selects joined by `;`, empty values as an empty cell.
fn cell(value: Option<&Json>) -> String {
    match value {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.as_str().to_owned(),
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::Array(items)) => items.iter().map(|i| cell(Some(i))).collect::<Vec<_>>().join(";"),
        Some(Json::Object(map)) => cell(map.get("id")),
    }
}
