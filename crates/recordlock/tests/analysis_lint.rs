//! Issue 7: each finding kind of `recordlock::analysis::lint`, what it reports and where, and
//! the cases where it must stay silent.
#![expect(clippy::expect_used, reason = "helpers of tests fail by panicking")]

mod common;

use common::{at, deals_policy, leaf, policy_for, rule, stage_rule};
use recordlock::Policy;
use recordlock::analysis::{Finding, FindingKind, Severity, lint};
use serde_json::{Value as Json, json};

fn and(items: Vec<Json>) -> Json {
    json!({"group_operator": "AND", "group": items})
}

fn or(items: Vec<Json>) -> Json {
    json!({"group_operator": "OR", "group": items})
}

/// A policy of automatic rules named `r0`, `r1`, ... on `criteria`.
fn rules(criteria: Vec<Json>) -> Policy {
    let rules: Vec<Json> = criteria.into_iter().enumerate().map(|(i, c)| rule(&format!("r{i}"), c)).collect();
    deals_policy(json!({"lock_type": "automatic", "locking_rules": rules}))
}

fn kinds(findings: &[Finding]) -> Vec<(FindingKind, String)> {
    findings.iter().map(|f| (f.kind, f.json_path.clone())).collect()
}

fn rule_at(i: usize) -> String {
    at(&format!(".locking_rules[{i}]"))
}

fn criteria_at(i: usize) -> String {
    at(&format!(".locking_rules[{i}].criteria"))
}

/// The issue's four examples of rules that never hold, and their severity and message.
#[test]
fn never_holds_rules() {
    let examples = [
        and(vec![leaf("Amount", "greater_than", json!(100)), leaf("Amount", "less_than", json!(50))]),
        and(vec![leaf("Stage", "equal", json!("Closed Won")), leaf("Stage", "equal", json!("Closed Lost"))]),
        and(vec![leaf("Amount", "between", json!([5, 5])), leaf("Amount", "not_equal", json!(5))]),
        leaf("Stage", "in", json!([])),
    ];
    for criteria in examples {
        let findings = lint(&rules(vec![criteria.clone()]));
        assert_eq!(kinds(&findings), [(FindingKind::NeverHolds, criteria_at(0))], "{criteria}");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.starts_with("rule `r0` never holds"), "{}", findings[0].message);
        assert!(findings[0].related.is_empty());
    }
    let f = &lint(&rules(vec![and(vec![
        leaf("Amount", "greater_than", json!(100)),
        leaf("Amount", "less_than", json!(50)),
    ])]))[0];
    assert!(f.message.contains("`Amount`"), "{}", f.message);
}

/// SPEC.md §2 Empty and Negation: the analysis knows what a negation does on empty values.
#[test]
fn empty_values_are_not_forgotten() {
    // `not_equal 5 AND not_between [0, 10]` holds on an empty Amount: not a contradiction.
    let p =
        rules(vec![and(vec![leaf("Amount", "not_equal", json!(5)), leaf("Amount", "not_between", json!([0, 10]))])]);
    assert!(lint(&p).is_empty());
    // Requiring a value rules out empty, and then 5 is the only value left... and excluded.
    let p = rules(vec![and(vec![
        leaf("Amount", "equal", json!("${NOTEMPTY}")),
        leaf("Amount", "between", json!([5, 5])),
        leaf("Amount", "not_in", json!([5])),
    ])]);
    assert_eq!(kinds(&lint(&p)), [(FindingKind::NeverHolds, criteria_at(0))]);
    // Empty and greater than 3 cannot both hold.
    let p =
        rules(vec![and(vec![leaf("Amount", "equal", json!("${EMPTY}")), leaf("Amount", "greater_than", json!(3))])]);
    assert_eq!(kinds(&lint(&p)), [(FindingKind::NeverHolds, criteria_at(0))]);
}

/// Whole numbers and dates are discrete; instants compare across offsets.
#[test]
fn discrete_domains_and_instants() {
    let p = rules(vec![
        and(vec![
            leaf("Lead_Conversion_Time", "greater_than", json!(5)),
            leaf("Lead_Conversion_Time", "less_than", json!(6)),
        ]),
        and(vec![leaf("Amount", "greater_than", json!(5)), leaf("Amount", "less_than", json!(6))]),
        and(vec![
            leaf("Closing_Date", "greater_than", json!("2024-01-01")),
            leaf("Closing_Date", "less_than", json!("2024-01-02")),
        ]),
        and(vec![
            leaf("Created_Time", "greater_than", json!("2024-01-01T10:00:00+05:30")),
            leaf("Created_Time", "less_equal", json!("2024-01-01T04:30:00Z")),
        ]),
    ]);
    let found = kinds(&lint(&p));
    assert_eq!(
        found,
        [
            (FindingKind::NeverHolds, criteria_at(0)),
            (FindingKind::NeverHolds, criteria_at(2)),
            (FindingKind::NeverHolds, criteria_at(3))
        ],
        "a currency can lie between 5 and 6"
    );
}

#[test]
fn always_holds_rules_and_groups() {
    let p = rules(vec![
        or(vec![leaf("Amount", "equal", json!("${EMPTY}")), leaf("Amount", "not_equal", json!("${EMPTY}"))]),
        leaf("Stage", "not_in", json!([])),
    ]);
    let findings = lint(&p);
    assert_eq!(kinds(&findings)[0], (FindingKind::AlwaysHolds, criteria_at(0)));
    assert_eq!(findings[0].severity, Severity::Warning);
    assert!(findings[0].message.contains("locks every record"), "{}", findings[0].message);
    // Rule 1 always holds too, so it is equivalent to rule 0.
    assert_eq!(
        kinds(&findings)[1..],
        [(FindingKind::AlwaysHolds, criteria_at(1)), (FindingKind::EquivalentRules, rule_at(1))]
    );

    // A group inside a rule: the OR group at group[1] always holds, so it adds nothing.
    let p = rules(vec![and(vec![
        leaf("Stage", "equal", json!("Closed Won")),
        or(vec![
            leaf("Amount", "greater_than", json!(10)),
            leaf("Amount", "less_equal", json!(10)),
            leaf("Amount", "equal", json!("${EMPTY}")),
        ]),
    ])]);
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::AlwaysHolds, at(".locking_rules[0].criteria.group[1]"))]);
    assert!(findings[0].message.starts_with("the OR group in rule `r0` always holds"), "{}", findings[0].message);
}

/// A dead branch of an OR is reported at its own path; the rule still holds through the
/// other branch.
#[test]
fn never_holds_groups_and_leaves() {
    let p = rules(vec![or(vec![
        leaf("Stage", "equal", json!("Closed Won")),
        and(vec![leaf("Amount", "greater_than", json!(100)), leaf("Amount", "less_than", json!(50))]),
        leaf("Type", "in", json!([])),
    ])]);
    let findings = lint(&p);
    assert_eq!(
        kinds(&findings),
        [
            (FindingKind::NeverHolds, at(".locking_rules[0].criteria.group[1]")),
            (FindingKind::NeverHolds, at(".locking_rules[0].criteria.group[2]")),
        ]
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Warning));
    assert!(
        findings[1].message.starts_with("the condition `Type in []` in rule `r0` never holds"),
        "{}",
        findings[1].message
    );
}

#[test]
fn redundant_rules() {
    let p = rules(vec![
        leaf("Stage", "in", json!(["Closed Won", "Closed Lost"])),
        and(vec![leaf("Stage", "equal", json!("Closed Won")), leaf("Amount", "greater_than", json!(1000))]),
        leaf("Amount", "greater_than", json!(5000)),
    ]);
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::RedundantRule, rule_at(1))]);
    assert_eq!(findings[0].related, [rule_at(0)]);
    assert!(findings[0].message.contains("the earlier rule `r0` already locks"), "{}", findings[0].message);

    // Covered only by two earlier rules together: reported with both, and only those needed.
    let p = rules(vec![
        leaf("Amount", "greater_than", json!(100)),
        leaf("Deal_Name", "starts_with", json!("ACME")),
        leaf("Amount", "less_equal", json!(100)),
        leaf("Amount", "equal", json!("${NOTEMPTY}")),
    ]);
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::RedundantRule, rule_at(3))]);
    assert_eq!(findings[0].related, [rule_at(0), rule_at(2)]);
}

/// A rule covered by an earlier rule without `lock_existing_records` still shows in a
/// back-fill, and the message says so.
#[test]
fn redundancy_notes_back_fills() {
    let p = deals_policy(json!({"lock_type": "automatic", "locking_rules": [
        stage_rule("Won", "Closed Won"),
        {"name": "Won big", "lock_existing_records": true, "criteria": and(vec![
            leaf("Stage", "equal", json!("Closed Won")), leaf("Amount", "greater_than", json!(1000))])}]}));
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::RedundantRule, rule_at(1))]);
    assert!(findings[0].message.contains("except in a lock_existing_records back-fill"), "{}", findings[0].message);
}

#[test]
fn equivalent_rules() {
    let p = rules(vec![
        leaf("Stage", "in", json!(["Closed Won", "Closed Lost"])),
        or(vec![leaf("Stage", "equal", json!("closed lost")), leaf("Stage", "equal", json!("Closed Won"))]),
    ]);
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::EquivalentRules, rule_at(1))]);
    assert_eq!(findings[0].related, [rule_at(0)]);
    // `between` and a pair of comparisons; `not_in` and a NOT of `in` through De Morgan.
    let p = rules(vec![
        leaf("Amount", "between", json!([10, 20])),
        and(vec![leaf("Amount", "greater_equal", json!(10)), leaf("Amount", "less_equal", json!("20.00"))]),
    ]);
    assert_eq!(kinds(&lint(&p)), [(FindingKind::EquivalentRules, rule_at(1))]);
}

#[test]
fn reads_excluded_field() {
    let p = deals_policy(json!({"lock_type": "automatic",
        "excluded_fields": [{"api_name": "Description"}, {"api_name": "Next_Step"}],
        "locking_rules": [rule("Notes", and(vec![
            leaf("Stage", "equal", json!("Closed Won")),
            leaf("Next_Step", "contains", json!("legal")),
            leaf("Next_Step", "contains", json!("hold"))]))]}));
    let findings = lint(&p);
    assert_eq!(kinds(&findings), [(FindingKind::ReadsExcludedField, at(".locking_rules[0].criteria.group[1]"))]);
    assert_eq!(findings[0].related, [at(".excluded_fields")]);
    assert!(findings[0].message.contains("`Next_Step`"));
}

/// Warning level, and only when the rule cannot hold while the rarely filled fields are
/// all empty.
#[test]
fn lock_existing_rarely_filled() {
    let existing = |c: Json| json!({"name": "r", "lock_existing_records": true, "criteria": c});
    let p = deals_policy(json!({"lock_type": "automatic", "locking_rules": [
        existing(or(vec![leaf("Description", "contains", json!("legal")), leaf("Contact_Name", "equal", json!("77"))]))]}));
    let findings = lint(&p);
    assert_eq!(
        kinds(&findings),
        [(FindingKind::LockExistingRarelyFilled, at(".locking_rules[0].lock_existing_records"))]
    );
    assert_eq!(findings[0].severity, Severity::Warning);
    assert!(findings[0].message.contains("`Description` (textarea)"), "{}", findings[0].message);
    assert!(findings[0].message.contains("`Contact_Name` (lookup)"), "{}", findings[0].message);

    // Silent: without lock_existing_records; when the rule holds on empty values; when it
    // reads a commonly filled field.
    for (flag, c) in [
        (false, leaf("Description", "contains", json!("legal"))),
        (true, leaf("Description", "not_contains", json!("legal"))),
        (true, and(vec![leaf("Description", "contains", json!("legal")), leaf("Stage", "equal", json!("Closed Won"))])),
    ] {
        let p = deals_policy(json!({"lock_type": "automatic", "locking_rules": [
            {"name": "r", "lock_existing_records": flag, "criteria": c}]}));
        assert!(lint(&p).is_empty(), "{c}");
    }
}

/// What the analysis cannot decide, it does not report.
#[test]
fn silent_where_undecided() {
    let p = rules(vec![
        // `a_c` always starts with `a`, but the analysis does not read that pattern.
        and(vec![leaf("Deal_Name", "like", json!("a_c")), leaf("Deal_Name", "not_like", json!("a%"))]),
        or(vec![leaf("Amount", "greater_than", json!(100)), leaf("Amount", "less_than", json!(50))]),
        and(vec![leaf("Deal_Name", "contains", json!("acme")), leaf("Deal_Name", "not_contains", json!("renewal"))]),
    ]);
    assert!(lint(&p).is_empty(), "{:?}", lint(&p));
}

/// A multi-select field of a custom module.
#[test]
fn custom_modules_and_multi_select() {
    let schema = json!({"fields": [
        {"api_name": "Tags", "data_type": "multiselectpicklist", "pick_list_values": [
            {"actual_value": "Red"}, {"actual_value": "Green"}, {"actual_value": "Blue"}]}]});
    let module =
        recordlock::Module::resolve("Widgets__c", Some(recordlock::criteria::Schema::from_json(&schema).unwrap()))
            .unwrap();
    let p = policy_for(
        module,
        json!({"lock_type": "automatic", "locking_rules": [
        rule("a", and(vec![leaf("Tags", "include_all", json!(["Red", "Blue"])), leaf("Tags", "exclude_all", json!(["Blue"]))])),
        rule("b", leaf("Tags", "include_any", json!(["Green"])))]}),
    );
    assert_eq!(kinds(&lint(&p)), [(FindingKind::NeverHolds, criteria_at(0))]);
}

/// The example configuration is clean: no finding.
#[test]
fn example_configuration() {
    let body: Json = serde_json::from_str(include_str!("../../../examples/deals.json")).unwrap();
    let p = Policy::new(
        &body,
        common::deals(),
        recordlock::Limits::default(),
        recordlock::criteria::EvalOptions::default(),
    )
    .unwrap();
    assert!(lint(&p).is_empty(), "{:?}", lint(&p));
}

/// Rules at the limits (25 ORs of 4 conditions: 4^25 branches written out) are still
/// decided: the search splits the negated earlier rule first and prunes as it goes.
#[test]
fn large_rules_within_the_budget() {
    let fields = [("Amount", [0, 5, 10, 50]), ("Probability", [0, 10, 50, 90]), ("Lead_Conversion_Time", [1, 2, 3, 4])];
    let comparators = ["greater_than", "less_than", "equal", "not_equal"];
    let leaf_at = |i: usize| {
        let (field, values) = fields[i % 3];
        leaf(field, comparators[(i / 3) % 4], json!(values[(i / 7) % 4]))
    };
    let groups: Vec<Json> = (0..25).map(|g| or((0..4).map(|k| leaf_at(g * 4 + k)).collect())).collect();
    let mut narrower = groups[..24].to_vec();
    let last: Vec<Json> = (0..3).map(|k| leaf_at(96 + k)).collect();
    let mut wide = groups.clone();
    wide[24] = or(last.clone());
    narrower.push(and(vec![or(last), leaf("Stage", "equal", json!("Closed Won"))]));
    let p = rules(vec![and(wide), and(narrower)]);
    let found = kinds(&lint(&p));
    assert!(found.contains(&(FindingKind::RedundantRule, rule_at(1))), "{found:?}");
}
