//! The PostgreSQL engine of the back-end harness: each case's records are loaded into a
//! temporary table with typed columns (names and types varied from case to case, quoted
//! names with spaces and quotes among them), the generated `SELECT` runs on the server, and
//! its `rule` per row is the answer.

#![allow(dead_code, reason = "each test file uses part of this module")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test support")]

use std::collections::BTreeMap;

use postgres::{Client, NoTls};
use recordlock::criteria::{Schema, TypeClass};
use recordlock_sql::load::{LoadProblem, create_table, insert_sql, row_params};
use recordlock_sql::{
    ColumnMap, ColumnSpec, Folding, Param, SqlError, SqlType, SweepOptions, TableMap, Verdict, sweep_sql,
};
use recordlock_tests::backend::{Answer, Backend, Input, Unsupported};

/// A client of the test server, or `None` to skip (see `recordlock_tests::server`).
pub fn client(test: &str) -> Option<Client> {
    let info = recordlock_tests::server::conninfo(test)?;
    let mut client = Client::connect(&info, NoTls).unwrap_or_else(|e| panic!("{test}: cannot connect to {info}: {e}"));
    // citext is in PostgreSQL's contrib, which Debian's server package includes.
    // Two tests creating it at once race (a unique violation for the loser): take a lock.
    client
        .batch_execute(
            "SELECT pg_advisory_lock(13013); CREATE EXTENSION IF NOT EXISTS citext; SELECT pg_advisory_unlock(13013)",
        )
        .expect("citext extension");
    Some(client)
}

/// The engine: a client and a case counter that varies column names and types.
pub struct PostgresBackend {
    pub client: Client,
    pub opts: SweepOptions,
    cases: usize,
}

impl PostgresBackend {
    /// The engine, with the server's folding probed as `recordlock sweep --postgres` does.
    pub fn new(mut client: Client) -> PostgresBackend {
        let folding = probe(&mut client);
        PostgresBackend { client, opts: SweepOptions { folding, ..SweepOptions::default() }, cases: 0 }
    }
}

/// The code points the server lowercases unlike Rust.
pub fn probe(client: &mut Client) -> Folding {
    let probe = Folding::probe();
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        probe.params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
    let rows = client.query(&probe.text, &params).expect("folding probe");
    Folding::from_probe(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))))
}

/// A column name for `api_name` in case `n`: the name itself, or one that needs quoting.
fn column_name(api_name: &str, n: usize) -> String {
    match n % 3 {
        0 => api_name.to_owned(),
        1 => format!("{api_name} \"q\" col"),
        _ => format!("{}; drop table x; --", api_name.to_lowercase()),
    }
}

/// A column type for a field of `class` in case `n` (every accepted type is drawn, and
/// `numeric` with and without precision and scale).
fn column_type(class: TypeClass, n: usize) -> Option<&'static str> {
    let choices: &[&str] = match class {
        TypeClass::Text | TypeClass::Picklist => &["text", "varchar", "citext"],
        TypeClass::Number { integral: true } => &["numeric", "bigint", "integer", "numeric(20,0)", "numeric(24,3)"],
        TypeClass::Number { integral: false } => &["numeric", "numeric(28,14)"],
        TypeClass::Lookup => &["text", "bigint", "varchar"],
        _ => return SqlType::default_for(class).map(SqlType::as_sql),
    };
    choices.get(n % choices.len()).copied()
}

/// The varied mapping of case `n`.
pub fn mapping(schema: &Schema, n: usize) -> ColumnMap {
    let mut columns = BTreeMap::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let type_name = column_type(f.data_type().class(), n + 2 * i);
        let spec = ColumnSpec {
            column: Some(column_name(f.api_name(), n + i)),
            sql_type: type_name.and_then(|t| SqlType::parse(t).ok()),
            type_name: type_name.map(str::to_owned),
        };
        columns.insert(f.api_name().to_owned(), spec);
    }
    ColumnMap { id: Some(if n.is_multiple_of(2) { "row".to_owned() } else { "row \"id\"".to_owned() }), columns }
}

impl Backend for PostgresBackend {
    fn name(&self) -> &str {
        "postgres"
    }

    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported> {
        self.cases += 1;
        let n = self.cases;
        let schema = input.rules.schema();
        let table_name = format!("case {n} \"t\"");
        let map = mapping(schema, n);
        let table = TableMap::new(&table_name, schema, &map).map_err(unsupported)?;
        let sweep = sweep_sql(input.rules, &table, &self.opts).map_err(unsupported)?;
        let reads = input.rules.reads();

        let mut tx = self.client.transaction().expect("transaction");
        tx.batch_execute(&create_table(&table, true)).expect("create table");
        let insert = tx.prepare(&insert_sql(&table)).expect("prepare insert");
        let mut answers = vec![Answer::Rule(None); input.records.len()];
        for (i, record) in input.records.iter().enumerate() {
            let (mut params, errors) = row_params(&table, schema, record);
            // The harness numbers the rows in its own id column (a schema's `id` field is a
            // column like any other).
            if let Some(id) = params.first_mut() {
                *id = Some(Param::Text(i.to_string()));
            }
            // Values of fields no rule reads stay NULL; they change no answer.
            let read: Vec<_> =
                errors.iter().filter(|e| reads.iter().any(|s| schema.field(*s).api_name() == e.api_name)).collect();
            if let Some(e) = read.iter().find(|e| e.problem == LoadProblem::Unrepresentable) {
                tx.rollback().expect("rollback");
                return Err(Unsupported { reason: format!("a value of `{}` its column type cannot hold", e.api_name) });
            }
            if !read.is_empty() {
                // The record as written cannot be in a typed table; a rule reading the field
                // could not evaluate it (fail closed).
                answers[i] = Answer::Unevaluable;
                continue;
            }
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
            tx.execute(&insert, &refs).unwrap_or_else(|e| panic!("insert {record}: {e}"));
        }
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            sweep.select.params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
        let rows = tx.query(&sweep.select.text, &refs).unwrap_or_else(|e| {
            panic!("select failed: {e}\n{}\nparams {}", sweep.select.text, sweep.select.params_json())
        });
        for row in rows {
            let id: String = row.get(0);
            let rule: i32 = row.get(1);
            let i: usize = id.parse().expect("an id we wrote");
            answers[i] = match sweep.verdict(rule) {
                Some(Verdict::Rule(r)) => {
                    Answer::Rule(input.rules.rules().iter().position(|x| x.position() == r.position()))
                }
                Some(Verdict::Unevaluable(_)) => Answer::Unevaluable,
                None => panic!("rule value {rule} out of range"),
            };
        }
        tx.rollback().expect("rollback");
        Ok(answers)
    }
}

fn unsupported(e: SqlError) -> Unsupported {
    Unsupported { reason: e.to_string() }
}
