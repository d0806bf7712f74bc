//! The criteria language of Zoho CRM, compiled: schemas, typed values, a type checker, a
//! bytecode compiler and VM, and a reference interpreter.
//!
//! This crate knows nothing about locking; it answers "do these criteria hold on this
//! record?" fast and exactly. The pipeline, one module per stage:
//!
//! | stage | module | input → output |
//! |---|---|---|
//! | syntax | [`ast`] | JSON → [`Criteria`] (structure and limits checked, JSON paths kept) |
//! | schema | [`schema`] | fields metadata → [`Schema`] (built-ins for the standard modules) |
//! | types | [`typecheck`] | [`Criteria`] + [`Schema`] → [`Expr`] (constants parsed once) |
//! | compile | [`compile`] | [`Expr`] → [`Program`] (flat bytecode, constant pools) |
//! | run | [`Program::matches`] | [`Program`] + [`Row`] → `bool` |
//! | define | [`reference`](mod@reference) | [`Expr`] + [`Row`] → `bool`, the readable semantics |
//!
//! Records are read once into a [`Row`] by an [`Ingestor`]; programs index rows by [`Slot`].
//!
//! ```
//! use recordlock_criteria::{compile, reference, typecheck, Criteria, CriteriaLimits,
//!     EvalOptions, Ingestor, Row, Schema};
//! use serde_json::json;
//!
//! let deals = Schema::builtin("Deals").unwrap();
//! let criteria: Criteria = serde_json::from_value(json!({"group_operator": "AND", "group": [
//!     {"field": {"api_name": "Stage"}, "comparator": "in", "value": ["Closed Won", "Closed Lost"]},
//!     {"field": {"api_name": "Amount"}, "comparator": "between", "value": [1000, 50000]},
//!     {"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "ACME"}]})).unwrap();
//!
//! let limits = CriteriaLimits::default();
//! let opts = EvalOptions::default();
//! let expr = typecheck::check(&criteria, deals, &limits).unwrap();
//! let program = compile::compile(&expr, deals, &opts).unwrap();
//!
//! let ingest = Ingestor::for_fields(deals, program.reads());
//! let mut row = Row::new(deals);
//! ingest.ingest_str(r#"{"id": "1", "Stage": "Closed Won", "Amount": "1000.00", "Deal_Name": "Acme renewal"}"#, &mut row).unwrap();
//! assert!(program.matches(&row));
//! assert!(reference::evaluate(&expr, &row, deals, &opts));
//! ```

pub mod analysis;
pub mod ast;
pub mod comparator;
pub mod compile;
mod error;
mod gate;
mod json;
mod json_path;
mod layout;
mod limits;
pub mod program;
mod record_error;
pub mod reference;
mod row;
mod scan;
pub mod schema;
mod sorted_set;
mod text;
pub mod typecheck;
pub mod typed;
mod value;
mod vm;

pub use crate::ast::{Criteria, FieldRef, GroupOperator};
pub use crate::comparator::{Comparator, Positive};
pub use crate::error::{Dependee, Details, Error, ErrorCode};
pub use crate::gate::OptionGate;
pub use crate::json::{parse_json_strict, parse_json_strict_bytes};
pub use crate::json_path::JsonPath;
pub use crate::layout::Layout;
pub use crate::limits::CriteriaLimits;
pub use crate::program::Program;
pub use crate::record_error::RecordError;
pub use crate::reference::{EvalOptions, Trace};
pub use crate::row::{Ingestor, Row};
pub use crate::scan::{Scanned, scan_object};
pub use crate::schema::{Field, FieldType, OptionCode, PicklistOption, Schema, Slot, TypeClass};
pub use crate::sorted_set::SortedSet;
pub use crate::text::{LikePattern, fold, fold_into};
pub use crate::typed::Expr;
pub use crate::value::{
    Choice, ChoiceSet, RecordId, Value, is_empty_json, parse_bool, parse_date, parse_datetime, parse_decimal,
};

/// The error for JSON text that does not parse: `INVALID_DATA` at `$`, or `LIMIT_EXCEEDED`
/// when it nests deeper than the parser allows (told by the error's category and the nesting
/// at its position in `input`, never by the message's wording).
pub fn error_from_json(e: &serde_json::Error, input: &[u8]) -> Error {
    json::error_from_json_bytes(e, input)
}
