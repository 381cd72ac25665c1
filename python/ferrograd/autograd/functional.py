"""``ferrograd.autograd.functional``: Jacobians, Hessians and their products with vectors.

The API of ``torch.autograd.functional`` (same names, signatures, results and errors), built on
``ferrograd.autograd.grad``:

* ``vjp``, ``vhp``: one reverse pass (two for ``vhp``).
* ``jvp``, ``hvp`` and the ``"forward-mode"`` strategies use forward-mode AD
  (``ferrograd.autograd.forward_ad``): ``jvp`` is one forward pass carrying the tangent ``v``;
  ``hvp`` is forward-over-reverse (the gradient computed inside a dual level, so it carries
  ``H v``); a forward-mode Jacobian is one forward pass per column. With ``create_graph=True``
  or ``strict=True`` they fall back to the *double-vjp trick* (as torch does for all of them):
  for a dummy cotangent ``u``, ``g(u) = J^T u`` is linear in ``u`` and the gradient of
  ``<g(u), v>`` with respect to ``u`` is ``J v``; forward-mode tangents are not themselves
  differentiable by reverse mode, and the trick's reverse passes are.
* ``jacobian``, ``hessian``: one basis vector at a time, in chunks whose size the caller bounds
  with the keyword-only ``chunk_size`` (basis vectors per chunk) or ``max_memory`` (bytes), so that
  a large Jacobian never needs a whole standard basis and all of its products alive at once.
"""

from __future__ import annotations

import contextlib
import warnings

from .. import _core
from .. import autograd as _autograd
from ..grad_mode import enable_grad, no_grad, set_grad_enabled
from . import forward_ad as _fwad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


# ---------------------------------------------------------------------------------------------
# Helpers (the same checks and messages as torch.autograd.functional)
# ---------------------------------------------------------------------------------------------


def _as_tuple_nocheck(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _as_tuple(inp, arg_name=None, fn_name=None):
    """(was ``inp`` a tuple, ``inp`` as a tuple of tensors); TypeError for anything else."""
    if arg_name is None and fn_name is None:
        return _as_tuple_nocheck(inp)
    is_inp_tuple = True
    if not isinstance(inp, tuple):
        inp = (inp,)
        is_inp_tuple = False
    for i, el in enumerate(inp):
        if not isinstance(el, _core.Tensor):
            if is_inp_tuple:
                raise TypeError(
                    f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but"
                    f" the value at index {i} has type {type(el)}."
                )
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the"
                f" given {arg_name} has type {type(el)}."
            )
    return is_inp_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple``: unwrap one level (a bool) or two nested levels (a pair of bools)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """Fresh tensor objects for ``inputs``: differentiable views with ``create_graph`` (so results
    stay connected to the caller's graph), detached leaves otherwise."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph):
    """Detach results (possibly nested one level) unless the caller asked for a graph."""
    if isinstance(inputs[0], _core.Tensor):
        if not create_graph:
            return tuple(inp.detach() for inp in inputs)
        return inputs
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_other.size()} but got {el_v.size()}."
            )


def _check_requires_grad(inputs, input_type, strict):
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}."
                " This is not allowed in strict mode."
            )
        if not inp.requires_grad:
            if input_type == "hessian":
                raise RuntimeError(
                    f"The hessian of the user-provided function with respect to input {i}"
                    " is independent of the input. This is not allowed in strict mode."
                    " You should ensure that your function is thrice differentiable and that"
                    " the hessian depends on the inputs."
                )
            if input_type == "jacobian":
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided"
                    f" function with respect to input {i} is independent of the input. This is not"
                    " allowed in strict mode. You should ensure that your function is twice"
                    " differentiable and that the jacobian depends on the inputs (this would be"
                    " violated by a linear function for example)."
                )
            if input_type == "grad_inputs":
                raise RuntimeError(
                    f"The gradient with respect to input {i} is independent of the inputs of the"
                    " user-provided function. This is not allowed in strict mode."
                )
            raise RuntimeError(
                f"Output {i} of the user-provided function does not require gradients."
                " The outputs must be computed in a differentiable manner from the input"
                " when running in strict mode."
            )


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` that skips outputs that are None or need no gradient (all None if none is
    left), and always allows unused inputs. ``inputs`` must be a tuple."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_outputs, new_grad_outputs = [], []
    for out, grad_out in zip(outputs, grad_outputs):
        if out is not None and out.requires_grad:
            new_outputs.append(out)
            new_grad_outputs.append(grad_out)
    if not new_outputs:
        return (None,) * len(inputs)
    return _autograd.grad(
        tuple(new_outputs),
        inputs,
        tuple(new_grad_outputs),
        allow_unused=True,
        create_graph=create_graph,
        retain_graph=retain_graph,
    )


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    res = []
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                if stage == "back":
                    raise RuntimeError(
                        "The output of the user-provided function is independent of "
                        f"input {i}. This is not allowed in strict mode."
                    )
                if stage == "back_trick":
                    raise RuntimeError(
                        f"The gradient with respect to the input is independent of entry {i}"
                        " in the grad_outputs when using the double backward trick to compute"
                        " forward mode gradients. This is not allowed in strict mode."
                    )
                if stage == "double_back":
                    raise RuntimeError(
                        "The jacobian of the user-provided function is independent of "
                        f"input {i}. This is not allowed in strict mode."
                    )
                raise RuntimeError(
                    "The hessian of the user-provided function is independent of "
                    f"entry {i} in the grad_jacobian. This is not allowed in strict "
                    "mode as it prevents from using the double backward trick to "
                    "replace forward mode AD."
                )
            grads_i = _core.zeros_like(refs[i])
        elif strict and create_graph and not grads_i.requires_grad:
            if "double" not in stage:
                raise RuntimeError(
                    "The jacobian of the user-provided function is independent of "
                    f"input {i}. This is not allowed in strict mode when create_graph=True."
                )
            raise RuntimeError(
                "The hessian of the user-provided function is independent of "
                f"input {i}. This is not allowed in strict mode when create_graph=True."
            )
        res.append(grads_i)
    return tuple(res)


# ---------------------------------------------------------------------------------------------
# Chunking: how many basis vectors are pushed through the graph before their results are stored
# ---------------------------------------------------------------------------------------------


def _resolve_chunk_size(n_vectors, bytes_per_vector, chunk_size, max_memory):
    """Basis vectors per chunk: ``chunk_size``, capped so that ``chunk * bytes_per_vector`` fits
    in ``max_memory``; never below 1 (one vector is the least any Jacobian needs)."""
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(f"chunk_size should be None or a positive int, but got {chunk_size!r}.")
    if max_memory is not None and (
        isinstance(max_memory, bool) or not isinstance(max_memory, int) or max_memory < 1
    ):
        raise ValueError(f"max_memory should be None or a positive int (bytes), but got {max_memory!r}.")
    size = max(n_vectors, 1) if chunk_size is None else chunk_size
    if max_memory is not None:
        fit = max_memory // max(bytes_per_vector, 1)
        if fit < 1:
            warnings.warn(
                f"max_memory={max_memory} bytes is less than one basis vector and its products need"
                f" ({bytes_per_vector} bytes); computing one vector at a time.",
                RuntimeWarning,
                stacklevel=4,
            )
            fit = 1
        size = min(size, fit)
    return max(1, min(size, max(n_vectors, 1)))


def _chunks(n, size):
    """(start, stop) pairs covering range(n) in pieces of ``size``."""
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _basis_block(n, start, stop, dtype):
    """Rows ``start:stop`` of the n x n identity, as a fresh (stop - start, n) tensor."""
    c = stop - start
    block = _core.zeros((c, n), dtype=dtype)
    if c:
        step = n + 1
        block.view(-1)[start : start + (c - 1) * step + 1 : step].fill_(1)
    return block


def _flat(grads):
    return tuple(None if g is None else g.reshape(-1) for g in grads)


def _vjp_row(out, inputs, basis_row, create_graph):
    """One row of d out / d inputs, flattened per input (None: independent of that input): the
    vjp of ``out`` with one basis vector."""
    return _flat(_autograd_grad((out,), inputs, (basis_row,), create_graph=create_graph, retain_graph=True))


def _jvp_col_trick(grad_input, dummy, basis_col, create_graph):
    """One column of the Jacobian, flattened per output, by the double-vjp trick:
    d <grad_input(u), e_k> / d u."""
    return _flat(
        _autograd_grad((grad_input,), dummy, (basis_col,), create_graph=create_graph, retain_graph=True)
    )


def _forward_pass(func, inputs, tangents):
    """``func(*inputs)`` in a dual level where ``inputs[j]`` carries ``tangents[j]`` (None: no
    tangent): (is the output a tuple, outputs without tangents, their tangents ``J v``; None
    where an output does not depend on the tangents)."""
    with enable_grad(), _fwad.dual_level():
        duals = tuple(
            inp if t is None else _fwad.make_dual(inp, t.to(inp.dtype)) for inp, t in zip(inputs, tangents)
        )
        outputs = func(*duals)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        unpacked = [_fwad.unpack_dual(out) for out in outputs]
    return is_outputs_tuple, tuple(u.primal for u in unpacked), tuple(u.tangent for u in unpacked)


def _jvp_col(func, inputs, j, basis_col):
    """One column of the Jacobian, flattened per output (None: independent of input ``j``): the
    tangents of one forward pass with ``inputs[j]`` carrying the basis vector."""
    tangents = [None] * len(inputs)
    tangents[j] = basis_col
    return _flat(_forward_pass(func, inputs, tangents)[2])


def _zeros_jacobian(out, inp, dtype):
    return _core.zeros(tuple(out.shape) + tuple(inp.shape), dtype=dtype)


def _jacrev(func, inputs, create_graph, strict, chunk_size, max_memory):
    """Reverse mode: row r of d out_i / d inputs is the vjp of out_i with basis vector e_r."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)

        in_numels = [inp.numel() for inp in inputs]
        # A row of the Jacobian (all inputs) is held once as a gradient and once in its chunk's block.
        row_result_bytes = sum(n * inp.element_size() for n, inp in zip(in_numels, inputs))

        jacobian = []
        for i, out in enumerate(outputs):
            n_rows = out.numel()
            if not out.requires_grad or n_rows == 0:
                # Not differentiable (strict already raised) or empty: the Jacobian is zero.
                jacobian.append(tuple(_zeros_jacobian(out, inp, inp.dtype) for inp in inputs))
                continue
            per_row = n_rows * out.element_size() + 2 * row_result_bytes
            size = _resolve_chunk_size(n_rows, per_row, chunk_size, max_memory)
            if create_graph:
                blocks = [[] for _ in inputs]
            else:
                results = [_core.zeros((n_rows, n), dtype=inp.dtype) for n, inp in zip(in_numels, inputs)]
            for start, stop in _chunks(n_rows, size):
                basis = _basis_block(n_rows, start, stop, out.dtype)
                rows = [[] for _ in inputs]
                for k in range(stop - start):
                    vj = _vjp_row(out, inputs, basis[k].view(out.shape), create_graph)
                    for el_idx, (vj_el, inp) in enumerate(zip(vj, inputs)):
                        if vj_el is None:
                            if strict:
                                raise RuntimeError(
                                    f"Output {i} of the user-provided function is independent of input"
                                    f" {el_idx}. This is not allowed in strict mode."
                                )
                            vj_el = _core.zeros(inp.numel(), dtype=inp.dtype)
                        elif strict and create_graph and not vj_el.requires_grad:
                            raise RuntimeError(
                                "The jacobian of the user-provided function is independent of input"
                                f" {el_idx}. This is not allowed in strict mode when create_graph=True."
                            )
                        rows[el_idx].append(vj_el)
                    vj = vj_el = None  # drop references: only `rows` holds this chunk's rows
                del basis
                for el_idx in range(len(inputs)):
                    block = _core.stack(rows[el_idx])
                    rows[el_idx] = None
                    if create_graph:
                        blocks[el_idx].append(block)
                    else:
                        with no_grad():
                            results[el_idx][start:stop] = block
                    block = None
                del rows
            shape = [tuple(out.shape) + tuple(inp.shape) for inp in inputs]
            if create_graph:
                jac_i = tuple(_core.cat(b).view(s) for b, s in zip(blocks, shape))
                del blocks
            else:
                jac_i = tuple(r.view(s) for r, s in zip(results, shape))
                del results
            jacobian.append(jac_i)

        jacobian = _grad_postprocess(tuple(jacobian), create_graph)
        return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _jacfwd_dual(func, inputs, chunk_size, max_memory):
    """Forward mode: column c of d outputs / d input_j is the tangent of the outputs in one
    forward pass where input_j carries the basis vector e_c."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    # Inputs that require grad, so that a func which differentiates inside (hessian's) can:
    # its reverse pass then runs in the dual level and carries the tangents (forward-over-reverse).
    inputs = _grad_preprocess(inputs, create_graph=False, need_graph=True)
    # One plain call for the outputs' structure and sizes, which the chunk sizes depend on.
    with no_grad():
        is_outputs_tuple, outputs = _as_tuple(
            func(*inputs), "outputs of the user-provided function", "jacobian"
        )
    out_numels = [out.numel() for out in outputs]
    # A column (all outputs) is held once as a tangent and once in its chunk's block.
    col_result_bytes = sum(n * out.element_size() for n, out in zip(out_numels, outputs))

    per_input = []  # per_input[j][i]: d output_i / d input_j
    for j, inp in enumerate(inputs):
        n_cols = inp.numel()
        if n_cols == 0:
            per_input.append([_zeros_jacobian(out, inp, out.dtype) for out in outputs])
            continue
        per_col = n_cols * inp.element_size() + 2 * col_result_bytes
        size = _resolve_chunk_size(n_cols, per_col, chunk_size, max_memory)
        results = [_core.zeros((n, n_cols), dtype=out.dtype) for n, out in zip(out_numels, outputs)]
        for start, stop in _chunks(n_cols, size):
            basis = _basis_block(n_cols, start, stop, inp.dtype)
            cols = [[] for _ in outputs]
            for k in range(stop - start):
                jv = _jvp_col(func, inputs, j, basis[k].view(inp.shape))
                for i, (n, out, col) in enumerate(zip(out_numels, outputs, jv)):
                    cols[i].append(_core.zeros(n, dtype=out.dtype) if col is None else col)
                jv = col = None  # drop references: only `cols` holds this chunk's columns
            del basis
            for i in range(len(outputs)):
                block = _core.stack(cols[i])
                cols[i] = None
                results[i][:, start:stop] = block.t()
                block = None
            del cols
        shapes = [tuple(out.shape) + tuple(inp.shape) for out in outputs]
        per_input.append([r.view(s) for r, s in zip(results, shapes)])
        del results

    jacobian = tuple(zip(*per_input))
    return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


def _jacfwd(func, inputs, create_graph, strict, chunk_size, max_memory):
    """Forward mode: by dual numbers (``_jacfwd_dual``) unless ``create_graph``, where column c
    of d outputs / d input_j is d <g_j(u), e_c> / d u, g_j(u) being the vjp of the outputs with
    dummy cotangents u (the double-vjp trick)."""
    if strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` "
            'and `strategy="forward-mode"` are not supported together (yet). '
            "Please either set `strict=False` or "
            '`strategy="reverse-mode"`.'
        )
    if not create_graph:
        return _jacfwd_dual(func, inputs, chunk_size, max_memory)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)

        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")

        diff = [i for i, out in enumerate(outputs) if out.requires_grad]
        # The backward is linear in u, so its value does not matter (zeros: no inf/nan).
        dummy = tuple(_core.zeros_like(outputs[i], requires_grad=True) for i in diff)
        if diff:
            grad_inputs = _autograd_grad(tuple(outputs[i] for i in diff), inputs, dummy, create_graph=True)
        else:
            grad_inputs = (None,) * len(inputs)

        out_numels = [out.numel() for out in outputs]
        # A column (all outputs) is held once as a gradient and once in its chunk's block.
        col_result_bytes = sum(n * out.element_size() for n, out in zip(out_numels, outputs))

        # per_input[j][i]: d output_i / d input_j
        per_input = []
        for j, (inp, g_j) in enumerate(zip(inputs, grad_inputs)):
            n_cols = inp.numel()
            if g_j is None or not g_j.requires_grad or n_cols == 0:
                per_input.append([_zeros_jacobian(out, inp, out.dtype) for out in outputs])
                continue
            per_col = n_cols * g_j.element_size() + 2 * col_result_bytes
            size = _resolve_chunk_size(n_cols, per_col, chunk_size, max_memory)
            if create_graph:
                blocks = [[] for _ in outputs]
            else:
                results = [_core.zeros((n, n_cols), dtype=out.dtype) for n, out in zip(out_numels, outputs)]
            for start, stop in _chunks(n_cols, size):
                basis = _basis_block(n_cols, start, stop, g_j.dtype)
                cols = [[] for _ in outputs]
                for k in range(stop - start):
                    jv = _jvp_col_trick(g_j, dummy, basis[k].view(inp.shape), create_graph)
                    got = dict(zip(diff, jv))
                    for i, out in enumerate(outputs):
                        col = got.get(i)
                        if col is None:
                            col = _core.zeros(out.numel(), dtype=out.dtype)
                        cols[i].append(col)
                    jv = got = col = None  # drop references: only `cols` holds this chunk's columns
                del basis
                for i in range(len(outputs)):
                    block = _core.stack(cols[i])
                    cols[i] = None
                    if create_graph:
                        blocks[i].append(block)
                    else:
                        with no_grad():
                            results[i][:, start:stop] = block.t()
                    block = None
                del cols
            shapes = [tuple(out.shape) + tuple(inp.shape) for out in outputs]
            if create_graph:
                per_input.append([_core.cat(b).t().reshape(s) for b, s in zip(blocks, shapes)])
                del blocks
            else:
                per_input.append([r.view(s) for r, s in zip(results, shapes)])
                del results
        del grad_inputs, dummy

        jacobian = tuple(zip(*per_input))
        jacobian = _grad_postprocess(jacobian, create_graph)
        return _tuple_postprocess(jacobian, (is_outputs_tuple, is_inputs_tuple))


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


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


def jacobian(
    func,
    inputs,
    create_graph=False,
    strict=False,
    vectorize=False,
    strategy="reverse-mode",
    *,
    chunk_size=None,
    max_memory=None,
):
    r"""Compute the Jacobian of ``func`` at ``inputs``.

    ``"reverse-mode"`` computes one row (one output element) per vjp; ``"forward-mode"`` one
    column (one input element) per Jacobian-vector product, which ferrograd computes with the
    double-vjp trick (see :func:`jvp`), so it also needs ``func``'s ops to have a correct double
    backward. Prefer reverse mode unless ``func`` has many more outputs than inputs.

    The basis vectors are pushed through the graph in chunks: at most ``chunk_size`` basis
    vectors, and their Jacobian rows (or columns), are alive at a time before the chunk is stored
    into the result. ``max_memory`` (bytes) derives the chunk size from the sizes of the outputs
    and inputs: a row costs its basis vector plus twice the row (the gradients and the chunk
    block they are stacked into), so ``chunk = max_memory // (numel(out_i) * itemsize +
    2 * sum(numel(in_j) * itemsize))`` (inputs and outputs swapped in forward mode). The returned
    Jacobian itself and the engine's temporaries for one backward pass are not counted. A
    ``max_memory`` below one row still computes one row at a time, with a ``RuntimeWarning``.

    Args:
        func (function): a Python function that takes Tensor inputs and returns
            a tuple of Tensors or a Tensor.
        inputs (tuple of Tensors or Tensor): inputs to the function ``func``.
        create_graph (bool, optional): if ``True``, the Jacobian is computed in a differentiable
            manner. Defaults to ``False``.
        strict (bool, optional): if ``True``, raise an error when some input has no influence on
            some output. If ``False``, that block of the Jacobian is zeros. Not supported with
            ``strategy="forward-mode"`` (as in torch). Defaults to ``False``.
        vectorize (bool, optional): accepted for compatibility. ferrograd's ``grad`` has no
            batched mode yet, so the Jacobian is always computed one basis vector at a time (the
            chunks bound how many results are held, not how many are computed at once). Unlike
            torch, ``strategy="forward-mode"`` does not require it and ``strict=True`` allows it.
        strategy (str, optional): ``"reverse-mode"`` (default) or ``"forward-mode"``. Unlike
            torch, ``"forward-mode"`` also works with ``create_graph=True`` and without
            ``vectorize``.
        chunk_size (int, optional, keyword-only): most basis vectors (Jacobian rows in reverse
            mode, columns in forward mode) per chunk. ``None``: one chunk (torch's behaviour).
        max_memory (int, optional, keyword-only): bound in bytes on a chunk's working memory,
            from which the chunk size is derived (the smaller of the two wins when both are given).

    Returns:
        Jacobian (Tensor or nested tuple of Tensors): for a single input and output, one Tensor
        of shape ``output.shape + input.shape``. If one of them is a tuple, a tuple of Tensors;
        if both are, ``Jacobian[i][j]`` is the Jacobian of the ``i``\th output with respect to the
        ``j``\th input. The dtype is the input's in reverse mode, the output's in forward mode.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd.functional import jacobian
        >>> def exp_adder(x, y):
        ...     return 2 * x.exp() + 3 * y
        >>> inputs = (torch.zeros(2), torch.zeros(2))
        >>> jacobian(exp_adder, inputs)
        (tensor([[2., 0.],
                [0., 2.]]), tensor([[3., 0.],
                [0., 3.]]))
        >>> jacobian(lambda x: x.exp(), torch.zeros(100), max_memory=4096).shape
        ferrograd.Size([100, 100])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    # Always one basis vector at a time (see the docstring), but torch branches on the flag, so
    # a value with no truth value (a tensor of several elements) fails as it does there.
    _ = bool(vectorize)
    if strategy == "forward-mode":
        return _jacfwd(func, inputs, create_graph, strict, chunk_size, max_memory)
    return _jacrev(func, inputs, create_graph, strict, chunk_size, max_memory)


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
