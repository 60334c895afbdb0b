"""One village's detail bundle: summary, team, people, plantings, plan against planted, survival,
measures attested and designations. Refused outside the actor's area. Read-only."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import and_, func, select

from greening.actor import Actor
from greening.area_codes import county_of, town_of
from greening.geodb import read_df
from greening.models import (
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
from greening.permissions import require
from greening.services.area_views import area_frame
from greening.services.area_views import live as _live
from greening.validation.errors import OperationRefused

__all__ = ["VillageDetail", "village_summary", "village_detail"]


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


class VillageNotFound(OperationRefused, LookupError):
    """No village with this code inside the actor's area."""


def village_summary(conn, actor: Actor, code: str) -> dict:
    """The village's own row (with town and county names); refuses an area outside the actor's."""
    require(actor, "village.view", code)
    frame = area_frame(conn, actor, "village", within=code)
    frame = frame[frame["code"] == code]
    if frame.empty:
        raise VillageNotFound.of("village_not_found", code=code)
    return frame.iloc[0].to_dict()


def village_detail(conn, actor: Actor, code: str) -> VillageDetail:
    """The detail bundle of village ``code``: team, people, plan vs planted, plantings, survival."""
    village = village_summary(conn, actor, code)
    team = read_df(conn, select(GreeningTeam.id, GreeningTeam.name, GreeningTeam.leader_name,
                                GreeningTeam.leader_phone, GreeningTeam.members, GreeningTeam.party_members,
                                GreeningTeam.founded_on, GreeningTeam.is_demo)
                   .where(_live(GreeningTeam), GreeningTeam.village_code == code).limit(1))
    people = _people(read_df(conn, select(Person.id, Person.name, Person.kind, Person.title, Assignment.role,
                                          Assignment.area_code, Assignment.start_on, Assignment.end_on)
                             .join(Assignment, Assignment.person_id == Person.id)
                             .where(_live(Assignment), _live(Person),
                                    Assignment.area_code.in_([code, town_of(code), county_of(code)]))
                             .order_by(Assignment.area_code.desc(), Person.kind, Person.id)))
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


def _people(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per person serving the village, its town or its county, nearest area first: a city
    leader in charge of both the county and the town is one person with both assignments.
    ``role`` and ``area_code`` are lists (each role once, in the order of the areas)."""
    columns = ["id", "name", "kind", "title", "role", "area_code", "start_on", "end_on"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    grouped = rows.groupby("id", sort=False)
    out = grouped.agg(name=("name", "first"), kind=("kind", "first"), title=("title", "first"),
                      role=("role", lambda r: list(dict.fromkeys(r))),
                      area_code=("area_code", lambda a: list(dict.fromkeys(a))),
                      start_on=("start_on", "min"),
                      end_on=("end_on", lambda e: None if e.isna().any() else e.max()))
    return out.reset_index()[columns]


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
        out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0).astype(int)
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
