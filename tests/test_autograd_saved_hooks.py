"""saved_tensors_hooks against torch (src/autograd/saved.rs, src/bindings/hooks.rs)."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
import pytest

torch = pytest.importorskip("torch")


def run(m):
    packed, unpacked = [], []

    def pack(t):
        packed.append(tuple(t.shape))
        return t * 1  # a copy, as an offloading hook would make

    def unpack(t):
        unpacked.append(tuple(t.shape))
        return t

    x = m.tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    w = m.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (x @ w).tanh().sum()
    y.backward()
    return sorted(packed), sorted(unpacked), x.grad.numpy(), w.grad.numpy()


def test_pack_and_unpack_see_the_saved_tensors_and_gradients_match_torch():
    ours, theirs = run(fg), run(torch)
    assert ours[0] == theirs[0] and ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-12)


def test_hooks_end_with_the_context_and_errors_surface():
    calls = []
    x = fg.tensor([1.0], requires_grad=True)
    with fg.autograd.graph.saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
        pass
    (x.exp()).sum().backward()
    assert calls == []

    def bad_unpack(t):
        raise ValueError("unpack failed")

    with fg.autograd.graph.saved_tensors_hooks(lambda t: t, bad_unpack):
        y = x.exp()
    with pytest.raises(ValueError, match="unpack failed"):
        y.sum().backward()
