"""Custom differentiable functions: ``class F(ferrograd.autograd.Function)``.

The forward runs in Python without recording; the backward is attached to the outputs as a
node of the Rust graph, which the engine calls (taking the GIL just for it) like any other rule.
"""

from __future__ import annotations

from typing import Any

from .. import _core
from .._core import Tensor
from ..grad_mode import no_grad

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._non_differentiable: set[int] = set()
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keeps tensors for backward; modifying one in place before backward is an error."""
        self._saved = tensors
        self._versions = tuple(t._version if t is not None else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked for in-place modification."""
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if t is not None and t._version != v:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an "
                    f"inplace operation: tensor {i} saved by {self._name} is at version {t._version}; "
                    f"expected version {v} instead."
                )
        return tuple(t.unpack() if isinstance(t, _core.SavedOutput) else t for t in self._saved)

    def mark_non_differentiable(self, *args: Tensor) -> None:
        """Marks outputs that get no gradient (e.g. indices)."""
        self._non_differentiable.update(id(a) for a in args)

    def mark_dirty(self, *args: Tensor) -> None:
        """Accepted for compatibility: outputs modified in place are treated as new outputs."""

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients reach backward as zeros (default) or None."""
        self.materialize_grads = value


class Function:
    """Base class for differentiable operations with a hand-written backward.

    >>> import ferrograd as torch
    >>> class Exp(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> Exp.apply(x).sum().backward()
    >>> x.grad
    tensor([1.0000, 2.7183])
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        name = f"{cls.__name__}Backward"
        ctx = FunctionCtx(name)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        single = not isinstance(out, tuple)
        outs = [out] if single else list(out)
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensor_args = [args[i] for i in tensor_pos]
        if not (_core.is_grad_enabled() and any(t.requires_grad for t in tensor_args)):
            return out
        diff = [
            i
            for i, o in enumerate(outs)
            if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable and o.is_floating_point()
        ]

        # The closure keeps what zeros_like needs, never the outputs: the node holds it, and an
        # output in it would be a cycle node -> backward -> output -> node.
        like = [(o.shape, o.dtype, o.device) if isinstance(o, Tensor) else None for o in outs]

        def backward(*grads: Tensor) -> tuple:
            full: list = [None] * len(like)
            for k, i in enumerate(diff):
                full[i] = grads[k]
            if ctx.materialize_grads:
                full = [
                    _core.zeros(o[0], dtype=o[1], device=o[2]) if g is None and o is not None else g
                    for g, o in zip(full, like)
                ]
            result = cls.backward(ctx, *full)
            if not isinstance(result, tuple):
                result = (result,)
            if len(result) != len(args):
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients "
                    f"(expected {len(args)}, got {len(result)})"
                )
            return tuple(result[i] for i in tensor_pos)

        # ctx._saved lives as long as the node (through backward's closure): its bytes are the
        # node's saved_bytes in graph.memory_report / to_dot.
        attached = _core._function_apply(name, backward, tensor_args, [outs[i] for i in diff], ctx._saved)
        # Saved outputs become SavedOutput: node -> backward -> ctx -> output -> node would
        # otherwise be a cycle that Python's GC cannot see through the Rust graph.
        # An output that is one of the inputs stays the input in ctx (it is saved as an input).
        input_ids = {id(a) for a in tensor_args}
        swap = {
            id(outs[i]): _core.SavedOutput(attached[k])
            for k, i in enumerate(diff)
            if id(outs[i]) not in input_ids
        }
        ctx._saved = tuple(swap.get(id(t), t) if t is not None else t for t in ctx._saved)
        for k, i in enumerate(diff):
            outs[i] = attached[k]
        return outs[0] if single else tuple(outs)
