"""The report of benches/compare_torch.py: the machine's description, the other load on it while
the benchmark ran, and the Markdown table (one row per workload, ratios against torch)."""

from __future__ import annotations

import os
import platform
import time

from bench_workloads import LIBS, Workload

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
            ("setup_and_first_step_kib", "setup + first step"),
            ("steady_step_kib", "steps 2-10"),
        ):
            f, t = (res["libs"][lib][key] for lib in LIBS)
            if f is None or t is None:
                continue
            ratio = f"{f / t:.2f}x" if t > 0 else "n/a"
            cells = [f"{f / 1024:.1f} MiB", f"{t / 1024:.1f} MiB"]
            rows.append([f"{wl.title}, {label}", *cells, ratio, "report", "n/a"])
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
