//! Ingest an arbitrary record, for an ingestor of every field and for one of a few fields
//! (whose other values the fast path skips unbuilt):
//! - on bytes that are not UTF-8 (std's verdict), the fast path (`ingest_bytes`) refuses
//!   them, naming std's first bad byte: its own UTF-8 check, made in the quote pass, agrees
//!   with std's (the scanner's `str` is taken unchecked after it);
//! - on UTF-8, the fast path gives exactly the verdict, error and row of serde_json reading
//!   the whole record (`ingest_bytes_with_serde`): its acceptance is serde_json's;
//! - on UTF-8 text, text and value ingestion agree, and text that is not JSON is never
//!   accepted (but for `\\u` escapes in skipped values).
#![no_main]

use libfuzzer_sys::fuzz_target;
use recordlock::criteria::{Ingestor, RecordError, Row, Schema};

fuzz_target!(|data: &[u8]| {
    let text = std::str::from_utf8(data).ok();
    let parsed = text.map(serde_json::from_str::<serde_json::Value>);
    for module in ["Deals", "Products"] {
        let Some(schema) = Schema::builtin(module) else { continue };
        let few = ["Stage", "Amount", "Account_Name", "Product_Name", "Unit_Price"]
            .into_iter()
            .filter_map(|n| schema.slot(n));
        for ingest in [Ingestor::new(schema), Ingestor::for_fields(schema, few)] {
            let (mut fast, mut serde) = (Row::new(schema), Row::new(schema));
            let a = ingest.ingest_bytes(data, &mut fast);
            if text.is_none() {
                assert_eq!(a, Err(RecordError::not_utf8_in(data)), "bytes std refuses as UTF-8");
                continue;
            }
            let b = ingest.ingest_bytes_with_serde(data, &mut serde);
            assert_eq!(a, b, "the fast path's verdict differs from serde_json's");
            if a.is_ok() {
                assert_eq!(fast, serde, "the fast path read another row than serde_json");
            }
            let (Some(text), Some(parsed)) = (text, &parsed) else { continue };
            let mut from_text = Row::new(schema);
            let a = ingest.ingest_str(text, &mut from_text);
            match parsed {
                Ok(value) => {
                    let mut from_value = Row::new(schema);
                    let b = ingest.ingest_json(value, &mut from_value);
                    // serde_json's Value keeps the last of duplicate keys; the text path
                    // rejects them, so compare only when the text path succeeded.
                    if a.is_ok() {
                        assert!(b.is_ok(), "text ingests but value does not: {b:?}");
                        assert_eq!(from_text, from_value);
                    }
                }
                // A `\u` escape of a lone surrogate in a value nobody reads is skipped (by
                // serde_json's own skipping too), though `Value` refuses it.
                Err(_) if !text.contains("\\u") => assert!(a.is_err(), "text that is not JSON was ingested"),
                Err(_) => {}
            }
        }
    }
});
