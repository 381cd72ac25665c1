"""jacobian: reverse mode (one vjp per output element) or forward mode (one jvp per input
element), a chunk of basis vectors at a time, the chunk bounded by ``chunk_size`` or ``max_memory``."""

from __future__ import annotations

import warnings

from ... import _core
from ...grad_mode import enable_grad, no_grad
from ._utils import (
    _as_tuple,
    _autograd_grad,
    _check_requires_grad,
    _forward_pass,
    _grad_postprocess,
    _grad_preprocess,
    _tuple_postprocess,
)

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
