//! The columnar engine through the back-end harness (SPEC.md §2, §4): every data file under
//! `tests/criteria/` and generated schemas, rules and records, against the reference
//! interpreter. Each case's records are built into Arrow batches in several encodings —
//! plain Utf8, dictionaries, Utf8View, LargeUtf8, sliced arrays with offsets, nulls and
//! empty strings, Decimal128 of the least and of the widest precision, Int64, timestamps
//! of several units, lists and large lists, lookups as structs, every column as text (a CSV
//! export) and every column as JSON text — and repeated into batches of up to 1,000 rows.
//! Every encoding and every copy of a record must give one answer, and that answer the
//! reference's; so must a Parquet file of one row per row group, whose groups are skipped
//! when their statistics prove that no rule holds (row-group pruning).

#![expect(clippy::panic, clippy::indexing_slicing, reason = "a test reports failures by panicking")]

use std::hash::{DefaultHasher, Hash, Hasher};

use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::RecordBatch;
use arrow_schema::TimeUnit;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use recordlock_arrow::convert::{Style, TextLayout, batch_from_json};
use recordlock_arrow::read::{self, Part};
use recordlock_arrow::{ColumnarPlan, MappingOptions, RowOutcome};
use recordlock_tests::backend::{Answer, Backend, Input, Unsupported, differential};
use serde_json::Value as Json;

/// The encodings every case runs through.
fn styles(seed: u64) -> Vec<(Style, usize)> {
    let units = [TimeUnit::Second, TimeUnit::Millisecond, TimeUnit::Microsecond, TimeUnit::Nanosecond];
    let pick = |k: u64| units.get(((seed >> k) % 4) as usize).copied().unwrap_or(TimeUnit::Microsecond);
    vec![
        // Plain: Utf8, nulls for empties, least-precision decimals, Int64 for whole numbers.
        (Style::default(), 1),
        // Dictionaries, empty strings, wide decimals, structs, large lists, repeated and sliced.
        (
            Style {
                text: TextLayout::Dictionary,
                empty_as_empty_string: true,
                wide_decimals: true,
                unit: pick(0),
                large_lists: true,
                lookup_structs: true,
                integers: false,
                ..Style::default()
            },
            (seed % 1000) as usize + 1,
        ),
        // Utf8View and LargeUtf8, repeated.
        (
            Style {
                text: if seed.is_multiple_of(2) { TextLayout::View } else { TextLayout::Large },
                empty_as_empty_string: seed.is_multiple_of(3),
                unit: pick(2),
                lookup_structs: seed.is_multiple_of(5),
                ..Style::default()
            },
            (seed % 97) as usize + 2,
        ),
        // Every value as text, as a CSV export carries it.
        (
            Style {
                all_text: true,
                text: if seed.is_multiple_of(2) { TextLayout::Utf8 } else { TextLayout::Dictionary },
                ..Style::default()
            },
            3,
        ),
        // Every value as JSON text.
        (Style { all_json: true, ..Style::default() }, 1),
    ]
}

struct Columnar {
    runs: usize,
    /// Parquet row groups skipped by their statistics.
    pruned: usize,
}

impl Columnar {
    fn answers(&self, input: &Input<'_>, style: &Style, copies: usize, seed: u64) -> Result<Vec<Answer>, String> {
        let n = input.records.len();
        // `copies` copies of the records, then a slice that starts a few rows in (so arrays
        // have offsets) and covers them all.
        let lead = (seed % 7) as usize;
        let mut records: Vec<Json> = Vec::with_capacity(n * copies + lead + 3);
        for i in 0..lead {
            records.push(input.records[i % n].clone());
        }
        for _ in 0..copies {
            records.extend(input.records.iter().cloned());
        }
        records.extend(input.records.iter().take(3).cloned());
        let batch = batch_from_json(input.rules.schema(), &input.rules.reads(), &records, style)
            .map_err(|e| format!("building the batch: {e}"))?;
        let batch = batch.slice(lead, n * copies);
        let plan = ColumnarPlan::new(input.rules, &batch.schema(), MappingOptions::default())
            .map_err(|e| format!("mapping {:?}: {e}", batch.schema()))?;
        let result = plan.evaluate(&batch).map_err(|e| e.to_string())?;
        let answer = |row: usize| match result.outcome(row) {
            RowOutcome::Unevaluable(_) => Answer::Unevaluable,
            RowOutcome::Locked(i) => Answer::Rule(Some(i)),
            RowOutcome::Unlocked => Answer::Rule(None),
        };
        // The same plan on slices of the batch, twice: each slice shares the batch's
        // dictionaries, so the second pass (and most of the first) reads them from the
        // plan's memo, keyed by other rows' keys; every row must answer as in the whole.
        let piece = 1 + (seed % 97) as usize;
        for pass in 0..2 {
            for start in (0..batch.num_rows()).step_by(piece) {
                let part = batch.slice(start, piece.min(batch.num_rows() - start));
                let part_result = plan.evaluate(&part).map_err(|e| e.to_string())?;
                for row in 0..part.num_rows() {
                    let (got, want) = (part_result.outcome(row), result.outcome(start + row));
                    if format!("{got:?}") != format!("{want:?}") {
                        return Err(format!(
                            "pass {pass}: row {} in a slice of {piece} from {start} answers {got:?}, in the whole \
                             batch {want:?}",
                            start + row
                        ));
                    }
                }
            }
        }
        let first: Vec<Answer> = (0..n).map(answer).collect();
        for copy in 1..copies {
            for (i, want) in first.iter().enumerate() {
                let got = answer(copy * n + i);
                if got != *want {
                    return Err(format!(
                        "copy {copy} of record {i} ({}) answers {got}, the first copy {want}",
                        input.records[i]
                    ));
                }
            }
        }
        Ok(first)
    }
}

/// Through a Parquet file of `group_rows` rows per row group, with ids: each row's group is skipped
/// when its statistics prove no rule holds ([`Part::Skipped`]), else read and evaluated. A
/// skipped row answers "no rule", so a wrongly pruned group is a wrong answer here.
fn parquet_answers(input: &Input<'_>, group_rows: usize, pruned: &mut usize) -> Result<Vec<Answer>, String> {
    let records: Vec<Json> = input
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            if let Some(map) = r.as_object_mut() {
                map.insert("id".to_owned(), Json::String(format!("{i}")));
            }
            r
        })
        .collect();
    let batch = batch_from_json(input.rules.schema(), &input.rules.reads(), &records, &Style::default())
        .map_err(|e| format!("building the batch: {e}"))?;
    static FILES: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "recordlock-prune-{}-{}.parquet",
        std::process::id(),
        FILES.fetch_add(1, Ordering::Relaxed)
    ));
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(group_rows)).build();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).map_err(|e| e.to_string())?, batch.schema(), Some(props))
            .map_err(|e| e.to_string())?;
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    let source = read::parquet(&path, input.rules, MappingOptions::default()).map_err(|e| e.to_string())?;
    let mut answers = Vec::with_capacity(records.len());
    for part in source.parts {
        match part.map_err(|e| e.to_string())? {
            Part::Skipped(rows) => {
                *pruned += 1;
                answers.extend((0..rows).map(|_| Answer::Rule(None)));
            }
            Part::Batch(b) => answers.extend(outcomes(&source.plan, &b.batch)?),
            Part::Deferred { read, .. } => {
                for b in read()? {
                    answers.extend(outcomes(&source.plan, &b?.batch)?);
                }
            }
        }
    }
    std::fs::remove_file(&path).map_err(|e| e.to_string())?;
    Ok(answers)
}

fn outcomes(plan: &ColumnarPlan, batch: &RecordBatch) -> Result<Vec<Answer>, String> {
    let result = plan.evaluate(batch).map_err(|e| e.to_string())?;
    Ok((0..batch.num_rows())
        .map(|row| match result.outcome(row) {
            RowOutcome::Unevaluable(_) => Answer::Unevaluable,
            RowOutcome::Locked(i) => Answer::Rule(Some(i)),
            RowOutcome::Unlocked => Answer::Rule(None),
        })
        .collect())
}

impl Backend for Columnar {
    fn name(&self) -> &str {
        "columnar"
    }

    fn run(&mut self, input: &Input<'_>) -> Result<Vec<Answer>, Unsupported> {
        self.runs += 1;
        let mut hasher = DefaultHasher::new();
        input.config.to_string().hash(&mut hasher);
        Json::Array(input.records.to_vec()).to_string().hash(&mut hasher);
        let seed = hasher.finish();
        let mut answers: Option<(Vec<Answer>, Style)> = None;
        for (style, copies) in styles(seed) {
            let got = self.answers(input, &style, copies, seed).unwrap_or_else(|e| {
                panic!("columnar, {style:?}: {e}\n  config: {}\n  records: {:?}", input.config, input.records)
            });
            match &answers {
                None => answers = Some((got, style)),
                Some((first, first_style)) if *first != got => panic!(
                    "columnar encodings disagree:\n  {first_style:?}: {first:?}\n  {style:?}: {got:?}\n  config: {}\n  records: {}",
                    input.config,
                    Json::Array(input.records.to_vec())
                ),
                Some(_) => {}
            }
        }
        let answers = answers.map(|(a, _)| a).unwrap_or_default();
        // Groups of one row (every row's statistics exact) and of three (nulls beside values).
        for group_rows in [1, 3] {
            let through_parquet = parquet_answers(input, group_rows, &mut self.pruned)
                .unwrap_or_else(|e| panic!("columnar through Parquet: {e}\n  config: {}", input.config));
            if through_parquet != answers {
                panic!(
                    "columnar through Parquet row groups of {group_rows} (some pruned) disagrees:\n  batch:   {answers:?}\n  parquet: {through_parquet:?}\n  config: {}\n  records: {}",
                    input.config,
                    Json::Array(input.records.to_vec())
                );
            }
        }
        Ok(answers)
    }
}

/// SPEC.md §2 and §4 on every data file and 2,000 generated cases (`PROPTEST_CASES` to
/// change), each in five encodings.
#[test]
fn columnar_matches_the_reference() {
    let mut engine = Columnar { runs: 0, pruned: 0 };
    let report = differential(&mut engine, 2_000);
    assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
    assert!(report.generated_cases >= 1, "no generated case ran");
    assert!(report.locked > 0 && report.unevaluable > 0, "both outcomes must be exercised: {report:?}");
    assert!(engine.runs > report.generated_cases);
    assert!(engine.pruned > 100, "pruning must be exercised: {} row groups pruned", engine.pruned);
}
