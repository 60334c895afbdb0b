"""The coverage benchmark runs (quick mode): it prints its ratios and exits 0. No timing asserts."""
from __future__ import annotations

import subprocess
import sys

from greening.config import REPO_ROOT


def test_quick_benchmark_prints_ratios_and_exits_0():
    proc = subprocess.run([sys.executable, "-m", "bench", "coverage", "--quick"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "cold/bare" in out and "warm/bare" in out
    assert "target (a)" in out
    ratio_lines = [ln for ln in out.splitlines() if ln.strip()[:1].isdigit()]
    assert len(ratio_lines) >= 2
    assert "µs per point" in out


def test_benchmark_refuses_unknown_options():
    proc = subprocess.run([sys.executable, "-m", "bench", "coverage", "--nope"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
