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
* Peak memory of the MLP, CNN and transformer block training steps is measured in one fresh
  subprocess per library and step (so one library's allocations don't pollute the other's), as
  growth of the peak RSS (``VmHWM`` in ``/proc/self/status``, reset through
  ``/proc/self/clear_refs`` where the kernel allows it): once over setup + the first step
  (parameters, data, lazy initialisation), once over steps 2-10, in the first round only.
* The training workloads (``bench_training.py``: CNN, ResNet block, transformer block, char-level
  GPT, Linear on 3-D input, a 3-D @ 2-D weight gradient) each have a second shape set nobody
  tunes for (the rows ending in ``_alt``), reported beside the first.

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

Code
----
This file is the command line and the orchestration (rounds of child processes, merging, the
JSON payload); the workloads are in ``bench_workloads.py``, the timing harness and the peak-memory
subprocesses in ``bench_harness.py``, the machine description and the Markdown report in
``bench_report.py``.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Callable

import numpy as np
from bench_harness import (
    FULL,
    QUICK,
    Config,
    Contender,
    WorkloadError,
    _close,
    measure_memory,
    mem_child,
    time_workload,
)
from bench_report import _cpu_snapshot, machine_info, markdown, other_cpu_load
from bench_workloads import (
    DEVICES,
    GPU_FULL,
    GPU_QUICK,
    LIBS,
    WORKLOADS,
    Workload,
    _randn,
    gpu_quick_note,
    workloads_for,
)

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
    p.add_argument("--_mem-of", dest="mem_of", help=argparse.SUPPRESS)
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
        mem_child(args.mem_child, args.mem_of)
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
            results.append((wl, {"libs": measure_memory(wl.memory)}))
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
