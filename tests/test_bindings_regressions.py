"""Regression tests for binding bugs found while writing the type stubs."""

from __future__ import annotations

import pickle

import ferrograd as fg
import pytest


def test_stride_of_a_0d_tensor_is_an_index_error_not_a_panic():
    with pytest.raises(IndexError):
        fg.tensor(1.0).stride(0)


def test_narrow_of_a_0d_tensor_is_a_runtime_error_not_a_panic():
    # torch's error type (RuntimeError), not IndexError.
    with pytest.raises(RuntimeError):
        fg.tensor(1.0).narrow(0, 0, 1)


def test_dtype_objects_are_the_module_constants_and_pickle():
    x = fg.ones(2, dtype=fg.int64)
    assert x.dtype is fg.int64
    assert fg.zeros(1).dtype is fg.float32
    assert pickle.loads(pickle.dumps(fg.float64)) is fg.float64


def test_comparison_methods_take_other_by_keyword():
    a = fg.tensor([1.0, 2.0])
    assert a.eq(other=a).tolist() == [True, True]
    assert a.mm if a.dim() == 1 else True


def test_same_dtype_conversions_return_self():
    x = fg.ones(2)
    assert x.float() is x
    assert x.double() is not x


def test_ipow_is_in_place():
    x = fg.tensor([2.0, 3.0])
    y = x
    x **= 2
    assert y is x and x.tolist() == [4.0, 9.0]


def test_pow_modulo_is_a_type_error_and_bitwise_float_not_implemented():
    with pytest.raises(TypeError):
        pow(fg.tensor([2]), 2, 5)
    # integer bitwise ops are the op table's (tests/test_opinfo_binary.py); a float operand is
    # torch's NotImplementedError (a RuntimeError, as torch's errors are)
    assert (fg.tensor([1, 2]) & fg.tensor([3, 1])).tolist() == [1, 0]
    with pytest.raises(NotImplementedError):
        fg.tensor([True]) | fg.tensor([1.0])


def test_device_hashes_like_its_string():
    assert {fg.device("cpu"): 1}["cpu"] == 1


def test_huge_expanded_views_raise_memory_error_instead_of_aborting():
    # Regression: copying a 2^40-row broadcast view aborted the interpreter (an infallible
    # Vec reservation for its row offsets). Each call runs in a subprocess so an abort fails
    # the test instead of killing the run.
    import subprocess
    import sys

    calls = [
        "fg.zeros(2**62)",
        "fg.zeros(2**40, 2**40)",
        "fg.ones(3).expand(2**40, 3).contiguous()",
        "fg.ones(3).expand(2**40, 3).tolist()",
        "fg.ones(3).expand(2**40, 3) + 1",
    ]
    for call in calls:
        # Both a MemoryError (Python's) and a RuntimeError (torch's): ferrograd.OutOfMemoryError.
        code = (
            f"import ferrograd as fg\ntry:\n    {call}\nexcept MemoryError as e:\n"
            "    print(type(e).__name__, isinstance(e, RuntimeError))"
        )
        r = subprocess.run(
            [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 0 and r.stdout.strip() == "OutOfMemoryError True", (
            call,
            r.returncode,
            r.stderr[-300:],
        )


def test_assigning_a_tensor_its_own_data_is_a_no_op():
    # regression: `x.data = x` raised a PanicException (a failed RefCell borrow in the bindings)
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    x.data = x
    assert x.tolist() == [1.0, 2.0] and x.requires_grad and x.is_leaf
    y = fg.ones(2)
    y.data = y
    assert y.tolist() == [1.0, 1.0]


def test_detach_in_place_changes_the_tensor_itself():
    # regression: detach_() made a new tensor behind the same Python object, so another handle to
    # it (here the .grad slot) kept the old grad_fn
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x**2).sum().backward(create_graph=True)
    g = x.grad
    assert g.grad_fn is not None
    g.detach_()
    assert x.grad is g and x.grad.grad_fn is None and not x.grad.requires_grad
    assert x.grad.tolist() == [2.0, 4.0]


# --- one rule for bool flags: Rust's flag_of (Tensor.backward) and _core._flag ----------------

_FLAG_VALUES = [True, False, 0, 1, 255, 256, -1, 2**70, 1.0, "x", None]


@pytest.mark.parametrize("name", ["retain_graph", "create_graph"])
@pytest.mark.parametrize("value", _FLAG_VALUES + ["int_tensor", "float_tensor", "two_tensor"], ids=repr)
def test_backward_flags_follow_torch(name, value):
    import warnings

    from helpers import run_both

    def run(m):
        v = (
            {
                "int_tensor": m.tensor(1),
                "float_tensor": m.tensor(1.0),
                "two_tensor": m.tensor([1, 1]),
            }.get(value, value)
            if isinstance(value, str)
            else value
        )
        x = m.ones(2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                (x * 2).sum().backward(**{name: v})
            except Exception as e:  # noqa: BLE001
                return type(e)
        return x.grad.tolist()

    f, t = run_both(run)
    if isinstance(t, type):
        assert f is t  # torch raises the builtin TypeError / OverflowError here
    else:
        assert f == t


@pytest.mark.parametrize("value", _FLAG_VALUES, ids=repr)
def test_core_flag_is_the_bool_argument_rule(value):
    from ferrograd import _core

    if isinstance(value, bool):
        assert _core._flag(value, "create_graph", "grad") is value
    elif isinstance(value, int) and 0 <= value <= 255:
        assert _core._flag(value, "create_graph", "grad") is bool(value)
    elif isinstance(value, int):
        with pytest.raises(OverflowError, match=r"grad\(\): argument 'create_graph'"):
            _core._flag(value, "create_graph", "grad")
    else:
        with pytest.raises(TypeError, match=r"grad\(\): argument 'create_graph' must be bool, not"):
            _core._flag(value, "create_graph", "grad")


def test_core_flag_takes_index_objects():
    from ferrograd import _core

    class Idx:
        def __index__(self):
            return 3

    assert _core._flag(Idx(), name="allow_unused", fn="grad") is True
    assert _core._flag(fg.tensor(0), "retain_graph", "backward") is False
    with pytest.raises(TypeError):
        _core._flag(fg.tensor(1.0), "retain_graph", "backward")
    with pytest.raises(TypeError):
        _core._flag(fg.tensor([1, 1]), "retain_graph", "backward")


# The op table's methods and functions go through the one parser (src/api/table.rs): torch's
# TypeErrors, naming the parameter the table names.
@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda x: x.sin(1), "sin() takes no arguments (1 given)"),
        (lambda x: x.relu(1), "relu() takes no arguments (1 given)"),
        (lambda x: x.sin(foo=1), "sin() takes no keyword arguments"),
        (lambda x: x.hypot(2.0), "argument 'other'"),
        (lambda x: x.hypot_(2.0), "argument 'other'"),
        # (the weight was reported as 'other' before the table's rows were parsed)
        (lambda x: x.lerp(x, "a"), "weight"),
        (lambda x: x.lerp("a", 0.5), "end"),
        (lambda x: x.round(1, 2), "invalid combination of arguments"),
    ],
)
def test_table_methods_raise_torchs_type_errors(call, words):
    torch = pytest.importorskip("torch")
    for mod in (fg, torch):
        with pytest.raises(TypeError, match=words.replace("(", r"\(").replace(")", r"\)")):
            call(mod.ones(2))


def test_table_forms_and_attributes_are_rows():
    x = fg.tensor([0.5, -0.25], requires_grad=True)
    y = x.detach().clone()
    assert y.sin_() is y and y.arcsin_() is y and y.nan_to_num_(nan=0.0) is y
    assert fg.xlogy(2.0, x.abs()).shape == (2,) and fg.ones(2, 3).mT.shape == (3, 2)
    assert x.requires_grad_(False) is x and not x.requires_grad
    with pytest.raises(RuntimeError, match="mT is only supported on matrices"):
        _ = x.mT
    with pytest.raises(TypeError, match="pow"):
        pow(x, 2, 3)


def test_tensor_backward_is_autograd_backward():
    # One home for the argument rules: a gradient per tensor, or torch's RuntimeError.
    x = fg.ones(2, requires_grad=True)
    (x * 2).sum().backward(gradient=[None])
    assert x.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="1 tensors and 2 gradients"):
        (x * 2).sum().backward(gradient=[None, None])
    with pytest.raises(TypeError):
        (x * 2).sum().backward(create_graph=None)


def test_engine_refuses_more_gradients_than_roots():
    # The engine checks it itself (it zipped the two lists); autograd.backward passes them on.
    x = fg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="got 1 tensors and 2 gradients"):
        fg._core._backward(((x * 2).sum(),), (None, None), False, False, None)
