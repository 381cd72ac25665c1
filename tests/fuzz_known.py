"""What the program generator (fuzz_builder.py) keeps out of its programs: the open ferrograd
bugs, each replayed by fuzz_regressions.py meanwhile, and the deliberate differences from torch,
each with its reason."""

from __future__ import annotations

# Op names the generator must not emit while a ferrograd bug they trigger is open (see
# fuzz_regressions.py, which replays each bug). "name@order2": not in second-order programs;
# "name@0d", "name@empty": not on 0-d or empty tensors.
# Empty it once the bugs are fixed.
KNOWN_BUGS: set[str] = set()

# Not bugs: ferrograd saves other tensors than torch for these ops, so modifying one of their
# outputs in place is caught by torch at backward and not by ferrograd, whose gradient stays
# right (it keeps its own copy, or never needed the output). Kept out of in-place programs;
# tests/test_reliability_regressions.py checks the gradients there. "setitem@overlap": torch
# refuses `x[i] = v` when v reads memory the write changes; ferrograd copies v first, as NumPy.
DIFFERENCES: set[str] = {
    "prod@inplace",
    "pow_tensor@inplace",
    # div with a rounding mode: torch's DivBackward2 saves both operands for a zero gradient
    "div_floor@inplace",
    "div_trunc@inplace",
    # in-place ops whose rule saves the output: ferrograd's keeps its own copy
    "exp_@inplace",
    "relu_@inplace",
    "pow_@inplace",
    # (the same, for the in-place forms of the registry's rows that save their output)
    "expm1_@inplace",
    "exp2_@inplace",
    "rsqrt_@inplace",
    "tan_@inplace",
    "hypot_@inplace",
    "copysign_@inplace",
    "celu_@inplace",
    "selu_@inplace",
    # the other way round: torch's batched matmul saves the operands after expand + reshape,
    # which copies them when batch dims broadcast, so torch misses an in-place change to an
    # operand that ferrograd (saving the operands) refuses; neither gradient is ever wrong
    "matmul_batched@inplace",
    "setitem@overlap",
    # torch refuses float32 @ float64 except when an operand is empty (its batched path returns
    # before the dtype check); ferrograd refuses mixed dtypes always
    "matmul@mixed_empty",
    # an entry of a matrix product whose products are all -0.0 (0 * -0.5): torch's BLAS gives
    # +0.0 on some paths (gemv, summing into a zeroed register) and -0.0 on others (an outer
    # product), so its sign, which reciprocal or a division turns into the sign of an infinity,
    # is not a contract; ferrograd's gemm returns -0.0
    "matmul@negative_zero",
    # torch's elementwise ops give a result with their input's memory layout (neg of a transposed
    # tensor is transposed, so view fails on it); ferrograd's results are contiguous, so view
    # succeeds where torch asks for reshape
    "view@strided_result",
    # an int-list index selecting nothing (an empty tensor, or an empty slice on another dim),
    # read or written: torch checks the bounds element by element, so it never checks them
    # there; ferrograd reports an out-of-range index whatever the size
    "index@empty_list",
}
AVOID = KNOWN_BUGS | DIFFERENCES
