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
pub mod sweep;
#[cfg(feature = "columnar")]
pub mod sweep_columnar;
pub mod validate;
