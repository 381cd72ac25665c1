"""``ferrograd.utils.data``: datasets and a data loader (``torch.utils.data``), in-process.

``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``, the samplers
(``SequentialSampler``, ``RandomSampler``, ``BatchSampler``), ``default_collate`` and
``DataLoader``.

Randomness. ferrograd's only ``Generator`` object is its global generator; a ``generator=``
argument (of ``DataLoader``, ``RandomSampler``, ``random_split``) may be

* None (or ``ferrograd.default_generator``, which ``manual_seed`` returns): each shuffle draws its
  seed from ferrograd's global generator, so ``ferrograd.manual_seed(s)`` before iterating makes
  the order reproducible, as with torch;
* an int: a seed; the loader keeps its own NumPy generator seeded with it, so two loaders made
  with the same seed give the same sequence of epochs;
* a ``numpy.random.Generator`` (or ``RandomState``), used as it is.

The permutations come from NumPy, so the orders differ from torch's for the same seed.

``num_workers`` must be 0 (loading runs in the calling process); ``pin_memory``, ``timeout`` and
the worker options are accepted for compatibility and ignored.

>>> import ferrograd as torch
>>> from ferrograd.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(torch.arange(10).float(), torch.arange(10))
>>> [y.tolist() for _, y in DataLoader(ds, batch_size=4)]
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
"""

from __future__ import annotations

import collections.abc
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Callable, Generic, TypeVar

import numpy as np

from .. import _core
from .._core import Tensor
from ._random import Generator

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


# ---- randomness ----------------------------------------------------------------------------------


def _numpy_generator(generator: Any) -> np.random.Generator | np.random.RandomState:
    """A NumPy generator for one shuffle: from ``generator`` (see the module doc) or, for None,
    seeded from ferrograd's global generator."""
    if generator is None or isinstance(generator, Generator):
        seed = int(_core.randint(0, 2**62, (1,)).item())
        return np.random.default_rng(seed)
    if isinstance(generator, (np.random.Generator, np.random.RandomState)):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator must be None, ferrograd.default_generator, an int seed or a numpy.random.Generator, "
        f"not {type(generator).__name__}"
    )


def _permutation(n: int, rng: np.random.Generator | np.random.RandomState) -> list[int]:
    return [int(i) for i in rng.permutation(n)]


# ---- datasets ------------------------------------------------------------------------------------


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses implement ``__getitem__(index)`` and usually ``__len__``."""

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """An iterable-style dataset: subclasses implement ``__iter__``."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; all tensors share their first dim."""

    def __init__(self, *tensors: Tensor) -> None:
        if not all(tensors[0].size(0) == t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class ConcatDataset(Dataset[T_co]):
    """The concatenation of several map-style datasets."""

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)  # type: ignore[arg-type]
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        import bisect

        d = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][sample_idx]


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]  # type: ignore[index]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(
    dataset: Dataset[T_co], lengths: Sequence[int | float], generator: Any = None
) -> list[Subset[T_co]]:
    """Splits ``dataset`` into random non-overlapping subsets of the given lengths (or fractions
    summing to 1, spread as torch does)."""
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = [math.floor(n * frac) for frac in lengths]
        remainder = n - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = _permutation(n, _numpy_generator(generator))
    out = []
    offset = 0
    for length in lengths:
        length = int(length)
        out.append(Subset(dataset, indices[offset : offset + length]))
        offset += length
    return out


# ---- samplers ------------------------------------------------------------------------------------


class Sampler(Generic[T_co]):
    """Base class of samplers: iterables of dataset indices (or of lists of indices)."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A random permutation of the indices each epoch (``replacement=False``), or
    ``num_samples`` indices drawn with replacement."""

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        # An int seed becomes one generator that advances from epoch to epoch.
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            self.generator = np.random.default_rng(int(generator))
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = _numpy_generator(self.generator)
        if self.replacement:
            draw = rng.integers if isinstance(rng, np.random.Generator) else rng.randint
            yield from (int(i) for i in draw(0, n, self.num_samples))
            return
        for _ in range(self.num_samples // n):
            yield from _permutation(n, rng)
        rest = self.num_samples % n
        if rest:
            yield from _permutation(n, rng)[:rest]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless
    ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")  # noqa: TRY004 (torch)
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size


# ---- collation -----------------------------------------------------------------------------------


def default_collate(batch: list[Any]) -> Any:
    """Merges a list of samples into a batch, as torch's ``default_collate``:

    * tensors are stacked along a new first dim (``ferrograd.stack``);
    * NumPy arrays become stacked tensors, NumPy scalars and Python floats a float64 tensor,
      ints an int64 tensor, bools a bool tensor;
    * strings (and bytes) stay a list;
    * dicts, named tuples, tuples and lists are collated element-wise (a tuple or list gives a
      list, as in torch; every sample must have the same length).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _core.stack(batch, 0)  # a list or tuple of tensors (a tensor is refused, as in torch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SaUO":
            raise TypeError(
                f"default_collate: batch must contain tensors, numbers, dicts or lists; found {elem.dtype}"
            )
        return _core.stack([_core.from_numpy(np.array(b, copy=True)) for b in batch], 0)
    if isinstance(elem, np.generic):
        return _core.as_tensor(np.array(batch))
    if isinstance(elem, bool):
        return _core.tensor(batch, dtype=_core.bool)
    if isinstance(elem, float):
        return _core.tensor(batch, dtype=_core.float64)
    if isinstance(elem, int):
        return _core.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {type(elem)}"
    )


def default_convert(data: Any) -> Any:
    """What the loader does to each sample when batching is off (``batch_size=None``): NumPy
    arrays become tensors; the rest is unchanged (containers are converted element-wise)."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "SaUO":
        return _core.from_numpy(np.array(data, copy=True))
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


# ---- loader --------------------------------------------------------------------------------------


class DataLoader(Generic[T_co]):
    """Iterates over ``dataset`` in batches (``torch.utils.data.DataLoader``).

    ``shuffle=True`` draws a new permutation every epoch (see the module doc for ``generator``);
    ``drop_last`` drops a last batch smaller than ``batch_size``; ``batch_size=None`` disables
    batching (samples are yielded one by one). ``sampler`` / ``batch_sampler`` replace the
    default index order as in torch. ``num_workers`` must be 0.
    """

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[Any]] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if num_workers != 0:
            raise ValueError("ferrograd's DataLoader loads in the calling process: num_workers must be 0")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")

        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in {False, None}:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            it = iter(self.dataset)  # type: ignore[call-overload]
            if self.batch_size is None:
                for sample in it:
                    yield self.collate_fn(sample)
                return
            batch: list[Any] = []
            for sample in it:
                batch.append(sample)
                if len(batch) == self.batch_size:
                    yield self.collate_fn(batch)
                    batch = []
            if batch and not self.drop_last:
                yield self.collate_fn(batch)
            return
        fetch_many = getattr(self.dataset, "__getitems__", None)
        # A TensorDataset batched by default_collate: one gather per tensor gives the same batch
        # as indexing each sample and stacking them (a list, as default_collate makes of tuples).
        gather = (
            self._auto_collation
            and type(self.dataset) is TensorDataset
            and self.collate_fn is default_collate
            and len(self.dataset.tensors) > 0
        )
        for index in self._index_sampler:
            if gather:
                tensors = self.dataset.tensors  # type: ignore[attr-defined]
                yield [t[_core.tensor(list(index), dtype=_core.int64, device=t.device)] for t in tensors]
            elif self._auto_collation:
                samples = fetch_many(index) if fetch_many is not None else [self.dataset[i] for i in index]
                yield self.collate_fn(samples)
            else:
                yield self.collate_fn(self.dataset[index])

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)
