//! One module per command.

pub mod decide;
pub mod diff;
pub mod disasm;
pub mod explain;
pub mod gen_records;
pub mod lint;
#[cfg(feature = "server")]
pub mod serve;
pub mod sql;
pub mod sweep;
pub mod validate;
