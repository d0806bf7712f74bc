//! The fast reader of a request line: the common shapes read in place, no JSON value built,
//! no JSON path built, no allocation once the reused buffers have grown.
//!
//! It answers `Some` only for a line the exact reader ([`super::read_request_line`]) accepts,
//! with the very request that reader builds; anything else (every error, and valid but
//! unusual shapes: a key or id with an escape, a custom button, a non-scalar `name`, a
//! negative or fractional id...) it answers `None`, and the exact reader reads the line from
//! the start and words the error. So it changes speed, never an answer: the same contract as
//! the record scanner it is built on ([`scan_object`]), which checks the whole line's syntax
//! as serde_json does.

use recordlock_criteria::{Scanned, scan_object};

use crate::decision::{Actor, Operation};
use crate::lock::LockState;

/// Reads `line` into the request's actor, operation and lock (reusing their buffers) and returns the
/// record's text, or `None`: the exact reader decides. On `None` the outputs hold anything.
pub(super) fn read<'a>(
    line: &'a str,
    actor_out: &mut Actor,
    operation_out: &mut Operation,
    lock_out: &mut Option<LockState>,
) -> Option<&'a str> {
    let [record, lock, actor, operation] = members(line, ["record", "lock", "actor", "operation"])?;
    let record = record.filter(|r| r.starts_with('{'))?;
    *lock_out = match lock {
        None => None,
        Some("null") => Some(LockState::Unlocked),
        // A given lock is rare on a host's write path: read it as the exact reader does.
        Some(raw) => Some(LockState::from_json(&recordlock_criteria::parse_json_strict(raw).ok()?).ok()?),
    };
    read_actor(actor?, actor_out)?;
    read_operation(operation?, operation_out)?;
    Some(record)
}

/// `actor`: `{"id", "name", "profile": {"id", "name"} | id | null, "portal_user", "lock_permission"}`.
fn read_actor(raw: &str, actor: &mut Actor) -> Option<()> {
    let [id, name, profile, portal, permission] =
        members(raw, ["id", "name", "profile", "portal_user", "lock_permission"])?;
    name.map_or(Some(()), scalar)?;
    actor.id.clear();
    match id {
        None | Some("null") => {}
        Some(raw) => actor.id.push_str(id_text(raw)?),
    }
    let profile_id = match profile {
        None | Some("null") => None,
        Some(raw) if raw.starts_with('{') => {
            let [id, name] = members(raw, ["id", "name"])?;
            name.map_or(Some(()), scalar)?;
            match id {
                None | Some("null") => None,
                Some(raw) => Some(id_text(raw)?),
            }
        }
        Some(raw) => Some(id_text(raw)?),
    };
    match (profile_id, &mut actor.profile_id) {
        (None, slot) => *slot = None,
        (Some(p), Some(slot)) => {
            slot.clear();
            slot.push_str(p);
        }
        (Some(p), slot) => *slot = Some(p.to_owned()),
    }
    actor.portal_user = flag(portal)?;
    actor.lock_permission = flag(permission)?;
    Some(())
}

/// `operation`: `{"action", "fields", "reason"}` (a `button` is left to the exact reader).
fn read_operation(raw: &str, operation: &mut Operation) -> Option<()> {
    let [action, fields, reason] = members(raw, ["action", "fields", "reason"])?;
    let action = plain_string(action?)?;
    let reason = match reason {
        None | Some("null") => None,
        Some(raw) if raw.starts_with('"') => Some(plain_string(raw)?),
        Some(raw) => {
            scalar(raw)?;
            None
        }
    };
    if action != "update" {
        // The exact reader does not read `fields` then; it only refuses a repeated key in it.
        fields.map_or(Some(()), |raw| if raw.starts_with('[') { strings(raw, |_| {}) } else { scalar(raw) })?;
    }
    *operation = match action {
        "update" => {
            let mut names = match std::mem::replace(operation, Operation::Delete) {
                Operation::Update { fields } => fields,
                _ => Vec::new(),
            };
            let mut count = 0;
            strings(fields?, |name| {
                match names.get_mut(count) {
                    Some(slot) => {
                        slot.clear();
                        slot.push_str(name);
                    }
                    None => names.push(name.to_owned()),
                }
                count += 1;
            })?;
            names.truncate(count);
            Operation::Update { fields: names }
        }
        "lock" => Operation::Lock { reason: reason?.to_owned() },
        "edit_lock_reason" => Operation::EditLockReason { reason: reason?.to_owned() },
        other => Operation::without_operands(other)?,
    };
    Some(())
}

/// The values of the object `raw`'s members `keys`, in that order (`None`: absent), if it
/// has no other key and none twice.
fn members<'a, const N: usize>(raw: &'a str, keys: [&str; N]) -> Option<[Option<&'a str>; N]> {
    let mut values = [None; N];
    let mut ok = true;
    let scanned = scan_object(
        raw,
        |_| Some(()),
        |(), key, value| match keys.iter().position(|k| *k == key).and_then(|i| values.get_mut(i)) {
            Some(slot) => ok &= slot.replace(value).is_none(),
            None => ok = false,
        },
    );
    (scanned == Scanned::Done && ok).then_some(values)
}

/// An id as `id_text` reads it: a non-empty string, or a number of digits only.
fn id_text(raw: &str) -> Option<&str> {
    if raw.starts_with('"') {
        return plain_string(raw).filter(|s| !s.is_empty());
    }
    raw.bytes().all(|b| b.is_ascii_digit()).then_some(raw)
}

/// A string without escapes: its content.
fn plain_string(raw: &str) -> Option<&str> {
    raw.strip_prefix('"')?.strip_suffix('"').filter(|s| !s.contains('\\'))
}

/// `true`, `false` or `null` (false).
fn flag(raw: Option<&str>) -> Option<bool> {
    match raw {
        None | Some("null" | "false") => Some(false),
        Some("true") => Some(true),
        Some(_) => None,
    }
}

/// A value that holds no object or array (so no key that could repeat).
fn scalar(raw: &str) -> Option<()> {
    (!raw.starts_with(['{', '['])).then_some(())
}

/// Each string of the array `raw` (checked JSON), if it holds strings without escapes only.
fn strings<'a>(raw: &'a str, mut each: impl FnMut(&'a str)) -> Option<()> {
    let mut rest = raw.strip_prefix('[')?.trim_start_matches(JSON_WS);
    if let Some(after) = rest.strip_prefix(']') {
        return after.is_empty().then_some(());
    }
    loop {
        let body = rest.strip_prefix('"')?;
        let end = body.find(['"', '\\'])?;
        let (text, after) = body.split_at(end);
        each(text);
        rest = after.strip_prefix('"')?.trim_start_matches(JSON_WS);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start_matches(JSON_WS);
        } else {
            return (rest == "]").then_some(());
        }
    }
}

const JSON_WS: [char; 4] = [' ', '\t', '\n', '\r'];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{DecideRequest, RequestLine, read_request_line};
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// The fast reader's answer, as a request (`None`: it left the line to the exact reader).
    fn fast(line: &str) -> Option<(String, DecideRequest)> {
        let mut r = RequestLine::empty().request;
        // Buffers left over from another line must not leak into this one.
        r.actor.id = "stale".into();
        r.actor.profile_id = Some("stale".into());
        r.operation = Operation::Update { fields: vec!["stale".into(), "stale2".into(), "stale3".into()] };
        let record = read(line, &mut r.actor, &mut r.operation, &mut r.lock)?;
        Some((record.to_owned(), r))
    }

    fn exact(line: &str) -> Option<(String, DecideRequest)> {
        read_request_line(line).ok().map(|(record, r)| (record.to_owned(), r))
    }

    /// Whenever the fast reader reads a line, the exact reader reads the same request.
    fn agree(line: &str) -> bool {
        match fast(line) {
            None => true,
            Some(got) => {
                assert_eq!(Some(got), exact(line), "{line}");
                true
            }
        }
    }

    fn base() -> Json {
        json!({"record": {"id": "17", "Stage": "Closed Won", "Amount": 5, "X": [1, {"a": null}]},
               "actor": {"id": "7", "name": "Ann", "profile": {"id": "301", "name": "Sales"}, "portal_user": false, "lock_permission": true},
               "operation": {"action": "update", "fields": ["Amount", "Description"]}})
    }

    #[test]
    fn common_lines_take_the_fast_path() {
        let lines = [
            base().to_string(),
            r#" {"record": {}, "actor": {"id": 7}, "operation": {"action": "delete"}} "#.to_owned(),
            r#"{"operation":{"action":"lock","reason":"audit"},"lock":null,"actor":{"id":"u","profile":"5","lock_permission":true},"record":{"id":1}}"#.to_owned(),
            r#"{"record": {}, "lock": {"Lock_Source__s": "Manual", "Locked_Reason__s": "x"}, "actor": {}, "operation": {"action": "unlock"}}"#.to_owned(),
            r#"{"record": {}, "actor": {"profile": null, "id": null}, "operation": {"action": "update", "fields": [ ]}}"#.to_owned(),
            r#"{"record": {}, "actor": {}, "operation": {"action": "send_survey", "fields": null, "reason": 3}}"#.to_owned(),
        ];
        for line in &lines {
            assert!(fast(line).is_some(), "{line}");
            assert!(agree(line));
        }
    }

    #[test]
    fn unusual_lines_are_left_to_the_exact_reader() {
        for line in [
            r#"{"record": {}, "actor": {}, "operation": {"action": "custom_button", "button": {"id": "5"}}}"#,
            r#"{"record": {}, "actor": {"i\u0064": "7"}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {"id": "\u0037"}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {"id": -7}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {"id": 7, "id": 7}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {"name": {"a": 1, "a": 2}}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {}, "operation": {"action": "delete", "fields": [{"a": 1, "a": 2}]}}"#,
            r#"{"record": {}, "actor": {}, "operation": {"action": "update", "fields": ["A\"B"]}}"#,
            r#"{"record": [], "actor": {}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "record": {}, "actor": {}, "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": [], "operation": {"action": "delete"}}"#,
            r#"{"record": {}, "actor": {}, "operation": {"action": "lock"}}"#,
            r#"{"record": {}, "actor": {}, "operation": {"action": "delete"}} x"#,
            r#"[{"record": {}, "actor": {}, "operation": {"action": "delete"}}]"#,
        ] {
            assert!(fast(line).is_none(), "{line}");
        }
    }

    /// Values a member may take, valid or not.
    fn values() -> Vec<Json> {
        vec![
            Json::Null,
            json!(true),
            json!(false),
            json!(0),
            json!(7),
            json!(-7),
            json!(1.5),
            json!(""),
            json!("7"),
            json!("a\"b"),
            json!([]),
            json!(["Amount"]),
            json!(["Amount", 1]),
            json!({}),
            json!({"id": "5"}),
            json!({"id": 5, "name": "n"}),
            json!({"id": null}),
            json!({"x": 1}),
            json!({"Lock_Source__s": "Manual", "Locked_Reason__s": "r"}),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Lines built from the base by setting, removing and repeating members at both
        /// levels, and by cutting them short: the readers never disagree.
        #[test]
        fn the_fast_reader_agrees_with_the_exact_one(
            edits in proptest::collection::vec((0usize..3, 0usize..12, 0usize..19, 0usize..4), 0..4),
            action in 0usize..14,
            cut in proptest::option::of(0usize..400),
        ) {
            const OUTER: [&str; 3] = ["actor", "operation", ""];
            const KEYS: [&str; 12] = ["id", "name", "profile", "portal_user", "lock_permission", "action", "fields", "reason", "button", "record", "lock", "extra"];
            const ACTIONS: [&str; 14] = ["update", "delete", "tags", "change_owner", "convert", "send_mail", "send_survery",
                "send_survey", "send_portal_invitation", "custom_button", "lock", "unlock", "edit_lock_reason", "fly"];
            let mut line = base();
            line["operation"]["action"] = json!(ACTIONS[action]);
            let mut text = None;
            for (outer, key, value, how) in edits {
                let target = match OUTER[outer] {
                    "" => &mut line,
                    o => &mut line[o],
                };
                let Json::Object(m) = target else { continue };
                match how {
                    0 => { m.remove(KEYS[key]); }
                    1 | 2 => { m.insert(KEYS[key].to_owned(), values()[value].clone()); }
                    _ => {
                        // A repeated key, spelled out in the text.
                        let s = line.to_string();
                        let dup = format!(r#""{}": {}, "#, KEYS[key], values()[value]);
                        text = Some(s.replacen('{', &format!("{{{dup}"), 1 + outer % 2));
                    }
                }
            }
            let mut text = text.unwrap_or_else(|| line.to_string());
            if let Some(cut) = cut {
                text.truncate(cut.min(text.len()));
            }
            prop_assert!(agree(&text));
        }
    }
}
