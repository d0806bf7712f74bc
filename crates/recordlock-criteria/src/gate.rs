//! A program's entry test on a listed picklist option, seen from outside the program: which
//! options let a row past it. Rules that start by testing the same picklist (`Stage equal
//! Closed Won`, `Stage in [...]`) can then be told apart by one look at the row's option,
//! before any of them runs (what `Policy::matching_rule` does with several rules).

use std::sync::Arc;

use crate::layout::Layout;
use crate::program::{Op, Program};
use crate::row::Row;
use crate::schema::{OptionCode, Slot};
use crate::value::{Choice, Value};

/// The options of one picklist field that get a row past a program's first instruction,
/// when that instruction tests a listed option and a failed test rejects the row: a row
/// whose field holds no admitted option (an unlisted text, an empty value, an option not
/// admitted) is rejected by the program whatever else it holds.
///
/// ```
/// use recordlock_criteria::{compile, typecheck, Criteria, CriteriaLimits, EvalOptions, JsonPath, Row, Schema, Value};
/// use serde_json::json;
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let limits = CriteriaLimits::default();
/// let criteria = json!({"group_operator": "AND", "group": [
///     {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"},
///     {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}]});
/// let c = Criteria::parse(&criteria, &JsonPath::root(), &limits).unwrap();
/// let program = compile::compile(&typecheck::check(&c, deals, &limits).unwrap(), deals, &EvalOptions::default()).unwrap();
/// let gate = program.option_gate().unwrap();
/// let stage = deals.slot("Stage").unwrap();
/// assert_eq!(gate.slot(), stage);
///
/// let mut row = Row::with_layout(program.layout());
/// row.set(deals, stage, Value::from_text(deals.field(stage), "Closed Won").unwrap()).unwrap();
/// let won = gate.option_in(&row).unwrap();
/// assert!(gate.admits(won));
/// row.set(deals, stage, Value::from_text(deals.field(stage), "Qualification").unwrap()).unwrap();
/// assert!(!gate.admits(gate.option_in(&row).unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionGate {
    slot: Slot,
    cell: usize,
    layout: Arc<Layout>,
    /// Bit `code` set for each admitted option code.
    admitted: Box<[u64]>,
}

impl OptionGate {
    /// The field the gate tests.
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// Whether the listed option `code` gets a row past the gate.
    #[inline]
    pub fn admits(&self, code: OptionCode) -> bool {
        let i = code.index();
        self.admitted.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The indices ([`OptionCode::index`]) of the admitted options, in order.
    pub fn admitted(&self) -> impl Iterator<Item = usize> + '_ {
        self.admitted.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                let i = bits.trailing_zeros() as usize;
                bits &= bits.wrapping_sub(1);
                (i < 64).then_some(w * 64 + i)
            })
        })
    }

    /// The listed option `row` holds in the gate's field, read as the program reads it; `None`
    /// when it holds anything else (which no gate admits).
    #[inline]
    pub fn option_in(&self, row: &Row) -> Option<OptionCode> {
        let value =
            if Arc::ptr_eq(row.layout(), &self.layout) { row.cells().get(self.cell) } else { Some(row.get(self.slot)) };
        match value {
            Some(Value::Choice(Choice::Option(code))) => Some(*code),
            _ => None,
        }
    }
}

impl Program {
    /// The gate of this program's first instruction, when that instruction tests a listed
    /// option (`OptionEq`, `OptionIn`, `OptionInWord`) and rejects the row when the test fails;
    /// `None` otherwise. The VM's test of those ops is false for any value but a listed
    /// option, so [`OptionGate::option_in`]'s `None` is a rejection too.
    pub fn option_gate(&self) -> Option<OptionGate> {
        let first = self.code.first()?;
        if self.verdict(first.on_false) != Some(false) {
            return None;
        }
        let admitted: Box<[u64]> = match first.op {
            Op::OptionEq(code) => {
                let i = code.index();
                let mut words = vec![0u64; i / 64 + 1];
                *words.get_mut(i / 64)? |= 1 << (i % 64);
                words.into()
            }
            Op::OptionIn(c) => self.pool.option_hits.get(c.index())?.clone(),
            Op::OptionInWord(low, high) => Box::new([u64::from(low) | (u64::from(high) << 32)]),
            _ => return None,
        };
        Some(OptionGate { slot: first.slot, cell: first.cell as usize, layout: Arc::clone(&self.layout), admitted })
    }
}
