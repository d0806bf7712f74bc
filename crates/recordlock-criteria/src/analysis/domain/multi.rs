//! Multi-select conditions: what a field's conditions still allow of a non-empty set of
//! choices.
//!
//! With a positive `equal` the set is known, and every condition is checked on it exactly.
//! Otherwise the conditions are checked for contradictions that hold whatever else is
//! selected: a choice both required (`include_all`) and forbidden (`exclude_all`, or a
//! `not_contains` it passes); an `include_any` whose choices are all forbidden; an
//! `exclude_any` (not `include_all`) whose choices are all required; a `contains` that
//! implies a `not_contains`. Anything else is left open.

use std::collections::BTreeSet;

use crate::typed::{ChoicesTest, Substring};
use crate::{Choice, ChoiceSet, Field};

use super::choice_passes;
use super::text::substring_implies;

/// The conditions on one multi-select field, each with whether it must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct MultiSelect {
    conditions: Vec<(ChoicesTest, bool)>,
}

impl MultiSelect {
    /// Adds `test`, which must `hold` (or fail).
    pub(crate) fn add(&mut self, test: &ChoicesTest, hold: bool) {
        self.conditions.push((test.clone(), hold));
    }

    /// Whether some non-empty set of choices may satisfy every condition. `false` is certain.
    pub(crate) fn is_satisfiable(&self, field: &Field) -> bool {
        let exact = self.conditions.iter().find_map(|(t, hold)| match t {
            ChoicesTest::Equal(set) if *hold => Some(set),
            _ => None,
        });
        if let Some(set) = exact {
            return self.conditions.iter().all(|(t, hold)| holds_on(t, set, field) == *hold);
        }
        let required: BTreeSet<&Choice> = self
            .conditions
            .iter()
            .filter_map(|(t, hold)| match t {
                ChoicesTest::IncludeAll(set) if *hold => Some(set.as_slice()),
                _ => None,
            })
            .flatten()
            .collect();
        let excluded: BTreeSet<&Choice> = self
            .conditions
            .iter()
            .filter_map(|(t, hold)| match t {
                ChoicesTest::IncludeAny(set) if !*hold => Some(set.as_slice()),
                _ => None,
            })
            .flatten()
            .collect();
        let substrings = |want: bool| {
            self.conditions.iter().filter_map(move |(t, hold)| match t {
                ChoicesTest::Substring(s) if *hold == want => Some(s),
                _ => None,
            })
        };
        let unwanted: Vec<&Substring> = substrings(false).collect();
        let forbidden = |c: &Choice| excluded.contains(c) || unwanted.iter().any(|s| choice_passes(field, s, c));
        if required.iter().any(|c| forbidden(c)) {
            return false;
        }
        for (t, hold) in &self.conditions {
            match t {
                ChoicesTest::IncludeAny(set) if *hold && set.as_slice().iter().all(forbidden) => return false,
                ChoicesTest::IncludeAll(set) if !*hold && set.as_slice().iter().all(|c| required.contains(c)) => {
                    return false;
                }
                _ => {}
            }
        }
        !substrings(true).any(|p| unwanted.iter().any(|n| substring_implies(p, n)))
    }
}

/// The reference semantics of a multi-select test on a known non-empty set.
fn holds_on(test: &ChoicesTest, set: &ChoiceSet, field: &Field) -> bool {
    match test {
        ChoicesTest::Equal(k) => set == k,
        ChoicesTest::IncludeAll(k) => k.as_slice().iter().all(|c| set.contains(c)),
        ChoicesTest::IncludeAny(k) => k.as_slice().iter().any(|c| set.contains(c)),
        ChoicesTest::Substring(sub) => set.as_slice().iter().any(|c| choice_passes(field, sub, c)),
    }
}
