"""The outbox delivered to a local WeCom/DingTalk-shaped HTTP server and a local SMTP server:
retry with back-off after a failure, at most once per recipient, no duplicate after a crash
between sending and marking, failures visible to administrators, escalations queued once."""
from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from greening.actor import Actor
from greening.config import override_settings
from greening.db import session_scope
from greening.models import OutboxMessage
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.supervision import delivery, outbox
from greening.supervision import notices as N
from greening.supervision.escalation import queue_escalations
from tests.fixtures.accounts import SUIXI_V1, fast_argon2, world  # noqa: F401

DAY = dt.date(2024, 6, 10)
CITY = Actor(user_id=None, username="city", role=Role.CITY)


def due_now() -> dt.datetime:
    """A moment at which the messages just queued are due: they are queued at the real time, so
    this is taken when the test runs (a time fixed when the module is imported passed before the
    queueing once a long suite had run for more than its margin, and nothing was due)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)


class Robot:
    """A group robot on loopback: records each JSON body; answers errors while ``fail`` > 0."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        self.fail = 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if robot.fail > 0:
                    robot.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                robot.received.append((self.path, json.loads(body)))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    r = Robot()
    yield r
    r.stop()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Keep(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    import socket

    handler = Keep()
    for attempt in range(5):  # aiosmtpd's start-up check cannot use port 0: probe a free port
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except (OSError, RuntimeError):  # taken by another process between the probe and the start
            if attempt == 4:
                raise
    yield handler, port
    controller.stop()


def setup_notice(engine, **routes) -> int:
    with override_settings(**routes), session_scope(engine) as s:
        install_scope(s, Actor.system("tests"))
        world(s)
        install_scope(s, CITY)
        n = N.issue_notice(s, CITY, N.NoticeDraft(SUIXI_V1, "1. 种植进度落后", [], [{"name": "王队长"}]),
                           issued_on=DAY)
        return n.id


def statuses(engine):
    with engine.connect() as c:
        return c.execute(select(OutboxMessage.channel, OutboxMessage.status, OutboxMessage.attempts)
                         .order_by(OutboxMessage.id)).all()


class TestWebhooks:
    def test_wecom_and_dingtalk_formats_delivered_once(self, fresh_engine, robot):
        routes = dict(notify_wecom=f"440823={robot.url}/cgi-bin/webhook/send?key=K1",
                      notify_dingtalk=f"440823101={robot.url}/robot/send?access_token=T|SECabc")
        setup_notice(fresh_engine, **routes)
        now = due_now()
        with override_settings(**routes):
            r = delivery.deliver_due(fresh_engine, now=now)
            again = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(hours=1))
        assert (r.sent, again.sent) == (2, 0)
        paths = sorted(p for p, _ in robot.received)
        assert paths[0] == "/cgi-bin/webhook/send?key=K1"
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(paths[1]).query)
        assert set(query) == {"access_token", "timestamp", "sign"}
        ts = query["timestamp"][0]
        assert paths[1].endswith(delivery.dingtalk_url("x", "SECabc", int(ts)).split("?", 1)[1])
        for _path, payload in robot.received:
            assert payload["msgtype"] == "text"
            assert payload["text"]["content"].startswith("【乡村绿化督办】湛绿督〔2024〕1号")
        assert [s for _c, s, _a in statuses(fresh_engine)] == ["sent", "sent"]

    def test_failure_backs_off_then_retries(self, fresh_engine, robot):
        routes = dict(notify_wecom=f"440823={robot.url}/w", notify_backoff_seconds=60)
        setup_notice(fresh_engine, **routes)
        now = due_now()
        robot.fail = 2
        with override_settings(**routes):
            first = delivery.deliver_due(fresh_engine, now=now)
            early = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(seconds=59))
            second = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(seconds=60))
            not_yet = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(seconds=60 + 119))
            third = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(seconds=60 + 120))
        assert (first.retried, early.retried + early.sent, second.retried, not_yet.sent, third.sent) == (1, 0, 1, 0, 1)
        assert "HTTP 503" in first.errors[0]
        assert statuses(fresh_engine) == [("wecom", "sent", 3)] and len(robot.received) == 1
        assert [delivery.backoff_seconds(a, 60) for a in (1, 2, 3, 20)] == [60, 120, 240, 86_400]

    def test_receiver_down_then_failed_after_max_attempts_visible_to_admin(self, fresh_engine):
        routes = dict(notify_wecom="440823=http://127.0.0.1:9/down", notify_max_attempts=2,
                      notify_backoff_seconds=1)
        setup_notice(fresh_engine, **routes)
        now = due_now()
        with override_settings(**routes):
            delivery.deliver_due(fresh_engine, now=now)
            r = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(minutes=5))
        assert r.failed == 1 and statuses(fresh_engine) == [("wecom", "failed", 2)]
        admin = Actor(user_id=None, username="admin", role=Role.ADMIN)
        with session_scope(fresh_engine) as s:
            install_scope(s, admin)
            [msg] = outbox.failures(s, admin)
            assert "connection" in msg.last_error
            with pytest.raises(PermissionDenied):
                outbox.failures(s, CITY)
            outbox.requeue(s, admin, msg.id)
        assert statuses(fresh_engine) == [("wecom", "pending", 0)]

    def test_crash_between_send_and_mark_is_not_sent_twice(self, fresh_engine, robot):
        routes = dict(notify_wecom=f"440823={robot.url}/w")
        setup_notice(fresh_engine, **routes)
        now = due_now()

        def send_then_die(msg, settings):
            delivery.send_one(msg, settings)
            raise KeyboardInterrupt("killed after sending, before marking")

        with override_settings(**routes):
            with pytest.raises(KeyboardInterrupt):
                delivery.deliver_due(fresh_engine, now=now, send=send_then_die)
            assert statuses(fresh_engine) == [("wecom", "sending", 1)]
            soon = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(seconds=30))
            later = delivery.deliver_due(fresh_engine, now=now + dt.timedelta(minutes=10))
        assert (soon.sent, later.sent, later.unconfirmed) == (0, 0, 1)
        assert len(robot.received) == 1
        assert statuses(fresh_engine) == [("wecom", "unconfirmed", 1)]

    def test_two_senders_never_send_the_same_message(self, fresh_engine, robot):
        routes = dict(notify_wecom=f"440823={robot.url}/w")
        setup_notice(fresh_engine, **routes)
        now = due_now()
        with override_settings(**routes):
            results, errors = [], []

            def send():
                try:
                    results.append(delivery.deliver_due(fresh_engine, now=now))
                except Exception as exc:  # noqa: BLE001 - a thread's error is reported by the assert below
                    errors.append(repr(exc))

            threads = [threading.Thread(target=send) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert not errors and len(results) == 3
        assert sum(r.sent for r in results) == 1 and len(robot.received) == 1


class TestEmail:
    def test_smtp_on_loopback(self, fresh_engine, smtp_server):
        handler, port = smtp_server
        routes = dict(notify_email="440823=lead@example.org,town@example.org", smtp_host="127.0.0.1",
                      smtp_port=port, smtp_from="greening@example.org")
        setup_notice(fresh_engine, **routes)
        now = due_now()
        with override_settings(**routes):
            r = delivery.deliver_due(fresh_engine, now=now)
            delivery.deliver_due(fresh_engine, now=now + dt.timedelta(hours=2))
        assert r.sent == 2 and len(handler.messages) == 2
        mail = handler.messages[0]
        assert sorted(m["To"] for m in handler.messages) == ["lead@example.org", "town@example.org"]
        assert "湛绿督〔2024〕1号" in mail["Subject"] or "2024-0001" in mail["Subject"]
        assert "种植进度落后" in mail.get_payload(decode=True).decode("utf-8")

    def test_smtp_down_is_retried(self, fresh_engine):
        routes = dict(notify_email="440823=lead@example.org", smtp_host="127.0.0.1", smtp_port=9)
        setup_notice(fresh_engine, **routes)
        now = due_now()
        with override_settings(**routes):
            r = delivery.deliver_due(fresh_engine, now=now)
        assert r.retried == 1 and statuses(fresh_engine) == [("email", "pending", 1)]


class TestEscalationMessages:
    def test_queued_once_per_level(self, fresh_engine):
        routes = dict(notify_wecom="440823=http://127.0.0.1:9/county;4408=http://127.0.0.1:9/city",
                      notice_escalate_days=7)
        nid = setup_notice(fresh_engine, **routes)  # deadline 2024-06-24
        with override_settings(**routes), session_scope(fresh_engine) as s:
            install_scope(s, Actor.system("tests"))
            counts = [queue_escalations(s, d) for d in
                      (dt.date(2024, 6, 24), dt.date(2024, 6, 25), dt.date(2024, 6, 26), dt.date(2024, 7, 2))]
            events = s.execute(select(OutboxMessage.event, OutboxMessage.recipient)
                               .where(OutboxMessage.notice_id == nid, OutboxMessage.event.like("escalated%"))
                               .order_by(OutboxMessage.id)).all()
        assert counts == [0, 1, 0, 2]
        assert events[0] == ("escalated_county", "http://127.0.0.1:9/county")
        assert sorted(r for e, r in events if e == "escalated_city") == [
            "http://127.0.0.1:9/city", "http://127.0.0.1:9/county"]


class TestRoutes:
    def test_bad_routes_are_named(self):
        with pytest.raises(ValueError, match="bad notification route 'x'"):
            outbox.parse_routes("wecom", "x")
        with pytest.raises(ValueError, match="not an e-mail address: 'nobody'"):
            outbox.parse_routes("email", "4408=nobody")
        with pytest.raises(ValueError, match="http"):
            outbox.parse_routes("dingtalk", "4408=ftp://x")
        assert outbox.parse_routes("dingtalk", "440823=https://h/r|S")[0].secret == "S"

    def test_long_wecom_text_is_cut_to_2048_bytes(self):
        content = delivery.wecom_payload("督" * 2000)["text"]["content"]
        assert len(content.encode()) <= 2048 and content.endswith("…")
