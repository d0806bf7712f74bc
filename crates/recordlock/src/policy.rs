//! The compiled configuration of one module, and the decisions it makes (SPEC.md §3, §4).
//!
//! A [`Policy`] is built once per configuration and shared (`Arc<Policy>` is `Send + Sync`):
//! rules compiled to bytecode, excluded fields, restricted actions, buttons and exempt
//! profiles as bitsets and sorted slices. Every question after that — the lock a record
//! derives, whether an actor may do an operation — reads it without allocating, save for the
//! names a blocked answer reports.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use recordlock_criteria::{
    Error, ErrorCode, EvalOptions, Expr, Ingestor, JsonPath, Layout, Program, RecordError, Row, Schema, Slot, compile,
    reference,
};
use serde_json::Value as Json;

use crate::config::validate::validate;
use crate::config::{Communication, Config, LockedFor, Reference, RestrictedAction, ValidConfig};
use crate::decision::{Actor, Block, BlockCode, Decision, LockInfo, Operation, RECORD_LOCKED_MESSAGE, RuleRef};
use crate::dispatch::RuleIndex;
use crate::limits::Limits;
use crate::lock::{AutomaticLock, LockState, ManualLock};
use crate::module::Module;
use crate::rules::{Rule, RuleSet};

/// One locking rule, compiled: the [`Rule`] and its bytecode.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    rule: Rule,
    program: Program,
}

impl CompiledRule {
    /// The rule: id, name, scope and typed criteria.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The rule id (absent before a store assigned one).
    pub fn id(&self) -> Option<&str> {
        self.rule.id()
    }

    /// The rule name.
    pub fn name(&self) -> &str {
        self.rule.name()
    }

    /// Whether back-fill sweeps apply it.
    pub fn lock_existing_records(&self) -> bool {
        self.rule.lock_existing_records()
    }

    /// The typed criteria (what the reference interpreter evaluates).
    pub fn expr(&self) -> &Expr {
        self.rule.expr()
    }

    /// The bytecode.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The rule as named in decisions.
    pub fn rule_ref(&self) -> RuleRef {
        self.rule.rule_ref()
    }
}

/// Which rules a lock derivation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleScope {
    /// Every rule: a record being saved.
    All,
    /// Only rules with `lock_existing_records`: a back-fill sweep.
    ExistingRecords,
}

/// The lock a record has, as a decision sees it.
#[derive(Debug, Clone, Copy)]
pub enum EffectiveLock<'a> {
    /// Not locked.
    Unlocked,
    /// Locked by hand.
    Manual(&'a ManualLock),
    /// Locked by a rule (the rule is `None` when the configuration does not know its id).
    Automatic {
        /// The rule id given or derived.
        rule_id: Option<&'a str>,
        /// The rule, when known.
        rule: Option<&'a CompiledRule>,
    },
    /// The lock had to be derived, but the record cannot be evaluated: it counts as locked,
    /// and what a lock would block is blocked with `INVALID_RECORD`.
    Unevaluable(&'a Error),
}

/// The compiled configuration of one module.
///
/// ```
/// use recordlock::{Actor, Module, Operation, Policy, Limits, LockState};
/// use recordlock_criteria::EvalOptions;
/// use serde_json::json;
///
/// let body = json!({"record_locking_configurations": [{
///     "lock_type": "automatic",
///     "excluded_fields": [{"api_name": "Description"}],
///     "restricted_actions": ["delete"],
///     "locking_rules": [{"name": "Closed Won", "criteria":
///         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
/// let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default()).unwrap();
///
/// let mut row = policy.new_row();
/// policy.ingest_str(r#"{"id": "1", "Stage": "Closed Won", "Amount": 5000}"#, &mut row).unwrap();
/// let actor = Actor { id: "u1".into(), profile_id: Some("300".into()), ..Actor::default() };
///
/// let edit = Operation::Update { fields: vec!["Description".into(), "Amount".into()] };
/// let d = policy.decide_derived(&actor, &row, &edit);
/// assert_eq!(d.to_json()["fields"], json!(["Amount"]));
/// assert!(policy.decide_derived(&actor, &row, &Operation::Update { fields: vec!["Description".into()] }).is_allowed());
/// assert!(!policy.decide(&actor, &LockState::Unlocked, &Operation::Delete).is_blocked_by_lock());
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    module: Module,
    config: Config,
    rules: Vec<CompiledRule>,
    /// API names of the excluded fields, sorted.
    excluded_fields: Vec<String>,
    excluded_slots: Vec<Slot>,
    /// Bit `a as u8` set for each restricted action.
    restricted_actions: u8,
    /// Bit `c as u8` set for each restricted communication.
    restricted_communications: u8,
    /// Ids of the restricted custom buttons, sorted.
    restricted_buttons: Vec<String>,
    /// Ids of exempt profiles, sorted (empty unless `locked_for` excludes profiles).
    exempt_profiles: Vec<String>,
    /// Reads the fields any rule reads.
    ingestor: Ingestor,
    /// Reads the fields the `lock_existing_records` rules read (what a back-fill applies).
    existing_ingestor: Ingestor,
    opts: EvalOptions,
    limits: Limits,
    /// The rules each scope applies, indexed on their shared first test
    /// (`[RuleScope::All, RuleScope::ExistingRecords]`); `None` for a scope of more rules
    /// than an index tells apart.
    indexes: [Option<RuleIndex>; 2],
}

impl Decision {
    /// Whether a lock (`RECORD_LOCKED` or `INVALID_RECORD`) blocks the operation.
    pub fn is_blocked_by_lock(&self) -> bool {
        matches!(self, Decision::Blocked(b) if matches!(b.code, BlockCode::RecordLocked | BlockCode::InvalidRecord))
    }
}

impl Policy {
    /// Validates a configuration body for `module` and compiles it.
    pub fn new(body: &Json, module: Module, limits: Limits, opts: EvalOptions) -> Result<Policy, Error> {
        let valid = validate(body, &module, &limits)?;
        Policy::from_valid(valid, module, limits, opts)
    }

    /// Compiles an already validated configuration.
    pub fn from_valid(valid: ValidConfig, module: Module, limits: Limits, opts: EvalOptions) -> Result<Policy, Error> {
        let (config, exprs, excluded_slots) = valid.into_parts();
        let schema = module.schema();
        // One layout for every rule and ingestor: rows hold just the fields the rules read,
        // side by side, and every program indexes them directly.
        let layout = Arc::new(Layout::of(schema, exprs.iter().flat_map(|e| e.preds().map(|p| p.slot()))));
        let mut rules = Vec::with_capacity(exprs.len());
        for (position, (rule, expr)) in config.locking_rules.iter().zip(exprs).enumerate() {
            let program = compile::compile_with_layout(&expr, schema, &opts, &layout)?;
            let rule = Rule::new(position, rule.id.as_deref(), &rule.name, rule.lock_existing_records, expr);
            rules.push(CompiledRule { rule, program });
        }
        let mut excluded_fields: Vec<String> = config.excluded_fields.iter().map(|f| f.api_name.clone()).collect();
        excluded_fields.sort_unstable();
        let restricted_actions = config.restricted_actions.iter().fold(0u8, |bits, a| bits | action_bit(*a));
        let restricted_communications =
            config.restricted_communications.iter().fold(0u8, |bits, c| bits | communication_bit(*c));
        let mut restricted_buttons: Vec<String> =
            config.restricted_custom_buttons.iter().map(|b| b.id.clone()).collect();
        restricted_buttons.sort_unstable();
        let mut exempt_profiles: Vec<String> = match config.locked_for {
            LockedFor::AllProfiles => Vec::new(),
            LockedFor::AllProfilesExceptExcludedProfiles => {
                config.lock_excluded_profiles.iter().map(|p| p.id.clone()).collect()
            }
        };
        exempt_profiles.sort_unstable();
        // Both ingestors fill rows of the rules' shared layout, so programs index their cells.
        let ingestor = Ingestor::with_layout(schema, &layout, rules.iter().flat_map(|r| r.program.reads()));
        let existing_ingestor = Ingestor::with_layout(
            schema,
            &layout,
            rules.iter().filter(|r| r.lock_existing_records()).flat_map(|r| r.program.reads()),
        );
        let index = |scope| RuleIndex::new(applied_rules(&config, &rules, scope).map(|(i, r)| (i, &r.program)));
        let indexes = [index(RuleScope::All), index(RuleScope::ExistingRecords)];
        Ok(Policy {
            module,
            config,
            rules,
            excluded_fields,
            excluded_slots,
            restricted_actions,
            restricted_communications,
            restricted_buttons,
            exempt_profiles,
            ingestor,
            existing_ingestor,
            opts,
            limits,
            indexes,
        })
    }

    /// The normalised configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// The module's schema.
    pub fn schema(&self) -> &Schema {
        self.module.schema()
    }

    /// The compiled rules, in configuration order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// The limits the policy was validated with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The evaluation options (time zone).
    pub fn eval_options(&self) -> &EvalOptions {
        &self.opts
    }

    /// The excluded fields' slots.
    pub fn excluded_slots(&self) -> &[Slot] {
        &self.excluded_slots
    }

    /// An empty row holding the fields the rules read.
    pub fn new_row(&self) -> Row {
        self.ingestor.new_row()
    }

    /// Reads a record (JSON text) into `row`: only the fields the rules read, each checked
    /// against its type. Records longer than `Limits::record_bytes` are `LIMIT_EXCEEDED`.
    pub fn ingest_str(&self, text: &str, row: &mut Row) -> Result<(), RecordError> {
        self.ingest_str_for(RuleScope::All, text, row)
    }

    /// Reads a record (JSON text) into `row` for the rules of `scope`: only the fields they
    /// read are read and checked, so a wrong-typed value in a field only other rules read
    /// does not make the record unevaluable.
    pub fn ingest_str_for(&self, scope: RuleScope, text: &str, row: &mut Row) -> Result<(), RecordError> {
        // A `str` is UTF-8 already: the ingestor does not check it again.
        self.ingestor_within_limit(scope, text.len())?.ingest_str(text, row)
    }

    /// As [`Policy::ingest_str_for`], from bytes. A record is JSON text, so it must be UTF-8
    /// throughout, in fields no rule reads too: every command reads a record the same way.
    pub fn ingest_bytes_for(&self, scope: RuleScope, bytes: &[u8], row: &mut Row) -> Result<(), RecordError> {
        // UTF-8 is checked in the ingestor's first pass over the bytes, not before it.
        self.ingestor_within_limit(scope, bytes.len())?.ingest_bytes(bytes, row)
    }

    /// The ingestor for the rules of `scope`, for a record of `len` bytes within the
    /// record size limit.
    fn ingestor_within_limit(&self, scope: RuleScope, len: usize) -> Result<&Ingestor, RecordError> {
        if len > self.limits.record_bytes {
            return Err(RecordError::too_large(self.limits.record_bytes));
        }
        Ok(match scope {
            RuleScope::All => &self.ingestor,
            RuleScope::ExistingRecords => &self.existing_ingestor,
        })
    }

    /// Reads one record of a stream whose locks are to be applied (a sweep, a diff), as
    /// [`Policy::ingest_bytes_for`], and requires its `id` (a string or a number): a lock
    /// nobody can apply is never reported. A missing or `null` id is `MANDATORY_NOT_FOUND` at
    /// `$.id`.
    pub fn ingest_record_for(&self, scope: RuleScope, bytes: &[u8], row: &mut Row) -> Result<(), RecordError> {
        self.ingest_bytes_for(scope, bytes, row)?;
        if row.record_id().is_none() {
            return Err(RecordError::missing_id());
        }
        Ok(())
    }

    /// Reads a record (a JSON value) into `row`.
    pub fn ingest_json(&self, record: &Json, row: &mut Row) -> Result<(), RecordError> {
        self.ingestor.ingest_json(record, row)
    }

    /// The first rule in `scope`, in configuration order, whose criteria hold on `row`.
    /// Rules apply only when `lock_type` is automatic or both.
    ///
    /// Rules the row's value of a picklist rules out (their first test is on it and does not
    /// admit it) are not run: the same first match as trying every rule in turn
    /// ([`Policy::matching_rule_in_turn`]), found with fewer tests.
    #[inline]
    pub fn matching_rule(&self, row: &Row, scope: RuleScope) -> Option<&CompiledRule> {
        let index = match scope {
            RuleScope::All => &self.indexes[0],
            RuleScope::ExistingRecords => &self.indexes[1],
        };
        match index {
            Some(index) => index.candidates(row).filter_map(|i| self.rules.get(i)).find(|r| r.program.matches(row)),
            None => self.matching_rule_in_turn(row, scope),
        }
    }

    /// As [`Policy::matching_rule`], trying every rule of `scope` in turn (what the index of
    /// rules is held to; tests and benchmarks compare the two).
    pub fn matching_rule_in_turn(&self, row: &Row, scope: RuleScope) -> Option<&CompiledRule> {
        self.applied_rules(scope).find(|r| r.program.matches(row))
    }

    /// As [`Policy::matching_rule`], by the reference interpreter (for tests and explanations).
    pub fn matching_rule_reference(&self, row: &Row, scope: RuleScope) -> Option<&CompiledRule> {
        self.applied_rules(scope).find(|r| reference::evaluate(r.expr(), row, self.schema(), &self.opts))
    }

    /// The rules `scope` applies, in configuration order: none unless `lock_type` is
    /// automatic or both.
    #[inline]
    fn applied_rules(&self, scope: RuleScope) -> impl Iterator<Item = &CompiledRule> {
        applied_rules(&self.config, &self.rules, scope).map(|(_, r)| r)
    }

    /// The rule with id `id`.
    pub fn rule_by_id(&self, id: &str) -> Option<&CompiledRule> {
        self.rules.iter().find(|r| r.id() == Some(id))
    }

    /// The rules `scope` applies, for another engine (columnar, DataFusion, SQL) to evaluate
    /// with this policy's module and options: the same rules, in the same order, as
    /// [`Policy::matching_rule`] tries.
    pub fn rule_set(&self, scope: RuleScope) -> RuleSet {
        let rules = self.applied_rules(scope).map(|r| r.rule.clone()).collect();
        RuleSet::from_rules(self.module.clone(), self.opts, rules)
    }

    /// Whether locks do not apply to `actor` (an excluded profile, or a portal user when
    /// `lock_for_portal_users` is false).
    pub fn is_exempt(&self, actor: &Actor) -> bool {
        let by_profile = actor
            .profile_id
            .as_deref()
            .is_some_and(|p| self.exempt_profiles.binary_search_by(|x| x.as_str().cmp(p)).is_ok());
        by_profile || (actor.portal_user && !self.config.lock_for_portal_users)
    }

    /// `$locked_for_me`: whether the record is locked for this actor.
    pub fn locked_for_me(&self, actor: &Actor, lock: &LockState) -> bool {
        lock.is_locked() && !self.is_exempt(actor)
    }

    /// Decides with a lock the host gives (authoritative, even naming an unknown rule).
    pub fn decide(&self, actor: &Actor, lock: &LockState, op: &Operation) -> Decision {
        self.decide_effective(actor, self.effective(lock), op)
    }

    /// Decides for a record just saved: the lock is derived from the rules.
    pub fn decide_derived(&self, actor: &Actor, row: &Row, op: &Operation) -> Decision {
        let lock = match self.matching_rule(row, RuleScope::All) {
            Some(rule) => EffectiveLock::Automatic { rule_id: rule.id(), rule: Some(rule) },
            None => EffectiveLock::Unlocked,
        };
        self.decide_effective(actor, lock, op)
    }

    /// Decides for a record whose lock must be derived but could not be read (`err` from
    /// ingestion): fail closed. When `lock_type` is manual no rule applies, so the derived
    /// lock is none whatever the record holds.
    pub fn decide_unevaluable(&self, actor: &Actor, err: &Error, op: &Operation) -> Decision {
        let lock = if self.config.lock_type.is_automatic() {
            EffectiveLock::Unevaluable(err)
        } else {
            EffectiveLock::Unlocked
        };
        self.decide_effective(actor, lock, op)
    }

    /// The lock as a decision sees it.
    pub fn effective<'a>(&'a self, lock: &'a LockState) -> EffectiveLock<'a> {
        match lock {
            LockState::Unlocked => EffectiveLock::Unlocked,
            LockState::Manual(m) => EffectiveLock::Manual(m),
            LockState::Automatic(a) => EffectiveLock::Automatic {
                rule_id: a.rule_id.as_deref(),
                rule: a.rule_id.as_deref().and_then(|id| self.rule_by_id(id)),
            },
        }
    }

    /// SPEC.md §4, given the effective lock.
    pub fn decide_effective(&self, actor: &Actor, lock: EffectiveLock<'_>, op: &Operation) -> Decision {
        let decision = if op.is_lock_management() {
            self.check_lock_management(actor, &lock, op)
        } else if matches!(lock, EffectiveLock::Unlocked) || self.is_exempt(actor) {
            Decision::Allowed
        } else {
            self.record_operation(&lock, op)
        };
        // Fail closed: what the unknown lock state blocks is INVALID_RECORD. SPEC.md §3's
        // checks 1 and 2 (lock_type, permission) do not depend on the lock and keep their answer.
        let lock_state_blocks =
            !op.is_lock_management() || (self.config.lock_type.is_manual() && actor.lock_permission);
        match (decision, lock) {
            (Decision::Blocked(mut b), EffectiveLock::Unevaluable(err)) if lock_state_blocks => {
                b.code = BlockCode::InvalidRecord;
                b.message =
                    Cow::Owned(format!("the record cannot be evaluated, so it counts as locked: {}", err.message()));
                b.json_path = Some(err.json_path().to_owned());
                b.lock = None;
                Decision::Blocked(b)
            }
            (d, _) => d,
        }
    }

    fn record_operation(&self, lock: &EffectiveLock<'_>, op: &Operation) -> Decision {
        let blocked = |fields: Option<Vec<String>>| {
            Decision::Blocked(Block {
                code: BlockCode::RecordLocked,
                action: op.action(),
                fields,
                lock: lock_info(lock),
                message: Cow::Borrowed(RECORD_LOCKED_MESSAGE),
                json_path: None,
            })
        };
        let action = |a: RestrictedAction| {
            if self.restricted_actions & action_bit(a) != 0 { blocked(None) } else { Decision::Allowed }
        };
        let communication = |c: Communication| {
            if self.restricted_communications & communication_bit(c) != 0 { blocked(None) } else { Decision::Allowed }
        };
        match op {
            Operation::Update { fields } => {
                // Linear in the fields named: repeats are dropped by a scan of the few
                // locked so far, or a hash set past a handful (64k fields were 8.7 s by scan).
                // Neither allocates before a field is locked: the allowed path allocates nothing.
                const SCAN: usize = 16;
                let mut locked: Vec<String> = Vec::new();
                let mut seen: HashSet<&str> = HashSet::new();
                for f in fields {
                    let excluded = self.excluded_fields.binary_search_by(|x| x.as_str().cmp(f)).is_ok();
                    if excluded {
                        continue;
                    }
                    if if fields.len() <= SCAN { !locked.contains(f) } else { seen.insert(f) } {
                        locked.push(f.clone());
                    }
                }
                if locked.is_empty() { Decision::Allowed } else { blocked(Some(locked)) }
            }
            Operation::Delete => action(RestrictedAction::Delete),
            Operation::Tags => action(RestrictedAction::Tags),
            Operation::ChangeOwner => action(RestrictedAction::ChangeOwner),
            Operation::Convert => action(RestrictedAction::Convert),
            Operation::SendMail => communication(Communication::SendMail),
            Operation::SendSurvey => communication(Communication::SendSurvey),
            Operation::SendPortalInvitation => communication(Communication::SendPortalInvitation),
            Operation::CustomButton { id } => {
                if self.restricted_buttons.binary_search_by(|x| x.as_str().cmp(id)).is_ok() {
                    blocked(None)
                } else {
                    Decision::Allowed
                }
            }
            // INVARIANT: `decide_effective` sends these to `check_lock_management`; answering
            // them here the same way keeps this match total without a second definition.
            Operation::Lock { .. } | Operation::Unlock | Operation::EditLockReason { .. } => blocked(None),
        }
    }

    /// SPEC.md §3's checks for lock, unlock and edit_lock_reason, first failure wins.
    fn check_lock_management(&self, actor: &Actor, lock: &EffectiveLock<'_>, op: &Operation) -> Decision {
        let block = |code: BlockCode, message: &'static str| {
            Decision::Blocked(Block {
                code,
                action: op.action(),
                fields: None,
                lock: lock_info(lock),
                message: Cow::Borrowed(message),
                json_path: None,
            })
        };
        if !self.config.lock_type.is_manual() {
            return block(BlockCode::NotAllowed, "manual locking is not enabled");
        }
        if !actor.lock_permission {
            return block(BlockCode::NoPermission, "the user does not have permission to lock or unlock records");
        }
        let manual = matches!(lock, EffectiveLock::Manual(_));
        let unlocked = matches!(lock, EffectiveLock::Unlocked);
        match op {
            Operation::Lock { .. } if !unlocked => return block(BlockCode::NotAllowed, "Record is already locked"),
            Operation::Unlock | Operation::EditLockReason { .. } if unlocked => {
                return block(BlockCode::NotAllowed, "Record is not locked");
            }
            Operation::Unlock | Operation::EditLockReason { .. } if !manual => {
                return block(BlockCode::NotAllowed, "Automatically locked records can not be unlocked manually");
            }
            _ => {}
        }
        match op {
            Operation::Lock { reason } | Operation::EditLockReason { reason } if reason.trim().is_empty() => {
                block(BlockCode::MandatoryNotFound, "required field not found: Locked_Reason__s")
            }
            _ => Decision::Allowed,
        }
    }

    /// The lock a record gets when saved (SPEC.md §3): a manual lock stays; otherwise the
    /// first matching rule locks it (keeping the time of an unchanged automatic lock), and a
    /// record no rule matches is unlocked.
    pub fn lock_on_save(&self, current: &LockState, row: &Row, now: DateTime<FixedOffset>) -> LockState {
        if let LockState::Manual(_) = current {
            return current.clone();
        }
        match self.matching_rule(row, RuleScope::All) {
            None => LockState::Unlocked,
            Some(rule) => {
                let locked_time = match current {
                    LockState::Automatic(a) if a.rule_id.as_deref() == rule.id() && a.rule_id.is_some() => {
                        a.locked_time.clone()
                    }
                    _ => Some(rfc3339(now)),
                };
                LockState::Automatic(AutomaticLock {
                    rule_id: rule.id().map(str::to_owned),
                    configuration_id: self.config.id.clone(),
                    locked_time,
                })
            }
        }
    }

    /// Locks a record by hand (SPEC.md §3), or says why not.
    pub fn manual_lock(
        &self,
        actor: &Actor,
        current: &LockState,
        reason: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<LockState, Error> {
        let op = Operation::Lock { reason: reason.to_owned() };
        into_result(self.decide(actor, current, &op))?;
        Ok(LockState::Manual(ManualLock {
            reason: reason.to_owned(),
            locked_by: Some(Reference { id: actor.id.clone(), name: None }),
            locked_time: Some(rfc3339(now)),
        }))
    }

    /// Changes a manual lock's reason.
    pub fn edit_lock_reason(&self, actor: &Actor, current: &LockState, reason: &str) -> Result<LockState, Error> {
        let op = Operation::EditLockReason { reason: reason.to_owned() };
        into_result(self.decide(actor, current, &op))?;
        match current {
            LockState::Manual(m) => Ok(LockState::Manual(ManualLock { reason: reason.to_owned(), ..m.clone() })),
            other => Ok(other.clone()),
        }
    }

    /// Removes a manual lock.
    pub fn unlock(&self, actor: &Actor, current: &LockState) -> Result<LockState, Error> {
        into_result(self.decide(actor, current, &Operation::Unlock))?;
        Ok(LockState::Unlocked)
    }
}

/// The rules of `config` that `scope` applies, with their positions, in configuration
/// order: none unless `lock_type` is automatic or both ([`Policy::applied_rules`], and the
/// rule indexes built before the policy exists).
#[inline]
fn applied_rules<'r>(
    config: &Config,
    rules: &'r [CompiledRule],
    scope: RuleScope,
) -> impl Iterator<Item = (usize, &'r CompiledRule)> {
    let rules = if config.lock_type.is_automatic() { rules } else { &[] };
    rules.iter().enumerate().filter(move |(_, r)| scope == RuleScope::All || r.lock_existing_records())
}

/// A record line as text: JSON text is UTF-8 throughout, in fields no rule reads too.
pub(crate) fn record_text(bytes: &[u8]) -> Result<&str, RecordError> {
    // The SIMD check answers valid or not (std's check took a fifth of a sweep's time);
    // std's says where, for the message.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    Err(RecordError::not_utf8_in(bytes))
}

/// RFC 3339 with offset and no fractional seconds, as Zoho writes times.
pub fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn into_result(d: Decision) -> Result<(), Error> {
    match d {
        Decision::Allowed => Ok(()),
        Decision::Blocked(b) => {
            let code = match b.code {
                BlockCode::NoPermission => ErrorCode::NoPermission,
                BlockCode::MandatoryNotFound => ErrorCode::MandatoryNotFound,
                BlockCode::InvalidRecord => ErrorCode::InvalidRecord,
                BlockCode::NotAllowed | BlockCode::RecordLocked => ErrorCode::NotAllowed,
            };
            let path = JsonPath::root();
            let err = Error::new(code, &path, b.message);
            Err(if code == ErrorCode::MandatoryNotFound { err.with_api_name("Locked_Reason__s") } else { err })
        }
    }
}

fn lock_info(lock: &EffectiveLock<'_>) -> Option<LockInfo> {
    match lock {
        EffectiveLock::Unlocked | EffectiveLock::Unevaluable(_) => None,
        EffectiveLock::Manual(m) => Some(LockInfo::Manual { reason: m.reason.clone() }),
        EffectiveLock::Automatic { rule_id, rule } => Some(LockInfo::Automatic(match rule {
            Some(r) => r.rule_ref(),
            None => RuleRef { id: rule_id.map(Arc::from), name: None },
        })),
    }
}

fn action_bit(a: RestrictedAction) -> u8 {
    1 << (a as u8)
}

fn communication_bit(c: Communication) -> u8 {
    1 << (c as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    /// Issue: a policy is shared across threads.
    #[test]
    fn rows_share_the_programs_layout() {
        let body = serde_json::json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
            {"name": "a", "lock_existing_records": true, "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}},
            {"name": "b", "criteria": {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 5}}]}]});
        let module = crate::Module::resolve("Deals", None).unwrap();
        let p = Policy::new(&body, module, Limits::default(), EvalOptions::default()).unwrap();
        let mut row = p.new_row();
        for scope in [RuleScope::All, RuleScope::ExistingRecords] {
            p.ingest_str_for(scope, r#"{"Stage": "Closed Won", "Amount": 7}"#, &mut row).unwrap();
            for rule in p.rules() {
                assert!(Arc::ptr_eq(row.layout(), rule.program().layout()), "the VM's by-cell path is taken");
            }
        }
    }

    #[test]
    fn policy_is_send_and_sync() {
        assert_send_sync::<Policy>();
        assert_send_sync::<std::sync::Arc<Policy>>();
    }
}
