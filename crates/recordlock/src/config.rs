//! The configuration model: `{"record_locking_configurations": [ {...} ]}` (SPEC.md §1).
//!
//! [`Config`] is the normalised configuration of one module: defaults filled in, `update`
//! always among the restricted actions, canonical spellings. It is read, checked and
//! normalised by [`validate`](self::validate::validate), and written back with
//! [`Config::to_body`] in the exact wire shape. Ids may be strings or JSON numbers of any
//! size; either way they are kept as their exact decimal text.

mod enums;
mod text;
pub mod validate;

use recordlock_criteria::{Criteria, Error, Expr, Slot};
use serde_json::{Map, Value as Json, json};

pub use self::enums::{Communication, LockType, LockedFor, RestrictedAction};
pub use self::text::parse_config_bytes;

/// The key wrapping configurations on the wire.
pub const BODY_KEY: &str = "record_locking_configurations";

/// `{"id", "name"?}`: a profile, a custom button or a user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The id, as exact decimal text.
    pub id: String,
    /// The name, when given.
    pub name: Option<String>,
}

impl Reference {
    fn to_json(&self) -> Json {
        let mut m = Map::new();
        m.insert("id".into(), Json::String(self.id.clone()));
        if let Some(n) = &self.name {
            m.insert("name".into(), Json::String(n.clone()));
        }
        Json::Object(m)
    }
}

/// A field that stays editable on a locked record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedField {
    /// The field's API name (resolved against the schema).
    pub api_name: String,
    /// The id, when the input gave one.
    pub id: Option<String>,
}

/// One automatic locking rule.
#[derive(Debug, Clone, PartialEq)]
pub struct LockingRule {
    /// Assigned by the store; absent in a create body.
    pub id: Option<String>,
    /// Unique within the configuration.
    pub name: String,
    /// Whether a back-fill sweep applies this rule to existing records.
    pub lock_existing_records: bool,
    /// The criteria, as written (operators canonicalised).
    pub criteria: Criteria,
}

/// The read-only audit fields a store sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audit {
    /// RFC 3339, no fractional seconds.
    pub created_time: Option<String>,
    /// RFC 3339, no fractional seconds.
    pub modified_time: Option<String>,
    /// Who created the configuration.
    pub created_by: Option<Reference>,
    /// Who last changed it.
    pub modified_by: Option<Reference>,
}

/// A normalised record locking configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Assigned by the store.
    pub id: Option<String>,
    /// Manual, automatic or both.
    pub lock_type: LockType,
    /// The rules, in configuration order (first match wins).
    pub locking_rules: Vec<LockingRule>,
    /// Who the lock applies to.
    pub locked_for: LockedFor,
    /// Profiles exempt from locks (when `locked_for` excludes profiles).
    pub lock_excluded_profiles: Vec<Reference>,
    /// Fields that stay editable while locked.
    pub excluded_fields: Vec<ExcludedField>,
    /// Restricted record actions, sorted, always including `update`.
    pub restricted_actions: Vec<RestrictedAction>,
    /// Restricted communications, sorted.
    pub restricted_communications: Vec<Communication>,
    /// Custom buttons unavailable on locked records.
    pub restricted_custom_buttons: Vec<Reference>,
    /// Whether locks apply to portal users too.
    pub lock_for_portal_users: bool,
    /// Whether the configuration was made by the system (cannot be deleted).
    pub system_defined: bool,
    /// Audit fields.
    pub audit: Audit,
}

/// A configuration that passed validation, with what validation worked out: each rule's
/// typed criteria and the excluded fields' slots.
///
/// Made only by [`validate`](crate::config::validate::validate), through
/// `ValidConfig::new`, which checks that there is exactly one typed criteria per rule: the
/// fields are private so nothing downstream (the VM's [`Policy`](crate::Policy), the back
/// ends' [`RuleSet`](crate::RuleSet)) can meet a configuration whose rules and criteria
/// disagree.
#[derive(Debug, Clone)]
pub struct ValidConfig {
    config: Config,
    exprs: Vec<Expr>,
    excluded_slots: Vec<Slot>,
}

impl ValidConfig {
    /// Pairs a normalised configuration with each rule's typed criteria (in rule order) and
    /// the excluded fields' slots (in `excluded_fields` order).
    ///
    /// # Errors
    /// An internal error when the counts disagree: a bug in validation, never the user's.
    pub(crate) fn new(config: Config, exprs: Vec<Expr>, excluded_slots: Vec<Slot>) -> Result<ValidConfig, Error> {
        if config.locking_rules.len() != exprs.len() || config.excluded_fields.len() != excluded_slots.len() {
            return Err(Error::internal(format!(
                "validation produced {} typed criteria for {} rules and {} slots for {} excluded fields",
                exprs.len(),
                config.locking_rules.len(),
                excluded_slots.len(),
                config.excluded_fields.len()
            )));
        }
        Ok(ValidConfig { config, exprs, excluded_slots })
    }

    /// The normalised configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The configuration, for the store to set ids and audit fields. INVARIANT: callers
    /// never add or remove rules or excluded fields (the counts are checked at construction).
    pub(crate) fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Each rule's typed criteria, in rule order (one per rule of [`ValidConfig::config`]).
    pub fn exprs(&self) -> &[Expr] {
        &self.exprs
    }

    /// The excluded fields' slots, in `excluded_fields` order.
    pub fn excluded_slots(&self) -> &[Slot] {
        &self.excluded_slots
    }

    /// The rules paired with their typed criteria, in configuration order.
    pub fn rules(&self) -> impl Iterator<Item = (&LockingRule, &Expr)> {
        self.config.locking_rules.iter().zip(&self.exprs)
    }

    /// The parts, for the engines that take ownership of them.
    pub(crate) fn into_parts(self) -> (Config, Vec<Expr>, Vec<Slot>) {
        (self.config, self.exprs, self.excluded_slots)
    }
}

impl Config {
    /// The configuration object in its wire shape (without the wrapping body).
    pub fn to_json(&self) -> Json {
        let refs = |v: &[Reference]| {
            if v.is_empty() { Json::Null } else { Json::Array(v.iter().map(Reference::to_json).collect()) }
        };
        let mut m = Map::new();
        if let Some(id) = &self.id {
            m.insert("id".into(), Json::String(id.clone()));
        }
        m.insert("lock_type".into(), json!(self.lock_type.as_str()));
        m.insert(
            "locking_rules".into(),
            if self.locking_rules.is_empty() {
                Json::Null
            } else {
                Json::Array(self.locking_rules.iter().map(LockingRule::to_json).collect())
            },
        );
        m.insert("locked_for".into(), json!(self.locked_for.as_str()));
        m.insert("lock_excluded_profiles".into(), refs(&self.lock_excluded_profiles));
        m.insert(
            "excluded_fields".into(),
            if self.excluded_fields.is_empty() {
                Json::Null
            } else {
                Json::Array(
                    self.excluded_fields
                        .iter()
                        .map(|f| {
                            let mut o = Map::new();
                            o.insert("api_name".into(), Json::String(f.api_name.clone()));
                            if let Some(id) = &f.id {
                                o.insert("id".into(), Json::String(id.clone()));
                            }
                            Json::Object(o)
                        })
                        .collect(),
                )
            },
        );
        m.insert(
            "restricted_actions".into(),
            Json::Array(self.restricted_actions.iter().map(|a| json!(a.as_str())).collect()),
        );
        m.insert(
            "restricted_communications".into(),
            if self.restricted_communications.is_empty() {
                Json::Null
            } else {
                Json::Array(self.restricted_communications.iter().map(|c| json!(c.as_str())).collect())
            },
        );
        m.insert("restricted_custom_buttons".into(), refs(&self.restricted_custom_buttons));
        m.insert("lock_for_portal_users".into(), json!(self.lock_for_portal_users));
        m.insert("feature_type".into(), json!("record_locking"));
        m.insert("system_defined".into(), json!(self.system_defined));
        let a = &self.audit;
        for (key, v) in [("created_time", &a.created_time), ("modified_time", &a.modified_time)] {
            if let Some(t) = v {
                m.insert(key.into(), Json::String(t.clone()));
            }
        }
        for (key, v) in [("created_by", &a.created_by), ("modified_by", &a.modified_by)] {
            if let Some(r) = v {
                m.insert(key.into(), r.to_json());
            }
        }
        Json::Object(m)
    }

    /// The full body, `{"record_locking_configurations": [ {...} ]}`.
    pub fn to_body(&self) -> Json {
        json!({ BODY_KEY: [self.to_json()] })
    }

    /// The rule with id `id`.
    pub fn rule(&self, id: &str) -> Option<&LockingRule> {
        self.locking_rules.iter().find(|r| r.id.as_deref() == Some(id))
    }
}

impl LockingRule {
    fn to_json(&self) -> Json {
        let mut m = Map::new();
        if let Some(id) = &self.id {
            m.insert("id".into(), Json::String(id.clone()));
        }
        m.insert("name".into(), Json::String(self.name.clone()));
        m.insert("lock_existing_records".into(), json!(self.lock_existing_records));
        m.insert("criteria".into(), self.criteria.to_json());
        Json::Object(m)
    }
}
