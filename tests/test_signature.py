"""The argument parser as the Python layers use it: ``_core.Signature`` and the ``@signature``
decorator of ``ferrograd._signature`` (the parser itself is src/bindings/api.rs; its rules are
tested through every function that uses it, here only what the Python side adds)."""

from __future__ import annotations

import inspect

import ferrograd as fg
import ferrograd.nn.functional as F
import pytest
from ferrograd._core import Signature
from ferrograd._signature import signature


def test_int_list_default_expands_like_a_given_int():
    sig = Signature("f(int[2] stride=1, int[] pad=[1, 2], int[2] given=3)")
    assert sig.parse((), {}) == ((1, 1), (1, 2), (3, 3))
    assert sig.parse((), {"given": fg.tensor(4)}) == ((1, 1), (1, 2), (4, 4))


def test_values_keep_their_objects_and_kinds():
    x = fg.ones(2)
    sig = Signature("f(Tensor input, Scalar a, float b, object o, ScalarType? dtype=None)")
    out = sig.parse((x, True, 2, "any"), {"dtype": fg.float64})
    assert out[0] is x and out[1] is True and out[2] == 2.0 and isinstance(out[2], float)
    assert out[3] == "any" and out[4] is fg.float64


def test_overloads_give_the_index_of_the_match():
    sig = Signature("f(Tensor input, int[2] padding=0)", "f(Tensor input, str padding)")
    x = fg.ones(2)
    assert sig.parse((x, 1)) == (0, (x, (1, 1)))
    assert sig.parse((x, "same")) == (1, (x, "same"))
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        sig.parse((x, 1.5))


def test_decorator_parses_and_keeps_the_function():
    @signature("f(Tensor input, int dim=0, *, float eps=1e-5)")
    def f(input, dim=0, *, eps=1e-5):
        """Doc."""
        return input, dim, eps

    x = fg.ones(2)
    assert f(x, fg.tensor(1), eps=1) == (x, 1, 1.0)
    assert f.__name__ == "f" and f.__doc__ == "Doc."
    assert list(inspect.signature(f).parameters) == ["input", "dim", "eps"]
    assert f.__wrapped__(1, 2, eps=3) == (1, 2, 3)  # unparsed, for internal calls
    with pytest.raises(TypeError, match=r"argument 'dim' \(position 2\) must be int, not bool"):
        f(x, True)
    with pytest.raises(TypeError, match="positional"):
        f(x, 0, 1e-3)  # eps is keyword-only


def test_decorator_with_overloads():
    @signature("g(int[2] padding=0)", "g(str padding)")
    def g(padding=0):
        return padding

    assert g(2) == (2, 2) and g(padding="valid") == "valid"


@pytest.mark.parametrize("name", ["relu", "linear", "dropout", "conv2d", "gelu", "softmax", "one_hot"])
def test_functional_signatures_stay_the_functions(name):
    torch = pytest.importorskip("torch")
    f = getattr(F, name)
    assert f.__name__ == name and f.__doc__
    params = list(inspect.signature(f).parameters)
    try:
        want = list(inspect.signature(getattr(torch.nn.functional, name)).parameters)
    except ValueError:  # a torch builtin without a Python signature
        return
    assert params == want
