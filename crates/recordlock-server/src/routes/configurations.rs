//! Zoho's Record Locking Configuration endpoints (SPEC.md §1, ZOHO-NOTES §1), over the
//! library's [`recordlock::store::Store`]:
//! `GET/POST/PUT /crm/v8/settings/record_locking_configurations?module=M` and
//! `GET/PUT/DELETE .../record_locking_configurations/{id}?module=M`.
//!
//! Errors about the body's configuration (their `json_path` starts with
//! `$.record_locking_configurations`) are answered as the item of the wrapper array; errors
//! about the request (module, parameters, the configuration id) at the top level.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use recordlock::config::BODY_KEY;
use recordlock::criteria::Error;
use serde_json::json;

use crate::auth::Caller;
use crate::body;
use crate::error::{ApiError, status_of};
use crate::query::Params;
use crate::routes::call::Call;
use crate::routes::json_response;
use crate::routes::responses::{AuthAndBodyErrors, AuthErrors};
use crate::state::{App, is_stale};
use crate::tokens::{Operation, Resource};

fn store_error(e: &Error) -> ApiError {
    if is_stale(e) {
        return ApiError::internal(); // retried by `App::write`
    }
    let wrapper = e.json_path().starts_with(&format!("$.{BODY_KEY}")).then_some(BODY_KEY);
    ApiError::engine_with(e, status_of(e.code()), wrapper)
}

fn feature_type(params: &Params) -> Result<(), ApiError> {
    match params.get("feature_type") {
        None | Some("record_locking") => Ok(()),
        Some(_) => Err(ApiError::invalid(
            json!({"param_name": "feature_type", "supported_values": ["record_locking"]}),
            "Invalid data",
        )),
    }
}

/// The configuration of the module, or 204 when it has none.
#[utoipa::path(get, path = "/crm/v8/settings/record_locking_configurations", tag = "configurations",
    params(("module" = String, Query, description = "the module's API name", example = "Deals"),
           ("feature_type" = Option<String>, Query, description = "only `record_locking`")),
    responses((status = 200, description = "the configuration", body = Object, content_type = "application/json"),
              (status = 204, description = "nothing configured"),
              (status = 400, description = "a bad parameter", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn list(State(app): State<Arc<App>>, caller: Caller, raw: RawQuery) -> Result<Response, ApiError> {
    get_one(app, caller, raw, None).await
}

/// The configuration with this id.
#[utoipa::path(get, path = "/crm/v8/settings/record_locking_configurations/{id}", tag = "configurations",
    params(("id" = String, Path, description = "the configuration id"),
           ("module" = String, Query, description = "the module's API name", example = "Deals")),
    responses((status = 200, description = "the configuration", body = Object, content_type = "application/json"),
              (status = 400, description = "a bad parameter or an unknown id", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn get_by_id(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    get_one(app, caller, raw, Some(id)).await
}

async fn get_one(app: Arc<App>, caller: Caller, raw: RawQuery, id: Option<String>) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::Configurations, Operation::Read)?;
    let params = Params::from_raw(&raw)?;
    let module = params.module()?;
    feature_type(&params)?;
    let org = call.org().await?;
    let policy = org.store.policy(module.name());
    match (policy, id) {
        (None, None) => Ok(StatusCode::NO_CONTENT.into_response()),
        (Some(policy), id) if id.is_none() || id.as_deref() == policy.config().id.as_deref() => {
            Ok(json_response(StatusCode::OK, &policy.config().to_body()))
        }
        (_, id) => Err(ApiError::invalid(
            json!({"api_name": "id", "json_path": "$.id", "id": id}),
            "the record locking configuration id given seems to be invalid",
        )),
    }
}

/// Creates the module's configuration (one per module).
#[utoipa::path(post, path = "/crm/v8/settings/record_locking_configurations", tag = "configurations",
    params(("module" = String, Query, description = "the module's API name", example = "Deals")),
    request_body(content = Object, description = "`{\"record_locking_configurations\": [ {...} ]}`", content_type = "application/json"),
    responses((status = 201, description = "created", body = Object, content_type = "application/json"),
              (status = 400, description = "invalid configuration or parameter", body = Object, content_type = "application/json"),
              (status = 403, description = "not allowed", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn create(
    State(app): State<Arc<App>>,
    caller: Caller,
    raw: RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::Configurations, Operation::Create)?;
    let module = Params::from_raw(&raw)?.module()?;
    let json = body::json(body).await?;
    let actor = call.actor();
    call.write(StatusCode::CREATED, move |_, org, _| {
        org.store.create(module.name(), &json, &actor).map(|(r, _)| r).map_err(|e| store_error(&e))
    })
    .await
}

/// A partial update; the id comes from the body.
#[utoipa::path(put, path = "/crm/v8/settings/record_locking_configurations", tag = "configurations",
    params(("module" = String, Query, description = "the module's API name", example = "Deals")),
    request_body(content = Object, description = "a partial configuration with its `id`", content_type = "application/json"),
    responses((status = 200, description = "updated", body = Object, content_type = "application/json"),
              (status = 400, description = "invalid update or parameter", body = Object, content_type = "application/json"),
              (status = 403, description = "not allowed", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn update(
    State(app): State<Arc<App>>,
    caller: Caller,
    raw: RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    update_one(app, caller, raw, None, body).await
}

/// A partial update of the configuration with this id.
#[utoipa::path(put, path = "/crm/v8/settings/record_locking_configurations/{id}", tag = "configurations",
    params(("id" = String, Path, description = "the configuration id"),
           ("module" = String, Query, description = "the module's API name", example = "Deals")),
    request_body(content = Object, description = "a partial configuration", content_type = "application/json"),
    responses((status = 200, description = "updated", body = Object, content_type = "application/json"),
              (status = 400, description = "invalid update or parameter", body = Object, content_type = "application/json"),
              (status = 403, description = "not allowed", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn update_by_id(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    raw: RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    update_one(app, caller, raw, Some(id), body).await
}

async fn update_one(
    app: Arc<App>,
    caller: Caller,
    raw: RawQuery,
    id: Option<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::Configurations, Operation::Update)?;
    let module = Params::from_raw(&raw)?.module()?;
    let json = body::json(body).await?;
    let actor = call.actor();
    call.write(StatusCode::OK, move |_, org, _| {
        org.store.update(module.name(), id.as_deref(), &json, &actor).map(|(r, _)| r).map_err(|e| store_error(&e))
    })
    .await
}

/// Deletes the configuration: every lock of the module is released.
#[utoipa::path(delete, path = "/crm/v8/settings/record_locking_configurations/{id}", tag = "configurations",
    params(("id" = String, Path, description = "the configuration id"),
           ("module" = String, Query, description = "the module's API name", example = "Deals")),
    responses((status = 200, description = "deleted", body = Object, content_type = "application/json"),
              (status = 400, description = "unknown id or bad parameter", body = Object, content_type = "application/json"),
              (status = 403, description = "a system-defined configuration", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn delete(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::Configurations, Operation::Delete)?;
    let module = Params::from_raw(&raw)?.module()?;
    call.write(StatusCode::OK, move |_, org, _| {
        org.store.delete(module.name(), &id).map(|(r, _)| r).map_err(|e| store_error(&e))
    })
    .await
}
