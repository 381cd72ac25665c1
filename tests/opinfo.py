"""The test registry of the op table's ops (src/ops/table.rs), in the spirit of torch's OpInfo:
one entry per op drives every check in tests/test_opinfo.py (parity with torch in both float
dtypes and on wgpu, non-contiguous inputs, method / function / in-place / alias forms, special
values, int64 and bool inputs, node names, float64 gradcheck and gradgradcheck against finite
differences, forward mode). Adding an op to the table means adding its entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Values every op meets in the special-values check (forward only: torch's own gradients at
# singular points are checked where the entry asks for it).
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.5, 1e-30, -1e-30, 100.0, -100.0, np.inf, -np.inf, np.nan)


@dataclass(frozen=True)
class OpInfo:
    name: str
    # the interval random inputs are drawn from (inside the op's domain, away from its poles)
    low: float = -2.0
    high: float = 2.0
    aliases: tuple[str, ...] = ()
    # the gradient is zero almost everywhere (rounding): gradcheck then checks only that
    zero_grad: bool = False
    # extra inputs for the special-values check
    special: tuple[float, ...] = field(default=())
    # tolerances for float32 parity where the op is ill-conditioned (None: helpers' defaults)
    rtol: float | None = None
    atol: float | None = None


UNARY = [
    OpInfo("sin", -3.0, 3.0),
    OpInfo("cos", -3.0, 3.0),
    OpInfo("erf", -3.0, 3.0),
    OpInfo("log1p", -0.9, 3.0, special=(-0.999, -1.5, 1e-8)),
]

BY_NAME = {op.name: op for op in UNARY}
