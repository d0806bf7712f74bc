//! Compiled criteria: a flat instruction array with constant pools.
//!
//! A [`Program`] is what the compiler ([`crate::compile`]) makes of a typed tree and what the
//! VM ([`Program::matches`]) runs. Each [`Instr`] tests one field against one constant and
//! names where to go on true and on false; AND and OR are nothing but those jump targets, so
//! evaluation short-circuits without a stack. Jumps only go forward, which the constructor
//! verifies, so every run ends within `code.len()` steps.
//!
//! `Display` disassembles, one instruction a line:
//!
//! ```
//! use recordlock_criteria::{compile, Criteria, CriteriaLimits, EvalOptions, Schema};
//! use serde_json::json;
//!
//! let deals = Schema::builtin("Deals").unwrap();
//! let criteria: Criteria = serde_json::from_value(json!({"group_operator": "AND", "group": [
//!     {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"},
//!     {"field": {"api_name": "Amount"}, "comparator": "not_between", "value": [10, 20]}]})).unwrap();
//! let program = compile::compile_criteria(&criteria, deals, &CriteriaLimits::default(), &EvalOptions::default()).unwrap();
//! let text = program.to_string();
//! assert_eq!(text.lines().count(), 2);
//! assert!(text.contains("option_eq \"Closed Won\""), "{text}");
//! assert!(text.contains("num_between"), "{text}");
//! ```

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::layout::Layout;
use crate::schema::Slot;
use crate::text::LikePattern;
use crate::typed::SubstringKind;
use crate::value::{Choice, RecordId};

/// An index into one of a program's constant pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConstId(pub(crate) u32);

impl ConstId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where an instruction goes next: a later instruction, or a verdict. In a program of `n`
/// instructions, target `n` means "the criteria hold" and `n + 1` "they do not", so the VM
/// needs no test but "is the next instruction still in the code?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target(pub(crate) u32);

impl Target {
    /// While compiling: the criteria hold (becomes `n`).
    pub(crate) const ACCEPT: Target = Target(u32::MAX);
    /// While compiling: the criteria do not hold (becomes `n + 1`).
    pub(crate) const REJECT: Target = Target(u32::MAX - 1);

    /// The instruction index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// An ordered comparison with a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// How an ordered non-numeric value becomes an integer key (see [`crate::program`] pools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// A date field: days from the common era.
    Date,
    /// A datetime field against datetime constants: the instant.
    Instant,
    /// A datetime field against date constants: the calendar day in the program's time zone.
    LocalDay,
}

/// One test. Every op is a positive test (false on an empty value, but `IsEmpty`); negation
/// is compiled into swapped jump targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The value is empty.
    IsEmpty,
    /// Folded text equals `texts[c]`.
    TextEq(ConstId),
    /// Folded text is in `text_sets[c]`.
    TextIn(ConstId),
    /// Folded text contains / starts / ends with `texts[c]`.
    TextSub(SubstringKind, ConstId),
    /// Folded text matches `patterns[c]`.
    TextLike(ConstId),
    /// The choice is the listed option with this code (an integer compare).
    OptionEq(crate::schema::OptionCode),
    /// The choice is a listed option whose bit is set in `option_hits[c]`.
    OptionIn(ConstId),
    /// The choice is a listed option among the first 64 whose bit is set in the word
    /// `low | high << 32`, held in the instruction itself (no pool lookup).
    OptionInWord(u32, u32),
    /// The choice equals `choices[c]`.
    ChoiceEq(ConstId),
    /// The choice is in `choice_sets[c]`.
    ChoiceIn(ConstId),
    /// A listed option passes if bit `code` of `option_hits[h]` is set; unlisted text is
    /// tested against `texts[c]`.
    ChoiceSub(SubstringKind, ConstId, ConstId),
    /// The set equals `choice_sets[c]`.
    ChoicesEq(ConstId),
    /// The set holds every choice of `choice_sets[c]`.
    ChoicesAll(ConstId),
    /// The set holds some choice of `choice_sets[c]`.
    ChoicesAny(ConstId),
    /// Some choice of the set passes, as in `ChoiceSub`.
    ChoicesSub(SubstringKind, ConstId, ConstId),
    /// The number compares with `decimals[c]`.
    Num(CmpOp, ConstId),
    /// The number is in `decimal_sets[c]`.
    NumIn(ConstId),
    /// `decimals[c] <= n <= decimals[c + 1]`.
    NumBetween(ConstId),
    /// The value's key compares with `keys[c]`.
    Key(KeyKind, CmpOp, ConstId),
    /// The value's key is in `key_sets[c]`.
    KeyIn(KeyKind, ConstId),
    /// `keys[c] <= key <= keys[c + 1]`.
    KeyBetween(KeyKind, ConstId),
    /// The boolean equals.
    Bool(bool),
    /// The id equals `ids[c]`.
    IdEq(ConstId),
    /// The id is in `id_sets[c]`.
    IdIn(ConstId),
}

/// One instruction: test the value in `slot`, then go to `on_true` or `on_false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instr {
    /// What the instruction tests on the value in `slot`.
    pub op: Op,
    /// The field tested.
    pub slot: Slot,
    /// Where rows of the program's layout hold that field.
    pub cell: u32,
    /// Next when the test holds.
    pub on_true: Target,
    /// Next when it does not.
    pub on_false: Target,
}

/// The constants a program's instructions refer to, parsed and sorted at compile time.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Pool {
    pub(crate) texts: Vec<Box<str>>,
    pub(crate) text_sets: Vec<Box<[Box<str>]>>,
    pub(crate) patterns: Vec<LikePattern>,
    pub(crate) choices: Vec<Choice>,
    pub(crate) choice_sets: Vec<Box<[Choice]>>,
    pub(crate) option_hits: Vec<Box<[u64]>>,
    pub(crate) decimals: Vec<Decimal>,
    pub(crate) decimal_sets: Vec<Box<[Decimal]>>,
    pub(crate) keys: Vec<i128>,
    pub(crate) key_sets: Vec<Box<[i128]>>,
    pub(crate) ids: Vec<RecordId>,
    pub(crate) id_sets: Vec<Box<[RecordId]>>,
}

/// What a program knows of a field it reads, for disassembly and projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadField {
    /// The field's slot in the schema.
    pub slot: Slot,
    /// The API name.
    pub api_name: Box<str>,
    /// The actual values of its options, by code.
    pub options: Box<[Box<str>]>,
}

/// Compiled criteria.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub(crate) code: Box<[Instr]>,
    /// The row layout `cell`s refer to.
    pub(crate) layout: Arc<Layout>,
    /// Boxed: the VM reads a constant only in the arm of the op that needs it. Held inline,
    /// the pool's pointers were all loaded before each program's first instruction (a
    /// hoisting that costs more than a short rule's whole test).
    pub(crate) pool: Box<Pool>,
    pub(crate) reads: Box<[ReadField]>,
    pub(crate) tz_seconds: i64,
}

/// Why a program failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid program: instruction {index}: {why}")]
pub struct VerifyError {
    index: usize,
    why: &'static str,
}

impl Program {
    /// Builds a program, verifying that every jump goes forward inside the code and every
    /// constant exists, so the VM can run it without checks that could fail.
    pub(crate) fn new(
        code: Vec<Instr>,
        layout: Arc<Layout>,
        pool: Pool,
        reads: Vec<ReadField>,
        tz_seconds: i64,
    ) -> Result<Program, VerifyError> {
        let program = Program { code: code.into(), layout, pool: Box::new(pool), reads: reads.into(), tz_seconds };
        program.verify()?;
        Ok(program)
    }

    fn verify(&self) -> Result<(), VerifyError> {
        if self.code.is_empty() {
            return Err(VerifyError { index: 0, why: "no instructions" });
        }
        for (i, ins) in self.code.iter().enumerate() {
            for t in [ins.on_true, ins.on_false] {
                if t.index() <= i || t.index() > self.code.len() + 1 {
                    return Err(VerifyError { index: i, why: "jump target is not a later instruction or a verdict" });
                }
            }
            if !self.pool.has(ins.op) {
                return Err(VerifyError { index: i, why: "constant out of range" });
            }
            if self.layout.cell(ins.slot) != Some(ins.cell as usize) {
                return Err(VerifyError { index: i, why: "the cell does not hold the slot in the layout" });
            }
        }
        Ok(())
    }

    /// The row layout the program is compiled against: rows of this layout run fastest.
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// The verdict a target stands for (`Some(true)`: the criteria hold), or `None` for an
    /// instruction.
    pub fn verdict(&self, t: Target) -> Option<bool> {
        let n = self.code.len();
        match t.index() {
            i if i == n => Some(true),
            i if i == n + 1 => Some(false),
            _ => None,
        }
    }

    fn target_text(&self, t: Target) -> String {
        match self.verdict(t) {
            Some(true) => "accept".to_owned(),
            Some(false) => "reject".to_owned(),
            None => format!("{:04}", t.index()),
        }
    }

    /// The instructions.
    pub fn instructions(&self) -> &[Instr] {
        &self.code
    }

    /// The fields the program reads, by slot.
    pub fn reads(&self) -> impl Iterator<Item = crate::schema::Slot> + '_ {
        self.reads.iter().map(|r| r.slot)
    }

    /// The fields the program reads, with their names.
    pub fn read_fields(&self) -> &[ReadField] {
        &self.reads
    }

    fn name(&self, slot: Slot) -> &str {
        self.reads.iter().find(|r| r.slot == slot).map_or("?", |r| &r.api_name)
    }

    fn choice_text(&self, slot: Slot, c: &Choice) -> String {
        match c {
            Choice::Option(code) => {
                let options = self.reads.iter().find(|r| r.slot == slot).map(|r| &r.options);
                match options.and_then(|o| o.get(code.index())) {
                    Some(name) => format!("{name:?}"),
                    None => format!("option#{}", code.index()),
                }
            }
            Choice::Other(s) => format!("{s:?}"),
        }
    }

    /// The actual values of the options of the field in `slot` that `hit` selects.
    fn option_names(&self, slot: Slot, hit: impl Fn(usize) -> bool) -> Vec<String> {
        self.reads
            .iter()
            .find(|r| r.slot == slot)
            .map(|r| r.options.iter().enumerate().filter(|(i, _)| hit(*i)).map(|(_, n)| format!("{n:?}")).collect())
            .unwrap_or_default()
    }

    fn operand(&self, ins: &Instr) -> String {
        let p = &self.pool;
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        let sub = |k: SubstringKind| match k {
            SubstringKind::Contains => "contains",
            SubstringKind::StartsWith => "starts_with",
            SubstringKind::EndsWith => "ends_with",
        };
        let text = |c: ConstId| p.texts.get(c.index()).map_or_else(String::new, |s| format!("{s:?}"));
        let choices = |c: ConstId| {
            list(
                p.choice_sets
                    .get(c.index())
                    .map_or_else(Vec::new, |s| s.iter().map(|x| self.choice_text(ins.slot, x)).collect()),
            )
        };
        let key = |kind: KeyKind, c: ConstId| p.keys.get(c.index()).map_or_else(String::new, |k| key_text(kind, *k));
        match ins.op {
            Op::IsEmpty => "is_empty".into(),
            Op::TextEq(c) => format!("text_eq {}", text(c)),
            Op::TextIn(c) => format!(
                "text_in {}",
                list(
                    p.text_sets.get(c.index()).map_or_else(Vec::new, |s| s.iter().map(|x| format!("{x:?}")).collect())
                )
            ),
            Op::TextSub(k, c) => format!("text_{} {}", sub(k), text(c)),
            Op::TextLike(c) => format!("text_like {:?}", p.patterns.get(c.index()).map_or("", |x| x.as_str())),
            Op::OptionEq(code) => format!("option_eq {}", self.choice_text(ins.slot, &Choice::Option(code))),
            Op::OptionIn(c) => {
                let bits = p.option_hits.get(c.index());
                let hit = |i: usize| bits.and_then(|b| b.get(i / 64)).is_some_and(|w| w & (1 << (i % 64)) != 0);
                format!("option_in {}", list(self.option_names(ins.slot, hit)))
            }
            Op::OptionInWord(low, high) => {
                let word = u64::from(low) | (u64::from(high) << 32);
                let hit = |i: usize| i < 64 && word & (1 << i) != 0;
                format!("option_in {}", list(self.option_names(ins.slot, hit)))
            }
            Op::ChoiceEq(c) => format!(
                "choice_eq {}",
                p.choices.get(c.index()).map_or_else(String::new, |x| self.choice_text(ins.slot, x))
            ),
            Op::ChoiceIn(c) => format!("choice_in {}", choices(c)),
            Op::ChoiceSub(k, c, h) => format!("choice_{} {} hits#{}", sub(k), text(c), h.0),
            Op::ChoicesEq(c) => format!("set_eq {}", choices(c)),
            Op::ChoicesAll(c) => format!("set_include_all {}", choices(c)),
            Op::ChoicesAny(c) => format!("set_include_any {}", choices(c)),
            Op::ChoicesSub(k, c, h) => format!("set_{} {} hits#{}", sub(k), text(c), h.0),
            Op::Num(op, c) => format!(
                "num_{} {}",
                cmp_name(op),
                p.decimals.get(c.index()).map_or_else(String::new, ToString::to_string)
            ),
            Op::NumIn(c) => format!(
                "num_in {}",
                list(
                    p.decimal_sets
                        .get(c.index())
                        .map_or_else(Vec::new, |s| s.iter().map(ToString::to_string).collect())
                )
            ),
            Op::NumBetween(c) => format!(
                "num_between [{}, {}]",
                p.decimals.get(c.index()).map_or_else(String::new, ToString::to_string),
                p.decimals.get(c.index() + 1).map_or_else(String::new, ToString::to_string)
            ),
            Op::Key(kind, op, c) => format!("{}_{} {}", kind_name(kind), cmp_name(op), key(kind, c)),
            Op::KeyIn(kind, c) => format!(
                "{}_in {}",
                kind_name(kind),
                list(
                    p.key_sets.get(c.index()).map_or_else(Vec::new, |s| s.iter().map(|k| key_text(kind, *k)).collect())
                )
            ),
            Op::KeyBetween(kind, c) => {
                format!("{}_between [{}, {}]", kind_name(kind), key(kind, c), key(kind, ConstId(c.0 + 1)))
            }
            Op::Bool(b) => format!("bool_eq {b}"),
            Op::IdEq(c) => format!("id_eq {}", p.ids.get(c.index()).map_or_else(String::new, ToString::to_string)),
            Op::IdIn(c) => format!(
                "id_in {}",
                list(p.id_sets.get(c.index()).map_or_else(Vec::new, |s| s.iter().map(ToString::to_string).collect()))
            ),
        }
    }
}

fn cmp_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "eq",
        CmpOp::Lt => "lt",
        CmpOp::Le => "le",
        CmpOp::Gt => "gt",
        CmpOp::Ge => "ge",
    }
}

fn kind_name(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Date => "date",
        KeyKind::Instant => "instant",
        KeyKind::LocalDay => "day_of",
    }
}

fn key_text(kind: KeyKind, key: i128) -> String {
    let scale = crate::compile::INSTANT_SCALE;
    let date = |k: i128| {
        let year = i32::try_from(k.div_euclid(512)).ok()?;
        let ordinal = u32::try_from(k.rem_euclid(512)).ok()?;
        chrono::NaiveDate::from_yo_opt(year, ordinal)
    };
    let text = match kind {
        KeyKind::Date => date(key).map(|d| d.to_string()),
        KeyKind::LocalDay => i32::try_from(key + 719_163)
            .ok()
            .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
            .map(|d| d.to_string()),
        KeyKind::Instant => {
            let nanos = u32::try_from(key.rem_euclid(scale)).unwrap_or(0);
            let rest = key.div_euclid(scale);
            let secs = u32::try_from(rest.rem_euclid(86_400)).unwrap_or(0);
            date(rest.div_euclid(86_400))
                .and_then(|d| chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).map(|t| d.and_time(t)))
                .map(|t| format!("{}Z", t.format("%Y-%m-%dT%H:%M:%S%.f")))
        }
    };
    text.unwrap_or_else(|| key.to_string())
}

impl Pool {
    fn has(&self, op: Op) -> bool {
        let i = |c: ConstId| c.index();
        match op {
            Op::IsEmpty | Op::Bool(_) => true,
            Op::TextEq(c) => i(c) < self.texts.len(),
            Op::TextIn(c) => i(c) < self.text_sets.len(),
            Op::TextSub(_, c) => i(c) < self.texts.len(),
            Op::TextLike(c) => i(c) < self.patterns.len(),
            Op::OptionEq(_) | Op::OptionInWord(..) => true,
            Op::OptionIn(c) => i(c) < self.option_hits.len(),
            Op::ChoiceEq(c) => i(c) < self.choices.len(),
            Op::ChoiceIn(c) | Op::ChoicesEq(c) | Op::ChoicesAll(c) | Op::ChoicesAny(c) => i(c) < self.choice_sets.len(),
            Op::ChoiceSub(_, c, h) | Op::ChoicesSub(_, c, h) => {
                i(c) < self.texts.len() && i(h) < self.option_hits.len()
            }
            Op::Num(_, c) => i(c) < self.decimals.len(),
            Op::NumIn(c) => i(c) < self.decimal_sets.len(),
            Op::NumBetween(c) => i(c) + 1 < self.decimals.len(),
            Op::Key(_, _, c) => i(c) < self.keys.len(),
            Op::KeyIn(_, c) => i(c) < self.key_sets.len(),
            Op::KeyBetween(_, c) => i(c) + 1 < self.keys.len(),
            Op::IdEq(c) => i(c) < self.ids.len(),
            Op::IdIn(c) => i(c) < self.id_sets.len(),
        }
    }
}

impl fmt::Display for Program {
    /// One instruction a line: index, field, test, then the true and false targets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, ins) in self.code.iter().enumerate() {
            writeln!(
                f,
                "{i:04}  {:<20} {:<48} true→{} false→{}",
                self.name(ins.slot),
                self.operand(ins),
                self.target_text(ins.on_true),
                self.target_text(ins.on_false)
            )?;
        }
        Ok(())
    }
}
