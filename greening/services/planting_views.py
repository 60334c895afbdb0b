"""Plantings as the maps and dashboards read them: points, recent records, weekly series and
plan completion by area, all scoped to the actor. Read-only."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from greening.actor import Actor
from greening.area_codes import prefix_codes
from greening.geodb import read_df
from greening.models import (
    AdminArea,
    Planting,
    PlantingPlan,
    Species,
)
from greening.permissions import scope_clause
from greening.services.area_views import live as _live

__all__ = ["plan_completion_by_area", "planting_points", "recent_plantings_frame", "rejected_plantings_frame", "weekly_plantings"]


def _planting_stats(actor: Actor, group_col):
    p = Planting
    return (select(group_col.label("key"), func.count(p.id).label("plantings"),
                   func.coalesce(func.sum(p.tree_count), 0).label("trees"),
                   func.max(p.planted_on).label("last_planted"))
            .where(_live(p), p.status != "rejected", scope_clause(actor, p.claimed_village_code))
            .group_by(group_col))


def plan_completion_by_area(conn, actor: Actor) -> pd.Series:
    """Planted / planned trees for each village and each town in scope (codes -> share)."""
    plans = read_df(conn, select(PlantingPlan.village_code.label("code"),
                                 func.sum(PlantingPlan.planned_count).label("planned"))
                    .where(_live(PlantingPlan), scope_clause(actor, PlantingPlan.village_code))
                    .group_by(PlantingPlan.village_code))
    planted = read_df(conn, _planting_stats(actor, Planting.claimed_village_code)).rename(columns={"key": "code"})
    both = plans.merge(planted[["code", "trees"]], on="code", how="outer").fillna(0)
    if both.empty:
        return pd.Series(dtype=float)
    both["town"] = prefix_codes(both["code"], "town")
    towns = both.groupby("town")[["planned", "trees"]].sum()
    share = lambda f: (f["trees"] / f["planned"].where(f["planned"] > 0)).clip(upper=1.5)  # noqa: E731
    return pd.concat([share(both.set_index("code")), share(towns)])


def planting_points(conn, actor: Actor, *, within: str | None = None, since: dt.date | None = None) -> pd.DataFrame:
    """Planting points for maps: ``lon``, ``lat``, ``tree_count``, ``species``, ``planted_on``, ``village_code``."""
    p = Planting
    stmt = (select(p.lon, p.lat, p.tree_count, Species.name_zh.label("species"), p.planted_on,
                   p.claimed_village_code.label("village_code"))
            .join(Species, Species.id == p.species_id)
            .where(_live(p), p.status != "rejected", scope_clause(actor, p.claimed_village_code)))
    if within:
        stmt = stmt.where(p.claimed_village_code.startswith(within, autoescape=True))
    if since:
        stmt = stmt.where(p.planted_on >= since)
    return read_df(conn, stmt)


def _of(stmt, village_code: str | None, team_id: int | None):
    """``stmt`` limited to the records of one village and/or one team (when given)."""
    if village_code:
        stmt = stmt.where(Planting.claimed_village_code == village_code)
    if team_id:
        stmt = stmt.where(Planting.team_id == team_id)
    return stmt


def recent_plantings_frame(conn, actor: Actor, *, village_code: str | None = None,
                           team_id: int | None = None, limit: int = 20,
                           ids: list[int] | None = None) -> pd.DataFrame:
    """The latest planting records in scope (optionally of one village or team, or only the
    records ``ids``), newest first."""
    p = Planting
    stmt = (select(p.id, p.planted_on, Species.name_zh.label("species"), p.tree_count, p.site_type,
                   p.site_name, p.status, p.claimed_village_code.label("village_code"),
                   AdminArea.name.label("village_name"), p.flags, p.created_at, p.lon, p.lat, p.reject_reason)
            .join(Species, Species.id == p.species_id).join(AdminArea, AdminArea.id == p.claimed_village_id)
            .where(_live(p), scope_clause(actor, p.claimed_village_code))
            .order_by(p.created_at.desc(), p.id.desc()).limit(limit))
    if ids is not None:
        stmt = stmt.where(p.id.in_([int(i) for i in ids]))
    return read_df(conn, _of(stmt, village_code, team_id))


def rejected_plantings_frame(conn, actor: Actor, *, village_code: str | None = None,
                             team_id: int | None = None, limit: int = 5) -> pd.DataFrame:
    """The records in scope (of one village or team) a reviewer rejected, the latest decision
    first, with ``reject_reason`` and ``reviewed_at``: what the team must see and redo."""
    p = Planting
    stmt = (select(p.id, p.planted_on, Species.name_zh.label("species"), p.tree_count, p.site_name,
                   p.reject_reason, p.reviewed_at)
            .join(Species, Species.id == p.species_id)
            .where(_live(p), p.status == "rejected", scope_clause(actor, p.claimed_village_code))
            .order_by(p.reviewed_at.desc(), p.id.desc()).limit(limit))
    return read_df(conn, _of(stmt, village_code, team_id))


def weekly_plantings(conn, actor: Actor, *, within: str | None = None, by: str = "town",
                     until: dt.date | None = None) -> pd.DataFrame:
    """Trees planted per ISO week (Monday), per town (``by="town"``) or county: long format
    ``week``, ``key``, ``trees``. Used when the coverage module's weekly series is not at hand.
    ``until``: only plantings on or before that day (the report date), so the series ends where
    the figures do."""
    p = Planting
    stmt = (select(p.planted_on, p.claimed_village_code.label("code"), p.tree_count)
            .where(_live(p), p.status != "rejected", scope_clause(actor, p.claimed_village_code)))
    if until is not None:
        stmt = stmt.where(p.planted_on <= until)
    if within:
        stmt = stmt.where(p.claimed_village_code.startswith(within, autoescape=True))
    df = read_df(conn, stmt)
    if df.empty:
        return pd.DataFrame(columns=["week", "key", "trees"])
    dates = pd.to_datetime(df["planted_on"])
    df["week"] = (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.normalize()
    df["key"] = prefix_codes(df["code"], "town" if by == "town" else "county")
    return df.groupby(["week", "key"], as_index=False).agg(trees=("tree_count", "sum"))
