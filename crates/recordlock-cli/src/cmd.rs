//! One module per command.

pub mod decide;
pub mod diff;
pub mod disasm;
pub mod explain;
#[cfg(feature = "columnar")]
pub mod gen_columnar;
pub mod gen_records;
pub mod lint;
#[cfg(feature = "server")]
pub mod serve;
pub mod sql;
pub mod sql_datafusion;
pub mod sweep;
#[cfg(feature = "columnar")]
pub mod sweep_columnar;
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
