"""``ferrograd.Size``: the type of ``Tensor.shape``, a tuple that prints like torch.Size."""

from __future__ import annotations


class Size(tuple):
    """A tuple of dimension sizes.

    >>> import ferrograd as torch
    >>> torch.zeros(2, 3).shape
    ferrograd.Size([2, 3])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ferrograd.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out
