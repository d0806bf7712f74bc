//! The back-fill inside PostgreSQL (issue 13) against its two floors, side by side in one run,
//! over the same 1M generated Deals records with `examples/deals.json` (lock_existing_records
//! rules):
//!
//! - `stream_ids`: `SELECT "id" FROM deals` read through the same client and cursor (10,000
//!   rows a fetch): what any query that looks at every row costs at least;
//! - `sweep_postgres`: `recordlock sweep --postgres`'s statement (server checks, live column
//!   types) through that cursor, each row written as its JSON line (to a sink);
//! - `sweep_jsonl`: the JSON Lines sweep of the same records from memory, 2 threads, each
//!   locked record written as its JSON line (to a sink).
//!
//! Setup (see the README): a server in `DATABASE_URL` or `PGHOST`, and
//! ```sh
//! target/release/recordlock gen --module Deals --count 1000000 > deals.jsonl
//! psql -f benches/postgres/load-deals.sql < deals.jsonl
//! RECORDLOCK_BENCH_JSONL=deals.jsonl cargo bench -p recordlock-benches --features postgres --bench postgres
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark")]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use postgres::types::ToSql;
use postgres::{Client, NoTls};
use recordlock::config::validate::validate;
use recordlock::criteria::EvalOptions;
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::{Limits, Module, Policy, RuleScope, RuleSet};
use recordlock_sql::{ColumnMap, Folding, SweepSql, TableMap, Verdict, sweep_sql};
use serde_json::{Value as Json, json};

fn conninfo() -> String {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return url;
    }
    let host = std::env::var("PGHOST").expect("set DATABASE_URL or PGHOST");
    let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
    let db = std::env::var("PGDATABASE").unwrap_or_else(|_| "postgres".into());
    format!("host={host} user={user} dbname={db}")
}

fn config() -> Json {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/deals.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn statement(client: &mut Client) -> SweepSql {
    let deals = Module::resolve("Deals", None).unwrap();
    let valid = validate(&config(), &deals, &Limits::default()).unwrap();
    let rules = RuleSet::new(&valid, deals.clone(), EvalOptions::default(), RuleScope::ExistingRecords);
    let probe = Folding::probe();
    let params: Vec<&(dyn ToSql + Sync)> = probe.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    let rows = client.query(&probe.text, &params).unwrap();
    let folding = Folding::from_probe(rows.iter().map(|r| (r.get(0), r.get(1))));
    let table = TableMap::new("deals", deals.schema(), &ColumnMap::default()).unwrap();
    let live: BTreeMap<String, String> = client
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 'deals'::regclass AND attnum > 0 AND NOT attisdropped",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let table = table.with_live_types(deals.schema(), &live, &rules.reads()).unwrap();
    let opts = recordlock_sql::SweepOptions { folding, ..Default::default() };
    sweep_sql(&rules, &table, &opts).unwrap()
}

/// Reads every row of `sql` through a cursor, 10,000 rows a fetch, calling `each` per row.
fn through_cursor(
    client: &mut Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    mut each: impl FnMut(&postgres::Row),
) {
    let mut tx = client.build_transaction().read_only(true).start().unwrap();
    let stmt = tx.prepare(sql).unwrap();
    let portal = tx.bind(&stmt, params).unwrap();
    loop {
        let rows = tx.query_portal(&portal, 10_000).unwrap();
        if rows.is_empty() {
            break;
        }
        rows.iter().for_each(&mut each);
    }
    tx.commit().unwrap();
}

fn postgres_1m(c: &mut Criterion) {
    let mut client = Client::connect(&conninfo(), NoTls).unwrap();
    let sweep = statement(&mut client);
    let params: Vec<&(dyn ToSql + Sync)> = sweep.select.params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    let path = std::env::var("RECORDLOCK_BENCH_JSONL").expect("RECORDLOCK_BENCH_JSONL: the records loaded into deals");
    let text = std::fs::read_to_string(path).unwrap();
    let policy =
        Policy::new(&config(), Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default())
            .unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();

    let mut g = c.benchmark_group("postgres_1m");
    g.sample_size(10);
    g.bench_function("stream_ids", |b| {
        b.iter(|| {
            let mut n = 0u64;
            through_cursor(&mut client, "SELECT \"id\" FROM \"deals\"", &[], |row| {
                let id: Option<String> = row.get(0);
                n += u64::from(black_box(id).is_some());
            });
            n
        })
    });
    g.bench_function("sweep_postgres", |b| {
        b.iter(|| {
            let mut out = std::io::sink();
            through_cursor(&mut client, &sweep.select.text, &params, |row| {
                let id: Option<String> = row.get(0);
                let line = match sweep.verdict(row.get(1)) {
                    Some(Verdict::Rule(r)) => json!({"id": id, "rule": {"id": r.id(), "name": r.name()}}),
                    Some(Verdict::Unevaluable(check)) => json!({"id": id, "error": check.error()}),
                    None => panic!("no such rule"),
                };
                serde_json::to_writer(&mut out, &line).unwrap();
                out.write_all(b"\n").unwrap();
            });
        })
    });
    g.bench_function("sweep_jsonl_2_threads", |b| {
        b.iter(|| {
            pool.install(|| {
                let mut out = std::io::sink();
                let opts = SweepOptions::default();
                sweep_lines(
                    &policy,
                    text.as_bytes(),
                    &opts,
                    |o| {
                        serde_json::to_writer(&mut out, &o.to_json()).unwrap();
                        out.write_all(b"\n").unwrap();
                    },
                    |_| {},
                )
                .unwrap()
            })
        })
    });
    g.finish();
}

criterion_group!(benches, postgres_1m);
criterion_main!(benches);
