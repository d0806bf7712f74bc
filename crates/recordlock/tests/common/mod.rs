//! Helpers shared by the SPEC.md integration tests (each test file uses a subset).
#![allow(dead_code, reason = "each test binary uses a different part of these helpers")]

use recordlock::config::validate::validate;
use recordlock::config::{BODY_KEY, Reference};
use recordlock::criteria::{Error, EvalOptions, Row, Schema};
use recordlock::{Actor, Limits, Module, Policy};
use serde_json::{Value as Json, json};

/// The path of the configuration object inside a body.
pub const P: &str = "$.record_locking_configurations[0]";

/// `P` followed by `rest` (e.g. `.lock_type`).
pub fn at(rest: &str) -> String {
    format!("{P}{rest}")
}

/// Wraps one configuration object in the wire body.
pub fn body(config: Json) -> Json {
    json!({ BODY_KEY: [config] })
}

/// Parses JSON text (for numbers beyond 2^53 that `json!` cannot write).
pub fn parse(text: &str) -> Json {
    serde_json::from_str(text).expect("test JSON parses")
}

pub fn deals() -> Module {
    Module::resolve("Deals", None).expect("Deals is supported")
}

pub fn module(name: &str) -> Module {
    Module::resolve(name, None).expect("the module is supported")
}

/// A leaf `{"field": {"api_name": field}, "comparator": cmp, "value": value}`.
pub fn leaf(field: &str, cmp: &str, value: Json) -> Json {
    json!({"field": {"api_name": field}, "comparator": cmp, "value": value})
}

/// A rule named `name` on `criteria`.
pub fn rule(name: &str, criteria: Json) -> Json {
    json!({"name": name, "criteria": criteria})
}

/// The rule `Stage equal <stage>` named `name`.
pub fn stage_rule(name: &str, stage: &str) -> Json {
    rule(name, leaf("Stage", "equal", json!(stage)))
}

/// Validates `config` (an object, wrapped here) for `module` with default limits.
pub fn check(module: &Module, config: Json) -> Result<Json, Error> {
    validate(&body(config), module, &Limits::default()).map(|v| v.config().to_json())
}

/// The error validating `config` for `module`, as its wire JSON.
pub fn check_err(module: &Module, config: Json) -> Json {
    let e = validate(&body(config), module, &Limits::default()).expect_err("the configuration is invalid");
    err_json(&e)
}

/// An error's wire JSON.
pub fn err_json(e: &Error) -> Json {
    serde_json::to_value(e).expect("errors serialise")
}

/// Compiles `config` for `module` with default limits and options.
pub fn policy_for(module: Module, config: Json) -> Policy {
    Policy::new(&body(config), module, Limits::default(), EvalOptions::default()).expect("the configuration is valid")
}

/// Compiles `config` for Deals.
pub fn deals_policy(config: Json) -> Policy {
    policy_for(deals(), config)
}

/// Reads a record into a row of `policy`.
pub fn row(policy: &Policy, record: Json) -> Row {
    let mut row = policy.new_row();
    policy.ingest_json(&record, &mut row).expect("the record is readable");
    row
}

/// A user of profile `p1`, no lock permission, not a portal user.
pub fn user() -> Actor {
    Actor { id: "u1".into(), profile_id: Some("p1".into()), portal_user: false, lock_permission: false }
}

/// A user with the lock permission.
pub fn locker() -> Actor {
    Actor { lock_permission: true, ..user() }
}

pub fn admin() -> Reference {
    Reference { id: "5843104000000424672".into(), name: Some("Admin".into()) }
}

/// A custom module schema with field ids.
pub fn custom_schema() -> Schema {
    Schema::from_json(&json!({"fields": [
        {"api_name": "Score", "id": "101", "data_type": "integer"},
        {"api_name": "Status__c", "id": "102", "data_type": "picklist",
         "pick_list_values": [{"actual_value": "Open"}, {"actual_value": "Done"}]},
        {"api_name": "Notes__c", "id": "103", "data_type": "textarea"},
        {"api_name": "Title__c", "id": "104", "data_type": "text"}
    ]}))
    .expect("the schema is valid")
}

/// The custom module `Widgets__c` with [`custom_schema`].
pub fn widgets() -> Module {
    Module::resolve("Widgets__c", Some(custom_schema())).expect("a custom module with a schema resolves")
}
