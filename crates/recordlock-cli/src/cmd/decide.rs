//! `recordlock decide --config --module [--schema] [--tz] [REQUESTS|-]`: one decision a line.

use std::io::Write;

use recordlock::criteria::{Error, ErrorCode, JsonPath};
use recordlock::lines::{LineRead, read_line_bounded};
use recordlock::{LineDecider, error_line, with_line};

use crate::common::{Failure, Inputs, input_name, open_input, stdout, write_line};

/// Answers each request line; a bad line gets an error line carrying its 1-based input
/// `line`, and the run goes on. Blank lines are skipped (they are counted in line numbers):
/// every other line gets exactly one answer. Lines are read with bounded memory: one over
/// the record limit is answered `LIMIT_EXCEEDED`.
pub fn run(inputs: &Inputs, requests: Option<&str>) -> Result<(), Failure> {
    let policy = inputs.policy()?;
    let limit = policy.limits().record_bytes;
    let mut input = open_input(requests)?;
    let name = input_name(requests);
    let mut out = stdout();
    let mut line = Vec::new();
    let mut decider = LineDecider::new(&policy);
    for number in 1u64.. {
        line.clear();
        let answer = match read_line_bounded(&mut input, &mut line, limit).map_err(|e| Failure::read(&name, &e))? {
            LineRead::Eof => break,
            LineRead::TooLong => {
                error_line(&Error::limit_exceeded(&JsonPath::root(), "the size of a request line in bytes", limit))
            }
            LineRead::Line => match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => match decider.decide(text.trim_end_matches(['\n', '\r'])) {
                    // A decision is written as it is, without a JSON value built for it.
                    Ok(decision) => {
                        write_line(&mut out, &decision).map_err(Failure::stdout)?;
                        continue;
                    }
                    Err(e) => error_line(&e),
                },
                Err(e) => error_line(&Error::new(
                    ErrorCode::InvalidData,
                    &JsonPath::root(),
                    format!("the line is not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1),
                )),
            },
        };
        write_line(&mut out, &with_line(answer, number)).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(())
}
