//! One module per command.

pub mod decide;
pub mod diff;
pub mod disasm;
pub mod explain;
pub mod gen_records;
pub mod lint;
pub mod sql;
pub mod sweep;
pub mod validate;
