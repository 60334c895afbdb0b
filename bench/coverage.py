"""Coverage benchmarks (a) full computation vs a bare STRtree join and (c) the join in databases.

(a) For 1,722 synthetic villages and 10^4..10^6 plantings: the full coverage computation (join +
metrics + 56 measures + roll-ups + lagging, ``compute_coverage(..., recompute=True)``), cold
(the village index built inside) and warm (the cached index of a running app), against the
practical lower bound in Python: ``shapely.STRtree`` over the points (Point objects built from
the arrays) queried with the village polygons, predicate ``contains``, no DataFrame work.

(c) The same join inside SpatiaLite (SpatialIndex virtual table, villages outer) and PostGIS
(GiST on both tables, villages outer with LATERAL), data load timed apart from the join.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import numpy as np
import shapely

from bench.synth import AS_OF, make_inputs, make_points, make_villages
from bench.timing import fmt_s, median_time

__all__ = ["bare_strtree_join", "run_full", "run_databases"]


def bare_strtree_join(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """The lower bound: village row per point (-1 outside) from a point STRtree."""
    tree = shapely.STRtree(shapely.points(lon, lat))
    poly, pt = tree.query(polygons, predicate="contains")
    out = np.full(len(lon), -1, dtype=np.int64)
    out[pt] = poly
    return out


def run_full(n_villages: int, sizes: list[int], repeats: int, say=print) -> list[dict]:
    from greening.config import get_settings
    from greening.coverage import compute_coverage
    from greening.coverage.index import GRID_MIN_POINTS, VillageIndex
    from greening.measures import load_catalogue

    villages = make_villages(n_villages)
    polygons = villages.geometry.to_numpy()
    catalogue, settings = load_catalogue(), get_settings()
    say(f"(a) full coverage computation, {len(villages)} villages "
        f"({int(shapely.get_num_coordinates(polygons).mean())} vertices on average), "
        f"{len(catalogue)} measures, median of {repeats}")
    say(f"{'points':>10} {'bare STRtree':>12} {'full, cold':>12} {'full, warm':>12} "
        f"{'cold/bare':>9} {'warm/bare':>9} {'join cold':>11} {'join warm':>11} {'stored':>10}")
    rows = []
    for n in sizes:
        lon, lat = make_points(n)
        truth = VillageIndex.from_frame(villages)
        located = truth.positions(lon, lat)
        inputs = make_inputs(villages, lon, lat, located)
        t_bare, bare = median_time(lambda: bare_strtree_join(lon, lat, polygons), repeats)
        mismatched = int(np.count_nonzero(bare != located))

        def cold():
            return compute_coverage(inputs, catalogue, settings, AS_OF, recompute=True)

        warm_index = VillageIndex.from_frame(villages)
        if n >= GRID_MIN_POINTS:
            warm_index.ensure_grid()

        def warm():
            return compute_coverage(inputs, catalogue, settings, AS_OF, recompute=True,
                                    index=warm_index)

        t_cold, result = median_time(cold, repeats)
        t_warm, _ = median_time(warm, repeats)
        t_jcold, _ = median_time(lambda: VillageIndex.from_frame(villages).positions(lon, lat),
                                 repeats)
        t_jwarm, _ = median_time(lambda: warm_index.positions(lon, lat), repeats)
        t_stored, _ = median_time(lambda: compute_coverage(inputs, catalogue, settings, AS_OF),
                                  repeats)
        row = {"points": n, "villages": len(villages), "bare_s": t_bare, "full_cold_s": t_cold,
               "full_warm_s": t_warm, "ratio_cold": t_cold / t_bare, "ratio_warm": t_warm / t_bare,
               "join_cold_s": t_jcold, "join_warm_s": t_jwarm, "stored_s": t_stored,
               "mismatched_points": mismatched, "lagging": len(result.lagging)}
        rows.append(row)
        say(f"{n:>10,} {fmt_s(t_bare):>12} {fmt_s(t_cold):>12} {fmt_s(t_warm):>12} "
            f"{row['ratio_cold']:>9.2f} {row['ratio_warm']:>9.2f} {fmt_s(t_jcold):>11} "
            f"{fmt_s(t_jwarm):>11} {fmt_s(t_stored):>10}"
            + (f"   ({mismatched} points differ from the bare join)" if mismatched else ""))
    index = VillageIndex.from_frame(villages)
    t_one, _ = median_time(lambda: [index.locate(110.3, 21.2) for _ in range(1000)], 3)
    say(f"write-path lookup VillageIndex.locate: {t_one * 1000:.0f} µs per point "
        f"(median of 3 x 1,000 calls)")
    rows.append({"locate_us": t_one * 1000})
    return rows


# -- (c) databases --------------------------------------------------------------------------------
def _spatialite(villages, lon, lat, repeats: int, say) -> dict:
    from greening.db import make_engine

    tmp = Path(tempfile.mkdtemp(prefix="bench-sl-"))
    engine = make_engine(f"sqlite:///{tmp / 'bench.sqlite'}")
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t = dt.datetime.now()
        cur.execute("BEGIN")
        cur.execute("CREATE TABLE v (id INTEGER PRIMARY KEY)")
        cur.execute("SELECT AddGeometryColumn('v', 'geom', 4326, 'MULTIPOLYGON', 'XY')")
        cur.execute("CREATE TABLE p (id INTEGER PRIMARY KEY)")
        cur.execute("SELECT AddGeometryColumn('p', 'geom', 4326, 'POINT', 'XY')")
        wkb = shapely.to_wkb(shapely.multipolygons(shapely.get_parts(villages.geometry.to_numpy()),
                                                   indices=_part_index(villages)))
        cur.executemany("INSERT INTO v (id, geom) VALUES (?, GeomFromWKB(?, 4326))",
                        [(i, bytes(b)) for i, b in enumerate(wkb)])
        cur.executemany("INSERT INTO p (id, geom) VALUES (?, MakePoint(?, ?, 4326))",
                        zip(range(len(lon)), lon.tolist(), lat.tolist(), strict=False))
        cur.execute("SELECT CreateSpatialIndex('p', 'geom')")
        cur.execute("COMMIT")
        load_s = (dt.datetime.now() - t).total_seconds()
        sql = ("SELECT v.id, count(*) FROM v, p WHERE p.ROWID IN (SELECT ROWID FROM SpatialIndex "
               "WHERE f_table_name = 'p' AND f_geometry_column = 'geom' AND search_frame = v.geom) "
               "AND ST_Contains(v.geom, p.geom) GROUP BY v.id")
        query_s, counts = median_time(lambda: cur.execute(sql).fetchall(), repeats)
        return {"load_s": load_s, "join_s": query_s, "counts": dict(counts)}
    finally:
        raw.close()
        engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def _part_index(villages):
    parts = shapely.get_num_geometries(villages.geometry.to_numpy())
    return np.repeat(np.arange(len(villages)), parts)


def _postgis(villages, lon, lat, repeats: int, say) -> dict:
    import io

    import psycopg

    from greening.devtools.postgis_cluster import start_cluster

    cluster = start_cluster("bench")
    try:
        url = cluster.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            t = dt.datetime.now()
            conn.execute("CREATE TABLE v (id int PRIMARY KEY, geom geometry(MultiPolygon, 4326))")
            conn.execute("CREATE UNLOGGED TABLE p_raw (id int, lon float8, lat float8)")
            wkb = shapely.to_wkb(shapely.multipolygons(
                shapely.get_parts(villages.geometry.to_numpy()), indices=_part_index(villages)))
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO v VALUES (%s, ST_GeomFromWKB(%s, 4326))",
                                [(i, bytes(b)) for i, b in enumerate(wkb)])
                buf = io.StringIO()
                np.savetxt(buf, np.column_stack([np.arange(len(lon)), lon, lat]),
                           fmt=["%d", "%.9f", "%.9f"], delimiter=",")
                with cur.copy("COPY p_raw (id, lon, lat) FROM STDIN WITH (FORMAT csv)") as cp:
                    cp.write(buf.getvalue())
            conn.execute("CREATE TABLE p AS SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326)"
                         "::geometry(Point, 4326) AS geom FROM p_raw")
            conn.execute("CREATE INDEX ON p USING gist (geom)")
            conn.execute("CREATE INDEX ON v USING gist (geom)")
            conn.execute("ANALYZE p")
            conn.execute("ANALYZE v")
            load_s = (dt.datetime.now() - t).total_seconds()
            sql = ("SELECT v.id, c.n FROM v CROSS JOIN LATERAL "
                   "(SELECT count(*) AS n FROM p WHERE ST_Contains(v.geom, p.geom)) c WHERE c.n > 0")
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + sql).fetchall())
            query_s, counts = median_time(lambda: conn.execute(sql).fetchall(), repeats)
        return {"load_s": load_s, "join_s": query_s, "counts": dict(counts),
                "uses_gist": "Index" in plan}
    finally:
        cluster.stop()


def run_databases(n_villages: int, n_points: int, repeats: int, say=print) -> list[dict]:
    from greening.coverage.index import VillageIndex

    villages = make_villages(n_villages)
    lon, lat = make_points(n_points)
    say(f"(c) the join inside databases, {len(villages)} villages x {n_points:,} points, "
        f"median of {repeats} (data load timed apart)")
    from greening.coverage.index import GRID_MIN_POINTS

    index = VillageIndex.from_frame(villages)
    if n_points >= GRID_MIN_POINTS:
        index.ensure_grid()  # the cached index of a running app
    t_ours, pos = median_time(lambda: index.positions(lon, lat), repeats)
    ours = np.bincount(pos[pos >= 0], minlength=len(villages))
    rows = [{"engine": "greening VillageIndex (warm)", "join_s": t_ours, "load_s": 0.0}]
    for name, fn in (("SpatiaLite (SpatialIndex, villages outer)", _spatialite),
                     ("PostGIS (GiST, villages outer LATERAL)", _postgis)):
        try:
            got = fn(villages, lon, lat, repeats, say)
        except Exception as exc:  # noqa: BLE001 - a missing peer is reported, not fatal
            say(f"  {name}: could not run ({type(exc).__name__}: {exc})")
            continue
        counts = np.zeros(len(villages), dtype=np.int64)
        for k, v in got.pop("counts").items():
            counts[int(k)] = v
        got.update(engine=name, differing_villages=int(np.count_nonzero(counts != ours)))
        rows.append(got)
    say(f"{'engine':<44} {'load':>10} {'join':>10} {'join / ours':>11}")
    for r in rows:
        extra = f"   ({r['differing_villages']} villages' counts differ)" \
            if r.get("differing_villages") else ""
        say(f"{r['engine']:<44} {fmt_s(r['load_s']):>10} {fmt_s(r['join_s']):>10} "
            f"{r['join_s'] / t_ours:>11.1f}{extra}")
    return rows
