"""inference_mode and is_inference_mode_enabled against torch (python/ferrograd/grad_mode.py).

In ferrograd, inference mode turns recording off exactly like no_grad (there are no separate
inference tensors); the flag itself is per thread, like grad mode.
"""

from __future__ import annotations

import threading

import ferrograd as fg
import pytest

torch = pytest.importorskip("torch")


def state(m):
    return (m.is_grad_enabled(), m.is_inference_mode_enabled())


def test_exported():
    assert "inference_mode" in fg.__all__
    assert "is_inference_mode_enabled" in fg.__all__
    assert fg.inference_mode is fg.grad_mode.inference_mode


def test_default_off_and_restored():
    assert state(fg) == (True, False)
    with fg.inference_mode():
        assert state(fg) == (False, True)
    assert state(fg) == (True, False)


def test_no_recording_inside():
    for m in (fg, torch):
        x = m.ones(3, requires_grad=True)
        with m.inference_mode():
            y = x * 2 + x.exp()
        assert not y.requires_grad
        assert y.grad_fn is None
        z = x * 2
        assert z.requires_grad


def test_mode_false_records():
    x = fg.ones(3, requires_grad=True)
    with fg.inference_mode(False):
        assert state(fg) == (True, False)
        assert (x * 2).requires_grad
    with fg.inference_mode(mode=False) as entered:
        assert entered is None  # as torch: __enter__ returns None
    assert state(fg) == (True, False)


def _scenarios(m):
    """The (is_grad_enabled, is_inference_mode_enabled) states along some nestings."""
    seen = []
    with m.inference_mode():
        seen.append(state(m))
        with m.inference_mode(False):
            seen.append(state(m))
            with m.inference_mode(True):
                seen.append(state(m))
            seen.append(state(m))
        seen.append(state(m))
        with m.no_grad():
            seen.append(state(m))
        seen.append(state(m))
    seen.append(state(m))
    with m.no_grad():
        with m.inference_mode(False):
            seen.append(state(m))
        seen.append(state(m))
        with m.inference_mode():
            seen.append(state(m))
        seen.append(state(m))
    seen.append(state(m))
    return seen


def test_nesting_matches_torch():
    assert _scenarios(fg) == _scenarios(torch)


def test_nested_false_reenables_recording():
    x = fg.ones(2, requires_grad=True)
    with fg.inference_mode():
        with fg.inference_mode(False):
            y = x * 3
        z = x * 3
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_decorator_forms():
    results = {}
    for m in (fg, torch):

        @m.inference_mode
        def bare(t, m=m):
            """doc"""
            return state(m), (t * 2).requires_grad

        @m.inference_mode()
        def called(t, m=m):
            return state(m), (t * 2).requires_grad

        @m.inference_mode(False)
        def off(t, m=m):
            return state(m), (t * 2).requires_grad

        x = m.ones(2, requires_grad=True)
        results[m.__name__] = (bare(x), called(x), off(x), bare.__name__, bare.__doc__)
        with m.inference_mode():
            results[m.__name__] += (off(x),)
        assert state(m) == (True, False)
    assert results["ferrograd"] == results["torch"]
    assert results["ferrograd"][:3] == (((False, True), False), ((False, True), False), ((True, False), True))


def test_decorator_is_reentrant_and_reusable():
    calls = []

    @fg.inference_mode()
    def f(n):
        calls.append(state(fg))
        if n:
            f(n - 1)
        return state(fg)

    assert f(2) == (False, True)
    assert f(0) == (False, True)
    assert calls == [(False, True)] * 4
    assert state(fg) == (True, False)


def test_restored_after_exception():
    with pytest.raises(ValueError), fg.inference_mode():
        raise ValueError("boom")
    assert state(fg) == (True, False)

    @fg.inference_mode
    def f():
        raise KeyError("x")

    with pytest.raises(KeyError):
        f()
    assert state(fg) == (True, False)

    with fg.no_grad():
        with pytest.raises(ValueError), fg.inference_mode(False):
            raise ValueError("boom")
        assert state(fg) == (False, False)
    assert state(fg) == (True, False)


def test_mode_and_clone():
    for m in (fg, torch):
        assert m.inference_mode().mode is True
        assert m.inference_mode(False).mode is False
        c = m.inference_mode(False).clone()
        assert isinstance(c, m.inference_mode) and c.mode is False


def test_is_per_thread():
    x = fg.tensor([1.0], requires_grad=True)
    entered = threading.Event()
    main_done = threading.Event()
    result = {}

    def worker():
        with fg.inference_mode():
            entered.set()
            main_done.wait(10)
            result["thread"] = (*state(fg), (x * 2).requires_grad)
        result["thread_after"] = state(fg)

    th = threading.Thread(target=worker)
    th.start()
    assert entered.wait(10)
    result["main"] = (*state(fg), (x * 2).requires_grad)
    main_done.set()
    th.join(10)
    assert result["main"] == (True, False, True)
    assert result["thread"] == (False, True, False)
    assert result["thread_after"] == (True, False)


def test_new_thread_starts_outside_inference_mode():
    result = {}

    def worker():
        result["t"] = state(fg)

    with fg.inference_mode():
        th = threading.Thread(target=worker)
        th.start()
        th.join(10)
    assert result["t"] == (True, False)


def test_results_are_ordinary_tensors():
    # ferrograd has no inference tensors: a result made in inference mode can be used in autograd
    # afterwards (torch raises "Inference tensors cannot be saved for backward" here).
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    with fg.inference_mode():
        c = x * 2
    (c * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_backward_inside_inference_mode_still_works():
    # Like no_grad: a graph recorded before can be differentiated inside the block.
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with fg.inference_mode():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]
