"""Anomaly detection: ``detect_anomaly()`` / ``set_detect_anomaly(mode)``.

While it is on, every op records where it was called, and a NaN produced in backward raises a
RuntimeError naming the backward function, the shapes and that place, with no re-run needed.
Recording the place costs a stack walk per op, so leave it off outside debugging.
"""

from __future__ import annotations

import functools

from .. import _core

__all__ = ["detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]

is_anomaly_enabled = _core.is_anomaly_enabled


class set_detect_anomaly:
    """Sets anomaly mode on or off; takes effect at once and, as a context manager, restores.

    >>> import ferrograd as torch
    >>> with torch.autograd.set_detect_anomaly(True):
    ...     torch.autograd.is_anomaly_enabled()
    True
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = _core.is_anomaly_enabled()
        _core._set_anomaly(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        _core._set_anomaly(self._prev, True)
        return False


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on for its block.

    >>> import ferrograd as torch
    >>> x = torch.tensor([0.0], requires_grad=True)
    >>> with torch.autograd.detect_anomaly():
    ...     y = x.sqrt() * 0
    ...     y.sum().backward()  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _core.is_anomaly_enabled()
        _core._set_anomaly(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> bool:
        _core._set_anomaly(self._prev, True)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
