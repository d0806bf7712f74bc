//! Issue 7 on the command line: `recordlock lint` (one JSON finding a line, exit 0; an
//! invalid configuration is exit 1) and `recordlock diff` (one line per changed record,
//! summary on stderr).

use serde_json::{Value as Json, json};

mod common;
use common::{EXAMPLE, lines, run, temp_file as scratch};

fn body(rules: Json) -> String {
    json!({"record_locking_configurations": [{"lock_type": "automatic",
        "excluded_fields": [{"api_name": "Amount"}], "locking_rules": rules}]})
    .to_string()
}

fn leaf(field: &str, cmp: &str, value: Json) -> Json {
    json!({"field": {"api_name": field}, "comparator": cmp, "value": value})
}

#[test]
fn lint_prints_one_json_finding_a_line() {
    let config = scratch(
        "lint.json",
        body(json!([
            {"name": "Won", "criteria": leaf("Stage", "in", json!(["Closed Won", "Closed Lost"]))},
            {"name": "Won big", "criteria": {"group_operator": "AND", "group": [
                leaf("Stage", "equal", json!("Closed Won")), leaf("Amount", "greater_than", json!(1000))]}},
            {"name": "Never", "criteria": leaf("Type", "in", json!([]))}])),
    );
    let out = run(&["lint", &config, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let findings = lines(&out);
    let kinds: Vec<(&str, &str)> =
        findings.iter().map(|f| (f["kind"].as_str().unwrap(), f["json_path"].as_str().unwrap())).collect();
    let p = "$.record_locking_configurations[0]";
    assert_eq!(
        kinds,
        [
            ("redundant_rule", format!("{p}.locking_rules[1]").as_str()),
            ("reads_excluded_field", format!("{p}.locking_rules[1].criteria.group[1]").as_str()),
            ("never_holds", format!("{p}.locking_rules[2].criteria").as_str()),
        ]
    );
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["related"], json!([format!("{p}.locking_rules[0]")]));
    assert_eq!(findings[2]["severity"], "error");
    assert!(findings[2].get("related").is_none());
    // Keys in the documented order.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(r#"{"severity":"warning","kind":"redundant_rule","json_path":"#), "{text}");
    // --json changes nothing when stdout is not a terminal.
    let again = run(&["lint", &config, "--module", "Deals", "--json"], "");
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn lint_is_silent_on_the_example_and_exit_1_on_invalid_configurations() {
    let out = run(&["lint", EXAMPLE, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));

    let config =
        scratch("invalid.json", body(json!([{"name": "x", "criteria": leaf("Stage", "equal", json!("Won-ish"))}])));
    let out = run(&["lint", &config, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(1));
    let error = &lines(&out)[0];
    assert_eq!(error["code"], "INVALID_DATA");
    assert_eq!(error["details"]["json_path"], "$.record_locking_configurations[0].locking_rules[0].criteria.value");
}

/// The README's example has one finding of each kind.
#[test]
fn lint_on_the_findings_example() {
    let config = format!("{}/../../examples/deals-findings.json", env!("CARGO_MANIFEST_DIR"));
    let out = run(&["lint", &config, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(0));
    let mut kinds: Vec<String> = lines(&out).iter().map(|f| f["kind"].as_str().unwrap().to_owned()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "always_holds",
            "equivalent_rules",
            "lock_existing_rarely_filled",
            "never_holds",
            "reads_excluded_field",
            "redundant_rule"
        ]
    );
}

#[test]
fn diff_prints_changed_records_and_a_summary() {
    let won = json!({"name": "Won", "criteria": leaf("Stage", "equal", json!("Closed Won"))});
    let big = |min: u32| json!({"name": "Big", "criteria": leaf("Amount", "greater_than", json!(min))});
    let old = scratch("old.json", body(json!([won.clone(), big(1000)])));
    let new = scratch("new.json", body(json!([won, big(5000)])));
    let records = [
        json!({"id": "1", "Stage": "Closed Won", "Amount": 10}),
        json!({"id": "2", "Amount": 2000}),
        json!({"id": "3", "Amount": 9000, "Locking_Information__s": null}),
        json!({"id": "4", "Amount": 2000, "Locking_Information__s": {"Lock_Source__s": "Manual", "Locked_Reason__s": "x"}}),
        json!({"id": "5", "Amount": "much"}),
    ]
    .iter()
    .map(|r| format!("{r}\n"))
    .collect::<String>();
    let out = run(&["diff", "--old", &old, "--new", &new, "--module", "Deals", "-"], &records);
    assert_eq!(out.status.code(), Some(0));
    let got = lines(&out);
    assert_eq!(got[0], json!({"id": "2", "change": "unlock", "old_rule": {"id": null, "name": "Big"}}));
    assert_eq!(got[1], json!({"id": "3", "change": "lock", "new_rule": {"id": null, "name": "Big"}}));
    assert_eq!(got[2]["id"], "5");
    assert_eq!(got[2]["error"]["code"], "INVALID_RECORD");
    assert_eq!(got[2]["configuration"], "new");
    assert_eq!(got.len(), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("diff: 5 records, 1 lock, 1 unlock, 0 rule, 1 unchanged, 1 manual, 1 errors"), "{stderr}");

    // The same change as a store update request.
    let update = scratch(
        "update.json",
        json!({"record_locking_configurations": [{"excluded_fields": null, "locking_rules": [
            {"name": "Lost", "criteria": leaf("Stage", "equal", json!("Closed Lost"))}]}]})
        .to_string(),
    );
    let out = run(
        &["diff", "--old", &old, "--new", &update, "--update", "--module", "Deals"],
        "{\"id\": \"7\", \"Stage\": \"Closed Lost\"}\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(lines(&out)[0]["new_rule"]["name"], "Lost");

    // An invalid proposed configuration is exit 1 with its error object.
    let bad = scratch("bad.json", body(json!([])));
    let out = run(&["diff", "--old", &old, "--new", &bad, "--module", "Deals"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out)[0]["code"], "DEPENDENT_FIELD_MISSING");
    assert!(String::from_utf8_lossy(&out.stderr).contains("new configuration"));
}
