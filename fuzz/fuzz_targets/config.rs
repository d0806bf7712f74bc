//! Parse, validate and compile an arbitrary configuration body; a valid one must normalise
//! idempotently, and its compiled policy must find the same first matching rule on
//! generated records with its index of rules (`Policy::matching_rule`) as by trying every
//! rule in turn.
#![no_main]

use libfuzzer_sys::fuzz_target;
use recordlock::config::validate::validate;
use recordlock::criteria::{EvalOptions, parse_json_strict_bytes};
use recordlock::synth::RecordGenerator;
use recordlock::{Limits, Module, Policy, RuleScope};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = parse_json_strict_bytes(data) else { return };
    for module in ["Deals", "Tasks", "Products"] {
        let Ok(module) = Module::resolve(module, None) else { continue };
        if let Ok(valid) = validate(&body, &module, &Limits::default()) {
            let written = valid.config().to_body();
            let again = validate(&written, &module, &Limits::default()).expect("a normalised configuration validates");
            assert_eq!(again.config(), valid.config(), "normalisation is idempotent");
            let policy = Policy::from_valid(valid, module, Limits::default(), EvalOptions::default())
                .expect("a valid configuration compiles");
            let generator = RecordGenerator::new(policy.schema(), data.len() as u64);
            for i in 0..8 {
                let record = generator.record(i);
                for scope in [RuleScope::All, RuleScope::ExistingRecords] {
                    let mut row = policy.new_row();
                    if policy.ingest_bytes_for(scope, record.as_bytes(), &mut row).is_ok() {
                        let indexed = policy.matching_rule(&row, scope).map(|r| r.rule().position());
                        let in_turn = policy.matching_rule_in_turn(&row, scope).map(|r| r.rule().position());
                        assert_eq!(indexed, in_turn, "the index of rules finds another first match");
                    }
                }
            }
        }
    }
});
