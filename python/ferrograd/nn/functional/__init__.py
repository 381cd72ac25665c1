"""``ferrograd.nn.functional``: layers and losses as functions (``torch.nn.functional``).

Everything here is composed of ferrograd's differentiable tensor ops, so gradients (of any order)
and the wgpu device come for free. ``conv2d`` and the pooling functions use im2col (see _conv).
The activations torch records as one op (leaky_relu, silu, elu, gelu, softplus) are single Rust ops here
too, with torch's backward formulas, so gradients agree at their singular points.

The functions live in private modules by concern (_activation, _linear, _sparse, _normalization,
_conv, _pooling, _loss); this package is the one public namespace, as torch's single module is.
"""

from __future__ import annotations

from ... import _core
from ._activation import (
    _inplace_form,
    elu,
    erf,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    tanh,
    tanhshrink,
)
from ._conv import conv2d, pad, unfold
from ._linear import dropout, linear
from ._loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ._normalization import batch_norm, layer_norm, normalize
from ._pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ._sparse import embedding, one_hot

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
    "softsign",
    "tanh",
    "tanhshrink",
    "unfold",
]

# The op table's activation rows (src/ops/table.rs, activation_ops!): `F.<name>` is the compiled
# function itself (its arguments parsed in Rust), `F.<name>_` its in-place form where torch has one.
for _name, _params, _module, _forms, _doc in _core._activation_ops():
    globals()[_name] = getattr(_core, _name)
    if "underscore" in _forms:
        globals()[_name + "_"] = _inplace_form(_name)
del _name, _params, _module, _forms, _doc
