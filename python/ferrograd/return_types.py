"""Named result tuples, as ``torch.return_types``: ``values, indices = x.max(dim=0)``."""

from __future__ import annotations

from typing import NamedTuple

from ._core import Tensor


class max(NamedTuple):
    values: Tensor
    indices: Tensor


class min(NamedTuple):
    values: Tensor
    indices: Tensor
