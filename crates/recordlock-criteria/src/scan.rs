//! A fast path for reading one record: the members of a JSON object, with the values no rule
//! reads skipped without being built.
//!
//! A sweep reads a handful of a record's fields; serde_json would still build or visit every
//! value of the others. [`scan_object`] walks the object's top-level members itself: a key is
//! compared in place, a wanted value is handed over as its raw bytes, and every other value is
//! skipped by a scanner that checks JSON's syntax as serde_json does (strings eight bytes at a time,
//! escapes and control characters checked; numbers and literals by the grammar; nesting
//! balanced). A record with no backslash and no control character at all (compact JSON
//! Lines are like this) has no escapes to check: one vectorised pass finds that out and
//! where its quotes are, and its strings are skipped by looking up the next quote
//! ([`plain`]). The same pass checks that the bytes are UTF-8 ([`utf8`]: only the bytes of
//! 0x80 or more need a look), so a record needs no other pass for that, and keys and values
//! are sliced from checked text.
//! Whatever it does not handle exactly as serde_json does (a key with escapes, a
//! syntax error anywhere, nesting past [`MAX_SKIP_DEPTH`]) makes it answer
//! [`Scanned::Unusual`], and the caller parses the record with serde_json instead, whose
//! answer and error message stand. So the fast path changes speed, never a verdict.

mod plain;
mod utf8;

pub(crate) use plain::Record;

/// How deep the skipper follows nested values before leaving the record to serde_json (whose
/// own limit, 128, then applies with its own error).
pub(crate) const MAX_SKIP_DEPTH: usize = 100;

/// What [`scan_object`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// A well-formed object, every wanted member handed over.
    Done,
    /// Something this scanner leaves to serde_json.
    Unusual,
}

/// Walks the object in `text`: for each member whose key `wanted` knows (it answers what the
/// key is to the caller, `K`), calls `member` with that, the key and the value's raw text (a
/// complete, syntactically valid JSON value, starting at its first byte); the other values
/// are skipped, their syntax checked. The text is UTF-8 already (a `str`), so keys and values
/// are sliced from it unchecked by construction.
///
/// [`Scanned::Done`] means serde_json accepts `text` as one JSON object (and nothing after
/// it but whitespace); [`Scanned::Unusual`] means it refuses it, or it holds a key with an
/// escape or nests deeper than this scanner follows: read it with serde_json then.
///
/// ```
/// use recordlock_criteria::{scan_object, Scanned};
///
/// let mut seen = Vec::new();
/// let text = r#"{"id": 7, "skip": [1, {"a": null}], "Stage": "Won"}"#;
/// let wanted = |k: &[u8]| (k != b"skip").then_some(());
/// assert_eq!(scan_object(text, wanted, |(), k, v| seen.push((k, v))), Scanned::Done);
/// assert_eq!(seen, [("id", "7"), ("Stage", "\"Won\"")]);
/// assert_eq!(scan_object(r#"{"a": 1,}"#, |_| Some(()), |(), _, _| {}), Scanned::Unusual);
/// ```
pub fn scan_object<'a, K>(
    text: &'a str,
    wanted: impl Fn(&[u8]) -> Option<K>,
    mut member: impl FnMut(K, &'a str, &'a str),
) -> Scanned {
    match scan_members(Record::Text(text), wanted, |k, key, value, _| member(k, key, value)) {
        Ok((_, scanned)) => scanned,
        // Not reached: a `str` is UTF-8.
        Err(NotUtf8) => Scanned::Unusual,
    }
}

/// Bytes that are not UTF-8 somewhere ([`scan_members`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotUtf8;

/// As [`scan_object`] on a record given as text or as bytes. Bytes are checked to be UTF-8
/// throughout in the same pass that finds the quotes. Answers the record as text and what
/// was found, or [`NotUtf8`] (and no member handed over). Also tells `member` whether the text is plain (no backslash and no
/// control character anywhere, [`plain`]): a string value's raw text then holds no escape,
/// which the caller need not look for.
pub(crate) fn scan_members<'a, K>(
    record: Record<'a>,
    wanted: impl Fn(&[u8]) -> Option<K>,
    mut member: impl FnMut(K, &'a str, &'a str, bool),
) -> Result<(&'a str, Scanned), NotUtf8> {
    // The quote words on this stack for texts of up to 2 KiB, on the heap beyond.
    let mut inline = [0u64; plain::INLINE_WORDS];
    let mut heap = Vec::new();
    let n = record.bytes().len().div_ceil(64);
    let words = match inline.get_mut(..n) {
        Some(words) => words,
        None => {
            heap.resize(n, 0);
            heap.as_mut_slice()
        }
    };
    let plain::Quoted { text, plain } = plain::quotes(record, words).ok_or(NotUtf8)?;
    let found = if plain {
        plain::object(text, words, &wanted, &mut |k, key, value| member(k, key, value, true))
    } else {
        Scanner { text, bytes: text.as_bytes(), at: 0 }
            .object(&wanted, &mut |k, key, value| member(k, key, value, false))
    };
    Ok((text, if found.is_some() { Scanned::Done } else { Scanned::Unusual }))
}

/// The scanner for texts that are not plain ([`plain::quotes`]): escapes and control
/// characters checked.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Consumes `b` (after whitespace) or fails.
    fn expect(&mut self, b: u8) -> Option<()> {
        self.skip_ws();
        (self.peek()? == b).then(|| self.at += 1)
    }

    /// The top-level object, then only whitespace to the end.
    fn object<K>(
        &mut self,
        wanted: &impl Fn(&[u8]) -> Option<K>,
        member: &mut impl FnMut(K, &'a str, &'a str),
    ) -> Option<()> {
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.at += 1;
        } else {
            loop {
                self.expect(b'"')?;
                let key = self.plain_key()?;
                self.expect(b':')?;
                self.skip_ws();
                let start = self.at;
                self.value(1)?;
                if let Some(k) = wanted(key.as_bytes()) {
                    member(k, key, self.text.get(start..self.at)?);
                }
                self.skip_ws();
                match self.peek()? {
                    b',' => self.at += 1,
                    b'}' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.skip_ws();
        (self.at == self.bytes.len()).then_some(())
    }

    /// A key without escapes (the opening quote consumed).
    fn plain_key(&mut self) -> Option<&'a str> {
        let start = self.at;
        if self.skip_to_quote_or_escape()? != b'"' {
            return None;
        }
        let key = self.text.get(start..self.at)?;
        self.at += 1;
        Some(key)
    }

    /// Moves to the next `"` or `\\` of a string, refusing a control character on the way
    /// (JSON's rule); returns that byte. Eight bytes at a time (SWAR), as serde_json does.
    #[inline]
    fn skip_to_quote_or_escape(&mut self) -> Option<u8> {
        const ONES: u64 = u64::MAX / 255;
        const HIGH: u64 = ONES << 7;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(chunk.try_into().ok()?);
            let control = word.wrapping_sub(ONES * 0x20) & !word;
            let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(word ^ (ONES * u64::from(b'"')));
            let slash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(word ^ (ONES * u64::from(b'\\')));
            let hits = (control | quote | slash) & HIGH;
            if hits != 0 {
                self.at += hits.trailing_zeros() as usize / 8;
                break;
            }
            self.at += 8;
        }
        loop {
            match self.peek()? {
                b @ (b'"' | b'\\') => return Some(b),
                0..0x20 => return None,
                _ => self.at += 1,
            }
        }
    }

    /// Skips one value starting at `self.at`, `depth` containers deep.
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string_rest()
            }
            b'{' => self.container(depth, b'}', true),
            b'[' => self.container(depth, b']', false),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// The rest of a string after its opening quote: escapes must be JSON's, control
    /// characters are refused (as serde_json does).
    #[inline]
    fn string_rest(&mut self) -> Option<()> {
        loop {
            let stop = self.skip_to_quote_or_escape()?;
            self.at += 1;
            if stop == b'"' {
                return Some(());
            }
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    /// An array or object (the opening bracket at `self.at`).
    fn container(&mut self, depth: usize, close: u8, keyed: bool) -> Option<()> {
        if depth >= MAX_SKIP_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_ws();
        if self.peek()? == close {
            self.at += 1;
            return Some(());
        }
        loop {
            if keyed {
                self.expect(b'"')?;
                self.string_rest()?;
                self.expect(b':')?;
            }
            self.skip_ws();
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str, wanted: &[&str]) -> (Scanned, Vec<(String, String)>) {
        let mut got = Vec::new();
        let scanned = scan_object(
            text,
            |k| wanted.iter().any(|w| w.as_bytes() == k).then_some(()),
            |(), k, v| got.push((k.to_owned(), v.to_owned())),
        );
        (scanned, got)
    }

    #[test]
    fn wanted_members_are_handed_over_raw() {
        let (s, got) = members(
            r#" {"id": 12, "Stage" : "Closed \"Won\"", "X": [1, {"a": [true, null]}], "Amount":-1.5e+3} "#,
            &["id", "Stage", "Amount"],
        );
        assert_eq!(s, Scanned::Done);
        assert_eq!(
            got,
            [
                ("id".into(), "12".into()),
                ("Stage".into(), r#""Closed \"Won\"""#.into()),
                ("Amount".into(), "-1.5e+3".into())
            ]
        );
    }

    /// Everything serde_json refuses is left to it; everything it accepts is scanned.
    #[test]
    fn the_scanner_accepts_exactly_what_serde_json_accepts() {
        let cases = [
            r#"{}"#,
            r#"{"a": 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": .5}"#,
            r#"{"a": -}"#,
            r#"{"a": 1e}"#,
            r#"{"a": 1E+9}"#,
            r#"{"a": tru}"#,
            r#"{"a": nul}"#,
            r#"{"a": "x\qy"}"#,
            r#"{"a": "x\u12G4"}"#,
            r#"{"a": "x\u12a4"}"#,
            "{\"a\": \"tab\there\"}",
            r#"{"a": [1, 2,]}"#,
            r#"{"a": {"b": 1,}}"#,
            r#"{"a": {"b" 1}}"#,
            r#"{"a": [1 2]}"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            r#"{"a": 1"#,
            r#"{"a": "unterminated}"#,
            r#"[1]"#,
            r#"{"a": [[[]]], "b": {"c": {}}}"#,
            r#"{"a": "\\"}"#,
            r#"{"a": "\/"}"#,
            // Plain texts (no backslash, no control character) longer than a few words.
            r#"{"a": "a string longer than thirty-two bytes, to cross a chunk", "b": [1, "x", {"c": null}]}"#,
            r#"{"abcdefghijklmnopqrstuvwxyz": "abcdefghijklmnopqrstuvwxyz0123456789", "n": -0.5e-3}"#,
            r#"{"a": "no end, and more than thirty-two bytes of text here}"#,
            r#"{"a": "x"}  trailing text that is not JSON, after thirty-two bytes"#,
            r#"{"k": "v", "k2": "a long value with a quote at the very end of the line"}"#,
            "{\"tab\":\t\"whitespace outside strings is not plain but is JSON\"}",
        ];
        for text in cases {
            let serde_ok =
                serde_json::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(text).is_ok();
            let (scanned, _) = members(text, &[]);
            assert_eq!(scanned == Scanned::Done, serde_ok, "{text}");
        }
    }

    #[test]
    fn keys_with_escapes_and_deep_nesting_are_left_to_serde_json() {
        assert_eq!(members(r#"{"St\u0061ge": 1}"#, &[]).0, Scanned::Unusual);
        let deep = format!(r#"{{"a": {}{}}}"#, "[".repeat(MAX_SKIP_DEPTH), "]".repeat(MAX_SKIP_DEPTH));
        assert_eq!(members(&deep, &[]).0, Scanned::Unusual);
        let shallow = format!(r#"{{"a": {}{}}}"#, "[".repeat(50), "]".repeat(50));
        assert_eq!(members(&shallow, &[]).0, Scanned::Done);
    }
}
