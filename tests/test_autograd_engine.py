"""The backward engine and graph (src/autograd/engine.rs): chains, diamonds, accumulation,
retain_graph, retain_grad, grad_fn names and next_functions, is_leaf, detach, grad mode (context
managers, decorators, per thread), long chains, backward(gradient), in-place ops and saved-tensor
version checks. Compared with torch where the behaviour is observable."""

import threading
import warnings

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, check, run_both, to_numpy

torch = pytest.importorskip("torch")


def _grads(*ts):
    return [None if t.grad is None else to_numpy(t.grad) for t in ts]


def _assert_same_grads(f, t):
    assert len(f) == len(t)
    for i, (a, b) in enumerate(zip(f, t)):
        if b is None:
            assert a is None, f"grad {i}: torch None, ferrograd {a}"
        else:
            assert a is not None, f"grad {i}: ferrograd None"
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=f"grad {i}")


# ---------------------------------------------------------------------------------------------
# graph shapes
# ---------------------------------------------------------------------------------------------


def test_chain(dtype):
    check(lambda m, a: ((a * 2).exp() + 1).log().tanh() * 3 - a, (2, 3), dtype=dtype)


def test_diamond_tensor_used_twice(dtype):
    check(lambda m, a: a * a + a.sin(), (4,), dtype=dtype)

    def fn(m, x):
        a = x * 2
        b = a.exp()
        c = a.sin()
        return b * c + a

    check(fn, (2, 3), dtype=dtype)


def test_wide_fan_in_and_out(dtype):
    def fn(m, x, y):
        terms = [x * i + y for i in range(10)]
        out = terms[0]
        for t in terms[1:]:
            out = out + t * x
        return out

    check(fn, (3,), (3,), dtype=dtype)


def test_unused_input_gets_no_grad():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor([3.0, 4.0], requires_grad=True)
        z = (x * 2).sum()
        _ = y * 3
        z.backward()
        return x, y

    (fx, fy), (tx, ty) = run_both(run)
    _assert_same_grads(_grads(fx, fy), _grads(tx, ty))
    assert fy.grad is None


def test_grad_is_none_before_backward():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    assert x.grad is None
    y = (x * 3).sum()
    assert x.grad is None
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_grad_dtype_matches_leaf():
    for dt in (fg.float32, fg.float64):
        x = fg.tensor([1.0, 2.0], dtype=dt, requires_grad=True)
        (x * x).sum().backward()
        assert x.grad.dtype == dt
        assert not x.grad.requires_grad


# ---------------------------------------------------------------------------------------------
# accumulation, retain_graph
# ---------------------------------------------------------------------------------------------


def test_accumulation_over_two_backward_calls():
    def run(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (x * x).sum().backward()
        g1 = x.grad.clone()
        (x * 3).sum().backward()
        return g1, x.grad

    (f1, f2), (t1, t2) = run_both(run)
    np.testing.assert_allclose(to_numpy(f1), to_numpy(t1))
    np.testing.assert_allclose(to_numpy(f2), to_numpy(t2))
    assert to_numpy(f2).tolist() == [5.0, -1.0, 9.0]


def test_accumulation_does_not_alias_previous_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    snapshot = g.tolist()
    (x * 5).sum().backward()
    # torch accumulates in place into the same .grad tensor; either way .grad must be the sum
    assert x.grad.tolist() == [7.0, 7.0]
    assert snapshot == [2.0, 2.0]


def test_grad_reset_and_zero():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    x.grad.zero_()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_grad_is_settable():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    x.grad = fg.tensor([10.0, 20.0])
    (x * 2).sum().backward()
    assert x.grad.tolist() == [12.0, 22.0]


def test_second_backward_without_retain_graph_raises():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    assert_raises_like_torch(run, match="(?i)second time|freed|retain_graph")


def test_retain_graph_allows_second_backward():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_allclose(to_numpy(f), to_numpy(t), rtol=1e-6)


def test_third_backward_after_retain_then_free_raises():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        y.backward()

    assert_raises_like_torch(run)


def test_backward_through_shared_subgraph_twice():
    # two outputs sharing a subgraph: the first backward must retain it for the second
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        a = (h * 2).sum()
        b = (h * h).sum()
        a.backward(retain_graph=True)
        b.backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_allclose(to_numpy(f), to_numpy(t), rtol=1e-6)


def test_second_backward_of_graph_without_saved_tensors_like_torch():
    # torch only complains when a freed saved tensor is needed; add/sum save nothing
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


# ---------------------------------------------------------------------------------------------
# retain_grad, is_leaf, detach, requires_grad
# ---------------------------------------------------------------------------------------------


def test_retain_grad_on_non_leaf():
    def run(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return x.grad, y.grad

    (fx, fy), (tx, ty) = run_both(run)
    np.testing.assert_allclose(to_numpy(fy), to_numpy(ty))
    np.testing.assert_allclose(to_numpy(fx), to_numpy(tx))
    assert to_numpy(fy).tolist() == [4.0, 8.0, 12.0]


def test_non_leaf_grad_is_none_without_retain_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert y.grad is None


def test_retain_grad_on_leaf_is_harmless():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_is_leaf_rules():
    def run(m):
        a = m.tensor(1.0)
        b = m.randn(1, 1)
        c = m.tensor([1.0, 2.0], requires_grad=True)
        d = a * 2  # ops on tensors that do not require grad
        e = c * 2  # ops on a tensor that requires grad
        f = e.detach()
        with m.no_grad():
            g = c * 2
        h = m.zeros(2, requires_grad=True)
        return [
            (t.is_leaf, t.requires_grad, t.grad_fn is None)
            for t in (a, b, c, d, e, f, g, h, e.sum(), c[0], c.view(2))
        ]

    f, t = run_both(run)
    assert f == t


def test_detach():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert d.tolist() == [2.0, 4.0, 6.0]
    # shares storage with the original
    xd = x.detach()
    xd.add_(1.0)
    assert x.tolist() == [2.0, 3.0, 4.0]
    # gradient does not flow through a detached tensor
    z = (y.detach() * x).sum()
    z.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_data_attribute():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.mul_(3)
    assert x.tolist() == [3.0, 6.0]
    assert x.requires_grad


def test_requires_grad_setter_and_method():
    x = fg.tensor([1.0, 2.0])
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    x.requires_grad = False
    assert not x.requires_grad
    r = x.requires_grad_()
    assert r is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad_(True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_mixed_requires_grad_inputs():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        y = x * w
        y.sum().backward()
        return y.requires_grad, w.grad, x.grad

    (fr, fw, fx), (tr, tw, tx) = run_both(run)
    assert fr == tr and fw is None and tw is None
    np.testing.assert_array_equal(to_numpy(fx), to_numpy(tx))


# ---------------------------------------------------------------------------------------------
# grad_fn
# ---------------------------------------------------------------------------------------------

GRAD_FN_CASES = {
    "mul": lambda m, x, y: x * y,
    "mul_scalar": lambda m, x, y: x * 2,
    "add": lambda m, x, y: x + y,
    "sub": lambda m, x, y: x - y,
    "div": lambda m, x, y: x / y,
    "neg": lambda m, x, y: -x,
    "pow_scalar": lambda m, x, y: x**2,
    "pow_tensor": lambda m, x, y: x**y,
    "exp": lambda m, x, y: x.exp(),
    "log": lambda m, x, y: x.log(),
    "sin": lambda m, x, y: x.sin(),
    "tanh": lambda m, x, y: x.tanh(),
    "sigmoid": lambda m, x, y: x.sigmoid(),
    "relu": lambda m, x, y: x.relu(),
    "sum": lambda m, x, y: x.sum(),
    "sum_dim": lambda m, x, y: x.sum(0),
    "mean": lambda m, x, y: x.mean(),
    "mm": lambda m, x, y: x.view(1, 3) @ y.view(3, 1),
    "dot": lambda m, x, y: x @ y,
    "view": lambda m, x, y: x.view(3, 1),
    "t": lambda m, x, y: x.view(1, 3).t(),
    "transpose": lambda m, x, y: x.view(1, 3).transpose(0, 1),
    "permute": lambda m, x, y: x.view(1, 3).permute(1, 0),
    "expand": lambda m, x, y: x.expand(2, 3),
    "unsqueeze": lambda m, x, y: x.unsqueeze(0),
    "squeeze": lambda m, x, y: x.view(1, 3).squeeze(0),
    "select": lambda m, x, y: x[0],
    "slice": lambda m, x, y: x[1:],
    "clone": lambda m, x, y: x.clone(),
    "cat": lambda m, x, y: m.cat([x, y]),
    "stack": lambda m, x, y: m.stack([x, y]),
    "softmax": lambda m, x, y: x.softmax(0),
    "log_softmax": lambda m, x, y: x.log_softmax(0),
    "add_inplace": lambda m, x, y: (x * 1).add_(y),
}


@pytest.mark.parametrize("name", list(GRAD_FN_CASES))
def test_grad_fn_names(name):
    def run(m):
        x = m.tensor([0.5, 1.5, 2.0], requires_grad=True)
        y = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = GRAD_FN_CASES[name](m, x, y)
        return out.grad_fn.name()

    f, t = run_both(run)
    assert f == t


def test_grad_fn_none_for_leaves_and_no_grad_results():
    x = fg.tensor([1.0], requires_grad=True)
    assert x.grad_fn is None
    assert (fg.tensor([1.0]) * 2).grad_fn is None
    with fg.no_grad():
        assert (x * 2).grad_fn is None


def test_next_functions_structure():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    w = fg.tensor([3.0, 4.0])
    z = x * w
    nf = z.grad_fn.next_functions
    assert isinstance(nf, tuple) and len(nf) == 2
    (n0, i0), (n1, i1) = nf
    assert i0 == 0 and i1 == 0
    assert n1 is None  # w does not require grad
    assert n0 is not None
    assert n0.next_functions == ()


def test_accumulate_grad_node_name_and_variable():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    node = (x * 2).grad_fn.next_functions[0][0]
    v = node.variable
    assert v.data_ptr() == x.data_ptr() and v.requires_grad and v.is_leaf
    t = torch.tensor([1.0], requires_grad=True)
    assert node.name() == (t * 2).grad_fn.next_functions[0][0].name()  # torch::autograd::AccumulateGrad


def test_accumulate_grad_variable_is_the_leaf_object():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn.next_functions[0][0].variable is x


def test_next_functions_chain():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = fg.tensor([1.0, 2.0], requires_grad=True)
    out = ((x * y).exp() + x).sum()
    node = out.grad_fn
    assert node.name() == "SumBackward0"
    ((add, _),) = node.next_functions
    assert add.name() == "AddBackward0"
    (exp, _), (acc_x, _) = add.next_functions
    assert exp.name() == "ExpBackward0"
    ((mul, _),) = exp.next_functions
    assert mul.name() == "MulBackward0"
    (ax, _), (ay, _) = mul.next_functions
    assert ax is acc_x or ax == acc_x  # x's single AccumulateGrad node, reached twice
    assert ay is not None and ay is not ax and ay != ax


def test_leaf_has_one_accumulate_grad_node():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    a = (x * 2).grad_fn.next_functions[0][0]
    b = (x + 1).grad_fn.next_functions[0][0]
    assert a is b or a == b


# ---------------------------------------------------------------------------------------------
# grad mode
# ---------------------------------------------------------------------------------------------


def test_no_grad_context_manager():
    x = fg.tensor([1.0], requires_grad=True)
    assert fg.is_grad_enabled()
    with fg.no_grad():
        assert not fg.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.is_leaf and y.grad_fn is None
    assert fg.is_grad_enabled()
    assert (x * 2).requires_grad


def test_no_grad_decorator():
    x = fg.tensor([1.0], requires_grad=True)

    @fg.no_grad()
    def f(t):
        assert not fg.is_grad_enabled()
        return t * 2

    assert not f(x).requires_grad
    assert fg.is_grad_enabled()


def test_no_grad_bare_decorator():
    # torch (>= 2.0) also accepts @torch.no_grad without parentheses
    x = fg.tensor([1.0], requires_grad=True)

    @fg.no_grad
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert fg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = fg.tensor([1.0], requires_grad=True)
    with fg.no_grad():
        with fg.enable_grad():
            assert fg.is_grad_enabled()
            assert (x * 2).requires_grad
        assert not fg.is_grad_enabled()

    @fg.enable_grad()
    def g(t):
        return t * 2

    with fg.no_grad():
        assert g(x).requires_grad
        assert not fg.is_grad_enabled()


def test_set_grad_enabled():
    x = fg.tensor([1.0], requires_grad=True)
    with fg.set_grad_enabled(False):
        assert not fg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with fg.set_grad_enabled(True):
            assert (x * 2).requires_grad
    assert fg.is_grad_enabled()

    @fg.set_grad_enabled(False)
    def h(t):
        return t * 2

    assert not h(x).requires_grad
    assert fg.is_grad_enabled()

    # called as a function it takes effect immediately (as in torch)
    fg.set_grad_enabled(False)
    try:
        assert not fg.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        fg.set_grad_enabled(True)
    assert fg.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError), fg.no_grad():
        raise ValueError("boom")
    assert fg.is_grad_enabled()

    @fg.no_grad()
    def f():
        raise KeyError("x")

    with pytest.raises(KeyError):
        f()
    assert fg.is_grad_enabled()


def test_nested_no_grad_restores_outer_state():
    with fg.no_grad():
        with fg.no_grad():
            pass
        assert not fg.is_grad_enabled()
    assert fg.is_grad_enabled()


def test_grad_mode_is_per_thread():
    x = fg.tensor([1.0], requires_grad=True)
    entered = threading.Event()
    main_done = threading.Event()
    result = {}

    def worker():
        with fg.no_grad():
            entered.set()
            main_done.wait(10)
            result["thread"] = (fg.is_grad_enabled(), (x * 2).requires_grad)

    th = threading.Thread(target=worker)
    th.start()
    assert entered.wait(10)
    result["main"] = (fg.is_grad_enabled(), (x * 2).requires_grad)
    main_done.set()
    th.join(10)
    assert result["main"] == (True, True)
    assert result["thread"] == (False, False)


def test_new_thread_starts_with_grad_enabled():
    x = fg.tensor([1.0], requires_grad=True)
    result = {}

    def worker():
        result["t"] = (fg.is_grad_enabled(), (x * 2).requires_grad)

    with fg.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join(10)
        assert not fg.is_grad_enabled()
    assert result["t"] == (True, True)


def test_backward_inside_no_grad_still_computes_grads():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with fg.no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


# ---------------------------------------------------------------------------------------------
# long chains
# ---------------------------------------------------------------------------------------------


def test_long_chain_backward():
    x = fg.tensor(1.0, dtype=fg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0000001**100_000, rtol=1e-9)
    np.testing.assert_allclose(y.item(), 1.0000001**100_000, rtol=1e-9)
    del y  # dropping the (freed) graph must not recurse either


def test_long_chain_dropped_without_backward():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    assert y.grad_fn is not None
    del y  # dropping a long unreleased graph must not overflow the stack


def test_long_chain_with_retained_graph():
    x = fg.tensor(2.0, dtype=fg.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = (y * 0.5).exp().log() * 2.0
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 2.0, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# backward(gradient)
# ---------------------------------------------------------------------------------------------


def test_backward_with_gradient_for_vector_output():
    def run(m):
        x = m.tensor([0.0, 2.0, 8.0], requires_grad=True)
        y = m.tensor([5.0, 1.0, 7.0], requires_grad=True)
        z = x * y
        z.backward(m.tensor([1.0, 0.5, -2.0]))
        return x.grad, y.grad

    (fx, fy), (tx, ty) = run_both(run)
    np.testing.assert_array_equal(to_numpy(fx), to_numpy(tx))
    np.testing.assert_array_equal(to_numpy(fy), to_numpy(ty))


def test_backward_gradient_keyword_and_matrix_output():
    def run(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        z = x.exp() @ x
        z.backward(gradient=m.tensor([[1.0, -1.0], [0.5, 2.0]]))
        return x.grad

    f, t = run_both(run)
    np.testing.assert_allclose(to_numpy(f), to_numpy(t), rtol=1e-5)


def test_backward_scalar_with_explicit_gradient():
    x = fg.tensor(3.0, requires_grad=True)
    (x * x).backward(fg.tensor(2.0))
    assert x.grad.item() == 12.0


def test_backward_on_one_element_tensor_without_gradient():
    # torch allows implicit gradients for any single-element output
    x = fg.tensor([2.0], requires_grad=True)
    (x * 3).backward()
    assert x.grad.tolist() == [3.0]


def test_backward_on_leaf():
    x = fg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


# ---------------------------------------------------------------------------------------------
# in-place ops and autograd
# ---------------------------------------------------------------------------------------------


def test_inplace_on_non_leaf():
    def run(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y += 1
        y.mul_(x)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name()

    (fy, fg_, fn), (ty, tg, tn) = run_both(run)
    np.testing.assert_array_equal(to_numpy(fy), to_numpy(ty))
    np.testing.assert_array_equal(to_numpy(fg_), to_numpy(tg))
    assert fn == tn


def test_inplace_on_leaf_requiring_grad_raises():
    for op in (
        lambda x: x.add_(1),
        lambda x: x.mul_(2),
        lambda x: x.zero_(),
        lambda x: x.fill_(1.0),
        lambda x: x.__iadd__(1),
        lambda x: x.__setitem__(0, 5.0),
    ):

        def run(m, op=op):
            x = m.tensor([1.0, 2.0], requires_grad=True)
            op(x)

        assert_raises_like_torch(run)
        x = fg.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            op(x)
        assert x.tolist() == [1.0, 2.0]  # unchanged


def test_inplace_on_leaf_under_no_grad_is_allowed():
    # the SGD update idiom
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    with fg.no_grad():
        x -= 0.1 * x.grad
        x.mul_(2)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    np.testing.assert_allclose(x.detach().numpy(), [1.6, 3.2], rtol=1e-6)
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_inplace_on_view_of_leaf_requiring_grad_raises():
    def run(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x[1:].mul_(2)

    assert_raises_like_torch(run)


def test_modified_after_saved_raises_at_backward():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        b = a.sin()  # saves a
        a.add_(1)
        b.sum().backward()

    assert_raises_like_torch(run, match="(?i)in-?place|modified|version")


def test_modified_saved_output_raises_at_backward():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()  # saves its output
        y.mul_(2)
        y.sum().backward()

    assert_raises_like_torch(run)


def test_leaf_modified_under_no_grad_after_saved_raises():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with m.no_grad():
            x.add_(1)
        y.backward()

    assert_raises_like_torch(run)


def test_inplace_not_affecting_saved_values_is_fine():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2  # saves only the scalar 2 for x's gradient
        y.add_(1)
        z = (y * y).sum()
        z.backward()
        return x.grad

    f, t = run_both(run)
    np.testing.assert_array_equal(to_numpy(f), to_numpy(t))


def test_backward_on_tensor_not_requiring_grad_raises():
    assert_raises_like_torch(lambda m: m.tensor([1.0, 2.0]).sum().backward())
