//! `recordlock gen --module M --count N [--seed S]`: synthetic records.

use std::io::Write;

use rayon::prelude::*;
use recordlock::synth::RecordGenerator;

use crate::common::{Failure, ModuleArgs, stdout};

/// Records generated per parallel batch (each batch is written whole, in order).
const BATCH: u64 = 16_384;

/// Writes `count` deterministic records, one JSON object a line. Record `i` depends only on
/// the seed and `i`, so batches are generated in parallel and written in order: the output is
/// the same for any number of threads.
pub fn run(module: &ModuleArgs, count: u64, seed: u64) -> Result<(), Failure> {
    let module = module.resolve()?;
    let generator = RecordGenerator::new(module.schema(), seed);
    let mut out = stdout();
    let mut start = 0u64;
    while start < count {
        let end = count.min(start.saturating_add(BATCH));
        let batch: Vec<String> = (start..end)
            .into_par_iter()
            .map(|i| {
                let mut line = String::with_capacity(1024);
                generator.write_record(i, &mut line);
                line.push('\n');
                line
            })
            .collect();
        for line in &batch {
            out.write_all(line.as_bytes()).map_err(Failure::stdout)?;
        }
        start = end;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(())
}
