//! One module per command.

pub mod decide;
pub mod diff;
pub mod disasm;
pub mod explain;
pub mod gen_records;
pub mod lint;
pub mod sql;
pub mod sql_datafusion;
pub mod sweep;
pub mod sweep_datafusion;
pub mod validate;

/// A sweep engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// recordlock's bytecode VM over JSON Lines.
    Vm,
    /// DataFusion over Parquet, CSV and JSON Lines files (the `datafusion` feature).
    Datafusion,
}
