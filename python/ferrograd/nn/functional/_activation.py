"""Activations: the ones written in Python (the op table's activation rows are compiled; the
package installs them), softmax and log_softmax, and the in-place forms of the table's rows."""

from __future__ import annotations

import warnings

from ... import _core
from ..._args import (
    check_dim,
    check_floating,
    check_tensor,
    int_arg,
    number_arg,
)
from ..._core import Tensor


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``."""
    check_tensor(input, "input", "relu")
    return input.relu_() if inplace else input.relu()


def _write_back(input: Tensor, op) -> Tensor:
    """``input.copy_(op(input))``, returning ``input``: the in-place form of an activation that has
    no in-place kernel (one CopyBackwards node over ``op``'s; torch records the op itself, e.g.
    LeakyReluBackward1). While a graph is recorded, ``op`` runs on a clone: the input its node saves
    must not be the tensor ``copy_`` then overwrites, or backward would find it modified in place."""
    recording = input.requires_grad and _core.is_grad_enabled()
    input.copy_(op(input.clone() if recording else input))
    return input


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    check_tensor(input, "input", "leaky_relu")
    negative_slope = number_arg(negative_slope, "negative_slope", "leaky_relu")
    check_floating(input, "leaky_relu")
    if inplace:
        return _write_back(input, lambda t: _core.leaky_relu(t, negative_slope))
    return _core.leaky_relu(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * expm1(input)`` (one op, EluBackward0)."""
    check_tensor(input, "input", "elu")
    alpha = number_arg(alpha, "alpha", "elu")
    check_floating(input, "elu")
    if inplace:
        return _write_back(input, lambda t: _core.elu(t, alpha))
    return _core.elu(input, alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (one op, SiluBackward0)."""
    check_tensor(input, "input", "silu")
    check_floating(input, "silu")
    if inplace:
        return _write_back(input, _core.silu)
    return _core.silu(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear above ``threshold``."""
    check_tensor(input, "input", "softplus")
    beta = number_arg(beta, "beta", "softplus")
    threshold = number_arg(threshold, "threshold", "softplus")
    check_floating(input, "softplus")
    return _core.softplus(input, float(beta), float(threshold))


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``."""
    check_tensor(input, "input", "sigmoid")
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    check_tensor(input, "input", "tanh")
    return input.tanh()


def erf(input: Tensor) -> Tensor:
    """The error function (``torch.erf``; kept here for code written against older ferrograd)."""
    check_tensor(input, "input", "erf")
    return input.erf()


def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``: exact (``'none'``, via erf) or the ``'tanh'`` approximation
    (keyword-only, as in torch); one op (GeluBackward0) with torch's gradient formulas."""
    check_tensor(input, "input", "gelu")
    check_floating(input, "gelu")
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not {type(approximate).__name__}")
    return _core.gelu(input, approximate)


def _get_softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=4,  # the caller of softmax (softmax -> _softmax_args -> here)
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_args(input: Tensor, dim, dtype, fn: str) -> int:
    """The dim for softmax/log_softmax (torch's implicit choice when None); without a ``dtype`` to
    cast to, the input must be floating point."""
    check_tensor(input, "input", fn)
    dim = _get_softmax_dim(fn, input.dim()) if dim is None else int_arg(dim, "dim", fn)
    check_dim(dim, input.dim())
    if dtype is None:
        check_floating(input, fn)
    return dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, computed stably."""
    dim = _softmax_args(input, dim, dtype, "softmax")
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(x))``, computed stably."""
    dim = _softmax_args(input, dim, dtype, "log_softmax")
    return input.log_softmax(dim, dtype=dtype)


def _inplace_form(name: str):
    core = getattr(_core, name)

    def f(input: Tensor, *args, **kwargs) -> Tensor:
        return core(input, *args, inplace=True, **kwargs)

    f.__name__ = f.__qualname__ = name + "_"
    f.__doc__ = f"In-place :func:`{name}`."
    return f


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)`` (torch's composite: its nodes are DivBackward0's)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)`` (torch's composite)."""
    return input - input.tanh()
