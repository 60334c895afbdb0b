"""One engine of ``python -m bench engines`` in its own process, reading the shared folder.

    python -m bench.engine_worker ENGINE DIR REPORT [OPTIONS_JSON]

ENGINE: grid, geopandas, dask, duckdb, sedonadb, postgis. Every engine counts points per village
(and points in no village) from the same GeoParquet folder (:mod:`bench.engine_data`) and
writes a JSON report: load, build and join seconds, the counts in village-code order, and its
own peak memory (VmHWM; for dask also each worker's; for PostGIS also the server backend's).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.worker import _extension, _peak_mb


def _villages(d: Path):
    """(codes in ascending order, WKB) of every village in the folder."""
    import pyarrow.parquet as pq

    t = pq.read_table(d / "villages", columns=["code", "geometry"])
    codes = np.array(t.column("code").to_pylist(), dtype=object)
    wkb = t.column("geometry").to_numpy(zero_copy_only=False)
    order = np.argsort(codes.astype(str), kind="stable")
    return codes[order], wkb[order]


def _codes(d: Path) -> np.ndarray:
    """Every village code of the folder, ascending (the code column only: no polygons)."""
    import pyarrow.parquet as pq

    t = pq.read_table(d / "villages", columns=["code"])
    return np.sort(np.array(t.column("code").to_pylist(), dtype=object).astype(str)).astype(object)


def _points(d: Path):
    from greening.coverage.engines.dataset import plantings_files, read_points

    xs, ys = [], []
    for f in plantings_files(d):
        _, x, y = read_points(f)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def _village_polygons(d: Path):
    """(codes, polygons) of every village, read county file by county file: the whole table's
    WKB is never held at once (reading it in one go raised the grid process's peak by about
    120 MB, kept by the allocators after it was freed)."""
    from greening.coverage.engines.dataset import read_county_villages

    codes, geoms = [], []
    for folder in sorted((d / "villages").glob("county=*")):
        c, g = read_county_villages(d, folder.name.split("=", 1)[1])
        codes.extend(c)
        geoms.extend(g)
    return np.array(codes, dtype=object), np.array(geoms, dtype=object)


def _grid(d: Path, opts: dict) -> dict:
    from greening.coverage.engines.dataset import plantings_files, read_points_ahead
    from greening.coverage.index import VillageIndex

    t0 = time.perf_counter()
    codes, geoms = _village_polygons(d)
    t1 = time.perf_counter()
    index = VillageIndex(codes, geoms)
    grid = index.ensure_grid()
    t2 = time.perf_counter()
    files = plantings_files(d)
    # file by file, the next four read on two background threads while one is looked up: only
    # a few files' coordinates are in memory at a time
    counts, outside = index.count_points(p[1:] for p in read_points_ahead(files))
    t3 = time.perf_counter()
    return {"load_s": t1 - t0, "build_s": t2 - t1, "join_s": t3 - t2, "counts": counts.tolist(),
            "outside": outside, "grid_mb": grid.nbytes / 2**20, "border_share": grid.border_share,
            "exact_share": grid.exact_share,
            "note": "points read file by file (four ahead, two reading threads) during the join"}


def _geopandas(d: Path, opts: dict) -> dict:
    import geopandas as gpd
    import shapely

    from greening.coverage.engines.sjoin import sjoin_positions

    t0 = time.perf_counter()
    codes, wkb = _villages(d)
    x, y = _points(d)
    t1 = time.perf_counter()
    villages = gpd.GeoDataFrame({"code": codes}, geometry=shapely.from_wkb(wkb), crs=4326)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    del x, y
    t2 = time.perf_counter()
    pos = sjoin_positions(villages, points)
    n = len(codes)
    counts = np.bincount(np.where(pos >= 0, pos, n), minlength=n + 1)
    t3 = time.perf_counter()
    return {"load_s": t1 - t0, "build_s": t2 - t1, "join_s": t3 - t2,
            "counts": counts[:n].tolist(), "outside": int(counts[n])}


def _dask(d: Path, opts: dict) -> dict:
    from distributed import Client

    from greening.coverage.engines.cluster import count_dataset, local_cluster

    codes = _codes(d)  # the client never holds the polygons
    t0 = time.perf_counter()
    address = opts.get("scheduler")
    if address:
        client = Client(address)
        cluster = None
    else:
        cluster = local_cluster(opts.get("workers", 2), opts.get("memory_limit", "auto"))
        client = Client(cluster)
    client.run(_warm)  # imports on every worker, not timed
    cpu0 = client.run(_cpu_s)
    t1 = time.perf_counter()
    try:
        counts, outside, figures = count_dataset(d)  # the active client
        t2 = time.perf_counter()
        cpu1 = client.run(_cpu_s)
        worker_peaks = client.run(_peak_mb)
        limits = {w: info.get("memory_limit") for w, info in
                  client.scheduler_info()["workers"].items()}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {"cluster_s": t1 - t0, "load_s": 0.0, "build_s": 0.0, "join_s": t2 - t1,
            "counts": counts.reindex(codes, fill_value=0).astype(int).tolist(),
            "outside": int(outside), "pending": figures["pending"], "files": figures["files"],
            "pass1_s": figures["pass1_s"], "pass2_s": figures["pass2_s"],
            "worker_peak_mb": sorted(worker_peaks.values()),
            "worker_cpu_s": sorted(cpu1[w] - cpu0.get(w, 0.0) for w in cpu1),
            "tasks": figures.get("tasks"), "pass2_tasks": figures.get("pass2_tasks"),
            "worker_limit_mb": sorted((v or 0) / 2**20 for v in limits.values()),
            "note": "load and build happen on the workers inside the join"}


def _cpu_s() -> float:
    """CPU seconds (user + system) this worker process has used so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _warm() -> None:
    import greening.coverage.engines.cluster  # noqa: F401
    import greening.coverage.engines.dataset  # noqa: F401


def _counts_by_code(codes, rows) -> list[int]:
    at = {c: i for i, c in enumerate(codes)}
    out = np.zeros(len(codes), dtype=np.int64)
    for code, n in rows:
        out[at[code]] = n
    return out.tolist()


def _duckdb(d: Path, opts: dict) -> dict:
    import duckdb

    codes, _ = _villages(d)
    t0 = time.perf_counter()
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{_extension()}'")
    con.execute("CREATE TABLE v AS SELECT code, geometry AS geom FROM "  # GeoParquet: GEOMETRY
                f"read_parquet('{d}/villages/*/*.parquet')")
    con.execute("CREATE TABLE p AS SELECT geometry.x AS x, geometry.y AS y FROM "
                f"read_parquet('{d}/plantings/*/*.parquet')")
    t1 = time.perf_counter()
    sql = ("SELECT v.code, count(*) FROM p JOIN v ON ST_Contains(v.geom, ST_Point(p.x, p.y)) "
           "GROUP BY v.code")
    rows = con.execute(sql).fetchall()
    t2 = time.perf_counter()
    n = con.execute("SELECT count(*) FROM p").fetchone()[0]
    counts = _counts_by_code(codes, rows)
    return {"load_s": t1 - t0, "build_s": 0.0, "join_s": t2 - t1, "counts": counts,
            "outside": int(n - sum(counts)),
            "spatial_join_operator": "SPATIAL_JOIN" in str(con.execute("EXPLAIN " + sql).fetchall())}


def _sedonadb(d: Path, opts: dict) -> dict:
    import warnings

    import pyarrow as pa
    import pyarrow.parquet as pq

    warnings.filterwarnings("ignore")
    import sedonadb

    codes, wkb = _villages(d)
    t0 = time.perf_counter()
    sd = sedonadb.connect()
    sd.create_data_frame(pa.table({"code": pa.array(codes.tolist()), "wkb": pa.array(list(wkb))})) \
        .to_view("v_raw")
    del wkb
    tables = []
    for f in sorted((d / "plantings").glob("county=*/*.parquet")):
        g = pq.read_table(f, columns=["geometry"]).column("geometry").combine_chunks()
        tables.append(pa.table({"x": g.field("x"), "y": g.field("y")}))
    sd.create_data_frame(pa.concat_tables(tables)).to_view("p")
    del tables
    sd.sql("SELECT code, ST_GeomFromWKB(wkb) AS geom FROM v_raw").to_view("v")
    t1 = time.perf_counter()
    rows = sd.sql("SELECT v.code AS code, count(*) AS n FROM p JOIN v "
                  "ON ST_Contains(v.geom, ST_Point(p.x, p.y)) GROUP BY v.code").to_pandas()
    t2 = time.perf_counter()
    n = int(sd.sql("SELECT count(*) AS n FROM p").to_pandas()["n"].iloc[0])
    counts = _counts_by_code(codes, zip(rows["code"], rows["n"], strict=True))
    return {"load_s": t1 - t0, "build_s": 0.0, "join_s": t2 - t1, "counts": counts,
            "outside": n - sum(counts)}


def _postgis(d: Path, opts: dict) -> dict:
    import io

    import psycopg

    from greening.devtools.postgis_cluster import start_cluster

    codes, wkb = _villages(d)
    cluster = start_cluster("bench_engines")
    try:
        url = cluster.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            t0 = time.perf_counter()
            conn.execute("CREATE TABLE v (code text PRIMARY KEY, geom geometry(Geometry, 4326))")
            conn.execute("CREATE UNLOGGED TABLE p (x float8, y float8)")
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO v VALUES (%s, ST_GeomFromWKB(%s, 4326))",
                                [(str(c), bytes(b)) for c, b in zip(codes, wkb, strict=True)])
                from greening.coverage.engines.dataset import plantings_files, read_points

                with cur.copy("COPY p (x, y) FROM STDIN WITH (FORMAT csv)") as cp:
                    for f in plantings_files(d):
                        _, x, y = read_points(f)
                        buf = io.StringIO()
                        np.savetxt(buf, np.column_stack([x, y]), fmt="%.17g", delimiter=",")
                        cp.write(buf.getvalue())
            conn.execute("ALTER TABLE p ADD COLUMN geom geometry(Point, 4326)")
            conn.execute("UPDATE p SET geom = ST_SetSRID(ST_MakePoint(x, y), 4326)")
            t1 = time.perf_counter()
            conn.execute("CREATE INDEX ON p USING gist (geom)")
            conn.execute("CREATE INDEX ON v USING gist (geom)")
            conn.execute("ANALYZE p")
            conn.execute("ANALYZE v")
            t2 = time.perf_counter()
            # villages outer (LATERAL): the prepared-polygon cache hits, GiST on the points
            sql = ("SELECT v.code, c.n FROM v CROSS JOIN LATERAL "
                   "(SELECT count(*) AS n FROM p WHERE ST_Contains(v.geom, p.geom)) c WHERE c.n > 0")
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            rows = conn.execute(sql).fetchall()
            t3 = time.perf_counter()
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql).fetchall())
            n = conn.execute("SELECT count(*) FROM p").fetchone()[0]
            server_mb = _pid_peak_mb(backend)
        counts = _counts_by_code(codes, rows)
        return {"load_s": t1 - t0, "build_s": t2 - t1, "join_s": t3 - t2, "counts": counts,
                "outside": int(n - sum(counts)), "uses_gist": "Index" in plan,
                "server_backend_peak_mb": server_mb}
    finally:
        cluster.stop()


def _pid_peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


ENGINES = {"grid": _grid, "geopandas": _geopandas, "dask": _dask, "duckdb": _duckdb,
           "sedonadb": _sedonadb, "postgis": _postgis}


def main(argv: list[str]) -> int:
    engine, folder, report, *rest = argv
    opts = json.loads(rest[0]) if rest else {}
    out = ENGINES[engine](Path(folder), opts)
    out["engine"] = engine
    out["vm_hwm_mb"] = _peak_mb()
    Path(report).write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
