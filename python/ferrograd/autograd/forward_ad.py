"""Forward-mode AD: ``dual_level``, ``make_dual``, ``unpack_dual`` (torch.autograd.forward_ad).

Inside a dual level, a tensor made with ``make_dual(primal, tangent)`` carries its tangent
through every op, so ``unpack_dual(out).tangent`` is the Jacobian-vector product J @ tangent,
computed alongside the forward pass.

>>> import ferrograd as torch
>>> import ferrograd.autograd.forward_ad as fwAD
>>> x = torch.tensor([1.0, 2.0])
>>> with fwAD.dual_level():
...     y = fwAD.make_dual(x, torch.ones(2)) ** 2
...     fwAD.unpack_dual(y).tangent
tensor([2., 4.])
"""

from __future__ import annotations

from typing import NamedTuple

from .. import _core
from .._core import Tensor

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal and its tangent (None if it has none)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Opens a dual level on this thread (only one at a time, as in torch); returns its id."""
    return _core._enter_dual_level()


def exit_dual_level(*, level: int | None = None) -> None:
    """Closes the dual level: tangents made inside it are no longer seen."""
    _core._exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` (keeping its history) that carries ``tangent`` at the open level."""
    return _core._make_dual(tensor, tangent)


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a tensor at the open level."""
    primal, tangent = _core._unpack_dual(tensor)
    return UnpackedDualTensor(primal, tangent)


class dual_level:
    """Context manager for a dual level (see the module docstring)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> bool:
        exit_dual_level()
        return False
