"""Head-to-head benchmark: ferrograd vs. PyTorch on the same workloads, each library alone in
its own fresh processes with its own defaults.

Run it from the repository root with the environment that has both libraries installed::

    .venv/bin/python benches/compare_torch.py                 # full run: 3 rounds, ~0.5 s per workload per library per round
    .venv/bin/python benches/compare_torch.py --quick         # fast smoke run (CI), noisier numbers
    .venv/bin/python benches/compare_torch.py --only 'matmul_*,mlp_step' --json out.json
    .venv/bin/python benches/compare_torch.py --rounds 5      # more alternating rounds
    .venv/bin/python benches/compare_torch.py --list          # workload names, targets, descriptions
    .venv/bin/python benches/compare_torch.py --device wgpu   # GPU set: ferrograd on wgpu vs torch on CUDA
    .venv/bin/python benches/compare_torch.py --device wgpu --quick   # GPU smoke run, reduced sizes

The Markdown report (date, machine, versions, one table row per workload) goes to stdout, ready to
paste into the README; progress goes to stderr.

What the numbers mean
---------------------
* Every workload is one function body that takes the library module as an argument
  (``def mlp_step(m, state)``) and only uses API both libraries have, so ferrograd and torch run
  exactly the same Python code on the same data (inputs are generated with NumPy from fixed seeds
  and copied into each library with ``m.tensor``). Each library's first call is saved and compared
  with the other's (a mismatch is flagged under the table), so the two really compute the same thing.
* Fairness: this process only orchestrates. Each round starts one fresh process per library, which
  imports that library alone and times every selected workload with the library's own defaults:
  torch's thread count and OpenMP wait policy are never touched (nor ferrograd's thread count,
  except for the extra 1-thread row below). Rounds alternate which library goes first, so slow
  drift of the machine hits both alike.
* Timing inside a process: the library is warmed up, then a per-call estimate picks an inner loop
  count (so one sample lasts at least a couple of milliseconds even for microsecond ops) and a
  number of repetitions (about ``--budget`` seconds per workload, with a minimum repetition count).
  A round's time is the median over its repetitions of the per-call time; the reported time is the
  median over rounds. Python's garbage collector stays enabled, as in real programs.
* ``ratio``: for time rows, ferrograd time / torch time (lower is better; 0.5x = twice as fast as
  torch). For throughput rows (GFLOP/s, GB/s), ferrograd throughput / torch throughput (higher is
  better). The ratio is that of the medians over rounds; the range in brackets is the lowest and
  highest ratio of single rounds (round i of ferrograd against round i of torch). ``met`` compares
  the ratio with the target from the performance issue.
* The wide-graph workload is also timed with ferrograd on 1 thread (``set_num_threads(1)``, in
  ferrograd's own process) to report its multi-thread speed-up.
* Peak memory of the MLP training step is measured in one fresh subprocess per library (so one
  library's allocations don't pollute the other's), as growth of the peak RSS (``VmHWM`` in
  ``/proc/self/status``, reset through ``/proc/self/clear_refs`` where the kernel allows it): once
  over setup + first steps (parameters, data, lazy initialisation), once over steady-state steps,
  in the first round only.

GPU workloads (``--device wgpu``)
---------------------------------
``--device`` picks the workload set; ``cpu`` (the default) is everything above. With ``wgpu``,
ferrograd runs on its wgpu device and torch on ``cuda`` when ``torch.cuda.is_available()``, else
on the CPU (the report names both devices: the wgpu adapter and the CUDA device or CPU model).
The set: float32 matmul at 1024, 4096 and 8192 (GFLOP/s), add of two 64M-element float32 arrays
(GB/s: 12 bytes per element, 2 reads + 1 write), sum of 64M float32 (GB/s: 4 bytes per element),
softmax of 4096x4096 along the last dim (time) and the MLP training step above at 784-1024-1024-10,
batch 1024 (time). Inputs are created on each library's device once, outside the timed region.

* torch matmuls run in true float32: TF32 is off (``torch.backends.cuda.matmul.allow_tf32``,
  ``torch.backends.cudnn.allow_tf32`` and ``torch.set_float32_matmul_precision("highest")``);
  the tight matmul tolerance below would flag TF32 results anyway.
* GPU work is asynchronous, so every timed region is bracketed by a device synchronisation
  (``ferrograd.wgpu.synchronize()``, ``torch.cuda.synchronize()``): once before the clock starts
  and once before it stops. The inner loop of a sample queues its calls back to back, as a
  training loop does, and syncs only at the sample's end; warm-up, calibration, rounds and
  medians are as above.
* Results are copied to the host and compared with float32 tolerances scaled to the problem:
  matmul max error / max |C| within ``8 eps sqrt(n)`` (TF32 would be ~1e-3), add within 1e-6 of
  max |C| (it is exactly rounded), sum within ``8 eps log2(N)`` in units of ``sqrt(N)`` (the
  spread of a sum of N standard normals; the sum itself may be near 0), softmax within 1e-5 of the
  largest probability, MLP loss and updated weights within 1e-4. A mismatch is flagged (⚠) as in
  the CPU set; a library that fails a workload (e.g. a buffer over the adapter's limits) gets a
  failed row (✗) with the error under the table, the other workloads still run, and the exit
  status is 1.
* ``--quick`` keeps a wgpu run short even on a software adapter (Mesa's llvmpipe does well under
  1 GFLOP/s): matmul 1024 only (4096 and 8192 skipped), 16M elements instead of 64M, softmax
  2048x2048, MLP 784-512-512-10 at batch 128. The report says so; use a full run for numbers to
  publish.
* The peak-memory row is CPU-only (peak RSS says nothing about GPU memory).
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import functools
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
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
    memory: bool = False  # peak-RSS row, measured in subprocesses
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
        1.0,
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
    Workload("mlp_peak_mem", "MLP step: peak RSS growth", None, None, None, None, memory=True),
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
        return list(WORKLOADS)
    return gpu_workloads(GPU_QUICK if quick else GPU_FULL, cuda)


# --------------------------------------------------------------------------------------------
# Timing harness.


@dataclass(frozen=True)
class Config:
    budget: float  # target seconds per workload per library
    min_reps: int
    max_reps: int
    warmup: float  # seconds of warm-up per library
    warmup_calls: int  # and at least this many calls (after the checked first call)
    min_sample: float  # minimum seconds per sample (sets the inner loop count)


FULL = {
    "budget": 0.5,
    "min_reps": 7,
    "max_reps": 2000,
    "warmup": 0.15,
    "warmup_calls": 2,
    "min_sample": 2e-3,
}
QUICK = {
    "budget": 0.05,
    "min_reps": 3,
    "max_reps": 200,
    "warmup": 0.02,
    "warmup_calls": 1,
    "min_sample": 1e-3,
}


@dataclass
class Contender:
    label: str
    module: Any
    threads: int | None  # applied through module.set_num_threads before its samples; None: untouched
    sync: Callable[[], None] | None = None  # waits for the device's queued work (GPU), None on CPU


def _set_threads(module, n: int | None, current: dict) -> None:
    if n is None or not hasattr(module, "set_num_threads") or current.get(module.__name__) == n:
        return
    module.set_num_threads(n)
    current[module.__name__] = n


def _calibrate(fn, seconds: float, calls: int, sync=None) -> float:
    """Warm ``fn`` up for about ``seconds`` (at least ``calls`` calls); return a per-call estimate.

    With ``sync`` (a device synchronisation), each call is timed from a synced device to a synced
    device, so queued GPU work counts."""
    times = []
    start = time.perf_counter()
    while len(times) < calls or time.perf_counter() - start < seconds:
        if sync is not None:
            sync()
        t0 = time.perf_counter()
        fn()
        if sync is not None:
            sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[len(times) // 2 :])


def _sample(fn, n: int, sync=None) -> float:
    if sync is not None:
        sync()  # nothing queued before the clock starts...
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    if sync is not None:
        sync()  # ...and everything queued has run before it stops
    return (time.perf_counter() - t0) / n


def _close(a: np.ndarray, b: np.ndarray, tol: float = 1e-3, err_scale=None) -> tuple[bool, float]:
    """Agreement test: max |a - b| in units of ``err_scale(b)`` (default max(1, max |b|)) <= ``tol``.

    The CPU set uses a loose 1e-3 (different kernels, summation orders, and libm implementations);
    the GPU set passes float32 tolerances scaled to the problem size."""
    if a.shape != b.shape:
        return False, float("inf")
    if err_scale is not None and b.size:
        scale = err_scale(b) or 1.0
    else:
        scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    err = float(np.max(np.abs(a - b))) / scale if a.size else 0.0
    return bool(err <= tol), err


class WorkloadError(RuntimeError):
    """A library failed a workload's setup or first call (reported as a failed row)."""

    def __init__(self, label: str, message: str):
        super().__init__(message)
        self.label = label


def time_workload(wl: Workload, contenders: list[Contender], cfg: Config, current_threads: dict) -> dict:
    states, fns, checks = {}, {}, {}
    for c in contenders:
        _set_threads(c.module, c.threads, current_threads)
        try:
            states[c.label] = wl.setup(c.module)
            checks[c.label] = wl.check(c.module, states[c.label], wl.run) if wl.check else None
            if c.sync is not None:
                c.sync()  # surfaces asynchronous device errors here, with the library's name
        except Exception as e:
            raise WorkloadError(c.label, f"{c.label}: {type(e).__name__}: {e}") from e
        fns[c.label] = functools.partial(wl.run, c.module, states[c.label])

    est, inner = {}, {}
    for c in contenders:
        _set_threads(c.module, c.threads, current_threads)
        est[c.label] = _calibrate(fns[c.label], cfg.warmup, cfg.warmup_calls, c.sync)
        inner[c.label] = max(1, round(cfg.min_sample / est[c.label]))
    longest = max(inner[k] * est[k] for k in est)
    reps = min(cfg.max_reps, max(cfg.min_reps, round(cfg.budget / longest)))

    samples = {c.label: [] for c in contenders}
    for r in range(reps):
        k = r % len(contenders)
        for c in contenders[k:] + contenders[:k]:  # rotate who goes first
            _set_threads(c.module, c.threads, current_threads)
            samples[c.label].append(_sample(fns[c.label], inner[c.label], c.sync))

    out = {"reps": reps, "check_values": checks, "libs": {}}
    for c in contenders:
        med = statistics.median(samples[c.label])
        q = statistics.quantiles(samples[c.label], n=4) if reps >= 2 else [med, med, med]
        out["libs"][c.label] = {
            "median_s": med,
            "iqr_rel": (q[2] - q[0]) / med,
            "inner": inner[c.label],
            "samples_s": samples[c.label],
            "throughput": wl.work / med if wl.throughput else None,
        }
    return out


# --------------------------------------------------------------------------------------------
# Peak memory, one subprocess per library.


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_kib() -> int:
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def mem_child(lib: str) -> None:
    """Entry point of the subprocess: prints one JSON line with peak-RSS growths in KiB."""
    m = importlib.import_module(lib)
    gc.collect()
    reset = _reset_peak()
    base = _status_kib("VmRSS") if reset else _peak_kib()
    state = mlp_setup(m)
    for _ in range(3):
        mlp_step(m, state)
    first = _peak_kib() - base
    steady = None
    gc.collect()
    if _reset_peak():
        base = _status_kib("VmRSS")
        for _ in range(5):
            mlp_step(m, state)
        steady = _peak_kib() - base
    print(
        json.dumps(
            {"lib": lib, "setup_and_first_steps_kib": first, "steady_step_kib": steady, "reset": reset}
        )
    )


def measure_memory() -> dict:
    out = {}
    for lib in LIBS:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--_mem-child", lib],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory subprocess for {lib} failed:\n{proc.stderr}")
        out[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# --------------------------------------------------------------------------------------------
# Report.


def machine_info() -> dict:
    model, physical = platform.processor() or platform.machine(), set()
    try:
        phys_id = None
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "model name":
                    model = value
                elif key == "physical id":
                    phys_id = value
                elif key == "core id":
                    physical.add((phys_id, value))
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": model,
        "logical_cpus": os.cpu_count(),
        "physical_cores": len(physical) or None,
        "usable_cpus": usable,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "loadavg_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def _cpu_snapshot() -> tuple[float, float, float] | None:
    """(wall s, busy CPU-seconds of the whole machine, CPU-seconds of this process and its children)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (ticks + [0] * 8)[:8]
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return time.perf_counter(), busy, own.user + own.system + own.children_user + own.children_system


def other_cpu_load(start, end) -> float | None:
    """Average number of CPUs kept busy by other processes (and VM steal) between two snapshots."""
    if start is None or end is None or end[0] <= start[0]:
        return None
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))


def _fmt_time(s: float) -> str:
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def _fmt_lib(wl: Workload, r: dict) -> str:
    if wl.throughput:
        return f"{r['throughput']:.3g} {wl.unit} ({_fmt_time(r['median_s'])})"
    return _fmt_time(r["median_s"])


def _row(cells) -> str:
    return "| " + " | ".join(cells) + " |"


def _rows_for(wl: Workload, res: dict) -> list[list[str]]:
    if wl.memory:
        rows = []
        for key, label in (
            ("setup_and_first_steps_kib", "setup + first 3 steps"),
            ("steady_step_kib", "steady step"),
        ):
            f, t = (res["libs"][lib][key] for lib in LIBS)
            if f is None or t is None:
                continue
            ratio = f"{f / t:.2f}x" if t > 0 else "n/a"
            cells = [f"{f / 1024:.1f} MiB", f"{t / 1024:.1f} MiB"]
            rows.append([f"MLP step peak RSS growth, {label}", *cells, ratio, "report", "n/a"])
        return rows
    if wl.target is None:
        target, met = "report", "n/a"
    else:
        sign = "≥" if wl.throughput else "≤"
        metric = wl.unit if wl.throughput else "time"
        target = f"{metric} {sign} {wl.target:g}x"
        met = "**no**" if "error" in res else ("yes" if res["met"] else "**no**")
    if "error" in res:  # details under the table
        cells = ["failed" if res.get("failed_lib", lib) == lib else "not timed" for lib in LIBS]
        return [[wl.title + " ✗", *cells, "n/a", target, met]]
    f, t = (res["libs"][lib] for lib in LIBS)
    ratio = res["ratio"]
    flag = "" if all(c["ok"] for c in res["check"].values()) else " ⚠"
    ratio_s = _fmt_ratio(ratio)
    lo, hi = res.get("round_ratios_range", (ratio, ratio))
    if len(res.get("round_ratios", ())) > 1:
        ratio_s += f" ({_fmt_ratio(lo)}–{_fmt_ratio(hi)})"
    rows = [[wl.title + flag, _fmt_lib(wl, f), _fmt_lib(wl, t), ratio_s, target, met]]
    one = res["libs"].get("ferrograd-1t")
    if one is not None:
        speedup = one["median_s"] / f["median_s"]
        rows.append(
            [
                f"↳ ferrograd {_threads(res['fg_threads'])} vs 1 thread",
                _fmt_time(f["median_s"]),
                f"1 thread: {_fmt_time(one['median_s'])}",
                f"{speedup:.2f}x speed-up",
                "report",
                "n/a",
            ]
        )
    return rows


def _fmt_ratio(r: float) -> str:
    return f"{r:.2f}x" if r >= 0.01 else f"{r:.2g}x"  # 0.0046x, not 0.00x


def _threads(n: int) -> str:
    return "1 thread" if n == 1 else f"{n} threads"


def markdown(meta: dict, results: list[tuple[Workload, dict]]) -> str:
    mach = meta["machine"]
    cores = f"{mach['logical_cpus']} logical CPUs"
    if mach["physical_cores"]:
        cores += f", {mach['physical_cores']} physical cores"
    if mach["usable_cpus"] != mach["logical_cpus"]:
        cores += f", {mach['usable_cpus']} usable"
    gpu = meta.get("device", "cpu") != "cpu"
    fg_col, torch_col = "ferrograd", "torch"
    if gpu:
        fg_col, torch_col = f"ferrograd ({meta['device']})", f"torch ({meta['torch_device']})"
    lines = [
        f"### {fg_col} vs {torch_col}, {meta['date']}",
        "",
        f"- machine: {mach['cpu']} ({cores}), {mach['os']}",
    ]
    if gpu:
        torch_on = (
            f"torch on cuda: {meta['torch_device_name']}"
            if meta["torch_device"] == "cuda"
            else "torch on the CPU (CUDA not available)"
        )
        lines.append(f"- devices: ferrograd on wgpu: {meta['wgpu_adapter']}; {torch_on}")
    lines += [
        (
            f"- Python {meta['python']}, ferrograd {meta['ferrograd_version']} "
            f"({_threads(meta['ferrograd_threads'])}, its default), torch {meta['torch_version']} "
            f"({_threads(meta['torch_threads'])}, its defaults: threads and OpenMP settings untouched)"
        ),
        (
            f"- mode: {meta['mode']}: each library alone in a fresh process per round, {meta['rounds']} "
            f"round{'s' if meta['rounds'] > 1 else ''}, alternating which library goes first, about {meta['budget_s']:g} s per workload "
            "per library per round; times are medians over rounds"
            + (", device synchronised before starting and before stopping each timed sample" if gpu else "")
        ),
    ]
    if gpu:
        lines.append(
            "- torch float32 matmul: TF32 off (cuda.matmul.allow_tf32 = cudnn.allow_tf32 = False, "
            'float32_matmul_precision "highest")'
        )
    if meta.get("sizes_note"):
        lines.append(
            f"- --quick: sizes reduced for a short run: {meta['sizes_note']}; run without --quick for the full sizes"
        )
    if meta.get("other_cpu_load") is not None:
        lines.append(
            f"- background: other processes kept {meta['other_cpu_load']:.2f} CPUs busy on average "
            f"during the run (total {meta['total_s']:.0f} s)"
        )
    lines += [
        "",
        _row(["workload", fg_col, torch_col, "ratio", "target", "met"]),
        _row(["---", "---:", "---:", "---:", "---", "---"]),
    ]
    mismatches, failures = [], []
    for wl, res in results:
        lines += [_row(r) for r in _rows_for(wl, res)]
        if "error" in res:
            failures.append(f"{wl.name}: {' '.join(res['error'].split())}")  # one line (full text in --json)
        for label, c in res.get("check", {}).items():
            if not c["ok"]:
                tol = f", tolerance {wl.tol:.2g}" if gpu else ""
                mismatches.append(
                    f"{wl.name} ({label} vs torch: max relative error {c['max_rel_err']:.2g}{tol})"
                )
    lines += [
        "",
        (
            "ratio: ferrograd time / torch time for time rows (lower is better); ferrograd throughput "
            "/ torch throughput for GFLOP/s and GB/s rows (higher is better; GB/s counts bytes read + "
            "written); ferrograd / torch for memory rows. In brackets: the lowest and highest ratio of "
            "single rounds."
        ),
    ]
    others = meta.get("other_cpu_load")
    if others is not None and others > 0.2:
        lines.append(
            f"⚠ the machine was busy: other processes kept {others:.2f} of its {mach['usable_cpus']} "
            "CPUs busy on average during the run, which hurts multi-threaded runs most (torch); "
            "rerun on an idle machine for numbers to publish."
        )
    if mismatches:
        lines.append("⚠ results differ between the libraries: " + "; ".join(mismatches) + ".")
    if failures:
        lines.append("✗ failed workloads: " + "; ".join(failures))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Main.


def select(only: str | None, workloads: list[Workload] | None = None) -> list[Workload]:
    workloads = list(WORKLOADS if workloads is None else workloads)
    if not only:
        return workloads
    patterns = [p.strip() for p in only.split(",") if p.strip()]
    names = [w.name for w in workloads]
    for p in patterns:
        if not fnmatch.filter(names, p):
            raise SystemExit(f"--only: no workload matches {p!r}; known: {', '.join(names)}")
    return [w for w in workloads if any(fnmatch.fnmatchcase(w.name, p) for p in patterns)]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Benchmark ferrograd against torch on the same workloads (see the module docstring).",
    )
    p.add_argument(
        "--device",
        choices=("cpu", "wgpu"),
        default="cpu",
        help=(
            "workload set: cpu (default; both libraries on the CPU) or wgpu (GPU set: ferrograd on "
            "wgpu vs torch on cuda if available, else on the CPU)"
        ),
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="short budget, few repetitions, 2 rounds (CI smoke run); with --device wgpu also smaller sizes",
    )
    p.add_argument(
        "--rounds", type=int, help="alternating rounds of one process per library (default 3, quick 2)"
    )
    p.add_argument(
        "--budget", type=float, help="seconds per workload per library per round (default 0.5, quick 0.05)"
    )
    p.add_argument("--only", help="comma-separated workload names or glob patterns, e.g. 'matmul_*,mlp_step'")
    p.add_argument("--json", metavar="PATH", help="write raw results (all samples) as JSON")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--_mem-child", dest="mem_child", choices=LIBS, help=argparse.SUPPRESS)
    p.add_argument("--_child", dest="child", choices=LIBS, help=argparse.SUPPRESS)
    p.add_argument("--_out", dest="out", help=argparse.SUPPRESS)
    p.add_argument("--_cuda", dest="cuda", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _config(args) -> Config:
    preset = dict(QUICK if args.quick else FULL)
    if args.budget is not None:
        preset["budget"] = args.budget
    return Config(**preset)


def _prepare_device(lib: str, m, device: str) -> tuple[Callable[[], None] | None, dict]:
    """Places ``lib``'s workloads on its device for --device wgpu; returns its sync and metadata."""
    if device == "cpu":
        return None, {}
    if lib == "ferrograd":
        if not m.wgpu.is_available():
            raise SystemExit("--device wgpu: ferrograd.wgpu.is_available() is False (no wgpu adapter)")
        DEVICES["ferrograd"] = "wgpu"
        return m.wgpu.synchronize, {"wgpu_adapter": m.wgpu.get_device_name()}
    torch_device = "cuda" if m.cuda.is_available() else "cpu"
    # True float32 matmuls in torch, as in ferrograd (TF32 rounds inputs to 10 mantissa bits).
    m.backends.cuda.matmul.allow_tf32 = False
    m.backends.cudnn.allow_tf32 = False
    m.set_float32_matmul_precision("highest")
    DEVICES["torch"] = torch_device
    meta = {
        "torch_device": torch_device,
        "torch_device_name": m.cuda.get_device_name() if torch_device == "cuda" else machine_info()["cpu"],
        "torch_float32_matmul_precision": m.get_float32_matmul_precision(),
    }
    return (m.cuda.synchronize if torch_device == "cuda" else None), meta


def child_main(args) -> None:
    """One library alone in this process: times every selected workload, writes ``args.out``
    (JSON) and the first call's results for the cross-library check (``args.out + '.npz'``)."""
    lib = args.child
    m = importlib.import_module(lib)
    workloads = [
        w for w in select(args.only, workloads_for(args.device, args.quick, bool(args.cuda))) if not w.memory
    ]
    sync, meta = _prepare_device(lib, m, args.device)
    # ferrograd's own default thread count, restored after its 1-thread row; torch's is never set
    own_threads = m.get_num_threads() if lib == "ferrograd" else None
    meta.update(version=getattr(m, "__version__", "?"), threads=m.get_num_threads())
    cfg = _config(args)
    results, checks = {}, {}
    for wl in workloads:
        print(f"  {lib}: {wl.name}", file=sys.stderr, flush=True)
        gc.collect()
        contenders = [Contender(lib, m, own_threads, sync)]
        if wl.threads_hook and own_threads is not None:
            contenders.append(Contender("ferrograd-1t", m, 1, sync))
        try:
            res = time_workload(wl, contenders, cfg, {})
        except WorkloadError as e:
            res = {"error": str(e)}
        value = res.pop("check_values", {}).get(lib)
        if value is not None:
            checks[wl.name] = np.asarray(value)
        results[wl.name] = res
        _randn.cache_clear()
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f)
    np.savez(args.out + ".npz", **checks)


def _child_argv(args, lib: str, out: str, cuda: bool) -> list[str]:
    argv = [
        sys.executable,
        os.path.abspath(__file__),
        "--_child",
        lib,
        "--_out",
        out,
        "--_cuda",
        str(int(cuda)),
    ]
    argv += ["--device", args.device] + (["--quick"] if args.quick else [])
    if args.only:
        argv += ["--only", args.only]
    if args.budget is not None:
        argv += ["--budget", str(args.budget)]
    return argv


def _torch_has_cuda() -> bool:
    """Asked in a process of its own: this one never imports either library."""
    code = "import torch; print(int(torch.cuda.is_available()))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.strip().endswith("1")


def _merge(wl: Workload, rounds: list[dict], checks: dict) -> dict:
    """One workload's result from every round of both libraries."""
    for lib in LIBS:
        for r in rounds:
            err = r[lib]["results"][wl.name].get("error")
            if err:
                return {"error": err, "failed_lib": lib}
    libs = {}
    for label in [*LIBS, "ferrograd-1t"]:
        per_round = [r[lib]["results"][wl.name]["libs"].get(label) for r in rounds for lib in LIBS]
        per_round = [x for x in per_round if x is not None]
        if not per_round:
            continue
        med = statistics.median(x["median_s"] for x in per_round)
        libs[label] = {
            "median_s": med,
            "round_medians_s": [x["median_s"] for x in per_round],
            "inner": per_round[0]["inner"],
            "samples_s": [s for x in per_round for s in x["samples_s"]],
            "throughput": wl.work / med if wl.throughput else None,
        }
    res = {"libs": libs, "reps": [r["ferrograd"]["results"][wl.name]["reps"] for r in rounds]}

    def ratio(f_s, t_s):  # throughput ratio = time ratio inverted
        return t_s / f_s if wl.throughput else f_s / t_s

    res["ratio"] = ratio(libs["ferrograd"]["median_s"], libs["torch"]["median_s"])
    res["round_ratios"] = [
        ratio(f, t) for f, t in zip(libs["ferrograd"]["round_medians_s"], libs["torch"]["round_medians_s"])
    ]
    res["round_ratios_range"] = (min(res["round_ratios"]), max(res["round_ratios"]))
    if wl.target is not None:
        res["met"] = res["ratio"] >= wl.target if wl.throughput else res["ratio"] <= wl.target
    res["check"] = {}
    if wl.name in checks["ferrograd"] and wl.name in checks["torch"]:
        ok, err = _close(checks["ferrograd"][wl.name], checks["torch"][wl.name], wl.tol, wl.err_scale)
        res["check"]["ferrograd"] = {"ok": ok, "max_rel_err": err}
    return res


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.mem_child:
        mem_child(args.mem_child)
        return
    if args.child:
        child_main(args)
        return
    cuda = args.device == "wgpu" and _torch_has_cuda()
    if args.list:
        listed = workloads_for(args.device, args.quick, cuda)
        width = max(14, *(len(w.name) for w in listed))
        for w in listed:
            kind = "memory" if w.memory else (w.unit if w.throughput else "time")
            target = "report" if w.target is None else f"{'>=' if w.throughput else '<='} {w.target:g}x"
            print(f"{w.name:{width}} {kind:8} {target:8} {w.title}")
        return
    workloads = select(args.only, workloads_for(args.device, args.quick, cuda))
    n_rounds = args.rounds or (2 if args.quick else 3)
    if n_rounds < 1:
        raise SystemExit("--rounds must be at least 1")

    import tempfile

    started = time.perf_counter()
    cpu_start = _cpu_snapshot()
    rounds: list[dict] = []
    checks: dict = {lib: {} for lib in LIBS}
    timed = [w for w in workloads if not w.memory]
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(n_rounds * bool(timed)):
            order = LIBS if r % 2 == 0 else LIBS[::-1]
            this = {}
            for lib in order:
                print(f"[round {r + 1}/{n_rounds}] {lib} ...", file=sys.stderr, flush=True)
                out = os.path.join(tmp, f"{lib}-{r}.json")
                proc = subprocess.run(_child_argv(args, lib, out, cuda), check=False)
                if proc.returncode != 0:
                    raise SystemExit(
                        f"the {lib} process of round {r + 1} failed (exit status {proc.returncode})"
                    )
                with open(out) as f:
                    this[lib] = json.load(f)
                if r == 0:
                    with np.load(out + ".npz") as z:
                        checks[lib] = {k: z[k] for k in z.files}
            rounds.append(this)
    results = []
    for wl in workloads:
        if wl.memory:
            print(f"[memory] {wl.name} ...", file=sys.stderr, flush=True)
            results.append((wl, {"libs": measure_memory()}))
            continue
        res = _merge(wl, rounds, checks)
        if "error" not in res:
            res["fg_threads"] = rounds[0]["ferrograd"]["meta"]["threads"]
        results.append((wl, res))

    fg_meta = rounds[0]["ferrograd"]["meta"] if rounds else {}
    torch_meta = rounds[0]["torch"]["meta"] if rounds else {}
    cfg = _config(args)
    meta = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine_info(),
        "python": platform.python_version(),
        "ferrograd_version": fg_meta.get("version", "?"),
        "torch_version": torch_meta.get("version", "?"),
        "ferrograd_threads": fg_meta.get("threads", 0),
        "torch_threads": torch_meta.get("threads", 0),
        "mode": "quick" if args.quick else "full",
        "rounds": n_rounds,
        "device": args.device,
        "budget_s": cfg.budget,
        "config": cfg.__dict__,
        "total_s": time.perf_counter() - started,
        "other_cpu_load": other_cpu_load(cpu_start, _cpu_snapshot()),
    }
    if args.device == "wgpu":
        meta.update(
            wgpu_adapter=fg_meta.get("wgpu_adapter", "?"),
            **{k: v for k, v in torch_meta.items() if k.startswith("torch_")},
            sizes=(GPU_QUICK if args.quick else GPU_FULL).__dict__,
            sizes_note=gpu_quick_note() if args.quick else None,
        )
    print(f"total {meta['total_s']:.1f} s", file=sys.stderr)

    print(markdown(meta, results))
    if args.json:
        payload = {
            "meta": meta,
            "results": [
                {
                    "name": wl.name,
                    "title": wl.title,
                    "kind": "memory" if wl.memory else ("throughput" if wl.throughput else "time"),
                    "unit": wl.unit or ("KiB" if wl.memory else "s"),
                    "target": wl.target,
                    "check_tol": wl.tol,
                    **res,
                }
                for wl, res in results
            ],
        }
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=1)
    if any("error" in res for _, res in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
