"""Regressions for Python-layer bugs found by the hostile-input sweep (test_hostile_inputs.py):
each call must raise the exception type torch raises, and a failed call must not touch its inputs."""

import ferrograd as fg
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
