//! The bytecode VM through the back-end harness: every data file under `tests/criteria/` and
//! 10,000 generated rule sets (or `PROPTEST_CASES`) against the reference interpreter, on
//! both of the VM's paths (rows of the policy's shared layout, read by cell; rows of the
//! schema, read by slot), with the reference's trace checked against its verdict.

#![expect(clippy::panic, reason = "test code")]

use recordlock::criteria::{Ingestor, Row, compile, reference};
use recordlock_tests::backend::{Answer, Backend, Input, Unsupported, VmBackend, differential};

#[test]
fn vm_gives_the_reference_answers() {
    let report = differential(&mut VmBackend, 10_000);
    assert!(report.skipped.is_empty(), "the VM expresses every rule: {:?}", report.skipped);
    assert!(report.data_cases >= 400, "the data files ran: {}", report.data_cases);
    assert!(report.locked * 10 > report.records, "matches are common: {report:?}");
    assert!((report.records - report.locked) * 10 > report.records, "misses are common: {report:?}");
    assert!(report.unevaluable * 100 > report.records, "the fail-closed path is reached: {report:?}");
}

/// Each rule compiled on its own (its own layout), rows read by slot: the VM's by-slot path.
/// Also checks that the reference's trace gives the reference's verdict.
struct VmBySlot;

impl Backend for VmBySlot {
    fn name(&self) -> &str {
        "vm-by-slot"
    }

    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported> {
        let rules = input.rules;
        let (schema, opts) = (rules.schema(), rules.eval_options());
        let programs = rules
            .rules()
            .iter()
            .map(|r| compile::compile(r.expr(), schema, opts))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Unsupported { reason: e.to_string() })?;
        let ingest = Ingestor::for_fields(schema, rules.reads());
        let mut row = Row::new(schema);
        Ok(input
            .records
            .iter()
            .map(|record| {
                if ingest.ingest_json(record, &mut row).is_err() {
                    return Answer::Unevaluable;
                }
                for rule in rules.rules() {
                    let verdict = reference::evaluate(rule.expr(), &row, schema, opts);
                    let traced = reference::trace(rule.expr(), &row, schema, opts).result();
                    if traced != verdict {
                        panic!("the trace of {} disagrees with the reference on {record}", rule.name());
                    }
                }
                Answer::Rule(programs.iter().position(|p| p.matches(&row)))
            })
            .collect())
    }
}

#[test]
fn vm_by_slot_gives_the_reference_answers() {
    let report = differential(&mut VmBySlot, 2_000);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
}
