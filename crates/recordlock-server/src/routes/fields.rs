//! `GET /crm/v8/settings/fields?module=M`: field metadata, which Zoho's SDK fetches before
//! its first `Locking_Information__s` call (ZOHO-NOTES §2.6). For `Locking_Information__s`
//! the lock fields, spelled as Zoho's docs spell them; for a supported module its built-in
//! schema.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value as Json, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Params;
use crate::routes::json_response;
use crate::routes::responses::AuthErrors;
use crate::state::App;
use crate::tokens::{Operation, Resource};

/// The lock module's fields: api_name, data_type, json_type.
const LOCK_FIELDS: &[(&str, &str, &str)] = &[
    ("Locked_For__s", "multi_module_lookup", "jsonobject"),
    ("Locked_Reason__s", "textarea", "string"),
    ("Lock_Source__s", "picklist", "string"),
    ("Locked_Time__s", "datetime", "string"),
    ("Locked_By__s", "userlookup", "jsonobject"),
    ("Record_Locking_Rule_Id__s", "bigint", "string"),
    ("Record_Locking_Configuration_Id__s", "bigint", "string"),
    ("Feature_Type__s", "picklist", "string"),
    ("Created_Time", "datetime", "string"),
    ("Created_By", "ownerlookup", "jsonobject"),
];

fn field(api_name: &str, data_type: &str, json_type: &str, options: Option<Vec<Json>>) -> Json {
    json!({
        "api_name": api_name,
        "field_label": api_name.trim_end_matches("__s").replace('_', " "),
        "display_label": api_name.trim_end_matches("__s").replace('_', " "),
        "data_type": data_type,
        "json_type": json_type,
        "system_mandatory": false,
        "read_only": false,
        "custom_field": false,
        "visible": true,
        "pick_list_values": options.unwrap_or_default(),
    })
}

fn options(values: &[&str]) -> Vec<Json> {
    values.iter().map(|v| json!({"actual_value": v, "display_value": v})).collect()
}

/// The fields of a module.
#[utoipa::path(get, path = "/crm/v8/settings/fields", tag = "fields",
    params(("module" = String, Query, description = "the module's API name, or `Locking_Information__s`")),
    responses((status = 200, description = "the fields", body = Object, content_type = "application/json"),
              (status = 400, description = "bad or missing module", body = Object, content_type = "application/json"),
              AuthErrors))]
pub async fn fields(caller: Caller, State(_app): State<Arc<App>>, raw: RawQuery) -> Result<Response, ApiError> {
    caller.need(Resource::Fields, Operation::Read)?;
    let params = Params::from_raw(&raw)?;
    let name = params
        .get("module")
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::required_param("module"))?;
    let list: Vec<Json> = if name.eq_ignore_ascii_case("Locking_Information__s") {
        LOCK_FIELDS
            .iter()
            .map(|(api_name, data_type, json_type)| {
                let opts = match *api_name {
                    "Lock_Source__s" => Some(options(&["Manual", "Automatic"])),
                    "Feature_Type__s" => Some(options(&["record_locking"])),
                    _ => None,
                };
                field(api_name, data_type, json_type, opts)
            })
            .collect()
    } else {
        let module = recordlock::Module::resolve(params.module()?.name(), None).map_err(|e| ApiError::engine(&e))?;
        module
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let opts = f
                    .options()
                    .iter()
                    .map(|o| json!({"actual_value": o.actual_value, "display_value": o.display_value}))
                    .collect();
                field(f.api_name(), f.data_type().as_str(), "string", Some(opts))
            })
            .collect()
    };
    Ok(json_response(StatusCode::OK, &json!({"fields": list})))
}
