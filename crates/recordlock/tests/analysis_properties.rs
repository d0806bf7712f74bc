//! Issue 7: the static analysis never claims what is not so. Whatever it calls
//! unsatisfiable (a rule, group or condition that never holds), the reference interpreter
//! never satisfies on generated records; whatever it calls always true, the reference always
//! satisfies; whatever it calls redundant (covered by earlier rules) never holds on a record
//! that none of those earlier rules holds on; and `lint`'s findings agree.
//!
//! Rules are drawn over Deals (and a custom module with a multi-select field) from small
//! value pools with boundary values — numbers around 5 and 50, dates and instants around
//! midnight of 2022-01-01 in the time zone drawn, texts that share prefixes, unlisted
//! picklist values, every spelling of empty — so that contradictions, tautologies and
//! overlaps are common. Each case focuses its leaves on three fields for the same reason.
//! `analysis_claims_are_not_vacuous` checks that the analysis does claim things on these
//! inputs, so the properties are not passing for lack of claims.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "helpers of tests fail by panicking")]

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use recordlock::analysis::{self, FindingKind};
use recordlock::criteria::{EvalOptions, Expr, Ingestor, Row, Schema, reference};
use recordlock::{Limits, Module, Policy};
use serde_json::{Value as Json, json};

/// How a generated field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Integer,
    Date,
    DateTime,
    Picklist,
    ShortPicklist,
    Unlisted,
    Text,
    Lookup,
    Boolean,
    Multi,
}

struct Profile {
    module: &'static str,
    fields: &'static [(&'static str, Kind)],
}

const DEALS: Profile = Profile {
    module: "Deals",
    fields: &[
        ("Amount", Kind::Number),
        ("Probability", Kind::Number),
        ("Lead_Conversion_Time", Kind::Integer),
        ("Closing_Date", Kind::Date),
        ("Created_Time", Kind::DateTime),
        ("Stage", Kind::Picklist),
        ("Type", Kind::ShortPicklist),
        ("Deal_Name", Kind::Text),
        ("Description", Kind::Text),
        ("Account_Name", Kind::Lookup),
        ("Locked__s", Kind::Boolean),
    ],
};

const WIDGETS: Profile = Profile {
    module: "Widgets__c",
    fields: &[
        ("Tags", Kind::Multi),
        ("Kind__c", Kind::Unlisted),
        ("Flag", Kind::Boolean),
        ("Score", Kind::Integer),
        ("Notes", Kind::Text),
        ("Ref", Kind::Lookup),
    ],
};

fn widgets_schema() -> Schema {
    Schema::from_json(&json!({"fields": [
        {"api_name": "Tags", "data_type": "multiselectpicklist", "pick_list_values": [
            {"actual_value": "Red"}, {"actual_value": "Green"}, {"actual_value": "Blue", "display_value": "Azure"}]},
        {"api_name": "Kind__c", "data_type": "picklist"},
        {"api_name": "Flag", "data_type": "boolean"},
        {"api_name": "Score", "data_type": "integer"},
        {"api_name": "Notes", "data_type": "textarea"},
        {"api_name": "Ref", "data_type": "lookup"}]}))
    .unwrap()
}

fn module(p: &Profile) -> Module {
    if p.module == "Deals" {
        Module::resolve("Deals", None).unwrap()
    } else {
        Module::resolve(p.module, Some(widgets_schema())).unwrap()
    }
}

// Pools, ascending where order matters (for `between`).
const NUMBERS: &[&str] = &["-1", "0", "5", "5.5", "6", "10", "50", "100"];
const WHOLE_RECORDS: &[&str] = &["-1", "0", "4", "5", "6", "7", "10", "50", "51", "100", "101"];
const NUMBER_RECORDS: &[&str] = &["-1", "0", "4.99", "5", "5.5", "5.50", "6", "10", "49", "50", "50.01", "100", "101"];
const DATES: &[&str] = &["2021-12-31", "2022-01-01", "2022-01-02"];
const DATE_RECORDS: &[&str] = &["2021-06-01", "2021-12-31", "2022-01-01", "2022-01-02", "2023-01-01"];
const INSTANTS: &[&str] =
    &["2021-12-31T23:00:00Z", "2022-01-01T00:00:00Z", "2022-01-01T12:00:00+05:30", "2022-01-02T00:00:00Z"];
const INSTANT_RECORDS: &[&str] = &[
    "2021-12-31T12:00:00Z",
    "2021-12-31T18:30:00Z",
    "2021-12-31T23:00:00Z",
    "2021-12-31T23:59:59Z",
    "2022-01-01T00:00:00Z",
    "2022-01-01T06:30:00Z",
    "2022-01-01T08:00:00Z",
    "2022-01-01T20:00:00-05:00",
    "2022-01-02T00:00:00Z",
    "2022-01-02T07:59:59Z",
];
const STAGES: &[&str] = &["Closed Won", "Closed Lost", "Closed-Lost to Competition", "Qualification"];
const STAGE_RECORDS: &[&str] =
    &["Closed Won", "closed lost", "Closed Lost to Competition", "Qualification", "Other", "closed"];
const STAGE_NEEDLES: &[&str] = &["closed", "lost", "won", "-", "comp", "closed-"];
const TYPES: &[&str] = &["New Business", "Existing Business", "-None-"];
const TYPE_RECORDS: &[&str] = &["New Business", "existing business", "-None-", "Old Business"];
const TYPE_NEEDLES: &[&str] = &["business", "new", "-", "ing"];
const UNLISTED: &[&str] = &["alpha", "beta", "Alphabet"];
const UNLISTED_RECORDS: &[&str] = &["alpha", "ALPHA", "beta", "alphabet", "gamma"];
const UNLISTED_NEEDLES: &[&str] = &["al", "alpha", "bet", "a"];
const TEXTS: &[&str] = &["acme", "ACME renewal", "renewal", "a"];
const TEXT_RECORDS: &[&str] = &["acme", "ACME renewal", "Acme", "a", "renewal acme", "b", "ac", "acme_x"];
const NEEDLES: &[&str] = &["a", "ac", "acme", "renewal", "al", "e"];
const PATTERNS: &[&str] = &["a%", "%renewal", "%", "acme_%", "ac%e", "acme", "%cm%", "a_"];
const IDS: &[&str] = &["1", "2", "77"];
const TAGS: &[&str] = &["Red", "Green", "Blue", "Azure"];
const TAG_NEEDLES: &[&str] = &["r", "re", "zu", "blue", "e", "pink"];

fn comparators(kind: Kind) -> &'static [&'static str] {
    const ORDERED: &[&str] = &[
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
    match kind {
        Kind::Number | Kind::Integer | Kind::Date | Kind::DateTime => ORDERED,
        Kind::Picklist | Kind::ShortPicklist | Kind::Unlisted => {
            &["equal", "not_equal", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with"]
        }
        Kind::Text => &[
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
        ],
        Kind::Lookup => &["equal", "not_equal", "in", "not_in"],
        Kind::Boolean => &["equal", "not_equal"],
        Kind::Multi => &[
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
        ],
    }
}

fn pick<'a>(pool: &[&'a str], n: u32) -> &'a str {
    pool[n as usize % pool.len()]
}

/// The members of `pool` whose bits are set in `mask` (possibly none).
fn subset(pool: &[&str], mask: u32) -> Vec<Json> {
    pool.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| json!(v)).collect()
}

/// A number constant: a JSON number or a numeric string.
fn number(s: &str) -> Json {
    serde_json::from_str(s).unwrap()
}

/// A leaf on `field` of `kind`, its comparator and value chosen by `c`, `a`, `b`.
fn leaf(field: &str, kind: Kind, c: u32, a: u32, b: u32) -> Json {
    let comparator = pick(comparators(kind), c);
    let l = |v: Json| json!({"field": {"api_name": field}, "comparator": comparator, "value": v});
    if matches!(comparator, "equal" | "not_equal") && a % 6 < 2 {
        return l(json!(if a.is_multiple_of(6) { "${EMPTY}" } else { "${NOTEMPTY}" }));
    }
    let (values, needles): (&[&str], &[&str]) = match kind {
        Kind::Number | Kind::Integer => (NUMBERS, &[]),
        Kind::Date => (DATES, &[]),
        Kind::DateTime => (if a.is_multiple_of(2) { INSTANTS } else { DATES }, &[]),
        Kind::Picklist => (STAGES, STAGE_NEEDLES),
        Kind::ShortPicklist => (TYPES, TYPE_NEEDLES),
        Kind::Unlisted => (UNLISTED, UNLISTED_NEEDLES),
        Kind::Text => (TEXTS, NEEDLES),
        Kind::Lookup => (IDS, &[]),
        Kind::Boolean => (&["true", "false"], &[]),
        Kind::Multi => (&TAGS[..3], TAG_NEEDLES),
    };
    let scalar = |n: u32| match kind {
        Kind::Number | Kind::Integer => number(pick(values, n)),
        Kind::Boolean => json!(n.is_multiple_of(2)),
        _ => json!(pick(values, n)),
    };
    let array = |mask: u32| -> Vec<Json> {
        match kind {
            Kind::Number | Kind::Integer => {
                values.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, v)| number(v)).collect()
            }
            _ => subset(values, mask),
        }
    };
    match comparator {
        "between" | "not_between" => {
            let (x, y) = (b as usize % values.len(), (b / 7) as usize % values.len());
            let (lo, hi) = (x.min(y), x.max(y));
            l(json!([scalar(lo as u32), scalar(hi as u32)]))
        }
        "in" | "not_in" => l(json!(array(b % 16))),
        "include_all" | "include_any" | "exclude_all" | "exclude_any" => l(json!(array((b % 7) + 1))),
        "equal" | "not_equal" if kind == Kind::Multi && a.is_multiple_of(2) => l(json!(array((b % 7) + 1))),
        "contains" | "not_contains" | "starts_with" | "ends_with" => l(json!(pick(needles, b))),
        "like" | "not_like" => l(json!(pick(PATTERNS, b))),
        _ => l(scalar(b)),
    }
}

/// A field's value in a generated record (`None`: the key is absent).
fn record_value(kind: Kind, n: u32) -> Option<Json> {
    match n % 12 {
        0 => return None,
        1 => return Some(Json::Null),
        2 if kind != Kind::Boolean => return Some(json!("")),
        _ => {}
    }
    let n = n / 12;
    Some(match kind {
        Kind::Number => number(pick(NUMBER_RECORDS, n)),
        Kind::Integer => number(pick(WHOLE_RECORDS, n)),
        Kind::Date => json!(pick(DATE_RECORDS, n)),
        Kind::DateTime => json!(pick(INSTANT_RECORDS, n)),
        Kind::Picklist => json!(pick(STAGE_RECORDS, n)),
        Kind::ShortPicklist => json!(pick(TYPE_RECORDS, n)),
        Kind::Unlisted => json!(pick(UNLISTED_RECORDS, n)),
        Kind::Text => json!(pick(TEXT_RECORDS, n)),
        Kind::Lookup => match n % 4 {
            0 => json!({"id": pick(IDS, n / 4), "name": "x"}),
            1 => number(pick(IDS, n / 4)),
            2 => json!("3"),
            _ => json!(pick(IDS, n / 4)),
        },
        Kind::Boolean => json!(n.is_multiple_of(2)),
        Kind::Multi => {
            let mut tags = subset(TAGS, n % 16);
            if n.is_multiple_of(5) {
                tags.push(json!("Pink"));
            }
            json!(tags)
        }
    })
}

/// One generated case: a profile, a time zone, rules and records.
#[derive(Debug, Clone)]
struct Case {
    widgets: bool,
    tz: i32,
    rules: Vec<(Json, bool)>,
    records: Vec<Vec<u32>>,
}

impl Case {
    fn profile(&self) -> &'static Profile {
        if self.widgets { &WIDGETS } else { &DEALS }
    }

    fn opts(&self) -> EvalOptions {
        EvalOptions { tz: chrono::FixedOffset::east_opt(self.tz).unwrap() }
    }

    fn body(&self) -> Json {
        let rules: Vec<Json> = self
            .rules
            .iter()
            .enumerate()
            .map(
                |(i, (c, existing))| json!({"name": format!("r{i}"), "lock_existing_records": existing, "criteria": c}),
            )
            .collect();
        let excluded = if self.widgets { "Notes" } else { "Description" };
        json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": rules,
            "excluded_fields": [{"api_name": excluded}]}]})
    }

    /// The policy, or `None` when validation rejects the rules (two with equal criteria).
    fn policy(&self) -> Option<Policy> {
        Policy::new(&self.body(), module(self.profile()), Limits::default(), self.opts()).ok()
    }

    fn rows(&self, schema: &Schema) -> Vec<Row> {
        let ingest = Ingestor::new(schema);
        let fields = self.profile().fields;
        self.records
            .iter()
            .map(|picks| {
                let mut record = serde_json::Map::new();
                for ((name, kind), n) in fields.iter().zip(picks) {
                    if let Some(v) = record_value(*kind, *n) {
                        record.insert((*name).to_owned(), v);
                    }
                }
                let mut row = Row::new(schema);
                ingest.ingest_json(&Json::Object(record), &mut row).unwrap();
                row
            })
            .collect()
    }
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (any::<bool>(), prop::sample::select(vec![0, 19_800, -28_800]), prop::collection::vec(any::<usize>(), 3))
        .prop_flat_map(|(widgets, tz, focus)| {
            let profile = if widgets { &WIDGETS } else { &DEALS };
            let focus: Vec<(&'static str, Kind)> =
                focus.iter().map(|f| profile.fields[f % profile.fields.len()]).collect();
            let leaf = (0..3usize, any::<u32>(), any::<u32>(), any::<u32>()).prop_map(move |(f, c, a, b)| {
                let (name, kind) = focus[f];
                leaf(name, kind, c, a, b)
            });
            let criteria = leaf.prop_recursive(3, 12, 3, |inner| {
                (any::<bool>(), prop::collection::vec(inner, 2..=3))
                    .prop_map(|(and, items)| json!({"group_operator": if and { "AND" } else { "OR" }, "group": items}))
            });
            let rules = prop::collection::vec((criteria, any::<bool>()), 2..=4);
            let records = prop::collection::vec(prop::collection::vec(any::<u32>(), profile.fields.len()), 96);
            (rules, records).prop_map(move |(rules, records)| Case { widgets, tz, rules, records })
        })
}

/// Every node of a typed tree, root first.
fn nodes(e: &Expr) -> Vec<&Expr> {
    let mut out = vec![e];
    let mut i = 0;
    while let Some(n) = out.get(i).copied() {
        if let Expr::All(items) | Expr::Any(items) = n {
            out.extend(items.iter());
        }
        i += 1;
    }
    out
}

/// The rule index in a `...locking_rules[i]` path.
fn rule_index(path: &str) -> usize {
    let start = path.rfind('[').unwrap() + 1;
    path[start..path.len() - 1].parse().unwrap()
}

/// What the analysis claimed on one case, for the non-vacuity count.
#[derive(Debug, Default, Clone)]
struct Claims {
    never: usize,
    always: usize,
    covered: usize,
    findings: usize,
    by_kind: std::collections::BTreeMap<&'static str, usize>,
}

/// Checks every claim of the analysis on `case` against the reference interpreter.
fn check(case: &Case) -> Result<Claims, TestCaseError> {
    let mut claims = Claims::default();
    let Some(policy) = case.policy() else { return Ok(claims) };
    let schema = policy.schema();
    let opts = case.opts();
    let rows = case.rows(schema);
    let holds = |e: &Expr, row: &Row| reference::evaluate(e, row, schema, &opts);
    let rules = policy.rules();
    for rule in rules {
        for node in nodes(rule.expr()) {
            if analysis::never_holds(node, schema, &opts) {
                claims.never += 1;
                for row in &rows {
                    prop_assert!(!holds(node, row), "claimed never to hold: {node:?}\non {row:?}");
                }
            }
            if analysis::always_holds(node, schema, &opts) {
                claims.always += 1;
                for row in &rows {
                    prop_assert!(holds(node, row), "claimed always to hold: {node:?}\non {row:?}");
                }
            }
        }
    }
    for (j, later) in rules.iter().enumerate() {
        for earlier in &rules[..j] {
            if analysis::covered_by(later.expr(), &[earlier.expr()], schema, &opts) {
                claims.covered += 1;
                for row in &rows {
                    prop_assert!(
                        !holds(later.expr(), row) || holds(earlier.expr(), row),
                        "claimed covered: {:?}\nby {:?}\non {row:?}",
                        later.expr(),
                        earlier.expr()
                    );
                }
            }
        }
    }
    let findings = analysis::lint(&policy);
    claims.findings = findings.len();
    for f in &findings {
        *claims.by_kind.entry(f.kind.as_str()).or_default() += 1;
        match f.kind {
            FindingKind::RedundantRule | FindingKind::EquivalentRules => {
                let j = rule_index(&f.json_path);
                let by: Vec<usize> = f.related.iter().map(|p| rule_index(p)).collect();
                prop_assert!(by.iter().all(|i| *i < j), "{f}");
                for row in &rows {
                    let locks = |i: usize| holds(rules[i].expr(), row);
                    if locks(j) {
                        prop_assert!(by.iter().any(|i| locks(*i)), "{f}\non {row:?}");
                    }
                    if f.kind == FindingKind::EquivalentRules && locks(by[0]) {
                        prop_assert!(locks(j), "{f}\non {row:?}");
                    }
                    // The rule never shows as the locking rule.
                    let first = rules.iter().position(|r| holds(r.expr(), row));
                    prop_assert_ne!(first, Some(j), "{}", f);
                }
            }
            FindingKind::NeverHolds if f.json_path.ends_with(".criteria") => {
                let j = rule_index(f.json_path.trim_end_matches(".criteria"));
                for row in &rows {
                    prop_assert!(!holds(rules[j].expr(), row), "{f}\non {row:?}");
                }
            }
            FindingKind::AlwaysHolds if f.json_path.ends_with(".criteria") => {
                let j = rule_index(f.json_path.trim_end_matches(".criteria"));
                for row in &rows {
                    prop_assert!(holds(rules[j].expr(), row), "{f}\non {row:?}");
                }
            }
            _ => {}
        }
    }
    Ok(claims)
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// 160 cases (about a second in debug), or `PROPTEST_CASES` when set.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(160)
}

proptest! {
    #![proptest_config(config(cases()))]

    /// Issue 7: "unsatisfiable", "always", "covered" and `lint`'s redundancy findings are
    /// never contradicted by the reference interpreter.
    #[test]
    fn analysis_claims_hold_on_generated_records(case in case_strategy()) {
        check(&case)?;
    }
}

/// The properties above are not vacuous: on these inputs the analysis does claim each kind
/// of thing, often.
#[test]
fn analysis_claims_are_not_vacuous() {
    let mut runner = TestRunner::new_with_rng(
        config(1),
        proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let strategy = case_strategy();
    let mut total = Claims::default();
    let mut valid = 0;
    for _ in 0..120 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        if case.policy().is_some() {
            valid += 1;
        }
        let c = check(&case).unwrap();
        total.never += c.never;
        total.always += c.always;
        total.covered += c.covered;
        total.findings += c.findings;
        for (k, n) in c.by_kind {
            *total.by_kind.entry(k).or_default() += n;
        }
    }
    eprintln!("{valid} valid configurations of 120; claims: {total:?}");
    assert!(valid >= 100, "too many generated configurations were invalid: {valid} of 120 valid");
    assert!(total.never >= 20, "{total:?}");
    assert!(total.always >= 10, "{total:?}");
    assert!(total.covered >= 5, "{total:?}");
    assert!(total.findings >= 50, "{total:?}");
    for kind in [
        "never_holds",
        "always_holds",
        "redundant_rule",
        "equivalent_rules",
        "reads_excluded_field",
        "lock_existing_rarely_filled",
    ] {
        assert!(total.by_kind.get(kind).is_some_and(|n| *n > 0), "no {kind}: {total:?}");
    }
}
