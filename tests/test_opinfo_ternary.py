"""Every ternary row of the op table, checked from its entry in tests/opinfo.py (TERNARY): values
and gradients against torch (float32, float64 and wgpu) with broadcasting of all three operands,
the third a tensor or a Python number, the method / function / in-place forms, non-contiguous
operands, special values, dtype refusals, node names, what the rule saves, float64 gradcheck and
gradgradcheck, and forward mode."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import (
    assert_raises_like_torch,
    check,
    result_or_error_like_torch,
    run_both,
    to_numpy,
)
from opinfo import SPECIAL, TERNARY

pytest.importorskip("torch")

OPS = [pytest.param(op, id=op.name) for op in TERNARY]
SHAPES = [((3, 4), (3, 4), (3, 4)), ((2, 3, 4), (4,), (3, 1)), ((), (5,), ()), ((2, 1), (1, 3), (2, 3))]


def _operands(op, shapes, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(op.low, op.high, size=shapes[0])
    b = rng.uniform(op.low, op.high, size=shapes[1])
    return a, b, rng.uniform(op.third_low, op.third_high, size=shapes[2])


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("op", OPS)
def test_function_broadcasting(op, shapes, dtype):
    a, b, c = _operands(op, shapes)
    check(lambda m, x, y, z: getattr(m, op.name)(x, y, z), a, b, c, dtype=dtype)


@pytest.mark.parametrize("op", OPS)
def test_number_third_operand(op, dtype):
    a, b, _ = _operands(op, ((3, 4), (4,), ()))
    for v in op.numbers:
        check(lambda m, x, y, v=v: getattr(x, op.name)(y, v), a, b, dtype=dtype)


@pytest.mark.parametrize("op", OPS)
def test_method_inplace_and_non_contiguous(op, dtype):
    a, b, c = _operands(op, ((3, 4), (3, 4), (3, 4)))
    check(lambda m, x, y, z: getattr(x, op.name)(y, z), a, b, c, dtype=dtype, non_contiguous=True)

    def inplace(m, x, y, z):
        w = x * 1
        r = getattr(w, op.name + "_")(y, z)
        assert r is w
        return w

    check(inplace, a, b, c, dtype=dtype)
    check(lambda m, x, y: getattr(x * 1, op.name + "_")(y, 0.75), a, b, dtype=dtype)


@pytest.mark.parametrize("op", OPS)
def test_special_values(op, dtype):
    s = np.array(SPECIAL)
    n = len(s)
    a, b = np.repeat(s, n), np.tile(s, n)
    for w in (0.0, 0.5, 1.0, -1.0, np.inf, np.nan):
        check(lambda m, x, y, w=w: getattr(m, op.name)(x, y, w), a, b, dtype=dtype, grad=False)
    check(lambda m, x, y, z: getattr(m, op.name)(x, y, z), a[:n], a[:n] * 0 + 1, s, dtype=dtype, grad=False)


@pytest.mark.parametrize(
    "case",
    [
        "int_input",
        "int_second",
        "double_second",
        "double_third",
        "bool_third",
        "shape",
        "leaf_inplace",
        "number_second",
    ],
)
@pytest.mark.parametrize("op", OPS)
def test_refusals_like_torch(op, case):
    def f(m):
        x, y, w = m.ones(3), m.zeros(3), m.full((3,), 0.5)
        if case == "int_input":
            return getattr(m, op.name)(m.tensor([1, 2, 3]), m.tensor([3, 4, 5]), 0.5)
        if case == "int_second":
            return getattr(m, op.name)(x, m.tensor([3, 4, 5]), 0.5)
        if case == "double_second":
            return getattr(m, op.name)(x, y.double(), w)
        if case == "double_third":
            return getattr(m, op.name)(x, y, w.double())
        if case == "bool_third":
            return getattr(m, op.name)(x, y, w > 0)
        if case == "shape":
            return getattr(m, op.name)(x, m.zeros(4), w)
        if case == "leaf_inplace":
            return getattr(m.ones(3, requires_grad=True), op.name + "_")(y, w)
        return getattr(m, op.name)(x, 2.0, w)

    assert_raises_like_torch(f)


@pytest.mark.parametrize("number", [False, True])
@pytest.mark.parametrize("op", OPS)
def test_node_name_like_torch(op, number):
    def f(m):
        x = m.tensor([0.25, 0.5], requires_grad=True)
        third = 0.3 if number else m.tensor([0.3, 0.6])
        return getattr(m, op.name)(x * 1, m.tensor([1.0, 2.0]), third).grad_fn.name()

    got, want = run_both(f)
    assert got == want


@pytest.mark.parametrize("modified", [0, 1, 2])
@pytest.mark.parametrize("op", OPS)
def test_saved_tensor_like_torch(op, modified):
    def f(m):
        leaves = [m.tensor(v, requires_grad=True) for v in ([0.25, 0.5], [1.0, 2.0], [0.3, 0.6])]
        ops = [t * 1 for t in leaves]
        y = getattr(m, op.name)(*ops)
        ops[modified].mul_(2)
        y.sum().backward()
        return [t.grad for t in leaves]

    result_or_error_like_torch(f, exception=RuntimeError, match="modified by an inplace operation")


@pytest.mark.parametrize("op", OPS)
def test_gradcheck_and_gradgradcheck(op):
    a, b, c = _operands(op, ((2, 3), (3,), (2, 1)))
    xs = [fg.tensor(v, dtype=fg.float64, requires_grad=True) for v in (a, b, c)]
    f = getattr(fg, op.name)
    assert fg.autograd.gradcheck(f, tuple(xs))
    assert fg.autograd.gradgradcheck(f, tuple(xs))
    assert fg.autograd.gradcheck(lambda x, y: f(x, y, 0.3), tuple(xs[:2]))


@pytest.mark.parametrize("op", OPS)
def test_forward_mode_like_torch(op):
    vals = _operands(op, ((6,), (6,), (6,)), seed=1)
    rng = np.random.default_rng(2)
    tans = [rng.standard_normal(6) for _ in range(3)]

    def jvp(m):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            xs = [
                fwAD.make_dual(m.tensor(v, dtype=m.float64), m.tensor(t, dtype=m.float64))
                for v, t in zip(vals, tans)
            ]
            return fwAD.unpack_dual(getattr(m, op.name)(*xs)).tangent

    got, want = run_both(jvp)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-14)
