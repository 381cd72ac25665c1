"""Shared helpers for the ferrograd parity suite.

* ``check(fn, *args, ...)`` runs ``fn`` once with ferrograd and once with torch on the same random
  inputs (tinygrad's ``helper_test_op``), and compares forward values, dtypes, shapes,
  ``requires_grad`` and the gradients of ``(out * w).sum()`` with respect to every float input.
* ``assert_raises_like_torch(fn)`` checks that ferrograd raises the exception type torch raises.
* ``fd_gradcheck(fn, *arrays)`` is a float64 central finite-difference gradient check that uses
  ferrograd and numpy only (no torch).

``fn`` always receives the module as its first argument (``ferrograd`` or ``torch``), followed by the
input tensors: ``check(lambda m, a, b: m.maximum(a, b), (3, 1), (4,))``.
"""

from __future__ import annotations

import os
import warnings

import ferrograd as fg
import numpy as np
import pytest

FLOAT_DTYPES = ["float32", "float64"]

# Operand shape pairs of the binary ops' tests: equal, broadcast either way, 0-d on either side.
BROADCAST_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3, 1), (4,)),
    ((2, 1, 4), (3, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1, 3), (2, 1)),
]

# Where ``check`` puts ferrograd's inputs: "cpu", or "wgpu" for the GPU cases of the ``dtype``
# fixture (conftest.py). torch always runs on the CPU and is the reference.
DEVICE = "cpu"

# Tolerances per dtype. ``atol`` is scaled by the magnitude of the values involved (see ``_scale``):
# float32 kernels that sum in a different order differ by a few ulps of the largest term.
TOLS = {
    "float32": {"rtol": 1e-5, "atol": 1e-6},
    "float64": {"rtol": 1e-10, "atol": 1e-12},
    # GPU float32: Vulkan lets exp, log, sin, ... be a few ulp off (sin and cos to 2^-11 absolute
    # in [-pi, pi]), and reductions and matmuls sum in another order than the CPU.
    "float32-wgpu": {"rtol": 1e-4, "atol": 1e-5},
}


def wgpu_unavailable_reason():
    """Why the wgpu cases cannot run here, or None when they can."""
    if not fg.wgpu.is_available():
        try:
            fg.wgpu.get_device_name()
        except RuntimeError as e:
            return f"no wgpu adapter: {e}"
        return "no wgpu adapter"
    return None


def torch_module():
    """Import torch or skip the calling test."""
    return pytest.importorskip("torch")


def dtype_name(dtype) -> str:
    """'float32' for torch.float32 and ferrograd.float32 alike."""
    return str(dtype).split(".")[-1]


def get_dtype(module, name: str):
    return getattr(module, name)


def to_numpy(t) -> np.ndarray:
    """Values of a ferrograd or torch tensor as a fresh numpy array."""
    t = t.detach()
    if isinstance(t, fg.Tensor):
        t = t.cpu()
    return np.array(t.numpy(), copy=True)


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


class Arg:
    """An explicit input for ``check``.

    ``value`` is a numpy array (its dtype decides: bool, int64, or float, which is cast to the
    dtype under test) or a Python scalar passed through unchanged. ``requires_grad`` defaults to
    True for float arrays when the check computes gradients.
    """

    def __init__(self, value, requires_grad=None, non_contiguous=None):
        self.value = value
        self.requires_grad = requires_grad
        self.non_contiguous = non_contiguous


def make_tensor(module, arr, dtype, requires_grad=False):
    """``module.tensor`` from a numpy array (via tolist, which keeps float32 values exact)."""
    arr = np.asarray(arr)
    kw = {"device": DEVICE} if module is fg else {}
    if arr.size == 0:  # tolist() loses the shape of empty arrays
        return module.zeros(arr.shape, dtype=dtype, requires_grad=requires_grad, **kw)
    return module.tensor(arr.tolist(), dtype=dtype, requires_grad=requires_grad, **kw)


def _make_array(spec, rng, dtype, low, high):
    if isinstance(spec, Arg):
        return spec.value
    if isinstance(spec, np.ndarray):
        return spec
    if isinstance(spec, (bool, int, float)):
        return spec
    shape = (spec,) if isinstance(spec, int) else tuple(spec)
    return rng.uniform(low, high, size=shape).astype(dtype)


def _can_make_non_contiguous(shape) -> bool:
    if len(shape) >= 2:
        return shape[-1] > 1 and shape[-2] > 1
    return len(shape) == 1 and shape[0] > 1


def _build_input(module, arr, dtype_str, requires_grad, non_contiguous, junk_rng):
    """Return (leaf, input). ``input`` equals ``arr``; ``leaf`` is what gradients accumulate into.

    With ``non_contiguous`` the leaf holds the data in another layout and ``input`` is a strided
    view of it: the last two dims swapped (then ``transpose``d back), or for 1-D every other element
    of a twice-as-long vector.
    """
    dtype = get_dtype(module, dtype_str)
    if non_contiguous and _can_make_non_contiguous(arr.shape):
        if arr.ndim >= 2:
            storage = np.ascontiguousarray(np.swapaxes(arr, -1, -2))
            leaf = make_tensor(module, storage, dtype, requires_grad)
            return leaf, leaf.transpose(-1, -2)
        storage = junk_rng.uniform(-1, 1, size=(2 * arr.shape[0],)).astype(arr.dtype)
        storage[::2] = arr
        leaf = make_tensor(module, storage, dtype, requires_grad)
        return leaf, leaf[::2]
    leaf = make_tensor(module, arr, dtype, requires_grad)
    return leaf, leaf


def _flatten_outputs(out):
    """A list of tensors from a tensor, a (values, indices) result or a tuple/list of tensors."""
    if hasattr(out, "values") and hasattr(out, "indices") and not callable(out.values):
        return [out.values, out.indices]
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flatten_outputs(o))
        return res
    return [out]


def _scale(*arrays) -> float:
    m = 1.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            m = max(m, float(np.max(np.abs(finite))))
    return m


def assert_close(actual, expected, dtype_str, scale=1.0, rtol=None, atol=None, err_msg=""):
    if DEVICE != "cpu" and f"{dtype_str}-{DEVICE}" in TOLS:
        dtype_str = f"{dtype_str}-{DEVICE}"
    tol = TOLS.get(dtype_str, {"rtol": 0.0, "atol": 0.0})
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] * scale if atol is None else atol
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=err_msg)


# ---------------------------------------------------------------------------------------------
# check: forward + backward parity with torch
# ---------------------------------------------------------------------------------------------


def check(
    fn,
    *specs,
    dtype="float32",
    low=-2.0,
    high=2.0,
    grad=True,
    non_contiguous=False,
    weights=True,
    seed=0,
    rtol=None,
    atol=None,
    grad_rtol=None,
    grad_atol=None,
):
    """Compare ``fn(ferrograd, *inputs)`` with ``fn(torch, *inputs)``.

    ``specs`` are shapes (tuples or ints, random uniform in [low, high)), numpy arrays, Python
    scalars, or ``Arg`` wrappers. Float inputs are cast to ``dtype`` and require grad when
    ``grad``. Returns (ferrograd outputs, torch outputs) as lists of tensors.
    """
    torch = torch_module()
    rng = np.random.default_rng(seed)
    np_dtype = np.float32 if dtype == "float32" else np.float64
    arrays = [_make_array(s, rng, np_dtype, low, high) for s in specs]

    def build(module):
        junk_rng = np.random.default_rng(seed + 1)
        leaves, inputs = [], []
        for spec, arr in zip(specs, arrays):
            if not isinstance(arr, np.ndarray):
                leaves.append(None)
                inputs.append(arr)
                continue
            if arr.dtype == np.bool_:
                t = make_tensor(module, arr, module.bool)
                leaves.append(None)
                inputs.append(t)
                continue
            if np.issubdtype(arr.dtype, np.integer):
                t = make_tensor(module, arr, module.int64)
                leaves.append(None)
                inputs.append(t)
                continue
            rg = grad
            nc = non_contiguous
            if isinstance(spec, Arg):
                rg = grad if spec.requires_grad is None else spec.requires_grad
                nc = non_contiguous if spec.non_contiguous is None else spec.non_contiguous
            leaf, inp = _build_input(module, arr.astype(np_dtype), dtype, rg, nc, junk_rng)
            if nc and module is torch and _can_make_non_contiguous(arr.shape):
                assert not inp.is_contiguous(), "helper failed to build a non-contiguous torch input"
            leaves.append(leaf if rg else None)
            inputs.append(inp)
        return leaves, inputs

    t_leaves, t_inputs = build(torch)
    f_leaves, f_inputs = build(fg)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out = _flatten_outputs(fn(torch, *t_inputs))
    f_out = _flatten_outputs(fn(fg, *f_inputs))

    assert len(f_out) == len(t_out), f"ferrograd returned {len(f_out)} outputs, torch {len(t_out)}"
    in_scale = _scale(*[a for a in arrays if isinstance(a, np.ndarray)])
    for i, (fo, to) in enumerate(zip(f_out, t_out)):
        assert isinstance(fo, fg.Tensor), f"output {i}: expected a ferrograd.Tensor, got {type(fo)!r}"
        assert tuple(fo.shape) == tuple(to.shape), (
            f"output {i}: shape {tuple(fo.shape)} != torch {tuple(to.shape)}"
        )
        assert dtype_name(fo.dtype) == dtype_name(to.dtype), (
            f"output {i}: dtype {fo.dtype} != torch {to.dtype}"
        )
        assert bool(fo.requires_grad) == bool(to.requires_grad), (
            f"output {i}: requires_grad {fo.requires_grad} != torch {to.requires_grad}"
        )
        if any(isinstance(t, fg.Tensor) for t in f_inputs):
            assert fo.device.type == DEVICE, f"output {i}: on {fo.device}, expected {DEVICE}"
        expected = to_numpy(to)
        actual = to_numpy(fo)
        if expected.dtype == np.bool_ or np.issubdtype(expected.dtype, np.integer):
            np.testing.assert_array_equal(actual, expected, err_msg=f"output {i}")
        else:
            assert_close(
                actual,
                expected,
                dtype_name(to.dtype),
                scale=max(in_scale, _scale(expected)),
                rtol=rtol,
                atol=atol,
                err_msg=f"forward output {i}",
            )

    if not grad:
        return f_out, t_out

    # Backward of a weighted sum of every float output that requires grad.
    w_rng = np.random.default_rng(seed + 2)
    t_loss, f_loss = None, None
    for fo, to in zip(f_out, t_out):
        if not to.requires_grad:
            continue
        dn = dtype_name(to.dtype)
        if weights:
            w = w_rng.standard_normal(size=tuple(to.shape)).astype(np.float64)
            tw = make_tensor(torch, w, getattr(torch, dn))
            fw = make_tensor(fg, w, getattr(fg, dn))
            tl, fl = (to * tw).sum(), (fo * fw).sum()
        else:
            tl, fl = to.sum(), fo.sum()
        t_loss = tl if t_loss is None else t_loss + tl
        f_loss = fl if f_loss is None else f_loss + fl
    if t_loss is None:
        return f_out, t_out

    t_loss.backward()
    f_loss.backward()
    for i, (fl, tl) in enumerate(zip(f_leaves, t_leaves)):
        if tl is None:
            continue
        if tl.grad is None:
            assert fl.grad is None, f"input {i}: torch has no gradient, ferrograd has {fl.grad!r}"
            continue
        assert fl.grad is not None, f"input {i}: ferrograd gradient is None, torch has one"
        assert tuple(fl.grad.shape) == tuple(tl.grad.shape), (
            f"input {i}: grad shape {tuple(fl.grad.shape)} != torch {tuple(tl.grad.shape)}"
        )
        assert dtype_name(fl.grad.dtype) == dtype_name(tl.grad.dtype)
        expected = to_numpy(tl.grad)
        assert_close(
            to_numpy(fl.grad),
            expected,
            dtype,
            scale=max(in_scale, _scale(expected)),
            rtol=grad_rtol,
            atol=grad_atol,
            err_msg=f"gradient of input {i}",
        )
    return f_out, t_out


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def _builtin_base(exc_type):
    for cls in exc_type.__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception


def assert_raises_like_torch(fn, match=None, expected=None):
    """``fn(module)`` must raise in torch and raise the same builtin exception type in ferrograd.

    ``match`` is a regex searched in ferrograd's message. ``expected`` overrides the required type
    (for a torch-internal subclass such as NotImplementedError where any RuntimeError is fine).
    Returns (ferrograd exception, torch exception).
    """
    import re

    torch = torch_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(torch)
        except Exception as e:  # noqa: BLE001
            t_exc = e
        else:
            raise AssertionError("torch did not raise; the test case is wrong")
    want = expected or _builtin_base(type(t_exc))
    try:
        fn(fg)
    except Exception as e:  # noqa: BLE001
        f_exc = e
    else:
        raise AssertionError(f"ferrograd did not raise; torch raised {type(t_exc).__name__}: {t_exc}")
    assert isinstance(f_exc, want), (
        f"ferrograd raised {type(f_exc).__name__}: {f_exc}; torch raised {type(t_exc).__name__}: {t_exc}"
    )
    if match is not None:
        assert re.search(match, str(f_exc)), f"message {str(f_exc)!r} does not match {match!r}"
    return f_exc, t_exc


# ---------------------------------------------------------------------------------------------
# Finite differences (no torch)
# ---------------------------------------------------------------------------------------------


def fd_gradcheck(fn, *arrays, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0, requires_grad=None):
    """Compare ferrograd's float64 gradients with central finite differences.

    ``fn(ferrograd, *tensors)`` returns a tensor (or tuple of tensors); the scalar checked is
    ``sum(out * w)`` for fixed random weights ``w``. ``arrays`` are float arrays; ``requires_grad``
    (a list of bools) picks which are differentiated (default: all).
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    if requires_grad is None:
        requires_grad = [True] * len(arrays)
    rng = np.random.default_rng(seed)

    leaves = [make_tensor(fg, a, fg.float64, rg) for a, rg in zip(arrays, requires_grad)]
    outs = [o for o in _flatten_outputs(fn(fg, *leaves)) if dtype_name(o.dtype) == "float64"]
    assert outs, "fd_gradcheck: fn returned no float64 output"
    ws = [rng.standard_normal(size=tuple(o.shape)) for o in outs]
    loss = None
    for o, w in zip(outs, ws):
        term = (o * make_tensor(fg, w, fg.float64)).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    def value(arrs):
        with fg.no_grad():
            ts = [make_tensor(fg, a, fg.float64) for a in arrs]
            os_ = [o for o in _flatten_outputs(fn(fg, *ts)) if dtype_name(o.dtype) == "float64"]
            return sum(float(np.sum(to_numpy(o) * w)) for o, w in zip(os_, ws))

    for i, (a, rg) in enumerate(zip(arrays, requires_grad)):
        if not rg:
            continue
        numeric = np.zeros_like(a)
        for j in range(a.size):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i].flat[j] += eps
            minus[i].flat[j] -= eps
            numeric.flat[j] = (value(plus) - value(minus)) / (2 * eps)
        g = leaves[i].grad
        assert g is not None, f"input {i}: ferrograd gradient is None"
        np.testing.assert_allclose(
            to_numpy(g), numeric, rtol=rtol, atol=atol, err_msg=f"finite differences, input {i}"
        )


# ---------------------------------------------------------------------------------------------
# Misc
# ---------------------------------------------------------------------------------------------


def run_both(fn):
    """``fn(module)`` with torch and with ferrograd; returns (ferrograd result, torch result)."""
    torch = torch_module()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = fn(torch)
    return fn(fg), t


def result_or_error_like_torch(fn, rtol=1e-6, exception=Exception, match=None):
    """``fn(module)`` returns a tensor or a sequence of tensors. Where torch raises ``exception``,
    ferrograd must raise the same builtin type (its message matching ``match``); otherwise every
    result must have torch's dtype and values (NaN where torch has NaN; ``rtol=0``: exactly)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(torch_module())
    except exception:
        assert_raises_like_torch(fn, match=match)
        return
    got, want = run_both(fn)
    if not isinstance(want, (list, tuple)):
        got, want = [got], [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(to_numpy(g), w.numpy(), rtol=rtol, equal_nan=True)


# The long sweeps (the fuzzer, the hostile-input sweep; marked ``long``) run a deterministic sample
# by default (CI); FERROGRAD_FULL_SWEEPS=1 runs them in full:
#   FERROGRAD_FULL_SWEEPS=1 .venv/bin/python -m pytest tests -m long
FULL_SWEEPS = os.environ.get("FERROGRAD_FULL_SWEEPS", "") not in ("", "0")
