"""conv2d as one native op (src/ops/conv.rs, src/backend/cpu/conv.rs, wgsl/conv.wgsl) against
torch: values and gradients in float32, float64 and on wgpu (dtype fixture), finite-difference
gradients, double backward, forward mode, node names, and 1 vs 2 threads bit for bit."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
import pytest
from helpers import Arg, assert_raises_like_torch, check, fd_gradcheck, to_numpy

torch = pytest.importorskip("torch")


def conv(m, *args, **kwargs):
    return m.nn.functional.conv2d(*args, **kwargs)


# (input shape, weight shape, kwargs): every way the geometry can differ
CASES = {
    "plain": ((2, 3, 7, 6), (4, 3, 3, 2), {}),
    "stride": ((2, 3, 9, 8), (4, 3, 3, 3), {"stride": 2}),
    "stride_pad_tuple": ((2, 2, 8, 7), (3, 2, 3, 2), {"stride": (2, 3), "padding": (2, 1)}),
    "padding_int": ((1, 3, 5, 5), (2, 3, 3, 3), {"padding": 1}),
    "same": ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "same"}),
    "same_even_kernel": ((2, 3, 6, 5), (4, 3, 4, 2), {"padding": "same"}),
    "same_dilated": ((2, 2, 7, 7), (3, 2, 3, 2), {"padding": "same", "dilation": (2, 3)}),
    "valid": ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "valid"}),
    "dilation": ((2, 3, 9, 9), (2, 3, 3, 3), {"dilation": 2, "padding": 1}),
    "all": ((2, 2, 11, 10), (4, 2, 3, 2), {"dilation": (1, 2), "padding": (2, 3), "stride": (3, 2)}),
    "groups": ((2, 4, 5, 5), (6, 2, 3, 3), {"padding": 1, "groups": 2}),
    "depthwise": ((2, 4, 6, 5), (4, 1, 3, 3), {"padding": 1, "groups": 4}),
    "depthwise_multiplier": ((2, 3, 6, 5), (6, 1, 3, 2), {"groups": 3, "stride": 2}),
    "one_by_one": ((3, 5, 4, 4), (2, 5, 1, 1), {}),
    "padding_wider_than_kernel": ((1, 2, 3, 3), (2, 2, 2, 2), {"padding": 3}),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", list(CASES))
def test_conv2d_matches_torch(name, bias, dtype):
    xs, ws, kw = CASES[name]
    if bias:
        check(lambda m, x, w, b: conv(m, x, w, b, **kw), xs, ws, (ws[0],), dtype=dtype)
    else:
        check(lambda m, x, w: conv(m, x, w, **kw), xs, ws, dtype=dtype)


@pytest.mark.parametrize("name", ["plain", "stride_pad_tuple", "depthwise"])
def test_conv2d_unbatched(name, dtype):
    xs, ws, kw = CASES[name]
    check(lambda m, x, w, b: conv(m, x, w, b, **kw), xs[1:], ws, (ws[0],), dtype=dtype)


@pytest.mark.parametrize("name", ["plain", "all", "groups"])
def test_conv2d_non_contiguous(name, dtype):
    # the input (and weight) arrive transposed in their last two dims: im2col reads the strides
    xs, ws, kw = CASES[name]
    check(lambda m, x, w, b: conv(m, x, w, b, **kw), xs, ws, (ws[0],), dtype=dtype, non_contiguous=True)


def test_conv2d_channels_last_view():
    x = np.random.default_rng(1).standard_normal((2, 5, 6, 3))
    w = np.random.default_rng(2).standard_normal((4, 3, 3, 3))
    got = conv(fg, fg.tensor(x).permute(0, 3, 1, 2), fg.tensor(w), padding=1)
    want = conv(torch, torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(w), padding=1)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("which", ["input", "weight", "bias"])
def test_conv2d_gradient_of_one_operand(which, dtype):
    xs, ws, kw = CASES["all"]
    rng = np.random.default_rng(5)
    arrays = [rng.uniform(-2, 2, s) for s in (xs, ws, (ws[0],))]
    args = [Arg(a, requires_grad=(n == which)) for a, n in zip(arrays, ["input", "weight", "bias"])]
    check(lambda m, x, w, b: conv(m, x, w, b, **kw), *args, dtype=dtype)


def test_conv2d_empty_batch(dtype):
    check(lambda m, x, w, b: conv(m, x, w, b, padding=1), (0, 3, 5, 5), (2, 3, 3, 3), (2,), dtype=dtype)


def test_conv2d_int64_forward():
    x = np.arange(2 * 2 * 5 * 4).reshape(2, 2, 5, 4) - 20
    w = np.arange(3 * 2 * 2 * 3).reshape(3, 2, 2, 3) % 5 - 2
    got = conv(fg, fg.tensor(x), fg.tensor(w), fg.tensor([1, 2, 3]), padding=1, stride=(1, 2))
    want = conv(torch, torch.tensor(x), torch.tensor(w), torch.tensor([1, 2, 3]), padding=1, stride=(1, 2))
    assert got.dtype == fg.int64
    np.testing.assert_array_equal(to_numpy(got), want.numpy())


@pytest.mark.parametrize("name", ["all", "same_even_kernel", "groups", "depthwise"])
def test_conv2d_finite_differences(name):
    xs, ws, kw = CASES[name]
    rng = np.random.default_rng(7)
    fd_gradcheck(
        lambda m, x, w, b: conv(m, x, w, b, **kw),
        rng.standard_normal(xs),
        rng.standard_normal(ws),
        rng.standard_normal(ws[0]),
    )


@pytest.mark.parametrize("name", ["plain", "all", "same_even_kernel", "depthwise", "groups"])
def test_conv2d_gradcheck_and_gradgradcheck(name):
    xs, ws, kw = CASES[name]
    rng = np.random.default_rng(11)
    # one image keeps it quick
    x, w, b = (fg.tensor(rng.standard_normal(s), requires_grad=True) for s in ((1, *xs[1:]), ws, (ws[0],)))
    assert fg.autograd.gradcheck(lambda *t: conv(fg, *t, **kw), (x, w, b))
    assert fg.autograd.gradgradcheck(lambda *t: conv(fg, *t, **kw), (x, w, b))


def test_conv2d_double_backward_matches_torch():
    xs, ws, kw = CASES["all"]
    rng = np.random.default_rng(13)
    arrays = [rng.standard_normal(s) for s in (xs, ws, (ws[0],))]
    out = []
    for m in (fg, torch):
        x, w, b = (m.tensor(a, requires_grad=True) for a in arrays)
        y = conv(m, x, w, b, **kw)
        gx, gw = m.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        names = (y.grad_fn.name(), gx.grad_fn.name(), gw.grad_fn.name())
        hx, hw, hb = m.autograd.grad((gx * gx).sum() + (gw * gw.sin()).sum(), (x, w, b))
        out.append((names, [to_numpy(t) for t in (gx, gw, hx, hw, hb)]))
    assert out[0][0] == out[1][0] == ("ConvolutionBackward0",) + ("ConvolutionBackwardBackward0",) * 2
    for a, e in zip(out[0][1], out[1][1]):
        np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("tangents", ["input", "weight", "all"])
def test_conv2d_forward_mode_matches_torch(tangents):
    xs, ws, kw = CASES["all"]
    rng = np.random.default_rng(17)
    primals = [rng.standard_normal(s) for s in (xs, ws, (ws[0],))]
    dirs = [rng.standard_normal(s) for s in (xs, ws, (ws[0],))]
    with_tangent = {"input": [0], "weight": [1], "all": [0, 1, 2]}[tangents]
    out = []
    for m in (fg, torch):
        fw = m.autograd.forward_ad
        with fw.dual_level():
            args = [
                fw.make_dual(m.tensor(p), m.tensor(d)) if i in with_tangent else m.tensor(p)
                for i, (p, d) in enumerate(zip(primals, dirs))
            ]
            p, t = fw.unpack_dual(conv(m, *args, **kw))
            out.append((to_numpy(p), to_numpy(t)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-10, atol=1e-12)


def test_conv2d_node_names_match_torch():
    for m in (fg, torch):
        x = m.ones(1, 2, 4, 4, requires_grad=True)
        w = m.ones(3, 2, 3, 3, requires_grad=True)
        assert conv(m, x, w).grad_fn.name() == "ConvolutionBackward0"
        assert conv(m, x[0], w).grad_fn.name() == "SqueezeBackward1"


def _fwd_bwd(threads):
    prev = fg.get_num_threads()
    fg.set_num_threads(threads)
    try:
        rng = np.random.default_rng(19)
        x = fg.tensor(rng.standard_normal((16, 8, 30, 30)).astype(np.float32), requires_grad=True)
        w = fg.tensor(rng.standard_normal((16, 8, 3, 3)).astype(np.float32), requires_grad=True)
        b = fg.tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True)
        y = conv(fg, x, w, b, padding=1, stride=(1, 2))
        (y * y).sum().backward()
        return [to_numpy(t) for t in (y, x.grad, w.grad, b.grad)]
    finally:
        fg.set_num_threads(prev)


def test_conv2d_one_and_two_threads_are_bitwise_equal():
    for a, b in zip(_fwd_bwd(1), _fwd_bwd(2)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: conv(m, m.ones(1, 2, 5, 5), m.ones(3, 2, 3, 3), m.ones(4)),  # bias size
        lambda m: conv(m, m.ones(1, 2, 5, 5), m.ones(3, 2, 3, 3), m.ones(3, 1)),  # bias rank
        lambda m: conv(m, m.ones(1, 2, 5, 5), m.ones(3, 2, 3, 3), m.ones(3, dtype=m.float64)),
        lambda m: conv(m, m.ones(1, 2, 5, 5, dtype=m.float64), m.ones(3, 2, 3, 3)),  # dtypes
        lambda m: conv(m, m.ones(1, 2, 5, 5, dtype=m.bool), m.ones(3, 2, 3, 3, dtype=m.bool)),
        lambda m: conv(m, m.ones(1, 4, 5, 5), m.ones(3, 2, 3, 3), groups=2),  # 3 not divisible
    ],
)
def test_conv2d_errors_match_torch(fn):
    assert_raises_like_torch(fn)


def test_native_conv2d_refuses_bad_arguments_and_changes_nothing():
    x, w = fg.ones(1, 2, 5, 5), fg.ones(3, 2, 3, 3)
    bad = [
        ((1, 1), (0, 0, 0), (1, 1), 1),  # padding needs four values
        ((0, 1), (0, 0, 0, 0), (1, 1), 1),  # stride
        ((1, 1), (0, -1, 0, 0), (1, 1), 1),  # negative padding
        ((1, 1), (0, 0, 0, 0), (1, 0), 1),  # dilation
        ((1, 1), (0, 0, 0, 0), (1, 1), 0),  # groups
        ((1, 1), (0, 0, 0, 0), (3, 3), 1),  # dilated kernel larger than the input
        ((1, 1), (2**61, 2**61, 0, 0), (1, 1), 1),  # columns that cannot exist
    ]
    for stride, padding, dilation, groups in bad:
        with pytest.raises((RuntimeError, MemoryError)):
            fg._core._conv2d(x, w, None, stride, padding, dilation, groups)
    with pytest.raises(RuntimeError):
        fg._core._conv2d(x[0], w, None, (1, 1), (0, 0, 0, 0), (1, 1), 1)  # 3-D input
    assert (to_numpy(x) == 1).all() and (to_numpy(w) == 1).all()


def test_native_conv2d_asymmetric_padding_matches_padded_input():
    rng = np.random.default_rng(23)
    x, w = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3, 2, 3))
    got = fg._core._conv2d(fg.tensor(x), fg.tensor(w), None, (1, 2), (1, 2, 0, 3), (1, 1), 1)
    tx = torch.nn.functional.pad(torch.tensor(x), (0, 3, 1, 2))
    want = torch.nn.functional.conv2d(tx, torch.tensor(w), stride=(1, 2))
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10, atol=1e-12)
