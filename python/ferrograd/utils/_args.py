"""Argument checks shared by the Python layers (``nn.init``, ``optim.lr_scheduler``), giving
torch's argument parser's behaviour: which values a ``float`` parameter takes, and how ``fill_``
takes a tensor value."""

from __future__ import annotations

import numbers

from .._core import Tensor


def float_arg(op: str, name: str, pos: int, value) -> float:
    """A ``float`` parameter as torch's parser takes it: a real number (a bool included) or a 0-d
    tensor that does not require grad (its value); anything else is a TypeError."""
    if isinstance(value, Tensor):
        if value.dim() == 0 and not value.requires_grad:
            return float(value.item())
    elif isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be float, not {type(value).__name__}")


def check_fill_value(op: str, value) -> None:
    """``fill_`` takes a tensor value only if it is 0-d (one value to fill with)."""
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(
            f"{op} only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions."
        )
