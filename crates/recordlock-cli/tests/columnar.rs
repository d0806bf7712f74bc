//! `sweep --format` and `gen --format` (issue 11): the same records in JSON Lines, CSV and
//! Parquet give the same output lines and summary counts; the shared columnar sample gives
//! its expected output in every format; bad columnar input is a clear error.
#![cfg(feature = "columnar")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use std::process::{Command, Output};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deals.json");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/columnar");

fn recordlock(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recordlock")).args(args).output().unwrap()
}

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("recordlock-cli-columnar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

/// The summary's counts (`sweep: N records, L locked, E errors, ...`).
fn counts(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().find(|l| l.starts_with("sweep: ")).unwrap_or_default().to_owned();
    line.split(", ").take(3).collect::<Vec<_>>().join(", ")
}

#[test]
fn gen_formats_sweep_to_identical_output() {
    let mut outputs = Vec::new();
    for (format, file) in [("jsonl", "deals.jsonl"), ("csv", "deals.csv"), ("parquet", "deals.parquet")] {
        let path = temp(file);
        let out = recordlock(&["gen", "--module", "Deals", "--count", "20000", "--format", format, "--output", &path]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        for threads in ["1", "2"] {
            let out = recordlock(&["sweep", "--config", EXAMPLE, "--module", "Deals", "--threads", threads, &path]);
            assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
            outputs.push((format, counts(&out.stderr), out.stdout));
        }
    }
    let (_, first_counts, first) = &outputs[0];
    assert!(first_counts.starts_with("sweep: 20000 records"), "{first_counts}");
    assert!(first.len() > 1000, "the example configuration locks some of the records");
    for (format, c, o) in &outputs {
        assert_eq!(c, first_counts, "{format}");
        assert!(o == first, "{format}: output differs from JSON Lines");
    }
}

#[test]
fn the_columnar_sample_through_the_binary() {
    let expected: Vec<serde_json::Value> = std::fs::read_to_string(format!("{SAMPLE}/expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let config = format!("{SAMPLE}/config.json");
    for file in ["deals.jsonl", "deals.csv", "deals.parquet"] {
        let out = recordlock(&[
            "sweep",
            "--config",
            &config,
            "--module",
            "Deals",
            "--all-rules",
            &format!("{SAMPLE}/{file}"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{file}");
        let got: Vec<serde_json::Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(got, expected, "{file}");
        assert_eq!(counts(&out.stderr), "sweep: 400 records, 150 locked, 0 errors", "{file}");
    }
    // An explicit --format wins over the extension.
    let copy = temp("sample.data");
    std::fs::copy(format!("{SAMPLE}/deals.csv"), &copy).unwrap();
    let out = recordlock(&["sweep", "--config", &config, "--module", "Deals", "--all-rules", "--format", "csv", &copy]);
    assert_eq!(out.stdout.iter().filter(|b| **b == b'\n').count(), 150);
}

#[test]
fn bad_columnar_input_is_a_clear_error() {
    let cut = temp("cut.parquet");
    let bytes = std::fs::read(format!("{SAMPLE}/deals.parquet")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = recordlock(&["sweep", "--config", EXAMPLE, "--module", "Deals", &cut]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.parquet") && err.contains("not a readable Parquet file"), "{err}");
    assert!(out.stdout.is_empty());

    let csv = temp("no-amount.csv");
    std::fs::write(&csv, "id,Stage\n1,Closed Won\n").unwrap();
    let out = recordlock(&["sweep", "--config", EXAMPLE, "--module", "Deals", &csv]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = recordlock(&["sweep", "--config", EXAMPLE, "--module", "Deals", "--format", "parquet", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `gen --format parquet` writes the types issue 11 names: picklists dictionary-encoded,
/// amounts Decimal128 of 18 digits (stored as Parquet INT64, the fast decimal to read), dates
/// Date32, datetimes Timestamp with a zone, and the ids (Zoho's bigint) Int64 without a dictionary.
#[test]
fn gen_writes_parquet_with_the_documented_types() {
    use arrow_schema::{DataType, TimeUnit};
    use parquet::basic::{Encoding, Type as Physical};
    use parquet::file::reader::{FileReader, SerializedFileReader};

    let path = temp("typed.parquet");
    let out = recordlock(&["gen", "--module", "Deals", "--count", "3000", "--format", "parquet", "--output", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::File::open(&path).unwrap();
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let arrow = builder.schema();
    let type_of = |name: &str| arrow.field_with_name(name).unwrap().data_type().clone();
    assert!(matches!(type_of("Stage"), DataType::Dictionary(_, v) if *v == DataType::Utf8), "{:?}", type_of("Stage"));
    assert_eq!(type_of("Amount"), DataType::Decimal128(18, 2));
    assert_eq!(type_of("Closing_Date"), DataType::Date32);
    assert!(matches!(type_of("Created_Time"), DataType::Timestamp(TimeUnit::Microsecond, Some(_))));
    assert_eq!(type_of("id"), DataType::Int64, "record ids are Zoho's bigint");

    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let group = reader.metadata().row_group(0);
    let column = |name: &str| group.columns().iter().find(|c| c.column_path().string() == name).unwrap();
    assert_eq!(column("Amount").column_type(), Physical::INT64);
    let dictionary = |name: &str| {
        column(name).encodings().any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY))
    };
    assert!(dictionary("Stage"), "picklists are dictionary-encoded");
    assert!(!dictionary("id"), "ids are unique: no dictionary");
}
