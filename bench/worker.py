"""One engine's province-scale join in its own process (so its peak memory can be read).

    python -m bench.worker write DIR VILLAGES POINTS REPORT   # the data, once
    python -m bench.worker ours DIR REPORT      # greening VillageIndex with the raster grid
    python -m bench.worker duckdb DIR REPORT    # DuckDB spatial (PyPI extension, loaded from file)

``DIR`` holds what :mod:`bench.province` wrote: ``villages.npy`` (WKB, in code order),
``villages.parquet`` (vid, wkb), ``lon.f64`` / ``lat.f64`` (raw float64) and ``points.parquet``.
Both engines count points per village (and points in no village) from the same files and write
a JSON report (load, build and join seconds, the counts) to the file REPORT.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

_CHUNK = 1 << 20


def _ours(d: Path) -> dict:
    import shapely

    from greening.coverage.index import VillageIndex

    t0 = time.perf_counter()
    geoms = shapely.from_wkb(np.load(d / "villages.npy", allow_pickle=True))
    codes = np.array([f"{i:012d}" for i in range(len(geoms))], dtype=object)
    t1 = time.perf_counter()
    index = VillageIndex(codes, geoms)
    grid = index.ensure_grid()
    t2 = time.perf_counter()
    n = (d / "lon.f64").stat().st_size // 8

    def chunks():
        # Points are read in chunks into reused buffers: memory stays flat whatever the size.
        buf_x, buf_y = np.empty(_CHUNK), np.empty(_CHUNK)
        with open(d / "lon.f64", "rb") as fx, open(d / "lat.f64", "rb") as fy:
            for lo in range(0, n, _CHUNK):
                k = min(_CHUNK, n - lo)
                fx.readinto(memoryview(buf_x)[:k])
                fy.readinto(memoryview(buf_y)[:k])
                yield buf_x[:k], buf_y[:k]

    counts, outside = index.count_points(chunks())
    t3 = time.perf_counter()
    return {"engine": "ours", "load_s": t1 - t0, "build_s": t2 - t1, "join_s": t3 - t2,
            "grid_cells": int(grid.cells.size), "grid_mb": grid.nbytes / 2**20,
            "border_share": grid.border_share, "points": int(n),
            "counts": counts.tolist(), "outside": outside}


def _duckdb(d: Path) -> dict:
    import duckdb

    ext = _extension()
    t0 = time.perf_counter()
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{ext}'")
    con.execute("CREATE TABLE v AS SELECT vid, ST_GeomFromWKB(wkb) AS geom "
                f"FROM read_parquet('{d / 'villages.parquet'}')")
    t1 = time.perf_counter()
    rows = con.execute(
        "SELECT v.vid, count(*) FROM read_parquet(?) p JOIN v "
        "ON ST_Contains(v.geom, ST_Point(p.lon, p.lat)) GROUP BY v.vid",
        [str(d / "points.parquet")]).fetchall()
    t2 = time.perf_counter()
    n = con.execute("SELECT count(*) FROM read_parquet(?)", [str(d / "points.parquet")]).fetchone()[0]
    nv = con.execute("SELECT count(*) FROM v").fetchone()[0]
    counts = np.zeros(nv, dtype=np.int64)
    for vid, c in rows:
        counts[vid] = c
    return {"engine": "duckdb", "load_s": t1 - t0, "build_s": 0.0, "join_s": t2 - t1,
            "points": int(n), "counts": counts.tolist(), "outside": int(n - counts.sum()),
            "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
            "plan_has_spatial_join": "SPATIAL_JOIN" in str(con.execute(
                "EXPLAIN SELECT v.vid, count(*) FROM read_parquet(?) p JOIN v "
                "ON ST_Contains(v.geom, ST_Point(p.lon, p.lat)) GROUP BY v.vid",
                [str(d / "points.parquet")]).fetchall())}


def _extension() -> str:
    import duckdb

    root = Path(duckdb.__file__).resolve().parent.parent / "duckdb_ext" / "extensions"
    found = sorted(root.glob(f"v{duckdb.__version__}/*/spatial.duckdb_extension"))
    if not found:
        raise FileNotFoundError(f"spatial.duckdb_extension not found under {root}: "
                                f"pip install duckdb-ext-spatial matching duckdb {duckdb.__version__}")
    return str(found[0])


def _peak_mb() -> float:
    """VmHWM: this process image's own peak resident memory (ru_maxrss also counts what the
    launching process had resident when it forked)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _write(d: Path, n_villages: str, n_points: str) -> dict:
    from bench.province import write_data

    return write_data(d, int(n_villages), int(n_points))


def main(argv: list[str]) -> int:
    engine, folder, *rest, out = argv
    report = {"ours": _ours, "duckdb": _duckdb, "write": _write}[engine](Path(folder), *rest)
    report["vm_hwm_mb"] = _peak_mb()
    Path(out).write_text(json.dumps(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
