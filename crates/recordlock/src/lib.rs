//! recordlock decides record locking for CRM data, wire-compatible with Zoho CRM's Record
//! Locking Configuration.
//!
//! A module's configuration (Zoho JSON) is validated against the module's schema and
//! compiled once into a [`Policy`]; the policy then answers, for a record, its lock and a
//! user: may this update / delete / tag / change owner / convert / send mail / press this
//! button / lock / unlock? Blocked answers say why. Sweeps ([`sweep`]) evaluate millions of
//! records in parallel for `lock_existing_records` back-fills, and the [`store::Store`] keeps
//! configurations with the semantics of Zoho's four REST verbs.
//!
//! | type | what |
//! |---|---|
//! | [`Module`] | a supported module and its schema |
//! | [`config::Config`] | a validated, normalised configuration ([`config::validate::validate`]) |
//! | [`Policy`] | the compiled configuration: decisions, lock derivation, explanations |
//! | [`RuleSet`] | the rules a scope applies, with their typed criteria: what every back end evaluates |
//! | [`LockState`] | a record's lock, in the `Locking_Information__s` wire shape |
//! | [`Actor`], [`Operation`], [`Decision`] | who asks, what for, and the answer |
//! | [`DecideRequest`], [`RequestLine`], [`LineDecider`] | a `recordlock decide` request line, read and answered |
//! | [`store::Store`] | create / get / update / delete configurations |
//! | [`sweep`] | the `lock_existing_records` back-fill over JSON Lines, in parallel, in order |
//! | [`analysis`] | static findings on a configuration (rules that never or always hold, redundant rules...) |
//! | [`impact`] | which records a configuration change locks, unlocks or moves to another rule |
//! | [`Policy::may_change_lock`] | whether a save can change a record's lock at all |
//! | [`synth`] | deterministic synthetic records for demos and benchmarks |
//!
//! The criteria language itself (schemas, values, the compiler and VM) is the
//! [`recordlock_criteria`] crate, re-exported as [`criteria`].
//!
//! ```
//! use recordlock::{Actor, Limits, Module, Operation, Policy};
//! use recordlock::criteria::EvalOptions;
//! use serde_json::json;
//!
//! let body = json!({"record_locking_configurations": [{
//!     "lock_type": "both",
//!     "restricted_actions": ["delete"],
//!     "locking_rules": [{"name": "Closed Won", "criteria":
//!         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
//! let policy = Policy::new(&body, Module::resolve("Deals", None).unwrap(), Limits::default(), EvalOptions::default())?;
//!
//! let mut row = policy.new_row();
//! policy.ingest_str(r#"{"id": "1", "Stage": "Closed Won"}"#, &mut row)?;
//! let sales = Actor { id: "u1".into(), profile_id: Some("300".into()), ..Actor::default() };
//! let decision = policy.decide_derived(&sales, &row, &Operation::Delete);
//! assert_eq!(decision.to_json()["code"], "RECORD_LOCKED");
//! assert_eq!(decision.to_json()["lock"]["rule"]["name"], "Closed Won");
//! # Ok::<(), recordlock::criteria::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod analysis;
mod chunks;
pub mod config;
mod decision;
mod dependencies;
mod dispatch;
mod explain;
pub mod impact;
mod limits;
pub mod lines;
mod lock;
mod module;
mod policy;
mod request;
mod rules;
pub mod store;
pub mod sweep;
pub mod synth;

pub use recordlock_criteria as criteria;

pub use crate::decision::{Actor, Block, BlockCode, Decision, LockInfo, Operation, RECORD_LOCKED_MESSAGE, RuleRef};
pub use crate::explain::{Explanation, RuleExplanation};
pub use crate::limits::Limits;
pub use crate::lock::{AutomaticLock, LockState, ManualLock};
pub use crate::module::{Module, UNSUPPORTED_STANDARD_MODULES};
pub use crate::policy::{CompiledRule, EffectiveLock, Policy, RuleScope, rfc3339};
pub use crate::request::{DecideRequest, LineDecider, RequestLine, error_line, with_line};
pub use crate::rules::{Rule, RuleSet};

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
