"""The national benchmark's data: 500,000 villages in about 2,800 counties and 10^8 points,
written county by county in a few minutes (never all in memory at once).

How the data are made (the expensive geometry is done once per template, not per county):

1. **Counties** tile the box (100-122°E, 22-40°N) as a rectilinear grid: ``rows`` × ``cols``
   cells (about as many as counties asked for, cells roughly square), each column's width and
   each row's height drawn between 0.75 and 1.25 of the mean; a county is one cell, so
   neighbouring counties share their border exactly. Counties are numbered row by row from the
   south-west (so consecutive codes are neighbours). The last row may be partly empty (sea).
2. **Templates**: ``templates`` (20) village partitions of the unit square, made once: Voronoi
   cells of random seeds clipped to the square, densified to 40-120 vertices each, with between
   0.8 and 1.2 times the mean number of villages per county (so the total is about the number
   asked for). Their cells tile the square: no gaps, no overlaps.
3. **Each county** is a copy of a template, chosen at random, mirrored at random along either
   axis and scaled onto its cell (an affine map of the coordinates: ``shapely.transform``).
   Village codes: county (6 digits) + town (``101 + j // 200``) + village (``1 + j % 200``).
4. **Points**: 99 % drawn uniformly in the counties (each county's share proportional to its
   area), 1 % in the sea around the box (up to 1° outside it); a county's points are claimed for
   a random village of that county, except 2 % claimed for a random village of a random other
   county (the dask engine's pass 2 finds their village). Drawn with numpy per county, written
   as GeoParquet native points (``plantings/county=C/part-00000.parquet``; the 2 % claimed for
   another county, about 2 % of all points, are held until the end and written as
   ``part-00001.parquet`` of the county they are claimed for).
5. **County hulls** (``counties.parquet``): each county's cell grown by ``HULL_MARGIN``.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

__all__ = ["write_national", "grid_of_counties", "make_templates"]

_GEO_WKB = {"version": "1.1.0", "primary_column": "geometry",
            "columns": {"geometry": {"encoding": "WKB",
                                     "geometry_types": ["Polygon", "MultiPolygon"]}}}


def grid_of_counties(n_counties: int, box, rng) -> tuple[np.ndarray, np.ndarray, int]:
    """(x edges, y edges, columns): a rectilinear grid of at least ``n_counties`` cells."""
    x0, y0, x1, y1 = box
    rows = max(1, int(round(np.sqrt(n_counties * (y1 - y0) / (x1 - x0)))))
    cols = int(np.ceil(n_counties / rows))
    w = rng.uniform(0.75, 1.25, cols)
    h = rng.uniform(0.75, 1.25, rows)
    xe = x0 + np.r_[0, np.cumsum(w)] * (x1 - x0) / w.sum()
    ye = y0 + np.r_[0, np.cumsum(h)] * (y1 - y0) / h.sum()
    xe[-1], ye[-1] = x1, y1
    return xe, ye, cols


def make_templates(n: int, mean_villages: float, vertices, rng) -> list[np.ndarray]:
    """``n`` village partitions of the unit square (arrays of polygons, in code order)."""
    import shapely

    square = shapely.box(0.0, 0.0, 1.0, 1.0)
    out = []
    for t in range(n):
        k = max(1, int(mean_villages * (0.8 + 0.4 * t / max(n - 1, 1))))
        seeds = rng.uniform(0.0, 1.0, (k, 2))
        cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                           extend_to=shapely.box(-1, -1, 2, 2)))
        cells = shapely.intersection(cells, square)
        cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]
        cells = cells[np.isin(shapely.get_type_id(cells), (3, 6))]
        nv = rng.integers(vertices[0], vertices[1] + 1, len(cells))
        cells = shapely.segmentize(cells, shapely.length(cells) / nv)
        c = shapely.centroid(cells)
        order = np.lexsort((shapely.get_x(c), np.floor(shapely.get_y(c) * 8)))
        out.append(cells[order])
    return out


def _county_code(i: int) -> str:
    return f"{11 + i // 100:02d}{i % 100:02d}{1 + (i // 10_000):02d}"


def _village_codes(county: str, k: int) -> list[str]:
    return [f"{county}{101 + j // 200:03d}{1 + j % 200:03d}" for j in range(k)]


def _write_table(path: Path, columns: dict, geo: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(columns).replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    pq.write_table(table, path)


def _write_villages(folder: Path, county: str, codes: list[str], geoms) -> None:
    import pyarrow as pa
    import shapely

    _write_table(folder / "villages" / f"county={county}" / "part-0.parquet",
                 {"code": pa.array(codes), "name": pa.array(codes),
                  "geometry": pa.array(shapely.to_wkb(geoms), pa.binary())}, _GEO_WKB)


def _claims(codes: list[str], at: np.ndarray):
    """A dictionary-encoded string column: ``codes[at]`` without one Python string per row."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(at.astype(np.int32)), pa.array(codes))


def write_national(folder, n_villages: int = 500_000, n_counties: int = 2_800,
                   n_points: int = 100_000_000, *, vertices=(40, 120), seed: int = 21,
                   box=(100.0, 22.0, 122.0, 40.0), templates: int = 20, say=print) -> dict:
    """Write the national folder (see the module docstring); returns what was written."""
    import shapely

    from greening.coverage.engines import dataset
    from greening.coverage.engines.partition import HULL_MARGIN

    folder = Path(folder)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    xe, ye, cols = grid_of_counties(n_counties, box, rng)
    cells = [(xe[i % cols], ye[i // cols], xe[i % cols + 1], ye[i // cols + 1])
             for i in range(n_counties)]
    shapes = make_templates(min(templates, n_counties), n_villages / n_counties, vertices, rng)
    say(f"  national data: {len(shapes)} templates made in {time.perf_counter() - t0:.1f} s")
    which = rng.permutation(np.arange(n_counties) % len(shapes))
    mirror = rng.random((n_counties, 2)) < 0.5
    area = np.array([(c[2] - c[0]) * (c[3] - c[1]) for c in cells])
    land = np.floor(n_points * 0.99 * area / area.sum()).astype(np.int64)
    sea = np.bincount(rng.integers(0, n_counties, n_points - int(land.sum())),
                      minlength=n_counties)
    x0, y0, x1, y1 = box
    county_codes = [_county_code(i) for i in range(n_counties)]
    sizes = np.array([len(shapes[t]) for t in which])
    made_v, made_p, vert = 0, 0, 0
    foreign: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for i, (cx0, cy0, cx1, cy1) in enumerate(cells):
        county, template = county_codes[i], shapes[which[i]]
        w, h = cx1 - cx0, cy1 - cy0
        scale = np.array([-w if mirror[i, 0] else w, -h if mirror[i, 1] else h])
        offset = np.array([cx1 if mirror[i, 0] else cx0, cy1 if mirror[i, 1] else cy0])
        geoms = shapely.transform(template, lambda c, s=scale, o=offset: c * s + o)
        codes = _village_codes(county, len(geoms))
        _write_villages(folder, county, codes, geoms)
        made_v += len(geoms)
        vert += int(shapely.get_num_coordinates(geoms).sum())
        n, m = int(land[i]), int(sea[i])
        px, py = rng.uniform(cx0, cx1, n + m), rng.uniform(cy0, cy1, n + m)
        if m:  # this county's share of the sea: a band up to 1 degree around the box
            side = rng.integers(0, 4, m)
            out = rng.uniform(0.01, 1.0, m)
            px[n:] = np.where(side == 0, x0 - out, np.where(side == 1, x1 + out,
                                                             rng.uniform(x0, x1, m)))
            py[n:] = np.where(side == 2, y0 - out, np.where(side == 3, y1 + out,
                                                             rng.uniform(y0, y1, m)))
        other = rng.random(n + m) < 0.02
        k_other = int(other.sum())
        to = (i + rng.integers(1, max(n_counties, 2), k_other)) % n_counties
        foreign.append((to.astype(np.int32), rng.random(k_other), px[other], py[other]))
        mine = ~other
        dataset.write_points(folder, county, px[mine], py[mine],
                             _claims(codes, rng.integers(0, len(codes), int(mine.sum()))), part=0)
        made_p += n + m
        if i % 400 == 0 or i == n_counties - 1:
            say(f"  national data: county {i + 1:,} of {n_counties:,}, {made_v:,} villages, "
                f"{made_p:,} points, {time.perf_counter() - t0:.0f} s")
    to = np.concatenate([f[0] for f in foreign])
    pick = np.concatenate([f[1] for f in foreign])
    fx, fy = np.concatenate([f[2] for f in foreign]), np.concatenate([f[3] for f in foreign])
    del foreign
    order = np.argsort(to, kind="stable")
    to, pick, fx, fy = to[order], pick[order], fx[order], fy[order]
    cuts = np.r_[0, np.flatnonzero(to[1:] != to[:-1]) + 1, len(to)]
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        if a == b:
            continue
        j = int(to[a])
        codes = _village_codes(county_codes[j], int(sizes[j]))
        at = np.minimum((pick[a:b] * len(codes)).astype(np.int64), len(codes) - 1)
        dataset.write_points(folder, county_codes[j], fx[a:b], fy[a:b], _claims(codes, at),
                             part=1)
    hulls = shapely.box(*np.array(cells).T) if n_counties else np.array([])
    hulls = shapely.box(*(shapely.bounds(hulls) + [-HULL_MARGIN, -HULL_MARGIN,
                                                   HULL_MARGIN, HULL_MARGIN]).T)
    import pyarrow as pa

    _write_table(folder / "counties.parquet",
                 {"county": pa.array(county_codes),
                  "geometry": pa.array(shapely.to_wkb(hulls), pa.binary())},
                 {**_GEO_WKB, "columns": {"geometry": {"encoding": "WKB",
                                                       "geometry_types": ["Polygon"]}}})
    dataset.write_manifest(folder, villages=made_v, counties=n_counties, points=made_p,
                           vertices=vert / max(made_v, 1), foreign=int(len(to)),
                           method="bench.national templates")
    from bench.engine_data import folder_bytes

    return {"villages": made_v, "counties": n_counties, "points": made_p,
            "vertices": vert / max(made_v, 1), "templates": len(shapes),
            "bytes": folder_bytes(folder), "write_s": time.perf_counter() - t0}
