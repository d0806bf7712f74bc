//! The record's `id` member found by a light walk over its text, for
//! [`super::RequestLine::record_id`]: a host's decide without a lock needs the record's id to
//! fetch its stored lock, before the record is read for the decision.
//!
//! Both request readers hand over a record's text only once it is known to be one valid
//! JSON object, so this walk checks nothing: it follows strings (with their escapes) and
//! nesting to find the members of the top level, and takes the text of the value of a key
//! `id`. It answers as the scanner-based reading of the record does (the unit tests and a
//! proptest compare the two): the value's text if `id` is a key once, nothing if it is a key
//! twice or never. A key with an escape (`"i\u0064"` is `id`) is left to that reading.

/// What the walk found, or `None`: the record has a key with an escape (or is not what
/// the readers hand over), read it by the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdMember<'a> {
    /// No key `id`, or more than one.
    None,
    /// The raw text of the one `id`'s value: a whole string with its quotes, or the
    /// unquoted value's text up to its end (its first byte only for an object or array).
    Once(&'a str),
}

/// Walks `record` (one valid JSON object) for its top-level `id` member.
pub(super) fn top_level_id(record: &str) -> Option<IdMember<'_>> {
    let bytes = record.as_bytes();
    let (mut at, mut depth, mut key_next) = (0usize, 0usize, false);
    let (mut found, mut ids) = (None, 0u32);
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'"' => {
                let end = string_end(bytes, at + 1)?;
                if depth == 1 && key_next {
                    let key = bytes.get(at + 1..end)?;
                    if key.contains(&b'\\') {
                        return None;
                    }
                    key_next = false;
                    if key == b"id" {
                        ids += 1;
                        found = Some(value_after(record, end + 1)?);
                    }
                }
                at = end + 1;
            }
            b'{' => {
                depth += 1;
                key_next = depth == 1;
                at += 1;
            }
            b'[' => {
                depth += 1;
                at += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                at += 1;
            }
            b',' => {
                key_next = depth == 1;
                at += 1;
            }
            _ => at += 1,
        }
    }
    Some(match (ids, found) {
        (1, Some(raw)) => IdMember::Once(raw),
        _ => IdMember::None,
    })
}

/// The index of the quote that ends the string whose content starts at `from`. (A byte
/// loop: a record's strings are short, too short for `memchr`'s setup to pay.)
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let rest = bytes.get(at..)?;
        let found = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
        match rest.get(found)? {
            b'"' => return Some(at + found),
            // An escape: the next byte is escaped (a quote, a backslash or a letter).
            _ => at += found + 2,
        }
    }
}

/// The raw text of the value after the key that ends before `from` (`: value`).
fn value_after(record: &str, from: usize) -> Option<&str> {
    let bytes = record.as_bytes();
    let colon = from + bytes.get(from..)?.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    let start = colon + 1 + bytes.get(colon + 1..)?.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = match bytes.get(start)? {
        b'"' => string_end(bytes, start + 1)? + 1,
        b'{' | b'[' => start + 1,
        _ => {
            let len =
                bytes.get(start..)?.iter().position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace());
            start + len.unwrap_or(bytes.len() - start)
        }
    };
    record.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// Values an `id` (or another member) may have, some with escapes and nesting.
    fn values() -> Vec<Json> {
        vec![
            json!("17"),
            json!(""),
            json!("a\"}b"),
            json!("\\"),
            json!("x\u{e9}\n"),
            json!(17),
            json!(-3),
            json!(0.5),
            json!(1e300),
            json!(null),
            json!(true),
            json!([]),
            json!([1, "id", {"id": 2}]),
            json!({"id": "9"}),
            json!({"a": {"b": ["]", "}"]}}),
            json!(12345678901234567890u64),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Records of repeated, nested and escaped members, in compact and spaced layouts:
        /// the walk and the scanner read the same id.
        #[test]
        fn the_walk_reads_the_id_the_scanner_reads(
            members in proptest::collection::vec((0usize..6, 0usize..16), 0..6),
            spaced in any::<bool>(),
        ) {
            const KEYS: [&str; 6] = ["id", "Stage", "ID", "i\\u0064", "id ", "Owner"];
            let values = values();
            let space = if spaced { " \n\t" } else { "" };
            let body: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{space}\"{}\"{space}:{space}{}{space}", KEYS[*k], values[*v]))
                .collect();
            let record = format!("{{{}}}", body.join(","));
            prop_assert!(serde_json::from_str::<serde::de::IgnoredAny>(&record).is_ok(), "{}", record);
            let line = format!(r#"{{"record": {record}, "actor": {{}}, "operation": {{"action": "delete"}}}}"#);
            let request = super::super::RequestLine::parse(&line).map_err(|e| TestCaseError::fail(e.message().to_owned()))?;
            prop_assert_eq!(request.record_id(), super::super::scanned_record_id(&record), "{}", record);
        }
    }

    #[test]
    fn the_top_level_id_is_found() {
        let once = |raw| Some(IdMember::Once(raw));
        assert_eq!(top_level_id(r#"{"id": "17", "Stage": "Won"}"#), once("\"17\""));
        assert_eq!(top_level_id(r#"{"Stage":"Won","id":17}"#), once("17"));
        assert_eq!(top_level_id("{ \"id\" :\n-1.5e3 }"), once("-1.5e3"));
        assert_eq!(top_level_id(r#"{"id": "a\"b\\", "x": 1}"#), once(r#""a\"b\\""#));
        assert_eq!(top_level_id(r#"{"id": {"id": 1}}"#), once("{"));
        assert_eq!(top_level_id(r#"{"id": null}"#), once("null"));
        assert_eq!(top_level_id(r#"{"a": {"id": 1}, "b": [{"id": 2}], "c": "id"}"#), Some(IdMember::None));
        assert_eq!(top_level_id(r#"{"id": 1, "id": 2}"#), Some(IdMember::None));
        assert_eq!(top_level_id(r#"{"a": ["\"", "}", {"x": "\\"}], "id": 3}"#), once("3"));
        assert_eq!(top_level_id("{}"), Some(IdMember::None));
        assert_eq!(top_level_id(r#"{"i\u0064": 1}"#), None, "an escaped key is left to the scanner");
    }
}
