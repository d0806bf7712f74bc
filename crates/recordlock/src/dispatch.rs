//! Which of a scope's rules a row can match, told before any rule runs.
//!
//! Rules often start with the same picklist (`Stage equal Closed Won`, `Stage equal Closed
//! Lost`, ...). Such a rule rejects every row whose option its first test does not admit
//! ([`OptionGate`]), so the row's option alone rules it out. [`RuleIndex`] keeps, for each
//! option of the picklist that gates the most rules, the set of rules still possible (a bit
//! a rule), and `Policy::matching_rule` runs only those, in configuration order: the same
//! first match as trying every rule, with one table lookup in place of the first test of
//! each rule ruled out.

use recordlock_criteria::{OptionGate, Program, Row, Slot};

/// The rules of one scope, in configuration order, with the index on their shared gate.
#[derive(Debug, Clone)]
pub(crate) struct RuleIndex {
    /// The rules' positions among the policy's rules; bit `i` of a candidate set is `rules[i]`.
    rules: Box<[usize]>,
    /// Every rule of the scope.
    all: u64,
    gate: Option<SharedGate>,
}

/// The picklist gating the most rules of a scope.
#[derive(Debug, Clone)]
struct SharedGate {
    /// One of the rules' gates on the field: how the row's option is read.
    gate: OptionGate,
    /// For each option code, the rules it does not rule out.
    by_code: Box<[u64]>,
    /// The rules a row holding anything else (no option, or an option past `by_code`) does
    /// not rule out: those not gated on this field.
    others: u64,
}

/// The most rules a [`RuleIndex`] tells apart (one bit each); a scope with more tries every rule.
const MAX_INDEXED_RULES: usize = 64;

impl RuleIndex {
    /// The index of `rules` (each its position among the policy's rules and its program), in
    /// configuration order; `None` for more than [`MAX_INDEXED_RULES`] rules.
    pub(crate) fn new<'a>(rules: impl IntoIterator<Item = (usize, &'a Program)>) -> Option<RuleIndex> {
        let rules: Vec<(usize, &Program)> = rules.into_iter().collect();
        if rules.len() > MAX_INDEXED_RULES {
            return None;
        }
        let all = if rules.len() == MAX_INDEXED_RULES { u64::MAX } else { (1u64 << rules.len()) - 1 };
        let gates: Vec<Option<OptionGate>> = rules.iter().map(|(_, p)| p.option_gate()).collect();
        // The field gating the most rules (the first such field on a tie).
        let mut best: Option<(usize, &OptionGate)> = None;
        for g in gates.iter().flatten() {
            let count = gates.iter().flatten().filter(|o| o.slot() == g.slot()).count();
            if best.is_none_or(|(n, _)| count > n) {
                best = Some((count, g));
            }
        }
        let gate = best.map(|(_, chosen)| {
            let on_field = |g| gated_on(g, chosen.slot());
            let mut others = 0;
            let mut by_code = Vec::new();
            for (i, g) in gates.iter().enumerate() {
                if on_field(g).is_none() {
                    others |= 1 << i;
                }
            }
            for (i, g) in gates.iter().enumerate() {
                for code in on_field(g).into_iter().flat_map(OptionGate::admitted) {
                    if by_code.len() <= code {
                        by_code.resize(code + 1, others);
                    }
                    if let Some(set) = by_code.get_mut(code) {
                        *set |= 1 << i;
                    }
                }
            }
            SharedGate { gate: chosen.clone(), by_code: by_code.into(), others }
        });
        Some(RuleIndex { rules: rules.iter().map(|(i, _)| *i).collect(), all, gate })
    }

    /// The positions of the rules `row` is not ruled out of, in configuration order.
    #[inline]
    pub(crate) fn candidates<'a>(&'a self, row: &Row) -> impl Iterator<Item = usize> + 'a {
        let mut set = match &self.gate {
            Some(g) => match g.gate.option_in(row) {
                Some(code) => g.by_code.get(code.index()).copied().unwrap_or(g.others),
                None => g.others,
            },
            None => self.all,
        };
        std::iter::from_fn(move || {
            let i = set.trailing_zeros() as usize;
            set &= set.wrapping_sub(1);
            self.rules.get(i).copied()
        })
    }
}

/// `gate` if it is on the field in `slot`.
fn gated_on(gate: &Option<OptionGate>, slot: Slot) -> Option<&OptionGate> {
    gate.as_ref().filter(|g| g.slot() == slot)
}
