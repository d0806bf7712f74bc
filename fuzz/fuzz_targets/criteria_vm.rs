//! Compile arbitrary criteria over the Deals schema and run the VM and the reference
//! interpreter on arbitrary records: they must agree (and the trace's result with both).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use recordlock::criteria::{
    Criteria, CriteriaLimits, EvalOptions, Ingestor, JsonPath, Row, Schema, compile, reference, typecheck,
};
use serde_json::Value as Json;

#[path = "shared/criteria.rs"]
mod criteria;
use criteria::{C, V, Vocabulary, pick};

const WORDS: Vocabulary = Vocabulary {
    fields: &[
        "Deal_Name", "Amount", "Stage", "Closing_Date", "Created_Time", "Probability", "Type", "Account_Name",
        "Locked__s", "Description", "Lead_Conversion_Time",
    ],
    texts: &[
        "Closed Won", "closed-lost to competition", "Qualification", "ACME", "acme renewal", "%a_", "É", "${EMPTY}",
        "${NOTEMPTY}", "2024-01-01", "2024-01-01T10:00:00+05:30", "2023-12-31T23:59:60Z", "77", "true", "", "-None-",
    ],
    scales: 6,
};

#[derive(Debug, Arbitrary)]
struct Input {
    criteria: C,
    records: Vec<Vec<(u8, V)>>,
    tz_minutes: i16,
}

fuzz_target!(|input: Input| {
    let schema = Schema::builtin("Deals").expect("Deals");
    let limits = CriteriaLimits::default();
    let Ok(criteria) = Criteria::parse(&input.criteria.json(0, &WORDS), &JsonPath::root(), &limits) else { return };
    let Ok(expr) = typecheck::check(&criteria, schema, &limits) else { return };
    let tz = chrono_offset(input.tz_minutes);
    let opts = EvalOptions { tz };
    let program = compile::compile(&expr, schema, &opts).expect("typed criteria compile");
    let ingest = Ingestor::new(schema);
    for fields in input.records.iter().take(8) {
        let record: serde_json::Map<String, Json> =
            fields.iter().map(|(f, v)| (pick(WORDS.fields, *f).to_owned(), v.json(0, &WORDS))).collect();
        let mut row = Row::new(schema);
        if ingest.ingest_json(&Json::Object(record), &mut row).is_err() {
            continue;
        }
        let vm = program.matches(&row);
        let reference = reference::evaluate(&expr, &row, schema, &opts);
        assert_eq!(vm, reference, "criteria {criteria:?}");
        assert_eq!(reference::trace(&expr, &row, schema, &opts).result(), reference);
    }
});

/// An offset within ±24 h, in minutes.
fn chrono_offset(minutes: i16) -> chrono::FixedOffset {
    let seconds = i32::from(minutes % 1440) * 60;
    chrono::FixedOffset::east_opt(seconds).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"))
}
