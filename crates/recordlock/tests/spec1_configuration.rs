//! SPEC.md §1 (configuration): every error code with its `json_path` and details, the
//! validation order, normalisation and idempotence, modules and the Tasks restriction.

// clippy.toml allows these in `#[test]` functions only; the helpers of this test crate are
// test code too.
#![expect(clippy::expect_used, clippy::indexing_slicing, reason = "helpers of tests fail by panicking")]

mod common;

use common::{
    P, at, body, check, check_err, custom_schema, deals, err_json, leaf, module, parse, rule, stage_rule, widgets,
};
use recordlock::config::validate::validate;
use recordlock::criteria::ErrorCode;
use recordlock::criteria::schema::BUILTIN_MODULES;
use recordlock::{Limits, Module, UNSUPPORTED_STANDARD_MODULES};
use serde_json::{Value as Json, json};

fn automatic(rules: Json) -> Json {
    json!({"lock_type": "automatic", "locking_rules": rules})
}

fn won() -> Json {
    stage_rule("Closed Won", "Closed Won")
}

/// `n` distinct valid rules on Deals (`Amount equal i`).
fn rules(n: usize) -> Json {
    Json::Array((0..n).map(|i| rule(&format!("R{i}"), leaf("Amount", "equal", json!(i)))).collect())
}

/// `n` references `{id, name}`.
fn refs(n: usize) -> Json {
    Json::Array((0..n).map(|i| json!({"id": format!("{}", 1000 + i), "name": format!("N{i}")})).collect())
}

/// The first `n` fields of the built-in Leads schema, as excluded fields.
fn lead_fields(n: usize) -> Json {
    let leads = module("Leads");
    let names: Vec<Json> = leads.schema().fields().iter().take(n).map(|f| json!({"api_name": f.api_name()})).collect();
    assert_eq!(names.len(), n, "Leads has at least {n} fields");
    Json::Array(names)
}

// ---------------------------------------------------------------- mandatory and dependent keys

/// SPEC.md §1: lock_type is mandatory on create (MANDATORY_NOT_FOUND, null counts as absent).
#[test]
fn spec1_lock_type_is_mandatory() {
    for config in [json!({"locking_rules": [won()]}), json!({"lock_type": null, "locking_rules": [won()]})] {
        let e = check_err(&deals(), config);
        assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
        assert_eq!(e["status"], "error");
        assert_eq!(e["details"]["json_path"], at(".lock_type"));
        assert_eq!(e["details"]["api_name"], "lock_type");
    }
}

/// SPEC.md §1: locking_rules is mandatory and non-empty for automatic and both
/// (DEPENDENT_FIELD_MISSING with `dependee` lock_type); manual needs none.
#[test]
fn spec1_locking_rules_depend_on_lock_type() {
    for lock_type in ["automatic", "both"] {
        for config in [
            json!({"lock_type": lock_type}),
            json!({"lock_type": lock_type, "locking_rules": null}),
            json!({"lock_type": lock_type, "locking_rules": []}),
        ] {
            let e = check_err(&deals(), config);
            assert_eq!(e["code"], "DEPENDENT_FIELD_MISSING", "{lock_type}");
            assert_eq!(e["details"]["json_path"], at(".locking_rules"));
            assert_eq!(e["details"]["api_name"], "locking_rules");
            assert_eq!(e["details"]["dependee"], json!({"api_name": "lock_type", "json_path": at(".lock_type")}));
        }
    }
    let out = check(&deals(), json!({"lock_type": "manual"})).unwrap();
    assert_eq!(out["locking_rules"], Json::Null);
}

/// SPEC.md §1: lock_excluded_profiles is required when locked_for excludes profiles, in either
/// spelling (DEPENDENT_FIELD_MISSING with `dependee` locked_for).
#[test]
fn spec1_excluded_profiles_depend_on_locked_for() {
    for locked_for in ["all_profiles_except_excluded_profiles", "all_profiles_except_excluded_profile"] {
        for profiles in [None, Some(Json::Null), Some(json!([]))] {
            let mut config = json!({"lock_type": "manual", "locked_for": locked_for});
            if let Some(p) = profiles {
                config["lock_excluded_profiles"] = p;
            }
            let e = check_err(&deals(), config);
            assert_eq!(e["code"], "DEPENDENT_FIELD_MISSING");
            assert_eq!(e["details"]["json_path"], at(".lock_excluded_profiles"));
            assert_eq!(e["details"]["api_name"], "lock_excluded_profiles");
            assert_eq!(e["details"]["dependee"], json!({"api_name": "locked_for", "json_path": at(".locked_for")}));
        }
    }
}

/// SPEC.md §1: an excluded profile needs an id (MANDATORY_NOT_FOUND at the reference's `id`).
#[test]
fn spec1_excluded_profile_needs_an_id() {
    let e = check_err(
        &deals(),
        json!({"lock_type": "manual", "locked_for": "all_profiles_except_excluded_profiles",
               "lock_excluded_profiles": [{"id": "1"}, {"name": "Sales"}]}),
    );
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(e["details"]["json_path"], at(".lock_excluded_profiles[1].id"));
}

// ---------------------------------------------------------------- limits

fn assert_limit(e: &Json, path: &str, limit: u64) {
    assert_eq!(e["code"], "LIMIT_EXCEEDED", "{e}");
    assert_eq!(e["details"]["json_path"], path);
    assert_eq!(e["details"]["limit"], limit);
    assert_eq!(e["details"]["available_limit"], 0);
}

/// SPEC.md §1: at most 5 locking rules (6 is LIMIT_EXCEEDED with limit and available_limit).
#[test]
fn spec1_limit_of_five_rules() {
    assert!(check(&deals(), automatic(rules(5))).is_ok());
    let e = check_err(&deals(), automatic(rules(6)));
    assert_limit(&e, &at(".locking_rules"), 5);
    assert_eq!(e["details"]["api_name"], "locking_rules");
}

/// SPEC.md §1: at most 15 excluded fields (16 is LIMIT_EXCEEDED).
#[test]
fn spec1_limit_of_fifteen_excluded_fields() {
    let leads = module("Leads");
    assert!(check(&leads, json!({"lock_type": "manual", "excluded_fields": lead_fields(15)})).is_ok());
    let e = check_err(&leads, json!({"lock_type": "manual", "excluded_fields": lead_fields(16)}));
    assert_limit(&e, &at(".excluded_fields"), 15);
    assert_eq!(e["details"]["api_name"], "excluded_fields");
}

/// SPEC.md §1: at most 15 excluded profiles (16 is LIMIT_EXCEEDED).
#[test]
fn spec1_limit_of_fifteen_excluded_profiles() {
    let config = |n| {
        json!({"lock_type": "manual", "locked_for": "all_profiles_except_excluded_profiles",
               "lock_excluded_profiles": refs(n)})
    };
    assert!(check(&deals(), config(15)).is_ok());
    let e = check_err(&deals(), config(16));
    assert_limit(&e, &at(".lock_excluded_profiles"), 15);
    assert_eq!(e["details"]["api_name"], "lock_excluded_profiles");
}

/// SPEC.md §1: at most 30 restricted custom buttons (31 is LIMIT_EXCEEDED).
#[test]
fn spec1_limit_of_thirty_custom_buttons() {
    let config = |n| json!({"lock_type": "manual", "restricted_custom_buttons": refs(n)});
    assert!(check(&deals(), config(30)).is_ok());
    let e = check_err(&deals(), config(31));
    assert_limit(&e, &at(".restricted_custom_buttons"), 30);
    assert_eq!(e["details"]["api_name"], "restricted_custom_buttons");
}

/// SPEC.md §1: the limits are defaults of a `Limits` value the embedder may change.
#[test]
fn spec1_limits_are_configurable() {
    let strict = Limits { rules: 2, custom_buttons: 1, ..Limits::default() };
    let e = validate(&body(automatic(rules(3))), &deals(), &strict).unwrap_err();
    assert_eq!(e.code(), ErrorCode::LimitExceeded);
    assert_eq!(e.details().limit, Some(2));
    let e = validate(&body(json!({"lock_type": "manual", "restricted_custom_buttons": refs(2)})), &deals(), &strict)
        .unwrap_err();
    assert_eq!(e.details().limit, Some(1));
    let roomy = Limits { rules: 6, ..Limits::default() };
    assert!(validate(&body(automatic(rules(6))), &deals(), &roomy).is_ok());
}

// ---------------------------------------------------------------- duplicates

/// SPEC.md §1: rule names are unique (DUPLICATE_DATA at the later rule's `name`).
#[test]
fn spec1_rule_names_are_unique() {
    let e = check_err(
        &deals(),
        automatic(json!([
            stage_rule("Won", "Closed Won"),
            stage_rule("Lost", "Closed Lost"),
            stage_rule("Won", "Qualification")
        ])),
    );
    assert_eq!(e["code"], "DUPLICATE_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[2].name"));
    assert_eq!(e["details"]["api_name"], "name");
}

/// SPEC.md §1: rule criteria are unique (DUPLICATE_DATA at the later rule's `criteria`),
/// compared after canonicalisation (group operator case, `"type": "value"`).
#[test]
fn spec1_rule_criteria_are_unique() {
    let e = check_err(&deals(), automatic(json!([stage_rule("A", "Closed Won"), stage_rule("B", "Closed Won")])));
    assert_eq!(e["code"], "DUPLICATE_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[1].criteria"));
    assert_eq!(e["details"]["api_name"], "criteria");

    let grouped = |op: &str, typed: bool| {
        let mut l = leaf("Amount", "greater_than", json!(10));
        if typed {
            l["type"] = json!("value");
        }
        json!({"group_operator": op, "group": [leaf("Stage", "equal", json!("Closed Won")), l]})
    };
    let e = check_err(&deals(), automatic(json!([rule("A", grouped("AND", false)), rule("B", grouped("and", true))])));
    assert_eq!(e["code"], "DUPLICATE_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[1].criteria"));
}

// ---------------------------------------------------------------- INVALID_DATA

/// SPEC.md §1: unknown keys are rejected (INVALID_DATA with the path), at every level.
#[test]
fn spec1_unknown_keys_are_rejected() {
    let e = check_err(&deals(), json!({"lock_type": "manual", "lock_typo": "x"}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".lock_typo"));
    assert_eq!(e["details"]["api_name"], "lock_typo");
    assert!(e["details"]["supported_values"].as_array().unwrap().contains(&json!("lock_type")));

    let e = err_json(
        &validate(
            &json!({"record_locking_configurations": [{"lock_type": "manual"}], "extra": 1}),
            &deals(),
            &Limits::default(),
        )
        .unwrap_err(),
    );
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], "$.extra");

    let mut r = won();
    r["lock_existing"] = json!(true);
    let e = check_err(&deals(), automatic(json!([r])));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].lock_existing"));

    let e =
        check_err(&deals(), json!({"lock_type": "manual", "excluded_fields": [{"api_name": "Amount", "label": "x"}]}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[0].label"));

    let e = check_err(
        &deals(),
        json!({"lock_type": "manual", "restricted_custom_buttons": [{"id": "1", "colour": "red"}]}),
    );
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".restricted_custom_buttons[0].colour"));
}

fn assert_enum_error(config: Json, path: &str, api_name: &str, supported: &[&str]) {
    let e = check_err(&deals(), config);
    assert_eq!(e["code"], "INVALID_DATA", "{e}");
    assert_eq!(e["details"]["json_path"], path);
    assert_eq!(e["details"]["api_name"], api_name);
    assert_eq!(e["details"]["supported_values"], json!(supported));
}

/// SPEC.md §1: an unknown value of every enumerated key is INVALID_DATA with
/// `supported_values` (the canonical spellings).
#[test]
fn spec1_unknown_enum_values_are_invalid_data() {
    assert_enum_error(
        json!({"lock_type": "sometimes"}),
        &at(".lock_type"),
        "lock_type",
        &["manual", "automatic", "both"],
    );
    assert_enum_error(json!({"lock_type": 1}), &at(".lock_type"), "lock_type", &["manual", "automatic", "both"]);
    assert_enum_error(
        json!({"lock_type": "manual", "locked_for": "nobody"}),
        &at(".locked_for"),
        "locked_for",
        &["all_profiles", "all_profiles_except_excluded_profiles"],
    );
    assert_enum_error(
        json!({"lock_type": "manual", "restricted_actions": ["delete", "fly"]}),
        &at(".restricted_actions[1]"),
        "restricted_actions",
        &["update", "delete", "tags", "change_owner", "convert"],
    );
    assert_enum_error(
        json!({"lock_type": "manual", "restricted_communications": ["send_fax"]}),
        &at(".restricted_communications[0]"),
        "restricted_communications",
        &["send_mail", "send_survery", "send_portal_invitation"],
    );
    assert_enum_error(
        json!({"lock_type": "manual", "feature_type": "workflow"}),
        &at(".feature_type"),
        "feature_type",
        &["record_locking"],
    );
}

/// SPEC.md §1: feature_type `record_locking` is accepted; anything else is INVALID_DATA.
#[test]
fn spec1_feature_type() {
    let out = check(&deals(), json!({"lock_type": "manual", "feature_type": "record_locking"})).unwrap();
    assert_eq!(out["feature_type"], "record_locking");
    let e = check_err(&deals(), json!({"lock_type": "manual", "feature_type": 5}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".feature_type"));
}

/// SPEC.md §1: booleans must be booleans (INVALID_DATA at the key).
#[test]
fn spec1_boolean_keys_must_be_booleans() {
    let e = check_err(&deals(), json!({"lock_type": "manual", "lock_for_portal_users": "yes"}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".lock_for_portal_users"));
    let mut r = won();
    r["lock_existing_records"] = json!("true");
    let e = check_err(&deals(), automatic(json!([r])));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].lock_existing_records"));
}

/// SPEC.md §1: an excluded field the schema does not have is INVALID_DATA.
#[test]
fn spec1_unknown_excluded_field_is_invalid_data() {
    let e = check_err(
        &deals(),
        json!({"lock_type": "manual", "excluded_fields": [{"api_name": "Amount"}, {"api_name": "No_Such_Field"}]}),
    );
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[1].api_name"));
    assert_eq!(e["details"]["api_name"], "No_Such_Field");
}

/// SPEC.md §1: a rule's `_delete` belongs in an update request, not in a complete
/// configuration (INVALID_DATA).
#[test]
fn spec1_delete_marker_is_not_part_of_a_complete_configuration() {
    let mut r = won();
    r["_delete"] = json!(true);
    let e = check_err(&deals(), automatic(json!([r])));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0]._delete"));
}

/// SPEC.md §1: a rule needs a name and criteria (MANDATORY_NOT_FOUND).
#[test]
fn spec1_rule_name_and_criteria_are_mandatory() {
    let e = check_err(&deals(), automatic(json!([{"criteria": leaf("Stage", "equal", json!("Closed Won"))}])));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].name"));
    let e = check_err(&deals(), automatic(json!([{"name": "No criteria"}])));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria"));
}

/// SPEC.md §1 (Limits): a rule name is at most 256 characters (LIMIT_EXCEEDED at its `name`).
#[test]
fn spec1_rule_name_length_limit() {
    let long = "é".repeat(256);
    assert!(check(&deals(), automatic(json!([stage_rule(&long, "Closed Won")]))).is_ok());
    let e = check_err(&deals(), automatic(json!([stage_rule(&format!("{long}x"), "Closed Won")])));
    assert_eq!(e["code"], "LIMIT_EXCEEDED");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].name"));
    assert_eq!(e["details"]["limit"], 256);
    let e = check_err(&deals(), automatic(json!([stage_rule("  ", "Closed Won")])));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
}

/// SPEC.md §1: the body holds exactly one configuration object.
#[test]
fn spec1_body_holds_exactly_one_configuration() {
    let v = |b: Json| err_json(&validate(&b, &deals(), &Limits::default()).unwrap_err());
    let e = v(json!({}));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(e["details"]["json_path"], "$.record_locking_configurations");
    let e = v(json!({"record_locking_configurations": []}));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    let e = v(json!({"record_locking_configurations": [{"lock_type": "manual"}, {"lock_type": "manual"}]}));
    assert_eq!(e["code"], "LIMIT_EXCEEDED");
    assert_eq!(e["details"]["limit"], 1);
    let e = v(json!({"record_locking_configurations": ["manual"]}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], P);
    let e = v(json!([{"lock_type": "manual"}]));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], "$");
}

// ---------------------------------------------------------------- modules

/// SPEC.md §1: a known standard module outside the supported list is NOT_SUPPORTED, even with
/// a schema.
#[test]
fn spec1_calls_is_not_supported() {
    for name in ["Calls", "Meetings", "Campaigns"] {
        let e = Module::resolve(name, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotSupported, "{name}");
        assert_eq!(e.json_path(), "$");
        assert_eq!(e.api_name(), Some("module"));
        let e = Module::resolve(name, Some(custom_schema())).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotSupported, "{name} with a schema");
    }
    assert!(UNSUPPORTED_STANDARD_MODULES.contains(&"Calls"));
}

/// SPEC.md §1: a name that is neither standard nor given a schema is INVALID_MODULE (with the
/// supported modules as `supported_values`); given a schema it is a custom module.
#[test]
fn spec1_unknown_module_is_invalid_module() {
    let e = Module::resolve("Widgets__c", None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidModule);
    let j = err_json(&e);
    assert_eq!(j["code"], "INVALID_MODULE");
    assert_eq!(j["details"]["json_path"], "$");
    assert_eq!(j["details"]["api_name"], "module");
    assert_eq!(j["details"]["supported_values"], json!(BUILTIN_MODULES));
    let w = widgets();
    assert_eq!(w.name(), "Widgets__c");
    assert!(w.schema().slot("Score").is_some());
}

/// SPEC.md §1: every supported standard module resolves with its built-in schema.
#[test]
fn spec1_supported_standard_modules_resolve() {
    for name in [
        "Leads",
        "Accounts",
        "Contacts",
        "Deals",
        "Tasks",
        "Cases",
        "Solutions",
        "Vendors",
        "Price_Books",
        "Quotes",
        "Sales_Orders",
        "Purchase_Orders",
        "Invoices",
        "Products",
    ] {
        let m = Module::resolve(name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!m.schema().is_empty(), "{name}");
        assert!(check(&m, json!({"lock_type": "manual"})).is_ok(), "{name}");
    }
}

/// SPEC.md §1: a schema given for a standard module replaces the built-in one.
#[test]
fn spec1_given_schema_replaces_builtin() {
    let m = Module::resolve("Deals", Some(custom_schema())).unwrap();
    assert!(m.schema().slot("Stage").is_none());
    assert!(check(&m, automatic(json!([rule("S", leaf("Score", "greater_than", json!(3)))]))).is_ok());
    let e = check_err(&m, automatic(json!([won()])));
    assert_eq!(e["code"], "INVALID_DATA");
}

/// SPEC.md §1: Tasks accept only the rule `Status equal Closed`; any other rule is
/// NOT_SUPPORTED at its criteria.
#[test]
fn spec1_tasks_accept_only_status_equal_closed() {
    let tasks = module("Tasks");
    assert!(check(&tasks, automatic(json!([rule("Closed", leaf("Status", "equal", json!("Closed")))]))).is_ok());
    for (i, criteria) in [
        leaf("Status", "equal", json!("Completed")),
        leaf("Status", "not_equal", json!("Closed")),
        leaf("Status", "in", json!(["Closed"])),
        leaf("Subject", "equal", json!("Closed")),
        leaf("Priority", "equal", json!("High")),
        json!({"group_operator": "OR", "group": [
            leaf("Status", "equal", json!("Closed")), leaf("Priority", "equal", json!("High"))]}),
    ]
    .into_iter()
    .enumerate()
    {
        let e = check_err(&tasks, automatic(json!([rule("R", criteria)])));
        assert_eq!(e["code"], "NOT_SUPPORTED", "case {i}: {e}");
        assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria"), "case {i}");
    }
    // A second rule must be `Status equal Closed` too (and then it duplicates the first).
    let e = check_err(
        &tasks,
        automatic(json!([
            rule("A", leaf("Status", "equal", json!("Closed"))),
            rule("B", leaf("Status", "equal", json!("Deferred")))
        ])),
    );
    assert_eq!(e["code"], "NOT_SUPPORTED");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[1].criteria"));
    // Manual configurations on Tasks need no rule.
    assert!(check(&tasks, json!({"lock_type": "manual"})).is_ok());
}

/// SPEC.md §1 (judgement call, library behaviour): on Tasks, `Status equal Closed` is
/// recognised through case-insensitive option names and a one-leaf group.
#[test]
fn spec1_tasks_status_closed_variants_accepted() {
    let tasks = module("Tasks");
    assert!(check(&tasks, automatic(json!([rule("C", leaf("Status", "equal", json!("closed")))]))).is_ok());
    let single = json!({"group_operator": "AND", "group": [leaf("Status", "equal", json!("Closed"))]});
    assert!(check(&tasks, automatic(json!([rule("C", single)]))).is_ok());
}

// ---------------------------------------------------------------- field references (§1 + §2)

/// SPEC.md §1/§2: a criteria field named by neither api_name nor id is EXPECTED_FIELD_MISSING.
#[test]
fn spec1_criteria_field_missing() {
    for field in [json!({}), json!(null), json!({"api_name": "", "id": null})] {
        let criteria = json!({"field": field, "comparator": "equal", "value": 1});
        let e = check_err(&widgets(), automatic(json!([rule("R", criteria)])));
        assert_eq!(e["code"], "EXPECTED_FIELD_MISSING", "{e}");
        assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.field"));
    }
}

/// SPEC.md §1/§2: api_name and id naming different fields is AMBIGUITY_DURING_PROCESSING;
/// nested paths name the group item.
#[test]
fn spec1_criteria_field_ambiguity() {
    let bad = json!({"field": {"api_name": "Score", "id": "103"}, "comparator": "equal", "value": 1});
    let criteria = json!({"group_operator": "OR", "group": [leaf("Score", "equal", json!(2)), bad]});
    let e = check_err(&widgets(), automatic(json!([rule("A", leaf("Score", "equal", json!(1))), rule("B", criteria)])));
    assert_eq!(e["code"], "AMBIGUITY_DURING_PROCESSING");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[1].criteria.group[1].field"));
}

/// SPEC.md §1/§2: when only one of api_name and id names a field, that one is used; neither in
/// the schema is INVALID_DATA.
#[test]
fn spec1_criteria_field_resolution() {
    let by = |field: Json| {
        let criteria = json!({"field": field, "comparator": "greater_than", "value": 1});
        check(&widgets(), automatic(json!([rule("R", criteria)])))
    };
    assert!(by(json!({"id": "101"})).is_ok());
    assert!(by(json!({"id": 101})).is_ok());
    assert!(by(json!({"api_name": "Score", "id": "999"})).is_ok());
    assert!(by(json!({"api_name": "Nope", "id": "101"})).is_ok());
    let e = err_json(&by(json!({"api_name": "Nope", "id": "999"})).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.field.api_name"));
    let e = err_json(&by(json!({"id": "999"})).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.field.id"));
    // Built-in schemas carry no ids: an unknown id beside a valid api_name is fine.
    let criteria = json!({"field": {"api_name": "Stage", "id": "5843104000000002565"}, "comparator": "equal", "value": "Closed Won"});
    assert!(check(&deals(), automatic(json!([rule("R", criteria)]))).is_ok());
}

/// SPEC.md §1: excluded_fields are resolved like every field reference (EXPECTED_FIELD_MISSING,
/// AMBIGUITY_DURING_PROCESSING, INVALID_DATA; one valid name or id is used).
#[test]
fn spec1_excluded_field_resolution() {
    let ex = |fields: Json| check(&widgets(), json!({"lock_type": "manual", "excluded_fields": fields}));
    let e = err_json(&ex(json!([{"api_name": "Score"}, {}])).unwrap_err());
    assert_eq!(e["code"], "EXPECTED_FIELD_MISSING");
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[1]"));
    let e = err_json(&ex(json!([{"api_name": "Score", "id": "103"}])).unwrap_err());
    assert_eq!(e["code"], "AMBIGUITY_DURING_PROCESSING");
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[0]"));
    let e = err_json(&ex(json!([{"api_name": "Nope", "id": "999"}])).unwrap_err());
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[0].api_name"));
    let out = ex(json!([{"id": "103"}, {"api_name": "Title__c", "id": "999"}, {"id": 101}])).unwrap();
    assert_eq!(
        out["excluded_fields"],
        json!([{"api_name": "Notes__c", "id": "103"}, {"api_name": "Title__c", "id": "999"}, {"api_name": "Score", "id": "101"}])
    );
}

// ---------------------------------------------------------------- validation order

/// SPEC.md §1 validation order: a bad enumerated value is reported before a bad rule.
#[test]
fn spec1_order_enum_before_rule() {
    let bad_rule = rule("R", leaf("No_Such_Field", "equal", json!(1)));
    let e = check_err(
        &deals(),
        json!({"lock_type": "automatic", "restricted_actions": ["fly"], "locking_rules": [bad_rule]}),
    );
    assert_eq!(e["details"]["json_path"], at(".restricted_actions[0]"));
    let e = check_err(&deals(), json!({"lock_type": "automatic", "locked_for": "x", "locking_rules": [bad_rule]}));
    assert_eq!(e["details"]["json_path"], at(".locked_for"));
}

/// SPEC.md §1 validation order: body keys first, then lock_type, then the other enumerated
/// values, then limits, then rules.
#[test]
fn spec1_order_keys_enums_limits_rules() {
    // An unknown key beats a missing lock_type.
    let e = check_err(&deals(), json!({"typo": 1, "locked_for": "x"}));
    assert_eq!(e["details"]["json_path"], at(".typo"));
    // A missing lock_type beats a bad locked_for.
    let e = check_err(&deals(), json!({"locked_for": "x"}));
    assert_eq!(e["code"], "MANDATORY_NOT_FOUND");
    // A limit beats the rules' contents.
    let mut six = rules(6);
    six[0] = rule("Bad", leaf("No_Such_Field", "equal", json!(1)));
    let e = check_err(&deals(), automatic(six));
    assert_eq!(e["code"], "LIMIT_EXCEEDED");
    // An enumerated value beats a limit.
    let e = check_err(
        &deals(),
        json!({"lock_type": "automatic", "restricted_communications": ["x"], "locking_rules": rules(6)}),
    );
    assert_eq!(e["details"]["json_path"], at(".restricted_communications[0]"));
}

/// SPEC.md §1 validation order: rules in order, and within a rule its structure before its
/// leaves' fields, fields before comparators, comparators before values.
#[test]
fn spec1_order_within_and_between_rules() {
    let e = check_err(
        &deals(),
        automatic(json!([
            won(),
            rule("B", leaf("Nope", "equal", json!(1))),
            rule("C", json!({"group_operator": "XOR", "group": [leaf("Amount", "equal", json!(1))]}))
        ])),
    );
    assert_eq!(e["details"]["json_path"], at(".locking_rules[1].criteria.field.api_name"));
    // Structure (a bad operator in a later group item) before the first leaf's field.
    let criteria = json!({"group_operator": "AND", "group": [
        leaf("Nope", "equal", json!(1)),
        {"group_operator": "XOR", "group": [leaf("Amount", "equal", json!(1))]}]});
    let e = check_err(&deals(), automatic(json!([rule("R", criteria)])));
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.group[1].group_operator"));
    // Field before comparator, comparator before value.
    let e = check_err(&deals(), automatic(json!([rule("R", leaf("Nope", "sounds_like", json!({})))])));
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.field.api_name"));
    let e = check_err(&deals(), automatic(json!([rule("R", leaf("Amount", "sounds_like", json!("x")))])));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.comparator"));
    assert!(e["details"]["supported_values"].as_array().unwrap().contains(&json!("between")));
    let e = check_err(&deals(), automatic(json!([rule("R", leaf("Amount", "greater_than", json!("lots")))])));
    assert_eq!(e["details"]["json_path"], at(".locking_rules[0].criteria.value"));
}

/// SPEC.md §1 validation order (library's placement, which SPEC.md leaves open): excluded
/// fields are resolved before the rules, and duplicates are checked after every rule.
#[test]
fn spec1_order_excluded_fields_and_duplicates() {
    let e = check_err(
        &deals(),
        json!({"lock_type": "automatic", "excluded_fields": [{"api_name": "Nope"}],
               "locking_rules": [rule("R", leaf("Nope2", "equal", json!(1)))]}),
    );
    assert_eq!(e["details"]["json_path"], at(".excluded_fields[0].api_name"));
    let e = check_err(
        &deals(),
        automatic(json!([won(), stage_rule("Closed Won", "Closed Lost"), rule("R", leaf("Nope", "equal", json!(1)))])),
    );
    assert_eq!(e["details"]["json_path"], at(".locking_rules[2].criteria.field.api_name"));
}

// ---------------------------------------------------------------- normalisation

/// SPEC.md §1 normalisation: defaults filled in (locked_for all_profiles,
/// lock_existing_records false, lock_for_portal_users true, feature_type, system_defined
/// false), `update` always restricted, canonical spellings.
#[test]
fn spec1_normalised_defaults() {
    let out = check(&deals(), automatic(json!([won()]))).unwrap();
    assert_eq!(
        out,
        json!({
            "lock_type": "automatic",
            "locking_rules": [{"name": "Closed Won", "lock_existing_records": false,
                "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}],
            "locked_for": "all_profiles",
            "lock_excluded_profiles": null,
            "excluded_fields": null,
            "restricted_actions": ["update"],
            "restricted_communications": null,
            "restricted_custom_buttons": null,
            "lock_for_portal_users": true,
            "feature_type": "record_locking",
            "system_defined": false
        })
    );
}

/// SPEC.md §1: `update` is always restricted: added when missing; null means ["update"].
#[test]
fn spec1_update_is_always_restricted() {
    let ra = |v: Json| {
        check(&deals(), json!({"lock_type": "manual", "restricted_actions": v})).unwrap()["restricted_actions"].clone()
    };
    assert_eq!(ra(Json::Null), json!(["update"]));
    assert_eq!(ra(json!([])), json!(["update"]));
    assert_eq!(ra(json!(["delete"])), json!(["update", "delete"]));
    assert_eq!(
        ra(json!(["convert", "tags", "update", "delete", "change_owner", "tags"])),
        json!(["update", "delete", "tags", "change_owner", "convert"])
    );
    let out = check(&deals(), json!({"lock_type": "manual"})).unwrap();
    assert_eq!(out["restricted_actions"], json!(["update"]));
}

/// SPEC.md §1: the singular spelling `all_profiles_except_excluded_profile` is accepted and
/// written plural.
#[test]
fn spec1_locked_for_singular_written_plural() {
    let out = check(
        &deals(),
        json!({"lock_type": "manual", "locked_for": "all_profiles_except_excluded_profile",
               "lock_excluded_profiles": [{"id": "1", "name": "Administrator"}]}),
    )
    .unwrap();
    assert_eq!(out["locked_for"], "all_profiles_except_excluded_profiles");
    assert_eq!(out["lock_excluded_profiles"], json!([{"id": "1", "name": "Administrator"}]));
}

/// SPEC.md §1: `send_survey` is accepted as an alias and written `send_survery`.
#[test]
fn spec1_send_survey_alias_written_send_survery() {
    let out = check(
        &deals(),
        json!({"lock_type": "manual", "restricted_communications": ["send_survey", "send_mail", "send_survery"]}),
    )
    .unwrap();
    assert_eq!(out["restricted_communications"], json!(["send_mail", "send_survery"]));
    let out = check(&deals(), json!({"lock_type": "manual", "restricted_communications": null})).unwrap();
    assert_eq!(out["restricted_communications"], Json::Null);
}

/// SPEC.md §1: numeric ids may arrive as JSON numbers larger than 2^53 and are kept exact, as
/// strings.
#[test]
fn spec1_big_numeric_ids_kept_exact() {
    let b = parse(
        r#"{"record_locking_configurations": [{
            "id": 5843104000001068052,
            "lock_type": "both",
            "locked_for": "all_profiles_except_excluded_profiles",
            "lock_excluded_profiles": [{"id": 5843104000000026011, "name": "Administrator"}],
            "restricted_custom_buttons": [{"id": 9007199254740993}],
            "created_by": {"id": 123456789012345678901234567890, "name": "Ada"},
            "locking_rules": [{"id": 5843104000001068053, "name": "Won",
                "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]}"#,
    );
    let out = validate(&b, &deals(), &Limits::default()).unwrap().config().to_json();
    assert_eq!(out["id"], "5843104000001068052");
    assert_eq!(out["lock_excluded_profiles"][0]["id"], "5843104000000026011");
    assert_eq!(out["restricted_custom_buttons"], json!([{"id": "9007199254740993"}]));
    assert_eq!(out["created_by"], json!({"id": "123456789012345678901234567890", "name": "Ada"}));
    assert_eq!(out["locking_rules"][0]["id"], "5843104000001068053");
    // Non-integral numbers are not ids.
    let e = check_err(&deals(), json!({"lock_type": "manual", "restricted_custom_buttons": [{"id": 1.5}]}));
    assert_eq!(e["code"], "INVALID_DATA");
    assert_eq!(e["details"]["json_path"], at(".restricted_custom_buttons[0].id"));
}

/// SPEC.md §1: read-only keys (id, audit fields, system_defined) are accepted in any body; a
/// GET response validates and keeps them.
#[test]
fn spec1_read_only_keys_accepted() {
    let get = json!({
        "id": "5843104000001068052",
        "lock_type": "automatic",
        "locking_rules": [{"id": "5843104000001068053", "name": "Won", "lock_existing_records": true,
            "criteria": {"field": {"api_name": "Stage", "id": "5843104000000002565"}, "comparator": "equal",
                         "value": "Closed Won", "type": "value"}}],
        "system_defined": false,
        "feature_type": "record_locking",
        "created_time": "2024-01-01T10:00:00+05:30",
        "modified_time": "2024-01-02T10:00:00+05:30",
        "created_by": {"id": "1", "name": "Admin"},
        "modified_by": {"id": "2", "name": "Ops"}
    });
    let out = check(&deals(), get).unwrap();
    assert_eq!(out["id"], "5843104000001068052");
    assert_eq!(out["created_time"], "2024-01-01T10:00:00+05:30");
    assert_eq!(out["modified_time"], "2024-01-02T10:00:00+05:30");
    assert_eq!(out["created_by"], json!({"id": "1", "name": "Admin"}));
    assert_eq!(out["modified_by"], json!({"id": "2", "name": "Ops"}));
    assert_eq!(out["system_defined"], false);
    assert_eq!(out["locking_rules"][0]["lock_existing_records"], true);
    let out = check(&deals(), json!({"lock_type": "manual", "system_defined": true})).unwrap();
    assert_eq!(out["system_defined"], true);
}

/// SPEC.md §1: normalisation is idempotent: validating the normalised body gives it back.
#[test]
fn spec1_normalisation_is_idempotent() {
    let bodies = [
        automatic(json!([won()])),
        json!({"lock_type": "manual"}),
        json!({
            "id": 5843104000001068052u64,
            "lock_type": "both",
            "locked_for": "all_profiles_except_excluded_profile",
            "lock_excluded_profiles": [{"id": 5843104000000026011u64}],
            "excluded_fields": [{"api_name": "Description"}, {"api_name": "Description"}],
            "restricted_actions": ["tags", "delete"],
            "restricted_communications": ["send_survey"],
            "restricted_custom_buttons": [{"id": "77", "name": "Approve"}],
            "lock_for_portal_users": false,
            "locking_rules": [
                {"name": "A", "lock_existing_records": true, "criteria": {"group_operator": "or", "group": [
                    leaf("Stage", "in", json!(["Closed Won", "Closed Lost"])),
                    leaf("Amount", "between", json!({"0": 1, "1": 2}))]}},
                stage_rule("B", "Qualification")]
        }),
    ];
    for b in bodies {
        let v1 = validate(&body(b), &deals(), &Limits::default()).unwrap();
        let normal = v1.config().to_body();
        let v2 = validate(&normal, &deals(), &Limits::default()).unwrap();
        assert_eq!(v2.config(), v1.config());
        assert_eq!(v2.config().to_body(), normal);
    }
}

/// SPEC.md §1: duplicate excluded fields collapse to one (library behaviour).
#[test]
fn spec1_excluded_fields_deduplicated() {
    let out = check(
        &deals(),
        json!({"lock_type": "manual", "excluded_fields": [{"api_name": "Description"}, {"api_name": "Description"}]}),
    )
    .unwrap();
    assert_eq!(out["excluded_fields"], json!([{"api_name": "Description"}]));
}

/// SPEC.md §1, review findings: duplicate criteria are found by meaning, not spelling; the
/// Tasks restriction holds whatever the module name's case; Node.js SDK arrays are written
/// back as arrays.
#[test]
fn spec1_review_duplicates_by_meaning_tasks_case_and_sdk_arrays() {
    use recordlock::config::validate::validate;
    use recordlock::{Limits, Module};
    let deals = Module::resolve("Deals", None).unwrap();
    let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "a", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
        {"name": "b", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "closed won"}}]}]});
    let err = validate(&body, &deals, &Limits::default()).unwrap_err();
    assert_eq!(err.code().as_str(), "DUPLICATE_DATA");
    assert_eq!(err.json_path(), "$.record_locking_configurations[0].locking_rules[1].criteria");
    let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "a", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}},
        {"name": "b", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "1000.00"}}]}]});
    assert_eq!(validate(&body, &deals, &Limits::default()).unwrap_err().code().as_str(), "DUPLICATE_DATA");

    let tasks = Module::resolve("tasks", None).unwrap();
    let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "a", "criteria": {"field": {"api_name": "Status"}, "comparator": "equal", "value": "Completed"}}]}]});
    assert_eq!(validate(&body, &tasks, &Limits::default()).unwrap_err().code().as_str(), "NOT_SUPPORTED");

    let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "a", "criteria": {"field": {"api_name": "Amount"}, "comparator": "between", "value": {"1": 5, "0": 1}}}]}]});
    let valid = validate(&body, &deals, &Limits::default()).unwrap();
    assert_eq!(valid.config().to_json()["locking_rules"][0]["criteria"]["value"], serde_json::json!([1, 5]));
}
