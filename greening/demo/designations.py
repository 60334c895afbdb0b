"""Demonstration towns and villages, industry models, belts, courtyards and theme forests (demo).

Figures from the article: 18 demonstration towns, 376 demonstration villages, 12 "greening +
industry" models, and "a batch" of beautiful courtyards (here 200). Belts and theme forests
follow the reported practice (a district reported 3 belts and 57 theme forests).
Area designations (towns, villages) carry no geometry of their own: the area has one.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import LineString, Point

from greening.area_codes import prefix_codes, town_prefix
from greening.demo.draw import points_in_polygon, rng_for
from greening.demo.names import mark, unmark

__all__ = ["FIGURES", "INDUSTRIES", "generate_designations"]

FIGURES = {"demo_town": 18, "demo_village": 376, "industry_model": 12, "demo_belt": 15,
           "courtyard": 200, "theme_forest": 60}

#: (industry, county adcode where it is typical, or "" for anywhere)
INDUSTRIES = [("荔枝", "440881"), ("龙眼", "440883"), ("菠萝", "440825"), ("红橙", "440881"),
              ("芒果", "440882"), ("菠萝蜜", "440823"), ("沉香", "440811"), ("黄金山竹", "440823"),
              ("火龙果", "440882"), ("番石榴", "440804"), ("油茶", "440881"), ("花卉苗木", "440883")]
_FORESTS = ["党建共建林", "青年林", "巾帼林", "乡贤林", "喜事林", "少先队林"]
_COS_LAT = float(np.cos(np.radians(21.2)))
_M_PER_DEG = 111_320.0


def generate_designations(seed: int, areas: gpd.GeoDataFrame, laggards: set[str],
                          year: int) -> gpd.GeoDataFrame:
    """Every designation: kind, name, year, area_code, description, geometry (or None)."""
    rng = rng_for(seed, "designations")
    towns = areas[areas["level"] == "town"].reset_index(drop=True)
    villages = areas[areas["level"] == "village"].reset_index(drop=True)
    rows = []

    town_w = np.where(towns["kind"] == "street", 0.2, 1.0)
    demo_towns = towns.iloc[np.sort(_pick(rng, town_w, FIGURES["demo_town"]))]
    for t in demo_towns.itertuples():
        rows.append(_row("demo_town", f"{unmark(t.name)}乡镇绿化典型示范镇", year, t.code,
                         "乡镇绿化典型示范镇（示例数据）"))

    in_demo_town = prefix_codes(villages["code"], "town").isin(prefix_codes(demo_towns["code"], "town")).to_numpy()
    ok = ~villages["code"].isin(laggards).to_numpy()
    w = ok * np.where(villages["kind"] == "community", 0.5, 1.0) * np.where(in_demo_town, 4.0, 1.0)
    demo_villages = villages.iloc[np.sort(_pick(rng, w, FIGURES["demo_village"]))]
    for v in demo_villages.itertuples():
        rows.append(_row("demo_village", f"{unmark(v.name)}示范村", year, v.code, "示范村（示例数据）"))

    rows += _industry_models(rng, demo_villages, year)
    rows += _belts(rng, demo_towns, villages, year)
    rows += _courtyards(rng, villages, demo_villages, year)
    rows += _theme_forests(rng, villages, ok, year)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")


def _pick(rng, weights, n) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, replace=False, p=w / w.sum())


def _row(kind, name, year, area_code, description, geometry=None) -> dict:
    return dict(kind=kind, name=mark(name), year=year, area_code=area_code,
                description=description, geometry=geometry)


def _industry_models(rng, demo_villages, year) -> list[dict]:
    rows: list[dict] = []
    used: set[str] = set()
    for industry, county in INDUSTRIES:
        pool = demo_villages[demo_villages["code"].str.startswith(county)
                             & ~demo_villages["code"].isin(used)]
        if pool.empty:
            pool = demo_villages[~demo_villages["code"].isin(used)]
        v = pool.iloc[int(rng.integers(len(pool)))]
        used.add(v.code)
        x, y = points_in_polygon(v.geometry, 1, rng)[0]
        rows.append(_row("industry_model", f"{unmark(v['name'])}{industry}产业+绿化", year, v.code,
                         f"“乡村绿化+{industry}产业”融合发展典型（示例数据）", Point(x, y)))
    return rows


def _belts(rng, demo_towns, villages, year) -> list[dict]:
    rows = []
    for t in demo_towns.iloc[: FIGURES["demo_belt"]].itertuples():
        members = villages[prefix_codes(villages["code"], "town") == town_prefix(t.code)]
        k = min(len(members), int(rng.integers(3, 6)))
        chosen = members.iloc[np.sort(rng.choice(len(members), size=k, replace=False))]
        pts = chosen.sort_values("label_lon")[["label_lon", "label_lat"]].to_numpy()
        if len(pts) < 2:  # a two-village town: run the belt across its one village
            pts = np.array([pts[0] - [0.005, 0.0], pts[0] + [0.005, 0.0]])
        rows.append(_row("demo_belt", f"{unmark(t.name)}绿美示范带", year, t.code,
                         "乡村绿化示范带（示例数据）", LineString(pts)))
    return rows


def _courtyards(rng, villages, demo_villages, year) -> list[dict]:
    w = np.where(villages["code"].isin(demo_villages["code"]), 3.0, 1.0)
    w = w * np.where(villages["kind"] == "community", 1.5, 1.0)
    idx = np.sort(rng.choice(len(villages), size=FIGURES["courtyard"], replace=True, p=w / w.sum()))
    rows: list[dict] = []
    seen: dict = {}
    for i in idx:
        v = villages.iloc[i]
        seen[v.code] = seen.get(v.code, 0) + 1
        x, y = points_in_polygon(v.geometry, 1, rng)[0]
        rows.append(_row("courtyard", f"{unmark(v['name'])}美丽庭院{seen[v.code]}号", year, v.code,
                         "美丽庭院（示例数据）", Point(x, y)))
    return rows


def _theme_forests(rng, villages, ok, year) -> list[dict]:
    idx = np.sort(_pick(rng, ok.astype(float), FIGURES["theme_forest"]))
    rows = []
    for i in idx:
        v = villages.iloc[i]
        x, y = points_in_polygon(v.geometry, 1, rng)[0]
        radius = float(rng.uniform(40, 120)) / _M_PER_DEG
        disc = affinity.scale(Point(x, y).buffer(radius, quad_segs=8), xfact=1 / _COS_LAT, yfact=1.0)
        shape = shapely.intersection(disc, v.geometry)
        kind = _FORESTS[int(rng.integers(len(_FORESTS)))]
        rows.append(_row("theme_forest", f"{unmark(v['name'])}{kind}", year, v.code,
                         f"主题林：{kind}（示例数据）", shape))
    return rows
