"""autograd.grad, create_graph and backward(inputs=...) against torch (src/autograd/engine.rs)."""

from __future__ import annotations

import gc

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch

torch = pytest.importorskip("torch")


def both(fn, *arrays):
    return fn(fg, *[fg.tensor(a, requires_grad=True) for a in arrays]), fn(
        torch, *[torch.tensor(a, requires_grad=True) for a in arrays]
    )


def test_grad_returns_without_touching_dot_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = fg.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0]
    assert x.grad is None


def test_second_and_third_derivatives_match_torch():
    a = np.array([0.3, -1.2, 2.0])

    def fn(m, x):
        y = (x.sin() * x.exp() + x**3).sum()
        (g1,) = m.autograd.grad(y, x, create_graph=True)
        (g2,) = m.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = m.autograd.grad(g2.sum(), x)
        return g1, g2, g3

    ours, theirs = both(fn, a)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10)


def test_hessian_vector_product_through_matmul_softmax_and_reductions():
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    v0 = rng.standard_normal((4, 3))

    def fn(m, x, w):
        y = (x @ w).tanh().softmax(-1).log().mean() + (x * x).var()
        (gx,) = m.autograd.grad(y, x, create_graph=True)
        return m.autograd.grad((gx * m.tensor(v0)).sum(), (x, w))

    ours, theirs = both(fn, x0, w0)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


def test_only_the_needed_part_of_the_graph_runs_and_unused_inputs_are_reported():
    x = fg.tensor(1.0, requires_grad=True)
    z = fg.tensor(1.0, requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match="allow_unused"):
        fg.autograd.grad(y, (x, z), retain_graph=True)
    gx, gz = fg.autograd.grad(y, (x, z), allow_unused=True)
    assert gx.item() == 3.0 and gz is None


def test_grad_of_a_non_leaf_input():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    (gh,) = fg.autograd.grad(y, h)
    assert gh.tolist() == [4.0, 8.0]


def test_backward_with_inputs_accumulates_only_there():
    x = fg.tensor(2.0, requires_grad=True)
    w = fg.tensor(3.0, requires_grad=True)
    (x * w).backward(inputs=[w])
    assert x.grad is None and w.grad.item() == 2.0


def test_create_graph_on_a_leaf_does_not_keep_the_leaf_alive():
    # torch leaks here (its issue #7343): x.grad holds a graph that ends in x's own
    # accumulator, which holds x. Ours holds the leaf weakly: once x is gone, the graph of
    # its gradient no longer reaches it.
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    stack, accs = [g.grad_fn], []
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            if nxt.name().endswith("AccumulateGrad"):
                accs.append(nxt)
            else:
                stack.append(nxt)
    assert accs and accs[0].variable.data_ptr() == x.data_ptr()
    del x
    gc.collect()
    with pytest.raises(AttributeError):
        _ = accs[0].variable


# --- hostile arguments: torch's exception types (tests/hostile_cases.py) ---------------------


def _loss(m):
    x = m.ones(2, 3, requires_grad=True)
    return x, (x * x).sum()


@pytest.mark.parametrize("outputs", [[1, 2], (2, -2), "abc", ["a", "b"]], ids=repr)
@pytest.mark.parametrize("fn", ["grad", "backward"])
def test_non_tensor_outputs_raise_torchs_assertion(fn, outputs):
    def call(m):
        x, _ = _loss(m)
        return m.autograd.grad(outputs, x) if fn == "grad" else m.autograd.backward(outputs)

    f_exc, _ = assert_raises_like_torch(call, match="Tensor")
    assert isinstance(f_exc, TypeError)  # a wrong type is a TypeError as well


@pytest.mark.parametrize("inputs", [[1, 2], (2, -2), "abc", ["a", "b"]], ids=repr)
def test_non_tensor_inputs_raise_runtime_error(inputs):
    f_exc, _ = assert_raises_like_torch(lambda m: m.autograd.grad(_loss(m)[1], inputs), match="Tensors")
    assert isinstance(f_exc, TypeError)


_BAD_FLAGS = [-1, 256, 2**40, -(2**62), 1.5, "a", None, [1, 2]]
_FLAG_CASES = [
    (name, value)
    for name in ("create_graph", "retain_graph", "allow_unused", "materialize_grads")
    for value in _BAD_FLAGS
    if not (value is None and name in ("retain_graph", "allow_unused"))  # None: their default
]


@pytest.mark.parametrize(("name", "value"), _FLAG_CASES, ids=repr)
def test_flags_take_a_bool_or_a_byte_as_torch(name, value):
    def call(m):
        x, loss = _loss(m)
        return m.autograd.grad(loss, x, **{name: value})

    assert_raises_like_torch(call, match=name)


@pytest.mark.parametrize("fn", ["grad", "backward"])
@pytest.mark.parametrize("value", [0, 1, 2, 255, True], ids=repr)
def test_flags_take_ints_in_byte_range(fn, value):
    for m in (fg, torch):
        x, loss = _loss(m)
        if fn == "grad":
            (g,) = m.autograd.grad(loss, x, create_graph=value)
            assert g.requires_grad == bool(value)
        else:
            m.autograd.backward(loss, retain_graph=value)
            assert x.grad is not None


def test_one_element_integer_tensor_flag_is_read_by_index():
    for m in (fg, torch):
        x, loss = _loss(m)
        (g,) = m.autograd.grad(loss, x, create_graph=m.tensor(1))
        assert g.requires_grad


def test_backward_of_nothing_is_a_no_op_as_torch():
    for m in (fg, torch):
        x = m.ones(2, 3, requires_grad=True)
        assert m.autograd.backward((), grad_tensors=[m.ones(2, 3)]) is None
        assert x.grad is None


def test_backward_with_empty_inputs_raises():
    assert_raises_like_torch(lambda m: m.autograd.backward(_loss(m)[1], inputs=()), match="empty")


def test_grad_with_dict_inputs_returns_a_dict():
    res = {}
    for m in (fg, torch):
        x, loss = _loss(m)
        res[m] = m.autograd.grad(loss, {"x": x})
    assert list(res[fg]) == ["x"]
    np.testing.assert_allclose(res[fg]["x"].numpy(), res[torch]["x"].numpy())


def test_materialize_grads_refuses_allow_unused_false():
    assert_raises_like_torch(
        lambda m: m.autograd.grad(_loss(m)[1], _loss(m)[0], materialize_grads=True, allow_unused=False),
        match="allow_unused",
    )
