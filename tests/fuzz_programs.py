"""Differential fuzzing of ferrograd against torch with random tensor programs.

A *program* is a plain, printable literal::

    {"order2": False, "ops": [("leaf", (2, 3), "float32", 7, True, "uniform"),
                              ("exp", 0), ("add", 1, 0), ("sum", 2, (1,), False)]}

Every instruction appends its result(s) to a list of values and refers to earlier values by their
position in that list (an ``int``); a ``float`` in an operand position is a Python scalar. One small
interpreter (``run_program``) runs a program against either module, so a failing program printed
by Hypothesis can be pasted as-is into ``fuzz_regressions.py``.

``check_program`` runs a program in torch and in ferrograd and compares every value (shape, dtype,
requires_grad, elements with NaN positions exact), the ``.grad`` of every leaf after backward of a
weighted sum of all float values that require grad, and, with ``"order2"``, second derivatives
(``autograd.grad(..., create_graph=True)`` then a second ``autograd.grad``). When torch raises
(e.g. a tensor saved for backward was modified in place), ferrograd must raise the same builtin
exception type at the same step.

Besides the hand-written ops below (the elementwise ops not in the op table yet, reductions,
views, indexing, matmul, in-place ops, ...), every entry of the test registry (tests/opinfo.py:
unary, binary, ternary and activation rows) is an op the generator draws, with operands from the
entry's domain and dtypes and parameters from its parameter sets (``_Builder.gen_registry``). Its
instructions are named by the form they call: ``("t.<name>", ...)`` is ``torch.<name>(...)``,
``("m.<name>", x, ...)`` the method ``x.<name>(...)``, ``("F.<name>", ...)``
``nn.functional.<name>(...)``; a name ending in ``_`` is the in-place form, and an alias is
called by its own name. Their operands: an int is a value, a float a Python number, a dict
keyword arguments and a tuple positional parameters.

``programs()`` is the Hypothesis strategy. It builds a program one instruction at a time and runs
each instruction in torch right away, so parameters are drawn from the real shapes of the values
(no second copy of every op's shape rules).
"""

from __future__ import annotations

import math
import time
import warnings

import ferrograd as fg
import numpy as np
import opinfo
from helpers import TOLS, _builtin_base, _scale, dtype_name, make_tensor, to_numpy
from hypothesis import strategies as st

# Op names the generator must not emit while a ferrograd bug they trigger is open (see
# fuzz_regressions.py, which replays each bug). "name@order2": not in second-order programs;
# "name@0d", "name@empty": not on 0-d or empty tensors.
# Empty it once the bugs are fixed.
KNOWN_BUGS: set[str] = {
    # binary and ternary table rows save (and check the version of) every operand their row lists,
    # where torch saves only what the gradients it computes need: modifying in place an operand
    # whose saved value no gradient needs raises at backward in ferrograd, not in torch
    # (hypot(x, y) with only y requiring grad, then x modified; copysign; lerp with a weight that
    # does not require grad); see fuzz_regressions.py
    "hypot@inplace",
    "copysign@inplace",
    "lerp@inplace",
    # logical_and_/or_/xor_ written into a float tensor that requires grad: torch keeps the
    # tensor's history (its gradient is the overwritten value's), ferrograd records WhereBackward0
    # with a zero gradient; open: which is wanted
    "logical_and_@requires_grad",
    "logical_or_@requires_grad",
    "logical_xor_@requires_grad",
    # xlogy's gradient for input at input == 0: ferrograd 0, torch log(other)
    "xlogy@zero",
    # atan2's gradient at (0, 0): ferrograd NaN, torch 0 (reg_emit checks the first operand)
    "atan2@zero",
    # hardtanh's gradient at NaN: ferrograd 0, torch passes the gradient (its kink test is false)
    "hardtanh@nan",
    # a bool operand of a differentiated row (atan2(bool, x)): torch's backward negates it and
    # raises NotImplementedError, ferrograd RuntimeError (as `-bool_tensor` in the forward)
    "bool_operand@backward",
}

# Not bugs: ferrograd saves other tensors than torch for these ops, so modifying one of their
# outputs in place is caught by torch at backward and not by ferrograd, whose gradient stays
# right (it keeps its own copy, or never needed the output). Kept out of in-place programs;
# tests/test_reliability_regressions.py checks the gradients there. "setitem@overlap": torch
# refuses `x[i] = v` when v reads memory the write changes; ferrograd copies v first, as NumPy.
DIFFERENCES: set[str] = {
    "prod@inplace",
    "pow_tensor@inplace",
    # div with a rounding mode: torch's DivBackward2 saves both operands for a zero gradient
    "div_floor@inplace",
    "div_trunc@inplace",
    # in-place ops whose rule saves the output: ferrograd's keeps its own copy
    "exp_@inplace",
    "relu_@inplace",
    "pow_@inplace",
    # (the same, for the in-place forms of the registry's rows that save their output)
    "expm1_@inplace",
    "exp2_@inplace",
    "rsqrt_@inplace",
    "tan_@inplace",
    "hypot_@inplace",
    "copysign_@inplace",
    "celu_@inplace",
    "selu_@inplace",
    # the other way round: torch's batched matmul saves the operands after expand + reshape,
    # which copies them when batch dims broadcast, so torch misses an in-place change to an
    # operand that ferrograd (saving the operands) refuses; neither gradient is ever wrong
    "matmul_batched@inplace",
    "setitem@overlap",
    # torch refuses float32 @ float64 except when an operand is empty (its batched path returns
    # before the dtype check); ferrograd refuses mixed dtypes always
    "matmul@mixed_empty",
    # an entry of a matrix product whose products are all -0.0 (0 * -0.5): torch's BLAS gives
    # +0.0 on some paths (gemv, summing into a zeroed register) and -0.0 on others (an outer
    # product), so its sign, which reciprocal or a division turns into the sign of an infinity,
    # is not a contract; ferrograd's gemm returns -0.0
    "matmul@negative_zero",
    # torch's elementwise ops give a result with their input's memory layout (neg of a transposed
    # tensor is transposed, so view fails on it); ferrograd's results are contiguous, so view
    # succeeds where torch asks for reshape
    "view@strided_result",
    # an int-list index selecting nothing (an empty tensor, or an empty slice on another dim),
    # read or written: torch checks the bounds element by element, so it never checks them
    # there; ferrograd reports an out-of-range index whatever the size
    "index@empty_list",
}
AVOID = KNOWN_BUGS | DIFFERENCES


# ---------------------------------------------------------------------------------------------
# Interpreter
# ---------------------------------------------------------------------------------------------


def _leaf_array(shape, dtype, seed, kind, jitter=None):
    rng = np.random.default_rng(seed)
    if dtype in ("int64", "int32", "bool"):  # kind: ("ints", values) picks from the values
        values = kind[1] if isinstance(kind, tuple) else (0, 1)
        return rng.choice(np.array(values, dtype=np.int64), size=shape).astype(dtype)
    if isinstance(kind, tuple):  # ("range", low, high): a registry entry's domain
        arr = rng.uniform(kind[1], kind[2], size=shape)
    elif kind == "int":  # small integers: ties for max/maximum/sort and exact zeros for abs/relu/sign
        arr = rng.integers(-2, 3, size=shape).astype(np.float64)
    elif kind == "pos":  # away from zero: log, sqrt, reciprocal, pow stay in their domain
        arr = rng.uniform(0.5, 2.0, size=shape)
    else:
        arr = rng.uniform(-2.0, 2.0, size=shape)
    arr = arr.astype(np.float32 if dtype == "float32" else np.float64)
    if jitter is not None:  # each value moved by up to one ulp (see _noise_floor)
        arr *= 1 + np.random.default_rng([seed, jitter]).uniform(-1, 1, size=shape) * np.finfo(arr.dtype).eps
    return arr


def _operand(vals, a):
    """An operand: an int is a value reference, a float a Python scalar."""
    return vals[a] if isinstance(a, int) else a


def _F(m):
    return m.nn.functional


UNARY = {
    "neg": lambda m, x: x.neg(),
    "pos": lambda m, x: +x,
    "exp": lambda m, x: m.exp(x),
    "log": lambda m, x: m.log(x),
    "sqrt": lambda m, x: x.sqrt(),
    "sin": lambda m, x: m.sin(x),
    "cos": lambda m, x: x.cos(),
    "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "relu": lambda m, x: x.relu(),
    "abs": lambda m, x: abs(x),
    "sign": lambda m, x: x.sign(),
    "square": lambda m, x: x.square(),
    "reciprocal": lambda m, x: x.reciprocal(),
    "erf": lambda m, x: m.erf(x),
    "leaky_relu": lambda m, x: _F(m).leaky_relu(x, 0.1),
    "elu": lambda m, x: _F(m).elu(x),
    "silu": lambda m, x: _F(m).silu(x),
    "softplus": lambda m, x: _F(m).softplus(x),
    "gelu": lambda m, x: _F(m).gelu(x),
    "gelu_tanh": lambda m, x: _F(m).gelu(x, approximate="tanh"),
}

# Binary ops taking a value or a scalar on the right; "r"-prefixed ones put the scalar on the left.
BINARY = {
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y,
    "div": lambda m, x, y: x / y,
    "pow": lambda m, x, y: x**y,
    "radd": lambda m, x, c: c + x,
    "rsub": lambda m, x, c: c - x,
    "rmul": lambda m, x, c: c * x,
    "rdiv": lambda m, x, c: c / x,
    "rpow": lambda m, x, c: c**x,
    "add_alpha": lambda m, x, y: m.add(x, y, alpha=0.5),
    "sub_alpha": lambda m, x, y: x.sub(y, alpha=2.0),
    "maximum": lambda m, x, y: m.maximum(x, y),
    "minimum": lambda m, x, y: x.minimum(y),
    "mod": lambda m, x, y: x % y,
    "fmod": lambda m, x, y: m.fmod(x, y),
    # rounded division: zero gradients (div), none at all (floor_divide: backward raises)
    "floordiv": lambda m, x, y: x // y,
    "div_floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "div_trunc": lambda m, x, y: x.div(y, rounding_mode="trunc"),
    "rfloordiv": lambda m, x, c: c // x,
    "eq": lambda m, x, y: x == y,
    "ne": lambda m, x, y: x.ne(y),
    "lt": lambda m, x, y: x < y,
    "le": lambda m, x, y: m.le(x, y),
    "gt": lambda m, x, y: x > y,
    "ge": lambda m, x, y: x.ge(y),
    "logical_and": lambda m, x, y: x.logical_and(y),
    "logical_or": lambda m, x, y: m.logical_or(x, y),
    "and": lambda m, x, y: x & y,
    "or": lambda m, x, y: x | y,
    "matmul": lambda m, x, y: x @ y,
    "mm": lambda m, x, y: m.mm(x, y),
}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")

REDUCTIONS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k) if d is not None else x.sum(),
    "mean": lambda m, x, d, k: m.mean(x, d, keepdim=k) if d is not None else x.mean(),
    "amax": lambda m, x, d, k: x.amax(d if d is not None else (), keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d if d is not None else (), keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "var": lambda m, x, d, k: x.var(d, keepdim=k),
    "var0": lambda m, x, d, k: x.var(d, correction=0, keepdim=k),
    "std": lambda m, x, d, k: x.std(d, keepdim=k),
    "std0": lambda m, x, d, k: m.std(x, d, unbiased=False, keepdim=k),
}

# One int dim (or None for everything).
DIM_OPS = {
    "prod": lambda m, x, d, k: x.prod(d, keepdim=k) if d is not None else x.prod(),
    "max_dim": lambda m, x, d, k: tuple(x.max(d, keepdim=k)),
    "min_dim": lambda m, x, d, k: tuple(m.min(x, d, keepdim=k)),
    "argmax": lambda m, x, d, k: x.argmax(d, keepdim=k),
    "argmin": lambda m, x, d, k: x.argmin(d, keepdim=k),
    "softmax": lambda m, x, d, k: x.softmax(d),
    "log_softmax": lambda m, x, d, k: m.log_softmax(x, d),
}

IN_PLACE = {
    "add_": lambda m, x, y: x.add_(y),
    "sub_": lambda m, x, y: x.sub_(y, alpha=0.5),
    "mul_": lambda m, x, y: x.mul_(y),
    "div_": lambda m, x, y: x.div_(y),
    "pow_": lambda m, x, y: x.pow_(y),
    "copy_": lambda m, x, y: x.copy_(y),
    "iadd": lambda m, x, y: _iop(x, y, "__iadd__"),
    "isub": lambda m, x, y: _iop(x, y, "__isub__"),
    "imul": lambda m, x, y: _iop(x, y, "__imul__"),
    "idiv": lambda m, x, y: _iop(x, y, "__itruediv__"),
}
IN_PLACE_UNARY = {
    "neg_": lambda m, x: x.neg_(),
    "exp_": lambda m, x: x.exp_(),
    "relu_": lambda m, x: x.relu_(),
    "zero_": lambda m, x: x.zero_(),
    "clamp_": lambda m, x: x.clamp_(-0.5, 1.0),
    "fill_": lambda m, x: x.fill_(0.25),
}


def _iop(x, y, name):
    out = getattr(x, name)(y)
    assert out is x, f"{name} returned a new object"
    return out


def _apply_registry(m, vals, name, a):
    """A registry instruction (see the module docstring): ``t.``, ``m.`` or ``F.`` and the name
    called, with its operands, keyword arguments (a dict) and parameters (a tuple)."""
    where, _, fn = name.partition(".")
    args, kwargs = [], {}
    for x in a:
        if isinstance(x, dict):
            kwargs.update(x)
        elif isinstance(x, tuple):
            args.extend(x)
        else:
            args.append(_operand(vals, x))
    if where == "m":
        return getattr(args[0], fn)(*args[1:], **kwargs)
    return getattr(m if where == "t" else _F(m), fn)(*args, **kwargs)


def _is_in_place(tag) -> bool:
    """Whether an instruction tag (see _tag) writes into its input."""
    return tag in IN_PLACE_TAGS or (tag.endswith("_") and tag[:-1] in REGISTRY_NAMES)


def _setitem(x, index, value):
    x[index] = value
    return x


def _apply(m, vals, ins):
    """Runs one instruction; returns its result (a tensor or a tuple of tensors)."""
    name, *a = ins
    if name == "leaf":
        shape, dtype, seed, requires_grad, kind, *jitter = a
        arr = _leaf_array(shape, dtype, seed, kind, *jitter)
        return make_tensor(m, arr, getattr(m, dtype), requires_grad)
    if "." in name:
        return _apply_registry(m, vals, name, a)
    if name in UNARY:
        return UNARY[name](m, vals[a[0]])
    if name in BINARY:
        return BINARY[name](m, vals[a[0]], _operand(vals, a[1]))
    if name in REDUCTIONS or name in DIM_OPS:
        fn = REDUCTIONS.get(name) or DIM_OPS[name]
        return fn(m, vals[a[0]], a[1], a[2])
    if name in IN_PLACE:
        return IN_PLACE[name](m, vals[a[0]], _operand(vals, a[1]))
    if name in IN_PLACE_UNARY:
        return IN_PLACE_UNARY[name](m, vals[a[0]])
    x = vals[a[0]]
    if name == "max":
        return x.max()
    if name == "clamp":
        return x.clamp(a[1], a[2])
    if name == "where":
        return m.where(x, _operand(vals, a[1]), _operand(vals, a[2]))
    if name == "masked_fill":
        return x.masked_fill(vals[a[1]], a[2])
    if name == "logical_not":
        return ~x if a[1] else x.logical_not()
    if name == "reshape":
        return x.reshape(a[1])
    if name == "view":
        return x.view(*a[1])
    if name == "flatten":
        return x.flatten(a[1], a[2])
    if name == "transpose":
        return x.transpose(a[1], a[2])
    if name == "t":
        return x.t()
    if name == "mT":
        return x.mT
    if name == "permute":
        return x.permute(*a[1])
    if name == "expand":
        return x.expand(*a[1])
    if name == "unsqueeze":
        return x.unsqueeze(a[1])
    if name == "squeeze":
        return x.squeeze() if a[1] is None else x.squeeze(a[1])
    if name == "narrow":
        return x.narrow(a[1], a[2], a[3])
    if name == "select":
        return x.select(a[1], a[2])
    if name == "getitem":
        return x[a[1]]
    if name == "index_value":  # x[:, ..., idx] with an int or bool index tensor at dim a[2]
        return x[(slice(None),) * a[2] + (vals[a[1]],)]
    if name == "setitem":
        return _setitem(x, a[1], _operand(vals, a[2]))
    if name == "contiguous":
        return x.contiguous()
    if name == "clone":
        return x.clone()
    if name == "detach":
        return x.detach()
    if name == "cast":
        return x.to(getattr(m, a[1]))
    if name == "cat":
        return m.cat([vals[i] for i in a[0]], a[1])
    if name == "stack":
        return m.stack([vals[i] for i in a[0]], a[1])
    raise ValueError(f"unknown instruction {ins!r}")


def _np(t) -> np.ndarray:
    """``to_numpy``, plus torch's ZeroTensor (what double backward of e.g. relu gives)."""
    if getattr(t, "_is_zerotensor", lambda: False)():
        return np.zeros(tuple(t.shape), dtype=to_numpy(t.new_zeros(())).dtype)
    return to_numpy(t)


def _is_float(t) -> bool:
    return dtype_name(t.dtype) in ("float32", "float64")


def _weights(vals):
    """Fixed weights per float value requiring grad: the loss is sum((v * w).sum())."""
    out = []
    for i, v in enumerate(vals):
        if _is_float(v) and v.requires_grad:
            w = np.random.default_rng(1000 + i).standard_normal(size=tuple(v.shape))
            out.append((i, w))
    return out


def _weighted_sum(m, pairs):
    loss = None
    for t, w in pairs:
        term = (t * make_tensor(m, w, t.dtype)).sum()
        loss = term if loss is None else loss + term
    return loss


class Outcome:
    """What running a program produced: values, leaf gradients, second derivatives, or an error
    (``error = (step, exception)``, step being an instruction index, "backward" or "grad2")."""

    def __init__(self):
        self.vals, self.leaves, self.grads, self.grads2 = [], [], None, None
        self.error = None


def _constant_up_to_rounding(torch, t, d) -> bool:
    """Whether a reduction of ``t`` over ``d`` (None: all) sees input that is constant up to
    rounding: a standard deviation that is nonzero but within a few ulps of the values."""
    with torch.no_grad():
        dims = tuple(range(t.dim())) if d is None else (d,) if isinstance(d, int) else tuple(d)
        if t.numel() == 0 or math.prod(t.shape[k] for k in dims) <= 1:
            return False
        std = t.std(dim=dims)
        scale = t.abs().amax(dim=dims)
        eps = torch.finfo(t.dtype).eps
        return bool(((std > 0) & (std <= 64 * eps * scale)).any())


def run_program(m, prog) -> Outcome:
    out = Outcome()
    vals = out.vals
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step, ins in enumerate(prog["ops"]):
            try:
                res = _apply(m, vals, ins)
            except Exception as e:  # noqa: BLE001 - any error is compared with torch's
                out.error = (step, e)
                return out
            vals.extend(res if isinstance(res, tuple) else (res,))
            if ins[0] == "leaf" and ins[4]:
                out.leaves.append(vals[-1])
        _backward(m, prog, out)
    return out


def _backward(m, prog, out):
    pairs = [(out.vals[i], w) for i, w in _weights(out.vals)]
    loss = _weighted_sum(m, pairs)
    if loss is None:
        return
    step = "backward"
    try:
        if not prog.get("order2"):
            loss.backward()
            out.grads = [leaf.grad for leaf in out.leaves]
            return
        grads = m.autograd.grad(loss, out.leaves, create_graph=True, allow_unused=True)
        out.grads = list(grads)
        step = "grad2"
        rng = np.random.default_rng(7)
        pairs2 = [(g, rng.standard_normal(size=tuple(g.shape))) for g in grads if g is not None]
        loss2 = _weighted_sum(m, [(g, w) for g, w in pairs2 if g.requires_grad])
        if loss2 is not None:
            out.grads2 = list(m.autograd.grad(loss2, out.leaves, allow_unused=True))
    except Exception as e:  # noqa: BLE001
        out.error = (step, e)


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


def _close(actual, expected, dtype, scale, what, loose_nonfinite=False, noise=0.0):
    tol = TOLS[dtype]
    if loose_nonfinite:  # second derivatives
        if dtype == "float32":
            # They sum backward terms that cancel (x / x: terms in 1 / x**3 adding up to 0), so
            # float32 rounding of those terms is absolute noise no fixed tolerance covers: 100x
            # here, and check_program reruns the program in float64 with the tight tolerances.
            tol = {k: v * 100 for k, v in tol.items()}
        # At a singular point (x / y at y == 0, ...) the second derivative is inf or NaN depending
        # on how the formula is written; only "not finite" has to agree.
        bad = ~np.isfinite(expected)
        np.testing.assert_array_equal(~np.isfinite(actual), bad, err_msg=f"{what}: non-finite positions")
        actual, expected = np.where(bad, 0, actual), np.where(bad, 0, expected)
    if np.any(noise):
        # non-finite entries must match exactly (second derivatives had theirs zeroed above)
        finite = np.isfinite(expected)
        np.testing.assert_array_equal(
            actual[~finite], expected[~finite], err_msg=f"{what}: non-finite entries"
        )
        atol = tol["atol"] * scale + 2 * np.broadcast_to(np.asarray(noise), np.shape(expected))
        with np.errstate(invalid="ignore"):
            bad = finite & ~(np.abs(actual - expected) <= atol + tol["rtol"] * np.abs(expected))
        assert not bad.any(), (
            f"{what}: differs by more than twice torch's rounding noise at {np.argwhere(bad).tolist()}: "
            f"{actual[bad]} (ferrograd), {expected[bad]} (torch), noise {np.asarray(noise)[bad]}"
        )
        return
    np.testing.assert_allclose(actual, expected, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def _compare_tensor(f, t, what, scale, tol_dtype, loose_nonfinite=False, check_requires_grad=True, noise=0.0):
    assert isinstance(f, fg.Tensor), f"{what}: expected a ferrograd.Tensor, got {type(f)!r}"
    assert tuple(f.shape) == tuple(t.shape), f"{what}: shape {tuple(f.shape)} != torch {tuple(t.shape)}"
    assert dtype_name(f.dtype) == dtype_name(t.dtype), f"{what}: dtype {f.dtype} != torch {t.dtype}"
    assert not check_requires_grad or bool(f.requires_grad) == bool(t.requires_grad), (
        f"{what}: requires_grad {f.requires_grad} != torch {t.requires_grad}"
    )
    expected, actual = _np(t), _np(f)
    if _is_float(t):
        _close(actual, expected, tol_dtype, max(scale, _scale(expected)), what, loose_nonfinite, noise)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def _compare_grads(fs, ts, what, scale, tol_dtype, order2=False, strict=False, with_graph=False, noise=None):
    # Not a bug: whether a gradient that is identically zero has a graph (requires grad, or
    # exists at all for a second derivative) depends on how each library writes its backward
    # formulas (ferrograd keeps one through prod of a 0-d tensor and an overwritten region,
    # torch through relu); the values must still be zeros. Regression replays stay strict.
    relaxed = not strict
    if relaxed and order2 and (fs is None) != (ts is None):
        fs, ts = fs or [None] * len(ts), ts or [None] * len(fs)
    assert (fs is None) == (ts is None), f"{what}: ferrograd {fs is not None}, torch {ts is not None}"
    for i, (f, t) in enumerate(zip(fs or [], ts or [])):
        if relaxed and order2 and (f is None) != (t is None):
            # One library's create_graph gradient had no graph (so no second derivative), the other
            # differentiated it: the second derivative must then be zero (up to rounding).
            _close(_np(f if t is None else t), 0.0, tol_dtype, scale, f"{what} of leaf {i} (vs None)")
            continue
        assert (f is None) == (t is None), f"{what} of leaf {i}: ferrograd {f!r}, torch {t!r}"
        leaf_noise = 0.0 if noise is None or noise[i] is None else noise[i]
        if t is not None:
            _compare_tensor(
                f,
                t,
                f"{what} of leaf {i}",
                scale,
                tol_dtype,
                loose_nonfinite=order2,
                noise=leaf_noise,
                # (and in second-order programs, whether a first gradient has a graph is
                # checked through the second derivatives instead: None must equal zeros)
                # (with_graph: first gradients taken with create_graph in a second-order program)
                check_requires_grad=not (
                    relaxed and (order2 or with_graph or (not np.any(_np(t)) and not np.any(_np(f))))
                ),
            )


def compare_outcomes(f: Outcome, t: Outcome, strict=False, order2=False, noise=None):
    """``noise``: rounding noise allowed on top of the tolerances (see _compare_with_noise), as
    ``_noise_floor`` returns it."""
    noise = noise or {}
    if t.error is not None or f.error is not None:
        t_desc = t.error and f"{type(t.error[1]).__name__} at step {t.error[0]}: {t.error[1]}"
        f_desc = f.error and f"{type(f.error[1]).__name__} at step {f.error[0]}: {f.error[1]}"
        assert t.error is not None, f"ferrograd raised {f_desc}; torch did not"
        assert f.error is not None, f"torch raised {t_desc}; ferrograd did not"
        assert f.error[0] == t.error[0] and isinstance(f.error[1], _builtin_base(type(t.error[1]))), (
            f"ferrograd raised {f_desc}; torch raised {t_desc}"
        )
        return
    # atol is scaled by the largest magnitude the program went through (as ``check`` scales by its
    # inputs and outputs): float32 kernels summing in another order differ by ulps of that.
    scale = _scale(*[_np(v) for v in t.vals if _is_float(v)])
    # Everything computed after a float32 step carries float32 rounding, even when cast back up.
    tol_dtype = "float32" if any(dtype_name(v.dtype) == "float32" for v in t.vals) else "float64"
    assert len(f.vals) == len(t.vals), f"{len(f.vals)} values, torch {len(t.vals)}"
    value_noise = noise.get("vals") or [None] * len(t.vals)
    for i, (fv, tv, n) in enumerate(zip(f.vals, t.vals, value_noise)):
        _compare_tensor(fv, tv, f"value {i}", scale, tol_dtype, noise=0.0 if n is None else n)
    grad_scale = max(scale, _scale(*[_np(g) for g in t.grads or [] if g is not None]))
    _compare_grads(
        f.grads,
        t.grads,
        "gradient",
        grad_scale,
        tol_dtype,
        strict=strict,
        with_graph=order2,
        noise=noise.get("grads"),
    )
    scale2 = max(grad_scale, _scale(*[_np(g) for g in t.grads2 or [] if g is not None]))
    _compare_grads(
        f.grads2,
        t.grads2,
        "second derivative",
        scale2,
        tol_dtype,
        order2=True,
        strict=strict,
        noise=noise.get("grads2"),
    )


def check_program(prog, strict=False):
    """Runs ``prog`` in torch and ferrograd; AssertionError on any difference. ``strict`` turns off
    the relaxations KNOWN_BUGS asks for (the regression replays are strict)."""
    import torch

    t = run_program(torch, prog)
    try:
        f = run_program(fg, prog)
    except BaseException as e:  # a pyo3 PanicException is a BaseException
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise AssertionError(f"ferrograd crashed: {type(e).__name__}: {e}") from e
    _compare_with_noise(f, t, prog, strict)
    if prog.get("order2") and any(ins[0] == "leaf" and ins[2] == "float32" for ins in prog["ops"]):
        # float32 second derivatives are compared loosely (see _close); the same program in
        # float64 checks them tightly.
        prog64 = _as_float64(prog)
        _compare_with_noise(run_program(fg, prog64), run_program(torch, prog64), prog64, strict)


def _compare_with_noise(f, t, prog, strict):
    """compare_outcomes, with one allowance for ill-conditioned results.

    A result can sum terms far larger than itself that cancel: std of two values 0.0017 apart
    has a zero Hessian made of terms in 1 / std, from deviations x - mean that already carry a
    relative error of eps * |x| / |x - mean|; 2 / (x @ w) where the product cancels to 0.0075
    carries the product's rounding, relative to 0.0075. How far such a result lies from the exact
    one is set by the problem, not by a fixed tolerance: a backward-stable implementation returns
    the exact answer for inputs moved by about an ulp, so two of them differ by at most twice what
    torch's own answer moves when the inputs move by an ulp. Where the plain comparison fails,
    that amount is measured (``_noise_floor``) and allowed on every value, gradient and second
    derivative; where the problem is well-conditioned it is a few ulps, so a wrong result still
    fails.
    """
    try:
        compare_outcomes(f, t, strict, prog["order2"])
    except AssertionError:
        if f.error is not None or t.error is not None:
            raise
        compare_outcomes(f, t, strict, prog["order2"], noise=_noise_floor(prog, t))


def _noise_floor(prog, t, samples=16):
    """The largest change of torch's values ("vals"), leaf gradients ("grads") and second
    derivatives ("grads2") over ``samples`` runs of ``prog`` with every leaf value moved by up to
    one ulp: lists of arrays (None where there is nothing to measure, 0 where no run could tell).

    The change is not smooth in the move: for std of two close values about 6 runs in 10 move
    the answer by the full noise and the rest not at all, hence many runs (seeded, so a
    verdict is reproducible)."""
    import torch

    def zeros(ts):
        return [None if x is None or not _is_float(x) else np.zeros(tuple(x.shape)) for x in ts or []]

    floor = {"vals": zeros(t.vals), "grads": zeros(t.grads), "grads2": zeros(t.grads2)}
    for k in range(samples):
        # (not the small-integer leaves: there, moving a value breaks the ties max and sort are
        # tested on, and the jump would pass for noise)
        ops = [(*ins, k) if ins[0] == "leaf" and ins[5] != "int" else ins for ins in prog["ops"]]
        moved = run_program(torch, {**prog, "ops": ops})
        if moved.error is not None:
            continue
        for key, before, after in (
            ("vals", t.vals, moved.vals),
            ("grads", t.grads, moved.grads),
            ("grads2", t.grads2, moved.grads2),
        ):
            for i, (g, h) in enumerate(zip(before or [], after or [])):
                if floor[key][i] is not None and h is not None and tuple(h.shape) == tuple(g.shape):
                    delta = np.abs(_np(h).astype(np.float64) - _np(g).astype(np.float64))
                    floor[key][i] = np.fmax(floor[key][i], np.where(np.isfinite(delta), delta, 0))
    return floor


def _as_float64(prog):
    """``prog`` with every float32 leaf and cast made float64."""
    ops = []
    for ins in prog["ops"]:
        if ins[0] in ("leaf", "cast"):
            ins = tuple("float64" if a == "float32" else a for a in ins)
        ops.append(ins)
    return {**prog, "ops": ops}


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------

SCALARS = [2.0, 0.5, -1.0, 0.0, 1.5, -0.25, 3.0]
EXPONENTS = [2.0, 3.0, 0.5, -1.0, 1.5, 0.0, -2.0]


class _Builder:
    """Draws one program, running each instruction in torch to learn the shapes it produces."""

    def __init__(self, draw, torch, order2):
        self.draw, self.torch, self.order2 = draw, torch, order2
        self.ops, self.vals = [], []
        self.emitted = set()  # bug tags (see _tag) of the instructions so far
        self.dtype = draw(st.sampled_from(["float32", "float64"]))
        self.mixed = draw(st.integers(0, 9)) == 0  # some programs mix float32 and float64 leaves
        self.failed = False

    # -- helpers -------------------------------------------------------------------------------

    def known_bug(self, name, x=None):
        """Whether emitting op ``name`` (on value ``x``) would hit a bug listed in KNOWN_BUGS."""
        tags = [name, f"{name}@order2" if self.order2 else None]
        if x is not None and self.vals[x].dim() == 0:
            tags.append(f"{name}@0d")
        if x is not None and self.vals[x].numel() == 0:
            tags.append(f"{name}@empty")
        return any(tag in AVOID for tag in tags)

    def emit(self, ins):
        """Appends ``ins`` and runs it in torch; None when torch raised (the program ends there: the
        error is compared) or when ``ins`` would meet an ``op@inplace`` known bug."""
        tag = _tag(ins)
        if tag == "matmul" and max(self.vals[ins[1]].dim(), self.vals[ins[2]].dim()) >= 3:
            tag = "matmul_batched"
        if _is_in_place(tag) and any(f"{t}@inplace" in AVOID for t in self.emitted):
            return None
        if f"{tag}@inplace" in AVOID and any(_is_in_place(t) for t in self.emitted):
            return None
        self.emitted.add(tag)
        self.ops.append(ins)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = _apply(self.torch, self.vals, ins)
        except Exception:  # noqa: BLE001 - kept: ferrograd must raise the same way
            self.failed = True
            return None
        res = res if isinstance(res, tuple) else (res,)
        self.vals.extend(res)
        return len(self.vals) - 1

    def integers(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def coin(self, n=2):
        """True with probability 1/n."""
        return self.draw(st.integers(0, n - 1)) == 0

    def choice(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def dim_size(self):
        # mostly 1..4; 0 now and then for empty tensors
        i = self.integers(0, 24)
        return 0 if i == 24 else 1 + i % 4

    def shape(self, max_rank=4):
        return tuple(self.dim_size() for _ in range(self.integers(0, max_rank)))

    def leaf(self, shape=None):
        shape = self.shape() if shape is None else tuple(shape)
        dtype = self.choice(["float32", "float64"]) if self.mixed else self.dtype
        kind = self.choice(["uniform", "uniform", "int", "pos"])
        if kind == "int" and self.order2:
            # Small integers put values exactly on kinks and singular points (x ** 0 at 0, pow with a
            # negative base and an integer exponent): there second derivatives are NaN, 0 or absent
            # depending on how each library writes the formula. First-order programs keep them.
            kind = "uniform"
        requires_grad = not self.coin(5)
        return self.emit(("leaf", shape, dtype, self.integers(0, 2**16), requires_grad, kind))

    def pick(self, pred=lambda t: True):
        idx = [i for i, t in enumerate(self.vals) if pred(t)]
        return self.choice(idx) if idx else None

    def pick_float(self):
        return self.pick(_is_float)

    def pick_bool(self):
        return self.pick(lambda t: t.dtype == self.torch.bool)

    def dim(self, t, allow_none=False):
        if t.dim() == 0 or (allow_none and self.coin(4)):
            return None if allow_none else 0
        return self.integers(-t.dim(), t.dim() - 1)

    def dims(self, t):
        """None (all dims), or a tuple of distinct dims."""
        if t.dim() == 0 or self.coin(4):
            return None
        chosen = sorted({self.integers(0, t.dim() - 1) for _ in range(self.integers(1, t.dim()))})
        return tuple(d - t.dim() if self.coin(3) else d for d in chosen)

    def partner(self, shape, exact=False):
        """A value broadcastable with ``shape`` (to exactly ``shape`` when ``exact``): an
        existing one when there is one and the draw says so, else a new leaf."""

        def fits(t):
            try:
                b = np.broadcast_shapes(tuple(t.shape), shape)
            except ValueError:
                return False
            return _is_float(t) and (not exact or b == shape)

        if self.coin(2):
            i = self.pick(fits)
            if i is not None:
                return i
        new = list(shape[self.integers(0, len(shape)) :])  # drop leading dims
        for k in range(len(new)):
            if self.coin(3):
                new[k] = 1
            elif new[k] == 1 and not exact and self.coin(3):
                new[k] = self.integers(2, 3)  # the other side broadcasts
        return self.leaf(new)

    def shape_args(self, name, x, shape):
        """``(name, x, shape)``, where ``shape`` becomes ``*shape`` in the call, or None."""
        if not shape and self.known_bug("no_size_args"):
            return None
        return self.emit((name, x, tuple(shape)))

    # -- op families ---------------------------------------------------------------------------

    def gen_unary(self):
        x = self.pick_float()
        name = self.choice(UNARY)
        if name == "elu" and (self.vals[x] == 0).any() and self.known_bug("elu@zero"):
            return None
        if name == "sign" and self.torch.isnan(self.vals[x]).any():
            return None  # torch.sign(nan) is 0, a known torch bug (pytorch/pytorch#41245); numpy: nan
        if name == "elu" and self.torch.isnan(self.vals[x]).any():
            # torch's elu gradient at NaN depends on the element's position: g from its scalar
            # loop, NaN from its vectorised one (the first multiple of 8 float64 / 16 float32
            # elements); ferrograd gives g everywhere (tests/test_ops_unary.py checks the scalar
            # cases)
            return None
        return None if self.known_bug(name, x) else self.emit((name, x))

    def gen_binary(self):
        x = self.pick_float()
        name = self.choice(
            ["add", "sub", "mul", "div", "pow", "add_alpha", "sub_alpha", "maximum", "minimum", "mod", "fmod"]
            + ["floordiv", "div_floor", "div_trunc"]
            + ["radd", "rsub", "rmul", "rdiv", "rpow", "rfloordiv"]
        )
        if self.known_bug(name):
            return None
        if name.startswith("r"):
            return self.emit((name, x, self.choice(SCALARS)))
        if name not in ("maximum", "minimum") and self.coin(4) and not self.known_bug(name, x):
            return self.emit((name, x, self.choice(EXPONENTS if name == "pow" else SCALARS)))
        y = x if self.coin(6) else self.partner(tuple(self.vals[x].shape))
        if y is None:
            return None
        return self.emit((name, x, y) if self.coin(2) else (name, y, x))

    # -- registry ops (tests/opinfo.py) ---------------------------------------------------------

    def gen_registry(self):
        """One entry of the test registry, in one of its forms (function, method, alias, in-place
        where torch has it), on operands drawn for it (see reg_operand)."""
        kind, op = self.choice(REGISTRY)
        if self.known_bug(op.name):
            return None
        return getattr(self, f"reg_{kind}")(op)

    def reg_operand(self, op, domain=None, shape=None, exact=False, ints=(-3, -2, -1, 0, 1, 2, 3)):
        """An operand for registry entry ``op``: an existing value of a dtype the entry computes on
        (broadcastable with ``shape``; to exactly ``shape`` when ``exact``), or a new leaf of such
        a dtype, a float one drawn from the entry's ``domain`` (its low, high), an int64 one from
        ``ints``."""

        def fits(t):
            if dtype_name(t.dtype) not in op.dtypes:
                return False
            if shape is None:
                return True
            return _broadcastable_to(tuple(t.shape), shape) if exact else _broadcastable(t.shape, shape)

        if self.coin(2):
            i = self.pick(fits)
            if i is not None:
                return i
        if shape is None:
            new = self.shape()
        else:  # like partner(): drop leading dims, make some 1 (or broadcast the other way)
            new = list(shape[self.integers(0, len(shape)) :])
            for k in range(len(new)):
                if self.coin(3):
                    new[k] = 1
                elif new[k] == 1 and not exact and self.coin(3):
                    new[k] = self.integers(2, 3)
        floats = [d for d in op.dtypes if d in opinfo.FLOATS]
        dtype = self.choice(op.dtypes) if not floats or self.coin(4) else None
        if dtype in ("int64", "int32", "bool"):
            values = tuple(ints) if dtype != "bool" else (0, 1)
            return self.emit(("leaf", tuple(new), dtype, self.integers(0, 2**16), False, ("ints", values)))
        dtype = dtype or (self.choice(floats) if self.mixed else self.dtype)
        low, high = domain if domain is not None else (op.low, op.high)
        requires_grad = not self.coin(5)
        return self.emit(
            ("leaf", tuple(new), dtype, self.integers(0, 2**16), requires_grad, ("range", low, high))
        )

    def reg_in_place_target(self, op, shape=None):
        """A value to write into in place, as gen_in_place picks one (now and then a leaf that
        requires grad, which must raise as in torch), of a dtype ``op`` computes on."""

        def target(t):
            if dtype_name(t.dtype) not in op.dtypes or (shape is not None and tuple(t.shape) != shape):
                return False
            if t.requires_grad and not getattr(op, "torch_inplace_grad", True):
                return False  # torch cannot differentiate the in-place form (the entry says so)
            if t.requires_grad and self.known_bug(f"{op.name}_@requires_grad"):
                return False
            if t.dtype == self.torch.int64 and self.known_bug("inplace@int64"):
                return False
            touches_leaf = t.is_leaf and t.requires_grad or (t._base is not None and t._base.is_leaf)
            return not touches_leaf or self.coin(10)

        return self.pick(target)

    def reg_form(self, name, in_place, prefix="t"):
        """The instruction name for calling ``name``: the function (``prefix``), the method or,
        when ``in_place``, the in-place method."""
        form = self.choice(["fn", "method", "in_place"] if in_place else ["fn", "method"])
        return {"fn": f"{prefix}.{name}", "method": f"m.{name}", "in_place": f"m.{name}_"}[form]

    def reg_unary(self, op):
        name = self.reg_form(self.choice((op.name, *op.aliases)), in_place=not op.bool_out)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:  # (no value to write into: the out-of-place form)
            name = name.rstrip("_")
            x = self.reg_operand(op)
        if x is None:
            return None
        kwargs = self.choice(op.kwargs)
        return self.reg_emit(op, (name, x, kwargs) if kwargs else (name, x))

    def reg_binary(self, op):
        name = self.reg_form(self.choice((op.name, *op.aliases)), in_place=op.inplace)
        ints = op.int_values
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_")
            x = self.reg_operand(op, (op.low, op.high), ints=ints)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        if _is_float(self.vals[x]) and self.coin(4):
            y = self.choice(SCALARS)  # a Python number (where torch refuses one, the error is compared)
        else:
            y = self.reg_operand(
                op, (op.other_low, op.other_high), s, exact=name.endswith("_"), ints=op.int_other
            )
        return None if y is None else self.reg_emit(op, (name, x, y))

    def reg_ternary(self, op):
        name = self.reg_form(op.name, in_place=True)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_")
            x = self.reg_operand(op)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        exact = name.endswith("_")
        y = self.reg_operand(op, shape=s, exact=exact)
        if y is None:
            return None
        w = (
            self.choice(op.numbers)
            if self.coin(3)
            else self.reg_operand(op, (op.third_low, op.third_high), s, exact)
        )
        return None if w is None else self.reg_emit(op, (name, x, y, w))

    def reg_activation(self, op):
        if self.order2 and not op.torch_grad2:
            return None  # torch has no second derivative of it (the entry says so)
        # its forms as torch has them: F.<name>, F.<name>_, torch.<name>, torch.<name>_
        F = self.torch.nn.functional
        forms = [f"F.{op.name}"] + [
            f"{p}.{n}"
            for p, mod in (("F", F), ("t", self.torch))
            for n in (op.name, op.name + "_")
            if (p, n) != ("F", op.name) and hasattr(mod, n)
        ]
        name = self.choice(forms)
        x = self.reg_in_place_target(op) if name.endswith("_") else None
        if x is None:
            name = name.rstrip("_") if name.rstrip("_") in forms else f"F.{op.name}"
            x = self.reg_operand(op)
        if x is None:
            return None
        params = self.choice(op.params)
        return self.reg_emit(op, (name, x, params) if params else (name, x))

    def reg_emit(self, op, ins):
        """emit(ins), unless its operands meet a KNOWN_BUGS entry: "<name>@zero" (an exact zero
        in the first operand), "<name>@nan" (a NaN there), "bool_operand@backward" (a bool
        operand next to one that requires grad)."""
        tensors = [self.vals[a] for a in ins[1:] if isinstance(a, int)]
        x = tensors[0]
        with self.torch.no_grad():
            if x.numel() and self.known_bug(f"{op.name}@zero") and bool((x == 0).any()):
                return None
            if (
                x.numel()
                and self.known_bug(f"{op.name}@nan")
                and x.is_floating_point()
                and bool(x.isnan().any())
            ):
                return None
        if (
            any(t.dtype == self.torch.bool for t in tensors)
            and any(t.requires_grad for t in tensors)
            and self.known_bug("bool_operand@backward")
        ):
            return None
        return self.emit(ins)

    def gen_compare(self):
        x = self.pick_float()
        name = self.choice(COMPARISONS)
        y = self.choice(SCALARS) if self.coin(3) else self.partner(tuple(self.vals[x].shape))
        return None if y is None else self.emit((name, x, y))

    def gen_logical(self):
        a = self.pick_bool()
        if a is None:
            return self.gen_compare()
        if self.coin(3):
            return self.emit(("logical_not", a, self.coin(2)))
        shape = tuple(self.vals[a].shape)
        b = self.pick(lambda t: t.dtype == self.torch.bool and _broadcastable(t.shape, shape))
        return self.emit((self.choice(["logical_and", "logical_or", "and", "or"]), a, b))

    def gen_where(self):
        c = self.pick_bool()
        if c is None:
            c = self.gen_compare()
            if c is None:
                return None
        shape = tuple(self.vals[c].shape)
        a = self.choice(SCALARS) if self.coin(4) else self.partner(shape)
        if a is None:
            return None
        b = self.choice(SCALARS) if self.coin(4) else self.partner(shape)
        if isinstance(a, float) and isinstance(b, float) and self.known_bug("where@scalars"):
            b = self.partner(shape)
        if b is None:
            return None
        if self.coin(3):  # masked_fill: the mask must broadcast to the input's shape
            x = self.partner(shape, exact=False)
            if x is None or not _broadcastable_to(shape, tuple(self.vals[x].shape)):
                return self.emit(("where", c, a, b))
            return self.emit(("masked_fill", x, c, self.choice(SCALARS)))
        return self.emit(("where", c, a, b))

    def gen_clamp(self):
        x = self.pick_float()
        lo, hi = self.choice([(-0.5, 1.0), (None, 0.5), (0.0, None), (1.0, -1.0), (0.0, 0.0)])
        return self.emit(("clamp", x, lo, hi))

    def gen_reduce(self):
        x = self.pick_float()
        t = self.vals[x]
        if self.coin(2):
            name = self.choice(REDUCTIONS)
            d = self.dims(t)
            if name == "logsumexp" and d is None:
                d = tuple(range(t.dim()))
            if self.known_bug(name, x) or (
                name in ("amax", "amin") and d is None and self.known_bug("full_reduce", x)
            ):
                return None
            if name[:3] == "std" and self.known_bug("std@zero"):
                with self.torch.no_grad():
                    if (REDUCTIONS[name](self.torch, t, d, False) == 0).any():
                        return None
            if name[:3] in ("std", "var") and _constant_up_to_rounding(self.torch, t, d):
                # The gradient there is (x - mean) / std with both at rounding level: it depends on
                # the order the mean was summed in, so no two libraries agree (torch itself changes
                # with the vector width). Exactly constant input (std 0, gradient 0) is compared.
                return None
            reduced = math.prod(t.shape[k] for k in (range(t.dim()) if d is None else d))
            if self.order2 and name[:3] in ("var", "std") and reduced <= 1:
                # var/std of one element is 0/0 = NaN; there torch's second derivative is an artefact
                # of its formula (finite, or no graph at all), so it is not compared.
                return None
            return self.emit((name, x, d, self.coin(2)))
        name = self.choice(list(DIM_OPS) + ["max"])
        if name == "softmax" and self.known_bug("softmax", x):
            return None
        if name == "max":
            return None if self.known_bug("full_reduce", x) else self.emit(("max", x))
        allow_none = name in ("prod", "argmax", "argmin")
        d = self.dim(t, allow_none=allow_none)
        return self.emit((name, x, d, self.coin(2) and d is not None))

    def gen_matmul(self):
        x = self.pick(lambda t: _is_float(t) and t.dim() >= 1)
        if x is None:
            return None
        s = tuple(self.vals[x].shape)
        if self.coin(2) and len(s) == 2:
            name, other = "mm", (s[1], self.dim_size())
        else:
            name = "matmul"
            k = s[-1]
            rank = self.integers(1, 3)
            other = (k,) if rank == 1 else (*self.shape(rank - 2), k, self.dim_size())
            if rank >= 3 and self.coin(2):
                other = (*s[:-2][-1:], k, self.dim_size())  # batch dims that match x's
        y = self.pick(lambda t: _is_float(t) and tuple(t.shape) == other)
        if y is None or self.coin(2):
            y = self.leaf(other)
        if y is None:
            return None
        if self.vals[x].dtype != self.vals[y].dtype:
            if self.known_bug("matmul@mixed"):
                return None
            if (self.vals[x].numel() == 0 or self.vals[y].numel() == 0) and "matmul@mixed_empty" in AVOID:
                return None
        if name == "matmul" and self.coin(4):  # y on the left: x must be (..., k, n) the other way
            yt = self.vals[y]
            if yt.dim() >= 2 and s[0] == yt.shape[-1] and len(s) <= 2:
                x, y = y, x
        if "matmul@negative_zero" in AVOID and _has_negative_zero_dot(self.torch, self.vals[x], self.vals[y]):
            return None
        return self.emit((name, x, y))

    def gen_view(self):
        x = self.pick(lambda t: _is_float(t) or self.coin(4))
        t = self.vals[x]
        s, r = tuple(t.shape), t.dim()
        kind = self.choice(
            ["getitem", "transpose", "permute", "unsqueeze", "squeeze", "narrow", "select"]
            + ["expand", "reshape", "view", "flatten", "t", "mT", "contiguous", "clone", "detach"]
        )
        if kind == "getitem":
            idx = self.index(s)
            if _selects_nothing(s, idx) and "index@empty_list" in AVOID:
                return None
            return self.emit(("getitem", x, idx))
        if kind in ("transpose", "t", "mT") and r >= 2:
            if kind == "transpose":
                return self.emit(("transpose", x, self.dim(t), self.dim(t)))
            return self.emit((kind, x)) if kind == "mT" or r == 2 else None
        if kind == "permute" and r >= 1:
            perm = list(self.draw(st.permutations(range(r))))
            return self.shape_args("permute", x, perm)
        if kind == "unsqueeze":
            return self.emit(("unsqueeze", x, self.integers(-r - 1, r)))
        if kind == "squeeze":
            return self.emit(("squeeze", x, self.dim(t, allow_none=True)))
        if kind in ("narrow", "select") and r >= 1:
            d = self.dim(t)
            n = s[d]
            if n == 0:
                return None
            start = self.integers(0, n - 1)
            if kind == "select":
                return self.emit(("select", x, d, start - n if self.coin(3) else start))
            return self.emit(("narrow", x, d, start, self.integers(0, n - start)))
        if kind == "expand":
            new = [self.integers(2, 3) if k == 1 and self.coin(2) else (-1 if self.coin(3) else k) for k in s]
            lead = [self.integers(1, 3) for _ in range(self.integers(0, 1))]
            return self.shape_args("expand", x, lead + new)
        if kind == "reshape":
            return self.emit((kind, x, self.reshape_target(s)))
        if kind == "view":
            if t._base is None and not t.is_contiguous() and "view@strided_result" in AVOID:
                return None
            return self.shape_args(kind, x, self.reshape_target(s))
        if kind == "flatten":
            a, b = sorted([self.dim(t), self.dim(t)])
            if r and a % r > b % r and self.known_bug("flatten@reversed"):
                return None
            return self.emit(("flatten", x, a, b))
        if kind in ("contiguous", "clone", "detach"):
            return self.emit((kind, x))
        return None

    def index(self, s):
        """A basic or advanced index for shape ``s``."""
        items = []
        for n in s[: self.integers(0, len(s))]:
            k = self.integers(0, 5)
            if k == 0 and n > 0:
                items.append(self.integers(-n, n - 1))
            elif k == 1:
                items.append(None)
            elif k == 2 and n > 0:  # an int list (repeated indices accumulate in backward)
                items.append([self.integers(-n, n - 1) for _ in range(self.integers(1, 3))])
            else:
                start = self.integers(-n - 1, n) if self.coin(2) else None
                stop = self.integers(-n - 1, n + 1) if self.coin(2) else None
                items.append(slice(start, stop, self.integers(1, 3) if self.coin(2) else None))
        if len([i for i in items if isinstance(i, list)]) > 1:
            items = [slice(None) if isinstance(i, list) else i for i in items]  # keep to one list
        if self.coin(5):
            items.insert(self.integers(0, len(items)), Ellipsis)
        return tuple(items)

    def reshape_target(self, s):
        n = math.prod(s)
        if n == 0 or self.coin(3):
            return tuple(reversed(s)) if self.coin(2) else (-1,)
        factors = [f for f in range(1, n + 1) if n % f == 0]
        a = self.choice(factors)
        return (a, -1) if self.coin(2) else (n // a, 1, a)

    def gen_index_value(self):
        """x[..., idx] with an int tensor (from argmax/argmin) or a bool mask (from a comparison)."""
        i = self.pick(lambda t: t.dtype in (self.torch.int64, self.torch.bool))
        if i is None:
            return None
        it = self.vals[i]
        if it.dtype == self.torch.bool:
            ms = tuple(it.shape)

            def fits(t):
                return _is_float(t) and any(
                    tuple(t.shape[d : d + len(ms)]) == ms for d in range(t.dim() - len(ms) + 1)
                )

            x = self.pick(fits)
            if x is None or self.known_bug("index_value", i):
                return None
            xs = tuple(self.vals[x].shape)
            d = next(d for d in range(len(xs) - len(ms) + 1) if xs[d : d + len(ms)] == ms)
            return self.emit(("index_value", x, i, d))
        top = int(it.max()) + 1 if it.numel() else 0
        x = self.pick(lambda t: _is_float(t) and t.dim() >= 1 and any(n >= top for n in t.shape))
        if x is None:
            return None
        xs = tuple(self.vals[x].shape)
        d = self.choice([d for d, n in enumerate(xs) if n >= top])
        if (
            it.numel()
            and int(it.min()) < -xs[d]
            and self.vals[x].numel() == 0
            and "index@empty_list" in AVOID
        ):
            return None  # an out-of-range index (registry int64 values) selecting nothing
        return self.emit(("index_value", x, i, d))

    def gen_join(self):
        x = self.pick_float()
        s = tuple(self.vals[x].shape)
        n = self.integers(1, 3)
        if self.coin(2) or len(s) == 0:
            d = self.integers(-len(s) - 1, len(s))
            others = [self.pick(lambda t: _is_float(t) and tuple(t.shape) == s) for _ in range(n - 1)]
            return self.emit(("stack", [x, *others], d))
        d = self.integers(-len(s), len(s) - 1)
        parts = [x]
        for _ in range(n - 1):
            other = list(s)
            other[d] = self.integers(0, 3)
            j = self.pick(lambda t, o=tuple(other): _is_float(t) and tuple(t.shape) == o)
            parts.append(j if j is not None and self.coin(2) else self.leaf(other))
            if parts[-1] is None:
                return None
        return self.emit(("cat", parts, d))

    def gen_cast(self):
        x = self.pick(lambda t: True)
        return self.emit(("cast", x, self.choice(["float32", "float64"])))

    def gen_in_place(self):
        """An in-place op on an intermediate (now and then on a leaf or a view of one, which must
        raise as in torch); later uses see the new value, backward may find a saved tensor
        modified."""

        def target(t):
            if not _is_float(t):
                return False
            touches_leaf = t.is_leaf and t.requires_grad or (t._base is not None and t._base.is_leaf)
            return not touches_leaf or self.coin(10)

        x = self.pick(target)
        if x is None:
            return None
        base = self.vals[x]._base if self.vals[x]._base is not None else self.vals[x]
        viewed = any(v._base is base for i, v in enumerate(self.vals) if i != x)
        if viewed and self.known_bug("inplace@viewed_base"):
            return None
        s = tuple(self.vals[x].shape)
        k = self.integers(0, 2)
        if k == 0:
            name = self.choice(IN_PLACE_UNARY)
            return None if self.known_bug(name) else self.emit((name, x))
        if k == 1:
            name = self.choice(IN_PLACE)
            if self.known_bug(name):
                return None
            if name != "copy_" and self.coin(3):
                return self.emit((name, x, self.choice(EXPONENTS if name == "pow_" else SCALARS)))
            y = self.partner(s, exact=True)
            yt = self.vals[y] if y is not None else None
            if y is None or (
                name == "copy_" and yt.is_leaf and yt.requires_grad and self.known_bug("copy_@from_leaf")
            ):
                return None
            return self.emit((name, x, y))
        index = self.index(s)
        if _selects_nothing(s, index) and "index@empty_list" in AVOID:
            return None
        value = self.choice(SCALARS)
        if self.coin(2):
            try:
                target_shape = tuple(self.vals[x][index].shape)
            except Exception:  # noqa: BLE001 - an index torch rejects: write a scalar, compare the error
                target_shape = None
            if target_shape is not None:
                value = self.partner(target_shape, exact=True)
            advanced = any(isinstance(i, list) for i in index)
            if advanced and isinstance(value, int) and self.vals[value].dtype != self.vals[x].dtype:
                # torch's index_put requires equal dtypes (a torch restriction that basic-index
                # writes do not have); ferrograd casts, as it does for basic indices. Not compared.
                return None
            if (
                isinstance(value, int)
                and "setitem@overlap" in AVOID
                and self.vals[value].untyped_storage().data_ptr() == self.vals[x].untyped_storage().data_ptr()
            ):
                return None
        return self.emit(("setitem", x, index, value))


IN_PLACE_TAGS = {*IN_PLACE, *IN_PLACE_UNARY, "setitem"}

# Every entry of the test registry, with its kind (reg_<kind> draws it), and its names and
# aliases -> its name.
REGISTRY = opinfo.entries()
REGISTRY_NAMES = {n: op.name for _, op in REGISTRY for n in (op.name, *getattr(op, "aliases", ()))}


def _has_negative_zero_dot(torch, a, b) -> bool:
    """Whether ``a @ b`` has an entry all of whose products are -0.0 (see DIFFERENCES)."""
    if not (a.is_floating_point() and b.is_floating_point()) or a.numel() == 0 or b.numel() == 0:
        return False
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    try:
        prods = a2.detach().unsqueeze(-1) * b2.detach().unsqueeze(-3)  # (..., m, k, n)
    except RuntimeError:
        return False  # the shapes do not match: the error is compared
    return bool(((prods == 0) & torch.signbit(prods)).all(dim=-2).any())


def _selects_nothing(s, idx) -> bool:
    """Whether ``idx`` has an int list and, read as basic indexing with the lists taken whole,
    selects no element of a tensor of shape ``s`` (an out-of-range int or the like: False)."""
    if not any(isinstance(i, list) for i in idx):
        return False
    try:
        return np.empty(s)[tuple(slice(None) if isinstance(i, list) else i for i in idx)].size == 0
    except IndexError:
        return False


def _tag(ins):
    """The name KNOWN_BUGS knows an instruction by: its op, "pow_tensor" for tensor ** tensor; a
    registry instruction by its entry's name (an alias resolved), "_" appended for the in-place
    form (``("m.arcsin_", 0)`` is "asin_")."""
    if "." in ins[0]:
        fn = ins[0].partition(".")[2]
        base = fn.rstrip("_")
        return REGISTRY_NAMES.get(base, base) + fn[len(base) :]
    if ins[0] == "pow" and isinstance(ins[2], int):
        return "pow_tensor"
    return ins[0]


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(tuple(a), tuple(b))
        return True
    except ValueError:
        return False


def _broadcastable_to(a, b):
    return _broadcastable(a, b) and np.broadcast_shapes(tuple(a), tuple(b)) == tuple(b)


FAMILIES = [
    ("unary", 4),
    ("binary", 5),
    ("reduce", 3),
    ("view", 4),
    ("in_place", 2),
    ("where", 1),
    ("compare", 1),
    ("logical", 1),
    ("clamp", 1),
    ("matmul", 2),
    ("join", 1),
    ("index_value", 1),
    ("cast", 1),
    ("registry", 4),
]
_FAMILY_CHOICES = [name for name, weight in FAMILIES for _ in range(weight)]


@st.composite
def programs(draw, max_ops=10):
    import torch

    order2 = draw(st.integers(0, 3)) == 0
    b = _Builder(draw, torch, order2)
    for _ in range(draw(st.integers(1, 3))):
        b.leaf()
    for _ in range(draw(st.integers(1, max_ops))):
        if b.failed:
            break
        family = draw(st.sampled_from(_FAMILY_CHOICES))
        getattr(b, f"gen_{family}")()
    return {"order2": order2, "ops": b.ops}


# ---------------------------------------------------------------------------------------------
# Long profile
# ---------------------------------------------------------------------------------------------


def main(n: int) -> int:
    """Runs ``n`` random programs (not derandomized); prints a summary line, 1 on a mismatch."""
    from hypothesis import HealthCheck, given, settings

    count = [0]

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(prog=programs())
    def fuzz(prog):
        count[0] += 1
        check_program(prog)

    start = time.perf_counter()
    mismatches = 0
    try:
        fuzz()
    except BaseException as e:  # an ExceptionGroup when Hypothesis found several bugs
        if isinstance(e, KeyboardInterrupt):
            raise
        mismatches = len(getattr(e, "exceptions", [e]))
        import traceback

        traceback.print_exc()
    print(f"fuzz: {count[0]} programs, {mismatches} mismatches, {time.perf_counter() - start:.1f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
