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

use crate::typed::Test;
use crate::{Expr, Schema, Slot};
use chrono::FixedOffset;

use super::domain::Store;

/// The test of `equal ${EMPTY}`, for conditions the analysis adds itself.
static IS_EMPTY: Test = Test::IsEmpty;

/// One condition: `test` on the field in `slot` holds, or (when `negated`) fails.
#[derive(Debug, Clone, Copy)]
pub struct Lit<'e> {
    slot: Slot,
    test: &'e Test,
    negated: bool,
}

/// A criteria expression, or its negation, in negation normal form.
#[derive(Debug, Clone)]
pub enum Formula<'e> {
    /// One condition.
    Lit(Lit<'e>),
    /// Every item holds (true when there are none).
    All(Vec<Formula<'e>>),
    /// Some item holds (false when there are none).
    Any(Vec<Formula<'e>>),
}

impl<'e> Formula<'e> {
    /// The records on which `expr` holds.
    pub fn holds(expr: &'e Expr) -> Formula<'e> {
        Formula::of(expr, true)
    }

    /// The records on which `expr` fails.
    pub fn fails(expr: &'e Expr) -> Formula<'e> {
        Formula::of(expr, false)
    }

    /// The records whose field in `slot` is empty.
    pub fn is_empty(slot: Slot) -> Formula<'static> {
        Formula::Lit(Lit { slot, test: &IS_EMPTY, negated: false })
    }

    // Recursion depth is the criteria's nesting, which the JSON parser bounds (128 levels).
    fn of(expr: &'e Expr, positive: bool) -> Formula<'e> {
        match expr {
            Expr::Leaf(p) => {
                let negated = if positive { p.negated() } else { !p.negated() };
                Formula::Lit(Lit { slot: p.slot(), test: p.test(), negated })
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
pub enum Verdict {
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
pub struct Solver<'s> {
    schema: &'s Schema,
    tz: FixedOffset,
    budget: usize,
}

/// One branch of the search: what is left to add, the ORs not yet split (each with its
/// nesting depth), and the constraints so far.
#[derive(Clone)]
struct Branch<'f, 'e, 's> {
    todo: Vec<(&'f Formula<'e>, usize)>,
    choices: Vec<(&'f [Formula<'e>], usize)>,
    store: Store<'s>,
}

/// What to do with a branch whose conditions are all added.
enum Next<'f, 'e> {
    /// Some OR has no alternative left: the branch is closed.
    Close,
    /// Add this alternative of the OR at this index (the only one left, or the first of
    /// those to try), at this depth; the others are tried in other branches.
    Take { choice: usize, alternatives: Vec<&'f Formula<'e>>, depth: usize },
    /// No OR is left: the branch is open.
    Open,
}

impl<'s> Solver<'s> {
    /// A solver for records of `schema`, comparing dates with datetimes in `tz`, giving up
    /// after `budget` steps per question.
    pub fn new(schema: &'s Schema, tz: FixedOffset, budget: usize) -> Solver<'s> {
        Solver { schema, tz, budget }
    }

    /// Whether some record satisfies every formula of `goals`.
    ///
    /// Conditions are added as soon as they are met. When only ORs are left, each OR's
    /// alternatives are checked against the constraints so far (an alternative whose own
    /// conditions contradict them is dropped): an OR with none left closes the branch, one
    /// with a single one left is no choice at all, and otherwise the shallowest OR (the
    /// fewest alternatives among those) is split. Splitting shallow ORs first is what
    /// decides "does rule B imply rule A" quickly: the negation of A is an OR at the top,
    /// and each of its branches usually contradicts B at once.
    pub fn check(&self, goals: &[&Formula<'_>]) -> Verdict {
        let mut closed_on = BTreeSet::new();
        let mut steps = 0usize;
        let todo = goals.iter().map(|g| (*g, 0)).collect();
        let mut stack = vec![Branch { todo, choices: Vec::new(), store: Store::new(self.schema, self.tz) }];
        'branches: while let Some(mut branch) = stack.pop() {
            loop {
                steps += 1;
                if steps > self.budget {
                    return Verdict::GaveUp;
                }
                if let Some((formula, depth)) = branch.todo.pop() {
                    match formula {
                        Formula::Lit(l) => {
                            if !branch.store.add(l.slot, l.test, l.negated) {
                                closed_on.insert(l.slot);
                                continue 'branches;
                            }
                        }
                        Formula::All(items) => branch.todo.extend(items.iter().map(|i| (i, depth + 1))),
                        Formula::Any(items) => branch.choices.push((items, depth)),
                    }
                    continue;
                }
                match next(&branch, &mut steps, &mut closed_on) {
                    Next::Open => return Verdict::Open,
                    Next::Close => continue 'branches,
                    Next::Take { choice, alternatives, depth } => {
                        branch.choices.swap_remove(choice);
                        let Some((first, rest)) = alternatives.split_first() else { continue 'branches };
                        for alternative in rest.iter().rev() {
                            let mut other = branch.clone();
                            other.todo.push((alternative, depth + 1));
                            stack.push(other);
                        }
                        branch.todo.push((first, depth + 1));
                    }
                }
            }
        }
        Verdict::Unsatisfiable(closed_on)
    }
}

/// Picks the OR to split (see [`Solver::check`]), counting each alternative checked as a
/// step.
fn next<'f, 'e>(branch: &Branch<'f, 'e, '_>, steps: &mut usize, closed_on: &mut BTreeSet<Slot>) -> Next<'f, 'e> {
    let mut best: Option<(usize, usize, Vec<&'f Formula<'e>>)> = None;
    for (index, (items, depth)) in branch.choices.iter().enumerate() {
        let mut viable = Vec::with_capacity(items.len());
        for alternative in items.iter() {
            *steps += 1;
            match admits(&branch.store, alternative) {
                Ok(()) => viable.push(alternative),
                Err(slot) => {
                    closed_on.insert(slot);
                }
            }
        }
        if viable.len() <= 1 {
            return match viable.is_empty() {
                true => Next::Close,
                false => Next::Take { choice: index, alternatives: viable, depth: *depth },
            };
        }
        let better = best.as_ref().is_none_or(|(_, d, v)| (*depth, viable.len()) < (*d, v.len()));
        if better {
            best = Some((index, *depth, viable));
        }
    }
    match best {
        Some((choice, depth, alternatives)) => Next::Take { choice, alternatives, depth },
        None => Next::Open,
    }
}

/// Whether the conditions `alternative` adds at once (itself, for a condition; its direct
/// conditions, for an AND) fit `store`; else the field they contradict on.
fn admits(store: &Store<'_>, alternative: &Formula<'_>) -> Result<(), Slot> {
    let lits: Vec<&Lit<'_>> = match alternative {
        Formula::Lit(l) => vec![l],
        Formula::All(items) => items
            .iter()
            .filter_map(|i| match i {
                Formula::Lit(l) => Some(l),
                Formula::All(_) | Formula::Any(_) => None,
            })
            .collect(),
        Formula::Any(_) => return Ok(()),
    };
    if lits.is_empty() {
        return Ok(());
    }
    let mut trial = store.clone();
    for l in lits {
        if !trial.add(l.slot, l.test, l.negated) {
            return Err(l.slot);
        }
    }
    Ok(())
}
