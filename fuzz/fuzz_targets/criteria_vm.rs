//! Compile arbitrary criteria over the Deals schema and run the VM and the reference
//! interpreter on arbitrary records: they must agree (and the trace's result with both).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use recordlock::criteria::{
    Criteria, CriteriaLimits, EvalOptions, Ingestor, JsonPath, Row, Schema, compile, reference, typecheck,
};
use serde_json::{Value as Json, json};

const FIELDS: &[&str] = &[
    "Deal_Name", "Amount", "Stage", "Closing_Date", "Created_Time", "Probability", "Type", "Account_Name", "Locked__s",
    "Description", "Lead_Conversion_Time",
];
const COMPARATORS: &[&str] = &[
    "equal", "not_equal", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with", "like", "not_like",
    "less_than", "less_equal", "greater_than", "greater_equal", "between", "not_between", "include_all", "include_any",
    "exclude_all", "exclude_any",
];
const TEXTS: &[&str] = &[
    "Closed Won", "closed-lost to competition", "Qualification", "ACME", "acme renewal", "%a_", "É", "${EMPTY}",
    "${NOTEMPTY}", "2024-01-01", "2024-01-01T10:00:00+05:30", "2023-12-31T23:59:60Z", "77", "true", "", "-None-",
];

#[derive(Debug, Arbitrary)]
enum V {
    Text(u8),
    Int(i32),
    Dec(i64, u8),
    Bool(bool),
    Null,
    List(Vec<V>),
}

impl V {
    fn json(&self, depth: usize) -> Json {
        match self {
            V::Text(i) => json!(TEXTS[*i as usize % TEXTS.len()]),
            V::Int(i) => json!(i),
            V::Dec(m, s) => {
                let scale = u32::from(*s % 6);
                let text = format!("{}", *m as i128);
                let (neg, digits) = text.strip_prefix('-').map_or((false, text.as_str()), |d| (true, d));
                let padded = format!("{:0>width$}", digits, width = scale as usize + 1);
                let (int, frac) = padded.split_at(padded.len() - scale as usize);
                let n = if scale == 0 { int.to_owned() } else { format!("{int}.{frac}") };
                serde_json::from_str(&format!("{}{n}", if neg { "-" } else { "" })).unwrap_or(Json::Null)
            }
            V::Bool(b) => json!(b),
            V::Null => Json::Null,
            V::List(items) if depth < 2 => Json::Array(items.iter().take(6).map(|v| v.json(depth + 1)).collect()),
            V::List(_) => json!([]),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum C {
    Leaf(u8, u8, V),
    Group(bool, Vec<C>),
}

impl C {
    fn json(&self, depth: usize) -> Json {
        match self {
            C::Leaf(f, c, v) => json!({"field": {"api_name": FIELDS[*f as usize % FIELDS.len()]},
                "comparator": COMPARATORS[*c as usize % COMPARATORS.len()], "value": v.json(0)}),
            C::Group(and, items) if depth < 4 && !items.is_empty() => json!({
                "group_operator": if *and { "AND" } else { "or" },
                "group": items.iter().take(8).map(|c| c.json(depth + 1)).collect::<Vec<_>>()}),
            C::Group(..) => json!({"field": {"api_name": "Amount"}, "comparator": "equal", "value": "${EMPTY}"}),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Input {
    criteria: C,
    records: Vec<Vec<(u8, V)>>,
    tz_minutes: i16,
}

fuzz_target!(|input: Input| {
    let schema = Schema::builtin("Deals").expect("Deals");
    let limits = CriteriaLimits::default();
    let Ok(criteria) = Criteria::parse(&input.criteria.json(0), &JsonPath::root(), &limits) else { return };
    let Ok(expr) = typecheck::check(&criteria, schema, &limits) else { return };
    let tz = chrono_offset(input.tz_minutes);
    let opts = EvalOptions { tz };
    let program = compile::compile(&expr, schema, &opts).expect("typed criteria compile");
    let ingest = Ingestor::new(schema);
    for fields in input.records.iter().take(8) {
        let record: serde_json::Map<String, Json> =
            fields.iter().map(|(f, v)| (FIELDS[*f as usize % FIELDS.len()].to_owned(), v.json(0))).collect();
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
