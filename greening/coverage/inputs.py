"""The input frames of a coverage computation (built by ``load.py``, or by hand in tests).

Every frame is plain pandas (villages: a GeoDataFrame in WGS 84). Codes are 12-digit strings;
dates are ``datetime64`` columns. Rows are already filtered: no soft-deleted records, no
rejected plantings. :func:`CoverageInputs.build` fills in missing frames and columns, so a test
only states what it cares about.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from greening.actor import CITY_PREFIX

__all__ = ["CoverageInputs", "COLUMNS"]

#: Columns of each input frame and their dtypes ("date" = datetime64, "code" = 12-digit text).
COLUMNS: dict[str, dict[str, str]] = {
    "villages": {"code": "code", "name": "str", "area_m2": "float"},
    "areas": {"code": "code", "level": "str", "name": "str"},
    "plantings": {"id": "int", "village_code": "code", "claimed_village_code": "code",
                  "planted_on": "date", "tree_count": "int", "area_m2": "float",
                  "site_type": "str", "party_members": "int", "villagers": "int",
                  "status": "str", "lon": "float", "lat": "float"},
    "plans": {"village_code": "code", "year": "int", "planned_count": "int",
              "seedlings_secured": "int"},
    "checks": {"planting_id": "int", "village_code": "code", "kind": "str",
               "checked_on": "date", "alive_count": "float"},
    "teams": {"village_code": "code", "name": "str", "leader_name": "str",
              "leader_phone": "str", "members": "int", "party_members": "int", "active": "bool"},
    "assignments": {"area_code": "code", "role": "str", "name": "str", "title": "str",
                    "phone": "str"},
    "designations": {"area_code": "code", "kind": "str", "name": "str", "year": "int"},
    "attestations": {"measure_id": "str", "area_code": "code", "status": "str"},
    "last_activity": {"village_code": "code", "last_on": "date"},
    #: care and survival checks overdue on the report date, per village (greening.supervision.care_schedule)
    "care_overdue": {"village_code": "code", "overdue": "int", "oldest_due": "date"},
    #: the names of villages outside the area that plantings of the area were located in
    "elsewhere": {"code": "code", "name": "str"},
}

_EMPTY = {"code": "str", "str": "str", "float": "float64", "int": "int64", "bool": "bool",
          "date": "datetime64[s]"}


def _frame(name: str, df: pd.DataFrame | None) -> pd.DataFrame:
    spec = COLUMNS[name]
    if df is None:
        return pd.DataFrame({c: pd.Series([], dtype=_EMPTY[t]) for c, t in spec.items()})
    df = df.copy()
    for col, kind in spec.items():
        if col not in df:
            default: Any = {"int": 0, "float": np.nan, "bool": True, "date": pd.NaT}.get(kind)
            df[col] = default
        if kind == "date":
            df[col] = pd.to_datetime(df[col])
    return df


@dataclass
class CoverageInputs:
    """What a coverage computation reads. ``scope_prefix``: the actor's area (results are limited
    to it); rows outside it may be present only to evaluate measures of containing areas."""

    villages: gpd.GeoDataFrame
    areas: pd.DataFrame
    plantings: pd.DataFrame
    plans: pd.DataFrame
    checks: pd.DataFrame
    teams: pd.DataFrame
    assignments: pd.DataFrame
    designations: pd.DataFrame
    attestations: pd.DataFrame
    last_activity: pd.DataFrame
    care_overdue: pd.DataFrame
    elsewhere: pd.DataFrame
    scope_prefix: str = CITY_PREFIX
    as_of: dt.date | None = None
    notes: list[str] = field(default_factory=list)
    #: raw green-cover columns per village and the rasters used (greening.greencover.change)
    green_cover: pd.DataFrame | None = None
    cover_layers: object = None

    @classmethod
    def build(cls, villages: gpd.GeoDataFrame, **frames) -> CoverageInputs:
        """Inputs from the frames given; missing frames are empty, missing columns defaulted."""
        extra = {k: frames.pop(k) for k in ("scope_prefix", "as_of", "notes", "green_cover", "cover_layers")
                 if k in frames}
        unknown = set(frames) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown input frames: {sorted(unknown)}")
        if "code" not in villages:
            raise ValueError("villages frame needs a 'code' column")
        v = villages.copy()
        if "name" not in v:
            v["name"] = v["code"]
        if "area_m2" not in v:
            v["area_m2"] = np.nan
        v = v.sort_values("code", kind="stable").reset_index(drop=True)
        made: dict[str, Any] = {f.name: _frame(f.name, frames.get(f.name))
                for f in fields(cls) if f.name in COLUMNS and f.name != "villages"}
        return cls(villages=v, **made, **extra)
