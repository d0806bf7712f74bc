//! Columnar record-locking sweeps over Apache Arrow: a rule set evaluated a whole
//! [`RecordBatch`](arrow_array::RecordBatch) at a time, with exactly the answers of the
//! bytecode VM (SPEC.md §2), and readers for Parquet, CSV (Zoho's bulk export form) and
//! Arrow IPC.
//!
//! | module | what |
//! |---|---|
//! | [`mapping`] | SPEC §2 field types → the Arrow types a column may have, checked before any row is read |
//! | [`ColumnarPlan`] | a [`RuleSet`](recordlock::RuleSet) lowered onto an Arrow schema; [`ColumnarPlan::evaluate`] a batch |
//! | [`read`] | Parquet (only the columns read), CSV, Arrow IPC: streams of batches |
//! | [`sweep`](mod@sweep) | batches evaluated in parallel, reported rows in input order, `recordlock sweep`'s lines |
//! | [`convert`] | JSON records → Arrow batches (what `gen --format parquet` writes) |
//! | [`records`] | records read by recordlock's ingestor → one batch of exact typed columns (DataFusion's input), instant keys that hold leap seconds, and the array builders `convert` shares |
//!
//! Sweeping a Parquet file (here the shared columnar sample, written by pyarrow):
//!
//! ```
//! use std::io::Write;
//! use std::path::Path;
//! use recordlock::{Limits, Module, Policy, RuleScope};
//! use recordlock::criteria::EvalOptions;
//! use recordlock_arrow::{MappingOptions, read, sweep::{LineWriter, sweep}};
//! use serde_json::json;
//!
//! let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
//!     {"name": "Won", "lock_existing_records": true,
//!      "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
//! let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
//! let rules = policy.rule_set(RuleScope::ExistingRecords);
//!
//! let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/columnar/deals.parquet");
//! let source = read::parquet(&file, &rules, MappingOptions::default()).unwrap();
//! let writer = LineWriter::new(&source.plan);
//! let mut out = Vec::new();
//! let (stats, result) = sweep(source, 4, &writer, |lines| out.write_all(lines), |_| {});
//! result.unwrap();
//! assert_eq!(stats.records, 400);
//! assert!(String::from_utf8(out).unwrap().starts_with(r#"{"id":"5843104000200000000","rule":{"id":null,"name":"Won"}}"#));
//! ```

#![forbid(unsafe_code)]

mod ascii_test;
mod column;
pub mod convert;
mod dictionary;
mod ipc_schema;
mod key_test;
mod lower;
pub mod mapping;
mod plan;
mod prune;
pub mod read;
pub mod records;
mod rows;
pub mod sweep;
mod value_test;
mod word_bits;

pub use crate::mapping::{Mapping, MappingError, MappingOptions};
pub use crate::plan::{ColumnarPlan, Evaluation, Ids, RowId, RowOutcome};
