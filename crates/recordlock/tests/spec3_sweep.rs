//! SPEC.md §3 `lock_existing_records`: the back-fill sweep — scope, order, determinism across
//! thread counts, and bad lines reported without stopping.

// clippy.toml allows these in `#[test]` functions only; the helpers of this test crate are
// test code too.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "helpers of tests fail by panicking"
)]

mod common;

use common::{deals_policy, leaf, stage_rule};
use recordlock::sweep::{SweepOptions, SweepStats, sweep_bytes, sweep_lines, sweep_rows};
use recordlock::{Policy, RuleScope};
use serde_json::{Value as Json, json};

/// Rules: `Won` (no back-fill), `Big` (Amount > 1000, back-fill), `Lost` (back-fill).
fn policy() -> Policy {
    deals_policy(json!({"lock_type": "automatic", "locking_rules": [
        stage_rule("Won", "Closed Won"),
        {"name": "Big", "lock_existing_records": true, "criteria": leaf("Amount", "greater_than", json!(1000))},
        {"name": "Lost", "lock_existing_records": true, "criteria": leaf("Stage", "equal", json!("Closed Lost"))}]}))
}

fn sweep(p: &Policy, input: &str, scope: RuleScope, chunk: usize) -> (Vec<Json>, SweepStats) {
    let mut out = Vec::new();
    let opts = SweepOptions { scope, chunk_records: chunk, ..SweepOptions::default() };
    let stats = sweep_lines(p, input.as_bytes(), &opts, |o| out.push(o.to_json()), |_| {}).unwrap();
    (out, stats)
}

/// A deterministic mix of records, bad lines and blank lines.
fn input(n: usize) -> String {
    let stages = ["Closed Won", "Closed Lost", "Qualification", "Negotiation/Review"];
    let mut s = String::new();
    for i in 0..n {
        let line = match i % 11 {
            3 => "not json".to_owned(),
            7 => json!({"id": i.to_string(), "Stage": "Closed Won", "Amount": "lots"}).to_string(),
            9 => String::new(),
            _ => json!({"id": i.to_string(), "Stage": stages[i % 4], "Amount": (i * 37) % 2500}).to_string(),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

/// SPEC.md §3 lock_existing_records: only rules with it apply by default; the first of those
/// in configuration order that matches is reported; all rules on request.
#[test]
fn spec3_sweep_scope_existing_records_vs_all_rules() {
    let p = policy();
    let text = [
        json!({"id": "1", "Stage": "Closed Won", "Amount": 5000}),
        json!({"id": "2", "Stage": "Closed Won", "Amount": 10}),
        json!({"id": "3", "Stage": "Closed Lost", "Amount": 2000}),
        json!({"id": "4", "Stage": "Qualification", "Amount": 10}),
    ]
    .iter()
    .map(|j| format!("{j}\n"))
    .collect::<String>();
    let (out, stats) = sweep(&p, &text, RuleScope::ExistingRecords, 8192);
    assert_eq!(
        out,
        vec![
            json!({"id": "1", "rule": {"id": null, "name": "Big"}}),
            json!({"id": "3", "rule": {"id": null, "name": "Big"}}),
        ]
    );
    assert_eq!((stats.records, stats.locked, stats.errors, stats.cancelled), (4, 2, 0, false));
    let (out, stats) = sweep(&p, &text, RuleScope::All, 8192);
    assert_eq!(
        out,
        vec![
            json!({"id": "1", "rule": {"id": null, "name": "Won"}}),
            json!({"id": "2", "rule": {"id": null, "name": "Won"}}),
            json!({"id": "3", "rule": {"id": null, "name": "Big"}}),
        ]
    );
    assert_eq!(stats.locked, 3);
    assert_eq!(SweepOptions::default().scope, RuleScope::ExistingRecords);
}

/// SPEC.md §3: a record that cannot be evaluated is reported (with its id when readable) and
/// the sweep goes on; blank lines are not records.
#[test]
fn spec3_sweep_reports_bad_lines_and_goes_on() {
    let p = policy();
    let text = "{\"id\": \"1\", \"Amount\": 5000}\nnot json\n\n{\"id\": \"3\", \"Amount\": \"lots\"}\n[1]\n{\"id\": \"5\", \"Stage\": \"Closed Lost\"}\n";
    let (out, stats) = sweep(&p, text, RuleScope::ExistingRecords, 2);
    assert_eq!(out.len(), 5);
    assert_eq!(out[0], json!({"id": "1", "rule": {"id": null, "name": "Big"}}));
    assert_eq!(out[1]["id"], Json::Null);
    assert_eq!(out[1]["error"]["status"], "error");
    assert_eq!(out[2]["id"], "3");
    assert_eq!(out[2]["error"]["code"], "INVALID_RECORD");
    assert_eq!(out[2]["error"]["details"]["json_path"], "$.Amount");
    assert!(out[3]["error"].is_object());
    assert_eq!(out[4], json!({"id": "5", "rule": {"id": null, "name": "Lost"}}));
    assert_eq!((stats.records, stats.locked, stats.errors), (5, 2, 3));
}

/// CONTRACT.md sweep: ids are written as strings (numeric ids beyond 2^53 kept exact), and a
/// record's id is reported even when the bad field comes before it.
#[test]
fn spec3_sweep_ids_are_exact_strings() {
    let p = policy();
    let text = "{\"id\": 5843104000001068052, \"Amount\": 5000}\n{\"Amount\": \"lots\", \"id\": 5843104000001068053}\n";
    let (out, _) = sweep(&p, text, RuleScope::ExistingRecords, 8192);
    assert_eq!(out[0], json!({"id": "5843104000001068052", "rule": {"id": null, "name": "Big"}}));
    assert_eq!(out[1]["id"], "5843104000001068053");
    assert_eq!(out[1]["error"]["code"], "INVALID_RECORD");
}

/// SPEC.md §3 / CONTRACT.md sweep: output in input order, identical for a 1-thread and a
/// 4-thread pool and for any chunk size.
#[test]
fn spec3_sweep_deterministic_across_threads() {
    let p = policy();
    let text = input(3000);
    let run = |threads: usize, chunk: usize, scope: RuleScope| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| sweep(&p, &text, scope, chunk))
    };
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let (one, s1) = run(1, 8192, scope);
        let (four, s4) = run(4, 8192, scope);
        let (four_small, s4s) = run(4, 7, scope);
        assert_eq!(one, four);
        assert_eq!(one, four_small);
        assert_eq!(s1, s4);
        assert_eq!(s1, s4s);
        assert!(s1.locked > 0 && s1.errors > 0);
        // In input order: ids (where readable) increase.
        let ids: Vec<usize> = one.iter().filter_map(|o| o["id"].as_str()).map(|s| s.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "out of order");
        // Blank lines are not records.
        assert_eq!(s1.records, (0..3000).filter(|i| i % 11 != 9).count() as u64);
    }
}

/// Input in memory (`sweep_bytes`, read in place, each line found as it is evaluated) gives
/// exactly the output of the same bytes from a reader: every line, error line numbers
/// included, with CRLF endings and a record over the size limit among them, on 1, 2 and 4
/// threads, with chunks of many records or few (a piece holding fewer results than it has
/// lines hands the rest on).
#[test]
fn spec3_sweep_in_memory_agrees_with_a_reader() {
    let p = policy();
    let mut text = input(3000).replace("\n\n", "\r\n\n");
    let middle = text[text.len() / 2..].find('\n').unwrap() + text.len() / 2 + 1;
    text.insert_str(middle, &format!("{{\"id\": \"huge\", \"x\": \"{}\"}}\n", "y".repeat(p.limits().record_bytes)));
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let (want, want_stats) = sweep(&p, &text, scope, 8192);
        assert!(want.iter().any(|o| o["error"]["code"] == "LIMIT_EXCEEDED"), "the long record is an error line");
        // Each error line names the input line it is about.
        let lines: Vec<&str> = text.split('\n').collect();
        for o in want.iter().filter(|o| o.get("error").is_some()) {
            let line = lines[o["line"].as_u64().unwrap() as usize - 1];
            match o["id"].as_str() {
                Some(id) => assert!(line.contains(&format!("\"id\":\"{id}\"")), "{o}: {line}"),
                None => assert!(line == "not json" || line.contains("\"huge\""), "{o}: {line}"),
            }
        }
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            for chunk in [8192, 7, 1] {
                let mut got = Vec::new();
                let opts = SweepOptions { scope, chunk_records: chunk, ..SweepOptions::default() };
                let stats = pool.install(|| sweep_bytes(&p, text.as_bytes(), &opts, |o| got.push(o.to_json()), |_| {}));
                assert_eq!(got, want, "{threads} threads, chunks of {chunk}");
                assert_eq!(stats, want_stats);
            }
        }
    }
}

/// SPEC.md §3: the sweep agrees with lock derivation record by record (`sweep_rows`).
#[test]
fn spec3_sweep_rows_agree_with_matching_rule() {
    let p = policy();
    let rows: Vec<_> = (0..200)
        .map(|i| common::row(&p, json!({"id": i.to_string(), "Stage": if i % 3 == 0 { "Closed Lost" } else { "Closed Won" }, "Amount": i * 10})))
        .collect();
    for scope in [RuleScope::ExistingRecords, RuleScope::All] {
        let got = sweep_rows(&p, &rows, scope);
        for (r, g) in rows.iter().zip(got) {
            assert_eq!(g.map(|x| x.name()), p.matching_rule(r, scope).map(|x| x.name()));
            assert_eq!(g.map(|x| x.name()), p.matching_rule_reference(r, scope).map(|x| x.name()));
        }
    }
}

/// SPEC.md §3: with lock_type manual no rule applies, so a sweep locks nothing.
#[test]
fn spec3_sweep_manual_lock_type_locks_nothing() {
    let p = deals_policy(json!({"lock_type": "manual", "locking_rules": [
        {"name": "Won", "lock_existing_records": true, "criteria": leaf("Stage", "equal", json!("Closed Won"))}]}));
    let (out, stats) = sweep(&p, "{\"id\": \"1\", \"Stage\": \"Closed Won\"}\n", RuleScope::All, 10);
    assert!(out.is_empty());
    assert_eq!((stats.records, stats.locked), (1, 0));
}

/// SPEC.md §3: a cancelled sweep stops and says so.
#[test]
fn spec3_sweep_can_be_cancelled() {
    let p = policy();
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let opts =
        SweepOptions { scope: RuleScope::All, chunk_records: 10, cancel: Some(&cancel), ..SweepOptions::default() };
    let stats = sweep_lines(&p, input(100).as_bytes(), &opts, |_| {}, |_| {}).unwrap();
    assert!(stats.cancelled);
    assert_eq!(stats.records, 0);
}
