//! `sweep --engine datafusion` and `sql --dialect datafusion` through the binary (issue 12
//! §2, §4). Built with the `datafusion` feature only.
#![cfg(feature = "datafusion")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/deals.json");

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_recordlock"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The DataFusion sweep of a JSON Lines file (and of stdin) prints, byte for byte, what the
/// JSON Lines sweep prints, errors included.
#[test]
fn datafusion_sweep_prints_the_json_lines_sweep() {
    let generated = run(&["gen", "--module", "Deals", "--count", "3000", "--seed", "5"], "");
    let mut records = String::from_utf8(generated.stdout).unwrap();
    records.push_str("{\"id\": \"bad\", \"Amount\": true}\nnot json\n");
    let dir = std::env::temp_dir().join(format!("recordlock-cli-df-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deals.jsonl");
    std::fs::write(&file, &records).unwrap();
    let file = file.to_str().unwrap();
    for extra in [&[][..], &["--all-rules"][..]] {
        let base = ["sweep", "--config", EXAMPLE, "--module", "Deals"];
        let vm = run(&[&base[..], extra, &[file]].concat(), "");
        let df = run(&[&base[..], extra, &["--engine", "datafusion", file]].concat(), "");
        let df_stdin = run(&[&base[..], extra, &["--engine", "datafusion", "-"]].concat(), &records);
        assert_eq!(vm.status.code(), Some(0));
        assert_eq!(df.status.code(), Some(0), "{}", String::from_utf8_lossy(&df.stderr));
        assert!(vm.stdout.len() > 1000);
        assert_eq!(String::from_utf8(df.stdout).unwrap(), String::from_utf8(vm.stdout.clone()).unwrap());
        assert_eq!(df_stdin.stdout, vm.stdout);
        let summary = String::from_utf8(df.stderr).unwrap();
        assert!(summary.starts_with("sweep (datafusion): 3002 records"), "{summary}");
    }
}

/// A path that names nothing is a usage error (exit 2) naming it; `--cluster` needs the
/// DataFusion engine.
#[test]
fn datafusion_sweep_errors_name_the_input() {
    let out = run(
        &["sweep", "--config", EXAMPLE, "--module", "Deals", "--engine", "datafusion", "/nonexistent/*.parquet"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("/nonexistent/*.parquet"));
    let out = run(&["sweep", "--config", EXAMPLE, "--module", "Deals", "--cluster", "df://localhost:50050", "-"], "");
    assert_eq!(out.status.code(), Some(2));
}

/// `sql --dialect datafusion` prints a SELECT with the CASE and the filter, constants
/// lowered and escaped, and runs in DataFusion.
#[test]
fn sql_prints_the_rules_as_datafusion_sql() {
    let out = run(&["sql", "--dialect", "datafusion", "--config", EXAMPLE, "--module", "Deals", "--scope", "all"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains("SELECT \"id\", CASE WHEN"), "{sql}");
    assert!(sql.contains("lower(\"Stage\") = 'closed won'") || sql.contains("lower(Stage) = 'closed won'"), "{sql}");
    assert!(sql.contains("FROM \"t\""), "{sql}");
    assert!(sql.contains("--   2: Old ACME negotiations"), "{sql}");
}
