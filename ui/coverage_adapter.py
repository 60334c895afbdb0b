"""The coverage roll-ups in the shape the pages use, whatever version of greening.coverage is installed.

Pages read plain frames: ``villages`` (one row per village code with ``planned``, ``planted``,
``plan_completion``, ``survival``, ``coverage``, ``trees_per_km2``, ``lagging``), ``towns``,
``counties``, ``city`` (a dict of headline figures), ``weekly`` (``week``, ``key``, ``trees``) and
``lagging`` (ranked, with ``reasons`` and ``responsible``). When the coverage module is not there
(or fails), the planting figures are computed here from the plans and plantings alone.
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from greening.actor import Actor
from greening.geodb import read_df
from greening.models import CareCheck, Planting, PlantingPlan
from greening.permissions import scope_clause

__all__ = ["run_coverage", "basic_village_metrics", "VILLAGE_COLUMNS"]

log = logging.getLogger(__name__)

VILLAGE_COLUMNS = ["code", "planned", "planted", "plan_completion", "survival", "coverage", "trees_per_km2"]


def run_coverage(conn, actor: Actor, as_of=None) -> dict:
    """Roll-ups for ``actor``'s area as of ``as_of``: the coverage module's, normalised, or basic ones."""
    try:
        from greening.coverage import coverage_for
    except ImportError:
        return {"villages": basic_village_metrics(conn, actor), "source": "basic"}
    return _normalise(coverage_for(conn, actor, as_of), conn, actor)


def _normalise(result, conn, actor: Actor) -> dict:
    villages = pd.DataFrame(result.villages.drop(columns="geometry", errors="ignore"))
    out = {"source": "coverage", "as_of": result.as_of, "towns": result.towns, "counties": result.counties,
           "city": result.city, "weekly": result.weekly}
    out["villages"] = _village_columns(villages) if len(villages) else basic_village_metrics(conn, actor)
    out["lagging"] = _lagging(result.lagging, villages)
    out["measure_status"] = _long_status(result.measure_status)
    return out


_ALIASES = {"completion": "plan_completion", "survival_rate": "survival", "trees": "planted"}


def _village_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns={k: v for k, v in _ALIASES.items() if k in frame and v not in frame})
    for col in VILLAGE_COLUMNS:
        if col not in frame:
            frame[col] = np.nan
    for col in ("plan_completion", "survival", "coverage", "trees_per_km2", "planned", "planted"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["code"] = frame["code"].astype(str)
    # Names come from the area frames the pages join this to.
    return frame.drop(columns=[c for c in ("name", "town_code", "county_code") if c in frame])


_PEOPLE = ["team_leader", "first_secretary", "town_leader", "county_leader", "city_leader"]


def _lagging(lagging: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    """Ranked lagging villages with town/county names, reason labels and one "responsible" text."""
    if lagging is None or not len(lagging):
        return pd.DataFrame(columns=["rank", "code", "name", "town_name", "county_name", "reasons",
                                     "reason_list", "responsible"])
    out = lagging.copy()
    names = villages.set_index("code")["name"] if "name" in villages else pd.Series(dtype=str)
    from greening.geo.boundaries import COUNTIES

    out["county_name"] = out["county_code"].astype(str).str[:6].map(lambda c: COUNTIES.get(c, (c,))[0])
    out["town_name"] = out["town_code"].astype(str).map(_town_names(villages, names))
    out["reason_list"] = [list(zip(codes, zh.split("；"), en.split("; ")))
                          for codes, zh, en in zip(out["reasons"], out["reasons_zh"], out["reasons_en"])]
    out["reason_codes"] = out["reasons"]
    out["responsible"] = out[[c for c in _PEOPLE if c in out]].apply(
        lambda r: "、".join(str(v) for v in r if isinstance(v, str) and v), axis=1)
    return out


def _town_names(villages: pd.DataFrame, names: pd.Series) -> dict:
    # The coverage frames carry codes; town names are read with the area frames (ui.data).
    return {}


def _long_status(status: pd.DataFrame) -> pd.DataFrame:
    """village × measure (True/False/NA) -> long ``area_code``, ``measure_id``, ``done`` (applicable only)."""
    if status is None or not len(status):
        return pd.DataFrame(columns=["area_code", "measure_id", "done"])
    long = status.rename_axis("area_code").reset_index().melt(id_vars="area_code", var_name="measure_id",
                                                              value_name="done")
    long = long.dropna(subset=["done"])
    long["done"] = long["done"].astype(bool).astype(float)
    return long


def basic_village_metrics(conn, actor: Actor) -> pd.DataFrame:
    """Planned and planted trees, plan completion and survival per village (no measure coverage)."""
    plans = read_df(conn, select(PlantingPlan.village_code.label("code"),
                                 func.sum(PlantingPlan.planned_count).label("planned"))
                    .where(PlantingPlan.deleted_at.is_(None), scope_clause(actor, PlantingPlan.village_code))
                    .group_by(PlantingPlan.village_code))
    planted = read_df(conn, select(Planting.claimed_village_code.label("code"),
                                   func.sum(Planting.tree_count).label("planted"))
                      .where(Planting.deleted_at.is_(None), Planting.status != "rejected",
                             scope_clause(actor, Planting.claimed_village_code))
                      .group_by(Planting.claimed_village_code))
    checks = read_df(conn, select(CareCheck.village_code.label("code"), func.sum(CareCheck.alive_count).label("alive"),
                                  func.sum(Planting.tree_count).label("checked"))
                     .join(Planting, Planting.id == CareCheck.planting_id)
                     .where(CareCheck.deleted_at.is_(None), CareCheck.kind == "survival",
                            scope_clause(actor, CareCheck.village_code))
                     .group_by(CareCheck.village_code))
    frame = plans.merge(planted, on="code", how="outer").merge(checks, on="code", how="left")
    for col in ("planned", "planted", "alive", "checked"):
        frame[col] = pd.to_numeric(frame.get(col), errors="coerce")
    frame[["planned", "planted"]] = frame[["planned", "planted"]].fillna(0)
    frame["plan_completion"] = (frame["planted"] / frame["planned"].where(frame["planned"] > 0)).clip(upper=1.5)
    frame["survival"] = (frame["alive"] / frame["checked"].where(frame["checked"] > 0)).clip(upper=1.0)
    frame["coverage"] = np.nan
    frame["trees_per_km2"] = np.nan  # filled by the page from the village area
    return frame[VILLAGE_COLUMNS]
