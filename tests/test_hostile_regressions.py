"""Regressions for Python-layer bugs found by the hostile-input sweep (test_hostile_inputs.py):
each call must raise the exception type torch raises, and a failed call must not touch its inputs."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, to_numpy

pytest.importorskip("torch")


def _x(m):
    return m.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])


# nn.functional with a non-tensor where a tensor is expected: TypeError, not AttributeError
# (and not a silent result, as dropout and linear's bias gave).
NON_TENSOR_INPUT = {
    "relu": lambda m: m.nn.functional.relu(3),
    "sigmoid": lambda m: m.nn.functional.sigmoid(None),
    "tanh": lambda m: m.nn.functional.tanh("abc"),
    "silu": lambda m: m.nn.functional.silu(1.5),
    "elu": lambda m: m.nn.functional.elu(True),
    "leaky_relu": lambda m: m.nn.functional.leaky_relu([1.0]),
    "softplus": lambda m: m.nn.functional.softplus(0),
    "gelu": lambda m: m.nn.functional.gelu(2),
    "dropout": lambda m: m.nn.functional.dropout("abc", 0.5, training=False),
    "pad": lambda m: m.nn.functional.pad(None, (1, 1)),
    "max_pool2d": lambda m: m.nn.functional.max_pool2d(0, 2),
    "avg_pool2d": lambda m: m.nn.functional.avg_pool2d(None, 2),
    "adaptive_avg_pool2d": lambda m: m.nn.functional.adaptive_avg_pool2d(1.5, 2),
    "unfold": lambda m: m.nn.functional.unfold("abc", 2),
    "one_hot": lambda m: m.nn.functional.one_hot([1, 2], 3),
    "layer_norm": lambda m: m.nn.functional.layer_norm(None, (3,)),
    "batch_norm": lambda m: m.nn.functional.batch_norm(2**40, None, None, training=True),
    "linear_bias": lambda m: m.nn.functional.linear(_x(m), m.ones(4, 3), -99),
    "layer_norm_weight": lambda m: m.nn.functional.layer_norm(_x(m), (3,), -(2**62)),
    "batch_norm_running_mean": lambda m: m.nn.functional.batch_norm(_x(m), 1.5, m.ones(3)),
    "softmax": lambda m: m.nn.functional.softmax(None, 1),
    "relu_module": lambda m: m.nn.ReLU()(2**40),
    "tanh_module": lambda m: m.nn.Tanh()(-99),
    "layer_norm_module": lambda m: m.nn.LayerNorm(3)(None),
}


@pytest.mark.parametrize("name", list(NON_TENSOR_INPUT))
def test_functional_rejects_non_tensor(name):
    # torch's Python wrappers (sigmoid, tanh, the losses) fail by accident with an AttributeError
    # when they call a method of the argument: a TypeError is what its argument parser gives.
    assert_raises_like_torch(NON_TENSOR_INPUT[name], expected=TypeError)


# Wrongly typed scalar arguments: TypeError as torch's argument parser gives.
BAD_ARGUMENTS = {
    "leaky_relu_slope_tensor": lambda m: m.nn.functional.leaky_relu(_x(m), m.ones(3)),
    "elu_alpha_tensor": lambda m: m.nn.functional.elu(_x(m), alpha=m.ones(2, 3)),
    "softplus_beta_tensor": lambda m: m.nn.functional.softplus(_x(m), beta=m.ones(2)),
    "gelu_approximate_none": lambda m: m.nn.functional.gelu(_x(m), approximate=None),
    "gelu_approximate_tensor": lambda m: m.nn.functional.gelu(_x(m), approximate=m.ones(3)),
    "dropout_training_str": lambda m: m.nn.functional.dropout(_x(m), 0.5, training="abc"),
    "dropout_training_list": lambda m: m.nn.functional.dropout(_x(m), 0.5, training=[1, 2]),
    "layer_norm_shape_tensor": lambda m: m.nn.functional.layer_norm(_x(m), m.ones(3, dtype=m.int64)),
    "layer_norm_shape_str": lambda m: m.nn.LayerNorm("abc")(_x(m)),
    "batch_norm_training_none": lambda m: m.nn.functional.batch_norm(_x(m), None, None, training=None),
    "set_grad_enabled_str": lambda m: m.set_grad_enabled("abc"),
    "set_grad_enabled_none": lambda m: m.set_grad_enabled(None),
}


@pytest.mark.parametrize("name", list(BAD_ARGUMENTS))
def test_bad_argument_types(name):
    f_exc, _ = assert_raises_like_torch(BAD_ARGUMENTS[name])
    assert isinstance(f_exc, TypeError)
    assert fg.is_grad_enabled()


def test_set_grad_enabled_bad_value_keeps_mode():
    with pytest.raises(TypeError):
        fg.set_grad_enabled(0)
    assert fg.is_grad_enabled()


# Values torch validates (RuntimeError / ValueError).
BAD_VALUES = {
    "huber_delta_negative": lambda m: m.nn.functional.huber_loss(_x(m), _x(m), delta=-1.0),
    "huber_delta_nan": lambda m: m.nn.functional.huber_loss(_x(m), _x(m), delta=float("nan")),
    "batch_norm_running_var_size": lambda m: m.nn.functional.batch_norm(_x(m), m.zeros(3), m.zeros(0, 3)),
    "adaptive_pool_negative": lambda m: m.nn.functional.adaptive_avg_pool2d(m.ones(1, 2, 4, 4), (2, -2)),
    "adaptive_pool_empty_size": lambda m: m.nn.functional.adaptive_avg_pool2d(m.ones(1, 2, 4, 4), ()),
    "grad_empty_inputs": lambda m: m.autograd.grad((m.ones(2, requires_grad=True) * 2).sum(), []),
    "sgd_lr_tensor": lambda m: m.optim.SGD([m.zeros(3, requires_grad=True)], lr=m.ones(2, 3)),
    "adam_lr_tensor": lambda m: m.optim.Adam([m.zeros(3, requires_grad=True)], lr=m.ones(3)),
    "adamw_lr_tensor": lambda m: m.optim.AdamW([m.zeros(3, requires_grad=True)], lr=m.ones(3)),
    "rmsprop_lr_tensor": lambda m: m.optim.RMSprop([m.zeros(3, requires_grad=True)], lr=m.ones(3)),
}


@pytest.mark.parametrize("name", list(BAD_VALUES))
def test_bad_values(name):
    assert_raises_like_torch(BAD_VALUES[name])


@pytest.mark.parametrize("size", [2**40, 2**62, (2**40, 2)])
def test_adaptive_pool_huge_output_fails_fast(size):
    # used to loop over every output element (hours) before failing
    assert_raises_like_torch(lambda m: m.nn.functional.adaptive_avg_pool2d(m.ones(1, 2, 4, 4), size))


def test_batch_norm_size_error_leaves_running_stats():
    # training mode updated running_mean in place before failing on running_var's size
    rm, rv = fg.zeros(3), fg.zeros(0, 3)
    with pytest.raises(RuntimeError):
        fg.nn.functional.batch_norm(_x(fg), rm, rv, training=True)
    assert to_numpy(rm).tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# Tensor methods and torch.* functions: torch's argument parser (bindings/convert.rs).
# ---------------------------------------------------------------------------------------------


def _i(m):
    return m.tensor([[1, -2, 3], [0, 5, -1]])


def _b(m):
    return m.tensor([[True, False, True], [False, False, True]])


# A bool where an int is expected, a tensor where a Number is expected, an explicit None where
# the argument may only be left out: torch's TypeError.
PARSER_TYPE_ERRORS = {
    "softmax_dim_bool": lambda m: _x(m).softmax(True),
    "log_softmax_dim_bool": lambda m: m.log_softmax(_x(m), True),
    "argmax_dim_bool": lambda m: m.argmax(_x(m), True),
    "transpose_dim_bool": lambda m: _x(m).transpose(True, 0),
    "swapaxes_dim_bool": lambda m: _x(m).swapaxes(0, True),
    "unsqueeze_dim_bool": lambda m: _x(m).unsqueeze(True),
    "flatten_dim_bool": lambda m: _x(m).flatten(True),
    "select_index_bool": lambda m: _x(m).select(0, True),
    "narrow_start_bool": lambda m: _x(m).narrow(1, True, 1),
    "size_dim_bool": lambda m: _x(m).size(True),
    "stride_dim_bool": lambda m: _x(m).stride(True),
    "cat_dim_bool": lambda m: m.cat([_x(m), _x(m)], True),
    "stack_dim_bool": lambda m: m.stack([_x(m), _x(m)], dim=True),
    "eye_n_bool": lambda m: m.eye(True),
    "eye_m_none": lambda m: m.eye(2, None),
    "randint_high_bool": lambda m: m.randint(True, (3,)),
    "randint_size_int": lambda m: m.randint(0, 5, 3),
    "full_size_int": lambda m: m.full(3, 1.0),
    "full_fill_tensor": lambda m: m.full((2,), m.ones(2)),
    "full_like_fill_tensor": lambda m: m.full_like(_x(m), m.ones(2, 3)),
    "linspace_steps_bool": lambda m: m.linspace(0.0, 1.0, True),
    "arange_end_none": lambda m: m.arange(1, None),
    "arange_step_none": lambda m: m.arange(0, 5, None),
    "max_dim_none": lambda m: _x(m).max(None),
    "max_dim_bool": lambda m: _x(m).max(True),
    "min_tensor_with_keepdim": lambda m: m.min(_x(m), m.ones(2, 3), keepdim=True),
    "prod_dim_none": lambda m: _x(m).prod(None),
    "prod_dim_bool": lambda m: m.prod(_x(m), True),
    "squeeze_dim_none": lambda m: _x(m).squeeze(None),
    "logsumexp_dim_none": lambda m: _x(m).logsumexp(None),
    "var_correction_tensor": lambda m: _x(m).var(1, correction=m.ones(2)),
    "var_unbiased_with_correction": lambda m: _x(m).var(True, correction=0),
    "add_alpha_none": lambda m: _x(m).add(_x(m), alpha=None),
    "sub_alpha_none": lambda m: _x(m).sub_(_x(m), alpha=None),
    "clamp_tensor_and_number": lambda m: m.clamp(_x(m), min=m.zeros(2, 3), max=1.0),
    "clamp__tensor_and_number": lambda m: _x(m).clamp_(m.zeros(3), 1.0),
    "clamp_str": lambda m: _x(m).clamp("abc"),
    "masked_fill_tuple": lambda m: _x(m).masked_fill(_b(m), (1, 2)),
    "setitem_list": lambda m: _x(m).__setitem__(0, [1.0, 2.0]),
    "setitem_tuple": lambda m: _x(m).__setitem__(0, (1.0, 2.0, 3.0)),
    "clone_positional": lambda m: _x(m).clone("abc"),
    "contiguous_positional": lambda m: _x(m).contiguous("abc"),
    "add_tuple_input": lambda m: m.add((), _x(m)),
    "sub_list_input": lambda m: m.sub([1, 2], _x(m)),
    "div_tuple_input": lambda m: m.div((2, -2), _x(m)),
    "reshape_fn_varargs": lambda m: m.reshape(_x(m), 3, 2),
    "reshape_fn_int": lambda m: m.reshape(_x(m), 6),
    "permute_fn_varargs": lambda m: m.permute(_x(m), 1, 0),
    "min_keepdim_int": lambda m: _x(m).min(0, keepdim=1),
    "zeros_bool_first_size": lambda m: m.zeros(True),
    "empty_bool_first_in_tuple": lambda m: m.empty((True, 2)),
    "reshape_bool_first_in_tuple": lambda m: _x(m).reshape((True, 6)),
    "view_bool_first_size": lambda m: _x(m).view(True, 6),
    "backward_inputs_int": lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward(inputs=3),
    "clamp_min_none": lambda m: _x(m).clamp_min(None),
    "getitem_str_list": lambda m: _x(m)[["a", "b"]],
    "tensor_none_with_dtype": lambda m: m.tensor(None, dtype=m.float32),
    "new_tensor_object": lambda m: _x(m).new_tensor(object()),
    "alpha_grad_0d_tensor": lambda m: _x(m).add(1, alpha=m.tensor(2.0, requires_grad=True)),
}


@pytest.mark.parametrize("name", list(PARSER_TYPE_ERRORS))
def test_argument_parser_type_errors(name):
    assert_raises_like_torch(PARSER_TYPE_ERRORS[name], expected=TypeError)


# Errors torch raises past its parser: RuntimeError (NotImplementedError counts), IndexError,
# ValueError, OverflowError.
OP_ERRORS = {
    "narrow_0d": (lambda m: m.tensor(1.0).narrow(0, 0, 1), RuntimeError),
    "narrow_negative_length": (lambda m: _x(m).narrow(1, 0, -1), RuntimeError),
    "narrow_past_end": (lambda m: m.narrow(_x(m), 1, 0, 99), RuntimeError),
    "narrow_negative_start_past_end": (lambda m: _x(m).narrow(1, -1, 2), RuntimeError),
    "narrow_start_vector": (lambda m: _x(m).narrow(1, m.tensor([0]), 1), RuntimeError),
    "narrow_start_float_0d": (lambda m: _x(m).narrow(1, m.tensor(0.0), 1), RuntimeError),
    "squeeze_repeated_dim": (lambda m: _x(m).unsqueeze(0).squeeze((0, 0)), RuntimeError),
    "squeeze_repeated_negative_dim": (lambda m: m.ones(1, 1).squeeze((0, -2)), RuntimeError),
    "flatten_0d_dim_1": (lambda m: m.flatten(m.tensor(1.0), 1), IndexError),
    "abs_bool": (lambda m: m.abs(_b(m)), RuntimeError),
    "argmax_bool": (lambda m: _b(m).argmax(), RuntimeError),
    "argmin_bool": (lambda m: m.argmin(_b(m)), RuntimeError),
    "softmax_int": (lambda m: _i(m).softmax(1), RuntimeError),
    "log_softmax_bool": (lambda m: m.log_softmax(_b(m), 1), RuntimeError),
    "sub_bool_tensor": (lambda m: _x(m) - _b(m), RuntimeError),
    "sub_python_true": (lambda m: _x(m).sub(True), RuntimeError),
    "rsub_python_true": (lambda m: True - _x(m), RuntimeError),
    "isub_bool": (lambda m: _x(m).__isub__(_b(m)), RuntimeError),
    "sub__bool": (lambda m: _x(m).sub_(True), RuntimeError),
    "add_bool_alpha": (lambda m: m.add(_x(m), 1, alpha=True), RuntimeError),
    "clamp__int_by_float": (lambda m: _i(m).clamp_(0.5, 1.5), RuntimeError),
    "clamp_bool_by_bool": (lambda m: _b(m).clamp(True, True), RuntimeError),
    "clamp_min_mismatched_tensor": (lambda m: _x(m).clamp_min(m.ones(4, 3)), RuntimeError),
    "fill_vector": (lambda m: _x(m).fill_(m.ones(3)), RuntimeError),
    "masked_fill_vector": (lambda m: _x(m).masked_fill(_b(m), m.ones(3)), RuntimeError),
    "linspace_vector_start": (lambda m: m.linspace(m.ones(3), 1.0, 5), RuntimeError),
    "arange_step_inf": (lambda m: m.arange(0.0, 5.0, float("inf")), RuntimeError),
    "arange_step_nan": (lambda m: m.arange(0.0, 5.0, float("nan")), RuntimeError),
    "tensor_of_none": (lambda m: m.tensor(None), RuntimeError),
    "tensor_of_object": (lambda m: m.tensor(object()), RuntimeError),
    "tensor_of_strlist": (lambda m: m.tensor(["a", "b"]), ValueError),
    "mT_of_1d": (lambda m: m.ones(3).mT, RuntimeError),
    "getitem_object": (lambda m: _x(m)[object()], IndexError),
    "getitem_dtype": (lambda m: _x(m)[m.float64], IndexError),
    "backward_inputs_not_tensors": (
        lambda m: (_x(m).requires_grad_() * 2).sum().backward(inputs=[1]),
        RuntimeError,
    ),
    "setitem_mask_other_dtype": (lambda m: _x(m).__setitem__(_b(m), m.ones(3, dtype=m.int64)), RuntimeError),
    "view_as_dtype": (lambda m: _x(m).view(m.float64), RuntimeError),
    "to_dtype_then_device_string": (lambda m: _x(m).to(m.float64, "abc"), TypeError),
    "backward_inputs_empty": (
        lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward(inputs=()),
        RuntimeError,
    ),
    "backward_gradient_empty_tuple": (
        lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward(()),
        RuntimeError,
    ),
    "backward_gradient_list_of_ints": (
        lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward([1, 2]),
        TypeError,
    ),
    "softmax_int_bad_dim_is_index_error": (lambda m: m.tensor([1, 2]).softmax(1), IndexError),
    "pos_bool": (lambda m: +_b(m), RuntimeError),
    "set_requires_grad_non_leaf": (
        lambda m: setattr(m.ones(2, requires_grad=True) * 2, "requires_grad", True),
        RuntimeError,
    ),
    "backward_retain_graph_negative": (
        lambda m: (m.ones(2, requires_grad=True) * 2).sum().backward(retain_graph=-1),
        OverflowError,
    ),
}


@pytest.mark.parametrize("name", list(OP_ERRORS))
def test_op_errors_match_torch(name):
    fn, expected = OP_ERRORS[name]
    assert_raises_like_torch(fn, expected=expected)


def _same_result(fn):
    import torch

    got, want = fn(fg), fn(torch)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    assert got.requires_grad == want.requires_grad
    np.testing.assert_allclose(to_numpy(got).astype(float), to_numpy(want).astype(float), equal_nan=True)


# Calls torch accepts: same dtype, shape, values and requires_grad.
RESULTS = {
    "clamp_int_by_float": lambda m: m.clamp(_i(m), -1.5, 1.5),
    "clamp_bool_by_float": lambda m: m.clamp(_b(m), -1.0, 0.5),
    "clamp_bool_by_int": lambda m: m.clamp(_b(m), 0, 1),
    "clamp_min_int_by_float": lambda m: _i(m).clamp_min(0.5),
    "clamp_nan_min": lambda m: _x(m).clamp(min=float("nan")),
    "clamp_nan_max": lambda m: m.clamp(_x(m), -1.0, float("nan")),
    "clamp_tensor_bounds": lambda m: m.clamp(_x(m), m.zeros(3), m.ones(2, 3)),
    "clamp_tensor_min_promotes": lambda m: _x(m).clamp(m.zeros(2, 3, dtype=m.float64)),
    "clamp_0d_tensor_bound_does_not_promote": lambda m: _x(m).clamp(m.tensor(0.0, dtype=m.float64)),
    "clamp_int_by_0d_float_tensor": lambda m: _i(m).clamp(m.tensor(2), m.tensor(4.0)),
    "clip_tensor_min": lambda m: m.clip(_x(m), min=m.zeros(3)),
    "clamp_min_tensor": lambda m: _x(m).clamp_min(m.zeros(3)),
    "clamp_max_bool_tensor": lambda m: _x(m).clamp_max(_b(m)),
    "clamp_grad_tensor": lambda m: _x(m).clamp(m.zeros(2, 3, requires_grad=True)),
    "sign_bool": lambda m: _b(m).sign(),
    "square_bool": lambda m: m.square(_b(m)),
    "softmax_int_with_dtype": lambda m: _i(m).softmax(1, dtype=m.float64),
    "copy_number": lambda m: _x(m).copy_(2.5),
    "copy_bool": lambda m: _x(m).copy_(True),
    "fill_0d_tensor": lambda m: _x(m).fill_(m.tensor(2.0)),
    "masked_fill_0d_tensor": lambda m: _x(m).masked_fill(_b(m), m.tensor(2.0)),
    "full_like_0d_tensor": lambda m: m.full_like(_x(m), m.tensor(2.0)),
    "linspace_0d_tensor": lambda m: m.linspace(m.tensor(0.0), 1.0, 5),
    "narrow_0d_int_start": lambda m: m.narrow(_x(m), 1, m.tensor(1), 2),
    "narrow_negative_start": lambda m: _x(m).narrow(1, -1, 1),
    "view_bool_size": lambda m: _x(m).view(6, True),
    "view_bool_size_in_tuple": lambda m: _x(m).view((6, True)),
    "full_bool_size_in_tuple": lambda m: m.full((2, True), 1.0),
    "rand_bool_size_shape": lambda m: m.zeros(2, True),
    "new_ones_bool_size": lambda m: _x(m).new_ones(2, True),
    "mul_two_ints": lambda m: m.mul(0, 2),
    "sub_two_floats": lambda m: m.sub(2.0, 99),
    "sub_float_int_tensor": lambda m: m.sub(2.0, _i(m)),
    "mul_bool_number": lambda m: m.mul(True, 3),
    "add_bool_alpha_bool": lambda m: m.add(_b(m), True, alpha=True),
    "mT_of_0d": lambda m: m.tensor(3.0).mT,
    "reshape_fn_tuple": lambda m: m.reshape(_x(m), (3, -1)),
    "permute_fn_list": lambda m: m.permute(_x(m), [1, 0]),
    "max_other_tensor": lambda m: _x(m).max(m.zeros(3)),
    "var_bool_unbiased": lambda m: _x(m).var(False),
    "add_int_true_alpha_int": lambda m: m.add(_i(m), True, alpha=2),
    "alpha_0d_tensor": lambda m: _x(m).sub(1.0, alpha=m.tensor(2.0)),
    "full_0d_tensor": lambda m: m.full((2,), m.tensor(1.5)),
    "arange_0d_tensor": lambda m: m.arange(m.tensor(5)),
    "clamp_0d_tensor_with_number": lambda m: m.clamp(_x(m), min=m.tensor(0.0), max=1.0),
    "var_correction_0d_tensor": lambda m: _x(m).var(1, correction=m.tensor(0)),
    "setitem_mask_0d_other_dtype": lambda m: _setitem(_x(m), _b(m), m.tensor(7)),
    "setitem_basic_other_dtype": lambda m: _setitem(_x(m), 0, m.tensor([1, 2, 3])),
}


def _setitem(x, index, value):
    x[index] = value
    return x


@pytest.mark.parametrize("name", list(RESULTS))
def test_results_match_torch(name):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation warning for mT of a 0-d tensor
        _same_result(RESULTS[name])


def test_clamp_with_tensor_bounds_has_gradients():
    import torch

    grads = []
    for m in (fg, torch):
        x = m.tensor([[-2.0, 0.5, 3.0]], requires_grad=True)
        lo = m.tensor([-1.0, -1.0, -1.0], requires_grad=True)
        hi = m.tensor([[1.0], [2.0]], requires_grad=True)
        m.clamp(x, lo, hi).sum().backward()
        grads.append([to_numpy(t.grad) for t in (x, lo, hi)])
    for g, w in zip(*grads):
        np.testing.assert_allclose(g, w)


def test_backward_takes_gradient_as_a_one_element_sequence():
    import torch

    grads = []
    for m in (fg, torch):
        x = m.ones(2, requires_grad=True)
        (x * 3).backward((m.tensor([1.0, 2.0]),))
        grads.append(to_numpy(x.grad))
    np.testing.assert_allclose(grads[0], grads[1])


def test_failed_clamp_and_narrow_leave_inputs_unchanged():
    x = _x(fg)
    before = x.tolist()
    with pytest.raises(RuntimeError):
        fg.tensor([[1, 2]]).clamp_(0.5, 1.5)
    with pytest.raises(TypeError):
        x.clamp_(fg.zeros(3), 1.0)
    with pytest.raises(RuntimeError):
        x.narrow(1, 0, -1)
    assert x.tolist() == before
