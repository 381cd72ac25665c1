"""The type stub python/ferrograd/_core.pyi matches the compiled module: mypy's stubtest compares
every class, method, property and function signature in the stub with what the extension exports."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("mypy")

ALLOWLIST = os.path.join(os.path.dirname(__file__), "stubtest_allowlist.txt")


def test_core_stub_matches_runtime():
    cmd = [sys.executable, "-m", "mypy.stubtest", "ferrograd._core"]
    if os.path.exists(ALLOWLIST):
        cmd += ["--allowlist", ALLOWLIST]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        pytest.fail(
            f"stubtest found errors in ferrograd/_core.pyi:\n{proc.stdout}{proc.stderr}", pytrace=False
        )
