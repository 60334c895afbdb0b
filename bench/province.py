"""(b) Province scale: 20,000 villages × 10^7 points, our join vs DuckDB spatial.

The data are written once to a temporary folder; each engine then runs in its own process
(:mod:`bench.worker`) reading the same files, and its time and peak memory are recorded: ru_maxrss
of that process (from wait4) and, as a cross-check, its VmHWM. Both count points per village; the
counts are compared. Linux carries the launcher's resident size at fork over into the child's
ru_maxrss, so the launcher is kept small: this module imports only the standard library at the
top, and ``python -m bench.province`` runs it in a fresh process.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.timing import fmt_mb, fmt_s, run_child

__all__ = ["write_data", "run_province"]


def write_data(folder: Path, n_villages: int, n_points: int) -> dict:
    """Villages and points of a Guangdong-sized area, in the files the workers read."""
    import duckdb
    import numpy as np
    import pandas as pd
    import shapely

    from bench.synth import GUANGDONG_BOX, make_points, make_villages

    villages = make_villages(n_villages, GUANGDONG_BOX, seed=11)
    wkb = shapely.to_wkb(villages.geometry.to_numpy())
    np.save(folder / "villages.npy", wkb, allow_pickle=True)
    lon, lat = make_points(n_points, GUANGDONG_BOX, seed=12)
    lon.tofile(folder / "lon.f64")
    lat.tofile(folder / "lat.f64")
    con = duckdb.connect()
    vdf = pd.DataFrame({"vid": np.arange(len(wkb)), "wkb": list(wkb)})
    con.register("vdf", vdf)
    con.execute(f"COPY vdf TO '{folder / 'villages.parquet'}' (FORMAT parquet)")
    pdf = pd.DataFrame({"lon": lon, "lat": lat})
    con.register("pdf", pdf)
    con.execute(f"COPY pdf TO '{folder / 'points.parquet'}' (FORMAT parquet)")
    con.close()
    return {"villages": len(villages),
            "vertices": float(shapely.get_num_coordinates(villages.geometry.to_numpy()).mean())}


def run_province(n_villages: int, n_points: int, repeats: int, say=print) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="bench-province-"))
    try:
        info = run_child(["write", str(folder), str(n_villages), str(n_points)],
                         str(folder / "write.json"))
        say(f"(b) province scale: {info['villages']:,} villages ({info['vertices']:.0f} vertices "
            f"on average) x {n_points:,} points, each engine in its own process, median of "
            f"{repeats}")
        results = {}
        for engine in ("ours", "duckdb"):
            runs = []
            for _ in range(repeats):
                try:
                    runs.append(run_child([engine, str(folder)], str(folder / f"{engine}.json")))
                except Exception as exc:  # noqa: BLE001 - a peer that cannot run is reported
                    say(f"  {engine}: could not run ({type(exc).__name__}: {exc})")
                    break
            if runs:
                results[engine] = runs
        rows = []
        say(f"{'engine':<30} {'load':>10} {'build':>10} {'join':>10} {'process':>10} "
            f"{'ru_maxrss':>10} {'VmHWM':>10}")
        for engine, runs in results.items():
            med = {k: statistics.median(r[k] for r in runs)
                   for k in ("load_s", "build_s", "join_s", "wall_s", "peak_mb", "vm_hwm_mb")}
            med["engine"] = engine
            med["counts"] = runs[-1]["counts"]
            med["outside"] = runs[-1]["outside"]
            extra = {k: runs[-1][k] for k in ("grid_mb", "border_share", "threads",
                                              "plan_has_spatial_join") if k in runs[-1]}
            med.update(extra)
            rows.append(med)
            label = "greening (grid + exact)" if engine == "ours" else "DuckDB spatial 1.4.4"
            say(f"{label:<30} {fmt_s(med['load_s']):>10} {fmt_s(med['build_s']):>10} "
                f"{fmt_s(med['join_s']):>10} {fmt_s(med['wall_s']):>10} {fmt_mb(med['peak_mb']):>10} "
                f"{fmt_mb(med['vm_hwm_mb']):>10}")
        if len(rows) == 2:
            ours, duck = rows
            differ = sum(a != b for a, b in zip(ours["counts"], duck["counts"], strict=False))
            say(f"ratios ours/DuckDB: join {ours['join_s'] / duck['join_s']:.3f}, build+join "
                f"{(ours['build_s'] + ours['join_s']) / duck['join_s']:.3f}, whole process "
                f"{ours['wall_s'] / duck['wall_s']:.3f}, peak memory "
                f"{ours['peak_mb'] / duck['peak_mb']:.2f}; villages whose counts differ: {differ}; "
                f"outside every village: ours {ours['outside']:,}, DuckDB {duck['outside']:,}")
            if "grid_mb" in ours:
                say(f"our grid: {ours['grid_mb']:.0f} MB, {100 * ours['border_share']:.1f} % "
                    f"border cells; DuckDB threads: {duck.get('threads')}, spatial join operator: "
                    f"{duck.get('plan_has_spatial_join')}")
        for r in rows:
            r.pop("counts", None)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_isolated(n_villages: int, n_points: int, repeats: int, say=print) -> list[dict]:
    """:func:`run_province` in a fresh, small process (see the module docstring)."""
    import json

    with tempfile.NamedTemporaryFile("w+", suffix=".json") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bench.province", str(n_villages),
                                 str(n_points), str(repeats), out.name],
                                stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            say(line.rstrip("\n"))
        if proc.wait() != 0:
            raise RuntimeError(f"province benchmark failed ({proc.returncode})")
        out.seek(0)
        return json.load(out)


if __name__ == "__main__":
    import json

    nv, npts, reps, target = sys.argv[1:5]
    rows = run_province(int(nv), int(npts), int(reps),
                        say=lambda s: print(s, flush=True))
    Path(target).write_text(json.dumps(rows), encoding="utf-8")
