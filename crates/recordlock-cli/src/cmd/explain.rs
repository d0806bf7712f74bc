//! `recordlock explain --config --module RECORD.json`: the rules' verdicts on one record.

use std::io::Write;

use recordlock::criteria::{Error, ErrorCode, JsonPath};

use crate::common::{Failure, Inputs, read_bounded, stdout, write_line};

/// Prints the explanation as an indented tree (or JSON with `--json`). A record that cannot
/// be read is invalid input (exit 1). The file is read only up to the record limit: a larger
/// one is `LIMIT_EXCEEDED` without being held.
pub fn run(inputs: &Inputs, json: bool, record: &str) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let bytes = read_bounded(record, policy.limits().record_bytes.saturating_add(2))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to() + 1;
        Error::new(
            ErrorCode::InvalidData,
            &JsonPath::root(),
            format!("the record is not UTF-8 (invalid byte at column {at})"),
        )
    })?;
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
