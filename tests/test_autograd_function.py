"""autograd.Function against torch (python/ferrograd/autograd/function.py, src/ops/custom.rs)."""

from __future__ import annotations

import ferrograd as fg
import numpy as np
import pytest

torch = pytest.importorskip("torch")


def make_functions(m):
    class Exp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class ScaleAdd(m.autograd.Function):
        # a non-tensor argument, two tensor inputs, needs_input_grad
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            ctx.flags = ctx.needs_input_grad
            return a * k + b

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k if ctx.needs_input_grad[0] else None, None, g

    class SplitMax(m.autograd.Function):
        # two differentiable outputs and a non-differentiable index output
        @staticmethod
        def forward(ctx, x):
            lo, hi = x * 2, x * x
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x)
            return lo, hi, idx

        @staticmethod
        def backward(ctx, g_lo, g_hi, g_idx):
            (x,) = ctx.saved_tensors
            return g_lo * 2 + g_hi * 2 * x

    return Exp, ScaleAdd, SplitMax


@pytest.mark.parametrize("which", [0, 1, 2])
def test_custom_functions_match_torch(which):
    a0 = np.array([0.5, -1.0, 2.0])
    b0 = np.array([1.0, 2.0, 3.0])
    results = []
    for m in (fg, torch):
        fns = make_functions(m)
        a = m.tensor(a0, requires_grad=True)
        b = m.tensor(b0, requires_grad=True)
        if which == 0:
            out = fns[0].apply(a)
            out.sum().backward()
            results.append((out.detach().numpy(), a.grad.numpy(), None, out.grad_fn.name()))
        elif which == 1:
            out = fns[1].apply(a, 3.0, b)
            (out * m.tensor(b0)).sum().backward()
            results.append((out.detach().numpy(), a.grad.numpy(), b.grad.numpy(), out.grad_fn.name()))
        else:
            lo, hi, idx = fns[2].apply(a)
            assert not idx.requires_grad
            (lo.sum() + (hi * 3).sum()).backward()
            results.append((hi.detach().numpy(), a.grad.numpy(), None, hi.grad_fn.name()))
    (o1, g1, h1, n1), (o2, g2, h2, n2) = results
    np.testing.assert_allclose(o1, o2, rtol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12)
    if h1 is not None:
        np.testing.assert_allclose(h1, h2, rtol=1e-12)
    assert n1 == n2


def test_saved_tensor_modified_in_place_is_detected():
    Exp = make_functions(fg)[0]
    x = fg.tensor([1.0], requires_grad=True)
    h = x * 1
    y = Exp.apply(h)
    with fg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_second_backward_without_retain_graph_is_an_error_and_double_backward_works():
    Exp = make_functions(fg)[0]
    x = fg.tensor([0.3], requires_grad=True)
    y = Exp.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    # backward written with differentiable ops gives second derivatives through the function
    x2 = fg.tensor([0.3], requires_grad=True)
    (g,) = fg.autograd.grad(Exp.apply(x2 * 2).sum(), x2, create_graph=True)
    (gg,) = fg.autograd.grad(g.sum(), x2)
    np.testing.assert_allclose(gg.numpy(), 4 * np.exp(0.6), rtol=1e-6)


def test_wrong_number_of_gradients_is_reported():
    class Bad(fg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return (g,)

    a = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, a).sum().backward()


def test_function_without_grad_just_runs_forward():
    Exp = make_functions(fg)[0]
    y = Exp.apply(fg.tensor([0.0]))
    assert y.tolist() == [1.0] and y.grad_fn is None


def test_an_input_returned_unchanged_is_still_the_input_in_saved_tensors():
    # Regression: the input was swapped for the (detached) output alias in ctx.saved_tensors,
    # so backward saw requires_grad=False.
    seen = []

    class Identity(fg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            seen.append(x.requires_grad)
            return g

    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn.name() == "IdentityBackward"
    y.sum().backward()
    assert seen == [True] and x.grad.tolist() == [1.0, 1.0]


# ---- saved_bytes (graph.memory_report / to_dot) ------------------------------------------------


def test_function_node_reports_the_bytes_it_saved():
    from ferrograd.autograd import graph

    class MulSaving(fg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b, a, None)  # a twice: held once
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b, _, _ = ctx.saved_tensors
            return g * b, g * a

    a = fg.ones(1000, requires_grad=True)
    b = fg.ones(1000, dtype=fg.float64, requires_grad=True)
    y = MulSaving.apply(a, b).sum()
    node = y.grad_fn.next_functions[0][0]
    assert node.name() == "MulSavingBackward"
    assert node.saved_bytes == 4000 + 8000
    rows = {r["name"]: r["saved_bytes"] for r in graph.memory_report(y, as_dict=True)}
    assert rows["MulSavingBackward"] == 12000
    assert "saved 11.7 KiB" in graph.to_dot(y)
    y.backward(retain_graph=True)
    assert node.saved_bytes == 12000
    y.backward()
    assert node.saved_bytes == 0  # freed with ctx by the backward
    assert all(r["saved_bytes"] == 0 for r in graph.memory_report(y, as_dict=True))


def test_saved_outputs_and_several_outputs_count():
    from ferrograd.autograd import graph

    class ExpAndTwice(fg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e)  # an output: held without a cycle, still held
            return e, x * 2

        @staticmethod
        def backward(ctx, ge, gt):
            (e,) = ctx.saved_tensors
            return ge * e + gt * 2

    x = fg.zeros(250, requires_grad=True)
    e, t = ExpAndTwice.apply(x)
    loss = e.sum() + t.sum()
    assert sum(r["saved_bytes"] for r in graph.memory_report(loss, as_dict=True)) == 1000
    loss.backward()
    assert x.grad.tolist() == [3.0] * 250
    assert sum(r["saved_bytes"] for r in graph.memory_report(loss, as_dict=True)) == 0


def test_function_saving_nothing_reports_zero():
    class Double(fg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = fg.ones(10, requires_grad=True)
    assert Double.apply(x).grad_fn.saved_bytes == 0
