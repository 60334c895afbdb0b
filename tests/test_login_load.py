"""Many log-ins at once: no connection or write lock held while a password is hashed, the pool
sized from settings, and "busy, try again" (never an error page) when the system is overloaded."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from greening.actor import Actor
from greening.auth import sessions
from greening.auth.login import BUSY, log_in
from greening.config import get_settings, override_settings
from greening.db import make_engine, session_scope
from greening.models import AdminArea, AuditLog, LoginSession
from greening.models.enums import Role
from greening.permissions import install_scope
from tests.fixtures.accounts import PASSWORD, add_user, fast_argon2  # noqa: F401

USERS = [f"lead{i:02d}" for i in range(50)]


def _accounts(engine, names=USERS) -> None:
    with session_scope(engine) as s:
        install_scope(s, Actor.system("tests"))
        s.add(AdminArea(code="440823000000", level="county", name="遂溪县", scope_prefix="440823"))
        s.flush()
        for name in names:
            add_user(s, name, Role.COUNTY_LEAD, "440823000000")


def _count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_the_pool_is_sized_from_settings(tmp_path):
    with override_settings(db_pool_size=3, db_max_overflow=1, db_pool_timeout=7, extra=get_settings().extra):
        engine = make_engine(f"sqlite:///{tmp_path / 'p.sqlite'}")
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool.timeout()) == (3, 1, 7)
    engine.dispose()


def test_fifty_log_ins_at_once_through_a_small_pool(fresh_engine):
    _accounts(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=2, max_overflow=0, pool_timeout=20)
    with override_settings(login_hash_slots=2, extra=get_settings().extra), ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda n: log_in(engine, n, PASSWORD), USERS))
    assert [r.reason for r in results] == ["ok"] * 50
    assert _count(engine, LoginSession) == 50
    assert _count(engine, AuditLog, AuditLog.action == "login") == 50
    engine.dispose()


def test_no_connection_is_held_while_the_password_is_hashed(fresh_engine, monkeypatch):
    _accounts(fresh_engine, ["suixi"])
    url = fresh_engine.url.render_as_string(hide_password=False)
    engine = make_engine(url)
    seen = []
    real = sessions.verify_password

    def watching(stored, password):
        seen.append(engine.pool.checkedout())
        return real(stored, password)

    monkeypatch.setattr(sessions, "verify_password", watching)
    assert log_in(engine, "suixi", PASSWORD).ok
    assert not log_in(engine, "suixi", "wrong-password").ok
    assert seen == [0, 0]
    engine.dispose()


def test_overload_answers_busy_and_writes_nothing(fresh_engine, monkeypatch):
    _accounts(fresh_engine, USERS[:6])
    real = sessions.verify_password

    def slow(stored, password):
        time.sleep(0.4)
        return real(stored, password)

    monkeypatch.setattr(sessions, "verify_password", slow)
    with override_settings(login_hash_slots=1, login_wait_seconds=0, extra=get_settings().extra):
        start = threading.Barrier(6)

        def attempt(name):
            start.wait()
            return log_in(fresh_engine, name, PASSWORD)

        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(attempt, USERS[:6]))
    busy = [r for r in results if r.reason == "busy"]
    assert busy and all(r.message == BUSY and not r.ok and r.token is None for r in busy)
    done = [r for r in results if r.ok]
    assert len(done) + len(busy) == 6
    assert _count(fresh_engine, LoginSession) == len(done)
    assert _count(fresh_engine, AuditLog, AuditLog.action.in_(["login", "login_failed"])) == len(done)


def test_no_free_connection_answers_busy(fresh_engine):
    _accounts(fresh_engine, ["suixi"])
    url = fresh_engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.3)
    with engine.connect() as held:  # every connection of the pool is busy
        held.execute(text("SELECT 1"))
        result = log_in(engine, "suixi", PASSWORD)
    assert (result.ok, result.reason, result.message) == (False, "busy", BUSY)
    assert log_in(engine, "suixi", PASSWORD).ok
    engine.dispose()


class TestLogInForm:
    def _app(self):
        from streamlit.testing.v1 import AppTest

        from greening.config import REPO_ROOT

        return AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()

    def test_the_form_holds_no_write_lock_while_hashing(self, app_engine, monkeypatch):
        """Another writer gets the database at once while a log-in checks its password."""
        _accounts(app_engine, ["suixi"])
        url = app_engine.url.render_as_string(hide_password=False)
        other = make_engine(url)
        real = sessions.verify_password
        writer_waited = []

        def meanwhile(stored, password):
            with other.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout = 300")
                conn.commit()
                conn.execution_options(sqlite_begin="IMMEDIATE")  # take the write lock, as a writer does
                try:
                    with conn.begin():
                        writer_waited.append(False)
                except OperationalError as exc:  # database is locked
                    writer_waited.append(str(exc.orig))
            return real(stored, password)

        monkeypatch.setattr(sessions, "verify_password", meanwhile)
        at = self._app()
        at.text_input(key="login_username").input("suixi")
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run()
        assert not at.exception
        assert writer_waited == [False], "the write lock was held during the password check"
        assert "greening_token" in at.session_state
        other.dispose()

    def test_busy_is_a_message_on_the_form(self, app_engine, monkeypatch):
        _accounts(app_engine, ["suixi"])
        import greening.auth.login

        monkeypatch.setattr(greening.auth.login, "check_attempt", _always_busy)
        at = self._app()
        at.text_input(key="login_username").input("suixi")
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run()
        assert not at.exception
        assert [w.value for w in at.warning if "繁忙" in w.value] == ["系统繁忙，请稍后再试。"]
        assert at.text_input(key="login_username") is not None


def _always_busy(*_args, **_kwargs):
    from sqlalchemy import exc

    raise exc.TimeoutError("QueuePool limit of size 8 overflow 24 reached, connection timed out, timeout 30.00")

