"""The team registry and the designations (demonstration towns, villages, ...) with progress,
scoped to the actor. Read-only."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from greening.actor import Actor
from greening.geodb import read_df, read_gdf, wkb_column
from greening.models import (
    AdminArea,
    Designation,
    GreeningTeam,
    Planting,
)
from greening.permissions import scope_clause
from greening.services.area_views import live as _live
from greening.services.planting_views import _planting_stats, plan_completion_by_area

__all__ = ["DESIGNATION_TARGETS", "teams_frame", "designations_frame"]


#: The article's figures for the designations it counts.
DESIGNATION_TARGETS = {"demo_town": 18, "demo_village": 376, "industry_model": 12}


def teams_frame(conn, actor: Actor) -> pd.DataFrame:
    """The greening-team registry in scope, with each team's planting activity and map point."""
    g, v, town, county = GreeningTeam, AdminArea, aliased(AdminArea), aliased(AdminArea)
    stmt = (select(g.id, g.name, g.village_code, v.name.label("village_name"), town.name.label("town_name"),
                   county.name.label("county_name"), g.leader_name, g.leader_phone, g.members,
                   g.party_members, g.founded_on, g.active, g.is_demo,
                   v.label_lon.label("lon"), v.label_lat.label("lat"))
            .join(v, v.id == g.village_id).outerjoin(town, town.id == v.parent_id)
            .outerjoin(county, county.id == town.parent_id)
            .where(_live(g), scope_clause(actor, g.village_code)).order_by(g.village_code))
    teams = read_df(conn, stmt)
    stats = read_df(conn, _planting_stats(actor, Planting.team_id))
    teams = teams.merge(stats.rename(columns={"key": "id"}), on="id", how="left")
    for col in ("plantings", "trees"):
        teams[col] = teams[col].fillna(0).astype(int)
    return teams


def designations_frame(conn, actor: Actor, progress: pd.Series | None = None) -> pd.DataFrame:
    """Designations in scope with a map point and ``progress`` (0-1).

    ``progress`` maps area codes (villages and towns) to plan completion; a designation takes the
    value of its area. Without it, progress is the planted share of the area's plan, computed here.
    """
    d, a = Designation, AdminArea
    stmt = (select(d.id, d.kind, d.name, d.year, d.area_code, a.name.label("area_name"), a.level.label("area_level"),
                   d.is_demo, a.label_lon, a.label_lat, wkb_column(d.geom))
            .outerjoin(a, a.id == d.area_id)
            .where(_live(d), scope_clause(actor, d.area_code))
            .order_by(d.kind, d.area_code))
    frame = read_gdf(conn, stmt)
    points = frame.geometry.representative_point()
    frame["lon"] = np.where(frame.geometry.isna(), frame["label_lon"], points.x)
    frame["lat"] = np.where(frame.geometry.isna(), frame["label_lat"], points.y)
    if progress is None:
        progress = plan_completion_by_area(conn, actor)
    frame["progress"] = frame["area_code"].map(progress).astype(float)
    return pd.DataFrame(frame.drop(columns=["geometry", "label_lon", "label_lat"]))
