//! Locking rules as PostgreSQL SQL: the database evaluates a back-fill itself, with exactly
//! SPEC.md §2's semantics, and only the locked ids leave it.
//!
//! [`sweep_sql`] turns a [`recordlock::RuleSet`] and a [`TableMap`] (which column holds each
//! field, of which type) into a `SELECT "id", "rule"` and the `UPDATE` a back-fill would run.
//! This crate writes SQL text and parameter values only; executing them is the caller's (the
//! `recordlock` binary uses the `postgres` crate, and the `postgres-types` feature makes
//! [`Param`] a `postgres_types::ToSql`).
//!
//! - **Bind parameters only.** Every constant of a rule is a `$n` ([`Param`]); table and column
//!   names are quoted identifiers. Nothing a configuration, a schema or a mapping holds can
//!   change a statement's structure.
//! - **Two-valued.** Every positive test is false on NULL and `''`; every `not_*` is its exact
//!   negation ([`predicate`] explains how).
//! - **Case as Rust folds it.** Text is lowered with `lower(... COLLATE "und-x-icu")`; the
//!   server must have ICU (see the README and [`FOLD_COLLATION`]).
//! - **Fail closed.** A value a column holds but SPEC.md's reader refuses (a fraction in an
//!   integer field, NaN, a NULL item in a multi-select) makes its record unevaluable.

#![forbid(unsafe_code)]

mod builder;
pub mod columns;
mod error;
pub mod folding;
mod ident;
pub mod instant;
pub mod load;
mod param;
pub mod predicate;
pub mod sweep;
mod validity;

pub use crate::columns::{Column, ColumnMap, ColumnSpec, SqlType, TableMap};
pub use crate::error::SqlError;
pub use crate::folding::Folding;
pub use crate::ident::Ident;
pub use crate::param::Param;
pub use crate::predicate::FOLD_COLLATION;
pub use crate::sweep::{Check, Order, Statement, SweepOptions, SweepSql, Verdict, sweep_sql};
