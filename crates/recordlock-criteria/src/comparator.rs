//! Comparators, which types take them, and the one definition of negation (SPEC.md §2).

use std::fmt;

use crate::schema::TypeClass;

/// A criteria comparator, as Zoho spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[expect(missing_docs, reason = "each variant is named after what it compares, as Zoho names it")]
pub enum Comparator {
    Equal,
    NotEqual,
    In,
    NotIn,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Like,
    NotLike,
    LessThan,
    LessEqual,
    GreaterThan,
    GreaterEqual,
    Between,
    NotBetween,
    IncludeAll,
    IncludeAny,
    ExcludeAll,
    ExcludeAny,
}

/// The positive comparators: every comparator is one of these, possibly negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[expect(missing_docs, reason = "each variant is named after what it compares, as Zoho names it")]
pub enum Positive {
    Equal,
    In,
    Contains,
    StartsWith,
    EndsWith,
    Like,
    LessThan,
    LessEqual,
    GreaterThan,
    GreaterEqual,
    Between,
    IncludeAll,
    IncludeAny,
}

const TEXT: &[Comparator] = &[
    Comparator::Equal,
    Comparator::NotEqual,
    Comparator::In,
    Comparator::NotIn,
    Comparator::Contains,
    Comparator::NotContains,
    Comparator::StartsWith,
    Comparator::EndsWith,
    Comparator::Like,
    Comparator::NotLike,
];
const PICKLIST: &[Comparator] = &[
    Comparator::Equal,
    Comparator::NotEqual,
    Comparator::In,
    Comparator::NotIn,
    Comparator::Contains,
    Comparator::NotContains,
    Comparator::StartsWith,
    Comparator::EndsWith,
];
const MULTI: &[Comparator] = &[
    Comparator::Equal,
    Comparator::NotEqual,
    Comparator::Contains,
    Comparator::NotContains,
    Comparator::StartsWith,
    Comparator::EndsWith,
    Comparator::IncludeAll,
    Comparator::IncludeAny,
    Comparator::ExcludeAll,
    Comparator::ExcludeAny,
];
const ORDERED: &[Comparator] = &[
    Comparator::Equal,
    Comparator::NotEqual,
    Comparator::In,
    Comparator::NotIn,
    Comparator::LessThan,
    Comparator::LessEqual,
    Comparator::GreaterThan,
    Comparator::GreaterEqual,
    Comparator::Between,
    Comparator::NotBetween,
];
const BOOLEAN: &[Comparator] = &[Comparator::Equal, Comparator::NotEqual];
const LOOKUP: &[Comparator] = &[Comparator::Equal, Comparator::NotEqual, Comparator::In, Comparator::NotIn];

impl Comparator {
    /// Every comparator.
    pub const ALL: [Comparator; 20] = [
        Comparator::Equal,
        Comparator::NotEqual,
        Comparator::In,
        Comparator::NotIn,
        Comparator::Contains,
        Comparator::NotContains,
        Comparator::StartsWith,
        Comparator::EndsWith,
        Comparator::Like,
        Comparator::NotLike,
        Comparator::LessThan,
        Comparator::LessEqual,
        Comparator::GreaterThan,
        Comparator::GreaterEqual,
        Comparator::Between,
        Comparator::NotBetween,
        Comparator::IncludeAll,
        Comparator::IncludeAny,
        Comparator::ExcludeAll,
        Comparator::ExcludeAny,
    ];

    /// The comparator Zoho spells `name`.
    pub fn parse(name: &str) -> Option<Comparator> {
        Comparator::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The Zoho spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Equal => "equal",
            Comparator::NotEqual => "not_equal",
            Comparator::In => "in",
            Comparator::NotIn => "not_in",
            Comparator::Contains => "contains",
            Comparator::NotContains => "not_contains",
            Comparator::StartsWith => "starts_with",
            Comparator::EndsWith => "ends_with",
            Comparator::Like => "like",
            Comparator::NotLike => "not_like",
            Comparator::LessThan => "less_than",
            Comparator::LessEqual => "less_equal",
            Comparator::GreaterThan => "greater_than",
            Comparator::GreaterEqual => "greater_equal",
            Comparator::Between => "between",
            Comparator::NotBetween => "not_between",
            Comparator::IncludeAll => "include_all",
            Comparator::IncludeAny => "include_any",
            Comparator::ExcludeAll => "exclude_all",
            Comparator::ExcludeAny => "exclude_any",
        }
    }

    /// The one definition of negation: each comparator is a positive comparator, negated or
    /// not. `not_x` is exactly "not `x`", also on empty values; `exclude_all` is "not
    /// `include_any`" and `exclude_any` is "not `include_all`".
    ///
    /// ```
    /// use recordlock_criteria::{Comparator, Positive};
    /// assert_eq!(Comparator::ExcludeAll.positive(), (Positive::IncludeAny, true));
    /// assert_eq!(Comparator::LessThan.positive(), (Positive::LessThan, false));
    /// ```
    pub fn positive(self) -> (Positive, bool) {
        match self {
            Comparator::Equal => (Positive::Equal, false),
            Comparator::NotEqual => (Positive::Equal, true),
            Comparator::In => (Positive::In, false),
            Comparator::NotIn => (Positive::In, true),
            Comparator::Contains => (Positive::Contains, false),
            Comparator::NotContains => (Positive::Contains, true),
            Comparator::StartsWith => (Positive::StartsWith, false),
            Comparator::EndsWith => (Positive::EndsWith, false),
            Comparator::Like => (Positive::Like, false),
            Comparator::NotLike => (Positive::Like, true),
            Comparator::LessThan => (Positive::LessThan, false),
            Comparator::LessEqual => (Positive::LessEqual, false),
            Comparator::GreaterThan => (Positive::GreaterThan, false),
            Comparator::GreaterEqual => (Positive::GreaterEqual, false),
            Comparator::Between => (Positive::Between, false),
            Comparator::NotBetween => (Positive::Between, true),
            Comparator::IncludeAll => (Positive::IncludeAll, false),
            Comparator::IncludeAny => (Positive::IncludeAny, false),
            Comparator::ExcludeAll => (Positive::IncludeAny, true),
            Comparator::ExcludeAny => (Positive::IncludeAll, true),
        }
    }

    /// The comparators a type class takes (SPEC.md §2's table).
    pub fn supported_by(class: TypeClass) -> &'static [Comparator] {
        match class {
            TypeClass::Text => TEXT,
            TypeClass::Picklist => PICKLIST,
            TypeClass::MultiPicklist => MULTI,
            TypeClass::Number { .. } | TypeClass::Date | TypeClass::DateTime => ORDERED,
            TypeClass::Boolean => BOOLEAN,
            TypeClass::Lookup => LOOKUP,
            TypeClass::Unsupported => &[],
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Comparator::ALL {
            assert_eq!(Comparator::parse(c.as_str()), Some(c));
        }
        assert_eq!(Comparator::parse("EQUAL"), None);
    }

    /// SPEC.md §2 Negation: every not_*/exclude_* has a positive form.
    #[test]
    fn negation_pairs() {
        for c in Comparator::ALL {
            let (_, negated) = c.positive();
            let name = c.as_str();
            assert_eq!(negated, name.starts_with("not_") || name.starts_with("exclude_"), "{name}");
        }
    }
}
