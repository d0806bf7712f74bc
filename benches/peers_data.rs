//! The records and rule of the peers comparison (`benches/peers.rs`) and the columnar
//! group (`benches/columnar.rs`), shared so both time the same work.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "fixed bench data: a failure is a bug in this file"
)]

use serde_json::{Value as Json, json};

use crate::deals;

/// Records per batch.
pub const N: usize = 1024;

/// The rule, as Zoho criteria JSON.
pub fn criteria() -> Json {
    json!({"group_operator": "AND", "group": [
        {"field": {"api_name": "Stage"}, "comparator": "in", "value": ["Closed Won", "Closed Lost"]},
        {"field": {"api_name": "Amount"}, "comparator": "between", "value": [1000, 50000]},
        {"field": {"api_name": "Deal_Name"}, "comparator": "starts_with", "value": "ACME"}]})
}

/// One record, as the generator made it.
pub struct Record {
    pub id: String,
    pub stage: String,
    /// Amount in cents.
    pub cents: i64,
    pub deal_name: String,
}

impl Record {
    pub fn amount_text(&self) -> String {
        format!("{}.{:02}", self.cents / 100, self.cents % 100)
    }

    /// The Zoho record: one JSON line.
    pub fn zoho_json(&self) -> String {
        format!(
            r#"{{"id":"{}","Stage":{},"Amount":{},"Deal_Name":{}}}"#,
            self.id,
            Json::from(self.stage.as_str()),
            self.amount_text(),
            Json::from(self.deal_name.as_str())
        )
    }

    /// The record with its text lower-cased, for the general engines.
    pub fn folded_json(&self) -> String {
        format!(
            r#"{{"id":"{}","Stage":{},"Amount":{},"Deal_Name":{}}}"#,
            self.id,
            Json::from(self.stage.to_lowercase()),
            self.amount_text(),
            Json::from(self.deal_name.to_lowercase())
        )
    }
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

pub fn records() -> Vec<Record> {
    let stage_field = deals().field(deals().slot("Stage").unwrap());
    let options: Vec<&str> = stage_field.options().iter().map(|o| &*o.actual_value).collect();
    let (hits, others): (Vec<&str>, Vec<&str>) =
        options.iter().partition(|o| **o == "Closed Won" || **o == "Closed Lost");
    assert_eq!((hits.len(), others.len()), (2, 7));
    let acme = ["ACME", "Acme", "acme"];
    let companies =
        ["Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "ACM", "Wonka"];
    let words = ["renewal", "expansion", "pilot", "upgrade", "licence", "services", "support", "rollout"];
    let mut rng = Rng(0x5EED);
    (0..N)
        .map(|i| {
            let stage = if rng.below(2) == 0 { hits[rng.below(2) as usize] } else { others[rng.below(7) as usize] };
            let cents = match i % 64 {
                0 => 100_000,   // 1000.00: in
                1 => 5_000_000, // 50000.00: in
                2 => 5_000_001, // 50000.01: out
                3 => 99_999,    // 999.99: out
                _ if rng.below(2) == 0 => 100_000 + rng.below(4_900_001) as i64,
                _ if rng.below(2) == 0 => 10_000 + rng.below(90_000) as i64,
                _ => 5_000_001 + rng.below(95_000_000) as i64,
            };
            let company = if rng.below(100) < 32 {
                acme[rng.below(3) as usize]
            } else {
                companies[rng.below(companies.len() as u64) as usize]
            };
            let deal_name = format!("{company} {}", words[rng.below(words.len() as u64) as usize]);
            Record { id: format!("{}", 5_843_104_000_200_000_000u64 + i as u64), stage: stage.into(), cents, deal_name }
        })
        .collect()
}

/// A deal as a hand-written engine would keep it: Stage as its option's index, Amount in
/// cents, the name lower-cased once.
#[derive(Debug, Clone)]
pub struct TypedDeal {
    /// The Stage option's index in the Deals schema.
    pub stage: u8,
    /// Amount in cents.
    pub cents: i64,
    /// Deal_Name, lower-cased.
    pub name: String,
}

/// The records as [`TypedDeal`]s.
pub fn typed_deals(records: &[Record]) -> Vec<TypedDeal> {
    let stage = deals().field(deals().slot("Stage").unwrap_or_else(|| unreachable!()));
    records
        .iter()
        .map(|r| TypedDeal {
            stage: stage.option(&r.stage).map_or(u8::MAX, |c| c.index() as u8),
            cents: r.cents,
            name: r.deal_name.to_lowercase(),
        })
        .collect()
}

/// The records ingested once into rows of `program`'s layout (just the fields it reads), as
/// a policy's rows are.
pub fn ingested_rows(records: &[Record], program: &recordlock::criteria::Program) -> Vec<recordlock::criteria::Row> {
    let ingest = recordlock::criteria::Ingestor::with_layout(deals(), program.layout(), program.reads());
    records
        .iter()
        .map(|r| {
            let mut row = ingest.new_row();
            ingest.ingest_str(&r.zoho_json(), &mut row).unwrap();
            row
        })
        .collect()
}

/// The true row-at-a-time floor: the rule as a closure over [`TypedDeal`]s (Stage as a
/// one-byte option code, Amount as i64 cents, the name lower-cased when the structs are built).
pub fn typed_rule() -> impl Fn(&TypedDeal) -> bool {
    let stage = deals().field(deals().slot("Stage").unwrap());
    let code = |name: &str| stage.option(name).unwrap().index() as u8;
    let (won, lost) = (code("Closed Won"), code("Closed Lost"));
    move |d: &TypedDeal| {
        (d.stage == won || d.stage == lost) && 100_000 <= d.cents && d.cents <= 5_000_000 && d.name.starts_with("acme")
    }
}

/// The records as one Arrow batch, as a columnar engine reads them: Stage dictionary-encoded,
/// Amount Decimal128(20, 2), Deal_Name Utf8.
pub fn peers_batch(records: &[Record]) -> arrow_array::RecordBatch {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, Decimal128Array, DictionaryArray, RecordBatch, StringArray};

    let ids: ArrayRef = Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.id.as_str())));
    let stages: ArrayRef = Arc::new(records.iter().map(|r| r.stage.as_str()).collect::<DictionaryArray<Int32Type>>());
    let amounts: ArrayRef = Arc::new(
        Decimal128Array::from_iter_values(records.iter().map(|r| i128::from(r.cents)))
            .with_precision_and_scale(20, 2)
            .unwrap(),
    );
    let names: ArrayRef = Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.deal_name.as_str())));
    RecordBatch::try_from_iter([("id", ids), ("Stage", stages), ("Amount", amounts), ("Deal_Name", names)]).unwrap()
}

/// The peers rule as a rule set of one `lock_existing_records` rule.
pub fn peers_rule_set() -> recordlock::RuleSet {
    rule_set_of(criteria())
}

/// A Deals rule set of one `lock_existing_records` rule with `criteria`.
pub fn rule_set_of(criteria: Json) -> recordlock::RuleSet {
    let body = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "R", "lock_existing_records": true, "criteria": criteria}]}]});
    let deals = recordlock::Module::resolve("Deals", None).unwrap();
    recordlock::Policy::new(&body, deals, recordlock::Limits::default(), Default::default())
        .unwrap()
        .rule_set(recordlock::RuleScope::ExistingRecords)
}
