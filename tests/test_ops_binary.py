"""Elementwise binary ops (src/ops/binary.rs): arithmetic, pow, maximum/minimum, where, comparisons,
in-place forms. Forward and backward against torch, broadcasting, non-contiguous inputs.
remainder, fmod and rounded division: test_ops_binary_division.py."""

import operator

import ferrograd as fg
import numpy as np
import pytest
from helpers import BROADCAST_SHAPES, Arg, check, run_both, to_numpy

torch = pytest.importorskip("torch")

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
