"""Benchmark: verify and import a 10^5-row planting ledger (CSV, the project's template).

Builds a fresh database with about 1,600 villages (a 40 x 40 grid of 0.005° squares inside
Zhanjiang) and the campaign's species, writes a ledger with ``--rows`` rows (3 % of points in a
neighbouring village, so the flagging path is exercised), then times :func:`validate_ledger` and
:func:`apply_ledger` + commit. Prints one line per backend and returns the figures.

    python -m bench.bench_import                      # SpatiaLite, 100,000 rows
    python -m bench.bench_import --backend both       # also a throwaway PostGIS cluster
    python -m bench.bench_import --postgres-url postgresql+psycopg://...   # an existing server
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

__all__ = ["main", "run", "make_ledger"]

GRID = 40
CELL = 0.005
X0, Y0 = 110.10, 21.00
SPECIES = ["小叶榄仁", "黄花风铃木", "海南红豆", "榕树", "木棉", "红花羊蹄甲", "荔枝", "龙眼", "芒果", "菠萝蜜"]


def _village_code(col: int, row: int) -> str:
    return f"440802{col + 1:03d}{row + 1:03d}"


def _seed(engine) -> None:
    from shapely.geometry import MultiPolygon, Polygon

    from greening.actor import Actor
    from greening.db import session_scope
    from greening.geodb import to_db
    from greening.models import AdminArea, Species
    from greening.permissions import install_scope

    with session_scope(engine) as s:
        install_scope(s, Actor.system("bench"))
        for name in SPECIES:
            s.add(Species(name_zh=name, category="tree"))
        for col in range(GRID):
            town = f"440802{col + 1:03d}000"
            s.add(AdminArea(code=town, level="town", name=f"镇{col + 1}", scope_prefix=town[:9]))
            for row in range(GRID):
                x, y = X0 + col * CELL, Y0 + row * CELL
                code = _village_code(col, row)
                poly = MultiPolygon([Polygon([(x, y), (x + CELL, y), (x + CELL, y + CELL), (x, y + CELL)])])
                s.add(AdminArea(code=code, level="village", name=f"村{col + 1}-{row + 1}", scope_prefix=code,
                                geom=to_db(poly), source="bench"))


def make_ledger(rows: int, seed: int = 1) -> bytes:
    """A template-format CSV (UTF-8 with BOM) of ``rows`` valid plantings."""
    from greening.importers.template import TEMPLATE_HEADERS

    rng = np.random.default_rng(seed)
    cols = rng.integers(0, GRID, rows)
    rws = rng.integers(0, GRID, rows)
    fx, fy = rng.uniform(0.05, 0.95, rows), rng.uniform(0.05, 0.95, rows)
    lons, lats = X0 + (cols + fx) * CELL, Y0 + (rws + fy) * CELL
    claimed_cols = np.where(rng.random(rows) < 0.03, (cols + 1) % GRID, cols)
    days = rng.integers(0, 400, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    base = np.datetime64("2024-01-01")
    for i in range(rows):
        writer.writerow([f"B-{i:07d}", _village_code(int(claimed_cols[i]), int(rws[i])), "",
                         str(base + int(days[i])), SPECIES[i % len(SPECIES)], int(rng.integers(1, 300)), "",
                         "路旁", "", f"{lons[i]:.6f}", f"{lats[i]:.6f}", "WGS84", 2, 10, ""])
    return out.getvalue().encode("utf-8-sig")


def run(url: str, rows: int, data: bytes | None = None) -> dict:
    """Seed the database at ``url``, import a ledger of ``rows`` rows; returns the timings."""
    from sqlalchemy import func, select

    from greening.actor import Actor
    from greening.config import override_settings
    from greening.db import make_engine, read_session, session_scope
    from greening.importers.ledger import apply_ledger, validate_ledger
    from greening.models import Planting
    from greening.permissions import install_scope
    from greening.schema import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        _seed(engine)
        data = data or make_ledger(rows)
        actor = Actor.system("bench")
        with override_settings(max_upload_mb=max(64, len(data) // 2**20 + 1)):
            t0, c0 = time.perf_counter(), time.process_time()
            with read_session(engine) as s:  # checking only reads
                install_scope(s, actor)
                report = validate_ledger(s, actor, data, "bench.csv")
            t1, c1 = time.perf_counter(), time.process_time()
            with session_scope(engine) as s:
                install_scope(s, actor)
                result = apply_ledger(s, actor, report)
            t2, c2 = time.perf_counter(), time.process_time()
        with engine.connect() as c:
            stored = c.execute(select(func.count()).select_from(Planting)).scalar()
        return {"backend": engine.dialect.name, "rows": rows, "file_mb": round(len(data) / 2**20, 1),
                "validate_s": round(t1 - t0, 2), "apply_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
                # CPU seconds of this process: on a shared machine wall time is inflated by other load;
                # on SpatiaLite the database work runs in this process, on PostGIS in the server.
                "validate_cpu_s": round(c1 - c0, 2), "apply_cpu_s": round(c2 - c1, 2),
                "rows_per_s": round(rows / (t2 - t0)), "valid": report.valid_rows,
                "flagged": report.warning_rows, "errors": report.error_rows, "inserted": result.inserted,
                "stored": stored}
    finally:
        engine.dispose()


def _postgis_url(args, stack) -> str | None:
    if args.postgres_url:
        from sqlalchemy import create_engine, text

        name = "bench_" + uuid.uuid4().hex[:8]
        admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = args.postgres_url.rsplit("/", 1)[0] + "/" + name
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        return url
    from greening.devtools.postgis_cluster import start_cluster

    cluster = start_cluster("bench")
    stack.append(cluster)
    return cluster.url


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_import", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["spatialite", "postgis", "both"], default="spatialite")
    parser.add_argument("--postgres-url", default=None, help="server to create a scratch database on")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    data = make_ledger(args.rows)
    results, clusters = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
            if args.backend in ("spatialite", "both"):
                results.append(run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.rows, data))
            if args.backend in ("postgis", "both"):
                results.append(run(_postgis_url(args, clusters), args.rows, data))
    finally:
        for cluster in clusters:
            cluster.stop()
    for r in results:
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
        else:
            print(f"ledger import {r['backend']:<8} {r['rows']:>7,} rows ({r['file_mb']} MB): validate "
                  f"{r['validate_s']:.1f} s + write {r['apply_s']:.1f} s = {r['total_s']:.1f} s "
                  f"({r['rows_per_s']:,} rows/s; CPU here {r['validate_cpu_s']:.1f} + {r['apply_cpu_s']:.1f} s); "
                  f"{r['flagged']:,} flagged, {r['inserted']:,} stored")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
