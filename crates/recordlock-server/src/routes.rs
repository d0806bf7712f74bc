//! The HTTP routes, and what handlers share.

pub mod call;
pub mod configurations;
pub mod decide_lines;
pub mod fields;
pub mod locks;
pub mod responses;
pub mod write_path;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset};
use recordlock::store::{Clock, SystemClock};
use serde_json::{Value as Json, json};
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::state::App;

/// A JSON response with `Content-Type: application/json` (without it Zoho's SDK silently
/// returns no object).
pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let text = match serde_json::to_vec(body) {
        Ok(text) => text,
        Err(e) => return ApiError::internal_from(&e).into_response(),
    };
    let mut response = (status, text).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `NOT_ALLOWED` (400): the module has no configuration (Zoho's message).
pub fn no_configuration() -> ApiError {
    ApiError::coded(
        StatusCode::BAD_REQUEST,
        "NOT_ALLOWED",
        json!({}),
        "Required Record Locking Configuration is not present",
    )
}

/// The current time (UTC, whole seconds).
pub fn now() -> DateTime<FixedOffset> {
    SystemClock.now()
}

/// Runs database and compile work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            tracing::error!("a handler panicked");
            Err(ApiError::internal())
        }
        Err(e) => Err(ApiError::internal_from(&e)),
    }
}

/// Liveness and readiness: the database answers.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "serving", body = Object, content_type = "application/json"),
              (status = 500, description = "the database does not answer", body = Object, content_type = "application/json")))]
pub async fn health(State(app): State<Arc<App>>) -> Result<Response, ApiError> {
    let db = Arc::clone(&app.db);
    blocking(move || db.ping().map_err(|e| ApiError::internal_from(&e))).await?;
    Ok(json_response(StatusCode::OK, &json!({"status": "ok"})))
}

/// The OpenAPI document of every endpoint, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "recordlock", description = "Zoho CRM's record locking API, served by recordlock"),
    paths(
        configurations::list, configurations::get_by_id, configurations::create, configurations::update,
        configurations::update_by_id, configurations::delete,
        locks::list, locks::get, locks::lock, locks::edit_reason, locks::unlock,
        fields::fields,
        write_path::decide, write_path::saved, write_path::sweep,
        health, openapi_json,
    ),
    components(schemas(responses::ZohoError)),
    modifiers(&SecurityAddon),
)]
pub struct ApiDoc;

/// The token's security scheme, `zoho_oauthtoken`, required by every operation that answers
/// 401 (those listing [`responses::AuthErrors`] or [`responses::AuthAndBodyErrors`]): the
/// one place that says which endpoints need a token.
pub struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
        const SCHEME: &str = "zoho_oauthtoken";
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Zoho-oauthtoken <token>`, a token from `recordlock token`",
            ))),
        );
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                if operation.responses.responses.contains_key("401") {
                    operation.security = Some(vec![SecurityRequirement::new(SCHEME, Vec::<String>::new())]);
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "the OpenAPI document", body = Object, content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Json::Null);
    json_response(StatusCode::OK, &doc)
}

async fn not_found() -> ApiError {
    ApiError::coded(
        StatusCode::NOT_FOUND,
        "INVALID_URL_PATTERN",
        json!({}),
        "Please check if the URL trying to access is a correct one",
    )
}

async fn wrong_method() -> ApiError {
    ApiError::coded(
        StatusCode::FORBIDDEN,
        "INVALID_REQUEST_METHOD",
        json!({}),
        "The http request method type is not a valid one",
    )
}

/// Every route, with the application state.
pub fn router(app: Arc<App>) -> Router {
    const CONFIGS: &str = "/crm/v8/settings/record_locking_configurations";
    const LOCKS: &str = "/crm/v8/{module}/{record_id}/Locking_Information__s";
    Router::new()
        .route(CONFIGS, get(configurations::list).post(configurations::create).put(configurations::update))
        .route(
            &format!("{CONFIGS}/{{id}}"),
            get(configurations::get_by_id).put(configurations::update_by_id).delete(configurations::delete),
        )
        .route("/crm/v8/settings/fields", get(fields::fields))
        .route(LOCKS, get(locks::list).post(locks::lock))
        .route(&format!("{LOCKS}/{{lock_id}}"), get(locks::get).put(locks::edit_reason).delete(locks::unlock))
        .route("/recordlock/v1/decide", axum::routing::post(write_path::decide))
        .route("/recordlock/v1/records/saved", axum::routing::post(write_path::saved))
        .route("/recordlock/v1/sweep", axum::routing::post(write_path::sweep))
        .route("/health", get(health))
        .route("/openapi.json", get(openapi_json))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .with_state(app)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared error responses reach every operation that needs them: a token (and 401
    /// with Zoho's error body) on every organisation endpoint, 413 wherever a body is read,
    /// and neither on the operations endpoints.
    #[test]
    fn the_document_requires_the_token_where_401_is_answered() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let organisation = path.starts_with("/crm/") || path.starts_with("/recordlock/");
                let responses = &op["responses"];
                assert_eq!(responses.get("401").is_some(), organisation, "{method} {path}: 401");
                let security = op.get("security").cloned().unwrap_or(Json::Null);
                let wanted = if organisation { json!([{"zoho_oauthtoken": []}]) } else { Json::Null };
                assert_eq!(security, wanted, "{method} {path}: security");
                assert_eq!(responses.get("413").is_some(), op.get("requestBody").is_some(), "{method} {path}: 413");
                for status in ["401", "413"] {
                    if let Some(r) = responses.get(status) {
                        let schema = &r["content"]["application/json"]["schema"];
                        assert_eq!(schema["$ref"], "#/components/schemas/ZohoError", "{path} {status}");
                    }
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 17, "every operation was looked at");
        let error = &doc["components"]["schemas"]["ZohoError"];
        assert_eq!(error["required"], json!(["code", "details", "message", "status"]));
    }
}
