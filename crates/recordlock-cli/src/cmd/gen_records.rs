//! `recordlock gen --module M --count N [--seed S] [--format jsonl|csv|parquet]`: synthetic
//! records.

use std::io::Write;

use rayon::prelude::*;
use recordlock::synth::RecordGenerator;

use crate::common::{Failure, Format, ModuleArgs, stdout};

/// Records generated per parallel batch (each batch is written whole, in order).
pub(crate) const BATCH: u64 = 16_384;

/// Writes `count` deterministic records in `format` to `output` (stdout when absent). Record
/// `i` depends only on the seed and `i`, so batches are generated in parallel and written in
/// order: the output is the same for any number of threads, and the same records in every
/// format.
pub fn run(module: &ModuleArgs, count: u64, seed: u64, format: Format, output: Option<&str>) -> Result<(), Failure> {
    let module = module.resolve()?;
    let generator = RecordGenerator::new(module.schema(), seed);
    let lines = |start: u64, end: u64| -> Vec<String> {
        (start..end)
            .into_par_iter()
            .map(|i| {
                let mut line = String::with_capacity(1024);
                generator.write_record(i, &mut line);
                line
            })
            .collect()
    };
    match format {
        Format::Jsonl => {
            let mut out = writer(output)?;
            let mut start = 0u64;
            while start < count {
                let end = count.min(start.saturating_add(BATCH));
                for line in lines(start, end) {
                    out.write_all(line.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                start = end;
            }
            out.flush()?;
            Ok(())
        }
        #[cfg(feature = "columnar")]
        Format::Csv | Format::Parquet => {
            crate::cmd::gen_columnar::run(module.schema(), count, format, writer(output)?, lines)
        }
        _ => Err(Failure::Usage(format!("gen writes jsonl, csv or parquet, not {format:?}").to_lowercase())),
    }
}

/// The output: a file, or stdout.
fn writer(output: Option<&str>) -> Result<Box<dyn Write + Send>, Failure> {
    match output {
        None | Some("-") => Ok(Box::new(stdout())),
        Some(path) => {
            let file =
                std::fs::File::create(path).map_err(|e| Failure::Usage(format!("cannot create `{path}`: {e}")))?;
            Ok(Box::new(std::io::BufWriter::with_capacity(1 << 20, file)))
        }
    }
}
