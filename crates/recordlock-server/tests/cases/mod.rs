//! Every endpoint over HTTP: statuses, Zoho's bodies and errors, scopes, isolation between
//! organisations, persistence across a restart (SPEC.md §1, §3, §4; ZOHO-NOTES §1, §2).
//!
//! Each case takes a fresh store; `tests/api.rs` runs them all on SQLite and
//! `tests/api_postgres.rs` on PostgreSQL: the two back ends give the same answers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, reason = "tests")]

use serde_json::{Value as Json, json};

use crate::support::{ALL_SCOPES, CONFIGS, Client, Server, TestStore, both_config, token};

/// Generates one `#[tokio::test]` per case on stores of `$kind`.
#[macro_export]
macro_rules! api_cases {
    ($kind:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                if let Some(store) = support::TestStore::new($kind, stringify!($name)) {
                    cases::$name(store).await;
                }
            }
        )*
    };
}

/// Every case, on stores of `$kind`.
#[macro_export]
macro_rules! all_api_cases {
    ($kind:expr) => {
        api_cases!($kind;
            configuration_lifecycle, configuration_errors, tokens_and_scopes, organisations_are_isolated,
            manual_locks, manual_locks_need_manual_lock_type, automatic_locks_on_the_write_path,
            decide_json_lines, field_metadata, health_openapi_and_request_ids, state_survives_a_restart,
            a_failed_write_changes_nothing, slow_clients_are_cut_off, decide_json_lines_use_stored_locks_in_batches,
            decisions_see_every_lock_write, decide_json_lines_at_once_answer_as_alone,
        );
    };
}

struct Fixture {
    store: TestStore,
    server: Server,
    admin: Client,
}

impl Fixture {
    async fn new(store: TestStore) -> Fixture {
        let t = token(&store.location, "org1", "100", "300", true, true, ALL_SCOPES);
        let server = Server::start(&store.location).await;
        let admin = Client::new(&server, Some(&t));
        Fixture { store, server, admin }
    }

    fn client(&self, org: &str, lock: bool, unlock: bool, scopes: &str) -> Client {
        Client::new(&self.server, Some(&token(&self.store.location, org, "200", "301", lock, unlock, scopes)))
    }

    /// Creates the Deals configuration; returns (configuration id, rule id).
    async fn create(&self, body: &Json) -> (String, String) {
        let created = self.admin.post(&format!("{CONFIGS}?module=Deals"), body).await.expect(201);
        let id = created["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
        let got = self.admin.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
        let rule = got["record_locking_configurations"][0]["locking_rules"][0]["id"].as_str().unwrap_or("").to_owned();
        (id, rule)
    }
}

const LOCKS: &str = "/crm/v8/Deals/5843104000000424001/Locking_Information__s";

/// SPEC.md §1 store semantics: GET 204, POST 201, one per module, GET by id, PUT (path and
/// body id, rule add and `_delete`), DELETE; ids as strings, Zoho's messages.
pub async fn configuration_lifecycle(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    a.get(&format!("{CONFIGS}?module=Deals")).await.expect(204);
    // The SDK's trailing `&` and a body without Content-Type.
    let created = a.post(&format!("{CONFIGS}?module=Deals&"), &both_config()).await.expect(201);
    let item = &created["record_locking_configurations"][0];
    assert_eq!(item["code"], "SUCCESS");
    assert_eq!(item["message"], "record locking configuration created successfully");
    let id = item["details"]["id"].as_str().unwrap().to_owned();
    assert!(id.bytes().all(|b| b.is_ascii_digit()) && id.len() == 19);

    let again = a.post(&format!("{CONFIGS}?module=Deals"), &both_config()).await;
    let err = again.item_error(400, "record_locking_configurations", "LIMIT_EXCEEDED");
    assert_eq!(err["details"]["json_path"], "$.record_locking_configurations[0]");

    let got = a.get(&format!("{CONFIGS}?module=deals")).await.expect(200);
    let config = &got["record_locking_configurations"][0];
    assert_eq!(config["id"], id);
    assert_eq!(config["lock_for_portal_users"], json!(true));
    assert_eq!(config["restricted_actions"], json!(["update", "delete"]));
    let rule_id = config["locking_rules"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(a.get(&format!("{CONFIGS}/{id}?module=Deals")).await.expect(200), got);
    a.get(&format!("{CONFIGS}/1?module=Deals")).await.error(400, "INVALID_DATA");
    a.get(&format!("{CONFIGS}?module=Deals&feature_type=record_locking")).await.expect(200);
    a.get(&format!("{CONFIGS}?module=Deals&feature_type=other")).await.error(400, "INVALID_DATA");

    // PUT by path id: add a rule.
    let add = json!({"record_locking_configurations": [{"locking_rules": [{"name": "Big", "criteria":
        {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 100000}}]}]});
    let updated = a.put(&format!("{CONFIGS}/{id}?module=Deals"), &add).await.expect(200);
    assert_eq!(
        updated["record_locking_configurations"][0]["message"],
        "record locking configuration updated successfully"
    );
    let got = a.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
    assert_eq!(got["record_locking_configurations"][0]["locking_rules"].as_array().unwrap().len(), 2);

    // PUT on the collection with the id in the body: delete the first rule.
    let del =
        json!({"record_locking_configurations": [{"id": id, "locking_rules": [{"id": rule_id, "_delete": true}]}]});
    a.put(&format!("{CONFIGS}?module=Deals"), &del).await.expect(200);
    let got = a.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
    let rules = got["record_locking_configurations"][0]["locking_rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["name"], "Big");

    // An invalid update changes nothing and points into the request.
    let bad = json!({"record_locking_configurations": [{"locking_rules": [{"name": "Bad", "criteria":
        {"field": {"api_name": "Nope"}, "comparator": "equal", "value": 1}}]}]});
    let err = a.put(&format!("{CONFIGS}/{id}?module=Deals"), &bad).await.item_error(
        400,
        "record_locking_configurations",
        "INVALID_DATA",
    );
    assert_eq!(
        err["details"]["json_path"],
        "$.record_locking_configurations[0].locking_rules[0].criteria.field.api_name"
    );
    assert_eq!(a.get(&format!("{CONFIGS}?module=Deals")).await.expect(200), got);
    // PUT without any id: MANDATORY_NOT_FOUND.
    a.put(&format!("{CONFIGS}?module=Deals"), &json!({"record_locking_configurations": [{"lock_type": "manual"}]}))
        .await
        .item_error(400, "record_locking_configurations", "MANDATORY_NOT_FOUND");

    a.delete(&format!("{CONFIGS}/1?module=Deals")).await.error(400, "INVALID_DATA");
    let deleted = a.delete(&format!("{CONFIGS}/{id}?module=Deals")).await.expect(200);
    assert_eq!(deleted["record_locking_configurations"][0]["message"], "record locking configuration deleted");
    assert_eq!(deleted["record_locking_configurations"][0]["details"]["id"], id);
    a.get(&format!("{CONFIGS}?module=Deals")).await.expect(204);
}

/// SPEC.md §1: validation errors in the array with their JSON path; module and parameter
/// errors at the top level.
pub async fn configuration_errors(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    let err = a
        .post(&format!("{CONFIGS}?module=Deals"), &json!({"record_locking_configurations": [{"locking_rules": []}]}))
        .await
        .item_error(400, "record_locking_configurations", "MANDATORY_NOT_FOUND");
    assert_eq!(err["details"]["json_path"], "$.record_locking_configurations[0].lock_type");
    let err = a
        .post(
            &format!("{CONFIGS}?module=Deals"),
            &json!({"record_locking_configurations": [{"lock_type": "automatic"}]}),
        )
        .await
        .item_error(400, "record_locking_configurations", "DEPENDENT_FIELD_MISSING");
    assert_eq!(err["details"]["dependee"]["api_name"], "lock_type");
    let err = a.post(CONFIGS, &both_config()).await.error(400, "REQUIRED_PARAM_MISSING");
    assert_eq!(err["details"]["param_name"], "module");
    a.post(&format!("{CONFIGS}?module=Widgets"), &both_config()).await.error(400, "INVALID_MODULE");
    a.post(&format!("{CONFIGS}?module=Calls"), &both_config()).await.error(400, "NOT_SUPPORTED");
    a.get(&format!("{CONFIGS}?module=Widgets")).await.error(400, "INVALID_MODULE");
    a.send("POST", &format!("{CONFIGS}?module=Deals"), Some("{not json".into()), None).await.error(400, "INVALID_DATA");
    a.send("POST", &format!("{CONFIGS}?module=Deals"), Some(String::new()), None).await.error(400, "INVALID_DATA");
    // Nesting past serde_json's limit is an error, never a crash.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    a.send("POST", &format!("{CONFIGS}?module=Deals"), Some(deep), None).await.error(400, "LIMIT_EXCEEDED");
    // Over the body limit: 413 LIMIT_EXCEEDED.
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(2 << 20));
    a.send("POST", &format!("{CONFIGS}?module=Deals"), Some(big), Some("application/json"))
        .await
        .error(413, "LIMIT_EXCEEDED");
    // Unknown routes and methods.
    a.get("/crm/v8/nothing/here").await.error(404, "INVALID_URL_PATTERN");
    a.send("PATCH", &format!("{CONFIGS}?module=Deals"), None, None).await.error(403, "INVALID_REQUEST_METHOD");
}

/// Tokens: none, unknown, or without the endpoint's scope: 401 with Zoho's OAuth codes.
pub async fn tokens_and_scopes(store: TestStore) {
    let f = Fixture::new(store).await;
    let anonymous = Client::new(&f.server, None);
    anonymous.get(&format!("{CONFIGS}?module=Deals")).await.error(401, "AUTHENTICATION_FAILURE");
    let forged = Client::new(&f.server, Some("1000.0123456789abcdef"));
    forged.get(&format!("{CONFIGS}?module=Deals")).await.error(401, "INVALID_TOKEN");
    let bearer = forged.send("GET", &format!("{CONFIGS}?module=Deals"), None, None).await;
    assert_eq!(bearer.status, 401);

    let reader = f.client("org1", false, false, "ZohoCRM.settings.record_locking_configurations.READ");
    reader.get(&format!("{CONFIGS}?module=Deals")).await.expect(204);
    reader.post(&format!("{CONFIGS}?module=Deals"), &both_config()).await.error(401, "OAUTH_SCOPE_MISMATCH");
    reader.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.error(401, "OAUTH_SCOPE_MISMATCH");
    reader.get("/crm/v8/settings/fields?module=Locking_Information__s").await.error(401, "OAUTH_SCOPE_MISMATCH");
    let (id, _) = f.create(&both_config()).await;
    reader.delete(&format!("{CONFIGS}/{id}?module=Deals")).await.error(401, "OAUTH_SCOPE_MISMATCH");
    reader.put(&format!("{CONFIGS}/{id}?module=Deals"), &json!({})).await.error(401, "OAUTH_SCOPE_MISMATCH");
    // The scope is checked before anything else about the request.
    reader.post(CONFIGS, &json!({})).await.error(401, "OAUTH_SCOPE_MISMATCH");

    let settings = f.client("org1", false, false, "ZohoCRM.settings.ALL");
    settings.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
    settings.get("/crm/v8/settings/fields?module=Locking_Information__s").await.expect(200);
    settings.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.error(401, "OAUTH_SCOPE_MISMATCH");
    let modules = f.client("org1", true, false, "ZohoCRM.modules.ALL");
    modules.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.expect(204);
    modules
        .post(
            "/recordlock/v1/decide?module=Deals",
            &json!({"record": {}, "actor": {}, "operation": {"action": "delete"}}),
        )
        .await
        .expect(200);
}

/// Organisations see and change nothing of each other.
pub async fn organisations_are_isolated(store: TestStore) {
    let f = Fixture::new(store).await;
    let (id, _) = f.create(&both_config()).await;
    f.admin.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.expect(201);
    let other = f.client("org2", true, true, ALL_SCOPES);
    other.get(&format!("{CONFIGS}?module=Deals")).await.expect(204);
    other.get(&format!("{CONFIGS}/{id}?module=Deals")).await.error(400, "INVALID_DATA");
    other.delete(&format!("{CONFIGS}/{id}?module=Deals")).await.error(400, "INVALID_DATA");
    other
        .put(
            &format!("{CONFIGS}/{id}?module=Deals"),
            &json!({"record_locking_configurations": [{"lock_type": "manual"}]}),
        )
        .await
        .item_error(400, "record_locking_configurations", "INVALID_DATA");
    other.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.error(400, "NOT_ALLOWED");
    // org2's own configuration and lock on the same record id are its own.
    let created = other
        .post(&format!("{CONFIGS}?module=Deals"), &json!({"record_locking_configurations": [{"lock_type": "manual"}]}))
        .await
        .expect(201);
    let other_id = created["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
    assert_ne!(other_id, id);
    other.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.expect(204);
    other.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "theirs"}]})).await.expect(201);
    let mine = f.admin.get(&format!("{LOCKS}?fields=Locked_Reason__s")).await.expect(200);
    assert_eq!(mine["data"][0]["Locked_Reason__s"], "audit");
    let theirs = other.get(&format!("{LOCKS}?fields=Locked_Reason__s")).await.expect(200);
    assert_eq!(theirs["data"][0]["Locked_Reason__s"], "theirs");
    // Deleting org2's configuration leaves org1's lock alone.
    other.delete(&format!("{CONFIGS}/{other_id}?module=Deals")).await.expect(200);
    f.admin.get(&format!("{LOCKS}?fields=Locked_Reason__s")).await.expect(200);
    f.admin.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
}

/// SPEC.md §3 manual locks over Zoho's endpoints: lock, list, get, edit reason, unlock, with
/// Zoho's messages and NOT_ALLOWED / NO_PERMISSION / MANDATORY_NOT_FOUND.
pub async fn manual_locks(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    a.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.error(400, "NOT_ALLOWED");
    a.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.error(400, "NOT_ALLOWED");
    f.create(&both_config()).await;
    a.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.expect(204);
    a.get(LOCKS).await.error(400, "REQUIRED_PARAM_MISSING");
    a.get(&format!("{LOCKS}?fields=Nope")).await.error(400, "INVALID_DATA");

    let no_perm = f.client("org1", false, false, ALL_SCOPES);
    no_perm.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.error(403, "NO_PERMISSION");
    let err = a.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "  "}]})).await.item_error(
        400,
        "data",
        "MANDATORY_NOT_FOUND",
    );
    assert_eq!(err["details"]["json_path"], "$.data[0].Locked_Reason__s");
    a.post(LOCKS, &json!({"data": [{"Locked_Reason__s": 5}]})).await.item_error(400, "data", "INVALID_DATA");
    a.post(LOCKS, &json!({"nodata": []})).await.error(400, "MANDATORY_NOT_FOUND");

    // The SDK's own casing of the key is accepted.
    let added = a.post(LOCKS, &json!({"data": [{"locked_reason__s": "audit"}]})).await.expect(201);
    let item = &added["data"][0];
    assert_eq!((item["code"].as_str(), item["message"].as_str()), (Some("SUCCESS"), Some("record added")));
    let lock_id = item["details"]["id"].as_str().unwrap().to_owned();
    assert_eq!(item["details"]["Created_By"]["id"], "100");
    let again = a.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "again"}]})).await.error(403, "NOT_ALLOWED");
    assert_eq!(again["message"], "Record is already locked");

    let listed =
        a.get(&format!("{LOCKS}?fields=Locked_Reason__s,Lock_Source__s,Locked_By__s,Locked_For__s&")).await.expect(200);
    let lock = &listed["data"][0];
    assert_eq!(lock["id"], lock_id);
    assert_eq!(lock["Lock_Source__s"], "Manual");
    assert_eq!(lock["Locked_Reason__s"], "audit");
    assert_eq!(lock["Locked_By__s"]["id"], "100");
    assert_eq!(lock["Locked_For__s"]["id"], "5843104000000424001");
    assert!(lock.get("Locked_Time__s").is_none(), "only the fields asked for");
    assert_eq!(listed["info"]["count"], 1);
    assert_eq!(listed["info"]["more_records"], json!(false));
    let one = a.get(&format!("{LOCKS}/{lock_id}")).await.expect(200);
    assert_eq!(one["data"][0]["Feature_Type__s"], "record_locking");
    assert!(one["data"][0]["Record_Locking_Configuration_Id__s"].is_string());
    a.get(&format!("{LOCKS}/1")).await.error(400, "INVALID_DATA");

    let reason = json!({"data": [{"Locked_Reason__s": "legal hold"}]});
    no_perm.put(&format!("{LOCKS}/{lock_id}"), &reason).await.error(403, "NO_PERMISSION");
    a.put(&format!("{LOCKS}/1"), &reason).await.error(400, "INVALID_DATA");
    let edited = a.put(&format!("{LOCKS}/{lock_id}"), &reason).await.expect(200);
    assert_eq!(edited["data"][0]["message"], "relation updated");
    assert_eq!(edited["data"][0]["details"]["id"], lock_id);
    let listed = a.get(&format!("{LOCKS}?fields=Locked_Reason__s")).await.expect(200);
    assert_eq!(listed["data"][0]["Locked_Reason__s"], "legal hold");

    let locker_only = f.client("org1", true, false, ALL_SCOPES);
    locker_only.delete(&format!("{LOCKS}/{lock_id}")).await.error(403, "NO_PERMISSION");
    let removed = a.delete(&format!("{LOCKS}/{lock_id}")).await.expect(200);
    assert_eq!(removed["data"][0]["message"], "relation removed");
    a.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.expect(204);
    let not_locked = a.delete(&format!("{LOCKS}/{lock_id}")).await.error(403, "NOT_ALLOWED");
    assert_eq!(not_locked["message"], "Record is not locked");
    a.post("/crm/v8/Widgets/1/Locking_Information__s", &reason).await.error(400, "INVALID_MODULE");
}

/// Manual locking needs lock_type manual or both.
pub async fn manual_locks_need_manual_lock_type(store: TestStore) {
    let f = Fixture::new(store).await;
    let mut body = both_config();
    body["record_locking_configurations"][0]["lock_type"] = json!("automatic");
    f.create(&body).await;
    let err = f.admin.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.error(403, "NOT_ALLOWED");
    assert_eq!(err["message"], "manual locking is not enabled");
}

/// SPEC.md §3/§4 on the write path: record saved stores the automatic lock, decisions use
/// the stored lock, automatic locks cannot be unlocked by hand, deleting the rule releases
/// them, sweeps store the back-fill, deleting the configuration releases every lock.
pub async fn automatic_locks_on_the_write_path(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    let (config_id, rule_id) = f.create(&both_config()).await;
    let saved = a
        .post("/recordlock/v1/records/saved?module=Deals", &json!({"id": "5843104000000424001", "Stage": "Closed Won"}))
        .await
        .expect(200);
    assert_eq!(saved["change"], "locked");
    assert_eq!(saved["lock"]["Record_Locking_Rule_Id__s"], rule_id);
    let lock_id = saved["lock"]["id"].as_str().unwrap().to_owned();
    let again = a
        .post("/recordlock/v1/records/saved?module=Deals", &json!({"id": "5843104000000424001", "Stage": "Closed Won"}))
        .await
        .expect(200);
    assert_eq!(again["change"], "unchanged");
    let listed = a.get(&format!("{LOCKS}?fields=Lock_Source__s,Record_Locking_Rule_Id__s")).await.expect(200);
    assert_eq!(listed["data"][0]["Lock_Source__s"], "Automatic");
    assert_eq!(listed["data"][0]["Record_Locking_Rule_Id__s"], rule_id);
    let err = a.delete(&format!("{LOCKS}/{lock_id}")).await.error(403, "NOT_ALLOWED");
    assert_eq!(err["message"], "Automatically locked records can not be unlocked manually");
    a.post("/recordlock/v1/records/saved?module=Deals", &json!({"Stage": "Closed Won"}))
        .await
        .error(400, "MANDATORY_NOT_FOUND");
    a.post("/recordlock/v1/records/saved?module=Deals", &json!({"id": "9", "Stage": ["x"]}))
        .await
        .error(400, "INVALID_RECORD");

    // The decision uses the stored lock: the request's record says nothing of Stage.
    let decide = |fields: Json| {
        json!({"record": {"id": "5843104000000424001"}, "actor": {"id": "u", "profile": {"id": "301"}},
        "operation": {"action": "update", "fields": fields}})
    };
    let d = a.post("/recordlock/v1/decide?module=Deals", &decide(json!(["Amount", "Description"]))).await.expect(200);
    assert_eq!(d["decision"], "blocked");
    assert_eq!(d["code"], "RECORD_LOCKED");
    assert_eq!(d["fields"], json!(["Amount"]));
    let d = a.post("/recordlock/v1/decide?module=Deals", &decide(json!(["Description"]))).await.expect(200);
    assert_eq!(d["decision"], "allowed");
    a.post("/recordlock/v1/decide?module=Deals", &json!({"record": {}})).await.error(400, "MANDATORY_NOT_FOUND");
    a.post("/recordlock/v1/decide?module=Leads", &decide(json!([]))).await.error(400, "NOT_ALLOWED");

    // Saving it out of the rule unlocks it.
    let saved = a
        .post(
            "/recordlock/v1/records/saved?module=Deals",
            &json!({"id": "5843104000000424001", "Stage": "Qualification"}),
        )
        .await
        .expect(200);
    assert_eq!(saved["change"], "unlocked");
    assert_eq!(saved["lock"], Json::Null);
    a.get(&format!("{LOCKS}?fields=Lock_Source__s")).await.expect(204);

    // Sweep: the back-fill stores locks, output as `recordlock sweep`'s.
    let records = "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n{\"id\": \"2\", \"Stage\": \"Qualification\"}\n\n{\"id\": \"3\", \"Stage\": \"Closed Won\"}\nnot json\n";
    let swept =
        a.send("POST", "/recordlock/v1/sweep?module=Deals", Some(records.into()), Some("application/x-ndjson")).await;
    assert_eq!(swept.status, 200, "{}", swept.text);
    assert_eq!(swept.content_type.as_deref(), Some("application/x-ndjson"));
    let lines: Vec<Json> = swept.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], json!({"id": "1", "rule": {"id": rule_id, "name": "Won"}}));
    assert_eq!(lines[1]["id"], "3");
    assert!(lines[2]["error"].is_object());
    for record in ["1", "3"] {
        let got =
            a.get(&format!("/crm/v8/Deals/{record}/Locking_Information__s?fields=Lock_Source__s")).await.expect(200);
        assert_eq!(got["data"][0]["Lock_Source__s"], "Automatic");
    }
    a.get("/crm/v8/Deals/2/Locking_Information__s?fields=Lock_Source__s").await.expect(204);

    // Deleting the rule releases its automatic locks, not manual ones.
    a.post("/crm/v8/Deals/4/Locking_Information__s", &json!({"data": [{"Locked_Reason__s": "mine"}]}))
        .await
        .expect(201);
    let add = json!({"record_locking_configurations": [{"locking_rules": [
        {"id": rule_id, "_delete": true},
        {"name": "Big", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 5}}]}]});
    a.put(&format!("{CONFIGS}/{config_id}?module=Deals"), &add).await.expect(200);
    a.get("/crm/v8/Deals/1/Locking_Information__s?fields=Lock_Source__s").await.expect(204);
    a.get("/crm/v8/Deals/3/Locking_Information__s?fields=Lock_Source__s").await.expect(204);
    a.get("/crm/v8/Deals/4/Locking_Information__s?fields=Lock_Source__s").await.expect(200);

    // Turning automatic locking off (lock_type manual) releases every automatic lock, as the
    // change impact reports; manual locks stay.
    let saved =
        a.post("/recordlock/v1/records/saved?module=Deals", &json!({"id": "7", "Amount": 10})).await.expect(200);
    assert_eq!(saved["change"], "locked");
    let update_7 = json!({"record": {"id": "7"}, "actor": {"id": "u", "profile": {"id": "301"}},
        "operation": {"action": "update", "fields": ["Amount"]}});
    let d = a.post("/recordlock/v1/decide?module=Deals", &update_7).await.expect(200);
    assert_eq!(d["decision"], "blocked");
    let manual = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
    a.put(&format!("{CONFIGS}/{config_id}?module=Deals"), &manual).await.expect(200);
    a.get("/crm/v8/Deals/7/Locking_Information__s?fields=Lock_Source__s").await.expect(204);
    let d = a.post("/recordlock/v1/decide?module=Deals", &update_7).await.expect(200);
    assert_eq!(d["decision"], "allowed", "{d}");
    a.get("/crm/v8/Deals/4/Locking_Information__s?fields=Lock_Source__s").await.expect(200);

    // Deleting the configuration releases every lock of the module.
    a.delete(&format!("{CONFIGS}/{config_id}?module=Deals")).await.expect(200);
    f.create(&both_config()).await;
    a.get("/crm/v8/Deals/4/Locking_Information__s?fields=Lock_Source__s").await.expect(204);
}

/// CONTRACT.md decide over HTTP: a JSON Lines body answered in order, one line each, bad
/// lines answered with their line number.
pub async fn decide_json_lines(store: TestStore) {
    let f = Fixture::new(store).await;
    f.create(&both_config()).await;
    let mut body = String::new();
    for i in 0..3000 {
        let stage = if i % 3 == 0 { "Closed Won" } else { "Qualification" };
        body.push_str(&format!(
            "{{\"record\": {{\"id\": \"{i}\", \"Stage\": \"{stage}\"}}, \"actor\": {{\"id\": \"u\"}}, \"operation\": {{\"action\": \"update\", \"fields\": [\"Amount\"]}}}}\n"
        ));
        if i == 10 {
            body.push_str("{\"record\": {}, \"actor\": {}, \"operation\": {\"action\": \"fly\"}}\n");
        }
    }
    let r = f.admin.send("POST", "/recordlock/v1/decide?module=Deals", Some(body), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type.as_deref(), Some("application/x-ndjson"));
    let lines: Vec<Json> = r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3001);
    assert_eq!(lines[11]["error"]["code"], "INVALID_DATA");
    assert_eq!(lines[11]["line"], 12);
    let decisions: Vec<&Json> = lines.iter().filter(|l| l.get("error").is_none()).collect();
    for (i, d) in decisions.iter().enumerate() {
        let expected = if i % 3 == 0 { "blocked" } else { "allowed" };
        assert_eq!(d["decision"], expected, "request {i}");
    }
    // One line sent as JSON Lines is still answered as a line.
    let one = "{\"record\": {\"id\": \"1\"}, \"actor\": {\"id\": \"u\"}, \"operation\": {\"action\": \"delete\"}}\n";
    let r = f
        .admin
        .send("POST", "/recordlock/v1/decide?module=Deals", Some(one.into()), Some("application/x-ndjson"))
        .await;
    assert_eq!(r.text.trim(), "{\"decision\":\"allowed\"}");
}

/// The field metadata Zoho's SDK fetches first, with the documented lock field names.
pub async fn field_metadata(store: TestStore) {
    let f = Fixture::new(store).await;
    let lock_fields = f.admin.get("/crm/v8/settings/fields?module=Locking_Information__s&").await.expect(200);
    let names: Vec<&str> =
        lock_fields["fields"].as_array().unwrap().iter().map(|x| x["api_name"].as_str().unwrap()).collect();
    for name in ["Locked_Reason__s", "Lock_Source__s", "Locked_For__s", "Record_Locking_Rule_Id__s"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let deals = f.admin.get("/crm/v8/settings/fields?module=Deals").await.expect(200);
    let stage = deals["fields"].as_array().unwrap().iter().find(|x| x["api_name"] == "Stage").unwrap();
    assert_eq!(stage["data_type"], "picklist");
    assert!(stage["pick_list_values"].as_array().unwrap().iter().any(|o| o["actual_value"] == "Closed Won"));
    f.admin.get("/crm/v8/settings/fields").await.error(400, "REQUIRED_PARAM_MISSING");
    f.admin.get("/crm/v8/settings/fields?module=Widgets").await.error(400, "INVALID_MODULE");
}

/// Operations: health, the generated OpenAPI document, request ids.
pub async fn health_openapi_and_request_ids(store: TestStore) {
    let f = Fixture::new(store).await;
    let anonymous = Client::new(&f.server, None);
    assert_eq!(anonymous.get("/health").await.expect(200), json!({"status": "ok"}));
    let doc = anonymous.get("/openapi.json").await.expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/crm/v8/settings/record_locking_configurations",
        "/crm/v8/settings/record_locking_configurations/{id}",
        "/crm/v8/{module}/{record_id}/Locking_Information__s",
        "/crm/v8/{module}/{record_id}/Locking_Information__s/{lock_id}",
        "/crm/v8/settings/fields",
        "/recordlock/v1/decide",
        "/recordlock/v1/records/saved",
        "/recordlock/v1/sweep",
        "/health",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    let res = reqwest::get(format!("{}/health", f.server.base)).await.unwrap();
    assert!(res.headers().get("x-request-id").is_some());
    let res = reqwest::Client::new()
        .get(format!("{}/health", f.server.base))
        .header("x-request-id", "mine-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "mine-1");
}

/// SPEC.md §1/§3: configurations and locks survive a restart; the first decision after it
/// is right; new ids never reuse old ones.
pub async fn state_survives_a_restart(store: TestStore) {
    let f = Fixture::new(store).await;
    let (config_id, rule_id) = f.create(&both_config()).await;
    let added = f.admin.post(LOCKS, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.expect(201);
    let lock_id: u64 = added["data"][0]["details"]["id"].as_str().unwrap().parse().unwrap();
    f.admin
        .post("/recordlock/v1/records/saved?module=Deals", &json!({"id": "7", "Stage": "Closed Won"}))
        .await
        .expect(200);
    let before = f.admin.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
    let Fixture { store, server, admin } = f;
    server.stop().await;

    let server = Server::start(&store.location).await;
    let a = Client { base: server.base.clone(), ..admin };
    let decide =
        json!({"record": {"id": "7"}, "actor": {"id": "u"}, "operation": {"action": "update", "fields": ["Amount"]}});
    let d = a.post("/recordlock/v1/decide?module=Deals", &decide).await.expect(200);
    assert_eq!(d["decision"], "blocked");
    assert_eq!(d["lock"]["rule"]["id"], rule_id);
    assert_eq!(a.get(&format!("{CONFIGS}?module=Deals")).await.expect(200), before);
    let listed = a.get(&format!("{LOCKS}?fields=Locked_Reason__s")).await.expect(200);
    assert_eq!(listed["data"][0]["Locked_Reason__s"], "audit");
    let added = a
        .post("/crm/v8/Deals/8/Locking_Information__s", &json!({"data": [{"Locked_Reason__s": "x"}]}))
        .await
        .expect(201);
    let new_id: u64 = added["data"][0]["details"]["id"].as_str().unwrap().parse().unwrap();
    assert!(new_id > lock_id && new_id > config_id.parse::<u64>().unwrap());
    server.stop().await;
}

/// A write the database refuses is answered 500 INTERNAL_ERROR and changes nothing, not
/// even in memory: the store publishes only what was committed.
pub async fn a_failed_write_changes_nothing(store: TestStore) {
    let f = Fixture::new(store).await;
    let (id, _) = f.create(&both_config()).await;
    let before = f.admin.get(&format!("{CONFIGS}?module=Deals")).await.expect(200);
    // Sabotage the table the journal writes to.
    f.store.refuse_configuration_updates(true);
    let change = json!({"record_locking_configurations": [{"restricted_actions": ["update"]}]});
    let err = f.admin.put(&format!("{CONFIGS}/{id}?module=Deals"), &change).await.error(500, "INTERNAL_ERROR");
    assert!(!err.to_string().contains("read-only"), "causes are logged, not sent");
    assert_eq!(f.admin.get(&format!("{CONFIGS}?module=Deals")).await.expect(200), before);
    f.store.refuse_configuration_updates(false);
    f.admin.put(&format!("{CONFIGS}/{id}?module=Deals"), &change).await.expect(200);
}

/// A client that never finishes its request headers is disconnected after the request
/// timeout (2 s in these tests), and the server keeps serving.
pub async fn slow_clients_are_cut_off(store: TestStore) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = Fixture::new(store).await;
    let mut slow = tokio::net::TcpStream::connect(f.server.addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(15), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the slow client was disconnected");
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500), "not before the timeout");
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
    Client::new(&f.server, None).get("/health").await.expect(200);
}

/// A JSON Lines decide reads the stored locks of its records in batches: across batch
/// boundaries, every line gets its own record's lock, and a line's own `lock` wins.
pub async fn decide_json_lines_use_stored_locks_in_batches(store: TestStore) {
    let f = Fixture::new(store).await;
    f.create(&both_config()).await;
    let mut records = String::new();
    for i in 1..=1200 {
        let stage = if i % 2 == 1 { "Closed Won" } else { "Qualification" };
        records.push_str(&format!("{{\"id\": \"{i}\", \"Stage\": \"{stage}\"}}\n"));
    }
    let swept = f.admin.send("POST", "/recordlock/v1/sweep?module=Deals", Some(records), None).await;
    assert_eq!(swept.status, 200);
    assert_eq!(swept.text.lines().count(), 600);
    let mut body = String::new();
    for i in 1..=1200 {
        // The requests say nothing of Stage: only the stored lock can block them.
        body.push_str(&format!(
            "{{\"record\": {{\"id\": \"{i}\"}}, \"actor\": {{\"id\": \"u\"}}, \"operation\": {{\"action\": \"update\", \"fields\": [\"Amount\"]}}}}\n"
        ));
    }
    body.push_str("{\"record\": {\"id\": \"1\"}, \"lock\": null, \"actor\": {\"id\": \"u\"}, \"operation\": {\"action\": \"update\", \"fields\": [\"Amount\"]}}\n");
    let r = f.admin.send("POST", "/recordlock/v1/decide?module=Deals", Some(body), Some("application/x-ndjson")).await;
    assert_eq!(r.status, 200);
    let lines: Vec<Json> = r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1201);
    for (i, d) in lines.iter().take(1200).enumerate() {
        let expected = if (i + 1) % 2 == 1 { "blocked" } else { "allowed" };
        assert_eq!(d["decision"], expected, "record {}", i + 1);
    }
    assert_eq!(lines[1200]["decision"], "allowed", "the line's own lock wins");
}

/// A decision reads the record's stored lock as the last acknowledged write left it, whatever
/// wrote it: a save, a manual lock or unlock, a sweep, a rule's or a configuration's deletion
/// (the SQLite store answers these reads from memory: `lock_cache`).
pub async fn decisions_see_every_lock_write(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    let (config_id, rule_id) = f.create(&both_config()).await;
    // The requests say nothing of Stage: only the stored lock can block them.
    let decide = |id: &str| {
        let body = json!({"record": {"id": id}, "actor": {"id": "u", "profile": {"id": "301"}},
            "operation": {"action": "update", "fields": ["Amount"]}});
        async move {
            // A JSON Lines body first, while the write has just emptied the SQLite store's
            // cache: its two lines about one record are one id asked for twice in one read.
            let lines = format!("{body}\n{body}\n");
            let r =
                a.send("POST", "/recordlock/v1/decide?module=Deals", Some(lines), Some("application/x-ndjson")).await;
            let d = a.post("/recordlock/v1/decide?module=Deals", &body).await.expect(200);
            assert_eq!(r.text.lines().count(), 2);
            for line in r.text.lines() {
                assert_eq!(serde_json::from_str::<Json>(line).unwrap(), d, "{body}");
            }
            d["decision"].as_str().unwrap().to_owned()
        }
    };
    let save = |id: &str, stage: &str| {
        let body = json!({"id": id, "Stage": stage});
        async move { a.post("/recordlock/v1/records/saved?module=Deals", &body).await.expect(200) }
    };
    assert_eq!(decide("1").await, "allowed");
    save("1", "Closed Won").await;
    assert_eq!(decide("1").await, "blocked", "a save that locks");
    save("1", "Qualification").await;
    assert_eq!(decide("1").await, "allowed", "a save that unlocks");

    let manual = "/crm/v8/Deals/2/Locking_Information__s";
    assert_eq!(decide("2").await, "allowed");
    let added = a.post(manual, &json!({"data": [{"Locked_Reason__s": "audit"}]})).await.expect(201);
    assert_eq!(decide("2").await, "blocked", "a manual lock");
    let lock_id = added["data"][0]["details"]["id"].as_str().unwrap().to_owned();
    a.delete(&format!("{manual}/{lock_id}")).await.expect(200);
    assert_eq!(decide("2").await, "allowed", "a manual unlock");

    assert_eq!(decide("3").await, "allowed");
    let swept = a
        .send(
            "POST",
            "/recordlock/v1/sweep?module=Deals&all_rules=true",
            Some("{\"id\": \"3\", \"Stage\": \"Closed Won\"}\n".into()),
            None,
        )
        .await;
    assert_eq!(swept.status, 200, "{}", swept.text);
    assert_eq!(decide("3").await, "blocked", "a sweep");
    let drop_rule = json!({"record_locking_configurations": [{"locking_rules": [
        {"id": rule_id, "_delete": true},
        {"name": "Big", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 5}}]}]});
    a.put(&format!("{CONFIGS}/{config_id}?module=Deals"), &drop_rule).await.expect(200);
    assert_eq!(decide("3").await, "allowed", "the rule's deletion released its lock");

    save("4", "Closed Won").await;
    a.post("/crm/v8/Deals/5/Locking_Information__s", &json!({"data": [{"Locked_Reason__s": "mine"}]}))
        .await
        .expect(201);
    assert_eq!(decide("5").await, "blocked");
    a.delete(&format!("{CONFIGS}/{config_id}?module=Deals")).await.expect(200);
    f.create(&both_config()).await;
    assert_eq!(decide("5").await, "allowed", "the configuration's deletion released every lock");
}

/// JSON Lines bodies sent at once are answered as each is alone: with more bodies in flight
/// than threads, each body is answered on its own thread rather than split between them
/// (`routes/decide_lines.rs`), with the same answers in the same order: stored locks, a
/// line's own lock, and bad lines with their numbers.
pub async fn decide_json_lines_at_once_answer_as_alone(store: TestStore) {
    let f = Fixture::new(store).await;
    let a = &f.admin;
    f.create(&both_config()).await;
    for i in (0..3000).step_by(7) {
        a.post("/recordlock/v1/records/saved?module=Deals", &json!({"id": i.to_string(), "Stage": "Closed Won"}))
            .await
            .expect(200);
    }
    let bodies: Vec<String> = (0..6)
        .map(|b| {
            let mut body = String::new();
            for i in 0..2600 {
                let id = (i * (b + 1)) % 3000;
                match (i + b) % 97 {
                    0 => body.push_str("{\"record\": {}, \"actor\": {}, \"operation\": {\"action\": \"fly\"}}\n"),
                    1 => body.push_str("not json\n\n"),
                    2 => body.push_str(&format!(
                        "{{\"record\": {{\"id\": \"{id}\"}}, \"lock\": null, \"actor\": {{\"id\": \"u\"}}, \"operation\": {{\"action\": \"delete\"}}}}\n"
                    )),
                    _ => body.push_str(&format!(
                        "{{\"record\": {{\"id\": {id}, \"Stage\": \"Qualification\"}}, \"actor\": {{\"id\": \"u\"}}, \"operation\": {{\"action\": \"update\", \"fields\": [\"Amount\"]}}}}\n"
                    )),
                }
            }
            body
        })
        .collect();
    let send = |body: &String| {
        let body = body.clone();
        async move {
            let r =
                a.send("POST", "/recordlock/v1/decide?module=Deals", Some(body), Some("application/x-ndjson")).await;
            assert_eq!(r.status, 200);
            r.text
        }
    };
    let mut alone = Vec::new();
    for body in &bodies {
        alone.push(send(body).await);
    }
    for (body, answers) in bodies.iter().zip(&alone) {
        assert_eq!(answers.lines().count(), body.lines().filter(|l| !l.is_empty()).count());
        assert!(answers.contains("\"blocked\"") && answers.contains("\"allowed\"") && answers.contains("\"line\""));
    }
    for _ in 0..3 {
        let together = futures_util::future::join_all(bodies.iter().map(send)).await;
        for (i, (got, want)) in together.iter().zip(&alone).enumerate() {
            assert!(got == want, "body {i} answered differently when sent with the others");
        }
    }
}
