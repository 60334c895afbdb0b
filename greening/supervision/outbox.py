"""The notification outbox: messages written in the same transaction as the event they announce.

An event (a notice issued, acknowledged, reported, closed, returned or escalated) is announced
in the app at once (the inbox reads the notices themselves) and, when routes are configured, by
one :class:`~greening.models.OutboxMessage` per recipient: a WeCom or DingTalk group robot or an
e-mail address. Routes are set per area (``GREENING_NOTIFY_WECOM`` etc., ``code-prefix=target``
separated by ``;``): a message about a village goes to every route whose prefix covers the
village, down to the levels the event concerns. Because the rows are added to the event's own
session, a sender that is down loses nothing; ``dedup_key`` (event, channel, recipient) is
unique, so an event never queues a message twice for the same recipient.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.config import get_settings
from greening.models import OutboxMessage
from greening.permissions import allowed, require
from greening.validation import Refusal

__all__ = ["Route", "routes", "parse_routes", "enqueue", "failures", "failure_count", "requeue", "CHANNELS"]

CHANNELS = ("wecom", "dingtalk", "email")


@dataclass(frozen=True)
class Route:
    channel: str
    prefix: str
    target: str
    secret: str = ""

    @property
    def recipient(self) -> str:
        return self.target


def parse_routes(channel: str, text: str) -> list[Route]:
    """``"440823=https://...;4408=https://...|SECRET"`` -> routes; a malformed entry raises a
    :class:`~greening.validation.Refusal` (a ``ValueError``) naming it."""
    out = []
    for part in (text or "").split(";"):
        part = part.strip()
        if not part:
            continue
        prefix, sep, target = part.partition("=")
        prefix, target = prefix.strip(), target.strip()
        if not sep or not prefix.isdigit() or len(prefix) not in (4, 6, 9, 12) or not target:
            raise Refusal.of("route_bad", part=part, channel=channel)
        if channel == "email":
            for addr in target.split(","):
                addr = addr.strip()
                if "@" not in addr:
                    raise Refusal.of("route_email_bad", address=addr)
                out.append(Route(channel, prefix, addr))
            continue
        url, _bar, secret = target.partition("|")
        if not url.startswith(("http://", "https://")):
            raise Refusal.of("route_webhook_bad", url=url)
        out.append(Route(channel, prefix, url.strip(), secret.strip()))
    return out


def routes(settings=None) -> list[Route]:
    """Every configured route (WeCom, DingTalk, e-mail)."""
    s = settings or get_settings()
    return (parse_routes("wecom", s.notify_wecom) + parse_routes("dingtalk", s.notify_dingtalk)
            + parse_routes("email", s.notify_email))


def route_secret(channel: str, recipient: str, settings=None) -> str:
    """The signing secret configured for a DingTalk robot (empty when none)."""
    for r in routes(settings):
        if r.channel == channel and r.target == recipient:
            return r.secret
    return ""


def enqueue(session: Session, *, event: str, key: str, village_code: str, subject: str, body: str,
            min_prefix_len: int = 6, notice_id: int | None = None) -> list[OutboxMessage]:
    """Queue one message per route covering ``village_code`` whose prefix has at least
    ``min_prefix_len`` digits (6: county and town groups; 4: the city's too). ``key`` names the
    event (e.g. ``notice:12:issued``); a recipient that already has it gets nothing new."""
    wanted = [r for r in routes() if village_code.startswith(r.prefix) and len(r.prefix) >= min_prefix_len]
    if not wanted:
        return []
    keys = {f"{key}|{r.channel}|{r.recipient}": r for r in wanted}
    have = set(session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(list(keys)))))
    added = []
    for dedup, r in keys.items():
        if dedup in have:
            continue
        msg = OutboxMessage(dedup_key=dedup, event=event, notice_id=notice_id, scope_code=village_code,
                            channel=r.channel, recipient=r.recipient, subject=subject[:200], body=body,
                            status="pending", attempts=0, next_attempt_at=dt.datetime.now(dt.UTC))
        session.add(msg)
        added.append(msg)
        have.add(dedup)
    return added


def failures(session: Session, actor: Actor, limit: int = 200) -> list[OutboxMessage]:
    """Messages that failed or whose delivery is unconfirmed, newest first (administrators)."""
    require(actor, "outbox.view")
    return list(session.scalars(select(OutboxMessage)
                                .where(OutboxMessage.status.in_(("failed", "unconfirmed")))
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def failure_count(session: Session, actor: Actor) -> int:
    """How many messages failed or are unconfirmed (administrators; 0 for anyone else): a thing to
    do, counted in the inbox's total (the sidebar's count and the page shown after logging in)."""
    if not allowed(actor, "outbox.view"):
        return 0
    return int(session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status.in_(("failed", "unconfirmed")))) or 0)


def requeue(session: Session, actor: Actor, message_id: int) -> None:
    """An administrator sends a failed or unconfirmed message again (after checking the receiver)."""
    require(actor, "outbox.requeue")
    result = cast(CursorResult, session.execute(update(OutboxMessage)
                             .where(OutboxMessage.id == message_id,
                                    OutboxMessage.status.in_(("failed", "unconfirmed")))
                             .values(status="pending", attempts=0, claim_token=None,
                                     next_attempt_at=dt.datetime.now(dt.UTC))))
    if result.rowcount != 1:
        raise Refusal.of("outbox_message_not_resendable", message_id=message_id)
    from greening.audit import record

    record(session, actor, "requeue", "outbox_messages", message_id, note="resend requested")
