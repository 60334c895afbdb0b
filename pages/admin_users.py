"""用户管理 / Users: administrators create, disable, re-role and reset accounts; team accounts in bulk."""
import streamlit as st

from greening.models.enums import Role
from greening.services import users
from ui.layout import show_error
from ui.session import db_session, require_actor

ROLES = {Role.TEAM: "护绿队 / team", Role.TOWN_LEAD: "镇级负责人 / town lead",
         Role.COUNTY_LEAD: "县级负责人 / county lead", Role.CITY: "市级 / city", Role.ADMIN: "管理员 / admin"}

actor = require_actor("user.manage")
st.title("用户管理 / Users")
with db_session(actor) as s:
    table = users.list_users(s, actor)
st.dataframe(table, hide_index=True)


def _run(change, success: str):
    """Apply one change in its own transaction; show the result or the refusal."""
    try:
        with db_session(actor, write=True) as s:
            result = change(s)
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return None
    st.success(success)
    return result


new_tab, edit_tab, team_tab = st.tabs(["新建 / New", "修改 / Change", "护绿队账户 / Team accounts"])
with new_tab, st.form("user_new", clear_on_submit=True):
    name = st.text_input("用户名 / User name", max_chars=60)
    display = st.text_input("姓名 / Display name", max_chars=100)
    role = st.selectbox("角色 / Role", list(ROLES), format_func=ROLES.get, key="new_role")
    area = st.text_input("区域代码（12 位；市级与管理员可空）/ Area code (12 digits; empty for city/admin)", max_chars=12)
    if st.form_submit_button("创建 / Create", type="primary"):
        made = _run(lambda s: users.create_user(s, actor, username=name, display_name=display, role=role,
                                                area_code=area.strip() or None)[1], "已创建 / created")
        if made:
            st.info("初始密码只显示这一次，请转交本人 / the one-time password is shown only once:")
            st.code(made, language=None)

with edit_tab:
    ids = table["id"].tolist()
    uid = st.selectbox("用户 / User", ids, format_func=dict(zip(table["id"], table["username"], strict=False)).get)
    if uid is not None:
        c1, c2, c3 = st.columns(3)
        if c1.button("停用 / Disable"):
            _run(lambda s: users.set_active(s, actor, uid, False), "已停用 / disabled")
        if c2.button("启用 / Enable"):
            _run(lambda s: users.set_active(s, actor, uid, True), "已启用 / enabled")
        if c3.button("重置密码 / Reset password"):
            made = _run(lambda s: users.reset_password(s, actor, uid), "已重置 / reset")
            if made:
                st.code(made, language=None)
        with st.form("user_role"):
            role = st.selectbox("新角色 / New role", list(ROLES), format_func=ROLES.get, key="edit_role")
            area = st.text_input("区域代码 / Area code", max_chars=12, key="edit_area")
            sso = st.text_input("单点登录标识（sub 或 email:地址）/ SSO subject (sub or email:address)", max_chars=200)
            if st.form_submit_button("保存 / Save"):
                _run(lambda s: users.change_role(s, actor, uid, role=role, area_code=area.strip() or None),
                     "角色已修改，下次操作生效 / role changed; it applies from the next action")
                if sso.strip():
                    _run(lambda s: users.link_sso(s, actor, uid, sso), "已关联 / linked")

with team_tab, st.form("team_accounts"):
    county = st.text_input("县区代码（可空：全部）/ County code (empty: all)", max_chars=6)
    if st.form_submit_button("为尚无账户的护绿队创建账户 / Create accounts for teams without one"):
        made = _run(lambda s: users.team_accounts_xlsx(users.create_team_accounts(
            s, actor, county=county.strip() or None)), "已创建 / created")
        if made:
            st.session_state["team_accounts_xlsx"] = made
if data := st.session_state.get("team_accounts_xlsx"):
    # The sheet holds passwords: it is dropped from the session once downloaded.
    st.download_button("下载初始密码表 / Download the one-time passwords", data,
                       on_click=lambda: st.session_state.pop("team_accounts_xlsx", None),
                       file_name="team-accounts.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
