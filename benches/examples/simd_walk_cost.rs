//! Would a SIMD JSON parser make the JSON Lines sweep's ingestion pay (issue 15)? The cost of
//! walking generated Deals records with sonic-rs's lazy, checked object iterator and with
//! simd-json's tape, beside serde_json's `IgnoredAny` parse (the floor) and our ingestion, for
//! callgrind's instruction counts and for CPU time (`/usr/bin/time`):
//!
//! ```sh
//! cargo build --release -p recordlock-benches --features simd-parsers --example simd_walk_cost
//! for mode in none ignored_any ingest sonic sonic_keys sonic_ignored_any simd_tape; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$mode target/release/examples/simd_walk_cost $mode 20000
//! done
//! /usr/bin/time -f "%U s" target/release/examples/simd_walk_cost sonic 20000 40
//! ```
//!
//! As in `ingest_cost.rs`, a mode's cost per record is (its total - `none`'s total) / N.
//! `sonic`: `sonic_rs::to_object_iter` over the line's bytes (UTF-8 checked once, every skipped
//! value checked: strings for control characters and escapes, though not the hex digits of
//! `\u`; numbers by the grammar; containers by recursion, without a depth limit), taking the
//! raw text of the fields the sweep bench's policy reads (`id`, `Stage`, `Amount`,
//! `Deal_Name`) and checking that only spaces follow the object; `sonic_keys` also compares
//! every key with the keys seen before, a stand-in for the duplicate-key check;
//! `sonic_ignored_any`: sonic-rs deserializing into `IgnoredAny`; `simd_tape`: simd-json
//! builds its tape of the whole line (every value parsed, numbers to binary, no raw number
//! text), from a copy of the line.
//!
//! Both parsers select their SIMD at compile time unless told otherwise (sonic-rs by
//! `cfg(target_feature)`; simd-json detects at run time with its default features): build
//! with `RUSTFLAGS="-C target-cpu=native"` for the machine's own.

use std::hint::black_box;

use recordlock_benches::{ingested_for_sweep, parsed_into_ignored_any, policy, records};
use serde::de::IgnoredAny;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "sonic".to_owned());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let lines = records(n);
    let policy = policy(5);
    let started = std::time::Instant::now();
    let count: usize = (0..passes).map(|_| run(&mode, &lines, &policy)).sum();
    println!("{mode}: {count} of {} ({:.3} s for {passes} pass(es))", n * passes, started.elapsed().as_secs_f64());
}

/// The fields the sweep bench's policy reads, and `id`.
const READ: [&str; 4] = ["id", "Stage", "Amount", "Deal_Name"];

/// One pass of `mode` over `lines`: how many were read without error.
fn run(mode: &str, lines: &[String], policy: &recordlock::Policy) -> usize {
    match mode {
        "none" => 0,
        "ignored_any" => parsed_into_ignored_any(lines),
        "ingest" => ingested_for_sweep(policy, lines),
        "sonic" => lines.iter().filter(|l| sonic_walk(black_box(l.as_bytes()), false)).count(),
        "sonic_ignored_any" => {
            lines.iter().filter(|l| sonic_rs::from_slice::<IgnoredAny>(black_box(l.as_bytes())).is_ok()).count()
        }
        "sonic_keys" => lines.iter().filter(|l| sonic_walk(black_box(l.as_bytes()), true)).count(),
        "simd_tape" => {
            let mut buffers = simd_json::Buffers::new(4096);
            let mut copy = Vec::with_capacity(4096);
            let mut tape = simd_json::Tape::null();
            let mut ok = 0;
            for l in lines {
                copy.clear();
                copy.extend_from_slice(black_box(l.as_bytes()));
                let mut t = tape.reset();
                if simd_json::fill_tape(&mut copy, &mut buffers, &mut t).is_ok() {
                    ok += usize::from(black_box(t.0.len()) > 0);
                }
                tape = t.reset();
            }
            ok
        }
        other => {
            panic!("unknown mode {other}: none, ignored_any, ingest, sonic, sonic_ignored_any, sonic_keys or simd_tape")
        }
    }
}

/// Walks one line with sonic-rs: true if it is an object whose members all check, with only
/// spaces after it. `keys`: compare each key with those seen before (the duplicate check).
fn sonic_walk(line: &[u8], keys: bool) -> bool {
    let mut seen: [&str; 32] = [""; 32];
    let mut n_seen = 0;
    let mut end = 0usize;
    for member in sonic_rs::to_object_iter(line) {
        let Ok((key, value)) = member else { return false };
        let raw = value.as_raw_str();
        // Where the value ends in `line`, for the check of what follows the object.
        end = raw.as_ptr() as usize - line.as_ptr() as usize + raw.len();
        if READ.contains(&key.as_ref()) {
            black_box(raw);
        }
        if keys {
            if seen[..n_seen].contains(&key.as_ref()) {
                return false;
            }
            if let Some(slot) = seen.get_mut(n_seen) {
                // Keys here borrow the line (no escapes in generated records).
                *slot = match key {
                    std::borrow::Cow::Borrowed(k) => k,
                    std::borrow::Cow::Owned(_) => "",
                };
                n_seen += 1;
            }
        }
    }
    // After the last value: spaces, `}`, spaces, the end.
    let rest = line.get(end..).unwrap_or_default();
    let rest = rest.trim_ascii_start();
    rest.first() == Some(&b'}') && rest.get(1..).unwrap_or_default().trim_ascii().is_empty()
}
