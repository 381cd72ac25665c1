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


@pytest.mark.parametrize("name", ["scale_grad_by_freq", "sparse"])
@pytest.mark.parametrize("value", ["yes", 1, None], ids=repr)
def test_embedding_flags_are_bools(name, value):
    # torch's native embedding parses them as bools (a TypeError), before anything is looked up
    assert_raises_like_torch(
        lambda m: F(m).embedding(m.tensor([0, 1]), m.ones(3, 2), **{name: value}), match="must be bool"
    )


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


# ---- hostile arguments: torch's exception type, or torch's result ----------------------------------


def _img(m):
    return m.ones(1, 2, 4, 4)


def _ker(m):
    return m.ones(3, 2, 2, 2)


def _ints(m):
    return m.tensor([[1, 2, 3], [4, 5, 6]])


def _bools(m):
    return m.tensor([[True, False, True], [False, False, True]])


HOSTILE_RAISES = {
    # floating-point kernels are not implemented for integer or bool tensors
    "elu_long": lambda m: F(m).elu(_ints(m)),
    "leaky_relu_bool": lambda m: F(m).leaky_relu(_bools(m)),
    "silu_long": lambda m: F(m).silu(_ints(m)),
    "softplus_bool": lambda m: F(m).softplus(_bools(m)),
    "gelu_long": lambda m: F(m).gelu(_ints(m)),
    "softmax_long": lambda m: F(m).softmax(_ints(m), 1),
    "log_softmax_bool": lambda m: F(m).log_softmax(_bools(m), 0),
    "normalize_long": lambda m: F(m).normalize(_ints(m)),
    "layer_norm_long": lambda m: F(m).layer_norm(_ints(m), (3,)),
    "batch_norm_long": lambda m: F(m).batch_norm(_ints(m), None, None, training=True),
    "dropout_long_training": lambda m: F(m).dropout(_ints(m), 0.5),
    # the dim is checked before the dtype
    "softmax_long_bad_dim": lambda m: F(m).softmax(m.tensor([1, 2]), 1),
    # int and float arguments: no bools for ints, no tensors but 0-d ones
    "softmax_bool_dim": lambda m: F(m).softmax(m.ones(2, 3), True),
    "one_hot_float_classes": lambda m: F(m).one_hot(m.tensor([0, 1]), 1.5),
    "one_hot_tensor_classes": lambda m: F(m).one_hot(m.tensor([0, 1]), m.ones(2, 3)),
    "one_hot_float_0d_classes": lambda m: F(m).one_hot(m.tensor([0, 1]), m.tensor(3.0)),
    "embedding_bool_padding_idx": lambda m: F(m).embedding(m.tensor([0, 1]), m.ones(5, 3), padding_idx=True),
    "embedding_nan_padding_idx": lambda m: F(m).embedding(
        m.tensor([0, 1]), m.ones(5, 3), padding_idx=float("nan")
    ),
    "elu_tensor_alpha": lambda m: F(m).elu(m.ones(2), alpha=m.ones(3)),
    "elu_grad_0d_alpha": lambda m: F(m).elu(m.ones(2), alpha=m.tensor(1.0, requires_grad=True)),
    "layer_norm_tensor_eps": lambda m: F(m).layer_norm(m.ones(2, 3), (3,), eps=m.ones(2, 3)),
    "layer_norm_int_shape": lambda m: F(m).layer_norm(m.ones(2, 3), 3),
    "pad_tensor": lambda m: F(m).pad(m.ones(2, 3), m.tensor([1, 1])),
    "pad_str": lambda m: F(m).pad(m.ones(2, 3), "ab"),
    "pad_bool_first": lambda m: F(m).pad(m.ones(2, 3), (True, 1)),
    "pad_float_element": lambda m: F(m).pad(m.ones(2, 3), (1, 1.0)),
    "pad_negative_size": lambda m: F(m).pad(m.ones(2, 3), (-2, -2)),
    "avg_pool2d_tensor_stride": lambda m: F(m).avg_pool2d(_img(m), 2, stride=m.zeros(0)),
    "avg_pool2d_int32_overflow": lambda m: F(m).avg_pool2d(_img(m), 2, stride=2**40),
    "max_pool2d_int32_overflow": lambda m: F(m).max_pool2d(_img(m), 2, stride=2**31),
    "conv2d_int_bias": lambda m: F(m).conv2d(_img(m), _ker(m), 3),
    "conv2d_str_bias": lambda m: F(m).conv2d(_img(m), _ker(m), "stray"),
    "conv2d_bool_stride": lambda m: F(m).conv2d(_img(m), _ker(m), stride=True),
    "conv2d_bool_groups": lambda m: F(m).conv2d(_img(m), _ker(m), groups=True),
    "conv2d_bad_padding_string": lambda m: F(m).conv2d(_img(m), _ker(m), padding="abc"),
    "conv2d_padding_beyond_int64": lambda m: F(m).conv2d(_img(m), _ker(m), padding=2**62),
    "conv2d_three_strides": lambda m: F(m).conv2d(_img(m), _ker(m), stride=(1, 1, 1)),
    "unfold_empty_kernel": lambda m: F(m).unfold(_img(m), m.zeros(0, dtype=m.int64)),
    "unfold_negative_kernel": lambda m: F(m).unfold(_img(m), m.tensor([5, -7])),
    "unfold_three_kernel": lambda m: F(m).unfold(_img(m), (2, 2, 2)),
    "adaptive_avg_pool2d_negative": lambda m: F(m).adaptive_avg_pool2d(_img(m), m.tensor([5, -7])),
    "adaptive_avg_pool2d_str": lambda m: F(m).adaptive_avg_pool2d(_img(m), "abc"),
    "adaptive_avg_pool2d_tensor_elements": lambda m: F(m).adaptive_avg_pool2d(_img(m), m.ones(3)),
    # torch's rank errors: IndexError where it reads a dim the input lacks
    "avg_pool2d_2d_input": lambda m: F(m).avg_pool2d(m.ones(4, 3), 2),
    "avg_pool2d_0d_input": lambda m: F(m).avg_pool2d(m.tensor(1.0), 2),
    "unfold_2d_input": lambda m: F(m).unfold(m.ones(4, 3), 2),
    "unfold_0d_input": lambda m: F(m).unfold(m.tensor(1.0), 2),
    "adaptive_avg_pool2d_2d_input_pair": lambda m: F(m).adaptive_avg_pool2d(m.ones(4, 3), (2, 2)),
    "adaptive_avg_pool2d_too_long": lambda m: F(m).adaptive_avg_pool2d(_img(m), m.ones(4, 3)),
    "linear_0d_input": lambda m: F(m).linear(m.tensor(1.0), m.ones(4, 3)),
    "linear_0d_weight": lambda m: F(m).linear(m.ones(3), m.tensor(1.0)),
    "embedding_1d_weight": lambda m: F(m).embedding(m.tensor([0, 1]), m.ones(3)),
    "embedding_empty_weight": lambda m: F(m).embedding(m.tensor([0, 1]), m.zeros(0, 3)),
    # normalisation: shapes and dtypes of the parameters
    "layer_norm_weight_shape": lambda m: F(m).layer_norm(m.ones(2, 3), (3,), m.ones(2, 3)),
    "layer_norm_bias_0d": lambda m: F(m).layer_norm(m.ones(2, 3), (3,), None, m.tensor(1.0)),
    "layer_norm_mixed_dtype": lambda m: F(m).layer_norm(m.ones(2, 3, dtype=m.float64), (3,), m.ones(3)),
    "layer_norm_empty_shape": lambda m: F(m).layer_norm(m.ones(2, 3), ()),
    "batch_norm_mixed_dtype": lambda m: F(m).batch_norm(m.ones(2, 3, dtype=m.float64), m.zeros(3), m.ones(3)),
    "batch_norm_1d_input": lambda m: F(m).batch_norm(m.ones(3), m.zeros(3), m.ones(3)),
    "batch_norm_1d_input_training": lambda m: F(m).batch_norm(m.ones(3), None, None, training=True),
    "batch_norm_0d_input_training": lambda m: F(m).batch_norm(m.tensor(1.0), None, None, training=True),
    "batch_norm_one_running_stat": lambda m: F(m).batch_norm(m.ones(2, 3), m.zeros(3), None, training=True),
    "batch_norm_tensor_training": lambda m: F(m).batch_norm(m.ones(2, 3), None, None, training=m.ones(2, 3)),
    "batch_norm_tensor_momentum": lambda m: F(m).batch_norm(
        m.ones(2, 3), None, None, training=True, momentum=m.ones(3)
    ),
    "batch_norm_2d_running_mean": lambda m: F(m).batch_norm(
        m.ones(2, 2, 3), m.zeros(1, 2), m.ones(1, 2), training=True
    ),
    # dropout: NaN passes torch's Python range check and fails its native one
    "dropout_nan": lambda m: F(m).dropout(m.ones(2, 3), float("nan"), training=False),
    # gelu's approximate is keyword-only
    "gelu_positional_approximate": lambda m: F(m).gelu(m.ones(2), "tanh"),
    "normalize_str_order": lambda m: F(m).normalize(m.ones(2, 3), "stray"),
    "normalize_tensor_order": lambda m: F(m).normalize(m.ones(2, 3), m.ones(2, 3)),
    "normalize_none_eps": lambda m: F(m).normalize(m.ones(2, 3), eps=None),
    # bool and optional-int arguments of the pooling functions
    "max_pool2d_int_ceil_mode": lambda m: F(m).max_pool2d(_img(m), 2, ceil_mode=1),
    "avg_pool2d_none_ceil_mode": lambda m: F(m).avg_pool2d(_img(m), 2, ceil_mode=None),
    "avg_pool2d_int_count_include_pad": lambda m: F(m).avg_pool2d(_img(m), 2, count_include_pad=0),
    "avg_pool2d_bool_divisor": lambda m: F(m).avg_pool2d(_img(m), 2, divisor_override=True),
    "avg_pool2d_tensor_divisor": lambda m: F(m).avg_pool2d(_img(m), 2, divisor_override=m.ones(2, 3)),
    "avg_pool2d_zero_divisor": lambda m: F(m).avg_pool2d(_img(m), 2, divisor_override=0),
    "unfold_padding_beyond_int64": lambda m: F(m).unfold(_img(m), 2, padding=2**62),
    "embedding_tensor_max_norm": lambda m: F(m).embedding(
        m.tensor([0, 1]), m.ones(5, 3), max_norm=m.ones(2, 3)
    ),
    "embedding_tensor_norm_type": lambda m: F(m).embedding(
        m.tensor([0, 1]), m.ones(5, 3), max_norm=1.0, norm_type=m.ones(2, 3)
    ),
    "dropout_ambiguous_inplace": lambda m: F(m).dropout(
        m.ones(2, 3), 0.5, training=False, inplace=m.ones(2, 3)
    ),
    # torch's Python checks of batch_norm's eps
    "batch_norm_negative_eps": lambda m: F(m).batch_norm(m.ones(2, 3), m.zeros(3), m.ones(3), eps=-1.0),
    "batch_norm_zero_eps_training": lambda m: F(m).batch_norm(
        m.ones(2, 3), None, None, training=True, eps=0.0
    ),
    "batch_norm_ambiguous_eps": lambda m: F(m).batch_norm(
        m.ones(2, 3), m.zeros(3), m.ones(3), eps=m.ones(2, 3)
    ),
}


def assert_raises_like_torch_hostile(fn):
    """``assert_raises_like_torch`` as the hostile-input sweep compares: torch's NotImplementedError
    (a RuntimeError subclass raised by its kernels) may be any RuntimeError, and where torch's
    Python wrapper fails by accident calling a method of a non-tensor (AttributeError), the
    TypeError of its argument parser is right."""
    import torch

    try:
        fn(torch)
        torch_exc = None
    except Exception as e:  # noqa: BLE001 (assert_raises_like_torch compares it)
        torch_exc = e
    expected = None
    if isinstance(torch_exc, NotImplementedError):
        expected = RuntimeError
    elif isinstance(torch_exc, AttributeError) and "has no attribute" in str(torch_exc):
        expected = TypeError
    assert_raises_like_torch(fn, expected=expected)


@pytest.mark.parametrize("name", sorted(HOSTILE_RAISES))
def test_hostile_arguments_raise_like_torch(name):
    assert_raises_like_torch_hostile(HOSTILE_RAISES[name])


def assert_same_result_as_torch(fn):
    """``fn(module)`` returns a tensor in torch and the same one (dtype, shape, requires_grad,
    values) in ferrograd."""
    import torch

    want, got = fn(torch), fn(fg)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    assert got.requires_grad == want.requires_grad
    np.testing.assert_allclose(
        to_numpy(got).astype(np.float64), want.detach().numpy().astype(np.float64), rtol=1e-5, atol=1e-6
    )


HOSTILE_RESULTS = {
    # 0-d tensors are numbers to torch's parser
    "elu_0d_alpha": lambda m: F(m).elu(_x23(m), alpha=m.tensor(0.5)),
    "leaky_relu_0d_slope": lambda m: F(m).leaky_relu(_x23(m), m.tensor(0.2)),
    "softplus_0d_beta": lambda m: F(m).softplus(_x23(m), beta=m.tensor(2.0), threshold=m.tensor(1.0)),
    "layer_norm_0d_eps": lambda m: F(m).layer_norm(_x23(m), (3,), eps=m.tensor(0.5)),
    "softmax_0d_int_dim": lambda m: F(m).softmax(_x23(m), m.tensor(1)),
    "one_hot_0d_int_classes": lambda m: F(m).one_hot(m.tensor([0, 2]), m.tensor(4)),
    "pad_0d_int_elements": lambda m: F(m).pad(_x23(m), (m.tensor(1), 2), value=m.tensor(3.0)),
    "pad_bool_after_first": lambda m: F(m).pad(_x23(m), (1, True)),
    "layer_norm_0d_int_shape": lambda m: F(m).layer_norm(_x23(m), [m.tensor(3)]),
    "conv2d_0d_int_stride": lambda m: F(m).conv2d(_img(m), _ker(m), stride=m.tensor(1)),
    "avg_pool2d_empty_stride": lambda m: F(m).avg_pool2d(_img(m), 2, stride=()),
    "softmax_long_with_dtype": lambda m: F(m).softmax(_ints(m), 1, dtype=m.float64),
    # dropout with p=1 multiplies by a zero of the input's dtype
    "dropout_p1_long": lambda m: F(m).dropout(_ints(m), 1.0),
    "dropout_p1_bool": lambda m: F(m).dropout(_bools(m), 1.0),
    "dropout_eval_long": lambda m: F(m).dropout(_ints(m), 0.5, training=False),
    # empty outputs and inputs
    "adaptive_avg_pool2d_zero": lambda m: F(m).adaptive_avg_pool2d(_img(m), 0),
    "adaptive_avg_pool2d_none": lambda m: F(m).adaptive_avg_pool2d(_img(m), (None, 3)),
    "batch_norm_empty_batch": lambda m: F(m).batch_norm(m.ones(0, 3), None, None, training=True),
    "batch_norm_empty_1d": lambda m: F(m).batch_norm(m.ones(0), m.zeros(3), m.ones(3)),
    "batch_norm_empty_grad_weight": lambda m: F(m).batch_norm(
        m.ones(0, 3), m.zeros(3), m.ones(3), m.ones(3, requires_grad=True)
    ),
    "batch_norm_empty_spatial": lambda m: F(m).batch_norm(
        m.ones(2, 3, 0), m.zeros(3), m.ones(3), training=True
    ),
    # softplus: a NaN threshold takes the soft branch everywhere
    "softplus_nan_threshold": lambda m: F(m).softplus(_x23(m), threshold=float("nan")),
    # normalize: torch's orders None ('fro'), 0 (count of nonzeros), -inf, a 0-d tensor; a tensor eps
    "normalize_none_order": lambda m: F(m).normalize(_x23(m), None),
    "normalize_zero_order": lambda m: F(m).normalize(_x23(m), 0),
    "normalize_minus_inf_order": lambda m: F(m).normalize(_x23(m), float("-inf")),
    "normalize_0d_order": lambda m: F(m).normalize(_x23(m), m.tensor(3.0)),
    "normalize_vector_eps": lambda m: F(m).normalize(_x23(m), eps=m.tensor([5.0, 0.5, 1.0])),
    "embedding_zero_norm_type": lambda m: F(m).embedding(
        m.tensor([0, 1]), _x23(m), max_norm=1.0, norm_type=0
    ),
    "dropout_truthy_inplace_eval": lambda m: F(m).dropout(_x23(m), 0.5, training=False, inplace="abc"),
}


def _x23(m):
    return m.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])


@pytest.mark.parametrize("name", sorted(HOSTILE_RESULTS))
def test_hostile_arguments_give_torch_result(name):
    assert_same_result_as_torch(HOSTILE_RESULTS[name])


def test_failed_batch_norm_leaves_running_stats():
    # every check comes before training mode updates the running statistics in place
    mean, var = fg.zeros(3), fg.ones(3)
    with pytest.raises(RuntimeError):
        F(fg).batch_norm(fg.ones(2, 3, dtype=fg.float64), mean, var, training=True)
    np.testing.assert_array_equal(to_numpy(mean), np.zeros(3))
    np.testing.assert_array_equal(to_numpy(var), np.ones(3))
