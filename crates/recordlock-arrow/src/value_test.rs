//! A positive test on one typed value: the reference interpreter's definition
//! (`recordlock_criteria::reference`), for columns read as [`Value`]s (text, picklists,
//! multi-selects, lookups, dictionaries). Each arm but `IsEmpty` is false on an empty value.

use chrono::NaiveDate;
use recordlock::criteria::typed::{ChoiceTest, ChoicesTest, IdTest, Test, TextTest};
use recordlock::criteria::{EvalOptions, Field, Value};

/// Whether `value` passes the positive `test` (SPEC.md §2).
pub(crate) fn holds(test: &Test, value: &Value, field: &Field, opts: &EvalOptions) -> bool {
    match (test, value) {
        (Test::IsEmpty, v) => v.is_empty(),
        (Test::Text(t), Value::Text(s)) => text_holds(t, s),
        (Test::Choice(t), Value::Choice(c)) => match t {
            ChoiceTest::Equal(k) => c == k,
            ChoiceTest::In(set) => set.contains(c),
            ChoiceTest::Substring(sub) => sub.holds_on_choice(field, c),
        },
        (Test::Choices(t), Value::Choices(set)) => match t {
            ChoicesTest::Equal(k) => set == k,
            ChoicesTest::IncludeAll(k) => k.as_slice().iter().all(|c| set.contains(c)),
            ChoicesTest::IncludeAny(k) => k.as_slice().iter().any(|c| set.contains(c)),
            ChoicesTest::Substring(sub) => set.as_slice().iter().any(|c| sub.holds_on_choice(field, c)),
        },
        (Test::Number(t), Value::Number(d)) => t.holds(d),
        (Test::Date(t), Value::Date(d)) => t.holds(d),
        (Test::DateTime(t), Value::DateTime(i)) => t.holds(i),
        (Test::DayOfDateTime(t), Value::DateTime(i)) => {
            let day: NaiveDate = i.with_timezone(&opts.tz).date_naive();
            t.holds(&day)
        }
        (Test::Bool(b), Value::Bool(v)) => b == v,
        (Test::Id(t), Value::Id(id)) => match t {
            IdTest::Equal(k) => id == k,
            IdTest::In(set) => set.contains(id),
        },
        _ => false,
    }
}

/// Whether folded, non-empty text passes `t`.
#[inline]
pub(crate) fn text_holds(t: &TextTest, s: &str) -> bool {
    match t {
        TextTest::Equal(k) => s == &**k,
        TextTest::In(set) => set.iter().any(|k| s == &**k),
        TextTest::Substring(sub) => sub.holds(s),
        TextTest::Like(p) => p.matches(s),
    }
}
