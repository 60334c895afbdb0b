"""Care schedule (三分建、七分管): the care and survival checks each verified planting is due.

A verified planting planted on day P is due a check at P + m months for each m of
``GREENING_CARE_MONTHS`` (e.g. 1, 3, 6, 12). The k-th check counts as done when the planting has
a check (care or survival) dated inside its window: from ``GREENING_CARE_EARLY_DAYS`` before that
due date up to the same margin before the next one (the last window stays open). On day D a
due check not done is ``due_soon`` when its date is within the next 7 days, ``overdue`` when
its date has passed while its window is still open, ``missed`` once the window closed.

A team revisiting trees does not always know which record they belong to ("is this the same
tree?"): :func:`match_planting` finds the planting of the same species nearest to where the
check was logged, within ``GREENING_CARE_MATCH_METERS``, and :func:`record_check_at` records the
check against it.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.config import get_settings
from greening.geodb import rows_frame
from greening.models import AdminArea, CareCheck, Planting, Species
from greening.models.enums import PlantingStatus
from greening.permissions import require, scope_clause
from greening.validation import Refusal

__all__ = ["add_months", "due_dates", "check_states", "schedule_frame", "overdue_summary", "due_checks", "overdue_by_village", "match_planting",
           "record_check_at", "NoMatch", "SOON_DAYS"]

SOON_DAYS = 7
_EARTH_M = 6_371_008.8


class NoMatch(Refusal):
    """No verified planting of the species close enough (``care_no_match``, ``care_no_match_nearest``)."""

    @classmethod
    def within(cls, metres: float, nearest: float | None) -> NoMatch:
        if nearest is None:
            return cls.of("care_no_match", metres=round(metres))
        return cls.of("care_no_match_nearest", metres=round(metres), nearest=round(nearest))


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 month = 29 Feb 2024)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(planted_on: dt.date, months=None) -> list[dt.date]:
    months = months or get_settings().care_due_months
    return [add_months(planted_on, m) for m in months]


def check_states(planted_on: dt.date, checks: list[dt.date], on: dt.date, *, months=None,
                 early_days: int | None = None) -> list[tuple[int, dt.date, str]]:
    """(months, due date, state) of every scheduled check of one planting on day ``on``."""
    frame = schedule_frame(pd.DataFrame({"planting_id": [0], "planted_on": [planted_on]}),
                           pd.DataFrame({"planting_id": [0] * len(checks), "checked_on": list(checks)}),
                           on, months=months, early_days=early_days)
    return list(zip(frame["months"].tolist(), frame["due_on"].tolist(), frame["state"].tolist(), strict=True))


def _days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")


def _schedule(plantings: pd.DataFrame, checks: pd.DataFrame, on: dt.date, months=None,
              early_days: int | None = None):
    """(months, due dates and states): the schedule of ``plantings`` on day ``on`` as arrays, due
    dates and states shaped (plantings, months). The one place the schedule's rule lives (see the
    module docstring)."""
    s = get_settings()
    months = tuple(months or s.care_due_months)
    early = np.timedelta64(s.care_early_days if early_days is None else early_days, "D")
    n, k_count = len(plantings), len(months)
    planted = _days(plantings["planted_on"]) if n else np.empty(0, "datetime64[D]")
    stamps = pd.DatetimeIndex(planted.astype("datetime64[ns]"))
    dues = np.stack([(stamps + pd.DateOffset(months=m)).to_numpy().astype("datetime64[D]") for m in months])
    starts = dues - early
    ends = np.concatenate([starts[1:], np.full((1, n), np.datetime64("NaT"), "datetime64[D]")])
    done = np.zeros((k_count, n), dtype=bool)
    if n and len(checks):
        at = pd.Index(plantings["planting_id"]).get_indexer(checks["planting_id"])
        day = _days(checks["checked_on"])[at >= 0]
        at = at[at >= 0]
        for k in range(k_count):
            hit = (day >= starts[k][at]) & (np.isnat(ends[k][at]) | (day < ends[k][at]))
            done[k, at[hit]] = True
    day_on = np.datetime64(on, "D")
    due, end, done = dues.T, ends.T, done.T
    closed = ~np.isnat(end) & (day_on >= end)
    state = np.select([done, closed, day_on > due, (due - day_on).astype(int) <= SOON_DAYS],
                      ["done", "missed", "overdue", "due_soon"], "upcoming")
    return months, due, state


def schedule_frame(plantings: pd.DataFrame, checks: pd.DataFrame, on: dt.date, *, months=None,
                   early_days: int | None = None) -> pd.DataFrame:
    """Every scheduled check of ``plantings`` (columns planting_id, planted_on, any others kept)
    on day ``on``, given their ``checks`` (planting_id, checked_on): the plantings' columns plus
    months, due_on, state and days_late, planting by planting."""
    months, due, state = _schedule(plantings, checks, on, months, early_days)
    n, k_count = len(plantings), len(months)
    due = due.reshape(-1)
    out = plantings.iloc[np.repeat(np.arange(n), k_count)].reset_index(drop=True)
    out["months"] = np.tile(np.array(months, dtype=np.int64), n)
    out["due_on"] = pd.to_datetime(due).date if len(due) else []
    out["state"] = state.reshape(-1)
    out["days_late"] = np.maximum((np.datetime64(on, "D") - due).astype(int), 0)
    return out


def overdue_summary(plantings: pd.DataFrame, checks: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Per village (plantings' ``village_code``): how many checks are overdue on ``on`` and the
    oldest of their due dates (columns village_code, overdue, oldest_due)."""
    _, due, state = _schedule(plantings, checks, on)
    late = state == "overdue"
    if not late.any():
        return pd.DataFrame({"village_code": pd.Series([], dtype=str), "overdue": pd.Series([], dtype="int64"),
                             "oldest_due": pd.Series([], dtype="datetime64[s]")})
    rows, _ = np.nonzero(late)
    frame = pd.DataFrame({"village_code": plantings["village_code"].to_numpy()[rows],
                          "due_on": due[late].astype("datetime64[s]")})
    g = frame.groupby("village_code")
    out = pd.DataFrame({"overdue": g.size(), "oldest_due": g["due_on"].min()}).reset_index()
    return out.astype({"overdue": "int64"})


def _plantings(session: Session, actor: Actor, village_code: str | None):
    stmt = (select(Planting.id, Planting.claimed_village_code, AdminArea.name, Planting.planted_on,
                   Species.name_zh, Planting.tree_count, Planting.site_name)
            .join(AdminArea, AdminArea.id == Planting.claimed_village_id)
            .join(Species, Species.id == Planting.species_id)
            .where(Planting.status == PlantingStatus.VERIFIED.value, Planting.deleted_at.is_(None),
                   scope_clause(actor, Planting.claimed_village_code)))
    if village_code:
        stmt = stmt.where(Planting.claimed_village_code == village_code)
    return session.execute(stmt).all()


def due_checks(session: Session, actor: Actor, on: dt.date, *, village_code: str | None = None,
               states=("due_soon", "overdue")) -> pd.DataFrame:
    """Scheduled checks of the verified plantings in the actor's area (or one village) on ``on``
    whose state is one of ``states``, overdue first, then by due date."""
    require(actor, "village.view", village_code)
    plantings = _plantings(session, actor, village_code)
    cols = ["planting_id", "village_code", "village", "planted_on", "species", "tree_count", "site_name",
            "months", "due_on", "state", "days_late"]
    if not plantings:
        return pd.DataFrame(columns=cols)
    stmt = (select(CareCheck.planting_id, CareCheck.checked_on)
            .where(CareCheck.deleted_at.is_(None), scope_clause(actor, CareCheck.village_code)))
    if village_code:
        stmt = stmt.where(CareCheck.village_code == village_code)
    checks = rows_frame(session.execute(stmt).all(), ["planting_id", "checked_on"])
    frame = rows_frame(plantings, cols[:7])
    frame = frame[frame["planted_on"] <= on]
    frame = schedule_frame(frame, checks, on)
    frame = frame[frame["state"].isin(states)][cols]
    return frame.sort_values(["days_late", "due_on", "planting_id"], ascending=[False, True, True]).reset_index(drop=True)


def overdue_by_village(session: Session, actor: Actor, on: dt.date) -> pd.Series:
    """Overdue checks per village code (for the lagging reason)."""
    frame = due_checks(session, actor, on, states=("overdue",))
    return frame.groupby("village_code").size() if len(frame) else pd.Series(dtype=int)


def _metres(lon0: float, lat0: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres (haversine; exact enough at tens of metres)."""
    p0, p = math.radians(lat0), np.radians(lats)
    dlat, dlon = p - p0, np.radians(lons - lon0)
    a = np.sin(dlat / 2) ** 2 + math.cos(p0) * np.cos(p) * np.sin(dlon / 2) ** 2
    return 2 * _EARTH_M * np.arcsin(np.sqrt(a))


def match_planting(session: Session, actor: Actor, lon: float, lat: float, species_id: int,
                   on: dt.date) -> tuple[int, float]:
    """The verified planting of ``species_id`` nearest to (lon, lat), planted by ``on``, within
    ``GREENING_CARE_MATCH_METERS``: ``(planting id, metres)``; raises :class:`NoMatch`."""
    require(actor, "care.create")
    limit = float(get_settings().care_match_m)
    reach = 1000.0  # look this far to say how far the nearest one is
    dlat = reach / 111_000
    dlon = reach / (111_000 * max(math.cos(math.radians(lat)), 0.1))
    rows = session.execute(
        select(Planting.id, Planting.lon, Planting.lat)
        .where(Planting.species_id == int(species_id), Planting.status == PlantingStatus.VERIFIED.value,
               Planting.deleted_at.is_(None), Planting.planted_on <= on,
               Planting.lon.between(lon - dlon, lon + dlon), Planting.lat.between(lat - dlat, lat + dlat),
               scope_clause(actor, Planting.claimed_village_code))).all()
    if not rows:
        raise NoMatch.within(limit, None)
    ids = np.array([r[0] for r in rows])
    dist = _metres(lon, lat, np.array([r[1] for r in rows], float), np.array([r[2] for r in rows], float))
    order = np.lexsort((ids, dist))  # nearest first; ties to the older record
    best = order[0]
    if dist[best] > limit:
        raise NoMatch.within(limit, float(dist[best]))
    return int(ids[best]), float(dist[best])


def record_check_at(session: Session, actor: Actor, *, lon: float, lat: float, species_id: int, kind: str,
                    checked_on: dt.date, alive_count, responsible, note, submission_id: str):
    """Record a check logged by position: matched to the nearest planting of the same species."""
    from greening.services.care import record_check

    planting_id, metres = match_planting(session, actor, lon, lat, species_id, checked_on)
    result = record_check(session, actor, planting_id, kind, checked_on, alive_count, responsible, note,
                          submission_id)
    return result, planting_id, metres
