"""``ferrograd.utils``: helpers outside the core tensor API (``torch.utils``).

Only ``ferrograd.utils.checkpoint`` (activation checkpointing) exists so far.
"""

from __future__ import annotations

from . import checkpoint

__all__ = ["checkpoint"]
