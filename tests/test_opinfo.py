"""Every op of the op table, checked from its entry in tests/opinfo.py: values and gradients
against torch (float32, float64 and wgpu), every form (function, method, in-place on a non-leaf,
aliases), non-contiguous inputs, special values, int64/bool inputs, node names, float64
gradcheck and gradgradcheck against finite differences, and forward mode against torch's."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import (
    assert_raises_like_torch,
    check,
    result_or_error_like_torch,
    run_both,
    to_numpy,
    torch_module,
)
from opinfo import ALL_DTYPES, SPECIAL, UNARY, entries, torch_accepts

pytest.importorskip("torch")

OPS = [pytest.param(op, id=op.name) for op in UNARY]
# the differentiable rows (not the predicates), and those with an in-place form
GRAD = [pytest.param(op, id=op.name) for op in UNARY if not op.bool_out]
INPLACE = GRAD
SHAPES = [(), (5,), (2, 3, 4)]


def _tol(op, dtype):
    return {"rtol": op.rtol, "atol": op.atol} if dtype == "float32" else {}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", OPS)
def test_function(op, shape, dtype):
    for kw in op.kwargs:
        check(
            lambda m, a, kw=kw: getattr(m, op.name)(a, **kw),
            shape,
            dtype=dtype,
            low=op.low,
            high=op.high,
            **_tol(op, dtype),
        )


@pytest.mark.parametrize("op", OPS)
def test_method_and_aliases(op, dtype):
    for name in (op.name, *op.aliases):
        for kw in op.kwargs:
            check(
                lambda m, a, n=name, kw=kw: getattr(a, n)(**kw), (3, 4), dtype=dtype, low=op.low, high=op.high
            )
            check(
                lambda m, a, n=name, kw=kw: getattr(m, n)(a, **kw),
                (3, 4),
                dtype=dtype,
                low=op.low,
                high=op.high,
            )


@pytest.mark.parametrize("op", OPS)
def test_non_contiguous(op, dtype):
    opts = dict(dtype=dtype, low=op.low, high=op.high, non_contiguous=True, **_tol(op, dtype))
    for kw in op.kwargs:
        check(lambda m, a, kw=kw: getattr(m, op.name)(a, **kw), (3, 4), **opts)
        check(
            lambda m, a, kw=kw: getattr(m, op.name)(a[1:, ::2], **kw),
            (3, 5),
            dtype=dtype,
            low=op.low,
            high=op.high,
        )


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_on_a_non_leaf(op, dtype):
    # x * 1 is a non-leaf: the in-place form records the op's node on it, as torch does
    for name in (op.name, *op.aliases):
        for kw in op.kwargs:

            def f(m, a, n=name, kw=kw):
                y = a * 1
                if m is not fg and not op.torch_inplace_grad:
                    return getattr(y, n)(**kw)
                r = getattr(y, n + "_")(**kw)
                assert r is y
                return y

            check(f, (2, 3), dtype=dtype, low=op.low, high=op.high)


@pytest.mark.parametrize("op", OPS)
def test_forms_like_torch(op):
    # the method, the function and (where torch has it) the in-place function: each exists
    # exactly where torch's does, for the row's name and aliases
    torch = torch_module()
    for name in (op.name, *op.aliases):
        for n in (name, name + "_"):
            assert hasattr(fg.Tensor, n) == hasattr(torch.Tensor, n), n
            assert hasattr(fg, n) == hasattr(torch, n), n


@pytest.mark.parametrize("op", OPS)
def test_bad_arguments_like_torch(op):
    for args in op.bad_args:
        assert_raises_like_torch(lambda m, a=args: getattr(m, op.name)(m.ones(2), *a))
        assert_raises_like_torch(lambda m, a=args: getattr(m.ones(2), op.name)(*a))
    for kw in op.bad_kwargs:
        assert_raises_like_torch(lambda m, kw=kw: getattr(m, op.name)(m.ones(2), **kw))
        assert_raises_like_torch(lambda m, kw=kw: getattr(m.ones(2), op.name)(**kw))
    # a keyword no form of the row has
    assert_raises_like_torch(lambda m: getattr(m, op.name)(m.ones(2), bogus=1))


@pytest.mark.parametrize("op", [p for p in OPS if p.values[0].bool_out])
def test_predicate_is_not_differentiable_like_torch(op, dtype):
    # a bool result of an input that requires grad: no node, requires_grad False
    def f(m, a):
        y = getattr(m, op.name)(a * 1)
        assert y.grad_fn is None and not y.requires_grad
        return y

    check(f, np.array(SPECIAL + op.special), dtype=dtype)


@pytest.mark.parametrize("op", INPLACE)
def test_inplace_refusals_like_torch(op):
    # on a leaf that requires grad, and on an int64 tensor whose result would be a float
    assert_raises_like_torch(lambda m: getattr(m.ones(2, requires_grad=True), op.name + "_")())
    torch = torch_module()
    try:
        keeps_int = not getattr(torch.tensor([1, 2]), op.name)().dtype.is_floating_point
    except RuntimeError:  # the op refuses integers altogether (frac): so does its in-place form
        keeps_int = False
    if not keeps_int:
        assert_raises_like_torch(lambda m: getattr(m.tensor([1, 2]), op.name + "_")())


@pytest.mark.parametrize("op", OPS)
def test_special_values(op, dtype):
    x = np.array(SPECIAL + op.special)
    for kw in op.kwargs + op.special_kwargs:
        check(lambda m, a, kw=kw: getattr(m, op.name)(a, **kw), x, dtype=dtype, grad=False)


@pytest.mark.parametrize("input_dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("op", OPS)
def test_int_and_bool_inputs_like_torch(op, input_dtype):
    values = [True, False] if input_dtype == "bool" else [-3, -1, 0, 1, 2, 7]
    for kw in op.kwargs + op.special_kwargs:

        def f(m, kw=kw):
            return getattr(m, op.name)(m.tensor(values, dtype=getattr(m, input_dtype)), **kw)

        # where torch refuses, ferrograd must raise the same type
        result_or_error_like_torch(f)


@pytest.mark.parametrize("op", GRAD)
def test_node_name_like_torch(op):
    for kw in op.kwargs:

        def f(m, kw=kw):
            x = m.tensor([0.25, 0.5], requires_grad=True)
            return getattr(m, op.name)(x * 1, **kw).grad_fn.name()

        got, want = run_both(f)
        assert got == want, kw


@pytest.mark.parametrize("modified", ["input", "output"])
@pytest.mark.parametrize("op", GRAD)
def test_saved_tensor_like_torch(op, modified):
    # what the node saves shows in which in-place change backward refuses: the saved input's, the
    # saved output's, or none when it saves nothing (floor, ...)
    def f(m):
        x = m.tensor([0.25, 0.5], requires_grad=True)
        a = x * 1
        y = getattr(m, op.name)(a)
        (a if modified == "input" else y).mul_(2)
        y.sum().backward()
        return x.grad

    result_or_error_like_torch(f, exception=RuntimeError, match="modified by an inplace operation")


@pytest.mark.parametrize("op", GRAD)
def test_gradcheck_and_gradgradcheck(op):
    rng = np.random.default_rng(0)
    x = fg.tensor(rng.uniform(op.low, op.high, size=(2, 3)), dtype=fg.float64, requires_grad=True)
    for kw in op.kwargs:

        def f(a, kw=kw):
            return getattr(fg, op.name)(a, **kw)

        assert fg.autograd.gradcheck(f, (x,))
        assert fg.autograd.gradgradcheck(f, (x,))
        if op.zero_grad:
            (g,) = fg.autograd.grad(f(x).sum(), x)
            assert not to_numpy(g).any()


@pytest.mark.parametrize("op", GRAD)
def test_forward_mode_like_torch(op):
    rng = np.random.default_rng(1)
    xs, vs = rng.uniform(op.low, op.high, size=6), rng.standard_normal(6)
    for kw in op.kwargs:

        def jvp(m, kw=kw):
            fwAD = m.autograd.forward_ad
            with fwAD.dual_level():
                x = fwAD.make_dual(m.tensor(xs, dtype=m.float64), m.tensor(vs, dtype=m.float64))
                return fwAD.unpack_dual(getattr(m, op.name)(x, **kw)).tangent

        got, want = run_both(jvp)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("kind", "op"), [pytest.param(k, op, id=f"{k}-{op.name}") for k, op in entries()])
def test_registry_dtypes_are_torchs(kind, op):
    # every entry's `dtypes` (what the fuzzer and the hostile sweep feed it) is exactly the set of
    # dtypes torch computes it on, and ferrograd computes it on those too (and refuses the rest)
    torch = torch_module()
    assert tuple(d for d in ALL_DTYPES if torch_accepts(torch, kind, op, d)) == op.dtypes
    assert tuple(d for d in ALL_DTYPES if torch_accepts(fg, kind, op, d)) == op.dtypes
