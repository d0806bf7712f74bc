//! Deciding whether a conjunction of criteria can hold on some record.
//!
//! Criteria become [`Formula`]s in negation normal form: a negation is pushed down to the
//! leaves (De Morgan), where it flips the predicate's own negation. [`Solver::check`] then
//! searches the formula's disjunctive normal form lazily, one branch at a time: conditions
//! are added to a [`Store`] of per-field constraints as they are met, a branch closes as soon
//! as one field's conditions contradict each other, and an OR is split only when nothing
//! else is left to add. The search stops at the first branch that stays open, or after a
//! budget of steps, so its cost is bounded whatever the criteria.

use std::collections::BTreeSet;

use chrono::FixedOffset;
use recordlock_criteria::typed::Test;
use recordlock_criteria::{Expr, Schema, Slot};

use super::domain::Store;

/// The test of `equal ${EMPTY}`, for conditions the analysis adds itself.
static IS_EMPTY: Test = Test::IsEmpty;

/// One condition: `test` on the field in `slot` holds, or (when `negated`) fails.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lit<'e> {
    slot: Slot,
    test: &'e Test,
    negated: bool,
}

/// A criteria expression, or its negation, in negation normal form.
#[derive(Debug, Clone)]
pub(crate) enum Formula<'e> {
    /// One condition.
    Lit(Lit<'e>),
    /// Every item holds (true when there are none).
    All(Vec<Formula<'e>>),
    /// Some item holds (false when there are none).
    Any(Vec<Formula<'e>>),
}

impl<'e> Formula<'e> {
    /// The records on which `expr` holds.
    pub(crate) fn holds(expr: &'e Expr) -> Formula<'e> {
        Formula::of(expr, true)
    }

    /// The records on which `expr` fails.
    pub(crate) fn fails(expr: &'e Expr) -> Formula<'e> {
        Formula::of(expr, false)
    }

    /// The records whose field in `slot` is empty.
    pub(crate) fn is_empty(slot: Slot) -> Formula<'static> {
        Formula::Lit(Lit { slot, test: &IS_EMPTY, negated: false })
    }

    // Recursion depth is the criteria's nesting, which the JSON parser bounds (128 levels).
    fn of(expr: &'e Expr, positive: bool) -> Formula<'e> {
        match expr {
            Expr::Leaf(p) => {
                let negated = if positive { p.negated } else { !p.negated };
                Formula::Lit(Lit { slot: p.slot, test: &p.test, negated })
            }
            Expr::All(items) | Expr::Any(items) => {
                let parts = items.iter().map(|e| Formula::of(e, positive)).collect();
                if matches!(expr, Expr::All(_)) == positive { Formula::All(parts) } else { Formula::Any(parts) }
            }
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// No record satisfies the formulas: every branch closed, on a contradiction among the
    /// conditions on one of these fields.
    Unsatisfiable(BTreeSet<Slot>),
    /// A branch stayed open: some record may satisfy them.
    Open,
    /// The budget ran out first.
    GaveUp,
}

/// Decides conjunctions of formulas over one schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Solver<'s> {
    schema: &'s Schema,
    tz: FixedOffset,
    budget: usize,
}

/// One branch of the search: what is left to add, the ORs not yet split, and the
/// constraints so far.
#[derive(Clone)]
struct Branch<'f, 'e, 's> {
    todo: Vec<&'f Formula<'e>>,
    choices: Vec<&'f [Formula<'e>]>,
    store: Store<'s>,
}

impl<'s> Solver<'s> {
    /// A solver for records of `schema`, comparing dates with datetimes in `tz`, giving up
    /// after `budget` steps per question.
    pub(crate) fn new(schema: &'s Schema, tz: FixedOffset, budget: usize) -> Solver<'s> {
        Solver { schema, tz, budget }
    }

    /// Whether some record satisfies every formula of `goals`.
    pub(crate) fn check(&self, goals: &[&Formula<'_>]) -> Verdict {
        let mut closed_on = BTreeSet::new();
        let mut steps = 0usize;
        let mut stack =
            vec![Branch { todo: goals.to_vec(), choices: Vec::new(), store: Store::new(self.schema, self.tz) }];
        'branches: while let Some(mut branch) = stack.pop() {
            loop {
                steps += 1;
                if steps > self.budget {
                    return Verdict::GaveUp;
                }
                if let Some(formula) = branch.todo.pop() {
                    match formula {
                        Formula::Lit(l) => {
                            if !branch.store.add(l.slot, l.test, l.negated) {
                                closed_on.insert(l.slot);
                                continue 'branches;
                            }
                        }
                        Formula::All(items) => branch.todo.extend(items.iter()),
                        Formula::Any(items) => branch.choices.push(items),
                    }
                } else if let Some(items) = branch.choices.pop() {
                    let Some((first, rest)) = items.split_first() else { continue 'branches };
                    for alternative in rest.iter().rev() {
                        let mut other = branch.clone();
                        other.todo.push(alternative);
                        stack.push(other);
                    }
                    branch.todo.push(first);
                } else {
                    return Verdict::Open;
                }
            }
        }
        Verdict::Unsatisfiable(closed_on)
    }
}
