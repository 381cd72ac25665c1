"""vjp and jvp: one product of the Jacobian with a vector."""

from __future__ import annotations

import contextlib

from ... import _core
from ...grad_mode import enable_grad, set_grad_enabled
from ._utils import (
    _as_tuple,
    _autograd_grad,
    _check_requires_grad,
    _fill_in_zeros,
    _forward_pass,
    _grad_postprocess,
    _grad_preprocess,
    _tuple_postprocess,
    _validate_v,
)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    r"""Compute the dot product between a vector ``v`` and the Jacobian of ``func`` at ``inputs``.

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a tuple of Tensors or a Tensor.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        v (tuple of Tensors or Tensor): the vector for which the vector-Jacobian product is
            computed. Must be the same size as the output of ``func``. Optional when ``func``
            returns a single Tensor with a single element (then it is ``1``).
        create_graph (bool, optional): if ``True``, both the output and the result are computed
            in a differentiable way. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            the outputs. If ``False``, the vjp for such an input is a Tensor of zeros (the
            mathematically expected value). Defaults to ``False``.

    Returns:
        output (tuple): ``(func_output, vjp)``; ``vjp`` has the structure and shapes of ``inputs``.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import vjp
        >>> def adder(x, y):
        ...     return 2 * x + 3 * y
        >>> inputs = (torch.rand(2), torch.rand(2))
        >>> vjp(adder, inputs, torch.ones(2))[1]
        (tensor([2., 2.]), tensor([3., 3.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)

        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns "
                "a single Tensor with a single element."
            )

    with set_grad_enabled(True if create_graph else _core.is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    r"""Compute the dot product between the Jacobian of ``func`` at ``inputs`` and a vector ``v``.

    Forward mode: one pass of ``func`` in a dual level where the inputs carry ``v`` as tangents
    (``ferrograd.autograd.forward_ad``), so the product costs about one forward evaluation
    more, and no reverse pass. With ``create_graph=True`` (the result must be differentiable by
    reverse mode, which forward tangents are not) or ``strict=True`` it is computed with the
    double-vjp trick instead, as torch's ``autograd.functional.jvp`` always does: with a dummy
    cotangent ``u``, ``g(u) = J^T u`` is linear in ``u`` and the gradient of ``<g(u), v>`` with
    respect to ``u`` is ``J v`` (two reverse passes).

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a tuple of Tensors or a Tensor.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        v (tuple of Tensors or Tensor): the vector for which the Jacobian-vector product is
            computed. Must be the same size as the input of ``func``. Optional when the input is
            a single Tensor with a single element (then it is ``1``).
        create_graph (bool, optional): if ``True``, both the output and the result are computed
            in a differentiable way. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            the outputs. If ``False``, the jvp contribution of such an input is zero. Defaults to
            ``False``.

    Returns:
        output (tuple): ``(func_output, jvp)``; ``jvp`` has the structure and shapes of the output.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import jvp
        >>> def adder(x, y):
        ...     return 2 * x + 3 * y
        >>> inputs = (torch.rand(2), torch.rand(2))
        >>> jvp(adder, inputs, (torch.ones(2), torch.ones(2)))[1]
        tensor([5., 5.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function "
                "is a single Tensor with a single element."
            )

        if not create_graph and not strict:
            if v is None:
                v = (_core.ones_like(inputs[0]),)
            is_outputs_tuple, outputs, tangents = _forward_pass(func, inputs, v)
            result = tuple(_core.zeros_like(out) if t is None else t for out, t in zip(outputs, tangents))
            outputs = _grad_postprocess(outputs, False)
            return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The dummy cotangents u: the backward is linear in them, so their value only has to be
        # finite; they must require grad so that d(J^T u)/du can be taken.
        grad_outputs = tuple(_core.zeros_like(out, requires_grad=True) for out in outputs)

        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)

    with set_grad_enabled(True) if create_graph else contextlib.nullcontext():
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)
