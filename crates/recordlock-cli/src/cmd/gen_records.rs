//! `recordlock gen --module M --count N [--seed S]`: synthetic records.

use std::io::Write;

use recordlock::synth::RecordGenerator;

use crate::common::{Failure, ModuleArgs, stdout};

/// Writes `count` deterministic records, one JSON object a line.
pub fn run(module: &ModuleArgs, count: u64, seed: u64) -> Result<(), Failure> {
    let module = module.resolve()?;
    let generator = RecordGenerator::new(module.schema(), seed);
    let mut out = stdout();
    let mut line = String::with_capacity(1024);
    for i in 0..count {
        line.clear();
        generator.write_record(i, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
