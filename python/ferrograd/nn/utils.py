"""``ferrograd.nn.utils``: gradient clipping (``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Union

from .. import _core
from .._core import Tensor
from ..grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]

_Params = Union[Tensor, Iterable[Tensor]]


def _norm(t: Tensor, norm_type: float) -> Tensor:
    if norm_type == math.inf:
        return t.abs().amax() if t.numel() else t.new_zeros(())
    if norm_type == -math.inf:
        return t.abs().amin()
    if norm_type == 0:
        return (t != 0).sum().to(t.dtype)
    if norm_type == 2:
        return (t * t).sum().sqrt()
    if norm_type == 1:
        return t.abs().sum()
    return (t.abs() ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(
    tensors: _Params, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None
) -> Tensor:
    """The ``norm_type`` norm of all ``tensors`` together (as if concatenated)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _core.tensor(0.0)
    device = tensors[0].device
    norms = [_norm(t.detach(), norm_type).to(device) for t in tensors]
    total = _norm(_core.stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return total


def clip_grad_norm_(
    parameters: _Params,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Scales the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). As in torch, the gradients are multiplied
    by ``min(1, max_norm / (total + 1e-6))``.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return _core.tensor(0.0)
    with no_grad():
        total = get_total_norm(grads, norm_type, error_if_nonfinite)
        coef = (total + 1e-6).reciprocal() * float(max_norm)
        coef = coef.clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device).to(g.dtype))
    return total


def clip_grad_value_(parameters: _Params, clip_value: float, foreach=None) -> None:
    """Clamps every gradient of ``parameters`` to ``[-clip_value, clip_value]`` in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
