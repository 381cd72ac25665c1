"""Hostile inputs: every public callable with wrong types, dtypes, shapes, sizes, dims, NaN, empty
and 0-d tensors and None must raise the exception type torch raises (or return torch's result),
must not crash the process, and must leave its inputs unchanged.

The cases (hostile_cases.py) are split into ``JOBS`` shards; each shard is streamed to a worker
process (hostile_worker.py) that answers one JSON line per case. When a worker dies (abort,
signal) or hangs, the case it was on is recorded as a crash and a fresh worker resumes from the
next case, so the sweep needs a handful of processes, not one per call.

Two kinds of failure. A crash (the process died or hung, or a Rust panic reached Python) or a failed
call that changed its inputs always fails. A mismatch (another exception type than torch's, or
raising where torch returns, or the reverse) fails unless it is listed in ``hostile_known.txt``,
the open mismatches this sweep found and that are not fixed yet; a listed case that now passes
fails too, so that the list only shrinks (``scripts/hostile.sh --update-known`` rewrites it).

The cases include the hostile variants of every entry of the test registry (tests/opinfo.py).
The pytest test is a ``long`` sweep: a deterministic third of the cases by default,
every case with ``FERROGRAD_FULL_SWEEPS=1``.
``python tests/test_hostile_inputs.py [-q]`` (or scripts/hostile.sh) runs every case, prints each
failure and the summary line ``hostile: N calls, C crashes, X changed inputs, M mismatches``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hostile_cases as hc
import pytest
from helpers import FULL_SWEEPS

JOBS = 2  # the machine has 2 cores
CASE_TIMEOUT_S = 10.0  # a case that takes longer is recorded as a hang
# The pytest run (a ``long`` sweep) takes every STRIDE-th case (all callables, a third of the
# variants); with FERROGRAD_FULL_SWEEPS=1, and in scripts/hostile.sh, every case.
STRIDE = 3


def _run_shard(cases: list[dict], records: dict, tmpdir: str, shard: int | str, retry: bool = True) -> None:
    """Runs ``cases`` through worker processes, restarting after a crash; fills ``records``. A
    case that killed or hung its worker runs once more alone, in a fresh worker (a busy machine
    can stall a worker past the timeout): only a second failure is a crash."""
    path = os.path.join(tmpdir, f"cases{shard}.jsonl")
    with open(path, "w") as fh:
        fh.writelines(json.dumps(c) + "\n" for c in cases)
    pos = 0
    while pos < len(cases):
        err_path = os.path.join(tmpdir, f"stderr{shard}.txt")
        with open(err_path, "w") as err:
            proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "hostile_worker.py"), path, str(pos)],
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        lines: list = []
        reader = threading.Thread(target=lines.extend, args=(proc.stdout,), daemon=True)
        reader.start()
        # Follow progress; a case that runs past CASE_TIMEOUT_S is a hang.
        seen, last_change = 0, time.monotonic()
        while reader.is_alive():
            reader.join(0.2)
            if len(lines) != seen:
                seen, last_change = len(lines), time.monotonic()
            elif time.monotonic() - last_change > CASE_TIMEOUT_S + (30 if seen == 0 else 0):
                proc.kill()
                break
        reader.join()
        rc = proc.wait()
        for line in lines:
            rec = json.loads(line)
            records[cases[rec["k"]]["id"]] = rec
            pos = rec["k"] + 1
        if pos < len(cases):
            with open(err_path) as fh:
                tail = fh.read()[-400:].strip().replace("\n", " | ")
            how = "hang (killed)" if rc == -9 else f"exit status {rc}"
            records[cases[pos]["id"]] = {"crash": f"worker died: {how}; stderr: {tail}"}
            if retry:
                _run_shard([cases[pos]], records, tmpdir, f"{shard}-retry", retry=False)
            pos += 1


def run_sweep(cases: list[dict] | None = None, jobs: int = JOBS) -> dict:
    """{case id: (verdict, reason)} for every case."""
    cases = hc.generate() if cases is None else cases
    records: dict = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        threads = [
            threading.Thread(target=_run_shard, args=(cases[i::jobs], records, tmpdir, i))
            for i in range(jobs)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return {c["id"]: hc.verdict(c, records[c["id"]]) for c in cases}


KNOWN_PATH = os.path.join(HERE, "hostile_known.txt")


def known_mismatches() -> set[str]:
    with open(KNOWN_PATH) as fh:
        return {line.strip() for line in fh if line.strip() and not line.startswith("#")}


def summarize(results: dict) -> tuple[dict, str]:
    counts = {k: sum(1 for v, _ in results.values() if v == k) for k in ("crash", "changed", "mismatch")}
    line = (
        f"hostile: {len(results)} calls, {counts['crash']} crashes, {counts['changed']} changed inputs, "
        f"{counts['mismatch']} mismatches"
    )
    return counts, line


def report(results: dict, kinds=("crash", "changed", "mismatch")) -> str:
    return "\n".join(f"{v.upper()} {cid}: {why}" for cid, (v, why) in sorted(results.items()) if v in kinds)


@pytest.mark.long
def test_hostile_inputs():
    cases = hc.generate()
    results = run_sweep(cases if FULL_SWEEPS else cases[::STRIDE])
    counts, line = summarize(results)
    print(line)
    assert counts["crash"] == 0 and counts["changed"] == 0, f"{line}\n{report(results, ('crash', 'changed'))}"
    known = known_mismatches()
    new = {cid: r for cid, r in results.items() if r[0] == "mismatch" and cid not in known}
    fixed = sorted(cid for cid, r in results.items() if cid in known and r[0] != "mismatch")
    assert not new, f"{len(new)} new mismatches with torch:\n{report(new)}"
    assert not fixed, f"now passing, remove from tests/hostile_known.txt: {fixed}"


if __name__ == "__main__":
    t0 = time.monotonic()
    res = run_sweep()
    if "-q" not in sys.argv:
        print(report(res))
    counts, summary_line = summarize(res)
    if "--update-known" in sys.argv:
        with open(KNOWN_PATH, "w") as fh:
            fh.write(
                "# Calls whose outcome differs from torch's (exception type, or raising at all), found by\n"
                "# tests/test_hostile_inputs.py and not fixed yet. Regenerate: scripts/hostile.sh --update-known\n"
            )
            fh.writelines(f"{cid}\n" for cid, (v, _) in sorted(res.items()) if v == "mismatch")
    print(f"{summary_line} ({time.monotonic() - t0:.0f} s)")
    sys.exit(1 if counts["crash"] or counts["changed"] else 0)
