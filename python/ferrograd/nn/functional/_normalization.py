"""layer_norm, batch_norm and normalize."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ... import _core
from ..._checks import check_floating, dim_error, dtype_name
from ..._core import Tensor
from ..._signature import Signature, signature
from ...grad_mode import no_grad


def _check_same_dtype(input: Tensor, fn: str, **params) -> None:
    """torch's normalisation kernels take parameters of the input's dtype only ("mixed dtype")."""
    for name, t in params.items():
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(
                f"{fn}: mixed dtype (CPU): all inputs must share same datatype; input is "
                f"{dtype_name(input.dtype)} but {name} is {dtype_name(t.dtype)}"
            )


@signature(
    "layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, "
    "float eps=1e-05)"
)
def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises over the trailing ``normalized_shape`` dims (biased variance), then scales and shifts."""
    k = len(normalized_shape)
    if k == 0:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, "
            "but got normalized_shape = []"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {list(normalized_shape)}"
            )
    if input.dim() < k or tuple(input.shape[input.dim() - k :]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size{list(input.shape)}"
        )
    check_floating(input, "layer_norm")
    _check_same_dtype(input, "layer_norm", weight=weight, bias=bias)
    return _core._layer_norm(input, k, weight, bias, eps)


def _verify_batch_size(shape) -> None:
    """torch's check that training sees more than one value per channel (N times the spatial
    sizes; a 0-d input has no N: IndexError, as there)."""
    size_prods = shape[0]
    for s in shape[2:]:
        size_prods *= s
    if size_prods == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape}")


def _batch_norm_empty(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """torch's result for an empty input: a copy (not a view) that stays in the weight's graph."""
    out = input.clone()
    if weight is not None:
        out = out * weight.reshape(-1)[0]
    if bias is not None:
        out = out + bias.reshape(-1)[0]
    return out


# torch's native batch_norm parses training, momentum and eps after its Python checks of them
# (the tensors are parsed first, by the decorator; ``object`` passes them on)
_BATCH_NORM_SCALARS = Signature(
    "batch_norm(object input, object weight, object bias, object running_mean, "
    "object running_var, bool training, float momentum, float eps)"
)


@signature(
    "batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight=None, "
    "Tensor? bias=None, object training=False, object momentum=0.1, object eps=1e-5)"
)
def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises each channel (dim 1) with batch statistics (``training``, updating the running ones
    in place with ``momentum`` and the unbiased variance) or with the running statistics."""
    # torch's Python checks, before its argument parser: ``if training:`` (a tensor with several
    # values is ambiguous there) reads the input's shape, and a tensor eps is compared
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    *_, training, momentum, eps = _BATCH_NORM_SCALARS.parse(
        (input, weight, bias, running_mean, running_var, training, momentum, eps)
    )
    params = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    if input.numel() == 0:
        return _batch_norm_empty(input, weight, bias)
    # everything is checked before training mode updates the running statistics in place
    c = input.shape[1] if input.dim() >= 2 else 0
    for name, t in params.items():
        if t is not None and t.numel() != c:
            raise RuntimeError(f"batch_norm: {name} should contain {c} elements not {t.numel()}")
    for name, t in params.items():
        # (torch's kernel reads them as 1-D arrays)
        if t is not None and t.dim() != 1:
            raise RuntimeError(f"batch_norm: {name} must be 1-D, got shape {list(t.shape)}")
    if input.dim() < 2:
        raise dim_error(input.dim(), 1)
    if training and (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    check_floating(input, "batch_norm")
    _check_same_dtype(input, "batch_norm", **params)
    dims = (0,) + tuple(range(2, input.dim()))
    shape = (1, c) + (1,) * (input.dim() - 2)
    if training:
        count = input.numel() // c
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dims, keepdim=True)
        with no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.detach().reshape(c) * momentum)
            if running_var is not None:
                unbiased = var.detach().reshape(c) * (count / (count - 1))
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
        out = centered * (var + eps).sqrt().reciprocal()
    else:
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).sqrt().reciprocal()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


# p as torch's Tensor.norm takes it (a number, None or a matrix norm's name), eps as clamp_min
# does (a number or a tensor)
@signature(
    "normalize(Tensor input, Scalar? p=2.0, int[1]? dim=1, Scalar eps=1e-12, Tensor? out=None)",
    "normalize(Tensor input, str p, int[1]? dim=1, Scalar eps=1e-12, Tensor? out=None)",
    "normalize(Tensor input, Scalar? p=2.0, int[1]? dim=1, Tensor eps, Tensor? out=None)",
    "normalize(Tensor input, str p, int[1]? dim=1, Tensor eps, Tensor? out=None)",
)
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p along dim, eps)``."""
    if out is not None:
        raise TypeError("normalize(): out= is not supported")
    if p is None or isinstance(p, str):
        # torch's Tensor.norm takes None and 'fro' (the 2-norm of a vector); other strings are
        # matrix norms, which need two dims
        if p not in (None, "fro"):
            raise RuntimeError(f"normalize: order {p!r} is not supported for the norm along one dim")
        p = 2
    if not input.is_floating_point():
        raise NotImplementedError(
            f"normalize: linalg.vector_norm: Expected a floating point tensor as input. Got {dtype_name(input.dtype)}"
        )
    if p == math.inf:
        norm = input.abs().amax(dim, keepdim=True)
    elif p == -math.inf:
        norm = input.abs().amin(dim, keepdim=True)
    elif p == 0:
        norm = (input != 0).sum(dim, keepdim=True).to(input.dtype)  # the count of nonzeros
    elif p == 2:
        norm = (input * input).sum(dim, keepdim=True).sqrt()
    else:
        norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    return input / norm.clamp(min=eps)
