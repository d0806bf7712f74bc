//! `sweep --engine datafusion` and `sql --dialect datafusion` through the binary (issue 12
//! §2, §4). Built with the `datafusion` feature only.
#![cfg(feature = "datafusion")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

mod common;

use common::{EXAMPLE, run};

/// The DataFusion sweep of a JSON Lines file (and of stdin) prints, byte for byte, what the
/// JSON Lines sweep prints, errors included.
#[test]
fn datafusion_sweep_prints_the_json_lines_sweep() {
    let generated = run(&["gen", "--module", "Deals", "--count", "3000", "--seed", "5"], "");
    let mut records = String::from_utf8(generated.stdout).unwrap();
    records.push_str("{\"id\": \"bad\", \"Amount\": true}\nnot json\n");
    let file = common::temp_file("deals.jsonl", &records);
    let file = file.as_str();
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
        // The same summary line as the JSON Lines sweep (counts; the time differs).
        let summary = |stderr: &[u8]| -> String {
            let text = String::from_utf8(stderr.to_vec()).unwrap();
            text.split(" errors,").next().unwrap().to_owned()
        };
        assert!(summary(&df.stderr).starts_with("sweep: 3002 records"), "{}", summary(&df.stderr));
        assert_eq!(summary(&df.stderr), summary(&vm.stderr));
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
