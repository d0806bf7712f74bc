//! Leap seconds (`23:59:60`, which RFC 3339 allows and the VM orders after every instant of
//! the second it extends and before the next second) give the VM's answers on DataFusion:
//! as constants against Parquet timestamps of every unit (which cannot hold one), and as
//! values read from text — JSON Lines, CSV and a Parquet file of RFC 3339 text columns —
//! which become exact instant keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::sync::Arc;

use datafusion::arrow::datatypes::TimeUnit;
use datafusion::parquet::arrow::ArrowWriter;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_arrow::convert::{Style, batch_from_json};
use recordlock_datafusion::engine::session;
use recordlock_datafusion::sweep::{Sweep, input_files};
use serde_json::{Value as Json, json};

const LEAPS: [&str; 3] = ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2017-01-01T05:29:60.999999999+05:30"];

/// Instants a timestamp holds, around the leap second, in several offsets.
const NEAR: [&str; 8] = [
    "2016-12-31T23:59:59Z",
    "2016-12-31T23:59:59.999Z",
    "2016-12-31T23:59:59.999999Z",
    "2016-12-31T23:59:59.999999999Z",
    "2017-01-01T00:00:00Z",
    "2017-01-01T05:30:00.000001+05:30",
    "2016-12-31T18:59:59-05:00",
    "2017-01-02T00:00:00Z",
];

/// One rule per comparator and leap-second constant, each in its own configuration (rule
/// order would hide later rules), with a date rule (the leap second's calendar day in the
/// evaluation zone) beside them.
fn policies() -> Vec<Policy> {
    let mut out = Vec::new();
    for leap in LEAPS {
        for (comparator, value) in [
            ("equal", json!(leap)),
            ("not_equal", json!(leap)),
            ("in", json!([leap, "2017-01-01T00:00:00Z"])),
            ("not_in", json!([leap])),
            ("less_than", json!(leap)),
            ("less_equal", json!(leap)),
            ("greater_than", json!(leap)),
            ("greater_equal", json!(leap)),
            ("between", json!([leap, "2017-01-01T00:00:00Z"])),
            ("between", json!(["2016-12-31T23:59:59.999999Z", leap])),
            ("not_between", json!([leap, "2017-01-01T00:00:00.000001Z"])),
            ("equal", json!("2016-12-31")),
            ("greater_than", json!("2016-12-31")),
        ] {
            let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
                {"name": format!("{comparator} {value}"), "lock_existing_records": true,
                 "criteria": {"field": {"api_name": "Created_Time"}, "comparator": comparator, "value": value}}]}]});
            for tz in [0, 19_800, -18_000] {
                let opts = EvalOptions { tz: chrono::FixedOffset::east_opt(tz).unwrap() };
                let deals = Module::resolve("Deals", None).unwrap();
                out.push(Policy::new(&body, deals, Limits::default(), opts).unwrap());
            }
        }
    }
    out
}

fn records(instants: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = instants
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": format!("r{i}"), "Created_Time": t}).to_string())
        .collect();
    lines.push(json!({"id": "empty", "Created_Time": null}).to_string());
    lines
}

fn sweep(policy: &Policy, spec: &str) -> Vec<Json> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let files = input_files(spec).unwrap();
    let mut out = Vec::new();
    rt.block_on(async {
        let ctx = session(1);
        let s = Sweep { policy, scope: RuleScope::All, ctx: &ctx, remote: false };
        s.run(&files, &mut |lines| {
            out.extend(common::parse_lines(lines));
            Ok(())
        })
        .await
    })
    .unwrap();
    out
}

fn write_parquet(policy: &Policy, lines: &[String], style: &Style, path: &std::path::Path) {
    let records: Vec<Json> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let reads = policy.rule_set(RuleScope::All).reads();
    let batch = batch_from_json(policy.schema(), &reads, &records, style).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, Arc::clone(&batch.schema()), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn leap_second_constants_against_timestamps_of_every_unit_match_the_vm() {
    let dir = common::scratch("leap-constants");
    let mut locked = 0;
    for (unit, tick) in [
        (TimeUnit::Second, 1_000_000_000),
        (TimeUnit::Millisecond, 1_000_000),
        (TimeUnit::Microsecond, 1_000),
        (TimeUnit::Nanosecond, 1),
    ] {
        // The instants this unit holds exactly (a column of the unit, not a fallback).
        let held: Vec<&str> = NEAR
            .iter()
            .copied()
            .filter(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp_subsec_nanos() % tick == 0)
            .collect();
        let lines = records(&held);
        for (p, policy) in policies().iter().enumerate() {
            let want = common::vm_lines(policy, RuleScope::All, &lines);
            locked += want.len();
            let path = dir.join(format!("p{p}-{unit:?}.parquet"));
            write_parquet(policy, &lines, &Style { unit, ..Style::default() }, &path);
            let got = sweep(policy, path.to_str().unwrap());
            assert_eq!(got, want, "policy {p} ({:?}), {unit:?}", policy.rules()[0].name());
        }
        let schema = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(dir.join(format!("p0-{unit:?}.parquet"))).unwrap(),
        )
        .unwrap()
        .schema()
        .clone();
        let column = schema.field_with_name("Created_Time").unwrap();
        assert_eq!(column.data_type(), &datafusion::arrow::datatypes::DataType::Timestamp(unit, Some("UTC".into())));
    }
    assert!(locked > 100, "the rules lock little: {locked}");
}

#[test]
fn leap_second_values_read_from_text_match_the_vm() {
    let dir = common::scratch("leap-values");
    let mut instants: Vec<&str> = NEAR.to_vec();
    instants.extend(LEAPS);
    instants.extend([
        "2016-12-31T23:59:60.999999999Z",
        "2015-06-30T23:59:60Z",
        "not a datetime",
        "2016-12-31T23:59:61Z",
    ]);
    let lines = records(&instants);
    let jsonl = dir.join("records.jsonl");
    common::write_jsonl(&lines, &jsonl);
    let csv = dir.join("records.csv");
    let mut text = String::from("id,Created_Time\n");
    for line in &lines {
        let r: Json = serde_json::from_str(line).unwrap();
        text.push_str(&format!("{},{}\n", r["id"].as_str().unwrap(), r["Created_Time"].as_str().unwrap_or("")));
    }
    std::fs::write(&csv, text).unwrap();
    let mut locked = 0;
    for (p, policy) in policies().iter().enumerate() {
        let want = common::vm_lines(policy, RuleScope::All, &lines);
        locked += want.iter().filter(|l| l.get("rule").is_some()).count();
        assert_eq!(sweep(policy, jsonl.to_str().unwrap()), want, "JSON Lines, policy {p}");
        // CSV and Parquet text carry the same values; their error lines say the same of the
        // one bad value on the same line (a CSV's line: its row, the header not counted).
        let errors = |lines: &[Json]| -> Vec<(Json, Json)> {
            lines.iter().filter(|l| l.get("error").is_some()).map(|l| (l["id"].clone(), l["line"].clone())).collect()
        };
        let csv_got = sweep(policy, csv.to_str().unwrap());
        assert_eq!(without_errors(&csv_got), without_errors(&want), "CSV, policy {p}");
        assert_eq!(errors(&csv_got), errors(&want), "CSV, policy {p}");
        let parquet = dir.join(format!("p{p}.parquet"));
        write_parquet(policy, &lines, &Style { all_text: true, ..Style::default() }, &parquet);
        let got = sweep(policy, parquet.to_str().unwrap());
        assert_eq!(without_errors(&got), without_errors(&want), "Parquet text, policy {p}");
        assert_eq!(errors(&got), errors(&want), "Parquet text, policy {p}");
        assert_eq!(errors(&got).len(), 2);
    }
    assert!(locked > 100, "the rules lock little: {locked}");
}

fn without_errors(lines: &[Json]) -> Vec<Json> {
    lines.iter().filter(|l| l.get("error").is_none()).cloned().collect()
}
