"""The fused masked gradients (BackendStorage::masked_grad): relu's backward and the op table's
rows that name a ``fused_grad`` (threshold, hardtanh, relu6, hardshrink, softshrink) against
torch, exactly (a masked gradient is ``g`` or +0.0, nothing is rounded): at signed zeros,
infinities and the bounds themselves, with a NaN and an infinite upstream gradient, strided and
broadcast operands, float32 and float64 and wgpu; at NaN (see test_nan_input); their
double-backward nodes and values, and float64 gradgradcheck."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import torch_module, wgpu_unavailable_reason

torch = torch_module()

NAN, INF = float("nan"), float("inf")
# every bound of the rows below, either side of it, and the special values
X = [-INF, INF, -0.0, 0.0, 3.0, -7.0, -6.0, -1.0, -0.5, -0.25, 0.25, 0.5, 1.0, 2.0, 6.0, 7.0, 1e-30, -1e-30]

OPS = {
    "relu": lambda m, t: m.relu(t),
    "threshold": lambda m, t: m.nn.functional.threshold(t, 0.5, -3.0),
    "hardtanh": lambda m, t: m.nn.functional.hardtanh(t),
    "hardtanh_wide": lambda m, t: m.nn.functional.hardtanh(t, -6.0, 2.0),
    "relu6": lambda m, t: m.nn.functional.relu6(t),
    "hardshrink": lambda m, t: m.nn.functional.hardshrink(t, 0.5),
    "softshrink": lambda m, t: m.nn.functional.softshrink(t, 1.0),
}


def _devices():
    reason = wgpu_unavailable_reason()
    return ["cpu", pytest.param("wgpu", marks=pytest.mark.skipif(reason is not None, reason=str(reason)))]


def _cases(dtype, device):
    if device == "wgpu" and dtype == "float64":
        pytest.skip("wgpu has no float64")


def _grad(m, name, x_vals, g_vals, dtype, device="cpu", transpose=False, create_graph=False):
    dt = getattr(m, dtype)
    x = m.tensor(x_vals, dtype=dt)
    g = m.tensor(g_vals, dtype=dt)
    if device != "cpu":
        x, g = x.to(device), g.to(device)
    if transpose:  # both operands strided: the transposes of contiguous buffers
        x, g = x.reshape(-1, 2).t().contiguous().t(), g.reshape(2, -1).t()
    x.requires_grad_(True)
    y = OPS[name](m, x)
    (gx,) = m.autograd.grad([y], [x], [g], create_graph=create_graph)
    return x, gx


def _same(a, b):
    a, b = a.detach().cpu().numpy(), b.detach().numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))  # the zeros are +0.0, as torch's


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPS))
def test_gradient_like_torch_at_special_values(name, dtype, device):
    _cases(dtype, device)
    # upstream gradients with a NaN, infinities and a negative zero: masked ones become +0.0
    g = [float(i % 7) - 3.0 for i in range(len(X))]
    g[0], g[1], g[2], g[4], g[5] = -0.0, NAN, -INF, NAN, INF
    _, got = _grad(fg, name, X, g, dtype, device)
    _, want = _grad(torch, name, X, g, dtype)
    assert str(got.dtype).split(".")[-1] == dtype
    _same(got, want)


# What a NaN input's gradient is: torch's scalar CPU kernels (and its CUDA kernels) pass it for
# every row here; its vectorised CPU loops (whole vectors: 16 float32 or more with AVX2) zero it
# for all but threshold_backward. ferrograd passes it for every row, as torch's defining kernels
# do; the rows torch's vector loops disagree on are compared on one element (its scalar path).
NAN_ALWAYS_PASSES_IN_TORCH = {"relu", "threshold"}


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPS))
def test_nan_input(name, dtype, device):
    _cases(dtype, device)
    n = 64 if name in NAN_ALWAYS_PASSES_IN_TORCH else 1
    _, got = _grad(fg, name, [NAN] * n, [5.0] * n, dtype, device)
    _, want = _grad(torch, name, [NAN] * n, [5.0] * n, dtype)
    _same(got, want)
    assert got.tolist() == [5.0] * n


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("name", list(OPS))
def test_strided_operands_like_torch(name, device):
    g = [float(i) - 8.5 for i in range(len(X))]
    _, got = _grad(fg, name, X, g, "float32", device, transpose=True)
    _, want = _grad(torch, name, X, g, "float32", transpose=True)
    _same(got, want)


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("name", list(OPS))
def test_broadcast_gradient_of_a_sum_like_torch(name, device):
    # y.sum()'s backward hands the rule one value expanded to x's shape (every stride 0)
    grads = []
    for m in (fg, torch):
        x = m.tensor([X, X[::-1]], dtype=m.float32)
        if m is fg and device != "cpu":
            x = x.to(device)
        x.requires_grad_(True)
        OPS[name](m, x).sum().backward()
        grads.append(x.grad)
    _same(*grads)


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPS))
def test_double_backward_node_and_values_like_torch(name, dtype, device):
    _cases(dtype, device)
    g = [1.0 + i for i in range(len(X))]
    results = []
    for m, dev in ((fg, device), (torch, "cpu")):
        x, gx = _grad(m, name, X, g, dtype, dev, create_graph=True)
        # the gradient keeps x's history, so it requires grad and differentiates to zeros
        assert gx.requires_grad
        (ggx,) = m.autograd.grad([gx.sum()], [x])
        results.append((gx.grad_fn.name(), ggx))
    assert results[0][0] == results[1][0]
    _same(results[0][1], results[1][1])


@pytest.mark.parametrize("name", list(OPS))
def test_gradient_of_the_gradient_in_g_like_torch(name):
    # the masked gradient is linear in g: its gradient in g is the same mask (the fused op again)
    out = []
    for m in (fg, torch):
        x = m.tensor(X, dtype=m.float64)
        x.requires_grad_(True)
        g = m.tensor([2.0] * len(X), dtype=m.float64, requires_grad=True)
        (gx,) = m.autograd.grad([OPS[name](m, x)], [x], [g], create_graph=True)
        (gg,) = m.autograd.grad([gx], [g], [m.tensor([3.0] * len(X), dtype=m.float64)], create_graph=True)
        out.append((gg.grad_fn.name() if gg.grad_fn else None, gg))
    assert out[0][0] == out[1][0]
    _same(out[0][1], out[1][1])


@pytest.mark.parametrize("name", list(OPS))
def test_gradgradcheck(name):
    # away from the kinks, where finite differences are meaningless
    rng = np.random.default_rng(5)
    vals = rng.uniform(-8, 8, size=(3, 4))
    vals[np.abs(vals[..., None] - np.array([-6.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 6.0])).min(-1) < 0.1] = 3.0
    x = fg.tensor(vals.tolist(), dtype=fg.float64, requires_grad=True)
    assert fg.autograd.gradcheck(lambda t: OPS[name](fg, t), (x,))
    assert fg.autograd.gradgradcheck(lambda t: OPS[name](fg, t), (x,))


def test_in_place_write_to_the_saved_output_before_double_backward_is_refused_like_torch():
    for m in (fg, torch):
        x = m.tensor([1.0, -1.0, 2.0], requires_grad=True)
        y = x.relu()
        (gx,) = m.autograd.grad([y], [x], [m.ones(3, requires_grad=True)], create_graph=True)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            gx.sum().backward()
