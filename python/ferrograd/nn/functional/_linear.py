"""linear and dropout."""

from __future__ import annotations

import math

from ... import _core
from ..._checks import dtype_name
from ..._core import Tensor
from ..._signature import Signature, signature


@signature("linear(Tensor input, Tensor weight, Tensor? bias=None)")
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``."""
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.dim()}D and {weight.dim()}D"
        )
    if weight.dim() == 1:
        out = input.matmul(weight)
    else:
        if input.shape[-1] != weight.shape[-1]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_mat_str(input)} and "
                f"{weight.shape[1]}x{weight.shape[0]})"
            )
        out = input.matmul(weight.t())
    if bias is not None:
        out = out + bias
    return out


def _mat_str(x: Tensor) -> str:
    if x.dim() == 1:
        return f"1x{x.shape[0]}"
    rows = 1
    for s in x.shape[:-1]:
        rows *= s
    return f"{rows}x{x.shape[-1]}"


# torch's native dropout, which its Python dropout calls after checking p's range
_DROPOUT = Signature("dropout(Tensor input, float p, bool train)")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes each element with probability ``p`` (from ``ferrograd.rand``) and scales the rest by
    ``1 / (1 - p)``; the identity when not ``training``."""
    # torch's Python check (ValueError) lets NaN through to its native one (RuntimeError)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input, p, training = _DROPOUT.parse((input, p, training))
    inplace = bool(inplace)  # (torch picks dropout_ or dropout by its truth value)
    if math.isnan(p):
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        # times a zero of input's own dtype, so integer and bool inputs keep their dtype, as in torch
        factor = _core.zeros((), dtype=input.dtype, device=input.device)
    else:
        if not input.is_floating_point():
            raise RuntimeError(
                f"dropout: result type Float can't be cast to the desired output type {dtype_name(input.dtype)}"
            )
        keep = (_core.rand(tuple(input.shape), dtype=input.dtype, device=input.device) >= p).to(input.dtype)
        factor = keep * (1.0 / (1.0 - p))
    # in place, mul_ as torch's dropout_ does (MulBackward0, saving the factor, not the input)
    return input.mul_(factor) if inplace else input * factor
