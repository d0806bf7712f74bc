//! Generated schemas, rule sets and records for differential tests: every engine (the VM,
//! the columnar engine, DataFusion, PostgreSQL) is checked against the reference interpreter
//! on the cases these strategies draw (see [`crate::backend::differential`]).
//!
//! A case draws a schema (fields of every type of SPEC.md §2; picklists with 0..6 options
//! whose display values sometimes differ from their actual values), one to three rules (each
//! an AND/OR tree nested up to depth 3 with every comparator valid for each field's type, and
//! `lock_existing_records` drawn), a scope, a few records and a time zone. Values come from
//! small pools so that matches are frequent: criteria constants and record values share texts
//! that differ only in case (ß, Σ/ς, İ among them), numbers that differ only in how they are
//! written or in their scale, instants on day boundaries of the time zones drawn, unlisted
//! picklist values, every spelling of an empty value, and now and then a value of another
//! JSON type than the field's (the fail-closed path of SPEC.md §4).

#![expect(
    clippy::panic,
    clippy::indexing_slicing,
    reason = "the pools are constants: a value that does not parse is a bug in this file, reported by panicking"
)]

use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use recordlock::criteria::{parse_date, parse_datetime, parse_decimal};
use serde_json::{Map, Value as Json, json};

// ---------------------------------------------------------------------------------------------
// Value pools (JSON text)
// ---------------------------------------------------------------------------------------------

/// Texts for text fields, in records and as `equal`/`in` constants; several differ only in case.
const TEXTS: &[&str] = &[
    r#""acme""#,
    r#""ACME""#,
    r#""Acme Corp""#,
    r#""école""#,
    r#""ÉCOLE""#,
    r#""a_c""#,
    r#""abc""#,
    r#""aéc""#,
    r#""100%""#,
    r#""1000""#,
    "1000",
    r#""ΟΔΥΣΣΕΥΣ""#,
    r#""οδυσσευς""#,
    r#""straße""#,
    r#""STRASSE""#,
    r#""日本語""#,
    r#"" ""#,
];

/// Needles for `contains`/`starts_with`/`ends_with` on text fields.
const NEEDLES: &[&str] = &[
    r#""a""#,
    r#""AC""#,
    r#""cme""#,
    r#""corp""#,
    r#""É""#,
    r#""co""#,
    r#""%""#,
    r#""_""#,
    r#""ΣΣ""#,
    r#""ς""#,
    r#""ss""#,
    r#""ß""#,
    r#""本""#,
    r#""0""#,
    r#""e""#,
    "10",
    r#""ÉC""#,
    r#""語""#,
    r#""ΟΔ""#,
    r#""1""#,
];

/// `like` patterns, with `%` and `_` around single- and multi-byte characters.
const PATTERNS: &[&str] = &[
    r#""%""#,
    r#""_""#,
    r#""%%""#,
    r#""a%""#,
    r#""%E""#,
    r#""ac_e%""#,
    r#""_cme""#,
    r#""%co%""#,
    r#""é%""#,
    r#""É_OLE""#,
    r#""a_c""#,
    r#""%1_0%""#,
    r#""100%""#,
    r#""%ς""#,
    r#""οδυσ%""#,
    r#""___""#,
    r#""日%語""#,
    r#""%s%s%""#,
    r#""acme""#,
    r#""%ß%""#,
    r#""_%_""#,
];

/// Actual values of picklist options.
const OPTION_ACTUALS: &[&str] =
    &["Alpha", "Beta", "Gamma Ray", "Delta", "École", "-None-", "Closed Won", "Closed Lost"];

/// Display values that differ from the actual value (some collide with other options' values).
const OPTION_DISPLAYS: &[&str] =
    &["Alpha-1", "Beta Max", "Gamma", "Closed-Won", "Other", "ÉCOLE normale", "closed lost"];

/// Picklist record values that name no option of most schemas (some differ from an option
/// only by case or a character).
const UNLISTED: &[&str] =
    &[r#""Other""#, r#""alpha ""#, r#""Gamm""#, r#""ALPHA-1""#, r#""closed-won""#, r#""none""#, "7", r#""Ecole""#];

/// Needles for picklist substring tests.
const CHOICE_NEEDLES: &[&str] = &[
    r#""al""#,
    r#""ALP""#,
    r#""-""#,
    r#""a""#,
    r#""ta""#,
    r#""x""#,
    r#""Ray""#,
    r#""closed""#,
    r#""WON""#,
    r#""éc""#,
    r#""-1""#,
    r#""none""#,
    r#""e""#,
    r#""Max""#,
    r#""normale""#,
    "7",
];

/// Numbers for any numeric field (some are not whole).
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "1000",
    r#""1000""#,
    "1e3",
    "1000.0",
    "1000.1",
    "1000.10",
    r#""1000.10""#,
    "0.5",
    "-0.5",
    r#""-0.50""#,
    "42",
    r#""42""#,
    "9007199254740992",
    "9007199254740993",
    r#""9007199254740993""#,
    // Scales past the VM's inline compare (more than 9 digits after the point).
    "0.1234567890123",
    r#""0.12345678901230""#,
    "1000.1000000000001",
    r#""-1000.100000000000""#,
    "12345678901234567890.5",
];

/// Numbers for integer and bigint fields in records (whole numbers only).
const WHOLE_NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "1000",
    r#""1000""#,
    "1e3",
    "1000.0",
    "42",
    r#""42""#,
    "9007199254740992",
    "9007199254740993",
    r#""9007199254740993""#,
];

const DATES: &[&str] =
    &["1969-12-31", "1970-01-01", "2016-12-31", "2017-01-01", "2023-12-31", "2024-01-01", "2024-01-02", "2024-02-29"];

/// Instants on or near day boundaries of the time zones drawn (and a leap second, and
/// instants before 1970, whose Unix timestamps are negative).
const DATETIMES: &[&str] = &[
    "1969-12-31T23:00:00Z",
    "1969-12-31T12:00:00-08:00",
    "1970-01-01T03:00:00+05:30",
    "1970-01-01T00:00:00Z",
    "2024-01-01T20:00:00Z",
    "2024-01-02T01:30:00+05:30",
    "2024-01-01T12:00:00-08:00",
    "2024-01-01T18:30:00Z",
    "2024-01-01T18:29:59.999Z",
    "2024-01-02T03:00:00Z",
    "2024-01-01T10:00:00+02:00",
    "2024-01-01T08:00:00Z",
    "2024-01-01T07:59:59Z",
    "2023-12-31T23:59:59-08:00",
    "2024-01-01T00:00:00+14:00",
    "2024-01-01T12:00:00Z",
    "2024-01-01T14:15:00Z",
    "2024-01-02T00:00:00Z",
    "2016-12-31T23:59:59.999Z",
    "2016-12-31T23:59:60Z",
    "2016-12-31T23:59:60.5+00:00",
    "2017-01-01T00:00:00Z",
];

const BOOLEANS: &[&str] = &["true", "false", r#""true""#, r#""FALSE""#, r#""True""#, r#""false""#];

/// Lookup constants: ids as strings, numbers or `{"id"}` objects.
const ID_CONSTANTS: &[&str] = &[
    r#""77""#,
    r#""78""#,
    "77",
    r#""5843104000001068052""#,
    "5843104000001068052",
    r#"{"id": "77"}"#,
    r#""077""#,
    r#""abc""#,
];

/// Lookup record values.
const ID_RECORDS: &[&str] = &[
    r#"{"id": "77", "name": "x"}"#,
    r#""77""#,
    "77",
    r#"{"id": 77}"#,
    r#""78""#,
    r#""077""#,
    "5843104000001068052",
    r#"{"id": "5843104000001068052", "name": "y"}"#,
    r#"{"id": null, "name": "z"}"#,
    r#""abc""#,
];

/// Time zones, in seconds east of UTC: UTC, +05:30, -08:00, +14:00, -12:00, +09:45.
const TZ_OFFSETS: &[i32] = &[0, 19_800, -28_800, 50_400, -43_200, 35_100];

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn texts(pool: &'static [&'static str]) -> Vec<Json> {
    pool.iter().map(|t| json(t)).collect()
}

fn quoted(pool: &'static [&'static str]) -> Vec<Json> {
    pool.iter().map(|t| Json::String((*t).to_owned())).collect()
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct PickOption {
    actual: String,
    display: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Text(&'static str),
    Picklist(Vec<PickOption>),
    Multi(Vec<PickOption>),
    Number { data_type: &'static str, integral: bool },
    Date,
    DateTime,
    Boolean,
    Lookup(&'static str),
}

#[derive(Debug, Clone)]
struct FieldSpec {
    name: String,
    id: String,
    kind: Kind,
}

impl FieldSpec {
    fn options(&self) -> &[PickOption] {
        match &self.kind {
            Kind::Picklist(o) | Kind::Multi(o) => o,
            _ => &[],
        }
    }

    /// Names of options as a criteria constant may write them: actual or display value, in
    /// various cases. Empty for a field without options.
    fn option_names(&self) -> Vec<Json> {
        let mut names = Vec::new();
        for o in self.options() {
            for s in [o.actual.clone(), o.display.clone(), o.actual.to_uppercase(), o.display.to_lowercase()] {
                names.push(Json::String(s));
            }
        }
        names
    }

    /// Picklist values a record may hold: option names and unlisted values.
    fn choice_records(&self) -> Vec<Json> {
        let mut values = self.option_names();
        values.extend(texts(UNLISTED));
        values
    }

    /// Valid `equal`/`in` constants for a picklist: option names, or any text for a field
    /// without options.
    fn choice_constants(&self) -> Vec<Json> {
        let names = self.option_names();
        if names.is_empty() { texts(UNLISTED) } else { names }
    }
}

fn options() -> impl Strategy<Value = Vec<PickOption>> {
    (subsequence(OPTION_ACTUALS, 0..=6), prop::collection::vec((0..4u8, select(OPTION_DISPLAYS)), 6)).prop_map(
        |(actuals, displays)| {
            actuals
                .into_iter()
                .zip(displays)
                .map(|(actual, (mode, other))| {
                    let display = match mode {
                        0 | 1 => actual.to_owned(),
                        2 => actual.to_uppercase(),
                        _ => other.to_owned(),
                    };
                    PickOption { actual: actual.to_owned(), display }
                })
                .collect()
        },
    )
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        select(&["text", "textarea", "email", "phone", "website", "autonumber"][..]).prop_map(Kind::Text),
        options().prop_map(Kind::Picklist),
        options().prop_map(Kind::Multi),
        select(&["integer", "bigint"][..]).prop_map(|t| Kind::Number { data_type: t, integral: true }),
        select(&["currency", "double", "decimal", "percent"][..])
            .prop_map(|t| Kind::Number { data_type: t, integral: false }),
        Just(Kind::Date),
        Just(Kind::DateTime),
        Just(Kind::Boolean),
        select(&["lookup", "ownerlookup", "userlookup"][..]).prop_map(Kind::Lookup),
    ]
}

fn fields() -> impl Strategy<Value = Vec<FieldSpec>> {
    prop::collection::vec(kind(), 1..=6).prop_map(|kinds| {
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| FieldSpec { name: format!("F{i}"), id: format!("900{i}"), kind })
            .collect()
    })
}

fn schema_json(fields: &[FieldSpec]) -> Json {
    let fields: Vec<Json> = fields
        .iter()
        .map(|f| {
            let mut m = Map::new();
            m.insert("api_name".into(), Json::String(f.name.clone()));
            m.insert("id".into(), Json::String(f.id.clone()));
            let data_type = match &f.kind {
                Kind::Text(t) | Kind::Number { data_type: t, .. } | Kind::Lookup(t) => t,
                Kind::Picklist(_) => "picklist",
                Kind::Multi(_) => "multiselectpicklist",
                Kind::Date => "date",
                Kind::DateTime => "datetime",
                Kind::Boolean => "boolean",
            };
            m.insert("data_type".into(), Json::String(data_type.to_owned()));
            if let Kind::Picklist(options) | Kind::Multi(options) = &f.kind {
                let options = options
                    .iter()
                    .map(|o| serde_json::json!({"actual_value": o.actual, "display_value": o.display}))
                    .collect();
                m.insert("pick_list_values".into(), Json::Array(options));
            }
            Json::Object(m)
        })
        .collect();
    serde_json::json!({ "fields": fields })
}

// ---------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------

type Value = BoxedStrategy<Json>;

fn one(pool: Vec<Json>) -> Value {
    select(pool).boxed()
}

/// A JSON array of 0..=3 items (1..=3 with `non_empty`).
fn list(item: Value, non_empty: bool) -> Value {
    prop::collection::vec(item, usize::from(non_empty)..=3).prop_map(Json::Array).boxed()
}

/// `equal`/`not_equal` constants: mostly `item`, sometimes a macro.
fn equal_value(item: Value) -> Value {
    prop_oneof![6 => item, 1 => Just(json(r#""${EMPTY}""#)), 1 => Just(json(r#""${NOTEMPTY}""#))].boxed()
}

/// A `[low, high]` pair with low <= high under `key`.
fn pair<K: Ord + 'static>(item: Value, key: fn(&Json) -> K) -> Value {
    (item.clone(), item)
        .prop_map(move |(a, b)| if key(&a) <= key(&b) { Json::Array(vec![a, b]) } else { Json::Array(vec![b, a]) })
        .boxed()
}

fn decimal_key(j: &Json) -> rust_decimal::Decimal {
    let text = match j {
        Json::Number(n) => n.as_str().to_owned(),
        Json::String(s) => s.clone(),
        other => panic!("not a number: {other}"),
    };
    parse_decimal(&text).unwrap_or_else(|| panic!("not a decimal: {text}"))
}

fn date_key(j: &Json) -> chrono::NaiveDate {
    j.as_str().and_then(parse_date).unwrap_or_else(|| panic!("not a date: {j}"))
}

fn datetime_key(j: &Json) -> chrono::DateTime<chrono::FixedOffset> {
    j.as_str().and_then(parse_datetime).unwrap_or_else(|| panic!("not a datetime: {j}"))
}

/// The comparators of the ordered row, over constants drawn from `item`.
fn ordered<K: Ord + 'static>(item: Value, key: fn(&Json) -> K) -> BoxedStrategy<(&'static str, Json)> {
    let with = |names: &'static [&'static str], v: Value| (select(names), v);
    prop_oneof![
        with(&["equal", "not_equal"], equal_value(item.clone())),
        with(&["in", "not_in"], list(item.clone(), false)),
        with(&["less_than", "less_equal", "greater_than", "greater_equal"], item.clone()),
        with(&["between", "not_between"], pair(item, key)),
    ]
    .boxed()
}

/// A comparator valid for the field's type, and a value for it.
fn comparison(field: &FieldSpec) -> BoxedStrategy<(&'static str, Json)> {
    let with = |names: &'static [&'static str], v: Value| (select(names), v);
    match &field.kind {
        Kind::Text(_) => prop_oneof![
            with(&["equal", "not_equal"], equal_value(one(texts(TEXTS)))),
            with(&["in", "not_in"], list(one(texts(TEXTS)), false)),
            with(&["contains", "not_contains", "starts_with", "ends_with"], one(texts(NEEDLES))),
            with(&["like", "not_like"], one(texts(PATTERNS))),
        ]
        .boxed(),
        Kind::Picklist(_) => {
            // Mostly valid constants; sometimes an unlisted one (rejected when the field lists
            // options, so such criteria are skipped).
            let constant = prop_oneof![12 => one(field.choice_constants()), 1 => one(texts(UNLISTED))].boxed();
            prop_oneof![
                with(&["equal", "not_equal"], equal_value(constant.clone())),
                with(&["in", "not_in"], list(constant, false)),
                with(&["contains", "not_contains", "starts_with", "ends_with"], one(texts(CHOICE_NEEDLES))),
            ]
            .boxed()
        }
        Kind::Multi(_) => {
            let constant = prop_oneof![12 => one(field.choice_constants()), 1 => one(texts(UNLISTED))].boxed();
            let set = prop_oneof![3 => list(constant.clone(), true), 1 => constant].boxed();
            prop_oneof![
                with(&["equal", "not_equal"], equal_value(set.clone())),
                with(&["include_all", "include_any", "exclude_all", "exclude_any"], set),
                with(&["contains", "not_contains", "starts_with", "ends_with"], one(texts(CHOICE_NEEDLES))),
            ]
            .boxed()
        }
        Kind::Number { .. } => ordered(one(texts(NUMBERS)), decimal_key),
        Kind::Date => ordered(one(quoted(DATES)), date_key),
        Kind::DateTime => prop_oneof![
            ordered(one(quoted(DATETIMES)), datetime_key),
            // Date constants against a datetime field: calendar days in the time zone.
            ordered(one(quoted(DATES)), date_key),
        ]
        .boxed(),
        Kind::Boolean => with(&["equal", "not_equal"], equal_value(one(texts(BOOLEANS)))).boxed(),
        Kind::Lookup(_) => prop_oneof![
            with(&["equal", "not_equal"], equal_value(one(texts(ID_CONSTANTS)))),
            with(&["in", "not_in"], list(one(texts(ID_CONSTANTS)), false)),
        ]
        .boxed(),
    }
}

/// An array written as Zoho's Node.js SDK writes it: `{"0": a, "1": b, ...}`.
fn indexed_object(items: Vec<Json>) -> Json {
    Json::Object(items.into_iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect())
}

fn leaf(fields: Arc<Vec<FieldSpec>>) -> BoxedStrategy<Json> {
    (0..fields.len())
        .prop_flat_map(move |i| {
            let f = &fields[i];
            let field_ref = select(vec![
                serde_json::json!({"api_name": f.name}),
                serde_json::json!({"id": f.id}),
                serde_json::json!({"api_name": f.name, "id": f.id}),
            ]);
            (comparison(f), field_ref, 0..8u8)
        })
        .prop_map(|((comparator, value), field, style)| {
            let value = match value {
                // Now and then, arrays as the Node.js SDK writes them.
                Json::Array(items) if style == 0 => indexed_object(items),
                v => v,
            };
            let mut m = Map::new();
            m.insert("field".into(), field);
            m.insert("comparator".into(), Json::String(comparator.to_owned()));
            m.insert("value".into(), value);
            if style == 1 {
                m.insert("type".into(), Json::String("value".into()));
            }
            Json::Object(m)
        })
        .boxed()
}

fn criteria(fields: Arc<Vec<FieldSpec>>) -> BoxedStrategy<Json> {
    leaf(fields)
        .prop_recursive(3, 24, 4, |inner| {
            (select(&["AND", "OR", "and", "or", "Or"][..]), prop::collection::vec(inner, 1..=4))
                .prop_map(|(op, items)| serde_json::json!({"group_operator": op, "group": items}))
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// A record value for the field: `None` for a missing key, an empty spelling, or a value.
fn record_value(field: &FieldSpec) -> BoxedStrategy<Option<Json>> {
    let value: Value = match &field.kind {
        Kind::Text(_) => one(texts(TEXTS)),
        Kind::Picklist(_) => one(field.choice_records()),
        Kind::Multi(_) => {
            // Empty strings inside a selection are ignored by ingest; include some.
            let mut items = field.choice_records();
            items.push(Json::String(String::new()));
            prop::collection::vec(one(items), 1..=4).prop_map(Json::Array).boxed()
        }
        // Integer fields: whole numbers mostly, sometimes not (SPEC §2 reads them as numbers).
        Kind::Number { integral: true, .. } => {
            prop_oneof![4 => one(texts(WHOLE_NUMBERS)), 1 => one(texts(NUMBERS))].boxed()
        }
        Kind::Number { integral: false, .. } => one(texts(NUMBERS)),
        Kind::Date => one(quoted(DATES)),
        Kind::DateTime => one(quoted(DATETIMES)),
        Kind::Boolean => one(texts(BOOLEANS)),
        Kind::Lookup(_) => one(texts(ID_RECORDS)),
    };
    prop_oneof![
        2 => Just(None),
        2 => select(vec![Json::Null, Json::String(String::new()), Json::Array(Vec::new())]).prop_map(Some),
        12 => value.prop_map(Some),
        // The fail-closed path: a value of the wrong type for the field.
        1 => one(texts(wrong_type(&field.kind))).prop_map(Some),
    ]
    .boxed()
}

/// Values a field of `kind` cannot hold (SPEC.md §4: the record cannot be evaluated).
fn wrong_type(kind: &Kind) -> &'static [&'static str] {
    match kind {
        Kind::Text(_) | Kind::Picklist(_) => &["true", r#"{"a": 1}"#, r#"["x"]"#],
        Kind::Multi(_) => &["true", "12", r#"{"a": 1}"#],
        Kind::Number { .. } => &[r#""abc""#, "true", r#""1,000""#, r#"["1"]"#],
        Kind::Date => &[r#""2024-13-01""#, r#""2024-01-01T00:00:00Z""#, "20240101", "true"],
        Kind::DateTime => &[r#""2024-01-01""#, r#""2024-01-01T25:00:00Z""#, "1704067200", "false"],
        Kind::Boolean => &[r#""yes""#, "1", r#"["true"]"#],
        Kind::Lookup(_) => &["true", r#"["77"]"#, r#"{"name": "x"}"#, "1.5"],
    }
}

fn record(fields: &[FieldSpec]) -> BoxedStrategy<Json> {
    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    fields
        .iter()
        .map(record_value)
        .collect::<Vec<_>>()
        .prop_map(move |values| {
            let mut m = Map::new();
            m.insert("id".into(), Json::String("1".into()));
            for (name, v) in names.iter().zip(values) {
                if let Some(v) = v {
                    m.insert(name.clone(), v);
                }
            }
            Json::Object(m)
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/// One generated case: a custom module's schema, a configuration body, records and a time zone.
#[derive(Debug, Clone)]
pub struct GeneratedCase {
    /// The module's fields metadata (`{"fields": [...]}`).
    pub schema: Json,
    /// `{"record_locking_configurations": [...]}` with `lock_type: automatic` and 1..=3 rules.
    pub config: Json,
    /// Records, with ids `r0`, `r1`, ...
    pub records: Vec<Json>,
    /// The evaluation time zone, in seconds east of UTC.
    pub tz_seconds: i32,
    /// Whether every rule applies (`RuleScope::All`) or only `lock_existing_records` ones.
    pub all_rules: bool,
}

/// The strategy drawing [`GeneratedCase`]s.
pub fn case() -> impl Strategy<Value = GeneratedCase> {
    fields().prop_flat_map(|fields| {
        let shared = Arc::new(fields.clone());
        let rule = (criteria(shared), any::<bool>());
        (
            Just(schema_json(&fields)),
            prop::collection::vec(rule, 1..=3),
            prop::collection::vec(record(&fields), 1..=6),
            select(TZ_OFFSETS),
            any::<bool>(),
        )
            .prop_map(|(schema, rules, records, tz_seconds, all_rules)| {
                let rules: Vec<Json> = rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, (criteria, existing))| {
                        json!({"name": format!("R{i}"), "lock_existing_records": existing, "criteria": criteria})
                    })
                    .collect();
                let config =
                    json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": rules}]});
                let records = records
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut r)| {
                        if let Json::Object(m) = &mut r {
                            m.insert("id".into(), Json::String(format!("r{i}")));
                        }
                        r
                    })
                    .collect();
                GeneratedCase { schema, config, records, tz_seconds, all_rules }
            })
    })
}
