//! SPEC.md §2 (criteria semantics), one test per rule.
//!
//! Every evaluation goes through both engines: the bytecode VM (`Program::matches`) and the
//! reference interpreter (`reference::evaluate`). [`holds`] asserts that they agree and returns
//! their common answer, so each assertion below checks the rule on both. Criteria and records
//! are written as JSON text, so numbers keep their exact text (`1000.10`, `9007199254740993`).

// clippy.toml allows these in `#[test]` functions only; the helpers and strategies of this
// test crate are test code too.
#![expect(clippy::expect_used, clippy::panic, reason = "helpers of tests fail by panicking")]

use std::sync::LazyLock;

use chrono::FixedOffset;
use recordlock_criteria::{
    Comparator, Criteria, CriteriaLimits, Error, ErrorCode, EvalOptions, Ingestor, JsonPath, Row, Schema, compile,
    reference, typecheck,
};
use serde_json::Value as Json;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn deals() -> &'static Schema {
    Schema::builtin("Deals").expect("the Deals schema is built in")
}

/// A custom module with what Deals lacks: multi-select picklists (with display values that
/// differ from actual values, and without options), a picklist without options, a bigint,
/// field ids, and a user lookup.
static CUSTOM: LazyLock<Schema> = LazyLock::new(|| {
    Schema::from_json_str(
        r#"{"fields": [
            {"api_name": "Tags", "id": "101", "data_type": "multiselectpicklist", "pick_list_values": [
                {"actual_value": "Hot", "display_value": "Hot Lead"},
                {"actual_value": "Cold", "display_value": "Cold"},
                {"actual_value": "VIP", "display_value": "Very Important"},
                {"actual_value": "École", "display_value": "École"}]},
            {"api_name": "Free_Tags", "id": "102", "data_type": "multiselectpicklist"},
            {"api_name": "Region", "id": "103", "data_type": "picklist"},
            {"api_name": "Region_Listed", "id": "104", "data_type": "picklist", "pick_list_values": []},
            {"api_name": "Big", "id": "105", "data_type": "bigint"},
            {"api_name": "Score", "id": "106", "data_type": "integer"},
            {"api_name": "Ratio", "id": "107", "data_type": "double"},
            {"api_name": "Email", "id": "108", "data_type": "email"},
            {"api_name": "Manager", "id": "109", "data_type": "userlookup"},
            {"api_name": "Visited", "id": "110", "data_type": "date"},
            {"api_name": "Seen", "id": "111", "data_type": "datetime"},
            {"api_name": "Active", "id": "112", "data_type": "boolean"}
        ]}"#,
    )
    .expect("the custom schema parses")
});

fn custom() -> &'static Schema {
    &CUSTOM
}

fn parse_criteria(criteria_json: &str) -> Result<Criteria, Error> {
    let json: Json = serde_json::from_str(criteria_json)
        .map_err(|e| recordlock_criteria::error_from_json(&e, criteria_json.as_bytes()))?;
    Criteria::parse(&json, &JsonPath::root(), &CriteriaLimits::default())
}

/// Whether `criteria_json` holds on `record_json`, in time zone `opts.tz`, by both engines
/// (asserting that they agree).
fn holds_with(schema: &Schema, criteria_json: &str, record_json: &str, opts: &EvalOptions) -> bool {
    let criteria = parse_criteria(criteria_json).unwrap_or_else(|e| panic!("criteria {criteria_json}: {e}"));
    let expr = typecheck::check(&criteria, schema, &CriteriaLimits::default())
        .unwrap_or_else(|e| panic!("criteria {criteria_json}: {e}"));
    let program = compile::compile(&expr, schema, opts).unwrap_or_else(|e| panic!("criteria {criteria_json}: {e}"));
    let ingest = Ingestor::for_fields(schema, program.reads());
    let mut row = Row::new(schema);
    ingest.ingest_str(record_json, &mut row).unwrap_or_else(|e| panic!("record {record_json}: {e}"));
    let vm = program.matches(&row);
    let reference = reference::evaluate(&expr, &row, schema, opts);
    assert_eq!(
        vm, reference,
        "the VM and the reference disagree\ncriteria: {criteria_json}\nrecord: {record_json}\ntz: {}\nprogram:\n{program}",
        opts.tz
    );
    vm
}

/// Whether `criteria_json` holds on `record_json` (time zone UTC), by both engines.
fn holds(schema: &Schema, criteria_json: &str, record_json: &str) -> bool {
    holds_with(schema, criteria_json, record_json, &EvalOptions::default())
}

/// The error the criteria are rejected with (by the parser or the type checker).
fn rejected(schema: &Schema, criteria_json: &str) -> Error {
    match parse_criteria(criteria_json).and_then(|c| typecheck::check(&c, schema, &CriteriaLimits::default())) {
        Ok(expr) => panic!("criteria {criteria_json} were accepted: {expr:?}"),
        Err(e) => e,
    }
}

/// A leaf on `field` by api_name; `value` is JSON text.
fn leaf(field: &str, comparator: &str, value: &str) -> String {
    format!(r#"{{"field": {{"api_name": "{field}"}}, "comparator": "{comparator}", "value": {value}}}"#)
}

/// A record holding `field: value`; `value` is JSON text.
fn rec(field: &str, value: &str) -> String {
    format!(r#"{{"id": "1", "{field}": {value}}}"#)
}

/// The four ways a record's field can be empty: missing key, null, "" and [].
fn empty_records(field: &str) -> [String; 4] {
    [r#"{"id": "1"}"#.to_owned(), rec(field, "null"), rec(field, r#""""#), rec(field, "[]")]
}

fn tz(seconds_east: i32) -> EvalOptions {
    EvalOptions { tz: FixedOffset::east_opt(seconds_east).expect("a valid offset") }
}

// ---------------------------------------------------------------------------------------------
// Criteria structure
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Criteria (leaf and group): `group_operator` is AND or OR in any case, groups
/// nest, and a leaf may carry `"type": "value"` (any other `type` is NOT_SUPPORTED).
#[test]
fn groups_combine_leaves_with_and_or_in_any_case() {
    let d = deals();
    let record = r#"{"Deal_Name": "Acme", "Amount": 500, "Stage": "Closed Won"}"#;
    let yes = leaf("Deal_Name", "equal", r#""acme""#);
    let no = leaf("Amount", "greater_than", "1000");
    let group = |op: &str, items: &[&str]| format!(r#"{{"group_operator": "{op}", "group": [{}]}}"#, items.join(", "));
    for and in ["AND", "and", "And"] {
        assert!(holds(d, &group(and, &[&yes, &yes]), record));
        assert!(!holds(d, &group(and, &[&yes, &no]), record));
        assert!(holds(d, &group(and, &[&yes]), record));
    }
    for or in ["OR", "or", "oR"] {
        assert!(holds(d, &group(or, &[&no, &yes]), record));
        assert!(!holds(d, &group(or, &[&no, &no]), record));
        assert!(!holds(d, &group(or, &[&no]), record));
    }
    // (no OR (yes AND yes)) AND NOT-nested-false
    let nested = group("AND", &[&group("or", &[&no, &group("and", &[&yes, &yes])]), &group("OR", &[&yes, &no])]);
    assert!(holds(d, &nested, record));
    let nested = group("OR", &[&group("and", &[&yes, &no]), &group("AND", &[&no, &group("or", &[&yes])])]);
    assert!(!holds(d, &nested, record));

    let typed = r#"{"type": "value", "field": {"api_name": "Deal_Name"}, "comparator": "equal", "value": "ACME"}"#;
    assert!(holds(d, typed, record));
    let other = r#"{"type": "field", "field": {"api_name": "Deal_Name"}, "comparator": "equal", "value": "ACME"}"#;
    let e = rejected(d, other);
    assert_eq!((e.code(), e.json_path()), (ErrorCode::NotSupported, "$.type"));
}

/// SPEC.md §2 Field references: a field is named by api_name, by id, or both; when only one
/// of the two names a field of the schema, that one is used.
#[test]
fn field_references_by_api_name_or_id() {
    let s = custom();
    let record = r#"{"Tags": ["Hot"], "Score": 7}"#;
    let by = |field: &str| format!(r#"{{"field": {field}, "comparator": "equal", "value": 7}}"#);
    assert!(holds(s, &by(r#"{"api_name": "Score"}"#), record));
    assert!(holds(s, &by(r#"{"id": "106"}"#), record));
    assert!(holds(s, &by(r#"{"id": 106}"#), record));
    assert!(holds(s, &by(r#"{"api_name": "Score", "id": "106"}"#), record));
    assert!(holds(s, &by(r#"{"api_name": "Score", "id": "999"}"#), record), "an unknown id beside a valid name");
    assert!(holds(s, &by(r#"{"api_name": "Nope", "id": "106"}"#), record), "an unknown name beside a valid id");
    // Built-in schemas carry no ids.
    assert!(holds(deals(), &by(r#"{"api_name": "Amount", "id": "5843104000000000001"}"#), r#"{"Amount": 7}"#));

    assert_eq!(rejected(s, &by("{}")).code(), ErrorCode::ExpectedFieldMissing);
    assert_eq!(rejected(s, &by(r#"{"api_name": "Score", "id": "101"}"#)).code(), ErrorCode::AmbiguityDuringProcessing);
    assert_eq!(rejected(s, &by(r#"{"api_name": "Nope", "id": "999"}"#)).code(), ErrorCode::InvalidData);
}

/// SPEC.md §2 Default limits: nesting ≤ 8 groups, ≤ 25 items per group, ≤ 100 leaves,
/// ≤ 100 values in `in`, text values ≤ 255 characters; over any is LIMIT_EXCEEDED.
#[test]
fn default_limits() {
    let d = deals();
    let record = r#"{"Deal_Name": "v99", "Amount": 1}"#;
    let yes = leaf("Amount", "equal", "1");

    let mut nested = yes.clone();
    for _ in 0..8 {
        nested = format!(r#"{{"group_operator": "AND", "group": [{nested}]}}"#);
    }
    assert!(holds(d, &nested, record), "8 nested groups pass");
    let nested = format!(r#"{{"group_operator": "AND", "group": [{nested}]}}"#);
    assert_eq!(rejected(d, &nested).code(), ErrorCode::LimitExceeded, "9 fail");

    let wide = |n: usize| format!(r#"{{"group_operator": "AND", "group": [{}]}}"#, vec![yes.as_str(); n].join(", "));
    assert!(holds(d, &wide(25), record));
    assert_eq!(rejected(d, &wide(26)).code(), ErrorCode::LimitExceeded);

    let many = |groups: usize| {
        let item = wide(25);
        format!(r#"{{"group_operator": "OR", "group": [{}]}}"#, vec![item.as_str(); groups].join(", "))
    };
    assert!(holds(d, &many(4), record), "100 leaves pass");
    let over = format!(r#"{{"group_operator": "OR", "group": [{}, {yes}]}}"#, many(4));
    assert_eq!(rejected(d, &over).code(), ErrorCode::LimitExceeded, "101 fail");

    let values = |n: usize| Json::Array((0..n).map(|i| Json::String(format!("v{i}"))).collect()).to_string();
    assert!(holds(d, &leaf("Deal_Name", "in", &values(100)), record));
    assert_eq!(rejected(d, &leaf("Deal_Name", "in", &values(101))).code(), ErrorCode::LimitExceeded);

    let long = "é".repeat(255);
    assert!(holds(d, &leaf("Deal_Name", "equal", &format!("\"{long}\"")), &rec("Deal_Name", &format!("\"{long}\""))));
    assert_eq!(rejected(d, &leaf("Deal_Name", "equal", &format!("\"{long}e\""))).code(), ErrorCode::LimitExceeded);
}

/// SPEC.md §2 comparators by field type: each type takes exactly its row of the table; any
/// other comparator is INVALID_DATA at `$.comparator` with `supported_values`.
#[test]
fn comparators_by_field_type() {
    const TEXT: &[&str] = &[
        "equal",
        "not_equal",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "like",
        "not_like",
    ];
    const PICKLIST: &[&str] =
        &["equal", "not_equal", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with"];
    const MULTI: &[&str] = &[
        "equal",
        "not_equal",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "include_all",
        "include_any",
        "exclude_all",
        "exclude_any",
    ];
    const NUMERIC: &[&str] = &[
        "equal",
        "not_equal",
        "in",
        "not_in",
        "less_than",
        "less_equal",
        "greater_than",
        "greater_equal",
        "between",
        "not_between",
    ];
    const BOOLEAN: &[&str] = &["equal", "not_equal"];
    const LOOKUP: &[&str] = &["equal", "not_equal", "in", "not_in"];

    /// A value the comparator accepts on the field's type.
    fn value_for(field: &str, comparator: &str) -> &'static str {
        match (field, comparator) {
            (_, "in" | "not_in") => match field {
                "Deal_Name" | "Description" => r#"["a"]"#,
                "Stage" => r#"["Closed Won"]"#,
                "Closing_Date" => r#"["2024-01-01"]"#,
                "Created_Time" => r#"["2024-01-01T00:00:00Z"]"#,
                "Account_Name" | "Owner" => r#"["77"]"#,
                _ => "[1]",
            },
            ("Closing_Date", "between" | "not_between") => r#"["2024-01-01", "2024-12-31"]"#,
            ("Created_Time", "between" | "not_between") => r#"["2024-01-01", "2024-12-31"]"#,
            (_, "between" | "not_between") => "[1, 2]",
            ("Closing_Date" | "Created_Time", _) => r#""2024-01-01""#,
            ("Tags", "equal" | "not_equal" | "include_all" | "include_any" | "exclude_all" | "exclude_any") => {
                r#"["Hot"]"#
            }
            ("Stage", "equal" | "not_equal") => r#""Closed Won""#,
            ("Locked__s", _) => "true",
            ("Account_Name" | "Owner", _) => r#""77""#,
            ("Amount" | "Probability" | "Lead_Conversion_Time" | "id" | "Big" | "Ratio", _) => "1",
            _ => r#""a""#,
        }
    }

    let rows: &[(&Schema, &[&str], &[&str])] = &[
        (deals(), &["Deal_Name", "Description", "Next_Step"], TEXT),
        (custom(), &["Email"], TEXT),
        (deals(), &["Stage"], PICKLIST),
        (custom(), &["Region"], PICKLIST),
        (custom(), &["Tags"], MULTI),
        (deals(), &["Amount", "Probability", "Lead_Conversion_Time", "id", "Closing_Date", "Created_Time"], NUMERIC),
        (custom(), &["Big", "Ratio"], NUMERIC),
        (deals(), &["Locked__s"], BOOLEAN),
        (deals(), &["Account_Name", "Owner"], LOOKUP),
    ];
    for (schema, fields, row) in rows {
        for field in *fields {
            for c in Comparator::ALL {
                let name = c.as_str();
                let criteria = leaf(field, name, value_for(field, name));
                if row.contains(&name) {
                    // Valid: both engines evaluate it (on an empty record, and agree).
                    holds(schema, &criteria, "{}");
                } else {
                    let e = rejected(schema, &criteria);
                    assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.comparator"), "{criteria}");
                    let mut supported = e.details().supported_values.clone().expect("supported_values");
                    supported.sort();
                    let mut expected: Vec<String> = row.iter().map(|s| (*s).to_owned()).collect();
                    expected.sort();
                    assert_eq!(supported, expected, "{criteria}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Negation and empty values
// ---------------------------------------------------------------------------------------------

// SPEC.md §2 Negation on every comparator × field type (empty values included) is checked on
// the engine-independent matrix: tests/criteria/matrix-*.json and tests/tests/criteria_matrix.rs.

/// SPEC.md §2 Negation: `exclude_all` = not `include_any`; `exclude_any` = not `include_all`.
#[test]
fn exclude_all_is_not_include_any_and_exclude_any_is_not_include_all() {
    let s = custom();
    let value = r#"["Hot", "Cold"]"#;
    let records = [
        r#"{"Tags": ["Hot"]}"#,
        r#"{"Tags": ["Cold", "Hot"]}"#,
        r#"{"Tags": ["VIP"]}"#,
        r#"{"Tags": ["VIP", "Hot", "Cold"]}"#,
        r#"{"Tags": []}"#,
        r#"{}"#,
    ];
    for r in records {
        assert_eq!(holds(s, &leaf("Tags", "exclude_all", value), r), !holds(s, &leaf("Tags", "include_any", value), r));
        assert_eq!(holds(s, &leaf("Tags", "exclude_any", value), r), !holds(s, &leaf("Tags", "include_all", value), r));
    }
    // Concretely: exclude_all holds when none is selected; exclude_any when some is missing.
    assert!(holds(s, &leaf("Tags", "exclude_all", value), records[2]));
    assert!(!holds(s, &leaf("Tags", "exclude_all", value), records[0]));
    assert!(holds(s, &leaf("Tags", "exclude_any", value), records[0]));
    assert!(!holds(s, &leaf("Tags", "exclude_any", value), records[1]));
}

/// SPEC.md §2 Empty: `equal ${EMPTY}` is true exactly on empty (missing key, null, "", []);
/// `equal ${NOTEMPTY}` exactly on non-empty; `not_equal` negates either.
#[test]
fn empty_and_notempty_macros() {
    let fields: &[(&Schema, &str, &[&str])] = &[
        (deals(), "Deal_Name", &[r#""x""#, r#"" ""#, "0"]),
        (deals(), "Stage", &[r#""Closed Won""#, r#""unlisted""#]),
        (custom(), "Region", &[r#""EMEA""#]),
        (custom(), "Tags", &[r#"["Hot"]"#, r#"["Warm", "Cold"]"#]),
        (deals(), "Amount", &["0", r#""0""#, "-1.5"]),
        (deals(), "Closing_Date", &[r#""2024-01-01""#]),
        (deals(), "Created_Time", &[r#""2024-01-01T00:00:00Z""#]),
        (deals(), "Locked__s", &["false", "true", r#""FALSE""#]),
        (deals(), "Account_Name", &[r#"{"id": "77", "name": "x"}"#, r#""77""#, "77"]),
        (custom(), "Big", &["9007199254740993"]),
    ];
    for (schema, field, non_empty) in fields {
        let is_empty = leaf(field, "equal", r#""${EMPTY}""#);
        let not_is_empty = leaf(field, "not_equal", r#""${EMPTY}""#);
        let is_not_empty = leaf(field, "equal", r#""${NOTEMPTY}""#);
        let not_is_not_empty = leaf(field, "not_equal", r#""${NOTEMPTY}""#);
        for record in empty_records(field) {
            assert!(holds(schema, &is_empty, &record), "{is_empty} on {record}");
            assert!(!holds(schema, &not_is_empty, &record), "{not_is_empty} on {record}");
            assert!(!holds(schema, &is_not_empty, &record), "{is_not_empty} on {record}");
            assert!(holds(schema, &not_is_not_empty, &record), "{not_is_not_empty} on {record}");
        }
        for value in *non_empty {
            let record = rec(field, value);
            assert!(!holds(schema, &is_empty, &record), "{is_empty} on {record}");
            assert!(holds(schema, &not_is_empty, &record), "{not_is_empty} on {record}");
            assert!(holds(schema, &is_not_empty, &record), "{is_not_empty} on {record}");
            assert!(!holds(schema, &not_is_not_empty, &record), "{not_is_not_empty} on {record}");
        }
    }
}

/// SPEC.md §2 Empty: the macros go with `equal`/`not_equal` only; a criteria value that is
/// null or "" (or a macro with another comparator) is INVALID_DATA.
#[test]
fn empty_values_in_criteria_are_written_as_macros() {
    let d = deals();
    assert!(holds(d, &leaf("Deal_Name", "equal", r#""${EMPTY}""#), r#"{"Deal_Name": ""}"#));
    for (field, comparator, value) in [
        ("Deal_Name", "equal", "null"),
        ("Deal_Name", "equal", r#""""#),
        ("Deal_Name", "not_equal", r#""""#),
        ("Amount", "equal", "null"),
        ("Deal_Name", "contains", r#""${EMPTY}""#),
        ("Deal_Name", "in", r#""${NOTEMPTY}""#),
        ("Amount", "greater_than", r#""${EMPTY}""#),
        ("Closing_Date", "between", r#""${EMPTY}""#),
    ] {
        let criteria = leaf(field, comparator, value);
        let e = rejected(d, &criteria);
        assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value"), "{criteria}");
    }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Text: comparisons ignore case, by the Unicode lowercase of both sides
/// (accented Latin, German, Greek, Cyrillic).
#[test]
fn text_ignores_case_by_unicode_lowercase() {
    let d = deals();
    let pairs = [
        ("ÉCOLE", "école"),
        ("École Normale", "ÉCOLE NORMALE"),
        ("ÄRGER ÜBER ÖL", "ärger über öl"),
        ("GROẞE", "große"),
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"),
        ("ΣΟΦΊΑ", "σοφία"),
        ("МОСКВА", "москва"),
    ];
    for (upper, lower) in pairs {
        for (record, constant) in [(upper, lower), (lower, upper)] {
            let r = rec("Deal_Name", &format!("\"{record}\""));
            let q = |s: &str| format!("\"{s}\"");
            assert!(holds(d, &leaf("Deal_Name", "equal", &q(constant)), &r), "{record} = {constant}");
            assert!(!holds(d, &leaf("Deal_Name", "not_equal", &q(constant)), &r), "{record} = {constant}");
            assert!(holds(d, &leaf("Deal_Name", "in", &format!(r#"["zzz", "{constant}"]"#)), &r));
            assert!(holds(d, &leaf("Deal_Name", "like", &q(constant)), &r));
            let chars: Vec<char> = constant.chars().collect();
            let head: String = chars[..2].iter().collect();
            let tail: String = chars[chars.len() - 2..].iter().collect();
            let middle: String = chars[1..chars.len() - 1].iter().collect();
            assert!(holds(d, &leaf("Deal_Name", "starts_with", &q(&head)), &r), "{record} starts with {head}");
            assert!(holds(d, &leaf("Deal_Name", "ends_with", &q(&tail)), &r), "{record} ends with {tail}");
            assert!(holds(d, &leaf("Deal_Name", "contains", &q(&middle)), &r), "{record} contains {middle}");
        }
    }
    // Lowercase, not full case folding: ß does not expand to ss.
    assert!(!holds(d, &leaf("Deal_Name", "equal", r#""STRASSE""#), &rec("Deal_Name", r#""straße""#)));
    assert!(holds(d, &leaf("Deal_Name", "equal", r#""STRAßE""#), &rec("Deal_Name", r#""straße""#)));
    // Other text types too.
    assert!(holds(custom(), &leaf("Email", "equal", r#""Ann@Example.COM""#), r#"{"Email": "ann@example.com"}"#));
    assert!(holds(d, &leaf("Description", "contains", r#""ÉCOLE""#), r#"{"Description": "une école"}"#));
    // Numbers in text fields compare as their text.
    assert!(holds(d, &leaf("Deal_Name", "equal", r#""1000.10""#), r#"{"Deal_Name": 1000.10}"#));
}

/// SPEC.md §2 Text: `like` uses `%` (any run, possibly empty) and `_` (exactly one character,
/// also a multi-byte one), ignoring case; there is no escape character.
#[test]
fn like_percent_and_underscore() {
    let d = deals();
    let like = |pattern: &str, text: &str| {
        let positive =
            holds(d, &leaf("Deal_Name", "like", &format!("\"{pattern}\"")), &rec("Deal_Name", &format!("\"{text}\"")));
        let negative = holds(
            d,
            &leaf("Deal_Name", "not_like", &format!("\"{pattern}\"")),
            &rec("Deal_Name", &format!("\"{text}\"")),
        );
        assert_ne!(positive, negative, "not_like {pattern} on {text}");
        positive
    };
    assert!(like("a_c", "abc"));
    assert!(like("a_c", "aéc"), "`_` is one character, not one byte");
    assert!(like("a_c", "a😀c"), "a four-byte character");
    assert!(like("a_c", "A_C"));
    assert!(!like("a_c", "ac"));
    assert!(!like("a_c", "abbc"));
    assert!(like("日_語", "日本語"));
    assert!(like("___", "日本語"));
    assert!(!like("__", "日本語"));
    assert!(!like("____", "日本語"));
    assert!(like("%語", "日本語"));
    assert!(like("_", "é"));
    assert!(like("%", "x"));
    assert!(like("%%", "x"));
    assert!(like("%won", "Closed WON"));
    assert!(like("%WON", "won"), "`%` matches the empty run");
    assert!(!like("%won", "won't"));
    assert!(like("ac%e%", "ACME renewal"));
    assert!(like("%ÉC_LE%", "une école ici"));
    assert!(like("a%b%c", "axxbyyc"));
    assert!(!like("a%b%c", "axxbyy"));
    assert!(like("%n_", "banana"));
    assert!(!like("%a_", "banana"));
    assert!(like("100%", "1000 units"), "no escape: `%` is always a wildcard");
    assert!(!like("abc", "abcd"), "without wildcards `like` is equality");
    assert!(like("abc", "ABC"));
    // `like "%"` is a positive comparator: false on an empty value.
    assert!(!holds(d, &leaf("Deal_Name", "like", r#""%""#), r#"{"Deal_Name": ""}"#));
    assert!(holds(d, &leaf("Deal_Name", "not_like", r#""%""#), r#"{"Deal_Name": null}"#));
}

// ---------------------------------------------------------------------------------------------
// Picklists
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Picklist: an `equal`/`not_equal`/`in`/`not_in` value names an option by its
/// actual or display value (ignoring case); one the schema does not list is INVALID_DATA.
#[test]
fn picklist_constants_name_options_by_actual_or_display_value() {
    let d = deals();
    let won = r#"{"Stage": "Closed Won"}"#;
    let lost = r#"{"Stage": "Closed Lost to Competition"}"#;
    let decision = r#"{"Stage": "Id. Decision Makers"}"#;
    assert!(holds(d, &leaf("Stage", "equal", r#""Closed Lost to Competition""#), lost));
    assert!(holds(d, &leaf("Stage", "equal", r#""Closed-Lost to Competition""#), lost), "by display value");
    assert!(holds(d, &leaf("Stage", "equal", r#""CLOSED-LOST TO COMPETITION""#), lost), "ignoring case");
    assert!(!holds(d, &leaf("Stage", "equal", r#""Closed-Lost to Competition""#), won));
    assert!(holds(d, &leaf("Stage", "equal", r#""Identify Decision Makers""#), decision));
    assert!(holds(d, &leaf("Stage", "in", r#"["closed won", "identify decision makers"]"#), decision));
    assert!(!holds(d, &leaf("Stage", "not_in", r#"["closed won", "identify decision makers"]"#), won));
    assert!(holds(d, &leaf("Stage", "not_equal", r#""Closed Won""#), lost));
    assert!(holds(d, &leaf("Stage", "equal", r#""Closed Won""#), won));
    // "Closed Lost" is its own option, not a prefix of "Closed Lost to Competition".
    assert!(!holds(d, &leaf("Stage", "equal", r#""Closed Lost""#), lost));

    let e = rejected(d, &leaf("Stage", "equal", r#""Closed Wonn""#));
    assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value"));
    assert!(e.details().supported_values.as_ref().is_some_and(|v| v.contains(&"Closed Won".to_owned())));
    let e = rejected(d, &leaf("Stage", "in", r#"["Closed Won", "Closed Wonn"]"#));
    assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value[1]"));
    let e = rejected(custom(), &leaf("Tags", "include_any", r#"["Hot", "Lukewarm"]"#));
    assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value[1]"));
}

/// SPEC.md §2 Picklist: a record value matches an option by its actual or display value,
/// ignoring case (Zoho's sample: `Closed-Lost to Competition`, the display value of
/// `Closed Lost to Competition`); an unlisted record value matches no option.
#[test]
fn picklist_record_values_match_by_actual_or_display_value() {
    let d = deals();
    let constant = leaf("Stage", "equal", r#""Closed Lost to Competition""#);
    for record in [
        r#"{"Stage": "Closed Lost to Competition"}"#,
        r#"{"Stage": "Closed-Lost to Competition"}"#,
        r#"{"Stage": "closed-lost TO competition"}"#,
        r#"{"Stage": "CLOSED LOST TO COMPETITION"}"#,
    ] {
        assert!(holds(d, &constant, record), "{record}");
        assert!(holds(d, &leaf("Stage", "in", r#"["Closed Won", "Closed Lost to Competition"]"#), record));
    }
    for record in [r#"{"Stage": "Closed Lost To Competitor"}"#, r#"{"Stage": "Closed Lost"}"#, r#"{"Stage": "Lost"}"#] {
        assert!(!holds(d, &constant, record), "{record}");
        assert!(holds(d, &leaf("Stage", "not_equal", r#""Closed Lost to Competition""#), record), "{record}");
    }
    assert!(holds(d, &leaf("Stage", "equal", r#""Id. Decision Makers""#), r#"{"Stage": "IDENTIFY decision makers"}"#));
}

/// SPEC.md §2 Picklist: `contains`/`starts_with`/`ends_with` values are substrings, not
/// options, and hold if the option's actual or display value passes.
#[test]
fn picklist_substrings_test_actual_or_display_value() {
    let d = deals();
    let lost = r#"{"Stage": "Closed Lost to Competition"}"#;
    let lost_by_display = r#"{"Stage": "Closed-Lost to Competition"}"#;
    let decision = r#"{"Stage": "Id. Decision Makers"}"#;
    for record in [lost, lost_by_display] {
        assert!(holds(d, &leaf("Stage", "contains", r#""-lost""#), record), "only the display value has it");
        assert!(holds(d, &leaf("Stage", "contains", r#""Closed Lost""#), record), "only the actual value has it");
        assert!(holds(d, &leaf("Stage", "starts_with", r#""closed-""#), record));
        assert!(holds(d, &leaf("Stage", "ends_with", r#""COMPETITION""#), record));
        assert!(!holds(d, &leaf("Stage", "not_contains", r#""-lost""#), record));
        assert!(!holds(d, &leaf("Stage", "contains", r#""Won""#), record));
    }
    assert!(holds(d, &leaf("Stage", "starts_with", r#""Id.""#), decision));
    assert!(holds(d, &leaf("Stage", "starts_with", r#""Identify""#), decision));
    assert!(holds(d, &leaf("Stage", "starts_with", r#""identify""#), r#"{"Stage": "Identify Decision Makers"}"#));
    assert!(holds(d, &leaf("Stage", "contains", r#""Wonn""#), r#"{"Stage": "Wonnderful"}"#), "unlisted: its text");
    assert!(!holds(d, &leaf("Stage", "contains", r#""Wonn""#), r#"{"Stage": "Closed Won"}"#));
    assert!(holds(d, &leaf("Stage", "ends_with", r#""ful""#), r#"{"Stage": "WONNDERFUL"}"#));
}

/// SPEC.md §2 Picklist: a field whose schema lists no options compares as text.
#[test]
fn picklist_without_options_compares_as_text() {
    let s = custom();
    for field in ["Region", "Region_Listed"] {
        let r = rec(field, r#""EMEA North""#);
        assert!(holds(s, &leaf(field, "equal", r#""emea north""#), &r), "any constant is accepted");
        assert!(!holds(s, &leaf(field, "equal", r#""emea""#), &r));
        assert!(holds(s, &leaf(field, "in", r#"["APAC", "Emea North"]"#), &r));
        assert!(holds(s, &leaf(field, "not_in", r#"["APAC"]"#), &r));
        assert!(holds(s, &leaf(field, "contains", r#""A NO""#), &r));
        assert!(holds(s, &leaf(field, "starts_with", r#""emea""#), &r));
        assert!(holds(s, &leaf(field, "ends_with", r#""NORTH""#), &r));
        assert!(!holds(s, &leaf(field, "ends_with", r#""south""#), &r));
    }
    // Multi-select without options: sets of folded text.
    assert!(holds(s, &leaf("Free_Tags", "equal", r#"["a", "B"]"#), r#"{"Free_Tags": ["b", "A", "a"]}"#));
    assert!(holds(s, &leaf("Free_Tags", "include_all", r#"["ÉCOLE"]"#), r#"{"Free_Tags": ["école", "x"]}"#));
}

// ---------------------------------------------------------------------------------------------
// Multi-select picklists
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Picklist: multi-select `equal` is set equality: order, duplicates, case and
/// actual-vs-display spelling are irrelevant.
#[test]
fn multiselect_equal_is_set_equality() {
    let s = custom();
    let hot_cold = leaf("Tags", "equal", r#"["Hot", "Cold"]"#);
    for record in [
        r#"{"Tags": ["Hot", "Cold"]}"#,
        r#"{"Tags": ["Cold", "Hot"]}"#,
        r#"{"Tags": ["Hot", "Cold", "Hot", "cold"]}"#,
        r#"{"Tags": ["hot lead", "COLD"]}"#,
    ] {
        assert!(holds(s, &hot_cold, record), "{record}");
        assert!(!holds(s, &leaf("Tags", "not_equal", r#"["Hot", "Cold"]"#), record), "{record}");
    }
    for record in [
        r#"{"Tags": ["Hot"]}"#,
        r#"{"Tags": ["Hot", "Cold", "VIP"]}"#,
        r#"{"Tags": ["Hot", "Cold", "Warm"]}"#,
        r#"{"Tags": ["Cold", "Warm"]}"#,
    ] {
        assert!(!holds(s, &hot_cold, record), "{record}");
    }
    // Duplicates and display values in the constant; a single value is a set of one.
    assert!(holds(s, &leaf("Tags", "equal", r#"["Hot", "HOT LEAD", "hot"]"#), r#"{"Tags": ["Hot"]}"#));
    assert!(holds(s, &leaf("Tags", "equal", r#""Very Important""#), r#"{"Tags": ["vip"]}"#));
    assert!(!holds(s, &leaf("Tags", "equal", r#""VIP""#), r#"{"Tags": ["vip", "Cold"]}"#));
}

/// SPEC.md §2 multi-select: `include_all` holds when every constant is selected,
/// `include_any` when some is; `exclude_all` when none is, `exclude_any` when some is not.
#[test]
fn multiselect_include_and_exclude() {
    let s = custom();
    let value = r#"["Hot", "Very Important"]"#;
    // (record, include_all, include_any, exclude_all, exclude_any)
    let table = [
        (r#"["Hot", "VIP"]"#, true, true, false, false),
        (r#"["VIP", "Cold", "hot lead"]"#, true, true, false, false),
        (r#"["Hot"]"#, false, true, false, true),
        (r#"["Cold", "VIP"]"#, false, true, false, true),
        (r#"["Cold"]"#, false, false, true, true),
        (r#"["Warm", "École"]"#, false, false, true, true),
        ("[]", false, false, true, true),
    ];
    for (tags, all, any, exclude_all, exclude_any) in table {
        let r = rec("Tags", tags);
        assert_eq!(holds(s, &leaf("Tags", "include_all", value), &r), all, "include_all on {r}");
        assert_eq!(holds(s, &leaf("Tags", "include_any", value), &r), any, "include_any on {r}");
        assert_eq!(holds(s, &leaf("Tags", "exclude_all", value), &r), exclude_all, "exclude_all on {r}");
        assert_eq!(holds(s, &leaf("Tags", "exclude_any", value), &r), exclude_any, "exclude_any on {r}");
    }
    assert!(holds(s, &leaf("Tags", "include_all", r#""cold""#), r#"{"Tags": ["Cold", "Hot"]}"#), "a single value");
}

/// SPEC.md §2 Picklist: multi-select `contains`/`starts_with`/`ends_with` hold if any selected
/// option does (by its actual or display value).
#[test]
fn multiselect_substrings_hold_if_any_selected_option_does() {
    let s = custom();
    let r = r#"{"Tags": ["Cold", "Hot"]}"#;
    assert!(holds(s, &leaf("Tags", "contains", r#""lead""#), r), "the display value of Hot");
    assert!(holds(s, &leaf("Tags", "starts_with", r#""co""#), r));
    assert!(holds(s, &leaf("Tags", "starts_with", r#""HOT L""#), r));
    assert!(holds(s, &leaf("Tags", "ends_with", r#""ot""#), r));
    assert!(!holds(s, &leaf("Tags", "contains", r#""vip""#), r));
    assert!(holds(s, &leaf("Tags", "not_contains", r#""important""#), r));
    assert!(holds(s, &leaf("Tags", "starts_with", r#""VERY""#), r#"{"Tags": ["Cold", "VIP"]}"#));
    assert!(holds(s, &leaf("Tags", "ends_with", r#""IP""#), r#"{"Tags": ["very important"]}"#));
    assert!(holds(s, &leaf("Tags", "contains", r#""ÉCO""#), r#"{"Tags": ["école"]}"#));
    assert!(holds(s, &leaf("Tags", "contains", r#""arm""#), r#"{"Tags": ["Cold", "Warm"]}"#), "unlisted: its text");
    assert!(!holds(s, &leaf("Tags", "starts_with", r#""old""#), r#"{"Tags": ["Cold", "Warm"]}"#));
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Numbers: exact decimal arithmetic, read from the JSON text, never through f64:
/// `1000.10` equals `1000.1`; `9007199254740993` is not `9007199254740992`.
#[test]
fn numbers_are_exact_decimals() {
    let d = deals();
    for record in
        [r#"{"Amount": 1000.10}"#, r#"{"Amount": 1000.1}"#, r#"{"Amount": 1000.100000}"#, r#"{"Amount": 1.0001e3}"#]
    {
        assert!(holds(d, &leaf("Amount", "equal", "1000.1"), record), "{record}");
        assert!(holds(d, &leaf("Amount", "equal", "1000.10"), record), "{record}");
        assert!(holds(d, &leaf("Amount", "in", "[5, 1000.1000]"), record), "{record}");
        assert!(!holds(d, &leaf("Amount", "greater_than", "1000.1"), record), "{record}");
        assert!(holds(d, &leaf("Amount", "less_than", "1000.1000000001"), record), "{record}");
    }
    // Beyond f64 precision.
    let s = custom();
    let a = r#"{"Big": 9007199254740993}"#;
    assert!(!holds(s, &leaf("Big", "equal", "9007199254740992"), a));
    assert!(holds(s, &leaf("Big", "not_equal", "9007199254740992"), a));
    assert!(holds(s, &leaf("Big", "equal", "9007199254740993"), a));
    assert!(holds(s, &leaf("Big", "greater_than", "9007199254740992"), a));
    assert!(!holds(s, &leaf("Big", "in", "[9007199254740992, 9007199254740994]"), a));
    assert!(holds(d, &leaf("id", "equal", "5843104000001068053"), r#"{"id": 5843104000001068053}"#));
    assert!(!holds(d, &leaf("id", "equal", "5843104000001068052"), r#"{"id": 5843104000001068053}"#));
    assert!(holds(d, &leaf("Amount", "less_than", "12345678901234567.89"), r#"{"Amount": 12345678901234567.88}"#));
    assert!(holds(s, &leaf("Ratio", "equal", "0.3"), r#"{"Ratio": 0.30}"#));
    assert!(!holds(s, &leaf("Ratio", "equal", "0.30000000000000004"), r#"{"Ratio": 0.3}"#));
    assert!(holds(s, &leaf("Score", "equal", "5"), r#"{"Score": 5.0}"#), "a whole number written with a fraction");
    assert!(holds(s, &leaf("Score", "less_than", "5.5"), r#"{"Score": 5}"#));
    assert!(holds(d, &leaf("Amount", "equal", "-0"), r#"{"Amount": 0}"#));
}

/// SPEC.md §2 Numbers: values may be JSON numbers or numeric strings, in records and in
/// criteria.
#[test]
fn numbers_may_be_numeric_strings() {
    let d = deals();
    let s = custom();
    assert!(holds(d, &leaf("Amount", "equal", r#""1000.10""#), r#"{"Amount": 1000.1}"#));
    assert!(holds(d, &leaf("Amount", "equal", "1000.1"), r#"{"Amount": "1000.10"}"#));
    assert!(holds(d, &leaf("Amount", "equal", r#""1000.1""#), r#"{"Amount": "1000.100"}"#));
    assert!(holds(d, &leaf("Amount", "greater_than", r#""999.99""#), r#"{"Amount": "1000"}"#));
    assert!(holds(d, &leaf("Amount", "in", r#"["1", 2, "1000.1"]"#), r#"{"Amount": "1000.10"}"#));
    assert!(holds(d, &leaf("Amount", "between", r#"["1000", 1000.1]"#), r#"{"Amount": "1000.1"}"#));
    assert!(holds(d, &leaf("Amount", "less_than", r#""-1""#), r#"{"Amount": "-1.5"}"#));
    assert!(holds(s, &leaf("Big", "equal", r#""9007199254740993""#), r#"{"Big": "9007199254740993"}"#));
    assert!(!holds(s, &leaf("Big", "equal", r#""9007199254740993""#), r#"{"Big": 9007199254740992}"#));
    assert!(holds(s, &leaf("Score", "equal", r#""1e3""#), r#"{"Score": "1000"}"#));
    assert!(holds(d, &leaf("Probability", "greater_equal", r#""50""#), r#"{"Probability": "50.0"}"#));
    assert_eq!(rejected(d, &leaf("Amount", "equal", r#""1,000""#)).code(), ErrorCode::InvalidData);
    assert_eq!(rejected(d, &leaf("Amount", "equal", r#""lots""#)).code(), ErrorCode::InvalidData);
}

/// SPEC.md §2 between: `[low, high]`, inclusive at both ends; `not_between` is its negation;
/// low > high is INVALID_DATA.
#[test]
fn between_is_inclusive_at_both_ends() {
    let d = deals();
    let between = leaf("Amount", "between", "[100, 200]");
    let not_between = leaf("Amount", "not_between", "[100, 200]");
    for (amount, inside) in [
        ("100", true),
        ("100.00", true),
        ("200", true),
        ("150.5", true),
        ("99.99", false),
        ("200.01", false),
        ("-150", false),
    ] {
        let r = rec("Amount", amount);
        assert_eq!(holds(d, &between, &r), inside, "{amount}");
        assert_eq!(holds(d, &not_between, &r), !inside, "{amount}");
    }
    assert!(holds(d, &leaf("Amount", "between", "[5, 5]"), r#"{"Amount": 5}"#), "low = high");

    let dates = leaf("Closing_Date", "between", r#"["2024-01-01", "2024-01-31"]"#);
    for (date, inside) in [("2024-01-01", true), ("2024-01-31", true), ("2023-12-31", false), ("2024-02-01", false)] {
        assert_eq!(holds(d, &dates, &rec("Closing_Date", &format!("\"{date}\""))), inside, "{date}");
    }
    let instants = leaf("Created_Time", "between", r#"["2024-01-01T00:00:00Z", "2024-01-01T12:00:00+02:00"]"#);
    for (t, inside) in [
        ("2024-01-01T00:00:00Z", true),
        ("2024-01-01T02:00:00+02:00", true),
        ("2024-01-01T10:00:00Z", true),
        ("2024-01-01T10:00:00.001Z", false),
        ("2023-12-31T23:59:59.999Z", false),
    ] {
        assert_eq!(holds(d, &instants, &rec("Created_Time", &format!("\"{t}\""))), inside, "{t}");
    }

    let e = rejected(d, &leaf("Amount", "between", "[200, 100]"));
    assert_eq!((e.code(), e.json_path()), (ErrorCode::InvalidData, "$.value"));
    assert_eq!(
        rejected(d, &leaf("Closing_Date", "not_between", r#"["2024-02-01", "2024-01-01"]"#)).code(),
        ErrorCode::InvalidData
    );
    assert_eq!(rejected(d, &leaf("Amount", "between", "[1, 2, 3]")).code(), ErrorCode::InvalidData);
    assert_eq!(rejected(d, &leaf("Amount", "between", "5")).code(), ErrorCode::InvalidData);
}

/// SPEC.md §2 Array values: `in`, `not_in`, `between`, `not_between` and multi-select sets are
/// JSON arrays; an object keyed exactly `"0"`…`"n-1"` (Zoho's Node.js SDK) is that array.
#[test]
fn array_values_may_be_objects_keyed_by_index() {
    let d = deals();
    let s = custom();
    assert!(holds(d, &leaf("Amount", "between", r#"{"0": 100, "1": 200}"#), r#"{"Amount": 200}"#));
    assert!(holds(d, &leaf("Amount", "not_between", r#"{"1": 200, "0": 100}"#), r#"{"Amount": 201}"#));
    assert!(holds(d, &leaf("Deal_Name", "in", r#"{"0": "a", "1": "B"}"#), r#"{"Deal_Name": "b"}"#));
    assert!(holds(d, &leaf("Stage", "not_in", r#"{"0": "Closed Won"}"#), r#"{"Stage": "Closed Lost"}"#));
    assert!(holds(s, &leaf("Tags", "include_all", r#"{"0": "Hot", "1": "Cold"}"#), r#"{"Tags": ["Cold", "Hot"]}"#));
    assert!(holds(s, &leaf("Tags", "equal", r#"{"0": "Hot", "1": "Cold"}"#), r#"{"Tags": ["Cold", "Hot"]}"#));
    assert!(holds(d, &leaf("Deal_Name", "in", "{}"), r#"{}"#) == holds(d, &leaf("Deal_Name", "in", "[]"), r#"{}"#));
    for bad in [r#"{"1": 100, "2": 200}"#, r#"{"0": 100, "2": 200}"#, r#"{"0": 100, "x": 200}"#] {
        assert_eq!(rejected(d, &leaf("Amount", "between", bad)).code(), ErrorCode::InvalidData, "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// Dates and datetimes
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Dates: `YYYY-MM-DD` dates compare as calendar dates.
#[test]
fn dates_compare_as_calendar_dates() {
    let d = deals();
    let r = r#"{"Closing_Date": "2024-02-29"}"#;
    assert!(holds(d, &leaf("Closing_Date", "equal", r#""2024-02-29""#), r));
    assert!(holds(d, &leaf("Closing_Date", "greater_than", r#""2024-02-28""#), r));
    assert!(holds(d, &leaf("Closing_Date", "less_than", r#""2024-03-01""#), r));
    assert!(holds(d, &leaf("Closing_Date", "less_equal", r#""2024-02-29""#), r));
    assert!(!holds(d, &leaf("Closing_Date", "greater_equal", r#""2025-01-01""#), r));
    assert!(holds(d, &leaf("Closing_Date", "in", r#"["2023-02-28", "2024-02-29"]"#), r));
    assert!(holds(d, &leaf("Closing_Date", "not_in", r#"["2023-02-28"]"#), r));
    assert_eq!(rejected(d, &leaf("Closing_Date", "equal", r#""2023-02-29""#)).code(), ErrorCode::InvalidData);
    assert_eq!(rejected(d, &leaf("Closing_Date", "equal", r#""2024-2-9""#)).code(), ErrorCode::InvalidData);
}

/// SPEC.md §2 Dates: datetimes are RFC 3339 with an offset and compare as instants
/// (`2024-01-01T10:00:00+02:00` equals `2024-01-01T08:00:00Z`).
#[test]
fn datetimes_compare_as_instants_across_offsets() {
    let d = deals();
    for record in [
        r#"{"Created_Time": "2024-01-01T10:00:00+02:00"}"#,
        r#"{"Created_Time": "2024-01-01T08:00:00Z"}"#,
        r#"{"Created_Time": "2024-01-01T13:30:00+05:30"}"#,
        r#"{"Created_Time": "2024-01-01T00:00:00-08:00"}"#,
        r#"{"Created_Time": "2024-01-01T08:00:00.000+00:00"}"#,
    ] {
        assert!(holds(d, &leaf("Created_Time", "equal", r#""2024-01-01T08:00:00Z""#), record), "{record}");
        assert!(holds(d, &leaf("Created_Time", "equal", r#""2024-01-01T10:00:00+02:00""#), record), "{record}");
        assert!(holds(
            d,
            &leaf("Created_Time", "in", r#"["2023-01-01T00:00:00Z", "2024-01-01T03:00:00-05:00"]"#),
            record
        ));
        assert!(holds(d, &leaf("Created_Time", "less_than", r#""2024-01-01T09:00:00.001+01:00""#), record));
        assert!(holds(d, &leaf("Created_Time", "greater_than", r#""2024-01-01T07:59:59.999Z""#), record));
        assert!(!holds(d, &leaf("Created_Time", "greater_than", r#""2024-01-01T03:00:00-05:00""#), record));
        assert!(!holds(d, &leaf("Created_Time", "not_equal", r#""2024-01-01T09:00:00+01:00""#), record));
    }
    // Later wall-clock time, earlier instant.
    assert!(holds(
        d,
        &leaf("Created_Time", "less_than", r#""2024-01-01T09:00:00Z""#),
        r#"{"Created_Time": "2024-01-01T14:00:00+09:00"}"#
    ));
    // A leap second is an instant between the second before it and the next day.
    let leap = r#"{"Created_Time": "2016-12-31T23:59:60Z"}"#;
    assert!(holds(d, &leaf("Created_Time", "less_than", r#""2017-01-01T00:00:00Z""#), leap));
    assert!(holds(d, &leaf("Created_Time", "greater_than", r#""2016-12-31T23:59:59.999Z""#), leap));
    assert!(!holds(d, &leaf("Created_Time", "in", r#"["2017-01-01T00:00:00Z", "2016-12-31T23:59:59Z"]"#), leap));
    assert_eq!(rejected(d, &leaf("Created_Time", "equal", r#""2024-01-01T08:00:00""#)).code(), ErrorCode::InvalidData);
}

/// SPEC.md §2 Dates: a date value against a datetime field compares the calendar date of the
/// instant in the engine's time zone (an evaluation option; default UTC).
#[test]
fn date_against_datetime_uses_the_time_zone() {
    let d = deals();
    let utc = EvalOptions::default();
    let india = tz(5 * 3600 + 1800); // +05:30
    let pacific = tz(-8 * 3600); // -08:00
    let on = |day: &str| leaf("Created_Time", "equal", &format!("\"{day}\""));

    // 2024-01-01T20:00:00Z is 2024-01-02 01:30 in +05:30 and 2024-01-01 12:00 in -08:00.
    for written in ["2024-01-01T20:00:00Z", "2024-01-02T01:30:00+05:30", "2024-01-01T12:00:00-08:00"] {
        let r = rec("Created_Time", &format!("\"{written}\""));
        assert!(holds_with(d, &on("2024-01-01"), &r, &utc), "{written} in UTC");
        assert!(!holds_with(d, &on("2024-01-02"), &r, &utc), "{written} in UTC");
        assert!(holds_with(d, &on("2024-01-02"), &r, &india), "{written} in +05:30");
        assert!(!holds_with(d, &on("2024-01-01"), &r, &india), "{written} in +05:30");
        assert!(holds_with(d, &on("2024-01-01"), &r, &pacific), "{written} in -08:00");
        assert!(holds(d, &on("2024-01-01"), &r), "the default is UTC");
        let before_2nd = leaf("Created_Time", "less_than", r#""2024-01-02""#);
        assert!(holds_with(d, &before_2nd, &r, &utc));
        assert!(!holds_with(d, &before_2nd, &r, &india));
        assert!(holds_with(d, &before_2nd, &r, &pacific));
    }
    // 03:00Z on the 2nd is still the 1st in -08:00.
    let r = rec("Created_Time", r#""2024-01-02T03:00:00Z""#);
    assert!(holds_with(d, &on("2024-01-01"), &r, &pacific));
    assert!(holds_with(d, &on("2024-01-02"), &r, &utc));
    assert!(holds_with(d, &on("2024-01-02"), &r, &india));
    // Midnight boundaries in +05:30: 18:30Z starts the next day there.
    let midnight = rec("Created_Time", r#""2024-01-01T18:30:00Z""#);
    let just_before = rec("Created_Time", r#""2024-01-01T18:29:59.999Z""#);
    assert!(holds_with(d, &on("2024-01-02"), &midnight, &india));
    assert!(holds_with(d, &on("2024-01-01"), &just_before, &india));
    // between and in with dates, inclusive by calendar day.
    let jan_2 = leaf("Created_Time", "between", r#"["2024-01-02", "2024-01-02"]"#);
    assert!(holds_with(d, &jan_2, &midnight, &india));
    assert!(!holds_with(d, &jan_2, &just_before, &india));
    assert!(!holds_with(d, &jan_2, &midnight, &utc));
    let days = leaf("Created_Time", "in", r#"["2023-12-31", "2024-01-02"]"#);
    assert!(holds_with(d, &days, &r, &india));
    assert!(!holds_with(d, &days, &r, &pacific));
    assert!(holds_with(d, &leaf("Created_Time", "not_in", r#"["2023-12-31", "2024-01-02"]"#), &r, &pacific));
    // Datetime constants are instants whatever the time zone.
    let instant = leaf("Created_Time", "equal", r#""2024-01-02T03:00:00Z""#);
    for opts in [utc, india, pacific] {
        assert!(holds_with(d, &instant, &r, &opts));
    }
    // Before 1970 (negative Unix timestamps): 23:00Z on 1969-12-31 is 1970-01-01 in +05:30.
    let r = rec("Created_Time", r#""1969-12-31T23:00:00Z""#);
    assert!(holds_with(d, &on("1969-12-31"), &r, &utc));
    assert!(holds_with(d, &on("1970-01-01"), &r, &india));
    assert!(holds_with(d, &on("1969-12-31"), &r, &pacific));
    let r = rec("Created_Time", r#""1969-12-31T20:00:00-08:00""#);
    assert!(holds_with(d, &on("1970-01-01"), &r, &utc));
    assert!(holds_with(d, &on("1969-12-31"), &r, &pacific));
    // A date field is a calendar date whatever the time zone.
    for opts in [utc, india, pacific] {
        assert!(holds_with(
            d,
            &leaf("Closing_Date", "equal", r#""2024-01-01""#),
            r#"{"Closing_Date": "2024-01-01"}"#,
            &opts
        ));
    }
    // Dates and datetimes do not mix in one value.
    let mixed = leaf("Created_Time", "between", r#"["2024-01-01", "2024-01-02T00:00:00Z"]"#);
    assert_eq!(rejected(d, &mixed).code(), ErrorCode::InvalidData);
}

// ---------------------------------------------------------------------------------------------
// Booleans and lookups
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 Booleans: JSON `true`/`false`, or the strings `"true"`/`"false"` (any case), in
/// criteria and in records.
#[test]
fn booleans_as_json_or_strings_in_any_case() {
    let d = deals();
    for (record, value) in [
        ("true", true),
        (r#""true""#, true),
        (r#""TRUE""#, true),
        (r#""True""#, true),
        ("false", false),
        (r#""false""#, false),
        (r#""FALSE""#, false),
        (r#""fAlSe""#, false),
    ] {
        let r = rec("Locked__s", record);
        for constant in ["true", r#""true""#, r#""TRUE""#] {
            assert_eq!(holds(d, &leaf("Locked__s", "equal", constant), &r), value, "{constant} on {r}");
            assert_eq!(holds(d, &leaf("Locked__s", "not_equal", constant), &r), !value, "{constant} on {r}");
        }
        for constant in ["false", r#""False""#] {
            assert_eq!(holds(d, &leaf("Locked__s", "equal", constant), &r), !value, "{constant} on {r}");
        }
    }
    for bad in [r#""yes""#, "1", "0", r#""T""#] {
        assert_eq!(rejected(d, &leaf("Locked__s", "equal", bad)).code(), ErrorCode::InvalidData, "{bad}");
    }
}

/// SPEC.md §2 Lookups: by id; the record value may be `{"id", "name"}` or a bare id, as a
/// string or a number; ids compare as decimal strings (`77` equals `"77"`).
#[test]
fn lookups_compare_by_id() {
    let d = deals();
    let spellings = [r#"{"id": "77", "name": "x"}"#, r#"{"id": 77}"#, r#""77""#, "77"];
    for field in ["Account_Name", "Owner", "Contact_Name"] {
        for value in spellings {
            let r = rec(field, value);
            assert!(holds(d, &leaf(field, "equal", r#""77""#), &r), "{r}");
            assert!(holds(d, &leaf(field, "equal", "77"), &r), "{r}");
            assert!(!holds(d, &leaf(field, "not_equal", r#""77""#), &r), "{r}");
            assert!(!holds(d, &leaf(field, "equal", r#""78""#), &r), "{r}");
            assert!(holds(d, &leaf(field, "in", r#"["1", "77", "5843104000001068052"]"#), &r), "{r}");
            assert!(!holds(d, &leaf(field, "in", r#"["1", "78"]"#), &r), "{r}");
            assert!(holds(d, &leaf(field, "not_in", r#"["1", "78"]"#), &r), "{r}");
            assert!(!holds(d, &leaf(field, "not_in", r#"["77"]"#), &r), "{r}");
            assert!(!holds(d, &leaf(field, "in", "[]"), &r), "{r}");
        }
    }
    // Ids beyond 2^53, as numbers or strings.
    let big = r#"{"Account_Name": 5843104000001068053}"#;
    assert!(holds(d, &leaf("Account_Name", "equal", r#""5843104000001068053""#), big));
    assert!(!holds(d, &leaf("Account_Name", "equal", r#""5843104000001068052""#), big));
    assert!(holds(d, &leaf("Account_Name", "in", r#"["5843104000001068052", "5843104000001068053"]"#), big));
    assert!(holds(
        d,
        &leaf("Account_Name", "equal", r#""5843104000001068053""#),
        r#"{"Account_Name": {"id": "5843104000001068053", "name": "Acme"}}"#
    ));
    // The name plays no part.
    assert!(!holds(d, &leaf("Account_Name", "equal", r#""77""#), r#"{"Account_Name": {"id": "78", "name": "77"}}"#));
    assert!(holds(custom(), &leaf("Manager", "equal", r#""42""#), r#"{"Manager": {"id": "42", "name": "Ann"}}"#));
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/// SPEC.md §2 (records are read by field type): a record value of the wrong type for its
/// field is an ingest error (INVALID_DATA) naming the field, at `$.<api_name>`.
#[test]
fn wrong_type_record_value_is_an_ingest_error_naming_the_field() {
    let d = deals();
    let s = custom();
    // The same criteria evaluate on a well-typed record.
    assert!(holds(d, &leaf("Amount", "greater_than", "1"), r#"{"Amount": 2, "Deal_Name": "x"}"#));

    let cases: &[(&Schema, &str, &str)] = &[
        (d, "Amount", r#""lots""#),
        (d, "Amount", "true"),
        (d, "Amount", r#"{"value": 1}"#),
        (d, "Amount", "[1]"),
        (d, "Lead_Conversion_Time", "5.5"),
        (d, "Closing_Date", "20240101"),
        (d, "Closing_Date", r#""2024-13-01""#),
        (d, "Created_Time", r#""2024-01-01T10:00:00""#),
        (d, "Locked__s", r#""yes""#),
        (d, "Locked__s", "1"),
        (d, "Account_Name", "true"),
        (d, "Account_Name", r#"{"name": "Acme"}"#),
        (d, "Deal_Name", r#"{"x": 1}"#),
        (d, "Deal_Name", "true"),
        (d, "Stage", "[\"Closed Won\"]"),
        (s, "Tags", r#""Hot""#),
        (s, "Tags", r#"[["Hot"]]"#),
        (s, "Score", "5.5"),
        (s, "Big", r#""12abc""#),
    ];
    for (schema, field, value) in cases {
        let mut row = Row::new(schema);
        let record = format!(r#"{{"id": "1", "{field}": {value}}}"#);
        let err = Ingestor::new(schema).ingest_str(&record, &mut row).expect_err(&record);
        assert_eq!(err.reader_code(), ErrorCode::InvalidData, "{record}");
        assert_eq!(err.api_name(), Some(*field), "{record}");
        assert_eq!(err.json_path(), format!("$.{field}"), "{record}");
        assert!(err.message().contains(field), "{record}: {}", err.message());
    }
}
