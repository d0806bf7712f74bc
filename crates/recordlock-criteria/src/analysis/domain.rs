//! Per-field reasoning: what a conjunction of conditions on one field still allows.
//!
//! A [`FieldConstraint`] tracks whether the field may be empty and which non-empty values
//! remain, in the representation that suits the field's type:
//!
//! | type | representation | exact? |
//! |---|---|---|
//! | numbers, dates, datetimes | [`interval::IntervalSet`] (a date constant on a datetime field becomes the instants of that day in the time zone) | yes |
//! | text | [`text::TextSet`]: a finite set or co-finite set, plus substring and `like` atoms | equality and `in` yes; atoms partly |
//! | picklist | the options still allowed, plus a [`text::TextSet`] for unlisted values | options yes |
//! | multi-select | [`multi::MultiSelect`]: the conditions, checked for sure contradictions | partly |
//! | boolean | the two values | yes |
//! | lookup | a finite or co-finite set of ids | yes |
//!
//! "Exact" means the constraint is unsatisfiable exactly when no value passes; everywhere
//! else it errs towards "satisfiable", so a caller may trust every "unsatisfiable".
//!
//! Empty values follow the INVARIANT of `crate::typed`: a positive test fails
//! on an empty value (so it rules out empty), a negated one holds on it (so empty stays
//! possible and only the non-empty values are narrowed), and `equal ${EMPTY}` is the one
//! test on emptiness itself.

pub(crate) mod interval;
pub(crate) mod multi;
pub(crate) mod text;

use std::collections::BTreeSet;

use crate::typed::{ChoiceTest, IdTest, Substring, Test};
use crate::{Choice, Field, RecordId, Schema, Slot, TypeClass, fold};
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

use self::interval::IntervalSet;
use self::multi::MultiSelect;
use self::text::{Atom, Finite, TextSet};

/// What the conditions added so far allow of one field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldConstraint {
    may_be_empty: bool,
    may_be_filled: bool,
    values: Values,
}

/// The non-empty values still allowed, by type.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Number(IntervalSet<Decimal>),
    Date(IntervalSet<NaiveDate>),
    Instant(IntervalSet<DateTime<FixedOffset>>),
    Text(TextSet),
    Picklist(Picklist),
    Multi(MultiSelect),
    Bool {
        can_be_true: bool,
        can_be_false: bool,
    },
    Id(Finite<RecordId>),
    /// A type criteria cannot compare: no condition reaches it.
    Unconstrained,
}

/// A single picklist: the listed options still allowed (by code), and the unlisted texts.
#[derive(Debug, Clone, PartialEq)]
struct Picklist {
    options: Vec<bool>,
    unlisted: TextSet,
}

impl FieldConstraint {
    /// No condition yet on `field`.
    pub(crate) fn new(field: &Field) -> FieldConstraint {
        let values = match field.data_type().class() {
            TypeClass::Number { integral } => Values::Number(IntervalSet::full(integral)),
            TypeClass::Date => Values::Date(IntervalSet::full(false)),
            TypeClass::DateTime => Values::Instant(IntervalSet::full(false)),
            TypeClass::Text => Values::Text(TextSet::all()),
            TypeClass::Picklist => {
                // An unlisted record value is text that names no option (SPEC.md §2 Picklist).
                let names: BTreeSet<Box<str>> = field
                    .options()
                    .iter()
                    .flat_map(|o| [fold(&o.actual_value).into(), fold(&o.display_value).into()])
                    .collect();
                Values::Picklist(Picklist {
                    options: vec![true; field.options().len()],
                    unlisted: TextSet::except(names),
                })
            }
            TypeClass::MultiPicklist => Values::Multi(MultiSelect::default()),
            TypeClass::Boolean => Values::Bool { can_be_true: true, can_be_false: true },
            TypeClass::Lookup => Values::Id(Finite::all()),
            TypeClass::Unsupported => Values::Unconstrained,
        };
        FieldConstraint { may_be_empty: true, may_be_filled: true, values }
    }

    /// Adds the condition "`test` holds" (or, when `negated`, "`test` fails"). A test of a
    /// kind the field's representation does not take teaches nothing and is ignored, which
    /// keeps every "unsatisfiable" sound.
    pub(crate) fn add(&mut self, test: &Test, negated: bool, field: &Field, tz: FixedOffset) {
        let hold = !negated;
        if let Test::IsEmpty = test {
            if hold {
                self.may_be_filled = false;
            } else {
                self.may_be_empty = false;
            }
            return;
        }
        if hold {
            self.may_be_empty = false;
        }
        match (&mut self.values, test) {
            (Values::Number(set), Test::Number(t)) => narrow(set, IntervalSet::of_test(t, integral(field)), hold),
            (Values::Date(set), Test::Date(t)) => narrow(set, IntervalSet::of_test(t, false), hold),
            (Values::Instant(set), Test::DateTime(t)) => narrow(set, IntervalSet::of_test(t, false), hold),
            (Values::Instant(set), Test::DayOfDateTime(t)) => {
                if let Some(days) = IntervalSet::of_day_test(t, tz) {
                    narrow(set, days, hold);
                }
            }
            (Values::Text(set), Test::Text(t)) => set.add(t, hold),
            (Values::Picklist(p), Test::Choice(t)) => p.add(t, hold, field),
            (Values::Multi(m), Test::Choices(t)) => m.add(t, hold),
            (Values::Bool { can_be_true, can_be_false }, Test::Bool(b)) => {
                // `b` holds on the value `b`, fails on `!b`.
                let keep_true = *b == hold;
                if keep_true { *can_be_false = false } else { *can_be_true = false }
            }
            (Values::Id(set), Test::Id(t)) => {
                let ids: &[RecordId] = match t {
                    IdTest::Equal(id) => std::slice::from_ref(id),
                    IdTest::In(ids) => ids,
                };
                if hold { set.keep_only(ids) } else { set.remove(ids) }
            }
            _ => {}
        }
    }

    /// Whether some value (empty or not) may satisfy every condition added. `false` is
    /// certain.
    pub(crate) fn is_satisfiable(&self, field: &Field) -> bool {
        self.may_be_empty || (self.may_be_filled && self.values.is_satisfiable(field))
    }
}

impl Values {
    fn is_satisfiable(&self, field: &Field) -> bool {
        match self {
            Values::Number(s) => !s.is_empty(),
            Values::Date(s) => !s.is_empty(),
            Values::Instant(s) => !s.is_empty(),
            Values::Text(t) => t.is_satisfiable(),
            Values::Picklist(p) => p.options.iter().any(|o| *o) || p.unlisted.is_satisfiable(),
            Values::Multi(m) => m.is_satisfiable(field),
            Values::Bool { can_be_true, can_be_false } => *can_be_true || *can_be_false,
            Values::Id(ids) => ids.is_inhabited(),
            Values::Unconstrained => true,
        }
    }
}

impl Picklist {
    fn add(&mut self, test: &ChoiceTest, hold: bool, field: &Field) {
        match test {
            ChoiceTest::Equal(c) => self.add_set(std::slice::from_ref(c), hold),
            ChoiceTest::In(set) => self.add_set(set, hold),
            ChoiceTest::Substring(sub) => {
                for (code, allowed) in self.options.iter_mut().enumerate() {
                    let passes = field.options().get(code).is_some_and(|o| sub.holds_on_option(o));
                    if passes != hold {
                        *allowed = false;
                    }
                }
                self.unlisted.add_atom(Atom::Substring(sub.clone()), hold);
            }
        }
    }

    fn add_set(&mut self, set: &[Choice], hold: bool) {
        let unlisted: Vec<Box<str>> = set
            .iter()
            .filter_map(|c| match c {
                Choice::Other(t) => Some(t.clone()),
                Choice::Option(_) => None,
            })
            .collect();
        for (code, allowed) in self.options.iter_mut().enumerate() {
            let listed = set.iter().any(|c| matches!(c, Choice::Option(o) if o.index() == code));
            if listed != hold {
                *allowed = false;
            }
        }
        if hold { self.unlisted.base_mut().keep_only(&unlisted) } else { self.unlisted.base_mut().remove(&unlisted) }
    }
}

/// Narrows `set` to the values where a test holds (`hold`) or fails.
fn narrow<T: interval::Point>(set: &mut IntervalSet<T>, passing: IntervalSet<T>, hold: bool) {
    let passing = if hold { passing } else { passing.complement() };
    *set = set.intersect(&passing);
}

fn integral(field: &Field) -> bool {
    matches!(field.data_type().class(), TypeClass::Number { integral: true })
}

/// The reference semantics of a picklist substring test on one choice: a listed option
/// passes if its actual or its display value does, an unlisted value on its own text.
pub(crate) fn choice_passes(field: &Field, sub: &Substring, c: &Choice) -> bool {
    sub.holds_on_choice(field, c)
}

/// The constraints of one branch of a search: one [`FieldConstraint`] per field mentioned.
#[derive(Debug, Clone)]
pub(crate) struct Store<'s> {
    schema: &'s Schema,
    tz: FixedOffset,
    fields: Vec<(Slot, FieldConstraint)>,
}

impl<'s> Store<'s> {
    /// No condition yet.
    pub(crate) fn new(schema: &'s Schema, tz: FixedOffset) -> Store<'s> {
        Store { schema, tz, fields: Vec::new() }
    }

    /// Adds a condition on `slot`; `false` when that field's conditions became unsatisfiable
    /// (certainly).
    pub(crate) fn add(&mut self, slot: Slot, test: &Test, negated: bool) -> bool {
        let Some(field) = self.schema.get(slot) else { return true };
        let position = match self.fields.iter().position(|(s, _)| *s == slot) {
            Some(p) => p,
            None => {
                self.fields.push((slot, FieldConstraint::new(field)));
                self.fields.len() - 1
            }
        };
        match self.fields.get_mut(position) {
            Some((_, constraint)) => {
                constraint.add(test, negated, field, self.tz);
                constraint.is_satisfiable(field)
            }
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typed::{ChoicesTest, OrdTest, SubstringKind};
    use crate::{ChoiceSet, FieldType, PicklistOption, SortedSet};

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn satisfiable(field: &Field, tests: &[(Test, bool)]) -> bool {
        let mut c = FieldConstraint::new(field);
        for (t, negated) in tests {
            c.add(t, *negated, field, utc());
        }
        c.is_satisfiable(field)
    }

    fn stage() -> Field {
        let o = |a: &str, d: &str| PicklistOption { actual_value: a.into(), display_value: d.into() };
        Field::new("Stage", FieldType::Picklist).with_options(vec![
            o("Closed Won", "Closed Won"),
            o("Closed Lost", "Closed Lost"),
            o("Closed Lost to Competition", "Closed-Lost to Competition"),
        ])
    }

    fn option(field: &Field, name: &str) -> Choice {
        Choice::Option(field.option(name).unwrap())
    }

    /// SPEC.md §2 Empty: negated tests hold on empty values, positive ones fail there.
    #[test]
    fn empty_values_and_negation() {
        let amount = Field::new("Amount", FieldType::Currency);
        let gt = Test::Number(OrdTest::Greater(Decimal::from(100)));
        let lt = Test::Number(OrdTest::Less(Decimal::from(50)));
        assert!(!satisfiable(&amount, &[(gt.clone(), false), (lt.clone(), false)]));
        // not (> 100) and not (< 50): 50..=100, or empty.
        assert!(satisfiable(&amount, &[(gt.clone(), true), (lt.clone(), true)]));
        // > 100 and not (> 100): never; not (> 100) and empty: yes.
        assert!(!satisfiable(&amount, &[(gt.clone(), false), (gt.clone(), true)]));
        assert!(satisfiable(&amount, &[(gt.clone(), true), (Test::IsEmpty, false)]));
        assert!(!satisfiable(&amount, &[(gt, false), (Test::IsEmpty, false)]));
        assert!(!satisfiable(&amount, &[(Test::IsEmpty, false), (Test::IsEmpty, true)]));
        // not_equal 5 with non-empty and between [5, 5]: never.
        let five = Decimal::from(5);
        assert!(!satisfiable(
            &amount,
            &[(Test::Number(OrdTest::Between(five, five)), false), (Test::Number(OrdTest::Equal(five)), true)]
        ));
    }

    #[test]
    fn picklist_options_and_unlisted_values() {
        let f = stage();
        let won = Test::Choice(ChoiceTest::Equal(option(&f, "Closed Won")));
        let lost = Test::Choice(ChoiceTest::Equal(option(&f, "Closed Lost")));
        assert!(!satisfiable(&f, &[(won.clone(), false), (lost.clone(), false)]));
        assert!(satisfiable(&f, &[(won.clone(), true), (lost.clone(), true)]));
        let closed =
            Test::Choice(ChoiceTest::Substring(Substring { kind: SubstringKind::StartsWith, needle: "closed".into() }));
        // Not starting with "closed" and equal to an option that does: never.
        assert!(!satisfiable(&f, &[(won.clone(), false), (closed.clone(), true)]));
        // Not starting with "closed" and none of the options: an unlisted value is possible.
        assert!(satisfiable(&f, &[(closed.clone(), true), (Test::IsEmpty, true)]));
        // A display value counts: "closed-lost" is a prefix of one option's display value only.
        let hyphen = Test::Choice(ChoiceTest::Substring(Substring {
            kind: SubstringKind::StartsWith,
            needle: "closed-lost".into(),
        }));
        let competition = Test::Choice(ChoiceTest::Equal(option(&f, "Closed Lost to Competition")));
        assert!(satisfiable(&f, &[(hyphen.clone(), false), (competition, false)]));
        assert!(!satisfiable(&f, &[(hyphen, false), (won, false)]));
        assert!(!satisfiable(&f, &[(Test::Choice(ChoiceTest::In(SortedSet::default())), false)]));
    }

    #[test]
    fn booleans_and_ids() {
        let flag = Field::new("Flag", FieldType::Boolean);
        assert!(!satisfiable(&flag, &[(Test::Bool(true), false), (Test::Bool(false), false)]));
        assert!(!satisfiable(&flag, &[(Test::Bool(true), false), (Test::Bool(true), true)]));
        assert!(satisfiable(&flag, &[(Test::Bool(true), true), (Test::Bool(false), true)]), "empty is neither");
        let account = Field::new("Account", FieldType::Lookup);
        let id = |s: &str| RecordId::parse(s);
        let in_ids = Test::Id(IdTest::In(SortedSet::new(vec![id("1"), id("2")])));
        assert!(!satisfiable(&account, &[(in_ids.clone(), false), (Test::Id(IdTest::Equal(id("3"))), false)]));
        assert!(satisfiable(&account, &[(in_ids, false), (Test::Id(IdTest::Equal(id("2"))), false)]));
    }

    #[test]
    fn multi_select_contradictions() {
        let o = |a: &str| PicklistOption { actual_value: a.into(), display_value: a.into() };
        let f = Field::new("Tags", FieldType::MultiSelectPicklist).with_options(vec![o("Red"), o("Green"), o("Blue")]);
        let set = |names: &[&str]| ChoiceSet::new(names.iter().map(|n| option(&f, n)).collect());
        let all = |n: &[&str]| Test::Choices(ChoicesTest::IncludeAll(set(n)));
        let any = |n: &[&str]| Test::Choices(ChoicesTest::IncludeAny(set(n)));
        let equal = |n: &[&str]| Test::Choices(ChoicesTest::Equal(set(n)));
        assert!(!satisfiable(&f, &[(all(&["Red"]), false), (any(&["Red", "Blue"]), true)]));
        assert!(!satisfiable(&f, &[(all(&["Red", "Blue"]), false), (all(&["Red"]), true)]));
        assert!(satisfiable(&f, &[(all(&["Red"]), false), (all(&["Red", "Blue"]), true)]));
        assert!(!satisfiable(&f, &[(equal(&["Red"]), false), (any(&["Blue"]), false)]));
        assert!(satisfiable(&f, &[(equal(&["Red", "Blue"]), false), (all(&["Blue"]), false)]));
        assert!(!satisfiable(&f, &[(equal(&["Red"]), false), (equal(&["Blue"]), false)]));
    }
}
