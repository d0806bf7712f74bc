//! recordlock's own endpoints for hosts on the write path, under `/recordlock/v1`:
//!
//! | route | what |
//! |---|---|
//! | `POST /recordlock/v1/decide?module=M` | one CONTRACT.md decide request → its decision; a JSON Lines body → one decision a line, in order, streamed |
//! | `POST /recordlock/v1/records/saved?module=M` | a record just saved → its automatic lock derived (SPEC.md §3) and stored |
//! | `POST /recordlock/v1/sweep?module=M[&all_rules=true]` | a JSON Lines body of records → the `lock_existing_records` back-fill, locks stored, output as `recordlock sweep`'s |
//!
//! A decide request without `lock` uses the record's stored lock when it has one, and
//! otherwise derives it from the record as CONTRACT.md says.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use recordlock::criteria::{Error, JsonPath, Scanned, scan_object};
use recordlock::sweep::{SweepOptions, SweepOutcome, sweep_bytes};
use recordlock::{AutomaticLock, Decision, LockState, Policy, RequestLine, RuleScope, rfc3339};
use serde_json::{Value as Json, json};

use crate::auth::Caller;
use crate::body::{self, LINES_BODY_BYTES};
use crate::db::{Abort, LockRow};
use crate::error::ApiError;
use crate::query::Params;
use crate::routes::call::Call;
use crate::routes::decide_lines::stream_lines;
use crate::routes::responses::AuthAndBodyErrors;
use crate::routes::{json_response, no_configuration, now};
use crate::state::App;
use crate::tokens::{Operation, Resource};

/// JSON Lines' content type, as the answers to them are sent.
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// A record's id as decimal text, from a string or a number.
fn record_id(record: &Json) -> Option<String> {
    match record.get("id")? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A request over the record limit is `LIMIT_EXCEEDED`.
pub(crate) fn check_size(policy: &Policy, len: usize) -> Result<(), Error> {
    let limit = policy.limits().record_bytes;
    if len > limit {
        return Err(Error::limit_exceeded(&JsonPath::root(), "the size of a request in bytes", limit));
    }
    Ok(())
}

/// Answers the one request `body` with the caller's current policy; the record's stored
/// lock is used when the request gives none.
fn answer_one(app: &App, org: &str, module: &str, body: &[u8]) -> Result<Decision, ApiError> {
    // `single_request` has found the body to be one JSON value, so it is UTF-8.
    let text = std::str::from_utf8(body).map_err(|e| ApiError::internal_from(&e))?;
    let request = RequestLine::parse(text);
    let wanted = request.as_ref().ok().filter(|r| r.lock().is_none()).and_then(RequestLine::record_id);
    let (org, stored) = match &wanted {
        Some(id) => app.fresh_org_and_lock_state(org, module, id),
        None => app.fresh_org(org).map(|o| (o, None)),
    }
    .map_err(|e| ApiError::internal_from(&e))?;
    let policy = org.store.policy(module).ok_or_else(no_configuration)?;
    check_size(&policy, body.len()).map_err(|e| ApiError::engine(&e))?;
    let mut request = request.map_err(|e| ApiError::engine(&e))?;
    if let Some(lock) = stored {
        request.set_lock(LockState::clone(&lock));
    }
    Ok(policy.answer_request_line(&request))
}

/// Whether the body is one JSON value (a valid request or not) rather than JSON Lines.
fn single_request(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    scan_object(text, |_| None::<()>, |(), _, _| {}) == Scanned::Done
        || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

fn wants_lines(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("ndjson") || v.contains("jsonl") || v.contains("json-seq"))
}

/// Decides one request, or a JSON Lines body of them.
#[utoipa::path(post, path = "/recordlock/v1/decide", tag = "recordlock",
    params(("module" = String, Query, description = "the module's API name", example = "Deals")),
    request_body(content = Object, description = "one CONTRACT.md decide request (or, as application/x-ndjson, one a line)", content_type = "application/json"),
    responses((status = 200, description = "the decision (one a line for JSON Lines)", body = Object, content_type = "application/json"),
              (status = 400, description = "bad request, parameter or module; no configuration", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn decide(
    State(app): State<Arc<App>>,
    caller: Caller,
    raw: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Read)?;
    let module = Params::from_raw(&raw)?.module()?;
    let bytes = body::read(body, LINES_BODY_BYTES).await?;
    // One JSON value is one request; anything else is JSON Lines.
    if !wants_lines(&headers) && single_request(&bytes) {
        let answer = call.read(move |app, p| answer_one(app, &p.org, module.name(), &bytes)).await?;
        return Ok(json_response(StatusCode::OK, &answer));
    }
    let org = call.org().await?;
    let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
    Ok(stream_lines(call.app, org, policy, bytes))
}

/// Derives and stores the automatic lock of a record just saved.
#[utoipa::path(post, path = "/recordlock/v1/records/saved", tag = "recordlock",
    params(("module" = String, Query, description = "the module's API name", example = "Deals")),
    request_body(content = Object, description = "the record as saved, with its `id`", content_type = "application/json"),
    responses((status = 200, description = "`{\"id\", \"lock\", \"change\"}`", body = Object, content_type = "application/json"),
              (status = 400, description = "bad record, parameter or module; no configuration", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn saved(
    State(app): State<Arc<App>>,
    caller: Caller,
    raw: RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Update)?;
    let module = Params::from_raw(&raw)?.module()?;
    let record = body::json(body).await?;
    if !record.is_object() {
        return Err(ApiError::invalid(json!({"json_path": "$"}), "the record must be a JSON object"));
    }
    let id = record_id(&record).ok_or_else(|| {
        ApiError::coded(
            StatusCode::BAD_REQUEST,
            "MANDATORY_NOT_FOUND",
            json!({"api_name": "id", "json_path": "$.id"}),
            "required field not found",
        )
    })?;
    call.write(StatusCode::OK, move |app, org, _| {
        let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
        let mut row = policy.new_row();
        policy.ingest_json(&record, &mut row).map_err(|e| ApiError::engine(&Error::from(e)))?;
        org.write_locks(&*app.db, |tx| {
            let stored = tx.lock(module.name(), &id)?;
            let current = match &stored {
                Some(r) => r.lock_state().map_err(|e| Abort::Refused(ApiError::internal_from(&e)))?,
                None => LockState::Unlocked,
            };
            let next = policy.lock_on_save(&current, &row, now());
            let change = match (&current, &next) {
                (a, b) if a == b => "unchanged",
                (LockState::Unlocked, _) => "locked",
                (_, LockState::Unlocked) => "unlocked",
                _ => "relocked",
            };
            let lock_id = match &next {
                LockState::Unlocked => None,
                _ => Some(stored.as_ref().map_or_else(|| app.ids.next().to_string(), |r| r.lock_id.clone())),
            };
            match (&next, &lock_id) {
                _ if change == "unchanged" => {}
                (LockState::Automatic(a), Some(lock_id)) => {
                    let row = LockRow {
                        record_id: id.clone(),
                        lock_id: lock_id.clone(),
                        state: next.to_json().to_string(),
                        created_time: a.locked_time.clone().unwrap_or_else(|| rfc3339(now())),
                        created_by: None,
                    };
                    tx.put_lock(module.name(), &row, a.rule_id.as_deref())?;
                }
                _ => tx.delete_lock(module.name(), &id)?,
            }
            let mut lock = next.to_json();
            if let (Json::Object(m), Some(lock_id)) = (&mut lock, &lock_id) {
                m.insert("id".into(), json!(lock_id));
            }
            Ok(json!({"id": id, "lock": lock, "change": change}))
        })
    })
    .await
}

/// The `lock_existing_records` back-fill over a JSON Lines body; locks are stored for
/// records that have none.
#[utoipa::path(post, path = "/recordlock/v1/sweep", tag = "recordlock",
    params(("module" = String, Query, description = "the module's API name", example = "Deals"),
           ("all_rules" = Option<bool>, Query, description = "apply every rule, not only those with lock_existing_records")),
    request_body(content = String, description = "records, one JSON object a line (JSON Lines; the Content-Type is not checked)", content_type = "text/plain"),
    responses((status = 200, description = "one line per locked or unreadable record, as `recordlock sweep` prints", body = String, content_type = "application/x-ndjson"),
              (status = 400, description = "bad parameter or module; no configuration", body = Object, content_type = "application/json"),
              AuthAndBodyErrors))]
pub async fn sweep(
    State(app): State<Arc<App>>,
    caller: Caller,
    raw: RawQuery,
    body: Body,
) -> Result<Response, ApiError> {
    let call = Call::new(app, &caller, Resource::LockingInformation, Operation::Update)?;
    let params = Params::from_raw(&raw)?;
    let module = params.module()?;
    let all_rules = params.flag("all_rules")?;
    let bytes = body::read(body, LINES_BODY_BYTES).await?;
    let out = call
        .write_value(move |app, org, _| {
            let policy = org.store.policy(module.name()).ok_or_else(no_configuration)?;
            let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
            let opts = SweepOptions { scope, ..SweepOptions::default() };
            let mut out = Vec::new();
            let mut locked: Vec<(String, Option<String>)> = Vec::new();
            // The body is in memory: its lines are read where they are.
            sweep_bytes(
                &policy,
                bytes.as_ref(),
                &opts,
                |o| {
                    if let SweepOutcome::Locked { id: Some(id), rule } = &o {
                        locked.push((id.clone(), rule.id().map(str::to_owned)));
                    }
                    if serde_json::to_writer(&mut out, &o.to_json()).is_ok() {
                        out.push(b'\n');
                    }
                },
                |_| {},
            );
            let time = rfc3339(now());
            let config_id = policy.config().id.clone();
            let count = u64::try_from(locked.len()).unwrap_or(u64::MAX);
            app.ids.ensure(&*app.db, count).map_err(|e| ApiError::internal_from(&e))?;
            let rows: Vec<(LockRow, Option<String>)> = locked
                .into_iter()
                .map(|(record_id, rule_id)| {
                    let state = LockState::Automatic(AutomaticLock {
                        rule_id: rule_id.clone(),
                        configuration_id: config_id.clone(),
                        locked_time: Some(time.clone()),
                    });
                    let row = LockRow {
                        record_id,
                        lock_id: app.ids.next().to_string(),
                        state: state.to_json().to_string(),
                        created_time: time.clone(),
                        created_by: None,
                    };
                    (row, rule_id)
                })
                .collect();
            org.write_locks(&*app.db, |tx| Ok(tx.add_locks(module.name(), &rows)?))?;
            Ok(out)
        })
        .await?;
    let mut response = Body::from(out).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    Ok(response)
}
