//! `recordlock sql`: the back-fill as PostgreSQL statements, and `sweep --postgres`, which runs
//! them on the server and prints exactly what the JSON Lines sweep prints.

use std::io::Write;
use std::time::Instant;

use clap::{Args, ValueEnum};
use recordlock::config::validate::validate;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, RuleScope, RuleSet};
use recordlock_sql::{ColumnMap, Order, SweepOptions, SweepSql, TableMap, Verdict, sweep_sql};
use serde_json::{Value as Json, json};

use crate::common::{Failure, Inputs, parse_tz, print_stderr, read_json, stdout, write_line};
use crate::pg;

/// The SQL dialect `sql` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dialect {
    /// PostgreSQL 12 or later with ICU.
    Postgres,
}

/// Which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// Only rules with `lock_existing_records` (a back-fill).
    Existing,
    /// Every rule.
    All,
}

/// Where the records live: `--table T [--columns MAP] [--order-by COL]`.
#[derive(Debug, Args)]
pub struct TableArgs {
    /// The table (`name` or `schema.name`).
    #[arg(long)]
    pub table: Option<String>,
    /// A column mapping: `{"id": "deal_id", "columns": {"Amount": "amount", "Stage": {"column": "stage", "type": "text"}}}`.
    #[arg(long)]
    pub columns: Option<String>,
    /// Order the output by this column instead of the id column.
    #[arg(long)]
    pub order_by: Option<String>,
}

/// `recordlock sql`'s own flags.
#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub inputs: Inputs,
    #[command(flatten)]
    pub table: TableArgs,
    /// The SQL dialect.
    #[arg(long, value_enum, default_value = "postgres")]
    pub dialect: Dialect,
    /// Which rules apply: `existing` (those with `lock_existing_records`) or `all`.
    #[arg(long, value_enum, default_value = "existing")]
    pub scope: Scope,
    /// The column the printed `UPDATE` writes (the rule's id, or its name without one).
    #[arg(long, default_value = "lock_rule")]
    pub lock_column: String,
    /// Check the table's column types (and the server's lowercasing) on this server.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Print `{"select", "update", "params", "rules", "checks"}` as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The rules of the scope, the table and the statements.
fn statements(
    inputs: &Inputs,
    table: &TableArgs,
    scope: RuleScope,
    lock_column: &str,
    client: Option<&mut postgres::Client>,
) -> Result<SweepSql, Failure> {
    let tz = parse_tz(&inputs.tz)
        .ok_or_else(|| Failure::Usage(format!("`{}` is not a time zone offset like +05:30", inputs.tz)))?;
    let body = read_json(&inputs.config)?;
    let module = inputs.module.resolve()?;
    let valid = validate(&body, &module, &Limits::default())?;
    let rules = RuleSet::new(&valid, module.clone(), EvalOptions { tz }, scope);
    let map = match &table.columns {
        Some(path) => ColumnMap::from_json(&read_json(path)?).map_err(|e| Failure::Usage(format!("{path}: {e}")))?,
        None => ColumnMap::default(),
    };
    let name = table.table.as_deref().ok_or_else(|| Failure::Usage("--table is required".to_owned()))?;
    let usage = |e: recordlock_sql::SqlError| Failure::Usage(e.to_string());
    let mut map = TableMap::new(name, module.schema(), &map).map_err(usage)?;
    let mut folding = recordlock_sql::Folding::default();
    if let Some(client) = client {
        folding = pg::check_server(client)?;
        let live = pg::column_types(client, &map)?;
        map = map.with_live_types(module.schema(), &live, &rules.reads()).map_err(usage)?;
    }
    let order = table.order_by.clone().map_or(Order::Id, Order::Column);
    let opts = SweepOptions { order, lock_column: lock_column.to_owned(), folding };
    sweep_sql(&rules, &map, &opts).map_err(usage)
}

/// `recordlock sql`: prints the statements and their parameters.
pub fn run(args: &SqlArgs) -> Result<(), Failure> {
    let Dialect::Postgres = args.dialect;
    let scope = match args.scope {
        Scope::Existing => RuleScope::ExistingRecords,
        Scope::All => RuleScope::All,
    };
    let mut client = args.postgres.as_deref().map(pg::connect).transpose()?;
    let sql = statements(&args.inputs, &args.table, scope, &args.lock_column, client.as_mut())?;
    let rules: Vec<Json> =
        sql.rules.iter().enumerate().map(|(i, r)| json!({"rule": i, "id": r.id(), "name": r.name()})).collect();
    let checks: Vec<Json> = sql
        .checks
        .iter()
        .enumerate()
        .map(|(k, c)| json!({"rule": -1 - i64::try_from(k).unwrap_or(0), "api_name": c.api_name, "why": c.why}))
        .collect();
    let mut out = stdout();
    print(&mut out, args, &sql, &rules, &checks).map_err(Failure::stdout)
}

/// Writes the statements for a person (SQL with `--` comments) or, with `--json`, as one object.
fn print(out: &mut impl Write, args: &SqlArgs, sql: &SweepSql, rules: &[Json], checks: &[Json]) -> std::io::Result<()> {
    if args.json {
        let doc = json!({
            "select": sql.select.text, "select_params": sql.select.params_json(),
            "update": sql.update.text, "update_params": sql.update.params_json(),
            "rules": rules, "checks": checks,
        });
        write_line(out, &doc)?;
    } else {
        writeln!(out, "-- The first matching rule of each row: \"rule\" is an index into the rules below;")?;
        writeln!(out, "-- a negative \"rule\" is a record that cannot be evaluated (the check named below).")?;
        for r in rules {
            writeln!(out, "--   rule {}: {}", r["rule"], json!({"id": r["id"], "name": r["name"]}))?;
        }
        for c in checks {
            let (name, why) = (c["api_name"].as_str().unwrap_or(""), c["why"].as_str().unwrap_or(""));
            writeln!(out, "--   rule {}: `{name}` {why}", c["rule"])?;
        }
        writeln!(out, "{};", sql.select.text)?;
        print_params(out, &sql.select.params_json())?;
        writeln!(out, "\n-- The back-fill: record each locking rule (its id, or its name) in {}.", args.lock_column)?;
        writeln!(out, "{};", sql.update.text)?;
        print_params(out, &sql.update.params_json())?;
    }
    out.flush()
}

fn print_params(out: &mut impl Write, params: &Json) -> std::io::Result<()> {
    for p in params.as_array().into_iter().flatten() {
        writeln!(
            out,
            "-- {} {} = {}",
            p["param"].as_str().unwrap_or(""),
            p["type"].as_str().unwrap_or(""),
            p["value"]
        )?;
    }
    Ok(())
}

/// `recordlock sweep --postgres CONNINFO --table T`: the SELECT runs on the server through a
/// cursor (a portal read 10,000 rows at a time), and each row prints as the JSON Lines sweep
/// prints the same record.
pub fn sweep(inputs: &Inputs, table: &TableArgs, conninfo: &str, all_rules: bool) -> Result<(), Failure> {
    let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
    let started = Instant::now();
    let mut client = pg::connect(conninfo)?;
    let sql = statements(inputs, table, scope, "lock_rule", Some(&mut client))?;
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .start()
        .map_err(|e| pg::db_error("cannot start a transaction", &e))?;
    let statement = tx.prepare(&sql.select.text).map_err(|e| pg::db_error("the SELECT does not prepare", &e))?;
    let portal =
        tx.bind(&statement, &pg::params(&sql.select.params)).map_err(|e| pg::db_error("cannot open the cursor", &e))?;
    let mut out = stdout();
    let (mut locked, mut errors) = (0u64, 0u64);
    loop {
        let rows = tx.query_portal(&portal, 10_000).map_err(|e| pg::db_error("the sweep failed", &e))?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let id: Option<String> = row.get(0);
            let rule: i32 = row.get(1);
            let line = match sql.verdict(rule) {
                Some(Verdict::Rule(r)) => {
                    locked += 1;
                    json!({"id": id, "rule": {"id": r.id(), "name": r.name()}})
                }
                Some(Verdict::Unevaluable(check)) => {
                    errors += 1;
                    json!({"id": id, "error": check.error()})
                }
                None => return Err(Failure::Usage(format!("the server answered rule {rule}, which is no rule"))),
            };
            write_line(&mut out, &line).map_err(Failure::stdout)?;
        }
    }
    out.flush().map_err(Failure::stdout)?;
    tx.commit().map_err(|e| pg::db_error("cannot end the transaction", &e))?;
    let seconds = started.elapsed().as_secs_f64();
    print_stderr(&format!(
        "sweep: postgres {}: {locked} locked, {errors} errors, {seconds:.3} s",
        table.table.as_deref().unwrap_or("")
    ))
}
