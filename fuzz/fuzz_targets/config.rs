//! Parse, validate and compile an arbitrary configuration body; a valid one must normalise
//! idempotently.
#![no_main]

use libfuzzer_sys::fuzz_target;
use recordlock::config::validate::validate;
use recordlock::criteria::{EvalOptions, parse_json_strict_bytes};
use recordlock::{Limits, Module, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = parse_json_strict_bytes(data) else { return };
    for module in ["Deals", "Tasks", "Products"] {
        let Ok(module) = Module::resolve(module, None) else { continue };
        if let Ok(valid) = validate(&body, &module, &Limits::default()) {
            let written = valid.config().to_body();
            let again = validate(&written, &module, &Limits::default()).expect("a normalised configuration validates");
            assert_eq!(again.config(), valid.config(), "normalisation is idempotent");
            Policy::from_valid(valid, module, Limits::default(), EvalOptions::default()).expect("a valid configuration compiles");
        }
    }
});
