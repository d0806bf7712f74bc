//! The bytecode VM through the back-end harness: every data file under `tests/criteria/` and
//! 10,000 generated rule sets (or `PROPTEST_CASES`) against the reference interpreter.

use recordlock_tests::backend::{VmBackend, differential};

#[test]
fn vm_gives_the_reference_answers() {
    let report = differential(&mut VmBackend, 10_000);
    assert!(report.skipped.is_empty(), "the VM expresses every rule: {:?}", report.skipped);
    assert!(report.data_cases >= 350, "the data files ran: {}", report.data_cases);
    assert!(report.locked * 10 > report.records, "matches are common: {report:?}");
    assert!((report.records - report.locked) * 10 > report.records, "misses are common: {report:?}");
    assert!(report.unevaluable * 100 > report.records, "the fail-closed path is reached: {report:?}");
}
