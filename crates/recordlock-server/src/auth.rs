//! `Authorization: Zoho-oauthtoken <token>`: the caller of a request.
//!
//! A request without the header is `AUTHENTICATION_FAILURE`, an unknown token
//! `INVALID_TOKEN`, a token without the endpoint's scope `OAUTH_SCOPE_MISMATCH`: all 401
//! with Zoho's error body (Zoho's OAuth error codes; the record locking pages do not list
//! them).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::routes::blocking;
use crate::state::App;
use crate::tokens::{self, Operation, Principal, Resource};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Principal>);

impl Caller {
    /// The caller's principal if its token allows `operation` on `resource`.
    pub fn need(&self, resource: Resource, operation: Operation) -> Result<&Principal, ApiError> {
        if self.0.may(resource, operation) { Ok(&self.0) } else { Err(ApiError::scope_mismatch()) }
    }
}

const PREFIX: &str = "zoho-oauthtoken ";

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Caller, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(ApiError::unauthenticated)?;
        let text = header.to_str().map_err(|_| ApiError::invalid_token())?;
        let token = match text.get(..PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => text.get(PREFIX.len()..).unwrap_or("").trim(),
            _ => return Err(ApiError::invalid_token()),
        };
        if token.is_empty() || token.len() > 512 {
            return Err(ApiError::invalid_token());
        }
        // A token seen before is answered from memory; a new one costs one indexed read:
        // on this thread for SQLite (microseconds, not worth a hop to the blocking pool),
        // on a blocking thread for a shared database (a network round trip).
        let hash = tokens::hash(token);
        let principal = match app.known_principal(&hash) {
            Some(p) => Some(p),
            None if app.db.shared() => {
                let app = Arc::clone(app);
                blocking(move || app.principal(&hash).map_err(|e| ApiError::internal_from(&e))).await?
            }
            None => app.principal(&hash).map_err(|e| ApiError::internal_from(&e))?,
        };
        principal.map(Caller).ok_or_else(ApiError::invalid_token)
    }
}
