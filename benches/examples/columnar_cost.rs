//! The peers rule's cost per row in each engine, for instruction counts that do not move
//! with the machine's load (criterion's times do):
//!
//! ```sh
//! cargo build --release -p recordlock-benches --example columnar_cost
//! for mode in none columnar columnar_unkept vm struct; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cc.$mode target/release/examples/columnar_cost $mode 1000
//! done
//! ```
//!
//! Every mode builds the same data first (the 1,024 peers records as typed structs, VM rows
//! and one Arrow batch); `none` stops there, so a mode's instructions per row are its total
//! less `none`'s, over 1,024 × rounds. The building hashes with random keys, so its count
//! moves by up to ~250,000 instructions from one process to the next (±0.25 a row at 1,000
//! rounds); for two places after the point, take a mode at 6,000 rounds less the same mode
//! at 1,000, over 1,024 × 5,000:
//!
//! ```sh
//! for r in 1000 6000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cc.columnar.$r target/release/examples/columnar_cost columnar $r
//! done
//! ```
//!
//! `columnar`: `ColumnarPlan::evaluate` on the batch
//! (its dictionary read once, kept by the plan); `columnar_unkept`: the same on five copies of
//! the batch in turn, each with a dictionary the plan does not keep;
//! `vm`: `Program::matches` on each pre-ingested row; `struct`: the hand-written closure over
//! typed structs (the row-at-a-time floor).

use std::hint::black_box;

use recordlock::criteria::Row;
use recordlock_arrow::{ColumnarPlan, MappingOptions};
use recordlock_benches::compile_rule;
use recordlock_benches::peers_data::{
    criteria, ingested_rows, peers_batch, peers_rule_set, records, typed_deals, typed_rule,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "columnar".to_owned());
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let records = records();
    let (_, program) = compile_rule(&criteria());
    let rows: Vec<Row> = ingested_rows(&records, &program);
    let typed = typed_deals(&records);
    let rule = typed_rule();
    let batch = peers_batch(&records);
    let plan = ColumnarPlan::new(&peers_rule_set(), &batch.schema(), MappingOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    // Five batches of the same records with arrays of their own, in turn: each meets a
    // dictionary the plan does not keep (it keeps four per column).
    let unkept: Vec<_> = (0..5).map(|_| peers_batch(&records)).collect();
    let mut turn = 0;
    let mut locked = 0;
    for _ in 0..rounds {
        locked += match mode.as_str() {
            "none" => 0,
            "columnar" => plan.evaluate(black_box(&batch)).map_or(0, |e| e.locked()),
            "columnar_unkept" => {
                turn = (turn + 1) % unkept.len();
                plan.evaluate(black_box(&unkept[turn])).map_or(0, |e| e.locked())
            }
            "vm" => black_box(&rows).iter().filter(|row| program.matches(row)).count(),
            "struct" => black_box(&typed).iter().filter(|d| rule(d)).count(),
            other => panic!("unknown mode {other}: none, columnar, columnar_unkept, vm or struct"),
        };
    }
    println!("{mode}: {locked} rows locked in {rounds} rounds");
}
