//! Every sweep suite of the conformance suites (`tests/conformance/{zoho,ours}`) through the
//! DataFusion engine: its output must be the JSON Lines sweep's, line for line, and meet the
//! suite's expectations (issue 12, "Correctness").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use recordlock::criteria::{EvalOptions, Schema};
use recordlock::{Limits, Module, Policy, RuleScope};
use recordlock_datafusion::engine::session;
use recordlock_datafusion::sweep::Sweep;
use serde_json::Value as Json;

#[test]
fn every_conformance_sweep_suite_runs_on_datafusion() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/conformance");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut suites = 0;
    for dir in ["zoho", "ours"] {
        let mut paths: Vec<_> =
            std::fs::read_dir(format!("{root}/{dir}")).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
            let suite: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let Some(sweep) = suite.get("sweep") else { continue };
            let config: Json = match suite.get("config_text") {
                Some(text) => serde_json::from_str(text.as_str().unwrap()).unwrap(),
                None => suite["config"].clone(),
            };
            let schema = suite.get("schema").map(|s| Schema::from_json(s).unwrap());
            let module = Module::resolve(suite["module"].as_str().unwrap(), schema).unwrap();
            let tz = suite.get("tz").map_or("+00:00", |t| t.as_str().unwrap()).parse().unwrap();
            let policy = Policy::new(&config, module, Limits::default(), EvalOptions { tz }).unwrap();
            let scope = if sweep.get("all_rules").and_then(Json::as_bool) == Some(true) {
                RuleScope::All
            } else {
                RuleScope::ExistingRecords
            };
            let lines: Vec<String> = sweep["records"].as_array().unwrap().iter().map(Json::to_string).collect();
            let want = common::vm_lines(&policy, scope, &lines);
            let text = lines.join("\n");
            let mut got = Vec::new();
            let ctx = session(1);
            let s = Sweep { policy: &policy, scope, ctx: &ctx, remote: false };
            rt.block_on(s.run_lines(&mut text.as_bytes(), &mut |lines| {
                got.extend(common::parse_lines(lines));
                Ok(())
            }))
            .unwrap();
            assert_eq!(got, want, "{}", path.display());
            // And the suite's own expectations.
            let expect = sweep["expect"].as_array().unwrap();
            assert_eq!(got.len(), expect.len(), "{}", path.display());
            for (g, e) in got.iter().zip(expect) {
                assert_eq!(g["id"], e["id"], "{}", path.display());
                assert_eq!(g.get("error").is_some(), e.get("error").is_some(), "{}", path.display());
                if let Some(rule) = e.get("rule") {
                    assert_eq!(&g["rule"]["name"], rule, "{}", path.display());
                }
            }
            suites += 1;
        }
    }
    assert!(suites >= 13, "{suites} sweep suites");
}
