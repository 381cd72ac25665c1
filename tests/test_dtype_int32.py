"""The int32 dtype against torch: its names and attributes, creation, casts both ways with every
dtype, the promotion grid, NumPy sharing, elementwise ops, reductions, indexing, joins and
in-place writes, and the wgpu device. The op table's rows run int32 through the registry
(tests/opinfo.py); this file covers what is not a table row.
"""

from __future__ import annotations

import itertools

import ferrograd as fg
import helpers
import numpy as np
import pytest
from helpers import assert_raises_like_torch, result_or_error_like_torch, run_both, to_numpy

torch = pytest.importorskip("torch")

DTYPES = ("float32", "float64", "int64", "int32", "bool")


def _same(got, want):
    assert helpers.dtype_name(got.dtype) == helpers.dtype_name(want.dtype)
    np.testing.assert_array_equal(to_numpy(got), want.numpy())


def test_names_and_attributes_like_torch():
    assert fg.int is fg.int32 and fg.int32 is not fg.int64
    assert repr(fg.int32) == "ferrograd.int32"
    assert fg.int32.itemsize == 4 and not fg.int32.is_floating_point
    x = fg.tensor([1, -2, 3], dtype=fg.int32)
    assert x.dtype is fg.int32 and x.element_size() == 4 and not x.is_floating_point()
    assert repr(x) == repr(torch.tensor([1, -2, 3], dtype=torch.int32)).replace("torch.", "ferrograd.")
    assert x.tolist() == [1, -2, 3] and isinstance(x[0].item(), int)
    assert fg.IntTensor([1, 2]).dtype is fg.int32


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.zeros(2, 3, dtype=m.int32),
        lambda m: m.ones(4, dtype=m.int32),
        lambda m: m.full((2,), 7, dtype=m.int32),
        lambda m: m.arange(-3, 9, 2, dtype=m.int32),
        lambda m: m.empty(3, dtype=m.int32).fill_(5),
        lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.int32),
        lambda m: m.tensor([1.7, -2.7], dtype=m.int32),
        lambda m: m.tensor([True, False], dtype=m.int32),
        lambda m: m.zeros_like(m.ones(3), dtype=m.int32),
        lambda m: m.ones(2).new_zeros(3, dtype=m.int32),
        lambda m: m.eye(3, dtype=m.int32),
    ],
)
def test_creation_like_torch(make):
    got, want = run_both(make)
    _same(got, want)


def test_randint_gives_int32_in_range():
    x = fg.randint(-5, 5, (1000,), dtype=fg.int32)
    assert x.dtype is fg.int32
    v = to_numpy(x)
    assert v.min() >= -5 and v.max() < 5 and len(set(v.tolist())) == 10


# Values that probe every cast: fractions (truncation), the int32 extremes and beyond them
# (wrapping from int64), negative zero, and large floats.
_VALUES = {
    "float32": [0.0, -0.0, 1.5, -1.5, 2.7, -2.7, 1e6, -123456.0, 2147483520.0],
    "float64": [0.0, -0.0, 1.5, -1.5, 2.7, -2.7, 2147483647.0, -2147483648.0, 1e9],
    "int64": [0, 1, -1, 2**31 - 1, -(2**31), 2**31, 2**40 + 5, -(2**40) - 7, 2**63 - 1],
    "int32": [0, 1, -1, 2**31 - 1, -(2**31), 7, -7, 1 << 20, 3],
    "bool": [True, False, True, False, True, False, True, False, True],
}


@pytest.mark.parametrize(("src", "dst"), [(a, b) for a in DTYPES for b in DTYPES if "int32" in (a, b)])
def test_casts_like_torch(src, dst):
    def f(m):
        return m.tensor(_VALUES[src], dtype=getattr(m, src)).to(getattr(m, dst))

    _same(*run_both(f))


def test_cast_methods_like_torch():
    for f in (
        lambda m: m.tensor([1.9, -1.9, 3.0]).int(),
        lambda m: m.tensor([2**31 + 3, -5]).int(),
        lambda m: m.tensor([1, -2], dtype=m.int32).long(),
        lambda m: m.tensor([1, -2], dtype=m.int32).float(),
        lambda m: m.tensor([0, -2], dtype=m.int32).bool(),
        lambda m: m.tensor([1, 2], dtype=m.int32).type_as(m.ones(1, dtype=m.float64)),
    ):
        _same(*run_both(f))


def test_out_of_range_float_casts_saturate():
    # torch's CPU result for a float outside int32 (or NaN) is the instruction's undefined value
    # (INT_MIN on x86); ferrograd saturates, as it does for int64 (documented in dtype.rs)
    x = fg.tensor([3e9, -3e9, float("inf"), float("-inf"), float("nan")]).int()
    assert x.tolist() == [2**31 - 1, -(2**31), 2**31 - 1, -(2**31), 0]


_GRID = list(itertools.product(DTYPES, DTYPES))


@pytest.mark.parametrize(("a", "b"), _GRID)
def test_promotion_grid_like_torch(a, b):
    # result_type and the result of an op, for tensors, 0-d tensors and Python numbers
    def operands(m):
        x = m.tensor([1, 0, 1], dtype=getattr(m, a))
        y = m.tensor([1, 1, 0], dtype=getattr(m, b))
        return x, y, m.tensor(1, dtype=getattr(m, b))

    for f in (
        lambda m: m.result_type(*operands(m)[:2]),
        lambda m: m.result_type(operands(m)[0], operands(m)[2]),
        lambda m: (operands(m)[0] + operands(m)[1]).dtype,
        lambda m: (operands(m)[0] * operands(m)[2]).dtype,
        lambda m: m.where(operands(m)[0] > 0, operands(m)[0], operands(m)[1]).dtype,
        lambda m: m.cat([operands(m)[0], operands(m)[1]]).dtype,
        lambda m: m.maximum(operands(m)[0], operands(m)[1]).dtype,
    ):
        try:
            want = f(torch)
        except Exception:  # noqa: BLE001
            assert_raises_like_torch(f)
            continue
        assert helpers.dtype_name(f(fg)) == helpers.dtype_name(want)


@pytest.mark.parametrize("number", [2, 2**40, 2.5, True, -3])
def test_python_number_operands_like_torch(number):
    for f in (
        lambda m: m.tensor([5, -7, 2**31 - 1], dtype=m.int32) + number,
        lambda m: m.tensor([5, -7, 9], dtype=m.int32) * number,
        lambda m: number - m.tensor([5, -7, 9], dtype=m.int32),
        lambda m: m.tensor([5, -7, 9], dtype=m.int32) / number,
        lambda m: m.tensor([5, -7, 9], dtype=m.int32) > number,
    ):
        result_or_error_like_torch(f, rtol=0)


def test_inplace_promotion_errors_like_torch():
    assert_raises_like_torch(lambda m: m.ones(2, dtype=m.int32).add_(1.5))
    assert_raises_like_torch(lambda m: m.ones(2, dtype=m.int32).mul_(m.ones(2)))
    assert_raises_like_torch(lambda m: m.ones(2, dtype=m.int32).div_(2))

    def widen(m):
        x = m.ones(2, dtype=m.int32)
        x += m.tensor([2**40 + 1, 3])  # an int64 result written back: wraps into int32
        x += True
        return x

    _same(*run_both(widen))


@pytest.mark.parametrize(
    "expr",
    [
        "a + b",
        "a - b",
        "a * b",
        "a / b",
        "a // b",
        "a % b",
        "a ** 2",
        "-a",
        "abs(a)",
        "a.sign()",
        "~a",
        "a & b",
        "a | b",
        "a ^ b",
        "a == b",
        "a < b",
        "a.clamp(-5, 5)",
        "a.clamp(min=0)",
        "m.maximum(a, b)",
        "m.minimum(a, b)",
        "m.remainder(a, b)",
        "m.fmod(a, b)",
        "m.floor_divide(a, b)",
        "m.where(a > 0, a, b)",
        "a.relu()",
        "a.square()",
        "a @ b",
        "a.reshape(2, 3) @ b.reshape(3, 2)",
        "a + b.long()",
        "a * 2.5",
        "a.masked_fill(a > 0, 9)",
        "a.pow(b.abs())",
    ],
)
def test_elementwise_like_torch(expr):
    def f(m):
        a = m.tensor([7, -7, 2**31 - 1, -(2**31), 0, 13], dtype=m.int32)
        b = m.tensor([2, 3, -4, 5, -6, 1], dtype=m.int32)
        return eval(expr, {"m": m, "a": a, "b": b, "abs": abs})

    result_or_error_like_torch(f, rtol=0)


@pytest.mark.parametrize("fn", ["exp", "sqrt", "sigmoid", "tanh", "log1p", "sin"])
def test_float_ops_compute_in_float32_like_torch(fn):
    def f(m):
        return getattr(m.tensor([7, -7, 13, 0, 1, 100], dtype=m.int32), fn)()

    result_or_error_like_torch(f, rtol=1e-6)


def test_integer_division_by_zero_like_torch():
    assert_raises_like_torch(lambda m: m.tensor([1, 2], dtype=m.int32) // m.tensor([1, 0], dtype=m.int32))
    assert_raises_like_torch(lambda m: m.tensor([1, 2], dtype=m.int32) % 0)
    _same(*run_both(lambda m: m.tensor([1, 2], dtype=m.int32) / 0))


@pytest.mark.parametrize(
    "expr",
    [
        "x.sum()",
        "x.sum(1)",
        "x.sum(0, keepdim=True)",
        "x.prod(1)",
        "x.max()",
        "x.min()",
        "x.amax(1)",
        "x.amin(0)",
        "x.argmax()",
        "x.argmin(1)",
        "x.max(1)",
        "x.mean()",
        "x.sum(dtype=m.int32)",
        "x.prod(1, dtype=m.int32)",
        "x.float().mean(0)",
    ],
)
def test_reductions_like_torch(expr):
    def f(m):
        x = m.tensor([[3, -1, 2**31 - 1], [5, 0, -9]], dtype=m.int32)
        out = eval(expr, {"m": m, "x": x})
        return tuple(out) if isinstance(out, tuple) else out

    result_or_error_like_torch(f, rtol=0)


@pytest.mark.parametrize(
    "expr",
    [
        "x[i]",
        "x[i, 1]",
        "x[:, i]",
        "x[i0]",
        "y[i]",
        "x[x > 2]",
        "x[1:, ::2]",
        "x.t().contiguous()",
        "x.transpose(0, 1)[1]",
        "x.reshape(-1)[2:5]",
        "x.unsqueeze(0).expand(2, 3, 3)",
        "m.cat([x, x], 1)",
        "m.stack([x, x])",
        "x.view(9)",
    ],
)
def test_indexing_and_views_like_torch(expr):
    # int32 tensors indexed, and int32 index tensors (torch accepts them as it does int64)
    def f(m):
        x = m.arange(9, dtype=m.int32).reshape(3, 3)
        y = m.arange(9.0).reshape(3, 3)
        i = m.tensor([2, 0, -1], dtype=m.int32)
        i0 = m.tensor(1, dtype=m.int32)
        return eval(expr, {"m": m, "x": x, "y": y, "i": i, "i0": i0})

    result_or_error_like_torch(f, rtol=0)


def test_int32_index_tensor_as_0d_int_is_a_view_like_torch():
    x = fg.arange(6.0).reshape(2, 3)
    v = x[fg.tensor(1, dtype=fg.int32)]
    v[0] = 100.0
    assert x[1, 0].item() == 100.0


@pytest.mark.parametrize(
    "stmt",
    [
        "x[i] = 7",
        "x[0] = v",
        "x[x > 3] = -1",
        "x.copy_(f)",
        "x.fill_(3)",
        "x.add_(x)",
        "x.mul_(2)",
        "x.clamp_(2, 4)",
        "y[i] = 5.5",
        "y.copy_(x)",
        "x.neg_()",
    ],
)
def test_inplace_writes_like_torch(stmt):
    def f(m):
        x = m.arange(6, dtype=m.int32)
        y = m.zeros(6)
        i = m.tensor([1, 3], dtype=m.int32)
        v = m.tensor([9, 8, 7, 6, 5, 4], dtype=m.int32)
        fl = m.tensor([1.9, -1.9, 2.5, 0.0, 7.7, -8.2])
        exec(stmt, {"m": m, "x": x, "y": y, "i": i, "v": v, "f": fl})  # noqa: S102 (the fixed statements above)
        return x, y

    result_or_error_like_torch(f, rtol=0)


def test_numpy_sharing_both_ways():
    a = np.array([1, -2, 3], dtype=np.int32)
    t = fg.from_numpy(a)
    assert t.dtype is fg.int32
    a[0] = 100
    assert t[0].item() == 100
    t[1] = -50
    assert a[1] == -50
    n = t.numpy()
    assert n.dtype == np.int32 and np.shares_memory(n, a)
    x = fg.tensor([4, 5], dtype=fg.int32)
    v = x.numpy()
    assert v.dtype == np.int32
    v[0] = 40
    assert x.tolist() == [40, 5]
    assert fg.tensor(np.array([7, 8], dtype=np.int32)).dtype is fg.int32
    assert fg.as_tensor(a).dtype is fg.int32


def test_sum_of_int32_is_int64_without_overflow():
    x = fg.full((4,), 2**31 - 1, dtype=fg.int32)
    s = x.sum()
    assert s.dtype is fg.int64 and s.item() == 4 * (2**31 - 1)


def test_wrapping_arithmetic_like_torch():
    _same(
        *run_both(lambda m: m.tensor([2**31 - 1, -(2**31)], dtype=m.int32) + m.tensor([1, -1], dtype=m.int32))
    )
    _same(*run_both(lambda m: m.tensor([2**31 - 1, 65536], dtype=m.int32) * 65536))
    _same(*run_both(lambda m: -m.tensor([-(2**31)], dtype=m.int32)))


_wgpu_reason = helpers.wgpu_unavailable_reason()


@pytest.mark.skipif(_wgpu_reason is not None, reason=_wgpu_reason or "")
@pytest.mark.parametrize(
    "expr",
    [
        "a",
        "a + b",
        "a - b",
        "a * b",
        "m.maximum(a, b)",
        "m.minimum(a, b)",
        "a < b",
        "a == b",
        "m.where(a > b, a, b)",
        "a // b",
        "a & b",
        "a.sum()",
        "a.max()",
        "a.float()",
        "a.long()",
        "a.bool()",
        "f.int()",
        "fl.int()",
        "l.int()",
        "a * 3",
        "a / b",
        "a[::2]",
        "a[i]",
        "a.abs()",
        "a.reshape(2, 3).t() + b.reshape(2, 3).t()",
    ],
)
def test_on_wgpu_like_cpu(expr):
    def env(m, device):
        to = (lambda t: t.to(device)) if device else (lambda t: t)
        return {
            "m": m,
            "a": to(m.tensor([7, -7, 2**31 - 1, -(2**31), 0, 13], dtype=m.int32)),
            "b": to(m.tensor([2, 3, -4, 5, -6, 1], dtype=m.int32)),
            "f": to(m.tensor([1.9, -1.9, 3e9, -3e9, float("nan"), 0.0])),
            "fl": to(m.tensor([2.5, -2.5, 1e6, -7.0, 0.0, 1.0])),
            "l": to(m.tensor([2**40 + 5, -(2**40) - 7, 3, -3, 0, 2**31])),
            "i": to(m.tensor([5, 0, -1], dtype=m.int32)),
        }

    cpu = eval(expr, env(fg, None))
    gpu = eval(expr, env(fg, "wgpu"))
    assert gpu.device.type == "wgpu" and gpu.dtype == cpu.dtype
    np.testing.assert_array_equal(to_numpy(gpu), to_numpy(cpu))
    if expr != "f.int()":  # torch's out-of-range casts are the CPU's undefined value
        want = eval(expr, env(torch, None))
        assert helpers.dtype_name(cpu.dtype) == helpers.dtype_name(want.dtype)
        np.testing.assert_array_equal(to_numpy(cpu), want.numpy())
