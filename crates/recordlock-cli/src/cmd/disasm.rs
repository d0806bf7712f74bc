//! `recordlock disasm --config --module`: each rule's bytecode.

use std::io::Write;

use crate::common::{Failure, Inputs, stdout};

/// Prints a header per rule, then its instructions, one a line.
pub fn run(inputs: &Inputs) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let mut out = stdout();
    for (i, rule) in policy.rules().iter().enumerate() {
        let id = rule.id().map_or(String::new(), |id| format!(" id {id}"));
        let reads: Vec<&str> = rule.program().read_fields().iter().map(|f| &*f.api_name).collect();
        writeln!(
            out,
            "rule {i} {:?}{id} lock_existing_records={} reads [{}]",
            rule.name(),
            rule.lock_existing_records(),
            reads.join(", ")
        )
        .map_err(Failure::stdout)?;
        write!(out, "{}", rule.program()).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(())
}
