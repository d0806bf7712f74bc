#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), JOBS at a time (default 1), at the
# lowest CPU priority, logging to /tmp/fuzz-TARGET.log; prints each target's runs and
# executions. Stable toolchains need RUSTC_BOOTSTRAP=1 for cargo-fuzz's flags.
#   fuzz/run-long.sh 1800          # 30 minutes per target, one after another
#   JOBS=2 fuzz/run-long.sh 1800   # two at a time (what the README's figures used)
set -u
cd "$(dirname "$0")"
seconds="${1:-600}"
targets="criteria_vm decide_line config ingest csv parquet sql"
python3 seed-corpora.py >/dev/null
# Build once, then run the binaries, so no run waits on a build.
RUSTC_BOOTSTRAP=1 cargo fuzz build -O || exit 2
run() {
  t="$1"
  mkdir -p "corpus/$t" "artifacts/$t"
  nice -n 19 "target/$(rustc -vV | sed -n 's/^host: //p')/release/$t" -max_total_time="$2" -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" "corpus/$t" > "/tmp/fuzz-$t.log" 2>&1
  echo "$t: exit $? $(grep -E '^Done' "/tmp/fuzz-$t.log")"
}
export -f run
printf '%s\n' $targets | xargs -P "${JOBS:-1}" -I{} bash -c "run {} $seconds"
