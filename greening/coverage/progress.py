"""One village's own progress figures, without computing its whole county.

A team's map (种植登记) draws one village coloured by its plan completion. Those figures depend
on that village's rows alone, so they are computed here from them, with the same code as the
full computation (:func:`greening.coverage.metrics.progress_metrics`, the parts of
:func:`~greening.coverage.metrics.village_metrics` these figures come from), and equal its answers:
``planned``, ``planted`` (trees credited to the village), ``plan_completion``, ``survival`` and
``trees_per_km2``. What compares a village with others (the 56 measures, coverage, score,
lagging) is not here: that needs :func:`greening.coverage.area_coverage`.

The rows read are the ones the full computation credits to the village: plantings claimed for
it, and plantings located in it whose claimed village is no live village of the area the full
computation reads (``context``, :func:`greening.coverage.coverage_context`), which that
computation credits to the village they lie in; their care checks; the village's plans.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from sqlalchemy import and_, exists, select, union_all

from greening.actor import Actor
from greening.coverage.inputs import CoverageInputs
from greening.coverage.metrics import PROGRESS_COLUMNS, progress_metrics
from greening.geodb import read_df
from greening.models import AdminArea, CareCheck, Planting, PlantingPlan
from greening.models.enums import AreaLevel, PlantingStatus
from greening.permissions import require, scope_clause

__all__ = ["village_progress", "PROGRESS_COLUMNS"]

_CHUNK = 500  # planting ids per query for their care checks (bound parameters)


def village_progress(conn, actor: Actor, villages: pd.DataFrame, as_of: dt.date, *,
                     context: str) -> pd.DataFrame:
    """``code`` and :data:`PROGRESS_COLUMNS` of each village of ``villages`` (a frame with
    ``code``, ``name``, ``area_m2`` and optionally ``geometry``, inside ``actor``'s area) as of
    ``as_of``, as the computation over ``context`` gives them."""
    require(actor, "village.view")
    codes = [str(c) for c in villages["code"]
             if actor.is_citywide or str(c).startswith(actor.scope_prefix)]  # nothing outside the area
    villages = villages[villages["code"].astype(str).isin(codes)]
    if not codes:
        return pd.DataFrame({"code": pd.Series(dtype=str), **{c: pd.Series(dtype=float) for c in PROGRESS_COLUMNS}})

    def in_area(col, prefix: str):
        return scope_clause(dataclasses.replace(actor, scope_prefix=prefix), col)

    year_start = dt.date(as_of.year, 1, 1)
    p = Planting
    counted = and_(p.deleted_at.is_(None), p.status != PlantingStatus.REJECTED,
                   p.planted_on >= year_start, p.planted_on <= as_of, in_area(p.claimed_village_code, context))
    claimed_live = exists().where(AdminArea.code == p.claimed_village_code, AdminArea.level == AreaLevel.VILLAGE,
                                  AdminArea.deleted_at.is_(None), in_area(AdminArea.code, context))
    # Two disjoint sets, each read through its own index: claimed for the villages, or lying in
    # them while claimed for no live village (credited where they lie).
    credited = [p.claimed_village_code.in_(codes), and_(p.village_code.in_(codes), ~claimed_live)]
    plantings = read_df(conn, union_all(*(select(
        p.id, p.village_code, p.claimed_village_code, p.planted_on, p.tree_count, p.area_m2,
        p.site_type, p.party_members, p.villagers, p.status, p.lon, p.lat).where(counted, which)
        for which in credited)))
    plans = read_df(conn, select(
        PlantingPlan.village_code, PlantingPlan.year, PlantingPlan.planned_count,
        PlantingPlan.seedlings_secured,
    ).where(PlantingPlan.deleted_at.is_(None), PlantingPlan.year == as_of.year,
            PlantingPlan.village_code.in_(codes)))
    ids = [int(i) for i in plantings["id"]]
    checks = pd.concat([read_df(conn, select(
        CareCheck.planting_id, CareCheck.village_code, CareCheck.kind, CareCheck.checked_on,
        CareCheck.alive_count,
    ).where(CareCheck.deleted_at.is_(None), CareCheck.checked_on >= year_start, CareCheck.checked_on <= as_of,
            in_area(CareCheck.village_code, context), CareCheck.planting_id.in_(ids[i:i + _CHUNK])))
        for i in range(0, len(ids), _CHUNK)]) if ids else None
    frame = villages[[c for c in ("code", "name", "area_m2", "geometry") if c in villages]].copy()
    frame["code"] = frame["code"].astype(str)
    inputs = CoverageInputs.build(frame, plantings=plantings, plans=plans, checks=checks,
                                  scope_prefix=actor.scope_prefix, as_of=as_of)
    return progress_metrics(inputs, as_of)
