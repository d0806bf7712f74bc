//! Issue 15, items 8–12 and 18: errors that say where, records never lost, one reading of a
//! record for every command, and explanations that show what the record holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use std::process::Output;

use serde_json::{Value as Json, json};

mod common;
use common::{EXAMPLE, lines, run, temp_file};

const SWEEP: &[&str] = &["sweep", "--all-rules", "--config", EXAMPLE, "--module", "Deals", "-"];
const DECIDE: &[&str] = &["decide", "--config", EXAMPLE, "--module", "Deals", "-"];

fn diff_args(old: &str) -> Vec<String> {
    ["diff", "--old", old, "--new", EXAMPLE, "--module", "Deals", "-"].map(str::to_owned).to_vec()
}

/// A configuration locking nothing, to diff against the example: every record the example
/// locks is a `lock` change.
fn unlocked_config() -> String {
    temp_file("manual.json", br#"{"record_locking_configurations": [{"lock_type": "manual"}]}"#)
}

fn run_diff(stdin: &[u8]) -> Output {
    let old = unlocked_config();
    let args = diff_args(&old);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
}

fn request(record: &Json) -> String {
    json!({"record": record, "actor": {"id": "u1"}, "operation": {"action": "delete"}}).to_string()
}

/// Item 8: every error line of `sweep`, `diff` and `decide` carries its 1-based input line,
/// blank lines counted.
#[test]
fn error_lines_carry_the_input_line() {
    let input = "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n\n\nnot json\n{\"id\": \"2\", \"Amount\": \"lots\"}\n";
    let out = run(SWEEP, input.as_bytes());
    let got = lines(&out);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], json!({"id": "1", "rule": {"id": null, "name": "Closed Won"}}), "a lock line has no `line`");
    assert_eq!((&got[1]["line"], &got[1]["id"]), (&json!(4), &Json::Null));
    let message = got[1]["error"]["message"].as_str().unwrap();
    assert!(message.contains("at column 2") && !message.contains("line 1"), "the record's line is `line`: {message}");
    assert_eq!((&got[2]["line"], &got[2]["id"]), (&json!(5), &json!("2")));
    assert_eq!(got[2]["error"]["details"]["json_path"], "$.Amount");

    let got = lines(&run_diff(input.as_bytes()));
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0]["change"], "lock");
    assert_eq!((&got[1]["line"], &got[2]["line"]), (&json!(4), &json!(5)));

    let good = request(&json!({"Stage": "Closed Won"}));
    let input = format!("{good}\n\nnot json\n{good}\n{{\"record\": {{}}}}\n");
    let got = lines(&run(DECIDE, input.as_bytes()));
    assert_eq!(got.len(), 4, "one answer per non-blank line: {got:?}");
    assert_eq!(got[0]["code"], "RECORD_LOCKED");
    assert!(got[0].get("line").is_none(), "decisions are not error lines");
    assert_eq!((&got[1]["error"]["code"], &got[1]["line"]), (&json!("INVALID_DATA"), &json!(3)));
    assert_eq!(got[2]["code"], "RECORD_LOCKED");
    assert_eq!((&got[3]["error"]["code"], &got[3]["line"]), (&json!("MANDATORY_NOT_FOUND"), &json!(5)));
}

/// Item 9: a record without a usable id is an error line naming `$.id`, never a lock nobody
/// can apply; a duplicated `id` is a duplicate key.
#[test]
fn records_without_a_usable_id_are_errors() {
    let records = [
        r#"{"Stage": "Closed Won"}"#,
        r#"{"id": null, "Stage": "Closed Won"}"#,
        r#"{"id": true, "Stage": "Closed Won"}"#,
        r#"{"id": {"id": "1"}, "Stage": "Closed Won"}"#,
        r#"{"id": "1", "Stage": "Closed Won", "id": "2"}"#,
    ];
    let input = records.join("\n") + "\n";
    for (command, out) in [("sweep", run(SWEEP, input.as_bytes())), ("diff", run_diff(input.as_bytes()))] {
        let got = lines(&out);
        assert_eq!(got.len(), records.len(), "{command}: {got:?}");
        for (i, line) in got.iter().enumerate() {
            assert!(line.get("rule").is_none() && line.get("change").is_none(), "{command}: {line}");
            assert_eq!(line["error"]["details"]["json_path"], "$.id", "{command}: {line}");
            assert_eq!(line["line"], i + 1, "{command}: {line}");
        }
        assert_eq!(got[0]["error"]["code"], "INVALID_RECORD");
        assert!(got[4]["error"]["message"].as_str().unwrap().contains("given twice"), "{command}");
    }
}

/// Item 10: two spellings of one lock key are one key given twice.
#[test]
fn lock_keys_differing_in_case_are_duplicates() {
    let lock = json!({"Lock_Source__s": "Manual", "LOCK_SOURCE__S": "Automatic", "Locked_Reason__s": "x"});
    let line = json!({"record": {}, "lock": lock, "actor": {"id": "u"}, "operation": {"action": "delete"}});
    let got = lines(&run(DECIDE, format!("{line}\n").as_bytes()));
    assert_eq!(got[0]["error"]["code"], "INVALID_DATA", "{got:?}");
    assert!(got[0]["error"]["details"]["json_path"].as_str().unwrap().starts_with("$.lock."), "{got:?}");
    let record = json!({"id": "1", "Stage": "Closed Won", "Locking_Information__s": lock});
    let got = lines(&run_diff(format!("{record}\n").as_bytes()));
    assert_eq!(got.len(), 1, "not silently manual: {got:?}");
    assert_eq!(got[0]["error"]["code"], "INVALID_RECORD");
}

/// Item 11: messages that say where and what.
#[test]
fn messages_name_the_input_and_the_problem() {
    // A directory as input.
    let dir = std::env::temp_dir().to_string_lossy().into_owned();
    for args in [
        ["sweep", "--config", EXAMPLE, "--module", "Deals", dir.as_str()],
        ["decide", "--config", EXAMPLE, "--module", "Deals", dir.as_str()],
    ] {
        let out = run(&args, b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("`{dir}`")) && stderr.contains("directory"), "{stderr}");
    }
    // An invalid --schema is named as the schema, an invalid --config as the configuration.
    let schema = temp_file("schema.json", br#"{"fields": [{"api_name": "X"}]}"#);
    let out = run(&["validate", EXAMPLE, "--module", "Custom_Things", "--schema", &schema], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("the schema `{schema}` is invalid")), "{stderr}");
    let config = temp_file("bad-config.json", br#"{"record_locking_configurations": [{"lock_type": 5}]}"#);
    let out = run(&["sweep", "--config", &config, "--module", "Deals", "-"], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("the configuration `{config}` is invalid")), "{stderr}");
    // A button id given as the wrong type is INVALID_DATA naming the type, not "missing".
    let config = temp_file(
        "buttons.json",
        br#"{"record_locking_configurations": [{"lock_type": "manual", "restricted_custom_buttons": [{"id": "123"}]}]}"#,
    );
    let mut input = String::new();
    for button in [json!({"id": 123.0}), json!({"id": true}), json!(true), json!({}), json!({"id": null})] {
        let line = json!({"record": {}, "lock": {"Lock_Source__s": "Manual", "Locked_Reason__s": "r"},
            "actor": {"id": "u"}, "operation": {"action": "custom_button", "button": button}});
        input.push_str(&format!("{line}\n"));
    }
    let got = lines(&run(&["decide", "--config", &config, "--module", "Deals", "-"], input.as_bytes()));
    let codes: Vec<&str> = got.iter().map(|l| l["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["INVALID_DATA", "INVALID_DATA", "INVALID_DATA", "MANDATORY_NOT_FOUND", "MANDATORY_NOT_FOUND"]);
    assert_eq!(got[0]["error"]["details"]["json_path"], "$.operation.button.id");
    assert_eq!(got[0]["error"]["details"]["expected_data_type"], "bigint");
    // A UTF-8 byte order mark at the start of a configuration or a records file is skipped.
    let config = std::fs::read(EXAMPLE).unwrap();
    let with_bom = temp_file("bom.json", [b"\xEF\xBB\xBF".as_slice(), &config].concat());
    let records = temp_file("bom.jsonl", b"\xEF\xBB\xBF{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n");
    let out = run(&["sweep", "--all-rules", "--config", &with_bom, "--module", "Deals", &records], b"");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lines(&out), [json!({"id": "1", "rule": {"id": null, "name": "Closed Won"}})]);
}

/// Item 12: the commands agree on a record with invalid UTF-8 in a field no rule reads (an
/// error in each), the line ending is not part of the record, and blank lines are skipped.
#[test]
fn one_reading_of_a_record() {
    let record: &[u8] = b"{\"id\":\"L12\",\"Stage\":\"Closed Won\",\"Zzz\":\"\xff\xfe\"}";
    let input = [record, b"\n"].concat();
    let sweep = lines(&run(SWEEP, &input));
    assert_eq!((&sweep[0]["error"]["code"], &sweep[0]["line"]), (&json!("INVALID_RECORD"), &json!(1)), "{sweep:?}");
    let diff = lines(&run_diff(&input));
    assert_eq!((&diff[0]["error"]["code"], &diff[0]["line"]), (&json!("INVALID_RECORD"), &json!(1)), "{diff:?}");
    let line = [&br#"{"actor": {}, "operation": {"action": "delete"}, "record": "#[..], record, b"}\n"].concat();
    let decide = lines(&run(DECIDE, &line));
    assert_eq!((&decide[0]["error"]["code"], &decide[0]["line"]), (&json!("INVALID_DATA"), &json!(1)), "{decide:?}");

    // A record of exactly 1 MiB passes with LF and with CRLF; one byte more fails with both.
    let record_of = |size: usize| {
        let head = r#"{"id": "1", "Stage": "Closed Won", "Description": ""#;
        let mut r = head.to_owned() + &"x".repeat(size - head.len() - 2);
        r.push_str("\"}");
        assert_eq!(r.len(), size);
        r
    };
    for ending in ["\n", "\r\n"] {
        let exact = record_of(1 << 20) + ending;
        let got = lines(&run(SWEEP, exact.as_bytes()));
        assert_eq!(got[0]["rule"]["name"], "Closed Won", "{ending:?}");
        let over = record_of((1 << 20) + 1) + ending;
        let got = lines(&run(SWEEP, over.as_bytes()));
        assert_eq!(got[0]["error"]["code"], "LIMIT_EXCEEDED", "{ending:?}");
    }
}

/// Item 18: `explain` shows text as the record wrote it; it folds only to compare.
#[test]
fn explain_shows_values_as_written() {
    let record =
        temp_file("explain.json", br#"{"id": "9", "Stage": "Closed Lost", "Amount": 75000, "Deal_Name": "ACME x"}"#);
    let out = run(&["explain", "--config", EXAMPLE, "--module", "Deals", &record], b"");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#"Deal_Name starts_with "ACME": value "ACME x""#), "{text}");
    assert!(!text.contains("acme x"), "{text}");
}
