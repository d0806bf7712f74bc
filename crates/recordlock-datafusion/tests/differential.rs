//! The DataFusion engine against the reference interpreter: every data file under
//! `tests/criteria/` and generated rule sets and records (SPEC.md §2), none skipped.

use recordlock_datafusion::engine::{Outcome, answer_batch};
use recordlock_datafusion::records_batch;
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
        let failed = |e: &dyn std::fmt::Display| Unsupported { reason: format!("FAILED: {e}") };
        let batch = records_batch(input.rules, input.records).map_err(|e| failed(&e))?;
        let outcomes = self.runtime.block_on(answer_batch(input.rules, batch)).map_err(|e| failed(&e))?;
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

#[test]
fn datafusion_agrees_with_the_reference() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let mut engine = DataFusion { runtime };
    let report = differential(&mut engine, 500);
    // Nothing is skipped: leap seconds (`23:59:60`) are exact instant keys in recordlock's
    // batches, wide decimals Decimal256.
    assert!(report.skipped.is_empty(), "DataFusion skipped or failed: {:?}", report.skipped);
    assert!(report.generated_cases >= 1 && report.locked > 0);
}
