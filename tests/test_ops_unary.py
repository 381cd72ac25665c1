"""Elementwise unary ops (src/ops/unary.rs): exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, neg,
erf, clamp, and the one-op activations (leaky_relu, silu, elu, gelu). Forward and backward against torch, as functions and methods, contiguous or not."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, check, dtype_name, run_both, to_numpy

pytest.importorskip("torch")

# name -> (low, high) of the random inputs
UNARY = {
    "exp": (-2.0, 2.0),
    "log": (0.1, 3.0),
    "sqrt": (0.1, 3.0),
    "sin": (-3.0, 3.0),
    "cos": (-3.0, 3.0),
    "tanh": (-2.0, 2.0),
    "sigmoid": (-4.0, 4.0),
    "relu": (-2.0, 2.0),
    "abs": (-2.0, 2.0),
    "neg": (-2.0, 2.0),
    "erf": (-3.0, 3.0),
}

SHAPES = [(), (5,), (2, 3), (2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_function(name, shape, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a), shape, dtype=dtype, low=low, high=high)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_method(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(a, name)(), (3, 4), dtype=dtype, low=low, high=high)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_non_contiguous(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a), (3, 4), dtype=dtype, low=low, high=high, non_contiguous=True)
    check(lambda m, a: getattr(a, name)(), (6,), dtype=dtype, low=low, high=high, non_contiguous=True)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_on_sliced_view(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a[1:, ::2]), (3, 5), dtype=dtype, low=low, high=high)


def test_unary_chain(dtype):
    check(lambda m, a: m.sigmoid(m.tanh(a).exp()).log().sqrt(), (3, 4), dtype=dtype)


def test_relu_abs_at_zero(dtype):
    # torch: relu'(0) = 0, abs'(0) = sign(0) = 0
    x = np.array([-1.0, 0.0, 1.0, 0.0])
    check(lambda m, a: m.relu(a), x, dtype=dtype)
    check(lambda m, a: m.abs(a), x, dtype=dtype)


def test_special_values(dtype):
    x = np.array([0.0, -1.0, np.inf, -np.inf, 1.0])
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "erf"]:
        check(lambda m, a, name=name: getattr(m, name)(a), x, dtype=dtype, grad=False)


def test_exp_overflow_float32():
    check(lambda m, a: m.exp(a), np.array([100.0, -200.0, 88.0]), dtype="float32", grad=False)


def test_sigmoid_extreme_inputs(dtype):
    check(lambda m, a: m.sigmoid(a), np.array([-100.0, -30.0, 30.0, 100.0]), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# clamp
# ---------------------------------------------------------------------------------------------

CLAMP = {
    "min_only_kw": lambda m, a: m.clamp(a, min=-0.5),
    "max_only_kw": lambda m, a: m.clamp(a, max=0.3),
    "both_kw": lambda m, a: m.clamp(a, min=-0.5, max=0.3),
    "both_positional": lambda m, a: m.clamp(a, -0.5, 0.3),
    "method_min": lambda m, a: a.clamp(min=0.0),
    "method_max": lambda m, a: a.clamp(max=-0.1),
    "method_both": lambda m, a: a.clamp(-1, 1),
    "int_bounds": lambda m, a: a.clamp(min=-1, max=1),
}


@pytest.mark.parametrize("name", list(CLAMP))
def test_clamp(name, dtype):
    check(CLAMP[name], (3, 4), dtype=dtype)


@pytest.mark.parametrize("name", ["both_kw", "method_min"])
def test_clamp_non_contiguous(name, dtype):
    check(CLAMP[name], (3, 4), dtype=dtype, non_contiguous=True)


def test_clamp_at_boundaries(dtype):
    # exactly at a bound torch (2.x) gives a zero gradient; compare with it
    x = np.array([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0])
    check(lambda m, a: a.clamp(-0.5, 0.5), x, dtype=dtype)
    check(lambda m, a: a.clamp(min=-0.5), x, dtype=dtype)
    check(lambda m, a: a.clamp(max=0.5), x, dtype=dtype)


def test_clamp_min_greater_than_max(dtype):
    # torch: the result is max everywhere
    check(lambda m, a: a.clamp(min=1.0, max=-1.0), (5,), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# integer inputs: float ops promote to float32; abs/neg/relu/clamp keep int64
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_int_input_promotes_to_float32(name):
    check(lambda m, a: getattr(m, name)(a), np.array([1, 2, 3], dtype=np.int64), grad=False)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: m.abs(a),
        lambda m, a: m.neg(a),
        lambda m, a: m.relu(a),
        lambda m, a: -a,
        lambda m, a: a.clamp(min=-1, max=2),
    ],
)
def test_int_input_stays_int64(fn):
    check(fn, np.array([-3, -1, 0, 2, 5], dtype=np.int64), grad=False)


# ---------------------------------------------------------------------------------------------
# bitwise_not (`~`) on int64 and bool
# ---------------------------------------------------------------------------------------------

_INT_EXTREMES = np.array([-(2**63), 2**63 - 1, 0, -1, 1, 5, -6, 123456789], dtype=np.int64)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: ~x,
        lambda m, x: x.bitwise_not(),
        lambda m, x: m.bitwise_not(x),
        lambda m, x: ~x.reshape(2, 4).t(),  # non-contiguous
        lambda m, x: ~x[3],  # 0-d
    ],
)
def test_bitwise_not_int64(fn):
    f, t = run_both(lambda m: fn(m, m.tensor(_INT_EXTREMES)))
    assert dtype_name(f.dtype) == dtype_name(t.dtype) == "int64"
    assert f.tolist() == t.tolist()
    # ~x == -x - 1 with wrapping (the int64 extremes map onto each other)
    assert (~fg.tensor(_INT_EXTREMES)).tolist() == [int(-v - 1) for v in _INT_EXTREMES.astype(object)]


def test_bitwise_not_bool():
    f, t = run_both(lambda m: (~m.tensor([True, False]), m.tensor([[True], [False]]).bitwise_not()))
    assert [x.tolist() for x in f] == [x.tolist() for x in t]
    assert all(dtype_name(x.dtype) == "bool" for x in f)


def test_bitwise_not_is_not_differentiable_and_leaves_input():
    x = fg.tensor([1, 2, 3])
    y = ~x
    assert not y.requires_grad and y.grad_fn is None
    assert x.tolist() == [1, 2, 3] and y.tolist() == [-2, -3, -4]


@pytest.mark.parametrize(
    "fn,expected",
    [
        (lambda m: ~m.tensor([1.5]), TypeError),
        # torch's NotImplementedError (a RuntimeError), which ferrograd raises too
        (lambda m: m.bitwise_not(m.tensor([1.5], requires_grad=True)), NotImplementedError),
        (lambda m: m.tensor([1.5], dtype=m.float64).bitwise_not(), NotImplementedError),
        (lambda m: m.bitwise_not(3), TypeError),
    ],
)
def test_bitwise_not_float_errors_like_torch(fn, expected):
    assert_raises_like_torch(fn, expected=expected, match="not implemented|only implemented|Tensor")


# ---------------------------------------------------------------------------------------------
# _core.leaky_relu: F.leaky_relu as one op (LeakyReluBackward0 / LeakyReluBackwardBackward0)
# ---------------------------------------------------------------------------------------------


def _derivatives_to_second_order(m, x, y):
    """y, the gradients of sum(y * y) and sum(y) taken with create_graph, and their gradients."""
    g = m.autograd.grad((y * y).sum(), x, create_graph=True)[0]
    g1 = m.autograd.grad(y.sum(), x, create_graph=True)[0]
    (gg,) = m.autograd.grad((g * g).sum(), x)
    (h,) = m.autograd.grad(g1.sum(), x)
    return y, g, g1, gg, h


def _check_second_derivatives(fn, a, dtype, first, second=None):
    """``fn(m, x)`` on ``a``: values, gradients and their gradients (_derivatives_to_second_order)
    against torch's, the node name of the output (``first``) and, given, of a gradient taken with
    create_graph (``second``)."""

    def run(m):
        from helpers import make_tensor

        x = make_tensor(m, a, getattr(m, dtype), requires_grad=True)
        return _derivatives_to_second_order(m, x, fn(m, x))

    f, t = run_both(run)
    assert f[0].grad_fn.name() == t[0].grad_fn.name() == first
    if second is not None:
        assert f[2].grad_fn.name() == t[2].grad_fn.name() == second
    assert f[2].requires_grad and t[2].requires_grad
    tol = 1e-5 if dtype == "float32" else 1e-12
    for fo, to in zip(f, t):
        np.testing.assert_allclose(to_numpy(fo), to_numpy(to.detach()), rtol=tol, atol=tol)


def _leaky(m, x, slope=0.01):
    if m is fg:
        return fg._core.leaky_relu(x, slope)
    return m.nn.functional.leaky_relu(x, slope)


@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5, 0.0, 1.5, 2])
@pytest.mark.parametrize("non_contiguous", [False, True])
def test_core_leaky_relu_values_and_grads(slope, non_contiguous, dtype):
    check(lambda m, x: _leaky(m, x, slope), (3, 4), dtype=dtype, non_contiguous=non_contiguous)


def test_core_leaky_relu_default_slope_zero_and_nan(dtype):
    a = np.array([-2.0, -0.0, 0.0, 3.0, np.nan, -np.inf, np.inf])
    check(lambda m, x: _leaky(m, x), a, dtype=dtype)
    # negative_slope defaults to 0.01, as F.leaky_relu's
    f, t = run_both(
        lambda m: fg._core.leaky_relu(fg.tensor([-1.0, 2.0])) if m is fg else _leaky(m, m.tensor([-1.0, 2.0]))
    )
    assert f.tolist() == t.tolist()


@pytest.mark.parametrize("slope", [0.1, -0.3])
def test_core_leaky_relu_second_derivatives_and_names(slope, dtype):
    a = np.array([1.0, -2.0, 0.0, 0.5, -0.25, np.nan])

    def run(m):
        dt = getattr(m, dtype)
        x = m.tensor(a, dtype=dt, requires_grad=True)
        return _derivatives_to_second_order(m, x, _leaky(m, x, slope))

    f, t = run_both(run)
    assert f[0].grad_fn.name() == t[0].grad_fn.name() == "LeakyReluBackward0"
    assert f[2].grad_fn.name() == t[2].grad_fn.name() == "LeakyReluBackwardBackward0"
    assert f[2].requires_grad and t[2].requires_grad
    for fo, to in zip(f, t):
        np.testing.assert_allclose(to_numpy(fo), to_numpy(to.detach()), rtol=1e-6, atol=1e-7)


def test_core_leaky_relu_third_derivative_through_the_gradient():
    x = fg.tensor([1.0, -2.0, 0.5], dtype=fg.float64, requires_grad=True)
    tx = torch_mod().tensor([1.0, -2.0, 0.5], dtype=torch_mod().float64, requires_grad=True)
    outs = []
    for m, v in ((fg, x), (torch_mod(), tx)):
        y = _leaky(m, v, 0.2) * v
        (g,) = m.autograd.grad(y.sum(), v, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), v, create_graph=True)
        outs.append((to_numpy(g.detach()), to_numpy(gg.detach())))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b)


def test_core_leaky_relu_gradcheck():
    from helpers import fd_gradcheck

    x = fg.tensor([[0.7, -1.3, 2.1], [-0.4, 0.9, -2.5]], dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(lambda t: fg._core.leaky_relu(t, 0.3), (x,))
    assert fg.autograd.gradgradcheck(lambda t: fg._core.leaky_relu(t, 0.3) * t, (x,))
    fd_gradcheck(lambda m, t: m._core.leaky_relu(t, -0.2), np.array([[0.7, -1.3, 2.1], [-0.4, 0.9, -2.5]]))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _leaky(m, m.tensor([1, -2])),
        lambda m: _leaky(m, m.tensor([True])),
    ],
)
def test_core_leaky_relu_dtype_errors_like_torch(fn):
    # torch's NotImplementedError is a RuntimeError, which ferrograd raises
    assert_raises_like_torch(fn, expected=RuntimeError, match="leaky_relu")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _leaky(m, [1.0, 2.0]),
        lambda m: _leaky(m, m.ones(2), "x"),
    ],
)
def test_core_leaky_relu_argument_errors_like_torch(fn):
    assert_raises_like_torch(fn)


def test_core_leaky_relu_forward_mode():
    import ferrograd.autograd.forward_ad as fwad

    T = torch_mod()
    res = []
    for m, fw in ((fg, fwad), (T, T.autograd.forward_ad)):
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, -2.0, 0.5]), m.tensor([1.0, 1.0, 2.0]))
            res.append(to_numpy(fw.unpack_dual(_leaky(m, x, 0.1)).tangent))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def torch_mod():
    import torch

    return torch


# ---------------------------------------------------------------------------------------------
# _core.silu / _core.elu: F.silu and F.elu as one op each (SiluBackward0, EluBackward0 /
# EluBackwardBackward0), so singular points give torch's values (the compositions x * sigmoid(x)
# and exp(x) - 1 gave NaN for silu's gradient at 0 and lost elu's -0.0)
# ---------------------------------------------------------------------------------------------


def _silu(m, x, core=True):
    if m is fg and core:
        return fg._core.silu(x)
    return m.nn.functional.silu(x)


def _elu(m, x, alpha=1.0, core=True):
    if m is fg and core:
        return fg._core.elu(x, alpha)
    return m.nn.functional.elu(x, alpha)


_SPECIAL = np.array([-2.0, -0.0, 0.0, 3.0, np.nan, -np.inf, np.inf, -100.0, 100.0, -1e-30, 1e-30, -0.5])


@pytest.mark.parametrize("core", [True, False], ids=["core", "F"])
@pytest.mark.parametrize("non_contiguous", [False, True])
def test_silu_values_and_grads(core, non_contiguous, dtype):
    check(lambda m, x: _silu(m, x, core), (3, 4), dtype=dtype, non_contiguous=non_contiguous, low=-6, high=6)


@pytest.mark.parametrize("alpha", [1.0, 0.5, -0.3, 0.0, 2])
@pytest.mark.parametrize("core", [True, False], ids=["core", "F"])
@pytest.mark.parametrize("non_contiguous", [False, True])
def test_elu_values_and_grads(alpha, core, non_contiguous, dtype):
    check(lambda m, x: _elu(m, x, alpha, core), (3, 4), dtype=dtype, non_contiguous=non_contiguous)


@pytest.mark.parametrize("name", ["silu", "elu"])
def test_silu_elu_special_values_and_signed_zeros(name, dtype):
    fn = _silu if name == "silu" else _elu
    # In pieces of 6: torch's elu_backward at a NaN input gives the gradient in its elementwise
    # loop (0-d tensors, short tensors, the tail of long ones; CUDA too) but NaN in its AVX loop
    # (the first multiple of 16 float32 / 8 float64 elements); ferrograd follows the former.
    for part in (_SPECIAL[:6], _SPECIAL[6:]):
        f, t = check(lambda m, x: fn(m, x), part, dtype=dtype)
        fv, tv = to_numpy(f[0]), to_numpy(t[0].detach())
        np.testing.assert_array_equal(np.isnan(fv), np.isnan(tv))
        zero = tv == 0
        # -0.0 stays -0.0 (elu's expm1, silu's x / (1 + exp(-x)) for large negative x)
        np.testing.assert_array_equal(np.signbit(fv[zero]), np.signbit(tv[zero]))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_silu_elu_singular_points_of_the_fuzzer(dt):
    # shrunk from the differential fuzzer: F.elu(-x).log() and F.silu(x).log() at x = 0
    def run(m):
        d = getattr(m, dt)
        x = m.tensor(0.0, dtype=d, requires_grad=True)
        m.nn.functional.elu(-x).log().backward()
        y = m.tensor(0.0, dtype=d, requires_grad=True)
        m.nn.functional.silu(y).log().backward()
        return x.grad.item(), y.grad.item(), m.nn.functional.elu(-x.detach()).item()

    f, t = run_both(run)
    assert f[0] == t[0] == float("inf")
    assert f[1] == t[1] == float("inf")
    assert f[2] == 0.0 and np.signbit(f[2]) and np.signbit(t[2])


@pytest.mark.parametrize(("name", "alpha"), [("silu", None), ("elu", 1.0), ("elu", 0.4)])
def test_silu_elu_second_derivatives_and_names(name, alpha, dtype):
    # (under 8 elements: torch's AVX loop for float64 would give NaN gradients at NaN, see above)
    a = np.array([1.0, -2.0, 0.0, -0.0, 0.5, -0.25, np.nan])

    def fn(m, x):
        return _silu(m, x) if name == "silu" else _elu(m, x, alpha)

    first, second = (
        ("SiluBackward0", "MulBackward0") if name == "silu" else ("EluBackward0", "EluBackwardBackward0")
    )
    _check_second_derivatives(fn, a, dtype, first, second)


@pytest.mark.parametrize("name", ["silu", "elu"])
def test_silu_elu_third_derivative_through_the_gradient(name):
    _check_third_derivatives(lambda m, v: (_silu(m, v) if name == "silu" else _elu(m, v, 0.7)) * v)


def _check_third_derivatives(fn):
    """First, second and third derivatives of ``fn(m, v)`` summed, in float64, against torch's."""
    outs = []
    for m in (fg, torch_mod()):
        v = m.tensor([1.0, -2.0, 0.5, -0.7], dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad(fn(m, v).sum(), v, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), v, create_graph=True)
        (ggg,) = m.autograd.grad(gg.sum(), v)
        outs.append([to_numpy(t.detach()) for t in (g, gg, ggg)])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_silu_elu_gradcheck():
    from helpers import fd_gradcheck

    a = np.array([[0.7, -1.3, 2.1], [-0.4, 0.9, -2.5]])
    x = fg.tensor(a, dtype=fg.float64, requires_grad=True)
    for f in (fg._core.silu, lambda t: fg._core.elu(t, 0.6), fg._core.elu):
        assert fg.autograd.gradcheck(f, (x,))
        assert fg.autograd.gradgradcheck(lambda t, f=f: f(t) * t, (x,))
    fd_gradcheck(lambda m, t: m._core.silu(t), a)
    fd_gradcheck(lambda m, t: m._core.elu(t, 1.7), a)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _silu(m, m.tensor([1, -2])),
        lambda m: _silu(m, m.tensor([True])),
        lambda m: _elu(m, m.tensor([1, -2])),
        lambda m: _elu(m, m.tensor([True]), 0.5),
    ],
)
def test_core_silu_elu_dtype_errors_like_torch(fn):
    assert_raises_like_torch(fn, expected=RuntimeError, match="silu|elu")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _silu(m, [1.0, 2.0]),
        lambda m: _elu(m, [1.0, 2.0]),
        lambda m: _elu(m, m.ones(2), "x"),
    ],
)
def test_core_silu_elu_argument_errors_like_torch(fn):
    assert_raises_like_torch(fn)


@pytest.mark.parametrize("name", ["silu", "elu"])
def test_silu_elu_inplace_like_torch(name):
    def run(m):
        x = m.tensor([1.0, -2.0, 0.0, -0.5], requires_grad=True)
        y = x * 1
        out = getattr(m.nn.functional, name)(y, inplace=True)
        assert out is y
        (g,) = m.autograd.grad(out.sum(), x)
        return out.detach(), g

    f, t = run_both(run)
    for fo, to in zip(f, t):
        np.testing.assert_allclose(to_numpy(fo), to_numpy(to), rtol=1e-6)


@pytest.mark.parametrize("name", ["silu", "elu"])
def test_silu_elu_forward_mode(name):
    import ferrograd.autograd.forward_ad as fwad

    T = torch_mod()
    res = []
    for m, fw in ((fg, fwad), (T, T.autograd.forward_ad)):
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, -2.0, 0.5]), m.tensor([1.0, 1.0, 2.0]))
            y = _silu(m, x) if name == "silu" else _elu(m, x, 0.3)
            res.append(to_numpy(fw.unpack_dual(y).tangent))
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# erf and _core.gelu: the exact GELU used a host-side erf and the composition x * Phi(x), whose
# gradient under an infinite incoming gradient was inf - inf = NaN (torch: inf; found by the
# differential fuzzer as 0.0 ** gelu(x))
# ---------------------------------------------------------------------------------------------


def test_erf_of_integers_and_bools_is_float():
    f, t = run_both(lambda m: [m.erf(m.tensor([0, 1, -2])), m.tensor([True, False]).erf()])
    for a, b in zip(f, t):
        assert dtype_name(a.dtype) == dtype_name(b.dtype)
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=1e-6)


def test_erf_tails_and_tiny_values(dtype):
    x = np.array([1e-30, -1e-8, 1e-4, 0.49, 0.51, 2.5, -3.9, 4.5, 6.0, -0.0, np.nan])
    f, t = check(lambda m, a: m.erf(a), x, dtype=dtype)
    fv, tv = to_numpy(f[0]), to_numpy(t[0].detach())
    # relative accuracy near 0 too (where 1 - erfc would be absolute only)
    np.testing.assert_allclose(fv, tv, rtol=1e-6 if dtype == "float32" else 1e-14)
    np.testing.assert_array_equal(np.signbit(fv), np.signbit(tv))


def _gelu(m, x, approximate="none", core=True):
    if m is fg and core:
        return fg._core.gelu(x, approximate)
    return m.nn.functional.gelu(x, approximate=approximate)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("core", [True, False], ids=["core", "F"])
@pytest.mark.parametrize("non_contiguous", [False, True])
def test_gelu_values_and_grads(approximate, core, non_contiguous, dtype):
    check(
        lambda m, x: _gelu(m, x, approximate, core),
        (3, 4),
        dtype=dtype,
        non_contiguous=non_contiguous,
        low=-6,
        high=6,
    )


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_special_values(approximate, dtype):
    # torch hands contiguous float32 exact gelu to oneDNN, whose erf is less exact (4e-6 relative
    # at -2) and which returns +0.0 for -0.0 and -100; its own kernels, as ferrograd, keep -0.0
    # (ferrograd then matches them bit for bit). Compared with those.
    with torch_mod().backends.mkldnn.flags(enabled=False):
        f, t = check(lambda m, x: _gelu(m, x, approximate), _SPECIAL, dtype=dtype)
    fv, tv = to_numpy(f[0]), to_numpy(t[0].detach())
    np.testing.assert_array_equal(np.isnan(fv), np.isnan(tv))
    zero = tv == 0
    np.testing.assert_array_equal(np.signbit(fv[zero]), np.signbit(tv[zero]))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_gelu_gradient_of_an_infinite_incoming_gradient(approximate, dt):
    # shrunk from the differential fuzzer: 0.0 ** gelu(x) at a negative gelu(x) sends -inf back
    def run(m):
        x = m.tensor([-0.3, 0.4, -2.0], dtype=getattr(m, dt), requires_grad=True)
        (0.0 ** _gelu(m, x, approximate)).sum().backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))
    assert np.isinf(to_numpy(f)).sum() == 2


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_second_derivatives_and_names(approximate, dtype):
    # (torch names the create_graph gradient GeluBackwardBackward0; ferrograd records the
    # derivative from differentiable ops, so only values are compared at second order)
    a = np.array([1.0, -2.0, 0.0, -0.0, 0.5, -0.25, 3.0])
    _check_second_derivatives(lambda m, x: _gelu(m, x, approximate), a, dtype, "GeluBackward0")


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_erf_third_derivative(approximate):
    _check_third_derivatives(lambda m, v: _gelu(m, v, approximate) * v + m.erf(v) * v)


def test_gelu_erf_gradcheck():
    from helpers import fd_gradcheck

    a = np.array([[0.7, -1.3, 2.1], [-0.4, 0.9, -2.5]])
    x = fg.tensor(a, dtype=fg.float64, requires_grad=True)
    for f in (fg.erf, fg._core.gelu, lambda t: fg._core.gelu(t, "tanh")):
        assert fg.autograd.gradcheck(f, (x,))
        assert fg.autograd.gradgradcheck(lambda t, f=f: f(t) * t, (x,))
    fd_gradcheck(lambda m, t: m.erf(t), a)
    fd_gradcheck(lambda m, t: m._core.gelu(t), a)
    fd_gradcheck(lambda m, t: m._core.gelu(t, "tanh"), a)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: _gelu(m, m.ones(2), "fast"),
        lambda m: _gelu(m, m.ones(2), 3, core=False),
        lambda m: m.erf([1.0]),
    ],
)
def test_gelu_erf_errors_like_torch(fn):
    assert_raises_like_torch(fn)


@pytest.mark.parametrize(
    "fn", [lambda m: _gelu(m, m.tensor([1, -2])), lambda m: _gelu(m, m.tensor([True]), "tanh")]
)
def test_core_gelu_dtype_errors_like_torch(fn):
    # torch's NotImplementedError is a RuntimeError (as for silu and elu)
    assert_raises_like_torch(fn, expected=RuntimeError, match="gelu")


# ---------------------------------------------------------------------------------------------
# _core.softplus: F.softplus as one op (SoftplusBackward0). The composite clamped exp's argument,
# and clamp passes no gradient at NaN, so softplus(NaN) had a finite gradient (torch: NaN).
# ---------------------------------------------------------------------------------------------

_SOFTPLUS_ARGS = [(1.0, 20.0), (2.0, 3.0), (0.5, 1.0), (-1.5, 2.0), (1.0, float("nan")), (1.0, -5.0)]


def _softplus(m, x, beta=1.0, threshold=20.0, core=True):
    if m is fg and core:
        return fg._core.softplus(x, beta, threshold)
    return m.nn.functional.softplus(x, beta, threshold)


@pytest.mark.parametrize(("beta", "threshold"), _SOFTPLUS_ARGS)
@pytest.mark.parametrize("core", [True, False], ids=["core", "F"])
@pytest.mark.parametrize("non_contiguous", [False, True])
def test_softplus_values_and_grads(beta, threshold, core, non_contiguous, dtype):
    check(
        lambda m, x: _softplus(m, x, beta, threshold, core),
        (3, 4),
        dtype=dtype,
        non_contiguous=non_contiguous,
        low=-6,
        high=6,
    )


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 3.0), (-1.0, 20.0)])
def test_softplus_special_values(beta, threshold, dtype):
    # large |x| (exp overflows in the branch not taken), NaN (stays NaN, and so does its
    # gradient), infinities and signed zeros
    f, t = check(lambda m, x: _softplus(m, x, beta, threshold), _SPECIAL, dtype=dtype)
    fv, tv = to_numpy(f[0]), to_numpy(t[0].detach())
    np.testing.assert_array_equal(np.isnan(fv), np.isnan(tv))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_softplus_gradient_at_nan_is_nan(dt):
    def run(m):
        x = m.tensor([0.5, -1.0, 30.0], dtype=getattr(m, dt), requires_grad=True)
        m.nn.functional.softplus(x.log()).sum().backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_allclose(to_numpy(f), to_numpy(t), rtol=1e-6)
    assert np.isnan(to_numpy(f)[1])


@pytest.mark.parametrize(("beta", "threshold"), [(1.0, 20.0), (2.0, 1.0), (0.5, 3.0)])
def test_softplus_second_derivatives_and_names(beta, threshold, dtype):
    a = np.array([1.0, -2.0, 0.0, -0.0, 0.5, -0.25, 3.0, 40.0, -40.0])
    _check_second_derivatives(
        lambda m, x: _softplus(m, x, beta, threshold),
        a,
        dtype,
        "SoftplusBackward0",
        "SoftplusBackwardBackward0",
    )


def test_softplus_gradcheck():
    from helpers import fd_gradcheck

    a = np.array([[0.7, -1.3, 2.1], [-0.4, 0.9, -2.5]])
    x = fg.tensor(a, dtype=fg.float64, requires_grad=True)
    for f in (
        fg._core.softplus,
        lambda t: fg._core.softplus(t, 2.0, 3.0),
        lambda t: fg._core.softplus(t, -0.5),
    ):
        assert fg.autograd.gradcheck(f, (x,))
        assert fg.autograd.gradgradcheck(lambda t, f=f: f(t) * t, (x,))
    fd_gradcheck(lambda m, t: m._core.softplus(t, 1.5, 2.0), a)


def test_core_softplus_dtype_error_like_torch():
    assert_raises_like_torch(
        lambda m: _softplus(m, m.tensor([1, -2])), expected=RuntimeError, match="softplus"
    )
