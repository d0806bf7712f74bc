//! What every organisation endpoint does first and last, in one place: the caller's scope
//! is checked ([`Call::new`]), then the work runs for the caller's organisation — a read
//! against current policies ([`Call::read`]) or a write under the organisation's write lock
//! ([`Call::write`]) — and a write's JSON is answered with its status.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use recordlock::config::Reference;
use serde_json::Value as Json;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::{blocking, json_response};
use crate::state::{App, Org};
use crate::tokens::{Operation, Principal, Resource};

/// An authorised request: the application and the caller's principal.
#[derive(Debug, Clone)]
pub struct Call {
    /// The application state.
    pub app: Arc<App>,
    /// Who calls (their organisation is the only one the call reaches).
    pub principal: Arc<Principal>,
}

impl Call {
    /// The call, if the caller's token allows `operation` on `resource`
    /// (`OAUTH_SCOPE_MISMATCH` otherwise).
    pub fn new(app: Arc<App>, caller: &Caller, resource: Resource, operation: Operation) -> Result<Call, ApiError> {
        caller.need(resource, operation)?;
        Ok(Call { app, principal: Arc::clone(&caller.0) })
    }

    /// The caller as an audit reference (`created_by`, `modified_by`).
    pub fn actor(&self) -> Reference {
        Reference { id: self.principal.user_id.clone(), name: None }
    }

    /// Runs a read of the database: on a blocking thread when the database is shared (its
    /// calls go over the network), else here (a local read takes microseconds, less than
    /// the hop).
    pub async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&App, &Principal) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        if !self.app.db.shared() {
            return read(&self.app, &self.principal);
        }
        let (app, principal) = (Arc::clone(&self.app), Arc::clone(&self.principal));
        blocking(move || read(&app, &principal)).await
    }

    /// The caller's organisation with current policies.
    pub async fn org(&self) -> Result<Arc<Org>, ApiError> {
        self.read(|app, p| app.fresh_org(&p.org).map_err(|e| ApiError::internal_from(&e))).await
    }

    /// Runs a write of the caller's organisation on a blocking thread ([`App::write`]:
    /// under its write lock, tried again if another process changed it first) and answers
    /// the write's JSON with `status`.
    pub async fn write(
        self,
        status: StatusCode,
        write: impl FnMut(&App, &Org, &Principal) -> Result<Json, ApiError> + Send + 'static,
    ) -> Result<Response, ApiError> {
        let body = self.write_value(write).await?;
        Ok(json_response(status, &body))
    }

    /// [`Call::write`], returning the write's value.
    pub async fn write_value<T: Send + 'static>(
        self,
        mut write: impl FnMut(&App, &Org, &Principal) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Call { app, principal } = self;
        blocking(move || app.write(&principal.org, |org| write(&app, org, &principal))).await
    }
}
