"""Review of submitted plantings (核查审核) and the random spot-check list for the four-party check.

Town and county leads verify or reject plantings in their area. Every decision names the
version of the record the reviewer looked at: if someone changed the record since, the decision
is refused with :class:`Conflict` and nothing is written (the audit trail keeps both steps of
any two edits that do go through). Rejected records stay visible to their team, with the reason.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from greening.actor import Actor
from greening.config import get_settings
from greening.models import AdminArea, GreeningTeam, Planting, Species
from greening.models.enums import PlantingStatus
from greening.permissions import PermissionDenied, require, scope_clause
from greening.services.plantings import PlantingError, load_planting
from greening.validation.catalogue import message
from greening.validation.errors import Refusal
from greening.validation.text import check_text

__all__ = ["Conflict", "verify", "reject", "last_decision", "review_queue", "team_records", "spot_check",
           "period_range", "MAX_REASON"]

MAX_REASON = 500
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])))?$")


class Conflict(Refusal):
    """The record changed after the reviewer loaded it (a ``ValueError``, as before)."""

    def __init__(self, planting_id: int | None = None):
        zh, en = message("review_conflict")
        super().__init__("review_conflict", zh, en)
        self.planting_id = planting_id


def _load_for_review(session: Session, actor: Actor, planting_id: int) -> Planting:
    """The planting, if it exists inside the actor's area; otherwise refuse without saying which."""
    try:
        planting = load_planting(session, actor, planting_id, "planting.review")
    except PlantingError:
        raise PermissionDenied.of("review_record_not_in_scope", planting_id=planting_id) from None
    if planting.created_by_id is not None and planting.created_by_id == actor.user_id:
        raise PermissionDenied.of("review_own_record")
    return planting


def _decide(session: Session, actor: Actor, planting_id: int, expected_version: int,
            status: PlantingStatus, reason: str | None) -> Planting:
    planting = _load_for_review(session, actor, planting_id)
    if _pressed_again(planting, actor, expected_version, status, reason):
        return planting  # the same decision by the same reviewer again (a double press): done already
    if planting.version != expected_version:
        raise Conflict(planting_id)
    if planting.status == status.value:
        raise Refusal.of("review_already_decided", planting_id=planting_id, status=status.value)
    planting.status = status.value
    planting.reject_reason = reason
    planting.reviewed_by_id = actor.user_id
    planting.reviewed_at = dt.datetime.now(dt.UTC)
    try:
        # The UPDATE names the version read above: a change committed in between makes it miss.
        session.flush()
    except StaleDataError:
        raise Conflict(planting_id) from None
    return planting


def _pressed_again(planting: Planting, actor: Actor, expected_version: int, status: PlantingStatus,
                   reason: str | None) -> bool:
    """The record is exactly what this reviewer's decision of ``expected_version`` made of it.

    A decision is one UPDATE (version + 1); a press arriving again for the same version, with the
    same decision and reason, changes nothing and is answered as done, not as a conflict."""
    return (actor.user_id is not None and planting.version == expected_version + 1
            and planting.status == status.value and planting.reviewed_by_id == actor.user_id
            and (planting.reject_reason or None) == (reason or None))


def last_decision(session: Session, actor: Actor, *, within: dt.timedelta = dt.timedelta(minutes=10),
                  now: dt.datetime | None = None) -> tuple[int, str, str | None] | None:
    """The reviewer's latest decision of the last ``within``: (record id, status, reason), or None.

    What the review page says when the outcome kept in the browser tab is gone: a tab whose
    connection dropped under load and came back as a new session, or a press that reached
    another replica."""
    if actor.user_id is None:
        return None
    since = (now or dt.datetime.now(dt.UTC)) - within
    row = session.execute(
        select(Planting.id, Planting.status, Planting.reject_reason)
        .where(Planting.reviewed_by_id == actor.user_id, Planting.reviewed_at >= since,
               Planting.deleted_at.is_(None), scope_clause(actor, Planting.claimed_village_code))
        .order_by(Planting.reviewed_at.desc(), Planting.id.desc()).limit(1)).first()
    return None if row is None else (int(row.id), str(row.status), row.reject_reason)


def verify(session: Session, actor: Actor, planting_id: int, *, expected_version: int) -> Planting:
    """Mark a planting verified (核查通过). Raises PermissionDenied, Conflict or ValueError."""
    return _decide(session, actor, planting_id, expected_version, PlantingStatus.VERIFIED, None)


def reject(session: Session, actor: Actor, planting_id: int, *, expected_version: int,
           reason: str) -> Planting:
    """Reject a planting with a reason the team will see. Raises PermissionDenied, Conflict or ValueError."""
    reason = check_text((reason or "").strip(), "reason")  # NUL: refused the same on both databases
    if not reason:
        raise Refusal.of("reject_reason_missing")
    if len(reason) > MAX_REASON:
        raise Refusal.of("reject_reason_too_long", limit=MAX_REASON)
    return _decide(session, actor, planting_id, expected_version, PlantingStatus.REJECTED, reason)


_LIST_COLUMNS = (Planting.id, Planting.version, Planting.status, Planting.claimed_village_code.label("village_code"),
                 AdminArea.name.label("village"), GreeningTeam.name.label("team"), Planting.planted_on,
                 Species.name_zh.label("species"), Planting.tree_count, Planting.site_type, Planting.site_name,
                 Planting.reject_reason, Planting.reviewed_at, Planting.created_at, Planting.lon, Planting.lat)


def _listing(actor: Actor):
    return (select(*_LIST_COLUMNS)
            .join(AdminArea, AdminArea.id == Planting.claimed_village_id)
            .join(Species, Species.id == Planting.species_id)
            .outerjoin(GreeningTeam, GreeningTeam.id == Planting.team_id)
            .where(Planting.deleted_at.is_(None), scope_clause(actor, Planting.claimed_village_code)))


def _frame(session: Session, stmt) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))


def review_queue(session: Session, actor: Actor, *, status: str = PlantingStatus.SUBMITTED.value,
                 village_code: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Plantings awaiting review (or of ``status``) in the actor's area, oldest first, with their version."""
    require(actor, "planting.review", village_code)
    stmt = _listing(actor).where(Planting.status == PlantingStatus(status).value)
    if village_code:
        stmt = stmt.where(Planting.claimed_village_code == village_code)
    return _frame(session, stmt.order_by(Planting.created_at, Planting.id).limit(max(1, min(limit, 5000))))


def team_records(session: Session, actor: Actor, limit: int = 100) -> pd.DataFrame:
    """The most recent plantings of the actor's area (a team: its village), rejected ones with the reason."""
    require(actor, "village.view")
    stmt = _listing(actor)
    return _frame(session, stmt.order_by(Planting.created_at.desc(), Planting.id.desc()).limit(max(1, min(limit, 5000))))


def period_range(period: str) -> tuple[dt.date, dt.date]:
    """The dates [start, end) of a period written ``2024``, ``2024-03`` or ``2024-Q2``."""
    m = _PERIOD.match((period or "").strip())
    if not m:
        raise Refusal.of("period_bad", period=period)
    year, month, quarter = int(m[1]), m[2], m[3]
    if month:
        start = dt.date(year, int(month), 1)
        end = dt.date(year + (start.month == 12), start.month % 12 + 1, 1)
    elif quarter:
        start = dt.date(year, 3 * int(quarter) - 2, 1)
        end = dt.date(year + (quarter == "4"), (3 * int(quarter)) % 12 + 1, 1)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return start, end


def _draw_key(seed, period: str, village_code: str, submission_id: str) -> str:
    return hashlib.sha256(f"{seed}|{period}|{village_code}|{submission_id}".encode()).hexdigest()


def spot_check(session: Session, actor: Actor, *, period: str, seed: int | str = 0,
               share: float | None = None, area_code: str | None = None) -> pd.DataFrame:
    """The plantings to visit in the four-party check (四方核查): a share of each village's records.

    From every village in the actor's area (or ``area_code`` inside it), ``share`` (default
    ``settings.spot_check_share``) of its non-rejected plantings of ``period``, rounded up, at least
    one; twice that in villages flagged "reported plantings not visible" (green cover from
    rasters, :mod:`greening.greencover.change`), which come first with ``priority`` True and the
    reason in ``priority_reason``. The draw ranks records by a hash of (seed, period, village, submission id), so the same
    inputs give the same list on any machine, and adding a record does not reshuffle the others.
    """
    require(actor, "spotcheck.view", area_code)
    share = get_settings().spot_check_share if share is None else float(share)
    if not 0 < share <= 1:
        raise Refusal.of("spot_check_share_bad", share=share)
    start, end = period_range(period)
    stmt = (_listing(actor).add_columns(Planting.submission_id)
            .where(Planting.status != PlantingStatus.REJECTED.value,
                   Planting.planted_on >= start, Planting.planted_on < end))
    if area_code:
        stmt = stmt.where(Planting.claimed_village_code.startswith(area_code, autoescape=True))
    df = _frame(session, stmt)
    columns = ["village_code", "village", "team", "id", "submission_id", "planted_on", "species",
               "tree_count", "site_type", "site_name", "status", "lon", "lat"]
    if df.empty:
        return pd.DataFrame(columns=[*columns, "priority", "priority_reason"])
    df["_key"] = [_draw_key(seed, period, v, s) for v, s in zip(df["village_code"], df["submission_id"], strict=False)]
    df = df.sort_values(["village_code", "_key"])
    size = df.groupby("village_code")["id"].transform("size")
    rank = df.groupby("village_code").cumcount()
    # round() first: 0.07 * 100 is 7.000000000000001 in floating point, not 7.
    take = size.map(lambda n: max(1, math.ceil(round(n * share, 9))))
    # Villages whose reported plantings are not visible from above go first, with twice the draw.
    from greening.coverage.load import report_date
    from greening.greencover.change import flagged_villages

    flagged = flagged_villages(session.connection(), area_code or actor.scope_prefix,
                               report_date(session.connection()))
    df["priority"] = df["village_code"].isin(list(flagged))
    df["priority_reason"] = df["village_code"].map(flagged)
    take = take.where(~df["priority"], (2 * take).clip(upper=size))
    picked = df[rank < take].sort_values(["priority", "village_code", "_key"], ascending=[False, True, True],
                                         kind="stable")
    return picked[[*columns, "priority", "priority_reason"]].reset_index(drop=True)
