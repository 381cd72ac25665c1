"""``gradcheck`` and ``gradgradcheck``: analytical gradients against finite differences.

torch's ``torch.autograd.gradcheck`` and ``gradgradcheck`` (same signatures, checks, messages and
``GradcheckError``) for ferrograd functions. The numerical Jacobian is computed with central
differences, perturbing each input element in place through a numpy view of its storage (which,
like torch's ``.data``, bumps no version counter); the analytical one row by row with
``autograd.grad``. Jacobians are shown as in torch: one ``(input numel, output numel)`` matrix per
(differentiable output, differentiable input) pair.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _core
from .. import autograd as _autograd

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    return isinstance(x, _core.Tensor)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if _is_tensor(o) and o.requires_grad)


def _diff_inputs(tupled_inputs):
    """(positions in ``inputs``, tensors) of the inputs that require grad."""
    idx = [i for i, t in enumerate(tupled_inputs) if _is_tensor(t) and t.requires_grad]
    return idx, [tupled_inputs[i] for i in idx]


def _to_numpy(t):
    """A float64 copy of a tensor's values, flattened."""
    return np.array(t.detach().numpy(), dtype=np.float64, copy=True).reshape(-1)


def _storage_view(t):
    """A writable numpy view of ``t``'s elements: writes go to the tensor's storage without
    touching its version counter (torch's gradcheck uses ``.data`` for the same purpose)."""
    arr = t.detach().numpy()
    if not arr.flags.writeable:  # pragma: no cover - ferrograd's views are writable
        raise RuntimeError("gradcheck could not get a writable view of an input")
    return arr


def _as_ferrograd(matrix):
    return _core.from_numpy(np.array(matrix, dtype=np.float64, order="C", copy=True))


def _check_inputs(tupled_inputs):
    any_input_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if _is_tensor(inp) and inp.requires_grad:
            if inp.dtype != _core.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and "
                    "is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are "
                    "not of double precision floating point or complex. ",
                    stacklevel=4,
                )
            if not all(st > 0 or sz <= 1 for st, sz in zip(inp.stride(), inp.size())):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only "
                    "supports inputs that are non-overlapping to be able to "
                    "compute the numerical gradients correctly. You should call "
                    ".contiguous on the input before passing it to gradcheck."
                )
            any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )


def _evaluate(func, tupled_inputs):
    """Values of every floating-point tensor output (float64, flat), None for the others."""
    res = []
    for o in _as_tuple(func(*tupled_inputs)):
        if _is_tensor(o) and o.is_floating_point():
            res.append((tuple(o.shape), o.dtype, _to_numpy(o)))
        else:
            res.append(None)
    return res


def _central_difference(func, tupled_inputs, arr, idx, delta, eps, on_index):
    """(f(x + delta) - f(x - delta)) / (2 eps) for each output, perturbing ``arr[idx]``."""
    orig = np.array(arr[idx], copy=True)
    try:
        arr[idx] = orig - delta
        outa = _evaluate(func, tupled_inputs)
        arr[idx] = orig + delta
        outb = _evaluate(func, tupled_inputs)
    finally:
        arr[idx] = orig
    res = []
    for a, b in zip(outa, outb):
        if a is None or b is None:
            res.append(None)
            continue
        where = f"on index {on_index} " if on_index is not None else ""
        if a[0] != b[0]:
            raise AssertionError(
                "Expected `func` to return outputs with the same shape"
                f" when inputs are perturbed {where}by {eps}, but got: shapes {a[0]} and {b[0]}."
            )
        if a[1] != b[1]:
            raise AssertionError(
                "Expected `func` to return outputs with the same dtype"
                f" when inputs are perturbed {where}by {eps}, but got: dtypes {a[1]} and {b[1]}."
            )
        res.append((b[2] - a[2]) / (2 * eps))
    return res


def _numerical_jacobians(func, tupled_inputs, func_out, eps):
    """numerical[j][k]: (numel of diff input j, numel of output k) for every output k (None for
    outputs that are not floating point)."""
    outs = _as_tuple(func_out)
    _, diff_inputs = _diff_inputs(tupled_inputs)
    numerical = []
    for inp in diff_inputs:
        arr = _storage_view(inp)
        jac = [
            np.zeros((inp.numel(), o.numel())) if _is_tensor(o) and o.is_floating_point() else None
            for o in outs
        ]
        for d_idx, idx in enumerate(np.ndindex(*arr.shape)):
            cols = _central_difference(func, tupled_inputs, arr, idx, eps, eps, idx)
            for k, col in enumerate(cols):
                if jac[k] is not None and col is not None:
                    jac[k][d_idx] = col
        numerical.append(jac)
    return numerical


def _one_hot(output, r):
    g = _core.zeros(tuple(output.shape), dtype=output.dtype)
    g.view(-1)[r] = 1.0
    return g


def _vjp(output, diff_inputs, grad_output):
    return _autograd.grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)


def _analytical_rows(output, diff_inputs, grad_outputs):
    """jac[j]: (numel of diff input j, len(grad_outputs)), column r = vjp with grad_outputs[r];
    plus whether every gradient had its input's size and dtype."""
    jac = [np.zeros((inp.numel(), len(grad_outputs))) for inp in diff_inputs]
    sizes_ok, types_ok = True, True
    for r, go in enumerate(grad_outputs):
        grads = _vjp(output, diff_inputs, go)
        for j, (g, inp) in enumerate(zip(grads, diff_inputs)):
            if g is None:
                continue
            if tuple(g.shape) != tuple(inp.shape):
                sizes_ok = False
                continue
            if g.dtype != inp.dtype:
                types_ok = False
            jac[j][:, r] = _to_numpy(g)
    return jac, sizes_ok, types_ok


def _jacobians_equal(j1, j2, atol):
    for a, b in zip(j1, j2):
        if a.size and np.max(np.abs(a - b)) > atol:
            return False
    return True


_FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations, this failure might be expected.
If the test manually invokes gradcheck/gradgradcheck, call it with `nondet_tol=<tol>`.
"""


def _checked_analytical(diff_inputs, output, grad_outputs, nondet_tol, check_grad_dtypes):
    """Analytical Jacobians (or vJ products), computed twice to check that backward is reentrant."""
    jac1, sizes_ok, types_ok = _analytical_rows(output, diff_inputs, grad_outputs)
    jac2, _, _ = _analytical_rows(output, diff_inputs, grad_outputs)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not _jacobians_equal(jac1, jac2, nondet_tol):
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with "
            "same input and grad_output multiple times gives different values, "
            "although analytical gradient matches numerical gradient."
            f"The tolerance for nondeterminism was {nondet_tol}." + _FAILED_NONDET_MSG
        )
    return jac1


def _allclose(a, n, rtol, atol):
    return bool(np.allclose(a, n, rtol=rtol, atol=atol))


def _notallclose_msg(analytical, numerical, output_idx, input_idx):
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{_as_ferrograd(numerical)}\nanalytical:{_as_ferrograd(analytical)}\n"
    )


def _slow_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol):
    func_out_t = _as_tuple(func_out)
    numerical = _numerical_jacobians(func, tupled_inputs, func_out, eps)
    if not outputs:
        for per_input in numerical:
            for jac in per_input:
                if jac is not None and np.any(jac != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    # Keep the numerical Jacobians of the differentiable outputs only (as the analytical ones).
    keep = [k for k, o in enumerate(func_out_t) if _is_tensor(o) and o.requires_grad]
    _, diff_inputs = _diff_inputs(tupled_inputs)
    for i, o in enumerate(outputs):
        basis = [_one_hot(o, r) for r in range(o.numel())]
        analytical = _checked_analytical(diff_inputs, o, basis, nondet_tol, check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][keep[i]]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_notallclose_msg(a, n, i, j))
    return True


def _random_unit_vector(rng, numel):
    vec = rng.random(numel)
    norm = np.linalg.norm(vec)
    return vec / norm if norm > 0 else vec


_FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode! If the test manually invokes gradcheck/gradgradcheck,
call it with `fast_mode=False`.
""".strip()


def _fast_gradcheck(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol):
    """Compare v^T J_numerical u with (v^T J_analytical) u for random unit u (per input) and v
    (per output): one directional finite difference per input and one vjp per output."""
    rng = np.random.default_rng(67280421310721)
    _, diff_inputs = _diff_inputs(tupled_inputs)
    func_out_t = _as_tuple(func_out)
    keep = [k for k, o in enumerate(func_out_t) if _is_tensor(o) and o.requires_grad]
    all_u = [_random_unit_vector(rng, inp.numel()) for inp in diff_inputs]
    all_v = [_random_unit_vector(rng, o.numel()) for o in outputs]

    # numerical[j][i] = v_i . (J_ij u_j)
    numerical, raw_ju = [], []
    for inp, u in zip(diff_inputs, all_u):
        arr = _storage_view(inp)
        ju = _central_difference(func, tupled_inputs, arr, Ellipsis, eps * u.reshape(arr.shape), eps, None)
        raw_ju.append(ju)
        numerical.append([float(np.dot(v, ju[k])) for v, k in zip(all_v, keep)])
    if not outputs:
        for ju in raw_ju:
            for col in ju:
                if col is not None and col.size and np.max(np.abs(col)) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True

    for i, (o, v) in enumerate(zip(outputs, all_v)):
        go = _core.from_numpy(v.reshape(tuple(o.shape)).copy()).to(o.dtype)
        vjs = _checked_analytical(diff_inputs, o, [go], nondet_tol, check_grad_dtypes)
        for j, (vj, u) in enumerate(zip(vjs, all_u)):
            a = float(np.dot(vj[:, 0], u))
            n = numerical[j][i]
            adjusted_atol = atol * float(u.sum()) * float(v.sum())
            if not _allclose(a, n, rtol, adjusted_atol):
                raise GradcheckError(
                    _notallclose_msg(np.array(a), np.array(n), i, j)
                    + _slow_mode_error(func, tupled_inputs, func_out, outputs, i, j, eps, rtol, atol)
                )
    return True


def _slow_mode_error(func, tupled_inputs, func_out, outputs, output_idx, input_idx, eps, rtol, atol):
    """The slow-mode Jacobians of one (output, input) pair, for fast mode's error message."""
    func_out_t = _as_tuple(func_out)
    keep = [k for k, o in enumerate(func_out_t) if _is_tensor(o) and o.requires_grad]
    numerical = _numerical_jacobians(func, tupled_inputs, func_out, eps)[input_idx][keep[output_idx]]
    _, diff_inputs = _diff_inputs(tupled_inputs)
    o = outputs[output_idx]
    analytical, _, _ = _analytical_rows(o, diff_inputs, [_one_hot(o, r) for r in range(o.numel())])
    analytical = analytical[input_idx]
    max_diff = float(np.max(np.abs(numerical - analytical))) if numerical.size else 0.0
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {_as_ferrograd(numerical)}\n"
        f"Analytical:\n{_as_ferrograd(analytical)}\n\n"
        f"The max per-element difference (slow mode) is: {max_diff}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        msg += _FAST_FAIL_SLOW_OK_MSG
    return msg


def _test_backward_mul_by_grad_output(outputs, tupled_inputs):
    _, diff_inputs = _diff_inputs(tupled_inputs)
    grads = _autograd.grad(outputs, diff_inputs, [_core.zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if np.any(_to_numpy(gi) != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if tuple(gi.size()) != tuple(di.size()):
            raise GradcheckError("grad is incorrect size")
    return True


def _test_undefined_backward_mode(func, tupled_inputs):
    """ferrograd has no undefined-gradient tensor: the analogue of torch's undefined output grad
    is an output that takes no part in a backward call (the engine then treats its gradient as
    zero). Backward must work, and give zero or no gradients, with all outputs' gradients zero
    and with each output in turn left out."""
    _, diff_inputs = _diff_inputs(tupled_inputs)

    def check(outs):
        try:
            grads = _autograd.grad(
                list(outs), diff_inputs, [_core.zeros_like(o) for o in outs], allow_unused=True
            )
        except RuntimeError as e:
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. "
                'Please look at "Notes about undefined output gradients" in '
                '"tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads:
            if gi is not None and np.any(_to_numpy(gi) != 0):
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" in '
                    '"tools/autograd/derivatives.yaml"'
                )

    outs = _differentiable_outputs(func(*tupled_inputs))
    if outs:
        check(outs)
    if len(outs) > 1:
        for k in range(len(outs)):
            outs = _differentiable_outputs(func(*tupled_inputs))
            check([o for idx, o in enumerate(outs) if idx != k])
    return True


def _gradcheck_helper(
    func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode
):
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)

    func_out = func(*tupled_inputs)
    outputs = _differentiable_outputs(func_out)

    check = _fast_gradcheck if fast_mode else _slow_gradcheck
    check(func, func_out, tupled_inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)

    if outputs:
        _test_backward_mul_by_grad_output(outputs, tupled_inputs)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, tupled_inputs)
    return True


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def gradcheck(
    func,
    inputs,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_batched_forward_grad=False,
    check_forward_ad=False,
    check_backward_ad=True,
    fast_mode=False,
    masked=None,
):
    r"""Check gradients computed via small finite differences against analytical gradients.

    For every input that is a floating-point Tensor with ``requires_grad=True`` and every
    output that requires grad, the Jacobian from central differences
    ``(f(x + eps) - f(x - eps)) / (2 eps)`` (one input element at a time) is compared with the
    one from ``autograd.grad`` (one output element at a time) by ``allclose``:
    ``|analytical - numerical| <= atol + rtol * |numerical|``. Then it checks that backward is
    reentrant (same result twice, up to ``nondet_tol``), that a zero ``grad_output`` gives zero
    gradients of the inputs' sizes and dtypes, and (``check_undefined_grad``) that backward works
    when outputs take no part in it (ferrograd's form of torch's undefined output gradients).

    The defaults are meant for float64 inputs (a warning is given for others). The check can fail
    at points where the function is not differentiable (a kink of ``abs``, a tie of ``max``...),
    and for inputs with overlapping memory (a stride 0 is refused).

    Args:
        func (function): a Python function that takes Tensor inputs and returns a Tensor or a
            tuple of Tensors.
        inputs (tuple of Tensor or Tensor): inputs to the function.
        eps (float, optional): perturbation for finite differences.
        atol (float, optional): absolute tolerance.
        rtol (float, optional): relative tolerance.
        raise_exception (bool, optional): raise a :class:`GradcheckError` naming the output and
            input and showing both Jacobians when the check fails (``True``), or return ``False``.
        nondet_tol (float, optional): tolerance for non-determinism between two identical
            backward calls.
        check_undefined_grad (bool, optional): check that backward handles outputs that get no
            gradient.
        check_grad_dtypes (bool, optional): check that gradients have their inputs' dtypes.
        check_batched_grad, check_batched_forward_grad, check_forward_ad (bool, optional):
            ferrograd has neither batched gradients nor forward-mode AD: must be ``False``.
        check_backward_ad (bool, optional): must be ``True`` (the only mode ferrograd checks).
        fast_mode (bool, optional): compare ``v^T J u`` for random unit vectors ``u`` and ``v``
            instead of whole Jacobians: one directional difference per input and one vjp per
            output. On failure the message also shows the slow-mode Jacobians.
        masked (bool, optional): accepted for compatibility (ferrograd has no sparse tensors).

    Returns:
        ``True`` if all differences satisfy the allclose condition.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd import gradcheck
        >>> x = torch.rand(3, dtype=torch.float64, requires_grad=True)
        >>> gradcheck(lambda t: (t * t).sin(), (x,))
        True
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: ferrograd has no forward-mode AD yet (check_forward_ad=False)")
    if not check_backward_ad:
        raise NotImplementedError("gradcheck: check_backward_ad=False leaves nothing to check in ferrograd")
    if check_batched_grad:
        raise NotImplementedError("gradcheck: ferrograd's grad has no batched mode yet (check_batched_grad)")
    del masked
    # torch branches on the flag before checking anything: an ambiguous tensor fails here
    raise_exception = bool(raise_exception)
    try:
        return _gradcheck_helper(
            func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad, check_grad_dtypes, fast_mode
        )
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _make_grad_output(output, non_contiguous):
    """Uniform in [-1, 1) from ferrograd's generator (``manual_seed`` applies), requiring grad;
    with ``non_contiguous`` a strided view (every other element of the last dimension)."""
    dtype = output.dtype if output.is_floating_point() else _core.float64
    shape = tuple(output.shape)
    if non_contiguous and output.numel() > 1:
        base = _core.rand(*shape[:-1], 2 * shape[-1], dtype=dtype) * 2 - 1
        return base[..., ::2].requires_grad_(True)
    return (_core.rand(shape, dtype=dtype) * 2 - 1).requires_grad_(True)


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    gen_non_contig_grad_outputs=False,
    raise_exception=True,
    nondet_tol=0.0,
    check_undefined_grad=True,
    check_grad_dtypes=False,
    check_batched_grad=False,
    check_fwd_over_rev=False,
    check_rev_over_rev=True,
    fast_mode=False,
    masked=False,
):
    r"""Check gradients of gradients computed via finite differences against analytical ones.

    Runs :func:`gradcheck` on ``(inputs, grad_outputs) -> autograd.grad(func(inputs), inputs,
    grad_outputs, create_graph=True)``: the double backward of every op ``func`` uses is checked
    against finite differences of its backward, with respect to both the inputs and the
    ``grad_outputs``.

    Args:
        func (function): a Python function that takes Tensor inputs and returns a Tensor or a
            tuple of Tensors.
        inputs (tuple of Tensor or Tensor): inputs to the function.
        grad_outputs (tuple of Tensor or Tensor, optional): the gradients with respect to the
            function's outputs. Default: random, uniform in [-1, 1), requiring grad.
        eps (float, optional): perturbation for finite differences.
        atol (float, optional): absolute tolerance.
        rtol (float, optional): relative tolerance.
        gen_non_contig_grad_outputs (bool, optional): make the random ``grad_outputs``
            non-contiguous.
        raise_exception (bool, optional): raise a :class:`GradcheckError` on failure (``True``)
            or return ``False``.
        nondet_tol (float, optional): tolerance for non-determinism.
        check_undefined_grad (bool, optional): see :func:`gradcheck`.
        check_grad_dtypes (bool, optional): see :func:`gradcheck`.
        check_batched_grad, check_fwd_over_rev (bool, optional): not supported by ferrograd:
            must be ``False``.
        check_rev_over_rev (bool, optional): must be ``True``.
        fast_mode (bool, optional): see :func:`gradcheck`.
        masked (bool, optional): accepted for compatibility.

    Returns:
        ``True`` if all differences satisfy the allclose condition.

    Example::

        >>> import ferrograd as torch
        >>> from ferrograd.autograd import gradgradcheck
        >>> x = torch.rand(3, dtype=torch.float64, requires_grad=True)
        >>> gradgradcheck(lambda t: t.exp() * t, (x,))
        True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: ferrograd has no forward-mode AD yet (check_fwd_over_rev)")
    tupled_inputs = _as_tuple(inputs)

    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(_make_grad_output(x, gen_non_contig_grad_outputs) for x in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)

    num_outputs = len(tupled_grad_outputs)
    diff_input_args_indices = {i for i, x in enumerate(tupled_inputs) if _is_tensor(x) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = args[: len(args) - num_outputs]
        grad_outs = args[len(args) - num_outputs :]
        for i, x in enumerate(input_args):
            if i in diff_input_args_indices and not x.requires_grad:
                x.requires_grad_()
        for i, x in enumerate(grad_outs):
            if i in diff_grad_output_indices and not x.requires_grad:
                x.requires_grad_()
        outputs = _differentiable_outputs(func(*input_args))
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_args_indices)
        grad_inputs = _autograd.grad(
            outputs, diff_input_args, tuple(grad_outs), create_graph=True, allow_unused=True
        )
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(
        new_func,
        tupled_inputs + tupled_grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        check_undefined_grad=check_undefined_grad,
        check_grad_dtypes=check_grad_dtypes,
        check_batched_grad=check_batched_grad,
        fast_mode=fast_mode,
        masked=masked,
    )
