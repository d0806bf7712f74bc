//! The configuration store: Zoho's four REST verbs on record locking configurations
//! (SPEC.md §1 "Store semantics").
//!
//! Requests and responses are the exact Zoho JSON bodies, so a host maps routes onto the
//! store in a few lines:
//!
//! | route | call |
//! |---|---|
//! | `POST /settings/record_locking_configurations?module=M` | [`Store::create`] |
//! | `GET .../record_locking_configurations?module=M` | [`Store::get`] (`None` → 204) |
//! | `PUT .../record_locking_configurations[/{id}]?module=M` | [`Store::update`] |
//! | `DELETE .../record_locking_configurations/{id}?module=M` | [`Store::delete`] |
//!
//! Each change reports which rules were added, edited and removed and which locks it
//! releases ([`Change`]), so the host knows what to sweep and what to unlock. Readers get the
//! current [`Policy`] with [`Store::policy`]: an `Arc` swapped whole on each change, so a
//! reader never sees half an update.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, FixedOffset};
use recordlock_criteria::{Error, ErrorCode, EvalOptions, JsonPath, Schema};
use serde_json::{Map, Value as Json, json};

use crate::config::validate::{optional_id, unwrap_body, validate};
use crate::config::{BODY_KEY, Reference};
use crate::limits::Limits;
use crate::module::Module;
use crate::policy::{Policy, rfc3339};

/// The source of "now" for audit fields (an input, never read inside the engine).
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<FixedOffset>;
}

/// A clock that always says the same time (tests, replays).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<FixedOffset>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

/// The system clock, in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
        DateTime::from_timestamp(secs, 0).unwrap_or_default().fixed_offset()
    }
}

/// The source of new configuration and rule ids: 19-digit numeric strings, like Zoho's.
pub trait IdSource: Send + Sync {
    /// A new id.
    fn next_id(&self) -> String;
}

/// Ids counting up from a 19-digit start.
#[derive(Debug)]
pub struct SequentialIds(AtomicU64);

impl SequentialIds {
    /// Ids from `start` (kept within 19 digits).
    pub fn starting_at(start: u64) -> SequentialIds {
        SequentialIds(AtomicU64::new(start.clamp(1_000_000_000_000_000_000, 9_000_000_000_000_000_000)))
    }
}

impl Default for SequentialIds {
    fn default() -> SequentialIds {
        SequentialIds::starting_at(5_843_104_000_000_000_001)
    }
}

impl IdSource for SequentialIds {
    fn next_id(&self) -> String {
        self.0.fetch_add(1, Ordering::Relaxed).to_string()
    }
}

/// Which locks a change releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// No lock is released (a `manual` configuration kept its locks, or nothing was deleted).
    Nothing,
    /// The automatic locks made by these (removed) rules.
    RuleLocks(Vec<String>),
    /// Every lock of the module, manual and automatic (the configuration was deleted).
    AllLocks,
    /// Every automatic lock of the module; manual locks stay (`lock_type` changed from
    /// `automatic` or `both` to `manual`: no rule locks records any more, so the locks the
    /// rules made are released, as the change impact of the same update reports them).
    AutomaticLocks,
}

/// What a store operation changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Ids of rules added (to sweep if they have `lock_existing_records`).
    pub added: Vec<String>,
    /// Ids of rules edited (their automatic locks may change).
    pub edited: Vec<String>,
    /// Ids of rules removed.
    pub removed: Vec<String>,
    /// Locks to release.
    pub release: Release,
}

/// Makes a change durable before readers see it: a server's database.
///
/// [`Store::create`], [`Store::update`] and [`Store::delete`] call [`Journal::commit`] with
/// the writer lock held, after the change is validated and compiled and before it is
/// published. An error aborts the change: nothing is published, and the store returns the
/// error. [`Store::load`] does not journal (it installs what was already stored).
pub trait Journal: Send + Sync {
    /// Records `module`'s new policy (`None`: the configuration was deleted) and what the
    /// change released.
    fn commit(&self, module: &str, policy: Option<&Policy>, change: &Change) -> Result<(), Error>;
}

/// The configuration store, one configuration per module.
///
/// ```
/// use recordlock::store::{FixedClock, SequentialIds, Store};
/// use recordlock::config::Reference;
/// use serde_json::json;
///
/// let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+00:00").unwrap();
/// let store = Store::new(Box::new(FixedClock(now)), Box::new(SequentialIds::default()));
/// let admin = Reference { id: "1".into(), name: Some("Admin".into()) };
/// let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
///     {"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let (response, change) = store.create("Deals", &body, &admin).unwrap();
/// assert_eq!(response["record_locking_configurations"][0]["code"], "SUCCESS");
/// assert_eq!(change.added.len(), 1);
///
/// let id = response["record_locking_configurations"][0]["details"]["id"].as_str().unwrap().to_owned();
/// let rule_id = change.added[0].clone();
/// let edit = json!({"record_locking_configurations": [{"locking_rules": [{"id": rule_id, "_delete": true}]}]});
/// let err = store.update("Deals", Some(&id), &edit, &admin).unwrap_err();
/// assert_eq!(err.code().as_str(), "DEPENDENT_FIELD_MISSING"); // automatic needs a rule; nothing changed
/// assert!(store.get("Deals").is_some());
/// ```
pub struct Store {
    /// The published policies. Writers hold the lock only to swap an `Arc`.
    modules: RwLock<HashMap<String, Arc<Policy>>>,
    /// Serialises writers, who validate and compile outside `modules`'s lock.
    writer: Mutex<()>,
    schemas: RwLock<HashMap<String, Schema>>,
    clock: Box<dyn Clock>,
    ids: Box<dyn IdSource>,
    journal: Option<Box<dyn Journal>>,
    limits: Limits,
    opts: EvalOptions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("limits", &self.limits).field("opts", &self.opts).finish_non_exhaustive()
    }
}

fn body_path() -> JsonPath {
    JsonPath::root().key(BODY_KEY).index(0)
}

fn success(id: &str, message: &str) -> Json {
    json!({ BODY_KEY: [{"code": "SUCCESS", "details": {"id": id}, "message": message, "status": "success"}] })
}

const READ_ONLY: &[&str] = &["id", "created_time", "modified_time", "created_by", "modified_by", "system_defined"];

impl Store {
    /// An empty store with default limits and options.
    pub fn new(clock: Box<dyn Clock>, ids: Box<dyn IdSource>) -> Store {
        Store {
            modules: RwLock::new(HashMap::new()),
            writer: Mutex::new(()),
            schemas: RwLock::new(HashMap::new()),
            clock,
            ids,
            journal: None,
            limits: Limits::default(),
            opts: EvalOptions::default(),
        }
    }

    /// Sets the limits configurations are validated with.
    pub fn with_limits(mut self, limits: Limits) -> Store {
        self.limits = limits;
        self
    }

    /// Sets the evaluation options policies are compiled with.
    pub fn with_eval_options(mut self, opts: EvalOptions) -> Store {
        self.opts = opts;
        self
    }

    /// Makes every change durable through `journal` before it is published.
    pub fn with_journal(mut self, journal: Box<dyn Journal>) -> Store {
        self.journal = Some(journal);
        self
    }

    /// Journals a change (when the store has a journal), then publishes it.
    fn commit(&self, module: &str, policy: Option<Arc<Policy>>, change: &Change) -> Result<(), Error> {
        if let Some(journal) = &self.journal {
            journal.commit(module, policy.as_deref(), change)?;
        }
        self.publish(module, policy)
    }

    /// Gives `module` a schema (a custom module, or to replace a built-in one).
    pub fn register_schema(&self, module: &str, schema: Schema) {
        if let Ok(mut s) = self.schemas.write() {
            s.insert(module.to_owned(), schema);
        }
    }

    fn module(&self, name: &str) -> Result<Module, Error> {
        let custom = self.schemas.read().ok().and_then(|s| s.get(name).cloned());
        Module::resolve(name, custom)
    }

    /// Swaps the module's policy: the only moment readers can wait, for a pointer's length.
    fn publish(&self, module: &str, policy: Option<Arc<Policy>>) -> Result<(), Error> {
        let mut modules = self.modules.write().map_err(|_| Store::poisoned())?;
        match policy {
            Some(p) => modules.insert(module.to_owned(), p),
            None => modules.remove(module),
        };
        Ok(())
    }

    fn poisoned() -> Error {
        Error::new(ErrorCode::NotAllowed, &JsonPath::root(), "the store is unavailable after a panic in another thread")
    }

    /// The current policy of `module`, if it has a configuration. Cheap: an `Arc` clone.
    pub fn policy(&self, module: &str) -> Option<Arc<Policy>> {
        self.modules.read().ok()?.get(module).cloned()
    }

    /// GET: the stored configuration body, or `None` (HTTP 204) when there is none.
    pub fn get(&self, module: &str) -> Option<Json> {
        self.policy(module).map(|p| p.config().to_body())
    }

    /// POST: creates the module's configuration. `LIMIT_EXCEEDED` if it has one. Read-only
    /// keys in the body are ignored; ids and audit fields are assigned.
    pub fn create(&self, module: &str, body: &Json, actor: &Reference) -> Result<(Json, Change), Error> {
        let module = self.module(module)?;
        let _writer = self.writer.lock().map_err(|_| Store::poisoned())?;
        if self.policy(module.name()).is_some() {
            return Err(Error::limit_exceeded(&body_path(), "record locking configurations per module", 1)
                .with_api_name(BODY_KEY));
        }
        let (object, _) = unwrap_body(body)?;
        let mut object = object.clone();
        for key in READ_ONLY {
            object.remove(*key);
        }
        let mut valid = validate(&json!({ BODY_KEY: [Json::Object(object)] }), &module, &self.limits)?;
        let now = rfc3339(self.clock.now());
        let config = valid.config_mut();
        let id = self.ids.next_id();
        config.id = Some(id.clone());
        config.system_defined = false;
        config.audit.created_time = Some(now.clone());
        config.audit.modified_time = Some(now);
        config.audit.created_by = Some(actor.clone());
        config.audit.modified_by = Some(actor.clone());
        let mut added = Vec::new();
        for rule in &mut config.locking_rules {
            let rid = self.ids.next_id();
            added.push(rid.clone());
            rule.id = Some(rid);
        }
        let policy = Policy::from_valid(valid, module.clone(), self.limits, self.opts)?;
        let change = Change { added, edited: Vec::new(), removed: Vec::new(), release: Release::Nothing };
        self.commit(module.name(), Some(Arc::new(policy)), &change)?;
        Ok((success(&id, "record locking configuration created successfully"), change))
    }

    /// PUT: a partial update. Keys absent keep their value; a rule with a known `id` is
    /// edited, one without `id` added, `{"id", "_delete": true}` removed; an unknown rule id is
    /// `INVALID_DATA`. The result is validated as a whole and applied atomically: on error
    /// nothing changes. The configuration id comes from `path_id` or the body.
    pub fn update(
        &self,
        module: &str,
        path_id: Option<&str>,
        body: &Json,
        actor: &Reference,
    ) -> Result<(Json, Change), Error> {
        let module = self.module(module)?;
        let _writer = self.writer.lock().map_err(|_| Store::poisoned())?;
        let (object, path) = unwrap_body(body)?;
        let current = self.policy(module.name());
        let body_id = optional_id(object, "id", &path)?;
        let id = path_id.map(str::to_owned).or(body_id.clone());
        let Some(id) = id else {
            return Err(Error::new(ErrorCode::MandatoryNotFound, &path.key("id"), "required field not found")
                .with_api_name("id"));
        };
        let current = match current {
            Some(c) if c.config().id.as_deref() == Some(id.as_str()) && body_id.as_ref().is_none_or(|b| *b == id) => c,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidData,
                    &path.key("id"),
                    format!("no configuration `{id}` for this module"),
                )
                .with_api_name("id"));
            }
        };
        let Json::Object(mut merged) = current.config().to_json() else {
            return Err(Error::new(ErrorCode::InvalidData, &path, "stored configuration is not an object"));
        };
        let mut change =
            Change { added: Vec::new(), edited: Vec::new(), removed: Vec::new(), release: Release::Nothing };
        let mut new_rules = Vec::new();
        // For each rule of the merged list, the request item it came from (if any).
        let mut origins: Vec<Option<usize>> = Vec::new();
        for (key, value) in object {
            if READ_ONLY.contains(&key.as_str()) {
                continue;
            }
            if key == "locking_rules" && !value.is_null() {
                let rules = merge_rules(
                    merged.get("locking_rules"),
                    value,
                    &path.key("locking_rules"),
                    &mut change,
                    &mut new_rules,
                    &mut origins,
                )?;
                merged.insert(key.clone(), rules);
            } else {
                if key == "locking_rules" {
                    // `null` clears the rules: each stored rule is removed.
                    change.removed.extend(current.config().locking_rules.iter().filter_map(|r| r.id.clone()));
                }
                merged.insert(key.clone(), value.clone());
            }
        }
        let merged_body = json!({ BODY_KEY: [Json::Object(merged)] });
        let mut valid = validate(&merged_body, &module, &self.limits).map_err(|e| {
            // An error in a rule the request sent points into the request, not the merged list.
            let rules = path.key("locking_rules");
            let from = origins.iter().enumerate().find_map(|(k, origin)| {
                let at = rules.index(k);
                let rest = e.json_path().strip_prefix(at.as_str())?;
                (rest.is_empty() || rest.starts_with(['.', '['])).then_some((at, (*origin)?))
            });
            match from {
                Some((at, j)) => e.relocated(&at, &rules.index(j)),
                None => e,
            }
        })?;
        // Validated: now assign ids to the new rules and stamp the change.
        for (rule, position) in valid.config_mut().locking_rules.iter_mut().zip(0..) {
            if rule.id.is_none() && new_rules.contains(&position) {
                let rid = self.ids.next_id();
                change.added.push(rid.clone());
                rule.id = Some(rid);
            }
        }
        valid.config_mut().audit.modified_time = Some(rfc3339(self.clock.now()));
        valid.config_mut().audit.modified_by = Some(actor.clone());
        if !change.removed.is_empty() {
            change.release = Release::RuleLocks(change.removed.clone());
        }
        if current.config().lock_type.is_automatic() && !valid.config().lock_type.is_automatic() {
            change.release = Release::AutomaticLocks;
        }
        let policy = Policy::from_valid(valid, module.clone(), self.limits, self.opts)?;
        self.commit(module.name(), Some(Arc::new(policy)), &change)?;
        Ok((success(&id, "record locking configuration updated successfully"), change))
    }

    /// DELETE: removes the configuration; every lock of the module is released.
    /// `NOT_ALLOWED` for a system-defined configuration.
    pub fn delete(&self, module: &str, id: &str) -> Result<(Json, Change), Error> {
        let module = self.module(module)?;
        let _writer = self.writer.lock().map_err(|_| Store::poisoned())?;
        let path = JsonPath::root().key("id");
        let Some(current) = self.policy(module.name()).filter(|c| c.config().id.as_deref() == Some(id)) else {
            return Err(Error::new(ErrorCode::InvalidData, &path, format!("no configuration `{id}` for this module"))
                .with_api_name("id"));
        };
        if current.config().system_defined {
            return Err(Error::new(ErrorCode::NotAllowed, &path, "a system-defined configuration cannot be deleted")
                .with_api_name("id"));
        }
        let removed = current.config().locking_rules.iter().filter_map(|r| r.id.clone()).collect();
        let change = Change { added: Vec::new(), edited: Vec::new(), removed, release: Release::AllLocks };
        self.commit(module.name(), None, &change)?;
        Ok((success(id, "record locking configuration deleted"), change))
    }

    /// Installs a configuration as stored elsewhere (a GET body with ids), replacing any:
    /// how a host loads its saved state at start-up. The body is validated.
    /// The configuration and rules without ids (a POST-shaped body) are given ids here, so
    /// every rule can later be edited or deleted by id.
    pub fn load(&self, module: &str, body: &Json) -> Result<Arc<Policy>, Error> {
        let module = self.module(module)?;
        let mut valid = validate(body, &module, &self.limits)?;
        let config = valid.config_mut();
        config.id.get_or_insert_with(|| self.ids.next_id());
        for rule in &mut config.locking_rules {
            rule.id.get_or_insert_with(|| self.ids.next_id());
        }
        let policy = Arc::new(Policy::from_valid(valid, module.clone(), self.limits, self.opts)?);
        let _writer = self.writer.lock().map_err(|_| Store::poisoned())?;
        self.publish(module.name(), Some(Arc::clone(&policy)))?;
        Ok(policy)
    }

    /// Removes `module`'s configuration as deleted elsewhere (another process sharing the
    /// host's database), without journalling: [`Store::load`]'s counterpart.
    pub fn unload(&self, module: &str) -> Result<(), Error> {
        let _writer = self.writer.lock().map_err(|_| Store::poisoned())?;
        self.publish(module, None)
    }

    /// The modules that have a configuration.
    pub fn modules(&self) -> Vec<String> {
        self.modules.read().map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }
}

/// Applies an update's `locking_rules` to the stored ones; records the change and the
/// positions (in the merged list) of the new rules.
fn merge_rules(
    stored: Option<&Json>,
    update: &Json,
    path: &JsonPath,
    change: &mut Change,
    new_rules: &mut Vec<usize>,
    origins: &mut Vec<Option<usize>>,
) -> Result<Json, Error> {
    let Json::Array(items) = update else {
        return Err(
            Error::new(ErrorCode::InvalidData, path, "`locking_rules` must be an array").with_api_name("locking_rules")
        );
    };
    let mut rules: Vec<Map<String, Json>> = match stored {
        Some(Json::Array(r)) => r.iter().filter_map(|x| x.as_object().cloned()).collect(),
        _ => Vec::new(),
    };
    origins.clear();
    origins.resize(rules.len(), None);
    for (i, item) in items.iter().enumerate() {
        let p = path.index(i);
        let Json::Object(item) = item else {
            return Err(Error::new(ErrorCode::InvalidData, &p, "a locking rule must be an object")
                .with_api_name("locking_rules"));
        };
        let delete = match item.get("_delete") {
            None | Some(Json::Null) | Some(Json::Bool(false)) => false,
            Some(Json::Bool(true)) => true,
            Some(_) => {
                return Err(Error::new(ErrorCode::InvalidData, &p.key("_delete"), "`_delete` must be true or false")
                    .with_api_name("_delete"));
            }
        };
        let rule_id = optional_id(item, "id", &p)?;
        match rule_id {
            None if delete => {
                return Err(Error::new(ErrorCode::MandatoryNotFound, &p.key("id"), "`_delete` needs the rule's id")
                    .with_api_name("id"));
            }
            None => {
                let mut rule = item.clone();
                rule.remove("_delete");
                rules.push(rule);
                origins.push(Some(i));
                new_rules.push(rules.len() - 1);
            }
            Some(rid) => {
                let found = rules.iter().position(|r| r.get("id").and_then(Json::as_str) == Some(rid.as_str()));
                let Some(pos) = found else {
                    return Err(Error::new(ErrorCode::InvalidData, &p.key("id"), format!("no locking rule `{rid}`"))
                        .with_api_name("id"));
                };
                if delete {
                    rules.remove(pos);
                    if pos < origins.len() {
                        origins.remove(pos);
                    }
                    change.edited.retain(|e| *e != rid);
                    new_rules.iter_mut().for_each(|n| {
                        if *n > pos {
                            *n -= 1;
                        }
                    });
                    change.removed.push(rid);
                } else if let Some(rule) = rules.get_mut(pos) {
                    for (k, v) in item {
                        if k != "_delete" && k != "id" {
                            rule.insert(k.clone(), v.clone());
                        }
                    }
                    if let Some(o) = origins.get_mut(pos) {
                        *o = Some(i);
                    }
                    change.edited.push(rid);
                }
            }
        }
    }
    Ok(Json::Array(rules.into_iter().map(Json::Object).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FailingJournal;

    impl Journal for FailingJournal {
        fn commit(&self, _: &str, _: Option<&Policy>, _: &Change) -> Result<(), Error> {
            Err(Error::new(ErrorCode::InternalError, &JsonPath::root(), "disk full"))
        }
    }

    /// A change the journal refuses is not published: a failed write changes nothing.
    #[test]
    fn a_failed_journal_commit_publishes_nothing() {
        let store = Store::new(Box::new(SystemClock), Box::new(SequentialIds::default()))
            .with_journal(Box::new(FailingJournal));
        let admin = Reference { id: "1".into(), name: None };
        let body = json!({"record_locking_configurations": [{"lock_type": "manual"}]});
        let err = store.create("Deals", &body, &admin).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InternalError);
        assert!(store.get("Deals").is_none());
    }
}
