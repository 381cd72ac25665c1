"""Reductions (src/ops/reduce.rs): sum, mean, prod, var, std, max, min, amax, amin, argmax, argmin,
logsumexp, with dim (int, tuple, negative) and keepdim. Forward and backward against torch."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import check, run_both, to_numpy

pytest.importorskip("torch")

SHAPE = (2, 3, 4)
# (dim, keepdim) cases for ops that accept tuples of dims
DIMS_TUPLE = [
    (0, False),
    (1, True),
    (-1, False),
    (-2, True),
    ((0, 2), False),
    ((0, 2), True),
    ((-1, 0), False),
    ((0, 1, 2), False),
    ((1,), True),
]
# ops that accept a single int dim only
DIMS_INT = [(0, False), (1, True), (2, False), (-1, True), (-3, False)]


# ---------------------------------------------------------------------------------------------
# sum / mean
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_full_reduction(op, dtype):
    check(lambda m, a: getattr(m, op)(a), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(a, op)(), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(a, op)(), (), dtype=dtype)
    check(lambda m, a: getattr(a, op)(), (7,), dtype=dtype)


@pytest.mark.parametrize("dim,keepdim", DIMS_TUPLE, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reduction_dims(op, dim, keepdim, dtype):
    check(lambda m, a: getattr(a, op)(dim, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, dim=dim, keepdim=keepdim), SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reduction_positional_keepdim(op, dtype):
    check(lambda m, a: getattr(a, op)(1, True), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, -1, True), SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reduction_non_contiguous(op, dtype):
    check(lambda m, a: getattr(a, op)(), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a: getattr(a, op)(0), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a: getattr(a, op)(-1, keepdim=True), (2, 3, 4), dtype=dtype, non_contiguous=True)


# Column sums (the kept dims innermost: a bias gradient) take a column-wise pass; other strided
# layouts are gathered first. Shapes large enough to cut into several column chunks.
COLUMN_CASES = [
    ((300, 70), 0, lambda a: a),
    ((6, 50, 40), (0, 1), lambda a: a),
    ((40, 60), 0, lambda a: a[:, 3:50]),  # offset, row stride larger than the run
    ((40, 60), 0, lambda a: a[::3]),
    ((5, 7, 9), (0, 2), lambda a: a),  # kept dim in the middle: gathered
    ((30, 40), 1, lambda a: a.t()),
    ((1, 9), 0, lambda a: a),
    ((9, 1), 0, lambda a: a),
]


@pytest.mark.parametrize("case", range(len(COLUMN_CASES)))
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_over_outer_dims(case, op, dtype):
    shape, dim, view = COLUMN_CASES[case]
    check(lambda m, a: getattr(view(a), op)(dim), shape, dtype=dtype)
    check(lambda m, a: getattr(view(a), op)(dim, keepdim=True), shape, dtype=dtype)


def test_column_sum_threads_give_the_single_thread_bits():
    x = fg.tensor(np.random.default_rng(5).standard_normal((3000, 300)).astype(np.float32))
    previous = fg.get_num_threads()
    try:
        fg.set_num_threads(1)
        one = x.sum(0).numpy().copy()
        fg.set_num_threads(2)
        two = x.sum(0).numpy().copy()
    finally:
        fg.set_num_threads(previous)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(one, x.numpy().astype(np.float64).sum(0), rtol=1e-6, atol=1e-4)


def test_sum_int_and_bool_give_int64():
    check(lambda m, a: a.sum(), np.array([[1, 2], [3, 4]], dtype=np.int64), grad=False)
    check(lambda m, a: a.sum(0), np.array([[1, 2], [3, 4]], dtype=np.int64), grad=False)
    check(lambda m, a: a.sum(), np.array([True, False, True]), grad=False)


def test_sum_of_broadcast_product(dtype):
    check(lambda m, a, b: (a * b).sum(1), (3, 1), (4,), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# prod
# ---------------------------------------------------------------------------------------------


def test_prod(dtype):
    check(lambda m, a: a.prod(), (2, 3), dtype=dtype, low=0.5, high=1.5)
    check(lambda m, a: m.prod(a), (5,), dtype=dtype, low=-1.5, high=1.5)


@pytest.mark.parametrize("dim,keepdim", DIMS_INT, ids=str)
def test_prod_dim(dim, keepdim, dtype):
    check(lambda m, a: a.prod(dim, keepdim=keepdim), SHAPE, dtype=dtype, low=0.5, high=1.5)
    check(lambda m, a: m.prod(a, dim=dim, keepdim=keepdim), SHAPE, dtype=dtype, low=-1.5, high=1.5)


def test_prod_with_zeros(dtype):
    # one zero: the gradient of that element is the product of the others; two zeros: all zero
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0], [1.0, 2.0, -1.0, 0.5]])
    check(lambda m, a: a.prod(1), x, dtype=dtype)
    check(lambda m, a: a.prod(0), x, dtype=dtype)
    check(lambda m, a: a[0].prod(), x, dtype=dtype)
    check(lambda m, a: a[1].prod(), x, dtype=dtype)


def test_prod_non_contiguous(dtype):
    check(lambda m, a: a.prod(0), (3, 4), dtype=dtype, low=0.5, high=1.5, non_contiguous=True)


# ---------------------------------------------------------------------------------------------
# var / std
# ---------------------------------------------------------------------------------------------

VAR_KW = [
    {},
    {"unbiased": False},
    {"unbiased": True},
    {"correction": 0},
    {"correction": 1},
    {"correction": 2},
]


@pytest.mark.parametrize("kw", VAR_KW, ids=str)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_full(op, kw, dtype):
    check(lambda m, a: getattr(a, op)(**kw), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, **kw), (6,), dtype=dtype)


@pytest.mark.parametrize("dim,keepdim", DIMS_TUPLE, ids=str)
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_dims(op, dim, keepdim, dtype):
    check(lambda m, a: getattr(a, op)(dim, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, dim=dim, correction=0, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(a, op)(dim=dim, unbiased=False, keepdim=keepdim), SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_non_contiguous(op, dtype):
    check(lambda m, a: getattr(a, op)(0), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a: getattr(a, op)(), (3, 4), dtype=dtype, non_contiguous=True)


def test_var_of_constant_input_is_zero(dtype):
    f, _ = check(lambda m, a: a.var(1), np.full((2, 4), 1.25), dtype=dtype, grad=False)
    assert to_numpy(f[0]).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# max / min / amax / amin / argmax / argmin
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_full(op, dtype):
    f, _ = check(lambda m, a: getattr(a, op)(), SHAPE, dtype=dtype)
    assert tuple(f[0].shape) == ()
    check(lambda m, a: getattr(m, op)(a), (5,), dtype=dtype)


@pytest.mark.parametrize("dim,keepdim", DIMS_INT, ids=str)
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim(op, dim, keepdim, dtype):
    # outputs are (values, indices); check compares both and differentiates values
    check(lambda m, a: getattr(a, op)(dim, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, dim=dim, keepdim=keepdim), SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_named_tuple(op):
    def fn(m):
        x = m.tensor([[1.0, 5.0, 3.0], [7.0, 2.0, 4.0]])
        r = getattr(x, op)(1)
        values, indices = r
        assert r[0] is not None and r[1] is not None
        return r.values, r.indices, values, indices

    f, t = run_both(fn)
    for a, b in zip(f, t):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert f[1].dtype == fg.int64


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_values_only_grad(op, dtype):
    check(lambda m, a: getattr(a, op)(1).values * 2, SHAPE, dtype=dtype)
    check(lambda m, a: getattr(a, op)(dim=0)[0], SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_ties(op, dtype):
    # torch: max()/min() split the gradient evenly between ties; max(dim) gives it to one element
    x = np.array([[1.0, 3.0, 3.0, -2.0], [-2.0, 0.5, 1.0, -2.0], [3.0, -2.0, 3.0, 3.0]])
    check(lambda m, a: getattr(a, op)(), x, dtype=dtype)
    check(lambda m, a: getattr(a, op)(1), x, dtype=dtype)
    check(lambda m, a: getattr(a, op)(0, keepdim=True), x, dtype=dtype)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin(op, dtype):
    check(lambda m, a: getattr(a, op)(), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a), SHAPE, dtype=dtype)


@pytest.mark.parametrize("dim,keepdim", DIMS_TUPLE, ids=str)
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_dims(op, dim, keepdim, dtype):
    check(lambda m, a: getattr(a, op)(dim, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, dim=dim, keepdim=keepdim), SHAPE, dtype=dtype)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_ties_split_evenly(op, dtype):
    x = np.array([[1.0, 3.0, 3.0, -2.0], [-2.0, 0.5, 1.0, -2.0], [3.0, -2.0, 3.0, 3.0]])
    check(lambda m, a: getattr(a, op)(), x, dtype=dtype)
    check(lambda m, a: getattr(a, op)(1), x, dtype=dtype)
    check(lambda m, a: getattr(a, op)((0, 1)), x, dtype=dtype)


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin"])
def test_max_family_non_contiguous(op, dtype):
    check(lambda m, a: getattr(a, op)(0), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a: getattr(a, op)(), (3, 4), dtype=dtype, non_contiguous=True)


def test_max_of_two_tensors_is_maximum(dtype):
    check(lambda m, a, b: m.max(a, b), (2, 3), (3,), dtype=dtype)
    check(lambda m, a, b: m.min(a, b), (2, 3), (3,), dtype=dtype)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin(op, dtype):
    f, _ = check(lambda m, a: getattr(a, op)(), SHAPE, dtype=dtype, grad=False)
    assert f[0].dtype == fg.int64 and tuple(f[0].shape) == ()
    check(lambda m, a: getattr(m, op)(a), SHAPE, dtype=dtype, grad=False)
    for dim, keepdim in DIMS_INT:
        check(lambda m, a, d=dim, k=keepdim: getattr(a, op)(d, keepdim=k), SHAPE, dtype=dtype, grad=False)
        check(
            lambda m, a, d=dim, k=keepdim: getattr(m, op)(a, dim=d, keepdim=k), SHAPE, dtype=dtype, grad=False
        )
    check(lambda m, a: getattr(a, op)(0), (3, 4), dtype=dtype, grad=False, non_contiguous=True)


@pytest.mark.parametrize("op", ["argmax", "argmin", "max", "min"])
def test_ties_pick_first_index(op):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 1.0], [0.0, 0.0, 0.0]])
    check(lambda m, a: getattr(a, op)(1), x, grad=False)
    check(lambda m, a: getattr(a, op)(0), x, grad=False)


def test_argmax_does_not_require_grad():
    x = fg.tensor([1.0, 3.0, 2.0], requires_grad=True)
    i = x.argmax()
    assert not i.requires_grad and i.grad_fn is None
    assert i.item() == 1


def test_max_min_int64():
    x = np.array([[3, -1, 7], [2, 9, 0]], dtype=np.int64)
    check(lambda m, a: a.max(), x, grad=False)
    check(lambda m, a: a.min(1), x, grad=False)
    check(lambda m, a: a.amax(0), x, grad=False)


# ---------------------------------------------------------------------------------------------
# logsumexp
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim,keepdim", DIMS_TUPLE, ids=str)
def test_logsumexp(dim, keepdim, dtype):
    check(lambda m, a: a.logsumexp(dim, keepdim=keepdim), SHAPE, dtype=dtype)
    check(lambda m, a: m.logsumexp(a, dim=dim, keepdim=keepdim), SHAPE, dtype=dtype)


def test_logsumexp_large_values_are_stable(dtype):
    x = np.array([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -1000.5]])
    check(lambda m, a: m.logsumexp(a, 1), x, dtype=dtype)
    check(lambda m, a: a.logsumexp(0), x, dtype=dtype)


def test_logsumexp_non_contiguous(dtype):
    check(lambda m, a: a.logsumexp(-1), (3, 4), dtype=dtype, non_contiguous=True)


# ---------------------------------------------------------------------------------------------
# reductions in a graph
# ---------------------------------------------------------------------------------------------


def test_reductions_composed(dtype):
    def fn(m, a):
        centered = a - a.mean(1, keepdim=True)
        return (centered / (a.std(1, keepdim=True) + 1)).sum(0) + a.amax(1).sum() * a.logsumexp(0)

    check(fn, (3, 4), dtype=dtype)


@pytest.mark.parametrize("op", ["max", "min"])
def test_indices_of_max_dim_modified_in_place_refuse_the_backward_as_torch(op):
    # regression (found by the registry-driven fuzzer): the indices max(dim)/min(dim) save were
    # not version-checked, so writing them in place sent the gradient to other elements silently
    import torch

    for m in (torch, fg):
        x = m.tensor([[1.0, 3.0], [2.0, 0.5]], requires_grad=True)
        v, i = getattr(x, op)(0)
        i.zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            v.sum().backward()
