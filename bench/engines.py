"""``python -m bench engines``: every coverage engine and its peers on the same files.

Sizes (each written once to a temporary GeoParquet folder, removed after):

- city: 1,722 villages x 10^6 points; province: 20,000 villages x 10^7 points. Engines: grid,
  geopandas, dask (2 local workers), DuckDB spatial, SedonaDB, PostGIS; each in its own process
  (:mod:`bench.engine_worker`), median of ``--repeats`` runs; load / build / join / whole process
  / peak memory; per-village counts compared with geopandas'; every ratio to geopandas.
- national (``--national``): 500,000 villages in about 2,800 counties x 10^8 points, the dask
  engine on a LocalCluster of 2 workers with a memory limit each (``--worker-memory``, 4 GB),
  then the grid engine in one process with the same time limit, to see its memory need.

Every child runs under a time limit (``--time-limit``); one that exceeds it is stopped and
reported, never waited for. The launcher imports little, so children do not inherit its memory.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["run_engines", "run_national", "ENGINE_ORDER"]

ENGINE_ORDER = ("grid", "geopandas", "dask", "duckdb", "sedonadb", "postgis")
LABELS = {"grid": "grid (VillageIndex)", "geopandas": "geopandas sjoin", "dask": "dask, 2 workers",
          "duckdb": "DuckDB spatial 1.4.4", "sedonadb": "SedonaDB", "postgis": "PostGIS"}
CITY_BOX = (109.65, 20.20, 110.97, 21.95)
PROVINCE_BOX = (109.60, 20.20, 117.30, 25.50)


def _vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_worker(module: str, args: list[str], report: str, time_limit: float) -> dict:
    """``python -m MODULE ARGS REPORT``: its JSON report plus ``wall_s`` and ``peak_mb``
    (ru_maxrss from wait4), or ``{"error": ...}`` / ``{"timed_out": True, ...}``."""
    with tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", module, *args[:2], report, *args[2:]],
                                stdout=subprocess.DEVNULL, stderr=err)
        deadline, seen = time.monotonic() + time_limit, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            seen = max(seen, _vm_hwm(proc.pid))
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"timed_out": True, "wall_s": time.perf_counter() - t, "peak_mb": seen}
            time.sleep(0.1)
        wall = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            return {"error": f"exit {code}: {err.read()[-1500:]}", "wall_s": wall,
                    "peak_mb": usage.ru_maxrss / 1024}
    out = json.loads(Path(report).read_text(encoding="utf-8"))
    out["wall_s"], out["peak_mb"] = wall, usage.ru_maxrss / 1024
    return out


def _write(folder: Path, kind: str, n_villages: int, n_points: int, time_limit: float) -> dict:
    spec = json.dumps({"kind": kind, "villages": n_villages, "points": n_points})
    out = run_worker("bench.engines", ["write", str(folder), spec], str(folder.parent / f"{folder.name}.json"),
                     time_limit)
    if "error" in out or out.get("timed_out"):
        raise RuntimeError(f"could not write the {kind} data: {out}")
    return out


def _median(runs: list[dict], key: str) -> float:
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else float("nan")


def run_engines(n_villages: int, n_points: int, box_kind: str, repeats: int, engines, say,
                time_limit: float) -> dict:
    root = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    folder = root / "data"
    try:
        info = _write(folder, box_kind, n_villages, n_points, max(time_limit, 1200))
        say(f"{info['villages']:,} villages ({info['vertices']:.0f} vertices on average, "
            f"{info['counties']} counties) x {n_points:,} points; data {info['bytes'] / 2**20:.0f} MB "
            f"GeoParquet; median of {repeats}; every engine in its own process")
        rows = {}
        # Repeats interleaved (every engine once, then again): the machine's load drifts, and
        # interleaving spreads it over the engines instead of loading one engine's repeats.
        all_runs: dict[str, list] = {engine: [] for engine in engines}
        failed: set[str] = set()
        for _ in range(repeats):
            for engine in engines:
                if engine in failed:
                    continue
                r = run_worker("bench.engine_worker", [engine, str(folder)], str(root / "r.json"),
                               time_limit)
                if "error" in r or r.get("timed_out"):
                    say(f"  {engine}: {'timed out' if r.get('timed_out') else r['error']}")
                    failed.add(engine)
                    continue
                all_runs[engine].append(r)
        for engine in engines:
            runs = all_runs[engine]
            if runs:
                med = {k: _median(runs, k) for k in ("load_s", "build_s", "join_s", "wall_s",
                                                       "peak_mb", "vm_hwm_mb", "cluster_s")}
                med.update({k: v for k, v in runs[-1].items() if k not in med})
                med["runs"] = len(runs)
                med["join_runs_s"] = [r["join_s"] for r in runs]
                rows[engine] = med
                say(f"  {engine}: join {med['join_s']:.2f} s, process {med['wall_s']:.1f} s, "
                    f"peak {med['peak_mb']:.0f} MB ({len(runs)} runs; joins "
                    + ", ".join(f"{r['join_s']:.2f}" for r in runs) + " s)")
        _table(rows, say)
        return {"villages": info["villages"], "points": n_points, "vertices": info["vertices"],
                "engines": {k: {kk: vv for kk, vv in v.items() if kk != "counts"}
                            for k, v in rows.items()}}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _fmt(x: float, unit: str) -> str:
    return "—" if x != x else (f"{x:8.2f} s" if unit == "s" else f"{x:7.0f} MB")


def _table(rows: dict, say) -> None:
    for engine, r in rows.items():
        cluster = r.get("cluster_s") if engine == "dask" else 0.0
        r["process_s"] = r["wall_s"] - (cluster if cluster == cluster and cluster else 0.0)
        peak = r["peak_mb"]
        if engine == "dask" and r.get("worker_peak_mb"):
            peak += sum(r["worker_peak_mb"])  # the client and every worker
        server = r.get("server_backend_peak_mb")
        if engine == "postgis" and server is not None and server == server:
            peak += server  # the client and the server backend that ran the query
        r["total_peak_mb"] = peak
    ref = rows.get("geopandas")
    say(f"{'engine':<22}{'load':>11}{'build':>11}{'join':>11}{'process':>11}{'peak':>10}"
        f"{'join/gpd':>10}{'proc/gpd':>10}{'mem/gpd':>9}  counts vs geopandas")
    for engine, r in rows.items():
        wall, peak = r["process_s"], r["total_peak_mb"]
        if ref is not None:
            differ = sum(a != b for a, b in zip(r["counts"], ref["counts"], strict=True))
            same = f"{differ} villages differ, outside {r['outside']:,} vs {ref['outside']:,}"
            r["villages_differing"] = differ
            r["ratio_join"], r["ratio_process"] = r["join_s"] / ref["join_s"], wall / ref["process_s"]
            r["ratio_peak"] = peak / ref["total_peak_mb"]
            ratios = f"{r['ratio_join']:10.3f}{r['ratio_process']:10.3f}{r['ratio_peak']:9.2f}"
        else:
            same, ratios = "", ""
        say(f"{LABELS[engine]:<22}{_fmt(r['load_s'], 's'):>11}{_fmt(r['build_s'], 's'):>11}"
            f"{_fmt(r['join_s'], 's'):>11}{_fmt(wall, 's'):>11}{_fmt(peak, 'mb'):>10}{ratios}  {same}")
    if "dask" in rows:
        d = rows["dask"]
        say(f"  dask: cluster start {d.get('cluster_s', 0):.1f} s (not in 'process'), "
            f"{d.get('files')} files, pass 2 for {d.get('pending'):,} points, worker peaks "
            + ", ".join(f"{m:.0f} MB" for m in d.get("worker_peak_mb", [])))
    if "grid" in rows:  # the targets are ratios to the peers, with or without geopandas
        g = rows["grid"]
        peers = {k: rows[k] for k in ("duckdb", "sedonadb", "postgis") if k in rows}
        if peers:
            fastest = min(peers, key=lambda k: peers[k]["join_s"])
            lowest = min(peers, key=lambda k: peers[k]["total_peak_mb"])
            say(f"  grid join / fastest peer ({fastest}) join: "
                f"{g['join_s'] / peers[fastest]['join_s']:.3f} (target <= 0.1); grid peak / lowest "
                f"peer peak ({lowest}): {g['total_peak_mb'] / peers[lowest]['total_peak_mb']:.2f} "
                f"(target <= 1)")
        if "dask" in rows:
            say(f"  dask process / grid process: {rows['dask']['process_s'] / g['process_s']:.2f} "
                f"(target <= 4)")


def run_national(say, *, workers: int, worker_memory: str, time_limit: float,
                 n_villages: int = 500_000, n_counties: int = 2_800, n_points: int = 100_000_000,
                 scheduler: str | None = None, data: str | None = None, grid: bool = True) -> dict:
    """The national run. ``data``: a folder to use and keep (generated into it first when it
    holds no data yet); else one is generated in a temporary folder and removed after."""
    root = Path(tempfile.mkdtemp(prefix="bench-national-"))
    folder = Path(data) if data else root / "data"
    try:
        if not (folder / "manifest.json").exists():
            t = time.perf_counter()
            spec = json.dumps({"kind": "national", "villages": n_villages, "points": n_points,
                               "counties": n_counties})
            info = run_worker("bench.engines", ["write", str(folder), spec], str(root / "w.json"),
                              max(time_limit, 1800))
            if "error" in info or info.get("timed_out"):
                raise RuntimeError(f"could not write the national data: {info}")
            say(f"national data: {info['villages']:,} villages in {info['counties']:,} counties "
                f"({info['vertices']:.0f} vertices on average), {info['points']:,} points, "
                f"{info['bytes'] / 2**30:.2f} GB on disk, written in {time.perf_counter() - t:.0f} s")
        else:
            info = json.loads((folder / "manifest.json").read_text())
        say("load average before dask: " + " / ".join(f"{v:.1f}" for v in os.getloadavg()))
        opts = json.dumps({"workers": workers, "memory_limit": worker_memory,
                           "scheduler": scheduler})
        d = run_worker("bench.engine_worker", ["dask", str(folder), opts], str(root / "d.json"),
                       time_limit)
        out: dict = {"data": {k: v for k, v in info.items() if k != "counts"}}
        if d.get("timed_out") or "error" in d:
            say(f"dask: {'stopped at the time limit' if d.get('timed_out') else d['error']} "
                f"after {d['wall_s']:.0f} s")
            out["dask"] = {k: v for k, v in d.items() if k != "counts"}
        else:
            say(f"dask on {workers} workers ({worker_memory} limit each): join {d['join_s']:.1f} s "
                f"(pass 1 {d['pass1_s']:.1f} s over {d['files']:,} files, pass 2 "
                f"{d['pass2_s']:.1f} s for {d['pending']:,} points), cluster start "
                f"{d['cluster_s']:.1f} s, whole process {d['wall_s']:.1f} s; worker peaks "
                + ", ".join(f"{m:.0f} MB" for m in d["worker_peak_mb"])
                + " (limits " + ", ".join(f"{m:.0f} MB" for m in d["worker_limit_mb"]) + "); "
                + "worker CPU " + ", ".join(f"{c:.0f} s" for c in d.get("worker_cpu_s", []))
                + f" ({d.get('tasks')} pass-1 tasks, {d.get('pass2_tasks')} pass-2 tasks); "
                f"client {d['peak_mb']:.0f} MB; outside every village {d['outside']:,}; "
                f"points counted {sum(d['counts']) + d['outside']:,}")
            out["dask"] = {k: v for k, v in d.items() if k != "counts"}
        say("load average after dask: " + " / ".join(f"{v:.1f}" for v in os.getloadavg()))
        if grid:
            g = run_worker("bench.engine_worker", ["grid", str(folder)], str(root / "g.json"),
                           time_limit)
            if g.get("timed_out") or "error" in g:
                say(f"grid, one process: {'stopped at the time limit' if g.get('timed_out') else g['error'][-300:]} "
                    f"after {g['wall_s']:.0f} s, peak memory so far {g['peak_mb']:.0f} MB")
            else:
                same = (g["counts"] == d.get("counts")) if "counts" in d else None
                say(f"grid, one process: load {g['load_s']:.1f} s, build {g['build_s']:.1f} s, "
                    f"join {g['join_s']:.1f} s, whole process {g['wall_s']:.1f} s, peak memory "
                    f"{g['peak_mb']:.0f} MB (grid {g['grid_mb']:.0f} MB); counts equal to dask's: {same}")
            out["grid"] = {k: v for k, v in g.items() if k != "counts"}
            say("load average after grid: " + " / ".join(f"{v:.1f}" for v in os.getloadavg()))
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _write_main(folder: str, report: str, spec: str) -> int:
    from bench import engine_data

    s = json.loads(spec)
    if s["kind"] == "national":
        out = engine_data.write_national(folder, s["villages"], s["counties"], s["points"],
                                         say=lambda m: print(m, file=sys.stderr, flush=True))
    else:
        box = CITY_BOX if s["kind"] == "city" else PROVINCE_BOX
        out = engine_data.write_city_or_province(folder, s["villages"], s["points"], box,
                                                 seed=11 if s["kind"] == "city" else 31)
    Path(report).write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    _cmd, _folder, _report, _spec = sys.argv[1:5]
    sys.exit(_write_main(_folder, _report, _spec))
