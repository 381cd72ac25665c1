"""Errors (src/error.rs, bindings): ferrograd raises the builtin exception type torch raises, with a
message that names the problem, and a failed call leaves its inputs unchanged."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, to_numpy

pytest.importorskip("torch")

# name -> (fn(m), regex the ferrograd message must match or None)
RUNTIME_ERRORS = {
    "add_shape_mismatch": (lambda m: m.ones(2, 3) + m.ones(4), r"3.*4|4.*3"),
    "mul_shape_mismatch": (lambda m: m.ones(2, 3) * m.ones(2, 2), r"3.*2|2.*3"),
    "maximum_shape_mismatch": (lambda m: m.maximum(m.ones(3), m.ones(4)), r"3.*4|4.*3"),
    "where_shape_mismatch": (lambda m: m.where(m.ones(3) > 0, m.ones(3), m.ones(4)), r"3.*4|4.*3"),
    "matmul_2d_mismatch": (lambda m: m.ones(2, 3) @ m.ones(4, 5), r"3.*4|4.*3"),
    "matmul_1d_mismatch": (lambda m: m.ones(3) @ m.ones(4), r"3.*4|4.*3"),
    "matmul_vec_mat_mismatch": (lambda m: m.ones(3) @ m.ones(2, 3), r"3.*2|2.*3"),
    "matmul_batch_mismatch": (lambda m: m.ones(2, 2, 3) @ m.ones(3, 3, 4), r"2.*3|3.*2"),
    "view_incompatible_size": (lambda m: m.ones(2, 3).view(4), r"6|4"),
    "reshape_incompatible_size": (lambda m: m.ones(2, 3).reshape(5, -1), r"6|5"),
    "view_two_inferred": (lambda m: m.ones(2, 3).view(-1, -1), None),
    "view_non_contiguous": (lambda m: m.ones(2, 3).t().view(-1), None),
    "expand_incompatible": (lambda m: m.ones(3).expand(4), r"3.*4|4.*3"),
    "expand_fewer_dims": (lambda m: m.ones(2, 3).expand(3), None),
    "permute_wrong_length": (lambda m: m.ones(2, 3).permute(0), None),
    "permute_repeated_dim": (lambda m: m.ones(2, 3).permute(0, 0), None),
    "t_of_3d": (lambda m: m.ones(2, 3, 4).t(), None),
    "cat_shape_mismatch": (lambda m: m.cat([m.ones(2, 3), m.ones(3, 3)], 1), None),
    "cat_rank_mismatch": (lambda m: m.cat([m.ones(2, 3), m.ones(3)]), None),
    "stack_shape_mismatch": (lambda m: m.stack([m.ones(2), m.ones(3)]), None),
    "stack_empty": (lambda m: m.stack([]), None),
    "sum_repeated_dim": (lambda m: m.ones(2, 3).sum((0, 0)), None),
    "clamp_no_bounds": (lambda m: m.ones(3).clamp(), None),
    "item_many_elements": (lambda m: m.ones(3).item(), r"3"),
    "int_requires_grad": (lambda m: m.tensor([1, 2], requires_grad=True), r"(?i)float"),
    "int_requires_grad_": (lambda m: m.tensor([1, 2]).requires_grad_(), r"(?i)float"),
    "int_zeros_requires_grad": (lambda m: m.zeros(2, dtype=m.int64, requires_grad=True), r"(?i)float"),
    "bool_requires_grad": (lambda m: m.tensor([True], requires_grad=True), r"(?i)float"),
    "numpy_requires_grad": (lambda m: m.ones(2, requires_grad=True).numpy(), r"(?i)detach|grad"),
    "inplace_broadcast_target_too_small": (lambda m: m.ones(3).add_(m.ones(2, 3)), None),
    "inplace_int_from_float": (lambda m: m.ones(3, dtype=m.int64).add_(1.5), None),
}


@pytest.mark.parametrize("name", list(RUNTIME_ERRORS))
def test_runtime_errors(name):
    fn, match = RUNTIME_ERRORS[name]
    f_exc, _ = assert_raises_like_torch(fn, match=match)
    assert isinstance(f_exc, RuntimeError)
    assert str(f_exc)


def test_mean_of_int_raises():
    # torch raises NotImplementedError (a RuntimeError subclass); any RuntimeError is fine
    assert_raises_like_torch(lambda m: m.tensor([1, 2]).mean(), expected=RuntimeError)


# ---------------------------------------------------------------------------------------------
# autograd errors
# ---------------------------------------------------------------------------------------------


def test_non_scalar_backward_without_gradient():
    def run(m):
        x = m.tensor([0.0, 2.0, 8.0], requires_grad=True)
        y = m.tensor([5.0, 1.0, 7.0], requires_grad=True)
        (x * y).backward()

    assert_raises_like_torch(run, match="grad can be implicitly created only for scalar outputs")


def test_second_backward_through_freed_graph():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward()
        y.backward()

    assert_raises_like_torch(run, match="(?i)second time|freed|retain_graph")


def test_inplace_on_leaf_requiring_grad():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x += 1

    assert_raises_like_torch(run, match="(?i)leaf|in-?place")


def test_backward_gradient_wrong_shape():
    def run(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * 2).backward(m.ones(2))

    assert_raises_like_torch(run, match=r"2.*3|3.*2")


def test_backward_on_tensor_without_grad():
    assert_raises_like_torch(lambda m: m.ones(2).sum().backward(), match="(?i)grad")


def test_set_requires_grad_false_on_non_leaf():
    def run(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        y.requires_grad = False

    assert_raises_like_torch(run, match="(?i)leaf")


def test_modified_saved_tensor():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        b = a * a
        a.mul_(2)
        b.sum().backward()

    assert_raises_like_torch(run, match="(?i)in-?place|modified|version")


# ---------------------------------------------------------------------------------------------
# IndexError
# ---------------------------------------------------------------------------------------------

INDEX_ERRORS = {
    "int_out_of_range": lambda m: m.ones(3)[3],
    "negative_out_of_range": lambda m: m.ones(3)[-4],
    "second_index_out_of_range": lambda m: m.ones(2, 3)[0, 5],
    "too_many_indices": lambda m: m.ones(2, 3)[0, 0, 0],
    "index_tensor_out_of_range": lambda m: m.ones(3)[m.tensor([0, 5])],
    "index_list_out_of_range": lambda m: m.ones(3)[[1, -4]],
    "mask_shape_mismatch": lambda m: m.ones(2, 3)[m.ones(3) > 0],
    "float_index": lambda m: m.ones(3)[1.5],
    "setitem_out_of_range": lambda m: m.ones(3).__setitem__(3, 1.0),
    "0d_index": lambda m: m.tensor(1.0)[0],
    "sum_dim": lambda m: m.ones(2, 3).sum(2),
    "sum_negative_dim": lambda m: m.ones(2, 3).sum(-3),
    "sum_tuple_dim": lambda m: m.ones(2, 3).sum((0, 2)),
    "mean_dim": lambda m: m.ones(2, 3).mean(5),
    "prod_dim": lambda m: m.ones(2, 3).prod(2),
    "var_dim": lambda m: m.ones(2, 3).var(5),
    "std_dim": lambda m: m.ones(2, 3).std(-3),
    "max_dim": lambda m: m.ones(2, 3).max(5),
    "min_dim": lambda m: m.ones(2, 3).min(2),
    "amax_dim": lambda m: m.ones(2, 3).amax(5),
    "argmax_dim": lambda m: m.ones(2, 3).argmax(5),
    "logsumexp_dim": lambda m: m.ones(2, 3).logsumexp(3),
    "softmax_dim": lambda m: m.softmax(m.ones(2, 3), 2),
    "log_softmax_dim": lambda m: m.ones(2, 3).log_softmax(-3),
    "transpose_dim": lambda m: m.ones(3).transpose(0, 5),
    "unsqueeze_dim": lambda m: m.ones(2, 3).unsqueeze(4),
    "squeeze_dim": lambda m: m.ones(2, 3).squeeze(5),
    "flatten_dim": lambda m: m.ones(2, 3).flatten(5),
    "permute_dim": lambda m: m.ones(2, 3).permute(0, 2),
    "size_dim": lambda m: m.ones(2, 3).size(5),
    "cat_dim": lambda m: m.cat([m.ones(2, 3), m.ones(2, 3)], 2),
    "stack_dim": lambda m: m.stack([m.ones(2, 3), m.ones(2, 3)], 3),
}


@pytest.mark.parametrize("name", list(INDEX_ERRORS))
def test_index_errors(name):
    f_exc, _ = assert_raises_like_torch(INDEX_ERRORS[name])
    assert isinstance(f_exc, IndexError)


def test_dim_out_of_range_message_names_range():
    f_exc, _ = assert_raises_like_torch(lambda m: m.ones(2, 3).sum(2), match=r"-2.*1|range")
    assert "2" in str(f_exc)


def test_index_out_of_range_message():
    assert_raises_like_torch(lambda m: m.ones(3)[5], match=r"5")


# ---------------------------------------------------------------------------------------------
# TypeError / ValueError
# ---------------------------------------------------------------------------------------------

TYPE_ERRORS = {
    "exp_str": lambda m: m.exp("a"),
    "log_list_of_str": lambda m: m.log(["a"]),
    "add_str": lambda m: m.ones(3) + "a",
    "radd_str": lambda m: "a" + m.ones(3),
    "mul_none": lambda m: m.ones(3) * None,
    "matmul_int": lambda m: m.ones(3) @ 2,
    "tensor_str": lambda m: m.tensor("abc"),
    "zeros_str": lambda m: m.zeros("a"),
    "zeros_float_size": lambda m: m.zeros(2.5),
    "sum_dim_str": lambda m: m.ones(2, 3).sum(dim="a"),
    "reshape_str": lambda m: m.ones(2, 3).reshape("a"),
    "max_tuple_dim": lambda m: m.ones(3).max(dim=(0,)),
    "cat_tensor": lambda m: m.cat(m.ones(3)),
    "stack_of_lists": lambda m: m.stack([[1.0], [2.0]]),
    "where_non_tensor_cond": lambda m: m.where("a", m.ones(2), m.ones(2)),
    "len_0d": lambda m: len(m.tensor(1.0)),
    "iter_0d": lambda m: iter(m.tensor(1.0)),
    "index_str": lambda m: m.ones(3)["a"],
    "clamp_str": lambda m: m.ones(3).clamp(min="a"),
}


@pytest.mark.parametrize("name", list(TYPE_ERRORS))
def test_type_errors(name):
    f_exc, _ = assert_raises_like_torch(TYPE_ERRORS[name])
    assert isinstance(f_exc, TypeError)


VALUE_ERRORS = {
    "ragged": lambda m: m.tensor([[1, 2], [3]]),
    "negative_step": lambda m: m.ones(3)[::-1],
    "cat_empty": lambda m: m.cat([]),
}


@pytest.mark.parametrize("name", list(VALUE_ERRORS))
def test_value_errors(name):
    assert_raises_like_torch(VALUE_ERRORS[name])


# ---------------------------------------------------------------------------------------------
# a failed call leaves its inputs unchanged
# ---------------------------------------------------------------------------------------------


def _snapshot(*ts):
    return [(tuple(t.shape), t.dtype, to_numpy(t).copy(), t.requires_grad) for t in ts]


def _assert_unchanged(before, *ts):
    after = _snapshot(*ts)
    for (s0, d0, v0, r0), (s1, d1, v1, r1) in zip(before, after):
        assert s0 == s1 and d0 == d1 and r0 == r1
        np.testing.assert_array_equal(v0, v1)


def test_failed_inplace_add_leaves_target_unchanged():
    a = fg.tensor([[1.0, 2.0, 3.0]])
    b = fg.ones(4)
    before = _snapshot(a, b)
    with pytest.raises(RuntimeError):
        a += b
    with pytest.raises(RuntimeError):
        a.mul_(fg.ones(2, 2))
    with pytest.raises(RuntimeError):
        a.add_(fg.ones(5, 3))  # broadcast would need a larger target
    _assert_unchanged(before, a, b)


def test_failed_inplace_dtype_leaves_target_unchanged():
    a = fg.tensor([1, 2, 3])
    before = _snapshot(a)
    with pytest.raises(RuntimeError):
        a.add_(1.5)
    _assert_unchanged(before, a)


def test_failed_setitem_leaves_target_unchanged():
    a = fg.tensor([[1.0, 2.0], [3.0, 4.0]])
    before = _snapshot(a)
    with pytest.raises(IndexError):
        a[5] = 0.0
    with pytest.raises(IndexError):
        a[[0, 7]] = 0.0  # (torch itself writes row 0 before failing here; ferrograd must not)
    with pytest.raises(RuntimeError):
        a[0] = fg.ones(3)
    _assert_unchanged(before, a)


def test_failed_binary_ops_leave_inputs_unchanged():
    a = fg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = fg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    before = _snapshot(a, b)
    for fn in (
        lambda: a + b,
        lambda: a @ b,
        lambda: fg.cat([a, b]),
        lambda: a.view(4),
        lambda: fg.maximum(a, b),
    ):
        with pytest.raises(RuntimeError):
            fn()
    _assert_unchanged(before, a, b)
    assert a.grad is None and b.grad is None and a.is_leaf and b.is_leaf


def test_failed_backward_leaves_grads_unchanged():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError):
        y.backward()
    assert x.grad is None
    with pytest.raises(RuntimeError):
        y.backward(fg.ones(2))
    assert x.grad is None
    # the graph is still usable after the failed calls
    y.backward(fg.ones(3))
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_failed_backward_after_version_error_leaves_grad_none():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    b = a * a
    a.mul_(2)
    with pytest.raises(RuntimeError):
        b.sum().backward()
    assert x.grad is None


def test_failed_requires_grad_leaves_tensor_unchanged():
    a = fg.tensor([1, 2])
    with pytest.raises(RuntimeError):
        a.requires_grad_()
    assert not a.requires_grad
    with pytest.raises(RuntimeError):
        a.requires_grad = True
    assert not a.requires_grad
