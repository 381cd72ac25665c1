"""The global random generator as a ``torch.Generator``-like object (what ``manual_seed`` returns).

ferrograd has one random generator, in Rust (xoshiro256++ seeded through splitmix64), which
exposes only its seeding. :class:`Generator` offers what that allows, with torch's semantics:
``manual_seed``, ``seed`` and ``initial_seed``. torch's ``get_state``/``set_state`` and
independent ``Generator()`` objects need the generator's state from Rust, which is not exposed
yet, so they are absent (``Generator()`` raises ``NotImplementedError``).
"""

from __future__ import annotations

import os

from .. import _core

_U64 = 1 << 64
_I64_MIN = -(1 << 63)


class Generator:
    """ferrograd's global random generator (``ferrograd.default_generator``).

    ``ferrograd.manual_seed(s)`` returns it, so ``manual_seed(0).initial_seed()`` works as in
    torch; passing it as ``generator=`` means the global generator, which is what ferrograd's
    random functions use anyway.
    """

    def __init__(self, device="cpu"):
        raise NotImplementedError(
            "Generator(): ferrograd has a single global random generator "
            "(ferrograd.default_generator, returned by manual_seed); independent generators are not "
            "supported yet"
        )

    @classmethod
    def _global(cls) -> Generator:
        gen = object.__new__(cls)
        gen._initial_seed = None
        return gen

    @property
    def device(self):
        return _core.device("cpu")

    def manual_seed(self, seed) -> Generator:
        """Seeds the generator with ``seed``, an int in [-2**63, 2**64); a negative seed is taken
        modulo 2**64 (as torch). Returns the generator."""
        if not isinstance(seed, int):
            # an int only, as torch's Generator.manual_seed (ferrograd.manual_seed converts with int())
            raise TypeError(f"manual_seed expected an int, but got {type(seed).__name__}")
        if not _I64_MIN <= seed < _U64:
            raise ValueError(
                f"manual_seed: Overflow when unpacking long long: the seed {seed} must be in [-2**63, 2**64)"
            )
        _core.manual_seed(seed)
        self._initial_seed = seed % _U64
        return self

    def seed(self) -> int:
        """Seeds the generator with a non-deterministic 64-bit number (from the OS) and returns it."""
        value = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with (by ``manual_seed`` or ``seed``)."""
        return self._initial_seed

    def __repr__(self) -> str:
        return "<ferrograd.Generator (the global generator)>"


default_generator = Generator._global()
# Seeded once here (rather than lazily from the clock in Rust), so initial_seed() is known.
default_generator.seed()


def manual_seed(seed) -> Generator:
    """Seeds ferrograd's global random generator and returns it (``torch.manual_seed``).

    ``int(seed)`` is used, so ``"12"`` or ``1.5`` work as in torch; the value must be in
    [-2**63, 2**64) (a negative seed is taken modulo 2**64). The numbers drawn are ferrograd's
    own: seeding torch and ferrograd alike does not give equal samples.

    >>> import ferrograd as torch
    >>> torch.manual_seed(0).initial_seed()
    0
    """
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seeds the global generator with a non-deterministic number and returns it."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()
