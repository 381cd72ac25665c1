"""Differential fuzzing against torch: random tensor programs (fuzz_programs.py) run in both
libraries must agree on values, dtypes, shapes, gradients, second derivatives and errors.

The fast profile here is derandomized (same programs on every run, no example database), so CI
never depends on local state. The long profile is ``scripts/fuzz.sh [N]``.
"""

import fuzz_programs
import pytest
from fuzz_regressions import REGRESSIONS
from hypothesis import HealthCheck, given, settings

pytest.importorskip("torch")

# Sized to run in well under 30 s on a 2-core machine.
FAST_EXAMPLES = 300


@settings(
    max_examples=FAST_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(prog=fuzz_programs.programs())
def test_random_programs_match_torch(prog):
    fuzz_programs.check_program(prog)


@pytest.mark.parametrize("prog", [p for _, p in REGRESSIONS], ids=[name for name, _ in REGRESSIONS])
def test_fuzz_regression(prog):
    fuzz_programs.check_program(prog, strict=True)
