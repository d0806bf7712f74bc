//! Rows: a record's values, typed and indexed by slot, read from JSON once.
//!
//! An [`Ingestor`] reads Zoho records (`{"id": "...", "<api_name>": value, ...}`) into a
//! [`Row`]. It reads only the fields it was built for — typically the fields a policy's rules
//! read — and skips the rest without building them, so ingesting a wide record costs little
//! more than scanning its text. A value of the wrong type for its field is an error naming the
//! field, and so is a field given twice.

use crate::record_error::RecordError;
use crate::scan::{NotUtf8, Record, Scanned, scan_members};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value as Json;
use smallvec::SmallVec;

use crate::error::{Error, ErrorCode};
use crate::json_path::JsonPath;
use crate::layout::Layout;
use crate::schema::{Field, Schema, Slot, TypeClass};
use crate::text::fold_into;
use crate::value::Value;

pub(crate) static EMPTY: Value = Value::Empty;

/// A record's typed values: one cell per field of its [`Layout`] (fields not read are
/// [`Value::Empty`]). Up to four cells live inline in the row.
#[derive(Debug, Clone)]
pub struct Row {
    layout: Arc<Layout>,
    values: SmallVec<[Value; 4]>,
    id: Option<String>,
    /// The allocation of an earlier record's id, kept for the next one (a sweep reuses one
    /// row for every record): not part of the row's value.
    spare_id: String,
    /// Likewise the allocations of an earlier record's text values (at most one a cell, none
    /// over [`MAX_SPARE_TEXT`] bytes): not part of the row's value.
    spare_texts: Vec<String>,
}

/// The largest text allocation a row keeps for its next record: a rare long text is freed
/// rather than held for the rest of a sweep.
const MAX_SPARE_TEXT: usize = 4096;

impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.layout == other.layout && self.values == other.values && self.id == other.id
    }
}

impl Eq for Row {}

impl Row {
    /// An empty row holding every field of `schema`.
    pub fn new(schema: &Schema) -> Row {
        Row::with_layout(&Layout::full(schema))
    }

    /// An empty row holding the fields of `layout`.
    pub fn with_layout(layout: &Arc<Layout>) -> Row {
        Row {
            layout: Arc::clone(layout),
            values: smallvec::smallvec![Value::Empty; layout.len()],
            id: None,
            spare_id: String::new(),
            spare_texts: Vec::new(),
        }
    }

    /// The row's layout.
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// The value in `slot` ([`Value::Empty`] for a field the row does not hold).
    #[inline]
    pub fn get(&self, slot: Slot) -> &Value {
        self.layout.cell(slot).and_then(|c| self.values.get(c)).unwrap_or(&EMPTY)
    }

    /// The cells, in layout order.
    #[inline]
    pub(crate) fn cells(&self) -> &[Value] {
        &self.values
    }

    /// Sets `slot` to `value`, checking that the value fits the field's type.
    ///
    /// ```
    /// use recordlock_criteria::{Row, Schema, Value};
    /// use rust_decimal::Decimal;
    ///
    /// let deals = Schema::builtin("Deals").unwrap();
    /// let mut row = Row::new(deals);
    /// let amount = deals.slot("Amount").unwrap();
    /// row.set(deals, amount, Value::Number(Decimal::new(5000, 0))).unwrap();
    /// assert!(row.set(deals, amount, Value::Bool(true)).is_err());
    /// ```
    pub fn set(&mut self, schema: &Schema, slot: Slot, value: Value) -> Result<(), Error> {
        let field = schema
            .get(slot)
            .ok_or_else(|| Error::new(ErrorCode::InvalidData, &JsonPath::root(), "no such field slot"))?;
        if !fits(field, &value) {
            return Err(type_error(field, &JsonPath::root().key(field.api_name()), "value of the wrong type"));
        }
        let cell = self.layout.cell(slot).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidData,
                &JsonPath::root(),
                format!("the row does not hold `{}`", field.api_name()),
            )
        })?;
        if let Some(v) = self.values.get_mut(cell) {
            *v = value;
        }
        Ok(())
    }

    /// The record's `id`, when it has one.
    pub fn record_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Sets the record's `id`.
    pub fn set_record_id(&mut self, id: Option<String>) {
        self.id = id;
    }
}

fn fits(field: &Field, value: &Value) -> bool {
    match (field.data_type().class(), value) {
        (_, Value::Empty) => true,
        (TypeClass::Text, Value::Text(_))
        | (TypeClass::Picklist, Value::Choice(_))
        | (TypeClass::MultiPicklist, Value::Choices(_))
        | (TypeClass::Date, Value::Date(_))
        | (TypeClass::DateTime, Value::DateTime(_))
        | (TypeClass::Boolean, Value::Bool(_))
        | (TypeClass::Lookup, Value::Id(_)) => true,
        (TypeClass::Number { integral }, Value::Number(d)) => !integral || d.is_integer(),
        _ => false,
    }
}

fn type_error(field: &Field, path: &JsonPath, why: &str) -> Error {
    Error::new(ErrorCode::InvalidData, path, format!("`{}`: {why}", field.api_name()))
        .with_api_name(field.api_name())
        .with_expected_data_type(field.data_type().as_str())
}

/// Reads records into rows, for a chosen set of fields.
///
/// ```
/// use recordlock_criteria::{Ingestor, Row, Schema, Value};
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let stage = deals.slot("Stage").unwrap();
/// let ingest = Ingestor::for_fields(deals, [stage]);
/// let mut row = Row::new(deals);
/// ingest.ingest_str(r#"{"id": "1", "Stage": "Closed Won", "Amount": "not read"}"#, &mut row).unwrap();
/// assert!(!row.get(stage).is_empty());
/// assert_eq!(row.record_id(), Some("1"));
///
/// let err = ingest.ingest_str(r#"{"Stage": {"not": "text"}}"#, &mut row).unwrap_err();
/// assert_eq!(err.json_path(), "$.Stage");
/// ```
#[derive(Debug, Clone)]
pub struct Ingestor {
    /// The layout of the rows it fills.
    layout: Arc<Layout>,
    /// The fields read: cell, slot, field.
    fields: Vec<(usize, Slot, Field)>,
    /// The keys read, for matching a record's keys quickly: `id`, then each of `fields`.
    keys: KeyTable,
    /// The position in `fields` of a field named `id`, if the schema has one (read as well
    /// as the record's id).
    id_field: Option<usize>,
}

impl Ingestor {
    /// Reads every field of `schema`.
    pub fn new(schema: &Schema) -> Ingestor {
        Ingestor::for_fields(schema, (0..schema.len()).filter_map(Slot::new))
    }

    /// Reads only the fields in `slots` (and the record's `id`); other keys are skipped.
    /// Rows get a layout of exactly those fields.
    pub fn for_fields(schema: &Schema, slots: impl IntoIterator<Item = Slot>) -> Ingestor {
        let layout = Arc::new(Layout::of(schema, slots));
        let read: Vec<Slot> = layout.slots().to_vec();
        Ingestor::with_layout(schema, &layout, read)
    }

    /// Reads the fields in `slots` that `layout` holds into rows of `layout` (the other
    /// cells stay empty). A policy uses one layout for all its ingestors and programs.
    pub fn with_layout(schema: &Schema, layout: &Arc<Layout>, slots: impl IntoIterator<Item = Slot>) -> Ingestor {
        let mut fields: Vec<(usize, Slot, Field)> =
            slots.into_iter().filter_map(|s| Some((layout.cell(s)?, s, schema.get(s)?.clone()))).collect();
        fields.sort_by_key(|(c, _, _)| *c);
        fields.dedup_by_key(|(c, _, _)| *c);
        let keys = KeyTable::new(std::iter::once("id").chain(fields.iter().map(|(_, _, f)| f.api_name())));
        let id_field = fields.iter().position(|(_, _, f)| f.api_name() == "id");
        Ingestor { layout: Arc::clone(layout), fields, keys, id_field }
    }

    /// The slots this ingestor reads.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.fields.iter().map(|(_, s, _)| *s)
    }

    /// The layout of the rows it fills.
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// An empty row of this ingestor's layout.
    pub fn new_row(&self) -> Row {
        Row::with_layout(&self.layout)
    }

    /// Reads a record given as JSON text into `row` (which is reset first).
    ///
    /// Errors: text that is not a JSON object, or a read field holding a value of the wrong
    /// type or given twice (`INVALID_DATA`, path `$.<api_name>`). On error the row holds
    /// what was read before it.
    pub fn ingest_str(&self, text: &str, row: &mut Row) -> Result<(), RecordError> {
        // A `str` is UTF-8 already: not checked again, never refused as not UTF-8.
        self.ingest_record(Record::Text(text), row)
    }

    /// Reads a record given as JSON bytes into `row` (which is reset first), as
    /// [`Ingestor::ingest_str`]. A record is JSON text, so its bytes must be UTF-8
    /// throughout, in values no field reads too: bytes that are not are refused
    /// (`INVALID_DATA`, naming the column of the first byte that is not), whatever else is
    /// wrong with them. The check is made in the pass that finds the record's quotes.
    ///
    /// ```
    /// use recordlock_criteria::{Ingestor, Schema};
    ///
    /// let schema = Schema::builtin("Deals").unwrap();
    /// let ingestor = Ingestor::new(schema);
    /// let mut row = ingestor.new_row();
    /// assert!(ingestor.ingest_bytes(br#"{"id":"1","Stage":"Closed Won"}"#, &mut row).is_ok());
    /// let error = ingestor.ingest_bytes(b"{\"id\":\"1\",\"Zzz\":\"\xff\"}", &mut row).unwrap_err();
    /// assert!(error.to_string().contains("not UTF-8 (invalid byte at column 18)"), "{error}");
    /// ```
    pub fn ingest_bytes(&self, bytes: &[u8], row: &mut Row) -> Result<(), RecordError> {
        self.ingest_record(Record::Bytes(bytes), row)
    }

    /// [`Ingestor::ingest_str`] or [`Ingestor::ingest_bytes`].
    fn ingest_record(&self, record: Record<'_>, row: &mut Row) -> Result<(), RecordError> {
        // The fast path: the members found in place, unread values skipped unbuilt. Anything
        // it leaves to serde_json is read again from the start by the path below, so both
        // give the same verdict (`scan` explains why).
        self.reset(row);
        let mut state = IngestState { ingestor: self, row, seen: Seen::default(), first_error: None };
        let mut read_all = true;
        let scanned = scan_members(
            record,
            |key| self.keys.find(key),
            // A plain text's strings hold no backslash: no escape to look for.
            |index, key, raw, plain| match raw.as_bytes() {
                [b'"', inner @ .., b'"'] if plain || !inner.contains(&b'\\') => {
                    // `raw` starts and ends with ASCII quotes, so this slice is on boundaries.
                    match raw.get(1..raw.len() - 1) {
                        Some(text) => state.accept_at(index, key, Member::Text(text)),
                        None => read_all = false,
                    }
                }
                // serde_json (arbitrary_precision) keeps a number's text as written but for
                // an exponent, which it rewrites (`1E5` is `1e+5`): those go through it.
                [b'-' | b'0'..=b'9', ..] if !raw.bytes().any(|b| b == b'e' || b == b'E') => {
                    state.accept_at(index, key, Member::Number(raw));
                }
                b"null" => state.accept_at(index, key, Member::Json(&Json::Null)),
                _ => match serde_json::from_str::<Json>(raw) {
                    Ok(value) => state.accept_at(index, key, Member::Json(&value)),
                    Err(_) => read_all = false,
                },
            },
        );
        match scanned {
            Err(NotUtf8) => Err(RecordError::not_utf8_in(record.bytes())),
            Ok((_, Scanned::Done)) if read_all => match state.first_error {
                Some(e) => Err(RecordError::new(e)),
                None => Ok(()),
            },
            Ok((text, _)) => self.ingest_bytes_with_serde(text.as_bytes(), row),
        }
    }

    /// [`Ingestor::ingest_bytes`] without the fast path: serde_json reads the whole record.
    /// Its verdicts on UTF-8 are the reference the fast path is held to (the `ingest` fuzz
    /// target compares the two on arbitrary bytes); nothing else needs it. It refuses bytes
    /// that are not UTF-8 only in keys and the values it reads.
    #[doc(hidden)]
    pub fn ingest_bytes_with_serde(&self, bytes: &[u8], row: &mut Row) -> Result<(), RecordError> {
        self.reset(row);
        let mut state = IngestState { ingestor: self, row, seen: Seen::default(), first_error: None };
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parsed = (&mut state).deserialize(&mut de).and_then(|()| de.end());
        if let Err(e) = parsed {
            return Err(RecordError::new(crate::json::error_from_json_bytes(&e, bytes)));
        }
        match state.first_error {
            Some(e) => Err(RecordError::new(e)),
            None => Ok(()),
        }
    }

    /// Reads a record given as a JSON value into `row` (which is reset first).
    pub fn ingest_json(&self, record: &Json, row: &mut Row) -> Result<(), RecordError> {
        self.reset(row);
        let Json::Object(map) = record else {
            let e = Error::new(ErrorCode::InvalidData, &JsonPath::root(), "a record must be a JSON object");
            return Err(RecordError::new(e));
        };
        let mut state = IngestState { ingestor: self, row, seen: Seen::default(), first_error: None };
        for (key, value) in map {
            state.accept(key, Member::Json(value));
        }
        match state.first_error {
            Some(e) => Err(RecordError::new(e)),
            None => Ok(()),
        }
    }

    /// Gives `row` this ingestor's layout (if it had another) and empties it.
    fn reset(&self, row: &mut Row) {
        if !Arc::ptr_eq(&row.layout, &self.layout) {
            *row = self.new_row();
            return;
        }
        for v in &mut row.values {
            if let Value::Text(text) = std::mem::take(v)
                && text.capacity() <= MAX_SPARE_TEXT
            {
                row.spare_texts.push(text);
            }
        }
        if let Some(mut id) = row.id.take() {
            id.clear();
            row.spare_id = id;
        }
    }

    /// The position in `fields` of the field named `key`. A linear scan: policies read a
    /// handful of fields, and comparing a few short names beats hashing each key.
    #[inline]
    fn position(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|(_, _, f)| f.api_name() == key)
    }
}

/// The keys an ingestor reads, matched against a record's keys: most keys of a record are
/// not read, so most are told apart by their length alone, and most others by their first
/// byte; the rest by their length and two words read from the key (its first and last eight
/// bytes, which overlap in keys of up to 16 bytes and so hold all of them), and compared
/// whole only when those agree and the key is longer.
#[derive(Debug, Clone)]
struct KeyTable {
    /// Bit `n` is set when a key is `n` bytes long (bit 63: 63 or more).
    lengths: u64,
    /// Bit `b` (of 256) is set when a key starts with byte `b`.
    firsts: [u64; 4],
    /// Per key, in order: its length, its [`key_words`], and the key.
    keys: Vec<(usize, [u64; 2], Box<[u8]>)>,
}

impl KeyTable {
    fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> KeyTable {
        let keys = keys
            .into_iter()
            .map(|k| (k.len(), key_words(k.as_bytes()), Box::<[u8]>::from(k.as_bytes())))
            .collect::<Vec<_>>();
        let lengths = keys.iter().fold(0, |bits, (len, ..)| bits | length_bit(*len));
        let mut firsts = [0u64; 4];
        for (_, _, key) in &keys {
            // An empty key has no first byte: its length alone lets it through.
            if let Some(&b) = key.first()
                && let Some(word) = firsts.get_mut(usize::from(b) / 64)
            {
                *word |= 1 << (b % 64);
            }
        }
        KeyTable { lengths, firsts, keys }
    }

    /// The position of `key` (the first, if a name is listed twice). The length and first
    /// byte tests are inlined into the walk, which asks them of every key of every record
    /// (most keys are told apart by them); the rest is a call, made for few keys.
    #[inline(always)]
    fn find(&self, key: &[u8]) -> Option<usize> {
        if self.lengths & length_bit(key.len()) == 0 {
            return None;
        }
        if let Some(&b) = key.first()
            && self.firsts.get(usize::from(b) / 64).is_none_or(|word| word >> (b % 64) & 1 == 0)
        {
            return None;
        }
        self.find_listed(key)
    }

    /// [`KeyTable::find`] past the length and first byte tests.
    #[inline(never)]
    fn find_listed(&self, key: &[u8]) -> Option<usize> {
        let words = key_words(key);
        self.keys.iter().position(|(len, w, k)| *len == key.len() && *w == words && (key.len() <= 16 || **k == *key))
    }
}

/// Two words that, with its length, tell a key of up to 16 bytes exactly: its first and last
/// eight bytes (overlapping when shorter than 16), or its first and last four (4 to 7
/// bytes), or its first, middle and last byte (1 to 3).
#[inline(always)]
fn key_words(key: &[u8]) -> [u64; 2] {
    let len = key.len();
    let word = |at: usize| key.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
    let half = |at: usize| key.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_le_bytes);
    let byte = |at: usize| key.get(at).copied().map_or(0, u64::from);
    if len >= 8 {
        [word(0), word(len - 8)]
    } else if len >= 4 {
        [u64::from(half(0)), u64::from(half(len - 4))]
    } else if len > 0 {
        [byte(0) | byte(len / 2) << 8 | byte(len - 1) << 16, 0]
    } else {
        [0, 0]
    }
}

fn length_bit(len: usize) -> u64 {
    1 << len.min(63)
}

/// A read member's value: a JSON string's text as found in the input (the fast path), or a
/// parsed JSON value.
#[derive(Clone, Copy)]
enum Member<'a> {
    Text(&'a str),
    /// A JSON number's text as written (the fast path; valid by JSON's grammar).
    Number(&'a str),
    Json(&'a Json),
}

/// Which read fields (by position in `Ingestor::fields`) and whether `id` were seen, to
/// reject duplicate keys. The first 64 positions (every policy's reads, in practice) are bits
/// of one word, tested without touching the heap or a length; later ones go to `more`.
#[derive(Default)]
struct Seen {
    first: u64,
    more: Vec<u64>,
    id: bool,
}

impl Seen {
    /// Marks position `i`; `false` if it was already marked.
    #[inline]
    fn mark(&mut self, i: usize) -> bool {
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        let w = match word.checked_sub(1) {
            None => &mut self.first,
            Some(k) => {
                if self.more.len() <= k {
                    self.more.resize(k + 1, 0);
                }
                match self.more.get_mut(k) {
                    Some(w) => w,
                    None => return false,
                }
            }
        };
        let fresh = *w & bit == 0;
        *w |= bit;
        fresh
    }
}

struct IngestState<'a> {
    ingestor: &'a Ingestor,
    row: &'a mut Row,
    seen: Seen,
    first_error: Option<Error>,
}

impl IngestState<'_> {
    /// Takes one record member; the first error is kept and later ones dropped, but every
    /// read field is still checked.
    fn accept(&mut self, key: &str, value: Member<'_>) {
        let index = if key == "id" { Some(0) } else { self.ingestor.position(key).map(|i| i + 1) };
        if let Some(index) = index {
            self.accept_at(index, key, value);
        }
    }

    /// As [`IngestState::accept`], for the member `key` known to be the ingestor's key number
    /// `index` ([`KeyTable`]: 0 is `id`, `i + 1` is field `i`).
    fn accept_at(&mut self, index: usize, key: &str, value: Member<'_>) {
        if let Err(e) = self.try_accept(index, key, value) {
            self.first_error.get_or_insert(e);
        }
    }

    fn try_accept(&mut self, index: usize, key: &str, value: Member<'_>) -> Result<(), Error> {
        let path = || JsonPath::root().key(key);
        if index == 0 {
            if std::mem::replace(&mut self.seen.id, true) {
                return Err(
                    Error::new(ErrorCode::InvalidData, &path(), "the key `id` is given twice").with_api_name(key)
                );
            }
            self.row.id = match value {
                Member::Text(s) | Member::Number(s) => {
                    let mut id = std::mem::take(&mut self.row.spare_id);
                    id.push_str(s);
                    Some(id)
                }
                Member::Json(Json::String(s)) => Some(s.clone()),
                Member::Json(Json::Number(n)) => Some(n.as_str().to_owned()),
                Member::Json(Json::Null) => None,
                Member::Json(_) => {
                    return Err(Error::new(ErrorCode::InvalidData, &path(), "`id` must be a string or a number")
                        .with_api_name(key));
                }
            };
        }
        // `id` may also name a field of the schema, read as well.
        let field_index = match index.checked_sub(1) {
            Some(i) => Some(i),
            None => self.ingestor.id_field,
        };
        let Some(i) = field_index else { return Ok(()) };
        let Some((cell, _, field)) = self.ingestor.fields.get(i) else { return Ok(()) };
        if !self.seen.mark(i) {
            return Err(type_error(field, &path(), "the field is given twice"));
        }
        let v = match value {
            // Text into a kept allocation (as `Value::from_text` reads it: empty is empty).
            Member::Text(s) | Member::Number(s) if field.data_type().class() == TypeClass::Text && !s.is_empty() => {
                let mut text = self.row.spare_texts.pop().unwrap_or_default();
                fold_into(s, &mut text);
                Ok(Value::Text(text))
            }
            Member::Text(s) => Value::from_text(field, s),
            Member::Number(s) => Value::from_number(field, s),
            Member::Json(json) => Value::from_json(field, json),
        };
        let v = v.map_err(|why| type_error(field, &path(), &why))?;
        if let Some(target) = self.row.values.get_mut(*cell) {
            *target = v;
        }
        Ok(())
    }

    fn wants(&self, key: &str) -> bool {
        state_wants(self.ingestor, key)
    }
}

impl<'de> DeserializeSeed<'de> for &mut IngestState<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut IngestState<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if self.wants(&key) {
                let value: Json = map.next_value()?;
                self.accept(&key, Member::Json(&value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Whether ingestion reads the member `key`: the id and the fields read.
fn state_wants(ingestor: &Ingestor, key: &str) -> bool {
    key == "id" || ingestor.position(key).is_some()
}

/// Reads an object key, borrowing it from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deals() -> &'static Schema {
        Schema::builtin("Deals").unwrap()
    }

    /// The key table finds a key exactly when it holds it: keys of every length from 0 to
    /// 40, each against every one-byte change of itself (so a difference at any position,
    /// first, middle or last, inside or between the two words, must be seen).
    #[test]
    fn key_table_finds_exactly_its_keys() {
        let keys: Vec<String> =
            (0..=40).map(|n| (0..n).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect()).collect();
        let table = KeyTable::new(keys.iter().map(String::as_str));
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.find(key.as_bytes()), Some(i), "{key}");
            for at in 0..key.len() {
                for b in [b'A', b'z', b'_', 0xc3] {
                    let mut other = key.as_bytes().to_vec();
                    if other[at] == b {
                        continue;
                    }
                    other[at] = b;
                    assert_eq!(table.find(&other), None, "{key} changed at {at}");
                }
            }
        }
        assert_eq!(table.find(b"not held at all"), None);
        // First bytes in each quarter of the byte range (the first-byte filter's four
        // words), and keys that share a length and differ only there.
        let keys = ["\u{1}x", "Stage", "id", "_x", "~z", "Émile", "\u{7f}y", "ÿy"];
        let table = KeyTable::new(keys);
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(table.find(key.as_bytes()), Some(i), "{key}");
        }
        for other in ["stage", "Id", "ix", "_y", "Emile", "\u{2}x", "\u{7e}y", "þy", "xy"] {
            assert_eq!(table.find(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn text_and_value_ingest_agree() {
        let s = deals();
        let ing = Ingestor::new(s);
        let text = r#"{"id": 5843104000001068052, "Deal_Name": "ACME", "Amount": 1000.10,
                      "Stage": "Closed Won", "Closing_Date": "2024-05-01",
                      "Account_Name": {"id": "77", "name": "Acme"}, "Unknown": [1, {"x": 2}]}"#;
        let mut a = Row::new(s);
        let mut b = Row::new(s);
        ing.ingest_str(text, &mut a).unwrap();
        ing.ingest_json(&serde_json::from_str(text).unwrap(), &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.record_id(), Some("5843104000001068052"));
    }

    #[test]
    fn wrong_type_names_the_field() {
        let s = deals();
        let mut row = Row::new(s);
        let err = Ingestor::new(s).ingest_str(r#"{"Deal_Name": "x", "Amount": "lots"}"#, &mut row).unwrap_err();
        assert_eq!(err.reader_code(), ErrorCode::InvalidData);
        assert_eq!(err.api_name(), Some("Amount"));
        assert_eq!(err.json_path(), "$.Amount");
    }

    #[test]
    fn fields_not_read_are_not_checked() {
        let s = deals();
        let ing = Ingestor::for_fields(s, [s.slot("Stage").unwrap()]);
        let mut row = Row::new(s);
        ing.ingest_str(r#"{"Amount": "lots", "Stage": "Qualification"}"#, &mut row).unwrap();
    }

    #[test]
    fn duplicate_keys_of_read_fields_are_errors() {
        let s = deals();
        let mut row = Row::new(s);
        let err = Ingestor::new(s).ingest_str(r#"{"Amount": 1, "Amount": 2}"#, &mut row).unwrap_err();
        assert_eq!(err.json_path(), "$.Amount");
    }

    #[test]
    fn deep_nesting_never_overflows_the_stack() {
        let s = deals();
        let mut row = Row::new(s);
        // serde_json skips unread values iteratively: deep nesting there costs no stack.
        let deep = format!(r#"{{"X": {}{}, "Amount": 5}}"#, "[".repeat(10_000), "]".repeat(10_000));
        Ingestor::new(s).ingest_str(&deep, &mut row).unwrap();
        assert!(!row.get(s.slot("Amount").unwrap()).is_empty());
        // In a read field, the parser's recursion limit stops it.
        let deep = format!(r#"{{"Amount": {}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        let err = Ingestor::new(s).ingest_str(&deep, &mut row).unwrap_err();
        assert_eq!(err.reader_code(), ErrorCode::LimitExceeded);
    }

    /// A record is JSON text: UTF-8 throughout, in values no field reads too (issue 15 item
    /// 12: the commands read a record one way), whatever else is wrong with it; the message
    /// names the first bad byte.
    #[test]
    fn bytes_are_utf8_throughout() {
        let s = deals();
        let ing = Ingestor::for_fields(s, [s.slot("Deal_Name").unwrap()]);
        let mut row = Row::new(s);
        let not_utf8 = |bytes: &[u8], column: usize| {
            let mut row = Row::new(s);
            let err = ing.ingest_bytes(bytes, &mut row).unwrap_err();
            assert_eq!(err, RecordError::not_utf8(column), "{bytes:x?}");
        };
        not_utf8(b"{\"Deal_Name\": \"\xff\"}", 16);
        not_utf8(b"{\"\xff\": 1}", 3);
        not_utf8(b"{\"Description\": \"\xff\", \"Deal_Name\": \"ok\"}", 18);
        // Not plain (an escape), not JSON, past a block, cut short at the end.
        not_utf8(b"{\"Description\": \"\\n\xc3\", \"Deal_Name\": \"ok\"}", 20);
        not_utf8(b"{\"Description\": \"\xe2\x82", 18);
        not_utf8(&[&[b' '; 70][..], b"{\"Description\": \"\xed\xa0\x80\"}"].concat(), 88);
        // Valid characters of every length in an unread value, and in the one read.
        ing.ingest_bytes("{\"Description\": \"é € 😀\", \"Deal_Name\": \"ok ü\"}".as_bytes(), &mut row).unwrap();
        assert_eq!(row.get(s.slot("Deal_Name").unwrap()), &Value::Text("ok ü".to_owned()));
    }

    /// Issue 15 item 9: a duplicated `id` was silently the first, an `id` of another type
    /// silently none.
    #[test]
    fn ids_are_read_strictly() {
        let s = deals();
        let ing = Ingestor::for_fields(s, [s.slot("Stage").unwrap()]);
        let mut row = Row::new(s);
        let err = ing.ingest_str(r#"{"id": "1", "Stage": "x", "id": "2"}"#, &mut row).unwrap_err();
        assert_eq!((err.reader_code(), err.json_path()), (ErrorCode::InvalidData, "$.id"));
        for bad in [r#"{"id": true}"#, r#"{"id": {"id": "1"}}"#, r#"{"id": ["1"]}"#] {
            let err = ing.ingest_str(bad, &mut row).unwrap_err();
            assert_eq!(err.json_path(), "$.id", "{bad}");
        }
        ing.ingest_str(r#"{"id": null}"#, &mut row).unwrap();
        assert_eq!(row.record_id(), None);
        ing.ingest_str(r#"{"id": 12}"#, &mut row).unwrap();
        assert_eq!(row.record_id(), Some("12"));
    }

    /// The fast path and serde_json give the same verdict and the same row on every record
    /// and on every one-byte edit of it (a deletion, or one of JSON's structural bytes
    /// inserted or swapped in).
    #[test]
    fn the_fast_path_changes_speed_never_a_verdict() {
        let s = deals();
        let ing = Ingestor::for_fields(s, ["Stage", "Amount", "Account_Name", "Deal_Name"].map(|n| s.slot(n).unwrap()));
        let records = [
            r#"{"id": "1", "Stage": "Closed Won", "Amount": 1000.10, "Deal_Name": "ACME \"x\" \u00e9"}"#,
            r#"{"id": 5843104000001068052, "Account_Name": {"id": "77", "name": "A"}, "Other": [1, {"a": [true, null, -0.5e3]}]}"#,
            r#" { "Stage" : null , "Amount" : "12" , "Zzz" : "tab\tok" } "#,
            r#"{"id": "2", "Stage": 7, "Amount": [1], "Deal_Name": ""}"#,
            r#"{"id": "3", "St\u0061ge": "Closed Won", "Amount": 1e3}"#,
            r#"{}"#,
        ];
        let edits: &[u8] = b"{}[],:\"\\ 0e-.tnu";
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for r in records {
            let b = r.as_bytes();
            variants.push(b.to_vec());
            for i in 0..b.len() {
                let mut del = b.to_vec();
                del.remove(i);
                variants.push(del);
                for &e in edits {
                    let mut ins = b.to_vec();
                    ins.insert(i, e);
                    variants.push(ins);
                    let mut swap = b.to_vec();
                    swap[i] = e;
                    variants.push(swap);
                }
            }
        }
        let (mut fast_row, mut slow_row) = (Row::new(s), Row::new(s));
        let mut accepted = 0;
        for v in &variants {
            let fast = ing.ingest_bytes(v, &mut fast_row);
            let slow = ing.ingest_bytes_with_serde(v, &mut slow_row);
            assert_eq!(fast, slow, "{}", String::from_utf8_lossy(v));
            if fast.is_ok() {
                assert_eq!(fast_row, slow_row, "{}", String::from_utf8_lossy(v));
                accepted += 1;
            }
        }
        assert!(accepted > 100 && accepted < variants.len() / 2, "{accepted} of {}", variants.len());
    }

    /// A schema may name a field `id`: the record's `id` is then both the record id and that
    /// field, on the fast path (keys matched by index) as on serde_json's.
    #[test]
    fn a_field_named_id_is_read_as_the_id_too() {
        let schema = Schema::from_json_str(
            r#"{"fields": [{"api_name": "id", "data_type": "text"}, {"api_name": "Stage", "data_type": "text"}]}"#,
        )
        .unwrap();
        let ing = Ingestor::new(&schema);
        let text = r#"{"id":"AbC","Stage":"x"}"#;
        let (mut fast, mut slow) = (ing.new_row(), ing.new_row());
        ing.ingest_bytes(text.as_bytes(), &mut fast).unwrap();
        ing.ingest_bytes_with_serde(text.as_bytes(), &mut slow).unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast.record_id(), Some("AbC"));
        assert_eq!(fast.get(schema.slot("id").unwrap()), &Value::Text("abc".into()));
    }

    #[test]
    fn rows_are_reused_cleanly() {
        let s = deals();
        let ing = Ingestor::new(s);
        let mut row = Row::new(s);
        ing.ingest_str(r#"{"id": "1", "Amount": 5}"#, &mut row).unwrap();
        ing.ingest_str(r#"{"Stage": "Qualification"}"#, &mut row).unwrap();
        assert!(row.get(s.slot("Amount").unwrap()).is_empty());
        assert_eq!(row.record_id(), None);
        // The id's buffer is reused: a shorter id after a longer one, a number after text,
        // and a row that reused a buffer equals a fresh one.
        ing.ingest_str(r#"{"id": "5843104000100000000", "Amount": 5}"#, &mut row).unwrap();
        ing.ingest_str(r#"{"id": 42, "Amount": 5}"#, &mut row).unwrap();
        assert_eq!(row.record_id(), Some("42"));
        let mut fresh = Row::new(s);
        ing.ingest_str(r#"{"id": 42, "Amount": 5}"#, &mut fresh).unwrap();
        assert_eq!(row, fresh);
        ing.ingest_str(r#"{"id": null, "Amount": 5}"#, &mut row).unwrap();
        assert_eq!(row.record_id(), None);
        // Text values are written into kept allocations: longer, shorter, non-ASCII (a final
        // sigma folds as `str::to_lowercase` folds it), a number in a text field, empty, and
        // a long text that is not kept. Each row equals a fresh one, and the row keeps at
        // most one allocation a cell.
        let long = format!(r#"{{"Deal_Name": "{}", "Next_Step": "X"}}"#, "L".repeat(MAX_SPARE_TEXT + 1));
        let texts = [
            r#"{"Deal_Name": "ACME renewal", "Next_Step": "Call"}"#,
            r#"{"Deal_Name": "ΟΔΟΣ", "Next_Step": "a much longer next step than before"}"#,
            r#"{"Deal_Name": 12.50, "Next_Step": ""}"#,
            r#"{"Deal_Name": "x"}"#,
            long.as_str(),
            r#"{"Deal_Name": "Straße ÉCOLE", "Next_Step": "ok"}"#,
        ];
        for text in texts.iter().chain(texts.iter().rev()) {
            ing.ingest_str(text, &mut row).unwrap();
            let mut fresh = Row::new(s);
            ing.ingest_str(text, &mut fresh).unwrap();
            assert_eq!(row, fresh, "{text}");
            assert!(row.spare_texts.len() <= row.values.len(), "{text}");
            assert!(row.spare_texts.iter().all(|t| t.capacity() <= MAX_SPARE_TEXT), "{text}");
        }
        let name = |row: &Row| row.get(s.slot("Deal_Name").unwrap()).clone();
        ing.ingest_str(texts[1], &mut row).unwrap();
        assert_eq!(name(&row), Value::Text("οδος".into()));
        ing.ingest_str(texts[2], &mut row).unwrap();
        assert_eq!(name(&row), Value::Text("12.50".into()));
    }

    /// Found by the `ingest` fuzz target: the fast path read a number's text as written, but
    /// serde_json rewrites an exponent (`9e00` is `9e+00`), so a number in a text field or an
    /// id read differently from the value path. Numbers with an exponent go through serde_json.
    #[test]
    fn numbers_read_in_place_read_as_their_json_values() {
        let deals = Schema::builtin("Deals").unwrap();
        let ing = Ingestor::new(deals);
        for text in [
            r#"{"id": 1E5, "Next_Step": 999e00000009900000000, "Amount": 1.5E+2, "Deal_Name": -0.50}"#,
            r#"{"id": 12, "Next_Step": -0, "Amount": 10.000, "Deal_Name": 1e-3, "Account_Name": 77}"#,
        ] {
            let (mut fast, mut slow) = (ing.new_row(), ing.new_row());
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let a = ing.ingest_str(text, &mut fast).map_err(|e| e.to_string());
            let b = ing.ingest_json(&json, &mut slow).map_err(|e| e.to_string());
            assert_eq!(a, b, "{text}");
            assert_eq!(fast, slow, "{text}");
        }
    }
}
