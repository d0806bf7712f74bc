//! Answer an arbitrary decide request line under a fixed policy: never a panic, always one
//! JSON object, and never "allowed" for an update of a non-excluded field on a record the
//! host says is locked.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use recordlock::criteria::EvalOptions;
use recordlock::{Limits, Module, Policy};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let body = serde_json::from_str(include_str!("../../examples/deals.json")).expect("the example parses");
        Policy::new(&body, Module::resolve("Deals", None).expect("Deals"), Limits::default(), EvalOptions::default())
            .expect("the example is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let out = policy().answer_line(line);
    assert!(out.is_object());
    assert!(out.get("decision").is_some() != out.get("error").is_some());
    if let Ok(req) = serde_json::from_str::<serde_json::Value>(line) {
        let locked = req["lock"]["Lock_Source__s"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("manual"));
        let updates_amount = req["operation"]["action"] == "update"
            && req["operation"]["fields"].as_array().is_some_and(|f| f.iter().any(|x| x == "Amount"));
        let exempt = req["actor"]["profile"]["id"] == "5843104000000026011";
        if locked && updates_amount && !exempt && out.get("decision").is_some() {
            assert_eq!(out["decision"], "blocked", "{line} -> {out}");
        }
    }
});
