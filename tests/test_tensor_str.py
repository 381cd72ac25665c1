"""Check ferrograd's pure-Python tensor printer against torch's own repr."""

import math
import random

import pytest
from ferrograd._tensor_str import tensor_repr

torch = pytest.importorskip("torch")


nan, inf = math.nan, math.inf


class _FerroDtype:
    def __init__(self, torch_dtype):
        self._name = str(torch_dtype).replace("torch.", "ferrograd.")

    def __str__(self):
        return self._name


class _FerroGradFn:
    """Only offers .name(), like ferrograd's grad_fn objects."""

    def __init__(self, torch_grad_fn):
        self._name = torch_grad_fn.name()

    def name(self):
        return self._name


class _FerroLike:
    """A torch tensor seen through the duck-typed interface ferrograd offers."""

    def __init__(self, t):
        self._t = t
        self.shape = tuple(t.shape)
        self.dtype = _FerroDtype(t.dtype)
        self.requires_grad = t.requires_grad
        self.is_leaf = t.is_leaf
        self.grad_fn = None if t.grad_fn is None else _FerroGradFn(t.grad_fn)

    def tolist(self):
        return self._t.tolist()

    def dim(self):
        return self._t.dim()

    def numel(self):
        return self._t.numel()


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _randn(*shape, dtype=torch.float32, seed=0, scale=1.0):
    return torch.randn(*shape, generator=_gen(seed), dtype=dtype) * scale


def _with(t, index, value):
    t = t.clone()
    t.view(-1)[index] = value
    return t


def _leaf(t):
    return t.detach().requires_grad_(True)


def _cases():
    """(id, tensor) pairs covering torch's printing rules."""
    x = _leaf(torch.tensor([1.0, 2.0, 3.0]))
    x64 = _leaf(_randn(3, dtype=torch.float64))
    return [
        # 0-d
        ("scalar_int_valued", torch.tensor(2.0)),
        ("scalar_fraction", torch.tensor(0.5)),
        ("scalar_neg_zero", torch.tensor(-0.0)),
        ("scalar_zero", torch.tensor(0.0)),
        ("scalar_nan", torch.tensor(nan)),
        ("scalar_inf", torch.tensor(-inf)),
        ("scalar_tiny", torch.tensor(1e-5)),
        ("scalar_huge", torch.tensor(3e10)),
        ("scalar_f64", torch.tensor(1.5, dtype=torch.float64)),
        ("scalar_int", torch.tensor(3)),
        ("scalar_neg_int", torch.tensor(-42)),
        ("scalar_bool", torch.tensor(True)),
        ("scalar_bool_false", torch.tensor(False)),
        # 1-d floats
        ("int_valued", torch.tensor([1.0, 2.0, 3.0])),
        ("fractions", torch.tensor([0.5, 1.25])),
        ("point_one", torch.tensor([0.1, 0.2, 0.3])),
        ("negatives", torch.tensor([-1.5, 2.25, -300.125])),
        ("randn", _randn(5)),
        ("randn_f64", _randn(5, dtype=torch.float64)),
        ("int_valued_f64", torch.tensor([1.0, -2.0, 10.0], dtype=torch.float64)),
        ("big_int_valued", torch.tensor([1e7, 2e7, 3e7])),
        ("int_valued_ratio_sci", torch.tensor([1.0, 1e4])),
        ("int_valued_huge_sci", torch.tensor([2e8, 3e8])),
        ("ratio_sci", torch.tensor([0.5, 1234.5])),
        ("huge", torch.tensor([1.5e9, 2.5e9])),
        ("tiny", torch.tensor([1e-5, 2e-5])),
        ("tiny_and_normal", torch.tensor([1e-5, 1.0, 2.0])),
        ("mixed_magnitudes", torch.tensor([1e-8, 1.0, 1e12, -3e-3])),
        ("f64_extremes", torch.tensor([1e-300, 1e300], dtype=torch.float64)),
        ("f32_subnormal", torch.tensor([1e-45, 1.0])),
        ("scaled_up", _randn(6, scale=1e5)),
        ("scaled_down", _randn(6, scale=1e-6)),
        ("nan_int", torch.tensor([nan, 1.0])),
        ("nan_fraction", torch.tensor([nan, 0.5])),
        ("nonfinite_mix", torch.tensor([nan, inf, -inf, -0.0, 1.5])),
        ("nonfinite_int", torch.tensor([nan, inf, -inf, 0.0, 2.0])),
        ("nonfinite_sci", torch.tensor([1e-5, inf, nan, -inf])),
        ("all_nan", torch.tensor([nan, nan])),
        ("all_inf", torch.tensor([inf, -inf])),
        ("zeros", torch.zeros(4)),
        ("signed_zeros", torch.tensor([0.0, -0.0])),
        ("neg_zero_with_values", torch.tensor([-0.0, 1.25, -2.5])),
        ("neg_zero_int_mode", torch.tensor([-0.0, 3.0])),
        # 1-d ints and bools
        ("ints", torch.tensor([1, 2])),
        ("neg_ints", torch.tensor([-1, 20, -300])),
        ("big_ints", torch.tensor([2**62, -(2**62), 7])),
        ("arange", torch.arange(10)),
        ("bools", torch.tensor([True, False])),
        ("all_true", torch.tensor([True, True])),
        ("all_false", torch.tensor([False, False, False])),
        # rows that wrap at linewidth
        ("wrap_float", _randn(30)),
        ("wrap_int", torch.arange(100)),
        ("wrap_bool", torch.arange(40) % 3 == 0),
        ("wrap_sci", _randn(25, scale=1e-7)),
        ("wrap_f64", _randn(20, dtype=torch.float64, scale=1000)),
        ("wrap_int_valued_float", torch.arange(50.0)),
        # 2-d
        ("2d_randn", _randn(3, 4)),
        ("2d_ones", torch.ones(2, 3)),
        ("2d_int", torch.arange(9).reshape(3, 3) - 4),
        ("2d_bool", torch.tensor([[True, False], [False, True]])),
        ("2d_row", _randn(1, 5)),
        ("2d_column", _randn(5, 1)),
        ("2d_wrap", _randn(4, 30)),
        ("2d_f64", _randn(2, 3, dtype=torch.float64)),
        ("2d_nonfinite", torch.tensor([[nan, 1.0], [-inf, -0.0]])),
        # 3-d and 4-d
        ("3d_randn", _randn(2, 3, 4)),
        ("3d_int", torch.arange(24).reshape(2, 3, 4)),
        ("3d_bool", _randn(2, 2, 3) > 0),
        ("3d_wrap", _randn(2, 2, 20)),
        ("3d_sci", _randn(2, 2, 2, scale=1e9)),
        ("4d_randn", _randn(2, 2, 2, 3)),
        ("4d_int_valued", torch.arange(24.0).reshape(2, 3, 2, 2)),
        ("4d_f64", _randn(1, 2, 1, 2, dtype=torch.float64)),
        # summarized (numel > 1000)
        ("sum_1d", _randn(2000)),
        ("sum_1d_int", torch.arange(2000)),
        ("sum_1d_bool", torch.arange(2000) % 2 == 0),
        ("sum_1d_f64", _randn(1500, dtype=torch.float64)),
        ("sum_2d_square", _randn(40, 40)),
        ("sum_2d_wide", _randn(3, 500)),
        ("sum_2d_tall", _randn(500, 3)),
        ("sum_3d", _randn(10, 10, 20)),
        ("sum_4d", _randn(8, 8, 4, 5)),
        ("sum_int_valued", torch.arange(1001.0)),
        ("sum_hidden_huge", _with(_randn(2000), 1000, 1e10)),
        ("sum_shown_huge", _with(_randn(2000), 1, 1e10)),
        ("sum_hidden_nan", _with(torch.arange(1200.0), 600, nan)),
        ("sum_at_threshold", _randn(1000)),
        ("sum_2d_wrap", _randn(10, 200, scale=1e-6)),
        # empty
        ("empty", torch.tensor([])),
        ("empty_0x3", torch.zeros(0, 3)),
        ("empty_3x0", torch.zeros(3, 0)),
        ("empty_2x0x4", torch.zeros(2, 0, 4)),
        ("empty_int", torch.zeros(0, dtype=torch.int64)),
        ("empty_int_2d", torch.zeros(0, 2, dtype=torch.int64)),
        ("empty_bool", torch.zeros(0, dtype=torch.bool)),
        ("empty_f64", torch.zeros(0, dtype=torch.float64)),
        ("empty_f64_2d", torch.zeros(4, 0, dtype=torch.float64)),
        # autograd suffixes
        ("leaf", x),
        ("leaf_scalar", _leaf(torch.tensor(1.5))),
        ("leaf_suffix_wraps", _leaf(_randn(7))),
        ("leaf_2d", _leaf(_randn(3, 3))),
        ("leaf_f64", x64),
        ("leaf_empty", _leaf(torch.zeros(0))),
        ("leaf_empty_f64_2d", _leaf(torch.zeros(0, 2, dtype=torch.float64))),
        ("leaf_summarized", _leaf(_randn(2000))),
        ("mul", x * 2),
        ("add", x + x),
        ("sum", x.sum()),
        ("mean", x.mean()),
        ("exp_f64", x64.exp()),
        ("matmul", _leaf(_randn(3, 4)) @ _leaf(_randn(4, 2, seed=1))),
        ("nonleaf_suffix_wraps", _leaf(_randn(7)) * 3),
        ("f64_suffixes_wrap", _leaf(_randn(6, dtype=torch.float64)) * 2),
        ("nonleaf_summarized", _leaf(_randn(40, 40)).tanh()),
    ]


CASES = _cases()
IDS = [name for name, _ in CASES]
TENSORS = [t for _, t in CASES]


@pytest.mark.parametrize("t", TENSORS, ids=IDS)
def test_matches_torch_repr(t):
    assert tensor_repr(t) == repr(t)


@pytest.mark.parametrize("t", TENSORS, ids=IDS)
def test_matches_torch_repr_with_ferrograd_names(t):
    expected = repr(t).replace("torch.", "ferrograd.")
    assert tensor_repr(_FerroLike(t)) == expected


@pytest.mark.parametrize("t", TENSORS, ids=IDS)
def test_str_is_repr(t):
    assert str(t) == repr(t)
    assert tensor_repr(t) == str(t)


def test_examples_from_the_rules():
    # Spot checks written out literally, independent of torch's output.
    assert tensor_repr(torch.tensor(2.0)) == "tensor(2.)"
    assert tensor_repr(torch.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert tensor_repr(torch.tensor([0.5, 1.25])) == "tensor([0.5000, 1.2500])"
    assert tensor_repr(torch.tensor([1, 2])) == "tensor([1, 2])"
    assert tensor_repr(torch.tensor([True, False])) == "tensor([ True, False])"
    assert tensor_repr(torch.tensor([])) == "tensor([])"
    assert tensor_repr(torch.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert tensor_repr(torch.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    f64 = _FerroLike(torch.tensor([1.5], dtype=torch.float64))
    assert tensor_repr(f64) == "tensor([1.5000], dtype=ferrograd.float64)"
    x = _leaf(torch.tensor([1.0, 2.0]))
    assert tensor_repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert tensor_repr(_FerroLike(x * 2)) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_multiline_layout():
    t = torch.arange(8.0).reshape(2, 2, 2)
    assert (
        tensor_repr(t)
        == "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"
    )


def _random_tensor(rng):
    """A random shape, dtype and magnitude, sometimes salted with nan/inf/0."""
    shape = tuple(rng.choice([0, 1, 2, 3, 5, 7, 13, 40]) for _ in range(rng.randint(0, 4)))
    gen = _gen(rng.randrange(10**6))
    kind = rng.choice(["float32", "float64", "int64", "bool", "int_valued"])
    if kind == "int64":
        bound = 10 ** rng.randint(1, 18)
        return torch.randint(-bound, bound, shape, generator=gen)
    if kind == "bool":
        return torch.rand(shape, generator=gen) < rng.random()
    if kind == "int_valued":
        bound = 10 ** rng.randint(1, 9)
        t = torch.randint(-bound, bound, shape, generator=gen).float()
    else:
        dtype = torch.float64 if kind == "float64" else torch.float32
        t = torch.randn(shape, generator=gen, dtype=dtype) * 10 ** rng.uniform(-12, 12)
    if t.numel() and rng.random() < 0.4:
        for _ in range(rng.randint(1, 3)):
            t.view(-1)[rng.randrange(t.numel())] = rng.choice([nan, inf, -inf, -0.0, 0.0])
    if rng.random() < 0.3:
        t = _leaf(t) * 2 if rng.random() < 0.5 else _leaf(t)
    return t


@pytest.mark.parametrize("seed", range(10))
def test_random_tensors(seed):
    rng = random.Random(seed)
    for _ in range(50):
        t = _random_tensor(rng)
        expected = repr(t).replace("torch.", "ferrograd.")
        assert tensor_repr(_FerroLike(t)) == expected, repr(t)
