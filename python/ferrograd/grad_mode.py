"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each works as a context manager and as a decorator. The mode is per thread (it lives in a Rust
thread-local; the inference-mode flag in a Python ``threading.local``), so ``no_grad`` in one
thread does not change another.
"""

from __future__ import annotations

import functools
import threading

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
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(mode).__name__}"
            )
        self._enabled = mode
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


# Whether ``inference_mode`` is active, per thread (a Python thread is one OS thread, so this
# follows the same threads as the Rust grad-mode flag).
_inference_tls = threading.local()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (``inference_mode(True)``) on the calling thread.

    >>> import ferrograd as torch
    >>> torch.is_inference_mode_enabled()
    False
    >>> with torch.inference_mode():
    ...     torch.is_inference_mode_enabled()
    True
    """
    return getattr(_inference_tls, "enabled", False)


class inference_mode(_GradMode):
    """Context manager and decorator for inference: no autograd recording inside the block.

    ``inference_mode(True)`` (the default) turns gradient recording off, and
    ``is_inference_mode_enabled()`` reports True, until the block ends; ``inference_mode(False)``
    turns recording back on and inference mode off, also when nested inside ``inference_mode()``
    or ``no_grad()`` (as in torch, where ``inference_mode(False)`` sets grad mode on). Both
    states are restored on exit, exceptions included. Like ``no_grad``, the mode is per thread.
    It works as ``with inference_mode():``, as a decorator ``@inference_mode()`` /
    ``@inference_mode(False)``, and bare as ``@inference_mode``.

    .. note::
        In ferrograd this disables recording exactly like ``no_grad``: ferrograd has no separate
        inference tensors, so tensors made inside the block are ordinary tensors with
        ``requires_grad=False`` and may be used in autograd afterwards (torch raises for
        inference tensors saved for backward), and there is no extra speed-up over ``no_grad``.
        Also, torch keeps recording off inside ``inference_mode`` even under ``enable_grad()``
        or ``set_grad_enabled(True)``; in ferrograd those turn recording back on.

    Args:
        mode: ``True`` to enter inference mode, ``False`` to leave it (re-enabling recording).

    Example::

        >>> import ferrograd as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> with torch.inference_mode():
        ...     y = x * 2
        >>> y.requires_grad
        False
        >>> @torch.inference_mode
        ... def double(t):
        ...     return t * 2
        >>> double(x).requires_grad
        False
        >>> with torch.inference_mode():
        ...     with torch.inference_mode(False):
        ...         z = x * 2
        >>> z.requires_grad
        True
    """

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool) or not callable(mode):
            return super().__new__(cls)
        # Bare ``@inference_mode``: ``mode`` is the decorated function.
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        self._prev_inference = is_inference_mode_enabled()
        _set_grad_enabled(not self.mode)
        _inference_tls.enabled = self.mode

    def __exit__(self, *exc) -> bool:
        _set_grad_enabled(self._prev)
        _inference_tls.enabled = self._prev_inference
        return False

    def _ctor_args(self) -> tuple:
        return (self.mode,)

    def clone(self) -> inference_mode:
        """A new, unentered ``inference_mode`` with the same ``mode``."""
        return self.__class__(self.mode)
