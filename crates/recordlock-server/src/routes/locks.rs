//! Manual locks, Zoho's `Locking_Information__s` endpoints (SPEC.md §3, ZOHO-NOTES §2):
//! `GET/POST /crm/v8/{module}/{record_id}/Locking_Information__s` and
//! `GET/PUT/DELETE .../Locking_Information__s/{lock_id}`.
//!
//! The policy's transitions decide ([`recordlock::Policy::manual_lock`],
//! [`recordlock::Policy::edit_lock_reason`], [`recordlock::Policy::unlock`]); this module
//! reads the record's stored lock and writes the result. Locking and editing the reason use
//! the token's lock permission, unlocking its unlock permission.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use recordlock::criteria::{Error, ErrorCode};
use recordlock::{Actor, LockState, Policy, rfc3339};
use serde_json::{Map, Value as Json, json};

use crate::auth::Caller;
use crate::body;
use crate::db::{Abort, LockRow};
use crate::error::{ApiError, status_of};
use crate::query::{ModuleName, Params};
use crate::routes::call::Call;
use crate::routes::responses::{AuthAndBodyErrors, AuthErrors};
use crate::routes::{json_response, no_configuration, now};
use crate::state::App;
use crate::tokens::{Operation, Principal, Resource};

/// The lock fields a `fields` parameter may name (ZOHO-NOTES §2.2).
const FIELDS: &[&str] = &[
    "Locked_For__s",
    "Locked_Reason__s",
    "Lock_Source__s",
    "Locked_Time__s",
    "Locked_By__s",
    "Record_Locking_Rule_Id__s",
    "Record_Locking_Configuration_Id__s",
    "Feature_Type__s",
    "Owner",
    "Parent_Id",
    "Created_Time",
    "Created_By",
];

/// A stored lock as a `Locking_Information__s` record.
pub fn lock_record(module: &str, policy: Option<&Policy>, row: &LockRow) -> Json {
    let state: Json = serde_json::from_str(&row.state).unwrap_or(Json::Null);
    let mut m = match state {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    m.insert("id".into(), json!(row.lock_id));
    m.insert(
        "Locked_For__s".into(),
        json!({"module": {"api_name": module, "id": null}, "name": null, "id": row.record_id}),
    );
    let config_id = policy.and_then(|p| p.config().id.clone());
    if m.get("Record_Locking_Configuration_Id__s").is_none_or(Json::is_null) {
        m.insert("Record_Locking_Configuration_Id__s".into(), json!(config_id));
    }
    m.insert("Feature_Type__s".into(), json!("record_locking"));
    m.insert("Created_Time".into(), json!(row.created_time));
    m.insert("Created_By".into(), row.created_by.as_ref().map_or(Json::Null, |id| json!({"id": id, "name": null})));
    m.insert("Owner".into(), Json::Null);
    m.insert("Parent_Id".into(), json!({"id": row.record_id, "name": null}));
    Json::Object(m)
}

fn project(record: Json, fields: Option<&[String]>) -> Json {
    match (record, fields) {
        (Json::Object(m), Some(fields)) => Json::Object(
            m.into_iter().filter(|(k, _)| k == "id" || fields.iter().any(|f| f.eq_ignore_ascii_case(k))).collect(),
        ),
        (record, _) => record,
    }
}

fn fields_param(params: &Params, mandatory: bool) -> Result<Option<Vec<String>>, ApiError> {
    let Some(text) = params.get("fields").filter(|f| !f.trim().is_empty()) else {
        return if mandatory { Err(ApiError::required_param("fields")) } else { Ok(None) };
    };
    let mut fields = Vec::new();
    for name in text.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        if !FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name)) && !name.eq_ignore_ascii_case("id") {
            return Err(ApiError::invalid(
                json!({"api_name": name, "param_name": "fields", "supported_values": FIELDS}),
                "invalid field name in fields",
            ));
        }
        fields.push(name.to_owned());
    }
    Ok(Some(fields))
}

fn actor(p: &Principal, permission: bool) -> Actor {
    Actor {
        id: p.user_id.clone(),
        profile_id: Some(p.profile_id.clone()),
        portal_user: false,
        lock_permission: permission,
    }
}

/// A stored lock's state (unlocked when there is none); an unreadable one is internal.
fn stored_state(row: Option<&LockRow>) -> Result<LockState, Abort<ApiError>> {
    match row {
        None => Ok(LockState::Unlocked),
        Some(r) => {
            let internal = |e: &dyn std::fmt::Display| Abort::Refused(ApiError::internal_from(e));
            let json: Json = serde_json::from_str(&r.state).map_err(|e| internal(&e))?;
            LockState::from_json(&json).map_err(|e| internal(&e.message()))
        }
    }
}

/// The record's lock if it is the one named; a record locked under another id is
/// `INVALID_DATA` for `lock_id`.
fn own_lock(row: Option<LockRow>, lock_id: &str) -> Result<Option<LockRow>, Abort<ApiError>> {
    match row {
        Some(r) if r.lock_id != lock_id => Err(Abort::Refused(invalid_lock_id(lock_id))),
        row => Ok(row),
    }
}

/// A refused transition: the reason's absence is about the body item, the rest about the
/// request.
fn transition_error(e: &Error) -> ApiError {
    if e.code() == ErrorCode::MandatoryNotFound {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({"data": [{"code": "MANDATORY_NOT_FOUND",
                "details": {"api_name": "Locked_Reason__s", "json_path": "$.data[0].Locked_Reason__s"},
                "message": "required field not found", "status": "error"}]}),
        );
    }
    ApiError::engine_with(e, status_of(e.code()), None)
}

/// `{"data": [{"Locked_Reason__s": "..."}]}` → the reason ("" when absent: the policy
/// answers MANDATORY_NOT_FOUND after its other checks).
fn reason(body: &Json) -> Result<String, ApiError> {
    let item = match body.get("data") {
        Some(Json::Array(items)) if items.len() == 1 => items.first(),
        Some(Json::Array(_)) => {
            return Err(ApiError::invalid(
                json!({"api_name": "data", "json_path": "$.data", "limit": 1}),
                "`data` must hold exactly one lock",
            ));
        }
        Some(_) => {
            return Err(ApiError::invalid(
                json!({"api_name": "data", "json_path": "$.data"}),
                "`data` must be an array",
            ));
        }
        None => {
            return Err(ApiError::coded(
                StatusCode::BAD_REQUEST,
                "MANDATORY_NOT_FOUND",
                json!({"api_name": "data", "json_path": "$.data"}),
                "required field not found",
            ));
        }
    };
    let Some(Json::Object(item)) = item else {
        return Err(ApiError::invalid(
            json!({"api_name": "data", "json_path": "$.data[0]"}),
            "a lock must be an object",
        ));
    };
    match item.iter().find(|(k, _)| k.eq_ignore_ascii_case("Locked_Reason__s")).map(|(_, v)| v) {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            json!({"data": [{"code": "INVALID_DATA",
                "details": {"api_name": "Locked_Reason__s", "json_path": "$.data[0].Locked_Reason__s", "expected_data_type": "textarea"},
                "message": "Invalid data", "status": "error"}]}),
        )),
    }
}

fn success(message: &str, details: Json) -> Json {
    json!({"data": [{"code": "SUCCESS", "details": details, "message": message, "status": "success"}]})
}

fn invalid_lock_id(lock_id: &str) -> ApiError {
    ApiError::invalid(json!({"id": lock_id, "api_name": "id"}), "the related id given seems to be invalid")
}

/// The record's lock, as a list of one (204 when it has none).
#[utoipa::path(get, path = "/crm/v8/{module}/{record_id}/Locking_Information__s", tag = "locks",
    params(("module" = String, Path, description = "the module's API name", example = "Deals"),
           ("record_id" = String, Path, description = "the record's id"),
           ("fields" = String, Query, description = "comma-separated lock fields")),
    responses((status = 200, description = "the lock", body = Object, content_type = "application/json"),
              (status = 204, description = "the record is not locked"),
              (status = 400, description = "bad parameter, unknown module or no configuration", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn list(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((module, record_id)): Path<(String, String)>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    read(app, caller, module, record_id, None, raw).await
}

/// One lock by its id.
#[utoipa::path(get, path = "/crm/v8/{module}/{record_id}/Locking_Information__s/{lock_id}", tag = "locks",
    params(("module" = String, Path, description = "the module's API name", example = "Deals"),
           ("record_id" = String, Path, description = "the record's id"),
           ("lock_id" = String, Path, description = "the lock's id"),
           ("fields" = Option<String>, Query, description = "comma-separated lock fields")),
    responses((status = 200, description = "the lock", body = Object, content_type = "application/json"),
              (status = 400, description = "unknown lock, module or no configuration", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn get(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((module, record_id, lock_id)): Path<(String, String, String)>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    read(app, caller, module, record_id, Some(lock_id), raw).await
}

async fn read(
    app: Arc<App>,
    caller: Caller,
    module: String,
    record_id: String,
    lock_id: Option<String>,
    raw: RawQuery,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Read)?;
    let params = Params::from_raw(&raw)?;
    let module = ModuleName::resolve(&module)?;
    let fields = fields_param(&params, lock_id.is_none())?;
    let module_name = module.name().to_owned();
    let (policy, row) = call
        .read(move |app, p| {
            let (org, row) =
                app.fresh_org_and_lock(&p.org, &module_name, &record_id).map_err(|e| ApiError::internal_from(&e))?;
            Ok((org.store.policy(&module_name).ok_or_else(no_configuration)?, row))
        })
        .await?;
    let row = match (row, lock_id) {
        (Some(row), Some(id)) if row.lock_id != id => return Err(invalid_lock_id(&id)),
        (None, Some(id)) => return Err(invalid_lock_id(&id)),
        (None, None) => return Ok(StatusCode::NO_CONTENT.into_response()),
        (Some(row), _) => row,
    };
    let record = project(lock_record(module.name(), Some(&policy), &row), fields.as_deref());
    let body = json!({"data": [record], "info": {"per_page": 200, "count": 1, "page": 1, "more_records": false}});
    Ok(json_response(StatusCode::OK, &body))
}

/// Locks the record by hand (`lock_type` manual or both, and the lock permission).
#[utoipa::path(post, path = "/crm/v8/{module}/{record_id}/Locking_Information__s", tag = "locks",
    params(("module" = String, Path, description = "the module's API name", example = "Deals"),
           ("record_id" = String, Path, description = "the record's id")),
    request_body(content = Object, description = "`{\"data\": [{\"Locked_Reason__s\": \"...\"}]}`", content_type = "application/json"),
    responses((status = 201, description = "record added", body = Object, content_type = "application/json"),
              (status = 400, description = "bad body, unknown module or no configuration", body = Object, content_type = "application/json"),
              (status = 403, description = "NOT_ALLOWED (already locked, manual locking off) or NO_PERMISSION", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn lock(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((module, record_id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Create)?;
    let module = ModuleName::resolve(&module)?;
    let reason = reason(&body::json(body).await?)?;
    let details = call
        .write_value(move |app, org, p| {
            let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
            org.write_locks(&*app.db, |tx| {
                let current = stored_state(tx.lock(module.name(), &record_id)?.as_ref())?;
                let now = now();
                let next = policy
                    .manual_lock(&actor(p, p.lock_permission), &current, &reason, now)
                    .map_err(|e| Abort::Refused(transition_error(&e)))?;
                let lock_id = app.ids.next().to_string();
                let time = rfc3339(now);
                let new_row = LockRow {
                    record_id: record_id.clone(),
                    lock_id: lock_id.clone(),
                    state: next.to_json().to_string(),
                    created_time: time.clone(),
                    created_by: Some(p.user_id.clone()),
                };
                tx.put_lock(module.name(), &new_row, None)?;
                let by = json!({"id": p.user_id, "name": null});
                Ok(json!({"id": lock_id, "Created_Time": time, "Created_By": by, "Modified_Time": time, "Modified_By": by}))
            })
        })
        .await?;
    Ok(json_response(StatusCode::CREATED, &success("record added", details)))
}

/// Changes a manual lock's reason.
#[utoipa::path(put, path = "/crm/v8/{module}/{record_id}/Locking_Information__s/{lock_id}", tag = "locks",
    params(("module" = String, Path, description = "the module's API name", example = "Deals"),
           ("record_id" = String, Path, description = "the record's id"),
           ("lock_id" = String, Path, description = "the lock's id")),
    request_body(content = Object, description = "`{\"data\": [{\"Locked_Reason__s\": \"...\"}]}`", content_type = "application/json"),
    responses((status = 200, description = "relation updated", body = Object, content_type = "application/json"),
              (status = 400, description = "bad body, unknown lock or module, no configuration", body = Object, content_type = "application/json"),
              (status = 403, description = "NOT_ALLOWED or NO_PERMISSION", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn edit_reason(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((module, record_id, lock_id)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Update)?;
    let module = ModuleName::resolve(&module)?;
    let reason = reason(&body::json(body).await?)?;
    let id = lock_id.clone();
    call.write_value(move |app, org, p| {
        let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
        org.write_locks(&*app.db, |tx| {
            let row = own_lock(tx.lock(module.name(), &record_id)?, &lock_id)?;
            let current = stored_state(row.as_ref())?;
            let next = policy
                .edit_lock_reason(&actor(p, p.lock_permission), &current, &reason)
                .map_err(|e| Abort::Refused(transition_error(&e)))?;
            let Some(row) = row else { return Err(Abort::Refused(invalid_lock_id(&lock_id))) };
            Ok(tx.put_lock(module.name(), &LockRow { state: next.to_json().to_string(), ..row }, None)?)
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, &success("relation updated", json!({"id": id}))))
}

/// Removes a manual lock (automatic locks cannot be removed by hand).
#[utoipa::path(delete, path = "/crm/v8/{module}/{record_id}/Locking_Information__s/{lock_id}", tag = "locks",
    params(("module" = String, Path, description = "the module's API name", example = "Deals"),
           ("record_id" = String, Path, description = "the record's id"),
           ("lock_id" = String, Path, description = "the lock's id")),
    responses((status = 200, description = "relation removed", body = Object, content_type = "application/json"),
              (status = 400, description = "unknown lock or module, no configuration", body = Object, content_type = "application/json"),
              (status = 403, description = "NOT_ALLOWED (automatic, not locked) or NO_PERMISSION", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn unlock(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path((module, record_id, lock_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Delete)?;
    let module = ModuleName::resolve(&module)?;
    let id = lock_id.clone();
    call.write_value(move |app, org, p| {
        let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
        org.write_locks(&*app.db, |tx| {
            let row = own_lock(tx.lock(module.name(), &record_id)?, &lock_id)?;
            let current = stored_state(row.as_ref())?;
            policy
                .unlock(&actor(p, p.unlock_permission), &current)
                .map_err(|e| Abort::Refused(transition_error(&e)))?;
            Ok(tx.delete_lock(module.name(), &record_id)?)
        })
    })
    .await?;
    Ok(json_response(StatusCode::OK, &success("relation removed", json!({"id": id}))))
}
