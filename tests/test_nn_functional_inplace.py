"""``inplace=True`` activations and dropout (nn.functional and the nn modules) against torch, on
inputs that are not leaves: the result is the input itself, versions move as torch's do, and values,
gradients (first and second order) and forward-mode tangents agree, also on views and on wgpu.

Regression: ``F.leaky_relu(x, inplace=True)`` saved ``x`` for backward and then overwrote it, so any
backward through it failed with "modified by an inplace operation"."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, check, to_numpy

torch = pytest.importorskip("torch")


def F(m):
    return m.nn.functional


INPLACE = {
    "relu": lambda m, x: F(m).relu(x, inplace=True),
    "leaky_relu": lambda m, x: F(m).leaky_relu(x, inplace=True),
    "leaky_relu_0.2": lambda m, x: F(m).leaky_relu(x, 0.2, True),
    "leaky_relu_0": lambda m, x: F(m).leaky_relu(x, negative_slope=0.0, inplace=True),
    "elu": lambda m, x: F(m).elu(x, inplace=True),
    "elu_0.5": lambda m, x: F(m).elu(x, 0.5, True),
    "silu": lambda m, x: F(m).silu(x, inplace=True),
    "dropout_eval": lambda m, x: F(m).dropout(x, 0.5, training=False, inplace=True),
    "dropout_p0": lambda m, x: F(m).dropout(x, 0.0, inplace=True),
    "dropout_p1": lambda m, x: F(m).dropout(x, 1.0, inplace=True),
    "ReLU": lambda m, x: m.nn.ReLU(inplace=True)(x),
    "LeakyReLU": lambda m, x: m.nn.LeakyReLU(0.1, inplace=True)(x),
    "ELU": lambda m, x: m.nn.ELU(0.5, inplace=True)(x),
    "SiLU": lambda m, x: m.nn.SiLU(inplace=True)(x),
    "Dropout_p1": lambda m, x: m.nn.Dropout(1.0, inplace=True)(x),
}
# the cases that write to their input (dropout that keeps everything returns it untouched)
WRITES = sorted(set(INPLACE) - {"dropout_eval", "dropout_p0"})

# zeros of both signs and the points where the slopes change
VALUES = [-3.0, -1.0, -0.25, -0.0, 0.0, 0.25, 1.0, 3.0]
WEIGHTS = [0.5, -1.0, 2.0, 1.5, -0.5, 1.0, 3.0, -2.0]
TANGENT = [1.0, -2.0, 0.5, 1.0, 1.0, -1.0, 2.0, 0.25]


def _leaf(m, values=VALUES):
    return m.tensor(values, dtype=m.float64, requires_grad=True)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_values_and_gradients(name, dtype):
    check(lambda m, a: INPLACE[name](m, a * 2), (3, 5), dtype=dtype, low=-3, high=3)


@pytest.mark.parametrize("name", sorted(INPLACE))
@pytest.mark.parametrize("region", ["rows", "columns"])
def test_on_a_view_of_a_non_leaf(name, region, dtype):
    # the write goes through the view into its base (torch's CopySlices); the base is returned,
    # so the gradient through both the written and the untouched elements is compared
    def fn(m, a):
        x = a * 2
        INPLACE[name](m, x[1:] if region == "rows" else x[:, 1:])
        return x

    check(fn, (4, 3), dtype=dtype, low=-3, high=3)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_at_zero_and_the_slope_changes(name):
    got = []
    for m in (fg, torch):
        a = _leaf(m)
        y = INPLACE[name](m, a * 2)
        (y * m.tensor(WEIGHTS, dtype=m.float64)).sum().backward()
        got.append((to_numpy(y), to_numpy(a.grad)))
    # EluBackward1 computes from the result (g * (y + alpha)), EluBackward0 from the input
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_the_result_is_the_input_and_its_version_moves_as_torchs(name):
    got = []
    for m in (fg, torch):
        x = _leaf(m) * 2
        y = INPLACE[name](m, x)
        got.append((y is x, x._version, y.requires_grad, x.is_leaf))
    assert got[0] == got[1]


# torch records these as in-place ops of their own: LeakyReluBackward1 and EluBackward1 (saving the
# result, which is the input's memory), SiluBackward0 (saving a copy of the input). ferrograd has no
# in-place kernel for them and records copy_ of the out-of-place op (torch::autograd::CopyBackwards
# over LeakyReluBackward0 / EluBackward0 / SiluBackward0): the same values and gradients, other names.
NAMES_DIFFER = {n for n in INPLACE if n.startswith(("leaky_relu", "elu", "silu", "LeakyReLU", "ELU", "SiLU"))}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            marks=pytest.mark.xfail(
                strict=True, reason="needs in-place leaky_relu_/elu_/silu_ ops in the Rust core"
            ),
        )
        if n in NAMES_DIFFER
        else n
        for n in sorted(INPLACE)
    ],
)
def test_grad_fn_names_match_torch(name):
    names = [INPLACE[name](m, _leaf(m) * 2).grad_fn.name() for m in (fg, torch)]
    assert names[0] == names[1]


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_second_derivatives(name):
    got = []
    for m in (fg, torch):
        a = _leaf(m, [-1.5, -0.5, 0.5, 1.5])
        y = INPLACE[name](m, a * 2) * m.tensor([0.5, -1.0, 2.0, 3.0], dtype=m.float64)
        (g,) = m.autograd.grad(y.sum(), a, create_graph=True)
        gg = None
        if g.requires_grad:
            (gg,) = m.autograd.grad((g * g).sum(), a, allow_unused=True, materialize_grads=True)
            gg = to_numpy(gg)
        got.append((to_numpy(g), g.requires_grad, gg))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-14, atol=0)
    assert got[0][1] == got[1][1]
    if got[1][2] is not None:
        np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_forward_mode_tangents(name):
    got = []
    for m in (fg, torch):
        fwad = m.autograd.forward_ad
        with fwad.dual_level():
            x = fwad.make_dual(m.tensor(VALUES, dtype=m.float64), m.tensor(TANGENT, dtype=m.float64)) * 1
            y = INPLACE[name](m, x)
            got.append((to_numpy(y), to_numpy(fwad.unpack_dual(y).tangent)))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", WRITES)
def test_a_leaf_requiring_grad_is_refused_and_left_unchanged(name):
    assert_raises_like_torch(lambda m: INPLACE[name](m, _leaf(m)), match="a leaf Variable that requires grad")
    a = _leaf(fg)
    with pytest.raises(RuntimeError):
        INPLACE[name](fg, a)
    assert a.tolist() == VALUES and a._version == 0 and a.grad_fn is None


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_under_no_grad_a_leaf_is_written(name):
    got = []
    for m in (fg, torch):
        a = _leaf(m)
        with m.no_grad():
            y = INPLACE[name](m, a)
        got.append((y is a, a._version, a.requires_grad, a.grad_fn is None, to_numpy(a)))
    assert got[0][:4] == got[1][:4]
    np.testing.assert_array_equal(got[0][4], got[1][4])


def test_dropout_in_place_scales_what_it_keeps_and_records_a_mul():
    a = fg.ones(1000, dtype=fg.float64, requires_grad=True)
    x = a * 2
    y = F(fg).dropout(x, 0.75, inplace=True)
    assert y is x and x._version == 1 and y.grad_fn.name() == "MulBackward0"
    kept = np.asarray(y.tolist()) != 0
    assert 150 < kept.sum() < 350
    np.testing.assert_array_equal(np.asarray(y.tolist())[kept], 8.0)
    y.sum().backward()
    np.testing.assert_array_equal(to_numpy(a.grad), np.where(kept, 8.0, 0.0))


# Documented differences, not bugs: torch saves the result of these in-place ops, so it refuses a
# backward after the result is written again, and (leaky_relu, elu) with a negative slope, where the
# result cannot tell the input's sign. ferrograd saves its own copy of the input: its gradient is
# the out-of-place op's, which these tests check against torch's out-of-place gradient.
SAVES_RESULT_IN_TORCH = {
    "relu": lambda m, x: F(m).relu(x),
    "leaky_relu_0.2": lambda m, x: F(m).leaky_relu(x, 0.2),
    "elu_0.5": lambda m, x: F(m).elu(x, 0.5),
}


@pytest.mark.parametrize("name", sorted(SAVES_RESULT_IN_TORCH))
def test_writing_the_result_again_keeps_the_gradient_right(name):
    def inplace_then_mul(m, a):
        y = INPLACE[name](m, a * 2)
        y.mul_(3)
        return y

    def out_of_place(m, a):
        return SAVES_RESULT_IN_TORCH[name](m, a * 2) * 3

    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        inplace_then_mul(torch, _leaf(torch)).sum().backward()
    grads = []
    for m, fn in ((fg, inplace_then_mul), (torch, out_of_place)):
        a = _leaf(m)
        fn(m, a).sum().backward()
        grads.append(to_numpy(a.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    "inplace,out_of_place",
    [
        (lambda m, x: F(m).leaky_relu(x, -0.5, inplace=True), lambda m, x: F(m).leaky_relu(x, -0.5)),
        (lambda m, x: F(m).elu(x, -0.5, inplace=True), lambda m, x: F(m).elu(x, -0.5)),
    ],
)
def test_a_negative_slope_in_place_gives_the_out_of_place_gradient(inplace, out_of_place):
    with pytest.raises(RuntimeError, match="triggered with a negative slope"):
        inplace(torch, _leaf(torch) * 2).sum().backward()
    grads = []
    for m, fn in ((fg, inplace), (torch, out_of_place)):
        a = _leaf(m)
        (fn(m, a * 2) * m.tensor(WEIGHTS, dtype=m.float64)).sum().backward()
        grads.append(to_numpy(a.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14, atol=0)
