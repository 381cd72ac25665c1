"""``ferrograd.autograd``: the reverse-mode engine's Python entry points."""

from __future__ import annotations

from .. import _core
from ..grad_mode import enable_grad, no_grad, set_grad_enabled

__all__ = ["Variable", "backward", "enable_grad", "no_grad", "set_grad_enabled"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Computes the sum of gradients of ``tensors`` w.r.t. graph leaves (torch.autograd.backward)."""
    _core._backward(tensors, grad_tensors, retain_graph, create_graph)


def Variable(data, requires_grad=False):
    """The pre-0.4 wrapper: now just a tensor (``Variable(t, requires_grad=True)``)."""
    t = data.detach()
    t.requires_grad_(requires_grad)
    return t
