//! What the CSV and Parquet targets share: a rule set reading fields of every kind the
//! readers convert, and a sweep whose every row must be accounted for.

use std::sync::OnceLock;

use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy, RuleScope, RuleSet};
use recordlock_arrow::read::Source;
use recordlock_arrow::sweep::{LineWriter, SweepError, SweepStats, sweep};

/// The columnar sample's two rules, and a third reading a datetime, a percent, an integer, a
/// boolean and a lookup (with `${EMPTY}` tests, which hold on missing values).
pub fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut body: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/columnar/config.json")).expect("the sample parses");
        let more = serde_json::json!({"name": "Every other type", "lock_existing_records": true, "criteria": {
            "group_operator": "or", "group": [
                {"field": {"api_name": "Created_Time"}, "comparator": "greater_than", "value": "2025-07-01T00:00:00+05:30"},
                {"field": {"api_name": "Probability"}, "comparator": "between", "value": ["10", "20"]},
                {"field": {"api_name": "Lead_Conversion_Time"}, "comparator": "equal", "value": "${EMPTY}"},
                {"field": {"api_name": "Locked__s"}, "comparator": "equal", "value": true},
                {"field": {"api_name": "Account_Name"}, "comparator": "equal", "value": {"id": "5843104000000000798"}}]}});
        body["record_locking_configurations"][0]["locking_rules"]
            .as_array_mut()
            .expect("rules are a list")
            .push(more);
        let deals = Module::resolve("Deals", None).expect("Deals");
        let policy = Policy::new(&body, deals, Limits::default(), EvalOptions::default()).expect("the rules are valid");
        policy.rule_set(RuleScope::ExistingRecords)
    })
}

/// Sweeps a source (made by `open`, twice) with windows of 1 and 3 parts: the two outputs
/// must be byte-identical, every line must be a JSON object, error lines' row numbers must
/// rise within the rows read, and locked + errors must be the lines written. Returns the
/// rows read and whether reading stopped part way.
pub fn sweep_checked(open: impl Fn() -> Option<Source>) -> Option<(u64, bool)> {
    let mut outputs = Vec::new();
    for window in [1, 3] {
        let source = open()?;
        let writer = LineWriter::new(&source.plan);
        let mut out = Vec::new();
        let (stats, result) = sweep(
            source,
            window,
            &writer,
            |bytes| {
                out.extend_from_slice(bytes);
                Ok(())
            },
            |_| {},
        );
        let SweepStats { records, locked, errors, .. } = stats;
        let stopped = match result {
            Ok(()) => false,
            Err(SweepError::Read { after_rows, .. }) => {
                assert_eq!(after_rows, records, "a read error names the rows swept before it");
                true
            }
            Err(e) => panic!("a sweep into memory failed: {e}"),
        };
        let mut lines = 0u64;
        let mut last_error_line = 0u64;
        for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            lines += 1;
            let v: serde_json::Value = serde_json::from_slice(line).expect("every line is JSON");
            assert!(v.is_object() && v.get("id").is_some(), "{v}");
            assert!(v.get("rule").is_some() != v.get("error").is_some(), "{v}");
            if let Some(n) = v.get("line").and_then(serde_json::Value::as_u64) {
                assert!(n > last_error_line, "error lines out of order: {n} after {last_error_line}");
                last_error_line = n;
            }
        }
        assert_eq!(locked + errors, lines, "every written line is counted once");
        assert!(lines <= records, "more lines ({lines}) than rows ({records})");
        assert!(last_error_line <= records, "an error line names row {last_error_line} of {records}");
        outputs.push((out, records, stopped));
    }
    let (first, second) = (&outputs[0], &outputs[1]);
    assert_eq!(first, second, "the window changed the output");
    Some((first.1, first.2))
}
