"""Differential fuzzing of ferrograd against torch with random tensor programs.

A *program* is a plain, printable literal::

    {"order2": False, "ops": [("leaf", (2, 3), "float32", 7, True, "uniform"),
                              ("exp", 0), ("add", 1, 0), ("sum", 2, (1,), False)]}

Every instruction appends its result(s) to a list of values and refers to earlier values by their
position in that list (an ``int``); a ``float`` in an operand position is a Python scalar. One small
interpreter (``run_program``) runs a program against either module, so a failing program printed
by Hypothesis can be pasted as-is into ``fuzz_regressions.py``.

``check_program`` runs a program in torch and in ferrograd and compares every value (shape, dtype,
requires_grad, elements with NaN positions exact), the ``.grad`` of every leaf after backward of a
weighted sum of all float values that require grad, and, with ``"order2"``, second derivatives
(``autograd.grad(..., create_graph=True)`` then a second ``autograd.grad``). When torch raises
(e.g. a tensor saved for backward was modified in place), ferrograd must raise the same builtin
exception type at the same step.

Besides the hand-written ops below (the elementwise ops not in the op table yet, reductions,
views, indexing, matmul, in-place ops, ...), every entry of the test registry (tests/opinfo.py:
unary, binary, ternary and activation rows) is an op the generator draws, with operands from the
entry's domain and dtypes and parameters from its parameter sets (``_Builder.gen_registry``). Its
instructions are named by the form they call: ``("t.<name>", ...)`` is ``torch.<name>(...)``,
``("m.<name>", x, ...)`` the method ``x.<name>(...)``, ``("F.<name>", ...)``
``nn.functional.<name>(...)``; a name ending in ``_`` is the in-place form, and an alias is
called by its own name. Their operands: an int is a value, a float a Python number, a dict
keyword arguments and a tuple positional parameters.

``programs()`` is the Hypothesis strategy. It builds a program one instruction at a time and runs
each instruction in torch right away, so parameters are drawn from the real shapes of the values
(no second copy of every op's shape rules).

The fuzzer's parts, one file each: the interpreter (fuzz_interpreter.py: ``run_program``), the
comparison (fuzz_compare.py: ``check_program``), the generator (fuzz_builder.py: ``programs``)
and what the generator keeps out (fuzz_known.py: ``KNOWN_BUGS``, ``DIFFERENCES``). This module
is their entry point: the names the tests use, and ``main``, the long profile
(``scripts/fuzz.sh N``: N fresh random programs).
"""

from __future__ import annotations

import time

import ferrograd as fg
from fuzz_builder import programs
from fuzz_compare import _as_float64, _compare_with_noise, _noise_floor, check_program, compare_outcomes
from fuzz_interpreter import run_program
from fuzz_known import AVOID, DIFFERENCES, KNOWN_BUGS

__all__ = [
    "AVOID",
    "DIFFERENCES",
    "KNOWN_BUGS",
    "_as_float64",
    "_compare_with_noise",
    "_noise_floor",
    "check_program",
    "compare_outcomes",
    "fg",
    "main",
    "programs",
    "run_program",
]


def main(n: int) -> int:
    """Runs ``n`` random programs (not derandomized); prints a summary line, 1 on a mismatch."""
    from hypothesis import HealthCheck, given, settings

    count = [0]

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(prog=programs())
    def fuzz(prog):
        count[0] += 1
        check_program(prog)

    start = time.perf_counter()
    mismatches = 0
    try:
        fuzz()
    except BaseException as e:  # an ExceptionGroup when Hypothesis found several bugs
        if isinstance(e, KeyboardInterrupt):
            raise
        mismatches = len(getattr(e, "exceptions", [e]))
        import traceback

        traceback.print_exc()
    print(f"fuzz: {count[0]} programs, {mismatches} mismatches, {time.perf_counter() - start:.1f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
