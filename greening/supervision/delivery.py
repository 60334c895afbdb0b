"""Delivering the outbox: WeCom and DingTalk group robots and SMTP e-mail, at most once each.

One pass (:func:`deliver_due`, run by ``python -m greening notify`` from cron or a systemd timer):

1. A message left ``sending`` by a sender that stopped (claimed longer ago than
   :func:`stale_after`) becomes ``unconfirmed``: it may or may not have gone out, and sending
   it again could deliver it twice, so it is never re-sent by itself; administrators see it
   (:func:`greening.supervision.outbox.failures`) and may send it again.
2. Each due ``pending`` message is claimed (``sending``, committed) *before* it is sent, so two
   senders never send the same message, then sent, then marked ``sent`` (committed).
3. A failure that certainly delivered nothing (connection refused, HTTP 5xx or 429, the robot's
   ``errcode`` not 0, the SMTP server refusing) puts it back to ``pending`` with a back-off:
   ``notify_backoff_seconds`` × 2^(attempt-1), at most a day; after ``notify_max_attempts`` it is
   ``failed``. A time-out while waiting for the answer is ambiguous: ``unconfirmed``.

Formats: WeCom ``{"msgtype": "text", "text": {"content": ...}}`` (content at most 2,048 bytes,
answer ``{"errcode": 0, "errmsg": "ok"}``); DingTalk the same shape, with ``timestamp`` and
``sign`` (HMAC-SHA256 of ``timestamp\\nsecret``, Base64, URL-encoded) added to the URL when the
robot has a signing secret. Every message starts with 【乡村绿化督办】, which a robot's keyword
security setting can require.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine

from greening.config import get_settings
from greening.models import OutboxMessage
from greening.supervision.outbox import route_secret

__all__ = ["Delivered", "Retry", "Ambiguous", "DeliveryReport", "deliver_due", "send_one", "wecom_payload",
           "dingtalk_payload", "dingtalk_url", "backoff_seconds", "stale_after", "WECOM_MAX_BYTES"]

_OUTBOX = cast(Table, OutboxMessage.__table__)
WECOM_MAX_BYTES = 2048
MAX_BACKOFF = 86_400


class Retry(Exception):
    """Certainly not delivered: try again later."""


class Ambiguous(Exception):
    """Perhaps delivered: never send again by itself."""


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)


Delivered = None  # send functions return None on success


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def wecom_payload(body: str) -> dict:
    return {"msgtype": "text", "text": {"content": _truncate(body, WECOM_MAX_BYTES)}}


def dingtalk_payload(body: str) -> dict:
    return {"msgtype": "text", "text": {"content": body}}


def dingtalk_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """The robot URL with ``timestamp`` and ``sign`` when the robot signs (加签)."""
    if not secret:
        return url
    ts = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def _post_json(url: str, payload: dict, timeout: float) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            answer = response.read()
    except urllib.error.HTTPError as exc:
        raise Retry(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:  # refused, unreachable, DNS, connect time-out
        raise Retry(f"connection: {exc.reason}") from None
    except (TimeoutError, ConnectionResetError) as exc:  # the request went out; the answer did not come
        raise Ambiguous(f"no answer: {exc!r}") from None
    try:
        code = json.loads(answer.decode("utf-8")).get("errcode")
    except (ValueError, AttributeError):
        raise Retry(f"answer is not the robot's JSON: {answer[:100]!r}") from None
    if code != 0:
        raise Retry(f"robot errcode {code}: {answer[:200].decode('utf-8', 'replace')}")


def _send_email(msg: OutboxMessage, settings) -> None:
    if not settings.smtp_host:
        raise Retry("GREENING_SMTP_HOST is not set")
    mail = EmailMessage()
    mail["From"] = settings.smtp_from or "greening@localhost"
    mail["To"] = msg.recipient
    mail["Subject"] = msg.subject
    # A stable id: a receiving server that sees the same message twice can tell.
    mail["Message-ID"] = make_msgid(idstring=f"outbox-{msg.id}", domain="greening.local")
    mail.set_content(msg.body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.notify_timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(mail)
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        raise Ambiguous(f"SMTP: {exc!r}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise Retry(f"SMTP: {exc!r}") from None


def send_one(msg: OutboxMessage, settings=None) -> None:
    """Send one message; returns on success, raises :class:`Retry` or :class:`Ambiguous`."""
    s = settings or get_settings()
    if msg.channel == "wecom":
        _post_json(msg.recipient, wecom_payload(msg.body), s.notify_timeout_seconds)
    elif msg.channel == "dingtalk":
        _post_json(dingtalk_url(msg.recipient, route_secret("dingtalk", msg.recipient, s)),
                   dingtalk_payload(msg.body), s.notify_timeout_seconds)
    elif msg.channel == "email":
        _send_email(msg, s)
    else:
        raise Retry(f"unknown channel {msg.channel!r}")


def backoff_seconds(attempts: int, base: int) -> int:
    """Wait before the next try after ``attempts`` failed tries: base, 2×base, 4×base, … ≤ a day."""
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def stale_after(settings=None) -> dt.timedelta:
    """How long a claim may last before its sender is taken to have stopped."""
    s = settings or get_settings()
    return dt.timedelta(seconds=3 * s.notify_timeout_seconds + 60)


def _recover_stale(engine: Engine, now: dt.datetime, settings, report: DeliveryReport) -> None:
    with engine.begin() as conn:
        result = conn.execute(update(_OUTBOX)
                              .where(OutboxMessage.status == "sending",
                                     OutboxMessage.claimed_at < now - stale_after(settings))
                              .values(status="unconfirmed",
                                      last_error="发送程序在发送与标记之间中断，是否送达未知 / the sender stopped "
                                                 "between sending and marking; delivery unknown"))
        report.unconfirmed += result.rowcount or 0


def _claim(engine: Engine, msg_id: int, now: dt.datetime) -> str | None:
    token = uuid.uuid4().hex
    with engine.begin() as conn:
        result = conn.execute(update(_OUTBOX)
                              .where(OutboxMessage.id == msg_id, OutboxMessage.status == "pending")
                              .values(status="sending", claim_token=token, claimed_at=now,
                                      attempts=OutboxMessage.attempts + 1))
    return token if result.rowcount == 1 else None


def _mark(engine: Engine, msg_id: int, token: str, **values) -> None:
    with engine.begin() as conn:
        conn.execute(update(_OUTBOX)
                     .where(OutboxMessage.id == msg_id, OutboxMessage.claim_token == token)
                     .values(**values))


def deliver_due(engine: Engine, *, now: dt.datetime | None = None, settings=None, limit: int = 200,
                send=send_one) -> DeliveryReport:
    """Deliver every due pending message once (see the module docstring)."""
    s = settings or get_settings()
    now = now or dt.datetime.now(dt.UTC)
    report = DeliveryReport()
    _recover_stale(engine, now, s, report)
    with engine.connect() as conn:
        due = conn.execute(select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                                          OutboxMessage.next_attempt_at <= now)
                           .order_by(OutboxMessage.id).limit(limit)).scalars().all()
    for msg_id in due:
        token = _claim(engine, msg_id, now)
        if token is None:
            continue  # another sender took it
        with engine.connect() as conn:
            row = conn.execute(select(OutboxMessage.__table__).where(OutboxMessage.id == msg_id)).mappings().one()
        msg = OutboxMessage(**{k: row[k] for k in ("id", "channel", "recipient", "subject", "body")})
        try:
            send(msg, s)
        except Retry as exc:
            attempts = row["attempts"]
            if attempts >= s.notify_max_attempts:
                _mark(engine, msg_id, token, status="failed", last_error=str(exc)[:2000])
                report.failed += 1
            else:
                wait = dt.timedelta(seconds=backoff_seconds(attempts, s.notify_backoff_seconds))
                _mark(engine, msg_id, token, status="pending", claim_token=None, last_error=str(exc)[:2000],
                      next_attempt_at=now + wait)
                report.retried += 1
            report.errors.append(f"#{msg_id} {row['channel']}: {exc}")
            continue
        except Ambiguous as exc:
            _mark(engine, msg_id, token, status="unconfirmed", last_error=str(exc)[:2000])
            report.unconfirmed += 1
            report.errors.append(f"#{msg_id} {row['channel']}: {exc}")
            continue
        _mark(engine, msg_id, token, status="sent", sent_at=dt.datetime.now(dt.UTC), last_error=None)
        report.sent += 1
    return report
