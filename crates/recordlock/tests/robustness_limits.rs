//! Issue 6: every input over a limit gets `LIMIT_EXCEEDED` (or `INVALID_DATA`) with a JSON
//! path, in bounded time and memory; and every path where evaluation can fail blocks with a
//! reason instead of allowing (SPEC.md §4 "Fail closed").
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "helpers of tests fail by panicking"
)]

mod common;

use std::io::Read;

use common::{body, deals, leaf};
use recordlock::criteria::{EvalOptions, parse_json_strict};
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::{Actor, Limits, Operation, Policy, RuleScope};
use serde_json::{Value as Json, json};

fn won_policy(limits: Limits) -> Policy {
    let config = json!({"lock_type": "both", "restricted_actions": ["delete"], "locking_rules": [
        {"name": "Won", "lock_existing_records": true, "criteria": {"group_operator": "AND", "group": [
            leaf("Stage", "equal", json!("Closed Won")),
            leaf("Deal_Name", "like", json!("%a%b%c%d%e%")),
            leaf("Amount", "greater_than", json!(0))]}}]});
    Policy::new(&body(config), deals(), limits, EvalOptions::default()).unwrap()
}

fn code_and_path(err: &Json) -> (String, String) {
    (err["code"].as_str().unwrap_or("").to_owned(), err["details"]["json_path"].as_str().unwrap_or("").to_owned())
}

fn validate_text(text: &str) -> Json {
    let parsed = match parse_json_strict(text) {
        Ok(v) => v,
        Err(e) => return serde_json::to_value(e).unwrap(),
    };
    match Policy::new(&parsed, deals(), Limits::default(), EvalOptions::default()) {
        Ok(_) => json!({"code": "OK"}),
        Err(e) => serde_json::to_value(e).unwrap(),
    }
}

/// A 100 MB request line is refused by its size before it is parsed.
#[test]
fn a_100_mb_line_is_limit_exceeded() {
    let policy = won_policy(Limits::default());
    let line = format!(r#"{{"record": {{"Deal_Name": "{}"}}}}"#, "x".repeat(100 << 20));
    let out = policy.answer_line(&line);
    assert_eq!(code_and_path(&out["error"]), ("LIMIT_EXCEEDED".into(), "$".into()));
}

/// A sweep skips a 100 MB line without holding it, reports it, and goes on.
#[test]
fn a_sweep_skips_a_100_mb_line_and_goes_on() {
    let policy = won_policy(Limits::default());
    let huge = std::io::repeat(b'x').take(100 << 20);
    let rest = "\n{\"id\": \"2\", \"Stage\": \"Closed Won\", \"Deal_Name\": \"abcde\", \"Amount\": 1}\n".as_bytes();
    let input = std::io::BufReader::new(huge.chain(rest));
    let mut out = Vec::new();
    let stats = sweep_lines(&policy, input, &SweepOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
    assert_eq!(stats.records, 2);
    assert_eq!(out[0]["error"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(out[1]["id"], "2");
}

/// A 10-million-character string: over the default record size; under a raised limit it
/// is evaluated (with a `like` pattern) in bounded time.
#[test]
fn a_string_of_ten_million_characters() {
    let text = "é".repeat(10_000_000);
    let record = format!(r#"{{"id": "1", "Stage": "Closed Won", "Deal_Name": "{text}", "Amount": 5}}"#);
    let policy = won_policy(Limits::default());
    let mut row = policy.new_row();
    assert_eq!(policy.ingest_str(&record, &mut row).unwrap_err().reader_code().as_str(), "LIMIT_EXCEEDED");
    let big = won_policy(Limits { record_bytes: 64 << 20, ..Limits::default() });
    let mut row = big.new_row();
    big.ingest_str(&record, &mut row).unwrap();
    assert!(big.matching_rule(&row, RuleScope::All).is_none(), "no a..e in the text");
}

/// 100,000 `in` values are refused at the value's path.
#[test]
fn a_hundred_thousand_in_values() {
    let values: Vec<Json> = (0..100_000).map(|i| json!(format!("n{i}"))).collect();
    let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "r", "criteria": leaf("Deal_Name", "in", Json::Array(values))}]}]});
    let out = validate_text(&config.to_string());
    assert_eq!(
        code_and_path(&out),
        ("LIMIT_EXCEEDED".into(), "$.record_locking_configurations[0].locking_rules[0].criteria.value".into())
    );
}

/// 10,000 nesting levels: the parser's recursion limit stops it; no stack overflow.
#[test]
fn ten_thousand_nesting_levels() {
    let mut criteria = leaf("Amount", "equal", json!(1)).to_string();
    for _ in 0..10_000 {
        criteria = format!(r#"{{"group_operator": "AND", "group": [{criteria}]}}"#);
    }
    let text = format!(
        r#"{{"record_locking_configurations": [{{"lock_type": "automatic", "locking_rules": [{{"name": "r", "criteria": {criteria}}}]}}]}}"#
    );
    assert_eq!(validate_text(&text)["code"], "LIMIT_EXCEEDED");
    let policy = won_policy(Limits::default());
    // In a request's parts the parser's limit stops it.
    let line = format!(r#"{{"record": {{}}, "actor": {criteria}, "operation": {{"action": "delete"}}}}"#);
    assert_eq!(policy.answer_line(&line)["error"]["code"], "LIMIT_EXCEEDED");
    // In a record's fields no rule reads, it is skipped without recursion, as a sweep skips
    // it (issue 15 item 12: one reading of a record for every command).
    let line = format!(
        r#"{{"record": {{"X": {criteria}, "Stage": "Closed Won", "Deal_Name": "abcde", "Amount": 2}}, "actor": {{}}, "operation": {{"action": "delete"}}}}"#
    );
    assert_eq!(policy.answer_line(&line)["code"], "RECORD_LOCKED");
    let record = format!(r#"{{"id": "1", "X": {criteria}, "Stage": "Closed Won", "Deal_Name": "abcde", "Amount": 2}}"#);
    let mut out = Vec::new();
    sweep_lines(&policy, record.as_bytes(), &SweepOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
    assert_eq!(out[0]["rule"]["name"], "Won");
}

/// A number of 10,000 digits: an invalid constant, and an unevaluable record value.
#[test]
fn a_number_with_ten_thousand_digits() {
    let digits = "9".repeat(10_000);
    let text = format!(
        r#"{{"record_locking_configurations": [{{"lock_type": "automatic", "locking_rules": [{{"name": "r",
            "criteria": {{"field": {{"api_name": "Amount"}}, "comparator": "greater_than", "value": {digits}}}}}]}}]}}"#
    );
    let out = validate_text(&text);
    assert_eq!(
        code_and_path(&out),
        ("INVALID_DATA".into(), "$.record_locking_configurations[0].locking_rules[0].criteria.value".into())
    );
    let policy = won_policy(Limits::default());
    let line = format!(
        r#"{{"record": {{"Stage": "Closed Won", "Amount": {digits}}}, "actor": {{}}, "operation": {{"action": "delete"}}}}"#
    );
    let out = policy.answer_line(&line);
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["json_path"], "$.record.Amount");
}

/// Invalid UTF-8 anywhere in a record makes it unevaluable (an error line with its input
/// line), and the sweep goes on. JSON text is UTF-8: a field no rule reads is no exception
/// (issue 15 item 12: it was locked by `sweep`, an error in `diff` and `decide`).
#[test]
fn invalid_utf8() {
    let policy = won_policy(Limits::default());
    let input: &[u8] = b"{\"id\": \"1\", \"Deal_Name\": \"\xff\xfe\"}\n{\"id\": \"2\", \"Stage\": \"Closed Won\", \"Deal_Name\": \"abcde\", \"Amount\": 2}\n";
    let mut out = Vec::new();
    sweep_lines(&policy, input, &SweepOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["error"]["code"], "INVALID_RECORD");
    assert_eq!(out[0]["line"], 1);
    assert_eq!(out[1]["rule"]["name"], "Won");
    let unread: &[u8] = b"\n{\"id\": \"3\", \"Description\": \"\xff\", \"Stage\": \"Closed Won\", \"Deal_Name\": \"abcde\", \"Amount\": 2}\n";
    let mut out = Vec::new();
    sweep_lines(&policy, unread, &SweepOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
    assert_eq!(out[0]["error"]["code"], "INVALID_RECORD");
    assert_eq!(out[0]["line"], 2);
    assert!(out[0]["error"]["message"].as_str().unwrap().contains("not UTF-8"));
}

/// NaN and Infinity are not JSON, and not numbers in strings either.
#[test]
fn nan_and_infinity_spellings() {
    for bad in ["NaN", "Infinity", "-Infinity", "1e999999"] {
        let text = format!(
            r#"{{"record_locking_configurations": [{{"lock_type": "automatic", "locking_rules": [{{"name": "r",
                "criteria": {{"field": {{"api_name": "Amount"}}, "comparator": "equal", "value": {bad}}}}}]}}]}}"#
        );
        assert_eq!(validate_text(&text)["code"], "INVALID_DATA", "{bad}");
        let quoted = text.replace(&format!("\"value\": {bad}"), &format!("\"value\": \"{bad}\""));
        assert_eq!(validate_text(&quoted)["code"], "INVALID_DATA", "\"{bad}\"");
    }
    let policy = won_policy(Limits::default());
    let out = policy.answer_line(
        r#"{"record": {"Stage": "Closed Won", "Amount": "NaN"}, "actor": {}, "operation": {"action": "delete"}}"#,
    );
    assert_eq!(out["code"], "INVALID_RECORD");
}

/// Duplicate keys: in a configuration (which value would win?), in a request line, and in a
/// record's rule field.
#[test]
fn duplicate_keys() {
    let text = r#"{"record_locking_configurations": [{"lock_type": "manual", "lock_type": "automatic"}]}"#;
    assert_eq!(
        code_and_path(&validate_text(text)),
        ("INVALID_DATA".into(), "$.record_locking_configurations[0].lock_type".into())
    );
    let policy = won_policy(Limits::default());
    let out = policy.answer_line(r#"{"record": {}, "actor": {}, "actor": {}, "operation": {"action": "delete"}}"#);
    assert_eq!(code_and_path(&out["error"]), ("INVALID_DATA".into(), "$.actor".into()));
    let out = policy.answer_line(
        r#"{"record": {"Stage": "Qualification", "Stage": "Closed Won"}, "actor": {}, "operation": {"action": "delete"}}"#,
    );
    // The record is read as a sweep reads it: a read field given twice makes it unevaluable.
    assert_eq!((&out["code"], &out["json_path"]), (&json!("INVALID_RECORD"), &json!("$.record.Stage")));
    let mut row = policy.new_row();
    let err = policy.ingest_str(r#"{"Stage": "Qualification", "Stage": "Closed Won"}"#, &mut row).unwrap_err();
    assert_eq!(err.json_path(), "$.Stage");
}

/// SPEC.md §4 fail closed: for every way a record can be unevaluable, every operation a lock
/// would block is blocked with INVALID_RECORD, and the ones a lock allows stay allowed.
#[test]
fn every_unevaluable_record_fails_closed() {
    let policy = won_policy(Limits::default());
    let bad_records = [
        r#"{"Stage": {"x": 1}}"#,
        r#"{"Amount": "lots"}"#,
        r#"{"Amount": true}"#,
        r#"{"Amount": 1e400}"#,
        r#"{"Deal_Name": ["a"]}"#,
        r#"{"Stage": "Closed Won", "Stage": "Closed Won"}"#,
    ];
    let actor = Actor { id: "u".into(), profile_id: Some("p".into()), ..Actor::default() };
    for record in bad_records {
        let mut row = policy.new_row();
        let err = policy.ingest_str(record, &mut row).expect_err(record);
        for (op, blocked) in [
            (Operation::Update { fields: vec!["Amount".into()] }, true),
            (Operation::Delete, true),
            (Operation::Tags, false),
            (Operation::SendMail, false),
            (Operation::CustomButton { id: "b".into() }, false),
        ] {
            let d = policy.decide_unevaluable(&actor, &err.clone().into(), &op);
            if blocked {
                assert_eq!(d.to_json()["code"], "INVALID_RECORD", "{record} {op:?}");
                assert!(d.to_json()["json_path"].as_str().is_some());
            } else {
                assert!(d.is_allowed(), "{record} {op:?}");
            }
        }
    }
}
