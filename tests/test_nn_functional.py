"""ferrograd.nn.functional against torch.nn.functional: outputs and gradients of every input
(including weights and biases), on the CPU in float32 and float64 and on wgpu (dtype fixture)."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import Arg, assert_raises_like_torch, check, to_numpy

pytest.importorskip("torch")


def F(m):
    return m.nn.functional


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias, dtype):
    if bias:
        check(lambda m, x, w, b: F(m).linear(x, w, b), shape, (4, 3), (4,), dtype=dtype)
    else:
        check(lambda m, x, w: F(m).linear(x, w), shape, (4, 3), dtype=dtype)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("relu", {}),
        ("sigmoid", {}),
        ("tanh", {}),
        ("silu", {}),
        ("elu", {}),
        ("elu", {"alpha": 0.5}),
        ("leaky_relu", {"negative_slope": 0.2}),
        ("softplus", {}),
        ("softplus", {"beta": 2.0, "threshold": 1.0}),
        ("gelu", {}),
        ("gelu", {"approximate": "tanh"}),
    ],
)
def test_activations(name, kwargs, dtype):
    check(lambda m, x: getattr(F(m), name)(x, **kwargs), (3, 5), dtype=dtype, low=-3, high=3)


def test_gelu_exact_float64_is_exact():
    # erf on the host: float64 parity to ~1e-12
    check(lambda m, x: F(m).gelu(x), (64,), dtype="float64", low=-6, high=6)


def test_gelu_second_order():
    x = fg.tensor([0.3, -1.2, 2.0], dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(lambda t: fg.nn.functional.gelu(t), (x,))
    assert fg.autograd.gradgradcheck(lambda t: fg.nn.functional.gelu(t), (x,))


def test_gelu_bad_approximate():
    assert_raises_like_torch(lambda m: F(m).gelu(m.ones(2), approximate="fast"))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim, dtype):
    check(lambda m, x: F(m).softmax(x, dim), (3, 4), dtype=dtype)
    check(lambda m, x: F(m).log_softmax(x, dim=dim), (3, 4), dtype=dtype)


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning):
        out = fg.nn.functional.softmax(fg.ones(2, 3))
    np.testing.assert_allclose(to_numpy(out), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_dropout_eval_is_identity_and_train_scales():
    x = fg.ones(1000, requires_grad=True)
    assert fg.nn.functional.dropout(x, 0.3, training=False) is x
    fg.manual_seed(0)
    y = fg.nn.functional.dropout(x, 0.3)
    vals = to_numpy(y)
    kept = vals != 0
    np.testing.assert_allclose(vals[kept], 1 / 0.7, rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    y.sum().backward()
    np.testing.assert_allclose(to_numpy(x.grad), vals, rtol=1e-6)
    assert float(fg.nn.functional.dropout(x, 1.0).abs().sum()) == 0.0


def test_dropout_bad_p():
    assert_raises_like_torch(lambda m: F(m).dropout(m.ones(2), p=1.5))


def test_embedding(dtype):
    idx = np.array([[0, 2, 4], [4, 1, 0]], dtype=np.int64)
    check(lambda m, i, w: F(m).embedding(i, w), Arg(idx), (5, 3), dtype=dtype)
    check(lambda m, i, w: F(m).embedding(i, w, padding_idx=4), Arg(idx), (5, 3), dtype=dtype)


def test_embedding_float_indices_raises():
    assert_raises_like_torch(lambda m: F(m).embedding(m.ones(2), m.ones(3, 2)))


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,))])
def test_layer_norm(shape, norm, dtype):
    check(lambda m, x: F(m).layer_norm(x, norm), shape, dtype=dtype)
    check(lambda m, x, w, b: F(m).layer_norm(x, norm, w, b, eps=1e-3), shape, norm, norm, dtype=dtype)


def test_layer_norm_bad_shape():
    assert_raises_like_torch(lambda m: F(m).layer_norm(m.ones(2, 3), (4,)))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_batch_norm_training(shape, dtype):
    def fn(m, x, w, b):
        rm, rv = m.zeros(3, dtype=x.dtype), m.ones(3, dtype=x.dtype)
        if m is fg:
            rm, rv = rm.to(x.device), rv.to(x.device)
        out = F(m).batch_norm(x, rm, rv, w, b, training=True, momentum=0.2)
        return out, rm, rv

    check(fn, shape, Arg(np.linspace(0.5, 1.5, 3)), Arg(np.linspace(-1, 1, 3)), dtype=dtype)


def test_batch_norm_eval(dtype):
    rm, rv = np.array([0.1, -0.2, 0.3]), np.array([0.5, 1.5, 2.0])
    check(
        lambda m, x, rm, rv, w, b: F(m).batch_norm(x, rm, rv, w, b, training=False),
        (4, 3, 2),
        Arg(rm, requires_grad=False),
        Arg(rv, requires_grad=False),
        (3,),
        (3,),
        dtype=dtype,
    )


def test_batch_norm_one_value_per_channel():
    assert_raises_like_torch(lambda m: F(m).batch_norm(m.ones(1, 3), None, None, training=True))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2},
        {"padding": 1},
        {"padding": (2, 1), "stride": (2, 1)},
        {"dilation": 2},
        {"dilation": (1, 2), "padding": 2, "stride": 3},
        {"padding": "same"},
        {"padding": "same", "dilation": 2},
        {"padding": "valid"},
    ],
)
def test_conv2d(kwargs, dtype):
    check(lambda m, x, w, b: F(m).conv2d(x, w, b, **kwargs), (2, 3, 7, 6), (4, 3, 3, 2), (4,), dtype=dtype)


@pytest.mark.parametrize("groups", [2, 4])
def test_conv2d_groups(groups, dtype):
    check(
        lambda m, x, w: F(m).conv2d(x, w, None, padding=1, groups=groups),
        (2, 4, 5, 5),
        (8, 4 // groups, 3, 3),
        dtype=dtype,
    )


def test_conv2d_unbatched_and_1x1(dtype):
    check(lambda m, x, w: F(m).conv2d(x, w), (3, 5, 4), (2, 3, 1, 1), dtype=dtype)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: F(m).conv2d(m.ones(1, 3, 5, 5), m.ones(2, 4, 3, 3)),  # channel mismatch
        lambda m: F(m).conv2d(m.ones(3, 5), m.ones(2, 3, 3, 3)),  # 2-D input
        lambda m: F(m).conv2d(m.ones(1, 3, 2, 2), m.ones(2, 3, 3, 3)),  # kernel larger than input
        lambda m: F(m).conv2d(m.ones(1, 3, 5, 5), m.ones(2, 3, 3, 3), stride=2, padding="same"),
    ],
)
def test_conv2d_errors(fn):
    assert_raises_like_torch(fn)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 1)},
        {"kernel_size": 2, "dilation": 2},
        {"kernel_size": 3, "stride": 2, "ceil_mode": True},
        {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
    ],
)
def test_max_pool2d(kwargs, dtype):
    check(lambda m, x: F(m).max_pool2d(x, **kwargs), (2, 3, 7, 6), dtype=dtype)


def test_max_pool2d_indices():
    import torch

    x = np.random.default_rng(0).standard_normal((2, 2, 7, 6)).astype(np.float32)
    for kw in [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": 2, "dilation": 2},
    ]:
        fo, fi = fg.nn.functional.max_pool2d(fg.from_numpy(x), return_indices=True, **kw)
        to, ti = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **kw)
        np.testing.assert_array_equal(to_numpy(fo), to.numpy())
        np.testing.assert_array_equal(to_numpy(fi), ti.numpy())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
        {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "ceil_mode": True},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
        {"kernel_size": 2, "divisor_override": 3},
    ],
)
def test_avg_pool2d(kwargs, dtype):
    check(lambda m, x: F(m).avg_pool2d(x, **kwargs), (2, 3, 7, 6), dtype=dtype)


@pytest.mark.parametrize("size", [1, (3, 2), (4, 5)])
def test_adaptive_avg_pool2d(size, dtype):
    check(lambda m, x: F(m).adaptive_avg_pool2d(x, size), (2, 3, 7, 6), dtype=dtype)


def test_pool_errors():
    assert_raises_like_torch(lambda m: F(m).max_pool2d(m.ones(1, 1, 4, 4), 2, padding=2))
    assert_raises_like_torch(lambda m: F(m).avg_pool2d(m.ones(1, 1, 4, 4), 2, padding=2))


@pytest.mark.parametrize("pads", [(1, 2), (1, 0, 2, 1), (0, 1, 1, 0, 2, 2), (-1, 1)])
def test_pad(pads, dtype):
    check(lambda m, x: F(m).pad(x, pads), (2, 3, 4), dtype=dtype)
    check(lambda m, x: F(m).pad(x, pads, value=1.5), (2, 3, 4), dtype=dtype)


def test_one_hot():
    import torch

    t = [[0, 3], [2, 1]]
    np.testing.assert_array_equal(
        to_numpy(fg.nn.functional.one_hot(fg.tensor(t))), torch.nn.functional.one_hot(torch.tensor(t)).numpy()
    )
    np.testing.assert_array_equal(
        to_numpy(fg.nn.functional.one_hot(fg.tensor(t), 6)),
        torch.nn.functional.one_hot(torch.tensor(t), 6).numpy(),
    )
    assert_raises_like_torch(lambda m: m.nn.functional.one_hot(m.tensor([0, 3]), 2))


@pytest.mark.parametrize(
    "kwargs",
    [{"kernel_size": 2}, {"kernel_size": (2, 3), "stride": 2, "padding": 1, "dilation": (1, 2)}],
)
def test_unfold(kwargs, dtype):
    check(lambda m, x: F(m).unfold(x, **kwargs), (2, 3, 6, 7), dtype=dtype)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0)])
def test_normalize(p, dim, dtype):
    check(lambda m, x: F(m).normalize(x, p=p, dim=dim), (3, 4), dtype=dtype)
