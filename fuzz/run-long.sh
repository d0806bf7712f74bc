#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after another, logging to
# /tmp/fuzz-TARGET.log. Stable toolchains need RUSTC_BOOTSTRAP=1 for cargo-fuzz's flags.
set -u
cd "$(dirname "$0")"
seconds="${1:-600}"
python3 seed-corpora.py >/dev/null
for t in criteria_vm decide_line config ingest; do
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" -- -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 > "/tmp/fuzz-$t.log" 2>&1
  echo "$t: exit $? $(grep -E '^Done' /tmp/fuzz-$t.log)"
done
