"""nn.init against torch: argument types and values (torch's Tensor.normal_/uniform_/fill_ parsing).

The samples themselves differ (ferrograd has its own generator), so valid calls are compared by
shape, dtype and the distribution's bounds only.
"""

from __future__ import annotations

import math

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch

torch = pytest.importorskip("torch")

NOT_FLOAT = {
    "T_4x3": lambda m: m.ones(4, 3),
    "T_vec3": lambda m: m.ones(3),
    "T_empty": lambda m: m.ones(0, 3),
    "T_bool": lambda m: m.ones(2, 3, dtype=m.bool),
    "T_grad0d": lambda m: m.tensor(1.0, requires_grad=True),
    "str": lambda m: "abc",
    "None": lambda m: None,
    "list": lambda m: [1.0],
}


@pytest.mark.parametrize("value", NOT_FLOAT, ids=str)
@pytest.mark.parametrize(
    "call",
    [
        lambda m, v: m.nn.init.normal_(m.zeros(2, 3), v, 1.0),
        lambda m, v: m.nn.init.normal_(m.zeros(2, 3), 0.0, v),
        lambda m, v: m.nn.init.uniform_(m.zeros(2, 3), v, 1.0),
        lambda m, v: m.nn.init.uniform_(m.zeros(2, 3), -1.0, v),
    ],
    ids=["normal_mean", "normal_std", "uniform_a", "uniform_b"],
)
def test_float_parameters_refuse_tensors_and_non_numbers(call, value):
    assert_raises_like_torch(lambda m: call(m, NOT_FLOAT[value](m)), match="must be float")


def test_xavier_normal_gain_tensor_is_refused():
    assert_raises_like_torch(lambda m: m.nn.init.xavier_normal_(m.zeros(2, 3), gain=m.ones(4, 3)))
    assert_raises_like_torch(lambda m: m.nn.init.xavier_normal_(m.zeros(2, 3), gain=m.ones(2, 3)))


@pytest.mark.parametrize("std", [-1.0, -99, float("nan"), -(2**62)], ids=repr)
def test_normal_refuses_negative_or_nan_std(std):
    assert_raises_like_torch(lambda m: m.nn.init.normal_(m.zeros(2, 3), 0.0, std), match="std >= 0")


@pytest.mark.parametrize("gain", [-1.0, -99, float("nan")], ids=repr)
def test_xavier_normal_negative_gain_is_a_negative_std(gain):
    assert_raises_like_torch(lambda m: m.nn.init.xavier_normal_(m.zeros(2, 3), gain=gain), match="std")


@pytest.mark.parametrize(
    "a,b",
    [(1.0, 0.0), (float("nan"), 1.0), (0.0, float("inf")), (-float("inf"), 0.0), (0.0, 1e300), (-3e38, 3e38)],
    ids=repr,
)
def test_uniform_bounds_as_torch(a, b):
    assert_raises_like_torch(lambda m: m.nn.init.uniform_(m.zeros(2, 3), a, b))


def test_uniform_bounds_follow_the_dtype():
    # 1e300 is out of float32's range but within float64's
    t = fg.nn.init.uniform_(fg.zeros(3, dtype=fg.float64), 0.0, 1e300)
    assert t.dtype == fg.float64 and (t.numpy() >= 0).all()


@pytest.mark.parametrize("gen", ["stray", 1, object()], ids=["str", "int", "object"])
def test_generator_must_be_a_generator(gen):
    assert_raises_like_torch(lambda m: m.nn.init.normal_(m.zeros(2, 3), 0.0, 2.0, gen), match="generator")
    assert_raises_like_torch(lambda m: m.nn.init.uniform_(m.zeros(2, 3), generator=gen), match="generator")


def test_the_global_generator_is_accepted():
    g = fg.manual_seed(0)
    a = fg.nn.init.normal_(fg.zeros(4), generator=g).numpy()
    fg.manual_seed(0)
    b = fg.nn.init.normal_(fg.zeros(4)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "value", [lambda m: m.ones(4, 3), lambda m: m.ones(3), lambda m: m.zeros(0, 3), lambda m: m.zeros(0)]
)
def test_constant_refuses_tensors_of_several_dimensions(value):
    assert_raises_like_torch(lambda m: m.nn.init.constant_(m.zeros(2, 3), value(m)), match="0-dimension")


@pytest.mark.parametrize("value", [lambda m: m.tensor(2.5), lambda m: m.tensor(3), True, 0.5], ids=str)
def test_constant_takes_numbers_and_0d_tensors(value):
    out = {}
    for m in (fg, torch):
        v = value(m) if callable(value) else value
        out[m] = m.nn.init.constant_(m.zeros(2, 3), v).numpy()
    np.testing.assert_array_equal(out[fg], out[torch])


@pytest.mark.parametrize(
    "call",
    [
        lambda m, v: m.nn.init.normal_(m.zeros(200), v, 0.0),
        lambda m, v: m.nn.init.uniform_(m.zeros(200), v, v + 0.5),
    ],
)
@pytest.mark.parametrize("value", [True, 2, lambda m: m.tensor(1.5), lambda m: m.tensor(1)], ids=str)
def test_float_parameters_take_numbers_bools_and_0d_tensors(call, value):
    v = value(fg) if callable(value) else value
    out = call(fg, v).numpy()
    lo = float(v.item() if isinstance(v, fg.Tensor) else v)
    assert out.min() >= lo and out.max() <= lo + 0.5
    call(torch, value(torch) if callable(value) else value)  # and torch takes it too


def test_kaiming_and_xavier_valid_calls_keep_their_bounds():
    w = fg.nn.init.kaiming_uniform_(fg.zeros(50, 20), a=math.sqrt(5))
    bound = math.sqrt(6.0 / ((1 + 5) * 20))
    assert w.shape == (50, 20) and abs(w.numpy()).max() <= bound
    w = fg.nn.init.xavier_uniform_(fg.zeros(50, 20), gain=2.0)
    assert abs(w.numpy()).max() <= 2.0 * math.sqrt(6.0 / 70)
