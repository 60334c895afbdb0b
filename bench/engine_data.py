"""The files every engine of ``python -m bench engines`` reads: one GeoParquet folder in the
layout of :mod:`greening.coverage.engines.dataset` (villages and plantings by county, county
hulls), written once per size.

- :func:`write_city_or_province`: :mod:`bench.synth` villages (Voronoi cells, 100-300 vertices)
  and points (97 % on land); each point claimed for its true village, 2 % for a random one.
- :func:`write_national`: 500,000 villages in about 2,800 counties and 10^8 points, generated
  and written county by county (never held in memory at once).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

__all__ = ["write_city_or_province", "write_national", "folder_bytes"]

_CHUNK = 2_000_000


def folder_bytes(folder) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def write_city_or_province(folder, n_villages: int, n_points: int, box, seed: int) -> dict:
    import shapely

    from bench.synth import make_points, make_villages
    from greening.coverage.engines import dataset
    from greening.coverage.index import VillageIndex

    folder = Path(folder)
    villages = make_villages(n_villages, box, seed=seed)
    dataset.write_villages(folder, villages)
    index = VillageIndex.from_frame(villages)
    codes = index.codes.astype(str)
    vcounty = np.array([c[:6] for c in codes])
    lon, lat = make_points(n_points, box, seed=seed + 1)
    rng = np.random.default_rng(seed + 2)
    for part, lo in enumerate(range(0, n_points, _CHUNK)):
        x, y = lon[lo:lo + _CHUNK], lat[lo:lo + _CHUNK]
        pos = index.positions(x, y)
        claim = np.where(pos >= 0, pos, rng.integers(0, len(codes), len(x)))
        swap = rng.random(len(x)) < 0.02
        claim[swap] = rng.integers(0, len(codes), int(swap.sum()))
        claimed = codes[claim]
        county = vcounty[claim]
        order = np.argsort(county, kind="stable")
        county, x, y, claimed = county[order], x[order], y[order], claimed[order]
        cuts = np.flatnonzero(county[1:] != county[:-1]) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(county)], strict=True):
            dataset.write_points(folder, str(county[a]), x[a:b], y[a:b], claimed[a:b], part=part)
    vertices = float(shapely.get_num_coordinates(villages.geometry.to_numpy()).mean())
    dataset.write_manifest(folder, villages=len(villages), points=n_points, vertices=vertices)
    return {"villages": len(villages), "points": n_points, "vertices": vertices,
            "counties": int(len(set(c[:6] for c in codes))), "bytes": folder_bytes(folder)}


def write_national(folder, n_villages: int = 500_000, n_counties: int = 2_800,
                   n_points: int = 100_000_000, *, vertices=(40, 120), seed: int = 21,
                   box=(100.0, 22.0, 122.0, 40.0), say=print) -> dict:
    """Counties are Voronoi cells of the box; each county's villages are Voronoi cells of its own
    seeds clipped to it (so villages of neighbouring counties share the county border); points
    are drawn county by county inside the county cell, 1 % in the sea outside the box, claimed
    for a village of that county (2 % for a village of another county)."""
    import geopandas as gpd
    import shapely

    from greening.coverage.engines import dataset
    from greening.coverage.engines.partition import HULL_MARGIN

    folder = Path(folder)
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    seeds = np.column_stack([rng.uniform(x0, x1, n_counties), rng.uniform(y0, y1, n_counties)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=shapely.box(*box)))
    cells = shapely.intersection(cells, shapely.box(*box))
    cells = cells[shapely.area(cells) > 0]
    cells = cells[np.lexsort((shapely.get_x(shapely.centroid(cells)),
                              np.floor(shapely.get_y(shapely.centroid(cells)) * 4)))]
    n_c = len(cells)
    county_codes = [f"{11 + i // 100:02d}{i % 100:02d}{1 + (i // 10_000):02d}" for i in range(n_c)]
    per_county = np.full(n_c, n_villages // n_c) + (np.arange(n_c) < n_villages % n_c)
    pts_area = shapely.area(cells)
    pts_per = np.floor(n_points * 0.99 * pts_area / pts_area.sum()).astype(np.int64)
    sea = n_points - int(pts_per.sum())
    sea_per = np.bincount(rng.integers(0, n_c, sea), minlength=n_c)
    t0, made_v, made_p, vert = time.perf_counter(), 0, 0, 0
    hull_geoms, foreign = [], []
    for i, cell in enumerate(cells):
        k = int(per_county[i])
        cx0, cy0, cx1, cy1 = cell.bounds
        s = np.empty((0, 2))
        while len(s) < k:
            cand = np.column_stack([rng.uniform(cx0, cx1, 2 * k), rng.uniform(cy0, cy1, 2 * k)])
            s = np.vstack([s, cand[shapely.contains_xy(cell, cand[:, 0], cand[:, 1])]])
        vs = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(s[:k]),
                                                        extend_to=cell))
        vs = shapely.intersection(vs, cell)
        vs = vs[~shapely.is_empty(vs) & (shapely.area(vs) > 0)]
        vs = vs[np.isin(shapely.get_type_id(vs), (3, 6))]
        nv = rng.integers(vertices[0], vertices[1] + 1, len(vs))
        vs = shapely.segmentize(vs, shapely.length(vs) / nv)
        codes = [f"{county_codes[i]}{101 + j // 200:03d}{1 + j % 200:03d}" for j in range(len(vs))]
        dataset.write_villages(folder, gpd.GeoDataFrame({"code": codes}, geometry=vs, crs=4326),
                               hulls=False)
        hull_geoms.append(shapely.buffer(cell, HULL_MARGIN, quad_segs=2))
        made_v += len(vs)
        vert += int(shapely.get_num_coordinates(vs).sum())
        # points in the county cell, then this county's share of the sea
        n = int(pts_per[i])
        px, py = np.empty(0), np.empty(0)
        while len(px) < n:
            m = int((n - len(px)) * 1.3) + 16
            cx, cy = rng.uniform(cx0, cx1, m), rng.uniform(cy0, cy1, m)
            keep = shapely.contains_xy(cell, cx, cy)
            px, py = np.r_[px, cx[keep]], np.r_[py, cy[keep]]
        px, py = px[:n], py[:n]
        m = int(sea_per[i])
        side = rng.integers(0, 4, m)
        sx = np.where(side == 0, x0 - rng.uniform(0.01, 1, m),
                      np.where(side == 1, x1 + rng.uniform(0.01, 1, m), rng.uniform(x0, x1, m)))
        sy = np.where(side == 2, y0 - rng.uniform(0.01, 1, m),
                      np.where(side == 3, y1 + rng.uniform(0.01, 1, m), rng.uniform(y0, y1, m)))
        px, py = np.r_[px, sx], np.r_[py, sy]
        codes_arr = np.array(codes, dtype=object)
        other = rng.random(len(px)) < 0.02  # claimed for another county: pass 2 finds the village
        foreign.append((rng.integers(0, n_c, int(other.sum())), px[other], py[other]))
        mine = ~other
        dataset.write_points(folder, county_codes[i], px[mine], py[mine],
                             codes_arr[rng.integers(0, len(codes), int(mine.sum()))], part=0)
        made_p += len(px)
        if i % 200 == 0:
            say(f"  national data: county {i + 1:,} of {n_c:,}, {made_v:,} villages, "
                f"{made_p:,} points, {time.perf_counter() - t0:.0f} s")
    j = np.concatenate([f[0] for f in foreign])
    fx, fy = np.concatenate([f[1] for f in foreign]), np.concatenate([f[2] for f in foreign])
    order = np.argsort(j, kind="stable")
    j, fx, fy = j[order], fx[order], fy[order]
    cuts = np.flatnonzero(j[1:] != j[:-1]) + 1
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(j)], strict=True):
        c = county_codes[int(j[a])]
        dataset.write_points(folder, c, fx[a:b], fy[a:b], np.full(b - a, f"{c}101001", dtype=object),
                             part=1)
    del foreign, fx, fy, j
    gpd.GeoDataFrame({"county": county_codes}, geometry=hull_geoms, crs=4326).to_parquet(
        folder / "counties.parquet")
    dataset.write_manifest(folder, villages=made_v, counties=n_c, points=made_p,
                           vertices=vert / max(made_v, 1))
    return {"villages": made_v, "counties": n_c, "points": made_p,
            "vertices": vert / max(made_v, 1), "bytes": folder_bytes(folder),
            "write_s": time.perf_counter() - t0}
