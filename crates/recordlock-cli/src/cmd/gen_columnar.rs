//! `recordlock gen --format csv|parquet`: the synthetic records of `gen`, as a CRM bulk
//! export (CSV) or Parquet (ids Int64, picklists dictionary-encoded, decimals
//! Decimal128(18, 2), dates Date32, datetimes Timestamp(µs, UTC), multi-selects lists, lookups
//! their id).

use std::io::Write;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use recordlock::criteria::{FieldType, Schema, Slot, TypeClass};
use recordlock_arrow::convert::{Style, batch_from_columns};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
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
            // 18 digits (16 before the point) hold any generated amount, and Parquet stores
            // a decimal of at most 18 digits as a plain INT64, which reads several times faster
            // than the 9-byte big-endian integers of a wider one.
            // Ids as Int64, Zoho's bigint: 8 bytes a row rather than 19 digits and a length.
            let style = Style {
                picklist_dictionary: true,
                fixed_decimal: Some((18, 2)),
                integer_ids: true,
                ..Style::default()
            };
            // Ids are unique: a dictionary only costs the writer a failed attempt per row group
            // and the reader a gather through it.
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .set_column_dictionary_enabled(ColumnPath::from("id"), false)
                .build();
            let index = ColumnIndex::new(schema, &slots);
            let batch_of = |start: u64, end: u64| -> Result<_, Failure> {
                let rows =
                    index.parse(&lines(start, end)).map_err(|e| Failure::Usage(format!("generated record: {e}")))?;
                let column = |k: usize| -> Vec<Option<&Json>> {
                    rows.iter().map(|r| r.get(k).and_then(Option::as_ref)).collect()
                };
                let columns: Vec<Vec<Option<&Json>>> = (1..=slots.len()).map(column).collect();
                batch_from_columns(schema, &slots, &column(0), &columns, &style).map_err(|e| fail(&e))
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

/// Generated records parsed straight into columns (0: `id`, then the slots), without building
/// a JSON map per record.
struct ColumnIndex<'s> {
    names: std::collections::HashMap<&'s str, usize>,
}

impl<'s> ColumnIndex<'s> {
    fn new(schema: &'s Schema, slots: &[Slot]) -> ColumnIndex<'s> {
        let mut names = std::collections::HashMap::with_capacity(slots.len() + 1);
        names.insert("id", 0);
        for (k, slot) in slots.iter().enumerate() {
            names.insert(schema.field(*slot).api_name(), k + 1);
        }
        ColumnIndex { names }
    }

    /// Each line's values by column.
    fn parse(&self, lines: &[String]) -> serde_json::Result<Vec<Vec<Option<Json>>>> {
        lines.iter().map(|l| self.deserialize(&mut serde_json::Deserializer::from_str(l))).collect()
    }
}

impl<'de> DeserializeSeed<'de> for &ColumnIndex<'_> {
    type Value = Vec<Option<Json>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &ColumnIndex<'_> {
    type Value = Vec<Option<Json>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut row = vec![None; self.names.len()];
        while let Some(column) = map.next_key_seed(Key(self))? {
            match column.and_then(|k| row.get_mut(k)) {
                Some(cell) => *cell = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
}

/// A key, read as the column it names (`None`: not a column).
struct Key<'i, 's>(&'i ColumnIndex<'s>);

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.names.get(key).copied())
    }
}
