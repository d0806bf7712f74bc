//! Writes JSON Lines records as Parquet files of the columns a configuration's rules read
//! (and `id`), for DataFusion sweeps and their benchmarks:
//!
//! ```sh
//! cargo run --release -p recordlock-datafusion --example jsonl_to_parquet -- \
//!   examples/deals.json Deals deals.jsonl deals-parquet/ 1000000
//! ```
//!
//! Arguments: configuration, module, input (JSON Lines), output directory, records per file.
//! Records a rule could not read are refused (the Parquet copy must hold the same records).

use std::io::{BufRead, BufReader};
use std::sync::Arc;

use datafusion::parquet::arrow::ArrowWriter;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_datafusion::ERROR_COLUMN;
use recordlock_datafusion::batch::{BatchBuilder, Read};
use serde_json::Value as Json;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [config, module, input, output, per_file] = args.as_slice() else {
        return Err("usage: jsonl_to_parquet CONFIG MODULE INPUT.jsonl OUTPUT_DIR RECORDS_PER_FILE".into());
    };
    let per_file: usize = per_file.parse()?;
    let body: Json = serde_json::from_str(&std::fs::read_to_string(config)?)?;
    let policy = Policy::new(&body, Module::resolve(module, None)?, Limits::default(), EvalOptions::default())?;
    let rules = policy.rule_set(RuleScope::All);
    std::fs::create_dir_all(output)?;
    let mut row = policy.new_row();
    let mut lines = BufReader::with_capacity(1 << 20, std::fs::File::open(input)?).lines();
    let mut file_index = 0;
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    let mut in_file = 0;
    loop {
        let mut builder = BatchBuilder::new(&rules);
        for line in lines.by_ref().take(65_536) {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            policy.ingest_str(&line, &mut row).map_err(|e| format!("{line}: {e}"))?;
            let record: Json = serde_json::from_str(&line)?;
            builder.push(Read::Fine { id: row.record_id(), row: &row, record: &record })?;
        }
        if builder.is_empty() {
            break;
        }
        let batch = builder.finish()?;
        let keep: Vec<usize> =
            (0..batch.num_columns()).filter(|i| batch.schema().field(*i).name() != ERROR_COLUMN).collect();
        let batch = batch.project(&keep)?;
        if writer.is_none() {
            let path = format!("{output}/part-{file_index:05}.parquet");
            writer = Some(ArrowWriter::try_new(std::fs::File::create(path)?, Arc::clone(&batch.schema()), None)?);
        }
        if let Some(w) = writer.as_mut() {
            // Each batch's decimals have the scale its values need; write them at the file's
            // (the first batch's; a larger scale here is an error, not a rounding).
            let schema = w.schema().clone();
            let columns = batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| datafusion::arrow::compute::cast_with_options(c, f.data_type(), &exact()))
                .collect::<Result<Vec<_>, _>>()?;
            w.write(&datafusion::arrow::record_batch::RecordBatch::try_new(schema, columns)?)?;
        }
        in_file += batch.num_rows();
        if in_file >= per_file {
            if let Some(w) = writer.take() {
                w.close()?;
            }
            file_index += 1;
            in_file = 0;
        }
    }
    if let Some(w) = writer.take() {
        w.close()?;
    }
    Ok(())
}

/// Casts that fail rather than round.
fn exact() -> datafusion::arrow::compute::CastOptions<'static> {
    datafusion::arrow::compute::CastOptions { safe: false, ..Default::default() }
}
