"""Reference cycles that run through the Rust graph (src/autograd/gc.rs, Tensor.__traverse__ and
Node.__traverse__ in src/bindings): a hook that refers to its own tensor, a Function whose ctx
keeps its output, a node hook that keeps the node's tensor. Python's collector frees them once the
tensor's object reports what it owns through Rust.

Each case builds the cycle many times in a function (so the only references left are the cycle's
own), collects, and checks the exact count of live graph nodes and that the tensors' objects died.
"""

from __future__ import annotations

import gc
import weakref

import ferrograd as fg
import pytest

REPS = 50


def live_after(make) -> tuple[int, list]:
    """Live graph nodes gained after REPS calls of `make` and a collection, and the weak
    references `make` returned (dead when the cycle was freed)."""
    gc.collect()
    before = fg._core._live_nodes()
    refs = [make() for _ in range(REPS)]
    gc.collect()
    return fg._core._live_nodes() - before, refs


class Double(fg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


class KeepsOutput(fg.autograd.Function):
    """Stores its output on ctx, which torch's docs warn makes a cycle."""

    @staticmethod
    def forward(ctx, x):
        out = x * 2
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        return g * 2


def tensor_hook_on_own_tensor():
    a = fg.ones(3, requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: b * g)
    return weakref.ref(b)


def tensor_hook_on_retained_grad():
    a = fg.ones(3, requires_grad=True)
    b = a.exp()
    b.retain_grad()
    b.register_hook(lambda g: g + b.grad if b.grad is not None else g)
    return weakref.ref(b)


def node_post_hook():
    a = fg.ones(3, requires_grad=True)
    b = a * 2
    b.grad_fn.register_hook(lambda gi, go: (b,))
    return weakref.ref(b)


def node_pre_hook():
    a = fg.ones(3, requires_grad=True)
    b = a.exp()
    b.grad_fn.register_prehook(lambda go: (b,))
    return weakref.ref(b)


def hook_deep_in_the_graph():
    # the hooked node is three nodes below the tensor that ends the cycle
    a = fg.ones(3, requires_grad=True)
    b = a.sin()
    c = b.exp().tanh().sum()
    b.register_hook(lambda g: g * c)
    del b
    return weakref.ref(c)


def leaf_hook():
    a = fg.ones(3, requires_grad=True)
    a.register_hook(lambda g: g * a)
    return weakref.ref(a)


def post_accumulate_hook():
    a = fg.ones(3, requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: a)
    return weakref.ref(a)


def function_ctx_keeps_output():
    a = fg.ones(3, requires_grad=True)
    b = KeepsOutput.apply(a * 1)
    return weakref.ref(b)


def hook_on_a_function_node_below():
    # c's AddBackward holds the Function's node; a hook there refers to c. The Function's
    # backward must not keep its outputs for this (it did: the node was shared with b's tensor,
    # which is not walked). b * 3 would save b and share the node the same way.
    a = fg.ones(3, requires_grad=True)
    b = Double.apply(a * 1)
    c = b + 1
    b.register_hook(lambda g: g * c)
    del b
    return weakref.ref(c)


def grad_fn_object_kept_by_its_hook():
    a = fg.ones(3, requires_grad=True)
    fn = (a * 2).grad_fn
    fn.register_hook(lambda gi, go: fn)
    return weakref.ref(fn) if hasattr(fn, "__weakref__") else None


CYCLES = [
    tensor_hook_on_own_tensor,
    tensor_hook_on_retained_grad,
    node_post_hook,
    node_pre_hook,
    hook_deep_in_the_graph,
    leaf_hook,
    post_accumulate_hook,
    function_ctx_keeps_output,
    hook_on_a_function_node_below,
    grad_fn_object_kept_by_its_hook,
]


@pytest.mark.parametrize("make", CYCLES, ids=lambda f: f.__name__)
def test_cycle_through_the_graph_is_collected(make):
    gained, refs = live_after(make)
    assert gained == 0, f"{gained} graph nodes kept alive by {REPS} cycles"
    assert all(r is None or r() is None for r in refs)


def test_the_check_sees_a_leak():
    # the same cycle, kept reachable on purpose: the measure must see it
    kept = []

    def make():
        b = fg.ones(3, requires_grad=True) * 2
        b.register_hook(lambda g: b * g)
        kept.append(b)
        return weakref.ref(b)

    gained, refs = live_after(make)
    assert gained == 2 * REPS  # each b's MulBackward and a's AccumulateGrad
    assert all(r() is not None for r in refs)


def test_cycle_member_still_works_until_collected():
    # reporting references must not break the tensor: the hook still runs
    a = fg.ones(3, requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: g + b)
    gc.collect()
    b.sum().backward()
    assert a.grad.tolist() == [6.0, 6.0, 6.0]


def test_shared_graph_is_not_freed_under_a_live_user():
    # `c` and `d` share b's node; a cycle through it must not be freed while `d` lives
    a = fg.ones(3, requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: g * 10)
    c, d = b + 1, b + 2
    del b, c
    gc.collect()
    d.sum().backward()
    assert a.grad.tolist() == [20.0, 20.0, 20.0]


def test_collection_during_backward_hooks():
    # a hook that runs the collector while the engine holds the graph
    a = fg.ones(3, requires_grad=True)
    b = a.exp()
    b.register_hook(lambda g: (gc.collect(), g)[1])
    c = b * b
    c.register_hook(lambda g: (gc.collect(), g * c)[1])
    c.sum().backward()
    assert a.grad is not None
