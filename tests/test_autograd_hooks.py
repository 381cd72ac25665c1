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


@pytest.mark.parametrize(
    "register",
    [
        # a non-leaf hook that replaces the gradient
        lambda m, x, log: (lambda y: (y.register_hook(lambda g: g * 2), y.exp())[1])(x * 3),
        # a leaf hook runs before accumulation and may replace
        lambda m, x, log: (x.register_hook(lambda g: g + 1), (x * x))[1],
        # a hook that only observes
        lambda m, x, log: (lambda y: (y.register_hook(lambda g: log.append(g.tolist())), y.sin())[1])(x * 2),
        # node pre-hook and post-hook
        lambda m, x, log: (lambda y: (y.grad_fn.register_prehook(lambda go: (go[0] * 10,)), y)[1])(x * 2),
        lambda m, x, log: (lambda y: (y.grad_fn.register_hook(lambda gi, go: log.append(len(gi))), y)[1])(
            x.exp()
        ),
    ],
)
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
