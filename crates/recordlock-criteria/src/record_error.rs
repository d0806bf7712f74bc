//! [`RecordError`]: why a record could not be read, the ingestion phase's own error.

use std::fmt;

use crate::error::{Error, ErrorCode};

/// A record that cannot be read for evaluation: not a JSON object, not JSON at all, or a
/// field some rule reads holding a value of the wrong type (or given twice).
///
/// Made by [`crate::Ingestor`]. It keeps where and why (the field's JSON path, its API name,
/// the expected type); on the wire it is `INVALID_RECORD` (or `LIMIT_EXCEEDED` for a limit),
/// given by the one conversion into [`Error`], so no caller re-codes it by hand.
///
/// ```
/// use recordlock_criteria::{ErrorCode, Ingestor, Row, Schema};
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let amount = deals.slot("Amount").unwrap();
/// let ingest = Ingestor::for_fields(deals, [amount]);
/// let err = ingest.ingest_str(r#"{"id": "1", "Amount": "lots"}"#, &mut Row::new(deals)).unwrap_err();
/// assert_eq!(err.json_path(), "$.Amount");
/// let wire: recordlock_criteria::Error = err.into();
/// assert_eq!(wire.code(), ErrorCode::InvalidRecord);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError(Error);

impl RecordError {
    /// Wraps the reader's error (its code is replaced by `INVALID_RECORD` on conversion).
    pub(crate) fn new(e: Error) -> RecordError {
        RecordError(e)
    }

    /// A record larger than `limit` bytes (`LIMIT_EXCEEDED` in the reader's terms).
    pub fn too_large(limit: usize) -> RecordError {
        RecordError(Error::limit_exceeded(&crate::JsonPath::root(), "the size of a record in bytes", limit))
    }

    /// A record whose bytes are not UTF-8 (JSON text is UTF-8 throughout, in fields no rule
    /// reads too); `column` is the 1-based position of the first invalid byte.
    pub fn not_utf8(column: usize) -> RecordError {
        let message = format!("the record is not UTF-8 (invalid byte at column {column})");
        RecordError(Error::new(ErrorCode::InvalidData, &crate::JsonPath::root(), message))
    }

    /// [`RecordError::not_utf8`] for `bytes`, which are not UTF-8: at the column of the first
    /// byte that is not (one past the end if they are UTF-8 after all).
    pub fn not_utf8_in(bytes: &[u8]) -> RecordError {
        let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
        RecordError::not_utf8(valid + 1)
    }

    /// A record of a sweep or diff without an id (a string or a number): no lock could be
    /// applied to it (`MANDATORY_NOT_FOUND` at `$.id` in the reader's terms).
    pub fn missing_id() -> RecordError {
        let message = "the record has no `id` (a string or a number), so no lock could be applied to it";
        RecordError(
            Error::new(ErrorCode::MandatoryNotFound, &crate::JsonPath::root().key("id"), message).with_api_name("id"),
        )
    }

    /// Where in the record, e.g. `$.Amount`.
    pub fn json_path(&self) -> &str {
        self.0.json_path()
    }

    /// The field the error is about, when it is one.
    pub fn api_name(&self) -> Option<&str> {
        self.0.api_name()
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        self.0.message()
    }

    /// The reader's own code (`INVALID_DATA` for a wrong value, `LIMIT_EXCEEDED` for nesting
    /// too deep), before conversion to `INVALID_RECORD`.
    pub fn reader_code(&self) -> ErrorCode {
        self.0.code()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Error::from(self.clone()))
    }
}

impl std::error::Error for RecordError {}

/// `INVALID_RECORD`, except that a limit stays `LIMIT_EXCEEDED` (a record too large, JSON
/// nested too deep): every over-limit input answers with the limit it exceeded.
impl From<RecordError> for Error {
    fn from(e: RecordError) -> Error {
        match e.0.code() {
            ErrorCode::LimitExceeded => e.0,
            _ => e.0.with_code(ErrorCode::InvalidRecord),
        }
    }
}
