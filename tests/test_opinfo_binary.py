"""Every binary row of the op table, checked from its entry in tests/opinfo.py (BINARY): values
and gradients against torch (float32, float64 and wgpu) with broadcasting, the method /
function / in-place / alias forms, non-contiguous operands, special values on both sides, int64
and bool operands, Python-number operands, node names, what the rule saves, float64 gradcheck and
gradgradcheck against finite differences, and forward mode against torch's."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import (
    assert_raises_like_torch,
    check,
    result_or_error_like_torch,
    run_both,
    to_numpy,
    torch_module,
)
from opinfo import BINARY, SPECIAL

pytest.importorskip("torch")

FLOAT = [pytest.param(op, id=op.name) for op in BINARY if op.grad]
# the rows checked on float operands: the differentiable ones and the logical ones
FLOAT_IN = [pytest.param(op, id=op.name) for op in BINARY if op.grad or op.bool_out]
ALL = [pytest.param(op, id=op.name) for op in BINARY]
# (input, other) shapes: equal, broadcast on either side, both ways, a 0-d side
SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)), ((), (5,)), ((2, 3), ())]


def _operands(op, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(op.low, op.high, size=shapes[0]),
        rng.uniform(op.other_low, op.other_high, size=shapes[1]),
    )


def _tol(op, dtype):
    return {"rtol": op.rtol, "atol": op.atol} if dtype == "float32" else {}


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("op", FLOAT_IN)
def test_function_broadcasting(op, shapes, dtype):
    a, b = _operands(op, shapes)
    check(lambda m, x, y: getattr(m, op.name)(x, y), a, b, dtype=dtype, **_tol(op, dtype))


@pytest.mark.parametrize("op", FLOAT_IN)
def test_method_and_aliases(op, dtype):
    a, b = _operands(op, ((3, 4), (3, 4)))
    for name in (op.name, *op.aliases):
        check(lambda m, x, y, n=name: getattr(x, n)(y), a, b, dtype=dtype, **_tol(op, dtype))
        check(lambda m, x, y, n=name: getattr(m, n)(x, y), a, b, dtype=dtype, **_tol(op, dtype))


@pytest.mark.parametrize("op", FLOAT_IN)
def test_non_contiguous(op, dtype):
    a, b = _operands(op, ((3, 4), (3, 4)))
    check(
        lambda m, x, y: getattr(m, op.name)(x, y), a, b, dtype=dtype, non_contiguous=True, **_tol(op, dtype)
    )
    a, b = _operands(op, ((4, 3), (3, 8)))
    check(lambda m, x, y: getattr(m, op.name)(x.t(), y[:, ::2]), a, b, dtype=dtype, **_tol(op, dtype))


@pytest.mark.parametrize("op", [p for p in FLOAT if p.values[0].inplace])
def test_inplace_on_a_non_leaf(op, dtype):
    a, b = _operands(op, ((2, 3), (3,)))
    for name in (op.name, *op.aliases):

        def f(m, x, y, n=name):
            z = x * 1
            r = getattr(z, n + "_")(y)
            assert r is z
            return z

        check(f, a, b, dtype=dtype, **_tol(op, dtype))


@pytest.mark.parametrize("op", [p for p in ALL if p.values[0].bool_out])
@pytest.mark.parametrize(
    "kinds", [("float32", "float32"), ("int64", "float32"), ("bool", "int64"), ("int32", "bool")]
)
def test_logical_inplace_like_torch(op, kinds):
    # the bool result written back into the input's dtype (1/0 in a float or int64 tensor), the
    # other operand a non-contiguous column
    values = {
        "float32": [0.0, -0.5, np.nan, 2.0],
        "int64": [0, 3, 0, -1],
        "int32": [0, 3, 0, -1],
        "bool": [True, False, True, False],
    }

    def f(m):
        x = m.tensor(values[kinds[0]], dtype=getattr(m, kinds[0]))
        y = m.tensor([values[kinds[1]]] * 2, dtype=getattr(m, kinds[1])).t()[:, 1]
        r = getattr(x, op.name + "_")(y)
        assert r is x
        return x

    got, want = run_both(f)
    assert got.dtype == getattr(fg, str(want.dtype).removeprefix("torch."))
    np.testing.assert_array_equal(to_numpy(got), want.numpy())


@pytest.mark.parametrize("op", [p for p in ALL if p.values[0].bool_out])
def test_logical_not_differentiable_like_torch(op, dtype):
    def f(m, x, y):
        r = getattr(m, op.name)(x * 1, y)
        assert r.grad_fn is None and not r.requires_grad
        return r

    a, b = _operands(op, ((3, 4), (4,)))
    a[0, :2] = 0.0
    b[1] = 0.0
    check(f, a, b, dtype=dtype)


@pytest.mark.parametrize("op", [p for p in ALL if p.values[0].inplace])
def test_inplace_refusals_like_torch(op):
    # a leaf that requires grad; a result that does not fit the written tensor's shape or dtype
    if op.grad:
        assert_raises_like_torch(lambda m: getattr(m.ones(2, requires_grad=True), op.name + "_")(m.ones(2)))
        assert_raises_like_torch(lambda m: getattr(m.tensor([1, 2]), op.name + "_")(m.ones(2)))
    assert_raises_like_torch(
        lambda m: getattr(m.ones(3, dtype=m.int64), op.name + "_")(m.ones(2, 3, dtype=m.int64))
    )


@pytest.mark.parametrize("op", FLOAT_IN)
def test_special_values(op, dtype):
    s = np.array(SPECIAL)
    a, b = np.repeat(s, len(s)), np.tile(s, len(s))
    check(lambda m, x, y: getattr(m, op.name)(x, y), a, b, dtype=dtype, grad=False)


@pytest.mark.parametrize(
    "kinds",
    [
        ("int64", "int64"),
        ("int32", "int32"),
        ("bool", "bool"),
        ("int64", "float32"),
        ("int32", "float32"),
        ("bool", "int64"),
        ("int32", "int64"),
        ("bool", "int32"),
    ],
)
@pytest.mark.parametrize("op", ALL)
def test_int_and_bool_operands_like_torch(op, kinds):
    values = {
        "int64": list(op.int_values),
        "int32": list(op.int32_values),
        "bool": [True, False] * 4 + [True],
        "float32": [0.5] * len(op.int_values),
    }
    other = {
        "int64": list(op.int_other),
        "int32": list(op.int32_other),
        "bool": [True, False, False, True] * 2 + [False],
        "float32": [1.5] * 9,
    }

    def f(m):
        x = m.tensor(values[kinds[0]], dtype=getattr(m, kinds[0]))
        y = m.tensor(other[kinds[1]], dtype=getattr(m, kinds[1]))
        return getattr(m, op.name)(x, y)

    # where torch refuses, ferrograd must raise the same type
    result_or_error_like_torch(f)


@pytest.mark.parametrize("op", ALL)
def test_number_operand_like_torch(op):
    # `other` a Python number: accepted (with its own node name) where torch accepts it
    def f(m):
        x = m.tensor([1.0, -2.0], requires_grad=True) if op.grad else m.tensor([3, 12])
        y = getattr(m, op.name)(x * 1 if op.grad else x, 2)
        return y.grad_fn.name() if op.grad else y

    try:
        f(torch_module())
    except TypeError:
        assert_raises_like_torch(f)
        return
    got, want = run_both(f)
    if op.grad:
        assert got == want
    else:
        np.testing.assert_array_equal(to_numpy(got), want.numpy())


@pytest.mark.parametrize("op", FLOAT)
def test_node_name_like_torch(op):
    def f(m):
        x = m.tensor([0.25, 0.5], requires_grad=True)
        return getattr(m, op.name)(x * 1, m.tensor([0.75, 1.5])).grad_fn.name()

    got, want = run_both(f)
    assert got == want


@pytest.mark.parametrize("modified", ["input", "other", "output"])
@pytest.mark.parametrize("op", FLOAT)
def test_saved_tensor_like_torch(op, modified):
    # what the node saves shows in which in-place change backward refuses
    def f(m):
        x = m.tensor([0.25, 0.5], requires_grad=True)
        w = m.tensor([0.75, 1.5], requires_grad=True)
        a, b = x * 1, w * 1
        y = getattr(m, op.name)(a, b)
        {"input": a, "other": b, "output": y}[modified].mul_(2)
        y.sum().backward()
        return x.grad, w.grad

    result_or_error_like_torch(f, exception=RuntimeError, match="modified by an inplace operation")


@pytest.mark.parametrize("op", FLOAT)
def test_gradcheck_and_gradgradcheck(op):
    a, b = _operands(op, ((2, 3), (3,)))
    x = fg.tensor(a, dtype=fg.float64, requires_grad=True)
    y = fg.tensor(b, dtype=fg.float64, requires_grad=True)
    f = getattr(fg, op.name)
    assert fg.autograd.gradcheck(f, (x, y))
    assert fg.autograd.gradgradcheck(f, (x, y))


@pytest.mark.parametrize("op", FLOAT)
def test_forward_mode_like_torch(op):
    a, b = _operands(op, ((6,), (6,)), seed=1)
    rng = np.random.default_rng(2)
    va, vb = rng.standard_normal(6), rng.standard_normal(6)

    def jvp(m):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            x = fwAD.make_dual(m.tensor(a, dtype=m.float64), m.tensor(va, dtype=m.float64))
            y = fwAD.make_dual(m.tensor(b, dtype=m.float64), m.tensor(vb, dtype=m.float64))
            return fwAD.unpack_dual(getattr(m, op.name)(x, y)).tangent

    got, want = run_both(jvp)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "expr",
    [
        "x & y",
        "x | y",
        "x ^ y",
        "x & 6",
        "5 | x",
        "3 ^ x",
        "b & c",
        "b ^ c",
        "b | True",
        "x & b",
        "x ^ 1.5",
        "f & y",
        "x & 'a'",
        "x << y",
        "x >> y",
        "x << 3",
        "x >> 1",
        "3 << y",
        "-64 >> y",
        "f << 1",
        "b << 1",
        "i << 31",
        "i << 32",
        "i >> 33",
        "i >> z",
        "i << z",
        "i & x",
        "i ^ 7",
        "i | b",
        "z & 3",
    ],
)
def test_bitwise_operators_like_torch(expr):
    # the operators are the table's bitwise and shift rows: int64 (and bool for &, |, ^), and
    # Python numbers either side
    def f(m):
        env = {
            "x": m.tensor([3, 12, -7, 0]),
            "y": m.tensor([5, 4, 2, -1]),
            "b": m.tensor([True, False, True, False]),
            "c": m.tensor([True, True, False, False]),
            "f": m.tensor([1.0, 2.0, 3.0, 4.0]),
            "i": m.tensor([3, -12, 2**31 - 1, -(2**31)], dtype=m.int32),
            "z": m.tensor([31, 32, 1, -1], dtype=m.int32),
        }
        return eval(expr, {}, env)

    # where torch refuses, ferrograd must raise the same type
    result_or_error_like_torch(f, rtol=0)


@pytest.mark.parametrize(
    "name, first, other",
    [("xlogy", 2.0, [1.0, 0.5]), ("bitwise_and", 6, [3, 5]), ("bitwise_left_shift", 1, [1, 3])],
)
def test_function_form_takes_a_number_as_input_where_torch_does(name, first, other):
    # regression: the function forms were the methods, which refuse a number as `input`
    import torch

    want = getattr(torch, name)(first, torch.tensor(other))
    got = getattr(fg, name)(first, fg.tensor(other))
    assert got.dtype.itemsize == want.dtype.itemsize and got.tolist() == want.tolist()


@pytest.mark.parametrize("name", ["hypot", "atan2", "copysign", "logaddexp"])
def test_function_form_refuses_a_number_as_input_where_torch_does(name):
    import torch

    for m in (torch, fg):
        with pytest.raises(TypeError):
            getattr(m, name)(2.0, m.tensor([1.0, 2.0]))
