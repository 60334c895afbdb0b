"""Read-only views the pages need: villages and towns with their shapes, a village's detail bundle,
the team registry, designations with progress, planting points for maps. All scoped to the actor.

Set-based reads (pandas/geopandas) filter with :func:`greening.permissions.scope_clause`; a request
for one record outside the actor's area is refused by :func:`greening.permissions.require` before
anything is read. Nothing here writes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from greening.actor import Actor
from greening.area_codes import county_of, prefix_codes, town_of
from greening.coverage.index import VillageIndex
from greening.geodb import read_df, read_gdf, wkb_column
from greening.models import (
    AdminArea,
    Assignment,
    Attestation,
    CareCheck,
    Designation,
    GreeningTeam,
    Person,
    Planting,
    PlantingPlan,
    Species,
)
from greening.permissions import require, scope_clause

__all__ = ["area_frame", "village_at", "has_demo_data", "teams_frame", "designations_frame",
           "planting_points", "species_frame", "village_summary", "village_detail", "VillageDetail",
           "weekly_plantings", "recent_plantings_frame", "rejected_plantings_frame", "area_names", "measures_frame",
           "plan_completion_by_area", "DESIGNATION_TARGETS"]

#: The article's figures for the designations it counts.
DESIGNATION_TARGETS = {"demo_town": 18, "demo_village": 376, "industry_model": 12}


def _live(model):
    return model.deleted_at.is_(None)


def area_frame(conn, actor: Actor, level: str, *, within: str | None = None) -> gpd.GeoDataFrame:
    """Areas of ``level`` in the actor's scope (optionally inside the code prefix ``within``).

    Columns: ``id``, ``code``, ``name``, ``name_en``, ``town_code``, ``town_name``, ``county_code``,
    ``county_name``, ``label_lon``, ``label_lat``, ``area_m2``, ``is_demo``, geometry (WGS 84).
    Town and county names come from the parent chain, so they are right at every level.
    """
    parent = aliased(AdminArea)
    grand = aliased(AdminArea)
    a = AdminArea
    stmt = (select(a.id, a.code, a.name, a.name_en, a.label_lon, a.label_lat, a.area_m2, a.is_demo,
                   parent.code.label("parent_code"), parent.name.label("parent_name"),
                   grand.code.label("grand_code"), grand.name.label("grand_name"), wkb_column(a.geom))
            .outerjoin(parent, parent.id == a.parent_id).outerjoin(grand, grand.id == parent.parent_id)
            .where(a.level == level, _live(a), _scope_for_areas(actor, a.code))
            .order_by(a.code))
    if within:
        stmt = stmt.where(a.code.startswith(within, autoescape=True))
    frame = read_gdf(conn, stmt)
    if level == "village":
        frame["town_code"], frame["town_name"] = frame.pop("parent_code"), frame.pop("parent_name")
        frame["county_code"], frame["county_name"] = frame.pop("grand_code"), frame.pop("grand_name")
    elif level == "town":
        frame["town_code"], frame["town_name"] = frame["code"], frame["name"]
        frame["county_code"], frame["county_name"] = frame.pop("parent_code"), frame.pop("parent_name")
        frame = frame.drop(columns=["grand_code", "grand_name"])
    else:
        frame = frame.drop(columns=["parent_code", "parent_name", "grand_code", "grand_name"])
    frame["is_demo"] = frame["is_demo"].astype(bool)
    return frame


def _scope_for_areas(actor: Actor, column):
    # An actor sees the areas inside its own; a team or town lead also needs the containing town
    # and county names, which come through the parent joins, not through this filter.
    return scope_clause(actor, column)


def area_names(conn, codes) -> dict[str, str]:
    """code -> name for the given area codes (any level; names are not secret)."""
    codes = sorted({str(c) for c in codes if c})
    if not codes:
        return {}
    rows = conn.execute(select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(codes))).all()
    return {c: n for c, n in rows}


def village_at(villages: gpd.GeoDataFrame, lon: float, lat: float):
    """The row of ``villages`` holding (lon, lat), or None (pure; no database).

    The one border rule of :class:`~greening.coverage.index.VillageIndex`: boundary included, the
    lowest code wins, so a tap on a shared border opens the same village a planting there joins.
    """
    if villages is None or not len(villages) or lon is None or lat is None:
        return None
    shaped = villages[villages.geometry.notna() & ~villages.geometry.is_empty]
    if not len(shaped):
        return None
    code = VillageIndex.from_frame(shaped).locate(float(lon), float(lat))
    if code is None:
        return None
    return shaped.loc[shaped["code"] == code].iloc[0]


def has_demo_data(conn) -> bool:
    """True when the database holds generated demo records (the pages then show a banner)."""
    for model in (AdminArea, GreeningTeam, Planting, Designation):
        if conn.execute(select(exists().where(model.is_demo.is_(True)))).scalar():
            return True
    return False


def species_frame(conn) -> pd.DataFrame:
    """The species catalogue: ``id``, ``name_zh``, ``name_en``, ``name_latin``, ``category``."""
    return read_df(conn, select(Species.id, Species.name_zh, Species.name_en, Species.name_latin,
                                Species.category).where(_live(Species)).order_by(Species.name_zh))


def _planting_stats(actor: Actor, group_col):
    p = Planting
    return (select(group_col.label("key"), func.count(p.id).label("plantings"),
                   func.coalesce(func.sum(p.tree_count), 0).label("trees"),
                   func.max(p.planted_on).label("last_planted"))
            .where(_live(p), p.status != "rejected", scope_clause(actor, p.claimed_village_code))
            .group_by(group_col))


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


def recent_plantings_frame(conn, actor: Actor, *, village_code: str | None = None,
                           team_id: int | None = None, limit: int = 20) -> pd.DataFrame:
    """The latest planting records in scope (optionally of one village or team), newest first."""
    p = Planting
    stmt = (select(p.id, p.planted_on, Species.name_zh.label("species"), p.tree_count, p.site_type,
                   p.site_name, p.status, p.claimed_village_code.label("village_code"),
                   AdminArea.name.label("village_name"), p.flags, p.created_at, p.lon, p.lat, p.reject_reason)
            .join(Species, Species.id == p.species_id).join(AdminArea, AdminArea.id == p.claimed_village_id)
            .where(_live(p), scope_clause(actor, p.claimed_village_code))
            .order_by(p.created_at.desc(), p.id.desc()).limit(limit))
    if village_code:
        stmt = stmt.where(p.claimed_village_code == village_code)
    if team_id:
        stmt = stmt.where(p.team_id == team_id)
    return read_df(conn, stmt)


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
    if village_code:
        stmt = stmt.where(p.claimed_village_code == village_code)
    if team_id:
        stmt = stmt.where(p.team_id == team_id)
    return read_df(conn, stmt)


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
    return df.groupby(["week", "key"], as_index=False)["tree_count"].sum().rename(columns={"tree_count": "trees"})


@dataclass
class VillageDetail:
    """Everything the village page shows about one village."""

    village: dict
    team: dict | None
    people: pd.DataFrame
    plan_vs_planted: pd.DataFrame
    plantings: pd.DataFrame
    survival: dict
    attestations: pd.DataFrame
    designations: list[str] = field(default_factory=list)


def village_summary(conn, actor: Actor, code: str) -> dict:
    """The village's own row (with town and county names); refuses an area outside the actor's."""
    require(actor, "village.view", code)
    frame = area_frame(conn, actor, "village", within=code)
    frame = frame[frame["code"] == code]
    if frame.empty:
        raise LookupError(f"找不到村 {code} / village {code} not found")
    return frame.iloc[0].to_dict()


def village_detail(conn, actor: Actor, code: str) -> VillageDetail:
    """The detail bundle of village ``code``: team, people, plan vs planted, plantings, survival."""
    village = village_summary(conn, actor, code)
    team = read_df(conn, select(GreeningTeam.id, GreeningTeam.name, GreeningTeam.leader_name,
                                GreeningTeam.leader_phone, GreeningTeam.members, GreeningTeam.party_members,
                                GreeningTeam.founded_on, GreeningTeam.is_demo)
                   .where(_live(GreeningTeam), GreeningTeam.village_code == code).limit(1))
    people = read_df(conn, select(Person.name, Person.kind, Person.title, Assignment.role, Assignment.area_code,
                                  Assignment.start_on, Assignment.end_on)
                     .join(Assignment, Assignment.person_id == Person.id)
                     .where(_live(Assignment), _live(Person),
                            Assignment.area_code.in_([code, town_of(code), county_of(code)]))
                     .order_by(Assignment.area_code.desc(), Person.kind))
    plantings = read_df(conn, select(Planting.id, Planting.planted_on, Species.name_zh.label("species"),
                                     Planting.tree_count, Planting.site_type, Planting.site_name,
                                     Planting.status, Planting.lon, Planting.lat, Planting.flags,
                                     Planting.reject_reason)
                        .join(Species, Species.id == Planting.species_id)
                        .where(_live(Planting), Planting.claimed_village_code == code)
                        .order_by(Planting.planted_on.desc(), Planting.id.desc()))
    return VillageDetail(
        village=village,
        team=team.iloc[0].to_dict() if len(team) else None,
        people=people,
        plan_vs_planted=_plan_vs_planted(conn, code),
        plantings=plantings,
        survival=_survival(conn, code),
        attestations=read_df(conn, select(Attestation.measure_id, Attestation.status, Attestation.evidence,
                                          Attestation.attested_on)
                             .where(_live(Attestation), Attestation.area_code == code)),
        designations=[k for (k,) in conn.execute(select(Designation.kind).where(
            _live(Designation), Designation.area_code == code)).all()],
    )


def _plan_vs_planted(conn, code: str) -> pd.DataFrame:
    plan = read_df(conn, select(Species.name_zh.label("species"), func.sum(PlantingPlan.planned_count).label("planned"),
                                func.sum(PlantingPlan.seedlings_secured).label("secured"))
                   .join(Species, Species.id == PlantingPlan.species_id)
                   .where(_live(PlantingPlan), PlantingPlan.village_code == code).group_by(Species.name_zh))
    done = read_df(conn, select(Species.name_zh.label("species"), func.sum(Planting.tree_count).label("planted"))
                   .join(Species, Species.id == Planting.species_id)
                   .where(_live(Planting), Planting.status != "rejected", Planting.claimed_village_code == code)
                   .group_by(Species.name_zh))
    out = plan.merge(done, on="species", how="outer")
    for col in ("planned", "secured", "planted"):
        out[col] = pd.to_numeric(out.get(col), errors="coerce").fillna(0).astype(int)
    return out.sort_values("planned", ascending=False).reset_index(drop=True)


def _survival(conn, code: str) -> dict:
    """Latest survival check of each checked planting: alive / planted, and the people responsible."""
    c, p = CareCheck, Planting
    latest = (select(c.planting_id, func.max(c.checked_on).label("on"))
              .where(_live(c), c.kind == "survival", c.village_code == code).group_by(c.planting_id).subquery())
    rows = read_df(conn, select(c.planting_id, c.alive_count, c.responsible, c.checked_on, p.tree_count)
                   .join(latest, and_(latest.c.planting_id == c.planting_id, latest.c.on == c.checked_on))
                   .join(p, p.id == c.planting_id)
                   .where(_live(c), c.kind == "survival", c.village_code == code))
    if rows.empty:
        return {"checked_plantings": 0, "alive": 0, "planted": 0, "rate": None, "responsible": [], "last_checked": None}
    rows = rows.drop_duplicates("planting_id", keep="last")
    alive, planted = int(rows["alive_count"].fillna(0).sum()), int(rows["tree_count"].sum())
    return {"checked_plantings": len(rows), "alive": alive, "planted": planted,
            "rate": alive / planted if planted else None,
            "responsible": sorted({r for r in rows["responsible"].dropna() if r}),
            "last_checked": rows["checked_on"].max()}


def measures_frame(conn) -> pd.DataFrame:
    """The measure catalogue as stored (synchronised from the catalogue file by the set-up)."""
    from greening.models import Measure

    return read_df(conn, select(Measure.id, Measure.plan, Measure.title_zh, Measure.title_en, Measure.level,
                                Measure.evaluation, Measure.rule).order_by(Measure.plan, Measure.id))
