"""ferrograd.utils.data: datasets, samplers, collation and DataLoader (batching, shuffling
determinism, drop_last), compared with torch.utils.data where the results are deterministic."""

from __future__ import annotations

from collections import namedtuple

import ferrograd as fg
import numpy as np
import pytest
from ferrograd.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from helpers import torch_module

torch = torch_module()


def _xy(n=10):
    x = fg.arange(n * 3).float().reshape(n, 3)
    y = fg.arange(n)
    return x, y


@pytest.mark.parametrize(
    ("batch_size", "drop_last"),
    [(1, False), (3, False), (3, True), (4, False), (10, True), (12, False), (12, True)],
)
def test_sequential_batches_match_torch(batch_size, drop_last):
    x, y = _xy()
    tx, ty = torch.arange(30).float().reshape(10, 3), torch.arange(10)
    fl = DataLoader(TensorDataset(x, y), batch_size=batch_size, drop_last=drop_last)
    tl = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(tx, ty), batch_size=batch_size, drop_last=drop_last
    )
    assert len(fl) == len(tl)
    fb, tb = list(fl), list(tl)
    assert len(fb) == len(tb) == len(fl)
    for (fx, fy), (ttx, tty) in zip(fb, tb):
        assert fx.shape == tuple(ttx.shape) and fx.dtype == fg.float32 and fy.dtype == fg.int64
        assert fx.tolist() == ttx.tolist() and fy.tolist() == tty.tolist()


def test_default_batch_size_is_one():
    x, y = _xy(3)
    batches = list(DataLoader(TensorDataset(x, y)))
    assert len(batches) == 3 and batches[0][0].shape == (1, 3) and batches[2][1].tolist() == [2]


def test_shuffle_is_a_permutation_and_reproducible_with_manual_seed():
    x, y = _xy(20)
    loader = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)
    fg.manual_seed(123)
    epoch1 = [b[1].tolist() for b in loader]
    epoch2 = [b[1].tolist() for b in loader]
    fg.manual_seed(123)
    again1 = [b[1].tolist() for b in loader]
    again2 = [b[1].tolist() for b in loader]
    assert epoch1 == again1 and epoch2 == again2
    assert epoch1 != epoch2  # a new permutation each epoch
    flat = [i for b in epoch1 for i in b]
    assert sorted(flat) == list(range(20)) and flat != list(range(20))
    assert [len(b) for b in epoch1] == [6, 6, 6, 2]
    # rows stay aligned with their labels
    for bx, by in loader:
        assert bx[:, 0].tolist() == (by * 3).float().tolist()


def test_shuffle_with_drop_last():
    x, y = _xy(10)
    fg.manual_seed(0)
    batches = [
        b[1].tolist() for b in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, drop_last=True)
    ]
    assert [len(b) for b in batches] == [4, 4]
    assert len({i for b in batches for i in b}) == 8


def test_generator_seed_and_numpy_generator():
    x, y = _xy(16)
    ds = TensorDataset(x, y)

    def epochs(loader, n=3):
        return [[b[1].tolist() for b in loader] for _ in range(n)]

    a = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=7))
    b = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=7))
    c = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=8))
    assert a == b and a != c and a[0] != a[1]
    d = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(7)))
    e = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(7)))
    assert d == e
    # the global seed does not affect a loader with its own generator
    fg.manual_seed(1)
    f = epochs(DataLoader(ds, batch_size=5, shuffle=True, generator=7))
    assert f == a
    with pytest.raises(TypeError, match="generator must be"):
        list(DataLoader(ds, shuffle=True, generator="seed"))


def test_collate_numbers_dicts_tuples_namedtuples_strings():
    Pair = namedtuple("Pair", "a b")

    class DS(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {
                "f": float(i) / 2,
                "i": i,
                "b": i % 2 == 0,
                "s": f"s{i}",
                "t": (fg.tensor([i, i]), i),
                "n": Pair(fg.tensor(float(i)), np.float32(i)),
                "arr": np.full(2, i, dtype=np.float64),
            }

    fb = next(iter(DataLoader(DS(), batch_size=3)))

    class TDS(torch.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {
                "f": float(i) / 2,
                "i": i,
                "b": i % 2 == 0,
                "s": f"s{i}",
                "t": (torch.tensor([i, i]), i),
                "n": Pair(torch.tensor(float(i)), np.float32(i)),
                "arr": np.full(2, i, dtype=np.float64),
            }

    tb = next(iter(torch.utils.data.DataLoader(TDS(), batch_size=3)))
    assert fb["f"].dtype == fg.float64 and fb["f"].tolist() == tb["f"].tolist()
    assert fb["i"].dtype == fg.int64 and fb["i"].tolist() == tb["i"].tolist()
    assert fb["b"].dtype == fg.bool and fb["b"].tolist() == tb["b"].tolist() == [True, False, True]
    assert fb["s"] == tb["s"] == ["s0", "s1", "s2"]
    assert isinstance(fb["t"], list) and isinstance(tb["t"], list)
    assert fb["t"][0].tolist() == tb["t"][0].tolist() and fb["t"][1].tolist() == tb["t"][1].tolist()
    assert isinstance(fb["n"], Pair) and fb["n"].a.tolist() == tb["n"].a.tolist()
    assert fb["n"].b.dtype == fg.float32 and fb["n"].b.tolist() == tb["n"].b.tolist()
    assert fb["arr"].dtype == fg.float64 and fb["arr"].tolist() == tb["arr"].tolist()


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_batch_size_none_and_custom_collate():
    x, y = _xy(4)
    ds = TensorDataset(x, y)
    samples = list(DataLoader(ds, batch_size=None))
    assert len(samples) == 4 and samples[1][0].shape == (3,) and samples[1][1].item() == 1
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda batch: [int(s[1]) for s in batch])
    assert list(loader) == [[0, 1], [2, 3]]


def test_samplers():
    ds = list(range(7))
    assert list(SequentialSampler(ds)) == list(range(7))
    bs = BatchSampler(SequentialSampler(ds), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, drop_last=True)) == 2
    rs = RandomSampler(ds, generator=3)
    assert sorted(rs) == ds and len(rs) == 7
    rr = list(RandomSampler(ds, replacement=True, num_samples=20, generator=3))
    assert len(rr) == 20 and all(0 <= i < 7 for i in rr)
    more = list(RandomSampler(ds, num_samples=10, generator=3))
    assert len(more) == 10 and sorted(more[:7]) == ds
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(ds, 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([], generator=1)


def test_sampler_and_batch_sampler_arguments():
    x, y = _xy(6)
    ds = TensorDataset(x, y)
    loader = DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])
    assert [b[1].tolist() for b in loader] == [[5, 4], [3, 2], [1, 0]]
    loader = DataLoader(ds, batch_sampler=[[0, 5], [1], [2, 3, 4]])
    assert [b[1].tolist() for b in loader] == [[0, 5], [1], [2, 3, 4]]
    assert len(loader) == 3
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers must be 0"):
        DataLoader(ds, num_workers=2)


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(), shuffle=True)


def test_tensor_dataset_subset_concat_random_split():
    x, y = _xy(10)
    ds = TensorDataset(x, y)
    assert len(ds) == 10 and ds[3][1].item() == 3 and ds[3][0].tolist() == [9.0, 10.0, 11.0]
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(x, fg.arange(3))
    sub = Subset(ds, [9, 0, 4])
    assert len(sub) == 3 and sub[0][1].item() == 9
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 13 and cat[3][1].item() == 0 and cat[-1][1].item() == 9
    assert len(sub + ds) == 13
    a, b = random_split(ds, [7, 3], generator=0)
    idx = sorted([s[1].item() for s in a] + [s[1].item() for s in b])
    assert idx == list(range(10)) and len(a) == 7 and len(b) == 3
    a2, _ = random_split(ds, [7, 3], generator=0)
    assert a.indices == a2.indices
    c, d, e = random_split(ds, [0.5, 0.3, 0.2], generator=1)
    assert (len(c), len(d), len(e)) == (5, 3, 2)
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])


def test_training_loop_shape():
    """An epoch over a TensorDataset feeding a model and an optimizer."""
    fg.manual_seed(0)
    x = fg.randn(32, 4)
    true_w = fg.tensor([[1.0], [-2.0], [0.5], [3.0]])
    y = x @ true_w
    w = fg.zeros(4, 1, requires_grad=True)
    opt = fg.optim.SGD([w], lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    for _ in range(60):
        for bx, by in loader:
            opt.zero_grad()
            ((bx @ w - by) ** 2).mean().backward()
            opt.step()
    np.testing.assert_allclose(w.detach().numpy(), true_w.numpy(), atol=1e-3)


@pytest.mark.parametrize(
    "batch",
    [
        lambda m: m.ones(4, 3),
        lambda m: m.ones(2, 3, dtype=m.bool),
        lambda m: m.ones(3),
        lambda m: m.ones(2, 3),
    ],
)
def test_default_collate_refuses_a_tensor_as_the_batch(batch):
    # torch stacks the batch as given, and a tensor is not a sequence of tensors for stack
    from helpers import assert_raises_like_torch

    assert_raises_like_torch(lambda m: m.utils.data.default_collate(batch(m)), match="Tensor")


def test_default_collate_takes_a_tuple_of_tensors():
    out = fg.utils.data.default_collate((fg.ones(2), fg.zeros(2)))
    np.testing.assert_array_equal(out.numpy(), [[1.0, 1.0], [0.0, 0.0]])


def test_the_global_generator_object_is_the_global_generator():
    # manual_seed returns ferrograd.default_generator; passing it means the global generator
    ds = TensorDataset(fg.arange(20))

    def order(**kw):
        return [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True, **kw)]

    g = fg.manual_seed(11)
    a = order(generator=g)
    fg.manual_seed(11)
    assert order() == a
    assert sorted(i for batch in a for i in batch) == list(range(20))
