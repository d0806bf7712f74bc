//! Files through the columnar sweep: the shared columnar sample (CSV and Parquet written by
//! pyarrow, and Arrow IPC) against its expected output, every conformance `sweep` suite
//! through CSV and Parquet against the JSON Lines sweep, and bad files (SPEC.md §3, §4).

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use parquet::file::reader::FileReader as _;
use recordlock::criteria::{EvalOptions, Schema, TypeClass};
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::{Limits, Module, Policy, RuleScope, RuleSet};
use recordlock_arrow::convert::{Style, batch_from_json};
use recordlock_arrow::read::{self, Source};
use recordlock_arrow::sweep::{LineWriter, SweepError, SweepStats, sweep};
use recordlock_arrow::{MappingError, MappingOptions};
use serde_json::Value as Json;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/columnar")
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "recordlock-arrow-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Sweeps a source; the printed lines (as `recordlock sweep` prints them), the counts and
/// the error that stopped it, if one did.
fn run(source: Source) -> (Vec<String>, SweepStats, Option<SweepError>) {
    let writer = LineWriter::new(&source.plan);
    let mut out = Vec::new();
    let (stats, result) = sweep(source, 3, &writer, |lines| out.write_all(lines), |_| {});
    let lines = String::from_utf8(out).unwrap().lines().map(str::to_owned).collect();
    (lines, stats, result.err())
}

fn json_lines_sweep(policy: &Policy, scope: RuleScope, text: &str) -> Vec<String> {
    let opts = SweepOptions { scope, ..SweepOptions::default() };
    let mut lines = Vec::new();
    sweep_lines(policy, text.as_bytes(), &opts, |o| lines.push(o.to_json().to_string()), |_| {}).unwrap();
    lines
}

fn sample_policy() -> Policy {
    let body: Json = serde_json::from_str(&std::fs::read_to_string(sample().join("config.json")).unwrap()).unwrap();
    Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
}

fn parsed(lines: &[String]) -> Vec<Json> {
    lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The shared sample: CSV and pyarrow's Parquet give exactly `expected.jsonl`, and the same
/// bytes as the JSON Lines sweep of `deals.jsonl`.
#[test]
fn the_columnar_sample_gives_the_expected_sweep_in_every_format() {
    let policy = sample_policy();
    let rules = policy.rule_set(RuleScope::All);
    let expected: Vec<String> =
        std::fs::read_to_string(sample().join("expected.jsonl")).unwrap().lines().map(str::to_owned).collect();
    let jsonl =
        json_lines_sweep(&policy, RuleScope::All, &std::fs::read_to_string(sample().join("deals.jsonl")).unwrap());
    assert_eq!(parsed(&jsonl), parsed(&expected));

    let opts = MappingOptions::default();
    for source in [
        read::csv(&sample().join("deals.csv"), &rules, opts).unwrap(),
        read::parquet(&sample().join("deals.parquet"), &rules, opts).unwrap(),
        // The same file from memory.
        read::parquet_reader(
            bytes::Bytes::from(std::fs::read(sample().join("deals.parquet")).unwrap()),
            "deals.parquet",
            &rules,
            opts,
        )
        .unwrap(),
    ] {
        let (lines, stats, err) = run(source);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(lines, jsonl, "the same bytes as the JSON Lines sweep");
        assert_eq!((stats.records, stats.locked, stats.errors), (400, 150, 0));
    }

    // Arrow IPC, file and stream, of the Parquet file's batches.
    let batches: Vec<RecordBatch> = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(sample().join("deals.parquet")).unwrap(),
    )
    .unwrap()
    .with_batch_size(128)
    .build()
    .unwrap()
    .map(Result::unwrap)
    .collect();
    let file_path = scratch("deals.arrow");
    let mut w =
        arrow_ipc::writer::FileWriter::try_new(std::fs::File::create(&file_path).unwrap(), &batches[0].schema())
            .unwrap();
    let stream_path = scratch("deals.arrows");
    let mut s =
        arrow_ipc::writer::StreamWriter::try_new(std::fs::File::create(&stream_path).unwrap(), &batches[0].schema())
            .unwrap();
    for b in &batches {
        w.write(b).unwrap();
        s.write(b).unwrap();
    }
    w.finish().unwrap();
    s.finish().unwrap();
    for path in [file_path, stream_path] {
        let (lines, stats, err) = run(read::arrow_ipc(&path, &rules, opts).unwrap());
        assert!(err.is_none(), "{err:?}");
        assert_eq!(lines, jsonl);
        assert_eq!(stats.records, 400);
    }
}

/// The sweep's pipeline: many parts of uneven sizes (1 to 23 rows), up to two or three in
/// flight, on pools of one, two and four threads, printed in input order with the counts and
/// the same bytes as the JSON Lines sweep.
#[test]
fn many_uneven_parts_come_out_in_input_order_on_any_pool() {
    let policy = sample_policy();
    let rules = policy.rule_set(RuleScope::All);
    let jsonl =
        json_lines_sweep(&policy, RuleScope::All, &std::fs::read_to_string(sample().join("deals.jsonl")).unwrap());
    let whole: RecordBatch = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(sample().join("deals.parquet")).unwrap(),
    )
    .unwrap()
    .with_batch_size(1024)
    .build()
    .unwrap()
    .next()
    .unwrap()
    .unwrap();
    assert_eq!(whole.num_rows(), 400);
    for (threads, window) in [(1, 2), (2, 2), (2, 3), (4, 3)] {
        let mut parts = Vec::new();
        let (mut start, mut size) = (0, 1);
        while start < whole.num_rows() {
            let rows = size.min(whole.num_rows() - start);
            parts.push(Ok(read::Part::Batch(whole.slice(start, rows).into())));
            start += rows;
            size = size * 7 % 23 + 1;
        }
        assert!(parts.len() > 25, "{}", parts.len());
        let source = Source {
            plan: recordlock_arrow::ColumnarPlan::new(&rules, &whole.schema(), MappingOptions::default()).unwrap(),
            name: "parts".to_owned(),
            parts: Box::new(parts.into_iter()),
        };
        let writer = LineWriter::new(&source.plan);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let (stats, result) =
            pool.install(|| sweep(source, window, &writer, |lines| out.write_all(lines), |s| seen.push(s.records)));
        assert!(result.is_ok(), "{result:?}");
        let lines: Vec<String> = String::from_utf8(out).unwrap().lines().map(str::to_owned).collect();
        assert_eq!(lines, jsonl, "{threads} threads, {window} in flight");
        assert_eq!((stats.records, stats.locked, stats.errors), (400, 150, 0));
        // Progress after every part, rows only ever growing, to the last.
        assert!(seen.windows(2).all(|w| w[0] < w[1]) && seen.last() == Some(&400), "{seen:?}");
    }
}

/// A record as a CSV cell row: text as is, numbers as written, lookups as their id,
/// multi-selects joined by `;`. `None` when a value has no CSV text that reads the same (a
/// JSON boolean in a text field is not the text `true`).
fn csv_cell(value: Option<&Json>, class: TypeClass) -> Option<String> {
    Some(match value {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) if class != TypeClass::Lookup || n.as_str().bytes().all(|b| b.is_ascii_digit()) => {
            n.as_str().to_owned()
        }
        Some(Json::Bool(b)) if class == TypeClass::Boolean => b.to_string(),
        Some(Json::Array(items)) if class == TypeClass::MultiPicklist => {
            let cells: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Json::String(s) if !s.contains(';') => Some(s.clone()),
                    Json::Number(n) => Some(n.as_str().to_owned()),
                    _ => None,
                })
                .collect();
            cells?.join(";")
        }
        Some(Json::Array(items)) if items.is_empty() => String::new(),
        Some(Json::Object(map)) if class == TypeClass::Lookup => match map.get("id") {
            None => return None,
            Some(id) => return csv_cell(Some(id), class),
        },
        // Text that is not the value: readers of other types reject it as JSON ingestion
        // rejects the value, but a text field would take it.
        Some(other) if !matches!(class, TypeClass::Text | TypeClass::Picklist) => other.to_string(),
        Some(_) => return None,
    })
}

fn write_csv(path: &Path, rules: &RuleSet, records: &[Json]) -> bool {
    let schema = rules.schema();
    let fields: Vec<_> = rules.reads().into_iter().map(|s| schema.field(s).clone()).collect();
    let mut w = csv::Writer::from_path(path).unwrap();
    let mut header = vec!["id".to_owned()];
    for f in &fields {
        let lookup = f.data_type().class() == TypeClass::Lookup;
        header.push(if lookup { format!("{}.id", f.api_name()) } else { f.api_name().to_owned() });
    }
    w.write_record(&header).unwrap();
    for r in records {
        let mut row = vec![csv_cell(r.get("id"), TypeClass::Text).unwrap_or_default()];
        for f in &fields {
            match csv_cell(r.get(f.api_name()), f.data_type().class()) {
                Some(c) => row.push(c),
                None => return false,
            }
        }
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    true
}

fn write_parquet(path: &Path, batch: &RecordBatch) {
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// Every `sweep` suite of the conformance suites, through CSV and through Parquet: the same
/// lines as the JSON Lines sweep (ids, rules, which records are errors), and an error line
/// names its row.
#[test]
fn every_conformance_sweep_suite_through_csv_and_parquet() {
    let mut suites = 0;
    let mut through_csv = 0;
    let mut through_integer_ids = 0;
    for dir in recordlock_tests::suite_dirs() {
        for suite in recordlock_tests::suites(&dir).unwrap() {
            let Some(sw) = suite.json.get("sweep") else { continue };
            let schema = suite.json.get("schema").map(|s| Schema::from_json(s).unwrap());
            let Ok(module) = Module::resolve(suite.module(), schema) else { continue };
            let Ok(body) = serde_json::from_str::<Json>(&suite.config_text()) else { continue };
            let tz = suite
                .json
                .get("tz")
                .and_then(Json::as_str)
                .and_then(|t| recordlock::criteria::parse_datetime(&format!("2000-01-01T00:00:00{t}")))
                .map(|t| EvalOptions { tz: *t.offset() })
                .unwrap_or_default();
            let Ok(policy) = Policy::new(&body, module, Limits::default(), tz) else { continue };
            let all = sw.get("all_rules").and_then(Json::as_bool).unwrap_or(false);
            let scope = if all { RuleScope::All } else { RuleScope::ExistingRecords };
            let rules = policy.rule_set(scope);
            let records: Vec<Json> = sw["records"].as_array().cloned().unwrap_or_default();
            let text: String = records.iter().map(|r| format!("{r}\n")).collect();
            let want = json_lines_sweep(&policy, scope, &text);
            let name = suite.name().to_owned();
            suites += 1;

            let same = |got: &[String], how: &str| {
                let (g, w) = (parsed(got), parsed(&want));
                assert_eq!(g.len(), w.len(), "{name} through {how}: {got:?} vs {want:?}");
                for (g, w) in g.iter().zip(&w) {
                    assert_eq!(g["id"], w["id"], "{name} through {how}");
                    assert_eq!(g.get("rule"), w.get("rule"), "{name} through {how}");
                    assert_eq!(g.get("error").is_some(), w.get("error").is_some(), "{name} through {how}");
                    if g.get("error").is_some() {
                        let line = g["line"].as_u64().unwrap() as usize;
                        assert_eq!(records[line - 1]["id"], g["id"], "{name}: `line` names the row");
                    }
                }
            };

            // Ids as text, then as Int64 where every id is an integer (`gen`'s layout).
            for style in [Style::default(), Style { integer_ids: true, ..Style::default() }] {
                let batch = batch_from_json(rules.schema(), &rules.reads(), &records, &style).unwrap();
                let integer = batch.column(0).data_type() == &arrow_schema::DataType::Int64;
                through_integer_ids += usize::from(integer);
                let parquet_path = scratch("suite.parquet");
                write_parquet(&parquet_path, &batch);
                let (lines, stats, err) = run(read::parquet(&parquet_path, &rules, MappingOptions::default()).unwrap());
                assert!(err.is_none(), "{name}: {err:?}");
                assert_eq!(stats.records, records.len() as u64);
                same(&lines, if integer { "Parquet with Int64 ids" } else { "Parquet" });
            }

            let csv_path = scratch("suite.csv");
            if write_csv(&csv_path, &rules, &records) {
                let (lines, stats, err) = run(read::csv(&csv_path, &rules, MappingOptions::default()).unwrap());
                assert!(err.is_none(), "{name}: {err:?}");
                assert_eq!(stats.records, records.len() as u64);
                same(&lines, "CSV");
                through_csv += 1;
            }
        }
    }
    assert!(suites >= 13, "{suites} sweep suites");
    assert!(through_integer_ids >= 5, "{through_integer_ids} suites with Int64 ids");
    eprintln!(
        "{suites} sweep suites through Parquet ({through_integer_ids} with Int64 ids too), {through_csv} through CSV"
    );
}

fn deals_rules() -> RuleSet {
    sample_policy().rule_set(RuleScope::All)
}

/// A Parquet file cut short is an error naming the file, never a panic.
#[test]
fn a_truncated_parquet_file_is_an_error() {
    let bytes = std::fs::read(sample().join("deals.parquet")).unwrap();
    for keep in [0, 4, bytes.len() / 2, bytes.len() - 9] {
        let path = scratch("cut.parquet");
        std::fs::write(&path, &bytes[..keep]).unwrap();
        match read::parquet(&path, &deals_rules(), MappingOptions::default()) {
            Err(e @ SweepError::Open { .. }) => assert!(e.to_string().contains("cut.parquet"), "{e}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(source) => {
                let (_, _, err) = run(source);
                assert!(err.is_some(), "a cut file must not sweep cleanly");
            }
        }
    }
    // Pages corrupted behind an intact footer: reading fails part way, the rows before are
    // counted, and the error says after which row.
    let mut bad = bytes.clone();
    for b in bad.iter_mut().skip(8).take(2000) {
        *b = 0x5a;
    }
    let path = scratch("corrupt.parquet");
    std::fs::write(&path, &bad).unwrap();
    if let Ok(source) = read::parquet(&path, &deals_rules(), MappingOptions::default()) {
        let (_, stats, err) = run(source);
        let err = err.expect("corrupt pages are an error");
        assert!(err.to_string().contains(&format!("after row {}", stats.records)), "{err}");
    }
}

/// A ragged CSV row, a read value that is not UTF-8 and a row without an id are error lines
/// with their row number; every row is counted; unread columns are not checked.
#[test]
fn bad_csv_rows_are_error_lines_and_every_row_is_counted() {
    let path = scratch("bad.csv");
    let mut text = b"id,Stage,Amount,Closing_Date,Deal_Name,Lead_Source,Description\n".to_vec();
    text.extend_from_slice(b"1,Closed Won,60000,2024-01-01,ACME,Web,ok\n");
    text.extend_from_slice(b"2,Closed Won,60000\n"); // ragged
    text.extend_from_slice(b"3,Closed Won,lots,2024-01-01,ACME,Web,ok\n"); // not a number
    text.extend_from_slice(b"4,Closed Won,60000,2024-01-01,\xff\xfe,Web,ok\n"); // not UTF-8, read
    text.extend_from_slice(b"5,Closed Won,60000,2024-01-01,ACME,Web,\xff\n"); // not UTF-8, unread
    text.extend_from_slice(b"6,Qualification,1,2024-01-01,x,Web,ok,extra\n"); // ragged
    text.extend_from_slice(b",Closed Won,60000,2024-01-01,ACME,Web,ok\n"); // no id: no lock could be applied
    std::fs::write(&path, &text).unwrap();
    let (lines, stats, err) = run(read::csv(&path, &deals_rules(), MappingOptions::default()).unwrap());
    assert!(err.is_none());
    assert_eq!((stats.records, stats.locked, stats.errors), (7, 2, 5));
    let got = parsed(&lines);
    let ids: Vec<Option<&str>> = got.iter().map(|l| l["id"].as_str()).collect();
    assert_eq!(ids, [Some("1"), Some("2"), Some("3"), Some("4"), Some("5"), Some("6"), None]);
    assert_eq!(got[6]["error"]["details"]["json_path"], "$.id");
    for (l, line) in got.iter().zip(1..) {
        if l.get("error").is_some() {
            assert_eq!(l["line"], line);
        }
    }
    assert!(got[1]["error"]["message"].as_str().unwrap().contains("row 2 has 3 cells"));
    assert_eq!(got[2]["error"]["details"]["api_name"], "Amount");
    assert!(got[3]["error"]["message"].as_str().unwrap().contains("not UTF-8"));
    assert!(got[4].get("rule").is_some(), "an unread column is not checked");
}

/// A column of the wrong type is an error before any row is read, naming the column, its
/// type and what the field accepts (floats say why they are refused).
#[test]
fn a_column_of_the_wrong_type_is_refused_before_any_output() {
    let ids: ArrayRef = Arc::new(StringArray::from(vec!["1"]));
    let amounts: ArrayRef = Arc::new(Float64Array::from(vec![60000.0]));
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("id", ids),
        ("Amount", amounts),
        ("Stage", text("Closed Won")),
        ("Closing_Date", text("2024-01-01")),
        ("Deal_Name", text("x")),
        ("Lead_Source", text("Web")),
    ])
    .unwrap();
    let path = scratch("float.parquet");
    write_parquet(&path, &batch);
    let err = read::parquet(&path, &deals_rules(), MappingOptions::default()).err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, SweepError::Mapping(MappingError::WrongType { .. })), "{text}");
    for part in ["`Amount`", "Float64", "currency", "Decimal128", "not exact"] {
        assert!(text.contains(part), "{text} lacks {part}");
    }
    // Opting in reads the floats (60000 >= 50000.10 and Closed Won: locked).
    let source = read::parquet(&path, &deals_rules(), MappingOptions { allow_float: true }).unwrap();
    let (lines, stats, _) = run(source);
    assert_eq!((stats.records, stats.locked), (1, 1), "{lines:?}");

    let missing = scratch("missing.csv");
    std::fs::write(&missing, "id,Stage\n1,Closed Won\n").unwrap();
    let err = read::csv(&missing, &deals_rules(), MappingOptions::default()).err().unwrap();
    assert!(err.to_string().contains("no column `Deal_Name` (a text field the rules read)"), "{err}");
}

/// Found by the `parquet` fuzz target: a file whose `ARROW:schema` hint holds a type
/// arrow-ipc does not know made the Parquet reader panic (arrow-ipc's `unimplemented!`) when
/// the file was opened. Such a hint is now ignored and the file read by its Parquet schema.
#[test]
fn a_parquet_file_with_a_corrupt_arrow_schema_hint_is_read_without_it() {
    let rules = sample_policy().rule_set(RuleScope::All);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corrupt-arrow-schema-hint.parquet");
    match read::parquet(&path, &rules, MappingOptions::default()) {
        Ok(source) => {
            let (_, stats, _) = run(source);
            assert!(stats.locked + stats.errors <= stats.records);
        }
        Err(e) => assert!(e.to_string().contains("corrupt-arrow-schema-hint.parquet"), "{e}"),
    }
}

/// Found by the `parquet` fuzz target: a corrupt page made the Parquet crate's bit reader
/// panic (`num_bits <= T::BIT_CAPACITY`) while a batch was decoded. It is now a read error
/// naming the file and the rows swept before it.
#[test]
fn a_parquet_file_with_a_corrupt_page_is_a_read_error_not_a_panic() {
    let rules = sample_policy().rule_set(RuleScope::All);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corrupt-page.parquet");
    let source = read::parquet(&path, &rules, MappingOptions::default()).unwrap();
    let (_, stats, err) = run(source);
    match err {
        Some(SweepError::Read { path, after_rows, .. }) => {
            assert!(path.ends_with("corrupt-page.parquet"));
            assert_eq!(after_rows, stats.records);
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

/// A file whose statistics are corrupt (a decimal's maximum longer than 16 bytes, found by
/// the `parquet` fuzz target: the Parquet crate asserts when it decodes them) is not
/// pruned, and its corrupt rows are a read error, not a panic.
#[test]
fn a_parquet_file_with_corrupt_statistics_is_not_pruned_and_not_a_panic() {
    let rules = sample_policy().rule_set(RuleScope::All);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corrupt-statistics.parquet");
    match read::parquet(&path, &rules, MappingOptions::default()) {
        Err(SweepError::Open { path, .. }) => assert!(path.ends_with("corrupt-statistics.parquet"), "{path}"),
        Err(other) => panic!("expected the file refused or read, got {other}"),
        Ok(source) => {
            let (_, stats, err) = run(source);
            assert_eq!(stats.skipped, 0, "{stats:?}");
            assert!(matches!(err, None | Some(SweepError::Read { .. })), "{err:?}");
        }
    }
}

/// A Parquet file of generated Deals sorted by Amount, in row groups of 100 rows: the groups
/// whose Amount statistics rule the rule out are skipped unread, and the sweep prints exactly
/// the JSON Lines sweep of the same records.
#[test]
fn row_groups_the_statistics_rule_out_are_skipped_and_the_output_is_unchanged() {
    let deals = Module::resolve("Deals", None).unwrap();
    let generator = recordlock::synth::RecordGenerator::new(deals.schema(), 7);
    let mut records: Vec<Json> = (0..2_000).map(|i| serde_json::from_str(&generator.record(i)).unwrap()).collect();
    let amount = |r: &Json| r.get("Amount").and_then(|a| a.as_str().map(str::to_owned).or_else(|| Some(a.to_string())));
    let cents = |r: &Json| amount(r).and_then(|a| a.parse::<f64>().ok()).unwrap_or(-1.0);
    records.sort_by(|a, b| cents(a).total_cmp(&cents(b)));
    let body: Json = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "Big", "lock_existing_records": true,
         "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_equal", "value": "40000"}}]}]});
    let policy = Policy::new(&body, deals, Limits::default(), EvalOptions::default()).unwrap();
    let rules = policy.rule_set(RuleScope::ExistingRecords);
    // Amounts as `gen --format parquet` writes them (18 digits: Parquet INT64) and as a wider
    // decimal (20 digits: 9-byte FIXED_LEN_BYTE_ARRAY), whose statistics Parquet keeps apart.
    for precision in [18, 20] {
        let style = Style { picklist_dictionary: true, fixed_decimal: Some((precision, 2)), ..Style::default() };
        // Every field, as `gen --format parquet` writes them: the sweep reads two columns of many.
        let schema = rules.schema();
        let slots: Vec<_> = (0..schema.fields().len())
            .filter(|i| {
                schema.fields()[*i].api_name() != "id"
                    && schema.fields()[*i].data_type().class() != TypeClass::Unsupported
            })
            .filter_map(recordlock::criteria::Slot::new)
            .collect();
        let batch = batch_from_json(rules.schema(), &slots, &records, &style).unwrap();
        let path = scratch(&format!("sorted-{precision}.parquet"));
        let props =
            parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(100)).build();
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let meta = parquet::file::reader::SerializedFileReader::new(file).unwrap();
        let amount = meta
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .find(|c| c.name() == "Amount")
            .map(|c| c.physical_type());
        let expected =
            if precision <= 18 { parquet::basic::Type::INT64 } else { parquet::basic::Type::FIXED_LEN_BYTE_ARRAY };
        assert_eq!(amount, Some(expected));

        let (lines, stats, err) = run(read::parquet(&path, &rules, MappingOptions::default()).unwrap());
        assert!(err.is_none(), "{err:?}");
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        assert_eq!(lines, json_lines_sweep(&policy, RuleScope::ExistingRecords, &text));
        assert_eq!(stats.records, 2_000);
        assert!(stats.locked > 0, "{stats:?}");
        assert!(stats.skipped >= 1_000, "most groups hold no amount of 40,000 or more: {stats:?}");
        assert_eq!(stats.skipped % 100, 0, "whole groups: {stats:?}");
    }
}

/// `integer_ids` makes the id column Int64 only when every id is written back unchanged: a
/// leading zero, a plus sign, a fraction, a value past Int64 or a non-number keeps them text.
#[test]
fn ids_are_int64_only_when_every_id_reads_back_unchanged() {
    let rules = deals_rules();
    let style = Style { integer_ids: true, ..Style::default() };
    let type_of = |ids: &[Json]| {
        let records: Vec<Json> = ids.iter().map(|id| serde_json::json!({"id": id, "Stage": "Closed Won"})).collect();
        let batch = batch_from_json(rules.schema(), &rules.reads(), &records, &style).unwrap();
        batch.column(0).data_type().clone()
    };
    let int64 = arrow_schema::DataType::Int64;
    assert_eq!(type_of(&[Json::from("-7"), Json::Null, Json::from("5843104000100000000"), Json::from(12)]), int64);
    for odd in [
        Json::from("007"),
        Json::from("+7"),
        Json::from("-0"),
        Json::from("7.0"),
        Json::from(7.5),
        Json::from("9223372036854775808"),
        Json::from("x"),
        Json::Bool(true),
    ] {
        assert_ne!(type_of(&[Json::from("1"), odd.clone()]), int64, "{odd}");
    }
}
