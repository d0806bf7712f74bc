//! The DataFusion engine against the reference interpreter: every data file under
//! `tests/criteria/` and generated rule sets and records (SPEC.md §2).

use recordlock_datafusion::engine::{Outcome, answer_batch};
use recordlock_datafusion::{Error, records_batch};
use recordlock_tests::backend::{Answer, Backend, Input, Unsupported, differential};

/// DataFusion over an in-memory table built from the records.
struct DataFusion {
    runtime: tokio::runtime::Runtime,
}

impl Backend for DataFusion {
    fn name(&self) -> &str {
        "datafusion"
    }

    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported> {
        let unsupported = |e: Error| Unsupported { reason: e.to_string() };
        let batch = records_batch(input.rules, input.records).map_err(|e| match e {
            Error::Unrepresentable(why) => Unsupported { reason: short(&why) },
            other => unsupported(other),
        })?;
        let outcomes = self.runtime.block_on(answer_batch(input.rules, batch)).map_err(|e| match e {
            Error::Unrepresentable(why) => Unsupported { reason: short(&why) },
            other => Unsupported { reason: format!("FAILED: {other}") },
        })?;
        Ok(outcomes
            .into_iter()
            .map(|o| match o {
                Outcome::Rule(i) => Answer::Rule(Some(i)),
                Outcome::NoRule => Answer::Rule(None),
                Outcome::Unevaluable => Answer::Unevaluable,
            })
            .collect())
    }
}

/// The kind of an unrepresentable value, so skips group by reason.
fn short(why: &str) -> String {
    if why.contains("leap second") { "a leap second has no Arrow timestamp".into() } else { why.to_owned() }
}

#[test]
fn datafusion_agrees_with_the_reference() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let mut engine = DataFusion { runtime };
    let report = differential(&mut engine, 500);
    let failed: Vec<_> = report.skipped.keys().filter(|r| r.starts_with("FAILED")).collect();
    assert!(failed.is_empty(), "DataFusion failed on: {failed:?}");
    assert!(report.generated_cases >= 1 && report.locked > 0);
}
