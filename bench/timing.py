"""Timing helpers: medians of repeats, and a child process's time and peak memory."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

__all__ = ["median_time", "run_child", "fmt_s", "fmt_mb", "machine"]


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """(median seconds over ``repeats`` calls, the last result)."""
    times, result = [], None
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def run_child(args: list[str], report: str, timeout: float = 3600, module: str = "bench.worker") -> dict:
    """Run ``python -m MODULE ARGS`` (default ``bench.worker``) and return the JSON it writes to ``report``, plus
    ``peak_mb`` (the child's ru_maxrss, read with wait4) and ``wall_s`` (the whole process,
    start-up and imports included). Output goes to files: a full pipe cannot block the child."""
    import tempfile

    with tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", module, *args, report],
                                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"worker {args} took more than {timeout} s")
            time.sleep(0.05)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"worker {args} failed ({proc.returncode}): {err.read()[-2000:]}")
    with open(report, encoding="utf-8") as fh:
        out = json.load(fh)
    out["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    out["wall_s"] = wall
    return out


def fmt_s(x: float) -> str:
    return f"{x:8.3f} s"


def fmt_mb(x: float) -> str:
    return f"{x:7.0f} MB"


def machine() -> str:
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.1f} at start")
