"""Elementwise unary ops (src/ops/unary.rs): exp, log, sqrt, sin, cos, tanh, sigmoid, relu, abs, neg,
clamp. Forward and backward against torch, as functions and methods, contiguous or not."""

import numpy as np
import pytest
from helpers import check

pytest.importorskip("torch")

# name -> (low, high) of the random inputs
UNARY = {
    "exp": (-2.0, 2.0),
    "log": (0.1, 3.0),
    "sqrt": (0.1, 3.0),
    "sin": (-3.0, 3.0),
    "cos": (-3.0, 3.0),
    "tanh": (-2.0, 2.0),
    "sigmoid": (-4.0, 4.0),
    "relu": (-2.0, 2.0),
    "abs": (-2.0, 2.0),
    "neg": (-2.0, 2.0),
}

SHAPES = [(), (5,), (2, 3), (2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_function(name, shape, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a), shape, dtype=dtype, low=low, high=high)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_method(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(a, name)(), (3, 4), dtype=dtype, low=low, high=high)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_non_contiguous(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a), (3, 4), dtype=dtype, low=low, high=high, non_contiguous=True)
    check(lambda m, a: getattr(a, name)(), (6,), dtype=dtype, low=low, high=high, non_contiguous=True)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_on_sliced_view(name, dtype):
    low, high = UNARY[name]
    check(lambda m, a: getattr(m, name)(a[1:, ::2]), (3, 5), dtype=dtype, low=low, high=high)


def test_unary_chain(dtype):
    check(lambda m, a: m.sigmoid(m.tanh(a).exp()).log().sqrt(), (3, 4), dtype=dtype)


def test_relu_abs_at_zero(dtype):
    # torch: relu'(0) = 0, abs'(0) = sign(0) = 0
    x = np.array([-1.0, 0.0, 1.0, 0.0])
    check(lambda m, a: m.relu(a), x, dtype=dtype)
    check(lambda m, a: m.abs(a), x, dtype=dtype)


def test_special_values(dtype):
    x = np.array([0.0, -1.0, np.inf, -np.inf, 1.0])
    for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs"]:
        check(lambda m, a, name=name: getattr(m, name)(a), x, dtype=dtype, grad=False)


def test_exp_overflow_float32():
    check(lambda m, a: m.exp(a), np.array([100.0, -200.0, 88.0]), dtype="float32", grad=False)


def test_sigmoid_extreme_inputs(dtype):
    check(lambda m, a: m.sigmoid(a), np.array([-100.0, -30.0, 30.0, 100.0]), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# clamp
# ---------------------------------------------------------------------------------------------

CLAMP = {
    "min_only_kw": lambda m, a: m.clamp(a, min=-0.5),
    "max_only_kw": lambda m, a: m.clamp(a, max=0.3),
    "both_kw": lambda m, a: m.clamp(a, min=-0.5, max=0.3),
    "both_positional": lambda m, a: m.clamp(a, -0.5, 0.3),
    "method_min": lambda m, a: a.clamp(min=0.0),
    "method_max": lambda m, a: a.clamp(max=-0.1),
    "method_both": lambda m, a: a.clamp(-1, 1),
    "int_bounds": lambda m, a: a.clamp(min=-1, max=1),
}


@pytest.mark.parametrize("name", list(CLAMP))
def test_clamp(name, dtype):
    check(CLAMP[name], (3, 4), dtype=dtype)


@pytest.mark.parametrize("name", ["both_kw", "method_min"])
def test_clamp_non_contiguous(name, dtype):
    check(CLAMP[name], (3, 4), dtype=dtype, non_contiguous=True)


def test_clamp_at_boundaries(dtype):
    # exactly at a bound torch (2.x) gives a zero gradient; compare with it
    x = np.array([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0])
    check(lambda m, a: a.clamp(-0.5, 0.5), x, dtype=dtype)
    check(lambda m, a: a.clamp(min=-0.5), x, dtype=dtype)
    check(lambda m, a: a.clamp(max=0.5), x, dtype=dtype)


def test_clamp_min_greater_than_max(dtype):
    # torch: the result is max everywhere
    check(lambda m, a: a.clamp(min=1.0, max=-1.0), (5,), dtype=dtype)


# ---------------------------------------------------------------------------------------------
# integer inputs: float ops promote to float32; abs/neg/relu/clamp keep int64
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_int_input_promotes_to_float32(name):
    check(lambda m, a: getattr(m, name)(a), np.array([1, 2, 3], dtype=np.int64), grad=False)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: m.abs(a),
        lambda m, a: m.neg(a),
        lambda m, a: m.relu(a),
        lambda m, a: -a,
        lambda m, a: a.clamp(min=-1, max=2),
    ],
)
def test_int_input_stays_int64(fn):
    check(fn, np.array([-3, -1, 0, 2, 5], dtype=np.int64), grad=False)
