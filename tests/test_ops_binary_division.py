"""Division-like binary ops (src/ops/binary.rs): remainder and fmod (`%`), and rounded division
(div with rounding_mode="trunc" | "floor", floor_divide and `//`). Values against torch for
floats, int64, numbers on either side and special values, gradients, in-place forms and errors."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import BROADCAST_SHAPES, assert_raises_like_torch, check, dtype_name, run_both, to_numpy

torch = pytest.importorskip("torch")

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
