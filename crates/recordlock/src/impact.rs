//! Change impact: which records a configuration change locks, unlocks, or moves to another
//! rule (SPEC.md §3 "After a configuration change").
//!
//! An [`Impact`] compares the current (`old`) and a proposed (`new`) [`Policy`] of one
//! module. For each record it takes the record's current lock — the one the record carries
//! under `Locking_Information__s`, or else the one the old configuration derives — and the
//! lock the new configuration derives, and reports the difference as a [`LockChange`]:
//! `lock` (newly locked), `unlock` (released) or `rule` (locked by another rule). A manual
//! lock never changes. This is what a host runs before applying an update, and what it
//! applies after.
//!
//! [`Impact::lines`] streams JSON Lines the way sweeps do: a chunk at a time, in parallel,
//! results in input order. [`apply_update`] gives the policy a store update request (a
//! partial PUT body) would produce, so the impact of a request can be computed before it is
//! sent.
//!
//! ```
//! use recordlock::impact::{ChangeKind, Impact, RecordImpact};
//! use recordlock::{Limits, Module, Policy};
//! use recordlock::criteria::EvalOptions;
//! use serde_json::json;
//!
//! let policy = |criteria| {
//!     let body = json!({"record_locking_configurations": [{"lock_type": "automatic",
//!         "locking_rules": [{"id": "11", "name": "Big", "criteria": criteria}]}]});
//!     Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
//! };
//! let old = policy(json!({"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}));
//! let new = policy(json!({"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 5000}));
//! let impact = Impact::new(&old, &new);
//!
//! let RecordImpact::Changed(c) = impact.record(r#"{"id": "1", "Amount": 2000}"#)? else { panic!() };
//! assert_eq!(c.kind, ChangeKind::Unlock);
//! assert_eq!(impact.record(r#"{"id": "2", "Amount": 9000}"#)?, RecordImpact::Unchanged);
//! // A record's own lock is authoritative, and a manual lock never changes.
//! let manual = r#"{"id": "3", "Amount": 9000, "Locking_Information__s": {"Lock_Source__s": "Manual"}}"#;
//! assert_eq!(impact.record(manual)?, RecordImpact::Manual);
//! # Ok::<(), recordlock::criteria::Error>(())
//! ```

use std::fmt;
use std::io::{self, BufRead};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::DateTime;
use recordlock_criteria::{Error, ErrorCode, JsonPath, RecordError, Row};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::chunks::{CHUNK_BYTES, Line, Reading, Step, map_lines};
use crate::config::validate::{id_text, unwrap_body};
use crate::config::{BODY_KEY, Reference};
use crate::decision::RuleRef;
use crate::lock::LockState;
use crate::policy::{CompiledRule, Policy, RuleScope, record_text};
use crate::store::{FixedClock, SequentialIds, Store};

/// The record key holding its lock (read ignoring ASCII case, like the lock's own keys).
pub const LOCK_KEY: &str = "Locking_Information__s";

/// What happens to a record's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Unlocked now, locked by a rule after.
    Lock,
    /// Locked by a rule now, unlocked after.
    Unlock,
    /// Locked by one rule now, by another after.
    Rule,
}

impl ChangeKind {
    /// `lock`, `unlock` or `rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Lock => "lock",
            ChangeKind::Unlock => "unlock",
            ChangeKind::Rule => "rule",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of one record's automatic lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockChange {
    /// Whether the record is locked, unlocked or moves to another rule.
    pub kind: ChangeKind,
    /// The rule locking the record now (for `unlock` and `rule`).
    pub old_rule: Option<RuleRef>,
    /// The rule locking it after (for `lock` and `rule`).
    pub new_rule: Option<RuleRef>,
}

/// What a configuration change does to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordImpact {
    /// Its lock stays as it is.
    Unchanged,
    /// It is locked by hand: manual locks never change.
    Manual,
    /// Its automatic lock changes.
    Changed(LockChange),
}

/// Which configuration could not evaluate a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The current one (deriving the record's current lock).
    Old,
    /// The proposed one.
    New,
}

/// A record the impact reports.
#[derive(Debug, Clone)]
pub enum ImpactOutcome {
    /// Its automatic lock changes.
    Changed {
        /// The record's id.
        id: Option<String>,
        /// The lock it gains, loses or changes.
        change: LockChange,
    },
    /// It cannot be evaluated (not JSON, a value of the wrong type for a field a rule reads,
    /// a malformed lock, no id): its impact is unknown.
    Unevaluable {
        /// The record's id, when it could be read.
        id: Option<String>,
        /// The 1-based input line.
        line: u64,
        /// The configuration that could not evaluate it (none: the record or its lock is
        /// malformed).
        side: Option<Side>,
        /// Why it cannot be evaluated (`INVALID_RECORD` with the field's path).
        error: Error,
    },
}

impl Serialize for ImpactOutcome {
    /// As [`ImpactOutcome::to_json`], keys in that order.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = serializer.serialize_map(None)?;
        match self {
            ImpactOutcome::Changed { id, change } => {
                m.serialize_entry("id", id)?;
                m.serialize_entry("change", &change.kind)?;
                if let Some(r) = &change.old_rule {
                    m.serialize_entry("old_rule", r)?;
                }
                if let Some(r) = &change.new_rule {
                    m.serialize_entry("new_rule", r)?;
                }
            }
            ImpactOutcome::Unevaluable { id, line, side, error } => {
                m.serialize_entry("id", id)?;
                m.serialize_entry("error", error)?;
                if let Some(s) = side {
                    m.serialize_entry("configuration", s)?;
                }
                m.serialize_entry("line", line)?;
            }
        }
        m.end()
    }
}

impl ImpactOutcome {
    /// The output line: `{"id", "change", "old_rule"?, "new_rule"?}`, or
    /// `{"id", "error", "configuration"?, "line"}`.
    pub fn to_json(&self) -> Json {
        let mut m = Map::new();
        match self {
            ImpactOutcome::Changed { id, change } => {
                m.insert("id".into(), id.clone().map_or(Json::Null, Json::String));
                m.insert("change".into(), Json::String(change.kind.as_str().to_owned()));
                for (key, rule) in [("old_rule", &change.old_rule), ("new_rule", &change.new_rule)] {
                    if let Some(r) = rule {
                        m.insert(key.into(), serde_json::to_value(r).unwrap_or(Json::Null));
                    }
                }
            }
            ImpactOutcome::Unevaluable { id, line, side, error } => {
                m.insert("id".into(), id.clone().map_or(Json::Null, Json::String));
                m.insert("error".into(), serde_json::to_value(error).unwrap_or(Json::Null));
                if let Some(s) = side {
                    m.insert("configuration".into(), serde_json::to_value(s).unwrap_or(Json::Null));
                }
                m.insert("line".into(), Json::from(*line));
            }
        }
        Json::Object(m)
    }
}

/// Counts at the end of (or during) an impact run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImpactStats {
    /// Records read (blank lines are not records).
    pub records: u64,
    /// Records the change locks.
    pub locked: u64,
    /// Records the change unlocks.
    pub unlocked: u64,
    /// Records that change locking rule.
    pub rule_changed: u64,
    /// Records whose lock stays (manual locks not counted).
    pub unchanged: u64,
    /// Records locked by hand (which never change).
    pub manual: u64,
    /// Records that could not be evaluated.
    pub errors: u64,
    /// Whether the run was cancelled before the end of the input.
    pub cancelled: bool,
}

/// How to stream records.
#[derive(Debug, Clone, Copy)]
pub struct ImpactOptions<'a> {
    /// Records per chunk at most (bounded memory: two chunks at a time).
    pub chunk_records: usize,
    /// Bytes per chunk, roughly, as [`crate::sweep::SweepOptions::chunk_bytes`].
    pub chunk_bytes: usize,
    /// Set to stop after the current chunk.
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for ImpactOptions<'_> {
    fn default() -> Self {
        ImpactOptions { chunk_records: 8192, chunk_bytes: CHUNK_BYTES, cancel: None }
    }
}

/// The change from one configuration of a module to another.
#[derive(Debug, Clone, Copy)]
pub struct Impact<'p> {
    old: &'p Policy,
    new: &'p Policy,
}

/// One worker's rows.
struct Scratch {
    old: Row,
    new: Row,
}

/// One evaluated line.
enum Evaluated {
    Blank,
    Record(RecordImpact),
    Reported(ImpactOutcome),
}

impl<'p> Impact<'p> {
    /// The change from `old` to `new` (two policies of one module).
    pub fn new(old: &'p Policy, new: &'p Policy) -> Impact<'p> {
        Impact { old, new }
    }

    /// What the change does to one record (JSON text). Errors: the record cannot be read or
    /// evaluated (see [`ImpactOutcome::Unevaluable`]).
    pub fn record(&self, text: &str) -> Result<RecordImpact, Error> {
        let mut scratch = self.scratch();
        self.evaluate(text.as_bytes(), &mut scratch).map_err(|(_, _, e)| e)
    }

    /// Streams JSON Lines from `input`, calling `emit` for each record whose lock changes
    /// (and each that cannot be evaluated) in input order, and `progress` after each chunk.
    ///
    /// ```
    /// use recordlock::impact::{Impact, ImpactOptions};
    /// use recordlock::{Limits, Module, Policy};
    /// use recordlock::criteria::EvalOptions;
    /// use serde_json::json;
    ///
    /// let policy = |rules| {
    ///     let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": rules}]});
    ///     Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
    /// };
    /// let won = json!({"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}});
    /// let lost = json!({"name": "Lost", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Lost"}});
    /// let (old, new) = (policy(json!([won])), policy(json!([lost])));
    /// let input = "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n{\"id\": \"2\", \"Stage\": \"Closed Lost\"}\n{\"id\": \"3\"}\n";
    /// let mut out = Vec::new();
    /// let stats = Impact::new(&old, &new).lines(input.as_bytes(), &ImpactOptions::default(), |o| out.push(o.to_json()), |_| {}).unwrap();
    /// assert_eq!(out, [
    ///     json!({"id": "1", "change": "unlock", "old_rule": {"id": null, "name": "Won"}}),
    ///     json!({"id": "2", "change": "lock", "new_rule": {"id": null, "name": "Lost"}}),
    /// ]);
    /// assert_eq!((stats.records, stats.locked, stats.unlocked, stats.unchanged), (3, 1, 1, 1));
    /// ```
    pub fn lines<R: BufRead + Send>(
        &self,
        input: R,
        opts: &ImpactOptions<'_>,
        mut emit: impl FnMut(ImpactOutcome),
        mut progress: impl FnMut(&ImpactStats),
    ) -> io::Result<ImpactStats> {
        let mut stats = ImpactStats::default();
        let reading = Reading {
            chunk_lines: opts.chunk_records,
            chunk_bytes: opts.chunk_bytes,
            limit: self.old.limits().record_bytes.max(self.new.limits().record_bytes),
            cancel: opts.cancel,
        };
        let cancelled = map_lines(
            input,
            &reading,
            || self.scratch(),
            |scratch, number, line| self.evaluate_line(number, line, scratch),
            |step| {
                let evaluated = match step {
                    Step::Item(e) => e,
                    Step::ChunkDone => return progress(&stats),
                };
                if !matches!(evaluated, Evaluated::Blank) {
                    stats.records += 1;
                }
                match evaluated {
                    Evaluated::Blank => {}
                    Evaluated::Record(RecordImpact::Unchanged) => stats.unchanged += 1,
                    Evaluated::Record(RecordImpact::Manual) => stats.manual += 1,
                    Evaluated::Record(RecordImpact::Changed(_)) => {}
                    Evaluated::Reported(outcome) => {
                        match &outcome {
                            ImpactOutcome::Changed { change, .. } => match change.kind {
                                ChangeKind::Lock => stats.locked += 1,
                                ChangeKind::Unlock => stats.unlocked += 1,
                                ChangeKind::Rule => stats.rule_changed += 1,
                            },
                            ImpactOutcome::Unevaluable { .. } => stats.errors += 1,
                        }
                        emit(outcome);
                    }
                }
            },
        )?;
        stats.cancelled = cancelled;
        Ok(stats)
    }

    fn scratch(&self) -> Scratch {
        Scratch { old: self.old.new_row(), new: self.new.new_row() }
    }

    fn evaluate_line(&self, number: u64, line: Line<'_>, scratch: &mut Scratch) -> Evaluated {
        let bytes = match line {
            Line::TooLong => {
                let limit = self.new.limits().record_bytes;
                let error = Error::limit_exceeded(&JsonPath::root(), "the size of a record in bytes", limit);
                return Evaluated::Reported(ImpactOutcome::Unevaluable { id: None, line: number, side: None, error });
            }
            Line::Text(t) if t.iter().all(u8::is_ascii_whitespace) => return Evaluated::Blank,
            Line::Text(t) => t,
        };
        match self.evaluate(bytes, scratch) {
            Ok(RecordImpact::Changed(change)) => {
                let id = scratch.new.record_id().map(str::to_owned);
                Evaluated::Reported(ImpactOutcome::Changed { id, change })
            }
            Ok(other) => Evaluated::Record(other),
            Err((id, side, error)) => Evaluated::Reported(ImpactOutcome::Unevaluable { id, line: number, side, error }),
        }
    }

    /// The record's impact, or why it has none: (id, configuration, error). The record is
    /// read as a sweep reads it (UTF-8 throughout, an id required).
    fn evaluate(&self, bytes: &[u8], s: &mut Scratch) -> Result<RecordImpact, (Option<String>, Option<Side>, Error)> {
        let text = record_text(bytes).map_err(|e| (None, None, e.into()))?;
        let new_read = self.new.ingest_str(text, &mut s.new);
        let id = s.new.record_id().map(str::to_owned);
        let given = match current_lock(text) {
            Ok(lock) => lock,
            Err(e) => return Err((id, None, e.with_code(ErrorCode::InvalidRecord))),
        };
        if let Some(LockState::Manual(_)) = given {
            return Ok(RecordImpact::Manual);
        }
        if let Err(e) = new_read {
            // A bad `id` is the record's fault, not the new configuration's.
            let side = (e.json_path() != "$.id").then_some(Side::New);
            return Err((id, side, e.into()));
        }
        if id.is_none() {
            return Err((None, None, RecordError::missing_id().into()));
        }
        let new_rule = self.new.matching_rule(&s.new, RuleScope::All);
        let old_rule = match given {
            Some(LockState::Automatic(a)) => Some(RuleRef {
                name: a.rule_id.as_deref().and_then(|r| self.old.rule_by_id(r)).map(|r| Arc::from(r.name())),
                id: a.rule_id.map(Arc::from),
            }),
            Some(LockState::Unlocked | LockState::Manual(_)) => None,
            None => {
                if let Err(e) = self.old.ingest_str(text, &mut s.old) {
                    return Err((id, Some(Side::Old), e.into()));
                }
                self.old.matching_rule(&s.old, RuleScope::All).map(CompiledRule::rule_ref)
            }
        };
        let change = match (old_rule, new_rule) {
            (None, None) => return Ok(RecordImpact::Unchanged),
            (Some(old), Some(new)) if same_rule(&old, new) => return Ok(RecordImpact::Unchanged),
            (None, Some(new)) => LockChange { kind: ChangeKind::Lock, old_rule: None, new_rule: Some(new.rule_ref()) },
            (Some(old), None) => LockChange { kind: ChangeKind::Unlock, old_rule: Some(old), new_rule: None },
            (Some(old), Some(new)) => {
                LockChange { kind: ChangeKind::Rule, old_rule: Some(old), new_rule: Some(new.rule_ref()) }
            }
        };
        Ok(RecordImpact::Changed(change))
    }
}

/// Whether the rule that locks a record now is `new`: by id when both have one (a store
/// keeps ids across updates), else by name (configurations written without ids).
fn same_rule(old: &RuleRef, new: &CompiledRule) -> bool {
    match (old.id.as_deref(), new.id()) {
        (Some(a), Some(b)) => a == b,
        _ => old.name.as_deref().is_some_and(|n| n == new.name()),
    }
}

/// The lock a record carries under [`LOCK_KEY`]: `None` when the key is absent (the lock is
/// then derived), unlocked when it is `null`.
fn current_lock(text: &str) -> Result<Option<LockState>, Error> {
    let RecordLock(json) =
        serde_json::from_str(text).map_err(|e| recordlock_criteria::error_from_json(&e, text.as_bytes()))?;
    match json {
        None => Ok(None),
        Some(j) => LockState::from_json(&j).map(Some).map_err(|e| e.under(&JsonPath::root().key(LOCK_KEY))),
    }
}

/// The value of a record's lock key, read without building the rest of the record.
struct RecordLock(Option<Json>);

impl<'de> Deserialize<'de> for RecordLock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RecordLock, D::Error> {
        deserializer.deserialize_map(RecordLockVisitor)
    }
}

struct RecordLockVisitor;

impl<'de> Visitor<'de> for RecordLockVisitor {
    type Value = RecordLock;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RecordLock, A::Error> {
        let mut lock = None;
        while let Some(is_lock) = map.next_key_seed(IsLockKey)? {
            if is_lock {
                if lock.is_some() {
                    return Err(de::Error::custom(format!("`{LOCK_KEY}` is given twice")));
                }
                lock = Some(map.next_value::<Json>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(RecordLock(lock))
    }
}

/// Reads a key, answering whether it is [`LOCK_KEY`] (ignoring ASCII case) without
/// allocating.
struct IsLockKey;

impl<'de> DeserializeSeed<'de> for IsLockKey {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for IsLockKey {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key.eq_ignore_ascii_case(LOCK_KEY))
    }
}

/// The policy a store update request (a partial PUT body, SPEC.md §1 "Store semantics")
/// would make of `current`: the request applied as the store applies it, validated as a
/// whole. Rules it adds get fresh ids, so they never match an existing lock's rule id.
///
/// A `current` configuration without an id (a create body) takes the request's id, or a
/// placeholder; its rules have no ids, so the request can add rules but not edit or delete
/// them.
pub fn apply_update(current: &Policy, update: &Json) -> Result<Policy, Error> {
    let module = current.module();
    let (object, _) = unwrap_body(update)?;
    let id =
        current.config().id.clone().or_else(|| object.get("id").and_then(id_text)).unwrap_or_else(|| "1".to_owned());
    let mut config = current.config().clone();
    config.id = Some(id.clone());
    let store = Store::new(
        Box::new(FixedClock(DateTime::UNIX_EPOCH.fixed_offset())),
        Box::new(SequentialIds::starting_at(8_888_000_000_000_000_001)),
    )
    .with_limits(*current.limits())
    .with_eval_options(*current.eval_options());
    store.register_schema(module.name(), module.schema().clone());
    store.load(module.name(), &config.to_body())?;
    let actor = Reference { id: "0".to_owned(), name: None };
    store.update(module.name(), Some(&id), update, &actor)?;
    store.policy(module.name()).map(|p| (*p).clone()).ok_or_else(|| {
        Error::new(ErrorCode::InvalidData, &JsonPath::root().key(BODY_KEY), "the update left no configuration")
    })
}

#[cfg(test)]
mod tests {
    use recordlock_criteria::EvalOptions;
    use serde_json::json;

    use super::*;
    use crate::{Limits, Module};

    fn policy(rules: Json) -> Policy {
        let body =
            json!({"record_locking_configurations": [{"id": "900", "lock_type": "automatic", "locking_rules": rules}]});
        Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap()
    }

    fn stage(id: &str, name: &str, stage: &str) -> Json {
        json!({"id": id, "name": name, "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": stage}})
    }

    fn changed(i: &Impact<'_>, text: &str) -> LockChange {
        match i.record(text).unwrap() {
            RecordImpact::Changed(c) => c,
            other => panic!("{other:?}"),
        }
    }

    /// SPEC.md §3: rules are the same by id across configurations, and a lock given with the
    /// record is authoritative, even naming a rule the old configuration does not know.
    #[test]
    fn rules_match_by_id_and_given_locks_count() {
        let old = policy(json!([stage("1", "Won", "Closed Won"), stage("2", "Lost", "Closed Lost")]));
        // Rule 1 renamed, rule 2 now locks Qualification.
        let new = policy(json!([stage("1", "Won deals", "Closed Won"), stage("2", "Lost", "Qualification")]));
        let i = Impact::new(&old, &new);
        assert_eq!(i.record(r#"{"id": "1", "Stage": "Closed Won"}"#).unwrap(), RecordImpact::Unchanged);
        assert_eq!(changed(&i, r#"{"id": "2", "Stage": "Closed Lost"}"#).kind, ChangeKind::Unlock);
        assert_eq!(changed(&i, r#"{"id": "3", "Stage": "Qualification"}"#).kind, ChangeKind::Lock);
        let given = r#"{"id": "4", "Stage": "Closed Won", "locking_information__s": {"lock_source__s": "Automatic", "record_locking_rule_id__s": "77"}}"#;
        let c = changed(&i, given);
        assert_eq!(c.kind, ChangeKind::Rule);
        assert_eq!(c.old_rule.unwrap().id.as_deref(), Some("77"));
        let unlocked = r#"{"id": "5", "Stage": "Closed Won", "Locking_Information__s": null}"#;
        assert_eq!(changed(&i, unlocked).kind, ChangeKind::Lock);
    }

    #[test]
    fn bad_records_and_locks_are_errors() {
        let old = policy(json!([stage("1", "Won", "Closed Won")]));
        let i = Impact::new(&old, &old);
        let e = i.record(r#"{"id": "1", "Locking_Information__s": {"Lock_Source__s": "Both"}}"#).unwrap_err();
        assert_eq!(e.json_path(), "$.Locking_Information__s.Lock_Source__s");
        assert!(i.record("not json").is_err());
        let twice = r#"{"Locking_Information__s": null, "LOCKING_INFORMATION__S": null}"#;
        assert!(i.record(twice).is_err());
    }

    /// SPEC.md §1 Store semantics: an update request's impact, before it is sent.
    #[test]
    fn update_requests_apply_like_the_store() {
        let old = policy(json!([stage("1", "Won", "Closed Won")]));
        let update = json!({"record_locking_configurations": [{"locking_rules": [
            {"id": "1", "_delete": true}, stage("", "Lost", "Closed Lost").as_object().map(|o| {
                let mut o = o.clone(); o.remove("id"); Json::Object(o) }).unwrap()]}]});
        let new = apply_update(&old, &update).unwrap();
        assert_eq!(new.rules().len(), 1);
        assert_eq!(new.rules()[0].name(), "Lost");
        let i = Impact::new(&old, &new);
        assert_eq!(changed(&i, r#"{"id": "1", "Stage": "Closed Won"}"#).kind, ChangeKind::Unlock);
        let bad = json!({"record_locking_configurations": [{"locking_rules": [{"id": "404", "_delete": true}]}]});
        assert!(apply_update(&old, &bad).is_err());
    }
}
