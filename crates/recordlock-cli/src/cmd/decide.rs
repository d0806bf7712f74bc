//! `recordlock decide --config --module [--schema] [--tz] [REQUESTS|-]`: one decision a line.

use std::io::{BufRead, Write};

use crate::common::{Failure, Inputs, open_input, stdout, write_line};

/// Answers each request line; a bad line gets an error line and the run goes on.
pub fn run(inputs: &Inputs, requests: Option<&str>) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let mut input = open_input(requests)?;
    let mut out = stdout();
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let err = recordlock::criteria::Error::new(
                    recordlock::criteria::ErrorCode::InvalidData,
                    &recordlock::criteria::JsonPath::root(),
                    "the line is not UTF-8",
                );
                write_line(&mut out, &recordlock::error_line(&err))?;
                // Skip the rest of the bad line.
                let mut skip = Vec::new();
                input.read_until(b'\n', &mut skip)?;
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        if line.trim().is_empty() {
            continue;
        }
        write_line(&mut out, &policy.answer_line(line.trim_end_matches(['\n', '\r'])))?;
    }
    out.flush()?;
    Ok(())
}
