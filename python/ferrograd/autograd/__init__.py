"""``ferrograd.autograd``: the reverse-mode engine's Python entry points."""

from __future__ import annotations

from .. import _core
from ..grad_mode import enable_grad, no_grad, set_grad_enabled
from . import forward_ad, functional, graph
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "forward_ad",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "is_anomaly_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
]


def _flag(value, name: str, fn: str):
    """A bool argument that, as torch's parser does, also takes an int (``retain_graph=0``)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    raise TypeError(f"{fn}(): argument '{name}' must be bool, not {type(value).__name__}")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the sum of gradients of ``tensors`` w.r.t. graph leaves (torch.autograd.backward).

    With ``inputs``, only those tensors' ``.grad`` are accumulated into.
    """
    retain_graph = _flag(retain_graph, "retain_graph", "backward")
    create_graph = _flag(create_graph, "create_graph", "backward")
    _core._backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    Only the part of the graph between them runs, and no ``.grad`` is touched. With
    ``create_graph=True`` the result has a graph of its own, so it can be differentiated again.

    >>> import ferrograd as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> (g,) = torch.autograd.grad(x**3, x, create_graph=True)
    >>> g, torch.autograd.grad(g, x)[0]
    (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported yet")
    single = not isinstance(inputs, (list, tuple))
    ins = (inputs,) if single else tuple(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if allow_unused is None:
        allow_unused = materialize_grads
    retain_graph = _flag(retain_graph, "retain_graph", "grad")
    create_graph = _flag(create_graph, "create_graph", "grad")
    allow_unused = _flag(allow_unused, "allow_unused", "grad")
    got = _core._grad(outputs, ins, grad_outputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        got = tuple(g if g is not None else _core.zeros_like(x) for g, x in zip(got, ins))
    return got


def Variable(data, requires_grad=False):
    """The pre-0.4 wrapper: now just a tensor (``Variable(t, requires_grad=True)``)."""
    t = data.detach()
    t.requires_grad_(requires_grad)
    return t
