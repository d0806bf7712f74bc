//! recordlock against other rule engines, on one rule and the same 1,024 Deals records
//! (group `peers_3clause`; build with `--features peers`, see the README's "Performance").
//!
//! The rule: `Stage in [Closed Won, Closed Lost] AND Amount between [1000, 50000] AND
//! Deal_Name starts_with "ACME"`. Every function evaluates it on all 1,024 records per
//! iteration and counts the matches (about 8% of the records), so the times are per batch of
//! 1,024 records; criterion's throughput line gives records per second.
//!
//! What is outside the timed loop, for every engine: parsing and compiling the rule, and
//! turning each record into the engine's input (a recordlock [`Row`], a datalogic
//! `ParsedData`, a `serde_json::Value`, a CEL `Context`, a Cedar `Request` and entity
//! store). Before timing, every engine's verdict is checked against recordlock's on every
//! record.
//!
//! How the rule is put to each engine:
//!
//! * `recordlock_vm` / `recordlock_reference`: the Zoho criteria JSON, compiled; rows
//!   ingested once, in the program's layout. `hand_written` is a plain closure over the same
//!   rows through the public `Row::get` (option codes, exact decimals, the folded name): the
//!   floor.
//! * The general engines (`datalogic`, `cel`, `jsonlogic`, `cedar`) have no Zoho semantics, so
//!   their inputs get what recordlock's ingest does for it: `Stage` and `Deal_Name` are
//!   lower-cased when the input is built (Zoho compares text ignoring case), and the rule's
//!   constants are written lower-case. Amount is a JSON number (a CEL double); Cedar's numbers
//!   are integers (fractions need its `decimal` extension), so there the amount is a `Long`
//!   of cents and the bounds are 100000 and 5000000.
//! * `serde_json_walk` is what one writes without recordlock: a small interpreter of the
//!   criteria JSON walked per record over `serde_json::Value` records (the original ones,
//!   not lower-cased), comparing text with `to_lowercase` and reading numbers with
//!   `as_f64`.
//!
//! serde_json's features in this build: recordlock enables `arbitrary_precision` and
//! cedar-policy-core enables `preserve_order`, and Cargo unifies features, so every
//! `serde_json::Number` here holds its text (`as_f64` parses it on each call) and every object
//! is a hashed `IndexMap` rather than a `BTreeMap`. Numbers still read correctly (the
//! agreement check covers the bounds, to the cent), but `jsonlogic` (jsonlogic-rs reads
//! numbers with `as_f64`) and `serde_json_walk` are slower here than with a plain serde_json;
//! the README gives the size of that. datalogic-rs is built without its `serde_json` feature
//! and parses records with its own parser, and CEL and Cedar get native values, so they are
//! not affected.
//!
//! A second group, `peers_from_json`, times what a real caller pays: every engine that reads
//! JSON starts from each record's JSON text and parses it inside the timed loop — recordlock
//! ingests it (reading only the rule's fields) and evaluates, datalogic-rs parses it into its
//! arena and evaluates, `serde_json_walk` parses a `serde_json::Value` and walks, jsonlogic-rs
//! parses a `Value` and applies. The general engines, which have no case folding, parse the
//! lower-cased text (the same bytes, case aside); recordlock and the walk parse the original.
//! `serde_json_ignored_any` only parses each line into `serde::de::IgnoredAny`: the floor of
//! any engine that must read the whole line. CEL and Cedar take native values, not JSON, so
//! they are not in this group.
//!
//! The records are made here rather than by `recordlock::synth::RecordGenerator`, whose rule
//! match rate for this rule is well under 1%: each has the three fields, always present, with
//! Stage in the rule's two options half the time (the other half spread over the other seven,
//! including "Closed Lost to Competition"), Amount in range half the time (with the exact
//! bounds and the cents just outside them among the values), and a name starting with
//! "ACME", "Acme" or "acme" about a third of the time.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use recordlock::criteria::{Choice, EvalOptions, Ingestor, Row, Value, parse_decimal, reference};
use recordlock_benches::peers_data::{N, Record, criteria, records, typed_deals};
use recordlock_benches::{compile_rule, deals};
use serde_json::{Value as Json, json};

/// The rule in JSONLogic, for datalogic-rs (which has `starts_with` with its `ext-string`
/// feature).
fn datalogic_rule() -> Json {
    json!({"and": [
        {"in": [{"var": "Stage"}, ["closed won", "closed lost"]]},
        {"<=": [1000, {"var": "Amount"}, 50000]},
        {"starts_with": [{"var": "Deal_Name"}, "acme"]}]})
}

/// The rule in JSONLogic, for jsonlogic-rs (no `starts_with`: a 4-character `substr`).
fn jsonlogic_rule() -> Json {
    json!({"and": [
        {"in": [{"var": "Stage"}, ["closed won", "closed lost"]]},
        {"<=": [1000, {"var": "Amount"}, 50000]},
        {"==": [{"substr": [{"var": "Deal_Name"}, 0, 4]}, "acme"]}]})
}

const CEL_RULE: &str = r#"stage in ["closed won", "closed lost"] && amount >= 1000.0 && amount <= 50000.0 && deal_name.startsWith("acme")"#;

/// A match is a `Deny`: the rule is the `forbid`, and everything else is permitted.
const CEDAR_POLICIES: &str = r#"
permit(principal, action, resource);
forbid(principal, action, resource) when {
    ["closed won", "closed lost"].contains(resource.stage) &&
    resource.amount >= 100000 && resource.amount <= 5000000 &&
    resource.deal_name like "acme*"
};
"#;

/// A straightforward interpreter of Zoho criteria JSON over a `serde_json::Value` record:
/// what one writes without recordlock.
fn walk(criteria: &Json, record: &Json) -> bool {
    if let Some(group) = criteria["group"].as_array() {
        let or = criteria["group_operator"].as_str().is_some_and(|op| op.eq_ignore_ascii_case("or"));
        return if or { group.iter().any(|c| walk(c, record)) } else { group.iter().all(|c| walk(c, record)) };
    }
    let field = criteria["field"]["api_name"].as_str().unwrap_or("");
    let value = &record[field];
    let constant = &criteria["value"];
    let between = |v: &Json| match (number(v), number(&constant[0]), number(&constant[1])) {
        (Some(x), Some(lo), Some(hi)) => lo <= x && x <= hi,
        _ => false,
    };
    let compare = |v: &Json, test: fn(f64, f64) -> bool| match (number(v), number(constant)) {
        (Some(x), Some(k)) => test(x, k),
        _ => false,
    };
    let text = |v: &Json, test: fn(&str, &str) -> bool| match (v.as_str(), constant.as_str()) {
        (Some(s), Some(k)) => test(&s.to_lowercase(), &k.to_lowercase()),
        _ => false,
    };
    match criteria["comparator"].as_str().unwrap_or("") {
        "equal" => text_equal(value, constant),
        "not_equal" => !text_equal(value, constant),
        "in" => constant.as_array().is_some_and(|ks| ks.iter().any(|k| text_equal(value, k))),
        "not_in" => !constant.as_array().is_some_and(|ks| ks.iter().any(|k| text_equal(value, k))),
        "between" => between(value),
        "not_between" => !between(value),
        "greater_than" => compare(value, |x, k| x > k),
        "greater_equal" => compare(value, |x, k| x >= k),
        "less_than" => compare(value, |x, k| x < k),
        "less_equal" => compare(value, |x, k| x <= k),
        "starts_with" => text(value, |s, k| s.starts_with(k)),
        "ends_with" => text(value, |s, k| s.ends_with(k)),
        "contains" => text(value, |s, k| s.contains(k)),
        "not_contains" => !text(value, |s, k| s.contains(k)),
        "is_empty" => value.is_null() || value.as_str() == Some(""),
        _ => false,
    }
}

fn text_equal(value: &Json, constant: &Json) -> bool {
    match (value.as_str(), constant.as_str()) {
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => number(value).is_some() && number(value) == number(constant),
    }
}

fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn peers(c: &mut Criterion) {
    let records = records();
    let schema = deals();

    // recordlock: compile once, ingest once.
    let (expr, program) = compile_rule(&criteria());
    let opts = EvalOptions::default();
    // Rows of the program's layout (just the fields it reads), as a policy's rows are.
    let ingest = Ingestor::with_layout(schema, program.layout(), program.reads());
    let rows: Vec<Row> = records
        .iter()
        .map(|r| {
            let mut row = ingest.new_row();
            ingest.ingest_str(&r.zoho_json(), &mut row).unwrap();
            row
        })
        .collect();
    let expected: Vec<bool> = rows.iter().map(|r| program.matches(r)).collect();
    let matched = expected.iter().filter(|m| **m).count();
    assert!((N * 6 / 100..=N * 10 / 100).contains(&matched), "{matched} of {N} match; expected about 8%");

    // The floor: a closure over the same rows.
    let (stage, amount, name) =
        (schema.slot("Stage").unwrap(), schema.slot("Amount").unwrap(), schema.slot("Deal_Name").unwrap());
    let stage_field = schema.field(stage);
    let (won, lost) = (stage_field.option("Closed Won").unwrap(), stage_field.option("Closed Lost").unwrap());
    let (lo, hi) = (parse_decimal("1000").unwrap(), parse_decimal("50000").unwrap());
    let hand_written = |row: &Row| {
        matches!(row.get(stage), Value::Choice(Choice::Option(c)) if *c == won || *c == lost)
            && matches!(row.get(amount), Value::Number(d) if lo <= *d && *d <= hi)
            && matches!(row.get(name), Value::Text(s) if s.starts_with("acme"))
    };

    // The true row-at-a-time floor: a closure over typed structs (Stage as a one-byte option
    // code, Amount as i64 cents, the name lower-cased when the structs are built).
    let typed = typed_deals(&records);
    let (won_code, lost_code) = (won.index() as u8, lost.index() as u8);
    let hand_written_struct = |d: &recordlock_benches::peers_data::TypedDeal| {
        (d.stage == won_code || d.stage == lost_code)
            && 100_000 <= d.cents
            && d.cents <= 5_000_000
            && d.name.starts_with("acme")
    };

    // datalogic-rs: the rule compiled once, each record parsed once into its own arena.
    let datalogic = datalogic_rs::Engine::new();
    let datalogic_logic = datalogic.compile(datalogic_rule().to_string().as_str()).unwrap();
    let datalogic_data: Vec<datalogic_rs::ParsedData> =
        records.iter().map(|r| datalogic_rs::ParsedData::from_json(&r.folded_json()).unwrap()).collect();
    let mut session = datalogic.session();
    let mut datalogic_matches = |data: &datalogic_rs::ParsedData| {
        let result = session.eval_borrowed(&datalogic_logic, data).unwrap();
        let hit = datalogic.truthy(result);
        session.reset();
        hit
    };

    // CEL: the program compiled once, one context per record with its variables bound.
    let cel_env = std::sync::Arc::new(cel::Env::stdlib());
    let cel_program = cel_env.compile(CEL_RULE).unwrap();
    let cel_contexts: Vec<cel::Context> = records
        .iter()
        .map(|r| {
            let mut ctx = cel::Context::with_env(cel_env.clone());
            ctx.add_variable_from_value("stage", r.stage.to_lowercase());
            ctx.add_variable_from_value("amount", f64::from_str(&r.amount_text()).unwrap());
            ctx.add_variable_from_value("deal_name", r.deal_name.to_lowercase());
            ctx
        })
        .collect();
    let cel_matches = |ctx: &cel::Context| matches!(cel_program.execute(ctx), Ok(cel::Value::Bool(true)));

    // jsonlogic-rs: the rule and the records as pre-parsed `serde_json::Value`s (it has no
    // compile step: `apply` walks the rule JSON each time).
    let jsonlogic_logic = jsonlogic_rule();
    let jsonlogic_data: Vec<Json> = records.iter().map(|r| serde_json::from_str(&r.folded_json()).unwrap()).collect();
    let jsonlogic_matches = |data: &Json| jsonlogic_rs::apply(&jsonlogic_logic, data).unwrap() == Json::Bool(true);

    // Cedar: the policies parsed once; one entity per record (attributes stage, amount in
    // cents, deal_name) in one store, and one request per record.
    let cedar_policies = cedar_policy::PolicySet::from_str(CEDAR_POLICIES).unwrap();
    let deal_type = cedar_policy::EntityTypeName::from_str("Deal").unwrap();
    let uid = |ty: &str, id: &str| {
        cedar_policy::EntityUid::from_type_name_and_id(
            cedar_policy::EntityTypeName::from_str(ty).unwrap(),
            cedar_policy::EntityId::new(id),
        )
    };
    let cedar_entities = cedar_policy::Entities::from_entities(
        records.iter().map(|r| {
            let attrs = [
                ("stage".to_owned(), cedar_policy::RestrictedExpression::new_string(r.stage.to_lowercase())),
                ("amount".to_owned(), cedar_policy::RestrictedExpression::new_long(r.cents)),
                ("deal_name".to_owned(), cedar_policy::RestrictedExpression::new_string(r.deal_name.to_lowercase())),
            ];
            let deal =
                cedar_policy::EntityUid::from_type_name_and_id(deal_type.clone(), cedar_policy::EntityId::new(&r.id));
            cedar_policy::Entity::new(deal, attrs.into_iter().collect(), Default::default()).unwrap()
        }),
        None,
    )
    .unwrap();
    let cedar_requests: Vec<cedar_policy::Request> = records
        .iter()
        .map(|r| {
            cedar_policy::Request::new(
                uid("User", "u1"),
                uid("Action", "edit"),
                cedar_policy::EntityUid::from_type_name_and_id(deal_type.clone(), cedar_policy::EntityId::new(&r.id)),
                cedar_policy::Context::empty(),
                None,
            )
            .unwrap()
        })
        .collect();
    let cedar = cedar_policy::Authorizer::new();
    let cedar_matches = |request: &cedar_policy::Request| {
        cedar.is_authorized(request, &cedar_policies, &cedar_entities).decision() == cedar_policy::Decision::Deny
    };

    // The interpreter without recordlock: the criteria JSON and the records, as Values.
    let walk_criteria = criteria();
    let walk_records: Vec<Json> = records.iter().map(|r| serde_json::from_str(&r.zoho_json()).unwrap()).collect();

    // Every engine agrees with recordlock on every record, before anything is timed.
    for (i, want) in expected.iter().enumerate() {
        let r = &records[i];
        let who = |engine: &str| format!("{engine} disagrees on record {i}: {}", r.zoho_json());
        assert_eq!(reference::evaluate(&expr, &rows[i], schema, &opts), *want, "{}", who("reference"));
        assert_eq!(hand_written(&rows[i]), *want, "{}", who("hand_written"));
        assert_eq!(hand_written_struct(&typed[i]), *want, "{}", who("hand_written_struct"));
        assert_eq!(datalogic_matches(&datalogic_data[i]), *want, "{}", who("datalogic"));
        assert_eq!(cel_matches(&cel_contexts[i]), *want, "{}", who("cel"));
        assert_eq!(jsonlogic_matches(&jsonlogic_data[i]), *want, "{}", who("jsonlogic"));
        assert_eq!(cedar_matches(&cedar_requests[i]), *want, "{}", who("cedar"));
        assert_eq!(walk(&walk_criteria, &walk_records[i]), *want, "{}", who("serde_json_walk"));
    }
    eprintln!("peers_3clause: {matched} of {N} records match; all engines agree");

    let mut g = c.benchmark_group("peers_3clause");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("recordlock_vm", |b| {
        b.iter(|| black_box(&rows).iter().filter(|row| program.matches(row)).count())
    });
    g.bench_function("recordlock_reference", |b| {
        b.iter(|| black_box(&rows).iter().filter(|row| reference::evaluate(&expr, row, schema, &opts)).count())
    });
    g.bench_function("hand_written", |b| b.iter(|| black_box(&rows).iter().filter(|row| hand_written(row)).count()));
    g.bench_function("hand_written_struct", |b| {
        b.iter(|| black_box(&typed).iter().filter(|d| hand_written_struct(d)).count())
    });
    g.bench_function("datalogic", |b| {
        b.iter(|| black_box(&datalogic_data).iter().filter(|d| datalogic_matches(d)).count())
    });
    g.bench_function("cel", |b| b.iter(|| black_box(&cel_contexts).iter().filter(|ctx| cel_matches(ctx)).count()));
    g.bench_function("jsonlogic", |b| {
        b.iter(|| black_box(&jsonlogic_data).iter().filter(|d| jsonlogic_matches(d)).count())
    });
    g.bench_function("cedar", |b| b.iter(|| black_box(&cedar_requests).iter().filter(|r| cedar_matches(r)).count()));
    g.bench_function("serde_json_walk", |b| {
        b.iter(|| black_box(&walk_records).iter().filter(|r| walk(black_box(&walk_criteria), r)).count())
    });
    g.finish();

    // From the record bytes: parsing is inside the timed loop.
    let zoho_lines: Vec<String> = records.iter().map(Record::zoho_json).collect();
    let folded_lines: Vec<String> = records.iter().map(Record::folded_json).collect();
    let mut row = ingest.new_row();
    let mut recordlock_from_json = |line: &str| {
        ingest.ingest_str(line, &mut row).unwrap();
        program.matches(&row)
    };
    let mut datalogic_from_json = |line: &str| {
        let data = datalogic_rs::ParsedData::from_json(line).unwrap();
        datalogic_matches(&data)
    };
    let walk_from_json = |line: &str| walk(&walk_criteria, &serde_json::from_str(line).unwrap());
    let jsonlogic_from_json = |line: &str| jsonlogic_matches(&serde_json::from_str(line).unwrap());
    for (i, want) in expected.iter().enumerate() {
        let who = |engine: &str| format!("{engine} from JSON disagrees on record {i}: {}", zoho_lines[i]);
        assert_eq!(recordlock_from_json(&zoho_lines[i]), *want, "{}", who("recordlock"));
        assert_eq!(datalogic_from_json(&folded_lines[i]), *want, "{}", who("datalogic"));
        assert_eq!(walk_from_json(&zoho_lines[i]), *want, "{}", who("serde_json_walk"));
        assert_eq!(jsonlogic_from_json(&folded_lines[i]), *want, "{}", who("jsonlogic"));
    }
    let mut g = c.benchmark_group("peers_from_json");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("recordlock_ingest_vm", |b| {
        b.iter(|| black_box(&zoho_lines).iter().filter(|l| recordlock_from_json(l)).count())
    });
    g.bench_function("datalogic", |b| {
        b.iter(|| black_box(&folded_lines).iter().filter(|l| datalogic_from_json(l)).count())
    });
    g.bench_function("serde_json_walk", |b| {
        b.iter(|| black_box(&zoho_lines).iter().filter(|l| walk_from_json(l)).count())
    });
    g.bench_function("jsonlogic", |b| {
        b.iter(|| black_box(&folded_lines).iter().filter(|l| jsonlogic_from_json(l)).count())
    });
    g.bench_function("serde_json_ignored_any", |b| {
        b.iter(|| {
            black_box(&zoho_lines).iter().filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok()).count()
        })
    });
    g.finish();
}

criterion_group!(benches, peers);
criterion_main!(benches);
