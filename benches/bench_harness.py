"""The timing harness and the peak-memory measurement of benches/compare_torch.py (see its
docstring): warm-up, calibration of the inner loop, alternating samples, and one subprocess per
library for the peak RSS."""

from __future__ import annotations

import functools
import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from bench_workloads import LIBS, Workload, workloads_for

# The memory subprocesses run the benchmark's own entry point.
COMPARE_TORCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare_torch.py")

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


STEADY_STEPS = 9  # steps 2-10


def mem_child(lib: str, of: str) -> None:
    """Entry point of the subprocess: prints one JSON line with peak-RSS growths in KiB of the
    workload ``of``: over its setup and first step, and over steps 2-10."""
    wl = next(w for w in workloads_for("cpu", False) if w.name == of)
    m = importlib.import_module(lib)
    gc.collect()
    reset = _reset_peak()
    base = _status_kib("VmRSS") if reset else _peak_kib()
    state = wl.setup(m)
    wl.run(m, state)
    first = _peak_kib() - base
    steady = None
    gc.collect()
    if _reset_peak():
        base = _status_kib("VmRSS")
        for _ in range(STEADY_STEPS):
            wl.run(m, state)
        steady = _peak_kib() - base
    print(
        json.dumps({"lib": lib, "setup_and_first_step_kib": first, "steady_step_kib": steady, "reset": reset})
    )


def measure_memory(of: str) -> dict:
    out = {}
    for lib in LIBS:
        proc = subprocess.run(
            [sys.executable, COMPARE_TORCH, "--_mem-child", lib, "--_mem-of", of],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory subprocess for {lib} failed:\n{proc.stderr}")
        out[lib] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out
