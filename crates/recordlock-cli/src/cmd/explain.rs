//! `recordlock explain --config --module RECORD.json`: the rules' verdicts on one record.

use std::io::Write;

use crate::common::{Failure, Inputs, read_file, stdout, write_line};

/// Prints the explanation as an indented tree (or JSON with `--json`). A record that cannot
/// be read is invalid input (exit 1).
pub fn run(inputs: &Inputs, json: bool, record: &str) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let text = read_file(record)?;
    let mut row = policy.new_row();
    policy.ingest_str(text.trim(), &mut row).map_err(recordlock::criteria::Error::from)?;
    let explanation = policy.explain(&row);
    let mut out = stdout();
    if json {
        write_line(&mut out, &serde_json::to_value(&explanation).unwrap_or_default())?;
    } else {
        write!(out, "{explanation}")?;
    }
    out.flush()?;
    Ok(())
}
