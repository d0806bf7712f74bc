//! The typed criteria tree: every leaf resolved to a field slot and a [`Test`] whose
//! constants are parsed once.
//!
//! Built only by the type checker ([`crate::typecheck`]), through smart constructors that
//! keep it normal: a group of one item is that item, and a group directly inside a group of
//! the same operator is merged into it. Predicates' fields are private (read them with
//! [`Pred::slot`], [`Pred::test`]...), and every `in` set is a [`SortedSet`], so what the
//! engines and the analysis rely on holds by construction, not by comment. The reference interpreter walks this tree; the
//! compiler turns it into a [`crate::Program`].

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::ast::GroupOperator;
use crate::comparator::Comparator;
use crate::json_path::JsonPath;
use crate::schema::{Field, PicklistOption, Slot};
use crate::sorted_set::SortedSet;
use crate::text::{LikePattern, fold};
use crate::value::{Choice, ChoiceSet, RecordId};

/// A typed criteria expression.
///
/// Kept normal by construction: a group holds at least two items ([`Items`] can only be made
/// by [`Expr::all`] and [`Expr::any`], which let one item stand alone and merge a group
/// directly inside a group of the same operator).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// One predicate on one field.
    Leaf(Pred),
    /// Every item holds.
    All(Items),
    /// Some item holds.
    Any(Items),
}

/// The items of a group: at least two, none a group of the same operator as their parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Items(Vec<Expr>);

impl std::ops::Deref for Items {
    type Target = [Expr];

    fn deref(&self) -> &[Expr] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Items {
    type Item = &'a Expr;
    type IntoIter = std::slice::Iter<'a, Expr>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Expr {
    /// Every one of `first` and `rest` holds, normalised.
    ///
    /// ```
    /// # use recordlock_criteria::{typecheck, Criteria, CriteriaLimits, Expr, Schema};
    /// # let deals = Schema::builtin("Deals").unwrap();
    /// # let leaf = |v: &str| { let c: Criteria = serde_json::from_str(&format!(r#"{{"field": {{"api_name": "Stage"}}, "comparator": "equal", "value": "{v}"}}"#)).unwrap(); typecheck::check(&c, deals, &CriteriaLimits::default()).unwrap() };
    /// let one = Expr::all(leaf("Closed Won"), []);
    /// assert!(matches!(one, Expr::Leaf(_)));
    /// let both = Expr::all(leaf("Closed Won"), [Expr::all(leaf("Closed Lost"), [leaf("Qualification")])]);
    /// let Expr::All(items) = &both else { unreachable!() };
    /// assert_eq!(items.len(), 3); // the inner AND merged into the outer one
    /// ```
    pub fn all(first: Expr, rest: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::group(GroupOperator::And, first, rest)
    }

    /// Some one of `first` and `rest` holds, normalised (as [`Expr::all`]).
    pub fn any(first: Expr, rest: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::group(GroupOperator::Or, first, rest)
    }

    /// A group, normalised: one item stands alone; nested groups of the same operator merge.
    pub(crate) fn group(operator: GroupOperator, first: Expr, rest: impl IntoIterator<Item = Expr>) -> Expr {
        let mut flat = Vec::new();
        for item in std::iter::once(first).chain(rest) {
            match (operator, item) {
                (GroupOperator::And, Expr::All(inner)) | (GroupOperator::Or, Expr::Any(inner)) => flat.extend(inner.0),
                (_, other) => flat.push(other),
            }
        }
        if flat.len() == 1
            && let Some(only) = flat.pop()
        {
            return only;
        }
        match operator {
            GroupOperator::And => Expr::All(Items(flat)),
            GroupOperator::Or => Expr::Any(Items(flat)),
        }
    }

    /// Whether two expressions test the same fields the same way, whatever their spelling:
    /// constants compare as parsed (`1000` and `"1000.0"`, `"Closed Won"` and `"closed won"`
    /// are the same), fields by slot, and where they came from is ignored.
    pub fn same_meaning(&self, other: &Expr) -> bool {
        match (self, other) {
            (Expr::Leaf(a), Expr::Leaf(b)) => {
                a.slot() == b.slot() && a.test() == b.test() && a.negated() == b.negated()
            }
            (Expr::All(a), Expr::All(b)) | (Expr::Any(a), Expr::Any(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same_meaning(y))
            }
            _ => false,
        }
    }

    /// The predicates, in document order.
    pub fn preds(&self) -> impl Iterator<Item = &Pred> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            while let Some(e) = stack.pop() {
                match e {
                    Expr::Leaf(p) => return Some(p),
                    Expr::All(items) | Expr::Any(items) => stack.extend(items.iter().rev()),
                }
            }
            None
        })
    }
}

/// A predicate: a positive [`Test`] on the value in `slot`, possibly negated.
///
/// INVARIANT: every positive test is false on an empty value except [`Test::IsEmpty`], so
/// negation (`negated`) gives `not_*` its meaning on empty values too (SPEC.md §2).
#[derive(Debug, Clone, PartialEq)]
pub struct Pred {
    slot: Slot,
    test: Test,
    negated: bool,
    origin: Origin,
}

impl Pred {
    /// A predicate; made by the type checker, which checked `test` against the field in `slot`.
    pub(crate) fn new(slot: Slot, test: Test, negated: bool, origin: Origin) -> Pred {
        Pred { slot, test, negated, origin }
    }

    /// The field read.
    pub fn slot(&self) -> Slot {
        self.slot
    }

    /// The positive test.
    pub fn test(&self) -> &Test {
        &self.test
    }

    /// Whether the result is negated (a `not_*` or `exclude_*` comparator).
    pub fn negated(&self) -> bool {
        self.negated
    }

    /// Where the predicate came from, for explanations and errors.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// The source of a predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The field's API name.
    pub api_name: String,
    /// The comparator as written.
    pub comparator: Comparator,
    /// The value as written.
    pub value: Json,
    /// The leaf's JSON path.
    pub path: JsonPath,
}

/// A positive test on one value. Each is false on an empty value, except `IsEmpty`.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The value is empty (`equal ${EMPTY}`).
    IsEmpty,
    /// On text fields.
    Text(TextTest),
    /// On picklist fields.
    Choice(ChoiceTest),
    /// On multi-select picklist fields.
    Choices(ChoicesTest),
    /// On numeric fields.
    Number(OrdTest<Decimal>),
    /// On date fields.
    Date(OrdTest<NaiveDate>),
    /// On datetime fields, with datetime constants: compares instants.
    DateTime(OrdTest<DateTime<FixedOffset>>),
    /// On datetime fields, with date constants: compares the instant's calendar date in the
    /// evaluation time zone.
    DayOfDateTime(OrdTest<NaiveDate>),
    /// On boolean fields: equals.
    Bool(bool),
    /// On lookup fields.
    Id(IdTest),
}

/// Tests on folded text; constants are folded too.
#[derive(Debug, Clone, PartialEq)]
pub enum TextTest {
    /// Equal text.
    Equal(Box<str>),
    /// One of a set.
    In(SortedSet<Box<str>>),
    /// Text containing, starting or ending with the needle.
    Substring(Substring),
    /// A `like` pattern.
    Like(LikePattern),
}

/// Where a needle must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubstringKind {
    /// Anywhere in the text (`contains`).
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// A substring test with a folded needle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substring {
    /// Where the needle must occur.
    pub kind: SubstringKind,
    /// The needle, folded ([`crate::fold`]).
    pub needle: Box<str>,
}

impl Substring {
    /// Whether folded `text` passes.
    pub fn holds(&self, text: &str) -> bool {
        match self.kind {
            SubstringKind::Contains => text.contains(&*self.needle),
            SubstringKind::StartsWith => text.starts_with(&*self.needle),
            SubstringKind::EndsWith => text.ends_with(&*self.needle),
        }
    }

    /// Whether a picklist option passes: its actual or its display value does (SPEC.md §2,
    /// "Picklist"). The one definition every engine and the analysis use.
    pub fn holds_on_option(&self, option: &PicklistOption) -> bool {
        self.holds(&fold(&option.actual_value)) || self.holds(&fold(&option.display_value))
    }

    /// Whether a picklist value passes: a listed option as [`Substring::holds_on_option`],
    /// unlisted text on its own (folded) text.
    pub fn holds_on_choice(&self, field: &Field, choice: &Choice) -> bool {
        match choice {
            Choice::Option(code) => field.option_by_code(*code).is_some_and(|o| self.holds_on_option(o)),
            Choice::Other(text) => self.holds(text),
        }
    }
}

/// Tests on a picklist value.
#[derive(Debug, Clone, PartialEq)]
pub enum ChoiceTest {
    /// The same choice.
    Equal(Choice),
    /// One of a set of choices.
    In(ChoiceSet),
    /// A substring test on the option's actual or display value (either may pass), or on
    /// the text of an unlisted value.
    Substring(Substring),
}

/// Tests on a multi-select value (a set of choices).
#[derive(Debug, Clone, PartialEq)]
pub enum ChoicesTest {
    /// Set equality.
    Equal(ChoiceSet),
    /// Every constant is selected.
    IncludeAll(ChoiceSet),
    /// Some constant is selected.
    IncludeAny(ChoiceSet),
    /// Some selected choice passes the substring test (as [`ChoiceTest::Substring`]).
    Substring(Substring),
}

/// Tests on ordered values (numbers, dates, instants). `In` is sorted, `Between` inclusive
/// with `low <= high`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(missing_docs, reason = "each variant is named after what it compares, as Zoho names it")]
pub enum OrdTest<T> {
    Equal(T),
    In(SortedSet<T>),
    Less(T),
    LessEqual(T),
    Greater(T),
    GreaterEqual(T),
    Between(T, T),
}

impl<T: Ord> OrdTest<T> {
    /// Whether `v` passes.
    pub fn holds(&self, v: &T) -> bool {
        match self {
            OrdTest::Equal(c) => v == c,
            OrdTest::In(set) => set.contains(v),
            OrdTest::Less(c) => v < c,
            OrdTest::LessEqual(c) => v <= c,
            OrdTest::Greater(c) => v > c,
            OrdTest::GreaterEqual(c) => v >= c,
            OrdTest::Between(lo, hi) => lo <= v && v <= hi,
        }
    }
}

/// Tests on ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTest {
    /// The same id.
    Equal(RecordId),
    /// One of a set.
    In(SortedSet<RecordId>),
}
