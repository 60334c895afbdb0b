"""Escalation messages: a notice overdue on the report date is announced to the county, later the city.

Who must act is computed when read (:func:`greening.supervision.states.escalation_level`), so
the app is right without this; the messages are queued by ``python -m greening notify`` before
it delivers, once per notice, level and recipient (the outbox's unique key makes a second run
add nothing).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.config import get_settings
from greening.i18n import fmt_date
from greening.models import SupervisionNotice
from greening.supervision import outbox
from greening.supervision.notices import _names, display_number
from greening.supervision.states import WAITING_FOR_VILLAGE, days_overdue, escalation_level

__all__ = ["queue_escalations"]

_LEVEL = {"county": ("县（市、区）", "the county", 6), "city": ("市级", "the city", 4)}


def queue_escalations(session: Session, on: dt.date) -> int:
    """Queue the escalation messages due on ``on``; returns how many were added."""
    days = get_settings().notice_escalate_days
    rows = session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.status.in_(sorted(WAITING_FOR_VILLAGE)), SupervisionNotice.deadline < on,
        SupervisionNotice.deleted_at.is_(None)).order_by(SupervisionNotice.id)).all()
    added = 0
    for n in rows:
        level = escalation_level(n.status, n.deadline, on, days)
        if level not in _LEVEL:
            continue
        zh, en, min_len = _LEVEL[level]
        late = days_overdue(n.status, n.deadline, on)
        village, town = _names(session, n)
        body = (f"【乡村绿化督办】{display_number(n)}（{town}{village}）已逾期 {late} 天未报整改，"
                f"升级至{zh}督办。整改时限：{fmt_date(n.deadline, 'zh')}\n问题：{n.reasons}\n"
                f"[Greening supervision] notice {n.number} ({village}) is {late} day(s) overdue; escalated to {en}.")
        added += len(outbox.enqueue(session, event=f"escalated_{level}", key=f"notice:{n.id}:escalated:{level}",
                                    village_code=n.village_code, notice_id=n.id, min_prefix_len=min_len,
                                    subject=f"督办单 {display_number(n)} 逾期升级 / notice {n.number} escalated",
                                    body=body))
    session.flush()
    return added
