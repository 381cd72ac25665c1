"""Elementwise binary ops (src/ops/binary.rs): arithmetic, pow, maximum/minimum, where, comparisons,
in-place forms. Forward and backward against torch, broadcasting, non-contiguous inputs."""

import operator

import ferrograd as fg
import numpy as np
import pytest
from helpers import Arg, assert_raises_like_torch, check, dtype_name, run_both, to_numpy

torch = pytest.importorskip("torch")

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

ARITH = {
    "add_fn": lambda m, a, b: m.add(a, b),
    "add_method": lambda m, a, b: a.add(b),
    "add_op": lambda m, a, b: a + b,
    "sub_fn": lambda m, a, b: m.sub(a, b),
    "sub_method": lambda m, a, b: a.sub(b),
    "sub_op": lambda m, a, b: a - b,
    "mul_fn": lambda m, a, b: m.mul(a, b),
    "mul_method": lambda m, a, b: a.mul(b),
    "mul_op": lambda m, a, b: a * b,
}

DIV = {
    "div_fn": lambda m, a, b: m.div(a, b),
    "div_method": lambda m, a, b: a.div(b),
    "div_op": lambda m, a, b: a / b,
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ARITH))
def test_arith(name, shapes, dtype):
    check(ARITH[name], *shapes, dtype=dtype)


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(DIV))
def test_div(name, shapes, dtype):
    # denominators away from zero
    check(DIV[name], *shapes, dtype=dtype, low=0.5, high=2.0)


def test_div_negative_denominator(dtype):
    check(lambda m, a, b: a / b, (2, 3), (3,), dtype=dtype, low=-2.0, high=-0.5)


@pytest.mark.parametrize("name", ["add_op", "sub_op", "mul_op"])
def test_arith_non_contiguous(name, dtype):
    check(ARITH[name], (3, 4), (3, 4), dtype=dtype, non_contiguous=True)
    check(ARITH[name], (5,), (5,), dtype=dtype, non_contiguous=True)
    check(ARITH[name], (2, 3, 4), (4,), dtype=dtype, non_contiguous=True)


def test_div_non_contiguous(dtype):
    check(lambda m, a, b: a / b, (3, 4), (3, 4), dtype=dtype, low=0.5, non_contiguous=True)


def test_same_tensor_both_operands(dtype):
    check(lambda m, a: a * a, (2, 3), dtype=dtype)
    check(lambda m, a: a + a, (2, 3), dtype=dtype)
    check(lambda m, a: a - a, (2, 3), dtype=dtype)
    check(lambda m, a: a / a, (2, 3), dtype=dtype, low=0.5)


def test_gradient_only_one_side(dtype):
    check(lambda m, a, b: a * b, (2, 3), Arg(np.arange(3.0) + 1, requires_grad=False), dtype=dtype)
    check(lambda m, a, b: a / b, Arg(np.arange(3.0) + 1, requires_grad=False), (2, 3), dtype=dtype, low=0.5)


SCALAR_FORMS = {
    "add_scalar": lambda m, a: a + 2.5,
    "radd_scalar": lambda m, a: 2.5 + a,
    "add_int": lambda m, a: a + 2,
    "sub_scalar": lambda m, a: a - 1.5,
    "rsub_scalar": lambda m, a: 1.5 - a,
    "mul_scalar": lambda m, a: a * 3.0,
    "rmul_scalar": lambda m, a: 3.0 * a,
    "rmul_int": lambda m, a: 2 * a,
    "div_scalar": lambda m, a: a / 4.0,
    "rdiv_scalar": lambda m, a: 1 / a,
    "add_fn_scalar": lambda m, a: m.add(a, 2.0),
    "mul_fn_scalar": lambda m, a: m.mul(a, -1.5),
    "sub_method_scalar": lambda m, a: a.sub(0.25),
    "div_method_scalar": lambda m, a: a.div(3),
    "neg_op": lambda m, a: -a,
    "neg_fn": lambda m, a: m.neg(a),
    "neg_method": lambda m, a: a.neg(),
}


@pytest.mark.parametrize("name", list(SCALAR_FORMS))
def test_scalar_forms(name, dtype):
    check(SCALAR_FORMS[name], (2, 3), dtype=dtype, low=0.5, high=2.0)
    check(SCALAR_FORMS[name], (), dtype=dtype, low=0.5, high=2.0)


# ---------------------------------------------------------------------------------------------
# pow: tensor ** tensor, tensor ** scalar, scalar ** tensor
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((), (2, 2))], ids=str)
def test_pow_tensor_tensor(shapes, dtype):
    check(lambda m, a, b: a**b, *shapes, dtype=dtype, low=0.5, high=2.0)
    check(lambda m, a, b: m.pow(a, b), *shapes, dtype=dtype, low=0.5, high=2.0)
    check(lambda m, a, b: a.pow(b), *shapes, dtype=dtype, low=0.5, high=2.0)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, -2.5, 2.5, 1, 0])
def test_pow_tensor_scalar(exponent, dtype):
    check(lambda m, a: a**exponent, (2, 3), dtype=dtype, low=0.5, high=2.0)
    check(lambda m, a: m.pow(a, exponent), (4,), dtype=dtype, low=0.5, high=2.0)
    check(lambda m, a: a.pow(exponent), (), dtype=dtype, low=0.5, high=2.0)


@pytest.mark.parametrize("exponent", [2, 3])
def test_pow_integer_exponent_negative_base(exponent, dtype):
    check(lambda m, a: a**exponent, (2, 3), dtype=dtype, low=-2.0, high=-0.5)


def test_pow_square_at_zero(dtype):
    check(lambda m, a: a**2, np.array([0.0, 1.0, -1.0]), dtype=dtype)


@pytest.mark.parametrize("base", [2, 2.5, 0.5])
def test_pow_scalar_tensor(base, dtype):
    check(lambda m, a: base**a, (2, 3), dtype=dtype)
    check(lambda m, a: m.pow(base, a), (3,), dtype=dtype)


def test_pow_non_contiguous(dtype):
    check(lambda m, a, b: a**b, (3, 4), (3, 4), dtype=dtype, low=0.5, non_contiguous=True)
    check(lambda m, a: a**3, (3, 4), dtype=dtype, non_contiguous=True)


# ---------------------------------------------------------------------------------------------
# maximum / minimum / where
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3, 1), (4,)), ((2, 3), ()), ((2, 1, 3), (4, 1))], ids=str)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum(op, shapes, dtype):
    check(lambda m, a, b: getattr(m, op)(a, b), *shapes, dtype=dtype)
    check(lambda m, a, b: getattr(a, op)(b), *shapes, dtype=dtype)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient(op, dtype):
    # torch gives half of the gradient to each side of a tie
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 4.0, -1.0])
    check(lambda m, x, y: getattr(m, op)(x, y), a, b, dtype=dtype)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_non_contiguous(op, dtype):
    check(lambda m, a, b: getattr(m, op)(a, b), (3, 4), (3, 4), dtype=dtype, non_contiguous=True)


@pytest.mark.parametrize(
    "shapes",
    [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1)), ((3, 1), (1, 4), ()), ((4,), (4,), (4,))],
    ids=str,
)
def test_where(shapes, dtype):
    rng = np.random.default_rng(5)
    cond = rng.uniform(size=shapes[0]) > 0.5
    check(lambda m, c, a, b: m.where(c, a, b), cond, shapes[1], shapes[2], dtype=dtype)


def test_where_method_and_non_contiguous(dtype):
    rng = np.random.default_rng(6)
    cond = rng.uniform(size=(3, 4)) > 0.5
    check(lambda m, c, a, b: a.where(c, b), cond, (3, 4), (3, 4), dtype=dtype)
    check(lambda m, c, a, b: m.where(c, a, b), cond, (3, 4), (3, 4), dtype=dtype, non_contiguous=True)


def test_where_condition_from_comparison(dtype):
    check(lambda m, a, b: m.where(a > b, a * 2, b), (2, 3), (2, 3), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------

CMP = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _small_ints(shape, seed):
    return np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize("name", list(CMP))
def test_comparison_forms(name, dtype):
    a = _small_ints((3, 4), 1)  # small integers so that ties (eq/le/ge) occur
    b = _small_ints((4,), 2)
    op = CMP[name]
    for fn in (
        lambda m, x, y: op(x, y),
        lambda m, x, y: getattr(m, name)(x, y),
        lambda m, x, y: getattr(x, name)(y),
        lambda m, x, y: op(x, 1.0),
        lambda m, x, y: op(x, 1),
        lambda m, x, y: getattr(x, name)(0.0),
    ):
        f_out, _ = check(fn, a, b, dtype=dtype)
        assert f_out[0].dtype == fg.bool
        assert not f_out[0].requires_grad
        assert f_out[0].grad_fn is None


@pytest.mark.parametrize("name", ["lt", "gt", "le", "ge"])
def test_reflected_comparison_with_scalar(name, dtype):
    op = CMP[name]
    check(lambda m, x: op(1.0, x), _small_ints((5,), 3), dtype=dtype)


def test_comparison_int_and_float(dtype):
    a = np.array([1, 2, 3], dtype=np.int64)
    check(lambda m, x, y: x < y, a, np.array([1.5, 2.0, 2.5]), dtype=dtype)
    check(lambda m, x, y: x == y, a, np.array([1.0, 2.5, 3.0]), dtype=dtype)
    check(lambda m, x: x >= 2.5, a, dtype=dtype)


def test_comparison_non_contiguous(dtype):
    check(
        lambda m, a, b: a <= b,
        _small_ints((3, 4), 4),
        _small_ints((3, 4), 5),
        dtype=dtype,
        non_contiguous=True,
    )


# ---------------------------------------------------------------------------------------------
# in-place forms on non-leaf tensors (autograd goes through them)
# ---------------------------------------------------------------------------------------------

INPLACE = {
    "iadd": lambda y, b: operator.iadd(y, b),
    "isub": lambda y, b: operator.isub(y, b),
    "imul": lambda y, b: operator.imul(y, b),
    "itruediv": lambda y, b: operator.itruediv(y, b),
    "add_": lambda y, b: y.add_(b),
    "sub_": lambda y, b: y.sub_(b),
    "mul_": lambda y, b: y.mul_(b),
    "div_": lambda y, b: y.div_(b),
}


@pytest.mark.parametrize("other_shape", [(2, 3), (3,), ()], ids=str)
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_tensor(name, other_shape, dtype):
    op = INPLACE[name]

    def fn(m, a, b):
        y = a * 1.5
        r = op(y, b)
        assert r is y
        return y

    check(fn, (2, 3), other_shape, dtype=dtype, low=0.5, high=2.0)


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_scalar(name, dtype):
    op = INPLACE[name]

    def fn(m, a):
        y = a.sin()  # sin saves its input, not its output, so modifying y is allowed
        y = op(y, 2.0)
        return y * a

    check(fn, (2, 3), dtype=dtype)


def test_inplace_keeps_object_identity():
    y = fg.ones(3)
    before = id(y)
    y += 1
    y *= 2
    y -= 1
    y /= 3
    assert id(y) == before
    assert y.add_(1) is y
    assert y.mul_(2) is y
    assert y.zero_() is y
    assert y.fill_(1.5) is y


def test_zero_and_fill(dtype):
    def fn(m, a):
        y = a * 2
        y.zero_()
        return y + a

    check(fn, (2, 3), dtype=dtype)

    def fn2(m, a):
        y = a * 2
        y.fill_(3.5)
        return y * a

    check(fn2, (2, 3), dtype=dtype)


def test_inplace_on_plain_tensors_values():
    def fn(m):
        x = m.tensor([1.0, 2.0, 3.0])
        x += m.tensor([1.0, 1.0, 1.0])
        x.mul_(2)
        x.sub_(m.tensor(1.0))
        x.div_(2)
        x /= 0.5
        return x

    f, t = run_both(fn)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))
    assert str(f.dtype).split(".")[-1] == "float32"


def test_inplace_int_tensor():
    def fn(m):
        x = m.tensor([1, 2, 3])
        x += 2
        x *= m.tensor([2, 2, 2])
        x.sub_(1)
        return x

    f, t = run_both(fn)
    assert f.dtype == fg.int64
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


def test_inplace_non_contiguous_target():
    def fn(m):
        x = m.zeros(3, 4)
        v = x.t()
        v += m.arange(3.0)
        x[:, ::2] *= 2
        return x

    f, t = run_both(fn)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


# ---------------------------------------------------------------------------------------------
# integer / bool arithmetic (no grad)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a, b: a + b,
        lambda m, a, b: a - b,
        lambda m, a, b: a * b,
        lambda m, a, b: a / b,
        lambda m, a, b: m.maximum(a, b),
        lambda m, a, b: m.minimum(a, b),
        lambda m, a, b: a * 2,
        lambda m, a, b: a + 1.5,
        lambda m, a, b: a**2,
        lambda m, a, b: 2 ** (a * a),
        lambda m, a, b: -a,
    ],
)
def test_int64_arithmetic(fn):
    a = np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int64)
    b = np.array([2, 3, -1], dtype=np.int64)
    check(fn, a, b, grad=False)


def test_int64_scalar_pow_negative_tensor_exponent():
    # torch: integer 2 ** -2 is 0 (integer division semantics), not an error
    check(lambda m, a: 2**a, np.array([-2, 0, 3], dtype=np.int64), grad=False)


# ---------------------------------------------------------------------------------------------
# property test: random broadcast-compatible shapes
# ---------------------------------------------------------------------------------------------

try:
    import hypothesis
    import hypothesis.extra.numpy as hnp
except ImportError:  # hypothesis is an optional test dependency: only this test is skipped
    hypothesis = None

if hypothesis is not None:

    @hypothesis.settings(max_examples=30, deadline=None, derandomize=True)
    @hypothesis.given(
        shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
        op=hypothesis.strategies.sampled_from(["add", "sub", "mul", "maximum"]),
    )
    def test_broadcast_property(shapes, op):
        a_shape, b_shape = shapes.input_shapes
        check(lambda m, a, b: getattr(m, op)(a, b), a_shape, b_shape, dtype="float64")


# ---------------------------------------------------------------------------------------------
# remainder / fmod (`%`)
# ---------------------------------------------------------------------------------------------

REMAINDER = {
    "remainder_fn": lambda m, a, b: m.remainder(a, b),
    "remainder_method": lambda m, a, b: a.remainder(b),
    "remainder_op": lambda m, a, b: a % b,
    "fmod_fn": lambda m, a, b: m.fmod(a, b),
    "fmod_method": lambda m, a, b: a.fmod(b),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(REMAINDER))
def test_remainder_fmod(name, shapes, dtype):
    # operands of both signs; the divisor away from zero (the quotient's floor jumps there)
    check(REMAINDER[name], *shapes, dtype=dtype, low=-3.0, high=3.0, seed=3)
    check(REMAINDER[name], *shapes, dtype=dtype, low=-3.0, high=-0.5, seed=4)


@pytest.mark.parametrize("name", list(REMAINDER))
def test_remainder_fmod_non_contiguous(name, dtype):
    check(REMAINDER[name], (3, 4), (3, 4), dtype=dtype, low=0.5, high=4.0, non_contiguous=True)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: a % 1.5,
        lambda m, a: a % -2,
        lambda m, a: m.remainder(a, 0.75),
        lambda m, a: a.remainder(-1.25),
        lambda m, a: m.fmod(a, -1.5),
        lambda m, a: a.fmod(2),
    ],
)
def test_remainder_numbers_on_the_right(fn, dtype):
    check(fn, (2, 3), dtype=dtype, low=0.6, high=3.0, seed=5)
    check(fn, (2, 3), dtype=dtype, low=-3.0, high=-0.6, seed=6)


@pytest.mark.parametrize("fn", [lambda m, a: 5 % a, lambda m, a: -2.5 % a, lambda m, a: m.remainder(3, a)])
def test_remainder_number_on_the_left(fn, dtype):
    check(fn, (2, 3), dtype=dtype, low=0.6, high=3.0, seed=5, grad=False)
    check(fn, (2, 3), dtype=dtype, low=-3.0, high=-0.6, seed=6, grad=False)
    # torch has no derivative for `number % tensor`: the node is NotImplemented, backward fails
    f, t = run_both(lambda m: fn(m, m.ones(2, requires_grad=True)))
    assert f.requires_grad and t.requires_grad
    assert f.grad_fn.name() == t.grad_fn.name() == "torch::autograd::NotImplemented"
    assert_raises_like_torch(
        lambda m: fn(m, m.ones(2, requires_grad=True)).sum().backward(),
        match="derivative for aten::remainder",
    )


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_remainder_int64_values(op):
    a = np.array([[5, -5, 5, -5, 0, 7], [-7, 6, -6, 9, -9, 1]], dtype=np.int64)
    b = np.array([3, 3, -3, -3, 4, -2], dtype=np.int64)
    check(lambda m, x, y: getattr(m, op)(x, y), a, b, grad=False)
    check(lambda m, x, y: getattr(m, op)(x, 4), a, b, grad=False)
    check(lambda m, x, y: getattr(x, op)(-3), a, b, grad=False)
    # int tensor with a float number promotes to float32, as torch
    check(lambda m, x, y: getattr(m, op)(x, 2.5), a, b, grad=False)
    check(lambda m, x, y: x % y, a, b, grad=False)
    check(lambda m, x, y: 13 % y, a, b, grad=False)


def test_remainder_int64_extremes():
    big = np.array([-(2**63), 2**63 - 1, -(2**63), 2**63 - 1], dtype=np.int64)
    div = np.array([-1, -1, 7, -7], dtype=np.int64)
    check(lambda m, x, y: x % y, big, div, grad=False)
    check(lambda m, x, y: m.fmod(x, y), big, div, grad=False)


def test_remainder_mixed_dtypes_promote():
    i = np.array([5, -5, 7], dtype=np.int64)
    f = np.array([2.5, 1.5, -2.0])
    check(lambda m, x, y: x % y, i, f, dtype="float64", grad=False)
    check(lambda m, x, y: y % x, i, f, dtype="float32", grad=False)
    check(lambda m, x: x % m.tensor(3), i, grad=False)  # 0-d tensor
    check(lambda m, x: x % True, i, grad=False)
    check(lambda m, x: x % 2, np.array([True, False]), grad=False)


def test_remainder_float_division_by_zero_is_nan(dtype):
    a = np.array([1.0, -1.0, 0.0, 2.5])
    check(lambda m, x: x % 0.0, a, dtype=dtype, grad=False)
    check(lambda m, x: m.fmod(x, 0), a, dtype=dtype, grad=False)
    check(lambda m, x, y: x % y, a, np.zeros(4), dtype=dtype, grad=False)


def test_remainder_special_values(dtype):
    a = np.array([-3.0, 3.0, -0.0, 0.0, np.inf, np.nan, 5.0, -5.0])
    b = np.array([np.inf, -np.inf, 2.0, -2.0, 2.0, 1.0, np.nan, 3.0])
    f, t = check(lambda m, x, y: x % y, a, b, dtype=dtype, grad=False)
    # the sign of a zero result follows torch (-0.0 % 2 is -0.0)
    fv, tv = to_numpy(f[0]), to_numpy(t[0])
    real = ~np.isnan(tv)  # a NaN's sign bit is not part of the contract
    np.testing.assert_array_equal(np.signbit(fv[real]), np.signbit(tv[real]))
    check(lambda m, x, y: m.fmod(x, y), a, b, dtype=dtype, grad=False)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([5, 3]) % m.tensor([0, 1]),
        lambda m: m.tensor([5, 3]) % 0,
        lambda m: 7 % m.tensor([1, 0]),
        lambda m: m.remainder(m.tensor([[1], [2]]), m.tensor([0, 0, 0])),
        lambda m: m.fmod(m.tensor([5, 3]), 0),
        lambda m: m.tensor([5, 3]).remainder_(0),
    ],
)
def test_remainder_int_division_by_zero_raises(fn):
    assert_raises_like_torch(fn, match="ZeroDivisionError")


def test_remainder_int_division_by_zero_leaves_input_unchanged():
    x = fg.tensor([5, 3])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x %= fg.tensor([1, 0])
    assert x.tolist() == [5, 3]


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([True, False]) % m.tensor([True, True]),
        lambda m: m.fmod(m.tensor([True]), m.tensor([True])),
    ],
)
def test_remainder_bool_is_not_implemented(fn):
    # torch's NotImplementedError is a RuntimeError, which ferrograd raises
    assert_raises_like_torch(fn, expected=RuntimeError, match="not implemented for 'Bool'")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.remainder(2, 3),
        lambda m: m.ones(2, 3) % m.ones(4),
        lambda m: m.tensor([1, 2]).remainder_(1.5),
        lambda m: m.fmod(2, m.ones(2)),
    ],
)
def test_remainder_errors_like_torch(fn):
    assert_raises_like_torch(fn)


def test_remainder_grad_fn_names():
    x = fg.ones(2, requires_grad=True)
    y = fg.full((2,), 3.0, requires_grad=True)
    tx, ty = torch.ones(2, requires_grad=True), torch.full((2,), 3.0, requires_grad=True)
    for f in [lambda a, b: a % b, lambda a, b: a % 2.0, lambda a, b: a.fmod(b), lambda a, b: a.fmod(2.0)]:
        assert f(x, y).grad_fn.name() == f(tx, ty).grad_fn.name()


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_remainder_double_backward(op, dtype):
    a = np.array([5.5, -2.25, 3.0, -7.5])
    b = np.array([2.0, 3.0, -1.75, -2.0])

    def run(m):
        dt = getattr(m, dtype)
        x = m.tensor(a, dtype=dt, requires_grad=True)
        y = m.tensor(b, dtype=dt, requires_grad=True)
        z = getattr(x, op)(y)
        gx, gy = m.autograd.grad((z * z).sum(), (x, y), create_graph=True)
        ggx, ggy = m.autograd.grad((gx * gy).sum(), (x, y), retain_graph=True)
        hy = m.autograd.grad(
            m.autograd.grad(z.sum(), y, create_graph=True)[0].sum(), (x, y), allow_unused=True
        )
        return [gx, gy, ggx, ggy, *[h if h is not None else m.zeros(0) for h in hy]]

    f, t = run_both(run)
    for fo, to in zip(f, t):
        np.testing.assert_allclose(to_numpy(fo), to_numpy(to.detach()), rtol=1e-6, atol=1e-6)


def test_remainder_inplace_forms(dtype):
    def run(m):
        dt = getattr(m, dtype)
        x = m.tensor([5.5, -2.25, 3.0], dtype=dt, requires_grad=True)
        y = x * 1
        y %= 2.0
        w = x * 1
        w.remainder_(m.tensor([-1.5, 2.0, 4.0], dtype=dt))
        v = x * 1
        v.fmod_(-2)
        (y + w + v).sum().backward()
        return [y, w, v, x.grad]

    f, t = run_both(run)
    for fo, to in zip(f, t):
        np.testing.assert_allclose(to_numpy(fo), to_numpy(to.detach()), rtol=1e-6)


def test_remainder_int_inplace():
    f, t = run_both(lambda m: m.tensor([7, -7, 8]).remainder_(3))
    assert f.tolist() == t.tolist()
    f, t = run_both(lambda m: m.tensor([7, -7, 8]).fmod_(m.tensor([-3])))
    assert f.tolist() == t.tolist()


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_remainder_gradcheck_fd(op):
    from helpers import fd_gradcheck

    # a / b stays away from integers, where the quotient's floor (trunc) jumps
    a = np.array([[0.3, -1.7, 2.45], [-0.6, 1.1, -2.9]])
    b = np.array([0.7, -0.8, 1.3])
    fd_gradcheck(lambda m, x, y: getattr(m, op)(x, y), a, b)
    fd_gradcheck(lambda m, x: x % 0.95, a)


def test_remainder_autograd_gradcheck():
    x = fg.tensor([[0.3, -1.7, 2.45], [-0.6, 1.1, -2.9]], dtype=fg.float64, requires_grad=True)
    y = fg.tensor([0.7, -0.8, 1.3], dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(lambda a, b: a % b, (x, y))
    assert fg.autograd.gradcheck(lambda a, b: fg.fmod(a, b), (x, y))
    assert fg.autograd.gradgradcheck(lambda a, b: a % b, (x, y))


# ---------------------------------------------------------------------------------------------
# rounded division: div(rounding_mode="trunc" | "floor"), floor_divide and `//`
# ---------------------------------------------------------------------------------------------

ROUNDED = {
    "floor_op": lambda m, a, b: a // b,
    "floor_fn": lambda m, a, b: m.floor_divide(a, b),
    "floor_method": lambda m, a, b: a.floor_divide(b),
    "div_floor_fn": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div_floor_method": lambda m, a, b: a.div(b, rounding_mode="floor"),
    "div_trunc_fn": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "divide_trunc_method": lambda m, a, b: a.divide(b, rounding_mode="trunc"),
    "div_none": lambda m, a, b: m.div(a, b, rounding_mode=None),
}


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ROUNDED))
def test_rounded_division_values(name, shapes, dtype):
    check(ROUNDED[name], *shapes, dtype=dtype, low=-6.0, high=6.0, seed=3, grad=False)


@pytest.mark.parametrize("name", list(ROUNDED))
def test_rounded_division_int64_and_numbers(name):
    a = np.array([[5, -5, 5, -5, 0, 7], [-7, 6, -6, 9, -9, 1]], dtype=np.int64)
    b = np.array([3, 3, -3, -3, 4, -2], dtype=np.int64)
    f, t = check(ROUNDED[name], a, b, grad=False)
    assert dtype_name(f[0].dtype) == dtype_name(t[0].dtype)
    check(lambda m, x, y: ROUNDED[name](m, x, 4), a, b, grad=False)
    check(lambda m, x, y: ROUNDED[name](m, x, -2.5), a, b, grad=False)  # promotes to float32
    check(lambda m, x, y: ROUNDED[name](m, x, m.tensor(3)), a, b, grad=False)


def test_floor_division_numbers_on_the_left_and_extremes(dtype):
    check(lambda m, a: 7 // a, (2, 3), dtype=dtype, low=-3.0, high=3.0, grad=False)
    check(lambda m, a: -2.5 // a, (2, 3), dtype=dtype, low=-3.0, high=3.0, grad=False)
    check(lambda m, a: m.floor_divide(3, a), (2, 3), dtype=dtype, low=-3.0, high=3.0, grad=False)
    big = np.array([-(2**63), 2**63 - 1, -(2**63), 2**63 - 1, -7], dtype=np.int64)
    div = np.array([-1, -1, 7, -7, 2], dtype=np.int64)
    check(lambda m, x, y: x // y, big, div, grad=False)
    check(lambda m, x, y: 13 // y, big, div, grad=False)


def test_rounded_division_special_values(dtype):
    a = np.array([-3.0, 3.0, -0.0, 0.0, np.inf, np.nan, 5.0, -1.0, 1.0, -5.0])
    b = np.array([np.inf, -np.inf, 2.0, -2.0, 2.0, 1.0, np.nan, 3.0, 0.0, 0.0])
    for mode in ("floor", "trunc"):
        f, t = check(lambda m, x, y, mode=mode: x.div(y, rounding_mode=mode), a, b, dtype=dtype, grad=False)
        fv, tv = to_numpy(f[0]), to_numpy(t[0])
        real = ~np.isnan(tv)
        # the sign of a zero quotient follows torch (-1 // 3 is -0.0)
        np.testing.assert_array_equal(np.signbit(fv[real]), np.signbit(tv[real]))


def test_rounded_division_gradients():
    # div with a rounding mode is piecewise constant: zero gradients (DivBackward2), and zero
    # second derivatives; floor_divide has no derivative at all (NotImplemented), as in torch
    def run(m):
        x = m.tensor([5.5, -7.25, 3.0], requires_grad=True)
        y = m.tensor([2.0, 3.0, -1.5], requires_grad=True)
        out = []
        for mode in ("floor", "trunc"):
            z = x.div(y, rounding_mode=mode)
            gx, gy = m.autograd.grad((z * x).sum(), (x, y), create_graph=True)
            out += [z, gx, gy]
        return out

    f, t = run_both(run)
    for fo, to in zip(f, t):
        np.testing.assert_array_equal(to_numpy(fo), to_numpy(to.detach()))
    for m in (fg, torch):
        x = m.ones(2, requires_grad=True)
        assert x.div(2, rounding_mode="floor").grad_fn.name() == "DivBackward2"
        for z in (x // 2, 3 // x, m.floor_divide(x, x)):
            assert z.requires_grad and z.grad_fn.name() == "torch::autograd::NotImplemented"
    assert_raises_like_torch(
        lambda m: (m.ones(2, requires_grad=True) // 2).sum().backward(),
        match="derivative for aten::floor_divide",
    )


def test_floor_divide_of_two_numbers_is_a_0d_tensor():
    f, t = run_both(lambda m: [m.floor_divide(7, -2), m.floor_divide(7.5, 2), m.floor_divide(True, 1)])
    for fo, to in zip(f, t):
        assert dtype_name(fo.dtype) == dtype_name(to.dtype) and fo.shape == to.shape
        assert fo.item() == to.item()


def test_rounded_division_inplace_forms():
    def run(m):
        x = m.tensor([7, -7, 8])
        x //= 3
        y = m.tensor([7.5, -7.5, 8.0])
        y.div_(2, rounding_mode="floor")
        z = m.tensor([7, -7, 8])
        z.div_(m.tensor([-2]), rounding_mode="trunc")
        w = m.tensor([7.5, -7.5])
        w.floor_divide_(-2.0)
        return [x, y, z, w]

    f, t = run_both(run)
    for fo, to in zip(f, t):
        assert dtype_name(fo.dtype) == dtype_name(to.dtype)
        assert fo.tolist() == to.tolist()


def test_int_floor_division_by_zero_leaves_input_unchanged():
    x = fg.tensor([5, 3])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        x //= fg.tensor([1, 0])
    assert x.tolist() == [5, 3]


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([5, 3]) // m.tensor([0, 1]),
        lambda m: m.tensor([5, 3]) // 0,
        lambda m: 7 // m.tensor([1, 0]),
        lambda m: m.tensor([5, 3]).div(0, rounding_mode="trunc"),
        lambda m: m.div(m.tensor([[1], [2]]), m.tensor([0, 2]), rounding_mode="floor"),
    ],
)
def test_int_rounded_division_by_zero_raises(fn):
    assert_raises_like_torch(fn, match="ZeroDivisionError")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([True]) // m.tensor([True]),
        lambda m: m.tensor([True]).div(m.tensor([True]), rounding_mode="floor"),
        lambda m: m.tensor([True]).div(m.tensor([True]), rounding_mode="trunc"),
    ],
)
def test_rounded_division_of_bools_is_not_implemented(fn):
    assert_raises_like_torch(fn, expected=RuntimeError, match="not implemented for 'Bool'")


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.ones(2).div(2, rounding_mode="round"),
        lambda m: m.div(m.ones(2), 2, rounding_mode="x"),
        lambda m: m.ones(2).div(2, rounding_mode=3),
        lambda m: m.ones(2, 3) // m.ones(4),
        lambda m: m.tensor([7, 8]).div_(2),
        lambda m: m.tensor([7, 8]).floor_divide_(2.5),
        lambda m: m.ones(2) // "a",
        lambda m: m.floor_divide(m.ones(2), None),
    ],
)
def test_rounded_division_errors_like_torch(fn):
    assert_raises_like_torch(fn)


@pytest.mark.parametrize("exponent", [0.5, -0.5, -1.0, 2.0, 3.0, -2.0, 2, 1.5, -3.0])
def test_pow_of_a_number_uses_torchs_special_kernels(exponent, dtype):
    # torch computes x ** 0.5 as sqrt, ** -0.5 as rsqrt, ** -1 as 1/x and ** 2, 3, -2 by
    # multiplying: at the edges that is not C's pow (-inf ** 0.5 is NaN, -0.0 ** 0.5 is -0.0);
    # found by the differential fuzzer as log(0) ** 0.5
    x = np.array([-np.inf, -0.0, 0.0, np.inf, -4.0, 2.0, np.nan, 0.3])
    f, t = check(lambda m, a: a**exponent, x, dtype=dtype, grad=False)
    fv, tv = to_numpy(f[0]), to_numpy(t[0])
    np.testing.assert_array_equal(np.isnan(fv), np.isnan(tv))
    real = ~np.isnan(tv)
    np.testing.assert_array_equal(np.signbit(fv[real]), np.signbit(tv[real]))
    # the gradient's a ** (e - 1) takes the same kernels
    check(lambda m, a: a**exponent, (2, 3), dtype=dtype, low=0.2, high=2.0)
    check(lambda m, a: m.pow(a, exponent), (2, 3), dtype=dtype, low=-2.0, high=-0.2)


@pytest.mark.parametrize("exponent", [1.5, -2.5, 17.0, -17.0, float("inf"), float("-inf"), 0.0, 1.0])
def test_pow_edges_follow_c(exponent, dtype):
    # the WGSL pow left NaN and infinities to the driver (lavapipe: NaN for -inf ** 1.5)
    x = np.array([-np.inf, -1.0, -0.0, 0.0, 1.0, np.inf, -4.0, 0.5, np.nan, -0.5])
    f, t = check(lambda m, a: a**exponent, x, dtype=dtype, grad=False)
    fv, tv = to_numpy(f[0]), to_numpy(t[0])
    np.testing.assert_array_equal(np.isnan(fv), np.isnan(tv))
    real = ~np.isnan(tv)
    np.testing.assert_array_equal(np.signbit(fv[real]), np.signbit(tv[real]))
    check(lambda m, a, b: a**b, x, np.full(x.shape, exponent), dtype=dtype, grad=False)
