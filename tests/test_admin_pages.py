"""The administrator's pages as an administrator uses them. 用户管理: a new account's one-time
password stays on screen until the administrator says it was passed on, and the role form starts
from the chosen user's role. 审计日志: tables and actions in words, times in Zhanjiang's."""
from __future__ import annotations

from sqlalchemy import select

from greening.db import make_engine, session_scope
from greening.models import User
from greening.models.enums import Role
from tests.test_pages_apptest import _app, _no_exception, app_db, settings  # noqa: F401

PAGE = "pages/admin_users.py"


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_the_one_time_password_stays_until_it_was_passed_on(settings):  # noqa: F811
    """A repeated press on 创建 reran the page with a fresh form, and the password the first run had
    shown once was gone: the account existed, and its password could only be reset."""
    at = _app("admin", PAGE)
    at.text_input(key="user_new_0_username").set_value("new-town-lead")
    at.text_input(key="user_new_0_area").set_value("440823101000")
    at.selectbox(key="user_new_0_role").set_value(Role.TOWN_LEAD)
    _button(at, "创建").click().run()
    _no_exception(at)
    shown = [c.value for c in at.code]
    assert len(shown) == 1 and len(shown[0]) >= 12, shown
    assert any("已创建：new-town-lead" in s.value for s in at.success)
    at.run()  # the press arriving again: a run with the fresh form
    assert [c.value for c in at.code] == shown
    with session_scope(make_engine()) as s:
        assert len(s.scalars(select(User).where(User.username == "new-town-lead")).all()) == 1
    _button(at, "我已记下并转交").click().run()
    assert not at.code


def test_the_role_form_starts_from_the_chosen_users_role_and_area(settings):  # noqa: F811
    """The form showed 党员护绿队 and an empty area for every user: saving it unchanged would have
    made a town lead a team."""
    at = _app("admin", PAGE)
    with session_scope(make_engine()) as s:
        town = s.scalar(select(User).where(User.username == "suixi-town"))
        uid = town.id
    picker = next(b for b in at.selectbox if b.label == "用户")
    picker.set_value(uid).run()
    _no_exception(at)
    assert next(b for b in at.selectbox if b.label == "新角色").value == Role.TOWN_LEAD
    assert next(b for b in at.text_input if b.label == "区域代码").value == "440823101000"


def test_the_audit_page_names_tables_and_actions_in_words_and_shows_beijing_time(settings):  # noqa: F811
    """The filters offered admin_areas, supervision_notices, login_failed … and the table's cells
    said update / create / login on the Chinese page; the times were UTC without saying so."""
    at = _app("admin", "pages/admin_audit.py")
    _no_exception(at)
    table_box = next(b for b in at.selectbox if b.label == "数据表")
    action_box = next(b for b in at.selectbox if b.label == "操作")
    assert "植树记录" in table_box.options and "plantings" not in table_box.options
    assert "登录" in action_box.options and "login" not in action_box.options
    shown = at.dataframe[0].value
    assert "时间（北京时间）" in shown.columns
    assert not ({"create", "update", "login"} & set(shown["操作"]))
    action_box.set_value("login").run()
    assert set(at.dataframe[0].value["操作"]) == {"登录"}


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_a_late_press_on_the_fresh_form_says_nothing_and_an_empty_name_is_required(settings):  # noqa: F811
    """The press arriving again after an account was made landed on the fresh, empty form and
    answered 「用户名 '' 无效：2-60 个小写字母…」: a format error about a name nobody typed."""
    at = _app("admin", PAGE)
    at.text_input(key="user_new_0_username").set_value("late-press-city")
    at.selectbox(key="user_new_0_role").set_value(Role.CITY)
    _button(at, "创建").click().run()
    assert any("已创建：late-press-city" in s.value for s in at.success)
    _button(at, "创建").click().run()  # the late press, on the fresh form
    _no_exception(at)
    assert _errors(at) == [], _errors(at)
    assert len(at.code) == 1  # the one-time password is still there
    _button(at, "我已记下并转交").click().run()
    # pressed on purpose with no user name: said plainly, naming the field
    at.text_input(key="user_new_1_display").set_value("某人")
    _button(at, "创建").click().run()
    assert _errors(at) == ["请填写用户名（必填）"], _errors(at)
    at.text_input(key="user_new_1_display").set_value("")
    _button(at, "创建").click().run()
    assert _errors(at) == ["请填写用户名（必填）"], _errors(at)
    assert not any("无效" in e for e in _errors(at))


def test_only_the_button_that_applies_is_shown_and_a_repeat_does_not_undo_it(settings, monkeypatch):  # noqa: F811
    """停用 and 启用 were both offered for every user, and a second press landing on the other
    button undid the first."""
    import ui.user_admin

    at = _app("admin", PAGE)
    at.text_input(key="user_new_0_username").set_value("toggle-city")
    at.selectbox(key="user_new_0_role").set_value(Role.CITY)
    _button(at, "创建").click().run()
    with session_scope(make_engine()) as s:
        uid = s.scalar(select(User.id).where(User.username == "toggle-city"))

    def active() -> bool:
        with session_scope(make_engine()) as s:
            return s.get(User, uid).active

    next(b for b in at.selectbox if b.label == "用户").set_value(uid).run()
    labels = [b.label for b in at.button]
    assert "停用" in labels and "启用" not in labels, labels
    _button(at, "停用").click().run()
    _no_exception(at)
    assert not active()
    assert any(s.value == "已停用" for s in at.success), [s.value for s in at.success]
    labels = [b.label for b in at.button]
    assert "启用" in labels and "停用" not in labels, labels
    _button(at, "启用").click().run()  # the same press arriving again, on the button now there
    assert not active()
    monkeypatch.setattr(ui.user_admin, "REPEAT_SECONDS", 0.0)  # a deliberate press, later
    _button(at, "启用").click().run()
    assert active()
    assert any(s.value == "已启用" for s in at.success)
    assert "停用" in [b.label for b in at.button]


def _team_changed(members_by: int = 1) -> int:
    """A team's members and leader's phone changed by the system (no user): an update entry of two
    fields; returns the team's id and its members and phone before."""
    from greening.actor import Actor
    from greening.models import GreeningTeam
    from greening.permissions import install_scope

    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("audit-page-test"))
        team = s.scalars(select(GreeningTeam).order_by(GreeningTeam.id).limit(1)).one()
        old = (team.id, team.members, team.leader_phone)
        team.members = (team.members or 0) + members_by
        team.leader_phone = "13800000000" if team.leader_phone != "13800000000" else "13900000000"
        return old


def test_the_audit_page_shows_changes_as_fields_and_nothing_as_a_dash(settings):  # noqa: F811
    """Empty cells said None, and 修改前 / 修改后 were raw JSON ({"language": "en"}): each change
    is its fields in words (队员：13), 「—」 where the trail holds nothing, and one entry opened
    lists the fields it touched, a field a line, in the reader's language."""
    import json

    team_id, old_members, old_phone = _team_changed()
    at = _app("admin", "pages/admin_audit.py")
    _no_exception(at)
    shown = at.dataframe[0].value
    empty = shown.columns[shown.isna().any()].tolist()
    assert not empty, f"missing values (shown as None) in {empty}"
    cells = [str(c) for c in shown.to_numpy().ravel()]
    assert not {"None", "nan", "null", "<NA>", ""} & set(cells), sorted(set(cells) & {"None", "nan", "null", "<NA>", ""})
    assert not [c for c in shown["修改前"].tolist() + shown["修改后"].tolist() if c.startswith(("{", "["))]
    entry = shown[(shown["数据表"] == "护绿队") & (shown["记录编号"] == str(team_id))].iloc[0]
    assert entry["用户编号"] == "—"  # made by the system: no user
    assert sorted(entry["修改前"].split("；")) == sorted(["队长电话：" + (old_phone or "—"), f"队员：{old_members}"]), \
        entry["修改前"]
    logins = shown[shown["操作"] == "登录"]
    assert len(logins) and set(logins["修改前"]) == {"—"} and set(logins["修改后"]) == {"—"}
    at.selectbox(key="audit_detail").set_value(int(entry["#"])).run()
    _no_exception(at)
    change = at.dataframe[1].value
    assert list(change.columns) == ["字段", "修改前", "修改后"]
    assert sorted(change["字段"].tolist()) == ["队员", "队长电话"], change
    with session_scope(make_engine()) as s:
        from greening.models import AuditLog

        after = s.scalars(select(AuditLog.after).where(AuditLog.id == int(entry["#"]))).one()
    assert dict(zip(change["字段"], change["修改后"], strict=True)) == {"队员": str(after["members"]),
                                                                      "队长电话": after["leader_phone"]}
    assert json.dumps(after, ensure_ascii=False) not in " ".join(cells)


def test_the_audit_page_names_the_fields_in_english(settings):  # noqa: F811
    from tests.test_pages_language_lagging import _app as app_in

    _team_changed()
    at = app_in("admin", "pages/admin_audit.py", lang="en")
    shown = at.dataframe[0].value
    before = shown[shown["Table"] == "greening teams"]["Before"].iloc[0]
    assert sorted(part.split(": ")[0] for part in before.split("; ")) == ["leader's phone", "members"], before
