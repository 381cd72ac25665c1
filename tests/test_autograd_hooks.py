"""Tensor and node hooks against torch (src/autograd/hooks.rs, src/bindings/hooks.rs)."""

from __future__ import annotations

import ferrograd as fg
import pytest

torch = pytest.importorskip("torch")


def run(m, register):
    x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    log = []
    y = register(m, x, log)
    y.sum().backward()
    return x.grad.tolist(), log


def nonleaf_replace(m, x, log):
    y = x * 3
    y.register_hook(lambda g: g * 2)
    return y.exp()


def leaf_replace(m, x, log):
    x.register_hook(lambda g: g + 1)
    return x * x


def observe(m, x, log):
    y = x * 2
    y.register_hook(lambda g: log.append(g.tolist()))
    return y.sin()


def node_prehook(m, x, log):
    y = x * 2
    y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    return y


def node_posthook(m, x, log):
    y = x.exp()
    y.grad_fn.register_hook(lambda gi, go: log.append(len(gi)))
    return y


@pytest.mark.parametrize("register", [nonleaf_replace, leaf_replace, observe, node_prehook, node_posthook])
def test_hooks_match_torch(register):
    assert run(fg, register) == run(torch, register)


def test_removed_hooks_no_longer_run_and_handles_are_context_managers():
    for m in (fg, torch):
        x = m.tensor([1.0], requires_grad=True)
        h = x.register_hook(lambda g: g * 100)
        h.remove()
        (x * 2).sum().backward()
        assert x.grad.tolist() == [2.0]
        y = x * 1
        with y.register_hook(lambda g: g * 0):
            pass
        y.backward(retain_graph=True)
        assert x.grad.tolist() == [3.0]


def test_post_accumulate_grad_hook_sees_the_updated_grad():
    seen = []
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0], [6.0, 6.0]]
    with pytest.raises(RuntimeError):
        (x * 1).register_post_accumulate_grad_hook(lambda t: None)


def test_exceptions_in_hooks_surface_unchanged_and_bad_returns_are_errors():
    x = fg.tensor([1.0], requires_grad=True)
    y = x * 1

    def boom(g):
        raise KeyError("from the hook")

    y.register_hook(boom)
    with pytest.raises(KeyError, match="from the hook"):
        y.sum().backward()
    z = x * 1
    z.register_hook(lambda g: fg.ones(3))
    with pytest.raises(RuntimeError, match="changed the size"):
        z.sum().backward()
    w = x * 1
    w.register_hook(lambda g: "nope")
    with pytest.raises(TypeError):
        w.sum().backward()


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError):
        fg.tensor([1.0]).register_hook(lambda g: g)
