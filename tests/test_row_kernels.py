"""The CPU row kernels (src/backend/cpu/rows.rs): softmax, log_softmax and layer_norm forward and
backward against torch on the values the fused loops must get right: -inf and NaN entries, rows
longer than a vector and than a parallel chunk, a large mean, strided inputs, other dims; the
same bits for 1 and 2 threads; the create_graph path (composite) against the fused one."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import check, to_numpy

torch = pytest.importorskip("torch")

OPS = ["softmax", "log_softmax"]
INF = np.inf


def _both(fn, arr, dtype, grad_out=None):
    """fn on ferrograd and torch of one array; (outputs, input gradients) of each as numpy."""
    res = []
    for m in (fg, torch):
        x = m.tensor(arr, dtype=getattr(m, dtype), requires_grad=True)
        y = fn(m, x)
        g = m.ones_like(y) if grad_out is None else m.tensor(grad_out, dtype=getattr(m, dtype))
        y.backward(g)
        res.append((to_numpy(y.detach()), to_numpy(x.grad)))
    return res


@pytest.mark.parametrize("op", OPS)
def test_softmax_inf_and_nan_rows_match_torch(op, dtype):
    x = np.array(
        [
            [0.0, -INF, 1.0, -INF],  # -inf entries: 0 (softmax) and -inf (log_softmax)
            [-INF, -INF, -INF, -INF],  # all -inf: NaN, as torch
            [1.0, np.nan, 2.0, 3.0],  # a NaN poisons its row only
            [INF, 1.0, 2.0, 3.0],  # +inf: NaN
        ]
    )
    g = np.arange(16.0).reshape(4, 4) / 7
    (fy, fgx), (ty, tgx) = _both(lambda m, a: getattr(m, op)(a, -1), x, dtype, g)
    np.testing.assert_array_equal(np.isnan(fy), np.isnan(ty))
    np.testing.assert_allclose(fy, ty, rtol=1e-6)
    np.testing.assert_array_equal(np.isnan(fgx), np.isnan(tgx))
    np.testing.assert_allclose(fgx, tgx, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 37), (5, 300), (3000, 7), (2, 70000)])
@pytest.mark.parametrize("op", OPS)
def test_softmax_long_and_many_rows(op, shape, dtype):
    # vector tails (37), several vector blocks (300), many rows per chunk and several chunks
    # (3000 x 7), one row longer than a chunk's worth of elements (70000)
    check(lambda m, a: getattr(m, op)(a, -1), shape, dtype=dtype, low=-20, high=20)


@pytest.mark.parametrize("op", OPS)
def test_softmax_other_dims_and_strided(op, dtype):
    check(lambda m, a: getattr(m, op)(a.transpose(0, 2), 1), (4, 3, 5), dtype=dtype)
    check(lambda m, a: getattr(m, op)(a[:, ::2], 0), (6, 8), dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, -1), (5, 6), dtype=dtype, non_contiguous=True)


@pytest.mark.parametrize("op", OPS)
def test_softmax_empty_and_0d(op):
    for shape in [(0, 4), (3, 0), ()]:
        check(lambda m, a: getattr(m, op)(a, -1) if a.dim() else getattr(m, op)(a, 0), shape)


@pytest.mark.parametrize("op", OPS)
def test_softmax_grad_of_grad_matches_fused_first_grad(op):
    # create_graph=True takes the composite rule: its first gradient must equal the fused one
    x = fg.tensor(np.random.default_rng(0).standard_normal((4, 9)), requires_grad=True)
    g = fg.tensor(np.random.default_rng(1).standard_normal((4, 9)))
    (a,) = fg.autograd.grad(getattr(x, op)(-1), x, g)
    (b,) = fg.autograd.grad(getattr(x, op)(-1), x, g, create_graph=True)
    np.testing.assert_allclose(to_numpy(a), to_numpy(b.detach()), rtol=1e-12, atol=1e-15)


def _run_threads(fn, n):
    old = fg.get_num_threads()
    try:
        fg.set_num_threads(n)
        return fn()
    finally:
        fg.set_num_threads(old)


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(3)
    arr = rng.standard_normal((6000, 24)).astype(np.float32)
    w, b = rng.standard_normal(24).astype(np.float32), rng.standard_normal(24).astype(np.float32)

    def run():
        x = fg.tensor(arr, requires_grad=True)
        wt, bt = fg.tensor(w, requires_grad=True), fg.tensor(b, requires_grad=True)
        y = fg.nn.functional.layer_norm(x, (24,), wt, bt).softmax(-1) + x.log_softmax(-1)
        y.backward(fg.ones_like(y))
        return [to_numpy(t) for t in (y.detach(), x.grad, wt.grad, bt.grad)]

    for a, c in zip(_run_threads(run, 1), _run_threads(run, 2)):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize(
    "shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 300), (300,)), ((2000, 9), (9,))]
)
def test_layer_norm_matches_torch(shape, norm, affine, dtype):
    if affine:
        check(lambda m, x, w, b: m.nn.functional.layer_norm(x, norm, w, b), shape, norm, norm, dtype=dtype)
    else:
        check(lambda m, x: m.nn.functional.layer_norm(x, norm), shape, dtype=dtype)


def test_layer_norm_large_mean_float32():
    # a mean 1e4 times the spread: the centred sums keep float32 as close as torch's kernel
    rng = np.random.default_rng(4)
    x = (1e4 + rng.standard_normal((8, 64))).astype(np.float32)
    check(lambda m, a: m.nn.functional.layer_norm(a, (64,)), x, rtol=1e-3, atol=1e-3)


def test_layer_norm_strided_weight_only_and_bias_only(dtype):
    F = lambda m: m.nn.functional
    check(lambda m, x, w: F(m).layer_norm(x.t(), (3,), w), (3, 4), (3,), dtype=dtype)
    check(lambda m, x, b: F(m).layer_norm(x, (4,), None, b, 1e-2), (3, 4), (4,), dtype=dtype)
    check(lambda m, x, w: F(m).layer_norm(x, (4,), w[::2]), (3, 4), (8,), dtype=dtype)


def test_layer_norm_node_and_empty():
    x = fg.randn(2, 3, requires_grad=True)
    y = fg.nn.functional.layer_norm(x, (3,), fg.ones(3, requires_grad=True), fg.zeros(3))
    assert y.grad_fn.name() == "NativeLayerNormBackward0"
    check(lambda m, a: m.nn.functional.layer_norm(a, (4,)), (0, 4))


def test_layer_norm_grad_of_grad_matches_fused_first_grad():
    rng = np.random.default_rng(5)
    x = fg.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    w = fg.tensor(rng.standard_normal(6), requires_grad=True)
    b = fg.tensor(rng.standard_normal(6), requires_grad=True)
    g = fg.tensor(rng.standard_normal((3, 6)))
    first = fg.autograd.grad(fg.nn.functional.layer_norm(x, (6,), w, b), (x, w, b), g)
    again = fg.autograd.grad(fg.nn.functional.layer_norm(x, (6,), w, b), (x, w, b), g, create_graph=True)
    for a, c in zip(first, again):
        np.testing.assert_allclose(to_numpy(a), to_numpy(c.detach()), rtol=1e-10, atol=1e-12)
