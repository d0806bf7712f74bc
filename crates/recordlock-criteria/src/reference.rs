//! The reference interpreter: the readable definition of what criteria mean.
//!
//! It walks the typed tree directly and says, for each test, what SPEC.md §2 says, in the
//! plainest code. It is not fast; the bytecode VM ([`crate::Program`]) must agree with it on
//! every input, which the property tests and fuzzers check.

use chrono::{FixedOffset, NaiveDate, Offset, Utc};
use serde::Serialize;

use crate::ast::GroupOperator;
use crate::row::Row;
use crate::schema::{Field, Schema};

use crate::typed::{ChoiceTest, ChoicesTest, Expr, IdTest, OrdTest, Pred, Substring, Test, TextTest};
use crate::value::{Choice, Value};

/// Evaluation settings that are inputs, never read from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// The time zone in which a datetime's calendar date is taken when compared with a date
    /// constant (SPEC.md §2 Dates). Default UTC.
    pub tz: FixedOffset,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions { tz: Utc.fix() }
    }
}

/// Whether `expr` holds on `row`.
pub fn evaluate(expr: &Expr, row: &Row, schema: &Schema, opts: &EvalOptions) -> bool {
    match expr {
        Expr::Leaf(p) => evaluate_pred(p, row, schema, opts),
        Expr::All(items) => items.iter().all(|e| evaluate(e, row, schema, opts)),
        Expr::Any(items) => items.iter().any(|e| evaluate(e, row, schema, opts)),
    }
}

/// Whether one predicate holds: its positive test, negated if the comparator is negative.
pub fn evaluate_pred(pred: &Pred, row: &Row, schema: &Schema, opts: &EvalOptions) -> bool {
    let value = row.get(pred.slot());
    positive(pred.test(), value, schema.field(pred.slot()), opts) != pred.negated()
}

/// The positive test. Every arm but `IsEmpty` is false on an empty value, by falling to
/// the last arm.
fn positive(test: &Test, value: &Value, field: &Field, opts: &EvalOptions) -> bool {
    match (test, value) {
        (Test::IsEmpty, v) => v.is_empty(),
        (Test::Text(t), Value::Text(s)) => text(t, s),
        (Test::Choice(t), Value::Choice(c)) => match t {
            ChoiceTest::Equal(k) => c == k,
            ChoiceTest::In(set) => set.contains(c),
            ChoiceTest::Substring(sub) => choice_substring(sub, c, field),
        },
        (Test::Choices(t), Value::Choices(set)) => match t {
            ChoicesTest::Equal(k) => set == k,
            ChoicesTest::IncludeAll(k) => k.as_slice().iter().all(|c| set.contains(c)),
            ChoicesTest::IncludeAny(k) => k.as_slice().iter().any(|c| set.contains(c)),
            ChoicesTest::Substring(sub) => set.as_slice().iter().any(|c| choice_substring(sub, c, field)),
        },
        (Test::Number(t), Value::Number(d)) => ordered(t, d),
        (Test::Date(t), Value::Date(d)) => ordered(t, d),
        (Test::DateTime(t), Value::DateTime(i)) => ordered(t, i),
        (Test::DayOfDateTime(t), Value::DateTime(i)) => {
            let day: NaiveDate = i.with_timezone(&opts.tz).date_naive();
            ordered(t, &day)
        }
        (Test::Bool(b), Value::Bool(v)) => b == v,
        (Test::Id(t), Value::Id(id)) => match t {
            IdTest::Equal(k) => id == k,
            IdTest::In(set) => set.contains(id),
        },
        _ => false,
    }
}

fn text(t: &TextTest, s: &str) -> bool {
    match t {
        TextTest::Equal(k) => s == &**k,
        TextTest::In(set) => set.iter().any(|k| s == &**k),
        TextTest::Substring(sub) => sub.holds(s),
        TextTest::Like(p) => p.matches(s),
    }
}

/// A listed option passes if its actual or its display value does; unlisted text on its own.
fn choice_substring(sub: &Substring, c: &Choice, field: &Field) -> bool {
    sub.holds_on_choice(field, c)
}

fn ordered<T: Ord>(t: &OrdTest<T>, v: &T) -> bool {
    t.holds(v)
}

/// An evaluation with every node's result, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trace {
    /// A leaf.
    Leaf {
        /// The leaf's JSON path.
        json_path: String,
        /// The field read.
        api_name: String,
        /// The comparator as written.
        comparator: String,
        /// The constant as written.
        constant: serde_json::Value,
        /// The record's value, written for a person.
        field_value: String,
        /// Whether the leaf holds.
        result: bool,
        /// Whether this leaf decided its rule's result (the leaves a short-circuit evaluation
        /// stops on, or that all had to hold).
        decided: bool,
    },
    /// A group.
    Group {
        /// `AND` or `OR`.
        operator: &'static str,
        /// Whether the group holds.
        result: bool,
        /// Whether this group decided its parent's result.
        decided: bool,
        /// The items, evaluated all (no short-circuit), in order.
        items: Vec<Trace>,
    },
}

impl Trace {
    /// The node's result.
    pub fn result(&self) -> bool {
        match self {
            Trace::Leaf { result, .. } | Trace::Group { result, .. } => *result,
        }
    }

    fn set_decided(&mut self, value: bool) {
        match self {
            Trace::Leaf { decided, .. } => *decided = value,
            Trace::Group { decided, items, .. } => {
                *decided = value;
                if !value {
                    for i in items {
                        i.set_decided(false);
                    }
                }
            }
        }
    }
}

/// Evaluates `expr` on `row`, recording every node's result and which nodes decided it.
pub fn trace(expr: &Expr, row: &Row, schema: &Schema, opts: &EvalOptions) -> Trace {
    let mut t = trace_node(expr, row, schema, opts);
    t.set_decided(true);
    t
}

fn trace_node(expr: &Expr, row: &Row, schema: &Schema, opts: &EvalOptions) -> Trace {
    match expr {
        Expr::Leaf(p) => {
            let field = schema.field(p.slot());
            Trace::Leaf {
                json_path: p.origin().path.as_str().to_owned(),
                api_name: p.origin().api_name.clone(),
                comparator: p.origin().comparator.as_str().to_owned(),
                constant: p.origin().value.clone(),
                field_value: row.get(p.slot()).display(field),
                result: evaluate_pred(p, row, schema, opts),
                decided: false,
            }
        }
        Expr::All(items) | Expr::Any(items) => {
            let op = if matches!(expr, Expr::All(_)) { GroupOperator::And } else { GroupOperator::Or };
            let mut traced: Vec<Trace> = items.iter().map(|e| trace_node(e, row, schema, opts)).collect();
            let result = match op {
                GroupOperator::And => traced.iter().all(Trace::result),
                GroupOperator::Or => traced.iter().any(Trace::result),
            };
            // The short-circuit value: AND stops on the first false, OR on the first true;
            // otherwise every item was needed.
            let stop = op == GroupOperator::Or;
            let first_stop = traced.iter().position(|t| t.result() == stop);
            for (i, t) in traced.iter_mut().enumerate() {
                let needed = match first_stop {
                    Some(k) => i == k,
                    None => true,
                };
                t.set_decided(needed);
            }
            Trace::Group { operator: op.as_str(), result, decided: false, items: traced }
        }
    }
}
