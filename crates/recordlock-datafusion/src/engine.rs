//! Running lowered rules on DataFusion.

use datafusion::arrow::array::{Array, Int32Array};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::config::SessionConfig;
use datafusion::prelude::SessionContext;
use recordlock::RuleSet;

use crate::error::Error;
use crate::lower::{UNEVALUABLE, lower};

/// The answer for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The index (in [`RuleSet::rules`]) of the first rule that holds.
    Rule(usize),
    /// No rule holds.
    NoRule,
    /// The record cannot be evaluated (a value of the wrong type in a field the set reads).
    Unevaluable,
}

impl Outcome {
    /// The outcome of a `first_match` value.
    pub fn of(value: Option<i32>) -> Outcome {
        match value {
            None => Outcome::NoRule,
            Some(UNEVALUABLE) => Outcome::Unevaluable,
            Some(i) => usize::try_from(i).map_or(Outcome::Unevaluable, Outcome::Rule),
        }
    }
}

/// A session of `threads` target partitions (at least 1), with [`config`].
pub fn session(threads: usize) -> SessionContext {
    SessionContext::new_with_config(config().with_target_partitions(threads.max(1)))
}

/// The session settings sweeps need: filters evaluated inside the Parquet reader (the rules
/// prune row groups and pages) and nothing between the reader and the projection that
/// computes `file_row_index()`.
pub fn config() -> SessionConfig {
    let mut config = SessionConfig::new();
    config.options_mut().execution.parquet.pushdown_filters = true;
    // Parallelism comes from splitting files by byte ranges (a local sweep: one partition
    // per window of row groups); a round-robin repartition between the scan and the
    // projection computing `file_row_index()` would keep the projection out of the reader
    // and mix the windows' rows.
    config.options_mut().optimizer.enable_round_robin_repartition = false;
    config
}

/// Answers each row of `batch` (built by [`recordlock_arrow::records`] or of the same shape), in order,
/// on an in-memory table.
///
/// # Errors
/// Lowering and DataFusion errors.
pub async fn answer_batch(rules: &RuleSet, batch: RecordBatch) -> Result<Vec<Outcome>, Error> {
    let lowered = lower(rules, batch.schema().as_ref())?;
    // One partition: the answers come back in row order.
    let ctx = session(1);
    let df = ctx.read_batch(batch)?.select(vec![lowered.first_match.alias("rule")])?;
    let mut out = Vec::new();
    for b in df.collect().await? {
        let Some(column) = b.column(0).as_any().downcast_ref::<Int32Array>() else {
            return Err(Error::Input("the rule column is not Int32".into()));
        };
        out.extend((0..column.len()).map(|i| Outcome::of(column.is_valid(i).then(|| column.value(i)))));
    }
    Ok(out)
}

/// A session on the Ballista cluster whose scheduler is at `url` (`df://HOST:PORT`).
///
/// # Errors
/// A URL Ballista does not accept, or a scheduler that cannot be reached.
pub async fn cluster(url: &str) -> Result<SessionContext, Error> {
    use ballista::prelude::SessionContextExt;
    Ok(SessionContext::remote_with_state(url, state(1)).await?)
}

/// A session state of `threads` target partitions with [`config`], for Ballista clients
/// (`SessionContext::remote_with_state`, `standalone_with_state`): the scheduler plans with
/// these settings. Cluster sweeps use one partition per job (one job per file), so each
/// file's rows come back in order.
pub fn state(threads: usize) -> datafusion::execution::SessionState {
    datafusion::execution::SessionStateBuilder::new()
        .with_default_features()
        .with_config(config().with_target_partitions(threads.max(1)))
        .build()
}
