//! recordlock's rules as DataFusion expressions: sweeps of Parquet, CSV and JSON Lines on
//! DataFusion, and on a Ballista cluster.
//!
//! A [`RuleSet`](recordlock::RuleSet) is lowered ([`lower()`]) to one boolean DataFusion
//! [`Expr`](datafusion::prelude::Expr) per rule and a `CASE` that yields the index of the first
//! rule that holds, built from DataFusion's built-in functions only (`lower`, `contains`,
//! `starts_with`, `ends_with`, `LIKE`, `IN`, comparisons, `array_any_match`), so the plan
//! prunes Parquet row groups where a comparator allows it and ships to Ballista executors
//! without a custom codec. The lowering reads the table's Arrow schema: constants are written
//! in each column's own type (decimals at the column's scale, instants in its unit).
//!
//! JSON Lines and CSV records become batches through recordlock-arrow's
//! [`records`](recordlock_arrow::records) builder, whose datetimes are exact instant keys (a
//! leap second included); lowering compares them with keys of the constants.
//!
//! ```no_run
//! use recordlock::{Module, Limits, RuleScope, RuleSet};
//! use recordlock::config::validate::validate;
//! use recordlock::criteria::EvalOptions;
//! use serde_json::json;
//!
//! let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
//!     {"name": "Won", "criteria": {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"}}]}]});
//! let deals = Module::resolve("Deals", None).unwrap();
//! let valid = validate(&body, &deals, &Limits::default()).unwrap();
//! let rules = RuleSet::new(&valid, deals, EvalOptions::default(), RuleScope::All);
//! let records = vec![json!({"id": "1", "Stage": "closed won"}), json!({"id": "2", "Stage": 7})];
//! let batch = recordlock_datafusion::records_batch(&rules, &records).unwrap();
//! let answers = tokio::runtime::Runtime::new().unwrap()
//!     .block_on(recordlock_datafusion::engine::answer_batch(&rules, batch)).unwrap();
//! ```

#![forbid(unsafe_code)]

pub mod engine;
mod error;
pub mod lower;
pub mod sql;
pub mod sweep;
mod typing;
mod windows;

pub use crate::error::Error;
pub use crate::lower::{Lowered, lower};
pub use recordlock_arrow::records::{ERROR_COLUMN, ID_COLUMN, records_batch};
