"""Tensor creation and basic attributes (src/tensor/creation.rs): tensor(), zeros/ones/full/arange/
linspace/eye/rand/randn/empty and the *_like forms, dtypes and type promotion, from_numpy and numpy()
memory sharing, item/tolist/len/iteration, manual_seed, the legacy FloatTensor constructors, repr."""

import ferrograd as fg
import numpy as np
import pytest
from helpers import assert_raises_like_torch, dtype_name, run_both, to_numpy, torch_module

torch = pytest.importorskip("torch")


def _same(f, t):
    """Same shape, dtype and values (NaN-free creation results)."""
    assert tuple(f.shape) == tuple(t.shape), (tuple(f.shape), tuple(t.shape))
    assert dtype_name(f.dtype) == dtype_name(t.dtype), (f.dtype, t.dtype)
    np.testing.assert_allclose(to_numpy(f), to_numpy(t), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------


def test_dtype_aliases():
    assert fg.float is fg.float32
    assert fg.double is fg.float64
    assert fg.long is fg.int64
    assert fg.bool is not None
    assert len({fg.float32, fg.float64, fg.int64, fg.bool}) == 4


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "bool"])
def test_dtype_repr(name):
    assert repr(getattr(fg, name)) == f"ferrograd.{name}"
    assert str(getattr(fg, name)) == f"ferrograd.{name}"


# ---------------------------------------------------------------------------------------------
# tensor()
# ---------------------------------------------------------------------------------------------

TENSOR_DATA = [
    1.5,
    3,
    True,
    [1.0, 2.0],
    [1, 2, 3],
    [1, 2.5],
    [True, False],
    [[1.0, 2.0], [3.0, 4.0]],
    [[[1], [2]], [[3], [4]]],
    [],
    np.array([1.0, 2.0]),
    np.array([1, 2]),
    np.array([1.0, 2.0], dtype=np.float32),
    np.array([[True], [False]]),
    np.float64(2.5),
]


@pytest.mark.parametrize("data", TENSOR_DATA, ids=repr)
def test_tensor_infers_dtype_and_shape(data):
    f, t = run_both(lambda m: m.tensor(data))
    _same(f, t)


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "bool"])
def test_tensor_with_dtype(dt):
    f, t = run_both(lambda m: m.tensor([[0, 1, 2], [3, 0, 5]], dtype=getattr(m, dt)))
    _same(f, t)
    f, t = run_both(lambda m: m.tensor([0.0, 1.5, -2.7], dtype=getattr(m, dt)))
    _same(f, t)


def test_tensor_requires_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    y = fg.tensor([1, 2], dtype=fg.float64, requires_grad=True)
    assert y.requires_grad and y.dtype == fg.float64


def test_tensor_copies_numpy_data():
    a = np.array([1.0, 2.0])
    t = fg.tensor(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_ragged_raises_like_torch():
    assert_raises_like_torch(lambda m: m.tensor([[1, 2], [3]]))


# ---------------------------------------------------------------------------------------------
# factories
# ---------------------------------------------------------------------------------------------

FACTORIES = {
    "zeros_varargs": lambda m: m.zeros(2, 3),
    "zeros_tuple": lambda m: m.zeros((2, 3)),
    "zeros_list": lambda m: m.zeros([4]),
    "zeros_0d": lambda m: m.zeros(()),
    "zeros_dtype": lambda m: m.zeros(2, dtype=m.float64),
    "zeros_int": lambda m: m.zeros(2, 2, dtype=m.int64),
    "zeros_bool": lambda m: m.zeros(3, dtype=m.bool),
    "ones": lambda m: m.ones(3, 2),
    "ones_tuple_dtype": lambda m: m.ones((2,), dtype=m.int64),
    "full_float": lambda m: m.full((2, 3), 1.5),
    "full_int": lambda m: m.full((2,), 7),
    "full_bool": lambda m: m.full((2,), True),
    "full_dtype": lambda m: m.full((2, 2), 3, dtype=m.float64),
    "arange_stop": lambda m: m.arange(5),
    "arange_start_stop_step": lambda m: m.arange(1, 10, 3),
    "arange_float": lambda m: m.arange(0, 1, 0.25),
    "arange_float_stop": lambda m: m.arange(5.0),
    "arange_negative_step": lambda m: m.arange(5, 0, -2),
    "arange_dtype": lambda m: m.arange(0, 5, dtype=m.float64),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace_steps_kw": lambda m: m.linspace(-1, 1, steps=4),
    "linspace_one": lambda m: m.linspace(2, 3, 1),
    "linspace_dtype": lambda m: m.linspace(0, 10, 6, dtype=m.float64),
    "eye": lambda m: m.eye(3),
    "eye_rect": lambda m: m.eye(2, 3),
    "eye_dtype": lambda m: m.eye(2, dtype=m.int64),
    "zeros_like": lambda m: m.zeros_like(m.tensor([[1, 2]])),
    "ones_like": lambda m: m.ones_like(m.zeros(2, 3, dtype=m.float64)),
    "ones_like_dtype": lambda m: m.ones_like(m.zeros(2, 3), dtype=m.float64),
    "full_like": lambda m: m.full_like(m.zeros(2, 2), 2.5),
    "full_like_int_truncates": lambda m: m.full_like(m.zeros(2, dtype=m.int64), 3.7),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factories(name):
    f, t = run_both(FACTORIES[name])
    _same(f, t)
    assert f.is_leaf and not f.requires_grad


def test_factories_requires_grad():
    for fn in (
        lambda m: m.zeros(2, requires_grad=True),
        lambda m: m.ones(2, 3, requires_grad=True),
        lambda m: m.full((2,), 1.0, requires_grad=True),
        lambda m: m.rand(2, requires_grad=True),
        lambda m: m.randn(2, 2, requires_grad=True),
        lambda m: m.arange(3.0, requires_grad=True),
        lambda m: m.linspace(0, 1, 3, requires_grad=True),
        lambda m: m.eye(2, requires_grad=True),
        lambda m: m.zeros_like(m.ones(2), requires_grad=True),
        lambda m: m.empty(2, requires_grad=True),
    ):
        f = fn(fg)
        assert f.requires_grad and f.is_leaf


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.empty(2, 3),
        lambda m: m.empty((4,), dtype=m.float64),
        lambda m: m.rand(2, 3),
        lambda m: m.rand((3,), dtype=m.float64),
        lambda m: m.randn(4, 2),
        lambda m: m.randn(2, dtype=m.float64),
        lambda m: m.rand_like(m.zeros(2, 3, dtype=m.float64)),
        lambda m: m.randn_like(m.zeros(5)),
    ],
)
def test_random_and_empty_shapes_dtypes(fn):
    f, t = run_both(fn)
    assert tuple(f.shape) == tuple(t.shape)
    assert dtype_name(f.dtype) == dtype_name(t.dtype)


def test_rand_range_and_randn_statistics():
    fg.manual_seed(123)
    r = to_numpy(fg.rand(10_000))
    assert r.min() >= 0.0 and r.max() < 1.0
    assert abs(r.mean() - 0.5) < 0.02
    n = to_numpy(fg.randn(10_000, dtype=fg.float64))
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05


def test_manual_seed_reproducible():
    fg.manual_seed(0)
    a, b = to_numpy(fg.rand(5)), to_numpy(fg.randn(3, 2))
    fg.manual_seed(0)
    c, d = to_numpy(fg.rand(5)), to_numpy(fg.randn(3, 2))
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    fg.manual_seed(1)
    assert not np.array_equal(a, to_numpy(fg.rand(5)))
    fg.manual_seed(0)
    e = to_numpy(fg.rand_like(fg.zeros(5)))
    np.testing.assert_array_equal(a, e)


def test_successive_random_calls_differ():
    fg.manual_seed(7)
    assert not np.array_equal(to_numpy(fg.rand(4)), to_numpy(fg.rand(4)))


def test_legacy_constructors():
    f, t = run_both(lambda m: m.FloatTensor([1.0, 2.0]))
    _same(f, t)
    f, t = run_both(lambda m: m.DoubleTensor([[1.0], [2.0]]))
    _same(f, t)
    f, t = run_both(lambda m: m.LongTensor([1, 2, 3]))
    _same(f, t)
    f, t = run_both(lambda m: m.FloatTensor([1, 2]))
    _same(f, t)
    assert tuple(fg.FloatTensor(2, 3).shape) == (2, 3)
    assert fg.FloatTensor(2, 3).dtype == fg.float32


# ---------------------------------------------------------------------------------------------
# type promotion
# ---------------------------------------------------------------------------------------------

PROMOTION = {
    "int_plus_float": lambda m: m.tensor([1, 2]) + m.tensor([0.5, 1.5]),
    "float_plus_int": lambda m: m.tensor([0.5, 1.5]) * m.tensor([1, 2]),
    "f32_plus_f64": lambda m: m.tensor([1.0], dtype=m.float32) + m.tensor([2.0], dtype=m.float64),
    "f64_times_f32": lambda m: m.tensor([1.0], dtype=m.float64) * m.tensor([2.0]),
    "f32_times_py_float": lambda m: m.tensor([1.0, 2.0]) * 2.5,
    "f64_times_py_float": lambda m: m.tensor([1.0], dtype=m.float64) * 2.5,
    "int_times_py_float": lambda m: m.tensor([1, 2]) * 2.5,
    "py_float_times_int": lambda m: 2.5 * m.tensor([1, 2]),
    "int_plus_py_int": lambda m: m.tensor([1, 2]) + 3,
    "int_div_int": lambda m: m.tensor([1, 3]) / m.tensor([2, 2]),
    "int_div_py_int": lambda m: m.tensor([1, 3]) / 2,
    "py_int_div_int": lambda m: 1 / m.tensor([2, 4]),
    "int_pow_int": lambda m: m.tensor([1, 2, 3]) ** 2,
    "int_pow_float": lambda m: m.tensor([1, 4]) ** 0.5,
    "py_int_pow_int": lambda m: 2 ** m.tensor([1, 3]),
    "py_float_pow_int": lambda m: 2.5 ** m.tensor([1, 2]),
    "bool_times_float": lambda m: m.tensor([True, False]) * 2.5,
    "bool_plus_int": lambda m: m.tensor([True, False]) + m.tensor([1, 2]),
    "bool_plus_f64": lambda m: m.tensor([True]) + m.tensor([1.0], dtype=m.float64),
    "int_sub_f64": lambda m: m.tensor([3]) - m.tensor([0.5], dtype=m.float64),
    "maximum_int_float": lambda m: m.maximum(m.tensor([1, 5]), m.tensor([2.5, 2.5])),
    "where_mixed": lambda m: m.where(m.tensor([True, False]), m.tensor([1, 2]), m.tensor([0.5, 0.5])),
    "matmul_f64": lambda m: (
        m.tensor([[1.0, 2.0]], dtype=m.float64) @ m.tensor([[3.0], [4.0]], dtype=m.float64)
    ),
    "f32_0d_plus_f64_0d": lambda m: m.tensor(1.0) + m.tensor(2.0, dtype=m.float64),
    # a 0-d tensor does not upcast a dimensioned tensor of the same category
    "f32_vec_plus_f64_0d": lambda m: m.ones(3) + m.tensor(1.0, dtype=m.float64),
    "int_vec_plus_f32_0d": lambda m: m.ones(3, dtype=m.int64) + m.tensor(1.5),
    "int_vec_plus_f64_0d": lambda m: m.ones(3, dtype=m.int64) + m.tensor(1.5, dtype=m.float64),
}


@pytest.mark.parametrize("name", list(PROMOTION))
def test_type_promotion(name):
    f, t = run_both(PROMOTION[name])
    _same(f, t)


def test_promotion_with_grad():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = fg.tensor([1.0, 3.0], dtype=fg.float64, requires_grad=True)
    z = x * y
    assert z.dtype == fg.float64
    z.sum().backward()
    assert x.grad.dtype == fg.float32 and y.grad.dtype == fg.float64
    assert x.grad.tolist() == [1.0, 3.0] and y.grad.tolist() == [1.0, 2.0]


def test_int_tensor_plus_float_tensor_with_grad():
    i = fg.tensor([1, 2])
    x = fg.tensor([0.5, 0.25], requires_grad=True)
    z = i * x
    assert z.dtype == fg.float32
    z.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------------------------
# attributes
# ---------------------------------------------------------------------------------------------


def test_shape_size_dim_numel():
    x = fg.zeros(2, 3, 4)
    assert tuple(x.shape) == (2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert x.shape[1] == 3 and len(x.shape) == 3
    assert tuple(x.size()) == (2, 3, 4)
    assert x.size() == (2, 3, 4)
    assert x.size(0) == 2 and x.size(-1) == 4
    assert x.dim() == 3
    assert x.numel() == 24
    s = fg.tensor(1.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1


def test_device_and_dtype():
    x = fg.zeros(2)
    assert str(x.device) == "cpu"
    assert x.dtype == fg.float32
    assert fg.zeros(2, dtype=fg.float64).dtype == fg.float64
    assert fg.tensor([1]).dtype == fg.int64
    assert fg.tensor([True]).dtype == fg.bool


def test_item():
    f, t = run_both(
        lambda m: [
            m.tensor(2.5).item(),
            m.tensor([3]).item(),
            m.tensor(True).item(),
            m.tensor([[1.5]]).item(),
        ]
    )
    assert f == t
    assert [type(v) for v in f] == [float, int, bool, float]
    assert fg.tensor(1.5, dtype=fg.float64).item() == 1.5
    x = fg.tensor(2.0, requires_grad=True)
    assert (x * 3).item() == 6.0


def test_item_on_many_elements_raises():
    assert_raises_like_torch(lambda m: m.tensor([1.0, 2.0]).item())


def test_tolist():
    cases = [
        lambda m: m.tensor([[1, 2], [3, 4]]).tolist(),
        lambda m: m.tensor(2.5).tolist(),
        lambda m: m.tensor([True, False]).tolist(),
        lambda m: m.tensor([[1.5], [2.5]], dtype=m.float64).tolist(),
        lambda m: m.arange(6).reshape(2, 3).t().tolist(),
        lambda m: m.zeros(2, 0).tolist(),
        lambda m: m.tensor([1.0, 2.0], requires_grad=True).tolist(),
    ]
    for c in cases:
        f, t = run_both(c)
        assert f == t
        assert repr(f) == repr(t)  # same Python types (int vs float vs bool)


def test_python_number_conversions():
    assert float(fg.tensor(2.5)) == 2.5
    assert int(fg.tensor(3)) == 3
    assert float(fg.tensor([2.0])) == 2.0
    assert bool(fg.tensor(0.0)) is False
    assert bool(fg.tensor([1.0])) is True


def test_len_and_iteration():
    x = fg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3
    assert all(isinstance(r, fg.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert [v.item() for v in fg.tensor([1, 2, 3])] == [1, 2, 3]
    assert [tuple(v.shape) for v in fg.tensor([1, 2, 3])] == [(), (), ()]


def test_iteration_keeps_autograd():
    x = fg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    total = None
    for i, v in enumerate(x):
        total = v * i if total is None else total + v * i
    total.backward()
    assert x.grad.tolist() == [0.0, 1.0, 2.0]


def test_len_and_iter_of_0d_raise_like_torch():
    assert_raises_like_torch(lambda m: len(m.tensor(1.0)))
    assert_raises_like_torch(lambda m: iter(m.tensor(1.0)))


# ---------------------------------------------------------------------------------------------
# numpy interop
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "np_dtype,name",
    [(np.float32, "float32"), (np.float64, "float64"), (np.int64, "int64"), (np.bool_, "bool")],
)
def test_from_numpy_dtype(np_dtype, name):
    a = np.array([1, 0, 1], dtype=np_dtype)
    t = fg.from_numpy(a)
    assert t.dtype == getattr(fg, name)
    assert t.tolist() == a.tolist()
    assert t.is_leaf and not t.requires_grad


def test_from_numpy_shares_memory_both_ways():
    a = np.array([1.0, 2.0, 3.0])
    t = fg.from_numpy(a)
    a[0] = 10.0
    assert t.tolist() == [10.0, 2.0, 3.0]
    t.add_(1.0)
    assert a.tolist() == [11.0, 3.0, 4.0]
    t[2] = -1.0
    assert a[2] == -1.0


def test_from_numpy_2d_and_strided():
    a = np.arange(12.0).reshape(3, 4)
    t = fg.from_numpy(a)
    assert tuple(t.shape) == (3, 4)
    assert t.tolist() == a.tolist()
    a[1, 2] = 99.0
    assert t[1, 2].item() == 99.0
    b = np.arange(6.0)[::2]
    tb = fg.from_numpy(b)
    assert tb.tolist() == [0.0, 2.0, 4.0]
    b[1] = -5.0
    assert tb.tolist() == [0.0, -5.0, 4.0]
    tt = fg.from_numpy(a.T)
    assert tt.tolist() == a.T.tolist()


def test_from_numpy_then_requires_grad():
    a = np.array([1.0, 2.0, 3.0])
    x = fg.from_numpy(a)
    x.requires_grad_(True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert x.dtype == fg.float64


def test_numpy_shares_memory():
    t = fg.zeros(3)
    n = t.numpy()
    assert n.dtype == np.float32 and n.shape == (3,)
    n[0] = 5.0
    assert t.tolist() == [5.0, 0.0, 0.0]
    t.add_(1.0)
    assert n.tolist() == [6.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "dt,np_dtype", [("float32", np.float32), ("float64", np.float64), ("int64", np.int64), ("bool", np.bool_)]
)
def test_numpy_dtype(dt, np_dtype):
    assert fg.zeros(2, dtype=getattr(fg, dt)).numpy().dtype == np_dtype


def test_numpy_of_view_and_0d():
    x = fg.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(x.t().numpy(), np.arange(6.0).reshape(2, 3).T)
    np.testing.assert_array_equal(x[:, ::2].numpy(), np.arange(6.0).reshape(2, 3)[:, ::2])
    s = fg.tensor(2.5).numpy()
    assert s.shape == () and s == 2.5


def test_numpy_on_requires_grad_raises():
    assert_raises_like_torch(lambda m: m.tensor([1.0], requires_grad=True).numpy())
    x = fg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        (x * 2).numpy()
    assert x.detach().numpy().tolist() == [1.0]


# ---------------------------------------------------------------------------------------------
# repr smoke checks (the full formatter is tested in test_tensor_str.py)
# ---------------------------------------------------------------------------------------------


def test_repr_requires_grad():
    assert repr(fg.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor(3.0),
        lambda m: m.tensor([1, 2]),
        lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
        lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
        lambda m: m.tensor([True, False]),
        lambda m: m.tensor([[1.5, 2.0], [3.0, 4.0]]),
    ],
)
def test_repr_matches_torch(fn):
    f, t = run_both(fn)
    assert repr(f) == repr(t).replace("torch.", "ferrograd.")


def test_from_numpy_read_only_array_is_copied_not_shared():
    # Regression: sharing read-only memory let an in-place op write into it (a crash for
    # memory mapped read-only); ferrograd copies such arrays and warns.
    a = np.broadcast_to(np.arange(3.0), (2, 3))
    assert not a.flags.writeable
    with pytest.warns(UserWarning, match="not writable"):
        t = fg.from_numpy(a)
    t += 1.0
    assert a.tolist() == [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]
    assert t.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_tensor_of_a_read_only_array_copies_silently_as_torch():
    # Regression: tensor() (which copies every array) warned that a read-only array "is not
    # writable ... copies it", the warning of from_numpy and as_tensor, which would share it
    import warnings

    t = torch_module()
    a = np.arange(3.0)
    a.flags.writeable = False
    for m in (fg, t):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            x = m.tensor(a)
        assert x.tolist() == [0.0, 1.0, 2.0]
    with pytest.warns(UserWarning, match="not writable"):
        fg.as_tensor(a)


# --- legacy constructors given a tensor, sizes with bools -------------------------------------

LEGACY = ["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"]
TENSORS = {
    "f32": lambda m: m.ones(2, 3),
    "f64": lambda m: m.ones(2, 3, dtype=m.float64),
    "i64": lambda m: m.ones(2, 3, dtype=m.int64),
    "bool": lambda m: m.ones(2, 3, dtype=m.bool),
    "0d_i64": lambda m: m.tensor(2),
    "empty": lambda m: m.ones(0, 3),
}
LEGACY_DTYPE = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "LongTensor": "int64",
    "BoolTensor": "bool",
}


@pytest.mark.parametrize("src", TENSORS)
@pytest.mark.parametrize("ctor", LEGACY)
def test_legacy_constructor_of_a_tensor_aliases_or_refuses(ctor, src):
    t_src = TENSORS[src](torch)
    if dtype_name(t_src.dtype) != LEGACY_DTYPE[ctor]:
        assert_raises_like_torch(lambda m: getattr(m, ctor)(TENSORS[src](m)), match="dtype")
        return
    f_src = TENSORS[src](fg)
    f, t = getattr(fg, ctor)(f_src), getattr(torch, ctor)(t_src)
    assert f.dtype == getattr(fg, LEGACY_DTYPE[ctor]) and tuple(f.shape) == tuple(t.shape)
    assert f.data_ptr() == f_src.data_ptr()  # an alias, as torch's


def test_legacy_constructor_keeps_requires_grad():
    x = fg.ones(2, 3, requires_grad=True)
    y = fg.FloatTensor(x)
    assert y.requires_grad and torch.FloatTensor(torch.ones(2, 3, requires_grad=True)).requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


@pytest.mark.parametrize("ctor", LEGACY)
def test_legacy_sizes_after_the_first_may_be_bools(ctor):
    f, t = run_both(lambda m: getattr(m, ctor)(2, True))
    assert tuple(f.shape) == tuple(t.shape) == (2, 1)
    assert_raises_like_torch(lambda m: getattr(m, ctor)(True, 2))


# --- manual_seed returns the generator --------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 99, -1, -99, 2**40, 2**62, -(2**62), 1.5, True, "12"], ids=repr)
def test_manual_seed_returns_a_generator_with_torchs_initial_seed(seed):
    f, t = run_both(lambda m: m.manual_seed(seed))
    assert isinstance(f, fg.Generator)
    assert f is fg.default_generator
    assert f.initial_seed() == t.initial_seed()


def test_manual_seed_of_a_0d_tensor():
    f, t = run_both(lambda m: m.manual_seed(m.tensor(-1.25)))
    assert f.initial_seed() == t.initial_seed()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1], ids=repr)
def test_manual_seed_out_of_range(seed):
    assert_raises_like_torch(lambda m: m.manual_seed(seed), match="Overflow")


def test_generator_seed_and_initial_seed():
    g = fg.manual_seed(5)
    assert g.manual_seed(7) is g and fg.initial_seed() == 7
    s = fg.seed()
    assert 0 <= s < 2**64 and g.initial_seed() == s
    a = fg.rand(3).numpy()
    g.manual_seed(s)
    np.testing.assert_array_equal(a, fg.rand(3).numpy())  # seed() really seeded the generator
    with pytest.raises(NotImplementedError, match="global"):
        fg.Generator()


# --- the package's function forms parse like torch's functions (not like the methods) ----------

FUNCTION_FORM_ERRORS = {
    "add_list_input": lambda m: m.add([1, 2], m.ones(2, 3)),
    "sub_none_input": lambda m: m.sub(None, m.ones(2, 3)),
    "div_object_input": lambda m: m.div(object(), m.ones(2, 3)),
    "reshape_varargs": lambda m: m.reshape(m.ones(2, 3), 3, 2),
    "reshape_int_shape": lambda m: m.reshape(m.ones(2, 3), 6),
    "permute_varargs": lambda m: m.permute(m.ones(2, 3), 1, 0),
}


@pytest.mark.parametrize("call", FUNCTION_FORM_ERRORS.values(), ids=FUNCTION_FORM_ERRORS.keys())
def test_function_forms_refuse_as_torch(call):
    assert_raises_like_torch(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.mul(3, 2),
        lambda m: m.sub(2.0, m.ones(2)),
        lambda m: m.add(m.ones(2), m.ones(2), alpha=2),
        lambda m: m.reshape(m.arange(6), (3, 2)),
        lambda m: m.permute(m.ones(2, 3), (1, 0)),
    ],
    ids=["mul_numbers", "sub_number_tensor", "add_alpha", "reshape_tuple", "permute_tuple"],
)
def test_function_forms_match_torch(call):
    f, t = run_both(call)
    assert dtype_name(f.dtype) == dtype_name(t.dtype) and tuple(f.shape) == tuple(t.shape)
    np.testing.assert_allclose(to_numpy(f), t.numpy())


# --- torch.Tensor(...) (the Rust Tensor.__new__) -----------------------------------------------


@pytest.mark.parametrize("src", TENSORS)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_base_tensor_of_a_tensor_is_an_alias_of_any_dtype(src, requires_grad):
    def make(m):
        s = TENSORS[src](m)
        if requires_grad and s.dtype.is_floating_point:
            s.requires_grad_()
        return s, m.Tensor(s)

    (fs, f), (ts, t) = run_both(make)
    assert type(f) is fg.Tensor and f is not fs and (t is not ts)
    assert dtype_name(f.dtype) == dtype_name(t.dtype) == dtype_name(ts.dtype)
    assert tuple(f.shape) == tuple(t.shape)
    assert f.requires_grad == t.requires_grad
    assert f.is_leaf == t.is_leaf
    assert (f.grad_fn is None) == (t.grad_fn is None)
    if f.grad_fn is not None:
        assert f.grad_fn.name() == t.grad_fn.name() == "AliasBackward0"
    if f.numel():
        assert f.data_ptr() == fs.data_ptr()  # shares storage, as torch's alias


def test_base_tensor_of_a_tensor_shares_storage_and_history():
    x = fg.ones(3, requires_grad=True)
    y = x * 2
    a = fg.Tensor(y)
    assert a.grad_fn.name() == "AliasBackward0" and a.requires_grad
    with fg.no_grad():
        a[0] = 7.0  # writes through to y
    assert y.tolist() == [7.0, 2.0, 2.0]
    fg.Tensor(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("args", [(2, True), (2, False), (2, True, 3), (3,), (0,), (1, 2, 3)], ids=str)
def test_base_tensor_sizes_after_the_first_may_be_bools(args):
    f, t = run_both(lambda m: m.Tensor(*args))
    assert tuple(f.shape) == tuple(t.shape)
    assert dtype_name(f.dtype) == dtype_name(t.dtype) == "float32"


@pytest.mark.parametrize("args", [(True,), (True, 2), (2.0,), (2, 2.5), (2, "3"), (2, None)], ids=str)
def test_base_tensor_bad_sizes_raise_like_torch(args):
    assert_raises_like_torch(lambda m: m.Tensor(*args))


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_as_tensor_shares_an_ndarray_of_its_dtype_as_torch(np_dtype):
    import torch

    for m in (fg, torch):
        a = np.zeros(4, dtype=np_dtype)
        t = m.as_tensor(a)
        same = m.as_tensor(a, dtype=t.dtype)
        a[1] = 1
        assert t.tolist()[1] == same.tolist()[1] == 1, m.__name__
        t[2] = 1
        assert a[2] == 1, m.__name__


def test_as_tensor_copies_for_another_dtype():
    import torch

    for m in (fg, torch):
        a = np.zeros(3)
        c = m.as_tensor(a, dtype=m.float32)
        a[0] = 5
        assert c.tolist() == [0.0, 0.0, 0.0] and str(c.dtype).endswith("float32")


@pytest.mark.parametrize(
    "data",
    [[1, "a"], [1, None], [[1], [object()]], ["a"], [1.0, [2]], [object()], [[1, 2], 3], [[1, "a"]]],
    ids=["str", "none", "object-nested", "str-only", "list-leaf", "object", "int-for-sequence", "str-nested"],
)
@pytest.mark.parametrize("with_dtype", [False, True])
def test_tensor_of_a_sequence_holding_a_non_number_raises_torchs_exception_type(data, with_dtype):
    # regression: every such element was a ValueError ("expected a number"); torch raises
    # TypeError for a str (invalid data type) or, with a dtype given, for anything that is not a
    # real number, and RuntimeError when it cannot infer a dtype (None, object).
    def outcome(m):
        try:
            m.tensor(data, **({"dtype": m.float32} if with_dtype else {}))
        except Exception as e:  # noqa: BLE001 - the type is the point
            return type(e)
        return None

    assert outcome(fg) is outcome(torch)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.rand(2, generator=5),
        lambda m: m.randn(2, 3, generator="seed"),
        lambda m: m.randint(0, 5, (3,), generator=1.5),
    ],
    ids=["rand-int", "randn-str", "randint-float"],
)
def test_a_generator_argument_of_the_wrong_type_is_a_type_error(call):
    # regression: generator= was taken and ignored, whatever it was
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="generator"):
        call(fg)


def test_random_functions_take_the_default_generator():
    g = fg.default_generator
    assert fg.rand(2, generator=g).shape == (2,)
    assert fg.randint(0, 5, (3,), generator=g).dtype == fg.int64
