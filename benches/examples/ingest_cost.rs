//! The cost of reading generated Deals records, for a deterministic instruction count under
//! callgrind (criterion's times move with the machine's load; instruction counts do not):
//!
//! ```sh
//! cargo build --release -p recordlock-benches --example ingest_cost
//! for mode in none ignored_any walk ingest sweep; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$mode target/release/examples/ingest_cost $mode 20000
//! done
//! ```
//!
//! Each mode generates the same records first; `none` stops there, so a mode's cost per
//! record is (its total - `none`'s total) / N. `ignored_any`: serde_json parses each line into
//! `serde::de::IgnoredAny` (the floor of the issue 15 goal); `ingest`: the policy of
//! `benches/sweep.rs` (five rules) ingests each line for `lock_existing_records`, id required,
//! as a sweep does; `walk`: `scan_object` alone over each line, no key wanted (the quote pass
//! and the member walk, without the UTF-8 check and the row: what the walk itself costs);
//! `sweep`: the whole JSON Lines sweep of the text on one thread (line
//! splitting, ingestion, evaluation, output lines; the text is joined before the passes), read
//! as a reader's input is (copied into chunks); `sweep_bytes`: the same sweep of the text
//! where it is (`sweep_bytes`, no copy). For both sweeps, the environment may set `THREADS` (the pool's size, default 1) and
//! `CHUNK_RECORDS` (`SweepOptions::chunk_records`), to compare chunkings by CPU time:
//!
//! ```sh
//! THREADS=1 CHUNK_RECORDS=512 target/release/examples/ingest_cost sweep 200000 3
//! ```

use recordlock::sweep::{SweepOptions, sweep_bytes, sweep_lines};
use recordlock_benches::{ingested_for_sweep, parsed_into_ignored_any, policy, records};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "ingest".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    // Passes over the same records (default 1): many passes make the mode's own time, which
    // `time` then shows, dwarf the generation's.
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let lines = records(n);
    // The sweep's input, joined once (as the criterion bench does), not in each pass.
    let text = if mode.starts_with("sweep") { lines.join("\n") } else { String::new() };
    let policy = policy(5);
    let started = std::time::Instant::now();
    let count: usize = (0..passes).map(|_| run(&mode, &lines, &text, &policy)).sum();
    println!("{mode}: {count} of {} ({:.3} s for {passes} pass(es))", n * passes, started.elapsed().as_secs_f64());
}

/// One pass of `mode` over `lines` (`text` for `sweep`); how many were read (or locked, for
/// `sweep`).
fn run(mode: &str, lines: &[String], text: &str, policy: &recordlock::Policy) -> usize {
    match mode {
        "none" => 0,
        // The records themselves, to look at (not for counting).
        "print" => {
            lines.iter().for_each(|l| println!("{l}"));
            0
        }
        "ignored_any" => parsed_into_ignored_any(lines),
        "ingest" => ingested_for_sweep(policy, lines),
        // The fast path's walk alone, no key wanted (the text is a `str` already: no UTF-8
        // check, no row).
        "walk" => lines
            .iter()
            .filter(|l| {
                recordlock::criteria::scan_object(std::hint::black_box(l), |_| None::<()>, |(), _, _| {})
                    == recordlock::criteria::Scanned::Done
            })
            .count(),
        "sweep" | "sweep_bytes" => {
            let threads = std::env::var("THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap_or_else(|e| panic!("{e}"));
            let mut locked = 0usize;
            pool.install(|| {
                let mut opts = SweepOptions::default();
                if let Some(n) = std::env::var("CHUNK_RECORDS").ok().and_then(|v| v.parse().ok()) {
                    opts.chunk_records = n;
                }
                if mode == "sweep" {
                    sweep_lines(policy, text.as_bytes(), &opts, |_| locked += 1, |_| {})
                        .unwrap_or_else(|e| panic!("{e}"));
                } else {
                    sweep_bytes(policy, text.as_bytes(), &opts, |_| locked += 1, |_| {});
                }
            });
            locked
        }
        other => panic!("unknown mode {other}: none, print, ignored_any, ingest, walk, sweep or sweep_bytes"),
    }
}
