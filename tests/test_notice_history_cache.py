"""办理经过 (a notice's history) on 待办 and 督办单 is read once per area and data version, not at
every rerun (up to four lists of cards on 待办, each two queries); a step taken on a notice (a write,
through any replica) is on the card at the next run. Headless on a small demo database."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from greening.auth import DEMO_ACCOUNTS, actor_from_token, authenticate
from greening.config import REPO_ROOT
from greening.db import make_engine, session_scope
from greening.permissions import install_scope
from tests.fixtures.demo_db import demo_copy_fixtures

APP = str(REPO_ROOT / "app.py")
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
TEAM_VILLAGE = "440823101001"  # team-suixi's village in the demo
#: the history's reads (greening.supervision.history.histories): the notices, then their audit rows
HISTORY_SQL = re.compile(r"FROM audit_log\b.*audit_log\.record_id IN|FROM supervision_notices\b.*"
                         r"supervision_notices\.id IN", re.S)

demo_url, settings = demo_copy_fixtures("historycachedb")


def _actor(username: str):
    with session_scope(make_engine()) as s:
        token = authenticate(s, username, PASSWORDS[username]).token
        return token, actor_from_token(s, token)


@pytest.fixture(scope="module", autouse=True)
def a_notice(demo_url):
    """One notice of the team's village, issued by the city."""
    from greening.actor import Actor
    from greening.models.enums import Role
    from greening.supervision import notices

    city = Actor(user_id=None, username="city", role=Role.CITY)
    with session_scope(make_engine()) as s:
        install_scope(s, city)
        made = notices.issue_notice(s, city, notices.NoticeDraft(TEAM_VILLAGE, "1. 种植进度落后", [],
                                                                [{"name": "王队长"}]),
                                    issued_on=dt.date(2024, 5, 20), deadline=dt.date(2024, 6, 3))
        return made.id if hasattr(made, "id") else made.notice.id


@pytest.fixture
def history_queries():
    """The SQL statements of the notices' histories run from now on."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if HISTORY_SQL.search(statement):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def _page(token: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["greening_token"] = token
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _history(at: AppTest) -> list[str]:
    """The 办理经过 blocks shown, their markdown escapes taken out."""
    return [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**办理经过**")]


def test_the_inbox_reads_the_history_once_and_again_after_a_step(settings, history_queries, a_notice):
    from greening.supervision import notices

    token, team = _actor("team-suixi")
    at = _page(token, "pages/inbox.py")
    [shown] = _history(at)
    assert "下发：city" in shown and "签收" not in shown, shown
    history_queries.clear()
    at.run()  # a rerun (any press on the page): nothing of the history read again
    assert not at.exception
    assert _history(at) == [shown]
    assert history_queries == [], history_queries

    with session_scope(make_engine()) as s:  # the team acknowledges it (here, or through any replica)
        install_scope(s, team)
        notices.acknowledge(s, team, a_notice, on=dt.date(2024, 5, 21))
    at.run()
    assert not at.exception
    [shown] = _history(at)
    assert "签收：team-suixi" in shown, shown  # the step at once: the data version is in the key
    assert history_queries, "read again after the write"


def test_the_notices_page_reads_the_history_once(settings, history_queries, a_notice):
    token, _ = _actor("suixi")
    at = _page(token, "pages/notices.py")
    assert _history(at) and "下发：city" in _history(at)[0]
    history_queries.clear()
    at.run()
    assert not at.exception and _history(at)
    assert history_queries == [], history_queries
