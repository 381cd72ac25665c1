#!/usr/bin/env bash
# Long differential-fuzzing run: N random tensor programs (default 5000, not derandomized) run in
# ferrograd and in torch (tests/fuzz_programs.py). Prints
#   fuzz: N programs, M mismatches, S s
# and exits non-zero on a mismatch, after printing the shrunk program (paste it into
# tests/fuzz_regressions.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python tests/fuzz_programs.py "${1:-5000}"
