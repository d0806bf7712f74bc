//! Columnar record-locking sweeps over Apache Arrow: a rule set evaluated a whole
//! [`RecordBatch`](arrow_array::RecordBatch) at a time, with exactly the answers of the
//! bytecode VM (SPEC.md §2), and readers for Parquet, CSV (Zoho's bulk export form) and
//! Arrow IPC.

mod column;
pub mod convert;
mod lower;
pub mod mapping;
mod plan;
pub mod read;
pub mod sweep;
mod value_test;

pub use crate::mapping::{Mapping, MappingError, MappingOptions};
pub use crate::plan::{ColumnarPlan, Evaluation, Ids, RowOutcome};
