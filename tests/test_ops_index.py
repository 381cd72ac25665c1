"""Indexing (src/ops/index.rs): ints, slices with steps, ellipsis, None, integer tensors and lists
(repeated indices accumulate in backward), boolean masks, and __setitem__. Against torch."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import check, run_both, to_numpy

torch = pytest.importorskip("torch")

BASIC = {
    "int": lambda m, a: a[1],
    "negative_int": lambda m, a: a[-1],
    "two_ints": lambda m, a: a[0, 2],
    "three_ints": lambda m, a: a[1, -1, 2],
    "slice": lambda m, a: a[1:],
    "slice_stop": lambda m, a: a[:, :2],
    "slice_step": lambda m, a: a[:, ::2],
    "slice_start_step": lambda m, a: a[..., 1::2],
    "slice_negative_bounds": lambda m, a: a[:, -2:],
    "slice_negative_start_stop": lambda m, a: a[-2:-1, 0:-1],
    "slice_out_of_range_clamped": lambda m, a: a[:, 1:100],
    "slice_empty": lambda m, a: a[:, 2:1],
    "ellipsis": lambda m, a: a[..., 0],
    "ellipsis_middle": lambda m, a: a[0, ..., 1],
    "ellipsis_alone": lambda m, a: a[...],
    "none": lambda m, a: a[None],
    "none_middle": lambda m, a: a[:, None, 1],
    "none_end": lambda m, a: a[..., None],
    "mixed": lambda m, a: a[1, 1:3, ::3],
    "full_slice": lambda m, a: a[:],
    "int_then_slice": lambda m, a: a[0][1:][::2],
}


@pytest.mark.parametrize("name", list(BASIC))
def test_basic_indexing(name, dtype):
    check(BASIC[name], (2, 3, 4), dtype=dtype)


@pytest.mark.parametrize("name", ["int", "slice_step", "ellipsis", "none_middle", "mixed"])
def test_basic_indexing_non_contiguous(name, dtype):
    check(BASIC[name], (2, 3, 4), dtype=dtype, non_contiguous=True)


def test_index_1d_and_0d_results(dtype):
    f, _ = check(lambda m, a: a[2], (5,), dtype=dtype)
    assert tuple(f[0].shape) == ()
    check(lambda m, a: a[1::3], (7,), dtype=dtype)
    check(lambda m, a: a[None, None], (), dtype=dtype)
    check(lambda m, a: a[...], (), dtype=dtype)


ADVANCED = {
    "list": lambda m, a: a[[0, 2]],
    "list_repeated": lambda m, a: a[[1, 1, 0, 1]],
    "tensor": lambda m, a: a[m.tensor([2, 0])],
    "tensor_repeated": lambda m, a: a[m.tensor([0, 0, 0])],
    "tensor_negative": lambda m, a: a[m.tensor([-1, 0])],
    "tensor_2d": lambda m, a: a[m.tensor([[0, 1], [2, 2]])],
    "second_dim": lambda m, a: a[:, [3, 0, 3]],
    "second_dim_tensor": lambda m, a: a[:, m.tensor([1, 1])],
    "two_lists": lambda m, a: a[[0, 2, 2], [1, 0, 1]],
    "two_tensors_broadcast": lambda m, a: a[m.tensor([[0], [2]]), m.tensor([1, 3])],
    "list_and_int": lambda m, a: a[[0, 2], 1],
    "list_then_slice": lambda m, a: a[[2, 0], 1:],
    "slice_then_list": lambda m, a: a[1:, [0, 0, 2]],
    "ellipsis_list": lambda m, a: a[..., [0, 0]],
}


@pytest.mark.parametrize("name", list(ADVANCED))
def test_advanced_indexing(name, dtype):
    check(ADVANCED[name], (3, 4), dtype=dtype)


def test_advanced_indexing_separated_by_slice(dtype):
    # advanced indices separated by a slice move to the front (numpy rule)
    check(lambda m, a: a[[0, 1], :, [2, 0]], (2, 3, 4), dtype=dtype)
    check(lambda m, a: a[:, [0, 2], [1, 1]], (2, 3, 4), dtype=dtype)


def test_advanced_indexing_non_contiguous(dtype):
    check(ADVANCED["list_repeated"], (3, 4), dtype=dtype, non_contiguous=True)
    check(ADVANCED["second_dim"], (3, 4), dtype=dtype, non_contiguous=True)


def test_repeated_indices_accumulate_gradient(dtype):
    check(lambda m, a: a[[0, 0, 1, 0]], (3,), dtype=dtype, weights=False)
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=getattr(fg, dtype))
    x[[0, 0, 1, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 0.0]


MASKS = {
    "full_mask": lambda m, a: a[a > 0],
    "row_mask": lambda m, a: a[m.tensor([True, False, True])],
    "row_mask_then_slice": lambda m, a: a[m.tensor([False, True, True]), 1:],
    "column_mask": lambda m, a: a[:, m.tensor([True, False, False, True])],
    "all_false": lambda m, a: a[a > 100],
    "all_true": lambda m, a: a[a > -100],
}


@pytest.mark.parametrize("name", list(MASKS))
def test_boolean_mask(name, dtype):
    check(MASKS[name], (3, 4), dtype=dtype)


def test_boolean_mask_non_contiguous(dtype):
    check(MASKS["full_mask"], (3, 4), dtype=dtype, non_contiguous=True)


def test_index_int_and_bool_tensors():
    x = np.arange(12, dtype=np.int64).reshape(3, 4)
    check(lambda m, a: a[1, ::2], x, grad=False)
    check(lambda m, a: a[[2, 0]], x, grad=False)
    check(lambda m, a: a[a > 4], x, grad=False)
    check(lambda m, a: (a > 4)[:, 1:], x, grad=False)


def test_basic_index_is_a_view():
    x = fg.zeros(3, 4)
    row = x[1]
    row.add_(1.0)
    col = x[:, 2]
    col.mul_(3.0)
    stepped = x[::2, ::3]
    stepped.add_(10.0)
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[1] += 1
    expected[:, 2] *= 3
    expected[::2, ::3] += 10
    np.testing.assert_array_equal(to_numpy(x), expected)


def test_advanced_index_is_a_copy():
    x = fg.zeros(3, 4)
    y = x[[0, 1]]
    y.add_(1.0)
    z = x[x == 0]
    z.add_(1.0)
    assert to_numpy(x).sum() == 0.0


# ---------------------------------------------------------------------------------------------
# __setitem__
# ---------------------------------------------------------------------------------------------

SETITEM = {
    "int_scalar": lambda m, x: x.__setitem__(1, 5.0),
    "int_int_scalar": lambda m, x: x.__setitem__((0, 2), -1.0),
    "slice_scalar": lambda m, x: x.__setitem__((slice(None), slice(None, None, 2)), 0.0),
    "row_tensor": lambda m, x: x.__setitem__(0, m.tensor([1.0, 2.0, 3.0, 4.0])),
    "broadcast_tensor": lambda m, x: x.__setitem__(slice(1, None), m.tensor([9.0, 8.0, 7.0, 6.0])),
    "column_tensor": lambda m, x: x.__setitem__((slice(None), 1), m.tensor([1.0, 2.0, 3.0])),
    "ellipsis": lambda m, x: x.__setitem__((Ellipsis, -1), 3.0),
    "mask_scalar": lambda m, x: x.__setitem__(x > 0, 0.0),
    "mask_tensor": lambda m, x: x.__setitem__(x < 0, m.tensor(-9.0)),
    "list_scalar": lambda m, x: x.__setitem__([0, 2], 1.5),
    "tensor_index_values": lambda m, x: x.__setitem__(m.tensor([2, 0]), m.tensor([[1.0] * 4, [2.0] * 4])),
    "int_value": lambda m, x: x.__setitem__(1, 7),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_values(name):
    def run(m):
        x = m.tensor(np.random.default_rng(0).uniform(-1, 1, (3, 4)).astype(np.float32).tolist())
        SETITEM[name](m, x)
        return x

    f, t = run_both(run)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


def test_setitem_int_tensor():
    def run(m):
        x = m.zeros(2, 3, dtype=m.int64)
        x[0] = 5
        x[1, ::2] = m.tensor([7, 8])
        return x

    f, t = run_both(run)
    assert f.dtype == fg.int64
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


@pytest.mark.parametrize(
    "name", ["int_scalar", "slice_scalar", "column_tensor", "mask_scalar", "list_scalar", "broadcast_tensor"]
)
def test_setitem_gradient_to_base(name, dtype):
    # y = a * 2; y[idx] = value; gradient of a is zero where overwritten
    def fn(m, a):
        y = a * 2
        SETITEM[name](m, y)
        return y

    check(fn, (3, 4), dtype=dtype)


def test_setitem_gradient_to_value(dtype):
    def fn(m, a, v):
        y = a * 1.0
        y[1:, ::2] = v * 3
        return y.exp()

    check(fn, (3, 4), (2,), dtype=dtype)

    def fn2(m, a, v):
        y = a.clone()
        y[[0, 2]] = v
        return y

    check(fn2, (3, 4), (2, 4), dtype=dtype)


def test_setitem_on_view_propagates_to_base_gradient(dtype):
    def fn(m, a, v):
        y = a * 1.0
        row = y[1]
        row[::2] = v
        return y * a

    check(fn, (3, 4), (2,), dtype=dtype)


def test_setitem_into_plain_tensor_from_grad_tensor(dtype):
    # writing a requires-grad value into a tensor that does not require grad makes it require grad
    def fn(m, v):
        y = m.zeros(2, 3, dtype=getattr(m, dtype), device=v.device)
        y[0] = v
        return y

    f, _ = check(fn, (3,), dtype=dtype)
    assert not f[0].is_leaf


@pytest.mark.parametrize(
    "name, index",
    [
        ("middle", lambda m, a, i: a[:, i]),
        ("last", lambda m, a, i: a[:, :, i]),
        ("middle_then_slice", lambda m, a, i: a[:, i, 1:]),
        ("two_adjacent", lambda m, a, i: a[:, i, i]),
    ],
)
def test_advanced_index_away_from_the_front_is_contiguous_and_views_as_torch(name, index, dtype):
    # x[:, :, idx] was gathered with the index's dims first and permuted into place, so its
    # strides were not torch's and a view of it failed (found by the differential fuzzer)
    got = []
    for m in (fg, torch):
        a = m.tensor(np.arange(24.0).reshape(2, 3, 4), dtype=m.float64, requires_grad=True)
        r = index(m, a, m.tensor([[0, 2], [1, 1]]))
        got.append((tuple(r.shape), r.stride(), r.is_contiguous(), r.grad_fn.name()))
    assert got[0] == got[1]
    check(lambda m, a: index(m, a, m.tensor([[0, 2], [1, 1]])).view(-1, 2), (2, 3, 4), dtype=dtype)
