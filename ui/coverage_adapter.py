"""The coverage roll-ups (greening.coverage) in the shape the pages use.

Pages read plain frames: ``villages`` (one row per village code with ``planned``, ``planted``,
``plan_completion``, ``survival``, ``coverage``, ``trees_per_km2`` and the coverage module's other
metrics), ``towns``, ``counties``, ``city``, ``weekly``, ``lagging`` (ranked, with
``reason_list`` of (code, zh, en) and one ``responsible`` text) and ``measure_status`` (long:
``area_code``, ``measure_id``, ``done``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from greening.actor import Actor
from greening.coverage import CoverageResult, coverage_for

__all__ = ["run_coverage", "frames_of", "VILLAGE_COLUMNS"]

VILLAGE_COLUMNS = ["code", "planned", "planted", "plan_completion", "survival", "coverage", "trees_per_km2"]
_ALIASES = {"completion": "plan_completion", "survival_rate": "survival", "trees": "planted"}
_PEOPLE = ["team_leader", "first_secretary", "town_leader", "county_leader", "city_leader"]


def run_coverage(conn, actor: Actor, as_of=None) -> dict:
    """Roll-ups for ``actor``'s area as of ``as_of`` (default today)."""
    return frames_of(coverage_for(conn, actor, as_of))


def frames_of(result: CoverageResult) -> dict:
    """The frames the pages read, from one computation (already limited to the reader's area)."""
    villages = pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore"))
    return {"as_of": result.as_of, "towns": result.towns, "counties": result.counties, "city": result.city,
            "weekly": result.weekly, "villages": _village_columns(villages),
            "lagging": _lagging(result.lagging), "measure_status": _long_status(result.measure_status),
            "cover_layers": result.cover_layers}


def _village_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns={k: v for k, v in _ALIASES.items() if k in frame and v not in frame})
    for col in VILLAGE_COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    for col in VILLAGE_COLUMNS[1:]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["code"] = frame["code"].astype(str)
    # Names come from the area frames the pages join this to (ui.data).
    return frame.drop(columns=[c for c in ("name", "town_code", "county_code") if c in frame])


def _lagging(lagging: pd.DataFrame) -> pd.DataFrame:
    """Ranked lagging villages with reasons in both languages and one "responsible" text."""
    if lagging is None or not len(lagging):
        return pd.DataFrame(columns=["rank", "code", "name", "reason_list", "responsible"])
    out = lagging.copy()
    out["reason_list"] = [list(zip(codes, zh.split("；"), en.split("; "), strict=False))
                          for codes, zh, en in zip(out["reasons"], out["reasons_zh"], out["reasons_en"], strict=False)]
    out["responsible"] = out[[c for c in _PEOPLE if c in out]].apply(
        lambda r: "、".join(str(v) for v in r if isinstance(v, str) and v), axis=1)
    return out


def _long_status(status: pd.DataFrame) -> pd.DataFrame:
    """village × measure (True/False/NA) -> long ``area_code``, ``measure_id``, ``done`` (applicable only)."""
    if status is None or not len(status):
        return pd.DataFrame(columns=["area_code", "measure_id", "done"])
    long = status.rename_axis("area_code").reset_index().melt(id_vars="area_code", var_name="measure_id",
                                                              value_name="done")
    long = long.dropna(subset=["done"])
    long["done"] = long["done"].astype(bool).astype(float)
    return long
