"""``notify``: queue escalation messages for the report date and deliver the outbox.

Run it from cron (``*/5 * * * * cd /srv/greening && .venv/bin/python -m greening notify``) or a
systemd timer (README "Notifications"); ``--watch SECONDS`` keeps it running instead.
"""
from __future__ import annotations

import time

from greening.actor import Actor
from greening.config import get_settings
from greening.db import get_engine, session_scope
from greening.permissions import install_scope


def register(sub) -> None:
    p = sub.add_parser("notify", help="deliver queued notifications (WeCom, DingTalk, e-mail); run from cron")
    p.add_argument("--watch", type=int, default=0, metavar="SECONDS",
                   help="keep running, one pass every SECONDS (default: one pass and exit)")
    p.add_argument("--no-escalations", action="store_true", help="only deliver, do not queue escalations")
    p.set_defaults(func=_notify)


def _pass(engine, escalate: bool) -> str:
    from greening.coverage.load import report_date
    from greening.supervision.delivery import deliver_due
    from greening.supervision.escalation import queue_escalations

    queued = 0
    if escalate:
        with session_scope(engine) as session:
            install_scope(session, Actor.system("notify"))
            queued = queue_escalations(session, report_date(session.connection()))
    r = deliver_due(engine)
    lines = [f"逾期升级新排队 {queued} 条；已发送 {r.sent}，待重试 {r.retried}，失败 {r.failed}，未确认 {r.unconfirmed} / "
             f"escalations queued {queued}; sent {r.sent}, to retry {r.retried}, failed {r.failed}, "
             f"unconfirmed {r.unconfirmed}"]
    lines += [f"  {e}" for e in r.errors]
    return "\n".join(lines)


def _notify(args) -> int:
    engine = get_engine(get_settings().resolved_database_url)
    while True:
        print(_pass(engine, not args.no_escalations), flush=True)
        if not args.watch:
            return 0
        time.sleep(max(args.watch, 1))
