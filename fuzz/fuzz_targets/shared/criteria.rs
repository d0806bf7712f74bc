//! The criteria generator the `criteria_vm` and `sql` targets share: arbitrary values and
//! AND/OR trees of leaves, turned into Zoho criteria JSON over a target's own fields and
//! texts (bounded: lists two deep, groups four deep, at most six items and eight members).

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use serde_json::{Value as Json, json};

/// What a target draws names and values from.
pub struct Vocabulary {
    /// Field API names a leaf reads.
    pub fields: &'static [&'static str],
    /// Text values (and lookup ids).
    pub texts: &'static [&'static str],
    /// The largest decimal scale drawn, plus one.
    pub scales: u8,
}

/// Every comparator of the criteria language.
pub const COMPARATORS: &[&str] = &[
    "equal", "not_equal", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with", "like", "not_like",
    "less_than", "less_equal", "greater_than", "greater_equal", "between", "not_between", "include_all", "include_any",
    "exclude_all", "exclude_any",
];

/// A criteria value.
#[derive(Debug, Arbitrary)]
pub enum V {
    Text(u8),
    Free(String),
    Int(i64),
    Dec(i64, u8),
    Bool(bool),
    Null,
    List(Vec<V>),
    Id(u8),
}

impl V {
    pub fn json(&self, depth: usize, words: &Vocabulary) -> Json {
        match self {
            V::Text(i) => json!(pick(words.texts, *i)),
            V::Free(s) => json!(s),
            V::Int(i) => json!(i),
            V::Dec(m, s) => serde_json::from_str(&decimal(*m, *s % words.scales.max(1))).unwrap_or(Json::Null),
            V::Bool(b) => json!(b),
            V::Null => Json::Null,
            V::List(items) if depth < 2 => {
                Json::Array(items.iter().take(6).map(|v| v.json(depth + 1, words)).collect())
            }
            V::List(_) => json!([]),
            V::Id(i) => json!({"id": pick(words.texts, *i)}),
        }
    }
}

/// A criteria tree.
#[derive(Debug, Arbitrary)]
pub enum C {
    Leaf(u8, u8, V),
    Group(bool, Vec<C>),
}

impl C {
    pub fn json(&self, depth: usize, words: &Vocabulary) -> Json {
        match self {
            C::Leaf(f, c, v) => json!({"field": {"api_name": pick(words.fields, *f)},
                "comparator": pick(COMPARATORS, *c), "value": v.json(0, words)}),
            C::Group(and, items) if depth < 4 && !items.is_empty() => json!({
                "group_operator": if *and { "AND" } else { "or" },
                "group": items.iter().take(8).map(|c| c.json(depth + 1, words)).collect::<Vec<_>>()}),
            C::Group(..) => json!({"field": {"api_name": "Amount"}, "comparator": "equal", "value": "${EMPTY}"}),
        }
    }
}

/// Item `i` of `items` (wrapping).
pub fn pick(items: &'static [&'static str], i: u8) -> &'static str {
    items[usize::from(i) % items.len()]
}

/// `m` scaled by 10^-scale, as JSON number text.
pub fn decimal(m: i64, scale: u8) -> String {
    let scale = usize::from(scale);
    let text = m.unsigned_abs().to_string();
    let padded = format!("{text:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let sign = if m < 0 { "-" } else { "" };
    if scale == 0 { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") }
}
