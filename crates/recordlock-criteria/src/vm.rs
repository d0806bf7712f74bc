//! The bytecode VM: runs a [`Program`] on a [`Row`].
//!
//! The loop fetches an instruction, tests one slot, and follows a jump. It allocates nothing
//! and never looks a field up by name. [`Program::new`] verified that jumps go forward and
//! constants exist, so the pool lookups below always succeed; where a lookup could fail, the
//! test reports `false` rather than panicking (unreachable for verified programs).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::compile::{date_key, instant_key, local_day_key};
use crate::program::{CmpOp, ConstId, Instr, KeyKind, Op, Program};
use crate::row::{EMPTY, Row};
use crate::typed::SubstringKind;
use crate::value::{Choice, Value};

impl Program {
    /// Whether the criteria hold on `row`.
    ///
    /// ```
    /// use recordlock_criteria::{compile, Criteria, CriteriaLimits, EvalOptions, Ingestor, Row, Schema};
    /// use serde_json::json;
    ///
    /// let deals = Schema::builtin("Deals").unwrap();
    /// let criteria: Criteria = serde_json::from_value(json!(
    ///     {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": "1000"})).unwrap();
    /// let program = compile::compile_criteria(&criteria, deals, &CriteriaLimits::default(), &EvalOptions::default()).unwrap();
    /// let ingest = Ingestor::for_fields(deals, program.reads());
    /// let mut row = Row::new(deals);
    /// ingest.ingest_str(r#"{"Amount": 1000.01}"#, &mut row).unwrap();
    /// assert!(program.matches(&row));
    /// ingest.ingest_str(r#"{"Amount": null}"#, &mut row).unwrap();
    /// assert!(!program.matches(&row));
    /// ```
    #[inline]
    pub fn matches(&self, row: &Row) -> bool {
        // Rows of the program's own layout are indexed by cell directly; others by slot.
        if Arc::ptr_eq(row.layout(), &self.layout) {
            let cells = row.cells();
            self.run(|ins| cells.get(ins.cell as usize).unwrap_or(&EMPTY))
        } else {
            self.run(|ins| row.get(ins.slot))
        }
    }

    /// The interpreter loop, generic over how an instruction's value is fetched so that
    /// each fetch strategy gets its own loop with the tests inlined.
    #[inline(always)]
    fn run<'r>(&self, value: impl Fn(&Instr) -> &'r Value) -> bool {
        // INVARIANT: verified programs jump forward only, to a later instruction or to a
        // verdict just past the code (`n`: accept, `n + 1`: reject), so this loop runs at most
        // `n` times and ends on a verdict.
        let mut pc = 0usize;
        while let Some(ins) = self.code.get(pc) {
            pc = if self.test(ins.op, value(ins)) { ins.on_true.index() } else { ins.on_false.index() };
        }
        pc == self.code.len()
    }

    #[inline(always)]
    fn test(&self, op: Op, v: &Value) -> bool {
        let p = &self.pool;
        match (op, v) {
            (Op::IsEmpty, v) => v.is_empty(),
            (Op::TextEq(c), Value::Text(s)) => p.texts.get(c.index()).is_some_and(|k| **k == **s),
            (Op::TextIn(c), Value::Text(s)) => {
                p.text_sets.get(c.index()).is_some_and(|set| set.binary_search_by(|k| (**k).cmp(&**s)).is_ok())
            }
            (Op::TextSub(kind, c), Value::Text(s)) => p.texts.get(c.index()).is_some_and(|n| substring(kind, s, n)),
            (Op::TextLike(c), Value::Text(s)) => p.patterns.get(c.index()).is_some_and(|pat| pat.matches(s)),
            (Op::OptionEq(code), Value::Choice(Choice::Option(x))) => code == *x,
            (Op::OptionIn(c), Value::Choice(Choice::Option(x))) => {
                let i = x.index();
                p.option_hits.get(c.index()).and_then(|bits| bits.get(i / 64)).is_some_and(|w| w & (1 << (i % 64)) != 0)
            }
            (Op::OptionInWord(low, high), Value::Choice(Choice::Option(x))) => {
                let word = u64::from(low) | (u64::from(high) << 32);
                x.index() < 64 && word & (1 << x.index()) != 0
            }
            (Op::ChoiceEq(c), Value::Choice(x)) => p.choices.get(c.index()) == Some(x),
            (Op::ChoiceIn(c), Value::Choice(x)) => {
                p.choice_sets.get(c.index()).is_some_and(|set| set.binary_search(x).is_ok())
            }
            (Op::ChoiceSub(kind, n, h), Value::Choice(x)) => self.choice_sub(kind, n, h, x),
            (Op::ChoicesEq(c), Value::Choices(set)) => {
                p.choice_sets.get(c.index()).is_some_and(|k| **k == *set.as_slice())
            }
            (Op::ChoicesAll(c), Value::Choices(set)) => {
                p.choice_sets.get(c.index()).is_some_and(|k| k.iter().all(|x| set.contains(x)))
            }
            (Op::ChoicesAny(c), Value::Choices(set)) => {
                p.choice_sets.get(c.index()).is_some_and(|k| k.iter().any(|x| set.contains(x)))
            }
            (Op::ChoicesSub(kind, n, h), Value::Choices(set)) => {
                set.as_slice().iter().any(|x| self.choice_sub(kind, n, h, x))
            }
            (Op::Num(op, c), Value::Number(d)) => {
                p.decimals.get(c.index()).is_some_and(|k| compare(op, decimal_cmp(d, k)))
            }
            (Op::NumIn(c), Value::Number(d)) => {
                p.decimal_sets.get(c.index()).is_some_and(|set| set.binary_search(d).is_ok())
            }
            (Op::NumBetween(c), Value::Number(d)) => match (p.decimals.get(c.index()), p.decimals.get(c.index() + 1)) {
                (Some(lo), Some(hi)) => decimal_cmp(lo, d).is_le() && decimal_cmp(d, hi).is_le(),
                _ => false,
            },
            (Op::Key(kind, op, c), v) => {
                self.key(kind, v).is_some_and(|k| p.keys.get(c.index()).is_some_and(|x| compare(op, k.cmp(x))))
            }
            (Op::KeyIn(kind, c), v) => self
                .key(kind, v)
                .is_some_and(|k| p.key_sets.get(c.index()).is_some_and(|set| set.binary_search(&k).is_ok())),
            (Op::KeyBetween(kind, c), v) => match (self.key(kind, v), p.keys.get(c.index()), p.keys.get(c.index() + 1))
            {
                (Some(k), Some(lo), Some(hi)) => *lo <= k && k <= *hi,
                _ => false,
            },
            (Op::Bool(b), Value::Bool(x)) => b == *x,
            (Op::IdEq(c), Value::Id(id)) => p.ids.get(c.index()) == Some(id),
            (Op::IdIn(c), Value::Id(id)) => p.id_sets.get(c.index()).is_some_and(|set| set.binary_search(id).is_ok()),
            // A positive test on an empty value (or a value of another type, which typed
            // rows never hold) is false.
            _ => false,
        }
    }

    #[inline]
    fn key(&self, kind: KeyKind, v: &Value) -> Option<i128> {
        match (kind, v) {
            (KeyKind::Date, Value::Date(d)) => Some(date_key(d)),
            (KeyKind::Instant, Value::DateTime(t)) => Some(instant_key(t)),
            (KeyKind::LocalDay, Value::DateTime(t)) => Some(local_day_key(t, self.tz_seconds)),
            _ => None,
        }
    }

    #[inline]
    fn choice_sub(&self, kind: SubstringKind, needle: ConstId, hits: ConstId, x: &Choice) -> bool {
        match x {
            Choice::Option(code) => {
                let i = code.index();
                self.pool
                    .option_hits
                    .get(hits.index())
                    .and_then(|bits| bits.get(i / 64))
                    .is_some_and(|w| w & (1 << (i % 64)) != 0)
            }
            Choice::Other(s) => self.pool.texts.get(needle.index()).is_some_and(|n| substring(kind, s, n)),
        }
    }
}

#[inline]
fn compare(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

#[inline(always)]
fn substring(kind: SubstringKind, text: &str, needle: &str) -> bool {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    match kind {
        SubstringKind::Contains => contains(t, n),
        // Byte comparisons are exact for UTF-8 (a needle that is valid UTF-8 can only match at
        // char boundaries), and short needles compare inline instead of calling `memcmp`.
        SubstringKind::StartsWith => t.get(..n.len()).is_some_and(|head| bytes_eq(head, n)),
        SubstringKind::EndsWith => {
            t.len() >= n.len() && t.get(t.len() - n.len()..).is_some_and(|tail| bytes_eq(tail, n))
        }
    }
}

/// Whether `needle` occurs in `text` (as `str::contains`; byte comparisons are exact for
/// UTF-8, as above). A text of up to 64 bytes is compared at each position whose first byte
/// matches: `str::contains` sets up a two-way searcher on each call, which a short field value
/// (a deal name) does not repay.
#[inline]
fn contains(text: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else { return true };
    if text.len() > SHORT_TEXT {
        return memchr::memmem::find(text, needle).is_some();
    }
    text.windows(needle.len()).any(|w| w.first() == Some(&first) && bytes_eq(w, needle))
}

/// The longest text [`contains`] searches position by position.
const SHORT_TEXT: usize = 64;

#[inline]
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Compares two decimals exactly. When both scales are small — the common case, money has
/// two decimals — the mantissas are brought to one scale in `i128` and compared directly;
/// anything that could overflow falls back to `Decimal`'s own comparison.
#[inline(always)]
pub(crate) fn decimal_cmp(a: &rust_decimal::Decimal, b: &rust_decimal::Decimal) -> Ordering {
    const POW10: [i128; 10] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
    let (sa, sb) = (a.scale(), b.scale());
    if sa == sb {
        return a.mantissa().cmp(&b.mantissa());
    }
    // |mantissa| < 2^96 and 10^9 < 2^30, so the product stays below 2^126.
    let scaled = if sa < sb {
        POW10.get((sb - sa) as usize).map(|p| (a.mantissa() * p, b.mantissa()))
    } else {
        POW10.get((sa - sb) as usize).map(|p| (a.mantissa(), b.mantissa() * p))
    };
    match scaled {
        Some((x, y)) => x.cmp(&y),
        None => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `contains` answers as `str::contains` on short texts (position by position) and long
    /// ones (memmem), at the 64-byte bound, for needles at every place, overlapping
    /// near-matches, empty and over-long needles, and non-ASCII text.
    #[test]
    fn contains_agrees_with_str_contains() {
        let needles = ["", "a", "ab", "aab", "renewal", "é", "ßx", "x".repeat(70).as_str()].map(str::to_owned);
        let mut texts = vec![String::new(), "aaab".into(), "acme renewal".into(), "résumé".into(), "straßx".into()];
        for len in [63usize, 64, 65, 130] {
            for at in [0, len / 2, len.saturating_sub(7)] {
                let mut t = "a".repeat(len);
                t.replace_range(at..(at + 7).min(len), &"renewal"[..(len - at).min(7)]);
                texts.push(t);
            }
            texts.push("x".repeat(len));
        }
        for text in &texts {
            for needle in &needles {
                assert_eq!(
                    contains(text.as_bytes(), needle.as_bytes()),
                    text.contains(needle.as_str()),
                    "{text:?} {needle:?}"
                );
            }
        }
    }
}
