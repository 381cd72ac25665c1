"""ferrograd.autograd.functional against torch.autograd.functional.

vjp, jvp, jacobian (both strategies), hessian (both outer strategies), hvp and vhp on several
functions (tensor and tuple inputs, tensor and tuple outputs), with create_graph (results and
their own gradients), strict-mode errors (same type and message as torch), and the chunking of
jacobian/hessian: chunked results equal unchunked ones, and with ``max_memory`` the number of
basis vectors and Jacobian rows alive at once stays within the bound (checked by spies that would
see an unbounded computation, as the control case shows).
"""

import math
import warnings
import weakref

import ferrograd as fg
import numpy as np
import pytest
from ferrograd.autograd import functional as F

torch = pytest.importorskip("torch")
TF = torch.autograd.functional


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def arrays(shapes, seed=0, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, size=s) for s in shapes]


def make(module, arrs, requires_grad=False):
    ts = tuple(module.tensor(a.tolist(), dtype=module.float64, requires_grad=requires_grad) for a in arrs)
    return ts


def maybe_single(ts):
    return ts[0] if len(ts) == 1 else ts


def assert_same(f, t, path="result", check_requires_grad=True):
    """Same nesting, shapes, dtypes, values (and requires_grad) in a ferrograd and a torch result.

    torch's forward-mode jacobian returns lists where reverse mode returns tuples; ferrograd
    always returns tuples, so a torch list counts as a tuple."""
    if isinstance(t, list):
        t = tuple(t)
    if isinstance(t, tuple):
        assert isinstance(f, tuple), f"{path}: ferrograd gave {type(f).__name__}, torch a tuple"
        assert len(f) == len(t), f"{path}: {len(f)} entries, torch {len(t)}"
        for k, (fe, te) in enumerate(zip(f, t)):
            assert_same(fe, te, f"{path}[{k}]", check_requires_grad)
        return
    assert isinstance(f, fg.Tensor), f"{path}: expected a ferrograd.Tensor, got {type(f).__name__}"
    assert tuple(f.shape) == tuple(t.shape), f"{path}: shape {tuple(f.shape)} != torch {tuple(t.shape)}"
    assert str(f.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], f"{path}: dtype"
    if check_requires_grad:
        assert f.requires_grad == t.requires_grad, (
            f"{path}: requires_grad {f.requires_grad} != torch {t.requires_grad}"
        )
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=path)


def flatten(res):
    if isinstance(res, tuple):
        out = []
        for r in res:
            out.extend(flatten(r))
        return out
    return [res]


def weighted_sum(module, res, seed=5):
    """sum(r * w) over every tensor of a (nested) result that requires grad, fixed random w."""
    rng = np.random.default_rng(seed)
    total = None
    for r in flatten(res):
        w = module.tensor(rng.standard_normal(tuple(r.shape)).tolist(), dtype=module.float64)
        if not r.requires_grad:
            continue
        term = (r * w).sum()
        total = term if total is None else total + term
    return total


def assert_second_order_same(f_res, t_res, f_inputs, t_inputs):
    """The gradients of a weighted sum of the results with respect to the inputs match torch."""
    f_loss, t_loss = weighted_sum(fg, f_res), weighted_sum(torch, t_res)
    assert (f_loss is None) == (t_loss is None)
    if t_loss is None:
        return
    t_grads = torch.autograd.grad(t_loss, t_inputs, allow_unused=True)
    f_grads = fg.autograd.grad(f_loss, f_inputs, allow_unused=True)
    for k, (fgr, tgr) in enumerate(zip(f_grads, t_grads)):
        if tgr is None:
            assert fgr is None or not np.any(fgr.numpy()), f"input {k}: torch has no gradient"
            continue
        assert fgr is not None, f"input {k}: ferrograd has no gradient, torch has one"
        np.testing.assert_allclose(fgr.numpy(), tgr.numpy(), rtol=1e-9, atol=1e-11, err_msg=f"input {k}")


def both(fn, shapes, seed=0, requires_grad=False):
    """(ferrograd result, torch result, ferrograd inputs, torch inputs) of fn(m, inputs)."""
    arrs = arrays(shapes, seed)
    f_in = maybe_single(make(fg, arrs, requires_grad))
    t_in = maybe_single(make(torch, arrs, requires_grad))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_res = fn(torch, t_in)
    return fn(fg, f_in), t_res, f_in, t_in


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


# ---------------------------------------------------------------------------------------------
# Functions under test (written once for both modules: methods and operators only)
# ---------------------------------------------------------------------------------------------

# name -> (func, input shapes)
FUNCS = {
    "exp_reducer": (lambda x: x.exp().sum(dim=1), [(4, 3)]),
    "adder": (lambda x, y: 2 * x + 3 * y, [(2,), (2,)]),
    "tuple_out": (
        lambda x, y: (x * y.sin(), (x @ y.reshape(3, 1)).tanh(), x.sum() * y),
        [(2, 3), (3,)],
    ),
    "softmax_matmul": (lambda w, x: (x @ w).softmax(-1), [(3, 2), (4, 3)]),
    "scalar_out": (lambda x: (x * x.sigmoid()).sum(), [(2, 2)]),
    "single_in_tuple_out": (lambda x: (x.exp(), x[1:].log_softmax(0), x.prod()), [(3,)]),
}

# scalar functions for hessian / hvp / vhp
SCALAR_FUNCS = {
    "pow_adder_reducer": (lambda x, y: (2 * x.pow(2) + 3 * y.pow(2)).sum(), [(2,), (2,)]),
    "cubic_cross": (lambda x: (x**3).sum() + x[0] * x[1] * x[2], [(3,)]),
    "logsumexp_mm": (lambda a, x: (a @ x).logsumexp(0) + (x * x).sum() * a.sum(), [(3, 2), (2,)]),
    "exp_sin": (lambda x: (x.exp() * x.sin()).sum(), [(2, 2)]),
    "softmax_entropy": (lambda x: -(x.softmax(0) * x.log_softmax(0)).sum(), [(4,)]),
}


def out_shapes(func, shapes):
    outs = func(*make(torch, arrays(shapes)))
    return [tuple(o.shape) for o in as_tuple(outs)]


def v_like(shapes, module, seed=3, single=False):
    vs = make(module, arrays(shapes, seed))
    return vs[0] if single else vs


# ---------------------------------------------------------------------------------------------
# vjp / jvp
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_vjp_matches_torch(name, create_graph):
    func, shapes = FUNCS[name]
    outs = func(*make(torch, arrays(shapes)))
    single_out = not isinstance(outs, tuple)
    oshapes = out_shapes(func, shapes)

    def run(m, inputs):
        mod = F if m is fg else TF
        return mod.vjp(func, inputs, v_like(oshapes, m, single=single_out), create_graph=create_graph)

    f_res, t_res, f_in, t_in = both(run, shapes, requires_grad=create_graph)
    assert_same(f_res, t_res)
    if create_graph:
        assert_second_order_same(f_res, t_res, as_tuple(f_in), as_tuple(t_in))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jvp_matches_torch(name, create_graph):
    func, shapes = FUNCS[name]

    def run(m, inputs):
        mod = F if m is fg else TF
        return mod.jvp(func, inputs, v_like(shapes, m, single=len(shapes) == 1), create_graph=create_graph)

    f_res, t_res, f_in, t_in = both(run, shapes, requires_grad=create_graph)
    assert_same(f_res, t_res)
    if create_graph:
        assert_second_order_same(f_res, t_res, as_tuple(f_in), as_tuple(t_in))


def test_v_may_be_omitted_for_single_elements():
    for m, mod in ((fg, F), (torch, TF)):
        x = m.tensor([0.3], dtype=m.float64)
        assert mod.vjp(lambda t: (t * t).sum(), x)[1].tolist() == pytest.approx([0.6])
        assert mod.jvp(lambda t: t.exp() * 2, x)[1].tolist() == pytest.approx([2 * math.exp(0.3)])
        assert mod.hvp(lambda t: (t**3).sum(), x)[1].tolist() == pytest.approx([1.8])
        assert mod.vhp(lambda t: (t**3).sum(), x)[1].tolist() == pytest.approx([1.8])


def test_jvp_docstring_names_both_methods():
    assert "Forward mode" in F.jvp.__doc__ and "double-vjp" in F.jvp.__doc__
    assert "Forward-over-reverse" in F.hvp.__doc__ and "reverse-over-reverse" in F.hvp.__doc__


def _count_backward_passes(monkeypatch):
    # every reverse pass of the functional API is one ferrograd.autograd.grad call (its modules look
    # the function up on the package at call time, so patching it there counts them all)
    calls = []
    real = fg.autograd.grad

    def counting(*args, **kwargs):
        calls.append(kwargs.get("create_graph", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(fg.autograd, "grad", counting)
    return calls


def test_jvp_is_forward_mode_without_create_graph(monkeypatch):
    calls = _count_backward_passes(monkeypatch)
    x = fg.tensor([0.3, -1.2], dtype=fg.float64)
    out, jv = F.jvp(lambda t: t.sin() * t, x, fg.tensor([1.0, 2.0], dtype=fg.float64))
    assert calls == []  # no reverse pass at all
    expected = [(math.cos(a) * a + math.sin(a)) * b for a, b in ((0.3, 1.0), (-1.2, 2.0))]
    assert jv.tolist() == pytest.approx(expected, rel=1e-14)
    assert not out.requires_grad and not jv.requires_grad
    F.jvp(lambda t: t.sin() * t, x, x, create_graph=True)
    assert len(calls) == 2  # the double-vjp trick: two reverse passes


def test_hvp_is_forward_over_reverse(monkeypatch):
    calls = _count_backward_passes(monkeypatch)
    x = fg.tensor([0.3, -1.2], dtype=fg.float64)
    v = fg.tensor([1.0, 2.0], dtype=fg.float64)
    _, hv = F.hvp(lambda t: (t**3).sum(), x, v)
    assert len(calls) == 1  # one reverse pass, carrying tangents
    assert hv.tolist() == pytest.approx([6 * 0.3 * 1.0, 6 * -1.2 * 2.0], rel=1e-14)
    F.hvp(lambda t: (t**3).sum(), x, v, create_graph=True)
    assert len(calls) == 4  # reverse-over-reverse: three more


def test_forward_mode_jacobian_runs_no_reverse_pass(monkeypatch):
    calls = _count_backward_passes(monkeypatch)
    x_np = np.random.default_rng(5).uniform(-1, 1, size=N_IN)
    got = F.jacobian(_wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64), strategy="forward-mode")
    assert calls == []
    t_jac = TF.jacobian(_wide(torch), torch.tensor(x_np, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), t_jac.numpy(), rtol=1e-12, atol=1e-14)


def test_hvp_with_parallel_backward_carries_tangents():
    # Gradients of 40,000 elements make the engine run the two branches on pool threads; the
    # tangents must reach them (they are per thread), or H v comes out zero for those branches.
    previous = fg.get_num_threads()
    fg.set_num_threads(2)
    try:
        rng = np.random.default_rng(8)
        x_np, v_np = rng.standard_normal(40_000), rng.standard_normal(40_000)

        def f(m):
            return lambda t: (t.sin() * t).sum() + (t * t * t).sum()

        _, hv = F.hvp(f(fg), fg.tensor(x_np, dtype=fg.float64), fg.tensor(v_np, dtype=fg.float64))
        _, t_hv = TF.hvp(f(torch), torch.tensor(x_np), torch.tensor(v_np))
        np.testing.assert_allclose(hv.numpy(), t_hv.numpy(), rtol=1e-12, atol=1e-12)
    finally:
        fg.set_num_threads(previous)


# ---------------------------------------------------------------------------------------------
# jacobian / hessian
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jacobian_matches_torch(name, strategy):
    func, shapes = FUNCS[name]

    def run(m, inputs):
        if m is fg:
            return F.jacobian(func, inputs, strategy=strategy)
        return TF.jacobian(func, inputs, strategy=strategy, vectorize=strategy == "forward-mode")

    f_res, t_res, _, _ = both(run, shapes)
    assert_same(f_res, t_res)


@pytest.mark.parametrize("name", ["tuple_out", "softmax_matmul", "single_in_tuple_out"])
def test_jacobian_create_graph_matches_torch(name):
    func, shapes = FUNCS[name]

    def run(m, inputs):
        mod = F if m is fg else TF
        return mod.jacobian(func, inputs, create_graph=True)

    f_res, t_res, f_in, t_in = both(run, shapes, requires_grad=True)
    assert_same(f_res, t_res)
    assert_second_order_same(f_res, t_res, as_tuple(f_in), as_tuple(t_in))


def test_forward_mode_jacobian_with_create_graph_is_differentiable():
    """torch refuses create_graph with forward mode; ferrograd's double-vjp trick supports it and
    must agree with reverse mode, derivatives included."""
    func, shapes = FUNCS["tuple_out"]
    f_in = make(fg, arrays(shapes), requires_grad=True)
    fwd = F.jacobian(func, f_in, create_graph=True, strategy="forward-mode")
    rev = F.jacobian(func, f_in, create_graph=True)
    for a, b in zip(flatten(fwd), flatten(rev)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    g_fwd = fg.autograd.grad(weighted_sum(fg, fwd), f_in, allow_unused=True)
    g_rev = fg.autograd.grad(weighted_sum(fg, rev), f_in, allow_unused=True)
    for a, b in zip(g_fwd, g_rev):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("name", sorted(SCALAR_FUNCS))
def test_hessian_matches_torch(name, strategy):
    func, shapes = SCALAR_FUNCS[name]

    def run(m, inputs):
        if m is fg:
            return F.hessian(func, inputs, outer_jacobian_strategy=strategy)
        return TF.hessian(
            func, inputs, outer_jacobian_strategy=strategy, vectorize=strategy == "forward-mode"
        )

    f_res, t_res, _, _ = both(run, shapes)
    # torch's forward-mode hessian hands back a result with a graph (it skips detaching, and
    # even sets requires_grad on the caller's inputs); ferrograd detaches as create_graph=False says.
    assert_same(f_res, t_res, check_requires_grad=strategy == "reverse-mode")
    assert not any(r.requires_grad for r in flatten(f_res))


@pytest.mark.parametrize("name", ["cubic_cross", "logsumexp_mm"])
def test_hessian_create_graph_matches_torch(name):
    func, shapes = SCALAR_FUNCS[name]

    def run(m, inputs):
        mod = F if m is fg else TF
        return mod.hessian(func, inputs, create_graph=True)

    f_res, t_res, f_in, t_in = both(run, shapes, requires_grad=True)
    assert_same(f_res, t_res)
    assert_second_order_same(f_res, t_res, as_tuple(f_in), as_tuple(t_in))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("which", ["hvp", "vhp"])
@pytest.mark.parametrize("name", sorted(SCALAR_FUNCS))
def test_hvp_vhp_match_torch(name, which, create_graph):
    func, shapes = SCALAR_FUNCS[name]

    def run(m, inputs):
        mod = F if m is fg else TF
        v = v_like(shapes, m, single=len(shapes) == 1)
        return getattr(mod, which)(func, inputs, v, create_graph=create_graph)

    f_res, t_res, f_in, t_in = both(run, shapes, requires_grad=create_graph)
    assert_same(f_res, t_res)
    if create_graph:
        assert_second_order_same(f_res, t_res, as_tuple(f_in), as_tuple(t_in))


def test_hvp_equals_hessian_times_v():
    func, shapes = SCALAR_FUNCS["logsumexp_mm"]
    inputs = make(fg, arrays(shapes))
    v = v_like(shapes, fg)
    h = F.hessian(func, inputs)
    _, hv = F.hvp(func, inputs, v)
    for i in range(2):
        expected = sum(
            h[i][j].reshape(inputs[i].numel(), inputs[j].numel()).numpy() @ v[j].numpy().reshape(-1)
            for j in range(2)
        )
        np.testing.assert_allclose(hv[i].numpy().reshape(-1), expected, rtol=1e-12, atol=1e-13)


def test_grad_mode_and_inputs_are_left_alone():
    x = fg.tensor([0.5, -0.2], dtype=fg.float64, requires_grad=True)
    with fg.no_grad():
        out, vj = F.vjp(lambda t: (t * t).sum(), x)
        jac = F.jacobian(lambda t: t.exp(), x)
        assert not fg.is_grad_enabled()
    assert not out.requires_grad and not vj.requires_grad and not jac.requires_grad
    assert x.grad is None and x.is_leaf


# ---------------------------------------------------------------------------------------------
# Strict mode and argument errors: the exception torch raises, with its message
# ---------------------------------------------------------------------------------------------


def _x(m):
    return m.tensor([0.5, -0.3, 0.8], dtype=m.float64)


def _xy(m):
    return (_x(m), m.tensor([1.2, 0.1, -0.4], dtype=m.float64))


def _mod(m):
    return F if m is fg else TF


STRICT_ERRORS = {
    "vjp_independent_input": lambda m: _mod(m).vjp(lambda x, y: x * 2, _xy(m), _x(m), strict=True),
    "vjp_output_needs_no_grad": lambda m: _mod(m).vjp(lambda x: x.detach(), _x(m), _x(m), strict=True),
    "jvp_independent_input": lambda m: _mod(m).jvp(lambda x, y: x.exp(), _xy(m), _xy(m), strict=True),
    "jvp_output_needs_no_grad": lambda m: _mod(m).jvp(lambda x: x.detach(), _x(m), _x(m), strict=True),
    "jacobian_independent_input": lambda m: _mod(m).jacobian(lambda x, y: x * 2, _xy(m), strict=True),
    "jacobian_linear_create_graph": lambda m: _mod(m).jacobian(
        lambda x: x * 2, _x(m), create_graph=True, strict=True
    ),
    "jacobian_output_needs_no_grad": lambda m: _mod(m).jacobian(lambda x: x.detach(), _x(m), strict=True),
    "jacobian_forward_mode_strict": lambda m: _mod(m).jacobian(
        lambda x: x * 2, _x(m), strict=True, strategy="forward-mode", vectorize=True
    ),
    "hessian_linear": lambda m: _mod(m).hessian(lambda x: (x * 2).sum(), _x(m), strict=True),
    "hessian_independent_input": lambda m: _mod(m).hessian(lambda x, y: (x**3).sum(), _xy(m), strict=True),
    "vhp_linear": lambda m: _mod(m).vhp(lambda x: (x * 2).sum(), _x(m), _x(m), strict=True),
    "vhp_independent_input": lambda m: _mod(m).vhp(lambda x, y: (x**2).sum(), _xy(m), _xy(m), strict=True),
    "hvp_linear": lambda m: _mod(m).hvp(lambda x: (x * 2).sum(), _x(m), _x(m), strict=True),
    "hvp_independent_input": lambda m: _mod(m).hvp(lambda x, y: (x**2).sum(), _xy(m), _xy(m), strict=True),
    "vhp_quadratic_create_graph": lambda m: _mod(m).vhp(
        lambda x: (x * x).sum(), _x(m), _x(m), strict=True, create_graph=True
    ),
}

ARG_ERRORS = {
    "inputs_not_tensors": lambda m: _mod(m).vjp(lambda x: x, [1.0, 2.0]),
    "tuple_with_a_non_tensor": lambda m: _mod(m).jacobian(lambda x, y: x, (_x(m), 3.0)),
    "output_not_tensor": lambda m: _mod(m).jacobian(lambda x: x.tolist(), _x(m)),
    "v_wrong_size": lambda m: _mod(m).vjp(lambda x: x * 2, _x(m), m.ones(2, dtype=m.float64)),
    "v_wrong_length": lambda m: _mod(m).jvp(lambda x, y: x * y, _xy(m), (_x(m),)),
    "v_missing": lambda m: _mod(m).vjp(lambda x: x * 2, _x(m)),
    "jvp_v_missing": lambda m: _mod(m).jvp(lambda x: x * 2, _x(m)),
    "hessian_of_vector_function": lambda m: _mod(m).hessian(lambda x: x * x, _x(m)),
    "hessian_of_tuple_function": lambda m: _mod(m).hessian(lambda x: (x.sum(), x.sum()), _x(m)),
    "vhp_of_vector_function": lambda m: _mod(m).vhp(lambda x: x * x, _x(m), _x(m)),
    "hvp_of_vector_function": lambda m: _mod(m).hvp(lambda x: x * x, _x(m), _x(m)),
    "bad_strategy": lambda m: _mod(m).jacobian(lambda x: x, _x(m), strategy="sideways"),
    "bad_outer_strategy": lambda m: _mod(m).hessian(lambda x: x.sum(), _x(m), outer_jacobian_strategy="x"),
}


def _raise_both(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            case(torch)
        except Exception as e:  # noqa: BLE001
            t_exc = e
        else:
            raise AssertionError("torch did not raise: the case is wrong")
    with pytest.raises(type(t_exc)) as info:
        case(fg)
    return info.value, t_exc


def _normalize(msg):
    return msg.replace("torch.Size", "Size").replace("ferrograd.Size", "Size").replace("torch.", "")


@pytest.mark.parametrize("name", sorted(STRICT_ERRORS))
def test_strict_mode_errors_like_torch(name):
    f_exc, t_exc = _raise_both(STRICT_ERRORS[name])
    assert isinstance(f_exc, RuntimeError)
    assert _normalize(str(f_exc)) == _normalize(str(t_exc))


@pytest.mark.parametrize("name", sorted(ARG_ERRORS))
def test_argument_errors_like_torch(name):
    f_exc, t_exc = _raise_both(ARG_ERRORS[name])
    if not isinstance(t_exc, AttributeError):  # torch's own message for a list output is an accident
        f_msg, t_msg = _normalize(str(f_exc)), _normalize(str(t_exc))
        assert f_msg.replace("ferrograd", "") == t_msg.replace("torch", ""), (f_msg, t_msg)


NON_STRICT = {
    "vjp": lambda m: _mod(m).vjp(lambda x, y: x * 2, _xy(m), _x(m)),
    "jvp": lambda m: _mod(m).jvp(lambda x, y: x.exp(), _xy(m), _xy(m)),
    "jacobian": lambda m: _mod(m).jacobian(lambda x, y: (x * 2, x.detach()), _xy(m)),
    "jacobian_forward": lambda m: _mod(m).jacobian(
        lambda x, y: (x * 2, x.detach()), _xy(m), strategy="forward-mode", vectorize=True
    ),
    "hessian": lambda m: _mod(m).hessian(lambda x, y: (x**3).sum(), _xy(m)),
    "hessian_linear": lambda m: _mod(m).hessian(lambda x: (x * 2).sum(), _x(m)),
    "vhp": lambda m: _mod(m).vhp(lambda x, y: (x**2).sum(), _xy(m), _xy(m)),
    "hvp": lambda m: _mod(m).hvp(lambda x, y: (x**2).sum(), _xy(m), _xy(m)),
    "hvp_linear": lambda m: _mod(m).hvp(lambda x: (x * 2).sum(), _x(m), _x(m)),
}


@pytest.mark.parametrize("name", sorted(NON_STRICT))
def test_non_strict_gives_zeros_like_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_res = NON_STRICT[name](torch)
    assert_same(NON_STRICT[name](fg), t_res)


# ---------------------------------------------------------------------------------------------
# Chunking
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_chunked_jacobian_equals_unchunked(strategy, create_graph):
    func, shapes = FUNCS["tuple_out"]
    inputs = make(fg, arrays(shapes), requires_grad=create_graph)
    ref = F.jacobian(func, inputs, create_graph=create_graph, strategy=strategy)
    if create_graph:
        ref_grads = fg.autograd.grad(weighted_sum(fg, ref), inputs, allow_unused=True)
    for kwargs in (
        {"chunk_size": 1},
        {"chunk_size": 2},
        {"chunk_size": 4},
        {"chunk_size": 100},
        {"max_memory": 1},  # below one row: one at a time (with a warning)
        {"max_memory": 200},
        {"chunk_size": 3, "max_memory": 10_000},
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = F.jacobian(func, inputs, create_graph=create_graph, strategy=strategy, **kwargs)
        for a, b in zip(flatten(got), flatten(ref)):
            assert a.requires_grad == b.requires_grad
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=str(kwargs))
        if create_graph:
            grads = fg.autograd.grad(weighted_sum(fg, got), inputs, allow_unused=True)
            for a, b in zip(grads, ref_grads):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_chunked_hessian_equals_unchunked(strategy):
    func, shapes = SCALAR_FUNCS["logsumexp_mm"]
    inputs = make(fg, arrays(shapes))
    ref = F.hessian(func, inputs, outer_jacobian_strategy=strategy)
    for kwargs in ({"chunk_size": 1}, {"chunk_size": 4}, {"max_memory": 300}):
        got = F.hessian(func, inputs, outer_jacobian_strategy=strategy, **kwargs)
        for a, b in zip(flatten(got), flatten(ref)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bad_chunk_arguments():
    x = _x(fg)
    for kwargs in ({"chunk_size": 0}, {"chunk_size": -2}, {"chunk_size": 1.5}, {"max_memory": 0}):
        with pytest.raises(ValueError):
            F.jacobian(lambda t: t.exp(), x, **kwargs)
    with pytest.warns(RuntimeWarning, match="max_memory"):
        F.jacobian(lambda t: t.exp(), x, max_memory=8)


class AliveSpy:
    """Wraps functional's basis and product helpers and tracks, via weakref finalizers, how many
    basis rows and Jacobian rows/columns (and their bytes) are alive at once."""

    def __init__(self, monkeypatch, product_name):
        self.chunks = []
        self.alive = {"basis_rows": 0, "products": 0, "bytes": 0}
        self.peak = dict(self.alive)
        jac = F._jacobian  # (the module that defines and calls both helpers)
        real_basis, real_product = jac._basis_block, getattr(jac, product_name)

        def basis_block(n, start, stop, dtype):
            block = real_basis(n, start, stop, dtype)
            self.chunks.append(stop - start)
            self._track(block, "basis_rows", stop - start)
            return block

        def product(*args):
            res = real_product(*args)
            for t in res:
                if t is not None:
                    self._track(t, "products", 1)
            return res

        monkeypatch.setattr(jac, "_basis_block", basis_block)
        monkeypatch.setattr(jac, product_name, product)

    def _track(self, t, kind, count):
        nbytes = t.numel() * t.element_size()
        self._add(kind, count, nbytes)
        weakref.finalize(t, self._add, kind, -count, -nbytes)

    def _add(self, kind, count, nbytes):
        self.alive[kind] += count
        self.alive["bytes"] += nbytes
        for k, v in self.alive.items():
            self.peak[k] = max(self.peak[k], v)


N_IN, N_OUT = 50, 40
_W = np.random.default_rng(11).uniform(-1, 1, size=(N_OUT, N_IN))


def _wide(m):
    w = m.tensor(_W.tolist(), dtype=m.float64)
    return lambda x: (w @ x).tanh()


def test_max_memory_bounds_rows_alive_reverse_mode(monkeypatch):
    x_np = np.random.default_rng(12).uniform(-1, 1, size=N_IN)
    # one row: its basis vector (N_OUT float64) plus twice the row (N_IN float64)
    per_row = N_OUT * 8 + 2 * N_IN * 8
    max_memory = 3 * per_row + per_row // 2
    expected = F.jacobian(_wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64))

    spy = AliveSpy(monkeypatch, "_vjp_row")
    got = F.jacobian(_wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64), max_memory=max_memory)
    assert spy.chunks == [3] * 13 + [1]
    assert spy.peak["products"] <= 3
    assert spy.peak["basis_rows"] <= 3
    assert spy.peak["bytes"] <= max_memory
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    t_jac = TF.jacobian(_wide(torch), torch.tensor(x_np, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), t_jac.numpy(), rtol=1e-12, atol=1e-14)

    # Control: without a bound the whole basis and every row are alive together, which the spy
    # sees (so the bounds above are not vacuous).
    control = AliveSpy(monkeypatch, "_vjp_row")
    F.jacobian(_wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64))
    assert control.chunks == [N_OUT]
    assert control.peak["products"] == N_OUT
    assert control.peak["bytes"] > 5 * max_memory


def test_max_memory_bounds_columns_alive_forward_mode(monkeypatch):
    x_np = np.random.default_rng(13).uniform(-1, 1, size=N_IN)
    per_col = N_IN * 8 + 2 * N_OUT * 8
    max_memory = 4 * per_col
    spy = AliveSpy(monkeypatch, "_jvp_col")
    got = F.jacobian(
        _wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64), strategy="forward-mode", max_memory=max_memory
    )
    assert spy.chunks == [4] * 12 + [2]
    assert spy.peak["products"] <= 4
    assert spy.peak["bytes"] <= max_memory
    t_jac = TF.jacobian(_wide(torch), torch.tensor(x_np, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), t_jac.numpy(), rtol=1e-12, atol=1e-14)

    control = AliveSpy(monkeypatch, "_jvp_col")
    F.jacobian(_wide(fg), fg.tensor(x_np.tolist(), dtype=fg.float64), strategy="forward-mode")
    assert control.peak["products"] == N_IN


def test_chunk_size_bounds_rows_alive_with_tuples(monkeypatch):
    func, shapes = FUNCS["tuple_out"]
    inputs = make(fg, arrays(shapes))
    spy = AliveSpy(monkeypatch, "_vjp_row")
    F.jacobian(func, inputs, chunk_size=2)
    # outputs of 6, 2 and 3 elements, rows in chunks of at most 2; one product per input per row
    assert spy.chunks == [2, 2, 2, 2, 2, 1]
    assert spy.peak["products"] <= 2 * len(inputs)
    assert spy.peak["basis_rows"] <= 2


def test_max_memory_bounds_hessian_rows(monkeypatch):
    n = 30
    x = fg.tensor(np.random.default_rng(14).uniform(-1, 1, size=n).tolist(), dtype=fg.float64)

    def f(t):
        return (t.softmax(0) * t).sum() + (t**3).sum()

    # outer Jacobian: a Hessian row costs its basis vector (n) plus twice the row (n), float64
    per_row = 3 * n * 8
    spy = AliveSpy(monkeypatch, "_vjp_row")
    got = F.hessian(f, x, max_memory=5 * per_row)
    # the inner gradient (one row: the output is a scalar), then the outer Jacobian's chunks
    assert spy.chunks == [1] + [5] * 6
    assert spy.peak["basis_rows"] <= 5
    assert spy.peak["products"] <= 5
    t_h = TF.hessian(f, torch.tensor(x.numpy(), dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), t_h.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3), (0, 3), (3,)])
def test_jacobian_vectorize_needs_a_truth_value_as_torch(shape):
    from helpers import assert_raises_like_torch

    assert_raises_like_torch(
        lambda m: m.autograd.functional.jacobian(lambda x: x * 2, m.ones(2), vectorize=m.ones(*shape)),
        match="ambiguous",
    )
