#!/usr/bin/env bash
# Fuzzes the Rust core's shape, stride, broadcast and index arithmetic with cargo-fuzz
# (libFuzzer + AddressSanitizer), each target for a given time, and prints what it did.
#
# Usage: scripts/fuzz_rust.sh [seconds per target (default 60)] [target ...]  (default: all)
# Env:   FUZZ_SANITIZER  address (default) or none (about 2x the executions, no ASan)
#        FUZZ_JOBS       libFuzzer processes per target (default 1)
#
# Targets (fuzz/fuzz_targets/, harness code in fuzz/src/):
#   shape_ops    random programs of reshape/view/permute/transpose/expand/squeeze/unsqueeze/
#                select/slice/narrow/flatten/contiguous/clone, broadcasting add, x[...] with
#                basic and integer-tensor indices (in and out of range), index_put_, fill_ and
#                copy_ (also from a tensor sharing the destination's storage), each checked
#                element by element against a naive reference model.
#   layout_math  shape.rs and layout.rs on arbitrary shapes and strides: broadcast_shapes,
#                infer_shape, normalize_dim(s), checked_numel, reshape_view, broadcast_to.
# Every input the reference rejects must come back as Err; a panic, an overflow (debug
# assertions are on) or an ASan report is a crash, saved under fuzz/artifacts/<target>/.
#
# Stable Rust: cargo-fuzz hands rustc nightly-only flags (-Zsanitizer=address and the
# sanitizer-coverage passes). RUSTC_BOOTSTRAP=1 makes the stable toolchain (1.95 here) accept
# them; ASan works with it, only --build-std (an instrumented std) would need a real nightly,
# and cargo-fuzz does not use it by default.
#
# Replaying without libFuzzer: `cd fuzz && cargo test --release` runs every file in
# fuzz/seeds/<target>/ (committed regressions) and fuzz/corpus/<target>/ (what a fuzzing run
# left here, not committed) plus a fixed batch of pseudo-random inputs; set
# FUZZ_REPLAY_CASES=N for more of those. To reproduce a crash:
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run <target> artifacts/<target>/crash-...
# and copy the file into fuzz/seeds/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs=${1:-60}
shift || true
san=${FUZZ_SANITIZER:-address}
fjobs=${FUZZ_JOBS:-1}
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

echo "==> building ${targets[*]} (sanitizer: $san)"
if [ "$#" -gt 0 ]; then
  for t in "${targets[@]}"; do nice -n 10 cargo fuzz build -s "$san" "$t"; done
else
  nice -n 10 cargo fuzz build -s "$san" # every target in one cargo run
fi

mkdir -p logs
total_execs=0
total_crashes=0
start=$SECONDS
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  log=logs/$t.log
  echo "==> fuzzing $t for ${secs}s (log: fuzz/$log)"
  t0=$SECONDS
  # New inputs go to corpus/<t> (the first folder); seeds/<t> is read only.
  nice -n 10 cargo fuzz run -s "$san" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -max_len=512 -timeout=10 -rss_limit_mb=4096 \
    -jobs="$fjobs" -workers="$fjobs" -print_final_stats=1 >"$log" 2>&1 || true
  took=$((SECONDS - t0))
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$log" fuzz-*.log 2>/dev/null |
    awk '{s += $1} END {print s + 0}')
  after=$(find "artifacts/$t" -type f | wc -l)
  crashes=$((after - before))
  total_execs=$((total_execs + execs))
  total_crashes=$((total_crashes + crashes))
  echo "    $t: $execs executions in ${took}s, $crashes crashes, corpus $(find "corpus/$t" -type f | wc -l) inputs"
  if [ "$crashes" -gt 0 ]; then
    find "artifacts/$t" -type f -newer "$log" -o -type f -name 'crash-*' | head -5 | sed 's/^/      /'
  fi
done
rm -f fuzz-*.log
echo "fuzz: ${#targets[@]} targets, $total_execs executions in $((SECONDS - start))s, $total_crashes crashes"
[ "$total_crashes" = 0 ]
