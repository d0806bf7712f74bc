//! `recordlock sweep --postgres` and `recordlock sql` against a real server (issue 13): the
//! conformance suites' sweeps run through PostgreSQL, and on generated Deals records the
//! database sweep prints exactly the lines the JSON Lines sweep prints.
//!
//! Needs a server: `PGHOST`/`DATABASE_URL` (see `recordlock_tests::server`; `.ci/run` starts
//! one). Without one these tests skip loudly, or fail under `CI=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod common;

use std::collections::BTreeMap;

use postgres::types::ToSql;
use postgres::{Client, NoTls};
use recordlock::criteria::Schema;
use recordlock::{Limits, Module, RuleScope, RuleSet};
use recordlock_sql::load::{LoadProblem, create_table, insert_sql, row_params};
use recordlock_sql::{ColumnMap, ColumnSpec, TableMap};
use recordlock_tests::{Engine, Output, Suite, check, suite_dirs, suites};
use serde_json::{Value as Json, json};

/// The binary's exit status, stdout and stderr.
fn run(args: &[String], stdin: &str) -> (i32, String, String) {
    let out = common::run(args, stdin);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The suites' sweeps through a table: records loaded into typed columns (with an `ord`
/// column for input order), `sweep --postgres --order-by ord` run by the binary. A record
/// the typed table cannot hold as written (a value of the wrong type in a field the rules
/// read) is answered with an error line at its place, as the loader decides.
struct PostgresEngine {
    conninfo: String,
    client: std::cell::RefCell<Client>,
}

impl Engine for PostgresEngine {
    fn validate(&self, _: &Suite) -> Output {
        unreachable!("only sweeps run here")
    }

    fn decide(&self, _: &Suite, _: &[String]) -> Output {
        unreachable!("only sweeps run here")
    }

    fn sweep(&self, suite: &Suite, records: &[String], all_rules: bool) -> Output {
        let schema = suite.json.get("schema").map(|s| Schema::from_json(s).unwrap());
        let module = Module::resolve(suite.module(), schema).unwrap();
        let config: Json = serde_json::from_str(&suite.config_text()).unwrap();
        let mut map = ColumnMap { id: Some("id".into()), columns: BTreeMap::new() };
        if module.schema().slot("id").is_some() {
            map.columns.insert("id".into(), ColumnSpec { column: Some("id field".into()), ..ColumnSpec::default() });
        }
        let name = format!("suite {}", suite.name());
        let name: String = name.chars().take(60).collect();
        let table = TableMap::new(&name, module.schema(), &map).unwrap();
        let mut client = self.client.borrow_mut();
        client.batch_execute(&format!("DROP TABLE IF EXISTS {}", table.table_sql())).unwrap();
        client.batch_execute(&create_table(&table, false)).unwrap();
        client.batch_execute(&format!("ALTER TABLE {} ADD COLUMN ord integer", table.table_sql())).unwrap();
        let insert = client.prepare(&insert_sql(&table)).unwrap();
        let valid = recordlock::config::validate::validate(&config, &module, &Limits::default());
        let reads = valid
            .map(|v| {
                let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
                RuleSet::new(&v, module.clone(), Default::default(), scope).reads()
            })
            .unwrap_or_default();
        let mut load_errors = BTreeMap::new();
        for (i, text) in records.iter().enumerate() {
            let record: Json = serde_json::from_str(text).unwrap();
            let (params, errors) = row_params(&table, module.schema(), &record);
            let read: Vec<_> = errors
                .iter()
                .filter(|e| reads.iter().any(|s| module.schema().field(*s).api_name() == e.api_name))
                .collect();
            assert!(
                read.iter().all(|e| e.problem == LoadProblem::Invalid),
                "{}: unrepresentable {read:?}",
                suite.name()
            );
            if let Some(e) = read.first() {
                // The record as written cannot be in a typed table: the loader answers for it,
                // as the JSON Lines sweep does (INVALID_RECORD at the field, its input line).
                let error = json!({"code": "INVALID_RECORD", "details": {"api_name": e.api_name,
                    "json_path": format!("$.{}", e.api_name)}, "message": format!("`{}`: the wrong type", e.api_name),
                    "status": "error"});
                load_errors.insert(i, json!({"id": record["id"], "error": error, "line": i + 1}));
                continue;
            }
            let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            client.execute(&insert, &refs).unwrap();
            client
                .execute(
                    &format!("UPDATE {} SET ord = $1 WHERE id = $2", table.table_sql()),
                    &[&(i as i32), &params[0]],
                )
                .unwrap();
        }
        let config_path = common::temp_file("config.json", suite.config_text());
        let mut args: Vec<String> = vec![
            "sweep".into(),
            "--postgres".into(),
            self.conninfo.clone(),
            "--table".into(),
            name.clone(),
            "--order-by".into(),
            "ord".into(),
            "--config".into(),
            config_path,
            "--module".into(),
            suite.module().into(),
        ];
        if let Some(s) = suite.json.get("schema") {
            args.extend(["--schema".into(), common::temp_file("schema.json", s.to_string())]);
        }
        if let Some(tz) = suite.json.get("tz").and_then(Json::as_str) {
            args.extend(["--tz".into(), tz.into()]);
        }
        if all_rules {
            args.push("--all-rules".into());
        }
        let (status, stdout, stderr) = run(&args, "");
        assert!(status == 0 || status == 1, "{}: exit {status}: {stderr}", suite.name());
        let lines: Vec<Json> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        if status != 0 {
            return Output { status, lines };
        }
        // Merge the loader's error lines into the server's lines, by input position.
        let position: BTreeMap<String, usize> = records
            .iter()
            .enumerate()
            .map(|(i, t)| (serde_json::from_str::<Json>(t).unwrap()["id"].to_string().trim_matches('"').to_owned(), i))
            .collect();
        // A table has no input lines: the server's error lines name the record by id, and the
        // line of the record in the suite's order is added here for the contract's check.
        let mut merged: Vec<(usize, Json)> = lines
            .into_iter()
            .map(|mut l| {
                let i = position[l["id"].as_str().unwrap()];
                if let Some(m) = l.as_object_mut().filter(|m| m.contains_key("error")) {
                    m.insert("line".into(), json!(i + 1));
                }
                (i, l)
            })
            .chain(load_errors)
            .collect();
        merged.sort_by_key(|(i, _)| *i);
        client.batch_execute(&format!("DROP TABLE {}", table.table_sql())).unwrap();
        Output { status, lines: merged.into_iter().map(|(_, l)| l).collect() }
    }
}

fn server(test: &str) -> Option<(String, Client)> {
    let conninfo = recordlock_tests::server::conninfo(test)?;
    let client = Client::connect(&conninfo, NoTls).unwrap_or_else(|e| panic!("{test}: cannot connect: {e}"));
    Some((conninfo, client))
}

/// Issue 13: the conformance sweep suites also run through PostgreSQL.
#[test]
fn conformance_sweeps_through_postgres() {
    let Some((conninfo, client)) = server("conformance_sweeps_through_postgres") else { return };
    let engine = PostgresEngine { conninfo, client: std::cell::RefCell::new(client) };
    let mut passed = 0;
    let mut failures = Vec::new();
    for dir in suite_dirs() {
        for suite in suites(&dir).unwrap() {
            let Some(sweep) = suite.json.get("sweep").cloned() else { continue };
            let only_sweep = Suite {
                path: suite.path.clone(),
                json: {
                    let mut j = suite.json.clone();
                    if let Json::Object(m) = &mut j {
                        m.remove("validate");
                        m.remove("decide");
                        m.insert("sweep".into(), sweep);
                    }
                    j
                },
            };
            let (p, f) = check(&engine, &only_sweep);
            passed += p;
            failures.extend(f);
        }
    }
    assert!(failures.is_empty(), "{passed} passed, failed:\n{}", failures.join("\n"));
    assert!(passed >= 10, "only {passed} sweep suites ran");
}

/// `sweep --postgres` prints byte for byte what the JSON Lines sweep prints, on generated
/// Deals records with the example configuration (every rule), loaded by the crate's loader.
#[test]
fn postgres_sweep_prints_what_the_file_sweep_prints() {
    let Some((conninfo, mut client)) = server("postgres_sweep_prints_what_the_file_sweep_prints") else { return };
    let (status, records, _) =
        run(&["gen".into(), "--module".into(), "Deals".into(), "--count".into(), "3000".into()], "");
    assert_eq!(status, 0);
    let config = common::EXAMPLE.to_owned();
    let (status, want, _) = run(
        &["sweep".into(), "--config".into(), config.clone(), "--module".into(), "Deals".into(), "--all-rules".into()],
        &records,
    );
    assert_eq!(status, 0);
    assert!(want.lines().count() > 100, "the example rules lock records");

    let deals = Module::resolve("Deals", None).unwrap();
    let mut map = ColumnMap { id: Some("deal id".into()), columns: BTreeMap::new() };
    map.columns.insert("id".into(), ColumnSpec { column: Some("id".into()), ..ColumnSpec::default() });
    map.columns.insert("Amount".into(), ColumnSpec { column: Some("amount".into()), ..ColumnSpec::default() });
    let table = TableMap::new("generated deals", deals.schema(), &map).unwrap();
    client.batch_execute(&format!("DROP TABLE IF EXISTS {}", table.table_sql())).unwrap();
    client.batch_execute(&create_table(&table, false)).unwrap();
    let insert = client.prepare(&insert_sql(&table)).unwrap();
    for line in records.lines() {
        let record: Json = serde_json::from_str(line).unwrap();
        let (params, errors) = row_params(&table, deals.schema(), &record);
        assert!(errors.is_empty(), "{errors:?}");
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        client.execute(&insert, &refs).unwrap();
    }
    let columns = common::temp_file(
        "columns.json",
        json!({"id": "deal id", "columns": {"id": "id", "Amount": "amount"}}).to_string(),
    );
    let args: Vec<String> = [
        "sweep",
        "--postgres",
        &conninfo,
        "--table",
        "generated deals",
        "--columns",
        &columns,
        "--config",
        &config,
        "--module",
        "Deals",
        "--all-rules",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (status, got, stderr) = run(&args, "");
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(got, want);

    // `sql` with the connection checks the live column types: a float column is refused.
    client
        .batch_execute(&format!("ALTER TABLE {} ALTER COLUMN amount TYPE double precision", table.table_sql()))
        .unwrap();
    let sql: Vec<String> = [
        "sql",
        "--postgres",
        &conninfo,
        "--table",
        "generated deals",
        "--columns",
        &columns,
        "--config",
        &config,
        "--module",
        "Deals",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let (status, _, stderr) = run(&sql, "");
    assert_eq!(status, 2);
    assert!(stderr.contains("double precision"), "{stderr}");
    client.batch_execute(&format!("DROP TABLE {}", table.table_sql())).unwrap();
}
