//! Ingest an arbitrary record; text and value ingestion must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use recordlock::criteria::{Ingestor, Row, Schema};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for module in ["Deals", "Products"] {
        let Some(schema) = Schema::builtin(module) else { continue };
        let ingest = Ingestor::new(schema);
        let mut from_text = Row::new(schema);
        let a = ingest.ingest_str(text, &mut from_text);
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            let mut from_value = Row::new(schema);
            let b = ingest.ingest_json(&value, &mut from_value);
            // serde_json's Value keeps the last of duplicate keys; the text path rejects them,
            // so compare only when the text path succeeded.
            if a.is_ok() {
                assert!(b.is_ok(), "text ingests but value does not: {b:?}");
                assert_eq!(from_text, from_value);
            }
        }
    }
});
