//! The commands beyond the conformance suites: explain, disasm, gen, and sweep's summary
//! (CONTRACT.md).

mod common;

use common::{EXAMPLE, run, temp_file};

/// `explain` prints every rule's verdict and each leaf's value and result, marking the
/// leaves that decided; `--json` prints the same as one JSON object.
#[test]
fn explain_shows_every_rule_and_leaf() {
    let record =
        temp_file("record.json", r#"{"id": "9", "Stage": "Closed Lost", "Amount": 75000, "Deal_Name": "ACME x"}"#);
    let out = run(&["explain", "--config", EXAMPLE, "--module", "Deals", &record], "");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("locked by rule \"Large lost deals\""), "{text}");
    assert!(text.contains("rule \"Closed Won\", lock_existing_records: does not match"), "{text}");
    assert!(text.contains("* Stage equal \"Closed Won\": value \"Closed Lost\" → false"), "{text}");
    assert!(text.contains("Amount greater_equal \"50000\": value 75000 → true"), "{text}");
    let out = run(&["explain", "--json", "--config", EXAMPLE, "--module", "Deals", &record], "");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["lock"]["name"], "Large lost deals");
    assert_eq!(json["rules"].as_array().unwrap().len(), 3);
    let bad = temp_file("bad.json", r#"{"Amount": "lots"}"#);
    let out = run(&["explain", "--config", EXAMPLE, "--module", "Deals", &bad], "");
    assert_eq!(out.status.code(), Some(1), "an unreadable record is invalid input");
}

/// `disasm` prints a header per rule, then one instruction a line.
#[test]
fn disasm_prints_one_instruction_a_line() {
    let out = run(&["disasm", "--config", EXAMPLE, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let headers = text.lines().filter(|l| l.starts_with("rule ")).count();
    let instructions = text.lines().filter(|l| l.starts_with("000")).count();
    assert_eq!((headers, instructions), (3, 5), "{text}");
    assert!(text.contains("option_eq \"Closed Won\""), "{text}");
}

/// `gen` is deterministic per seed, writes valid JSON lines the module's schema accepts, and
/// a different seed gives different records.
#[test]
fn gen_is_deterministic() {
    let a = run(&["gen", "--module", "Deals", "--count", "500", "--seed", "4"], "");
    let b = run(&["gen", "--module", "Deals", "--count", "500", "--seed", "4"], "");
    let c = run(&["gen", "--module", "Deals", "--count", "500", "--seed", "5"], "");
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert_eq!(text.lines().count(), 500);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_string());
    }
    // Every generated record is readable by a sweep with every rule applied.
    let out = run(&["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", "-"], &text);
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(summary.contains("500 records") && summary.contains(" 0 errors"), "{summary}");
    let locked = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(locked > 10 && locked < 400, "typical rules lock a few percent to half: {locked}");
}

/// `decide` answers a bad line with an error line and goes on; `sweep` summarises on stderr
/// and keeps stdout to JSON lines.
#[test]
fn bad_lines_do_not_stop_a_run() {
    let input =
        "not json\n{\"record\": {\"Stage\": \"Closed Won\"}, \"actor\": {}, \"operation\": {\"action\": \"delete\"}}\n";
    let out = run(&["decide", "--config", EXAMPLE, "--module", "Deals", "-"], input);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["error"].is_object());
    assert_eq!(lines[1]["code"], "RECORD_LOCKED");
    let out = run(
        &["sweep", "--config", EXAMPLE, "--module", "Deals", "-"],
        "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n\u{1}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("sweep: 2 records, 1 locked, 1 errors,") && stderr.contains("records/s"), "{stderr}");
}
