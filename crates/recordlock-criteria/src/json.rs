//! Strict JSON reading for configurations and requests: duplicate keys are errors.
//!
//! `serde_json` keeps the last of two equal keys silently. In a locking configuration that
//! would let `{"lock_type": "manual", "lock_type": "automatic"}` mean whatever the parser
//! happened to keep; recordlock rejects it instead (`INVALID_DATA` with the key's path).
//! Nesting stays bounded by `serde_json`'s recursion limit (128), so deep input is an error,
//! never a stack overflow.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value as Json};

use crate::error::{Error, ErrorCode};
use crate::json_path::JsonPath;

/// Parses JSON text, rejecting duplicate object keys.
///
/// ```
/// use recordlock_criteria::parse_json_strict;
///
/// assert!(parse_json_strict(r#"{"a": 1, "b": {"c": 2}}"#).is_ok());
/// let err = parse_json_strict(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
/// assert_eq!(err.json_path(), "$.a.b");
/// assert_eq!(parse_json_strict("NaN").unwrap_err().code().as_str(), "INVALID_DATA");
/// ```
pub fn parse_json_strict(text: &str) -> Result<Json, Error> {
    let mut duplicate: Option<JsonPath> = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = StrictValue { path: JsonPath::root(), duplicate: &mut duplicate };
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match (parsed, duplicate) {
        (_, Some(path)) => {
            let key = path.as_str().rsplit(['.', '[']).next().unwrap_or("").trim_end_matches(']').to_owned();
            Err(Error::new(ErrorCode::InvalidData, &path, format!("the key `{key}` is given twice")).with_api_name(key))
        }
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(error_from_json_bytes(&e, text.as_bytes())),
    }
}

/// Parses JSON bytes strictly; bytes that are not UTF-8 are `INVALID_DATA`.
pub fn parse_json_strict_bytes(bytes: &[u8]) -> Result<Json, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_json_strict(text),
        Err(e) => Err(Error::new(ErrorCode::InvalidData, &JsonPath::root(), format!("the input is not UTF-8: {e}"))),
    }
}

struct StrictValue<'a> {
    path: JsonPath,
    duplicate: &'a mut Option<JsonPath>,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Json;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Number::from_f64(v).map(Json::Number).ok_or_else(|| E::custom("not a finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = StrictValue { path: self.path.index(items.len()), duplicate: &mut *self.duplicate };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Json::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        // With `arbitrary_precision`, serde_json hands numbers over as a one-entry map with a
        // private key; let `Json` itself rebuild those.
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "$serde_json::private::Number" {
                let text: String = map.next_value()?;
                return text.parse::<Number>().map(Json::Number).map_err(de::Error::custom);
            }
            let path = self.path.key(&key);
            let value = map.next_value_seed(StrictValue { path: path.clone(), duplicate: &mut *self.duplicate })?;
            if out.contains_key(&key) {
                self.duplicate.get_or_insert(path);
                return Err(de::Error::custom("duplicate key"));
            }
            out.insert(key, value);
        }
        Ok(Json::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let v = parse_json_strict(r#"{"a": 9007199254740993, "b": 1000.10, "c": -1e5}"#).unwrap();
        assert_eq!(v["a"].as_number().unwrap().as_str(), "9007199254740993");
        assert_eq!(v["b"].as_number().unwrap().as_str(), "1000.10");
        let c = v["c"].as_number().unwrap().as_str();
        assert_eq!(crate::parse_decimal(c), crate::parse_decimal("-100000"));
    }

    #[test]
    fn duplicates_anywhere_are_found() {
        let e = parse_json_strict(r#"{"x": [{"k": 1}, {"k": 1, "k": 2}]}"#).unwrap_err();
        assert_eq!(e.json_path(), "$.x[1].k");
        assert_eq!(e.api_name(), Some("k"));
    }

    #[test]
    fn deep_nesting_and_bad_spellings_are_errors() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse_json_strict(&deep).unwrap_err().code(), ErrorCode::LimitExceeded);
        for bad in ["NaN", "Infinity", "-Infinity", "{\"a\": NaN}", "[1,]", "{'a': 1}"] {
            assert_eq!(parse_json_strict(bad).unwrap_err().code(), ErrorCode::InvalidData, "{bad}");
        }
        assert!(parse_json_strict_bytes(b"{\"a\": \"\xff\"}").is_err());
    }
}

/// serde_json's recursion limit: deeper input is refused, never a stack overflow.
pub(crate) const PARSER_DEPTH_LIMIT: usize = 128;

/// The error for JSON that does not parse: `INVALID_DATA` at `$`, or `LIMIT_EXCEEDED` when the
/// parser stopped because the input nests deeper than [`PARSER_DEPTH_LIMIT`].
///
/// serde_json does not expose its error codes, only a category; a syntax error whose position
/// in `input` is at least [`PARSER_DEPTH_LIMIT`] levels deep is the recursion limit (no other
/// syntax error stops the parser that deep, since it refuses to go deeper).
pub(crate) fn error_from_json_bytes(e: &serde_json::Error, input: &[u8]) -> Error {
    let root = JsonPath::root();
    let too_deep = e.classify() == serde_json::error::Category::Syntax
        && depth_at(input, e.line(), e.column()) >= PARSER_DEPTH_LIMIT;
    if too_deep {
        let message = format!("the JSON nests deeper than {PARSER_DEPTH_LIMIT} levels ({e})");
        Error::new(ErrorCode::LimitExceeded, &root, message).with_limit(PARSER_DEPTH_LIMIT as u64, 0)
    } else if e.line() == 1 && !input.contains(&b'\n') {
        // One line (a record of JSON Lines, whose line number its caller gives): the column
        // says where, and "line 1" would contradict the caller's line.
        let text = e.to_string();
        let bare = text.strip_suffix(&format!(" at line 1 column {}", e.column())).unwrap_or(&text);
        Error::new(ErrorCode::InvalidData, &root, format!("invalid JSON at column {}: {bare}", e.column()))
    } else {
        Error::new(ErrorCode::InvalidData, &root, format!("invalid JSON: {e}"))
    }
}

/// How many arrays and objects are open at 1-based `line` and `column` of `input` (strings
/// and their escapes skipped).
fn depth_at(input: &[u8], line: usize, column: usize) -> usize {
    let (mut depth, mut at_line, mut at_column) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in input {
        if b == b'\n' {
            at_line += 1;
            at_column = 0;
        } else {
            at_column += 1;
        }
        if at_line > line || (at_line == line && at_column > column) {
            break;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn the_recursion_limit_is_told_by_depth_not_wording() {
        let deep = "[".repeat(200);
        let e = serde_json::from_str::<Json>(&deep).expect_err("too deep");
        assert_eq!(error_from_json_bytes(&e, deep.as_bytes()).code(), ErrorCode::LimitExceeded);
        // Strings holding brackets do not count.
        let quoted = format!("[\"{}\"", "[".repeat(200));
        let e = serde_json::from_str::<Json>(&quoted).expect_err("unterminated");
        assert_eq!(error_from_json_bytes(&e, quoted.as_bytes()).code(), ErrorCode::InvalidData);
        // A syntax error at shallow depth.
        let e = serde_json::from_str::<Json>("[1,,]").expect_err("syntax");
        assert_eq!(error_from_json_bytes(&e, b"[1,,]").code(), ErrorCode::InvalidData);
    }
}
