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
                    out.write_all(line.as_bytes())
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(|e| write_failure(output, e))?;
                }
                start = end;
            }
            out.flush().map_err(|e| write_failure(output, e))
        }
        #[cfg(feature = "columnar")]
        Format::Csv | Format::Parquet => {
            crate::cmd::gen_columnar::run(module.schema(), count, format, writer(output)?, lines).map_err(|e| match e {
                crate::cmd::gen_columnar::GenFailure::Write(e) => write_failure(output, e),
                crate::cmd::gen_columnar::GenFailure::Other(f) => f,
            })
        }
        _ => Err(Failure::Usage(format!("gen writes jsonl, csv or parquet, not {format:?}").to_lowercase())),
    }
}

/// A failed write to the output: stdout's rules (a closed pipe is quiet), or the file named.
pub(crate) fn write_failure(output: Option<&str>, e: std::io::Error) -> Failure {
    match output {
        None | Some("-") => Failure::stdout(e),
        Some(path) => Failure::Usage(format!("cannot write `{path}`: {e}")),
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
