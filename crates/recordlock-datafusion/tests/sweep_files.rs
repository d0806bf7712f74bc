//! `Sweep` over files gives the JSON Lines sweep's output, line for line (issue 12 §2):
//! JSON Lines (errors included), and a multi-file, multi-row-group Parquet dataset swept
//! on two threads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use recordlock::RuleScope;
use recordlock_datafusion::engine::session;
use recordlock_datafusion::sweep::{Stats, Sweep, input_files};
use serde_json::Value as Json;

fn sweep(policy: &recordlock::Policy, scope: RuleScope, spec: &str, threads: usize) -> (Vec<Json>, Stats) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(threads).enable_all().build().unwrap();
    let files = input_files(spec).unwrap();
    let mut out = Vec::new();
    let stats = rt
        .block_on(async {
            let ctx = session(threads);
            let s = Sweep { policy, scope, ctx: &ctx, remote: false };
            s.run(&files, &mut |lines| {
                out.extend(common::parse_lines(lines));
                Ok(())
            })
            .await
        })
        .unwrap();
    (out, stats)
}

#[test]
fn json_lines_with_errors_match_the_vm() {
    let policy = common::deals_policy();
    let mut lines = common::records(&policy, 20_000, 7);
    // Records that cannot be evaluated, a blank line and a line that is not JSON.
    lines.insert(3, r#"{"id": "bad-1", "Stage": {"not": "text"}}"#.into());
    lines.insert(10, r#"{"id": "bad-2", "Amount": "lots", "Stage": "Closed Lost"}"#.into());
    lines.insert(11, String::new());
    lines.insert(12, "not json".into());
    lines.push(r#"{"id": 99, "Stage": "closed won", "Amount": 1e3}"#.into());
    let dir = common::scratch("jsonl");
    let path = dir.join("deals.jsonl");
    common::write_jsonl(&lines, &path);
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let want = common::vm_lines(&policy, scope, &lines);
        let (got, stats) = sweep(&policy, scope, path.to_str().unwrap(), 2);
        assert!(want.len() > 100, "a sweep that locks little proves little");
        assert_eq!(stats.errors, 3);
        assert_eq!(got, want);
    }
}

#[test]
fn a_partitioned_parquet_dataset_matches_the_vm_in_order() {
    let policy = common::deals_policy();
    let lines = common::records(&policy, 30_000, 11);
    let dir = common::scratch("parquet");
    common::write_parquet(&policy, &lines, &dir, 4, 2_000);
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let want = common::vm_lines(&policy, scope, &lines);
        assert!(want.len() > 1_000);
        for spec in [dir.to_str().unwrap().to_owned(), format!("{}/part=*/*.parquet", dir.display())] {
            let (got, stats) = sweep(&policy, scope, &spec, 2);
            assert_eq!(stats.records, 30_000);
            assert_eq!(got.len(), want.len(), "{spec}");
            assert_eq!(got, want, "{spec}");
        }
    }
}

/// A CSV as Zoho's bulk export writes it — the account lookup under `Account_Name.id` —
/// answers as the JSON Lines sweep of the same records, lookup rules included (read by the
/// columnar engine's CSV reader, as `sweep --format csv` reads it).
#[test]
fn a_bulk_csv_export_matches_the_vm() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/columnar");
    let mut config: Json = serde_json::from_str(&std::fs::read_to_string(sample.join("config.json")).unwrap()).unwrap();
    let rules = config["record_locking_configurations"][0]["locking_rules"].as_array_mut().unwrap();
    let lookup = |name: &str, comparator: &str| {
        serde_json::json!({"name": name, "lock_existing_records": true, "criteria": {
            "field": {"api_name": "Account_Name"}, "comparator": comparator, "value": {"id": "5843104000000000001"}}})
    };
    rules.insert(0, lookup("Account 001", "equal"));
    rules.push(lookup("Not account 001", "not_equal"));
    let policy = recordlock::Policy::new(
        &config,
        recordlock::Module::resolve("Deals", None).unwrap(),
        recordlock::Limits::default(),
        recordlock::criteria::EvalOptions::default(),
    )
    .unwrap();
    let lines: Vec<String> =
        std::fs::read_to_string(sample.join("deals.jsonl")).unwrap().lines().map(str::to_owned).collect();
    let want = common::vm_lines(&policy, RuleScope::All, &lines);
    let named = |name: &str| want.iter().filter(|l| l["rule"]["name"] == name).count();
    assert!(named("Account 001") >= 10 && named("Not account 001") >= 10, "{want:?}");
    let (got, stats) = sweep(&policy, RuleScope::All, sample.join("deals.csv").to_str().unwrap(), 2);
    assert_eq!(stats.records, 400);
    assert_eq!(got, want);
}

/// A record without an id is an error line whatever the rules say of it (no lock could be
/// applied to it), on its own line, in Parquet, CSV and JSON Lines alike — as the JSON Lines
/// sweep and the columnar engine report it.
#[test]
fn records_without_an_id_are_error_lines_in_every_format() {
    let policy = common::deals_policy();
    let mut lines = common::records(&policy, 3_000, 5);
    for (i, line) in lines.iter_mut().enumerate() {
        let mut record: serde_json::Map<String, Json> = serde_json::from_str(line).unwrap();
        if i % 97 == 3 {
            record.remove("id");
        } else if i % 89 == 5 {
            record.insert("id".into(), Json::Null);
        }
        *line = Json::Object(record).to_string();
    }
    let dir = common::scratch("no-ids");
    common::write_parquet(&policy, &lines, &dir.join("parquet"), 2, 500);
    common::write_csv(&lines, &dir.join("records.csv"));
    common::write_jsonl(&lines, &dir.join("records.jsonl"));
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let want = common::vm_lines(&policy, scope, &lines);
        let no_id = want.iter().filter(|l| l["error"]["details"]["api_name"] == "id").count();
        assert!(no_id >= 60, "{no_id} records without an id");
        // One Parquet file's rows are numbered in that file: sweep the first alone.
        let first = dir.join("parquet/part=0/records-000.parquet");
        let (got, _) = sweep(&policy, scope, first.to_str().unwrap(), 2);
        assert_eq!(got, common::vm_lines(&policy, scope, &lines[..1_500]), "Parquet");
        for name in ["records.csv", "records.jsonl"] {
            let (got, stats) = sweep(&policy, scope, dir.join(name).to_str().unwrap(), 2);
            assert_eq!(stats.records, 3_000, "{name}");
            assert_eq!(got, want, "{name}");
        }
    }
}
