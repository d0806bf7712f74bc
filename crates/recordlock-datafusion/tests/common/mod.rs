//! Shared by the sweep tests: a Deals policy, generated records, the JSON Lines sweep's
//! output (the VM), and the same records written as JSON Lines, CSV and a partitioned
//! Parquet dataset.

#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::Schema as ArrowSchema;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use recordlock::criteria::EvalOptions;
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::synth::RecordGenerator;
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_arrow::convert::{Style, batch_from_json};
use serde_json::Value as Json;

pub fn deals_config() -> Json {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deals.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub fn deals_policy() -> Policy {
    Policy::new(&deals_config(), Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default())
        .unwrap()
}

/// `n` generated Deals records, one JSON text each.
pub fn records(policy: &Policy, n: u64, seed: u64) -> Vec<String> {
    let g = RecordGenerator::new(policy.schema(), seed);
    (0..n).map(|i| g.record(i)).collect()
}

/// The JSON Lines sweep's output lines (the VM).
pub fn vm_lines(policy: &Policy, scope: RuleScope, lines: &[String]) -> Vec<Json> {
    let text = lines.join("\n");
    let mut out = Vec::new();
    let opts = SweepOptions { scope, ..SweepOptions::default() };
    sweep_lines(policy, text.as_bytes(), &opts, |o| out.push(o.to_json()), |_| {}).unwrap();
    out
}

/// A fresh directory under the system's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("recordlock-df-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The records as a Parquet writer would hold them: typed columns (text, Decimal128 at the
/// narrowest exact scale, Date32, microsecond UTC timestamps...) of the columns the policy's
/// rules read, written by recordlock-arrow's converter (what `gen --format parquet` writes).
pub fn batch(policy: &Policy, lines: &[String]) -> RecordBatch {
    let rules = policy.rule_set(RuleScope::All);
    let records: Vec<Json> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let batch = batch_from_json(policy.schema(), &rules.reads(), &records, &Style::default()).unwrap();
    for field in batch.schema().fields() {
        assert!(!recordlock_arrow::mapping::is_json(field), "`{}` fell back to JSON text", field.name());
    }
    batch
}

/// Writes the records as `files` Parquet files under `dir/part=K/`, in order, with row
/// groups of `group` rows (so a file has several, and DataFusion splits it across threads).
pub fn write_parquet(policy: &Policy, lines: &[String], dir: &Path, files: usize, group: usize) {
    let per = lines.len().div_ceil(files);
    for (k, chunk) in lines.chunks(per).enumerate() {
        let part = dir.join(format!("part={k}"));
        std::fs::create_dir_all(&part).unwrap();
        let batch = batch(policy, chunk);
        let schema: Arc<ArrowSchema> = batch.schema();
        let file = std::fs::File::create(part.join(format!("records-{k:03}.parquet"))).unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(group)).build();
        let mut w = ArrowWriter::try_new(file, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }
}

/// Writes the records as JSON Lines.
pub fn write_jsonl(lines: &[String], path: &Path) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The JSON values of a sweep's output lines (each a JSON text ending in a newline).
pub fn parse_lines(lines: &[u8]) -> Vec<Json> {
    let text = std::str::from_utf8(lines).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "a line without its newline: {text:?}");
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Writes the records as a CRM bulk export's CSV: a header of the API names the records hold
/// (in order of first appearance), a lookup as `Field.id` holding its id, a multi-select
/// as its options joined by `;`, every other value as its text, an empty cell for null.
pub fn write_csv(lines: &[String], path: &Path) {
    let records: Vec<serde_json::Map<String, Json>> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut names: Vec<String> = Vec::new();
    for r in &records {
        for k in r.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let lookups: Vec<bool> =
        names.iter().map(|n| records.iter().any(|r| r.get(n).is_some_and(Json::is_object))).collect();
    let mut w = csv::Writer::from_path(path).unwrap();
    let header: Vec<String> =
        names.iter().zip(&lookups).map(|(n, l)| if *l { format!("{n}.id") } else { n.clone() }).collect();
    w.write_record(&header).unwrap();
    for r in &records {
        let cells: Vec<String> = names
            .iter()
            .map(|n| match r.get(n) {
                None | Some(Json::Null) => String::new(),
                Some(Json::String(s)) => s.clone(),
                Some(Json::Object(o)) => o.get("id").map_or(String::new(), |id| match id {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                Some(Json::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(";"),
                Some(other) => other.to_string(),
            })
            .collect();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
}
