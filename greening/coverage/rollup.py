"""Roll-ups of village metrics to towns, counties and the city, and the weekly series.

Counts are summed; ratios are recomputed from the summed counts (so a county's completion is
its trees over its planned trees, a weighted mean by plan size, not a mean of village rates);
dates take the latest; ``score`` and ``activity`` are plain means over villages. Roster counts
(``people_*``, ``des_*``) count the records attached to the area itself or to anything inside it,
so a designation of a town counts for its town and county, never for its villages.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from greening.area_codes import parent_codes
from greening.coverage.inputs import CoverageInputs
from greening.coverage.join import area_code_of
from greening.coverage.metrics import DESIGNATION_KINDS, ROLES, SITE_TYPES, PlantingArrays, derive
from greening.greencover.change import SUM_COLUMNS as COVER_SUMS

__all__ = ["rollup", "weekly_trees", "SUM_COLUMNS", "LEVEL_KEYS"]

SUM_COLUMNS = [
    "villages", "area_km2", "plantings", "trees", "trees_verified", "planted_area_m2",
    "party_plantings", "party_turnout", "villager_turnout", "outside_plantings", "outside_trees",
    "planned", "seedlings_secured", "villages_with_plan", "survival_checked", "survival_alive",
    "care_checks", "teams", "active_teams", "team_members", "team_party_members",
    "villages_with_first_secretary", "villages_with_cadre", "villages_with_expert",
    *[f"site_{s}" for s in SITE_TYPES], *COVER_SUMS,
]
LATEST_COLUMNS = ["last_planted_on", "last_care_on", "last_activity_on"]
MEAN_COLUMNS = ["activity"]
LEVEL_KEYS = {"town": "town_code", "county": "county_code", "city": "city_code"}


def rollup(villages: pd.DataFrame, level: str, inputs: CoverageInputs,
           as_of: dt.date) -> pd.DataFrame:
    """Metrics of every ``level`` area ("town", "county", "city") holding villages of the frame."""
    key = parent_codes(villages["code"], level)
    grouped = villages.groupby(key.to_numpy(), sort=True)
    out = grouped[SUM_COLUMNS].sum()
    out[LATEST_COLUMNS] = grouped[LATEST_COLUMNS].max()
    out[MEAN_COLUMNS] = grouped[MEAN_COLUMNS].mean()
    out.index.name = "code"
    out = out.reset_index()
    names = inputs.areas.drop_duplicates("code").set_index("code")["name"]
    out.insert(1, "name", out["code"].map(names))
    if level == "town":
        out.insert(2, "county_code", parent_codes(out["code"], "county"))
    since = (pd.Timestamp(as_of) - pd.to_datetime(out["last_activity_on"])).dt.days
    out["days_inactive"] = since.astype("Float64")
    return derive(_roster_counts(out, inputs, level, as_of))


def _count_by_area(codes: pd.Series, labels: pd.Series, categories: list[str], level: str,
                   areas: pd.Series, prefix: str) -> dict[str, np.ndarray]:
    where = area_code_of(codes.astype(str), level)
    at = pd.Index(areas).get_indexer(where.astype(object))
    cat = pd.Categorical(labels, categories=categories).codes
    ok = (at >= 0) & (cat >= 0)
    n, k = len(areas), len(categories)
    per = np.bincount(at[ok] * k + cat[ok], minlength=n * k)[: n * k].reshape(n, k)
    return {f"{prefix}{c}": per[:, i].astype(np.int64) for i, c in enumerate(categories)}


def _roster_counts(out: pd.DataFrame, inputs: CoverageInputs, level: str,
                   as_of: dt.date) -> pd.DataFrame:
    a = inputs.assignments
    d = inputs.designations[inputs.designations["year"] <= as_of.year]
    cols = {**_count_by_area(a["area_code"], a["role"], ROLES, level, out["code"], "people_"),
            **_count_by_area(d["area_code"], d["kind"], DESIGNATION_KINDS, level, out["code"],
                             "des_")}
    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)


def weekly_trees(pa: PlantingArrays, village_counties: np.ndarray) -> pd.DataFrame:
    """Trees and plantings per ISO week (Monday start) and county, long format."""
    if len(pa.day) == 0:
        return pd.DataFrame({"county_code": pd.Series([], dtype="str"),
                             "week_start": pd.Series([], dtype="datetime64[s]"),
                             "iso_week": pd.Series([], dtype="str"),
                             "trees": pd.Series([], dtype="int64"),
                             "plantings": pd.Series([], dtype="int64")})
    counties, county_of_village = np.unique(village_counties, return_inverse=True)
    week = pa.day - (pa.day + 3) % 7  # 1970-01-01 was a Thursday: Monday of each week
    w0 = int(week.min())
    widx = (week - w0) // 7
    nw = int(widx.max()) + 1
    key = county_of_village[pa.credit] * nw + widx
    size = len(counties) * nw
    trees = np.bincount(key, weights=pa.trees, minlength=size)
    count = np.bincount(key, minlength=size)
    nz = np.flatnonzero(count)
    starts = pd.to_datetime((w0 + 7 * (nz % nw)).astype("int64"), unit="D")
    iso = starts.isocalendar()
    return pd.DataFrame({
        "county_code": counties[nz // nw].astype(str),
        "week_start": starts,
        "iso_week": [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=False)],
        "trees": trees[nz].astype(np.int64),
        "plantings": count[nz].astype(np.int64),
    })
