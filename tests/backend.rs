//! The back-end contract: how an engine proves it gives SPEC.md §2's answers.
//!
//! An engine (the bytecode VM, the columnar engine, DataFusion, PostgreSQL) implements
//! [`Backend`]: given a rule set and records, it answers for each record the first rule that
//! holds, none, or that the record cannot be evaluated. [`differential`] runs it on every
//! engine-independent data file under `tests/criteria/` (fixed expectations) and on generated
//! cases ([`crate::generate`]) against the reference interpreter, and fails with every
//! disagreement, the case and both answers. An engine that cannot express a leaf exactly says
//! so with [`Unsupported`]; such cases are counted as skips with their reason (the way
//! regex's test runner skips what an engine does not support), never answered approximately.
//!
//! ```no_run
//! use recordlock_tests::backend::{differential, VmBackend};
//!
//! let report = differential(&mut VmBackend, 500);
//! assert!(report.skipped.is_empty());
//! ```

use std::collections::BTreeMap;
use std::fmt;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use recordlock::config::validate::validate;
use recordlock::criteria::{EvalOptions, Ingestor, Row, Schema, reference};
use recordlock::{Limits, Module, Policy, RuleScope, RuleSet};
use serde_json::Value as Json;

use crate::criteria_data::{self, Expect};
use crate::generate;

/// An engine's answer for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The index in [`RuleSet::rules`] of the first rule that holds, or `None`.
    Rule(Option<usize>),
    /// The record cannot be evaluated: a field some rule of the set reads holds a value of
    /// the wrong type (SPEC.md §4, fail closed).
    Unevaluable,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Rule(Some(i)) => write!(f, "rule #{i}"),
            Answer::Rule(None) => f.write_str("no rule"),
            Answer::Unevaluable => f.write_str("unevaluable"),
        }
    }
}

/// A leaf (or record) the engine cannot express exactly, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The reason, naming the leaf (its JSON path) or the value.
    pub reason: String,
}

/// What an engine is given: the rules in scope, with the module and options they are read
/// under, and the configuration they came from (the VM compiles the configuration itself).
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The rules the scope applies, in order.
    pub rules: &'a RuleSet,
    /// The configuration body.
    pub config: &'a Json,
    /// Which rules apply.
    pub scope: RuleScope,
    /// The records, as JSON objects with an `id`.
    pub records: &'a [Json],
}

/// An engine under test.
pub trait Backend {
    /// A short name for reports (`vm`, `columnar`, `postgres`...).
    fn name(&self) -> &str;

    /// Answers every record of `input`, in order.
    ///
    /// # Errors
    /// [`Unsupported`] when the engine cannot express some rule or record exactly; the case is
    /// then skipped and the reason reported.
    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported>;
}

/// The bytecode VM, through [`Policy`] (the path `recordlock sweep` takes): rows of the
/// policy's shared layout, rules in configuration order.
#[derive(Debug, Default, Clone, Copy)]
pub struct VmBackend;

impl Backend for VmBackend {
    fn name(&self) -> &str {
        "vm"
    }

    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported> {
        let rules = input.rules;
        let policy = Policy::new(input.config, rules.module().clone(), Limits::default(), *rules.eval_options())
            .map_err(|e| Unsupported { reason: format!("the configuration does not compile: {e}") })?;
        let mut row = policy.new_row();
        Ok(input
            .records
            .iter()
            .map(|record| match policy.ingest_str_for(input.scope, &record.to_string(), &mut row) {
                Err(_) => Answer::Unevaluable,
                Ok(()) => Answer::Rule(
                    policy
                        .matching_rule(&row, input.scope)
                        .and_then(|m| rules.rules().iter().position(|r| r.position() == m.rule().position())),
                ),
            })
            .collect())
    }
}

/// The reference interpreter's answers: what every engine must give. Records are read by an
/// ingestor of every field the set reads (by slot, not the VM's layout), and each rule's
/// typed criteria are walked in order.
pub fn reference_answers(rules: &RuleSet, records: &[Json]) -> Vec<Answer> {
    let schema = rules.schema();
    let ingest = Ingestor::for_fields(schema, rules.reads());
    let mut row = Row::new(schema);
    records
        .iter()
        .map(|record| match ingest.ingest_json(record, &mut row) {
            Err(_) => Answer::Unevaluable,
            Ok(()) => Answer::Rule(
                rules.rules().iter().position(|r| reference::evaluate(r.expr(), &row, schema, rules.eval_options())),
            ),
        })
        .collect()
}

/// What [`differential`] saw.
#[derive(Debug, Default)]
pub struct Report {
    /// Data-file cases run.
    pub data_cases: usize,
    /// Generated cases run (their configuration valid).
    pub generated_cases: usize,
    /// Records compared.
    pub records: usize,
    /// Records the engine locked (a sanity count: both outcomes must be common).
    pub locked: usize,
    /// Records the engine found unevaluable.
    pub unevaluable: usize,
    /// Skipped cases, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// A rule set read from a configuration body.
fn rule_set(config: &Json, module: &Module, opts: EvalOptions, scope: RuleScope) -> Result<RuleSet, String> {
    let valid = validate(config, module, &Limits::default()).map_err(|e| e.to_string())?;
    Ok(RuleSet::new(&valid, module.clone(), opts, scope))
}

/// Compares `engine` with the expectation on one input; the messages of disagreements.
fn compare(
    engine: &mut dyn Backend,
    input: &Input<'_>,
    want: &[Answer],
    what: &str,
    report: &mut Report,
) -> Vec<String> {
    let got = match engine.run(input) {
        Ok(got) => got,
        Err(u) => {
            *report.skipped.entry(u.reason).or_default() += 1;
            return Vec::new();
        }
    };
    if got.len() != want.len() {
        return vec![format!("{what}: {} records in, {} answers out", want.len(), got.len())];
    }
    let mut failures = Vec::new();
    for ((record, got), want) in input.records.iter().zip(&got).zip(want) {
        report.records += 1;
        report.locked += usize::from(matches!(got, Answer::Rule(Some(_))));
        report.unevaluable += usize::from(*got == Answer::Unevaluable);
        if got != want {
            failures.push(format!(
                "{what}\n  record: {record}\n  {}: {got}\n  expected: {want}\n  config: {}",
                engine.name(),
                input.config
            ));
        }
    }
    failures
}

/// The generated cases to run: `PROPTEST_CASES` when set, else `default`.
pub fn case_count(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs `engine` on every data file under `tests/criteria/` and on `generated` generated cases
/// (or `PROPTEST_CASES`), comparing with the files' expectations and the reference
/// interpreter. Panics with every disagreement; returns what it saw.
pub fn differential(engine: &mut dyn Backend, generated: u32) -> Report {
    let mut report = Report::default();
    let mut failures = Vec::new();

    for case in criteria_data::load_all().unwrap_or_else(|e| fail(&e)) {
        let Expect::Records(records) = &case.expect else { continue };
        let module = case.module().unwrap_or_else(|e| fail(&format!("{}: {e}", case.name)));
        let config = case.config();
        let rules = rule_set(&config, &module, case.eval_options(), RuleScope::All)
            .unwrap_or_else(|e| fail(&format!("{}: {e}", case.name)));
        let values: Vec<Json> = records.iter().map(|r| r.record_with_id()).collect();
        let want: Vec<Answer> = records.iter().map(|r| r.answer()).collect();
        let input = Input { rules: &rules, config: &config, scope: RuleScope::All, records: &values };
        failures.extend(compare(engine, &input, &want, &format!("{} ({})", case.name, case.file), &mut report));
        report.data_cases += 1;
    }

    let count = case_count(generated);
    let mut runner = TestRunner::new(ProptestConfig { cases: count, ..ProptestConfig::default() });
    let strategy = generate::case();
    let mut drawn = 0u32;
    let mut invalid = 0u32;
    while report.generated_cases < count as usize && drawn < count.saturating_mul(4) {
        drawn += 1;
        let case = strategy.new_tree(&mut runner).unwrap_or_else(|e| fail(&e.to_string())).current();
        let Ok(schema) = Schema::from_json(&case.schema) else {
            fail(&format!("generated schema invalid: {}", case.schema))
        };
        let module = Module::resolve("Generated", Some(schema)).unwrap_or_else(|e| fail(&e.to_string()));
        let opts = EvalOptions { tz: chrono_offset(case.tz_seconds) };
        let scope = if case.all_rules { RuleScope::All } else { RuleScope::ExistingRecords };
        let Ok(rules) = rule_set(&case.config, &module, opts, scope) else {
            // Criteria the type checker rejects (an unlisted picklist constant, a duplicate).
            invalid += 1;
            continue;
        };
        let want = reference_answers(&rules, &case.records);
        let input = Input { rules: &rules, config: &case.config, scope, records: &case.records };
        let what = format!("generated case (tz {}s, scope {scope:?}, schema {})", case.tz_seconds, case.schema);
        failures.extend(compare(engine, &input, &want, &what, &mut report));
        report.generated_cases += 1;
    }

    eprintln!(
        "{}: {} data cases, {} generated ({invalid} invalid drawn and skipped), {} records, {} locked, {} unevaluable, skipped {:?}",
        engine.name(),
        report.data_cases,
        report.generated_cases,
        report.records,
        report.locked,
        report.unevaluable,
        report.skipped
    );
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(20).collect();
        fail(&format!(
            "{} disagrees with the expectations on {} records (first 20):\n{}",
            engine.name(),
            failures.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
        ));
    }
    report
}

fn chrono_offset(seconds: i32) -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(seconds).unwrap_or_else(|| fail(&format!("offset {seconds}s")))
}

#[expect(clippy::panic, reason = "the harness reports a failed check by panicking, as a test does")]
fn fail(message: &str) -> ! {
    panic!("{message}")
}
