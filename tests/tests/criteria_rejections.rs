//! The rejection cases of `tests/criteria/*.json`: criteria the validator refuses, with
//! Zoho's code and the JSON path (relative to the criteria). Engines never see them; the
//! record cases run through every engine (`vm_backend.rs` and each back end's own test).

use recordlock::Limits;
use recordlock::criteria::{Criteria, JsonPath, typecheck};
use recordlock_tests::criteria_data::{Expect, load_all};

#[test]
fn rejected_criteria_give_the_code_and_path() {
    let limits = Limits::default().criteria;
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in load_all().unwrap_or_else(|e| panic!("{e}")) {
        let Expect::Rejected(want) = &case.expect else { continue };
        let module = case.module().unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let result = Criteria::parse(&case.criteria, &JsonPath::root(), &limits)
            .and_then(|c| typecheck::check(&c, module.schema(), &limits));
        match result {
            Ok(_) => failures.push(format!("{}: accepted; want {} at {}", case.name, want.code, want.json_path)),
            Err(e) if e.code().as_str() != want.code || e.json_path() != want.json_path => failures.push(format!(
                "{}: got {} at {}; want {} at {}",
                case.name,
                e.code(),
                e.json_path(),
                want.code,
                want.json_path
            )),
            Err(_) => checked += 1,
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 15, "the rejection cases ran: {checked}");
}
