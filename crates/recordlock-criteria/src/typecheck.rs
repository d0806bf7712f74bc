//! The type checker: criteria + schema → typed tree (SPEC.md §2).
//!
//! Leaves are checked in document order, each in three steps whose first failure wins:
//! the field reference ([`resolve_field`]), the comparator against the field's type, then
//! the value, parsed once into the constant the test compares with.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value as Json;

use crate::ast::{Criteria, FieldRef, Leaf};
use crate::comparator::{Comparator, Positive};
use crate::error::{Error, ErrorCode};
use crate::json_path::JsonPath;
use crate::limits::CriteriaLimits;
use crate::schema::{Field, Schema, Slot, TypeClass};
use crate::text::{LikePattern, fold};
use crate::typed::{
    ChoiceTest, ChoicesTest, Expr, IdTest, OrdTest, Origin, Pred, Substring, SubstringKind, Test, TextTest,
};
use crate::value::{
    Choice, ChoiceSet, RecordId, choice_of, id_text, parse_bool, parse_date, parse_datetime, parse_decimal, scalar_text,
};

/// The macro that matches empty values.
pub const EMPTY_MACRO: &str = "${EMPTY}";
/// The macro that matches non-empty values.
pub const NOT_EMPTY_MACRO: &str = "${NOTEMPTY}";

/// Type-checks `criteria` against `schema`.
///
/// ```
/// use recordlock_criteria::{typecheck, Criteria, CriteriaLimits, ErrorCode, Schema};
/// use serde_json::json;
///
/// let deals = Schema::builtin("Deals").unwrap();
/// let limits = CriteriaLimits::default();
/// let ok: Criteria = serde_json::from_value(json!(
///     {"field": {"api_name": "Amount"}, "comparator": "between", "value": ["1000", 5000.50]})).unwrap();
/// assert!(typecheck::check(&ok, deals, &limits).is_ok());
///
/// let bad: Criteria = serde_json::from_value(json!(
///     {"field": {"api_name": "Amount"}, "comparator": "like", "value": "1%"})).unwrap();
/// let err = typecheck::check(&bad, deals, &limits).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::InvalidData);
/// assert_eq!(err.json_path(), "$.comparator");
/// ```
pub fn check(criteria: &Criteria, schema: &Schema, limits: &CriteriaLimits) -> Result<Expr, Error> {
    match criteria {
        Criteria::Leaf(leaf) => check_leaf(leaf, schema, limits).map(Expr::Leaf),
        Criteria::Group(g) => {
            let mut items = Vec::with_capacity(g.items.len());
            for item in &g.items {
                items.push(check(item, schema, limits)?);
            }
            let mut items = items.into_iter();
            // The parser refuses empty groups; an internal error rather than a panic if not.
            let first = items
                .next()
                .ok_or_else(|| Error::internal("a criteria group without items reached the type checker"))?;
            Ok(Expr::group(g.operator, first, items))
        }
    }
}

/// Resolves a field reference (SPEC.md §2 "Field references"): neither name nor id is
/// `EXPECTED_FIELD_MISSING`; when only one of the two names a field, that one is used; both
/// naming different fields is `AMBIGUITY_DURING_PROCESSING`; neither in the schema is
/// `INVALID_DATA`. `path` is the reference's own path (`...field`).
pub fn resolve_field(schema: &Schema, field: &FieldRef, path: &JsonPath) -> Result<Slot, Error> {
    let by_name = field.api_name.as_deref().map(|n| schema.slot(n));
    let by_id = field.id.as_deref().map(|id| schema.slot_by_id(id));
    let label = field.api_name.clone().or_else(|| field.id.clone()).unwrap_or_default();
    match (by_name, by_id) {
        (None, None) => {
            Err(Error::new(ErrorCode::ExpectedFieldMissing, path, "the field has neither an api_name nor an id")
                .with_api_name("field")
                .with_expected_fields(path, &["api_name", "id"]))
        }
        (Some(Some(a)), Some(Some(b))) if a != b => Err(Error::new(
            ErrorCode::AmbiguityDuringProcessing,
            path,
            "the field's api_name and id name different fields",
        )
        .with_api_name(label)
        .with_ambiguity(path, &["api_name", "id"])),
        (Some(Some(slot)), _) | (_, Some(Some(slot))) => Ok(slot),
        (Some(None), _) => {
            Err(Error::new(ErrorCode::InvalidData, &path.key("api_name"), format!("the module has no field `{label}`"))
                .with_api_name(label))
        }
        (None, Some(None)) => Err(Error::new(
            ErrorCode::InvalidData,
            &path.key("id"),
            format!("the module has no field with id `{label}`"),
        )
        .with_api_name(label)),
    }
}

fn check_leaf(leaf: &Leaf, schema: &Schema, limits: &CriteriaLimits) -> Result<Pred, Error> {
    let slot = resolve_field(schema, &leaf.field, &leaf.path.key("field"))?;
    let field = schema.field(slot);
    let api_name = field.api_name().to_owned();
    let class = field.data_type().class();
    let cmp_path = leaf.path.key("comparator");
    if class == TypeClass::Unsupported {
        return Err(Error::new(
            ErrorCode::NotSupported,
            &leaf.path.key("field"),
            format!("criteria cannot compare `{api_name}` of type `{}`", field.data_type()),
        )
        .with_api_name(api_name));
    }
    let supported = Comparator::supported_by(class);
    let comparator = Comparator::parse(&leaf.comparator).filter(|c| supported.contains(c)).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidData,
            &cmp_path,
            format!("`{}` is not a comparator for `{api_name}` of type `{}`", leaf.comparator, field.data_type()),
        )
        .with_api_name(api_name.clone())
        .with_supported_values(supported.iter().map(|c| c.as_str()))
    })?;
    let (positive, negated) = comparator.positive();
    let ctx = ValueContext { field, path: leaf.path.key("value"), limits };
    let (test, macro_negation) = ctx.test(positive, &leaf.value)?;
    let origin = Origin { api_name, comparator, value: leaf.value.clone(), path: leaf.path.clone() };
    Ok(Pred::new(slot, test, negated != macro_negation, origin))
}

/// Everything a leaf's value is checked against.
struct ValueContext<'a> {
    field: &'a Field,
    path: JsonPath,
    limits: &'a CriteriaLimits,
}

impl ValueContext<'_> {
    fn invalid(&self, path: &JsonPath, why: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidData, path, why)
            .with_api_name(self.field.api_name())
            .with_expected_data_type(self.field.data_type().as_str())
    }

    /// The test for `positive` with `value`, and whether a `${NOTEMPTY}` macro negates it.
    fn test(&self, positive: Positive, value: &Json) -> Result<(Test, bool), Error> {
        if let Json::String(s) = value
            && (s == EMPTY_MACRO || s == NOT_EMPTY_MACRO)
        {
            if positive != Positive::Equal {
                return Err(self.invalid(&self.path, format!("`{s}` goes with `equal` and `not_equal` only")));
            }
            return Ok((Test::IsEmpty, s == NOT_EMPTY_MACRO));
        }
        if matches!(value, Json::Null) || value.as_str() == Some("") {
            return Err(self.invalid(&self.path, "an empty value is written `${EMPTY}`"));
        }
        let test = match self.field.data_type().class() {
            TypeClass::Text => Test::Text(self.text_test(positive, value)?),
            TypeClass::Picklist => Test::Choice(self.choice_test(positive, value)?),
            TypeClass::MultiPicklist => Test::Choices(self.choices_test(positive, value)?),
            TypeClass::Number { .. } => Test::Number(self.ord_test(positive, value, |c, v, p| c.decimal(v, p))?),
            TypeClass::Date => Test::Date(self.ord_test(positive, value, |c, v, p| c.date(v, p))?),
            TypeClass::DateTime => self.datetime_test(positive, value)?,
            TypeClass::Boolean => {
                let b = parse_bool(value).ok_or_else(|| self.invalid(&self.path, "expected true or false"))?;
                Test::Bool(b)
            }
            TypeClass::Lookup => Test::Id(self.id_test(positive, value)?),
            TypeClass::Unsupported => return Err(self.invalid(&self.path, "the field's type cannot be compared")),
        };
        Ok((test, false))
    }

    /// The items of an array value; an object keyed exactly `"0"`..`"n-1"` (as Zoho's Node.js
    /// SDK writes arrays) counts as that array.
    fn items<'j>(&self, value: &'j Json) -> Result<Vec<(&'j Json, JsonPath)>, Error> {
        let items: Vec<&Json> = match value {
            Json::Array(items) => items.iter().collect(),
            Json::Object(map) => {
                let mut items = Vec::with_capacity(map.len());
                for i in 0..map.len() {
                    match map.get(&i.to_string()) {
                        Some(v) => items.push(v),
                        None => return Err(self.invalid(&self.path, "expected an array")),
                    }
                }
                items
            }
            _ => return Err(self.invalid(&self.path, "expected an array")),
        };
        if let Some(i) = items.iter().position(|v| is_macro(v)) {
            return Err(
                self.invalid(&self.path.index(i), "`${EMPTY}` and `${NOTEMPTY}` go with `equal` and `not_equal` only")
            );
        }
        if items.len() > self.limits.max_in_values {
            return Err(Error::limit_exceeded(&self.path, "the number of values", self.limits.max_in_values)
                .with_api_name(self.field.api_name()));
        }
        Ok(items.into_iter().enumerate().map(|(i, v)| (v, self.path.index(i))).collect())
    }

    fn scalar<'j>(&self, value: &'j Json, path: &JsonPath) -> Result<&'j Json, Error> {
        match value {
            Json::Array(_) | Json::Object(_) => Err(self.invalid(path, "expected a single value, not an array")),
            v => Ok(v),
        }
    }

    /// Folded text of a string or number constant, within the length limit.
    fn text(&self, value: &Json, path: &JsonPath) -> Result<Box<str>, Error> {
        let s = match value {
            Json::String(s) if !s.is_empty() => s.as_str(),
            Json::Number(n) => n.as_str(),
            _ => return Err(self.invalid(path, "expected a non-empty string")),
        };
        if s.chars().count() > self.limits.max_text_chars {
            return Err(Error::limit_exceeded(path, "the length of a text value", self.limits.max_text_chars)
                .with_api_name(self.field.api_name()));
        }
        Ok(fold(s).into())
    }

    fn substring(&self, positive: Positive, value: &Json) -> Result<Option<Substring>, Error> {
        let kind = match positive {
            Positive::Contains => SubstringKind::Contains,
            Positive::StartsWith => SubstringKind::StartsWith,
            Positive::EndsWith => SubstringKind::EndsWith,
            _ => return Ok(None),
        };
        let needle = self.text(self.scalar(value, &self.path)?, &self.path)?;
        Ok(Some(Substring { kind, needle }))
    }

    fn text_test(&self, positive: Positive, value: &Json) -> Result<TextTest, Error> {
        if let Some(s) = self.substring(positive, value)? {
            return Ok(TextTest::Substring(s));
        }
        match positive {
            Positive::Equal => Ok(TextTest::Equal(self.text(self.scalar(value, &self.path)?, &self.path)?)),
            Positive::In => {
                let mut set = Vec::new();
                for (v, p) in self.items(value)? {
                    set.push(self.text(v, &p)?);
                }
                Ok(TextTest::In(set.into()))
            }
            Positive::Like => {
                let pattern = self.text(self.scalar(value, &self.path)?, &self.path)?;
                Ok(TextTest::Like(LikePattern::new(&pattern)))
            }
            _ => Err(self.invalid(&self.path, "unsupported comparator")),
        }
    }

    /// A choice constant: an option of the field (by actual or display value), or, for a
    /// field that lists no options, folded text.
    fn choice(&self, value: &Json, path: &JsonPath) -> Result<Choice, Error> {
        let text = self.text(value, path)?;
        if !self.field.has_options() {
            return Ok(Choice::Other(text));
        }
        match choice_of(self.field, &text) {
            c @ Choice::Option(_) => Ok(c),
            Choice::Other(_) => Err(self
                .invalid(path, format!("`{}` is not an option of `{}`", value_text(value), self.field.api_name()))
                .with_supported_values(self.field.options().iter().map(|o| o.actual_value.clone()))),
        }
    }

    fn choice_test(&self, positive: Positive, value: &Json) -> Result<ChoiceTest, Error> {
        if let Some(s) = self.substring(positive, value)? {
            return Ok(ChoiceTest::Substring(s));
        }
        match positive {
            Positive::Equal => Ok(ChoiceTest::Equal(self.choice(self.scalar(value, &self.path)?, &self.path)?)),
            Positive::In => {
                let mut set = Vec::new();
                for (v, p) in self.items(value)? {
                    set.push(self.choice(v, &p)?);
                }
                Ok(ChoiceTest::In(ChoiceSet::new(set)))
            }
            _ => Err(self.invalid(&self.path, "unsupported comparator")),
        }
    }

    fn choices_test(&self, positive: Positive, value: &Json) -> Result<ChoicesTest, Error> {
        if let Some(s) = self.substring(positive, value)? {
            return Ok(ChoicesTest::Substring(s));
        }
        let set = match value {
            Json::Array(_) | Json::Object(_) => {
                let mut set = Vec::new();
                for (v, p) in self.items(value)? {
                    set.push(self.choice(v, &p)?);
                }
                if set.is_empty() {
                    return Err(self.invalid(&self.path, "expected at least one option"));
                }
                ChoiceSet::new(set)
            }
            v => ChoiceSet::new(vec![self.choice(v, &self.path)?]),
        };
        match positive {
            Positive::Equal => Ok(ChoicesTest::Equal(set)),
            Positive::IncludeAll => Ok(ChoicesTest::IncludeAll(set)),
            Positive::IncludeAny => Ok(ChoicesTest::IncludeAny(set)),
            _ => Err(self.invalid(&self.path, "unsupported comparator")),
        }
    }

    /// An ordered test, reading each constant with `read`.
    fn ord_test<T: Ord + Clone>(
        &self,
        positive: Positive,
        value: &Json,
        read: impl Fn(&Self, &Json, &JsonPath) -> Result<T, Error>,
    ) -> Result<OrdTest<T>, Error> {
        let one = || read(self, self.scalar(value, &self.path)?, &self.path);
        Ok(match positive {
            Positive::Equal => OrdTest::Equal(one()?),
            Positive::LessThan => OrdTest::Less(one()?),
            Positive::LessEqual => OrdTest::LessEqual(one()?),
            Positive::GreaterThan => OrdTest::Greater(one()?),
            Positive::GreaterEqual => OrdTest::GreaterEqual(one()?),
            Positive::In => {
                let mut set = Vec::new();
                for (v, p) in self.items(value)? {
                    set.push(read(self, v, &p)?);
                }
                OrdTest::In(set.into())
            }
            Positive::Between => {
                let items = self.items(value)?;
                let [(lo, lo_path), (hi, hi_path)] =
                    <[_; 2]>::try_from(items).map_err(|_| self.invalid(&self.path, "`between` takes [low, high]"))?;
                let (lo, hi) = (read(self, lo, &lo_path)?, read(self, hi, &hi_path)?);
                if lo > hi {
                    return Err(self.invalid(&self.path, "`between` needs low <= high"));
                }
                OrdTest::Between(lo, hi)
            }
            _ => return Err(self.invalid(&self.path, "unsupported comparator")),
        })
    }

    fn decimal(&self, value: &Json, path: &JsonPath) -> Result<Decimal, Error> {
        scalar_text(value).and_then(parse_decimal).ok_or_else(|| self.invalid(path, "expected an exact number"))
    }

    fn date(&self, value: &Json, path: &JsonPath) -> Result<NaiveDate, Error> {
        value.as_str().and_then(parse_date).ok_or_else(|| self.invalid(path, "expected a date, YYYY-MM-DD"))
    }

    fn datetime(&self, value: &Json, path: &JsonPath) -> Result<DateTime<FixedOffset>, Error> {
        value
            .as_str()
            .and_then(parse_datetime)
            .ok_or_else(|| self.invalid(path, "expected an RFC 3339 datetime with offset"))
    }

    /// Datetime fields take datetime constants (instants) or date constants (calendar days in
    /// the evaluation time zone), not a mix.
    fn datetime_test(&self, positive: Positive, value: &Json) -> Result<Test, Error> {
        let first = match value {
            Json::Array(items) => items.first(),
            Json::Object(map) => map.get("0"),
            v => Some(v),
        };
        let is_date = first.and_then(Json::as_str).and_then(parse_date).is_some();
        if is_date {
            Ok(Test::DayOfDateTime(self.ord_test(positive, value, |c, v, p| c.date(v, p))?))
        } else {
            Ok(Test::DateTime(self.ord_test(positive, value, |c, v, p| c.datetime(v, p))?))
        }
    }

    fn id(&self, value: &Json, path: &JsonPath) -> Result<RecordId, Error> {
        let text = match value {
            Json::Object(map) => map.get("id").and_then(id_text),
            v => id_text(v),
        };
        text.map(RecordId::parse).ok_or_else(|| self.invalid(path, "expected a record id"))
    }

    fn id_test(&self, positive: Positive, value: &Json) -> Result<IdTest, Error> {
        match positive {
            Positive::Equal => Ok(IdTest::Equal(self.id(value, &self.path)?)),
            Positive::In => {
                let mut set = Vec::new();
                for (v, p) in self.items(value)? {
                    set.push(self.id(v, &p)?);
                }
                Ok(IdTest::In(set.into()))
            }
            _ => Err(self.invalid(&self.path, "unsupported comparator")),
        }
    }
}

fn is_macro(value: &Json) -> bool {
    matches!(value.as_str(), Some(EMPTY_MACRO | NOT_EMPTY_MACRO))
}

fn value_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_json(c: Json) -> Result<Expr, Error> {
        let criteria = Criteria::parse(&c, &JsonPath::root(), &CriteriaLimits::default())?;
        check(&criteria, Schema::builtin("Deals").unwrap(), &CriteriaLimits::default())
    }

    fn leaf(field: &str, cmp: &str, value: Json) -> Json {
        json!({"field": {"api_name": field}, "comparator": cmp, "value": value})
    }

    fn err(c: Json) -> (ErrorCode, String) {
        let e = check_json(c).unwrap_err();
        (e.code(), e.json_path().to_owned())
    }

    /// SPEC.md §2 Field references.
    #[test]
    fn field_reference_resolution() {
        let s = Schema::from_json_str(
            r#"{"fields": [{"api_name": "A", "id": "1", "data_type": "text"}, {"api_name": "B", "id": "2", "data_type": "text"}]}"#,
        )
        .unwrap();
        let p = JsonPath::root().key("field");
        let r = |n: Option<&str>, id: Option<&str>| {
            resolve_field(&s, &FieldRef { api_name: n.map(Into::into), id: id.map(Into::into) }, &p)
        };
        assert_eq!(r(Some("A"), None).unwrap(), s.slot("A").unwrap());
        assert_eq!(r(None, Some("2")).unwrap(), s.slot("B").unwrap());
        assert_eq!(
            r(Some("A"), Some("999")).unwrap(),
            s.slot("A").unwrap(),
            "an unknown id beside a valid name is fine"
        );
        assert_eq!(r(Some("Nope"), Some("2")).unwrap(), s.slot("B").unwrap());
        let e = r(None, None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ExpectedFieldMissing);
        let expected = e.details().expected_fields.as_ref().unwrap();
        assert_eq!(expected[1].json_path, "$.field.id", "Zoho's `expected_fields` shape");
        let e = r(Some("A"), Some("2")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::AmbiguityDuringProcessing);
        assert_eq!(e.details().ambiguity_due_to.as_ref().unwrap()[0].json_path, "$.field.api_name");
        let e = r(Some("Nope"), Some("999")).unwrap_err();
        assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.field.api_name"));
    }

    /// SPEC.md §2 comparator × type table.
    #[test]
    fn comparator_outside_its_type_row_lists_supported_values() {
        let e = check_json(leaf("Closing_Date", "contains", json!("2024"))).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidData);
        assert_eq!(e.json_path(), "$.comparator");
        assert!(e.details().supported_values.as_ref().unwrap().contains(&"between".to_owned()));
        assert_eq!(err(leaf("Amount", "equals", json!(1))).1, "$.comparator");
        assert_eq!(err(leaf("Locked__s", "in", json!([true]))).1, "$.comparator");
        assert_eq!(err(leaf("Stage", "like", json!("C%"))).1, "$.comparator");
        assert_eq!(err(leaf("Account_Name", "contains", json!("7"))).1, "$.comparator");
    }

    /// SPEC.md §2 Empty: macros go with equal/not_equal only; null and "" are INVALID_DATA.
    #[test]
    fn empty_macros_and_empty_values() {
        let e = check_json(leaf("Amount", "equal", json!("${EMPTY}"))).unwrap();
        assert!(matches!(&e, Expr::Leaf(p) if *p.test() == Test::IsEmpty && !p.negated()));
        let e = check_json(leaf("Amount", "equal", json!("${NOTEMPTY}"))).unwrap();
        assert!(matches!(&e, Expr::Leaf(p) if *p.test() == Test::IsEmpty && p.negated()));
        let e = check_json(leaf("Amount", "not_equal", json!("${NOTEMPTY}"))).unwrap();
        assert!(matches!(&e, Expr::Leaf(p) if *p.test() == Test::IsEmpty && !p.negated()));
        assert_eq!(err(leaf("Amount", "greater_than", json!("${EMPTY}"))), (ErrorCode::InvalidData, "$.value".into()));
        assert_eq!(err(leaf("Deal_Name", "equal", json!(""))), (ErrorCode::InvalidData, "$.value".into()));
        assert_eq!(err(leaf("Deal_Name", "equal", json!(null))), (ErrorCode::InvalidData, "$.value".into()));
    }

    /// SPEC.md §2 Picklist: options by actual or display value; unknown options rejected.
    #[test]
    fn picklist_constants_name_options() {
        assert!(check_json(leaf("Stage", "equal", json!("closed-lost to competition"))).is_ok());
        assert!(check_json(leaf("Stage", "in", json!(["Closed Won", "Id. Decision Makers"]))).is_ok());
        let e = check_json(leaf("Stage", "in", json!(["Closed Won", "Closed Wonn"]))).unwrap_err();
        assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value[1]"));
        assert!(e.details().supported_values.as_ref().unwrap().contains(&"Closed Won".to_owned()));
        assert!(check_json(leaf("Stage", "contains", json!("Wonn"))).is_ok(), "substrings are not options");
    }

    /// SPEC.md §2 between: [low, high], low <= high.
    #[test]
    fn between_pairs() {
        assert!(check_json(leaf("Amount", "between", json!([5, 5]))).is_ok());
        assert_eq!(err(leaf("Amount", "between", json!([6, 5]))).1, "$.value");
        assert_eq!(err(leaf("Amount", "between", json!([1, 2, 3]))).1, "$.value");
        assert_eq!(err(leaf("Amount", "between", json!([1, "x"]))).1, "$.value[1]");
        assert!(check_json(leaf("Amount", "between", json!({"0": 1, "1": 2}))).is_ok(), "Node.js SDK arrays");
        assert!(check_json(leaf("Closing_Date", "between", json!(["2024-01-01", "2024-12-31"]))).is_ok());
        assert_eq!(err(leaf("Created_Time", "between", json!(["2024-01-01", "2024-12-31T00:00:00Z"]))).1, "$.value[1]");
    }

    /// SPEC.md §2 limits: `in` size and text length.
    #[test]
    fn in_size_and_text_length_limits() {
        let values: Vec<Json> = (0..101).map(|i| json!(format!("v{i}"))).collect();
        assert_eq!(err(leaf("Deal_Name", "in", Json::Array(values))), (ErrorCode::LimitExceeded, "$.value".into()));
        assert_eq!(
            err(leaf("Deal_Name", "equal", json!("x".repeat(256)))),
            (ErrorCode::LimitExceeded, "$.value".into())
        );
        assert!(check_json(leaf("Deal_Name", "equal", json!("é".repeat(255)))).is_ok(), "characters, not bytes");
    }

    #[test]
    fn unsupported_field_types_are_not_supported() {
        let s = Schema::from_json_str(r#"{"fields": [{"api_name": "Items", "data_type": "subform"}]}"#).unwrap();
        let c = Criteria::parse(&leaf("Items", "equal", json!("x")), &JsonPath::root(), &CriteriaLimits::default())
            .unwrap();
        assert_eq!(check(&c, &s, &CriteriaLimits::default()).unwrap_err().code(), ErrorCode::NotSupported);
    }

    #[test]
    fn groups_normalise() {
        let e = check_json(json!({"group_operator": "AND", "group": [
            {"group_operator": "and", "group": [leaf("Amount", "equal", json!(1)), leaf("Amount", "equal", json!(2))]},
            {"group_operator": "OR", "group": [leaf("Amount", "equal", json!(3))]}]}))
        .unwrap();
        let Expr::All(items) = e else { panic!("{e:?}") };
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| matches!(i, Expr::Leaf(_))));
    }
}
