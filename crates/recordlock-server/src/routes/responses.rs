//! The error responses the endpoints share, for their OpenAPI annotations: every
//! organisation endpoint answers 401 for a missing, unknown or under-scoped token, and every
//! one that reads a body answers 413 past its size. Each handler lists [`AuthErrors`] or
//! [`AuthAndBodyErrors`] after its own responses; an operation that answers 401 requires the
//! token in the document ([`crate::routes::SecurityAddon`]).

use serde_json::{Map, Value as Json};
use utoipa::{IntoResponses, ToSchema};

/// Zoho's error body, as every error is answered at the top level:
/// `{"code", "details", "message", "status": "error"}`.
#[derive(Debug, Clone, ToSchema)]
pub struct ZohoError {
    /// Zoho's error code, such as `INVALID_TOKEN` or `LIMIT_EXCEEDED`.
    pub code: String,
    /// What and where (`api_name`, `json_path`, a limit...); may be empty.
    #[schema(value_type = Object)]
    pub details: Map<String, Json>,
    /// A sentence for a person.
    pub message: String,
    /// Always `error`.
    pub status: String,
}

/// The responses of an endpoint that needs a token.
#[derive(Debug, Clone, IntoResponses)]
pub enum AuthErrors {
    /// No, unknown or under-scoped token (`AUTHENTICATION_FAILURE`, `INVALID_TOKEN`,
    /// `OAUTH_SCOPE_MISMATCH`).
    #[response(status = 401, content_type = "application/json")]
    Unauthorized(ZohoError),
}

/// The responses of an endpoint that needs a token and reads a body.
#[derive(Debug, Clone, IntoResponses)]
pub enum AuthAndBodyErrors {
    /// No, unknown or under-scoped token (`AUTHENTICATION_FAILURE`, `INVALID_TOKEN`,
    /// `OAUTH_SCOPE_MISMATCH`).
    #[response(status = 401, content_type = "application/json")]
    Unauthorized(ZohoError),
    /// The body is larger than the endpoint reads (`LIMIT_EXCEEDED`).
    #[response(status = 413, content_type = "application/json")]
    TooLarge(ZohoError),
}
