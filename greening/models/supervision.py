"""Supervision notices (督办单), the notification outbox and the frozen monthly ranking (红黑榜)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from greening.models.base import Base, Tracked, utcnow

__all__ = ["SupervisionNotice", "OutboxMessage", "RankingSnapshot"]


class SupervisionNotice(Tracked, Base):
    """A notice to a lagging village: what is wrong, who answers, by when, and how it was settled.

    ``status`` is one of :data:`greening.supervision.states.STATES`; overdue and escalation are not
    stored but computed from ``deadline`` and the report date when read.
    """

    __tablename__ = "supervision_notices"
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("admin_areas.id"), nullable=False, index=True)
    village_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    issuer_name: Mapped[str] = mapped_column(String(100), nullable=False)
    # The issuer's area (code prefix): only someone at that level or above may close the notice.
    issuer_scope: Mapped[str] = mapped_column(String(12), nullable=False)
    reason_codes: Mapped[list] = mapped_column(default=list, nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    addressees: Mapped[list] = mapped_column(default=list, nullable=False)
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    deadline: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(14), nullable=False, default="issued", index=True)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date)
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))
    reported_on: Mapped[dt.date | None] = mapped_column(Date)
    reported_by: Mapped[str | None] = mapped_column(String(60))
    report_text: Mapped[str | None] = mapped_column(Text)
    report_planting_ids: Mapped[list] = mapped_column(default=list, nullable=False)
    report_photo_ids: Mapped[list] = mapped_column(default=list, nullable=False)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(60))
    return_reason: Mapped[str | None] = mapped_column(Text)
    times_returned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class OutboxMessage(Base):
    """One message to one recipient, written in the transaction of the event it announces.

    ``dedup_key`` (event + channel + recipient) is unique: an event never queues the same message
    twice for a recipient. ``status``: pending -> sending (claimed, committed before the send) ->
    sent; or back to pending with ``next_attempt_at`` after a failure that certainly did not
    deliver; ``failed`` after the last attempt; ``unconfirmed`` when a sender stopped between
    sending and marking (never re-sent by itself: at most once).
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_notices.id"), index=True)
    scope_code: Mapped[str | None] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    recipient: Mapped[str] = mapped_column(String(500), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)


class RankingSnapshot(Base):
    """One area's line in a month's frozen ranking (红黑榜); written once, never recomputed."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (UniqueConstraint("month", "level", "area_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), nullable=False, index=True)  # YYYY-MM
    level: Mapped[str] = mapped_column(String(8), nullable=False)  # town | county
    area_code: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    area_name: Mapped[str] = mapped_column(String(100), nullable=False)
    parent_name: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)
    score_rank: Mapped[int] = mapped_column(Integer, nullable=False)
    notices: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    overdue: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    on_time_rate: Mapped[float | None] = mapped_column(Float)
    on_time_rank: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[dt.date] = mapped_column(Date, nullable=False)
    frozen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    frozen_by: Mapped[str] = mapped_column(String(60), nullable=False)
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
