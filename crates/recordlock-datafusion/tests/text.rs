//! DataFusion's `lower`, `LIKE` and substring functions against recordlock's own text rules
//! (SPEC.md §2 Text): verified, not assumed.
#![expect(clippy::panic, reason = "tests report failures by panicking")]

use std::sync::Arc;

use datafusion::arrow::array::{Array, BooleanArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::functions::expr_fn::lower;
use datafusion::prelude::{SessionContext, ident};
use recordlock::criteria::{LikePattern, fold};

const SAMPLES: &[&str] = &[
    "STRASSE",
    "Straße",
    "ΟΔΟΣ",
    "ΣΑΣ ΣΑΣ.",
    "Σ",
    "aΣ",
    "İstanbul",
    "I",
    "ǅemal",
    "ΐ",
    "ﬃ",
    "K", // Kelvin sign
    "Ω", // Ohm sign
    "ÀÉÎ",
    "ACME\\Corp",
    "100% _done_",
    "",
    "line\nbreak",
];

fn strings(values: &[&str]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
    let column = StringArray::from(values.to_vec());
    RecordBatch::try_new(schema, vec![Arc::new(column)]).unwrap_or_else(|e| panic!("{e}"))
}

fn run(batch: RecordBatch, exprs: Vec<datafusion::prelude::Expr>) -> Vec<RecordBatch> {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let ctx = SessionContext::new();
        let df = ctx.read_batch(batch).unwrap_or_else(|e| panic!("{e}"));
        df.select(exprs).unwrap_or_else(|e| panic!("{e}")).collect().await.unwrap_or_else(|e| panic!("{e}"))
    })
}

/// DataFusion's `lower` is Rust's `str::to_lowercase`, ours: final sigma, ß, dotted İ.
#[test]
fn lower_is_rusts_unicode_lowercase() {
    let out = run(strings(SAMPLES), vec![lower(ident("s"))]);
    let got: Vec<String> = out
        .iter()
        .flat_map(|b| {
            let a = b.column(0).as_any().downcast_ref::<StringArray>().unwrap_or_else(|| panic!("not utf8"));
            (0..a.len()).map(|i| a.value(i).to_owned()).collect::<Vec<_>>()
        })
        .collect();
    let want: Vec<String> = SAMPLES.iter().map(|s| fold(s)).collect();
    assert_eq!(got, want);
    // The cases the issue names, spelled out.
    assert_eq!(fold("ΟΔΟΣ"), "οδος");
    assert_eq!(fold("STRASSE"), "strasse");
    assert_ne!(fold("STRASSE"), fold("Straße"));
    assert_eq!(fold("İ"), "i\u{307}");
}

/// `LIKE` through the lowering's escaping agrees with recordlock's `LikePattern` on every
/// sample, including `\`, `%`, `_`, newlines and multi-byte characters.
#[test]
fn like_agrees_with_recordlock() {
    let patterns = [
        "%",
        "_",
        "a%",
        "%ß",
        "acme\\%",
        "acme\\c%",
        "%\\_%",
        "100%",
        "100\\%%",
        "%_done_",
        "σ",
        "%σ",
        "_σ%",
        "%\n%",
        "line_break",
        "i_stanbul",
    ];
    let folded: Vec<String> = SAMPLES.iter().map(|s| fold(s)).collect();
    let folded_refs: Vec<&str> = folded.iter().map(String::as_str).collect();
    for p in patterns {
        let pattern = LikePattern::new(p);
        let expr = recordlock_datafusion::lower::like_expr(ident("s"), pattern.as_str());
        let out = run(strings(&folded_refs), vec![expr]);
        let got: Vec<bool> = out
            .iter()
            .flat_map(|b| {
                let a = b.column(0).as_any().downcast_ref::<BooleanArray>().unwrap_or_else(|| panic!("not bool"));
                (0..a.len()).map(|i| a.value(i)).collect::<Vec<_>>()
            })
            .collect();
        let want: Vec<bool> = folded.iter().map(|s| pattern.matches(s)).collect();
        assert_eq!(got, want, "pattern {p:?} over {folded:?}");
    }
}
