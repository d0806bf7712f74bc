//! Validation: a configuration body against a module's schema (SPEC.md §1).
//!
//! The first error wins, in this order: body shape and keys → enumerated values, dependent
//! keys and list limits → excluded fields → each rule in order (its structure, then each
//! leaf's field, comparator and value) → duplicate rule names and criteria.

use recordlock_criteria::ast::reject_unknown_keys;
use recordlock_criteria::typecheck::{self, resolve_field};
use recordlock_criteria::typed::{ChoiceTest, Test};
use recordlock_criteria::{Criteria, Error, ErrorCode, Expr, FieldRef, JsonPath};
use serde_json::{Map, Value as Json};

use super::{
    Audit, BODY_KEY, Communication, Config, ExcludedField, LockType, LockedFor, LockingRule, Reference,
    RestrictedAction, ValidConfig,
};
use crate::limits::Limits;
use crate::module::Module;

const CONFIG_KEYS: &[&str] = &[
    "id",
    "lock_type",
    "locking_rules",
    "locked_for",
    "lock_excluded_profiles",
    "excluded_fields",
    "restricted_actions",
    "restricted_communications",
    "restricted_custom_buttons",
    "lock_for_portal_users",
    "feature_type",
    "system_defined",
    "created_time",
    "modified_time",
    "created_by",
    "modified_by",
];

const RULE_KEYS: &[&str] = &["id", "name", "lock_existing_records", "criteria"];

/// Validates a complete configuration body (a create body or a GET response) for `module`.
///
/// ```
/// use recordlock::{config::validate::validate, Limits, Module};
/// use serde_json::json;
///
/// let deals = Module::resolve("Deals", None).unwrap();
/// let body = json!({"record_locking_configurations": [{
///     "lock_type": "automatic",
///     "locked_for": "all_profiles_except_excluded_profile",
///     "lock_excluded_profiles": [{"id": 5843104000000026011u64, "name": "Administrator"}],
///     "locking_rules": [{"name": "Closed Won", "criteria":
///         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let valid = validate(&body, &deals, &Limits::default()).unwrap();
/// let out = valid.config().to_json();
/// assert_eq!(out["restricted_actions"], json!(["update"]));
/// assert_eq!(out["locked_for"], "all_profiles_except_excluded_profiles");
/// assert_eq!(out["lock_excluded_profiles"][0]["id"], "5843104000000026011");
/// ```
pub fn validate(body: &Json, module: &Module, limits: &Limits) -> Result<ValidConfig, Error> {
    let (object, path) = unwrap_body(body)?;
    validate_object(object, &path, module, limits, RulePolicy::Complete)
}

/// Whether rules may carry `_delete` (only in update bodies, which the store handles first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RulePolicy {
    Complete,
}

/// The configuration object inside the body, and its path.
pub(crate) fn unwrap_body(body: &Json) -> Result<(&Map<String, Json>, JsonPath), Error> {
    let root = JsonPath::root();
    let Json::Object(map) = body else {
        return Err(Error::new(ErrorCode::InvalidData, &root, "the body must be a JSON object"));
    };
    reject_unknown_keys(map, &root, &[BODY_KEY])?;
    let list_path = root.key(BODY_KEY);
    let items = match map.get(BODY_KEY) {
        None => {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &list_path, "required field not found")
                .with_api_name(BODY_KEY));
        }
        Some(Json::Array(items)) => items,
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &list_path, "expected an array of one configuration")
                .with_api_name(BODY_KEY));
        }
    };
    match items.as_slice() {
        [Json::Object(object)] => Ok((object, list_path.index(0))),
        [_] => Err(Error::new(ErrorCode::InvalidData, &list_path.index(0), "a configuration must be an object")
            .with_api_name(BODY_KEY)),
        [] => Err(Error::new(ErrorCode::MandatoryNotFound, &list_path, "the body holds no configuration")
            .with_api_name(BODY_KEY)),
        _ => Err(Error::limit_exceeded(&list_path, "configurations per request", 1).with_api_name(BODY_KEY)),
    }
}

pub(crate) fn validate_object(
    map: &Map<String, Json>,
    path: &JsonPath,
    module: &Module,
    limits: &Limits,
    _rules: RulePolicy,
) -> Result<ValidConfig, Error> {
    let r = Reader { map, path };
    // 1. Keys.
    reject_unknown_keys(map, path, CONFIG_KEYS)?;

    // 2. Enumerated values, dependent keys, list limits.
    let lock_type = match r.get("lock_type") {
        None => {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("lock_type"), "required field not found")
                .with_api_name("lock_type"));
        }
        Some(v) => r.enumerated("lock_type", v, LockType::parse, LockType::spellings())?,
    };
    if let Some(v) = r.get("feature_type")
        && v.as_str() != Some("record_locking")
    {
        return Err(r
            .invalid("feature_type", "`feature_type` must be `record_locking`")
            .with_supported_values(["record_locking"]));
    }
    let locked_for = match r.get("locked_for") {
        None => LockedFor::AllProfiles,
        Some(v) => r.enumerated("locked_for", v, LockedFor::parse, LockedFor::spellings())?,
    };
    let mut restricted_actions = vec![RestrictedAction::Update];
    for (v, p) in r.array("restricted_actions")? {
        restricted_actions.push(r.enumerated_at(
            &p,
            "restricted_actions",
            v,
            RestrictedAction::parse,
            RestrictedAction::spellings(),
        )?);
    }
    restricted_actions.sort_unstable();
    restricted_actions.dedup();
    let mut restricted_communications = Vec::new();
    for (v, p) in r.array("restricted_communications")? {
        restricted_communications.push(r.enumerated_at(
            &p,
            "restricted_communications",
            v,
            Communication::parse,
            Communication::spellings(),
        )?);
    }
    restricted_communications.sort_unstable();
    restricted_communications.dedup();
    let lock_for_portal_users = match r.get("lock_for_portal_users") {
        None => true,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(r.invalid("lock_for_portal_users", "`lock_for_portal_users` must be true or false")),
    };
    let system_defined = match r.get("system_defined") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(r.invalid("system_defined", "`system_defined` must be true or false")),
    };
    let id = r.id("id")?;
    let audit = Audit {
        created_time: r.text("created_time")?,
        modified_time: r.text("modified_time")?,
        created_by: r.reference_opt("created_by")?,
        modified_by: r.reference_opt("modified_by")?,
    };

    let rules = r.array("locking_rules")?;
    if rules.len() > limits.rules {
        return Err(r.limit("locking_rules", "locking rules", limits.rules, rules.len()));
    }
    if lock_type.is_automatic() && rules.is_empty() {
        return Err(Error::new(
            ErrorCode::DependentFieldMissing,
            &path.key("locking_rules"),
            "`locking_rules` is required when `lock_type` is automatic or both",
        )
        .with_api_name("locking_rules")
        .with_dependee("lock_type", &path.key("lock_type")));
    }
    let profiles = r.array("lock_excluded_profiles")?;
    if profiles.len() > limits.excluded_profiles {
        return Err(r.limit("lock_excluded_profiles", "excluded profiles", limits.excluded_profiles, profiles.len()));
    }
    if locked_for == LockedFor::AllProfilesExceptExcludedProfiles && profiles.is_empty() {
        return Err(Error::new(
            ErrorCode::DependentFieldMissing,
            &path.key("lock_excluded_profiles"),
            "`lock_excluded_profiles` is required when `locked_for` excludes profiles",
        )
        .with_api_name("lock_excluded_profiles")
        .with_dependee("locked_for", &path.key("locked_for")));
    }
    let lock_excluded_profiles =
        profiles.iter().map(|(v, p)| r.reference(v, p, "lock_excluded_profiles")).collect::<Result<Vec<_>, _>>()?;
    let fields = r.array("excluded_fields")?;
    if fields.len() > limits.excluded_fields {
        return Err(r.limit("excluded_fields", "excluded fields", limits.excluded_fields, fields.len()));
    }
    let buttons = r.array("restricted_custom_buttons")?;
    if buttons.len() > limits.custom_buttons {
        return Err(r.limit(
            "restricted_custom_buttons",
            "restricted custom buttons",
            limits.custom_buttons,
            buttons.len(),
        ));
    }
    let restricted_custom_buttons =
        buttons.iter().map(|(v, p)| r.reference(v, p, "restricted_custom_buttons")).collect::<Result<Vec<_>, _>>()?;

    // 3. Excluded fields, resolved like every field reference.
    let schema = module.schema();
    let mut excluded_fields = Vec::with_capacity(fields.len());
    let mut excluded_slots = Vec::with_capacity(fields.len());
    for (v, p) in &fields {
        let Json::Object(f) = v else {
            return Err(Error::new(ErrorCode::InvalidData, p, "an excluded field must be an object")
                .with_api_name("excluded_fields"));
        };
        let field_ref = field_ref(f, p)?;
        let slot = resolve_field(schema, &field_ref, p)?;
        if !excluded_slots.contains(&slot) {
            excluded_slots.push(slot);
            excluded_fields
                .push(ExcludedField { api_name: schema.field(slot).api_name().to_owned(), id: field_ref.id });
        }
    }

    // 4. Each rule: structure, then its leaves.
    let mut locking_rules = Vec::with_capacity(rules.len());
    let mut exprs = Vec::with_capacity(rules.len());
    for (v, p) in &rules {
        let (rule, expr) = validate_rule(v, p, module, limits)?;
        locking_rules.push(rule);
        exprs.push(expr);
    }

    // 5. Duplicates.
    for (i, rule) in locking_rules.iter().enumerate() {
        let earlier = locking_rules.get(..i).unwrap_or(&[]);
        let rule_path = path.key("locking_rules").index(i);
        if earlier.iter().any(|e| e.name == rule.name) {
            return Err(Error::new(
                ErrorCode::DuplicateData,
                &rule_path.key("name"),
                format!("two rules are named `{}`", rule.name),
            )
            .with_api_name("name"));
        }
        // Criteria are compared by meaning: spelling a constant another way makes no new rule.
        let expr = exprs.get(i);
        let same = earlier.iter().zip(&exprs).find(|(_, e)| expr.is_some_and(|x| x.same_meaning(e)));
        if let Some((e, _)) = same {
            return Err(Error::new(
                ErrorCode::DuplicateData,
                &rule_path.key("criteria"),
                format!("rule `{}` has the same criteria as rule `{}`", rule.name, e.name),
            )
            .with_api_name("criteria"));
        }
    }

    let config = Config {
        id,
        lock_type,
        locking_rules,
        locked_for,
        lock_excluded_profiles,
        excluded_fields,
        restricted_actions,
        restricted_communications,
        restricted_custom_buttons,
        lock_for_portal_users,
        system_defined,
        audit,
    };
    ValidConfig::new(config, exprs, excluded_slots)
}

fn validate_rule(v: &Json, path: &JsonPath, module: &Module, limits: &Limits) -> Result<(LockingRule, Expr), Error> {
    let Json::Object(map) = v else {
        return Err(
            Error::new(ErrorCode::InvalidData, path, "a locking rule must be an object").with_api_name("locking_rules")
        );
    };
    if map.contains_key("_delete") {
        return Err(Error::new(ErrorCode::InvalidData, &path.key("_delete"), "`_delete` belongs in an update request")
            .with_api_name("_delete"));
    }
    reject_unknown_keys(map, path, RULE_KEYS)?;
    let r = Reader { map, path };
    let id = r.id("id")?;
    let name = match r.get("name") {
        Some(Json::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Json::String(_)) | None => {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("name"), "required field not found")
                .with_api_name("name"));
        }
        Some(_) => return Err(r.invalid("name", "`name` must be a string")),
    };
    if name.chars().count() > limits.rule_name_chars {
        return Err(Error::limit_exceeded(&path.key("name"), "the length of a rule name", limits.rule_name_chars)
            .with_api_name("name"));
    }
    let lock_existing_records = match r.get("lock_existing_records") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(r.invalid("lock_existing_records", "`lock_existing_records` must be true or false")),
    };
    let Some(criteria_json) = r.get("criteria") else {
        return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("criteria"), "required field not found")
            .with_api_name("criteria"));
    };
    let criteria = Criteria::parse(criteria_json, &path.key("criteria"), &limits.criteria)?;
    let expr = typecheck::check(&criteria, module.schema(), &limits.criteria)?;
    if module.is_tasks() && !is_status_closed(&expr, module) {
        return Err(Error::new(
            ErrorCode::NotSupported,
            &path.key("criteria"),
            "the Tasks module accepts only the rule `Status equal Closed`",
        )
        .with_api_name("criteria"));
    }
    Ok((LockingRule { id, name, lock_existing_records, criteria }, expr))
}

/// Whether `expr` is exactly `Status equal Closed` (SPEC.md §1, the Tasks restriction).
fn is_status_closed(expr: &Expr, module: &Module) -> bool {
    let Expr::Leaf(p) = expr else { return false };
    let schema = module.schema();
    let status = schema.field(p.slot());
    let closed = status.option("Closed").map(recordlock_criteria::Choice::Option);
    status.api_name() == "Status"
        && !p.negated()
        && matches!(&p.test(), Test::Choice(ChoiceTest::Equal(c)) if Some(c) == closed.as_ref())
}

fn field_ref(map: &Map<String, Json>, path: &JsonPath) -> Result<FieldRef, Error> {
    reject_unknown_keys(map, path, &["api_name", "id", "name", "display_label"])?;
    let text =
        |key: &str| match map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok((!s.is_empty()).then(|| s.clone())),
            Some(Json::Number(n)) if key == "id" => Ok(Some(n.as_str().to_owned())),
            Some(_) => Err(Error::new(ErrorCode::InvalidData, &path.key(key), format!("`{key}` must be a string"))
                .with_api_name(key)),
        };
    Ok(FieldRef { api_name: text("api_name")?, id: text("id")? })
}

/// Reads the keys of one object, with errors at their paths. A `null` value counts as absent.
struct Reader<'a> {
    map: &'a Map<String, Json>,
    path: &'a JsonPath,
}

impl<'a> Reader<'a> {
    fn get(&self, key: &str) -> Option<&'a Json> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn invalid(&self, key: &str, why: &str) -> Error {
        Error::new(ErrorCode::InvalidData, &self.path.key(key), why).with_api_name(key)
    }

    fn limit(&self, key: &str, what: &str, limit: usize, _given: usize) -> Error {
        Error::limit_exceeded(&self.path.key(key), &format!("the number of {what}"), limit).with_api_name(key)
    }

    fn enumerated<T>(
        &self,
        key: &str,
        v: &Json,
        parse: fn(&str) -> Option<T>,
        spellings: Vec<&'static str>,
    ) -> Result<T, Error> {
        self.enumerated_at(&self.path.key(key), key, v, parse, spellings)
    }

    fn enumerated_at<T>(
        &self,
        path: &JsonPath,
        key: &str,
        v: &Json,
        parse: fn(&str) -> Option<T>,
        spellings: Vec<&'static str>,
    ) -> Result<T, Error> {
        v.as_str().and_then(parse).ok_or_else(|| {
            Error::new(ErrorCode::InvalidData, path, format!("`{}` is not a valid `{key}`", display(v)))
                .with_api_name(key)
                .with_supported_values(spellings)
        })
    }

    /// The items of an array key (absent or null: none), with their paths.
    fn array(&self, key: &str) -> Result<Vec<(&'a Json, JsonPath)>, Error> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => {
                let base = self.path.key(key);
                Ok(items.iter().enumerate().map(|(i, v)| (v, base.index(i))).collect())
            }
            Some(_) => Err(self.invalid(key, &format!("`{key}` must be an array"))),
        }
    }

    fn id(&self, key: &str) -> Result<Option<String>, Error> {
        optional_id(self.map, key, self.path)
    }

    fn text(&self, key: &str) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.invalid(key, &format!("`{key}` must be a string"))),
        }
    }

    fn reference_opt(&self, key: &str) -> Result<Option<Reference>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => self.reference(v, &self.path.key(key), key).map(Some),
        }
    }

    fn reference(&self, v: &Json, path: &JsonPath, key: &str) -> Result<Reference, Error> {
        let Json::Object(map) = v else {
            return Err(
                Error::new(ErrorCode::InvalidData, path, "expected an object `{\"id\", \"name\"}`").with_api_name(key)
            );
        };
        reject_unknown_keys(map, path, &["id", "name", "api_name"])?;
        let id = match map.get("id").filter(|v| !v.is_null()) {
            None => {
                return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("id"), "required field not found")
                    .with_api_name("id"));
            }
            Some(v) => id_text(v).ok_or_else(|| {
                Error::new(ErrorCode::InvalidData, &path.key("id"), "an id must be a string or a whole number")
                    .with_api_name("id")
            })?,
        };
        let name = match map.get("name").or_else(|| map.get("api_name")) {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(Error::new(ErrorCode::InvalidData, &path.key("name"), "`name` must be a string")
                    .with_api_name("name"));
            }
        };
        Ok(Reference { id, name })
    }
}

/// The id under `key` of `map` (absent or null: none), as [`id_text`] reads it; anything
/// else is `INVALID_DATA` at `path.key`.
pub(crate) fn optional_id(map: &Map<String, Json>, key: &str, path: &JsonPath) -> Result<Option<String>, Error> {
    match map.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => id_text(v).map(Some).ok_or_else(|| {
            Error::new(ErrorCode::InvalidData, &path.key(key), "an id must be a string or a whole number")
                .with_api_name(key)
        }),
    }
}

/// An id's exact decimal text: a non-empty string, or a whole JSON number of any size.
pub(crate) fn id_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) if n.as_str().bytes().all(|b| b.is_ascii_digit()) => Some(n.as_str().to_owned()),
        _ => None,
    }
}

fn display(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
