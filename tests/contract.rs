//! What CONTRACT.md fixes about every output line, checked on every line the suites produce,
//! beyond the keys a suite's expectation lists (issue 15 item 13: most decide checks compared
//! only `decision`, most error checks only `code`). Each rule here is derived from the
//! contract and the request or record itself, never from the engine's own answer:
//!
//! * an allowed decision is exactly `{"decision": "allowed"}`;
//! * a blocked one has only the contract's keys, its `action` is the request's, and
//!   `fields` appears on a blocked update only; a `RECORD_LOCKED` one has the fixed message,
//!   a `lock`, and for an update exactly the requested fields that are not excluded, once
//!   each, in request order; a lock the request gives is the lock reported;
//! * an error line is exactly `{"error": {"code", "details": {"json_path", ...}, "message",
//!   "status": "error"}, "line"}` with `line` the request's 1-based input line;
//! * a sweep prints only `{"id", "rule": {"id", "name"}}` lines (the rule's id as the
//!   configuration gives it) and `{"id", "error", "line"}` lines, in input order;
//! * a validation error is exactly `{"code", "details": {"json_path", ...}, "message",
//!   "status": "error"}`.

use serde_json::{Map, Value as Json};

/// The message of every `RECORD_LOCKED` answer (Zoho's wording).
const RECORD_LOCKED_MESSAGE: &str = "You cannot perform this operation as the record is locked.";

fn keys(v: &Json) -> Vec<&str> {
    v.as_object().map(|m| m.keys().map(String::as_str).collect()).unwrap_or_default()
}

fn only_keys(v: &Json, allowed: &[&str], what: &str, out: &mut Vec<String>) {
    for k in keys(v) {
        if !allowed.contains(&k) {
            out.push(format!("{what}: key `{k}` is not in the contract ({allowed:?})"));
        }
    }
}

/// The error object's shape (a validation error, or the `error` of an error line).
pub fn error_object_violations(e: &Json, what: &str) -> Vec<String> {
    let mut out = Vec::new();
    only_keys(e, &["code", "details", "message", "status"], what, &mut out);
    if e["status"] != "error" {
        out.push(format!("{what}: status is not \"error\": {e}"));
    }
    if !e["code"].as_str().is_some_and(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')) {
        out.push(format!("{what}: code is not a Zoho code: {e}"));
    }
    if e["message"].as_str().is_none_or(str::is_empty) {
        out.push(format!("{what}: no message: {e}"));
    }
    if !e["details"]["json_path"].as_str().is_some_and(|p| p.starts_with('$')) {
        out.push(format!("{what}: details.json_path missing: {e}"));
    }
    out
}

/// A key of a lock object, read ignoring ASCII case as SPEC.md §3 reads them.
fn lock_key<'a>(lock: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    lock.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

fn id_string(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The one configuration object of a suite's configuration body.
fn configuration(config: &Json) -> &Json {
    &config["record_locking_configurations"][0]
}

/// Violations of the contract by `got`, the answer to `request` (the `line`th input line).
pub fn decide_violations(config: &Json, request: &Json, line: usize, got: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let what = format!("decide line {line}");
    if got.get("error").is_some() {
        only_keys(got, &["error", "line"], &what, &mut out);
        out.extend(error_object_violations(&got["error"], &what));
        if got["line"] != line {
            out.push(format!("{what}: `line` is {}, not {line}", got["line"]));
        }
        return out;
    }
    match got["decision"].as_str() {
        Some("allowed") => {
            if keys(got) != ["decision"] {
                out.push(format!("{what}: an allowed decision is exactly {{\"decision\": \"allowed\"}}: {got}"));
            }
            return out;
        }
        Some("blocked") => {}
        _ => {
            out.push(format!("{what}: neither a decision nor an error: {got}"));
            return out;
        }
    }
    only_keys(got, &["decision", "code", "action", "fields", "lock", "message", "json_path"], &what, &mut out);
    let action = request["operation"]["action"].as_str().unwrap_or("");
    // `send_survey` is accepted as a spelling of Zoho's `send_survery`.
    if action != "send_survey" && got["action"] != action {
        out.push(format!("{what}: action {} is not the request's {action:?}", got["action"]));
    }
    let code = got["code"].as_str().unwrap_or("");
    let update_blocked_by_lock = action == "update" && matches!(code, "RECORD_LOCKED" | "INVALID_RECORD");
    if got.get("fields").is_some() != update_blocked_by_lock {
        out.push(format!("{what}: `fields` appears on an update blocked by a lock, and only there: {got}"));
    }
    if got["message"].as_str().is_none_or(str::is_empty) {
        out.push(format!("{what}: no message: {got}"));
    }
    if code == "INVALID_RECORD" && !got["json_path"].as_str().is_some_and(|p| p.starts_with("$.record")) {
        out.push(format!("{what}: INVALID_RECORD names the record's value: {got}"));
    }
    if code != "RECORD_LOCKED" {
        return out;
    }
    if got["message"] != RECORD_LOCKED_MESSAGE {
        out.push(format!("{what}: the RECORD_LOCKED message is {RECORD_LOCKED_MESSAGE:?}: {got}"));
    }
    if action == "update" {
        out.extend(fields_violations(config, request, got, &what));
    }
    let lock = &got["lock"];
    match lock["source"].as_str() {
        Some("manual") => only_keys(lock, &["source", "reason"], &what, &mut out),
        Some("automatic") => {
            only_keys(lock, &["source", "rule"], &what, &mut out);
            only_keys(&lock["rule"], &["id", "name"], &what, &mut out);
        }
        _ => out.push(format!("{what}: a RECORD_LOCKED answer names its lock: {got}")),
    }
    // A lock the request gives is the lock reported.
    if let Some(given) = request.get("lock").and_then(Json::as_object) {
        let source = lock_key(given, "Lock_Source__s").and_then(Json::as_str).map(str::to_ascii_lowercase);
        if source.as_deref() != lock["source"].as_str() {
            out.push(format!("{what}: the given lock is {source:?}, the answer says {}", lock["source"]));
        } else if source.as_deref() == Some("manual") {
            let reason = lock_key(given, "Locked_Reason__s").cloned().unwrap_or(Json::Null);
            if !reason.is_null() && lock["reason"] != reason {
                out.push(format!("{what}: the given reason is {reason}, the answer says {}", lock["reason"]));
            }
        } else {
            let rule = lock_key(given, "Record_Locking_Rule_Id__s").and_then(id_string);
            if rule.as_ref().is_some_and(|r| lock["rule"]["id"] != r.as_str()) {
                out.push(format!("{what}: the given rule is {rule:?}, the answer says {}", lock["rule"]["id"]));
            }
        }
    }
    out
}

/// A blocked update's `fields`: the requested fields not excluded, once each, in order. Only
/// checked when the configuration names its excluded fields by `api_name`.
fn fields_violations(config: &Json, request: &Json, got: &Json, what: &str) -> Vec<String> {
    let excluded = configuration(config)["excluded_fields"].as_array().cloned().unwrap_or_default();
    let names: Option<Vec<&str>> = excluded.iter().map(|f| f["api_name"].as_str()).collect();
    let Some(names) = names else { return Vec::new() };
    let mut want: Vec<&str> = Vec::new();
    for f in request["operation"]["fields"].as_array().into_iter().flatten().filter_map(Json::as_str) {
        if !names.contains(&f) && !want.contains(&f) {
            want.push(f);
        }
    }
    let got_fields: Vec<&str> = got["fields"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
    if got_fields == want { Vec::new() } else { vec![format!("{what}: fields {got_fields:?}, want {want:?}")] }
}

/// Violations of the contract by a sweep's output over `records` (one a line).
pub fn sweep_violations(config: &Json, records: &[String], got: &[Json]) -> Vec<String> {
    let mut out = Vec::new();
    let rules = configuration(config)["locking_rules"].as_array().cloned().unwrap_or_default();
    let ids: Vec<Option<String>> =
        records.iter().map(|r| serde_json::from_str::<Json>(r).ok().and_then(|j| id_string(&j["id"]))).collect();
    let mut last = 0;
    for g in got {
        let index = if g.get("error").is_some() {
            only_keys(g, &["id", "error", "line"], "sweep error line", &mut out);
            out.extend(error_object_violations(&g["error"], "sweep error line"));
            g["line"].as_u64().and_then(|l| usize::try_from(l).ok())
        } else {
            only_keys(g, &["id", "rule"], "sweep line", &mut out);
            only_keys(&g["rule"], &["id", "name"], "sweep line", &mut out);
            let rule = rules.iter().find(|r| r["name"] == g["rule"]["name"]);
            let want_id = rule.and_then(|r| id_string(&r["id"])).map_or(Json::Null, Json::String);
            if rule.is_none() || g["rule"]["id"] != want_id {
                out.push(format!("sweep line {g}: the rule is not the configuration's (id {want_id})"));
            }
            let id = g["id"].as_str().map(str::to_owned);
            ids.iter().enumerate().skip(last).find(|(_, i)| id.is_some() && **i == id).map(|(i, _)| i + 1)
        };
        match index {
            Some(i) if i > last && i <= records.len() => last = i,
            _ => out.push(format!("sweep line {g}: not the next record in input order (after line {last})")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config() -> Json {
        json!({"record_locking_configurations": [{"lock_type": "automatic",
            "excluded_fields": [{"api_name": "Description"}],
            "locking_rules": [{"id": "7", "name": "Won", "criteria": {}}]}]})
    }

    /// The checks catch what an expectation listing only `decision` or `code` let through.
    #[test]
    fn violations_are_caught() {
        let update = json!({"operation": {"action": "update", "fields": ["Amount", "Description", "Amount"]}});
        let good = json!({"decision": "blocked", "code": "RECORD_LOCKED", "action": "update", "fields": ["Amount"],
            "lock": {"source": "automatic", "rule": {"id": "7", "name": "Won"}}, "message": RECORD_LOCKED_MESSAGE});
        assert_eq!(decide_violations(&config(), &update, 1, &good), Vec::<String>::new());
        let mut extra = good.clone();
        extra["fields"] = json!(["Amount", "Description"]);
        assert_eq!(decide_violations(&config(), &update, 1, &extra).len(), 1, "an excluded field reported");
        let mut wrong = good.clone();
        wrong["message"] = json!("locked");
        assert_eq!(decide_violations(&config(), &update, 1, &wrong).len(), 1);
        let allowed = json!({"decision": "allowed", "code": "RECORD_LOCKED"});
        assert_eq!(decide_violations(&config(), &update, 1, &allowed).len(), 1);
        let error = json!({"error": {"code": "INVALID_DATA", "details": {"json_path": "$"}, "message": "m", "status": "error"}});
        assert_eq!(decide_violations(&config(), &update, 4, &error).len(), 1, "no `line`");
        let records = ["{\"id\": \"1\"}".to_owned(), "{\"id\": \"2\"}".to_owned()];
        let swept = [
            json!({"id": "2", "rule": {"id": "7", "name": "Won"}}),
            json!({"id": "1", "rule": {"id": "7", "name": "Won"}}),
        ];
        assert_eq!(sweep_violations(&config(), &records, &swept).len(), 1, "out of order");
        let swept = [json!({"id": "1", "rule": {"id": null, "name": "Won"}})];
        assert_eq!(sweep_violations(&config(), &records, &swept).len(), 1, "the rule's id");
    }
}
