//! The conformance runner: drives the JSON suites under `tests/conformance/` through an
//! [`Engine`] — the library API ([`LibraryEngine`]) or the `recordlock` binary (see
//! `crates/recordlock-cli/tests/conformance.rs`) — with the checks of `tests/conformance/run`
//! (the Python runner shipped with the suites).
//!
//! A suite is one JSON document: `{"name", "module", "schema"?, "tz"?, "config" |
//! "config_text", "validate"?, "decide"?, "sweep"?}`; see `tests/conformance/run`.
#![allow(
    clippy::indexing_slicing,
    reason = "test support reading expected JSON: a key indexes to null when absent, and a failed index fails its test"
)]

pub mod backend;
pub mod child;
pub mod contract;
pub mod criteria_data;
pub mod generate;
pub mod server;

use std::path::{Path, PathBuf};

use recordlock::criteria::{EvalOptions, Schema};
use recordlock::sweep::{SweepOptions, sweep_lines};
use recordlock::{Limits, Module, Policy, RuleScope};
use serde_json::Value as Json;

/// What a command printed and how it exited, in the contract's terms.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit status (0, 1 or 2).
    pub status: i32,
    /// The JSON lines printed on stdout.
    pub lines: Vec<Json>,
}

/// One suite, read.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The suite's file.
    pub path: PathBuf,
    /// The suite.
    pub json: Json,
}

impl Suite {
    /// The suite's name.
    pub fn name(&self) -> &str {
        self.json["name"].as_str().unwrap_or("(unnamed)")
    }

    /// The module.
    pub fn module(&self) -> &str {
        self.json["module"].as_str().unwrap_or("")
    }

    /// The configuration body's text (`config_text`, or `config` written out).
    pub fn config_text(&self) -> String {
        match self.json.get("config_text").and_then(Json::as_str) {
            Some(t) => t.to_owned(),
            None => self.json.get("config").map(Json::to_string).unwrap_or_default(),
        }
    }
}

/// A way to run the contract's commands.
pub trait Engine {
    /// `recordlock validate`.
    fn validate(&self, suite: &Suite) -> Output;
    /// `recordlock decide` with these request lines.
    fn decide(&self, suite: &Suite, requests: &[String]) -> Output;
    /// `recordlock sweep` with these record lines.
    fn sweep(&self, suite: &Suite, records: &[String], all_rules: bool) -> Output;
}

/// Every suite under `dir`, sorted by file name. A directory that is missing, unreadable or
/// holds no suite is an error: a suite directory that went missing must not pass silently.
pub fn suites(dir: &Path) -> Result<Vec<Suite>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("suite directory {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("suite directory {}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(format!("suite directory {} holds no suite", dir.display()));
    }
    files.sort();
    Ok(files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let json = serde_json::from_str(&text).unwrap_or(Json::Null);
            Suite { path, json }
        })
        .collect())
}

/// How many checks `suite` defines: its `validate`, each `decide` case, its `sweep`.
pub fn checks_in(suite: &Suite) -> usize {
    let decide = suite.json.get("decide").and_then(Json::as_array).map_or(0, Vec::len);
    usize::from(suite.json.get("validate").is_some()) + decide + usize::from(suite.json.get("sweep").is_some())
}

/// The number of checks the suites under `conformance/` define (each `validate`, each
/// `decide` case, each `sweep`; `tests/conformance/run` prints the same count). The runners
/// require exactly this many to pass, so a suite lost, emptied or skipped fails them; adding
/// checks means raising it.
pub const EXPECTED_CHECKS: usize = 1675;

/// The suite directories of the repository.
pub fn suite_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    vec![root.join("zoho"), root.join("ours")]
}

/// Runs every check of `suite`; returns (passed, failure messages).
pub fn check(engine: &dyn Engine, suite: &Suite) -> (usize, Vec<String>) {
    let name = suite.name().to_owned();
    let mut passed = 0;
    let mut failures = Vec::new();
    if suite.json.is_null() {
        return (0, vec![format!("{}: unreadable suite", suite.path.display())]);
    }
    if let Some(want) = suite.json.get("validate") {
        let out = engine.validate(suite);
        let got = out.lines.first().cloned().unwrap_or(Json::Null);
        let ok = if want.get("ok").and_then(Json::as_bool) == Some(true) {
            let conf = got.get("record_locking_configurations").and_then(|c| c.get(0)).unwrap_or(&got);
            let normalised_ok = want
                .get("normalised")
                .and_then(Json::as_object)
                .is_none_or(|n| n.iter().all(|(k, v)| same(conf.get(k).unwrap_or(&Json::Null), v)));
            out.status == 0 && normalised_ok
        } else {
            let codes: Vec<&Json> = match &want["code"] {
                Json::Array(a) => a.iter().collect(),
                c => vec![c],
            };
            let shape = contract::error_object_violations(&got, "validate");
            failures.extend(shape.iter().map(|v| format!("{name}: {v}")));
            out.status == 1
                && shape.is_empty()
                && codes.contains(&&got["code"])
                && want.get("json_path").is_none_or(|p| got["details"]["json_path"] == *p)
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{name} validate: want {want}; got exit {} {got}", out.status));
        }
    }
    if let Some(Json::Array(cases)) = suite.json.get("decide") {
        let requests: Vec<String> = cases.iter().map(|c| c["request"].to_string()).collect();
        let out = engine.decide(suite, &requests);
        let config: Json = serde_json::from_str(&suite.config_text()).unwrap_or(Json::Null);
        for (i, case) in cases.iter().enumerate() {
            let got = out.lines.get(i).cloned().unwrap_or(Json::Null);
            let want = case["expect"].as_object().cloned().unwrap_or_default();
            let shape = contract::decide_violations(&config, &case["request"], i + 1, &got);
            failures.extend(shape.iter().map(|v| format!("{name} / {}: {v}", case["name"])));
            let ok = out.status == 0
                && shape.is_empty()
                && want.iter().all(|(k, v)| {
                    if k == "error" {
                        got.get("error").is_some() == v.as_bool().unwrap_or(false)
                    } else {
                        same(&got[k], v)
                    }
                });
            if ok {
                passed += 1;
            } else {
                failures
                    .push(format!("{name} / {}: want {}; got exit {} {got}", case["name"], case["expect"], out.status));
            }
        }
        if out.lines.len() != cases.len() {
            failures.push(format!("{name} decide: {} requests, {} lines out", cases.len(), out.lines.len()));
        }
    }
    if let Some(sw) = suite.json.get("sweep") {
        let records: Vec<String> =
            sw["records"].as_array().map(|r| r.iter().map(Json::to_string).collect()).unwrap_or_default();
        let all_rules = sw.get("all_rules").and_then(Json::as_bool).unwrap_or(false);
        let out = engine.sweep(suite, &records, all_rules);
        let want = sw["expect"].as_array().cloned().unwrap_or_default();
        let config: Json = serde_json::from_str(&suite.config_text()).unwrap_or(Json::Null);
        let shape = contract::sweep_violations(&config, &records, &out.lines);
        failures.extend(shape.iter().map(|v| format!("{name}: {v}")));
        let ok = out.status == 0
            && shape.is_empty()
            && out.lines.len() == want.len()
            && out.lines.iter().zip(&want).all(|(g, w)| {
                g["id"] == w["id"]
                    && g.get("error").is_some() == w.get("error").and_then(Json::as_bool).unwrap_or(false)
                    && w.get("rule").is_none_or(|r| g["rule"]["name"] == *r)
            });
        if ok {
            passed += 1;
        } else {
            failures.push(format!("{name} sweep: want {}; got exit {} {:?}", sw["expect"], out.status, out.lines));
        }
    }
    (passed, failures)
}

/// Numbers compare by exact decimal value (`1.0` = `1`, but `9007199254740993` ≠
/// `9007199254740992`, which f64 would confuse), everything else structurally.
pub fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            x == y
                || recordlock::criteria::parse_decimal(x.as_str())
                    .zip(recordlock::criteria::parse_decimal(y.as_str()))
                    .is_some_and(|(x, y)| x == y)
        }
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Runs the suites through the library API.
#[derive(Debug, Default)]
pub struct LibraryEngine;

impl LibraryEngine {
    fn policy(&self, suite: &Suite) -> Result<Policy, Json> {
        let err = |e: recordlock::criteria::Error| serde_json::to_value(e).unwrap_or(Json::Null);
        let schema = match suite.json.get("schema") {
            Some(s) => Some(Schema::from_json(s).map_err(err)?),
            None => None,
        };
        let module = Module::resolve(suite.module(), schema).map_err(err)?;
        let text = suite.config_text();
        let body: Json =
            serde_json::from_str(&text).map_err(|e| err(recordlock::criteria::error_from_json(&e, text.as_bytes())))?;
        let tz = suite.json.get("tz").and_then(Json::as_str).and_then(tz_option).unwrap_or_default();
        Policy::new(&body, module, Limits::default(), tz).map_err(err)
    }
}

fn tz_option(text: &str) -> Option<EvalOptions> {
    let probe = format!("2000-01-01T00:00:00{text}");
    recordlock::criteria::parse_datetime(&probe).map(|t| EvalOptions { tz: *t.offset() })
}

impl Engine for LibraryEngine {
    fn validate(&self, suite: &Suite) -> Output {
        match self.policy(suite) {
            Ok(p) => Output { status: 0, lines: vec![p.config().to_body()] },
            Err(e) => Output { status: 1, lines: vec![e] },
        }
    }

    fn decide(&self, suite: &Suite, requests: &[String]) -> Output {
        match self.policy(suite) {
            Ok(p) => Output {
                status: 0,
                lines: (1..).zip(requests).map(|(n, r)| recordlock::with_line(p.answer_line(r), n)).collect(),
            },
            Err(e) => Output { status: 1, lines: vec![e] },
        }
    }

    fn sweep(&self, suite: &Suite, records: &[String], all_rules: bool) -> Output {
        let p = match self.policy(suite) {
            Ok(p) => p,
            Err(e) => return Output { status: 1, lines: vec![e] },
        };
        let input = records.join("\n");
        let scope = if all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
        let opts = SweepOptions { scope, chunk_records: 3, ..SweepOptions::default() };
        let mut lines = Vec::new();
        match sweep_lines(&p, input.as_bytes(), &opts, |o| lines.push(o.to_json()), |_| {}) {
            Ok(_) => Output { status: 0, lines },
            Err(_) => Output { status: 2, lines },
        }
    }
}

/// Runs every suite through `engine` and panics with every failure: a check that fails, a
/// suite directory that is missing or empty, or a count of passed checks other than exactly
/// the number the suites define. Returns that number.
pub fn run_all(engine: &dyn Engine) -> usize {
    let mut passed = 0;
    let mut defined = 0;
    let mut failures = Vec::new();
    for dir in suite_dirs() {
        match suites(&dir) {
            Ok(suites) => {
                for suite in suites {
                    let (p, f) = check(engine, &suite);
                    passed += p;
                    defined += checks_in(&suite);
                    failures.extend(f);
                }
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} passed, {} failed:\n{}", passed, failures.len(), failures.join("\n"));
    assert_eq!(passed, defined, "every check the suites define passes, and only those");
    passed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Issue 15 item 14: numbers compared through f64 made 2^53 + 1 equal 2^53.
    #[test]
    fn numbers_compare_exactly() {
        let n = |t: &str| Json::Number(t.parse().unwrap_or_else(|_| serde_json::Number::from(0)));
        assert!(!same(&n("9007199254740993"), &n("9007199254740992")));
        assert!(!same(&n("0.30000000000000001"), &n("0.3")));
        assert!(same(&n("1.0"), &n("1")));
        assert!(same(&json!({"a": [n("1000.10")]}), &json!({"a": [n("1000.1")]})));
    }

    /// Issue 15 item 14: a missing suite directory read as no suites, and passed.
    #[test]
    fn a_missing_suite_directory_is_an_error() {
        let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance").join("no-such-suites");
        assert!(suites(&missing).is_err());
        for dir in suite_dirs() {
            assert!(suites(&dir).is_ok_and(|s| !s.is_empty()), "{}", dir.display());
        }
    }
}
