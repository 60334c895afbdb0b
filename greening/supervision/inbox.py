"""What waits for a user (the in-app side of every notification), and the notices as tables.

:func:`inbox` gathers, for the actor's role and area, on the report date: notices to acknowledge
or to report on (teams, town leads), reports to verify (the issuing level and above), notices
escalated to the actor's level because they are overdue, care checks due this week or overdue,
and rejected plantings with the reviewer's reason. :func:`issued_summary` is a lead's view of the
notices it issued, per town or village: open, overdue, closed, closed on time.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from greening.actor import Actor
from greening.area_codes import town_of
from greening.config import get_settings
from greening.geodb import rows_frame
from greening.models import AdminArea, Planting, SupervisionNotice, User
from greening.models.enums import PlantingStatus, Role
from greening.permissions import allowed, require, scope_clause
from greening.supervision.notices import display_number
from greening.supervision.states import NoticeClock

__all__ = ["Inbox", "inbox", "notice_frame", "notice_record", "issued_summary", "STATUS_ZH", "LEVEL_ZH"]

STATUS_ZH = {"issued": "已下发待签收", "acknowledged": "已签收待整改", "reported": "已报整改待核验",
             "returned": "已退回待重报", "closed": "已办结"}
STATUS_EN = {"issued": "issued, to acknowledge", "acknowledged": "acknowledged, to rectify",
             "reported": "reported, to verify", "returned": "returned, to report again", "closed": "closed"}
LEVEL_ZH = {"town": "镇级", "county": "县级", "city": "市级"}
_ORDER = {"town": 0, "county": 1, "city": 2}


@dataclass
class Inbox:
    to_acknowledge: pd.DataFrame
    to_report: pd.DataFrame
    to_verify: pd.DataFrame
    escalated: pd.DataFrame
    care_due: pd.DataFrame
    rejected: pd.DataFrame
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def notice_frame(session: Session, actor: Actor, on: dt.date, *, issued_by: str | None = None,
                 village_code: str | None = None) -> pd.DataFrame:
    """The notices of the actor's area with names and their read-time status on ``on``."""
    require(actor, "notice.view", village_code)
    village, town, county = aliased(AdminArea), aliased(AdminArea), aliased(AdminArea)
    office = aliased(AdminArea)
    n = SupervisionNotice
    stmt = (select(n, village.name, town.name, county.name, village.is_demo, office.name, User.display_name)
            .join(village, village.id == n.village_id)
            .outerjoin(town, town.code == _town_code(n.village_code))
            .outerjoin(county, county.code == _county_code(n.village_code))
            # the issuing area (its scope, "4408" or "440823", padded to an area code) and the issuer
            .outerjoin(office, office.code == func.substr(n.issuer_scope.op("||")("000000000000"), 1, 12))
            .outerjoin(User, User.id == n.issuer_id)
            .where(n.deleted_at.is_(None), scope_clause(actor, n.village_code)))
    if issued_by:
        stmt = stmt.where(n.issuer_name == issued_by)
    if village_code:
        stmt = stmt.where(n.village_code == village_code)
    days = get_settings().notice_escalate_days
    rows = [{**notice_record(obj, on, days, vname, tname, cname, demo), "issuer_office": oname or "",
             "issuer_display": shown or obj.issuer_name}
            for obj, vname, tname, cname, demo, oname, shown
            in session.execute(stmt.order_by(n.year.desc(), n.seq.desc()))]
    if not rows:
        return pd.DataFrame(columns=list(FRAME_KEYS))
    return pd.DataFrame(rows)


def _town_code(col):
    return func.substr(col, 1, 9).op("||")("000")


def _county_code(col):
    return func.substr(col, 1, 6).op("||")("000000")


RECORD_KEYS = (
    "id", "version", "number", "display_number", "year", "seq", "village_code", "village_name", "town_name",
    "county_name", "town_code", "issuer_name", "issuer_scope", "reasons", "reason_codes", "addressees",
    "issued_on", "deadline", "status", "status_zh", "status_en", "overdue_days", "level", "level_zh", "on_time",
    "acknowledged_on", "acknowledged_by", "reported_on", "reported_by", "report_text", "report_planting_ids",
    "report_photo_ids", "closed_on", "closed_by", "return_reason", "times_returned", "is_demo")
#: a row of :func:`notice_frame`: the record and who issued it, as a document signs it
FRAME_KEYS = (*RECORD_KEYS, "issuer_office", "issuer_display")


def notice_record(n: SupervisionNotice, on: dt.date, escalate_days: int, village_name: str | None = None,
                  town_name: str | None = None, county_name: str | None = None, is_demo: bool = False) -> dict:
    """A notice as plain data, with its status on ``on`` (used by tables and the PDF)."""
    clock = NoticeClock.of(n.status, n.deadline, n.reported_on, on, escalate_days)
    return {
        "id": n.id, "version": n.version, "number": n.number, "display_number": display_number(n),
        "year": n.year, "seq": n.seq, "village_code": n.village_code,
        "village_name": village_name or n.village_code, "town_name": town_name, "county_name": county_name,
        "town_code": town_of(n.village_code), "issuer_name": n.issuer_name, "issuer_scope": n.issuer_scope,
        "reasons": n.reasons, "reason_codes": list(n.reason_codes or []), "addressees": list(n.addressees or []),
        "issued_on": n.issued_on, "deadline": n.deadline, "status": n.status,
        "status_zh": STATUS_ZH[n.status], "status_en": STATUS_EN[n.status],
        "overdue_days": clock.overdue_days, "level": clock.level, "level_zh": LEVEL_ZH[clock.level],
        "on_time": clock.on_time, "acknowledged_on": n.acknowledged_on, "acknowledged_by": n.acknowledged_by,
        "reported_on": n.reported_on, "reported_by": n.reported_by, "report_text": n.report_text,
        "report_planting_ids": list(n.report_planting_ids or []), "report_photo_ids": list(n.report_photo_ids or []),
        "closed_on": n.closed_on, "closed_by": n.closed_by, "return_reason": n.return_reason,
        "times_returned": n.times_returned, "is_demo": bool(is_demo),
    }


def _rejected(session: Session, actor: Actor) -> pd.DataFrame:
    rows = session.execute(
        select(Planting.id, Planting.planted_on, Planting.tree_count, Planting.reject_reason, Planting.reviewed_at,
               AdminArea.name.label("village"))
        .join(AdminArea, AdminArea.id == Planting.claimed_village_id)
        .where(Planting.status == PlantingStatus.REJECTED.value, Planting.deleted_at.is_(None),
               scope_clause(actor, Planting.claimed_village_code))
        .order_by(Planting.reviewed_at.desc()).limit(200)).all()
    return rows_frame(rows, ["id", "planted_on", "tree_count", "reject_reason", "reviewed_at", "village"])


def inbox(session: Session, actor: Actor, on: dt.date) -> Inbox:
    """Everything waiting for ``actor`` on ``on`` (see the module docstring)."""
    require(actor, "notice.view")
    frame = notice_frame(session, actor, on)
    empty = frame.iloc[0:0]
    answers = allowed(actor, "notice.acknowledge")
    to_ack = frame[frame["status"] == "issued"] if answers else empty
    to_report = frame[frame["status"].isin(["acknowledged", "returned"])] if answers else empty
    if allowed(actor, "notice.verify"):
        to_verify = frame[(frame["status"] == "reported")
                          & frame["issuer_scope"].astype(str).str.startswith(actor.scope_prefix)]
    else:
        to_verify = empty
    mine = {Role.COUNTY_LEAD: 1, Role.CITY: 2, Role.ADMIN: 2}.get(actor.role)
    escalated = frame[frame["level"].map(_ORDER).fillna(0) >= mine] if mine and len(frame) else empty
    from greening.supervision.care_schedule import due_checks

    # care checks and rejected plantings are the village's work (its team, and its town lead)
    village_work = actor.role in (Role.TEAM, Role.TOWN_LEAD)
    care = due_checks(session, actor, on) if village_work else pd.DataFrame(columns=["state"])
    rejected = _rejected(session, actor) if village_work else _rejected(session, actor).iloc[0:0]
    counts = {"to_acknowledge": len(to_ack), "to_report": len(to_report), "to_verify": len(to_verify),
              "escalated": len(escalated), "care_due": len(care), "rejected": len(rejected)}
    return Inbox(to_ack, to_report, to_verify, escalated, care, rejected, counts)


def issued_summary(session: Session, actor: Actor, on: dt.date, *, by: str = "town",
                   mine_only: bool = True) -> pd.DataFrame:
    """Per town (``by="town"``) or village: notices issued (by the actor, or all in its area), open,
    overdue, closed and closed on time."""
    frame = notice_frame(session, actor, on, issued_by=actor.username if mine_only else None)
    cols = ["code", "name", "issued", "open", "overdue", "closed", "closed_on_time"]
    if not len(frame):
        return pd.DataFrame(columns=cols)
    key, name = ("town_code", "town_name") if by == "town" else ("village_code", "village_name")
    g = frame.assign(open=frame["status"] != "closed", overdue=frame["overdue_days"] > 0,
                     closed=frame["status"] == "closed").groupby([key, name], dropna=False)
    out = pd.DataFrame({"issued": g.size(), "open": g["open"].sum(), "overdue": g["overdue"].sum(),
                        "closed": g["closed"].sum(), "closed_on_time": g["on_time"].sum()}).reset_index()
    out.columns = cols
    return out.astype({c: int for c in cols[2:]}).sort_values(["overdue", "open"], ascending=False).reset_index(drop=True)
