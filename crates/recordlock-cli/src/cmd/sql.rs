//! `recordlock sql`: the rules as SQL a person can run in a query engine.

use clap::{Args, ValueEnum};

use crate::common::{Failure, Inputs};

/// `recordlock sql --config C --module M [--dialect datafusion] [--all-rules]`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    /// The SQL dialect.
    #[arg(long, value_enum, default_value_t = Dialect::Datafusion)]
    pub dialect: Dialect,
    /// Every rule, not only those with `lock_existing_records`.
    #[arg(long)]
    pub all_rules: bool,
    /// The table the SQL reads.
    #[arg(long, default_value = "t")]
    pub table: String,
    /// A Parquet file whose column types the constants are written for (default: text as
    /// Utf8, numbers as Decimal128(38, s), dates as Date32, datetimes as UTC timestamps).
    #[arg(long)]
    pub parquet: Option<String>,
}

/// A SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// DataFusion (`datafusion-cli`), built-in functions only.
    Datafusion,
}

/// Prints the SQL.
pub fn run(args: &SqlArgs) -> Result<(), Failure> {
    match args.dialect {
        Dialect::Datafusion => datafusion_sql(args),
    }
}

#[cfg(not(feature = "datafusion"))]
fn datafusion_sql(_args: &SqlArgs) -> Result<(), Failure> {
    Err(Failure::Usage(
        "this recordlock was built without DataFusion: cargo build --release -p recordlock-cli --features datafusion"
            .into(),
    ))
}

#[cfg(feature = "datafusion")]
fn datafusion_sql(args: &SqlArgs) -> Result<(), Failure> {
    use recordlock::RuleScope;
    use recordlock_datafusion::sql::{canonical_schema, parquet_schema, select_sql};

    let policy = args.inputs.policy()?;
    let scope = if args.all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
    let rules = policy.rule_set(scope);
    let columns = match &args.parquet {
        Some(path) => parquet_schema(path).map_err(|e| Failure::Usage(e.to_string()))?,
        None => canonical_schema(&rules),
    };
    let sql = select_sql(&rules, &columns, &args.table).map_err(|e| Failure::Usage(e.to_string()))?;
    print!("{sql}");
    Ok(())
}
