"""``ferrograd.utils.checkpoint``: activation checkpointing (``torch.utils.checkpoint``).

``checkpoint(function, *args)`` runs ``function`` without recording its graph and keeps only
its inputs; during backward it runs ``function`` again, with recording on, and backpropagates
through that fresh graph. Memory held for backward drops from every intermediate activation of
``function`` to its inputs, at the cost of a second forward pass.

>>> import ferrograd as torch
>>> from ferrograd.utils.checkpoint import checkpoint
>>> w = torch.randn(4, 4, requires_grad=True)
>>> x = torch.randn(2, 4, requires_grad=True)
>>> y = checkpoint(lambda t: (t @ w).tanh() @ w, x, use_reentrant=True)
>>> y.grad_fn.name()
'CheckpointFunctionBackward'
>>> y.sum().backward()  # recomputes (t @ w).tanh() @ w, fills x.grad and w.grad
>>> tuple(x.grad.shape), tuple(w.grad.shape)
((2, 4), (4, 4))

ferrograd implements torch's *reentrant* scheme only (the backward of a custom
``autograd.Function`` calls ``ferrograd.autograd.backward`` on the recomputed graph); see
``checkpoint`` for what that means for ``use_reentrant=False``, ``autograd.grad`` and RNG.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

from .. import _core, autograd
from .._core import Tensor
from ..autograd.function import Function
from ..grad_mode import enable_grad

__all__ = ["CheckpointFunction", "checkpoint", "checkpoint_sequential", "detach_variable"]


def detach_variable(inputs: tuple) -> tuple:
    """Detaches each tensor of ``inputs``, keeping its ``requires_grad``; other items pass through.

    >>> import ferrograd as torch
    >>> from ferrograd.utils.checkpoint import detach_variable
    >>> x = torch.ones(2, requires_grad=True)
    >>> (d, k) = detach_variable((x * 2, 3))
    >>> d.grad_fn is None, d.requires_grad, k
    (True, True, 3)
    """
    if not isinstance(inputs, tuple):
        raise RuntimeError(  # noqa: TRY004 -- torch raises RuntimeError here
            f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}"
        )
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def _check_backward_validity(inputs) -> None:
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=3)


class CheckpointFunction(Function):
    """The autograd node behind ``checkpoint``: ``CheckpointFunction.apply(fn, preserve, *args)``.

    ``forward`` runs ``fn(*args)`` without recording (``Function.apply`` runs every forward under
    ``no_grad``) and saves the tensor arguments only. ``backward`` detaches them (keeping
    ``requires_grad``), runs ``fn`` again under ``enable_grad``, calls
    ``ferrograd.autograd.backward`` on the recomputed outputs with the incoming gradients (so
    leaves ``fn`` captured, such as weights in a closure, accumulate ``.grad``), and returns the
    detached inputs' ``.grad`` as the gradients of the inputs.
    """

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        # Non-tensor arguments are kept as they are; tensors go through save_for_backward (which
        # checks them for in-place modification before they are used again).
        ctx.inputs = []
        ctx.tensor_indices = []
        tensor_inputs = []
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tensor_inputs.append(arg)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(arg)
        ctx.save_for_backward(*tensor_inputs)
        # requires_grad as given: a saved input that function returns unchanged comes back from
        # saved_tensors as the (detached) output, which has lost it.
        ctx.input_requires_grad = tuple(t.requires_grad for t in tensor_inputs)
        return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        detached = list(ctx.inputs)
        for i, t, rg in zip(ctx.tensor_indices, ctx.saved_tensors, ctx.input_requires_grad):
            d = t.detach()
            d.requires_grad = rg
            detached[i] = d
        with enable_grad():
            outputs = ctx.run_function(*detached)
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        if len(outputs) != len(grad_outputs):
            raise RuntimeError(
                f"torch.utils.checkpoint: the recomputed function returned {len(outputs)} outputs, "
                f"but the forward pass returned {len(grad_outputs)}; a checkpointed function must "
                "give the same outputs when run again during backward"
            )
        with_grad = []
        grads_with_grad = []
        for out, g in zip(outputs, grad_outputs):
            if isinstance(out, Tensor) and out.requires_grad and g is not None:
                with_grad.append(out)
                grads_with_grad.append(g)
        if not with_grad:
            if getattr(ctx.run_function, "_checkpoint_placeholder_input", False):
                # use_reentrant=False with no input requiring grad, and function used no leaf
                # that does either: nothing to do (torch's output would not require grad).
                return (None,) * (2 + len(detached))
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        autograd.backward(with_grad, grads_with_grad)
        grads = tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached)
        return (None, None, *grads)


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = None,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    r"""Checkpoints a model or part of a model: recompute its activations in backward.

    ``checkpoint(function, *args)`` returns ``function(*args)``, computed without recording the
    autograd graph inside ``function``: only the tensors in ``args`` are kept for backward.
    When backward reaches the result, ``function`` runs again on (detached copies of) those
    inputs with recording on, and the gradients flow through the recomputed graph, reaching
    the inputs and any leaf tensors ``function`` uses, such as weights captured by a closure or
    held by a module. This trades compute (one extra forward of ``function``) for memory.

    ``function`` may return a tensor or a tuple of tensors and other values; ``args`` may mix
    tensors that require grad, tensors that don't, and non-tensor values. The output's
    ``grad_fn`` is a ``CheckpointFunctionBackward`` node, as in torch.

    .. warning::
        ``function`` must compute the same thing when run again in backward. A function that
        depends on global state that changed in between, or draws random numbers, gives
        wrong gradients. ferrograd has no RNG state get/set API, so ``preserve_rng_state`` is
        accepted for compatibility but has no effect: random numbers drawn inside ``function``
        (``rand``, ``randn``, ...) are drawn afresh in the recomputation. ferrograd has no
        dropout op yet; to checkpoint randomised code, draw the random tensor (a dropout
        mask, say) outside and pass it in as an argument.

    .. note::
        ferrograd implements torch's reentrant variant only (there are no saved-tensor hooks
        for the non-reentrant one). ``use_reentrant=None`` warns, as torch does, and means
        ``True``. ``use_reentrant=False`` runs the same reentrant scheme, adapted to behave like
        torch's non-reentrant variant where it can: keyword arguments are allowed (tensors
        among them get gradients like positional ones), and leaves captured by ``function`` get
        gradients even when no input requires grad, in which case the output always requires
        grad (if ``function`` used no such leaf, its backward does nothing).

        As with ``use_reentrant=True`` in torch, checkpointed graphs do not support
        ``autograd.grad`` or ``backward(inputs=...)`` properly: the gradients of the inputs are
        right, but the recomputed backward also accumulates into the ``.grad`` of every leaf
        ``function`` captured (torch raises an error instead; ferrograd cannot tell such a call
        apart). Gradients returned by a ``create_graph=True`` backward through a checkpoint
        have no graph of their own, so double backward through it is not supported (as in
        torch's reentrant variant). A graph node of a Python ``autograd.Function`` reports
        ``saved_bytes == 0``, so ``autograd.graph.memory_report`` does not count the inputs a
        checkpoint keeps.

    Args:
        function: what to run: ``function(*args, **kwargs)``.
        *args: its arguments.
        use_reentrant: ``True`` (or ``None``, with a warning) for torch's reentrant variant,
            which takes no keyword arguments and gives no gradients unless an input requires
            grad; ``False`` for the behaviour described in the note above.
        preserve_rng_state: accepted for compatibility; ferrograd cannot save and restore the
            RNG state (see the warning above).
        **kwargs: keyword arguments for ``function`` (``use_reentrant=False`` only).

    Returns:
        What ``function(*args, **kwargs)`` returns.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.utils.checkpoint import checkpoint
        >>> w1 = torch.randn(8, 16, requires_grad=True)
        >>> w2 = torch.randn(16, 8, requires_grad=True)
        >>> def block(x):
        ...     return (x @ w1).relu() @ w2
        >>> x = torch.randn(4, 8, requires_grad=True)
        >>> y = checkpoint(block, x, use_reentrant=True)
        >>> y.sum().backward()
        >>> tuple(w1.grad.shape)
        (8, 16)
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "ferrograd implements the reentrant variant only and treats use_reentrant=None as "
            "use_reentrant=True (torch's current default); pass use_reentrant=True to silence "
            "this warning.",
            stacklevel=2,
        )
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
        _check_backward_validity(args)
        return CheckpointFunction.apply(function, preserve_rng_state, *args)

    # use_reentrant=False: keyword arguments become positional inputs of the node (so tensors
    # among them get gradients), and when no input requires grad, a throwaway leaf that does is
    # added so the node is still recorded and the leaves function captured get gradients.
    n_pos = len(args)
    names = tuple(kwargs)
    flat = (*args, *kwargs.values())
    dummy = _core.is_grad_enabled() and not any(isinstance(a, Tensor) and a.requires_grad for a in flat)
    if dummy:
        flat = (*flat, _core.empty(0, requires_grad=True))
    if not names and not dummy:
        run = function
    else:

        def run(*a):
            return function(*a[:n_pos], **dict(zip(names, a[n_pos : n_pos + len(names)])))

        run._checkpoint_placeholder_input = dummy

    return CheckpointFunction.apply(run, preserve_rng_state, *flat)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    r"""Checkpoints a sequential model: ``functions`` run in order, split into ``segments``.

    The functions (a list or tuple of callables, or an object with ``children()`` such as an
    ``nn.Sequential``-like container) are split into ``segments`` chunks of
    ``len(functions) // segments`` functions; each chunk but the last runs under
    ``checkpoint``, so only the input of each chunk is kept for backward, and the last chunk
    (which takes the remainder) runs normally, as in torch. Each function takes and returns
    one tensor.

    Args:
        functions: the functions (or modules) to run in order.
        segments: the number of chunks.
        input: the tensor given to the first function.
        use_reentrant: as in ``checkpoint``; ``None`` warns and means ``True``.
        preserve_rng_state: (keyword) as in ``checkpoint``; has no effect in ferrograd.

    Returns:
        The output of the last function.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.utils.checkpoint import checkpoint_sequential
        >>> ws = [torch.randn(8, 8, requires_grad=True) for _ in range(6)]
        >>> layers = [lambda t, w=w: (t @ w).tanh() for w in ws]
        >>> x = torch.randn(4, 8, requires_grad=True)
        >>> y = checkpoint_sequential(layers, 3, x, use_reentrant=True)
        >>> y.sum().backward()
        >>> all(w.grad is not None for w in ws)
        True
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. ferrograd implements the reentrant variant only and treats "
            "use_reentrant=None as use_reentrant=True (torch's current default); pass "
            "use_reentrant=True to silence this warning.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if not isinstance(functions, (list, tuple)) and hasattr(functions, "children"):
        functions = list(functions.children())
    functions = list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive integer, got {segments!r}")
    segment_size = len(functions) // segments
    if segments > 1 and segment_size == 0:
        raise ValueError(
            f"checkpoint_sequential: cannot split {len(functions)} functions into {segments} segments"
        )

    def run_function(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(
            run_function(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run_function(end + 1, len(functions) - 1)(input)
