"""``python -m bench coverage [--quick] [--province] [--db]``, ``maps``, ``load``, ``greencover`` and ``all``.

Prints medians of repeated runs and ratios measured in the same run. Exits non-zero only when a
benchmark cannot run at all; a missed target is printed, never an error.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from bench.timing import machine


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", metavar="BENCHMARK", required=True)
    c = sub.add_parser("coverage", help="coverage engine: full computation, province join, databases")
    c.add_argument("--quick", action="store_true",
                   help="smoke run: 300 villages, 10^4 and 5x10^4 points, 2 repeats (seconds)")
    c.add_argument("--province", action="store_true",
                   help="also (b): 20,000 villages x 10^7 points vs DuckDB (minutes)")
    c.add_argument("--db", action="store_true",
                   help="also (c): the join inside SpatiaLite and PostGIS")
    c.add_argument("--db-points", type=int, default=1_000_000,
                   help="points for (c) (default 10^6)")
    c.add_argument("--province-points", type=int, default=10_000_000)
    c.add_argument("--repeats", type=int, default=None, help="repeats per figure (median)")
    c.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    e = sub.add_parser("engines", help="grid, geopandas, dask, DuckDB, SedonaDB, PostGIS on the same "
                       "files; --national: 500,000 villages x 10^8 points on dask")
    e.add_argument("--quick", action="store_true", help="smoke run: 300 villages x 10^4 points")
    e.add_argument("--sizes", default="city,province",
                   help="city (1,722 x 10^6), province (20,000 x 10^7), comma-separated, or none")
    e.add_argument("--engines", default="grid,geopandas,dask,duckdb,sedonadb,postgis")
    e.add_argument("--repeats", type=int, default=3, help="runs per engine (median), default 3")
    e.add_argument("--province-points", type=int, default=10_000_000,
                   help="points of the province size (default 10^7)")
    e.add_argument("--national", action="store_true", help="also the national run")
    e.add_argument("--national-points", type=int, default=100_000_000)
    e.add_argument("--national-villages", type=int, default=500_000)
    e.add_argument("--workers", type=int, default=2, help="local dask workers (national)")
    e.add_argument("--worker-memory", default="4GB", help="memory limit of each local worker")
    e.add_argument("--scheduler", help="an existing dask scheduler (tcp://host:8786) instead of "
                   "a local cluster; its workers must see --data at the same path")
    e.add_argument("--data", help="national: use this GeoParquet folder (kept) instead of "
                   "generating one")
    e.add_argument("--no-grid", action="store_true", help="national: skip the one-process grid run")
    e.add_argument("--time-limit", type=float, default=600,
                   help="seconds any one engine process may run before it is stopped (default 600)")
    e.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    a = sub.add_parser("all", help="every benchmark at full size (coverage with --province --db)")
    a.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    sub.add_parser("import", help="the ledger import benchmark (bench/bench_import.py)",
                   add_help=False)
    m = sub.add_parser("maps", help="map pages: payload and server build time (configured database)")
    m.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    dr = sub.add_parser("draw", help="the city overview drawn in Chromium: seconds after first paint")
    dr.add_argument("--repeats", type=int, default=5)
    dr.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    ld = sub.add_parser("load", help="browser sessions through nginx over app replicas on one PostGIS")
    ld.add_argument("--configs", default="1x25,2x25,4x25,2x50,4x50",
                    help="replicas x concurrent sessions, comma separated (default %(default)s)")
    ld.add_argument("--plantings", type=int, default=30_000, help="demo plantings (default %(default)s)")
    ld.add_argument("--timeout", type=float, default=240, help="seconds per session (default %(default)s)")
    ld.add_argument("--port-base", type=int, default=0, help="first port to use (default: free ports)")
    ld.add_argument("--clients", default="protocol,browser",
                    help="who drives the sessions: protocol (Streamlit's websocket protocol, no browser), "
                         "browser (headless Chromium), or both, each configuration once per kind "
                         "(default %(default)s)")
    ld.add_argument("--pace", default="burst,steady",
                    help="how sessions arrive: burst (all at once, no pause between steps), steady "
                         "(--rate log-ins per second, --think seconds before the tap and before the submit), "
                         "or both, comma separated (default %(default)s)")
    ld.add_argument("--rate", type=float, default=2.0, help="steady pace: log-ins per second (default %(default)s)")
    ld.add_argument("--think", type=float, default=12.0,
                    help="steady pace: seconds a person looks at the map, and at the form (default %(default)s: "
                         "with 2 log-ins a second, 50 sessions are in progress at once)")
    ld.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    g = sub.add_parser("greencover", help="green cover per village over a generated 10 m raster: "
                                          "ours vs rasterstats vs rasterize+bincount")
    g.add_argument("--quick", action="store_true", help="smoke run: 40 m raster, 300 and 1,722 villages")
    g.add_argument("--sizes", type=int, nargs="+", default=None, help="village counts (default 1722 20000)")
    g.add_argument("--json", metavar="F", help="also write the figures to F as JSON")
    return p


def _say(line: str) -> None:
    print(line, flush=True)


def coverage(quick: bool, province: bool, db: bool, repeats: int | None, db_points: int,
             province_points: int) -> dict:
    from bench.coverage import run_databases, run_full

    _say(f"coverage benchmarks, {dt.date.today()}, {machine()}")
    out: dict = {"date": str(dt.date.today()), "machine": machine()}
    if quick:
        out["full"] = run_full(300, [10_000, 50_000], repeats or 2, _say)
    else:
        out["full"] = run_full(1722, [10_000, 100_000, 1_000_000], repeats or 3, _say)
    at = [r for r in out["full"] if "ratio_cold" in r][-1]
    _say(f"target (a): full computation / bare STRtree join <= 1.3 at 10^6 points: "
         f"cold {at['ratio_cold']:.2f}, warm {at['ratio_warm']:.2f} at {at['points']:,} points"
         + ("" if at["points"] >= 1_000_000 else " (quick run: not the target size)"))
    if db:
        _say("")
        out["databases"] = run_databases(1722, db_points, repeats or 3, _say)
    if province:
        from bench.province import run_isolated

        _say("")
        rows = run_isolated(20_000, province_points, repeats or 1, _say)
        out["province"] = rows
        if len(rows) == 2:
            ours, duck = rows
            _say(f"target (b): faster than DuckDB with no more memory: time "
                 f"{'met' if ours['wall_s'] < duck['wall_s'] else 'MISSED'} "
                 f"({ours['wall_s']:.1f} s vs {duck['wall_s']:.1f} s per process), memory "
                 f"{'met' if ours['peak_mb'] <= duck['peak_mb'] else 'MISSED'} "
                 f"({ours['peak_mb']:.0f} MB vs {duck['peak_mb']:.0f} MB)")
    return out


def engines(args) -> dict:
    from bench.engines import run_engines, run_national

    _say(f"coverage engines, {dt.date.today()}, {machine()}")
    out: dict = {"date": str(dt.date.today()), "machine": machine()}
    chosen = [e.strip() for e in args.engines.split(",") if e.strip()]
    sizes = {"city": (1722, 1_000_000, "city"), "province": (20_000, args.province_points, "province")}
    wanted = [] if args.sizes == "none" else [s.strip() for s in args.sizes.split(",")]
    if args.quick:
        sizes, wanted = {"quick": (300, 10_000, "city")}, ["quick"]
    for name in wanted:
        nv, npts, box = sizes[name]
        _say("")
        _say(f"[{name}]")
        out[name] = run_engines(nv, npts, box, args.repeats, chosen, _say, args.time_limit)
    if args.national:
        _say("")
        _say("[national]")
        out["national"] = run_national(
            _say, workers=args.workers, worker_memory=args.worker_memory,
            time_limit=args.time_limit, n_villages=args.national_villages,
            n_counties=max(1, round(args.national_villages * 2800 / 500_000)),
            n_points=args.national_points, scheduler=args.scheduler, data=args.data,
            grid=not args.no_grid)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["import"]:
        from bench import bench_import

        bench_import.main(argv[1:])
        return 0
    args = _parser().parse_args(argv)
    try:
        if args.what == "engines":
            out = engines(args)
        elif args.what == "maps":
            from bench.maps import run_maps

            _say(f"map pages, {dt.date.today()}, {machine()}")
            out = run_maps(_say)
        elif args.what == "draw":
            from bench.draw import run_draw

            _say(f"the overview drawn in Chromium, {dt.date.today()}, {machine()}")
            out = run_draw(_say, repeats=args.repeats)
        elif args.what == "load":
            from bench.load import BURST, Pace, run_load

            configs = [tuple(int(x) for x in c.lower().split("x")) for c in args.configs.split(",")]
            steady = Pace("steady", args.rate, args.think)
            known = {"burst": BURST, "steady": steady}
            names = [k.strip() for k in args.pace.split(",") if k.strip()]
            if not names or any(k not in known for k in names):
                raise SystemExit(f"--pace takes burst, steady or both (got {args.pace!r})")
            _say(f"load through nginx, {dt.date.today()}, {machine()}")
            out = run_load(configs, plantings=args.plantings, timeout=args.timeout, port_base=args.port_base,
                           say=_say, clients=tuple(k.strip() for k in args.clients.split(",") if k.strip()),
                           paces=tuple(known[k] for k in names))
        elif args.what == "greencover":
            from bench.greencover import run as run_greencover

            _say(f"green cover benchmark, {dt.date.today()}, {machine()}")
            sizes = args.sizes or ((300, 1722) if args.quick else (1722, 20_000))
            out = {"date": str(dt.date.today()), "machine": machine(),
                   "greencover": run_greencover(sizes, _say, res=40.0 if args.quick else 10.0)}
        elif args.what == "coverage":
            out = coverage(args.quick, args.province, args.db, args.repeats, args.db_points,
                           args.province_points)
        else:
            out = coverage(False, True, True, None, 1_000_000, 10_000_000)
    except Exception as exc:  # noqa: BLE001 - the one way this command fails
        print(f"benchmark could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "json", None):
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
