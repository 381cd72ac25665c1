"""``ferrograd.utils``: helpers outside the core tensor API (``torch.utils``).

``ferrograd.utils.checkpoint`` (activation checkpointing) and ``ferrograd.utils.data``
(datasets and ``DataLoader``).
"""

from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
