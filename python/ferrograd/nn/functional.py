"""``ferrograd.nn.functional``: layers and losses as functions (``torch.nn.functional``).

Everything here is composed of ferrograd's differentiable tensor ops, so gradients (of any order)
and the wgpu device come for free. ``conv2d`` and the pooling functions use im2col: the input is
padded with ``cat``, each kernel offset is a strided slice, the slices are stacked and the
convolution is one batched matmul (memory grows with the kernel area; correctness first).
The activations torch records as one op (leaky_relu, silu, elu, gelu, softplus) are single Rust ops here
too, with torch's backward formulas, so gradients agree at their singular points.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from typing import Union

import numpy as np

from .. import _core
from .._args import (
    check_bool,
    check_dim,
    check_floating,
    check_optional_tensor,
    check_tensor,
    dim_error,
    dtype_name,
    float_arg,
    int_arg,
    int_list_arg,
    number_arg,
)
from .._core import Tensor
from ..grad_mode import no_grad

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "erf",
    "gelu",
    "huber_loss",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
    "unfold",
]

_IntOrPair = Union[int, Sequence[int]]


# ---- argument parsing (torch's rules, in ferrograd._args) --------------------------------------


def _pair(x, name: str = "argument", fn: str = "function") -> tuple:
    """Two ints from an int or a sequence of one or two (torch's ``IntArrayRef[2]`` arguments); a
    sequence of another length is a RuntimeError, as in torch."""
    x = int_list_arg(x, name, fn, size=2)
    if len(x) == 1:
        return (x[0], x[0])
    if len(x) != 2:
        raise RuntimeError(
            f"{fn}: expected {name} to be a single integer value or a list of 2 values, got {list(x)}"
        )
    return x


def _py_pair(x) -> tuple:
    """torch.nn.modules.utils._pair: any iterable as a tuple (a tensor gives its rows), anything
    else twice; the values are parsed later, by the function they are passed to."""
    if isinstance(x, Iterable):
        return tuple(x)
    return (x, x)


def _full(shape, value, like: Tensor) -> Tensor:
    return _core.full(tuple(shape), value, dtype=like.dtype, device=like.device)


# ---- linear and activations ----------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``."""
    check_optional_tensor(bias, "bias", "linear")
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
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


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes each element with probability ``p`` (from ``ferrograd.rand``) and scales the rest by
    ``1 / (1 - p)``; the identity when not ``training``."""
    check_tensor(input, "input", "dropout")
    # torch's Python check (ValueError) lets NaN through to its native one (RuntimeError)
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    p = float_arg(p, "p", "dropout")
    inplace = bool(inplace)  # (torch picks dropout_ or dropout by its truth value)
    check_bool(training, "train", "dropout")
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


# ---- embedding and normalisation -----------------------------------------------------------------


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at the (int64) indices ``input``; ``padding_idx``'s row gets no gradient."""
    check_tensor(input, "indices", "embedding")
    check_tensor(weight, "weight", "embedding")
    # torch's order: the range of padding_idx (asserted in Python, before its type is parsed), then
    # the weight's rank and the indices' dtype (all before max_norm renormalises weight in place)
    if padding_idx is not None:
        n = weight.shape[0]
        if padding_idx > 0 and not padding_idx < n or padding_idx < 0 and not padding_idx >= -n:
            raise AssertionError(f"Padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx = int_arg(padding_idx, "padding_idx", "embedding")
        if padding_idx < 0:
            padding_idx += n
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {list(weight.shape)}")
    if input.dtype != _core.int64:
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.dtype} instead (while checking arguments for embedding)"
        )
    if weight.shape[0] == 0 and input.numel():
        raise RuntimeError(
            "embedding: index_select(): self indexing axis dim should be positive (weight has 0 rows)"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if max_norm is not None:
        max_norm = float_arg(max_norm, "max_norm", "embedding_renorm_")
        norm_type = float_arg(norm_type, "norm_type", "embedding_renorm_")
        _embedding_renorm_(weight, input, max_norm, norm_type)
    out = weight[input]
    if padding_idx is not None and weight.requires_grad:
        mask = (input == padding_idx).unsqueeze(-1)
        out = _core.where(mask, out.detach(), out)
    return out


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Rescales, in place and without recording, the rows of ``weight`` that ``input`` uses whose
    ``norm_type`` norm exceeds ``max_norm`` (torch's ``embedding_renorm_``)."""
    rows = np.unique(input.detach().cpu().numpy().reshape(-1))
    if rows.size == 0:
        return
    with no_grad():
        idx = _core.from_numpy(rows.astype(np.int64)).to(weight.device)
        sel = weight[idx]
        if norm_type == math.inf:
            norms = sel.abs().amax(1, keepdim=True)
        elif norm_type == 0:
            norms = (sel != 0).sum(1, keepdim=True).to(sel.dtype)  # the count of nonzeros
        else:
            norms = (sel.abs() ** norm_type).sum(1, keepdim=True) ** (1.0 / norm_type)
        scale = _core.where(norms > max_norm, (norms + 1e-7).reciprocal() * max_norm, 1.0)
        weight[idx] = sel * scale


def _check_same_dtype(input: Tensor, fn: str, **params) -> None:
    """torch's normalisation kernels take parameters of the input's dtype only ("mixed dtype")."""
    for name, t in params.items():
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(
                f"{fn}: mixed dtype (CPU): all inputs must share same datatype; input is "
                f"{dtype_name(input.dtype)} but {name} is {dtype_name(t.dtype)}"
            )


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalises over the trailing ``normalized_shape`` dims (biased variance), then scales and shifts."""
    check_tensor(input, "input", "layer_norm")
    normalized_shape = int_list_arg(normalized_shape, "normalized_shape", "layer_norm")
    check_optional_tensor(weight, "weight", "layer_norm")
    check_optional_tensor(bias, "bias", "layer_norm")
    eps = float_arg(eps, "eps", "layer_norm")
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
    dims = tuple(range(input.dim() - k, input.dim()))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dims, keepdim=True)
    out = centered * (var + eps).sqrt().reciprocal()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


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
    check_tensor(input, "input", "batch_norm")
    params = {"running_mean": running_mean, "running_var": running_var, "weight": weight, "bias": bias}
    for name, t in params.items():
        check_optional_tensor(t, name, "batch_norm")
    # torch tests ``if training:`` first (a tensor with several values is ambiguous there), then
    # parses it as a bool
    if training:
        _verify_batch_size(input.shape)
    # (torch's Python checks, before its argument parser: a tensor eps is compared here)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    check_bool(training, "training", "batch_norm")
    momentum = float_arg(momentum, "momentum", "batch_norm")
    eps = float_arg(eps, "eps", "batch_norm")
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


# ---- padding, convolution, pooling ---------------------------------------------------------------


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads (or, with negative amounts, crops) the last ``len(pad) // 2`` dims:
    ``pad = (last_left, last_right, second_last_left, ...)``; only ``mode='constant'``."""
    check_tensor(input, "input", "pad")
    pad = int_list_arg(pad, "pad", "pad")
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' must be str, not {type(mode).__name__}")
    fill = 0.0 if value is None else float_arg(value, "value", "pad")
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension")
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        if input.shape[dim] + pad[2 * i] + pad[2 * i + 1] < 0:
            raise RuntimeError(
                f"pad: the input size {input.shape[dim]}, plus negative padding {pad[2 * i]} and "
                f"{pad[2 * i + 1]} resulted in a negative output size, which is invalid. Check dimension "
                f"{dim} of your input."
            )
    out = input
    for i in range(len(pad) // 2):
        dim = input.dim() - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if left < 0:
            out = out.narrow(dim, -left, out.shape[dim] + left)
            left = 0
        if right < 0:
            out = out.narrow(dim, 0, out.shape[dim] + right)
            right = 0
        parts = []
        if left:
            shape = list(out.shape)
            shape[dim] = left
            parts.append(_full(shape, fill, out))
        parts.append(out)
        if right:
            shape = list(out.shape)
            shape[dim] = right
            parts.append(_full(shape, fill, out))
        if len(parts) > 1:
            out = _core.cat(parts, dim)
    return out


def _windows(x: Tensor, kernel, stride, dilation, out_hw) -> Tensor:
    """(N, C, KH*KW, OH, OW): the input value under each kernel offset for each output position."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    cols = []
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            cols.append(x[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw])
    return _core.stack(cols, 2)


def _out_size(size, k, s, p_total, d, ceil_mode=False, p_left=0):
    eff = d * (k - 1) + 1
    num = size + p_total - eff
    if ceil_mode:
        out = -(-num // s) + 1
        if (out - 1) * s >= size + p_left:
            out -= 1
    else:
        out = num // s + 1
    return out


_MAX_PADDING = (2**63 - 1) // 2


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: _IntOrPair = 1,
    padding: _IntOrPair | str = 0,
    dilation: _IntOrPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of ``input`` (N, C, H, W) or (C, H, W) with ``weight`` (OC, C/groups, KH, KW)."""
    # every argument is parsed (TypeError) before any is checked, as torch's argument parser does
    check_tensor(input, "input", "conv2d")
    check_tensor(weight, "weight", "conv2d")
    check_optional_tensor(bias, "bias", "conv2d")
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if not isinstance(padding, str):
        padding = _pair(padding, "padding", "conv2d")
    groups = int_arg(groups, "groups", "conv2d")
    unbatched = input.dim() == 3
    if input.dim() not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(input.shape)}"
        )
    if unbatched:
        input = input.unsqueeze(0)
    if weight.dim() != 4:
        raise RuntimeError(f"weight should have 4 dimensions for conv2d, got {weight.dim()}")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    n, c, h, w = input.shape
    oc, cg, kh, kw = weight.shape
    if c != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(input.shape)} "
            f"to have {cg * groups} channels, but got {c} channels instead"
        )
    if oc % groups != 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0"
        )
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (tw // 2, tw - tw // 2, th // 2, th - th // 2)
        else:
            raise RuntimeError(f"conv2d: Invalid padding string: {padding!r}")
    else:
        ph, pw = padding
        if ph < 0 or pw < 0:
            raise RuntimeError("negative padding is not supported")
        for i, p in enumerate(padding):
            # torch's bound: the padded size (size + 2 * padding) must fit an int64
            if p > _MAX_PADDING:
                raise RuntimeError(
                    f"Given padding={p} at dimension {i} , expected padding to be at most {_MAX_PADDING}"
                )
        pads = (pw, pw, ph, ph)
    oh = _out_size(h, kh, stride[0], pads[2] + pads[3], dilation[0])
    ow = _out_size(w, kw, stride[1], pads[0] + pads[1], dilation[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({h + pads[2] + pads[3]} x {w + pads[0] + pads[1]}). "
            f"Kernel size: ({dilation[0] * (kh - 1) + 1} x {dilation[1] * (kw - 1) + 1}). "
            "Kernel size can't be greater than actual input size"
        )
    x = pad(input, pads) if any(pads) else input
    cols = _windows(x, (kh, kw), stride, dilation, (oh, ow))  # (N, C, KH*KW, OH, OW)
    cols = cols.reshape(n, groups, cg * kh * kw, oh * ow)
    wmat = weight.reshape(groups, oc // groups, cg * kh * kw)
    out = wmat.matmul(cols).reshape(n, oc, oh, ow)
    if bias is not None:
        out = out + bias.reshape(1, oc, 1, 1)
    return out.squeeze(0) if unbatched else out


def _unfold_pair(x, name: str) -> tuple:
    """unfold's arguments go through torch's Python ``_pair`` (a tensor gives its elements) and
    then must hold exactly 2 ints."""
    v = int_list_arg(_py_pair(x), name, "unfold")
    if len(v) != 2:
        raise RuntimeError(f"unfold: It is expected {name} equals to 2, but got size {len(v)}")
    return v


def unfold(
    input: Tensor,
    kernel_size: _IntOrPair,
    dilation: _IntOrPair = 1,
    padding: _IntOrPair = 0,
    stride: _IntOrPair = 1,
) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C * KH * KW, L), each column one (dilated) window, as ``torch.nn.functional.unfold``."""
    check_tensor(input, "input", "unfold")
    k, d, p, st = (
        _unfold_pair(kernel_size, "kernel_size"),
        _unfold_pair(dilation, "dilation"),
        _unfold_pair(padding, "padding"),
        _unfold_pair(stride, "stride"),
    )
    if input.dim() < 3:
        # torch's im2col reads the channel and height sizes (dims 1 and 2) before checking the rank
        raise dim_error(input.dim(), max(input.dim(), 1))
    if input.dim() > 4:
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    for name, v, least in (("kernel size", k, 1), ("dilation", d, 1), ("padding", p, 0), ("stride", st, 1)):
        if v[0] < least or v[1] < least:
            raise RuntimeError(
                f"unfold: {name} should be {'non-negative' if least == 0 else 'greater than zero'}, "
                f"but got {list(v)}"
            )
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    oh = _out_size(h, k[0], st[0], 2 * p[0], d[0])
    ow = _out_size(w, k[1], st[1], 2 * p[1], d[1])
    # (torch's sizes are int64: a padded size beyond that wraps to a negative block count)
    if oh <= 0 or ow <= 0 or max(h + 2 * p[0], w + 2 * p[1]) >= 2**63:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size={k}, dilation={d}, padding={p}, "
            f"calculated shape of the array of sliding blocks as ({oh}, {ow}), but its components must be at least one."
        )
    if any(p):
        x = pad(x, (p[1], p[1], p[0], p[0]))
    cols = _windows(x, k, st, d, (oh, ow)).reshape(n, c * k[0] * k[1], oh * ow)
    return cols.squeeze(0) if unbatched else cols


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p along dim, eps)``."""
    check_tensor(input, "input", "normalize")
    if out is not None:
        raise TypeError("normalize(): out= is not supported")
    if p is None or isinstance(p, str):
        # torch's Tensor.norm takes None and 'fro' (the 2-norm of a vector); other strings are
        # matrix norms, which need two dims
        if p not in (None, "fro"):
            raise RuntimeError(f"normalize: order {p!r} is not supported for the norm along one dim")
        p = 2
    p = number_arg(p, "p", "normalize")
    if not isinstance(eps, (numbers.Real, Tensor)):  # (torch's clamp_min takes a number or a tensor)
        raise TypeError(f"normalize(): eps must be a number or a Tensor, not {type(eps).__name__}")
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


def _pool_pair(x, name: str, fn: str, omittable: bool = False) -> tuple:
    """A pooling size: one int or two (``omittable``: also empty, for stride), each fitting the
    32-bit int torch's pooling kernels convert it to."""
    v = int_list_arg(x, name, fn, size=2)
    if len(v) == 1:
        v = (v[0], v[0])
    if len(v) != 2 and not (omittable and len(v) == 0):
        also = " omitted," if omittable else ""
        raise RuntimeError(f"{fn}: {name} must either be{also} a single int, or a tuple of two ints")
    if any(not -(2**31) <= i < 2**31 for i in v):
        raise RuntimeError(f"{fn}: {name}={list(v)}: value cannot be converted to type int without overflow")
    return v


def _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, name, reads_channels=False):
    """Parses and checks the pooling arguments in torch's order: types, lengths and int32 range,
    then the input's rank (``reads_channels``: torch reads ``input.size(-3)`` first, an IndexError
    for fewer than 3 dims), then the values."""
    check_tensor(input, "input", name)
    k = _pool_pair(kernel_size, "kernel_size", name)
    s = () if stride is None else _pool_pair(stride, "stride", name, omittable=True)
    s = s or k
    p = _pool_pair(padding, "padding", name)
    d = _pool_pair(dilation, "dilation", name)
    check_bool(ceil_mode, "ceil_mode", name)
    if reads_channels and input.dim() < 3:
        raise dim_error(input.dim(), -3)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D tensor, but got {list(input.shape)}")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero")
    if p[0] > (d[0] * (k[0] - 1) + 1) // 2 or p[1] > (d[1] * (k[1] - 1) + 1) // 2 or p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"{name}: pad should be at most half of effective kernel size")
    return k, s, p, d


def max_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    dilation: _IntOrPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    """Maximum over each (dilated) window; the gradient goes to the first maximum, as in torch.
    ``return_indices`` also gives the flat ``h * W + w`` index of each maximum."""
    k, s, p, d = _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    oh = _out_size(h, k[0], s[0], 2 * p[0], d[0], ceil_mode, p[0])
    ow = _out_size(w, k[1], s[1], 2 * p[1], d[1], ceil_mode, p[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"max_pool2d: Given input size: ({c}x{h}x{w}). Output size is too small")
    # extra right/bottom padding that ceil_mode's last window may need
    extra_h = max(0, (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - (h + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - (w + 2 * p[1]))
    pads = (p[1], p[1] + extra_w, p[0], p[0] + extra_h)
    xp = pad(x, pads, value=-math.inf) if any(pads) else x
    win = _windows(xp, k, s, d, (oh, ow))  # (N, C, K, OH, OW)
    kk = k[0] * k[1]
    flat = win.permute(0, 1, 3, 4, 2).reshape(-1, kk)
    arg = flat.argmax(1)
    out = flat[_core.arange(flat.shape[0], device=flat.device), arg].reshape(n, c, oh, ow)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    a = arg.cpu().numpy().reshape(n, c, oh, ow)
    ki, kj = a // k[1], a % k[1]
    rows = np.arange(oh).reshape(oh, 1) * s[0] - p[0] + ki * d[0]
    cols = np.arange(ow).reshape(1, ow) * s[1] - p[1] + kj * d[1]
    idx = _core.from_numpy(np.ascontiguousarray(rows * w + cols, dtype=np.int64)).to(input.device)
    return out, (idx.squeeze(0) if unbatched else idx)


def avg_pool2d(
    input: Tensor,
    kernel_size: _IntOrPair,
    stride: _IntOrPair | None = None,
    padding: _IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each window (zero padding counted unless ``count_include_pad=False``)."""
    check_bool(count_include_pad, "count_include_pad", "avg_pool2d")
    if divisor_override is not None:
        divisor_override = int_arg(divisor_override, "divisor_override", "avg_pool2d")
    k, s, p, _ = _pool_args(
        input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d", reads_channels=True
    )
    if divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    _, c, h, w = x.shape
    oh = _out_size(h, k[0], s[0], 2 * p[0], 1, ceil_mode, p[0])
    ow = _out_size(w, k[1], s[1], 2 * p[1], 1, ceil_mode, p[1])
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"avg_pool2d: Given input size: ({c}x{h}x{w}). Output size is too small")
    extra_h = max(0, (oh - 1) * s[0] + k[0] - (h + 2 * p[0]))
    extra_w = max(0, (ow - 1) * s[1] + k[1] - (w + 2 * p[1]))
    pads = (p[1], p[1] + extra_w, p[0], p[0] + extra_h)
    xp = pad(x, pads) if any(pads) else x
    total = _windows(xp, k, s, (1, 1), (oh, ow)).sum(2)  # (N, C, OH, OW)
    if divisor_override is not None:
        return (total / divisor_override).squeeze(0) if unbatched else total / divisor_override
    # torch's divisor: the window clipped to the padded input, or to the input itself
    div = np.empty((oh, ow), dtype=np.float64)
    for i in range(oh):
        hs = i * s[0] - p[0]
        he = min(hs + k[0], h + p[0])
        for j in range(ow):
            ws = j * s[1] - p[1]
            we = min(ws + k[1], w + p[1])
            if count_include_pad:
                div[i, j] = (he - hs) * (we - ws)
            else:
                div[i, j] = (min(he, h) - max(hs, 0)) * (min(we, w) - max(ws, 0))
    divisor = _core.tensor(div.tolist(), dtype=input.dtype, device=input.device)
    out = total / divisor
    return out.squeeze(0) if unbatched else out


def _list_with_default(out_size, defaults):
    """torch's Python step before adaptive pooling: an int is passed on as is; in a sequence, each
    None becomes the input's size there (so the input needs more dims than the sequence has)."""
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size) :])]


def adaptive_avg_pool2d(input: Tensor, output_size: _IntOrPair) -> Tensor:
    """Mean over the adaptive windows ``[floor(i*H/OH), ceil((i+1)*H/OH))``."""
    check_tensor(input, "input", "adaptive_avg_pool2d")
    output_size = int_list_arg(
        _list_with_default(output_size, input.shape), "output_size", "adaptive_avg_pool2d", size=2
    )
    if len(output_size) != 2:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be 2, got {list(output_size)}")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d: Expected 3D or 4D tensor, but got {list(input.shape)}")
    h, w = input.shape[-2], input.shape[-1]
    oh, ow = output_size
    if oh < 0 or ow < 0:
        raise RuntimeError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {{{oh}, {ow}}}"
        )
    # The loop below builds one window per output element: refuse sizes no memory can hold
    # (torch fails the same way when it sizes the output) instead of looping for hours.
    if input.numel() // max(1, h * w) * oh * ow >= 2**40:
        raise RuntimeError("adaptive_avg_pool2d: numel: integer multiplication overflow")
    if oh == 0 or ow == 0:
        # an empty output, still in input's graph (an empty slice has no windows to stack)
        return input[..., :0, :0].reshape(tuple(input.shape[:-2]) + (oh, ow))
    rows = []
    for i in range(oh):
        hs, he = (i * h) // oh, -((-(i + 1) * h) // oh)
        row = []
        for j in range(ow):
            ws, we = (j * w) // ow, -((-(j + 1) * w) // ow)
            row.append(input[..., hs:he, ws:we].mean((-2, -1)))
        rows.append(_core.stack(row, -1))
    return _core.stack(rows, -2)


# ---- losses --------------------------------------------------------------------------------------


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction instead.", stacklevel=3
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    if reduce:
        return "sum"
    return "none"


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size(input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def _float_diff(input: Tensor, target: Tensor, fn: str) -> Tensor:
    """``input - target`` in their promoted dtype, as torch's mse/smooth_l1/huber kernels compute
    it: a bool or integer operand is fine beside a float one, not on its own."""
    floats = [t.dtype for t in (input, target) if t.is_floating_point()]
    if not floats:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{dtype_name(input.dtype)}'")
    dtype = _core.float64 if _core.float64 in floats else floats[0]
    return input.to(dtype) - target.to(dtype)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean squared error."""
    check_tensor(input, "input", "mse_loss")
    check_tensor(target, "target", "mse_loss")
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    diff = _float_diff(input, target, "mse_loss")
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None) -> Tensor:
    """Mean absolute error."""
    check_tensor(input, "input", "l1_loss")
    check_tensor(target, "target", "l1_loss")
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_size(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input, target, size_average=None, reduce=None, reduction="mean", beta: float = 1.0
) -> Tensor:
    """Huber-like: ``0.5 d^2 / beta`` below ``beta``, ``|d| - 0.5 beta`` above."""
    check_tensor(input, "input", "smooth_l1_loss")
    check_tensor(target, "target", "smooth_l1_loss")
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    # torch's Python tests ``beta == 0.0`` (the l1 loss) before parsing beta as a float, so a tensor
    # with several values is ambiguous there
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    beta = float_arg(beta, "beta", "smooth_l1_loss")
    if not beta >= 0:  # (NaN too)
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}.")
    d = _float_diff(input, target, "smooth_l1_loss").abs()
    loss = _core.where(d < beta, d * d * (0.5 / beta), d - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """``0.5 d^2`` below ``delta``, ``delta (|d| - 0.5 delta)`` above."""
    check_tensor(input, "input", "huber_loss")
    check_tensor(target, "target", "huber_loss")
    _check_reduction(reduction)
    delta = float_arg(delta, "delta", "huber_loss")
    if not delta > 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got {delta}.")
    # torch's kernel writes the loss in input's dtype: a float result cannot go to an integer input,
    # and a float64 target gives a float32 loss for a float32 input
    if not input.is_floating_point():
        raise RuntimeError(
            f"huber_loss: result type Float can't be cast to the desired output type {dtype_name(input.dtype)}"
        )
    d = _float_diff(input, target, "huber_loss").abs()
    loss = _core.where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta).to(input.dtype)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_last(input: Tensor, target: Tensor, fn: str):
    """(M, C) log-probabilities and (M,) targets from (N, C, d1...) / (N, d1...) or (C,) / () (or
    (C,) / (1,), which torch also takes as one unbatched sample). Shape errors in torch's order:
    the batch sizes (ValueError), then the target's rank and spatial sizes (RuntimeError)."""
    if input.dim() == 0:
        raise ValueError(f"{fn}: Expected 1 or more dimensions (got 0)")
    if input.dim() == 1:
        if target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}"
            )
        if target.dim() > 1:
            raise RuntimeError(
                f"{fn}: 0D or 1D target tensor expected, multi-target not supported (got {target.dim()}D)"
            )
        return input.unsqueeze(0), target.reshape(1), ()
    n = input.shape[0]
    if target.dim() == 0 or target.shape[0] != n:
        raise ValueError(
            f"Expected input batch_size ({n}) to match target batch_size ({target.shape[0] if target.dim() else 0})."
        )
    if input.dim() == 2 and target.dim() != 1:
        raise RuntimeError(
            f"{fn}: 0D or 1D target tensor expected, multi-target not supported (got {target.dim()}D)"
        )
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(
            f"{fn}: expected target of size {[n] + list(input.shape[2:])}, got {list(target.shape)}"
        )
    c = input.shape[1]
    if input.dim() > 2:
        perm = (0,) + tuple(range(2, input.dim())) + (1,)
        input = input.permute(perm)
    return input.reshape(-1, c), target.reshape(-1), tuple(target.shape)


def _class_loss_args(input, target, weight, ignore_index, fn: str) -> int:
    """Parses the arguments nll_loss and cross_entropy share (TypeErrors); returns ignore_index."""
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    check_optional_tensor(weight, "weight", fn)
    return int_arg(ignore_index, "ignore_index", fn)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices ``target`` under log-probabilities ``input``."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    ignore_index = _class_loss_args(input, target, weight, ignore_index, "nll_loss")
    logp, tgt, out_shape = _class_last(input, target, "nll_loss")
    if target.dtype != _core.int64:
        raise RuntimeError(f"nll_loss: expected target dtype to be Long, but got {dtype_name(target.dtype)}")
    check_floating(input, "nll_loss")
    c = logp.shape[1]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"nll_loss: expected scalar type {dtype_name(input.dtype)} but found {dtype_name(weight.dtype)} (weight)"
        )
    ignored = tgt == ignore_index
    bad = ((tgt < 0) | (tgt >= c)).logical_and(ignored.logical_not())
    if tgt.numel() and bool(bad.sum().item()):
        first = tgt[bad][0].item()
        raise IndexError(f"Target {first} is out of bounds.")
    safe = tgt.masked_fill(ignored, 0)
    picked = logp[_core.arange(logp.shape[0], device=logp.device), safe]
    keep = ignored.logical_not().to(logp.dtype)
    w = keep if weight is None else weight[safe] * keep
    loss = picked.neg() * w
    if reduction == "none":
        return loss.reshape(out_shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices, or the soft-label form for a
    ``target`` of ``input``'s shape (class probabilities); ``label_smoothing`` mixes in the uniform
    distribution (torch applies it only when positive, so a negative or NaN one is no smoothing)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    ignore_index = _class_loss_args(input, target, weight, ignore_index, "cross_entropy")
    label_smoothing = float_arg(label_smoothing, "label_smoothing", "cross_entropy")
    smoothing = label_smoothing > 0.0
    if smoothing and label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if tuple(input.shape) == tuple(target.shape):
        if not target.is_floating_point():
            raise RuntimeError(
                "cross_entropy: Expected floating point type for target with class probabilities, "
                f"got {dtype_name(target.dtype)}"
            )
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing if smoothing else 0.0)
    check_floating(input, "log_softmax")
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not smoothing:
        return nll
    c = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = c
    # (an unbatched input's (1,) target is one sample, as in nll_loss)
    ignore_mask = (target.reshape(()) if input.dim() == 1 else target) == ignore_index
    if weight is not None:
        smooth = (logp * weight.reshape(wshape)).sum(class_dim).neg()
    else:
        smooth = logp.sum(class_dim).neg()
    smooth = smooth.masked_fill(ignore_mask, 0.0)
    if reduction == "mean":
        if weight is not None:
            safe = target.reshape(ignore_mask.shape).masked_fill(ignore_mask, 0)
            denom = (weight[safe] * ignore_mask.logical_not().to(weight.dtype)).sum()
        else:
            denom = ignore_mask.logical_not().sum().to(smooth.dtype)
        ret = smooth.sum() / denom
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / c)


def _cross_entropy_probs(
    input: Tensor, target: Tensor, weight, reduction: str, label_smoothing: float
) -> Tensor:
    """cross_entropy with class probabilities ``target`` (of ``input``'s shape)."""
    check_floating(input, "log_softmax")
    class_dim = 0 if input.dim() == 1 else 1
    logp = input.log_softmax(class_dim)
    c = input.shape[class_dim]
    wshape = [1] * input.dim()
    wshape[class_dim] = c
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    prod = logp * target
    if weight is not None:
        if weight.dim() != 1 or weight.shape[0] != c:
            raise RuntimeError(
                f"cross_entropy: weight tensor should be defined either for all {c} classes or no classes "
                f"but got weight tensor of shape: {list(weight.shape)}"
            )
        prod = prod * weight.reshape(wshape)
    loss = prod.sum(class_dim).neg()
    if reduction == "mean":
        return loss.sum() / (input.numel() // c) if input.dim() > 1 else loss.sum()
    return _reduce(loss, reduction)


def _check_not_differentiable(t: Tensor | None, name: str, fn: str) -> None:
    """torch's binary cross-entropies have no gradient for their weights: a weight that requires
    grad is refused (while grad mode is on) rather than silently left without one."""
    if t is not None and t.requires_grad and _core.is_grad_enabled():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to argument '{name}'. "
            "This input cannot have requires_grad True."
        )


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` with the logs clamped at -100, as torch does."""
    check_tensor(input, "input", "binary_cross_entropy")
    check_tensor(target, "target", "binary_cross_entropy")
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )
    check_optional_tensor(weight, "weight", "binary_cross_entropy")
    _check_not_differentiable(weight, "weight", "binary_cross_entropy")
    if target.dtype != input.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: Found dtype {dtype_name(target.dtype)} (target) but expected "
            f"{dtype_name(input.dtype)} (input's)"
        )
    # (written so that NaN is out of range too, as in torch)
    for name, t in (("input", input), ("target", target)):
        if t.numel() and bool(((t >= 0) & (t <= 1)).logical_not().sum().item()):
            raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be between 0 and 1")
    loss = (target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(min=-100)).neg()
    if weight is not None:
        loss = (loss * weight).to(input.dtype)  # (torch's kernel writes the input's dtype)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight=None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight=None,
) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably; ``pos_weight`` weights positives."""
    check_tensor(input, "input", "binary_cross_entropy_with_logits")
    check_tensor(target, "target", "binary_cross_entropy_with_logits")
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    check_optional_tensor(weight, "weight", "binary_cross_entropy_with_logits")
    check_optional_tensor(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
    _check_not_differentiable(weight, "weight", "binary_cross_entropy_with_logits")
    _check_not_differentiable(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
    check_floating(input, "binary_cross_entropy_with_logits")
    # torch computes the loss in place in ``1 - target``: a float target's dtype is the result's,
    # and an integer or bool target cannot hold it
    if not target.is_floating_point():
        raise RuntimeError(
            "binary_cross_entropy_with_logits: result type Float can't be cast to the desired output type "
            f"{dtype_name(target.dtype)} (target's)"
        )
    softplus_neg = ((input.abs().neg()).exp() + 1).log() + input.neg().clamp(min=0)  # log(1 + exp(-x))
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.to(target.dtype), reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding along a new last dim (``num_classes`` defaults to ``max + 1``)."""
    check_tensor(tensor, "input", "one_hot")
    num_classes = int_arg(num_classes, "num_classes", "one_hot")
    if tensor.dtype != _core.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel() and (int(tensor.min().item()) < 0 or int(tensor.max().item()) >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if tensor.numel() else "")
    classes = _core.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()


def _inplace_form(name: str):
    core = getattr(_core, name)

    def f(input: Tensor, *args, **kwargs) -> Tensor:
        return core(input, *args, inplace=True, **kwargs)

    f.__name__ = f.__qualname__ = name + "_"
    f.__doc__ = f"In-place :func:`{name}`."
    return f


# The op table's activation rows (src/ops/table.rs, activation_ops!): `F.<name>` is the compiled
# function itself (its arguments parsed in Rust), `F.<name>_` its in-place form where torch has one.
for _name, _params, _module, _forms, _doc in _core._activation_ops():
    globals()[_name] = getattr(_core, _name)
    if "underscore" in _forms:
        globals()[_name + "_"] = _inplace_form(_name)
del _name, _params, _module, _forms, _doc


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)`` (torch's composite: its nodes are DivBackward0's)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)`` (torch's composite)."""
    return input - input.tanh()
