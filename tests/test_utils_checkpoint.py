"""ferrograd.utils.checkpoint against torch.utils.checkpoint (python/ferrograd/utils/checkpoint.py).

Gradients through a checkpoint (of the inputs and of weights the function captures) equal the
uncheckpointed ones and torch's, and the checkpointed graph keeps less for backward.
"""

from __future__ import annotations

import warnings

import ferrograd as fg
import numpy as np
import pytest
from ferrograd.autograd.graph import memory_report
from ferrograd.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")
tcp = torch.utils.checkpoint

RTOL = 1e-10
D_IN, D_HID, BATCH = 8, 32, 16


def cp_of(m):
    return checkpoint if m is fg else tcp.checkpoint


def cps_of(m):
    return checkpoint_sequential if m is fg else tcp.checkpoint_sequential


def nbytes(t):
    return t.numel() * t.element_size()


def total_saved(t):
    return sum(r["saved_bytes"] for r in memory_report(t, as_dict=True))


def reachable(t):
    """Names of the nodes behind ``t``, and the leaves their AccumulateGrad nodes hold."""
    names, leaves, seen, todo = [], [], set(), [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        if node.name() == "torch::autograd::AccumulateGrad":
            leaves.append(node.variable)
        todo.extend(n for n, _ in node.next_functions)
    return names, leaves


class MLP:
    """A small MLP-like chain whose weights live in closures (like module parameters)."""

    def __init__(self, m, seed=0, n_layers=3):
        rng = np.random.default_rng(seed)
        dims = [D_IN] + [D_HID] * (n_layers - 1) + [D_IN]
        self.m = m
        self.params = []
        for a, b in zip(dims[:-1], dims[1:]):
            w = m.tensor(rng.standard_normal((a, b)) / np.sqrt(a), dtype=m.float64, requires_grad=True)
            bias = m.tensor(rng.standard_normal(b) * 0.1, dtype=m.float64, requires_grad=True)
            self.params += [w, bias]
        self.x = m.tensor(rng.standard_normal((BATCH, D_IN)), dtype=m.float64, requires_grad=True)
        self.g = m.tensor(rng.standard_normal((BATCH, D_IN)), dtype=m.float64)

    def layer(self, i):
        w, b = self.params[2 * i], self.params[2 * i + 1]
        last = i == len(self.params) // 2 - 1
        return (lambda h: h @ w + b) if last else (lambda h: (h @ w + b).tanh())

    def layers(self):
        return [self.layer(i) for i in range(len(self.params) // 2)]

    def forward(self, h):
        for f in self.layers():
            h = f(h)
        return h

    def grads(self, out):
        (out * self.g).sum().backward()
        return [out.detach().numpy().copy()] + [t.grad.numpy().copy() for t in [self.x, *self.params]]


def assert_all_close(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=RTOL, atol=1e-12)


def test_importable_as_torch_is():
    import ferrograd.utils.checkpoint as mod

    assert fg.utils.checkpoint is mod
    assert mod.checkpoint is checkpoint
    assert set(mod.__all__) >= {"checkpoint", "checkpoint_sequential"}
    assert "utils" in fg.__all__


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_mlp_gradients_match_plain_and_torch(use_reentrant):
    results = {}
    for m in (fg, torch):
        plain = MLP(m)
        results[m.__name__, "plain"] = plain.grads(plain.forward(plain.x))
        ck = MLP(m)
        out = cp_of(m)(ck.forward, ck.x, use_reentrant=use_reentrant)
        if use_reentrant or m is fg:  # torch's non-reentrant variant records the real graph
            assert out.grad_fn.name() == "CheckpointFunctionBackward"
        results[m.__name__, "ckpt"] = ck.grads(out)
    assert_all_close(results["ferrograd", "ckpt"], results["ferrograd", "plain"])
    assert_all_close(results["ferrograd", "ckpt"], results["torch", "ckpt"])
    assert_all_close(results["torch", "ckpt"], results["torch", "plain"])


@pytest.mark.parametrize(("n_layers", "segments"), [(6, 1), (6, 2), (6, 3), (6, 6), (7, 3), (5, 2)])
def test_checkpoint_sequential_matches_plain_and_torch(n_layers, segments):
    results = {}
    for m in (fg, torch):
        plain = MLP(m, seed=1, n_layers=n_layers)
        results[m.__name__, "plain"] = plain.grads(plain.forward(plain.x))
        ck = MLP(m, seed=1, n_layers=n_layers)
        out = cps_of(m)(ck.layers(), segments, ck.x, use_reentrant=True)
        results[m.__name__, "ckpt"] = ck.grads(out)
    assert_all_close(results["ferrograd", "ckpt"], results["ferrograd", "plain"])
    assert_all_close(results["ferrograd", "ckpt"], results["torch", "ckpt"])


def test_checkpointed_graph_holds_less():
    plain = MLP(fg)
    out_plain = plain.forward(plain.x)
    ck = MLP(fg)
    out_ck = checkpoint(ck.forward, ck.x, use_reentrant=True)

    plain_bytes = total_saved(out_plain)
    # The plain graph keeps every layer's input and tanh output (and counts the weights its
    # matmuls saved): at least the two hidden activations of BATCH x D_HID float64.
    assert plain_bytes >= 2 * BATCH * D_HID * 8
    # The checkpoint node is a Python autograd.Function: it reports what its ctx saved (the input).
    report = memory_report(out_ck, as_dict=True)
    assert [r["name"] for r in report] == ["CheckpointFunctionBackward"]
    assert report[0]["saved_bytes"] == nbytes(ck.x)
    ck_bytes = total_saved(out_ck)
    assert ck_bytes < plain_bytes / 4

    # Nothing of the function's graph is recorded: only the node and the input's leaf; the
    # weights are reached by the backward's recomputation, not through the graph.
    names, leaves = reachable(out_ck)
    assert sorted(names) == ["CheckpointFunctionBackward", "torch::autograd::AccumulateGrad"]
    assert len(leaves) == 1 and leaves[0].data_ptr() == ck.x.data_ptr()
    _, plain_leaves = reachable(out_plain)
    assert len(plain_leaves) == 1 + len(plain.params)

    # ...and after backward the gradients are the same.
    assert_all_close(ck.grads(out_ck), plain.grads(out_plain))


def test_checkpoint_sequential_holds_less():
    n_layers = 8
    plain = MLP(fg, seed=2, n_layers=n_layers)
    out_plain = plain.forward(plain.x)
    ck = MLP(fg, seed=2, n_layers=n_layers)
    out_ck = checkpoint_sequential(ck.layers(), 4, ck.x, use_reentrant=True)
    names, _ = reachable(out_ck)
    assert names.count("CheckpointFunctionBackward") == 3
    # The last segment (2 layers) is recorded as usual; the three checkpoints keep their
    # inputs: ck.x and two BATCH x D_HID activations.
    kept = nbytes(ck.x) + 2 * BATCH * D_HID * 8
    assert total_saved(out_ck) + kept < total_saved(out_plain) / 2
    assert_all_close(ck.grads(out_ck), plain.grads(out_plain))


def test_function_runs_once_forward_once_backward():
    calls = []
    w = fg.tensor([2.0, 3.0], requires_grad=True)

    def f(t):
        calls.append(fg.is_grad_enabled())
        return (t * w).exp()

    x = fg.tensor([0.5, -0.5], requires_grad=True)
    y = checkpoint(f, x, use_reentrant=True)
    assert calls == [False]
    assert y.requires_grad
    y.sum().backward()
    assert calls == [False, True]
    assert fg.is_grad_enabled()


def test_several_outputs_and_non_tensor_args():
    a0 = np.array([0.5, -1.0, 2.0])
    k0 = np.array([1.0, 2.0, 3.0])
    res = []
    for m in (fg, torch):
        w = m.tensor([0.3, 0.2, 0.1], dtype=m.float64, requires_grad=True)
        x = m.tensor(a0, requires_grad=True)
        k = m.tensor(k0)  # a tensor input that needs no gradient
        idx = m.tensor([2, 0, 1])  # an integer tensor input

        def f(t, c, scale, tag, i, w=w):
            assert tag == "tag"
            return (t * c * scale).sin() * w, (t * w).sum(), i * 2, tag

        p, q, i2, tag = cp_of(m)(f, x, k, 2.0, "tag", idx, use_reentrant=True)
        assert tag == "tag" and i2.tolist() == [4, 0, 2] and not i2.requires_grad
        (p.sum() * 3 + q).backward()
        assert k.grad is None
        res.append([x.grad.numpy().copy(), w.grad.numpy().copy(), p.detach().numpy().copy()])
    assert_all_close(res[0], res[1])


def test_unused_output_gets_zero_gradient():
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, _b = cp_of(m)(lambda t: (t * 2, t.exp()), x, use_reentrant=True)
        a.sum().backward()
        assert x.grad.tolist() == [2.0, 2.0]


def test_input_returned_unchanged():
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = cp_of(m)(lambda t: t, x, use_reentrant=True)
        (y * 3).sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]


def test_backward_twice_is_a_clear_error():
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = cp_of(m)(lambda t: t.exp(), x, use_reentrant=True)
        y.sum().backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.sum().backward()
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="CheckpointFunctionBackward"):
        y = checkpoint(lambda t: t.exp(), x, use_reentrant=True)
        y.sum().backward()
        y.sum().backward()


def test_retain_graph_recomputes_again():
    res = []
    for m in (fg, torch):
        w = m.tensor([0.5, 1.5], requires_grad=True)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = cp_of(m)(lambda t, w=w: (t * w).exp(), x, use_reentrant=True)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        res.append([x.grad.numpy().copy(), w.grad.numpy().copy()])
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)


def test_saved_input_modified_in_place_is_an_error():
    for m in (fg, torch):
        w = m.tensor([0.5, 1.5], requires_grad=True)
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = cp_of(m)(lambda t, w=w: (t * w).exp(), h, use_reentrant=True)
        h.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


@pytest.mark.filterwarnings("ignore:None of the inputs")  # the inner one, in the outer's forward
def test_nested_checkpoints():
    res = []
    for m in (fg, torch):
        cp = cp_of(m)
        w = m.tensor([0.5, -1.5, 2.0], dtype=m.float64, requires_grad=True)
        x = m.tensor([1.0, 2.0, 0.3], dtype=m.float64, requires_grad=True)

        def inner(t, w=w):
            return (t * w).sin()

        def outer(t, cp=cp, inner=inner):
            return cp(inner, t * 2, use_reentrant=True).exp()

        cp(outer, x, use_reentrant=True).sum().backward()
        res.append([x.grad.numpy().copy(), w.grad.numpy().copy()])
    assert_all_close(res[0], res[1])


def test_independent_checkpoints_in_parallel_branches():
    res = []
    for m in (fg, torch):
        x = m.tensor(np.linspace(-1, 1, 64), requires_grad=True)
        ys = [cp_of(m)(lambda t, i=i: (t * (i + 1)).tanh().exp(), x, use_reentrant=True) for i in range(8)]
        sum(y.sum() for y in ys).backward()
        res.append([x.grad.numpy().copy()])
    assert_all_close(res[0], res[1])


def test_use_reentrant_none_warns_and_means_true():
    for m in (fg, torch):
        x = m.tensor([1.0], requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant"):
            y = cp_of(m)(lambda t: t * 2, x)
        assert y.grad_fn.name() == "CheckpointFunctionBackward"
        with pytest.warns(UserWarning, match="use_reentrant"):
            cps_of(m)([lambda t: t * 2, lambda t: t + 1], 2, x)


def test_reentrant_without_grad_inputs():
    for m in (fg, torch):
        w = m.tensor([2.0], requires_grad=True)
        x = m.tensor([1.0])
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            y = cp_of(m)(lambda t, w=w: t * w, x, use_reentrant=True)
        assert not y.requires_grad  # as torch: the reentrant variant loses the weights' graph
        assert w.grad is None


def test_non_reentrant_reaches_captured_weights_without_grad_inputs():
    for m in (fg, torch):
        w = m.tensor([2.0, 3.0], requires_grad=True)
        x = m.tensor([1.0, 4.0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = cp_of(m)(lambda t, w=w: (t * w).sum(), x, use_reentrant=False)
        assert y.requires_grad
        y.backward()
        assert w.grad.tolist() == [1.0, 4.0]
        assert x.grad is None


def test_keyword_arguments():
    res = []
    for m in (fg, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        s = m.tensor([0.5, 3.0], dtype=m.float64, requires_grad=True)

        def f(t, *, scale, power=2):
            return (t * scale) ** power

        with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
            cp_of(m)(f, x, scale=s, use_reentrant=True)
        y = cp_of(m)(f, x, scale=s, power=3, use_reentrant=False)
        y.sum().backward()
        res.append([y.detach().numpy().copy(), x.grad.numpy().copy(), s.grad.numpy().copy()])
    assert_all_close(res[0], res[1])


def test_under_no_grad_is_a_plain_call():
    w = fg.tensor([2.0], requires_grad=True)
    x = fg.tensor([1.0], requires_grad=True)
    for reentrant in (True, False):
        with fg.no_grad():
            y = checkpoint(lambda t: t * w, x, use_reentrant=reentrant)
        assert not y.requires_grad and y.grad_fn is None


def test_checkpoint_sequential_arguments():
    fns = [lambda t: t * 2, lambda t: t + 1, lambda t: t.exp()]
    x = fg.tensor([0.5], requires_grad=True)
    for m, xx in ((fg, x), (torch, torch.tensor([0.5], requires_grad=True))):
        with pytest.raises(ValueError):
            cps_of(m)(fns, 5, xx, use_reentrant=True)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: bogus"):
            cps_of(m)(fns, 2, xx, use_reentrant=True, bogus=1)
    y = checkpoint_sequential(tuple(fns), 3, x, use_reentrant=True, preserve_rng_state=False)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * np.exp(2.0)], rtol=1e-6)

    class Seq:  # an nn.Sequential-like container
        def children(self):
            return iter(fns)

    x.grad = None
    checkpoint_sequential(Seq(), 2, x, use_reentrant=False).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * np.exp(2.0)], rtol=1e-6)


def test_non_reentrant_without_any_grad_leaf():
    # ferrograd cannot know before backward that function uses no leaf requiring grad, so the
    # output requires grad (torch's does not); its backward then does nothing.
    x = fg.tensor([1.0, 4.0])
    y = checkpoint(lambda t: (t * 2).sum(), x, use_reentrant=False)
    assert y.requires_grad
    y.backward()
    assert x.grad is None
