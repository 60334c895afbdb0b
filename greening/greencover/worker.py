"""Raster work in a child process of its own.

Why. SQLite loads extensions with ``RTLD_GLOBAL``, so once a process has opened a SpatiaLite
database, the system's PROJ, GEOS and SQLite libraries that ``mod_spatialite`` pulls in come
first in symbol lookup for every library bound later, including the copies bundled with
rasterio's GDAL. GDAL then calls into the wrong versions and the process crashes (heap
corruption, segmentation faults), depending on what was called first. The app and the command
line always hold a database connection, so every rasterio call goes through :func:`call`: the
arguments are pickled to a temporary folder, ``python -m greening.greencover.worker`` runs the
operations in a clean interpreter, and the results (or the refusal) come back the same way.

Operations (functions of :mod:`greening.greencover.rasters`, ``zonal`` and ``demo``):
``inspect``, ``overlay``, ``cover``, ``analyse`` (the three for an import), ``write`` (a numpy
array to a GeoTIFF) and ``demo``.
"""
from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from greening.validation.errors import OperationRefused

__all__ = ["call", "call_many", "write_geotiff", "analyse", "WorkerError"]

_TIMEOUT = 3600
_POLL_SECONDS = 0.25


class WorkerError(OperationRefused, RuntimeError):
    """The child process failed without a refusal of its own (a crash, a timeout)."""


def write_geotiff(path, array, *, crs, transform, nodata=None, compress: str | None = "deflate",
                  tags: dict | None = None) -> str:
    """Write a one-band GeoTIFF (tiled) from ``array``; used for demo and test rasters."""
    import numpy as np
    import rasterio

    arr = np.asarray(array)
    profile = dict(driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                   dtype=arr.dtype.name, crs=crs, transform=transform, nodata=nodata)
    if arr.shape[0] >= 256 and arr.shape[1] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    if compress:
        profile["compress"] = compress
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr, 1)
        if tags:
            dst.update_tags(**tags)
    return str(path)


def analyse(path, kind, year, *, classes, nodata, settings, overlay, villages, progress=None):
    """Check ``path``, then draw its overlay and compute every village: (info, bounds, cover).
    ``progress(stage, fraction)`` hears how far it got (stages ``check``, ``overlay``, ``villages``)."""
    from greening.greencover import rasters, zonal

    say = progress or (lambda stage, fraction: None)
    say("check", 0.0)
    info = rasters.inspect_raster(path, kind, year, classes=classes, nodata=nodata, settings=settings)
    say("overlay", 0.0)
    bounds = rasters.make_overlay(path, info.spec, overlay)
    say("villages", 0.0)
    cover = (zonal.village_cover(path, villages, info.spec, progress=lambda f: say("villages", f))
             if len(villages) else None)
    say("villages", 1.0)
    return info, bounds, cover


def _progress_writer(path: Path):
    """A ``progress(stage, fraction)`` that appends each new call as a line to ``path`` (read by
    the parent, :class:`_ProgressReader`)."""
    last: list[str | None] = [None]

    def say(stage: str, fraction: float) -> None:
        text = f"{stage} {float(fraction):.3f}\n"
        if text == last[0]:
            return
        last[0] = text
        with open(path, "a", encoding="ascii") as fh:
            fh.write(text)

    return say


class _ProgressReader:
    """Hands the complete lines the child appended since the last look to ``progress``."""

    def __init__(self, path: Path, progress: Callable[[str, float], None] | None):
        self.path, self.progress, self.offset = path, progress, 0

    def __call__(self) -> None:
        if self.progress is None or not self.path.exists():
            return
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            chunk = fh.read()
        done = chunk.rfind(b"\n") + 1
        self.offset += done
        for line in chunk[:done].decode("ascii", "replace").splitlines():
            stage, _, fraction = line.partition(" ")
            try:
                self.progress(stage, float(fraction))
            except ValueError:
                continue


def _ops():
    from greening.greencover import demo, rasters, zonal

    return {"inspect": rasters.inspect_raster, "overlay": rasters.make_overlay,
            "cover": zonal.village_cover, "write": write_geotiff, "demo": demo.demo_landcover,
            "analyse": analyse}


def call_many(jobs: list[tuple[str, dict]], progress: Callable[[str, float], None] | None = None) -> list:
    """Run ``jobs`` ((operation, keyword arguments) pairs) in order in one child process and
    return their results; the first failure is raised here (a refusal as itself).
    ``progress(stage, fraction)``: called here, in this process, as an ``analyse`` job advances."""
    with tempfile.TemporaryDirectory(prefix="greening-raster-") as tmp:
        inp, out, prog = Path(tmp) / "in.pkl", Path(tmp) / "out.pkl", Path(tmp) / "progress.txt"
        inp.write_bytes(pickle.dumps(jobs))
        with tempfile.TemporaryFile() as err, subprocess.Popen(
                [sys.executable, "-m", "greening.greencover.worker", str(inp), str(out), str(prog)],
                stdout=subprocess.DEVNULL, stderr=err) as proc:
            deadline = time.monotonic() + _TIMEOUT
            report = _ProgressReader(prog, progress)
            try:
                while proc.poll() is None:
                    if time.monotonic() > deadline:
                        raise WorkerError.of("raster_worker_timeout", seconds=_TIMEOUT)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=_POLL_SECONDS)
                    report()
                report()
            except BaseException:  # a timeout, or the caller stopped (e.g. the page was left)
                proc.kill()
                raise
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        if not out.exists():
            raise WorkerError.of("raster_worker_failed", returncode=proc.returncode, stderr=stderr[-1500:])
        ok, payload = pickle.loads(out.read_bytes())
    if not ok:
        raise payload
    return payload


def call(op: str, *, progress: Callable[[str, float], None] | None = None, **kwargs):
    """One operation in a child process (see :func:`call_many`)."""
    return call_many([(op, kwargs)], progress=progress)[0]


def _main(inp: str, out: str, prog: str | None = None) -> int:
    jobs = pickle.loads(Path(inp).read_bytes())
    ops = _ops()
    results: list = []
    payload: tuple[bool, object]
    try:
        for op, kwargs in jobs:
            args = kwargs.pop("_args", ())
            if op == "analyse" and prog:
                kwargs["progress"] = _progress_writer(Path(prog))
            results.append(ops[op](*args, **kwargs))
        payload = (True, results)
    except ValueError as exc:  # refusals (RasterRefused is a ValueError) travel back as they are
        payload = (False, exc)
    Path(out).write_bytes(pickle.dumps(payload))
    return 0


if __name__ == "__main__":
    sys.exit(_main(*sys.argv[1:4]))
