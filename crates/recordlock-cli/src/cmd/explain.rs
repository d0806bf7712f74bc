//! `recordlock explain --config --module RECORD.json`: the rules' verdicts on one record.

use std::io::Write;

use crate::common::{Failure, Inputs, read_file, stdout, write_line};

/// Prints the explanation as an indented tree (or JSON with `--json`). A record that cannot
/// be read is invalid input (exit 1).
pub fn run(inputs: &Inputs, json: bool, record: &str) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let text = read_file(record)?;
    let explanation = policy.explain_record(text.trim())?;
    let mut out = stdout();
    if json {
        write_line(&mut out, &serde_json::to_value(&explanation).unwrap_or_default()).map_err(Failure::stdout)?;
    } else {
        write!(out, "{explanation}").map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(())
}
