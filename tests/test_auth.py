"""Log-in, lockout, sessions across tabs, one-time passwords, single sign-on, demo accounts, the gate.

The small campaign world these tests share lives in ``tests/fixtures/accounts.py``.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from greening.actor import Actor
from greening.auth import (
    LOGIN_FAILED,
    PasswordChangeRequired,
    SessionEnded,
    WeakPassword,
    actor_from_token,
    authenticate,
    change_password,
    logout,
    oidc_login,
    seed_demo_users,
    token_hash,
)
from greening.config import override_settings
from greening.models import AdminArea, AuditLog, LoginSession, User
from greening.models.enums import Role
from greening.permissions import install_scope
from greening.services import users
from tests.fixtures.accounts import (
    FAST_ARGON2,
    LEIZHOU_V1,
    PASSWORD,
    SUIXI_TOWN,
    SUIXI_V1,
    add_user,
    audit_rows,
    fast_argon2,  # noqa: F401 - a fixture (autouse)
    login,
    world,
)


class TestPasswords:
    def test_unknown_user_and_wrong_password_get_the_same_answer(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        unknown = authenticate(db, "nobody", PASSWORD)
        wrong = authenticate(db, "suixi", "not-the-password")
        assert not unknown.ok and not wrong.ok
        assert unknown.message == wrong.message == LOGIN_FAILED == "用户名或密码错误 / wrong username or password"
        assert unknown.token is None and wrong.token is None
        assert [r.note for r in audit_rows(db, "login_failed")][-2:] == [
            "unknown user 'nobody'", "wrong password (1 in a row)"]

    def test_unknown_user_costs_one_hash_check_too(self, db, monkeypatch):
        calls = []
        import greening.auth.sessions as sessions

        monkeypatch.setattr(sessions, "burn_time", lambda pw: calls.append(pw))
        authenticate(db, "nobody", "whatever-1")
        authenticate(db, "'; DROP TABLE users; --", "x")
        assert len(calls) == 2

    def test_password_is_stored_as_argon2id_and_token_only_as_its_hash(self, db):
        world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        token = login(db, "SUIXI ")  # user names are trimmed and case-insensitive
        stored = db.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        assert stored.token_hash == token_hash(token) and stored.token_hash != token
        assert len(token) >= 40

    def test_hash_made_with_old_parameters_is_replaced_at_log_in(self, db):
        world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        old = user.password_hash
        with override_settings(extra={**FAST_ARGON2, "argon2_time_cost": 2}):
            login(db, "suixi")
            db.refresh(user)
            assert user.password_hash != old and "t=2" in user.password_hash
            login(db, "suixi")  # the new hash still works

    def test_no_password_hash_reaches_the_audit_trail(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        login(db, "suixi")
        db.flush()
        for row in db.scalars(select(AuditLog)):
            text = f"{row.before} {row.after} {row.note}"
            assert "argon2" not in text and PASSWORD not in text


class TestLockout:
    def test_lock_after_repeated_failures_and_expiry(self, db):
        world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        t0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
        with override_settings(extra=FAST_ARGON2, login_max_failures=3, login_lock_minutes=15):
            reasons = [authenticate(db, "suixi", f"wrong-{i}", now=t0).reason for i in range(3)]
            assert reasons == ["bad_credentials", "bad_credentials", "locked"]
            db.refresh(user)
            assert user.failed_logins == 3 and user.locked_until is not None
            # Locked: even the right password is refused, with the same message.
            during = authenticate(db, "suixi", PASSWORD, now=t0 + dt.timedelta(minutes=14))
            assert not during.ok and during.message == LOGIN_FAILED and during.reason == "locked"
            after = authenticate(db, "suixi", PASSWORD, now=t0 + dt.timedelta(minutes=16))
            assert after.ok
            db.refresh(user)
            assert user.failed_logins == 0 and user.locked_until is None
        assert len(audit_rows(db, "login_locked")) == 1

    def test_a_lapsed_lock_gives_a_fresh_count(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        t0 = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
        with override_settings(extra=FAST_ARGON2, login_max_failures=2, login_lock_minutes=5):
            for _ in range(2):
                authenticate(db, "suixi", "wrong-pass", now=t0)
            later = t0 + dt.timedelta(minutes=6)
            assert authenticate(db, "suixi", "wrong-pass", now=later).reason == "bad_credentials"
            assert authenticate(db, "suixi", PASSWORD, now=later).ok


class TestSessions:
    def test_disabled_user_is_refused_on_the_next_call(self, db):
        world(db)
        add_user(db, "admin", Role.ADMIN)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "suixi")
        assert actor_from_token(db, token).scope_prefix == "440823"
        users.set_active(db, Actor.system("tests"), user.id, False)
        with pytest.raises(SessionEnded) as exc:
            actor_from_token(db, token)
        assert "停用" in exc.value.zh
        assert not authenticate(db, "suixi", PASSWORD).ok

    def test_a_disabled_user_with_the_right_password_is_told_the_account_is_disabled(self, db):
        """They were told 「用户名或密码错误」 and went to have a password reset that could not help;
        whoever does not know the password is still told only that."""
        from greening.auth.sessions import ACCOUNT_DISABLED, LOGIN_FAILED

        world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        users.set_active(db, Actor.system("tests"), user.id, False)
        right = authenticate(db, "suixi", PASSWORD)
        assert (right.ok, right.reason, right.message) == (False, "disabled", ACCOUNT_DISABLED)
        wrong = authenticate(db, "suixi", "not-the-password")
        assert (wrong.ok, wrong.message) == (False, LOGIN_FAILED)
        assert authenticate(db, "nobody", PASSWORD).message == LOGIN_FAILED

    def test_logout_in_one_tab_ends_the_other(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        tab1, tab2 = login(db, "suixi"), login(db, "suixi")
        assert actor_from_token(db, tab2).username == "suixi"
        assert logout(db, tab1)
        for token in (tab1, tab2):
            with pytest.raises(SessionEnded):
                actor_from_token(db, token)
        assert audit_rows(db, "logout")[-1].note == "2 session(s) ended"

    def test_role_change_applies_on_the_next_action(self, db):
        w = world(db)
        user = add_user(db, "lead", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "lead")
        before = actor_from_token(db, token)
        users.change_role(db, Actor.system("tests"), user.id, role=Role.TOWN_LEAD, area_code=SUIXI_TOWN)
        after = actor_from_token(db, token)
        assert (before.role, before.scope_prefix) == (Role.COUNTY_LEAD, "440823")
        assert (after.role, after.scope_prefix) == (Role.TOWN_LEAD, w.areas[SUIXI_TOWN].scope_prefix)

    def test_expired_unknown_and_garbage_tokens_are_refused(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "suixi")
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=13)
        for bad, now in ((token, later), ("not-a-token", None), ("", None), (None, None), ("x" * 10_000, None)):
            with pytest.raises(SessionEnded):
                actor_from_token(db, bad, now=now)

    def test_a_misconfigured_account_is_refused(self, db):
        w = world(db)
        user = add_user(db, "lead", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "lead")
        user.area = w.areas[SUIXI_V1]  # a county lead attached to a village: never trust it
        db.flush()
        with pytest.raises(SessionEnded):
            actor_from_token(db, token)

    def test_team_actor_carries_its_team(self, db):
        w = world(db)
        add_user(db, "team", Role.TEAM, SUIXI_V1)
        actor = actor_from_token(db, login(db, "team"))
        assert actor.team_id == w.teams[SUIXI_V1].id and actor.scope_prefix == SUIXI_V1


class TestOneTimePasswords:
    def test_first_log_in_forces_a_password_change(self, db):
        world(db)
        user, otp = users.create_user(db, Actor.system("tests"), username="team", display_name="队",
                                      role=Role.TEAM, area_code=SUIXI_V1)
        assert otp and user.must_change_password
        first = authenticate(db, "team", otp)
        assert first.ok and first.must_change_password
        other_tab = login(db, "team", otp)
        with pytest.raises(PasswordChangeRequired):
            actor_from_token(db, first.token)
        with pytest.raises(WeakPassword):
            change_password(db, first.token, otp)  # the one-time password cannot stay
        with pytest.raises(WeakPassword):
            change_password(db, first.token, "short")
        change_password(db, first.token, "my-own-pass-9")
        assert actor_from_token(db, first.token).username == "team"
        with pytest.raises(SessionEnded):
            actor_from_token(db, other_tab)
        assert not authenticate(db, "team", otp).ok and authenticate(db, "team", "my-own-pass-9").ok

    def test_a_voluntary_change_needs_the_current_password(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "suixi")
        with pytest.raises(WeakPassword):
            change_password(db, token, "new-pass-123", current_password="wrong")
        change_password(db, token, "new-pass-123", current_password=PASSWORD)
        assert authenticate(db, "suixi", "new-pass-123").ok


class TestSingleSignOn:
    def test_only_linked_identities_get_in(self, db):
        w = world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000", password=None)
        admin = Actor.system("tests")
        refused = oidc_login(db, subject="google|123", email="a@example.org", email_verified=True)
        assert not refused.ok and "管理员" in refused.message and refused.reason == "unknown_subject"
        users.link_sso(db, admin, user.id, "google|123")
        ok = oidc_login(db, subject="google|123")
        actor = actor_from_token(db, ok.token)
        assert ok.ok and actor.user_id == user.id and actor.username == "suixi"
        assert actor.scope_prefix == w.areas["440823000000"].scope_prefix == "440823"

    def test_email_link_needs_a_verified_address_and_an_active_user(self, db):
        world(db)
        user = add_user(db, "city", Role.CITY, password=None)
        admin = Actor.system("tests")
        users.link_sso(db, admin, user.id, "email:Lead@Example.org")
        assert not oidc_login(db, subject="s1", email="lead@example.org", email_verified=False).ok
        assert oidc_login(db, subject="s1", email="LEAD@example.org", email_verified=True).ok
        add_user(db, "admin", Role.ADMIN)
        users.set_active(db, admin, user.id, False)
        assert oidc_login(db, subject="s1", email="lead@example.org", email_verified=True).reason == "disabled"

    def test_a_user_without_password_cannot_log_in_with_one(self, db):
        world(db)
        add_user(db, "city", Role.CITY, password=None)
        db.execute(User.__table__.update().where(User.__table__.c.username == "city")
                   .values(password_hash=None, must_change_password=False))
        assert authenticate(db, "city", "").message == LOGIN_FAILED


class TestDemoAccounts:
    def test_demo_accounts_for_each_role_idempotent(self, db):
        w = world(db)
        created = seed_demo_users(db)
        by_name = {c["username"]: c for c in created}
        assert set(by_name) == {"admin", "city", "suixi", "leizhou", "suixi-town", "team-suixi", "team-leizhou"}
        assert by_name["suixi-town"]["area_code"] == SUIXI_TOWN  # the lowest town code of 遂溪
        assert by_name["team-suixi"]["area_code"] == SUIXI_V1
        assert by_name["team-leizhou"]["area_code"] == LEIZHOU_V1
        assert seed_demo_users(db) == []
        for c in created:
            actor = actor_from_token(db, login(db, c["username"], c["password"]))
            assert actor.role.value == c["role"]
        team = actor_from_token(db, login(db, "team-suixi", "team-demo-2024"))
        assert team.team_id == w.teams[SUIXI_V1].id
        assert db.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(True))) == 7


class TestLoginGate:
    """The Streamlit gate, run headless with AppTest."""

    @staticmethod
    def page():
        import streamlit as st

        from ui.login_gate import logout_button, require_actor

        actor = require_actor("village.view")
        st.markdown(f"SECRET rows for {actor.username}")
        logout_button()

    def test_unauthenticated_run_shows_the_login_form_and_reads_nothing(self):
        from streamlit.testing.v1 import AppTest

        # Any database access would fail loudly: nothing listens on port 1.
        with override_settings(extra=FAST_ARGON2, database_url="postgresql+psycopg://x@127.0.0.1:1/none"):
            at = AppTest.from_function(self.page).run(timeout=30)
        assert not at.exception
        assert at.text_input(key="login_username") and at.text_input(key="login_password")
        assert not any("SECRET" in m.value for m in at.markdown)

    @staticmethod
    def add_county_lead(engine) -> int:
        """遂溪县 and its county lead "suixi" (password PASSWORD); returns the user id."""
        from greening.db import session_scope

        with session_scope(engine) as s:
            install_scope(s, Actor.system("tests"))
            s.add(AdminArea(code="440823000000", level="county", name="遂溪县", scope_prefix="440823"))
            s.flush()
            return add_user(s, "suixi", Role.COUNTY_LEAD, "440823000000").id

    def test_log_in_then_logout_elsewhere_ends_this_tab(self, app_engine):
        from streamlit.testing.v1 import AppTest

        from greening.db import session_scope

        self.add_county_lead(app_engine)
        at = AppTest.from_function(self.page).run(timeout=30)
        at.text_input(key="login_username").input("suixi")
        at.text_input(key="login_password").input("wrong-password")
        at.button[0].click().run(timeout=30)
        assert any(e.value == "用户名或密码错误" for e in at.error)  # in the tab's language (Chinese)
        at.text_input(key="login_username").input("suixi")
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run(timeout=30)
        assert any("SECRET rows for suixi" in m.value for m in at.markdown)
        with session_scope(app_engine) as s:  # log out in another tab
            other = login(s, "suixi")
            logout(s, other)
        at.run(timeout=30)
        assert not any("SECRET" in m.value for m in at.markdown)
        assert at.text_input(key="login_username")
        assert any("重新登录" in w.value for w in at.warning)

    @staticmethod
    def cookie_scripts(at) -> list[str]:
        return [e.proto.srcdoc for e in at.get("iframe")]

    def test_the_log_in_cookie_is_adopted_only_while_the_database_accepts_it(self, app_engine, monkeypatch):
        """A reloaded tab (no session_state) takes the cookie's token, checked like any other."""
        from streamlit.testing.v1 import AppTest

        import ui.login_cookie
        from greening.config import get_settings
        from greening.db import session_scope

        user_id = self.add_county_lead(app_engine)
        # Logging in with the form asks the browser to keep the token in the cookie.
        at = AppTest.from_function(self.page).run(timeout=30)
        at.text_input(key="login_username").input("suixi")
        at.text_input(key="login_password").input(PASSWORD)
        at.button[0].click().run(timeout=30)
        token = at.session_state[ui.login_cookie.TOKEN_KEY]
        [script] = self.cookie_scripts(at)
        max_age = get_settings().session_hours * 3600
        assert f"{ui.login_cookie.COOKIE_NAME}={token}; Path=/; Max-Age={max_age}; SameSite=Strict" in script
        assert "window.parent" in script
        at.run(timeout=30)
        assert self.cookie_scripts(at) == []  # written once

        # A new tab (a reload) whose browser sends that cookie is logged in.
        monkeypatch.setattr(ui.login_cookie, "browser_cookie", lambda: token)
        tab = AppTest.from_function(self.page).run(timeout=30)
        assert any("SECRET rows for suixi" in m.value for m in tab.markdown)
        assert self.cookie_scripts(tab) == []

        # Disabled: the cookie no longer opens the app, and the browser is told to drop it.
        with session_scope(app_engine) as s:
            install_scope(s, Actor.system("tests"))
            users.set_active(s, Actor.system("tests"), user_id, False)
        tab.run(timeout=30)
        assert not any("SECRET" in m.value for m in tab.markdown)
        assert tab.text_input(key="login_username")
        [script] = self.cookie_scripts(tab)
        assert f'"{ui.login_cookie.COOKIE_NAME}={token}"' in script  # cleared only while it holds this token
        assert f"{ui.login_cookie.COOKIE_NAME}=; Path=/; Max-Age=0" in script
        fresh = AppTest.from_function(self.page).run(timeout=30)
        assert not any("SECRET" in m.value for m in fresh.markdown)

        # Garbage and other people's cookies never get further than the database check.
        for junk in ("", "x" * 500, "<script>", "a" * 43):
            monkeypatch.setattr(ui.login_cookie, "browser_cookie", lambda junk=junk: junk)
            junk_tab = AppTest.from_function(self.page).run(timeout=30)
            assert not any("SECRET" in m.value for m in junk_tab.markdown)
            assert junk_tab.text_input(key="login_username")


def test_a_role_and_an_area_that_do_not_fit_are_named_in_words():
    """Making a team account on a town said 「角色 team 需要village级区域，而 440823101000 是 town
    级」: the codes of the role and the levels inside a Chinese sentence."""
    from greening.auth.roles import AccountMisconfigured, scope_for
    from greening.i18n import error_text
    from greening.models import AdminArea
    from greening.models.enums import Role

    town = AdminArea(code="440823101000", level="town", name="城月镇", scope_prefix="440823101")
    with pytest.raises(AccountMisconfigured) as caught:
        scope_for(Role.TEAM, town)
    zh, en = error_text(caught.value, "zh"), error_text(caught.value, "en")
    assert zh == "角色「党员护绿队」须关联村（社区），而 440823101000 是镇（街道）", zh
    assert "team" in en and "village" in en and "440823101000" in en, en
