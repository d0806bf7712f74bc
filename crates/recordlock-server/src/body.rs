//! Request bodies: read whatever the `Content-Type` (Zoho's SDK sends none), bounded in
//! size, parsed strictly (duplicate keys are errors) with serde_json's nesting limit.

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use recordlock::criteria::parse_json_strict_bytes;
use serde_json::{Value as Json, json};

use crate::error::ApiError;

/// The largest JSON body (a configuration, a lock): 1 MiB.
pub const JSON_BODY_BYTES: usize = 1 << 20;
/// The largest JSON Lines body (decide, sweep): 32 MiB.
pub const LINES_BODY_BYTES: usize = 32 << 20;

/// The body's bytes, at most `limit` of them (413 `LIMIT_EXCEEDED` past it).
pub async fn read(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_long = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if too_long {
            ApiError::coded(
                StatusCode::PAYLOAD_TOO_LARGE,
                "LIMIT_EXCEEDED",
                json!({"limit": limit}),
                "the request body is too large",
            )
        } else {
            ApiError::invalid(json!({}), "the request body could not be read")
        }
    })
}

/// The body as one JSON value.
pub async fn json(body: Body) -> Result<Json, ApiError> {
    let bytes = read(body, JSON_BODY_BYTES).await?;
    parse(&bytes)
}

/// Parses one JSON value strictly; an empty or malformed body is `INVALID_DATA` (400).
pub fn parse(bytes: &[u8]) -> Result<Json, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(json!({"json_path": "$"}), "the request body is empty"));
    }
    parse_json_strict_bytes(bytes).map_err(|e| ApiError::engine(&e))
}
