//! Columnar record-locking sweeps over Apache Arrow: a rule set evaluated a whole
//! [`RecordBatch`](arrow_array::RecordBatch) at a time, with exactly the answers of the
//! bytecode VM (SPEC.md §2), and readers for Parquet, CSV (Zoho's bulk export form) and
//! Arrow IPC.

pub mod mapping;
