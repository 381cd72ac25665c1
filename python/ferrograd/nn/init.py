"""``ferrograd.nn.init``: in-place initialisers (``torch.nn.init``), drawing from ferrograd's RNG
(seed it with ``ferrograd.manual_seed``). The sequences differ from torch's: ferrograd has its own
generator, so seeding both libraries alike does not give equal weights."""

from __future__ import annotations

import math

import numpy as np

from .. import _core
from .._checks import check_fill_value
from .._core import Tensor
from .._signature import Signature
from ..grad_mode import no_grad

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for ``nonlinearity`` (torch's table)."""
    linear_fns = [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    ]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple:
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill_from(tensor: Tensor, values: Tensor) -> Tensor:
    with no_grad():
        tensor.copy_(values)
    return tensor


# The largest finite value of each floating dtype: uniform_'s bounds must lie within it.
_FLOAT_MAX = {_core.float32: float(np.finfo(np.float32).max), _core.float64: float(np.finfo(np.float64).max)}


def _check_uniform_bounds(tensor: Tensor, a: float, b: float) -> None:
    """torch's checks of ``uniform_(a, b)`` for a floating tensor: finite bounds within the dtype,
    ``a <= b``, and a range ``b - a`` the dtype can hold."""
    limit = _FLOAT_MAX.get(tensor.dtype)
    if limit is None:
        return
    for name, v in (("from", a), ("to", b)):
        if not -limit <= v <= limit:
            raise RuntimeError(f"uniform_: {name}={v} is out of bounds for {tensor.dtype}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    if b - a > limit:
        raise RuntimeError(
            f"uniform_ expects to-from <= the largest {tensor.dtype}, but found to={b} and from={a}, "
            "whose difference exceeds it"
        )


# torch's init functions call these Tensor methods, whose parser checks the arguments
_UNIFORM_ = Signature("uniform_(Tensor self, float from=0, float to=1, *, Generator? generator=None)")
_NORMAL_ = Signature("normal_(Tensor self, float mean=0, float std=1, *, Generator? generator=None)")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fills ``tensor`` with samples from U(a, b)."""
    _, a, b, _ = _UNIFORM_.parse((tensor, a, b), {"generator": generator})
    _check_uniform_bounds(tensor, a, b)
    r = _core.rand(tuple(tensor.shape), dtype=tensor.dtype, device=tensor.device)
    return _fill_from(tensor, r * (b - a) + a)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fills ``tensor`` with samples from N(mean, std^2)."""
    _, mean, std, _ = _NORMAL_.parse((tensor, mean, std), {"generator": generator})
    if not std >= 0.0:  # NaN included
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    r = _core.randn(tuple(tensor.shape), dtype=tensor.dtype, device=tensor.device)
    return _fill_from(tensor, r * std + mean)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fills ``tensor`` with ``val`` (a number or a 0-d tensor)."""
    check_fill_value("fill_", val)
    with no_grad():
        tensor.fill_(val)
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fills ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fills ``tensor`` with zeros."""
    with no_grad():
        tensor.zero_()
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fills a 2-D ``tensor`` with the identity matrix."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill_from(
        tensor, _core.eye(tensor.shape[0], tensor.shape[1], dtype=tensor.dtype, device=tensor.device)
    )


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))`` (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """U(-b, b) with ``b = gain * sqrt(3 / fan)`` (He)."""
    if 0 in tuple(tensor.shape):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None
) -> Tensor:
    """N(0, std^2) with ``std = gain / sqrt(fan)`` (He)."""
    if 0 in tuple(tensor.shape):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
