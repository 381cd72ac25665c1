#!/usr/bin/env bash
# The full hostile-input sweep (every case of tests/hostile_cases.py; the pytest test runs a third
# of them): prints each failure, then "hostile: N calls, C crashes, X changed inputs, M mismatches";
# --update-known rewrites tests/hostile_known.txt, the list of open mismatches.
# -q prints the summary line only.
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 10 .venv/bin/python tests/test_hostile_inputs.py "$@"
