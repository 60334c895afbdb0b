"""Named sample geometries and inputs with known answers, for tests and examples.

A tiny tessellation near (110.0 E, 21.0 N), 0.01° squares (about 1.04 × 1.11 km)::

    21.02 +--------+--------+--------+
          |  V4 北村 (0.02°) |  V5 空村 |        town 440823102
    21.01 +--------+--------+--------+
          | V1 东村 | V2 西村 |        +--------+
    21.00 +--------+--------+        | V3 岛  |   V3 南村 is two parts:
          |   V3 南村 (main) |        +--------+   the strip below and an island
    20.99 +--------+--------+
        110.00   110.01   110.02   110.03   110.04

V6 (county 440825) lies apart at 110.05-110.06 E. V5 has no plantings and no plan.
"""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import MultiPolygon, box

__all__ = ["V1", "V2", "V3", "V4", "V5", "V6", "CODES", "sample_villages", "POINTS",
           "sample_areas", "sample_inputs", "AS_OF", "TOWN_A", "TOWN_B", "COUNTY"]

V1, V2, V3 = "440823101001", "440823101002", "440823101003"
V4, V5 = "440823102001", "440823102002"
V6 = "440825101001"
CODES = [V1, V2, V3, V4, V5, V6]

_GEOMS = {
    V1: box(110.00, 21.00, 110.01, 21.01),
    V2: box(110.01, 21.00, 110.02, 21.01),
    V3: MultiPolygon([box(110.00, 20.99, 110.02, 21.00), box(110.03, 21.00, 110.04, 21.01)]),
    V4: box(110.00, 21.01, 110.02, 21.02),
    V5: box(110.02, 21.01, 110.03, 21.02),
    V6: box(110.05, 21.00, 110.06, 21.01),
}
_NAMES = {V1: "东村", V2: "西村", V3: "南村", V4: "北村", V5: "空村", V6: "海村"}

#: (name, lon, lat, expected village code or None)
POINTS = [
    ("inside V1", 110.005, 21.005, V1),
    ("border V1|V2", 110.01, 21.005, V1),
    ("vertex V1|V2|V4", 110.01, 21.01, V1),
    ("border V2|V4", 110.015, 21.01, V2),
    ("border V4|V5", 110.02, 21.015, V4),
    ("island of V3", 110.035, 21.005, V3),
    ("main part of V3", 110.01, 20.995, V3),
    ("outer edge of V5", 110.03, 21.015, V5),
    ("outside every village", 110.5, 21.5, None),
    ("gap between V3 island and V6", 110.045, 21.005, None),
]


def sample_villages(codes=None) -> gpd.GeoDataFrame:
    codes = list(codes or CODES)
    return gpd.GeoDataFrame({"code": codes, "name": [_NAMES[c] for c in codes]},
                            geometry=[_GEOMS[c] for c in codes], crs=4326)


def sample_areas():
    import pandas as pd

    return pd.DataFrame({
        "code": ["440800000000", "440823000000", "440823101000", "440823102000",
                 "440825000000", "440825101000"],
        "level": ["city", "county", "town", "town", "county", "town"],
        "name": ["湛江市", "遂溪县", "甲镇", "乙镇", "徐闻县", "丙镇"],
    })


#: The date of :func:`sample_inputs`' figures: early June, when the seasonal pace is about 90 %.
AS_OF = __import__("datetime").date(2024, 6, 1)

TOWN_A, TOWN_B, COUNTY = "440823101000", "440823102000", "440823000000"


def sample_inputs(**override):
    """A small campaign with a known story per village (as of :data:`AS_OF`):

    - V1 东村: plan 100, 90 trees in May (70 verified), survival 36/40, 2 care visits, active
      team of 6 Party members, a first secretary, an expert on its town: on track;
    - V2 西村: plan 200, 20 trees in February whose point lies in V1, survival 10/20, team
      inactive, nobody assigned: behind pace, inactive, low survival, reported outside;
    - V3 南村: a plan line of zero trees and 10 trees on its island: completion not applicable;
    - V4 北村: plan 50, 50 trees, a graded cadre, a demonstration village; one more planting
      claimed for it lies outside every village;
    - V5 空村: nothing at all; V6 海村 (another county): plan 10, 10 trees.
    """
    import pandas as pd

    from greening.coverage.inputs import CoverageInputs

    d = pd.Timestamp
    plantings = pd.DataFrame([
        # id, located, claimed, date, trees, site, status, party, villagers, lon, lat
        (1, V1, V1, d("2024-05-10"), 40, "road_side", "verified", 3, 10, 110.005, 21.005),
        (2, V1, V1, d("2024-05-12"), 30, "house_side", "verified", 2, 8, 110.004, 21.004),
        (3, V1, V1, d("2024-05-20"), 20, "water_side", "submitted", 0, 5, 110.006, 21.006),
        (4, V1, V2, d("2024-02-03"), 20, "road_side", "submitted", 1, 2, 110.002, 21.002),
        (5, V3, V3, d("2024-04-01"), 10, "courtyard", "submitted", 0, 4, 110.035, 21.005),
        (6, V4, V4, d("2024-05-25"), 50, "village_side", "verified", 4, 20, 110.01, 21.015),
        (7, None, V4, d("2024-05-26"), 5, "road_side", "submitted", 0, 1, 110.5, 21.5),
        (8, V6, V6, d("2024-05-01"), 10, "road_side", "verified", 1, 3, 110.055, 21.005),
        (9, V1, V1, d("2024-05-21"), 99, "road_side", "rejected", 0, 0, 110.005, 21.005),
        (10, V1, V1, d("2023-11-01"), 7, "road_side", "verified", 0, 0, 110.005, 21.005),
    ], columns=["id", "village_code", "claimed_village_code", "planted_on", "tree_count",
                "site_type", "status", "party_members", "villagers", "lon", "lat"])
    plans = pd.DataFrame({"village_code": [V1, V2, V3, V4, V6], "year": 2024,
                          "planned_count": [100, 200, 0, 50, 10],
                          "seedlings_secured": [100, 50, 0, 50, 10]})
    checks = pd.DataFrame([
        (1, V1, "survival", d("2024-05-30"), 36), (1, V1, "survival", d("2024-05-15"), 40),
        (4, V2, "survival", d("2024-03-01"), 10), (1, V1, "care", d("2024-05-18"), None),
        (2, V1, "care", d("2024-05-28"), None),
    ], columns=["planting_id", "village_code", "kind", "checked_on", "alive_count"])
    teams = pd.DataFrame({"village_code": [V1, V2, V4], "name": ["东村护绿队", "西村护绿队", "北村护绿队"],
                          "leader_name": ["张队长", "李队长", "赵队长"], "active": [True, False, True],
                          "members": [12, 8, 10], "party_members": [6, 4, 5]})
    assignments = pd.DataFrame([
        (V1, "first_secretary", "刘书记", "驻村第一书记"), (TOWN_A, "expert", "黄教授", "教授"),
        (V4, "graded_cadre", "孙干部", "四级调研员"), (TOWN_A, "town_leader", "王镇长", "镇长"),
        (TOWN_B, "town_leader", "周镇长", "镇长"), (COUNTY, "county_leader", "吴县长", "副县长"),
        (COUNTY, "city_leader", "陈副市长", "副市长"), (TOWN_B, "city_leader", "林副市长", "副市长"),
        (V1, "local_worthy", "郑乡贤", None),
    ], columns=["area_code", "role", "name", "title"])
    designations = pd.DataFrame([
        (V4, "demo_village", "北村示范村", 2024), (TOWN_A, "demo_town", "甲镇示范镇", 2023),
        (V1, "courtyard", "东村美丽庭院", 2024), (V1, "theme_forest", "未来的林", 2025),
    ], columns=["area_code", "kind", "name", "year"])
    attestations = pd.DataFrame([("M03", TOWN_A, "confirmed"), ("M07", V1, "claimed"),
                                 ("M09", V1, "confirmed")],
                                columns=["measure_id", "area_code", "status"])
    frames = dict(areas=sample_areas(), plantings=plantings, plans=plans, checks=checks,
                  teams=teams, assignments=assignments, designations=designations,
                  attestations=attestations, as_of=AS_OF)
    frames.update(override)
    villages = frames.pop("villages", None)
    if villages is None:
        villages = sample_villages()
    return CoverageInputs.build(villages, **frames)
