"""torch's argument-parser rules for the parts of ferrograd written in Python (``nn.functional``,
``nn.init``, the schedulers), so that a wrong argument gives torch's exception type everywhere.

torch parses the arguments of its native functions with one set of rules, mirrored here: an int
argument takes a Python int (not a bool) or a 0-d integer tensor; a float or Number argument takes
a Python number (a bool included) or a 0-d tensor that does not require grad; an int list takes a
sequence of such ints (or one int where torch expands it to a fixed length). Anything else is a
TypeError. The Rust bindings apply the same rules to the functions written in Rust
(``src/bindings/convert.rs``).
"""

from __future__ import annotations

import numbers

from . import _core
from ._core import Tensor

_DTYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "bool": "Bool"}


def dtype_name(dtype) -> str:
    """torch's scalar type name ('Float', 'Long', ...) used in its dtype error messages."""
    short = str(dtype).split(".")[-1]
    return _DTYPE_NAMES.get(short, short)


def _where(name: str, pos: int | None) -> str:
    return f"argument '{name}'" + ("" if pos is None else f" (position {pos})")


def is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def is_int_scalar_tensor(v) -> bool:
    return isinstance(v, Tensor) and v.dim() == 0 and v.dtype == _core.int64


def int_arg(x, name: str, fn: str, pos: int | None = None) -> int:
    """An int argument: a Python int or a 0-d integer tensor (bools and floats are TypeErrors)."""
    if is_int(x):
        return int(x)
    if is_int_scalar_tensor(x):
        return int(x.item())
    raise TypeError(f"{fn}(): {_where(name, pos)} must be int, not {type(x).__name__}")


def float_arg(x, name: str, fn: str, pos: int | None = None, kind: str = "float"):
    """A float (or Number: ``kind='Number'``) argument: a Python number (bools and NumPy scalars
    included) or a 0-d tensor that does not require grad, returned as a Python number."""
    if isinstance(x, numbers.Real):
        return x
    if isinstance(x, Tensor) and x.dim() == 0 and not x.requires_grad:
        return x.item()
    raise TypeError(f"{fn}(): {_where(name, pos)} must be {kind}, not {type(x).__name__}")


def number_arg(x, name: str, fn: str, pos: int | None = None):
    """A Number argument (a Python number or a 0-d tensor), as a Python number."""
    return float_arg(x, name, fn, pos, kind="Number")


def int_list_arg(x, name: str, fn: str, size: int | None = None) -> tuple:
    """An int-list argument (torch's ``IntArrayRef[size]``): a sequence of ints or 0-d integer
    tensors, or, where ``size`` is given, a single int expanded to ``size`` values. The length is
    the caller's to check (torch words that error per op)."""
    if size is not None and (is_int(x) or is_int_scalar_tensor(x)):
        return (int_arg(x, name, fn),) * size
    if not isinstance(x, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(x).__name__}")
    out = []
    for pos, v in enumerate(x):
        # torch's parser checks the type of the first element only; it converts the others with
        # ``__index__``, which takes bools
        if pos > 0 and isinstance(v, bool):
            v = int(v)
        if not (is_int(v) or is_int_scalar_tensor(v)):
            raise TypeError(
                f"{fn}(): argument '{name}' must be tuple of ints, but found element of type "
                f"{type(v).__name__} at pos {pos}"
            )
        out.append(int_arg(v, name, fn))
    return tuple(out)


def check_tensor(x, name: str, fn: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def check_optional_tensor(x, name: str, fn: str) -> None:
    if x is not None:
        check_tensor(x, name, fn)


def check_bool(x, name: str, fn: str) -> None:
    if not isinstance(x, bool):
        raise TypeError(f"{fn}(): argument '{name}' must be bool, not {type(x).__name__}")


def check_floating(input: Tensor, fn: str) -> None:
    """torch's floating-point kernels (elu, gelu, softmax, ...) are not implemented for integer
    and bool tensors: NotImplementedError, a RuntimeError, as there."""
    if not input.is_floating_point():
        raise NotImplementedError(f"\"{fn}\" not implemented for '{dtype_name(input.dtype)}'")


def check_dim(dim: int, ndim: int) -> None:
    """torch's range check of a dim (a 0-d tensor takes dims -1 and 0)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise dim_error(n, dim)


def dim_error(ndim: int, dim: int) -> IndexError:
    """torch's IndexError for a dim a tensor of ``ndim`` dims does not have."""
    if ndim == 0:
        return IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return IndexError(
        f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
    )


def check_fill_value(op: str, value) -> None:
    """``fill_`` takes a tensor value only if it is 0-d (one value to fill with)."""
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(
            f"{op} only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions."
        )
