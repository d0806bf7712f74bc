//! The compiler: typed tree → [`Program`].
//!
//! Everything that depends only on the criteria is done here, once: constants go into pools
//! (sorted sets, folded text, compiled `like` patterns), picklist substring tests become a
//! bitset over the field's options, date constants against datetime fields become day keys
//! in the time zone, and negation becomes swapped jump targets.
//!
//! Code is emitted back to front: a node is compiled knowing where to go on true and on
//! false, both already emitted, so every jump in the final (reversed) layout goes forward.

use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};

use crate::ast::Criteria;
use crate::error::Error;
use crate::layout::Layout;
use crate::limits::CriteriaLimits;
use crate::program::{CmpOp, ConstId, Instr, KeyKind, Op, Pool, Program, ReadField, Target, VerifyError};
use crate::reference::EvalOptions;
use crate::schema::{Field, Schema, Slot};

use crate::typecheck;
use crate::typed::{ChoiceTest, ChoicesTest, Expr, IdTest, OrdTest, Pred, Substring, Test, TextTest};
use crate::value::Choice;

/// Nanoseconds per second in instant keys: 2·10⁹, not 10⁹, because a leap second carries up
/// to 1,999,999,999 ns; with it, key order is instant order.
pub(crate) const INSTANT_SCALE: i128 = 2_000_000_000;

/// Days from the common era of 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// Parses, type-checks and compiles criteria in one step.
pub fn compile_criteria(
    criteria: &Criteria,
    schema: &Schema,
    limits: &CriteriaLimits,
    opts: &EvalOptions,
) -> Result<Program, Error> {
    let expr = typecheck::check(criteria, schema, limits)?;
    Ok(compile(&expr, schema, opts)?)
}

/// Compiles a typed tree, for rows holding exactly the fields it reads.
pub fn compile(expr: &Expr, schema: &Schema, opts: &EvalOptions) -> Result<Program, CompileError> {
    let layout = Arc::new(Layout::of(schema, expr.preds().map(|p| p.slot())));
    compile_with_layout(expr, schema, opts, &layout)
}

/// Compiles a typed tree for rows of `layout`, which must hold every field it reads (a
/// policy compiles all its rules against one layout).
pub fn compile_with_layout(
    expr: &Expr,
    schema: &Schema,
    opts: &EvalOptions,
    layout: &Arc<Layout>,
) -> Result<Program, CompileError> {
    let mut c = Compiler { schema, layout, code: Vec::new(), pool: Pool::default() };
    let entry = c.emit(expr, Target::ACCEPT, Target::REJECT);
    // Reverse: emission index e becomes n - 1 - e.
    let n = c.code.len();
    let remap = |t: Target| {
        // In the final code, target `n` is "accept" and `n + 1` is "reject" (see `Target`).
        match t {
            Target::ACCEPT => Target(n as u32),
            Target::REJECT => Target(n as u32 + 1),
            _ => Target((n - 1 - t.0 as usize) as u32),
        }
    };
    let mut code: Vec<Instr> = c.code.into_iter().rev().collect();
    for ins in &mut code {
        ins.on_true = remap(ins.on_true);
        ins.on_false = remap(ins.on_false);
    }
    debug_assert_eq!(remap(entry), Target(0));
    let mut slots: Vec<Slot> = expr.preds().map(|p| p.slot()).collect();
    slots.sort_unstable();
    slots.dedup();
    let reads = slots
        .into_iter()
        .map(|slot| {
            let f = schema.field(slot);
            ReadField {
                slot,
                api_name: f.api_name().into(),
                options: f.options().iter().map(|o| o.actual_value.as_str().into()).collect(),
            }
        })
        .collect();
    let tz_seconds = i64::from(opts.tz.local_minus_utc());
    Program::new(code, Arc::clone(layout), c.pool, reads, tz_seconds).map_err(CompileError)
}

/// The compiler produced a program that failed verification: a bug in recordlock, never in
/// the criteria (which the type checker accepted). It becomes `INTERNAL_ERROR`, not a
/// verdict on the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("internal compiler error: {0}")]
pub struct CompileError(#[from] VerifyError);

impl From<CompileError> for Error {
    fn from(e: CompileError) -> Error {
        Error::internal(e.to_string())
    }
}

struct Compiler<'s> {
    schema: &'s Schema,
    layout: &'s Layout,
    /// Emitted back to front; targets are emission indices.
    code: Vec<Instr>,
    pool: Pool,
}

fn push<T>(pool: &mut Vec<T>, item: T) -> ConstId {
    pool.push(item);
    ConstId((pool.len() - 1) as u32)
}

impl Compiler<'_> {
    /// Emits `expr`, going to `t` when it holds and `f` when not; returns its entry.
    fn emit(&mut self, expr: &Expr, t: Target, f: Target) -> Target {
        match expr {
            Expr::Leaf(p) => self.emit_pred(p, t, f),
            // AND and OR are commutative and tests have no effects, so the cheapest items go
            // first: a short-circuit then skips the costly ones more often.
            Expr::All(items) => by_cost(items).into_iter().rev().fold(t, |next, item| self.emit(item, next, f)),
            Expr::Any(items) => by_cost(items).into_iter().rev().fold(f, |next, item| self.emit(item, t, next)),
        }
    }

    fn emit_pred(&mut self, p: &Pred, t: Target, f: Target) -> Target {
        let op = self.op(p.test(), self.schema.field(p.slot()));
        // Negation is the swap of targets: the one place it happens in the VM.
        let (on_true, on_false) = if p.negated() { (f, t) } else { (t, f) };
        // A field outside the layout gets an impossible cell, which verification rejects.
        let cell = self.layout.cell(p.slot()).and_then(|c| u32::try_from(c).ok()).unwrap_or(u32::MAX);
        self.code.push(Instr { op, slot: p.slot(), cell, on_true, on_false });
        Target((self.code.len() - 1) as u32)
    }

    fn op(&mut self, test: &Test, field: &Field) -> Op {
        let pool = &mut self.pool;
        match test {
            Test::IsEmpty => Op::IsEmpty,
            Test::Text(t) => match t {
                TextTest::Equal(s) => Op::TextEq(push(&mut pool.texts, s.clone())),
                TextTest::In(set) => Op::TextIn(push(&mut pool.text_sets, set.as_slice().into())),
                TextTest::Substring(sub) => Op::TextSub(sub.kind, push(&mut pool.texts, sub.needle.clone())),
                TextTest::Like(p) => Op::TextLike(push(&mut pool.patterns, p.clone())),
            },
            Test::Choice(t) => match t {
                // Listed options are dictionary codes: equality is an integer compare and
                // membership a bit test.
                ChoiceTest::Equal(Choice::Option(code)) => Op::OptionEq(*code),
                ChoiceTest::Equal(c) => Op::ChoiceEq(push(&mut pool.choices, c.clone())),
                ChoiceTest::In(set) if set.iter().all(|c| matches!(c, Choice::Option(_))) => {
                    let mut bits = vec![0u64; field.options().len().div_ceil(64)];
                    for c in set.iter() {
                        if let Choice::Option(code) = c
                            && let Some(w) = bits.get_mut(code.index() / 64)
                        {
                            *w |= 1 << (code.index() % 64);
                        }
                    }
                    match bits.as_slice() {
                        // Up to 64 options: the bitset rides in the instruction.
                        [] => Op::OptionInWord(0, 0),
                        [word] => Op::OptionInWord(*word as u32, (*word >> 32) as u32),
                        _ => Op::OptionIn(push(&mut pool.option_hits, bits.into())),
                    }
                }
                ChoiceTest::In(set) => Op::ChoiceIn(push(&mut pool.choice_sets, set.as_slice().into())),
                ChoiceTest::Substring(sub) => {
                    let (needle, hits) = self.substring(sub, field);
                    Op::ChoiceSub(sub.kind, needle, hits)
                }
            },
            Test::Choices(t) => match t {
                ChoicesTest::Equal(set) => Op::ChoicesEq(push(&mut pool.choice_sets, set.as_slice().into())),
                ChoicesTest::IncludeAll(set) => Op::ChoicesAll(push(&mut pool.choice_sets, set.as_slice().into())),
                ChoicesTest::IncludeAny(set) => Op::ChoicesAny(push(&mut pool.choice_sets, set.as_slice().into())),
                ChoicesTest::Substring(sub) => {
                    let (needle, hits) = self.substring(sub, field);
                    Op::ChoicesSub(sub.kind, needle, hits)
                }
            },
            Test::Number(t) => match shape(t) {
                Shape::In(set) => Op::NumIn(push(&mut pool.decimal_sets, set.into())),
                Shape::Between(lo, hi) => {
                    let c = push(&mut pool.decimals, *lo);
                    push(&mut pool.decimals, *hi);
                    Op::NumBetween(c)
                }
                Shape::Cmp(op, v) => Op::Num(op, push(&mut pool.decimals, *v)),
            },
            Test::Date(t) | Test::DayOfDateTime(t) => {
                if matches!(test, Test::Date(_)) {
                    self.key_op(KeyKind::Date, t, date_key)
                } else {
                    self.key_op(KeyKind::LocalDay, t, day_number)
                }
            }
            Test::DateTime(t) => self.key_op(KeyKind::Instant, t, instant_key),
            Test::Bool(b) => Op::Bool(*b),
            Test::Id(t) => match t {
                IdTest::Equal(id) => Op::IdEq(push(&mut pool.ids, id.clone())),
                IdTest::In(set) => Op::IdIn(push(&mut pool.id_sets, set.as_slice().into())),
            },
        }
    }

    fn key_op<T>(&mut self, kind: KeyKind, t: &OrdTest<T>, key: fn(&T) -> i128) -> Op {
        let pool = &mut self.pool;
        match shape(t) {
            // Keys preserve order, so a sorted set stays sorted.
            Shape::In(set) => Op::KeyIn(kind, push(&mut pool.key_sets, set.iter().map(key).collect())),
            Shape::Between(lo, hi) => {
                let c = push(&mut pool.keys, key(lo));
                push(&mut pool.keys, key(hi));
                Op::KeyBetween(kind, c)
            }
            Shape::Cmp(op, v) => Op::Key(kind, op, push(&mut pool.keys, key(v))),
        }
    }

    /// The needle, and the bitset of the field's options that pass (on the actual or the
    /// display value).
    fn substring(&mut self, sub: &Substring, field: &Field) -> (ConstId, ConstId) {
        let mut bits = vec![0u64; field.options().len().div_ceil(64)];
        for (i, o) in field.options().iter().enumerate() {
            if sub.holds_on_option(o)
                && let Some(w) = bits.get_mut(i / 64)
            {
                *w |= 1 << (i % 64);
            }
        }
        let needle = push(&mut self.pool.texts, sub.needle.clone());
        let hits = push(&mut self.pool.option_hits, bits.into());
        (needle, hits)
    }
}

/// The items, cheapest first (stable: equal costs keep document order).
fn by_cost(items: &[Expr]) -> Vec<&Expr> {
    let mut sorted: Vec<&Expr> = items.iter().collect();
    sorted.sort_by_key(|e| cost(e));
    sorted
}

/// A rough cost of evaluating `expr`, in units of one integer compare.
fn cost(expr: &Expr) -> u32 {
    match expr {
        Expr::Leaf(p) => match &p.test() {
            Test::IsEmpty | Test::Bool(_) => 1,
            Test::Choice(ChoiceTest::Equal(Choice::Option(_))) => 1,
            Test::Choice(ChoiceTest::In(set)) if set.iter().all(|c| matches!(c, Choice::Option(_))) => 1,
            Test::Date(_) | Test::Id(IdTest::Equal(_)) | Test::Choice(ChoiceTest::Equal(_)) => 2,
            Test::DateTime(_) | Test::DayOfDateTime(_) | Test::Number(_) => 3,
            Test::Id(IdTest::In(_)) | Test::Choice(_) | Test::Text(TextTest::Equal(_) | TextTest::In(_)) => 4,
            Test::Choices(_) => 5,
            Test::Text(TextTest::Substring(_)) => 6,
            Test::Text(TextTest::Like(_)) => 8,
        },
        Expr::All(items) | Expr::Any(items) => items.iter().map(cost).fold(0u32, u32::saturating_add),
    }
}

/// An ordered test by the shape of its operands.
enum Shape<'a, T> {
    In(&'a [T]),
    Between(&'a T, &'a T),
    Cmp(CmpOp, &'a T),
}

fn shape<T>(t: &OrdTest<T>) -> Shape<'_, T> {
    match t {
        OrdTest::In(set) => Shape::In(set),
        OrdTest::Between(lo, hi) => Shape::Between(lo, hi),
        OrdTest::Equal(v) => Shape::Cmp(CmpOp::Eq, v),
        OrdTest::Less(v) => Shape::Cmp(CmpOp::Lt, v),
        OrdTest::LessEqual(v) => Shape::Cmp(CmpOp::Le, v),
        OrdTest::Greater(v) => Shape::Cmp(CmpOp::Gt, v),
        OrdTest::GreaterEqual(v) => Shape::Cmp(CmpOp::Ge, v),
    }
}

/// An order-preserving key of a date: `year * 512 + ordinal` (ordinals stay below 512).
/// Cheaper than a day count, which needs divisions by 4, 100 and 400.
#[inline]
pub(crate) fn date_key(d: &NaiveDate) -> i128 {
    i128::from(d.year()) * 512 + i128::from(d.ordinal())
}

/// An order-preserving key of an instant, from its UTC date, second of the day and
/// nanosecond (which reaches 1,999,999,999 in a leap second, hence [`INSTANT_SCALE`]).
#[inline]
pub(crate) fn instant_key(t: &DateTime<FixedOffset>) -> i128 {
    let utc = t.naive_utc();
    (date_key(&utc.date()) * 86_400 + i128::from(utc.num_seconds_from_midnight())) * INSTANT_SCALE
        + i128::from(utc.nanosecond())
}

/// Days from 1970-01-01.
pub(crate) fn day_number(d: &NaiveDate) -> i128 {
    i128::from(i64::from(d.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE)
}

/// The day number of the calendar day of `t` in a zone `tz_seconds` east of UTC.
#[inline]
pub(crate) fn local_day_key(t: &DateTime<FixedOffset>, tz_seconds: i64) -> i128 {
    i128::from((t.timestamp() + tz_seconds).div_euclid(86_400))
}
