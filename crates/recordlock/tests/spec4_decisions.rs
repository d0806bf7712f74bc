//! SPEC.md §4: decisions — exempt actors, `$locked_for_me`, each record operation on locked
//! and unlocked records, failing closed, decide-request errors, and explanations.

// clippy.toml allows these in `#[test]` functions only; the helpers of this test crate are
// test code too.
#![expect(clippy::expect_used, clippy::indexing_slicing, reason = "helpers of tests fail by panicking")]

mod common;

use common::{deals_policy, leaf, parse, row, stage_rule, user};
use recordlock::criteria::{Error, ErrorCode, JsonPath};
use recordlock::{
    Actor, AutomaticLock, DecideRequest, LockState, ManualLock, Operation, Policy, RECORD_LOCKED_MESSAGE, RuleScope,
};
use serde_json::{Value as Json, json};

fn won() -> Json {
    stage_rule("Closed Won", "Closed Won")
}

fn manual_lock() -> LockState {
    LockState::Manual(ManualLock { reason: "audit".into(), locked_by: None, locked_time: None })
}

fn auto_lock() -> LockState {
    LockState::Automatic(AutomaticLock::default())
}

fn update(fields: &[&str]) -> Operation {
    Operation::Update { fields: fields.iter().map(|f| (*f).to_owned()).collect() }
}

/// Every record operation (not lock management).
fn record_ops() -> Vec<Operation> {
    vec![
        update(&["Amount"]),
        Operation::Delete,
        Operation::Tags,
        Operation::ChangeOwner,
        Operation::Convert,
        Operation::SendMail,
        Operation::SendSurvey,
        Operation::SendPortalInvitation,
        Operation::CustomButton { id: "77".into() },
    ]
}

/// A configuration restricting everything.
fn restrict_all(extra: Json) -> Policy {
    let mut c = json!({"lock_type": "both", "locking_rules": [won()],
        "restricted_actions": ["delete", "tags", "change_owner", "convert"],
        "restricted_communications": ["send_mail", "send_survery", "send_portal_invitation"],
        "restricted_custom_buttons": [{"id": "77", "name": "Approve"}]});
    if let (Json::Object(c), Json::Object(e)) = (&mut c, extra) {
        c.extend(e);
    }
    deals_policy(c)
}

/// A request line.
fn line(record: Json, lock: Option<Json>, actor: Json, operation: Json) -> String {
    let mut m = json!({"record": record, "actor": actor, "operation": operation});
    if let Some(l) = lock {
        m["lock"] = l;
    }
    m.to_string()
}

// ---------------------------------------------------------------- exempt actors

/// SPEC.md §4: a profile in lock_excluded_profiles is exempt (matched by id) when locked_for
/// excludes profiles — every record operation is allowed and `$locked_for_me` is false.
#[test]
fn spec4_excluded_profile_is_exempt() {
    let p = restrict_all(json!({"locked_for": "all_profiles_except_excluded_profiles",
        "lock_excluded_profiles": [{"id": 5843104000000026011u64, "name": "Administrator"}]}));
    let admin = Actor { id: "u9".into(), profile_id: Some("5843104000000026011".into()), ..Actor::default() };
    for lock in [manual_lock(), auto_lock()] {
        assert!(!p.locked_for_me(&admin, &lock));
        assert!(p.locked_for_me(&user(), &lock));
        for op in record_ops() {
            assert!(p.decide(&admin, &lock, &op).is_allowed(), "{op:?}");
            assert!(p.decide(&user(), &lock, &op).is_blocked_by_lock(), "{op:?}");
        }
    }
    // Matched by id only: a profile named Administrator with another id is not exempt.
    let out = p.answer_line(&line(
        json!({"Stage": "Closed Won"}),
        None,
        json!({"id": "u9", "profile": {"id": "1", "name": "Administrator"}}),
        json!({"action": "delete"}),
    ));
    assert_eq!(out["code"], "RECORD_LOCKED");
    let out = p.answer_line(&line(
        json!({"Stage": "Closed Won"}),
        None,
        json!({"id": "u9", "profile": {"id": 5843104000000026011u64, "name": "Whatever"}}),
        json!({"action": "delete"}),
    ));
    assert_eq!(out, json!({"decision": "allowed"}));
}

/// SPEC.md §4: lock_excluded_profiles exempt nobody when locked_for is all_profiles.
#[test]
fn spec4_excluded_profile_ignored_when_locked_for_all_profiles() {
    let p = restrict_all(json!({"locked_for": "all_profiles", "lock_excluded_profiles": [{"id": "p1"}]}));
    assert!(!p.is_exempt(&user()));
    assert!(p.locked_for_me(&user(), &auto_lock()));
    assert!(p.decide(&user(), &auto_lock(), &Operation::Delete).is_blocked_by_lock());
}

/// SPEC.md §4: a portal user is exempt when lock_for_portal_users is false, not when true
/// (the default).
#[test]
fn spec4_portal_users() {
    let portal = Actor { portal_user: true, ..user() };
    let exempting = restrict_all(json!({"lock_for_portal_users": false}));
    let locking = restrict_all(json!({"lock_for_portal_users": true}));
    let default = restrict_all(json!({}));
    assert!(exempting.is_exempt(&portal));
    assert!(!exempting.is_exempt(&user()));
    assert!(!exempting.locked_for_me(&portal, &auto_lock()));
    assert!(exempting.locked_for_me(&user(), &auto_lock()));
    for op in record_ops() {
        assert!(exempting.decide(&portal, &auto_lock(), &op).is_allowed(), "{op:?}");
        assert!(exempting.decide(&user(), &auto_lock(), &op).is_blocked_by_lock(), "{op:?}");
        assert!(locking.decide(&portal, &auto_lock(), &op).is_blocked_by_lock(), "{op:?}");
        assert!(default.decide(&portal, &auto_lock(), &op).is_blocked_by_lock(), "{op:?}");
    }
    let out = exempting.answer_line(&line(
        json!({"Stage": "Closed Won"}),
        None,
        json!({"id": "c1", "portal_user": true}),
        json!({"action": "update", "fields": ["Amount"]}),
    ));
    assert_eq!(out, json!({"decision": "allowed"}));
}

/// SPEC.md §4: `$locked_for_me` is false on an unlocked record, true on a locked one for a
/// non-exempt actor.
#[test]
fn spec4_locked_for_me() {
    let p = restrict_all(json!({}));
    assert!(!p.locked_for_me(&user(), &LockState::Unlocked));
    assert!(p.locked_for_me(&user(), &manual_lock()));
    assert!(p.locked_for_me(&user(), &auto_lock()));
}

// ---------------------------------------------------------------- operations

/// SPEC.md §4: on an unlocked record every record operation is allowed.
#[test]
fn spec4_unlocked_record_allows_everything() {
    let p = restrict_all(json!({}));
    for op in record_ops() {
        assert!(p.decide(&user(), &LockState::Unlocked, &op).is_allowed(), "{op:?}");
        let r = row(&p, json!({"Stage": "Qualification"}));
        assert!(p.decide_derived(&user(), &r, &op).is_allowed(), "{op:?}");
    }
}

/// SPEC.md §4: an update is allowed iff every changed field is excluded; otherwise blocked
/// (RECORD_LOCKED, action update) naming each non-excluded field in request order, once.
#[test]
fn spec4_update_with_excluded_fields() {
    let p = deals_policy(json!({"lock_type": "automatic", "locking_rules": [won()],
        "excluded_fields": [{"api_name": "Description"}, {"api_name": "Next_Step"}]}));
    for lock in [manual_lock(), auto_lock()] {
        assert!(p.decide(&user(), &lock, &update(&["Description"])).is_allowed());
        assert!(p.decide(&user(), &lock, &update(&["Next_Step", "Description", "Next_Step"])).is_allowed());
        assert!(p.decide(&user(), &lock, &update(&[])).is_allowed());
        let d =
            p.decide(&user(), &lock, &update(&["Stage", "Description", "Amount", "Stage", "Closing_Date", "Amount"]));
        let j = d.to_json();
        assert_eq!(j["decision"], "blocked");
        assert_eq!(j["code"], "RECORD_LOCKED");
        assert_eq!(j["action"], "update");
        assert_eq!(j["fields"], json!(["Stage", "Amount", "Closing_Date"]));
        assert_eq!(j["message"], RECORD_LOCKED_MESSAGE);
    }
    // The derived lock names its rule (no id before a store assigns one).
    let r = row(&p, json!({"id": "1", "Stage": "Closed Won"}));
    assert_eq!(
        p.decide_derived(&user(), &r, &update(&["Amount"])).to_json(),
        json!({"decision": "blocked", "code": "RECORD_LOCKED", "action": "update", "fields": ["Amount"],
               "lock": {"source": "automatic", "rule": {"id": null, "name": "Closed Won"}},
               "message": RECORD_LOCKED_MESSAGE})
    );
}

/// SPEC.md §4: update is always restricted (even with restricted_actions empty).
#[test]
fn spec4_update_always_restricted() {
    let p = deals_policy(json!({"lock_type": "manual", "restricted_actions": []}));
    assert!(p.decide(&user(), &manual_lock(), &update(&["Amount"])).is_blocked_by_lock());
}

/// SPEC.md §4: delete, tags, change_owner and convert are blocked iff in restricted_actions.
#[test]
fn spec4_restricted_actions() {
    let actions = [
        ("delete", Operation::Delete),
        ("tags", Operation::Tags),
        ("change_owner", Operation::ChangeOwner),
        ("convert", Operation::Convert),
    ];
    for (name, _) in &actions {
        let p = deals_policy(json!({"lock_type": "manual", "restricted_actions": [name]}));
        for (other, op) in &actions {
            for lock in [manual_lock(), auto_lock()] {
                let d = p.decide(&user(), &lock, op);
                if other == name {
                    let j = d.to_json();
                    assert_eq!(j["code"], "RECORD_LOCKED", "{name}");
                    assert_eq!(j["action"], *other);
                    assert!(j.get("fields").is_none());
                } else {
                    assert!(d.is_allowed(), "{other} with only {name} restricted");
                }
            }
        }
    }
}

/// SPEC.md §4: send_mail, send_survery and send_portal_invitation are blocked iff in
/// restricted_communications (the alias send_survey counts as send_survery).
#[test]
fn spec4_restricted_communications() {
    let comms = [
        ("send_mail", Operation::SendMail),
        ("send_survery", Operation::SendSurvey),
        ("send_portal_invitation", Operation::SendPortalInvitation),
    ];
    for (name, _) in &comms {
        let p = deals_policy(json!({"lock_type": "manual", "restricted_communications": [name]}));
        for (other, op) in &comms {
            let d = p.decide(&user(), &manual_lock(), op);
            if other == name {
                assert_eq!(d.to_json()["code"], "RECORD_LOCKED");
                assert_eq!(d.to_json()["action"], *other);
            } else {
                assert!(d.is_allowed(), "{other} with only {name} restricted");
            }
        }
    }
    let p = deals_policy(json!({"lock_type": "manual", "restricted_communications": ["send_survey"]}));
    assert!(p.decide(&user(), &manual_lock(), &Operation::SendSurvey).is_blocked_by_lock());
    let none = deals_policy(json!({"lock_type": "manual", "restricted_communications": null}));
    for (_, op) in &comms {
        assert!(none.decide(&user(), &manual_lock(), op).is_allowed());
    }
    // The request alias `send_survey` is answered as send_survery.
    let out = p.answer_line(&line(
        json!({}),
        Some(manual_lock().to_json()),
        json!({"id": "u"}),
        json!({"action": "send_survey"}),
    ));
    assert_eq!(out["action"], "send_survery");
}

/// SPEC.md §4: a custom button is blocked iff it is in restricted_custom_buttons (ids compare
/// as exact decimal text).
#[test]
fn spec4_restricted_custom_buttons() {
    let p = deals_policy(parse(
        r#"{"lock_type": "manual", "restricted_custom_buttons": [{"id": 5843104000001068099, "name": "Approve"}, {"id": "12"}]}"#,
    ));
    let press = |id: &str| p.decide(&user(), &manual_lock(), &Operation::CustomButton { id: id.into() });
    assert_eq!(press("5843104000001068099").to_json()["action"], "custom_button");
    assert!(press("5843104000001068099").is_blocked_by_lock());
    assert!(press("12").is_blocked_by_lock());
    assert!(press("5843104000001068098").is_allowed());
    assert!(press("120").is_allowed());
    let out = p.answer_line(
        &common::parse(
            r#"{"record": {}, "lock": {"Lock_Source__s": "Manual", "Locked_Reason__s": "x"}, "actor": {"id": "u"},
                "operation": {"action": "custom_button", "button": {"id": 5843104000001068099}}}"#,
        )
        .to_string(),
    );
    assert_eq!(out["code"], "RECORD_LOCKED");
    let none = deals_policy(json!({"lock_type": "manual"}));
    assert!(none.decide(&user(), &manual_lock(), &Operation::CustomButton { id: "12".into() }).is_allowed());
}

// ---------------------------------------------------------------- fail closed

/// `Amount > 1000` locks; delete restricted; Description excluded.
fn amount_policy() -> Policy {
    deals_policy(json!({"lock_type": "automatic", "restricted_actions": ["delete"],
        "excluded_fields": [{"api_name": "Description"}],
        "locking_rules": [
            {"name": "Won or big", "criteria": {"group_operator": "OR", "group": [
                leaf("Stage", "equal", json!("Closed Won")), leaf("Amount", "greater_than", json!(1000))]}}]}))
}

fn derive(p: &Policy, record: Json, op: Json) -> Json {
    p.answer_line(&line(record, None, json!({"id": "u1", "profile": {"id": "p1"}}), op))
}

/// SPEC.md §4 fail closed: a derived lock over a field of the wrong type counts as locked —
/// an update of a non-excluded field is INVALID_RECORD with `$.record.<Field>`; a restricted
/// delete too.
#[test]
fn spec4_fail_closed_blocks_what_a_lock_blocks() {
    let p = amount_policy();
    let bad = json!({"id": "1", "Stage": "Qualification", "Amount": "lots"});
    let out = derive(&p, bad.clone(), json!({"action": "update", "fields": ["Amount"]}));
    assert_eq!(out["decision"], "blocked");
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["action"], "update");
    assert_eq!(out["json_path"], "$.record.Amount");
    assert_eq!(out["fields"], json!(["Amount"]));
    let out = derive(&p, bad, json!({"action": "delete"}));
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["json_path"], "$.record.Amount");
}

/// SPEC.md §4 fail closed: operations a lock allows stay allowed (excluded fields,
/// unrestricted actions).
#[test]
fn spec4_fail_closed_allows_what_a_lock_allows() {
    let p = amount_policy();
    let bad = json!({"id": "1", "Amount": {"not": "a number"}});
    for op in [
        json!({"action": "update", "fields": ["Description"]}),
        json!({"action": "tags"}),
        json!({"action": "change_owner"}),
        json!({"action": "send_mail"}),
        json!({"action": "custom_button", "button": {"id": "1"}}),
    ] {
        assert_eq!(derive(&p, bad.clone(), op.clone()), json!({"decision": "allowed"}), "{op}");
    }
}

/// SPEC.md §4 fail closed: every field an applied rule reads is checked, even one that
/// short-circuiting would skip (the first OR leaf already matches).
#[test]
fn spec4_fail_closed_checks_every_read_field() {
    let p = amount_policy();
    let out = derive(&p, json!({"Stage": "Closed Won", "Amount": "lots"}), json!({"action": "delete"}));
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["json_path"], "$.record.Amount");
    // Stage is a picklist; a boolean there is the wrong type.
    let out = derive(&p, json!({"Stage": true, "Amount": 10}), json!({"action": "delete"}));
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["json_path"], "$.record.Stage");
}

/// SPEC.md §4 fail closed applies only when the lock is derived: a field no rule reads may
/// hold anything, and a given lock (or `null`) is used as is.
#[test]
fn spec4_fail_closed_only_when_deriving() {
    let p = amount_policy();
    let out =
        derive(&p, json!({"Stage": "Qualification", "Amount": 5, "Closing_Date": 42}), json!({"action": "delete"}));
    assert_eq!(out, json!({"decision": "allowed"}));
    let bad = json!({"Amount": "lots"});
    let out = p.answer_line(&line(bad.clone(), Some(Json::Null), json!({"id": "u"}), json!({"action": "delete"})));
    assert_eq!(out, json!({"decision": "allowed"}));
    let out = p.answer_line(&line(bad, Some(manual_lock().to_json()), json!({"id": "u"}), json!({"action": "delete"})));
    assert_eq!(out["code"], "RECORD_LOCKED");
}

/// SPEC.md §4 fail closed: exempt actors are not locked, even for an unreadable record.
#[test]
fn spec4_fail_closed_exempt_actor_allowed() {
    let p = deals_policy(json!({"lock_type": "automatic", "restricted_actions": ["delete"],
        "locked_for": "all_profiles_except_excluded_profiles", "lock_excluded_profiles": [{"id": "p9"}],
        "locking_rules": [{"name": "Big", "criteria": leaf("Amount", "greater_than", json!(1000))}]}));
    let out = p.answer_line(&line(
        json!({"Amount": "lots"}),
        None,
        json!({"id": "u", "profile": {"id": "p9"}}),
        json!({"action": "delete"}),
    ));
    assert_eq!(out, json!({"decision": "allowed"}));
}

/// SPEC.md §4 fail closed through the API: `decide_unevaluable` blocks with INVALID_RECORD and
/// the error's path, no lock named.
#[test]
fn spec4_decide_unevaluable() {
    let p = amount_policy();
    let err = Error::new(ErrorCode::InvalidData, &JsonPath::root().key("record").key("Amount"), "not a number");
    let d = p.decide_unevaluable(&user(), &err, &Operation::Delete).to_json();
    assert_eq!(d["code"], "INVALID_RECORD");
    assert_eq!(d["json_path"], "$.record.Amount");
    assert!(d.get("lock").is_none());
    assert!(p.decide_unevaluable(&user(), &err, &Operation::Tags).is_allowed());
    assert!(p.decide_unevaluable(&user(), &err, &update(&["Description"])).is_allowed());
}

/// SPEC.md §4 fail closed applies to rules that apply: with lock_type manual no rule is
/// applied, so a record whose rule field has the wrong type is simply not locked.
#[test]
fn spec4_fail_closed_not_for_manual_lock_type() {
    let p = deals_policy(json!({"lock_type": "manual", "restricted_actions": ["delete"],
        "locking_rules": [{"name": "Big", "criteria": leaf("Amount", "greater_than", json!(1000))}]}));
    let out = derive(&p, json!({"Amount": "lots"}), json!({"action": "delete"}));
    assert_eq!(out, json!({"decision": "allowed"}));
}

/// SPEC.md §3/§4: for lock management on an unreadable record, §3's checks keep their order:
/// lock_type and permission failures are reported as such, not as INVALID_RECORD.
#[test]
fn spec4_fail_closed_keeps_lock_management_order() {
    let auto = amount_policy();
    let out = auto.answer_line(&line(
        json!({"Amount": "lots"}),
        None,
        json!({"id": "u", "lock_permission": true}),
        json!({"action": "lock", "reason": "x"}),
    ));
    assert_eq!(out["code"], "NOT_ALLOWED");
    assert_eq!(out["message"], "manual locking is not enabled");
    let both = deals_policy(json!({"lock_type": "both",
        "locking_rules": [{"name": "Big", "criteria": leaf("Amount", "greater_than", json!(1000))}]}));
    let out = both.answer_line(&line(json!({"Amount": "lots"}), None, json!({"id": "u"}), json!({"action": "unlock"})));
    assert_eq!(out["code"], "NO_PERMISSION");
    // With permission, the unreadable record counts as locked: lock is blocked, fail closed.
    let out = both.answer_line(&line(
        json!({"Amount": "lots"}),
        None,
        json!({"id": "u", "lock_permission": true}),
        json!({"action": "lock", "reason": "x"}),
    ));
    assert_eq!(out["code"], "INVALID_RECORD");
    assert_eq!(out["json_path"], "$.record.Amount");
}

// ---------------------------------------------------------------- decide requests

fn error_of(p: &Policy, text: &str) -> Json {
    let out = p.answer_line(text);
    assert!(out.get("decision").is_none(), "{text} → {out}");
    let e = out["error"].clone();
    assert_eq!(e["status"], "error", "{text} → {out}");
    assert!(e["message"].is_string());
    e
}

/// CONTRACT.md decide / SPEC.md §4: a line that is not a valid request is answered
/// `{"error": ...}` — invalid JSON, a missing or unknown key, an unknown action, an action
/// without its operand.
#[test]
fn spec4_decide_request_errors() {
    let p = restrict_all(json!({}));
    let e = error_of(&p, "not json");
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], "$");
    let e = error_of(&p, "[1, 2]");
    assert_eq!(e["code"], "INVALID_DATA");
    for (missing, path) in [("record", "$.record"), ("actor", "$.actor"), ("operation", "$.operation")] {
        let mut req = json!({"record": {}, "actor": {"id": "u"}, "operation": {"action": "delete"}});
        req.as_object_mut().unwrap().remove(missing);
        let e = error_of(&p, &req.to_string());
        assert_eq!(e["code"], "MANDATORY_NOT_FOUND", "{missing}");
        assert_eq!(e["details"]["json_path"], path);
    }
    let e =
        error_of(&p, &json!({"record": {}, "actor": {}, "operation": {"action": "delete"}, "extra": 1}).to_string());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], "$.extra");
    let e = error_of(
        &p,
        &json!({"record": {}, "actor": {"id": "u", "role": "x"}, "operation": {"action": "delete"}}).to_string(),
    );
    assert_eq!(e["details"]["json_path"], "$.actor.role");
    let e = error_of(&p, &json!({"record": {}, "actor": {}, "operation": {"action": "fly"}}).to_string());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], "$.operation.action");
    assert!(e["details"]["supported_values"].as_array().unwrap().contains(&json!("send_survery")));
    let e = error_of(&p, &json!({"record": {}, "actor": {}, "operation": {}}).to_string());
    assert_eq!(e["details"]["json_path"], "$.operation.action");
    for (op, path) in [
        (json!({"action": "update"}), "$.operation.fields"),
        (json!({"action": "update", "fields": "Amount"}), "$.operation.fields"),
        (json!({"action": "update", "fields": ["Amount", 3]}), "$.operation.fields[1]"),
        (json!({"action": "custom_button"}), "$.operation.button.id"),
        (json!({"action": "custom_button", "button": {}}), "$.operation.button.id"),
        (json!({"action": "lock"}), "$.operation.reason"),
        (json!({"action": "lock", "reason": null}), "$.operation.reason"),
        (json!({"action": "edit_lock_reason"}), "$.operation.reason"),
    ] {
        let e = error_of(&p, &json!({"record": {}, "actor": {}, "operation": op}).to_string());
        assert_eq!(e["details"]["json_path"], path, "{op}");
    }
    let e = error_of(&p, &json!({"record": [], "actor": {}, "operation": {"action": "delete"}}).to_string());
    assert_eq!(e["details"]["json_path"], "$.record");
}

/// CONTRACT.md decide: an empty reason is a request, answered MANDATORY_NOT_FOUND (a decision,
/// not an error line).
#[test]
fn spec4_empty_reason_is_a_request() {
    let p = deals_policy(json!({"lock_type": "manual"}));
    let out = p.answer_line(&line(
        json!({}),
        Some(Json::Null),
        json!({"id": "u", "lock_permission": true}),
        json!({"action": "lock", "reason": ""}),
    ));
    assert_eq!(out["decision"], "blocked");
    assert_eq!(out["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(out["action"], "lock");
}

/// CONTRACT.md decide: a parsed request carries the record, the lock (absent → derive), the
/// actor and the operation.
#[test]
fn spec4_decide_request_parsed() {
    let req = DecideRequest::from_json(&json!({"record": {"id": "1"},
        "actor": {"id": 7, "profile": {"id": "p1", "name": "Sales"}, "portal_user": true, "lock_permission": true},
        "operation": {"action": "update", "fields": ["Amount", "Stage"]}}))
    .unwrap();
    assert_eq!(req.lock, None);
    assert_eq!(
        req.actor,
        Actor { id: "7".into(), profile_id: Some("p1".into()), portal_user: true, lock_permission: true }
    );
    assert_eq!(req.operation, update(&["Amount", "Stage"]));
    let req =
        DecideRequest::from_json(&json!({"record": {}, "lock": null, "actor": {}, "operation": {"action": "unlock"}}))
            .unwrap();
    assert_eq!(req.lock, Some(LockState::Unlocked));
}

// ---------------------------------------------------------------- explanations

fn explain_policy() -> Policy {
    deals_policy(json!({"lock_type": "automatic", "locking_rules": [
        {"name": "Big win", "criteria": {"group_operator": "AND", "group": [
            leaf("Stage", "equal", json!("Closed Won")), leaf("Amount", "greater_than", json!(1000))]}},
        {"name": "Any win", "lock_existing_records": true, "criteria": leaf("Stage", "equal", json!("Closed Won"))},
        {"name": "Lost", "criteria": leaf("Stage", "equal", json!("Closed Lost"))}]}))
}

/// SPEC.md §4: every decision can explain itself — each rule's verdict, which rule locks, and
/// each leaf's value and result.
#[test]
fn spec4_explain_structure() {
    let p = explain_policy();
    let r = row(&p, json!({"id": "1", "Stage": "Closed Won", "Amount": 500}));
    let x = p.explain(&r);
    assert!(x.rules_apply);
    assert_eq!(x.lock.as_ref().and_then(|l| l.name.as_deref()), Some("Any win"));
    let verdicts: Vec<(Option<&str>, bool, bool)> =
        x.rules.iter().map(|r| (r.rule.name.as_deref(), r.matched, r.locks)).collect();
    assert_eq!(
        verdicts,
        [(Some("Big win"), false, false), (Some("Any win"), true, true), (Some("Lost"), false, false)]
    );
    assert!(x.rules[1].lock_existing_records);
    // The explanation agrees with the decision.
    assert_eq!(p.matching_rule(&r, RuleScope::All).map(|r| r.name()), Some("Any win"));

    let j = serde_json::to_value(&x).unwrap();
    let group = &j["rules"][0]["trace"];
    assert_eq!(group["kind"], "group");
    assert_eq!(group["operator"], "AND");
    assert_eq!(group["result"], false);
    let stage = &group["items"][0];
    assert_eq!(stage["kind"], "leaf");
    assert_eq!(stage["api_name"], "Stage");
    assert_eq!(stage["comparator"], "equal");
    assert_eq!(stage["constant"], "Closed Won");
    assert_eq!(stage["result"], true);
    assert!(stage["field_value"].as_str().unwrap().contains("Closed Won"));
    let amount = &group["items"][1];
    assert_eq!(amount["api_name"], "Amount");
    assert_eq!(amount["result"], false);
    assert_eq!(amount["decided"], true);
    assert!(amount["field_value"].as_str().unwrap().contains("500"));
    assert_eq!(amount["json_path"], "$.record_locking_configurations[0].locking_rules[0].criteria.group[1]");
}

/// SPEC.md §4 explain: the text for a person names every rule, its verdict and its leaves.
#[test]
fn spec4_explain_display() {
    let p = explain_policy();
    let text = p.explain(&row(&p, json!({"Stage": "Closed Won", "Amount": 5000}))).to_string();
    for needle in ["Big win", "Any win", "Lost", "Stage", "Amount", "5000"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(text.starts_with("locked by rule \"Big win\""), "{text}");
    let text = p.explain(&row(&p, json!({"Stage": "Qualification"}))).to_string();
    assert!(text.starts_with("not locked"), "{text}");
    let manual = deals_policy(json!({"lock_type": "manual", "locking_rules": [won()]}));
    let x = manual.explain(&row(&manual, json!({"Stage": "Closed Won"})));
    assert!(!x.rules_apply);
    assert!(x.lock.is_none());
    assert!(x.rules[0].matched && !x.rules[0].locks);
    assert!(x.to_string().contains("lock_type is manual"));
}
