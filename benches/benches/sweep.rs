//! Sweeps over many records, 1 and 2 threads (SPEC.md §3 lock_existing_records).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use recordlock::RuleScope;
use recordlock::sweep::{SweepOptions, count_locked, sweep_bytes, sweep_lines};
use recordlock_benches::{picklist_policy, policy, records, rows};
use serde::de::IgnoredAny;

const N: usize = 1_000_000;

fn sweep_rows(c: &mut Criterion) {
    let policy = picklist_policy();
    let rows = rows(&policy, N);
    let mut g = c.benchmark_group("sweep_rows");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        g.bench_with_input(BenchmarkId::new("picklist_1leaf", threads), &rows, |b, rows| {
            b.iter(|| pool.install(|| count_locked(&policy, black_box(rows), RuleScope::All)))
        });
    }
    g.finish();
}

fn sweep_jsonl(c: &mut Criterion) {
    let policy = policy(5);
    let text = records(N).join("\n");
    let mut g = c.benchmark_group("sweep_jsonl");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        // The floor: serde_json merely validating each line (into `IgnoredAny`), lines split
        // the same way and parsed in parallel chunks on the same threads.
        g.bench_with_input(BenchmarkId::new("serde_json_ignored_any", threads), &text, |b, text| {
            b.iter(|| {
                pool.install(|| {
                    let bytes = text.as_bytes();
                    let mut start = 0;
                    let mut lines: Vec<&[u8]> = memchr::memchr_iter(b'\n', bytes)
                        .map(|end| {
                            let line = bytes.get(start..end).unwrap_or_default();
                            start = end + 1;
                            line
                        })
                        .collect();
                    lines.push(bytes.get(start..).unwrap_or_default());
                    lines
                        .par_chunks(8192)
                        .map(|chunk| chunk.iter().filter(|l| serde_json::from_slice::<IgnoredAny>(l).is_ok()).count())
                        .sum::<usize>()
                })
            })
        });
        g.bench_with_input(BenchmarkId::new("deals_5rules", threads), &text, |b, text| {
            b.iter(|| {
                pool.install(|| {
                    let mut locked = 0u64;
                    sweep_lines(&policy, text.as_bytes(), &SweepOptions::default(), |_| locked += 1, |_| {}).unwrap();
                    locked
                })
            })
        });
        // The same sweep of the text where it is (`sweep_bytes`): no copy into chunks.
        g.bench_with_input(BenchmarkId::new("deals_5rules_in_place", threads), &text, |b, text| {
            b.iter(|| {
                pool.install(|| {
                    let mut locked = 0u64;
                    sweep_bytes(&policy, text.as_bytes(), &SweepOptions::default(), |_| locked += 1, |_| {});
                    locked
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sweep_rows, sweep_jsonl);
criterion_main!(benches);
