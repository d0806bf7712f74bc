//! `recordlock sweep --format csv|parquet|arrow`: the back-fill over columnar input, with the
//! output lines and summary of the JSON Lines sweep.

use std::io::Write;
use std::path::Path;

use recordlock::{Policy, RuleScope};
use recordlock_arrow::MappingOptions;
use recordlock_arrow::read::{self, Source};
use recordlock_arrow::sweep::{LineWriter, SweepError, sweep};

use crate::common::{Failure, Format, SweepProgress, stdout};

/// Sweeps `records` in `format` with `policy`'s rules in `scope`, on `pool`.
pub fn run(
    policy: &Policy,
    scope: RuleScope,
    pool: &rayon::ThreadPool,
    format: Format,
    records: Option<&str>,
) -> Result<(), Failure> {
    let rules = policy.rule_set(scope);
    let opts = MappingOptions::default();
    let file = records.filter(|p| *p != "-");
    let source: Source = match (format, file) {
        (Format::Csv, None) => read::csv_reader(Box::new(std::io::stdin()), "stdin", &rules, opts),
        (_, Some(p)) if std::path::Path::new(p).is_dir() => {
            return Err(Failure::Usage(format!("cannot read `{p}`: it is a directory")));
        }
        (Format::Csv, Some(p)) => read::csv(Path::new(p), &rules, opts),
        (Format::Parquet, Some(p)) => read::parquet(Path::new(p), &rules, opts),
        (Format::Arrow, Some(p)) => read::arrow_ipc(Path::new(p), &rules, opts),
        (Format::Parquet | Format::Arrow, None) => {
            return Err(Failure::Usage(format!("--format {format:?} needs a file, not stdin").to_lowercase()));
        }
        (Format::Jsonl, _) => return Err(Failure::Usage("JSON Lines is not a columnar format".to_owned())),
    }
    .map_err(usage)?;
    let writer = LineWriter::new(&source.plan);
    let progress = SweepProgress::start();
    let mut out = stdout();
    let window = pool.current_num_threads() * 2;
    let (stats, result) = pool.install(|| {
        sweep(source, window, &writer, |lines| out.write_all(lines), |s| progress.show(s.records, s.locked, s.errors))
    });
    progress.clear();
    if let Err(SweepError::Output(e)) = result {
        return Err(Failure::stdout(e));
    }
    out.flush().map_err(Failure::stdout)?;
    progress.summary(stats.records, stats.locked, stats.errors)?;
    result.map_err(usage)
}

fn usage(e: SweepError) -> Failure {
    Failure::Usage(e.to_string())
}
