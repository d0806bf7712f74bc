//! SPEC.md §3: locks on records — automatic locks on save, host-given locks, manual lock /
//! edit reason / unlock with their checks in order, and the `Locking_Information__s` wire
//! shape.

// clippy.toml allows these in `#[test]` functions only; the helpers of this test crate are
// test code too.
#![expect(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "helpers of tests fail by panicking")]

mod common;

use chrono::{DateTime, FixedOffset};
use common::{admin, body, deals_policy, leaf, locker, row, rule, stage_rule, user};
use recordlock::criteria::ErrorCode;
use recordlock::store::{FixedClock, SequentialIds, Store};
use recordlock::{Actor, AutomaticLock, LockState, ManualLock, Operation, Policy};
use serde_json::{Value as Json, json};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const T0: &str = "2026-11-28T10:00:00+00:00";
const T1: &str = "2026-11-29T11:30:00+00:00";

/// A stored Deals configuration (rules have ids): `Big` (Amount > 1000) then `Won`
/// (Stage = Closed Won); Description is excluded.
fn stored_policy(lock_type: &str) -> std::sync::Arc<Policy> {
    let s = Store::new(Box::new(FixedClock(t(T0))), Box::new(SequentialIds::default()));
    let b = body(json!({"lock_type": lock_type, "excluded_fields": [{"api_name": "Description"}], "locking_rules": [
        rule("Big", leaf("Amount", "greater_than", json!(1000))),
        stage_rule("Won", "Closed Won")]}));
    s.create("Deals", &b, &admin()).unwrap();
    s.policy("Deals").unwrap()
}

fn manual_lock(reason: &str) -> LockState {
    LockState::Manual(ManualLock { reason: reason.into(), locked_by: None, locked_time: None })
}

fn auto_lock(rule_id: Option<&str>) -> LockState {
    LockState::Automatic(AutomaticLock {
        rule_id: rule_id.map(str::to_owned),
        configuration_id: None,
        locked_time: None,
    })
}

fn auto_rule(lock: &LockState) -> Option<&str> {
    match lock {
        LockState::Automatic(a) => a.rule_id.as_deref(),
        other => panic!("expected an automatic lock, got {other:?}"),
    }
}

// ---------------------------------------------------------------- automatic locks

/// SPEC.md §3: on save, the first matching rule in configuration order locks the record.
#[test]
fn spec3_first_matching_rule_in_order_wins() {
    let p = stored_policy("automatic");
    let big = p.rules()[0].id().unwrap().to_owned();
    let won = p.rules()[1].id().unwrap().to_owned();
    let both = row(&p, json!({"id": "1", "Stage": "Closed Won", "Amount": 5000}));
    let lock = p.lock_on_save(&LockState::Unlocked, &both, t(T0));
    assert_eq!(auto_rule(&lock), Some(big.as_str()));
    let LockState::Automatic(a) = &lock else { unreachable!() };
    assert_eq!(a.configuration_id.as_deref(), p.config().id.as_deref());
    assert_eq!(a.locked_time.as_deref(), Some(T0));
    let only_won = row(&p, json!({"id": "2", "Stage": "Closed Won", "Amount": 10}));
    assert_eq!(auto_rule(&p.lock_on_save(&LockState::Unlocked, &only_won, t(T0))), Some(won.as_str()));
    let neither = row(&p, json!({"id": "3", "Stage": "Qualification", "Amount": 10}));
    assert_eq!(p.lock_on_save(&LockState::Unlocked, &neither, t(T0)), LockState::Unlocked);

    // Reversing the rule order reverses the winner.
    let reversed = deals_policy(json!({"lock_type": "both", "locking_rules": [
        stage_rule("Won", "Closed Won"), rule("Big", leaf("Amount", "greater_than", json!(1000)))]}));
    let r = row(&reversed, json!({"id": "1", "Stage": "Closed Won", "Amount": 5000}));
    assert_eq!(reversed.matching_rule(&r, recordlock::RuleScope::All).unwrap().name(), "Won");
}

/// SPEC.md §3: a manual lock stays on save, whatever the rules say.
#[test]
fn spec3_manual_lock_stays_on_save() {
    let p = stored_policy("both");
    let matching = row(&p, json!({"Stage": "Closed Won"}));
    let not_matching = row(&p, json!({"Stage": "Qualification"}));
    let m = manual_lock("audit");
    assert_eq!(p.lock_on_save(&m, &matching, t(T1)), m);
    assert_eq!(p.lock_on_save(&m, &not_matching, t(T1)), m);
}

/// SPEC.md §3 (ours): an automatic lock is recomputed on each save — a record that no
/// longer matches is unlocked; an unchanged lock keeps its time, a different rule relocks.
#[test]
fn spec3_automatic_lock_recomputed_on_save() {
    let p = stored_policy("automatic");
    let big = p.rules()[0].id().unwrap().to_owned();
    let won = p.rules()[1].id().unwrap().to_owned();
    let first = p.lock_on_save(&LockState::Unlocked, &row(&p, json!({"Stage": "Closed Won"})), t(T0));
    assert_eq!(auto_rule(&first), Some(won.as_str()));
    // Saved again, still matching the same rule: the lock time is kept.
    let again = p.lock_on_save(&first, &row(&p, json!({"Stage": "Closed Won"})), t(T1));
    assert_eq!(again, first);
    // Now matching an earlier rule: relocked by it, at the new time.
    let moved = p.lock_on_save(&first, &row(&p, json!({"Stage": "Closed Won", "Amount": 2000})), t(T1));
    assert_eq!(auto_rule(&moved), Some(big.as_str()));
    let LockState::Automatic(a) = &moved else { unreachable!() };
    assert_eq!(a.locked_time.as_deref(), Some(T1));
    // No longer matching: unlocked.
    assert_eq!(p.lock_on_save(&moved, &row(&p, json!({"Stage": "Closed Lost"})), t(T1)), LockState::Unlocked);
    // An automatic lock by an unknown rule is recomputed too.
    let stray = auto_lock(Some("5843104999999999999"));
    assert_eq!(p.lock_on_save(&stray, &row(&p, json!({"Stage": "Qualification"})), t(T1)), LockState::Unlocked);
}

/// SPEC.md §3: rules lock automatically only when lock_type is automatic or both.
#[test]
fn spec3_manual_lock_type_never_locks_automatically() {
    let p = deals_policy(json!({"lock_type": "manual", "locking_rules": [stage_rule("Won", "Closed Won")]}));
    let r = row(&p, json!({"Stage": "Closed Won"}));
    assert_eq!(p.lock_on_save(&LockState::Unlocked, &r, t(T0)), LockState::Unlocked);
    assert!(p.decide_derived(&user(), &r, &Operation::Update { fields: vec!["Amount".into()] }).is_allowed());
}

/// SPEC.md §3: a lock given by the host is authoritative — an automatic lock naming an unknown
/// rule id still locks, reported with that id and no name.
#[test]
fn spec3_given_lock_with_unknown_rule_id_still_locks() {
    let p = stored_policy("automatic");
    let d = p.decide(
        &user(),
        &auto_lock(Some("5843104999999999999")),
        &Operation::Update { fields: vec!["Amount".into()] },
    );
    assert_eq!(
        d.to_json(),
        json!({"decision": "blocked", "code": "RECORD_LOCKED", "action": "update", "fields": ["Amount"],
               "lock": {"source": "automatic", "rule": {"id": "5843104999999999999", "name": null}},
               "message": "You cannot perform this operation as the record is locked."})
    );
    // Known ids are named.
    let won = p.rules()[1].id().unwrap().to_owned();
    let d = p.decide(&user(), &auto_lock(Some(&won)), &Operation::Update { fields: vec!["Amount".into()] });
    assert_eq!(d.to_json()["lock"]["rule"], json!({"id": won, "name": "Won"}));
    // No rule id at all still locks.
    let d = p.decide(&user(), &auto_lock(None), &Operation::Update { fields: vec!["Amount".into()] });
    assert_eq!(d.to_json()["lock"]["rule"], json!({"id": null, "name": null}));
    // Through a request line, the given lock wins over the record (which matches nothing).
    let line = json!({"record": {"Stage": "Qualification"},
        "lock": {"Lock_Source__s": "Automatic", "Record_Locking_Rule_Id__s": 5843104999999999999u64},
        "actor": {"id": "u1"}, "operation": {"action": "update", "fields": ["Amount"]}});
    let out = p.answer_line(&line.to_string());
    assert_eq!(out["lock"]["rule"], json!({"id": "5843104999999999999", "name": null}));
    // And a given `null` lock wins over a record that matches.
    let line = json!({"record": {"Stage": "Closed Won"}, "lock": null, "actor": {"id": "u1"},
        "operation": {"action": "update", "fields": ["Amount"]}});
    assert_eq!(p.answer_line(&line.to_string()), json!({"decision": "allowed"}));
}

/// SPEC.md §3: a given automatic lock locks even when lock_type is manual (the host is
/// authoritative).
#[test]
fn spec3_given_automatic_lock_under_manual_lock_type() {
    let p = deals_policy(json!({"lock_type": "manual"}));
    let d = p.decide(&user(), &auto_lock(Some("1")), &Operation::Update { fields: vec!["Amount".into()] });
    assert_eq!(d.to_json()["code"], "RECORD_LOCKED");
}

// ---------------------------------------------------------------- manual lock, edit reason, unlock

fn code(r: Result<LockState, recordlock::criteria::Error>) -> (ErrorCode, String) {
    let e = r.unwrap_err();
    (e.code(), e.message().to_owned())
}

const NOT_ENABLED: &str = "manual locking is not enabled";
const ALREADY: &str = "Record is already locked";
const AUTOMATIC: &str = "Automatically locked records can not be unlocked manually";
const NOT_LOCKED: &str = "Record is not locked";

/// SPEC.md §3 check 1: manual locking needs lock_type manual or both (NOT_ALLOWED "manual
/// locking is not enabled"), before every other check.
#[test]
fn spec3_manual_locking_not_enabled_for_automatic() {
    let p = stored_policy("automatic");
    let nobody = Actor { lock_permission: false, ..user() };
    for current in [LockState::Unlocked, manual_lock("x"), auto_lock(Some("1"))] {
        for actor in [&nobody, &locker()] {
            assert_eq!(code(p.manual_lock(actor, &current, "", t(T0))), (ErrorCode::NotAllowed, NOT_ENABLED.into()));
            assert_eq!(code(p.unlock(actor, &current)), (ErrorCode::NotAllowed, NOT_ENABLED.into()));
            assert_eq!(code(p.edit_lock_reason(actor, &current, " ")), (ErrorCode::NotAllowed, NOT_ENABLED.into()));
        }
    }
}

/// SPEC.md §3 check 2: the actor needs the lock permission (NO_PERMISSION), before the lock
/// state and the reason.
#[test]
fn spec3_lock_permission_required() {
    for lock_type in ["manual", "both"] {
        let p = stored_policy(lock_type);
        for current in [LockState::Unlocked, manual_lock("x"), auto_lock(Some("1"))] {
            assert_eq!(code(p.manual_lock(&user(), &current, "", t(T0))).0, ErrorCode::NoPermission);
            assert_eq!(code(p.unlock(&user(), &current)).0, ErrorCode::NoPermission);
            assert_eq!(code(p.edit_lock_reason(&user(), &current, "")).0, ErrorCode::NoPermission);
        }
    }
}

/// SPEC.md §3 check 3: `lock` needs an unlocked record (NOT_ALLOWED "Record is already
/// locked"), before the reason.
#[test]
fn spec3_lock_needs_unlocked_record() {
    let p = stored_policy("both");
    for current in [manual_lock("x"), auto_lock(Some("1")), auto_lock(None)] {
        assert_eq!(code(p.manual_lock(&locker(), &current, "", t(T0))), (ErrorCode::NotAllowed, ALREADY.into()));
        assert_eq!(code(p.manual_lock(&locker(), &current, "why", t(T0))), (ErrorCode::NotAllowed, ALREADY.into()));
    }
}

/// SPEC.md §3 check 3: `unlock` and `edit_lock_reason` need a manual lock — automatic:
/// NOT_ALLOWED "Automatically locked records can not be unlocked manually"; none: NOT_ALLOWED
/// "Record is not locked" (before the reason).
#[test]
fn spec3_unlock_and_edit_need_manual_lock() {
    let p = stored_policy("both");
    for current in [auto_lock(Some("1")), auto_lock(None)] {
        assert_eq!(code(p.unlock(&locker(), &current)), (ErrorCode::NotAllowed, AUTOMATIC.into()));
        assert_eq!(code(p.edit_lock_reason(&locker(), &current, "")), (ErrorCode::NotAllowed, AUTOMATIC.into()));
        assert_eq!(code(p.edit_lock_reason(&locker(), &current, "new")), (ErrorCode::NotAllowed, AUTOMATIC.into()));
    }
    assert_eq!(code(p.unlock(&locker(), &LockState::Unlocked)), (ErrorCode::NotAllowed, NOT_LOCKED.into()));
    assert_eq!(
        code(p.edit_lock_reason(&locker(), &LockState::Unlocked, "")),
        (ErrorCode::NotAllowed, NOT_LOCKED.into())
    );
}

/// SPEC.md §3 check 4: `lock` and `edit_lock_reason` need a non-empty reason
/// (MANDATORY_NOT_FOUND, also for whitespace only).
#[test]
fn spec3_reason_is_mandatory() {
    let p = stored_policy("manual");
    for reason in ["", " ", "\t\n "] {
        let e = p.manual_lock(&locker(), &LockState::Unlocked, reason, t(T0)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MandatoryNotFound);
        assert_eq!(e.api_name(), Some("Locked_Reason__s"));
        let e = p.edit_lock_reason(&locker(), &manual_lock("x"), reason).unwrap_err();
        assert_eq!(e.code(), ErrorCode::MandatoryNotFound);
    }
}

/// SPEC.md §3: a successful manual lock records reason, who and when; edit keeps who and
/// when; unlock removes it.
#[test]
fn spec3_manual_lock_edit_unlock_succeed() {
    for lock_type in ["manual", "both"] {
        let p = stored_policy(lock_type);
        let locked = p.manual_lock(&locker(), &LockState::Unlocked, "legal hold", t(T0)).unwrap();
        let LockState::Manual(m) = &locked else { panic!("{locked:?}") };
        assert_eq!(m.reason, "legal hold");
        assert_eq!(m.locked_by.as_ref().map(|r| r.id.as_str()), Some("u1"));
        assert_eq!(m.locked_time.as_deref(), Some(T0));
        let edited = p.edit_lock_reason(&locker(), &locked, "audit").unwrap();
        let LockState::Manual(e) = &edited else { panic!("{edited:?}") };
        assert_eq!(e.reason, "audit");
        assert_eq!(e.locked_by, m.locked_by);
        assert_eq!(e.locked_time, m.locked_time);
        assert_eq!(p.unlock(&locker(), &edited).unwrap(), LockState::Unlocked);
        // A manually locked record is locked for updates.
        let d = p.decide(&user(), &edited, &Operation::Update { fields: vec!["Amount".into()] });
        assert_eq!(d.to_json()["lock"], json!({"source": "manual", "reason": "audit"}));
    }
}

/// SPEC.md §3/§4: the same checks answer `decide` for lock, unlock and edit_lock_reason, with
/// the wire codes.
#[test]
fn spec3_lock_management_decisions() {
    let both = stored_policy("both");
    let auto = stored_policy("automatic");
    let lock = |r: &str| Operation::Lock { reason: r.into() };
    let edit = |r: &str| Operation::EditLockReason { reason: r.into() };
    let cases: Vec<(&Policy, Actor, LockState, Operation, Json)> = vec![
        (&auto, locker(), LockState::Unlocked, lock("x"), json!(["NOT_ALLOWED", NOT_ENABLED])),
        (&both, user(), LockState::Unlocked, lock(""), json!(["NO_PERMISSION", null])),
        (&both, locker(), manual_lock("x"), lock(""), json!(["NOT_ALLOWED", ALREADY])),
        (&both, locker(), LockState::Unlocked, lock("  "), json!(["MANDATORY_NOT_FOUND", null])),
        (&both, locker(), LockState::Unlocked, lock("ok"), json!("allowed")),
        (&both, locker(), auto_lock(Some("1")), Operation::Unlock, json!(["NOT_ALLOWED", AUTOMATIC])),
        (&both, locker(), LockState::Unlocked, Operation::Unlock, json!(["NOT_ALLOWED", NOT_LOCKED])),
        (&both, locker(), manual_lock("x"), Operation::Unlock, json!("allowed")),
        (&both, locker(), auto_lock(Some("1")), edit("y"), json!(["NOT_ALLOWED", AUTOMATIC])),
        (&both, locker(), LockState::Unlocked, edit("y"), json!(["NOT_ALLOWED", NOT_LOCKED])),
        (&both, locker(), manual_lock("x"), edit(""), json!(["MANDATORY_NOT_FOUND", null])),
        (&both, locker(), manual_lock("x"), edit("y"), json!("allowed")),
    ];
    for (p, actor, current, op, want) in cases {
        let d = p.decide(&actor, &current, &op).to_json();
        match want {
            Json::String(_) => assert_eq!(d, json!({"decision": "allowed"}), "{op:?} on {current:?}"),
            w => {
                assert_eq!(d["decision"], "blocked");
                assert_eq!(d["code"], w[0], "{op:?} on {current:?}: {d}");
                assert_eq!(d["action"], op.action());
                if let Some(msg) = w[1].as_str() {
                    assert_eq!(d["message"], msg);
                }
            }
        }
    }
}

/// SPEC.md §3: exempt actors (§4) are still subject to the manual-lock checks.
#[test]
fn spec3_exempt_actor_still_checked_for_lock_management() {
    let p = deals_policy(json!({"lock_type": "manual", "locked_for": "all_profiles_except_excluded_profiles",
        "lock_excluded_profiles": [{"id": "p1"}]}));
    let d = p.decide(&user(), &manual_lock("x"), &Operation::Unlock);
    assert_eq!(d.to_json()["code"], "NO_PERMISSION");
}

// ---------------------------------------------------------------- wire shape

/// SPEC.md §3: `Locking_Information__s` keys are read ignoring case and written as the docs
/// spell them; rule ids kept exact.
#[test]
fn spec3_locking_information_keys_ignore_case() {
    let lower = common::parse(
        r#"{"lock_source__s": "manual", "locked_reason__s": "audit", "locked_by__s": {"id": 77, "name": "Ada"},
            "locked_time__s": "2026-11-28T10:00:00+05:30"}"#,
    );
    let lock = LockState::from_json(&lower).unwrap();
    let LockState::Manual(m) = &lock else { panic!("{lock:?}") };
    assert_eq!(m.reason, "audit");
    assert_eq!(m.locked_by.as_ref().map(|r| r.id.as_str()), Some("77"));
    let out = lock.to_json();
    assert_eq!(out["Lock_Source__s"], "Manual");
    assert_eq!(out["Locked_Reason__s"], "audit");
    assert_eq!(out["Locked_By__s"], json!({"id": "77", "name": "Ada"}));
    assert_eq!(out["Locked_Time__s"], "2026-11-28T10:00:00+05:30");
    assert!(out.get("lock_source__s").is_none());

    let upper = common::parse(
        r#"{"LOCK_SOURCE__S": "AUTOMATIC", "RECORD_LOCKING_RULE_ID__S": 5843104000001068053,
            "record_locking_configuration_id__s": "5843104000001068052"}"#,
    );
    let lock = LockState::from_json(&upper).unwrap();
    assert_eq!(auto_rule(&lock), Some("5843104000001068053"));
    let out = lock.to_json();
    assert_eq!(out["Lock_Source__s"], "Automatic");
    assert_eq!(out["Record_Locking_Rule_Id__s"], "5843104000001068053");
    assert_eq!(out["Record_Locking_Configuration_Id__s"], "5843104000001068052");
    assert_eq!(LockState::from_json(&out).unwrap(), lock);
    assert_eq!(LockState::from_json(&Json::Null).unwrap(), LockState::Unlocked);
    assert_eq!(LockState::Unlocked.to_json(), Json::Null);
}

/// SPEC.md §3: lower-case keys from generated SDKs work in decide requests too.
#[test]
fn spec3_request_lock_keys_ignore_case() {
    let p = stored_policy("both");
    let line = json!({"record": {}, "lock": {"lock_source__s": "manual", "locked_reason__s": "audit"},
        "actor": {"id": "u1", "lock_permission": true}, "operation": {"action": "edit_lock_reason", "reason": "new"}});
    assert_eq!(p.answer_line(&line.to_string()), json!({"decision": "allowed"}));
    let line = json!({"record": {}, "lock": {"lock_source__s": "manual", "locked_reason__s": "audit"},
        "actor": {"id": "u1"}, "operation": {"action": "update", "fields": ["Amount"]}});
    assert_eq!(p.answer_line(&line.to_string())["lock"], json!({"source": "manual", "reason": "audit"}));
}

/// SPEC.md §3: a lock source other than Manual or Automatic is INVALID_DATA (a request line
/// carrying one is answered with an error line at `$.lock.Lock_Source__s`).
#[test]
fn spec3_bad_lock_source() {
    let e = LockState::from_json(&json!({"Lock_Source__s": "Both"})).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidData);
    assert!(LockState::from_json(&json!({})).is_err());
    let p = stored_policy("both");
    let line = json!({"record": {}, "lock": {"Lock_Source__s": "Sometimes"}, "actor": {"id": "u1"},
        "operation": {"action": "delete"}});
    let out = p.answer_line(&line.to_string());
    assert_eq!(out["error"]["code"], "INVALID_DATA");
    assert_eq!(out["error"]["details"]["json_path"], "$.lock.Lock_Source__s");
}
