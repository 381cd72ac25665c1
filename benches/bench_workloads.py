"""The workloads of benches/compare_torch.py (see its docstring for what is timed and how): the
data helpers, the workload bodies (each a function of the library module, the same code for
ferrograd and torch), the CPU table and the GPU sets."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

LIBS = ("ferrograd", "torch")
BIG = 16 * 1024 * 1024  # elements of the large elementwise/reduction workloads (16M)
CHAIN_OPS = 2000
MLP_SIZES = (784, 512, 512, 10)
MLP_BATCH = 128
MLP_LR = 0.01
WIDE_BRANCHES = 8
WIDE_DEPTH = 4
WIDE_N = 256
EPS32 = float(np.finfo(np.float32).eps)

# Device per library for the workload bodies (set by main from --device; "cpu" everywhere else,
# including the memory subprocesses).
DEVICES: dict[str, str] = {}


def _dev_kw(m) -> dict:
    """``{"device": ...}`` for a library placed off the CPU, ``{}`` on the CPU (calls unchanged)."""
    dev = DEVICES.get(m.__name__, "cpu")
    return {} if dev == "cpu" else {"device": dev}


# --------------------------------------------------------------------------------------------
# Data helpers: the same NumPy data goes into both libraries.


@functools.lru_cache(maxsize=4)
def _randn(shape, dtype=np.float32, seed=0) -> np.ndarray:
    """Standard-normal data, generated once per workload and shared by both libraries (read-only)."""
    arr = np.random.default_rng(seed).standard_normal(shape, dtype=dtype)
    arr.flags.writeable = False
    return arr


def _tensor(m, arr: np.ndarray, requires_grad: bool = False):
    """A library-owned copy of ``arr`` on the library's device (``m.tensor`` copies in both)."""
    t = m.tensor(arr, **_dev_kw(m))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np(t) -> np.ndarray:
    return np.array(t.detach().cpu().numpy())  # a copy: later in-place updates must not change it


# --------------------------------------------------------------------------------------------
# Workload bodies. Each `setup(m)` returns a state; `run(m, state)` is the timed body;
# `check(m, state, run)` makes the first call on the fresh state and returns what is compared
# across libraries.


def tiny_add_setup(m):
    return {"a": _tensor(m, _randn(4))}


def tiny_add(m, s):
    return s["a"] + s["a"]


def tiny_fwd_bwd_setup(m):
    return {"x": _tensor(m, _randn(4), requires_grad=True)}


def tiny_fwd_bwd(m, s):
    x = s["x"]
    (x * x).sum().backward()


def scalar_chain_setup(m):
    return {"x": _tensor(m, np.array(0.5, dtype=np.float32), requires_grad=True)}


def scalar_chain(m, s):
    # CHAIN_OPS ops on a 0-dim tensor: mul, add, sin, mul repeated.
    y = s["x"]
    for _ in range(CHAIN_OPS // 4):
        y = (y * 1.0001 + 0.0001).sin() * 0.9999
    y.backward()


def _grad_of(key):
    def check(m, s, run):
        run(m, s)
        return _np(s[key].grad)

    return check


def matmul_setup(n, dtype):
    def setup(m):
        return {"a": _tensor(m, _randn((n, n), dtype, 1)), "b": _tensor(m, _randn((n, n), dtype, 2))}

    return setup


def matmul(m, s):
    return s["a"] @ s["b"]


def big_setup(count, n=BIG):
    def setup(m):
        return {f"x{i}": _tensor(m, _randn(n, np.float32, i)) for i in range(count)}

    return setup


def big_add(m, s):
    return s["x0"] + s["x1"]


def big_sum(m, s):
    return s["x0"].sum()


def big_exp(m, s):
    return s["x0"].exp()


def big_tanh(m, s):
    return s["x0"].tanh()


def softmax_setup(rows, cols):
    def setup(m):
        return {"x": _tensor(m, _randn((rows, cols), np.float32, 5))}

    return setup


def softmax_last(m, s):
    return s["x"].softmax(dim=-1)


def _result(m, s, run):
    return _np(run(m, s))


def make_mlp_setup(sizes=MLP_SIZES, batch=MLP_BATCH):
    """Setup of ``mlp_step`` for three layers of the given widths and batch size."""

    def setup(m):
        params = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            w = _randn((fan_in, fan_out), np.float32, 10 + i) / np.float32(np.sqrt(fan_in))
            params.append(_tensor(m, w, requires_grad=True))
            params.append(_tensor(m, np.zeros(fan_out, dtype=np.float32), requires_grad=True))
        targets = np.random.default_rng(3).integers(0, sizes[-1], batch)
        return {
            "params": params,
            "x": _tensor(m, _randn((batch, sizes[0]), np.float32, 4)),
            "targets": _tensor(m, targets.astype(np.int64)),
            "rows": m.arange(batch, **_dev_kw(m)),
        }

    return setup


mlp_setup = make_mlp_setup()


def mlp_step(m, s):
    """One SGD step: forward (relu), log_softmax + pick targets + mean, backward, update."""
    w1, b1, w2, b2, w3, b3 = s["params"]
    h = (s["x"] @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    loss = -logits.log_softmax(dim=1)[s["rows"], s["targets"]].mean()
    loss.backward()
    with m.no_grad():
        for p in s["params"]:
            p -= MLP_LR * p.grad
            p.grad = None
    return loss


def mlp_check(m, s, run):
    loss = run(m, s).item()
    return np.concatenate([[loss], _np(s["params"][0]).ravel()[:1000]])


def wide_setup(m):
    scale = np.float32(1.0 / np.sqrt(WIDE_N))
    return {
        "leaves": [
            _tensor(m, _randn((WIDE_N, WIDE_N), np.float32, 100 + b), requires_grad=True)
            for b in range(WIDE_BRANCHES)
        ],
        "weights": [
            [
                _tensor(m, _randn((WIDE_N, WIDE_N), np.float32, 200 + 10 * b + d) * scale)
                for d in range(WIDE_DEPTH)
            ]
            for b in range(WIDE_BRANCHES)
        ],
    }


def wide_graph(m, s):
    """WIDE_BRANCHES independent chains of WIDE_DEPTH matmuls, summed at the end; forward + backward."""
    total = None
    for leaf, weights in zip(s["leaves"], s["weights"]):
        h = leaf
        for w in weights:
            h = h @ w
        total = h if total is None else total + h
    total.sum().backward()


def wide_check(m, s, run):
    run(m, s)
    return np.concatenate([_np(leaf.grad).ravel() for leaf in s["leaves"]])


# --------------------------------------------------------------------------------------------
# Workload table.


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    setup: Callable[[Any], Any] | None
    run: Callable[[Any, Any], Any] | None
    check: Callable[[Any, Any, Callable], np.ndarray] | None
    target: float | None  # ratio bound; None = report only
    work: float | None = None  # units of work per call for throughput rows (else a time row)
    unit: str = ""  # throughput unit, e.g. "GFLOP/s"
    memory: str | None = None  # peak-RSS row of the named workload, measured in subprocesses
    threads_hook: bool = False  # also time ferrograd on 1 thread when it has set_num_threads
    tol: float = 1e-3  # largest error (in units of err_scale) the cross-library check accepts
    err_scale: Callable[[np.ndarray], float] | None = None  # of the reference; None: max(1, max|ref|)

    @property
    def throughput(self) -> bool:
        return self.work is not None


def _matmul_workload(n: int, dtype, label: str) -> Workload:
    return Workload(
        name=f"matmul_{n}_{label}",
        title=f"matmul {n}x{n} @ {n}x{n}, {label} (no grad)",
        setup=matmul_setup(n, dtype),
        run=matmul,
        check=_result,
        target=0.9,
        work=2.0 * n**3 / 1e9,
        unit="GFLOP/s",
    )


WORKLOADS = [
    Workload("tiny_add", "tiny op: `a + a`, 4 f32 elements", tiny_add_setup, tiny_add, _result, 0.5),
    Workload(
        "tiny_fwd_bwd",
        "tiny forward+backward: `(x * x).sum().backward()`, 4 elements",
        tiny_fwd_bwd_setup,
        tiny_fwd_bwd,
        _grad_of("x"),
        0.2,
    ),
    Workload(
        "scalar_chain",
        f"{CHAIN_OPS:,}-op scalar chain (mul/add/sin/mul) forward + backward",
        scalar_chain_setup,
        scalar_chain,
        _grad_of("x"),
        0.25,
    ),
    _matmul_workload(256, np.float32, "f32"),
    _matmul_workload(256, np.float64, "f64"),
    _matmul_workload(1024, np.float32, "f32"),
    _matmul_workload(1024, np.float64, "f64"),
    Workload(
        "add_16m",
        "add two 16M f32 arrays into a fresh result",
        big_setup(2),
        big_add,
        _result,
        2.0,
        work=3 * 4 * BIG / 1e9,
        unit="GB/s",
    ),
    Workload(
        "sum_16m", "sum of 16M f32", big_setup(1), big_sum, _result, 1.0, work=4 * BIG / 1e9, unit="GB/s"
    ),
    Workload(
        "exp_16m", "exp of 16M f32", big_setup(1), big_exp, _result, 1.5, work=8 * BIG / 1e9, unit="GB/s"
    ),
    Workload(
        "tanh_16m", "tanh of 16M f32", big_setup(1), big_tanh, _result, 1.5, work=8 * BIG / 1e9, unit="GB/s"
    ),
    Workload(
        "mlp_step",
        "MLP 784-512-512-10, batch 128: forward, loss, backward, SGD step",
        mlp_setup,
        mlp_step,
        mlp_check,
        0.8,  # the performance issue's target: at least 1.25x torch's speed
    ),
    Workload(
        "wide_graph",
        f"wide graph: {WIDE_BRANCHES} branches x {WIDE_DEPTH} matmuls {WIDE_N}x{WIDE_N}, summed; fwd + bwd",
        wide_setup,
        wide_graph,
        wide_check,
        None,
        threads_hook=True,
    ),
    Workload("mlp_peak_mem", "MLP step peak RSS growth", None, None, None, None, memory="mlp_step"),
]


# GPU workload set (--device wgpu): ferrograd on wgpu vs torch on CUDA (or the CPU without CUDA).


@dataclass(frozen=True)
class GpuSizes:
    matmul: tuple[int, ...]  # n of the n x n @ n x n float32 matmuls
    elems: int  # elements of the add/sum workloads
    softmax: tuple[int, int]  # rows, cols (softmax along the last dim)
    mlp: tuple[int, ...]  # MLP layer widths (three layers, as mlp_step expects)
    mlp_batch: int


GPU_FULL = GpuSizes((1024, 4096, 8192), 64 * 2**20, (4096, 4096), (784, 1024, 1024, 10), 1024)
# Short enough for a software adapter (llvmpipe: well under 1 GFLOP/s, 128 MiB binding limit).
GPU_QUICK = GpuSizes((1024,), 16 * 2**20, (2048, 2048), MLP_SIZES, MLP_BATCH)


def _mib(n: int) -> str:
    return f"{n // 2**20}M" if n % 2**20 == 0 else f"{n:,}"


def _mlp_label(sizes, batch) -> str:
    return f"MLP {'-'.join(map(str, sizes))}, batch {batch}"


def gpu_workloads(sz: GpuSizes, cuda: bool) -> list[Workload]:
    """The GPU set; the issue's targets apply against torch on CUDA only."""

    def target(value):
        return value if cuda else None

    out = [
        Workload(
            name=f"matmul_{n}_f32",
            title=f"matmul {n}x{n} @ {n}x{n}, f32 (no grad; torch TF32 off)",
            setup=matmul_setup(n, np.float32),
            run=matmul,
            check=_result,
            target=target(0.5) if n >= 4096 else None,
            work=2.0 * n**3 / 1e9,
            unit="GFLOP/s",
            # float32 accumulation error grows like sqrt(n); TF32 inputs would be off by ~1e-3.
            tol=float(8 * EPS32 * np.sqrt(n)),
        )
        for n in sz.matmul
    ]
    e = sz.elems
    out += [
        Workload(
            f"add_{_mib(e).lower()}",
            f"add two {_mib(e)} f32 arrays into a fresh result",
            big_setup(2, e),
            big_add,
            _result,
            target(0.7),
            work=3 * 4 * e / 1e9,
            unit="GB/s",
            tol=1e-6,  # exactly rounded in both
        ),
        Workload(
            f"sum_{_mib(e).lower()}",
            f"sum of {_mib(e)} f32",
            big_setup(1, e),
            big_sum,
            _result,
            target(0.7),
            work=4 * e / 1e9,
            unit="GB/s",
            # error in units of sqrt(N), the spread of a sum of N standard normals (the sum itself
            # can be near 0); tree/pairwise summation stays within a few eps * log2(N).
            tol=float(8 * EPS32 * np.log2(e)),
            err_scale=lambda ref, e=e: float(np.sqrt(e)),
        ),
    ]
    rows, cols = sz.softmax
    out.append(
        Workload(
            f"softmax_{rows}x{cols}",
            f"softmax of {rows}x{cols} f32 along the last dim (no grad)",
            softmax_setup(rows, cols),
            softmax_last,
            _result,
            None,
            tol=1e-5,
            err_scale=lambda ref: float(np.max(np.abs(ref))),  # probabilities are ~1/cols
        )
    )
    out.append(
        Workload(
            "mlp_step",
            f"{_mlp_label(sz.mlp, sz.mlp_batch)}: forward, loss, backward, SGD step",
            make_mlp_setup(sz.mlp, sz.mlp_batch),
            mlp_step,
            mlp_check,
            target(2.0) if sz.mlp_batch >= 1024 else None,
            tol=1e-4,
        )
    )
    return out


def gpu_quick_note() -> str:
    full, quick = GPU_FULL, GPU_QUICK
    skipped = [n for n in full.matmul if n not in quick.matmul]
    parts = []
    if skipped:
        parts.append(f"matmul {' and '.join(map(str, skipped))} skipped")
    if quick.elems != full.elems:
        parts.append(f"add/sum on {_mib(quick.elems)} elements instead of {_mib(full.elems)}")
    if quick.softmax != full.softmax:
        parts.append("softmax {}x{} instead of {}x{}".format(*quick.softmax, *full.softmax))
    if (quick.mlp, quick.mlp_batch) != (full.mlp, full.mlp_batch):
        parts.append(
            f"{_mlp_label(quick.mlp, quick.mlp_batch)} instead of {_mlp_label(full.mlp, full.mlp_batch)}"
        )
    return "; ".join(parts)


def workloads_for(device: str, quick: bool, cuda: bool = False) -> list[Workload]:
    """``cuda``: whether torch has CUDA (the GPU set's targets apply against CUDA only)."""
    if device == "cpu":
        from bench_training import TRAINING, TRAINING_MEMORY  # imports this module: at call time

        timed = [w for w in WORKLOADS if not w.memory]
        return [*timed, *TRAINING, *(w for w in WORKLOADS if w.memory), *TRAINING_MEMORY]
    return gpu_workloads(GPU_QUICK if quick else GPU_FULL, cuda)
