//! Errors as Zoho answers them: `{"code", "details", "message", "status": "error"}` with
//! Zoho's HTTP status, at the top level or as the item of a wrapper array.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use recordlock::criteria::{Error, ErrorCode};
use serde_json::{Value as Json, json};

/// An error response: an HTTP status and a Zoho error body.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    body: Json,
}

/// Zoho's HTTP status for an engine error code: 403 for permission and state refusals,
/// 500 for internal failures, 400 for everything the input got wrong.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NoPermission | ErrorCode::NotAllowed => StatusCode::FORBIDDEN,
        ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn error_body(code: &str, details: Json, message: &str) -> Json {
    json!({"code": code, "details": details, "message": message, "status": "error"})
}

impl ApiError {
    /// An error with a given status and body.
    pub fn new(status: StatusCode, body: Json) -> ApiError {
        ApiError { status, body }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// An engine error at the top level, with its code's status.
    pub fn engine(e: &Error) -> ApiError {
        ApiError::engine_with(e, status_of(e.code()), None)
    }

    /// An engine error, inside `{wrapper: [error]}` when a wrapper key is given.
    pub fn engine_with(e: &Error, status: StatusCode, wrapper: Option<&str>) -> ApiError {
        if e.code() == ErrorCode::InternalError {
            tracing::error!(error = %e.message(), "internal error");
            return ApiError::internal();
        }
        let item = serde_json::to_value(e).unwrap_or(Json::Null);
        let body = match wrapper {
            Some(key) => json!({ key: [item] }),
            None => item,
        };
        ApiError { status, body }
    }

    /// `INTERNAL_ERROR` (500); the cause is logged, never sent.
    pub fn internal() -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: error_body("INTERNAL_ERROR", json!({}), "Internal Server Error"),
        }
    }

    /// Logs `cause` and answers `INTERNAL_ERROR`.
    pub fn internal_from(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::internal()
    }

    /// `REQUIRED_PARAM_MISSING` for a query parameter.
    pub fn required_param(name: &str) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: error_body(
                "REQUIRED_PARAM_MISSING",
                json!({"param_name": name}),
                "One of the expected parameter is missing",
            ),
        }
    }

    /// `INVALID_DATA` (400) with details.
    pub fn invalid(details: Json, message: &str) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, body: error_body("INVALID_DATA", details, message) }
    }

    /// An error with any code, status and details.
    pub fn coded(status: StatusCode, code: &str, details: Json, message: &str) -> ApiError {
        ApiError { status, body: error_body(code, details, message) }
    }

    /// A missing `Authorization` header (401 `AUTHENTICATION_FAILURE`).
    pub fn unauthenticated() -> ApiError {
        ApiError::coded(StatusCode::UNAUTHORIZED, "AUTHENTICATION_FAILURE", json!({}), "Authentication failed")
    }

    /// A token the server does not know (401 `INVALID_TOKEN`).
    pub fn invalid_token() -> ApiError {
        ApiError::coded(StatusCode::UNAUTHORIZED, "INVALID_TOKEN", json!({}), "invalid oauth token")
    }

    /// A token without the scope the endpoint needs (401 `OAUTH_SCOPE_MISMATCH`).
    pub fn scope_mismatch() -> ApiError {
        ApiError::coded(
            StatusCode::UNAUTHORIZED,
            "OAUTH_SCOPE_MISMATCH",
            json!({}),
            "invalid oauth scope to access this URL",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
