//! What the SQL relies on the server for, checked on the server: ICU's `lower()` is Rust's
//! `to_lowercase` (every code point, and the final sigma in context), the fail-closed numeric
//! check is exactly what SPEC.md's number reader accepts, and constants cannot inject.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod common;

use recordlock::config::validate::validate;
use recordlock::criteria::{EvalOptions, Schema, fold, parse_decimal};
use recordlock::{Limits, Module, RuleScope, RuleSet};
use recordlock_sql::FOLD_COLLATION;
use recordlock_tests::backend::{Backend, Input, reference_answers};
use serde_json::{Value as Json, json};

/// SPEC.md §2 Text: `lower()` under "und-x-icu" lowers every code point as Rust does.
#[test]
fn icu_lower_is_rusts_to_lowercase_on_every_code_point() {
    let Some(mut client) = common::client("icu_lower_is_rusts_to_lowercase_on_every_code_point") else { return };
    let icu: i64 = client
        .query_one("SELECT count(*) FROM pg_collation WHERE collname = $1 AND collprovider = 'i'", &[&FOLD_COLLATION])
        .unwrap()
        .get(0);
    assert_eq!(icu, 1, "the server has no ICU collation {FOLD_COLLATION} (PostgreSQL built without ICU)");
    let sql = format!(
        "SELECT i, lower(chr(i) COLLATE \"{FOLD_COLLATION}\") FROM generate_series(1, 1114111) AS i \
         WHERE i NOT BETWEEN 55296 AND 57343"
    );
    let mut differ = Vec::new();
    for row in client.query(&sql, &[]).unwrap() {
        let i: i32 = row.get(0);
        let server: String = row.get(1);
        let c = char::from_u32(i as u32).unwrap();
        let rust = fold(&c.to_string());
        if server != rust {
            differ.push(format!("U+{i:04X} {c:?}: server {server:?}, Rust {rust:?}"));
        }
    }
    let version: String = client.query_one("SELECT version()", &[]).unwrap().get(0);
    // Every difference must be one the probe sees (a code point Rust lowers), so sweeps fail
    // closed on it instead of comparing differently.
    let folding = common::probe(&mut client);
    let seen: Vec<String> = folding.differing.iter().map(|c| format!("U+{:04X}", u32::from(*c))).collect();
    for d in &differ {
        assert!(seen.iter().any(|s| d.starts_with(&format!("{s} "))), "the probe misses {d} on {version}");
    }
    assert_eq!(seen.len(), differ.len());
    if !differ.is_empty() {
        eprintln!(
            "FINDING: {} code points lower differently on {version} (ICU of an older Unicode); sweeps fail closed on \
             records holding them:\n{}",
            differ.len(),
            differ.join("\n")
        );
    }
}

/// The context-dependent mapping: a final capital sigma lowers to ς, others to σ; ß stays,
/// İ becomes i + combining dot (not full case folding).
#[test]
fn icu_lower_handles_final_sigma_and_special_casing_as_rust_does() {
    let Some(mut client) = common::client("icu_lower_handles_final_sigma") else { return };
    let samples = [
        "ΟΔΥΣΣΕΥΣ",
        "Σ",
        "ΑΣ",
        "ΑΣ.",
        "ΑΣ Β",
        "Α.Σ",
        "ΑΣΑ",
        "Α'Σ",
        "ΑΣ'",
        "ΑΣ'Α",
        "1Σ",
        "ΑΣ1",
        "ΣΣ",
        "ΑΣ\u{0301}",
        "ΑΣ\u{0301}Β",
        "A\u{00AD}Σ",
        "STRASSE straße ẞ",
        "İSTANBUL",
        "I\u{0307}",
        "ǅ ǈ ǋ ǲ",
        "ΐ ΰ",
        "Ω K Å",
        "ÉCOLE",
        "日本語",
    ];
    let sql = format!(
        "SELECT lower(s COLLATE \"{FOLD_COLLATION}\") FROM unnest($1::text[]) WITH ORDINALITY AS t(s, n) ORDER BY n"
    );
    let list: Vec<String> = samples.iter().map(|s| (*s).to_owned()).collect();
    let rows = client.query(&sql, &[&list]).unwrap();
    for (sample, row) in samples.iter().zip(rows) {
        let server: String = row.get(0);
        assert_eq!(server, fold(sample), "lower({sample:?})");
    }
}

/// SPEC.md §4: a numeric value the JSON reader would refuse (as the text PostgreSQL writes
/// for it) fails the fail-closed check, and every other value passes it.
#[test]
fn numeric_check_is_the_number_reader() {
    let Some(mut client) = common::client("numeric_check_is_the_number_reader") else { return };
    let texts = [
        "0",
        "1000.10",
        "-0.5",
        "79228162514264337593543950335",
        "79228162514264337593543950336",
        "-79228162514264337593543950335",
        "-79228162514264337593543950336",
        "7922816251426433759354395033.5",
        "7922816251426433759354395033.55",
        "0.0000000000000000000000000001",
        "0.00000000000000000000000000001",
        "0.0000000000000000000000000010",
        "1.0000000000000000000000000000",
        "1.00000000000000000000000000000",
        "12345678901234567890.5",
        "99999999999999999999999999999",
        "100000000000000000000000000000",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e30",
    ];
    // The check as sweep_sql writes it, on a one-column table.
    let schema = Schema::from_json(&json!({"fields": [{"api_name": "N", "data_type": "decimal"}]})).unwrap();
    let module = Module::resolve("Numbers", Some(schema)).unwrap();
    let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "any", "criteria": {"field": {"api_name": "N"}, "comparator": "equal", "value": "${NOTEMPTY}"}}]}]});
    let valid = validate(&config, &module, &Limits::default()).unwrap();
    let rules = RuleSet::new(&valid, module.clone(), EvalOptions::default(), RuleScope::All);
    let table =
        recordlock_sql::TableMap::new("numbers", module.schema(), &recordlock_sql::ColumnMap::default()).unwrap();
    let sweep = recordlock_sql::sweep_sql(
        &rules,
        &table,
        &recordlock_sql::SweepOptions { lock_column: "lock".into(), ..Default::default() },
    )
    .unwrap();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute("CREATE TEMPORARY TABLE numbers (id text, \"N\" numeric)").unwrap();
    for (i, t) in texts.iter().enumerate() {
        tx.execute("INSERT INTO numbers VALUES ($1, $2::text::numeric)", &[&i.to_string(), t]).unwrap();
    }
    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
        sweep.select.params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
    let rows = tx.query(&sweep.select.text, &params).unwrap();
    for row in rows {
        let i: usize = row.get::<_, String>(0).parse().unwrap();
        let rule: i32 = row.get(1);
        let stored: String =
            tx.query_one("SELECT \"N\"::text FROM numbers WHERE id = $1", &[&i.to_string()]).unwrap().get(0);
        let readable = parse_decimal(&stored).is_some();
        assert_eq!(rule >= 0, readable, "{} (stored as {stored}): rule {rule}", texts[i]);
    }
}

/// Issue 13: constants holding quotes, backslashes, `%`, `_`, `$1`, `'; DROP TABLE t; --`
/// and NUL are inert: the table survives and every answer is the reference's.
#[test]
fn constants_cannot_inject() {
    let Some(client) = common::client("constants_cannot_inject") else { return };
    let nasty = [
        "it's",
        "\"quoted\"",
        "back\\slash",
        "\\",
        "100%",
        "a_c",
        "$1",
        "'; DROP TABLE t; --",
        "a\u{0}b",
        "\u{0}",
        "%",
        "_",
        "\\%",
        "$$",
        "E'\\x00'",
    ];
    let schema = Schema::from_json(&json!({"fields": [
        {"api_name": "T", "data_type": "text"},
        {"api_name": "P", "data_type": "picklist", "pick_list_values": [
            {"actual_value": "it's", "display_value": "'; DROP TABLE t; --"},
            {"actual_value": "a\u{0}b", "display_value": "$1"}]},
        {"api_name": "L", "data_type": "lookup"},
        {"api_name": "'; DROP TABLE t; --", "data_type": "text"}]}))
    .unwrap();
    let module = Module::resolve("Nasty", Some(schema)).unwrap();
    let mut rules_json = Vec::new();
    for (i, s) in nasty.iter().enumerate() {
        let leaves: Vec<Json> = ["equal", "contains", "starts_with", "ends_with", "like", "not_like", "in"]
            .iter()
            .map(|c| {
                let v = if *c == "in" { json!([s, "x"]) } else { json!(s) };
                json!({"field": {"api_name": if i % 2 == 0 { "T" } else { "'; DROP TABLE t; --" }}, "comparator": c, "value": v})
            })
            .chain([
                json!({"field": {"api_name": "P"}, "comparator": "contains", "value": s}),
                json!({"field": {"api_name": "L"}, "comparator": "equal", "value": s}),
            ])
            .collect();
        rules_json.push(json!({"name": format!("r{i}"), "criteria": {"group_operator": "OR", "group": leaves}}));
    }
    // Five rules per configuration (the limit); one configuration per slice.
    let mut engine = common::PostgresBackend::new(client);
    let mut records = Vec::new();
    for (i, s) in nasty.iter().enumerate() {
        let value = if s.contains('\0') { "a b".to_owned() } else { format!("x{s}y") };
        records.push(json!({"id": format!("t{i}"), "T": value, "'; DROP TABLE t; --": s.replace('\0', ""), "P": "it's", "L": "77"}));
        records.push(json!({"id": format!("e{i}"), "T": s.replace('\0', ""), "P": "$1", "L": "77"}));
    }
    let mut compared = 0;
    for chunk in rules_json.chunks(5) {
        let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": chunk}]});
        let valid = validate(&config, &module, &Limits::default()).unwrap();
        let rules = RuleSet::new(&valid, module.clone(), EvalOptions::default(), RuleScope::All);
        let want = reference_answers(&rules, &records);
        let input = Input { rules: &rules, config: &config, scope: RuleScope::All, records: &records };
        let got = engine.run(&input).unwrap();
        assert_eq!(got, want, "config {config}");
        compared += got.len();
    }
    assert!(compared > 0);

    // Outside any transaction, against a real table beside a sentinel table `t`: the
    // statements (the UPDATE too) run, and `t` survives with its row.
    let client = &mut engine.client;
    client.batch_execute("DROP TABLE IF EXISTS t; CREATE TABLE t (x int); INSERT INTO t VALUES (1)").unwrap();
    let map = recordlock_sql::ColumnMap::default();
    let table = recordlock_sql::TableMap::new("nasty '; DROP TABLE t; --", module.schema(), &map).unwrap();
    client.batch_execute(&format!("DROP TABLE IF EXISTS {}", table.table_sql())).unwrap();
    client.batch_execute(&recordlock_sql::load::create_table(&table, false)).unwrap();
    client.batch_execute(&format!("ALTER TABLE {} ADD COLUMN lock text", table.table_sql())).unwrap();
    let insert = recordlock_sql::load::insert_sql(&table);
    for r in &records {
        let (params, errors) = recordlock_sql::load::row_params(&table, module.schema(), r);
        assert!(errors.is_empty(), "{errors:?}");
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
        client.execute(&insert, &refs).unwrap();
    }
    for chunk in rules_json.chunks(5) {
        let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": chunk}]});
        let valid = validate(&config, &module, &Limits::default()).unwrap();
        let rules = RuleSet::new(&valid, module.clone(), EvalOptions::default(), RuleScope::All);
        let sweep = recordlock_sql::sweep_sql(
            &rules,
            &table,
            &recordlock_sql::SweepOptions { lock_column: "lock".into(), ..Default::default() },
        )
        .unwrap();
        for statement in [&sweep.select, &sweep.update] {
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                statement.params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
            client.execute(&statement.text, &refs).unwrap_or_else(|e| panic!("{e}: {}", statement.text));
        }
    }
    let survivor: i32 = client.query_one("SELECT x FROM t", &[]).unwrap().get(0);
    assert_eq!(survivor, 1);
    client.batch_execute(&format!("DROP TABLE {}; DROP TABLE t", table.table_sql())).unwrap();
}

/// The folding probe's finding in use: a record holding a code point this server lowers
/// unlike Rust, in a field a text test reads, is unevaluable (fail closed); other records get
/// the reference's answer.
#[test]
fn records_the_server_would_lower_differently_fail_closed() {
    let Some(client) = common::client("records_the_server_would_lower_differently_fail_closed") else { return };
    let mut engine = common::PostgresBackend::new(client);
    let schema = Schema::from_json(&json!({"fields": [
        {"api_name": "T", "data_type": "text"},
        {"api_name": "P", "data_type": "picklist", "pick_list_values": [{"actual_value": "Ꞌa", "display_value": "Ꞌa"}]},
        {"api_name": "M", "data_type": "multiselectpicklist"}]}))
    .unwrap();
    let module = Module::resolve("Letters", Some(schema)).unwrap();
    let config = json!({"record_locking_configurations": [{"lock_type": "automatic", "locking_rules": [
        {"name": "t", "criteria": {"field": {"api_name": "T"}, "comparator": "contains", "value": "a"}},
        {"name": "p", "criteria": {"field": {"api_name": "P"}, "comparator": "starts_with", "value": "ꞌ"}},
        {"name": "m", "criteria": {"field": {"api_name": "M"}, "comparator": "contains", "value": "b"}}]}]});
    let valid = validate(&config, &module, &Limits::default()).unwrap();
    let rules = RuleSet::new(&valid, module.clone(), EvalOptions::default(), RuleScope::All);
    // U+A7CB (Unicode 16) is one of the code points Debian 12's ICU 72 leaves as it is.
    let records = vec![
        json!({"id": "1", "T": "\u{A7CB}a"}),
        json!({"id": "2", "T": "xa", "P": "\u{A7CB}a"}),
        json!({"id": "3", "M": ["\u{A7CB}b", "c"]}),
        json!({"id": "4", "T": "école", "M": ["B"]}),
    ];
    let input = Input { rules: &rules, config: &config, scope: RuleScope::All, records: &records };
    let got = engine.run(&input).unwrap();
    let want = reference_answers(&rules, &records);
    if engine.opts.folding.differing.contains(&'\u{A7CB}') {
        use recordlock_tests::backend::Answer;
        assert_eq!(got[..3], [Answer::Unevaluable; 3]);
        assert_eq!(got[3], want[3]);
    } else {
        assert_eq!(got, want);
    }
}
