"""cat and stack (src/ops/join.rs): dims (default, negative), lists and tuples, different sizes along
the cat dim, gradients to every input, non-contiguous inputs. Against torch."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import check, run_both, to_numpy

pytest.importorskip("torch")

CAT = [
    (((2, 3), (4, 3)), {}),
    (((2, 3), (2, 3), (1, 3)), {"dim": 0}),
    (((2, 3), (2, 1)), {"dim": 1}),
    (((2, 3), (2, 5)), {"dim": -1}),
    (((2, 3, 4), (2, 1, 4)), {"dim": -2}),
    (((2, 3, 4), (2, 3, 2), (2, 3, 1)), {"dim": 2}),
    (((3,), (2,)), {}),
    (((3,),), {}),
]


@pytest.mark.parametrize("shapes,kw", CAT, ids=str)
def test_cat(shapes, kw, dtype):
    check(lambda m, *ts: m.cat(list(ts), **kw), *shapes, dtype=dtype)
    check(lambda m, *ts: m.cat(tuple(ts), **kw), *shapes, dtype=dtype)


def test_cat_positional_dim(dtype):
    check(lambda m, a, b: m.cat([a, b], 1), (2, 3), (2, 2), dtype=dtype)


def test_cat_non_contiguous(dtype):
    check(lambda m, a, b: m.cat([a, b], 0), (3, 4), (2, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a, b: m.cat([a, b], -1), (3, 4), (3, 2), dtype=dtype, non_contiguous=True)


def test_cat_same_tensor_twice(dtype):
    check(lambda m, a: m.cat([a, a * 2, a], 0), (2, 3), dtype=dtype)


def test_cat_with_tensor_not_requiring_grad(dtype):
    check(lambda m, a: m.cat([a, m.zeros(1, 3, dtype=a.dtype, device=a.device)]), (2, 3), dtype=dtype)


def test_cat_promotes_dtype():
    f, t = run_both(lambda m: m.cat([m.ones(2), m.ones(2, dtype=m.float64)]))
    assert f.dtype == fg.float64
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


def test_cat_int64():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    check(lambda m, x: m.cat([x, x], 1), a, grad=False)


STACK = [
    (((3,), (3,)), {}),
    (((2, 3), (2, 3), (2, 3)), {"dim": 0}),
    (((2, 3), (2, 3)), {"dim": 1}),
    (((2, 3), (2, 3)), {"dim": 2}),
    (((2, 3), (2, 3)), {"dim": -1}),
    (((2, 3), (2, 3)), {"dim": -3}),
    (((), (), ()), {}),
    (((4,),), {}),
]


@pytest.mark.parametrize("shapes,kw", STACK, ids=str)
def test_stack(shapes, kw, dtype):
    check(lambda m, *ts: m.stack(list(ts), **kw), *shapes, dtype=dtype)
    check(lambda m, *ts: m.stack(tuple(ts), **kw), *shapes, dtype=dtype)


def test_stack_non_contiguous(dtype):
    check(lambda m, a, b: m.stack([a, b], 1), (3, 4), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a, b: m.stack([a, b], -1), (5,), (5,), dtype=dtype, non_contiguous=True)


def test_stack_then_reduce(dtype):
    check(lambda m, a, b: m.stack([a.exp(), b * a], 0).sum(0), (2, 3), (2, 3), dtype=dtype)


def test_cat_and_stack_results_are_copies():
    a = fg.zeros(2)
    c = fg.cat([a, a])
    s = fg.stack([a, a])
    c.add_(1)
    s.add_(1)
    assert a.tolist() == [0.0, 0.0]
