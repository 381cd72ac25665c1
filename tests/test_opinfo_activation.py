"""Every activation row of the op table, checked from its entry in tests/opinfo.py
(ACTIVATIONS): ``F.<name>`` against torch (float32, float64 and wgpu) with each parameter set,
the in-place forms on a non-leaf, the ``nn`` module (values and repr), which forms exist (as in
torch), special values, int64/bool inputs, refused parameters, node names, float64 gradcheck and
gradgradcheck, and forward mode."""

import inspect

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
from opinfo import ACTIVATIONS, SPECIAL

pytest.importorskip("torch")

OPS = [pytest.param(op, id=op.name) for op in ACTIVATIONS]
WITH_PARAMS = [pytest.param(op, p, id=f"{op.name}{p}") for op in ACTIVATIONS for p in op.params]


def _F(m):
    return m.nn.functional


@pytest.mark.parametrize("shape", [(), (7,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_functional(op, params, shape, dtype):
    check(lambda m, x: getattr(_F(m), op.name)(x, *params), shape, dtype=dtype, low=op.low, high=op.high)


@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_non_contiguous(op, params, dtype):
    kw = {"dtype": dtype, "low": op.low, "high": op.high, "non_contiguous": True}
    check(lambda m, x: getattr(_F(m), op.name)(x, *params), (3, 4), **kw)


@pytest.mark.parametrize("op", OPS)
def test_forms_like_torch(op):
    # F.name_, torch.name, torch.name_ exist exactly where torch has them
    torch = torch_module()
    for where in ("F", "torch"):
        for name in (op.name, op.name + "_"):
            t_mod, f_mod = (_F(torch), _F(fg)) if where == "F" else (torch, fg)
            assert hasattr(f_mod, name) == hasattr(t_mod, name), f"{where}.{name}"


@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_inplace_on_a_non_leaf(op, params, dtype):
    torch = torch_module()

    def keyword(m, x):
        y = x * 1
        r = getattr(_F(m), op.name)(y, *params, inplace=True)
        assert r is y
        return y

    try:
        torch_params = inspect.signature(getattr(_F(torch), op.name)).parameters
    except ValueError:  # a builtin without a signature (logsigmoid, ...) has no inplace keyword
        torch_params = {}
    if "inplace" in torch_params:
        check(keyword, (2, 3), dtype=dtype, low=op.low, high=op.high)
    if hasattr(_F(torch), op.name + "_"):

        def underscore(m, x):
            y = x * 1
            r = getattr(_F(m), op.name + "_")(y, *params)
            assert r is y
            return y

        check(underscore, (2, 3), dtype=dtype, low=op.low, high=op.high)


@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_module_like_torch(op, params, dtype):
    def f(m, x):
        mod = getattr(m.nn, op.module)(*params)
        return mod(x)

    check(f, (3, 4), dtype=dtype, low=op.low, high=op.high)

    def rep(m):
        return repr(getattr(m.nn, op.module)(*params))

    got, want = run_both(rep)
    assert got == want


@pytest.mark.parametrize("op", OPS)
def test_special_values(op, dtype):
    x = np.array(SPECIAL + op.special)
    for params in op.params:
        check(lambda m, a, p=params: getattr(_F(m), op.name)(a, *p), x, dtype=dtype, grad=False)


@pytest.mark.parametrize("input_dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("op", OPS)
def test_int_and_bool_inputs_like_torch(op, input_dtype):
    values = [True, False] if input_dtype == "bool" else [-3, -1, 0, 1, 2, 7]

    def f(m):
        return getattr(_F(m), op.name)(m.tensor(values, dtype=getattr(m, input_dtype)), *op.params[0])

    # where torch refuses, ferrograd must raise the same type
    result_or_error_like_torch(f)


@pytest.mark.parametrize("op", OPS)
def test_refused_parameters_like_torch(op):
    for params in op.bad_params:
        assert_raises_like_torch(lambda m, p=params: getattr(_F(m), op.name)(m.ones(3), *p))
    # a parameter that is not a number is a TypeError
    n = max(len(p) for p in op.params)
    if n:
        assert_raises_like_torch(lambda m: getattr(_F(m), op.name)(m.ones(3), *(["a"] * n)))
    assert_raises_like_torch(lambda m: getattr(_F(m), op.name)([1.0, 2.0]))


@pytest.mark.parametrize("op", OPS)
def test_node_name_like_torch(op):
    def f(m):
        x = m.tensor([0.25, -0.5], requires_grad=True)
        return getattr(_F(m), op.name)(x * 1, *op.params[0]).grad_fn.name()

    got, want = run_both(f)
    assert got == want


@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_gradcheck_and_gradgradcheck(op, params):
    rng = np.random.default_rng(0)
    x = fg.tensor(rng.uniform(op.low, op.high, size=(2, 3)), dtype=fg.float64, requires_grad=True)

    def f(a):
        return getattr(fg.nn.functional, op.name)(a, *params)

    assert fg.autograd.gradcheck(f, (x,))
    assert fg.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize(("op", "params"), WITH_PARAMS)
def test_forward_mode_like_torch(op, params):
    rng = np.random.default_rng(1)
    xs, vs = rng.uniform(op.low, op.high, size=6), rng.standard_normal(6)

    def jvp(m):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            x = fwAD.make_dual(m.tensor(xs, dtype=m.float64), m.tensor(vs, dtype=m.float64))
            return fwAD.unpack_dual(getattr(_F(m), op.name)(x, *params)).tangent

    got, want = run_both(jvp)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "module"), [("softsign", "Softsign"), ("tanhshrink", "Tanhshrink")])
def test_composite_activations_like_torch(name, module, dtype):
    # torch writes these two in Python from other ops (DivBackward0, SubBackward0): so does ferrograd
    check(lambda m, x: getattr(_F(m), name)(x), (3, 4), dtype=dtype, low=-3.0, high=3.0)
    check(lambda m, x: getattr(m.nn, module)()(x), (3, 4), dtype=dtype, low=-3.0, high=3.0)
    got, want = run_both(
        lambda m: getattr(_F(m), name)(m.tensor([0.5], requires_grad=True) * 1).grad_fn.name()
    )
    assert got == want


@pytest.mark.parametrize("op", OPS)
def test_torch_grad2_is_torchs(op):
    # the entry's torch_grad2 says whether torch has a second derivative (where it has none, torch
    # raises; ferrograd's is checked by gradgradcheck above)
    torch = torch_module()
    x = torch.tensor([0.3, -0.7, 1.9], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(
        getattr(torch.nn.functional, op.name)(x, *op.params[0]).sum(), x, create_graph=True
    )
    try:
        if g.requires_grad:
            torch.autograd.grad(g.sum(), x, allow_unused=True)
        differentiable = True
    except RuntimeError:
        differentiable = False
    assert differentiable == op.torch_grad2


@pytest.mark.parametrize("name", ["celu", "hardshrink", "softshrink"])
def test_a_tensor_of_several_elements_for_a_number_parameter_is_a_type_error(name):
    # regression: pyo3 read the parameter through the tensor's __float__ (a ValueError for more
    # than one element, and a one-element tensor was taken); the one parser refuses it as torch does
    import torch

    for m in (torch, fg):
        with pytest.raises(TypeError):
            getattr(m.nn.functional, name)(m.ones(3), m.ones(4, 3))


def test_round_refuses_decimals_none_and_bool_as_torch():
    # regression: decimals=None and decimals=True were accepted
    import torch

    for m in (torch, fg):
        for bad in (None, True):
            with pytest.raises(TypeError):
                m.ones(2).round(decimals=bad)


@pytest.mark.parametrize("lambd", [-1.0, float("nan"), float("inf")])
def test_softshrink_refuses_a_negative_nan_or_infinite_lambda_as_torch(lambd):
    # regression: NaN and infinity were accepted (only a negative lambda was refused)
    import torch

    for m in (torch, fg):
        with pytest.raises(RuntimeError, match="lambda must be in range"):
            m.nn.functional.softshrink(m.ones(3), lambd)
