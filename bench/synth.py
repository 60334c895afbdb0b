"""Synthetic villages and plantings for the coverage benchmarks (no database needed).

Villages are Voronoi cells of random seeds inside an elliptical "land" (so points can fall in the
sea), clipped to it and densified to 100-300 vertices each, numbered like real codes: county
(the nine Zhanjiang adcodes, or generic ones past nine), town and village by position. Plantings
are lon/lat arrays: 97 % on land, 3 % anywhere in the bounding box; 2 % are claimed for a village
other than the one their point is in.
"""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["ZHANJIANG_BOX", "GUANGDONG_BOX", "make_villages", "make_points", "make_inputs", "AS_OF"]

ZHANJIANG_BOX = (109.65, 20.20, 110.97, 21.95)
GUANGDONG_BOX = (109.60, 20.20, 117.30, 25.50)
AS_OF = dt.date(2024, 6, 10)
_COUNTIES = ["440802", "440803", "440804", "440811", "440823", "440825", "440881", "440882",
             "440883"]


def _land(box) -> shapely.Polygon:
    x0, y0, x1, y1 = box
    circle = shapely.Point(0, 0).buffer(1.0, quad_segs=64)
    return shapely.affinity.scale(shapely.affinity.translate(circle, (x0 + x1) / 2, (y0 + y1) / 2),
                                  (x1 - x0) / 2, (y1 - y0) / 2)


def make_villages(n: int = 1722, box=ZHANJIANG_BOX, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` (about) village polygons tiling an ellipse in ``box``, with 12-digit codes."""
    import shapely.affinity  # noqa: F401 - used by _land

    rng = np.random.default_rng(seed)
    land = _land(box)
    x0, y0, x1, y1 = box
    seeds = np.empty((0, 2))
    while len(seeds) < n:
        p = np.column_stack([rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)])
        seeds = np.vstack([seeds, p[shapely.contains_xy(land, p[:, 0], p[:, 1])]])
    seeds = seeds[:n]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=shapely.box(*box)))
    cells = shapely.intersection(cells, land)
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]
    vertices = rng.integers(100, 301, len(cells))
    cells = shapely.segmentize(cells, shapely.length(cells) / vertices)
    return gpd.GeoDataFrame({"code": _codes(cells, box)}, geometry=cells, crs=4326) \
        .sort_values("code").reset_index(drop=True)


def _codes(cells, box) -> list[str]:
    """County = a band of a k×k grid, town = a finer grid cell, village = order within town."""
    c = shapely.centroid(cells)
    x, y = shapely.get_x(c), shapely.get_y(c)
    x0, y0, x1, y1 = box
    n = len(cells)
    k = 3 if n <= 3000 else int(np.ceil(np.sqrt(n / 190)))  # 9 counties, or ~190 villages each
    fx, fy = (x - x0) / (x1 - x0), (y - y0) / (y1 - y0)
    county = np.minimum((fy * k).astype(int), k - 1) * k + np.minimum((fx * k).astype(int), k - 1)
    t = 4  # 4 × 4 towns per county cell at most
    town = (np.minimum(((fy * k) % 1) * t, t - 1).astype(int) * t
            + np.minimum(((fx * k) % 1) * t, t - 1).astype(int))
    uniq = {cid: i for i, cid in enumerate(np.unique(county))}
    names = [(_COUNTIES[i] if i < len(_COUNTIES) else f"44{90 + i // 100:02d}{i % 100:02d}")
             for i in range(len(uniq))]
    out, seen = [], {}
    for ci, ti in zip(county, town, strict=False):
        key = (ci, ti)
        seen[key] = seen.get(key, 0) + 1
        out.append(f"{names[uniq[ci]]}{101 + ti:03d}{200 + seen[key]:03d}")
    return out


def make_points(n: int, box=ZHANJIANG_BOX, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``n`` lon/lat pairs: 97 % inside the land ellipse, 3 % anywhere in the box."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = box
    cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    r = np.sqrt(rng.uniform(0, 1, n)) * 0.999
    a = rng.uniform(0, 2 * np.pi, n)
    lon, lat = cx + rx * r * np.cos(a), cy + ry * r * np.sin(a)
    wild = rng.random(n) < 0.03
    lon[wild] = rng.uniform(x0, x1, wild.sum())
    lat[wild] = rng.uniform(y0, y1, wild.sum())
    return lon, lat


def make_inputs(villages: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, located: np.ndarray,
                seed: int = 3):
    """A full :class:`CoverageInputs` around the points (``located``: their true village rows)."""
    from greening.area_codes import parent_codes
    from greening.coverage.inputs import CoverageInputs

    rng = np.random.default_rng(seed)
    n, codes = len(lon), villages["code"].to_numpy()
    nv = len(codes)
    claimed = located.copy()
    swap = rng.random(n) < 0.02
    claimed[swap] = rng.integers(0, nv, swap.sum())
    claimed[claimed < 0] = rng.integers(0, nv, (claimed < 0).sum())
    cat = pd.CategoricalDtype(codes)
    start = np.datetime64(dt.date(AS_OF.year, 1, 2))
    days = rng.integers(0, (np.datetime64(AS_OF) - start).astype(int), n)
    site = pd.Categorical.from_codes(rng.integers(0, 9, n), categories=[
        "village_side", "house_side", "road_side", "water_side", "courtyard", "idle_land",
        "village_park", "theme_forest", "other"])
    status = pd.Categorical.from_codes(rng.choice(3, n, p=[0.3, 0.65, 0.05]),
                                       categories=["submitted", "verified", "rejected"])
    plantings = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "village_code": pd.Categorical.from_codes(np.where(located >= 0, located, -1), dtype=cat),
        "claimed_village_code": pd.Categorical.from_codes(claimed, dtype=cat),
        "planted_on": start + days, "tree_count": rng.integers(1, 40, n),
        "area_m2": rng.uniform(10, 500, n), "site_type": site, "status": status,
        "party_members": rng.integers(0, 5, n), "villagers": rng.integers(0, 15, n),
        "lon": lon, "lat": lat})
    per_village = np.bincount(claimed, weights=plantings["tree_count"], minlength=nv)
    plans = pd.DataFrame({"village_code": codes, "year": AS_OF.year,
                          "planned_count": (per_village * rng.uniform(0.9, 2.5, nv)).astype(int),
                          "seedlings_secured": (per_village * 1.5).astype(int)})
    k = max(n // 10, 1)
    checked = rng.choice(n, k, replace=False)
    checks = pd.DataFrame({
        "planting_id": np.concatenate([checked + 1, checked[: k // 2] + 1]),
        "village_code": np.concatenate([codes[claimed[checked]], codes[claimed[checked[: k // 2]]]]),
        "kind": ["survival"] * k + ["care"] * (k // 2),
        "checked_on": np.datetime64(AS_OF) - rng.integers(1, 60, k + k // 2),
        "alive_count": np.concatenate([plantings["tree_count"].to_numpy()[checked] * 0.9,
                                       np.full(k // 2, np.nan)])})
    teams = pd.DataFrame({"village_code": codes, "name": "护绿队", "leader_name": "队长",
                          "active": rng.random(nv) < 0.95, "members": 10, "party_members": 6})
    towns = parent_codes(pd.Series(codes), "town").unique()
    counties = parent_codes(pd.Series(codes), "county").unique()
    roles = [("first_secretary", codes[rng.random(nv) < 0.3]), ("graded_cadre", codes),
             ("expert", towns[::3]), ("town_leader", towns), ("county_leader", counties),
             ("city_leader", counties)]
    assignments = pd.concat([pd.DataFrame({"area_code": where, "role": role, "name": "某某",
                                           "title": None}) for role, where in roles])
    designations = pd.DataFrame({"area_code": np.concatenate([codes[:: 5], towns[:: 7]]),
                                 "kind": ["demo_village"] * len(codes[:: 5])
                                 + ["demo_town"] * len(towns[:: 7]), "name": "示范", "year": 2024})
    return CoverageInputs.build(
        villages, plantings=plantings, plans=plans, checks=checks, teams=teams,
        assignments=assignments, designations=designations, as_of=AS_OF)
