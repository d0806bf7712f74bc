//! Errors in Zoho's shape: a stable code, a JSON path, a message.
//!
//! Every fallible operation of the criteria language returns an [`Error`]. It serialises to
//! the object Zoho CRM answers with,
//! `{"code", "details": {"api_name", "json_path", ...}, "message", "status": "error"}`,
//! so a host can pass it to its client unchanged.

use std::fmt;

use serde::Serialize;

use crate::json_path::JsonPath;

/// The error codes Zoho CRM uses, plus `INVALID_RECORD` for records that cannot be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A value is not acceptable (unknown field, bad constant, unknown key...).
    InvalidData,
    /// A mandatory key is missing.
    MandatoryNotFound,
    /// A configured limit is exceeded.
    LimitExceeded,
    /// Two rules share a name or criteria.
    DuplicateData,
    /// A key required by another key's value is missing.
    DependentFieldMissing,
    /// A field reference names neither an `api_name` nor an `id`.
    ExpectedFieldMissing,
    /// A field reference's `api_name` and `id` name different fields.
    AmbiguityDuringProcessing,
    /// The module, field or value is not supported by record locking.
    NotSupported,
    /// The operation is not allowed in the current state.
    NotAllowed,
    /// The actor lacks the permission the operation needs.
    NoPermission,
    /// The module is neither a standard module nor one given a schema.
    InvalidModule,
    /// A record's field holds a value of the wrong type for its schema (recordlock's own code).
    InvalidRecord,
    /// recordlock failed, not the input (Zoho's code for its HTTP 500 answers): a bug to
    /// report, or a store that cannot write; never a verdict on the request.
    InternalError,
}

impl ErrorCode {
    /// The code as Zoho spells it, e.g. `INVALID_DATA`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidData => "INVALID_DATA",
            ErrorCode::MandatoryNotFound => "MANDATORY_NOT_FOUND",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::DuplicateData => "DUPLICATE_DATA",
            ErrorCode::DependentFieldMissing => "DEPENDENT_FIELD_MISSING",
            ErrorCode::ExpectedFieldMissing => "EXPECTED_FIELD_MISSING",
            ErrorCode::AmbiguityDuringProcessing => "AMBIGUITY_DURING_PROCESSING",
            ErrorCode::NotSupported => "NOT_SUPPORTED",
            ErrorCode::NotAllowed => "NOT_ALLOWED",
            ErrorCode::NoPermission => "NO_PERMISSION",
            ErrorCode::InvalidModule => "INVALID_MODULE",
            ErrorCode::InvalidRecord => "INVALID_RECORD",
            ErrorCode::InternalError => "INTERNAL_ERROR",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key and its path: the `dependee` of a `DEPENDENT_FIELD_MISSING` error (the key whose
/// value made another key mandatory), or an entry of `expected_fields` / `ambiguity_due_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependee {
    /// The key, e.g. `lock_type`.
    pub api_name: String,
    /// Where it is.
    pub json_path: String,
}

/// The `details` object of an error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Details {
    /// The field or key the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_name: Option<String>,
    /// Where in the input the error is, e.g. `$.record_locking_configurations[0].lock_type`.
    pub json_path: String,
    /// For `LIMIT_EXCEEDED`: the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// For `LIMIT_EXCEEDED`: how many more items the limit leaves room for (0 when exceeded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_limit: Option<u64>,
    /// For `DEPENDENT_FIELD_MISSING`: the key that made this one mandatory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependee: Option<Dependee>,
    /// The values that would have been accepted, when there is a fixed set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_values: Option<Vec<String>>,
    /// The data type the value should have had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_data_type: Option<String>,
    /// For `EXPECTED_FIELD_MISSING`: the keys of which one was expected (Zoho's shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_fields: Option<Vec<Dependee>>,
    /// For `AMBIGUITY_DURING_PROCESSING`: the keys that disagree (Zoho's shape).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguity_due_to: Option<Vec<Dependee>>,
}

/// An error with a Zoho code, the JSON path of the offending input and a message.
///
/// ```
/// use recordlock_criteria::{Error, ErrorCode, JsonPath};
///
/// let path = JsonPath::root().key("criteria").key("value");
/// let err = Error::new(ErrorCode::InvalidData, &path, "`between` needs low <= high")
///     .with_api_name("Amount");
/// assert_eq!(err.code(), ErrorCode::InvalidData);
/// assert_eq!(err.json_path(), "$.criteria.value");
/// let json = serde_json::to_value(&err).unwrap();
/// assert_eq!(json["status"], "error");
/// assert_eq!(json["details"]["api_name"], "Amount");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Repr>);

/// The error's fields, boxed so that `Result<T, Error>` stays one pointer wide on the error
/// side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Repr {
    code: ErrorCode,
    details: Details,
    message: String,
    status: &'static str,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Each key with its path under `path`.
fn keys_at(path: &JsonPath, keys: &[&str]) -> Vec<Dependee> {
    keys.iter().map(|k| Dependee { api_name: (*k).to_owned(), json_path: path.key(k).as_str().to_owned() }).collect()
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (at `{}`)", self.0.code, self.0.message, self.0.details.json_path)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// An `INTERNAL_ERROR` at `$`: recordlock broke one of its own invariants.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InternalError, &JsonPath::root(), message)
    }

    /// An error with `code` at `path`.
    pub fn new(code: ErrorCode, path: &JsonPath, message: impl Into<String>) -> Error {
        Error(Box::new(Repr {
            code,
            details: Details { json_path: path.as_str().to_owned(), ..Details::default() },
            message: message.into(),
            status: "error",
        }))
    }

    /// `LIMIT_EXCEEDED` for `limit`, with `available_limit` 0.
    pub fn limit_exceeded(path: &JsonPath, what: &str, limit: usize) -> Error {
        Error::new(ErrorCode::LimitExceeded, path, format!("{what} exceeds the limit of {limit}"))
            .with_limit(limit as u64, 0)
    }

    /// Sets `details.api_name`.
    pub fn with_api_name(mut self, api_name: impl Into<String>) -> Error {
        self.0.details.api_name = Some(api_name.into());
        self
    }

    /// Sets `details.limit` and `details.available_limit`.
    pub fn with_limit(mut self, limit: u64, available: u64) -> Error {
        self.0.details.limit = Some(limit);
        self.0.details.available_limit = Some(available);
        self
    }

    /// Sets `details.supported_values`.
    pub fn with_supported_values<I, S>(mut self, values: I) -> Error
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.0.details.supported_values = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `details.dependee`.
    pub fn with_dependee(mut self, api_name: impl Into<String>, path: &JsonPath) -> Error {
        self.0.details.dependee = Some(Dependee { api_name: api_name.into(), json_path: path.as_str().to_owned() });
        self
    }

    /// Sets `details.expected_fields`: the keys at `path` of which one was expected.
    pub fn with_expected_fields(mut self, path: &JsonPath, keys: &[&str]) -> Error {
        self.0.details.expected_fields = Some(keys_at(path, keys));
        self
    }

    /// Sets `details.ambiguity_due_to`: the keys at `path` that disagree.
    pub fn with_ambiguity(mut self, path: &JsonPath, keys: &[&str]) -> Error {
        self.0.details.ambiguity_due_to = Some(keys_at(path, keys));
        self
    }

    /// Sets `details.expected_data_type`.
    pub fn with_expected_data_type(mut self, data_type: impl Into<String>) -> Error {
        self.0.details.expected_data_type = Some(data_type.into());
        self
    }

    /// Replaces the code, keeping the details (e.g. `INVALID_DATA` → `INVALID_RECORD`).
    pub fn with_code(mut self, code: ErrorCode) -> Error {
        self.0.code = code;
        self
    }

    /// Moves the error under `prefix`: `$.Amount` under `$.record` becomes `$.record.Amount`.
    pub fn under(mut self, prefix: &JsonPath) -> Error {
        let rest = self.0.details.json_path.strip_prefix('$').unwrap_or(&self.0.details.json_path);
        let moved = format!("{}{rest}", prefix.as_str());
        self.0.details.json_path = moved;
        self
    }

    /// Moves the error from under `from` to under `to` (`$.a[2].b` from `$.a[2]` to `$.a[0]`
    /// is `$.a[0].b`); an error elsewhere is unchanged.
    pub fn relocated(mut self, from: &JsonPath, to: &JsonPath) -> Error {
        let path = &self.0.details.json_path;
        if let Some(rest) = path.strip_prefix(from.as_str())
            && (rest.is_empty() || rest.starts_with(['.', '[']))
        {
            let moved = format!("{}{rest}", to.as_str());
            self.0.details.json_path = moved;
        }
        self
    }

    /// The Zoho code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The JSON path of the offending input.
    pub fn json_path(&self) -> &str {
        &self.0.details.json_path
    }

    /// The field or key the error is about, if any.
    pub fn api_name(&self) -> Option<&str> {
        self.0.details.api_name.as_deref()
    }

    /// The `details` object: path, API name, and the keys of the code (limit, dependee...).
    pub fn details(&self) -> &Details {
        &self.0.details
    }
}
