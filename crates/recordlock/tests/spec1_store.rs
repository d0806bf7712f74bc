//! SPEC.md §1 "Store semantics": create, get, update and delete, with a fixed clock and
//! sequential ids.

// clippy.toml allows these in `#[test]` functions only; the helpers of this test crate are
// test code too.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "helpers of tests fail by panicking"
)]

mod common;

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset};
use common::{admin, at, body, custom_schema, err_json, leaf, parse, rule, stage_rule};
use recordlock::config::Reference;
use recordlock::criteria::ErrorCode;
use recordlock::store::{Clock, FixedClock, Release, SequentialIds, Store};
use serde_json::{Value as Json, json};

const NOW: &str = "2026-11-28T10:00:00.123456+05:30";
const NOW_WRITTEN: &str = "2026-11-28T10:00:00+05:30";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).unwrap()
}

fn store() -> Store {
    Store::new(Box::new(FixedClock(now())), Box::new(SequentialIds::default()))
}

/// A clock that moves one hour forward on every reading.
struct StepClock(AtomicI64);

impl Clock for StepClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let h = self.0.fetch_add(1, Ordering::Relaxed);
        now() + chrono::Duration::hours(h)
    }
}

fn two_rules() -> Json {
    body(json!({"lock_type": "both", "restricted_actions": ["delete"], "locking_rules": [
        stage_rule("Won", "Closed Won"),
        stage_rule("Lost", "Closed Lost")]}))
}

/// Creates the two-rule Deals configuration; returns the store, the configuration id and the
/// rule ids.
fn created() -> (Store, String, Vec<String>) {
    let s = store();
    let (resp, change) = s.create("Deals", &two_rules(), &admin()).unwrap();
    let id = resp["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    (s, id, change.added)
}

fn stored(s: &Store) -> Json {
    s.get("Deals").unwrap()["record_locking_configurations"][0].clone()
}

fn is_zoho_id(id: &str) -> bool {
    id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit())
}

fn update_body(config: Json) -> Json {
    body(config)
}

// ---------------------------------------------------------------- create

/// SPEC.md §1 store create: the success response, 19-digit numeric ids for the configuration
/// and each rule, audit fields from the clock (RFC 3339 with offset, no fractional seconds).
#[test]
fn spec1_store_create_assigns_ids_and_audit_fields() {
    let s = store();
    let (resp, change) = s.create("Deals", &two_rules(), &admin()).unwrap();
    let id = resp["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        resp,
        json!({"record_locking_configurations": [{"code": "SUCCESS", "details": {"id": id},
            "message": "record locking configuration created successfully", "status": "success"}]})
    );
    assert!(is_zoho_id(&id), "{id}");
    assert_eq!(change.added.len(), 2);
    assert!(change.added.iter().all(|r| is_zoho_id(r) && *r != id));
    assert_ne!(change.added[0], change.added[1]);
    assert!(change.edited.is_empty() && change.removed.is_empty());
    assert_eq!(change.release, Release::Nothing);

    let got = stored(&s);
    assert_eq!(got["id"], id.as_str());
    assert_eq!(got["locking_rules"][0]["id"], change.added[0].as_str());
    assert_eq!(got["locking_rules"][1]["id"], change.added[1].as_str());
    assert_eq!(got["created_time"], NOW_WRITTEN);
    assert_eq!(got["modified_time"], NOW_WRITTEN);
    assert_eq!(got["created_by"], json!({"id": "5843104000000424672", "name": "Admin"}));
    assert_eq!(got["modified_by"], got["created_by"]);
    assert_eq!(got["system_defined"], false);
    assert_eq!(got["restricted_actions"], json!(["update", "delete"]));
}

/// SPEC.md §1 store create: LIMIT_EXCEEDED when the module already has a configuration
/// (other modules are independent).
#[test]
fn spec1_store_second_create_is_limit_exceeded() {
    let (s, _, _) = created();
    let before = serde_json::to_string(&s.get("Deals")).unwrap();
    let e = err_json(&s.create("Deals", &two_rules(), &admin()).unwrap_err());
    assert_eq!(e["code"], "LIMIT_EXCEEDED");
    assert_eq!(e["details"]["json_path"], "$.record_locking_configurations[0]");
    assert_eq!(e["details"]["limit"], 1);
    assert_eq!(e["details"]["available_limit"], 0);
    assert_eq!(serde_json::to_string(&s.get("Deals")).unwrap(), before);
    let leads = body(json!({"lock_type": "manual"}));
    assert!(s.create("Leads", &leads, &admin()).is_ok());
}

/// SPEC.md §1 store create: read-only keys in the body are ignored (ids, audit fields and
/// system_defined are the store's).
#[test]
fn spec1_store_create_ignores_read_only_keys() {
    let s = store();
    let b = parse(
        r#"{"record_locking_configurations": [{"id": 1, "lock_type": "manual", "system_defined": true,
            "created_time": "2000-01-01T00:00:00+00:00", "modified_time": "2000-01-01T00:00:00+00:00",
            "created_by": {"id": "9", "name": "Mallory"}, "modified_by": {"id": "9"}}]}"#,
    );
    let (resp, _) = s.create("Deals", &b, &admin()).unwrap();
    let got = stored(&s);
    assert_eq!(got["id"], resp["record_locking_configurations"][0]["details"]["id"]);
    assert_ne!(got["id"], "1");
    assert_eq!(got["system_defined"], false);
    assert_eq!(got["created_time"], NOW_WRITTEN);
    assert_eq!(got["created_by"]["id"], "5843104000000424672");
    assert_eq!(got["modified_by"]["id"], "5843104000000424672");
}

/// SPEC.md §1 store create: an invalid body or module stores nothing.
#[test]
fn spec1_store_create_errors() {
    let s = store();
    let e = s.create("Deals", &body(json!({"lock_type": "automatic"})), &admin()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::DependentFieldMissing);
    assert!(s.get("Deals").is_none());
    let e = s.create("Calls", &body(json!({"lock_type": "manual"})), &admin()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotSupported);
    let e = s.create("Widgets__c", &body(json!({"lock_type": "manual"})), &admin()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidModule);
    s.register_schema("Widgets__c", custom_schema());
    let b =
        body(json!({"lock_type": "automatic", "locking_rules": [rule("S", leaf("Score", "greater_than", json!(3)))]}));
    assert!(s.create("Widgets__c", &b, &admin()).is_ok());
    assert!(s.get("Widgets__c").is_some());
}

// ---------------------------------------------------------------- get

/// SPEC.md §1 store get: nothing configured → no content (`None`).
#[test]
fn spec1_store_get_none_when_nothing() {
    let s = store();
    assert!(s.get("Deals").is_none());
    assert!(s.policy("Deals").is_none());
    let (s, id, _) = created();
    let got = s.get("Deals").unwrap();
    assert_eq!(got["record_locking_configurations"].as_array().unwrap().len(), 1);
    assert_eq!(got["record_locking_configurations"][0]["id"], id.as_str());
    assert!(s.get("Leads").is_none());
}

// ---------------------------------------------------------------- update

/// SPEC.md §1 store update: a rule with a known id is edited (Change.edited); keys absent
/// keep their value; modified_time/by change, created_time stays.
#[test]
fn spec1_store_update_edits_rule_by_id() {
    let s = Store::new(Box::new(StepClock(AtomicI64::new(0))), Box::new(SequentialIds::default()));
    let (resp, added) = s.create("Deals", &two_rules(), &admin()).unwrap();
    let id = resp["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    let before = stored(&s);
    let ops = Reference { id: "42".into(), name: Some("Ops".into()) };
    let edit = update_body(
        json!({"locking_rules": [{"id": added.added[1], "name": "Lost deals", "lock_existing_records": true}]}),
    );
    let (resp, change) = s.update("Deals", Some(&id), &edit, &ops).unwrap();
    assert_eq!(resp["record_locking_configurations"][0]["code"], "SUCCESS");
    assert_eq!(resp["record_locking_configurations"][0]["details"]["id"], id.as_str());
    assert_eq!(resp["record_locking_configurations"][0]["status"], "success");
    assert_eq!(change.edited, vec![added.added[1].clone()]);
    assert!(change.added.is_empty() && change.removed.is_empty());
    assert_eq!(change.release, Release::Nothing);
    let after = stored(&s);
    assert_eq!(after["locking_rules"][1]["id"], added.added[1].as_str());
    assert_eq!(after["locking_rules"][1]["name"], "Lost deals");
    assert_eq!(after["locking_rules"][1]["lock_existing_records"], true);
    assert_eq!(after["locking_rules"][1]["criteria"], before["locking_rules"][1]["criteria"]);
    assert_eq!(after["locking_rules"][0], before["locking_rules"][0]);
    assert_eq!(after["restricted_actions"], before["restricted_actions"]);
    assert_eq!(after["created_time"], before["created_time"]);
    assert_eq!(after["created_by"], before["created_by"]);
    assert_ne!(after["modified_time"], before["modified_time"]);
    assert_eq!(after["modified_by"], json!({"id": "42", "name": "Ops"}));
    // The policy readers get is the new one.
    assert_eq!(s.policy("Deals").unwrap().rules()[1].name(), "Lost deals");
}

/// SPEC.md §1 store update: a rule without id is added and gets an id (Change.added).
#[test]
fn spec1_store_update_adds_rule_without_id() {
    let (s, id, rules) = created();
    let add = update_body(json!({"locking_rules": [stage_rule("Negotiation", "Negotiation/Review")]}));
    let (_, change) = s.update("Deals", Some(&id), &add, &admin()).unwrap();
    assert_eq!(change.added.len(), 1);
    let new_id = change.added[0].clone();
    assert!(is_zoho_id(&new_id));
    assert!(!rules.contains(&new_id) && new_id != id);
    let after = stored(&s);
    let names: Vec<&str> =
        after["locking_rules"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Won", "Lost", "Negotiation"]);
    assert_eq!(after["locking_rules"][2]["id"], new_id.as_str());
    assert_eq!(after["locking_rules"][0]["id"], rules[0].as_str());
}

/// SPEC.md §1 store update: `{"id", "_delete": true}` removes the rule (Change.removed, and
/// its automatic locks are released).
#[test]
fn spec1_store_update_deletes_rule() {
    let (s, id, rules) = created();
    let del = update_body(json!({"locking_rules": [{"id": rules[0], "_delete": true}]}));
    let (_, change) = s.update("Deals", Some(&id), &del, &admin()).unwrap();
    assert_eq!(change.removed, vec![rules[0].clone()]);
    assert_eq!(change.release, Release::RuleLocks(vec![rules[0].clone()]));
    let after = stored(&s);
    assert_eq!(after["locking_rules"].as_array().unwrap().len(), 1);
    assert_eq!(after["locking_rules"][0]["id"], rules[1].as_str());
}

/// SPEC.md §1 store update: `"locking_rules": null` clears the rules, and each is reported
/// removed with its automatic locks released (a removed rule releases its locks, §3).
#[test]
fn spec1_store_update_null_rules_removes_them_all() {
    let (s, id, rules) = created();
    let req = update_body(json!({"lock_type": "manual", "locking_rules": null}));
    let (_, change) = s.update("Deals", Some(&id), &req, &admin()).unwrap();
    assert_eq!(change.removed, rules);
    // Turning automatic locking off releases every automatic lock, the removed rules' too.
    assert_eq!(change.release, Release::AutomaticLocks);
    assert_eq!(stored(&s)["locking_rules"], Json::Null);
    let (s, id, rules) = created();
    let req = update_body(json!({"locking_rules": null}));
    let e = s.update("Deals", Some(&id), &req, &admin()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::DependentFieldMissing, "an automatic configuration needs its rules");
    assert_eq!(stored(&s)["locking_rules"].as_array().unwrap().len(), rules.len());
    // An empty list, by contrast, is no rule operation at all: the rules stay.
    let (s, id, rules) = created();
    let (_, change) = s.update("Deals", Some(&id), &update_body(json!({"locking_rules": []})), &admin()).unwrap();
    assert!(change.removed.is_empty());
    assert_eq!(stored(&s)["locking_rules"].as_array().unwrap().len(), rules.len());
}

/// SPEC.md §3: an update that turns automatic locking off (`lock_type` from `automatic` or
/// `both` to `manual`) releases every automatic lock of the module, whether the rules stay or
/// go, as the change impact of the same update reports; turning it on, or keeping it, does not.
#[test]
fn spec3_store_update_to_manual_releases_automatic_locks() {
    let (s, id, _) = created();
    let (_, change) = s.update("Deals", Some(&id), &update_body(json!({"lock_type": "automatic"})), &admin()).unwrap();
    assert_eq!(change.release, Release::Nothing);
    let (_, change) = s.update("Deals", Some(&id), &update_body(json!({"lock_type": "manual"})), &admin()).unwrap();
    assert_eq!(change.release, Release::AutomaticLocks);
    assert!(change.removed.is_empty(), "the rules stay, locking nothing");
    assert_eq!(stored(&s)["lock_type"], "manual");
    let (_, change) = s.update("Deals", Some(&id), &update_body(json!({"lock_type": "both"})), &admin()).unwrap();
    assert_eq!(change.release, Release::Nothing);
    // And the change impact of such an update unlocks every automatically locked record.
    let old = s.policy("Deals").unwrap();
    let new = recordlock::impact::apply_update(&old, &update_body(json!({"lock_type": "manual"}))).unwrap();
    let impact = recordlock::impact::Impact::new(&old, &new);
    let locked = r#"{"id": "1", "Stage": "Closed Won"}"#;
    let recordlock::impact::RecordImpact::Changed(c) = impact.record(locked).unwrap() else { panic!() };
    assert_eq!(c.kind, recordlock::impact::ChangeKind::Unlock);
}

/// SPEC.md §1 store update: a manual configuration without rules becomes automatic by adding
/// its first rule in the same request.
#[test]
fn spec1_store_update_first_rule_on_manual_configuration() {
    let s = store();
    let (resp, change) = s.create("Deals", &body(json!({"lock_type": "manual"})), &admin()).unwrap();
    assert!(change.added.is_empty());
    let id = resp["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    let e = s.update("Deals", Some(&id), &update_body(json!({"lock_type": "both"})), &admin()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::DependentFieldMissing);
    let req = update_body(json!({"lock_type": "both", "locking_rules": [stage_rule("Won", "Closed Won")]}));
    let (_, change) = s.update("Deals", Some(&id), &req, &admin()).unwrap();
    assert_eq!(change.added.len(), 1);
    let after = stored(&s);
    assert_eq!(after["lock_type"], "both");
    assert_eq!(after["locking_rules"][0]["id"], change.added[0].as_str());
}

/// SPEC.md §1 store update: added, edited and removed in one request.
#[test]
fn spec1_store_update_mixed_change() {
    let (s, id, rules) = created();
    let req = update_body(json!({"locking_rules": [
        {"id": rules[0], "_delete": true},
        stage_rule("Proposal", "Proposal/Price Quote"),
        {"id": rules[1], "name": "Lost!"}]}));
    let (_, change) = s.update("Deals", Some(&id), &req, &admin()).unwrap();
    assert_eq!(change.removed, vec![rules[0].clone()]);
    assert_eq!(change.edited, vec![rules[1].clone()]);
    assert_eq!(change.added.len(), 1);
    let after = stored(&s);
    let got: Vec<(&str, &str)> = after["locking_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [(rules[1].as_str(), "Lost!"), (change.added[0].as_str(), "Proposal")]);
}

/// SPEC.md §1 store update: an unknown rule id is INVALID_DATA (and nothing changes).
#[test]
fn spec1_store_update_unknown_rule_id() {
    let (s, id, _) = created();
    let before = serde_json::to_string(&s.get("Deals")).unwrap();
    for item in
        [json!({"id": "5843104999999999999", "name": "X"}), json!({"id": "5843104999999999999", "_delete": true})]
    {
        let e = err_json(
            &s.update("Deals", Some(&id), &update_body(json!({"locking_rules": [item]})), &admin()).unwrap_err(),
        );
        assert_eq!(e["code"], "INVALID_DATA");
        assert_eq!(e["details"]["json_path"], at(".locking_rules[0].id"));
    }
    assert_eq!(serde_json::to_string(&s.get("Deals")).unwrap(), before);
}

/// SPEC.md §1 store update: the result is validated as a whole and applied atomically — a
/// failing update leaves `get` unchanged byte for byte.
#[test]
fn spec1_store_update_is_atomic() {
    let (s, id, rules) = created();
    let before = serde_json::to_string(&s.get("Deals")).unwrap();
    let policy_before = s.policy("Deals").unwrap();
    let failing = [
        // a duplicate name, after a valid edit and a valid delete
        (
            json!({"restricted_actions": ["tags"], "locking_rules": [
                {"id": rules[0], "_delete": true}, {"id": rules[1], "name": "New"}, stage_rule("New", "Qualification")]}),
            "DUPLICATE_DATA",
        ),
        // six rules
        (
            json!({"locking_rules": [stage_rule("A", "Qualification"), stage_rule("B", "Needs Analysis"),
                stage_rule("C", "Value Proposition"), stage_rule("D", "Id. Decision Makers")]}),
            "LIMIT_EXCEEDED",
        ),
        // a bad enumerated value beside a valid rule change
        (json!({"lock_type": "sometimes", "locking_rules": [{"id": rules[0], "name": "Z"}]}), "INVALID_DATA"),
        // removing every rule of an automatic configuration
        (
            json!({"locking_rules": [{"id": rules[0], "_delete": true}, {"id": rules[1], "_delete": true}]}),
            "DEPENDENT_FIELD_MISSING",
        ),
        // a bad criteria in an edited rule
        (json!({"locking_rules": [{"id": rules[1], "criteria": leaf("Nope", "equal", json!(1))}]}), "INVALID_DATA"),
        // an unknown key
        (json!({"lock_typo": "manual"}), "INVALID_DATA"),
        // `_delete` without an id
        (json!({"locking_rules": [{"name": "X", "_delete": true}]}), "MANDATORY_NOT_FOUND"),
    ];
    for (req, code) in failing {
        let e = s.update("Deals", Some(&id), &update_body(req.clone()), &admin()).unwrap_err();
        assert_eq!(e.code().as_str(), code, "{req}");
        assert_eq!(serde_json::to_string(&s.get("Deals")).unwrap(), before, "{req}");
    }
    assert!(std::sync::Arc::ptr_eq(&policy_before, &s.policy("Deals").unwrap()));
}

/// SPEC.md §1 store update: the configuration id comes from the path or the body; neither is
/// MANDATORY_NOT_FOUND, an unknown or conflicting one INVALID_DATA.
#[test]
fn spec1_store_update_configuration_id() {
    let (s, id, _) = created();
    let by_body = update_body(json!({"id": id, "restricted_actions": ["tags"]}));
    assert!(s.update("Deals", None, &by_body, &admin()).is_ok());
    assert_eq!(stored(&s)["restricted_actions"], json!(["update", "tags"]));
    let no_id = update_body(json!({"restricted_actions": ["delete"]}));
    let e = err_json(&s.update("Deals", None, &no_id, &admin()).unwrap_err());
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(e["details"]["json_path"], at(".id"));
    let e = err_json(&s.update("Deals", Some("5843104000000000999"), &no_id, &admin()).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    let conflicting = update_body(json!({"id": "5843104000000000999", "restricted_actions": ["delete"]}));
    let e = err_json(&s.update("Deals", Some(&id), &conflicting, &admin()).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    let e = err_json(&s.update("Leads", Some(&id), &no_id, &admin()).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(stored(&s)["restricted_actions"], json!(["update", "tags"]));
}

/// SPEC.md §1 store update: read-only keys in an update body are ignored.
#[test]
fn spec1_store_update_ignores_read_only_keys() {
    let (s, id, _) = created();
    let before = stored(&s);
    let req = update_body(json!({"id": id, "system_defined": true, "created_time": "2000-01-01T00:00:00+00:00",
        "created_by": {"id": "9"}, "modified_by": {"id": "9"}, "lock_for_portal_users": false}));
    s.update("Deals", Some(&id), &req, &admin()).unwrap();
    let after = stored(&s);
    assert_eq!(after["system_defined"], false);
    assert_eq!(after["created_time"], before["created_time"]);
    assert_eq!(after["created_by"], before["created_by"]);
    assert_eq!(after["modified_by"], before["modified_by"]);
    assert_eq!(after["lock_for_portal_users"], false);
}

// ---------------------------------------------------------------- delete

/// SPEC.md §1 store delete: removes the configuration and releases every lock of the module
/// (Release::AllLocks); the module can be configured again.
#[test]
fn spec1_store_delete_releases_all_locks() {
    let (s, id, rules) = created();
    let (resp, change) = s.delete("Deals", &id).unwrap();
    assert_eq!(resp["record_locking_configurations"][0]["code"], "SUCCESS");
    assert_eq!(resp["record_locking_configurations"][0]["details"]["id"], id.as_str());
    assert_eq!(change.release, Release::AllLocks);
    assert_eq!(change.removed, rules);
    assert!(s.get("Deals").is_none());
    assert!(s.policy("Deals").is_none());
    assert!(s.create("Deals", &two_rules(), &admin()).is_ok());
}

/// SPEC.md §1 store delete: an unknown id is INVALID_DATA and deletes nothing.
#[test]
fn spec1_store_delete_unknown_id() {
    let (s, _, _) = created();
    let e = s.delete("Deals", "5843104000000000999").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidData);
    assert!(s.get("Deals").is_some());
    assert_eq!(store().delete("Deals", "1").unwrap_err().code(), ErrorCode::InvalidData);
}

/// SPEC.md §1 store delete: a system-defined configuration cannot be deleted (NOT_ALLOWED);
/// it is loaded with `Store::load`, which keeps `system_defined`.
#[test]
fn spec1_store_delete_system_defined_not_allowed() {
    let s = store();
    let saved = parse(
        r#"{"record_locking_configurations": [{"id": 5843104000001068052, "lock_type": "automatic",
            "system_defined": true, "locking_rules": [{"id": "5843104000001068053", "name": "Won",
            "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]}"#,
    );
    let policy = s.load("Deals", &saved).unwrap();
    assert!(policy.config().system_defined);
    assert_eq!(stored(&s)["id"], "5843104000001068052");
    let e = err_json(&s.delete("Deals", "5843104000001068052").unwrap_err());
    assert_eq!(e["code"], "NOT_ALLOWED");
    assert!(s.get("Deals").is_some());
    // A system-defined configuration stays system-defined through updates.
    let req = update_body(json!({"system_defined": false, "restricted_actions": ["delete"]}));
    s.update("Deals", Some("5843104000001068052"), &req, &admin()).unwrap();
    assert_eq!(stored(&s)["system_defined"], true);
    assert_eq!(s.delete("Deals", "5843104000001068052").unwrap_err().code(), ErrorCode::NotAllowed);
}

/// SPEC.md §1 store load: the body is validated (an invalid one installs nothing).
#[test]
fn spec1_store_load_validates() {
    let s = store();
    let e = s.load("Deals", &body(json!({"lock_type": "both"}))).unwrap_err();
    assert_eq!(e.code(), ErrorCode::DependentFieldMissing);
    assert!(s.get("Deals").is_none());
}

/// SPEC.md §1 store, review findings: an error in a rule the update sent points into the
/// request; editing then deleting one rule reports it removed only; a loaded body without
/// rule ids gets ids, so its rules can be deleted later.
#[test]
fn spec1_store_update_paths_point_into_the_request() {
    let store = recordlock::store::Store::new(
        Box::new(recordlock::store::FixedClock(
            chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00").unwrap(),
        )),
        Box::new(recordlock::store::SequentialIds::default()),
    );
    let admin = recordlock::config::Reference { id: "1".into(), name: None };
    let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
        {"name": "Big", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 5}}]}]});
    let (response, change) = store.create("Deals", &body, &admin).unwrap();
    let id = response["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    let big = change.added[1].clone();
    let edit = serde_json::json!({"record_locking_configurations": [{"locking_rules": [
        {"id": big, "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "x"}}]}]});
    let err = store.update("Deals", Some(&id), &edit, &admin).unwrap_err();
    assert_eq!(err.json_path(), "$.record_locking_configurations[0].locking_rules[0].criteria.value");
    let add = serde_json::json!({"record_locking_configurations": [{"locking_rules": [
        {"name": "New", "criteria": {"field": {"api_name": "Nope"}, "comparator": "equal", "value": 1}}]}]});
    let err = store.update("Deals", Some(&id), &add, &admin).unwrap_err();
    assert_eq!(err.json_path(), "$.record_locking_configurations[0].locking_rules[0].criteria.field.api_name");
    let both = serde_json::json!({"record_locking_configurations": [{"locking_rules": [
        {"id": big, "name": "Renamed"}, {"id": big, "_delete": true}]}]});
    let (_, change) = store.update("Deals", Some(&id), &both, &admin).unwrap();
    assert_eq!((change.edited.len(), change.removed.len()), (0, 1));

    let loaded = store.load("Leads", &serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic",
        "locking_rules": [{"name": "Junk", "criteria": {"field": {"api_name": "Lead_Status"}, "comparator": "equal", "value": "Junk Lead"}}]}]}))
        .unwrap();
    assert!(loaded.config().id.is_some());
    assert!(loaded.rules()[0].id().is_some());
}
