"""A notice's history: each step taken on it, in order, as the audit trail recorded them.

The notice itself keeps only its latest report and return reason; the trail keeps every step
(every report and every return, however many times a notice went back and forth). Dates are the
steps' own (the day a notice was acknowledged, reported, closed, as the app's report date made
them); a return has none of its own and is listed where it happened, with who returned it and why.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import AuditLog, SupervisionNotice
from greening.permissions import require
from greening.supervision.notices import load_notice

__all__ = ["Step", "notice_history", "histories"]


@dataclass(frozen=True)
class Step:
    kind: str                 # issued | acknowledged | reported | returned | closed
    on: dt.date | None        # the step's date (a return has none)
    by: str | None            # who took it (user name)
    text: str | None = None   # what was reported, or why it was returned
    times: int | None = None  # a return: the how-manyth


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def notice_history(session: Session, actor: Actor, notice_id: int) -> list[Step]:
    """Every step of the notice ``notice_id`` (inside the actor's area, or refused), oldest first."""
    load_notice(session, actor, notice_id)
    return histories(session, actor, [notice_id])[int(notice_id)]


def histories(session: Session, actor: Actor, notice_ids) -> dict[int, list[Step]]:
    """:func:`notice_history` of each notice of ``notice_ids`` inside the actor's area (the others
    are left out), in two queries however many notices (an inbox card each)."""
    require(actor, "notice.view")
    ids = sorted({int(i) for i in notice_ids})
    if not ids:
        return {}
    notices = [n for n in session.scalars(select(SupervisionNotice).where(SupervisionNotice.id.in_(ids)))
               if n.deleted_at is None and actor.covers(n.village_code)]
    out = {n.id: [Step("issued", n.issued_on, n.issuer_name)] for n in notices}
    rows = session.execute(select(AuditLog.record_id, AuditLog.action, AuditLog.username, AuditLog.after)
                           .where(AuditLog.table_name == "supervision_notices",
                                  AuditLog.record_id.in_([str(i) for i in out]))
                           .order_by(AuditLog.id)).all()
    for record_id, action, username, after in rows:
        step = _step(action, username, after) if action == "update" else None
        if step is not None:
            out[int(record_id)].append(step)
    return out


def _step(action: str, username: str | None, after) -> Step | None:
    """The step an audit row of an update recorded, or None (a change that is no step)."""
    after = after if isinstance(after, dict) else {}
    status = after.get("status")
    if status == "acknowledged" and "acknowledged_on" in after:
        return Step("acknowledged", _date(after["acknowledged_on"]), after.get("acknowledged_by") or username)
    if status == "reported":
        return Step("reported", _date(after.get("reported_on")), after.get("reported_by") or username,
                    after.get("report_text"))
    if status == "returned":
        return Step("returned", None, username, after.get("return_reason"), after.get("times_returned"))
    if status == "closed":
        return Step("closed", _date(after.get("closed_on")), after.get("closed_by") or username)
    return None
