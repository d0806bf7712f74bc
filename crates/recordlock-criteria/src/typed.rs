//! The typed criteria tree: every leaf resolved to a field slot and a [`Test`] whose
//! constants are parsed once.
//!
//! Built only by the type checker ([`crate::typecheck`]), through smart constructors that
//! keep it normal: a group of one item is that item, and a group directly inside a group of
//! the same operator is merged into it. The reference interpreter walks this tree; the
//! compiler turns it into a [`crate::Program`].

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::ast::GroupOperator;
use crate::comparator::Comparator;
use crate::json_path::JsonPath;
use crate::schema::Slot;
use crate::text::LikePattern;
use crate::value::{Choice, ChoiceSet, RecordId};

/// A typed criteria expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// One predicate on one field.
    Leaf(Pred),
    /// Every item holds (at least two items).
    All(Vec<Expr>),
    /// Some item holds (at least two items).
    Any(Vec<Expr>),
}

impl Expr {
    /// A group, normalised: one item stands alone; nested groups of the same operator merge.
    pub(crate) fn group(operator: GroupOperator, items: Vec<Expr>) -> Expr {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match (operator, item) {
                (GroupOperator::And, Expr::All(inner)) | (GroupOperator::Or, Expr::Any(inner)) => flat.extend(inner),
                (_, other) => flat.push(other),
            }
        }
        if flat.len() == 1 {
            if let Some(only) = flat.pop() {
                return only;
            }
        }
        match operator {
            GroupOperator::And => Expr::All(flat),
            GroupOperator::Or => Expr::Any(flat),
        }
    }

    /// Whether two expressions test the same fields the same way, whatever their spelling:
    /// constants compare as parsed (`1000` and `"1000.0"`, `"Closed Won"` and `"closed won"`
    /// are the same), fields by slot, and where they came from is ignored.
    pub fn same_meaning(&self, other: &Expr) -> bool {
        match (self, other) {
            (Expr::Leaf(a), Expr::Leaf(b)) => a.slot == b.slot && a.test == b.test && a.negated == b.negated,
            (Expr::All(a), Expr::All(b)) | (Expr::Any(a), Expr::Any(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_meaning(y))
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
    /// The field read.
    pub slot: Slot,
    /// The positive test.
    pub test: Test,
    /// Whether the result is negated.
    pub negated: bool,
    /// Where the predicate came from, for explanations and errors.
    pub origin: Origin,
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
    /// One of a sorted set.
    In(Box<[Box<str>]>),
    /// Text containing, starting or ending with the needle.
    Substring(Substring),
    /// A `like` pattern.
    Like(LikePattern),
}

/// Where a needle must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubstringKind {
    /// Anywhere.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// A substring test with a folded needle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substring {
    /// Where.
    pub kind: SubstringKind,
    /// What, folded.
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
}

/// Tests on a picklist value.
#[derive(Debug, Clone, PartialEq)]
pub enum ChoiceTest {
    /// The same choice.
    Equal(Choice),
    /// One of a sorted set of choices.
    In(Box<[Choice]>),
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
#[allow(missing_docs)]
pub enum OrdTest<T> {
    Equal(T),
    In(Box<[T]>),
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
            OrdTest::In(set) => set.binary_search(v).is_ok(),
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
    /// One of a sorted set.
    In(Box<[RecordId]>),
}
