"""Activations: the ones written in Python (the op table's activation rows are compiled; the
package installs them), softmax and log_softmax, and the in-place forms of the table's rows."""

from __future__ import annotations

import warnings

from ... import _core
from ..._checks import check_dim, check_floating
from ..._core import Tensor
from ..._signature import signature


# ``inplace`` is ``object``: torch's Python picks the in-place form by its truth value.
@signature("relu(Tensor input, object inplace=False)")
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``."""
    return input.relu_() if inplace else input.relu()


def _write_back(input: Tensor, op) -> Tensor:
    """``input.copy_(op(input))``, returning ``input``: the in-place form of an activation that has
    no in-place kernel (one CopyBackwards node over ``op``'s; torch records the op itself, e.g.
    LeakyReluBackward1). While a graph is recorded, ``op`` runs on a clone: the input its node saves
    must not be the tensor ``copy_`` then overwrites, or backward would find it modified in place."""
    recording = input.requires_grad and _core.is_grad_enabled()
    input.copy_(op(input.clone() if recording else input))
    return input


@signature("leaky_relu(Tensor input, Scalar negative_slope=0.01, object inplace=False)")
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    check_floating(input, "leaky_relu")
    if inplace:
        return _write_back(input, lambda t: _core.leaky_relu(t, negative_slope))
    return _core.leaky_relu(input, negative_slope)


@signature("elu(Tensor input, Scalar alpha=1.0, object inplace=False)")
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * expm1(input)`` (one op, EluBackward0)."""
    check_floating(input, "elu")
    if inplace:
        return _write_back(input, lambda t: _core.elu(t, alpha))
    return _core.elu(input, alpha)


@signature("silu(Tensor input, object inplace=False)")
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (one op, SiluBackward0)."""
    check_floating(input, "silu")
    if inplace:
        return _write_back(input, _core.silu)
    return _core.silu(input)


@signature("softplus(Tensor input, Scalar beta=1.0, Scalar threshold=20.0)")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear above ``threshold``."""
    check_floating(input, "softplus")
    return _core.softplus(input, float(beta), float(threshold))


@signature("sigmoid(Tensor input)")
def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``."""
    return input.sigmoid()


@signature("tanh(Tensor input)")
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return input.tanh()


@signature("erf(Tensor input)")
def erf(input: Tensor) -> Tensor:
    """The error function (``torch.erf``; kept here for code written against older ferrograd)."""
    return input.erf()


@signature("gelu(Tensor input, *, str approximate='none')")
def gelu(input: Tensor, *, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``: exact (``'none'``, via erf) or the ``'tanh'`` approximation
    (keyword-only, as in torch); one op (GeluBackward0) with torch's gradient formulas."""
    check_floating(input, "gelu")
    return _core.gelu(input, approximate)


def _get_softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=5,  # the caller of softmax (its parser -> softmax -> _softmax_args -> here)
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_args(input: Tensor, dim, dtype, fn: str) -> int:
    """The dim for softmax/log_softmax (torch's implicit choice when None); without a ``dtype`` to
    cast to, the input must be floating point."""
    if dim is None:
        dim = _get_softmax_dim(fn, input.dim())
    check_dim(dim, input.dim())
    if dtype is None:
        check_floating(input, fn)
    return dim


# (``_stacklevel`` is torch's, unused: the warning's level is fixed here)
@signature("softmax(Tensor input, int? dim=None, object _stacklevel=3, ScalarType? dtype=None)")
def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, computed stably."""
    dim = _softmax_args(input, dim, dtype, "softmax")
    return input.softmax(dim, dtype=dtype)


@signature("log_softmax(Tensor input, int? dim=None, object _stacklevel=3, ScalarType? dtype=None)")
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
