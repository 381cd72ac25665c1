"""Argument helpers the functional modules share (the argument types are parsed by
ferrograd._signature; these are torch's value rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Union

from ... import _core
from ..._core import Tensor

_IntOrPair = Union[int, Sequence[int]]


def _pair(x: tuple, name: str = "argument", fn: str = "function") -> tuple:
    """Two ints from a parsed ``int[2]`` argument (a tuple of ints): one value stands for both, as
    in torch; another length is a RuntimeError, as in torch."""
    if len(x) == 1:
        return (x[0], x[0])
    if len(x) != 2:
        raise RuntimeError(
            f"{fn}: expected {name} to be a single integer value or a list of 2 values, got {list(x)}"
        )
    return x


def _py_pair(x) -> tuple:
    """torch.nn.modules.utils._pair: any iterable as a tuple (a tensor gives its rows), anything
    else twice; the values are parsed later, by the function they are passed to."""
    if isinstance(x, Iterable):
        return tuple(x)
    return (x, x)


def _full(shape, value, like: Tensor) -> Tensor:
    return _core.full(tuple(shape), value, dtype=like.dtype, device=like.device)
