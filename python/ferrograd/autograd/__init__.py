"""``ferrograd.autograd``: the reverse-mode engine's Python entry points."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from .. import _core
from .._core import Tensor
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


class OutputTypeError(TypeError, AssertionError):
    """A differentiated output that is not a tensor. torch asserts this (an ``AssertionError``);
    it is a ``TypeError`` too, so code catching either works."""


class InputTypeError(TypeError, RuntimeError):
    """An ``inputs`` entry that is not a tensor. torch's engine reports this as a
    ``RuntimeError``; it is a ``TypeError`` too, so code catching either works."""


_flag = _core._flag  # torch's rule for bool arguments, shared with Tensor.backward


def _as_tuple(value) -> tuple:
    """A tensor, or an iterable of them, as a tuple (torch's ``(t,) if tensor else tuple(t)``)."""
    return (value,) if isinstance(value, Tensor) else tuple(value)


def _inputs_tuple(inputs, fn: str) -> tuple:
    """``inputs`` of grad/backward: a tensor, a dict (its values) or an iterable of tensors."""
    if isinstance(inputs, Tensor):
        return (inputs,)
    if type(inputs) is dict:
        items = tuple(inputs.values())
    elif isinstance(inputs, Mapping):
        raise TypeError(
            f"`inputs` argument to `{fn}()` must be a dict, not {type(inputs).__name__}. "
            "Other Mapping types are not supported."
        )
    else:
        items = tuple(inputs)
    if not items:
        raise RuntimeError(f"`inputs` argument to `{fn}()` cannot be empty.")
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise InputTypeError(
                f"{fn}(): all inputs have to be Tensors, but inputs[{i}] is {type(item).__name__}"
            )
    return items


def _grads_tuple(outputs: tuple, grads, fn: str) -> tuple:
    """The gradients of ``outputs`` (None: implicit ones), each output checked to be a tensor.
    As in torch, outputs are checked only up to the number of gradients given."""
    grads = (None,) * len(outputs) if grads is None else _as_tuple(grads)
    for i, (out, _g) in enumerate(zip(outputs, grads)):
        if not isinstance(out, Tensor):
            raise OutputTypeError(f"{fn}(): expected output {i} to be a Tensor, got {type(out).__name__}")
    if len(grads) < len(outputs):
        raise RuntimeError(f"{fn}(): got {len(outputs)} tensors and {len(grads)} gradients")
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the sum of gradients of ``tensors`` w.r.t. graph leaves (torch.autograd.backward).

    With ``inputs``, only those tensors' ``.grad`` are accumulated into.
    """
    ins = None if inputs is None else _inputs_tuple(inputs, "backward")
    tensors = _as_tuple(tensors)
    grads = _grads_tuple(tensors, grad_tensors, "backward")
    create_graph = _flag(create_graph, "create_graph", "backward")
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph, "retain_graph", "backward")
    if not tensors:
        return  # nothing to differentiate (torch ignores the gradients then)
    _core._backward(tensors, grads, retain_graph, create_graph, ins)


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
    ``inputs`` may be a dict of tensors: the result is then a dict with the same keys.

    >>> import ferrograd as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> (g,) = torch.autograd.grad(x**3, x, create_graph=True)
    >>> g, torch.autograd.grad(g, x)[0]
    (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    outputs = _as_tuple(outputs)
    ins = _inputs_tuple(inputs, "grad")
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
            "gradient for other parts of the graph, please use torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    grads = _grads_tuple(outputs, grad_outputs, "grad")
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) is not supported yet")
    create_graph = _flag(create_graph, "create_graph", "grad")
    retain_graph = create_graph if retain_graph is None else _flag(retain_graph, "retain_graph", "grad")
    if allow_unused is None:
        allow_unused = _flag(materialize_grads, "materialize_grads", "grad")
    allow_unused = _flag(allow_unused, "allow_unused", "grad")
    got = _core._grad(outputs, ins, grads, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        got = tuple(g if g is not None else _core.zeros_like(x) for g, x in zip(got, ins))
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), got))
    return got


def Variable(data, requires_grad=False):
    """The pre-0.4 wrapper: now just a tensor (``Variable(t, requires_grad=True)``)."""
    t = data.detach()
    t.requires_grad_(requires_grad)
    return t
