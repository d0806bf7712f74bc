//! The criteria syntax tree, as Zoho writes it (SPEC.md §2).
//!
//! A [`Criteria`] is a leaf `{"field": {"api_name", "id"?}, "comparator", "value"}` or a group
//! `{"group_operator": "AND"|"OR", "group": [...]}`. Parsing checks the structure only — shape,
//! keys, nesting depth, group sizes, the number of leaves — and keeps each node's JSON path.
//! What a leaf means (its field, comparator and value against a schema) is the type checker's
//! business ([`crate::typecheck`]).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value as Json};

use crate::error::{Error, ErrorCode};
use crate::json_path::JsonPath;
use crate::limits::CriteriaLimits;

/// A criteria tree with the JSON path of every node.
///
/// ```
/// use recordlock_criteria::{Criteria, CriteriaLimits, JsonPath};
/// use serde_json::json;
///
/// let c = Criteria::parse(
///     &json!({"group_operator": "or", "group": [
///         {"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Closed Won"},
///         {"field": {"api_name": "Amount"}, "comparator": "greater_than", "value": 1000}]}),
///     &JsonPath::root().key("criteria"),
///     &CriteriaLimits::default(),
/// ).unwrap();
/// assert_eq!(c.leaves().count(), 2);
/// assert_eq!(c.leaves().nth(1).unwrap().path.as_str(), "$.criteria.group[1]");
/// assert_eq!(c.to_json()["group_operator"], "OR");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Criteria {
    /// One comparison.
    Leaf(Leaf),
    /// An AND/OR group.
    Group(Group),
}

/// A leaf: `field comparator value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// The field reference.
    pub field: FieldRef,
    /// The comparator as written (checked against the field's type later).
    pub comparator: String,
    /// The value as written.
    pub value: Json,
    /// Where the leaf is.
    pub path: JsonPath,
}

/// A field reference: by `api_name`, by `id`, or both (SPEC.md §2 "Field references").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldRef {
    /// The API name, if given (an empty string counts as not given).
    pub api_name: Option<String>,
    /// The id, if given (a JSON number is kept as its exact text).
    pub id: Option<String>,
}

/// `AND` or `OR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupOperator {
    /// All items hold.
    And,
    /// At least one item holds.
    Or,
}

impl GroupOperator {
    /// `AND` or `OR`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupOperator::And => "AND",
            GroupOperator::Or => "OR",
        }
    }
}

/// A group of criteria joined by one operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The operator.
    pub operator: GroupOperator,
    /// The items, at least one.
    pub items: Vec<Criteria>,
    /// Where the group is.
    pub path: JsonPath,
}

impl Criteria {
    /// Parses the criteria at `path` of its document, checking structure and limits.
    pub fn parse(json: &Json, path: &JsonPath, limits: &CriteriaLimits) -> Result<Criteria, Error> {
        let mut leaves = 0usize;
        parse_node(json, path, 0, limits, &mut leaves)
    }

    /// The leaves, in document order.
    pub fn leaves(&self) -> impl Iterator<Item = &Leaf> {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                match node {
                    Criteria::Leaf(leaf) => return Some(leaf),
                    Criteria::Group(g) => stack.extend(g.items.iter().rev()),
                }
            }
            None
        })
    }

    /// The JSON path of this node.
    pub fn path(&self) -> &JsonPath {
        match self {
            Criteria::Leaf(l) => &l.path,
            Criteria::Group(g) => &g.path,
        }
    }

    /// The canonical Zoho JSON: operators upper case, field references as given.
    pub fn to_json(&self) -> Json {
        match self {
            Criteria::Leaf(l) => {
                let mut field = Map::new();
                if let Some(n) = &l.field.api_name {
                    field.insert("api_name".into(), Json::String(n.clone()));
                }
                if let Some(id) = &l.field.id {
                    field.insert("id".into(), Json::String(id.clone()));
                }
                let mut m = Map::new();
                m.insert("comparator".into(), Json::String(l.comparator.clone()));
                m.insert("field".into(), Json::Object(field));
                m.insert("value".into(), l.value.clone());
                Json::Object(m)
            }
            Criteria::Group(g) => {
                let mut m = Map::new();
                m.insert("group_operator".into(), Json::String(g.operator.as_str().into()));
                m.insert("group".into(), Json::Array(g.items.iter().map(Criteria::to_json).collect()));
                Json::Object(m)
            }
        }
    }
}

impl Serialize for Criteria {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Criteria {
    /// Reads criteria with the default limits, paths relative to `$`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Criteria, D::Error> {
        let json = Json::deserialize(deserializer)?;
        Criteria::parse(&json, &JsonPath::root(), &CriteriaLimits::default()).map_err(serde::de::Error::custom)
    }
}

fn parse_node(
    json: &Json,
    path: &JsonPath,
    depth: usize,
    limits: &CriteriaLimits,
    leaves: &mut usize,
) -> Result<Criteria, Error> {
    let Json::Object(map) = json else {
        return Err(Error::new(ErrorCode::InvalidData, path, "criteria must be an object"));
    };
    if map.contains_key("group") || map.contains_key("group_operator") {
        parse_group(map, path, depth + 1, limits, leaves)
    } else {
        *leaves += 1;
        if *leaves > limits.max_leaves {
            return Err(Error::limit_exceeded(path, "the number of conditions in a rule", limits.max_leaves));
        }
        parse_leaf(map, path).map(Criteria::Leaf)
    }
}

fn parse_group(
    map: &Map<String, Json>,
    path: &JsonPath,
    depth: usize,
    limits: &CriteriaLimits,
    leaves: &mut usize,
) -> Result<Criteria, Error> {
    // Checked before descending: recursion never goes deeper than the (capped) limit.
    if depth > limits.effective_depth() {
        return Err(Error::limit_exceeded(path, "the nesting of groups", limits.effective_depth()));
    }
    reject_unknown_keys(map, path, &["group_operator", "group"])?;
    let op_path = path.key("group_operator");
    let operator = match map.get("group_operator") {
        None => return Err(mandatory(&op_path, "group_operator")),
        Some(Json::String(s)) if s.eq_ignore_ascii_case("and") => GroupOperator::And,
        Some(Json::String(s)) if s.eq_ignore_ascii_case("or") => GroupOperator::Or,
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &op_path, "`group_operator` must be AND or OR")
                .with_api_name("group_operator")
                .with_supported_values(["AND", "OR"]));
        }
    };
    let items_path = path.key("group");
    let items = match map.get("group") {
        None => return Err(mandatory(&items_path, "group")),
        Some(Json::Array(items)) => items,
        Some(_) => {
            return Err(
                Error::new(ErrorCode::InvalidData, &items_path, "`group` must be an array").with_api_name("group")
            );
        }
    };
    if items.is_empty() {
        return Err(Error::new(ErrorCode::InvalidData, &items_path, "`group` must not be empty").with_api_name("group"));
    }
    if items.len() > limits.max_group_items {
        return Err(Error::limit_exceeded(&items_path, "the number of items in a group", limits.max_group_items)
            .with_api_name("group"));
    }
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        parsed.push(parse_node(item, &items_path.index(i), depth, limits, leaves)?);
    }
    Ok(Criteria::Group(Group { operator, items: parsed, path: path.clone() }))
}

fn parse_leaf(map: &Map<String, Json>, path: &JsonPath) -> Result<Leaf, Error> {
    reject_unknown_keys(map, path, &["field", "comparator", "value", "type"])?;
    match map.get("type") {
        None | Some(Json::Null) => {}
        Some(Json::String(t)) if t == "value" => {}
        Some(_) => {
            return Err(Error::new(
                ErrorCode::NotSupported,
                &path.key("type"),
                "only `\"type\": \"value\"` criteria are supported",
            )
            .with_api_name("type")
            .with_supported_values(["value"]));
        }
    }
    let comparator = match map.get("comparator") {
        None => return Err(mandatory(&path.key("comparator"), "comparator")),
        Some(Json::String(s)) => s.clone(),
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("comparator"), "`comparator` must be a string")
                .with_api_name("comparator"));
        }
    };
    let Some(value) = map.get("value") else {
        return Err(mandatory(&path.key("value"), "value"));
    };
    let field = match map.get("field") {
        None | Some(Json::Null) => FieldRef::default(),
        Some(Json::Object(f)) => parse_field_ref(f, &path.key("field"))?,
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("field"), "`field` must be an object")
                .with_api_name("field"));
        }
    };
    Ok(Leaf { field, comparator, value: canonical_array(value), path: path.clone() })
}

/// An object keyed exactly `"0"`..`"n-1"` (how Zoho's Node.js SDK writes arrays) as that
/// array, so normalised output writes arrays; anything else as it is.
fn canonical_array(value: &Json) -> Json {
    match value {
        Json::Object(map) if !map.is_empty() => {
            let items: Option<Vec<Json>> = (0..map.len()).map(|i| map.get(&i.to_string()).cloned()).collect();
            items.map_or_else(|| value.clone(), Json::Array)
        }
        other => other.clone(),
    }
}

/// Reads `{"api_name"?, "id"?}`: strings, ids also as JSON numbers (kept exact).
pub(crate) fn parse_field_ref(map: &Map<String, Json>, path: &JsonPath) -> Result<FieldRef, Error> {
    reject_unknown_keys(map, path, &["api_name", "id", "name", "display_label"])?;
    let api_name = match map.get("api_name") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => (!s.is_empty()).then(|| s.clone()),
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("api_name"), "`api_name` must be a string")
                .with_api_name("api_name"));
        }
    };
    let id = match map.get("id") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => (!s.is_empty()).then(|| s.clone()),
        Some(Json::Number(n)) => Some(n.as_str().to_owned()),
        Some(_) => {
            return Err(Error::new(ErrorCode::InvalidData, &path.key("id"), "`id` must be a string or a number")
                .with_api_name("id"));
        }
    };
    Ok(FieldRef { api_name, id })
}

fn mandatory(path: &JsonPath, key: &str) -> Error {
    Error::new(ErrorCode::MandatoryNotFound, path, "required field not found").with_api_name(key)
}

/// `INVALID_DATA` at the first key of `map` not in `allowed` (a typo must not pass silently).
pub fn reject_unknown_keys(map: &Map<String, Json>, path: &JsonPath, allowed: &[&str]) -> Result<(), Error> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(Error::new(ErrorCode::InvalidData, &path.key(k), format!("unknown key `{k}`"))
            .with_api_name(k.clone())
            .with_supported_values(allowed.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leaf() -> Json {
        json!({"field": {"api_name": "Amount"}, "comparator": "equal", "value": 1})
    }

    fn nest(levels: usize) -> Json {
        let mut j = leaf();
        for _ in 0..levels {
            j = json!({"group_operator": "AND", "group": [j]});
        }
        j
    }

    /// SPEC.md §2 limits: 8 nested groups pass, 9 fail.
    #[test]
    fn depth_limit() {
        let limits = CriteriaLimits::default();
        assert!(Criteria::parse(&nest(8), &JsonPath::root(), &limits).is_ok());
        let err = Criteria::parse(&nest(9), &JsonPath::root(), &limits).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        assert_eq!(err.details().limit, Some(8));
        assert!(err.json_path().starts_with("$.group[0]"), "{}", err.json_path());
    }

    #[test]
    fn thousands_of_levels_are_an_error_not_a_stack_overflow() {
        // Built by hand: serde_json's own parser would stop at 128 levels.
        let mut j = leaf();
        for _ in 0..5_000 {
            let mut m = Map::new();
            m.insert("group_operator".into(), json!("OR"));
            m.insert("group".into(), Json::Array(vec![j]));
            j = Json::Object(m);
        }
        let err = Criteria::parse(&j, &JsonPath::root(), &CriteriaLimits::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::LimitExceeded);
        // Dropping a 5,000-deep value recurses in serde_json; take it apart iteratively.
        let mut stack = vec![j];
        while let Some(mut v) = stack.pop() {
            if let Some(Json::Array(items)) = v.get_mut("group") {
                stack.append(items);
            }
        }
    }

    #[test]
    fn group_size_and_leaf_limits() {
        let limits = CriteriaLimits::default();
        let wide = json!({"group_operator": "AND", "group": vec![leaf(); 26]});
        let err = Criteria::parse(&wide, &JsonPath::root(), &limits).unwrap_err();
        assert_eq!((err.code(), err.json_path()), (ErrorCode::LimitExceeded, "$.group"));
        let many = json!({"group_operator": "AND", "group": vec![json!({"group_operator": "OR", "group": vec![leaf(); 25]}); 5]});
        let err = Criteria::parse(&many, &JsonPath::root(), &limits).unwrap_err();
        assert_eq!((err.code(), err.json_path()), (ErrorCode::LimitExceeded, "$.group[4].group[0]"));
    }

    #[test]
    fn operator_in_any_case_and_type_value() {
        let c = json!({"group_operator": "aNd", "group": [
            {"type": "value", "field": {"api_name": "A", "id": 5843104000001068052_u64}, "comparator": "equal", "value": 1}]});
        let parsed = Criteria::parse(&c, &JsonPath::root(), &CriteriaLimits::default()).unwrap();
        let Criteria::Group(g) = &parsed else { panic!() };
        assert_eq!(g.operator, GroupOperator::And);
        assert_eq!(parsed.leaves().next().unwrap().field.id.as_deref(), Some("5843104000001068052"));
    }

    #[test]
    fn structure_errors() {
        let limits = CriteriaLimits::default();
        let cases = [
            (
                json!({"field": {"api_name": "A"}, "comparator": "equal", "value": 1, "type": "field"}),
                ErrorCode::NotSupported,
                "$.type",
            ),
            (json!({"field": {"api_name": "A"}, "comparator": "equal", "valeu": 1}), ErrorCode::InvalidData, "$.valeu"),
            (json!({"field": {"api_name": "A"}, "value": 1}), ErrorCode::MandatoryNotFound, "$.comparator"),
            (json!({"group_operator": "XOR", "group": [leaf()]}), ErrorCode::InvalidData, "$.group_operator"),
            (json!({"group_operator": "AND", "group": []}), ErrorCode::InvalidData, "$.group"),
            (json!({"group": [leaf()]}), ErrorCode::MandatoryNotFound, "$.group_operator"),
            (json!([leaf()]), ErrorCode::InvalidData, "$"),
        ];
        for (j, code, path) in cases {
            let err = Criteria::parse(&j, &JsonPath::root(), &limits).unwrap_err();
            assert_eq!((err.code(), err.json_path()), (code, path), "{j}");
        }
    }
}
