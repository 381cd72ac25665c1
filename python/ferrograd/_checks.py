"""torch's value checks that several Python-side functions share (dims, dtypes, fill values):
its RuntimeErrors, IndexErrors and NotImplementedErrors. Argument types are the parser's
(``_signature``), not these."""

from __future__ import annotations

from ._core import Tensor

_DTYPE_NAMES = {"float32": "Float", "float64": "Double", "int32": "Int", "int64": "Long", "bool": "Bool"}


def dtype_name(dtype) -> str:
    """torch's scalar type name ('Float', 'Long', ...) used in its dtype error messages."""
    short = str(dtype).split(".")[-1]
    return _DTYPE_NAMES.get(short, short)


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
