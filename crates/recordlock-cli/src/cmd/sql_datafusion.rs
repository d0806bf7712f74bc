//! `recordlock sql --dialect datafusion`: the rules as SQL a person can paste into
//! `datafusion-cli`.

use recordlock::RuleScope;

use super::sql::SqlArgs;
use crate::common::Failure;

/// Prints the rules as DataFusion SQL.
pub fn run(args: &SqlArgs, scope: RuleScope) -> Result<(), Failure> {
    datafusion_sql(args, scope)
}

#[cfg(not(feature = "datafusion"))]
fn datafusion_sql(_args: &SqlArgs, _scope: RuleScope) -> Result<(), Failure> {
    Err(Failure::Usage(
        "this recordlock was built without DataFusion: cargo build --release -p recordlock-cli --features datafusion"
            .into(),
    ))
}

#[cfg(feature = "datafusion")]
fn datafusion_sql(args: &SqlArgs, scope: RuleScope) -> Result<(), Failure> {
    use recordlock_datafusion::sql::{canonical_schema, parquet_schema, select_sql};

    let policy = args.inputs.policy()?;
    let rules = policy.rule_set(scope);
    let columns = match &args.parquet {
        Some(path) => parquet_schema(path).map_err(|e| Failure::Usage(e.to_string()))?,
        None => canonical_schema(&rules),
    };
    let table = args.table.table.as_deref().unwrap_or("t");
    let sql = select_sql(&rules, &columns, table).map_err(|e| Failure::Usage(e.to_string()))?;
    use std::io::Write;
    let mut out = crate::common::stdout();
    out.write_all(sql.as_bytes()).and_then(|()| out.flush()).map_err(Failure::stdout)
}
