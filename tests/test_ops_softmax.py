"""softmax and log_softmax (src/ops/softmax.rs) along a dim, as torch.softmax/torch.log_softmax and
methods. Forward and backward against torch, including numerically extreme inputs."""

import numpy as np
import pytest
from helpers import check, to_numpy

pytest.importorskip("torch")

OPS = ["softmax", "log_softmax"]


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("op", OPS)
def test_softmax_dims(op, dim, dtype):
    check(lambda m, a: getattr(m, op)(a, dim), (2, 3, 4), dtype=dtype)
    check(lambda m, a: getattr(a, op)(dim), (2, 3, 4), dtype=dtype)
    check(lambda m, a: getattr(m, op)(a, dim=dim), (2, 3, 4), dtype=dtype)


@pytest.mark.parametrize("op", OPS)
def test_softmax_1d(op, dtype):
    check(lambda m, a: getattr(m, op)(a, 0), (5,), dtype=dtype)
    check(lambda m, a: getattr(a, op)(-1), (1,), dtype=dtype)


@pytest.mark.parametrize("op", OPS)
def test_softmax_non_contiguous(op, dtype):
    check(lambda m, a: getattr(a, op)(-1), (3, 4), dtype=dtype, non_contiguous=True)
    check(lambda m, a: getattr(a, op)(0), (3, 4), dtype=dtype, non_contiguous=True)


@pytest.mark.parametrize("op", OPS)
def test_softmax_large_inputs_are_stable(op, dtype):
    x = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, 0.0], [50.0, -50.0, 0.0]])
    f, _ = check(lambda m, a: getattr(m, op)(a, 1), x, dtype=dtype)
    assert np.all(np.isfinite(to_numpy(f[0])))


@pytest.mark.parametrize("op", OPS)
def test_softmax_in_a_graph(op, dtype):
    check(
        lambda m, a, b: (getattr(m, op)(a @ b, -1) * a.sum(1, keepdim=True)).exp(),
        (2, 3),
        (3, 4),
        dtype=dtype,
    )


def test_softmax_rows_sum_to_one(dtype):
    f, _ = check(lambda m, a: m.softmax(a, 1), (3, 5), dtype=dtype, low=-5, high=5)
    np.testing.assert_allclose(to_numpy(f[0]).sum(1), np.ones(3), rtol=1e-6)
