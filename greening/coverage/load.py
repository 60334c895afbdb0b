"""Loading the coverage inputs from the database for an actor (SpatiaLite and PostGIS alike).

Plain SQLAlchemy Core selects; geometry crosses the edge only through
:func:`greening.geodb.wkb_column` / :func:`greening.geodb.read_gdf`; every set is filtered with
:func:`greening.permissions.scope_clause`.

Scope. Results are limited to the actor's area, but a measure of a containing area (e.g. "the
county completes 90 % of its plan" seen by a town lead) must be evaluated on the whole of that
area, or two people would see different answers for the same village. So the *activity* rows
(villages, plantings, plans, checks, teams) are read for the smallest area holding the actor's
area and every area on which a catalogue rule reading such rows is evaluated; *roster* rows
(assignments, designations, attestations, area names) likewise for roster rules, plus the
actor's own ancestors (their leaders in charge and attestations). Rows outside the actor's area
only ever reach the actor as a yes/no for a containing area; :func:`compute_coverage` drops
everything else.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
from sqlalchemy import and_, func, or_, select

from greening.actor import Actor
from greening.coverage.inputs import COLUMNS, CoverageInputs
from greening.coverage.rules import RULES
from greening.geodb import read_columns, read_df, read_gdf, wkb_column
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
)
from greening.models.enums import AreaLevel, AttestationStatus, PlantingStatus
from greening.permissions import scope_clause

__all__ = ["load_inputs", "context_prefixes", "ancestor_codes"]


def ancestor_codes(prefix: str) -> list[str]:
    """12-digit codes of the areas containing (and including) the area of ``prefix``."""
    return sorted({prefix[:n] + "0" * (12 - n) for n in (4, 6, 9, 12) if n <= len(prefix)})


def context_prefixes(scope_prefix: str, catalogue) -> tuple[str, str]:
    """(activity prefix, roster prefix): the areas to read so that every measure of
    ``catalogue`` can be evaluated for the villages in ``scope_prefix``."""
    need = {"activity": len(scope_prefix), "roster": len(scope_prefix)}
    for m in catalogue or []:
        if m.is_rule:
            uses = RULES[m.rule].uses
            need[uses] = min(need[uses], AreaLevel(m.level).code_prefix_len)
    return scope_prefix[:need["activity"]], scope_prefix[:need["roster"]]


def _within(actor: Actor, prefix: str, column):
    return scope_clause(dataclasses.replace(actor, scope_prefix=prefix), column)


def report_date(conn) -> dt.date:
    """The date figures are reported as of when none is asked for: the ``GREENING_AS_OF``
    setting, else the demo campaign's snapshot date while the database holds demo areas (measured
    against today every demo village would lag), else today."""
    from greening.config import get_settings

    configured = get_settings().as_of
    if configured:
        try:
            return dt.date.fromisoformat(configured)
        except ValueError:
            raise ValueError(f"setting GREENING_AS_OF={configured!r} is not a date (YYYY-MM-DD)") from None
    if conn.execute(select(AdminArea.id).where(AdminArea.is_demo.is_(True)).limit(1)).first():
        from greening.demo.calendar import AS_OF

        return AS_OF
    return dt.date.today()


def load_inputs(conn, actor: Actor, as_of: dt.date | None = None, *,
                catalogue=None) -> CoverageInputs:
    """The frames of a coverage computation for ``actor`` as of ``as_of`` (default :func:`report_date`).

    ``catalogue``: the measures to be evaluated (decides how far around the actor's area rows
    are read, see the module docstring); None reads only the actor's area.
    """
    as_of = as_of or report_date(conn)
    year_start = dt.date(as_of.year, 1, 1)
    act, ros = context_prefixes(actor.scope_prefix, catalogue)
    ancestors = ancestor_codes(actor.scope_prefix)

    def in_act(col):
        return _within(actor, act, col)

    def in_roster(col):
        return or_(_within(actor, ros, col), col.in_(ancestors))

    villages = read_gdf(conn, select(
        AdminArea.code, AdminArea.name, AdminArea.area_m2, wkb_column(AdminArea.geom)
    ).where(AdminArea.level == AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
            in_act(AdminArea.code)).order_by(AdminArea.code))
    areas = read_df(conn, select(AdminArea.code, AdminArea.level, AdminArea.name).where(
        AdminArea.level != AreaLevel.VILLAGE, AdminArea.deleted_at.is_(None),
        or_(in_act(AdminArea.code), in_roster(AdminArea.code))))
    p = Planting
    # Every year's plantings and checks up to the report date, read once: the campaign year's
    # count, and the care schedule reaches back to verified plantings of earlier years.
    every_planting = read_columns(conn, select(
        p.id, p.village_code, p.claimed_village_code, p.planted_on, p.tree_count, p.area_m2,
        p.site_type, p.party_members, p.villagers, p.status, p.lon, p.lat,
    ).where(p.deleted_at.is_(None), p.status != PlantingStatus.REJECTED,
            p.planted_on <= as_of, in_act(p.claimed_village_code)), _KINDS["plantings"])
    plantings = _since(every_planting, "planted_on", year_start)
    elsewhere = _elsewhere(conn, plantings, villages)
    plans = read_df(conn, select(
        PlantingPlan.village_code, PlantingPlan.year, PlantingPlan.planned_count,
        PlantingPlan.seedlings_secured,
    ).where(PlantingPlan.deleted_at.is_(None), PlantingPlan.year == as_of.year,
            in_act(PlantingPlan.village_code)))
    every_check = read_columns(conn, select(
        CareCheck.planting_id, CareCheck.village_code, CareCheck.kind, CareCheck.checked_on,
        CareCheck.alive_count,
    ).join(p, p.id == CareCheck.planting_id).where(
        CareCheck.deleted_at.is_(None), p.deleted_at.is_(None), CareCheck.checked_on <= as_of,
        in_act(CareCheck.village_code)), _KINDS["checks"])
    checks = _since(every_check, "checked_on", year_start)
    teams = read_df(conn, select(
        GreeningTeam.village_code, GreeningTeam.name, GreeningTeam.leader_name,
        GreeningTeam.leader_phone, GreeningTeam.members, GreeningTeam.party_members,
        GreeningTeam.active,
    ).where(GreeningTeam.deleted_at.is_(None), in_act(GreeningTeam.village_code)))
    assignments = read_df(conn, select(
        Assignment.area_code, Assignment.role, Person.name, Person.title, Person.phone,
    ).join(Person, Person.id == Assignment.person_id).where(
        Assignment.deleted_at.is_(None), Person.deleted_at.is_(None),
        Assignment.start_on <= as_of,
        or_(Assignment.end_on.is_(None), Assignment.end_on >= as_of),
        in_roster(Assignment.area_code)))
    designations = read_df(conn, select(
        Designation.area_code, Designation.kind, Designation.name, Designation.year,
    ).where(Designation.deleted_at.is_(None), Designation.area_code.is_not(None),
            Designation.year <= as_of.year, in_roster(Designation.area_code)))
    attestations = read_df(conn, select(  # only confirmed ones count (greening.coverage.evaluate)
        Attestation.measure_id, Attestation.area_code, Attestation.status,
    ).where(Attestation.deleted_at.is_(None), Attestation.status == AttestationStatus.CONFIRMED,
            in_roster(Attestation.area_code)))
    last_activity = _last_activity(conn, in_act, as_of, every_planting, every_check)
    care_overdue = _care_overdue(every_planting, every_check, as_of)
    from greening.greencover.change import load_cover

    green, layers = load_cover(conn, act, as_of, villages["code"].astype(str), villages, plantings=every_planting)
    return CoverageInputs.build(
        villages, areas=areas, plantings=plantings, plans=plans, checks=checks, teams=teams,
        assignments=assignments, designations=designations, attestations=attestations,
        last_activity=last_activity, care_overdue=care_overdue, elsewhere=elsewhere,
        scope_prefix=actor.scope_prefix, as_of=as_of,
        green_cover=green, cover_layers=layers)


#: the kinds of the columns of every year's plantings and checks (:func:`greening.geodb.read_columns`),
#: from the input frames' own (:data:`greening.coverage.inputs.COLUMNS`): their text as categoricals
_KINDS = {frame: {col: "category" if kind in ("code", "str") else kind for col, kind in COLUMNS[frame].items()}
          for frame in ("plantings", "checks")}


def _elsewhere(conn, plantings, villages):
    """Code and name of the villages outside ``villages`` that the join placed plantings in (a
    point across the county line): usually none, so usually no query."""
    placed = pd.Index(plantings["village_code"].dropna().unique())
    codes = placed[~placed.isin(villages["code"])]
    if not len(codes):
        return None
    return read_df(conn, select(AdminArea.code, AdminArea.name).where(AdminArea.code.in_(sorted(map(str, codes)))))


def _since(frame: pd.DataFrame, column: str, first: dt.date) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` (a date) is ``first`` or later."""
    return frame[(pd.to_datetime(frame[column]) >= pd.Timestamp(first)).to_numpy(dtype=bool)].reset_index(drop=True)


def _care_overdue(plantings: pd.DataFrame, checks: pd.DataFrame, as_of: dt.date):
    """Care and survival checks overdue on ``as_of`` per village, over verified plantings of every
    year (:func:`greening.supervision.care_schedule.overdue_summary`), from every year's
    plantings (not rejected, not deleted) and checks up to ``as_of``."""
    from greening.supervision.care_schedule import overdue_summary

    verified = plantings[(plantings["status"] == PlantingStatus.VERIFIED).to_numpy(dtype=bool)]
    mine = verified[["id", "claimed_village_code", "planted_on"]].set_axis(
        ["planting_id", "village_code", "planted_on"], axis=1).reset_index(drop=True)
    return overdue_summary(mine, checks[["planting_id", "checked_on"]], as_of)


def _last_activity(conn, in_act, as_of: dt.date, plantings: pd.DataFrame, checks: pd.DataFrame):
    """Latest planting or check per village over all years (an idle spell may span New Year),
    from every year's plantings and checks already read (not rejected, not deleted, up to
    ``as_of``), and the checks of deleted plantings from the database: a visit is activity even
    when the planting it checked was deleted later (few rows, found through the deleted ones)."""
    def latest(codes, days) -> pd.DataFrame:
        return (pd.DataFrame({"village_code": codes, "last_on": pd.to_datetime(days).to_numpy()})
                .groupby("village_code", sort=False)["last_on"].max().reset_index())

    p = Planting
    of_deleted = read_df(conn, select(CareCheck.village_code.label("village_code"),
                                      func.max(CareCheck.checked_on).label("last_on"))
                         .join(p, p.id == CareCheck.planting_id).where(
        and_(p.deleted_at.is_not(None), CareCheck.deleted_at.is_(None), CareCheck.checked_on <= as_of,
             in_act(CareCheck.village_code))).group_by(CareCheck.village_code))
    return pd.concat([latest(plantings["claimed_village_code"].to_numpy(), plantings["planted_on"]),
                      latest(checks["village_code"].to_numpy(), checks["checked_on"]),
                      latest(of_deleted["village_code"].to_numpy(), of_deleted["last_on"])], ignore_index=True)
