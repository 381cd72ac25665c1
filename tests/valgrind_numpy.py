"""NumPy <-> ferrograd memory sharing, for scripts/valgrind.sh to run under valgrind's memcheck.

Not a pytest module (the name does not start with test_): it is a plain script, so valgrind
sees one short process that imports only numpy and ferrograd (no torch). It covers the unsafe
code in src/bindings/numpy.rs: `from_numpy` wraps the array's memory (the array must outlive
every tensor over it) and `.numpy()` hands NumPy a pointer into the tensor's storage (the
storage must outlive every array over it). Each case shares memory one way or the other,
writes through both sides, reads through views with offsets and strides, and drops the two
owners in both orders, so that a use after free or a read outside the buffer shows up as a
memcheck error. Exits non-zero (AssertionError) when a value is wrong.
"""

from __future__ import annotations

import gc
import sys
import warnings

import ferrograd as fg
import numpy as np

CHECKS = 0


def check(cond: bool, what: str) -> None:
    global CHECKS
    CHECKS += 1
    if not cond:
        raise AssertionError(what)


def same(t: fg.Tensor, a: np.ndarray, what: str) -> None:
    check(list(t.shape) == list(a.shape), f"{what}: shape {tuple(t.shape)} vs {a.shape}")
    check(t.tolist() == a.tolist(), f"{what}: values {t.tolist()} vs {a.tolist()}")


def collect() -> None:
    gc.collect()
    gc.collect()


def from_numpy_shares_both_ways() -> None:
    for dtype in (np.float64, np.float32, np.int64):
        a = np.arange(12, dtype=dtype).reshape(3, 4)
        t = fg.from_numpy(a)
        a[1, 2] = 100
        check(t[1, 2].item() == 100, f"{dtype}: a write to the array is seen by the tensor")
        t[0, 0] = -1
        check(a[0, 0] == -1, f"{dtype}: a write to the tensor is seen by the array")
        t.add_(1)
        check(a[2, 3] == 12, f"{dtype}: an in-place op writes the array")
        # Array dropped first: the tensor's storage keeps it alive.
        del a
        collect()
        check(t.sum().item() == sum(range(12)) - 6 + 100 - 0 - 1 + 12, f"{dtype}: sum after del a")
        t.zero_()
        check(t.tolist() == [[0] * 4] * 3, f"{dtype}: zero_ after del a")
        del t
        collect()
    # Tensor dropped first: the array must be untouched and still owned by NumPy.
    a = np.arange(6.0)
    t = fg.from_numpy(a)
    t.mul_(2)
    del t
    collect()
    check(a.tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0], "array after the tensor is gone")
    a[:] = 1
    check(a.sum() == 6, "array writable after the tensor is gone")


def from_numpy_strided_views() -> None:
    base = np.arange(48.0).reshape(6, 8)
    for view in (base[::2, 1::3], base[1:, 2:].T, base[3], base[:, 5], base[2:3, ::7], base[::-1][::-1]):
        t = fg.from_numpy(view)
        same(t, view, "strided view")
        same(t.contiguous(), view, "contiguous copy of a strided view")
        same(t.exp().log(), np.log(np.exp(view)), "unary ops over array memory")
        t.mul_(-1)
        check(np.array_equal(view, -np.abs(view)) or (view <= 0).all(), "write through a strided view")
        t.mul_(-1)
        del t
    check(np.array_equal(base, np.arange(48.0).reshape(6, 8)), "base array restored")
    # A view dropped after its base's name: the view keeps the base's buffer alive.
    view = np.arange(40.0).reshape(5, 8)[1:4, ::2]
    t = fg.from_numpy(view)
    del view
    collect()
    check(
        t.tolist() == [[8.0, 10.0, 12.0, 14.0], [16.0, 18.0, 20.0, 22.0], [24.0, 26.0, 28.0, 30.0]],
        "view alive",
    )
    del t


def from_numpy_edge_shapes() -> None:
    for a in (
        np.empty((0, 3)),
        np.empty((4, 0, 2)),
        np.array(5.0),
        np.zeros((1, 1, 1)),
        np.ones(1, dtype=bool),
    ):
        t = fg.from_numpy(a)
        check(list(t.shape) == list(a.shape), f"shape {a.shape}")
        check(t.tolist() == a.tolist(), f"values of shape {a.shape}")
        if a.size:
            t.fill_(1)
            check(bool((a == 1).all()), f"fill_ writes shape {a.shape}")
        del t
    try:
        fg.from_numpy(np.arange(5.0)[::-1])
        check(False, "negative strides are refused")
    except ValueError:
        check(True, "negative strides are refused")
    ro = np.arange(4.0)
    ro.flags.writeable = False
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        t = fg.from_numpy(ro)
    t.add_(1)
    check(ro.tolist() == [0.0, 1.0, 2.0, 3.0], "a read-only array is copied, not written")
    del t, ro
    bc = np.broadcast_to(np.arange(3.0), (4, 3))  # read-only, zero strides: copied
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        t = fg.from_numpy(bc)
    same(t, bc, "broadcast array")
    del t, bc


def numpy_shares_both_ways() -> None:
    t = fg.arange(12.0).reshape(3, 4)
    n = t.numpy()
    n[0, 0] = 7
    check(t[0, 0].item() == 7, "a write to the array is seen by the tensor")
    t.add_(1)
    check(n[2, 3] == 12, "a write to the tensor is seen by the array")
    # Tensor dropped first: the array's holder keeps the storage alive.
    del t
    collect()
    check(n.sum() == sum(range(12)) + 7 + 12, "array after del t")
    n[:] = 3
    check(n.tolist() == [[3.0] * 4] * 3, "array writable after del t")
    del n
    collect()
    # Array dropped first: the tensor keeps its storage.
    t = fg.ones(5)
    n = t.numpy()
    del n
    collect()
    t.mul_(4)
    check(t.tolist() == [4.0] * 5, "tensor after its array is gone")
    del t


def numpy_of_views() -> None:
    base = fg.arange(30.0).reshape(5, 6)
    for v in (base[1:, ::2], base.t(), base[2], base[:, 4], base[1:2].expand(3, 6), base[0:0]):
        n = v.numpy()
        check(n.tolist() == v.tolist(), "numpy() of a view")
        del v
        collect()
        check(n.sum() == n.sum(), "array of a dropped view")
        del n
    # Writes through an array over an offset view land in the base tensor.
    n = base[2:, 1::2].numpy()
    n[0, 0] = -5
    check(base[2, 1].item() == -5, "write through numpy() of an offset view")
    del base
    collect()
    check(n[0, 0] == -5, "array over a view of a dropped tensor")
    del n
    for dtype in (fg.float32, fg.int64, fg.bool):
        t = fg.zeros(2, 3, dtype=dtype)
        n = t.numpy()
        n[1, 2] = 1
        check(t[1, 2].item() == 1, f"{dtype}: numpy() shares")
        del t, n


def round_trips() -> None:
    a = np.arange(8.0).reshape(2, 4)
    t = fg.from_numpy(a)
    n = t.numpy()
    t2 = fg.from_numpy(n)
    t2[1, 1] = 50
    check(a[1, 1] == 50 and t[1, 1].item() == 50 and n[1, 1] == 50, "three owners share one buffer")
    for drop in ("a", "t", "n", "t2"):
        if drop == "a":
            del a
        elif drop == "t":
            del t
        elif drop == "n":
            del n
        else:
            del t2
        collect()
    # as_tensor shares an ndarray of its dtype, as torch's does, and copies for another dtype:
    # the copy must not alias the array, the shared tensor must outlive it.
    a = np.arange(3.0)
    c = fg.as_tensor(a, dtype=fg.float32)
    c.add_(1)
    check(a.tolist() == [0.0, 1.0, 2.0], "as_tensor to another dtype does not write the array")
    check(c.tolist() == [1.0, 2.0, 3.0], "as_tensor values")
    s = fg.as_tensor(a)
    s.add_(1)
    check(a.tolist() == [1.0, 2.0, 3.0], "as_tensor of an array shares it")
    s2 = fg.as_tensor(fg.from_numpy(a))
    s2.add_(1)
    check(a.tolist() == [2.0, 3.0, 4.0], "as_tensor of a tensor over an array shares it")
    del a
    collect()
    check(s.tolist() == [2.0, 3.0, 4.0], "as_tensor's tensor outlives the array")
    del c, s, s2


def ops_over_array_memory() -> None:
    # Big enough for the SIMD kernels' vector loops and tails (and the pooled allocator).
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal(1031).astype(dtype)
        b = rng.standard_normal(1031).astype(dtype)
        ta, tb = fg.from_numpy(a), fg.from_numpy(b)
        tol = 1e-4 if dtype == np.float32 else 1e-12
        check(np.allclose((ta + tb).numpy(), a + b, atol=tol), "add")
        check(np.allclose((ta * tb).relu().numpy(), np.maximum(a * b, 0), atol=tol), "mul relu")
        check(np.allclose(ta.exp().numpy(), np.exp(a), rtol=1e-5), "exp")
        check(abs(ta.sum().item() - float(a.astype(np.float64).sum())) < 1e-3, "sum")
        m = fg.from_numpy(rng.standard_normal((33, 17)).astype(dtype))
        w = fg.from_numpy(rng.standard_normal((17, 9)).astype(dtype))
        check(np.allclose(m.matmul(w).numpy(), m.numpy() @ w.numpy(), atol=1e-3), "matmul")
        idx = fg.from_numpy(np.array([0, 1030, 5, 5], dtype=np.int64))
        check(ta[idx].tolist() == [float(a[0]), float(a[1030]), float(a[5]), float(a[5])], "gather")
        ta[idx] = 0.0
        check(a[1030] == 0 and a[5] == 0, "index_put writes the array")
        del ta, tb, m, w, idx
    x = fg.from_numpy(np.linspace(-1.0, 1.0, 12).reshape(3, 4)).requires_grad_()
    y = (x * x).sum()
    y.backward()
    g = x.grad.numpy()
    check(np.allclose(g, 2 * x.detach().numpy()), "gradient of an array-backed leaf")
    del x, y, g


def main() -> int:
    for case in (
        from_numpy_shares_both_ways,
        from_numpy_strided_views,
        from_numpy_edge_shapes,
        numpy_shares_both_ways,
        numpy_of_views,
        round_trips,
        ops_over_array_memory,
    ):
        case()
        collect()
    print(f"valgrind_numpy: {CHECKS} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
