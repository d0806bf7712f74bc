//! The comparator × field type matrix of SPEC.md §2, kept as engine-independent data in
//! `tests/criteria/matrix.json`.
//!
//! The matrix is written here compactly (a row: a comparator, its negation, a constant and
//! sample record values, applied to every field of a type class); `matrix.json` is its
//! expansion, with each record's expected answer computed by the reference interpreter (the
//! readable definition of SPEC.md §2). Two tests keep the file honest:
//! - `matrix_file_is_current`: the file is exactly the expansion (regenerate it with
//!   `RECORDLOCK_WRITE_MATRIX=1 cargo test -p recordlock-tests --test criteria_matrix`);
//! - `matrix_obeys_the_negation_laws`: independently of any engine, in the file every
//!   positive comparator is false on the four empty spellings and every `not_*`/`exclude_*`
//!   case answers exactly the opposite of its positive case on every record.

#![expect(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "test code")]

use std::collections::BTreeMap;

use recordlock::criteria::EvalOptions;
use recordlock::criteria::{Criteria, CriteriaLimits, Ingestor, JsonPath, Row, Schema, reference, typecheck};
use recordlock_tests::criteria_data::data_dir;
use serde_json::{Value as Json, json};

/// A custom module with a field of every type of SPEC.md §2 (and the picklist shapes Deals
/// lacks: multi-select with display values, options-less picklists).
fn custom_schema() -> Json {
    let typed = |name: &str, data_type: &str| json!({"api_name": name, "data_type": data_type});
    let mut fields = vec![
        json!({"api_name": "Tags", "data_type": "multiselectpicklist", "pick_list_values": [
            {"actual_value": "Hot", "display_value": "Hot Lead"},
            {"actual_value": "Cold", "display_value": "Cold"},
            {"actual_value": "VIP", "display_value": "Very Important"},
            {"actual_value": "École", "display_value": "École"}]}),
        typed("Free_Tags", "multiselectpicklist"),
        typed("Region", "picklist"),
    ];
    for t in TEXT_TYPES.iter().chain(NUMBER_TYPES).chain(LOOKUP_TYPES) {
        fields.push(typed(&format!("F_{t}"), t));
    }
    fields.push(typed("F_date", "date"));
    fields.push(typed("F_datetime", "datetime"));
    fields.push(typed("F_boolean", "boolean"));
    json!({"fields": fields})
}

const TEXT_TYPES: &[&str] = &["text", "textarea", "email", "phone", "website", "autonumber"];
const NUMBER_TYPES: &[&str] = &["integer", "bigint", "double", "currency", "percent", "decimal"];
const LOOKUP_TYPES: &[&str] = &["lookup", "ownerlookup", "userlookup"];

/// A comparator, its negation (if it has one) and a constant (JSON text).
type Row3 = (&'static str, Option<&'static str>, &'static str);

const TEXT_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#""x""#),
    ("in", Some("not_in"), r#"["x", "box"]"#),
    ("in", Some("not_in"), "[]"),
    ("contains", Some("not_contains"), r#""x""#),
    ("starts_with", None, r#""x""#),
    ("ends_with", None, r#""x""#),
    ("like", Some("not_like"), r#""%""#),
    ("like", Some("not_like"), r#""_""#),
    ("like", Some("not_like"), r#""%o_""#),
];
const TEXT_SAMPLES: &[&str] = &[r#""x""#, r#""X-ray""#, r#""box""#, r#""other""#, "12", r#"" ""#, r#""boX""#];

const STAGE_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#""Closed Won""#),
    ("in", Some("not_in"), r#"["Closed Won", "Qualification"]"#),
    ("contains", Some("not_contains"), r#""o""#),
    ("starts_with", None, r#""c""#),
    ("ends_with", None, r#""n""#),
];
const STAGE_SAMPLES: &[&str] =
    &[r#""Closed Won""#, r#""closed-lost to competition""#, r#""Qualification""#, r#""Not an option""#];

const REGION_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#""x""#),
    ("in", Some("not_in"), r#"["x", "other"]"#),
    ("contains", Some("not_contains"), r#""x""#),
];

const TAGS_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#"["Hot"]"#),
    ("contains", Some("not_contains"), r#""o""#),
    ("starts_with", None, r#""h""#),
    ("ends_with", None, r#""d""#),
    ("include_all", Some("exclude_any"), r#"["Hot", "Cold"]"#),
    ("include_any", Some("exclude_all"), r#"["Hot", "Cold"]"#),
];
const TAGS_SAMPLES: &[&str] = &[r#"["Hot"]"#, r#"["cold", "VIP"]"#, r#"["Hot Lead", "Cold", "Hot"]"#, r#"["Warm"]"#];
const FREE_TAGS_ROWS: &[Row3] =
    &[("include_any", Some("exclude_all"), r#"["hot"]"#), ("equal", Some("not_equal"), r#"["hot"]"#)];

const NUMBER_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), "0"),
    ("equal", Some("not_equal"), r#""1000.100""#),
    ("in", Some("not_in"), "[0, 1000.1]"),
    ("less_than", None, "1000.1"),
    ("less_equal", None, "1000.10"),
    ("greater_than", None, "-1"),
    ("greater_equal", None, "0"),
    ("between", Some("not_between"), "[-1, 1000.1]"),
    ("between", Some("not_between"), "[-1e20, 1e20]"),
];
const NUMBER_SAMPLES: &[&str] = &["0", "-1", r#""1000.10""#, "1000.1", "99999999", "0.000000000001", r#""-0.00""#];
const INTEGER_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), "0"),
    ("equal", Some("not_equal"), r#""1000""#),
    ("in", Some("not_in"), "[0, 1e3]"),
    ("less_than", None, "1000"),
    ("less_equal", None, "1000"),
    ("greater_than", None, "-1"),
    ("greater_equal", None, "0"),
    ("between", Some("not_between"), "[-1, 1000]"),
    ("between", Some("not_between"), "[-9007199254740993, 9007199254740993]"),
];
/// Whole numbers, and one that is not (an integer field cannot hold it: unevaluable).
const INTEGER_SAMPLES: &[&str] = &["0", "-1", r#""1000""#, "1000.0", "9007199254740993", "1000.5"];

const DATE_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#""2024-01-01""#),
    ("in", Some("not_in"), r#"["2024-01-01", "2023-12-31"]"#),
    ("less_than", None, r#""2024-01-01""#),
    ("less_equal", None, r#""2024-01-01""#),
    ("greater_than", None, r#""2024-01-01""#),
    ("greater_equal", None, r#""2024-01-01""#),
    ("between", Some("not_between"), r#"["2023-12-31", "2024-01-01"]"#),
];
const DATE_SAMPLES: &[&str] = &[r#""2024-01-01""#, r#""2023-12-31""#, r#""2024-06-30""#];

const DATETIME_ROWS: &[Row3] = &[
    ("equal", Some("not_equal"), r#""2024-01-01T08:00:00Z""#),
    ("in", Some("not_in"), r#"["2024-01-01T08:00:00Z", "2024-01-01T10:00:00+05:30"]"#),
    ("less_than", None, r#""2024-01-01T08:00:00Z""#),
    ("less_equal", None, r#""2024-01-01T10:00:00+02:00""#),
    ("greater_than", None, r#""2024-01-01T08:00:00Z""#),
    ("greater_equal", None, r#""2024-01-01T08:00:00Z""#),
    ("between", Some("not_between"), r#"["2023-12-31T23:59:59-08:00", "2024-01-01T08:00:00Z"]"#),
    // Date constants against a datetime field: the instant's day in the time zone.
    ("equal", Some("not_equal"), r#""2024-01-01""#),
    ("in", Some("not_in"), r#"["2024-01-01"]"#),
    ("less_than", None, r#""2024-01-01""#),
    ("greater_equal", None, r#""2024-01-01""#),
    ("between", Some("not_between"), r#"["2023-12-31", "2024-01-01"]"#),
];
const DATETIME_SAMPLES: &[&str] = &[
    r#""2024-01-01T10:00:00+02:00""#,
    r#""2024-01-01T08:00:00Z""#,
    r#""2023-12-31T23:59:59-08:00""#,
    r#""2024-01-01T00:30:00+05:30""#,
];

const BOOL_ROWS: &[Row3] = &[("equal", Some("not_equal"), "true"), ("equal", Some("not_equal"), "false")];
const BOOL_SAMPLES: &[&str] = &["true", "false", r#""TRUE""#, r#""false""#];

const LOOKUP_ROWS: &[Row3] = &[("equal", Some("not_equal"), r#""77""#), ("in", Some("not_in"), r#"["77", "78"]"#)];
const LOOKUP_SAMPLES: &[&str] = &[r#"{"id": "77", "name": "x"}"#, r#""78""#, "77", r#"{"id": 79}"#];

/// One line of the matrix: module, field, rows, sample record values, time zones.
type Line = (&'static str, String, &'static [Row3], &'static [&'static str], &'static [&'static str]);

fn matrix() -> Vec<Line> {
    let utc: &'static [&'static str] = &["+00:00"];
    let mut m = vec![
        ("Deals", "Deal_Name".to_owned(), TEXT_ROWS, TEXT_SAMPLES, utc),
        ("Deals", "Stage".to_owned(), STAGE_ROWS, STAGE_SAMPLES, utc),
        ("Deals", "Amount".to_owned(), NUMBER_ROWS, NUMBER_SAMPLES, utc),
        ("Deals", "Closing_Date".to_owned(), DATE_ROWS, DATE_SAMPLES, utc),
        ("Deals", "Created_Time".to_owned(), DATETIME_ROWS, DATETIME_SAMPLES, &["+00:00", "+05:30", "-08:00"]),
        ("Deals", "Account_Name".to_owned(), LOOKUP_ROWS, LOOKUP_SAMPLES, utc),
        ("Deals", "Owner".to_owned(), LOOKUP_ROWS, LOOKUP_SAMPLES, utc),
        ("Custom", "Region".to_owned(), REGION_ROWS, TEXT_SAMPLES, utc),
        ("Custom", "Tags".to_owned(), TAGS_ROWS, TAGS_SAMPLES, utc),
        ("Custom", "Free_Tags".to_owned(), FREE_TAGS_ROWS, TAGS_SAMPLES, utc),
        ("Custom", "F_date".to_owned(), DATE_ROWS, DATE_SAMPLES, utc),
        ("Custom", "F_datetime".to_owned(), DATETIME_ROWS, DATETIME_SAMPLES, utc),
        ("Custom", "F_boolean".to_owned(), BOOL_ROWS, BOOL_SAMPLES, utc),
    ];
    for t in TEXT_TYPES {
        m.push(("Custom", format!("F_{t}"), TEXT_ROWS, TEXT_SAMPLES, utc));
    }
    for t in NUMBER_TYPES {
        let (rows, samples) = if matches!(*t, "integer" | "bigint") {
            (INTEGER_ROWS, INTEGER_SAMPLES)
        } else {
            (NUMBER_ROWS, NUMBER_SAMPLES)
        };
        m.push(("Custom", format!("F_{t}"), rows, samples, utc));
    }
    for t in LOOKUP_TYPES {
        m.push(("Custom", format!("F_{t}"), LOOKUP_ROWS, LOOKUP_SAMPLES, utc));
    }
    m
}

fn parse(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Whether `criteria` holds on `record` by the reference interpreter; `None` when the record
/// cannot be evaluated (a value of the wrong type for the field).
fn reference_holds(schema: &Schema, criteria: &Json, record: &Json, tz: &str) -> Option<bool> {
    let limits = CriteriaLimits::default();
    let parsed = Criteria::parse(criteria, &JsonPath::root(), &limits).unwrap();
    let expr = typecheck::check(&parsed, schema, &limits).unwrap_or_else(|e| panic!("{criteria}: {e}"));
    let tz = recordlock::criteria::parse_datetime(&format!("2000-01-01T00:00:00{tz}")).unwrap();
    let opts = EvalOptions { tz: *tz.offset() };
    let reads: Vec<_> = expr.preds().map(|p| p.slot()).collect();
    let mut row = Row::new(schema);
    Ingestor::for_fields(schema, reads).ingest_json(record, &mut row).ok()?;
    Some(reference::evaluate(&expr, &row, schema, &opts))
}

/// The expansion of the matrix for one module: the content of `matrix-deals.json` (the
/// built-in Deals schema) or `matrix-custom.json` (a field of every type).
fn expansion(which: &str) -> Json {
    let custom = custom_schema();
    let custom_schema = Schema::from_json(&custom).unwrap();
    let schema = if which == "Deals" { Schema::builtin("Deals").unwrap() } else { &custom_schema };
    let mut cases = Vec::new();
    for (module, field, rows, samples, zones) in matrix() {
        if module != which {
            continue;
        }
        for (positive, negative, value) in rows {
            for tz in zones {
                for comparator in std::iter::once(*positive).chain(*negative) {
                    let criteria =
                        json!({"field": {"api_name": field}, "comparator": comparator, "value": parse(value)});
                    let mut records: Vec<Json> =
                        vec![json!({}), json!({ &field: null }), json!({ &field: "" }), json!({ &field: [] })];
                    records.extend(samples.iter().map(|s| json!({ &field: parse(s) })));
                    let records: Vec<Json> = records
                        .into_iter()
                        .map(|r| match reference_holds(schema, &criteria, &r, tz) {
                            Some(holds) => json!({"record": r, "holds": holds}),
                            None => json!({"record": r, "unevaluable": true}),
                        })
                        .collect();
                    let mut case = json!({
                        "name": format!("{module}.{field} {comparator} {value} (tz {tz})"),
                        "criteria": criteria,
                        "records": records,
                    });
                    if *tz != "+00:00" {
                        case["tz"] = json!(tz);
                    }
                    cases.push(case);
                }
            }
        }
    }
    let mut file = json!({
        "about": "SPEC.md §2's comparator × field type matrix, expanded by tests/tests/criteria_matrix.rs (regenerate with RECORDLOCK_WRITE_MATRIX=1). Each case is one comparator (and, as the next case, its negation) with one constant on one field, against the four empty spellings (missing, null, \"\", []) and sample values; `holds` was computed by the reference interpreter, and that test checks the file against SPEC's negation laws.",
        "module": which,
        "cases": cases,
    });
    if which != "Deals" {
        file["schema"] = custom;
    }
    file
}

fn matrix_path(which: &str) -> std::path::PathBuf {
    data_dir().join(format!("matrix-{}.json", which.to_lowercase()))
}

#[test]
fn matrix_file_is_current() {
    for which in ["Deals", "Custom"] {
        let want = expansion(which);
        if std::env::var_os("RECORDLOCK_WRITE_MATRIX").is_some() {
            std::fs::write(matrix_path(which), serde_json::to_string_pretty(&want).unwrap() + "\n").unwrap();
        }
        let got: Json = parse(&std::fs::read_to_string(matrix_path(which)).unwrap());
        assert!(got == want, "{} is out of date: regenerate it (see this file's docs)", matrix_path(which).display());
    }
}

#[test]
fn matrix_obeys_the_negation_laws() {
    for which in ["Deals", "Custom"] {
        let file = parse(&std::fs::read_to_string(matrix_path(which)).unwrap());
        check_negation_laws(file["cases"].as_array().unwrap());
    }
}

fn check_negation_laws(cases: &[Json]) {
    let negation: BTreeMap<&str, &str> = [
        ("equal", "not_equal"),
        ("in", "not_in"),
        ("contains", "not_contains"),
        ("like", "not_like"),
        ("between", "not_between"),
        ("include_all", "exclude_any"),
        ("include_any", "exclude_all"),
    ]
    .into_iter()
    .collect();
    let mut checked = [0usize; 2];
    for (i, case) in cases.iter().enumerate() {
        let comparator = case["criteria"]["comparator"].as_str().unwrap();
        let records = case["records"].as_array().unwrap();
        let is_negative = negation.values().any(|n| *n == comparator);
        // The four empty spellings come first: a positive test is false on each.
        for r in &records[..4] {
            assert_eq!(r["holds"], json!(is_negative), "{}: {}", case["name"], r["record"]);
        }
        if let Some(neg) = negation.get(comparator) {
            let next = &cases[i + 1];
            assert_eq!(next["criteria"]["comparator"], json!(neg), "{} is followed by its negation", case["name"]);
            for (a, b) in records.iter().zip(next["records"].as_array().unwrap()) {
                assert_eq!(a["record"], b["record"]);
                if a.get("unevaluable").is_some() {
                    assert_eq!(b["unevaluable"], json!(true), "{}: {}", next["name"], b["record"]);
                    continue;
                }
                assert_ne!(a["holds"], b["holds"], "{} / {}: {}", case["name"], next["name"], a["record"]);
                checked[usize::from(a["holds"] == json!(true))] += 1;
            }
        }
    }
    assert!(checked[0] > 100 && checked[1] > 100, "both outcomes are common: {checked:?}");
}
