"""ferrograd.nn losses (functional and module forms) against torch: values and gradients of the
input (and of the target where torch differentiates it), every reduction, and error types."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import Arg, assert_raises_like_torch, check
from test_nn_functional import assert_raises_like_torch_hostile, assert_same_result_as_torch

pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]


def F(m):
    return m.nn.functional


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses(name, reduction, dtype):
    check(lambda m, a, b: getattr(F(m), name)(a, b, reduction=reduction), (3, 4), (3, 4), dtype=dtype)


@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"])
def test_regression_loss_modules(cls, dtype):
    check(lambda m, a, b: getattr(m.nn, cls)()(a, b), (5,), (5,), dtype=dtype)
    check(lambda m, a, b: getattr(m.nn, cls)(reduction="sum")(a, b), (2, 3), (2, 3), dtype=dtype)


def test_smooth_l1_beta_and_huber_delta(dtype):
    check(lambda m, a, b: F(m).smooth_l1_loss(a, b, beta=0.5), (4, 3), (4, 3), dtype=dtype)
    check(lambda m, a, b: F(m).huber_loss(a, b, delta=0.7), (4, 3), (4, 3), dtype=dtype)


def test_bad_reduction():
    assert_raises_like_torch(lambda m: F(m).mse_loss(m.ones(2), m.ones(2), reduction="avg"))
    assert_raises_like_torch(lambda m: m.nn.CrossEntropyLoss(reduction="x")(m.ones(2, 3), m.tensor([0, 1])))


T2 = np.array([0, 2, 1, 2, 0], dtype=np.int64)
T_IGN = np.array([0, -100, 1, 2, -100], dtype=np.int64)
T_IGN1 = np.array([0, 1, 1, 2, 1], dtype=np.int64)
WEIGHT = np.array([0.2, 1.0, 3.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("target", [T2, T_IGN])
def test_nll_loss(target, reduction, dtype):
    check(
        lambda m, x, t: F(m).nll_loss(x.log_softmax(1), t, reduction=reduction),
        (5, 3),
        Arg(target),
        dtype=dtype,
    )
    check(
        lambda m, x, t, w: F(m).nll_loss(x.log_softmax(1), t, w, reduction=reduction),
        (5, 3),
        Arg(target),
        Arg(WEIGHT, requires_grad=False),
        dtype=dtype,
    )


def test_nll_loss_ignore_index_and_module(dtype):
    check(lambda m, x, t: m.nn.NLLLoss(ignore_index=1)(x, t), (5, 3), Arg(T_IGN1), dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("target", [T2, T_IGN])
def test_cross_entropy(target, smoothing, reduction, dtype):
    check(
        lambda m, x, t: F(m).cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        (5, 3),
        Arg(target),
        dtype=dtype,
    )
    check(
        lambda m, x, t, w: m.nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=smoothing)(
            x, t
        ),
        (5, 3),
        Arg(target),
        Arg(WEIGHT, requires_grad=False),
        dtype=dtype,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_k_dims(reduction, dtype):
    t = np.random.default_rng(1).integers(0, 4, size=(2, 3, 5)).astype(np.int64)
    t[0, 0, 0] = -100
    check(lambda m, x, t: F(m).cross_entropy(x, t, reduction=reduction), (2, 4, 3, 5), Arg(t), dtype=dtype)
    check(
        lambda m, x, t: F(m).cross_entropy(x, t, reduction=reduction, label_smoothing=0.2),
        (2, 4, 3, 5),
        Arg(t),
        dtype=dtype,
    )


def test_cross_entropy_unbatched(dtype):
    check(lambda m, x, t: F(m).cross_entropy(x, t), (4,), Arg(np.array(2, dtype=np.int64)), dtype=dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_probabilities(smoothing, reduction, dtype):
    p = np.random.default_rng(2).dirichlet(np.ones(3), size=4)
    check(
        lambda m, x, t: F(m).cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing),
        (4, 3),
        Arg(p),
        dtype=dtype,
    )
    check(
        lambda m, x, t, w: F(m).cross_entropy(x, t, w, reduction=reduction),
        (4, 3),
        Arg(p, requires_grad=False),
        Arg(WEIGHT, requires_grad=False),
        dtype=dtype,
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: F(m).cross_entropy(m.ones(3, 4), m.tensor([0, 1])),  # batch mismatch
        lambda m: F(m).cross_entropy(m.ones(3, 4), m.tensor([0, 1, 4])),  # class out of range
        lambda m: F(m).nll_loss(m.ones(3, 4), m.ones(3)),  # float target for nll
        lambda m: F(m).cross_entropy(m.ones(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)),  # bad weight
    ],
)
def test_class_loss_errors(fn):
    assert_raises_like_torch(fn)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction, dtype):
    check(
        lambda m, x, t: F(m).binary_cross_entropy(x, t, reduction=reduction),
        (4, 3),
        Arg(np.random.default_rng(3).uniform(0, 1, (4, 3))),
        dtype=dtype,
        low=0.05,
        high=0.95,
    )
    check(
        lambda m, x, t, w: m.nn.BCELoss(weight=w, reduction=reduction)(x, t),
        (4, 3),
        Arg(np.random.default_rng(3).uniform(0, 1, (4, 3)), requires_grad=False),
        Arg(np.linspace(0.5, 2, 3), requires_grad=False),
        dtype=dtype,
        low=0.05,
        high=0.95,
    )


def test_bce_errors():
    assert_raises_like_torch(lambda m: F(m).binary_cross_entropy(m.full((2,), 1.5), m.ones(2)))
    assert_raises_like_torch(lambda m: F(m).binary_cross_entropy(m.full((2,), 0.5), m.ones(3)))
    assert_raises_like_torch(lambda m: F(m).binary_cross_entropy_with_logits(m.ones(2), m.ones(3)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction, dtype):
    tgt = Arg(np.random.default_rng(4).uniform(0, 1, (4, 3)))
    check(
        lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction=reduction),
        (4, 3),
        tgt,
        dtype=dtype,
        low=-8,
        high=8,
    )
    check(
        lambda m, x, t, w, pw: m.nn.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction=reduction)(x, t),
        (4, 3),
        tgt,
        Arg(np.linspace(0.5, 2, 3), requires_grad=False),
        Arg(np.array([1.0, 2.0, 0.5]), requires_grad=False),
        dtype=dtype,
    )


def test_bce_with_logits_extreme_is_finite():
    x = fg.tensor([-200.0, 200.0, 0.0], requires_grad=True)
    loss = fg.nn.functional.binary_cross_entropy_with_logits(x, fg.tensor([1.0, 0.0, 1.0]))
    loss.backward()
    assert np.isfinite(float(loss)) and np.all(np.isfinite(x.grad.numpy()))


def test_loss_module_reprs():
    assert repr(fg.nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert fg.nn.CrossEntropyLoss().reduction == "mean"
    assert fg.nn.MSELoss(reduction="sum").reduction == "sum"


# ---- hostile arguments: torch's exception type, or torch's result ----------------------------------


def _x(m):
    return m.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])


def _p(m, dtype=None):
    return m.tensor([[0.2, 0.4, 0.6], [0.8, 1.0, 0.1]], dtype=dtype)


def _idx(m):
    return m.tensor([0, 1])


def _ints(m):
    return m.tensor([[1, 2, 3], [4, 5, 6]])


def _bools(m):
    return m.tensor([[True, False, True], [False, False, True]])


HOSTILE_RAISES = {
    # class losses: batch sizes first (ValueError), then ranks and dtypes (RuntimeError)
    "nll_float_target_wrong_batch": lambda m: F(m).nll_loss(_x(m), m.ones(3)),
    "nll_0d_target": lambda m: F(m).nll_loss(_x(m), m.tensor(1.0)),
    "nll_1d_input_long_target": lambda m: F(m).nll_loss(m.ones(3), _idx(m)),
    "nll_2d_target": lambda m: F(m).nll_loss(_x(m), m.zeros(2, 1, dtype=m.int64)),
    "nll_long_input": lambda m: F(m).nll_loss(_ints(m), _idx(m)),
    "nll_weight_dtype": lambda m: F(m).nll_loss(_x(m), _idx(m), weight=m.ones(3, dtype=m.float64)),
    "nll_str_weight": lambda m: F(m).nll_loss(_x(m), _idx(m), "stray"),
    "nll_float_ignore_index": lambda m: F(m).nll_loss(_x(m), _idx(m), ignore_index=1.5),
    "cross_entropy_float_target_other_batch": lambda m: F(m).cross_entropy(m.ones(4, 3), _p(m)),
    "cross_entropy_1d_input": lambda m: F(m).cross_entropy(m.ones(3), _idx(m)),
    "cross_entropy_vec_target": lambda m: F(m).cross_entropy(_x(m), m.ones(3)),
    "cross_entropy_bool_input": lambda m: F(m).cross_entropy(_bools(m), _idx(m)),
    "cross_entropy_long_probabilities": lambda m: F(m).cross_entropy(_x(m), _ints(m)),
    "cross_entropy_str_weight": lambda m: F(m).cross_entropy(_x(m), _idx(m), "stray"),
    "cross_entropy_tensor_smoothing": lambda m: F(m).cross_entropy(_x(m), _idx(m), label_smoothing=m.ones(3)),
    "cross_entropy_smoothing_above_1": lambda m: F(m).cross_entropy(_x(m), _idx(m), label_smoothing=1.5),
    "cross_entropy_probs_weight_shape": lambda m: F(m).cross_entropy(_x(m), _p(m), weight=m.ones(2)),
    # binary cross-entropy: same dtypes, values in [0, 1] (NaN is not)
    "bce_bool_input": lambda m: F(m).binary_cross_entropy(_bools(m), _p(m)),
    "bce_double_target": lambda m: F(m).binary_cross_entropy(_p(m), _p(m, m.float64)),
    "bce_target_out_of_range": lambda m: F(m).binary_cross_entropy(_p(m), _x(m)),
    "bce_nan_target": lambda m: F(m).binary_cross_entropy(_p(m), m.full((2, 3), float("nan"))),
    "bce_nan_input": lambda m: F(m).binary_cross_entropy(m.full((2, 3), float("nan")), _p(m)),
    "bce_logits_long_input": lambda m: F(m).binary_cross_entropy_with_logits(_ints(m), _p(m)),
    "bce_logits_long_target": lambda m: F(m).binary_cross_entropy_with_logits(_x(m), _ints(m)),
    "bce_logits_bool_target": lambda m: F(m).binary_cross_entropy_with_logits(_x(m), _bools(m)),
    # regression losses
    "huber_long_input": lambda m: F(m).huber_loss(_ints(m), _x(m)),
    "huber_bool_input": lambda m: F(m).huber_loss(_bools(m), _x(m)),
    "huber_tensor_delta": lambda m: F(m).huber_loss(_x(m), _x(m), delta=m.ones(3)),
    "huber_nan_delta": lambda m: F(m).huber_loss(_x(m), _x(m), delta=float("nan")),
    "smooth_l1_nan_beta": lambda m: F(m).smooth_l1_loss(_x(m), _x(m), beta=float("nan")),
    "smooth_l1_tensor_beta": lambda m: F(m).smooth_l1_loss(_x(m), _x(m), beta=m.ones(3)),
    "mse_two_longs": lambda m: F(m).mse_loss(_ints(m), _ints(m)),
    "l1_bool_input": lambda m: F(m).l1_loss(_bools(m), _x(m)),
    # binary cross-entropies: weights are tensors, and not differentiated
    "bce_int_weight": lambda m: F(m).binary_cross_entropy(_p(m), _p(m), weight=3),
    "bce_grad_weight": lambda m: F(m).binary_cross_entropy(
        _p(m), _p(m), weight=m.ones(3, requires_grad=True)
    ),
    "bce_logits_str_pos_weight": lambda m: F(m).binary_cross_entropy_with_logits(
        _x(m), _p(m), pos_weight="a"
    ),
    "bce_logits_grad_weight": lambda m: F(m).binary_cross_entropy_with_logits(
        _x(m), _p(m), weight=m.ones(3, requires_grad=True)
    ),
    "bce_logits_grad_pos_weight": lambda m: F(m).binary_cross_entropy_with_logits(
        _x(m), _p(m), pos_weight=m.ones(3, requires_grad=True)
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_RAISES))
def test_hostile_loss_arguments_raise_like_torch(name):
    assert_raises_like_torch_hostile(HOSTILE_RAISES[name])


HOSTILE_RESULTS = {
    # the result's dtype: huber's is the input's, bce_with_logits' the target's
    "huber_double_target": lambda m: F(m).huber_loss(_x(m), _x(m).double() * 2),
    "huber_bool_target": lambda m: F(m).huber_loss(_x(m), _bools(m)),
    "bce_logits_double_input": lambda m: F(m).binary_cross_entropy_with_logits(_x(m).double(), _p(m)),
    "bce_logits_double_target": lambda m: F(m).binary_cross_entropy_with_logits(_x(m), _p(m, m.float64)),
    # mse and smooth_l1 take a bool or integer operand beside a float one
    "mse_bool_input": lambda m: F(m).mse_loss(_bools(m), _x(m)),
    "mse_long_target": lambda m: F(m).mse_loss(_x(m), _ints(m)),
    "smooth_l1_bool_target": lambda m: F(m).smooth_l1_loss(_x(m), _bools(m)),
    "smooth_l1_zero_beta": lambda m: F(m).smooth_l1_loss(_x(m), _x(m) * 2, beta=0.0),
    # label smoothing applies only when positive (negative and NaN are none)
    "cross_entropy_negative_smoothing": lambda m: F(m).cross_entropy(_x(m), _idx(m), label_smoothing=-99),
    "cross_entropy_nan_smoothing": lambda m: F(m).cross_entropy(_x(m), _idx(m), label_smoothing=float("nan")),
    "cross_entropy_0d_smoothing": lambda m: F(m).cross_entropy(
        _x(m), _idx(m), label_smoothing=m.tensor(0.25)
    ),
    "cross_entropy_probs_double_target": lambda m: F(m).cross_entropy(_x(m), _p(m, m.float64)),
    # an unbatched input with a one-element target is one sample
    "nll_1d_input_one_target": lambda m: F(m).nll_loss(
        m.tensor([0.1, 0.2, 0.7]), m.tensor([1]), reduction="none"
    ),
    "cross_entropy_1d_input_smoothed": lambda m: F(m).cross_entropy(
        m.tensor([0.1, 0.2, 0.7]), m.tensor(2), label_smoothing=0.2, reduction="none"
    ),
    "nll_0d_int_ignore_index": lambda m: F(m).nll_loss(_x(m), _idx(m), ignore_index=m.tensor(1)),
    "bce_double_weight": lambda m: F(m).binary_cross_entropy(_p(m), _p(m), weight=m.ones(3, dtype=m.float64)),
    "bce_logits_double_weights": lambda m: F(m).binary_cross_entropy_with_logits(
        _x(m), _p(m), weight=m.ones(3, dtype=m.float64), pos_weight=m.full((3,), 2.0, dtype=m.float64)
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_RESULTS))
def test_hostile_loss_arguments_give_torch_result(name):
    assert_same_result_as_torch(HOSTILE_RESULTS[name])
