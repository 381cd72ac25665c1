"""The wgpu device (src/backend/wgpu): its API, moving tensors, errors, and training on it.

The ops themselves run through the parity suite on "float32-wgpu" (the ``dtype`` fixture in
conftest.py); this file covers what is specific to having a second device.
"""

from __future__ import annotations

import ferrograd as fg
import helpers
import numpy as np
import pytest

torch = pytest.importorskip("torch")

_reason = helpers.wgpu_unavailable_reason()
pytestmark = pytest.mark.skipif(_reason is not None, reason=_reason or "")


def test_device_api():
    assert fg.wgpu.is_available()
    assert fg.wgpu.device_count() == 1
    name = fg.wgpu.get_device_name()
    assert isinstance(name, str) and name
    d = fg.device("wgpu")
    assert d.type == "wgpu" and d.index == 0
    assert repr(d) == "device(type='wgpu', index=0)" and str(d) == "wgpu:0"
    assert fg.device("wgpu:0") == d and d == "wgpu"
    assert fg.device("cpu").index is None
    fg.wgpu.synchronize()


def test_to_and_back_keeps_values_dtypes_and_is_a_copy():
    for data, dtype in (
        ([1.5, -2.0, 3.25], fg.float32),
        ([1, -(2**40), 7], fg.int64),
        ([True, False], fg.bool),
    ):
        x = fg.tensor(data, dtype=dtype)
        g = x.to("wgpu")
        assert g.device.type == "wgpu" and g.dtype == dtype
        assert g.cpu().tolist() == x.tolist()
        assert g.tolist() == x.tolist()  # reading values works on the device too
    x = fg.ones(3)
    g = x.to("wgpu")
    x.add_(1)
    assert g.tolist() == [1.0, 1.0, 1.0]
    assert g.to("wgpu") is g or g.to("wgpu").tolist() == g.tolist()


def test_strided_views_move_as_their_values():
    x = fg.arange(12.0).reshape(3, 4)
    v = x.t()[1:, ::2]
    np.testing.assert_array_equal(v.to("wgpu").cpu().numpy(), v.numpy())


def test_creation_functions_take_device():
    for make in (
        lambda: fg.zeros(2, 3, device="wgpu"),
        lambda: fg.ones(2, 3, device="wgpu"),
        lambda: fg.full((2, 3), 4.0, device="wgpu"),
        lambda: fg.randn(2, 3, device="wgpu"),
        lambda: fg.rand(2, 3, device="wgpu"),
        lambda: fg.arange(6, device="wgpu"),
        lambda: fg.tensor([[1.0, 2.0]], device="wgpu"),
        lambda: fg.eye(3, device=fg.device("wgpu")),
        lambda: fg.from_numpy(np.ones(3, dtype=np.float32)).to("wgpu"),
    ):
        assert make().device.type == "wgpu"
    g = fg.randn(2, 3, device="wgpu")
    assert fg.zeros_like(g).device.type == "wgpu"
    assert fg.ones_like(g, device="cpu").device.type == "cpu"
    leaf = fg.randn(3, device="wgpu", requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad


def test_repr_names_the_device_like_torch_names_cuda():
    x = fg.tensor([1.0, 2.0], device="wgpu", requires_grad=True)
    assert repr(x) == "tensor([1., 2.], device='wgpu:0', requires_grad=True)"


def test_mixing_devices_is_a_runtime_error_naming_both():
    g = fg.ones(3, device="wgpu")
    c = fg.ones(3)
    for f in (lambda: g + c, lambda: c * g, lambda: fg.cat([g, c]), lambda: fg.where(g > 0, g, c)):
        with pytest.raises(RuntimeError, match="same device.*(wgpu:0 and cpu|cpu and wgpu:0)"):
            f()
    # A 0-dim CPU tensor (a scalar) may join, as in torch.
    assert (g * fg.tensor(2.0)).device.type == "wgpu"
    assert (g + 1).tolist() == [2.0, 2.0, 2.0]


def test_float64_and_unknown_devices_are_clear_errors():
    with pytest.raises(RuntimeError, match="float64.*wgpu"):
        fg.ones(2, dtype=fg.float64).to("wgpu")
    with pytest.raises(RuntimeError, match="float64"):
        fg.zeros(2, dtype=fg.float64, device="wgpu")
    # Casting on the way (as torch's .to(device, dtype)) works from float64.
    assert fg.ones(2, dtype=fg.float64).to("wgpu", fg.float32).dtype == fg.float32
    with pytest.raises(RuntimeError, match="'wgpu'"):
        fg.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="wgpu:0"):
        fg.ones(2, device="wgpu:1")


def test_numpy_of_a_gpu_tensor_says_to_use_cpu():
    with pytest.raises(TypeError, match=r"Tensor\.cpu\(\)"):
        fg.ones(2, device="wgpu").numpy()
    assert fg.ones(2, device="wgpu").cpu().numpy().tolist() == [1.0, 1.0]


def test_gradients_flow_across_devices():
    x = fg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x.to("wgpu").exp() * 2).sum()
    y.backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, -2.0, 3.0]), rtol=1e-5)
    g = fg.tensor([0.5, 1.5], device="wgpu", requires_grad=True)
    (g.cpu() ** 2).sum().backward()
    assert g.grad.device.type == "wgpu"
    assert g.grad.tolist() == [1.0, 3.0]


def test_a_cpu_scalar_that_requires_grad_gets_its_grad_on_the_cpu():
    s = fg.tensor(3.0, requires_grad=True)
    g = fg.tensor([1.0, 2.0], device="wgpu")
    (g * s).sum().backward()
    assert s.grad.device.type == "cpu" and s.grad.item() == 3.0


def _mlp_losses(module, device, steps=30):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((64, 20)).astype(np.float32)
    y_np = rng.integers(0, 5, size=64)
    w1_np = (rng.standard_normal((20, 32)) * 0.3).astype(np.float32)
    w2_np = (rng.standard_normal((32, 5)) * 0.3).astype(np.float32)
    kw = {"device": device}
    x = module.tensor(x_np, **kw)
    onehot = module.tensor(np.eye(5, dtype=np.float32)[y_np], **kw)
    w1 = module.tensor(w1_np, requires_grad=True, **kw)
    b1 = module.zeros(32, requires_grad=True, **kw)
    w2 = module.tensor(w2_np, requires_grad=True, **kw)
    b2 = module.zeros(5, requires_grad=True, **kw)
    losses = []
    for _ in range(steps):
        h = (x @ w1 + b1).relu()
        logits = h @ w2 + b2
        loss = -(logits.log_softmax(1) * onehot).sum(1).mean()
        for p in (w1, b1, w2, b2):
            p.grad = None
        loss.backward()
        with module.no_grad():
            for p in (w1, b1, w2, b2):
                p -= 0.5 * p.grad
        losses.append(loss.item())
    return losses, w1.detach().cpu().numpy()


def test_an_mlp_trains_on_wgpu_with_the_cpu_losses():
    gpu, w_gpu = _mlp_losses(fg, "wgpu")
    cpu, _ = _mlp_losses(fg, "cpu")
    ref, w_ref = _mlp_losses(torch, "cpu")
    assert gpu[-1] < 0.5 * gpu[0]  # it learns
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gpu, ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w_gpu, w_ref, rtol=1e-3, atol=1e-4)


def test_large_tensors_reduce_and_multiply_correctly():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3_000_000,)).astype(np.float32)
    g = fg.tensor(a, device="wgpu")
    np.testing.assert_allclose(g.sum().item(), a.astype(np.float64).sum(), rtol=1e-4, atol=1e-2)
    m = rng.standard_normal((300, 200)).astype(np.float32)
    n = rng.standard_normal((200, 260)).astype(np.float32)
    got = (fg.tensor(m, device="wgpu") @ fg.tensor(n, device="wgpu")).cpu().numpy()
    np.testing.assert_allclose(got, m @ n, rtol=1e-4, atol=1e-4)


def test_in_place_ops_and_indexing_on_the_device():
    x = fg.zeros(4, 3, device="wgpu")
    x[1] = 5.0
    x[:, 2] += fg.tensor([1.0, 2.0, 3.0, 4.0], device="wgpu")
    x[fg.tensor([3, 0])] = fg.ones(2, 3, device="wgpu")
    t = torch.zeros(4, 3)
    t[1] = 5.0
    t[:, 2] += torch.tensor([1.0, 2.0, 3.0, 4.0])
    t[torch.tensor([3, 0])] = torch.ones(2, 3)
    np.testing.assert_array_equal(x.cpu().numpy(), t.numpy())
    assert x[fg.tensor([0, 3])].device.type == "wgpu"
    assert x.argmax().device.type == "wgpu" and x.argmax().item() == t.argmax().item()


def test_repeated_indices_accumulate_their_gradients():
    # The backward of x[idx] scatters with accumulation (a compare-and-swap loop on the GPU).
    w = np.arange(5, dtype=np.float32)
    idx = [4, 0, 4, 4, 2]
    x = fg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], device="wgpu", requires_grad=True)
    (x[fg.tensor(idx)] * fg.tensor(w, device="wgpu")).sum().backward()
    xt = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    (xt[torch.tensor(idx)] * torch.tensor(w)).sum().backward()
    assert x.grad.device.type == "wgpu"
    np.testing.assert_array_equal(x.grad.cpu().numpy(), xt.grad.numpy())


# Cases of the parity suite that are not float32 (so not in its "float32-wgpu" runs): integer
# and bool data, views and in-place writes, run with ferrograd's tensors on the GPU.
_I = np.array([[3, -1, 4], [1, -5, 9]], dtype=np.int64)
_F = np.array([[0.5, -1.5, 2.0], [2.0, -0.25, 2.0]], dtype=np.float32)
_B = np.array([[True, False, True], [False, False, True]])

INT_BOOL_VIEW_CASES = {
    "int_arith": lambda m, i, f, b: (i + i * 3 - 2, i - i.sum(1, keepdim=True), -i, i.abs()),
    "int_true_div": lambda m, i, f, b: i / 2,
    "int_compare_and_where": lambda m, i, f, b: (i > 1, i == 4, m.where(b, i, -i)),
    "bool_logic": lambda m, i, f, b: (b & (i > 0), b | ~b, b.sum(), (i > 0).sum(1)),
    "int_reductions": lambda m, i, f, b: (i.sum(), i.sum(0), i.max(), i.min(1).values, i.argmax(1)),
    "float_ties_first_index": lambda m, i, f, b: (f.argmax(1), f.max(1).indices, f.argmin()),
    "casts": lambda m, i, f, b: (i.float(), f.long(), b.float(), f.bool(), i.bool(), b.long()),
    "int_matmul": lambda m, i, f, b: i @ i.t(),
    "int_cat_stack": lambda m, i, f, b: (m.cat([i, i]), m.stack([b, b], 1)),
    "bool_mask_index": lambda m, i, f, b: (f[b], i[b], f[i > 0]),
    "int_index": lambda m, i, f, b: (f[m.tensor([1, 0, 1], device=f.device)], f[:, i[0].clamp(0, 2)]),
    "int_remainder_fmod": lambda m, i, f, b: (
        i % 2,
        i % -3,
        7 % i.clamp(1, 9),
        m.fmod(i, 4),
        i.remainder(i.abs() + 1),
    ),
    "bitwise_not": lambda m, i, f, b: (~i, ~b, i.bitwise_not()),
    "views": lambda m, i, f, b: (f.t().reshape(6), f[:, ::2], f.unsqueeze(0).expand(2, 2, 3), i.view(3, 2)),
}


def _on(module, device):
    def make(a):
        t = module.tensor(a)
        return t.to(device) if module is fg else t

    return make


@pytest.mark.parametrize("name", sorted(INT_BOOL_VIEW_CASES))
def test_int_bool_and_view_ops_on_the_device(name):
    fn = INT_BOOL_VIEW_CASES[name]
    got = fn(fg, *map(_on(fg, "wgpu"), (_I, _F, _B)))
    want = fn(torch, *map(_on(torch, "cpu"), (_I, _F, _B)))
    got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
    for g, w in zip(got, want):
        assert g.device.type == "wgpu", name
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], name
        np.testing.assert_array_equal(g.cpu().numpy(), w.numpy(), err_msg=name)


def test_views_share_storage_and_writes_show_through_on_the_device():
    base = fg.zeros(2, 3, device="wgpu")
    view = base.t()[1:]
    view[0, 1] = 7.0  # writes base[1, 1]
    base[0] += 1
    view2 = base[:, 1]
    view2.mul_(2)
    t = torch.zeros(2, 3)
    tv = t.t()[1:]
    tv[0, 1] = 7.0
    t[0] += 1
    t[:, 1].mul_(2)
    np.testing.assert_array_equal(base.cpu().numpy(), t.numpy())
    np.testing.assert_array_equal(view.cpu().numpy(), tv.numpy())


def test_exiting_with_gpu_work_in_flight_does_not_crash():
    # regression: a process that exited while lavapipe still ran queued kernels died with SIGSEGV
    # in the driver's teardown (3-4 runs in 6 of this script with Mesa's shader cache off).
    # ferrograd now waits for the work in flight at exit (an atexit hook).
    import os
    import subprocess
    import sys

    script = (
        "import ferrograd as fg\n"
        "vals = [0, -1, 3.5, True, fg.tensor([]), fg.zeros(0, 3), fg.ones(2, 3), fg.tensor(1.0),\n"
        "        fg.ones(2, dtype=fg.int64), fg.ones(2, dtype=fg.bool), fg.ones(2, 3, device='wgpu'),\n"
        "        fg.zeros(0, device='wgpu'), fg.tensor(1.0, device='wgpu')]\n"
        "for a in vals:\n"
        "    for b in vals:\n"
        "        try:\n"
        "            fg.le(a, b)\n"
        "        except Exception:\n"
        "            pass\n"
    )
    env = dict(os.environ, MESA_SHADER_CACHE_DISABLE="true")
    for _ in range(6):
        r = subprocess.run(
            [sys.executable, "-c", script], check=False, env=env, capture_output=True, timeout=120
        )
        assert r.returncode == 0, (r.returncode, r.stderr.decode(errors="replace")[-2000:])
