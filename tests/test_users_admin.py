"""Account administration: creation rules, last admin, disabling, resets, team accounts, commands."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from greening.actor import Actor
from greening.auth import SessionEnded, actor_from_token, authenticate
from greening.db import session_scope
from greening.models import AuditLog, GreeningTeam, User
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services import users
from greening.services.users import LastAdmin
from tests.fixtures.accounts import (  # noqa: F401
    FAST_ARGON2,
    LEIZHOU_V1,
    PASSWORD,
    SUIXI_V1,
    SUIXI_V2,
    add_user,
    fast_argon2,
    login,
    world,
)

SYSTEM = Actor.system("tests")


class TestCreate:
    def test_rules_name_the_bad_value(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        cases = [
            (dict(username="Suixi", role="county_lead", area_code="440823000000"), "已被使用"),
            (dict(username="x y", role="city"), "无效"),
            (dict(username="<script>", role="city"), "无效"),
            (dict(username="ok-name", role="mayor"), "未知角色"),
            (dict(username="ok-name", role="county_lead", area_code=SUIXI_V1), "county"),
            (dict(username="ok-name", role="team"), "区域"),
            (dict(username="ok-name", role="team", area_code="440823999999"), "不存在"),
            (dict(username="ok-name", role="city", password="short"), "8"),
        ]
        for kwargs, fragment in cases:
            with pytest.raises(ValueError, match=fragment):
                users.create_user(db, SYSTEM, display_name="x", **kwargs)

    def test_team_account_gets_its_village_team(self, db):
        w = world(db)
        user, otp = users.create_user(db, SYSTEM, username="t1", display_name="队", role="team", area_code=SUIXI_V2)
        assert user.team_id == w.teams[SUIXI_V2].id and user.scope_prefix == SUIXI_V2 and otp
        with pytest.raises(ValueError, match="不属于"):
            users.create_user(db, SYSTEM, username="t2", display_name="队", role="team", area_code=SUIXI_V1,
                              team_id=w.teams[LEIZHOU_V1].id)

    def test_only_admins_manage(self, db):
        world(db)
        lead = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix="440823")
        with pytest.raises(PermissionDenied):
            users.create_user(db, lead, username="new", display_name="n", role="city")
        with pytest.raises(PermissionDenied):
            users.list_users(db, lead)

    def test_creation_is_audited_without_the_hash(self, db):
        world(db)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        db.flush()
        row = db.scalars(select(AuditLog).where(AuditLog.table_name == "users", AuditLog.action == "create",
                                                AuditLog.record_id == str(user.id))).one()
        assert row.after["username"] == "suixi" and "password_hash" not in row.after


class TestLastAdmin:
    def test_the_last_admin_can_be_neither_disabled_nor_demoted(self, db):
        world(db)
        only = add_user(db, "root", Role.ADMIN)
        with pytest.raises(LastAdmin):
            users.set_active(db, SYSTEM, only.id, False)
        with pytest.raises(LastAdmin):
            users.change_role(db, SYSTEM, only.id, role=Role.CITY)
        second = add_user(db, "root2", Role.ADMIN)
        users.set_active(db, SYSTEM, only.id, False)
        with pytest.raises(LastAdmin):
            users.change_role(db, SYSTEM, second.id, role=Role.COUNTY_LEAD, area_code="440823000000")
        users.set_active(db, SYSTEM, only.id, True)
        users.change_role(db, SYSTEM, second.id, role=Role.COUNTY_LEAD, area_code="440823000000")
        assert db.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active)) == 1


class TestDisableAndReset:
    def test_disable_ends_sessions_and_reset_forces_a_change(self, db):
        world(db)
        add_user(db, "root", Role.ADMIN)
        user = add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "suixi")
        users.set_active(db, SYSTEM, user.id, False)
        with pytest.raises(SessionEnded):
            actor_from_token(db, token)
        users.set_active(db, SYSTEM, user.id, True)
        with pytest.raises(SessionEnded):  # re-enabling does not revive old sessions
            actor_from_token(db, token)
        otp = users.reset_password(db, SYSTEM, user.id)
        assert not authenticate(db, "suixi", PASSWORD).ok
        assert authenticate(db, "suixi", otp).must_change_password
        assert any(r.action == "password_reset" for r in db.scalars(select(AuditLog)))

    def test_list_users_has_no_secrets(self, db):
        world(db)
        add_user(db, "suixi", Role.COUNTY_LEAD, "440823000000")
        df = users.list_users(db, SYSTEM)
        assert "password_hash" not in df.columns and list(df["username"]) == ["suixi"]


class TestTeamAccounts:
    def test_bulk_creation_is_idempotent_and_the_sheet_is_safe(self, db):
        w = world(db)
        w.teams[LEIZHOU_V1].name = "=HYPERLINK(\"http://evil\",\"点我\")"
        db.flush()
        made = users.create_team_accounts(db, SYSTEM)
        assert [a.username for a in made] == [f"t{SUIXI_V1}", f"t{SUIXI_V2}", f"t{LEIZHOU_V1}"]
        assert users.create_team_accounts(db, SYSTEM) == []
        for acc in made:
            result = authenticate(db, acc.username, acc.password)
            assert result.ok and result.must_change_password
        data = users.team_accounts_xlsx(made)
        ws = load_workbook(io.BytesIO(data)).active
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == ("村", "护绿队", "用户名", "初始密码")
        assert rows[3][1].startswith("'=") and all(c.data_type == "s" for c in ws[4])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()

    def test_county_filter_and_teams_with_accounts_skipped(self, db):
        w = world(db)
        add_user(db, "mine", Role.TEAM, SUIXI_V1)  # this team already has an account
        made = users.create_team_accounts(db, SYSTEM, county="440823")
        assert [a.village_code for a in made] == [SUIXI_V2]
        assert (made[0].village_name, made[0].team_name) == (w.areas[SUIXI_V2].name, w.teams[SUIXI_V2].name)
        with pytest.raises(ValueError, match=r"县区代码 \"4408' OR 1=1\" 应为 6 位"):
            users.create_team_accounts(db, SYSTEM, county="4408' OR 1=1")


class TestCommands:
    @pytest.mark.spatialite_only  # the commands only wrap the services tested on both backends
    def test_create_admin_and_team_accounts(self, request, backend, tmp_path, monkeypatch):
        from greening.cli import main
        from greening.config import override_settings

        fresh_engine = request.getfixturevalue("fresh_engine")

        with session_scope(fresh_engine) as s:
            install_scope(s, SYSTEM)
            world(s)
        url = fresh_engine.url.render_as_string(hide_password=False)
        with override_settings(database_url=url, extra=FAST_ARGON2):
            monkeypatch.setattr("sys.stdin", io.StringIO("a-long-admin-pass\n"))
            assert main(["create-admin", "Chief", "--password-stdin"]) == 0
            out = tmp_path / "teams.xlsx"
            assert main(["team-accounts", "--county", "440823", "--out", str(out)]) == 0
            assert out.stat().st_mode & 0o077 == 0  # only its owner may read the passwords
            assert len(list(load_workbook(out).active.iter_rows())) == 3
            assert main(["team-accounts", "--out", str(out)]) == 2  # never overwrites
            again = tmp_path / "again.xlsx"
            assert main(["team-accounts", "--out", str(again)]) == 0
            assert len(list(load_workbook(again).active.iter_rows())) == 2  # only 雷州's team is new
        with session_scope(fresh_engine) as s:
            assert authenticate(s, "chief", "a-long-admin-pass").ok
            assert s.scalar(select(func.count()).select_from(User).where(User.role == "team")) == 3
            assert s.scalar(select(func.count()).select_from(GreeningTeam)) == 3


class TestAdminPages:
    def test_admin_pages_open_for_admins_only(self, app_engine):
        from streamlit.testing.v1 import AppTest

        engine = app_engine
        with session_scope(engine) as s:
            install_scope(s, SYSTEM)
            world(s)
            add_user(s, "root", Role.ADMIN)
            add_user(s, "city", Role.CITY)
            tokens = {name: login(s, name) for name in ("root", "city")}
        for page in ("../pages/admin_users.py", "../pages/admin_audit.py"):
            at = AppTest.from_file(page, default_timeout=30)
            at.session_state["greening_token"] = tokens["root"]
            at.run()
            assert not at.exception and not at.error and len(at.dataframe) == 1
            city = AppTest.from_file(page, default_timeout=30)
            city.session_state["greening_token"] = tokens["city"]
            city.run()
            assert not city.dataframe and "无权" in city.error[0].value
