//! One module per command.

pub mod decide;
pub mod disasm;
pub mod explain;
pub mod gen_records;
pub mod sweep;
pub mod validate;
