"""hessian (the Jacobian of the gradient) and its products with a vector, vhp and hvp."""

from __future__ import annotations

from ... import _core
from ...grad_mode import enable_grad, set_grad_enabled
from .. import forward_ad as _fwad
from ._jacobian import jacobian
from ._utils import (
    _as_tuple,
    _autograd_grad,
    _check_requires_grad,
    _fill_in_zeros,
    _grad_postprocess,
    _grad_preprocess,
    _tuple_postprocess,
    _validate_v,
)


def hessian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    outer_jacobian_strategy="reverse-mode",
    *,
    chunk_size=None,
    max_memory=None,
):
    r"""Compute the Hessian of the scalar function ``func`` at ``inputs``.

    The Hessian is the Jacobian of the gradient: the inner gradient is always reverse mode (with
    ``create_graph=True``); ``outer_jacobian_strategy`` picks the outer Jacobian's mode (forward
    mode being the double-vjp trick, see :func:`jvp`). ``chunk_size`` and ``max_memory`` bound
    the outer Jacobian's chunks exactly as in :func:`jacobian` (one Hessian row per basis
    vector).

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a Tensor with a single element.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        create_graph (bool, optional): if ``True``, the Hessian is computed in a differentiable
            manner. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            the output or the gradient. If ``False``, that block of the Hessian is zeros.
            Defaults to ``False``.
        vectorize (bool, optional): accepted for compatibility; rows are computed one at a time
            (see :func:`jacobian`).
        outer_jacobian_strategy (str, optional): ``"reverse-mode"`` (default) or
            ``"forward-mode"``.
        chunk_size (int, optional, keyword-only): most Hessian rows per chunk.
        max_memory (int, optional, keyword-only): bound in bytes on a chunk's working memory.

    Returns:
        Hessian (Tensor or a tuple of tuple of Tensors): for a single input, a Tensor of shape
        ``input.shape + input.shape``; for a tuple, ``Hessian[i][j]`` is the block for the
        ``i``\th and ``j``\th inputs.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import hessian
        >>> def pow_adder_reducer(x, y):
        ...     return (2 * x.pow(2) + 3 * y.pow(2)).sum()
        >>> inputs = (torch.rand(2), torch.rand(2))
        >>> hessian(pow_adder_reducer, inputs)
        ((tensor([[4., 0.],
                [0., 4.]]), tensor([[0., 0.],
                [0., 0.]])), (tensor([[0., 0.],
                [0., 0.]]), tensor([[6., 0.],
                [0., 6.]])))
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, _core.Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single element"
            )
        return out.squeeze()

    def jac_func(*inp):
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(
        jac_func,
        inputs,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
        chunk_size=chunk_size,
        max_memory=max_memory,
    )
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_func_outputs(func, inputs, name, strict):
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    if is_outputs_tuple or not isinstance(outputs[0], _core.Tensor):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {name} should contain a single element"
        )
    return is_outputs_tuple, outputs


def _preprocess_v(v, inputs, is_inputs_tuple, create_graph, name):
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function "
            "is a single Tensor with a single element."
        )
    return v


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    r"""Compute the dot product between a vector ``v`` and the Hessian of the scalar ``func``.

    Reverse-over-reverse: the gradient is computed with ``create_graph=True`` and ``v`` is
    back-propagated through it, giving ``v^T H``.

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a Tensor with a single element.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        v (tuple of Tensors or Tensor): the vector for which the vector-Hessian product is
            computed. Must be the same size as the input of ``func``. Optional when the input is
            a single Tensor with a single element.
        create_graph (bool, optional): if ``True``, both the output and the result are computed
            in a differentiable way. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            the output or the gradient. If ``False``, the vhp for such an input is zeros.
            Defaults to ``False``.

    Returns:
        output (tuple): ``(func_output, vhp)``; ``vhp`` has the structure and shapes of ``inputs``.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import vhp
        >>> def pow_adder_reducer(x, y):
        ...     return (2 * x.pow(2) + 3 * y.pow(2)).sum()
        >>> inputs = (torch.rand(2), torch.rand(2))
        >>> v = (torch.zeros(2), torch.ones(2))
        >>> vhp(pow_adder_reducer, inputs, v)[1]
        (tensor([0., 0.]), tensor([6., 6.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _preprocess_v(v, inputs, is_inputs_tuple, create_graph, "vhp")
        is_outputs_tuple, outputs = _scalar_func_outputs(func, inputs, "vhp", strict)

        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)

    with set_grad_enabled(True if create_graph else _core.is_grad_enabled()):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    r"""Compute the dot product between the Hessian of the scalar ``func`` and a vector ``v``.

    Forward-over-reverse: the gradient ``g`` is computed (reverse mode, ``create_graph=True``)
    in a dual level where the inputs carry ``v`` as tangents, so ``g``'s tangent is ``H v``:
    one forward and one reverse pass, each carrying tangents. With ``create_graph=True`` or
    ``strict=True`` it is reverse-over-reverse with the double-vjp trick instead (which is what
    ``torch.autograd.functional.hvp`` always does): ``(dg/dx)^T u`` for a dummy ``u`` with
    ``create_graph=True``, then its gradient with respect to ``u`` along ``v``, three reverse
    passes. When ``func`` is twice continuously differentiable ``H`` is symmetric and
    :func:`vhp` gives the same result.

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a Tensor with a single element.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        v (tuple of Tensors or Tensor): the vector for which the Hessian-vector product is
            computed. Must be the same size as the input of ``func``. Optional when the input is
            a single Tensor with a single element.
        create_graph (bool, optional): if ``True``, both the output and the result are computed
            in a differentiable way. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            the output or the gradient. If ``False``, the hvp for such an input is zeros.
            Defaults to ``False``.

    Returns:
        output (tuple): ``(func_output, hvp)``; ``hvp`` has the structure and shapes of ``inputs``.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import hvp
        >>> def pow_adder_reducer(x, y):
        ...     return (2 * x.pow(2) + 3 * y.pow(2)).sum()
        >>> inputs = (torch.rand(2), torch.rand(2))
        >>> v = (torch.zeros(2), torch.ones(2))
        >>> hvp(pow_adder_reducer, inputs, v)[1]
        (tensor([0., 0.]), tensor([6., 6.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _preprocess_v(v, inputs, is_inputs_tuple, create_graph, "hvp")
        if not create_graph and not strict:
            return _hvp_forward_over_reverse(func, inputs, is_inputs_tuple, v)
        is_outputs_tuple, outputs = _scalar_func_outputs(func, inputs, "hvp", strict)

        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)

        grad_jac = tuple(_core.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)

    with set_grad_enabled(True if create_graph else _core.is_grad_enabled()):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")

    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def _hvp_forward_over_reverse(func, inputs, is_inputs_tuple, v):
    if v is None:
        v = (_core.ones_like(inputs[0]),)
    with enable_grad(), _fwad.dual_level():
        duals = tuple(_fwad.make_dual(inp, t.to(inp.dtype)) for inp, t in zip(inputs, v))
        is_outputs_tuple, outputs = _scalar_func_outputs(func, duals, "hvp", False)
        jac = _autograd_grad(outputs, duals, create_graph=True)
        result = tuple(
            _core.zeros_like(inp) if g is None or (t := _fwad.unpack_dual(g).tangent) is None else t
            for inp, g in zip(inputs, jac)
        )
        outputs = tuple(_fwad.unpack_dual(out).primal for out in outputs)
    outputs = _grad_postprocess(outputs, False)
    result = _grad_postprocess(result, False)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)
