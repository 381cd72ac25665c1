"""In-place update helpers shared by the optimizers, composed from ferrograd's in-place ops.

Each follows the element formula of torch's CPU kernel of the same name, so that float64 updates
agree with torch's to rounding. All are called under ``no_grad``.
"""

from __future__ import annotations

from .. import _core
from .._core import Tensor, tensor


def lerp_(a: Tensor, b: Tensor, weight: float) -> Tensor:
    """``a.lerp_(b, weight)``: torch's formula, ``a + w (b - a)`` for ``|w| < 0.5``, else
    ``b - (b - a)(1 - w)``."""
    if abs(weight) < 0.5:
        return a.add_((b - a).mul(weight))
    return a.copy_(b - (b - a).mul(1 - weight))


def addcmul_(a: Tensor, t1: Tensor, t2: Tensor, value: float = 1.0) -> Tensor:
    """``a.addcmul_(t1, t2, value=value)``: ``a + value * t1 * t2``."""
    if value == 1:
        return a.add_(t1 * t2)
    return a.add_(t1.mul(value).mul(t2))


def addcdiv_(a: Tensor, t1: Tensor, t2: Tensor, value: float = 1.0) -> Tensor:
    """``a.addcdiv_(t1, t2, value=value)``: ``a + value * t1 / t2``."""
    if value == 1:
        return a.add_(t1 / t2)
    return a.add_(t1.mul(value).div(t2))


def new_step() -> Tensor:
    """The ``step`` counter of a parameter's state: a float32 scalar on the CPU, as in torch."""
    return _core.zeros(())


def step_to_tensor(state: dict) -> None:
    """Turns a plain-number ``step`` (an old state dict) into the float32 tensor torch keeps."""
    if len(state) != 0 and "step" in state and not isinstance(state["step"], Tensor):
        state["step"] = tensor(float(state["step"]))
