#!/usr/bin/env bash
# Runs ferrograd's unsafe code under valgrind's memcheck, in two parts:
#
#   1. rust:  every test binary of `cargo test` (default features: the CPU backend only; the
#             wgpu backend is out of scope, its GPU driver stacks are not valgrind material),
#             twice: SIMD kernels forced to AVX2 (FERROGRAD_SIMD=avx2), then to the scalar
#             path (FERROGRAD_SIMD=scalar). The second pass skips backend::cpu::simd::tests,
#             which call every level the CPU has explicitly and so ran in full in the first.
#             Tests marked #[ignore] (the long ULP sweeps) are not run.
#   2. numpy: tests/valgrind_numpy.py through the extension already installed in .venv (a
#             release build; never rebuilt here), for the NumPy-owned memory that
#             src/bindings/numpy.rs wraps, which cargo test cannot reach.
#
# Usage: scripts/valgrind.sh [all|rust|numpy]      (default: all)
# Env:   VALGRIND_JOBS   valgrind processes at once (default: number of CPUs)
#        VALGRIND_ARGS   extra memcheck options, e.g. "--track-origins=yes" to chase a report
#        PYTHON          interpreter for part 2 (default: .venv/bin/python)
#        CARGO_TARGET_DIR  build folder for part 1 (default: target/valgrind, so this never
#                        contends with other builds over target/)
#
# Error policy: any memcheck error fails the run (--error-exitcode=1), and so do leaks that
# are "definitely" or "indirectly" lost. "Still reachable" (statics, the rayon pool, the
# caching allocator's free lists) and "possibly lost" (rayon worker stacks and thread-locals
# that hold interior pointers while the process exits) are not errors: they are how Rust
# programs end, not leaks. Part 1 needs no suppressions. Part 2 uses
# scripts/valgrind/python.supp, which names each third-party false positive it hides.
#
# AVX-512: valgrind cannot execute AVX-512 instructions (its synthetic CPUID also hides them),
# so part 1 always pins the kernels to AVX2 or lower with FERROGRAD_SIMD, whatever the host.
set -euo pipefail
cd "$(dirname "$0")/.."

part=${1:-all}
case "$part" in all | rust | numpy) ;; *)
  echo "usage: $0 [all|rust|numpy]" >&2
  exit 2
  ;;
esac
jobs=${VALGRIND_JOBS:-$(nproc)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/valgrind}
logs=$CARGO_TARGET_DIR/valgrind-logs
extra=(${VALGRIND_ARGS:-})
start=$SECONDS

if ! command -v valgrind >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo -n"; fi
  echo "==> installing valgrind (apt-get)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind >/dev/null
fi

memcheck=(valgrind --tool=memcheck --error-exitcode=1 --leak-check=full
  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
  --num-callers=40 "${extra[@]}")

if grep -qw avx512f /proc/cpuinfo; then
  echo "==> this CPU has AVX-512, which valgrind cannot run: the kernels are pinned to AVX2 and scalar"
fi

rm -rf "$logs"
mkdir -p "$logs"
total_tests=0
total_errors=0
failed=()

# Counts the tests a libtest log ran and the errors memcheck reported.
tally() {
  local log=$1 n e
  n=$(sed -n 's/^test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log" |
    awk '{s += $1 + $2} END {print s + 0}')
  e=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
  total_tests=$((total_tests + n))
  total_errors=$((total_errors + e))
  echo "    $(basename "$log" .log): $n tests, $e errors"
}

if [ "$part" != numpy ]; then
  echo "==> building the test binaries (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  json=$(nice -n 10 cargo test --locked --no-run --message-format=json 2>/dev/null)
  mapfile -t bins < <(printf '%s\n' "$json" |
    sed -n 's/.*"profile":{[^}]*"test":true[^}]*}.*"executable":"\([^"]*\)".*/\1/p' | sort -u)
  if [ "${#bins[@]}" = 0 ]; then
    echo "no test binaries found (run: cargo test --no-run)" >&2
    exit 1
  fi
  echo "==> memcheck over ${#bins[@]} test binaries, levels avx2 and scalar, $jobs at a time (logs: $logs)"
  pids=()
  names=()
  running=0
  for bin in "${bins[@]}"; do
    for level in avx2 scalar; do
      name="$(basename "$bin")-$level"
      args=()
      if [ "$level" = scalar ]; then args=(--skip backend::cpu::simd::tests); fi
      if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
      fi
      (FERROGRAD_SIMD=$level RUST_BACKTRACE=1 nice -n 10 "${memcheck[@]}" "$bin" "${args[@]}" \
        >"$logs/$name.log" 2>&1) &
      pids+=($!)
      names+=("$name")
      running=$((running + 1))
    done
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then failed+=("${names[$i]}"); fi
  done
  for n in "${names[@]}"; do tally "$logs/$n.log"; done
  bin_count=${#bins[@]}
else
  bin_count=0
fi

if [ "$part" != rust ]; then
  py=${PYTHON:-.venv/bin/python}
  if ! "$py" -c "import numpy, ferrograd" >/dev/null 2>&1; then
    echo "part 2 needs numpy and an installed ferrograd in $py (scripts/test.sh sets .venv up)" >&2
    exit 1
  fi
  echo "==> memcheck over tests/valgrind_numpy.py ($py, the installed release extension)"
  # PYTHONMALLOC=malloc: every Python object comes from malloc, so memcheck sees each one
  # (pymalloc's arenas would hide use-after-free of objects). --undef-value-errors=no: CPython
  # 3.11 reads an uninitialised digit of every zero int (fixed in 3.12), which taints small
  # int 0 everywhere; addressability (use-after-free, out of bounds) and leaks stay checked.
  pysupp=(--suppressions=scripts/valgrind/python.supp)
  if [ -f /usr/lib/valgrind/python3.supp ]; then pysupp+=(--suppressions=/usr/lib/valgrind/python3.supp); fi
  log=$logs/valgrind_numpy.log
  if ! PYTHONMALLOC=malloc nice -n 10 valgrind --tool=memcheck --error-exitcode=1 --undef-value-errors=no \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=40 \
    "${pysupp[@]}" "${extra[@]}" "$py" tests/valgrind_numpy.py >"$log" 2>&1; then
    failed+=(valgrind_numpy)
  fi
  checks=$(sed -n 's/^valgrind_numpy: \([0-9]*\) checks passed/\1/p' "$log")
  e=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | awk '{s += $1} END {print s + 0}')
  total_errors=$((total_errors + e))
  echo "    valgrind_numpy: ${checks:-0} checks, $e errors"
fi

secs=$((SECONDS - start))
echo "valgrind: $total_tests tests in $bin_count binaries, $total_errors errors" \
  "(${secs}s; Rust tests counted once per SIMD pass, avx2 + scalar; numpy script: ${checks:-not run} checks)"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED: ${failed[*]} (see $logs)" >&2
  exit 1
fi
