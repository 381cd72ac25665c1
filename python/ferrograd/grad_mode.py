"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each works as a context manager and as a decorator. The mode is per thread (it lives in a Rust
thread-local), so ``no_grad`` in one thread does not change another.
"""

from __future__ import annotations

import functools

from ._core import _set_grad_enabled, is_grad_enabled


class _GradMode:
    _enabled: bool

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc) -> bool:
        _set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._ctor_args()):
                return fn(*args, **kwargs)

        return wrapper

    def _ctor_args(self) -> tuple:
        return ()


class _BareDecorator(_GradMode):
    """Allows ``@no_grad`` without parentheses, as torch does."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            return _GradMode.__call__(self, orig_func)
        return self

    def __init__(self, orig_func=None) -> None:
        pass


class no_grad(_BareDecorator):
    """Disables gradient recording inside the block.

    >>> import ferrograd as torch
    >>> x = torch.tensor(1.0, requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    _enabled = False


class enable_grad(_BareDecorator):
    """Enables gradient recording inside the block (e.g. within ``no_grad``)."""

    _enabled = True


class set_grad_enabled(_GradMode):
    """Sets grad mode to ``mode``; takes effect at once, and as a context manager restores it."""

    def __init__(self, mode: bool) -> None:
        self._enabled = bool(mode)
        self._prev = is_grad_enabled()
        _set_grad_enabled(self._enabled)

    def __enter__(self):
        return self

    def _ctor_args(self) -> tuple:
        return (self._enabled,)

    def __call__(self, fn):
        # Used as a decorator: undo the immediate switch made by __init__.
        _set_grad_enabled(self._prev)
        return super().__call__(fn)
