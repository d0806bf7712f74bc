//! Reading a configuration (or schema) body from its text, bounded before it is parsed.

use recordlock_criteria::{Error, JsonPath, parse_json_strict_bytes};
use serde_json::Value as Json;

use crate::limits::Limits;

/// The UTF-8 byte order mark some editors write at the start of a file: not part of the JSON.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses a configuration body (or a schema) from its bytes: over
/// [`Limits::config_bytes`] is `LIMIT_EXCEEDED` before any parsing, so no body costs more
/// memory than a bounded multiple of the limit; a leading byte order mark is skipped; the
/// JSON is read strictly (duplicate keys are errors).
///
/// ```
/// use recordlock::Limits;
/// use recordlock::config::parse_config_bytes;
///
/// let body = parse_config_bytes(b"\xEF\xBB\xBF{\"record_locking_configurations\": []}", &Limits::default()).unwrap();
/// assert!(body["record_locking_configurations"].is_array());
/// let small = Limits { config_bytes: 10, ..Limits::default() };
/// let err = parse_config_bytes(b"{\"record_locking_configurations\": []}", &small).unwrap_err();
/// assert_eq!(err.code().as_str(), "LIMIT_EXCEEDED");
/// ```
pub fn parse_config_bytes(bytes: &[u8], limits: &Limits) -> Result<Json, Error> {
    if bytes.len() > limits.config_bytes {
        return Err(Error::limit_exceeded(
            &JsonPath::root(),
            "the size of a configuration in bytes",
            limits.config_bytes,
        ));
    }
    parse_json_strict_bytes(bytes.strip_prefix(BOM).unwrap_or(bytes))
}
