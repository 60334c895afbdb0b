"""用户管理 Users: administrators create, disable, re-role and reset accounts; team accounts in bulk."""
import streamlit as st

from greening.models.enums import Role
from greening.services import users
from ui.engine import db_session
from ui.forms import FormRound
from ui.i18n_st import label, label_of, tr, translated
from ui.layout import page_header, show_error
from ui.login_gate import require_actor
from ui.tables import show_table
from ui.user_admin import active_button, late_press_on_fresh_form

ROLES = list(Role)

actor = require_actor("user.manage")
page_header(tr("users.title"))
with db_session(actor) as s:
    table = users.list_users(s, actor)
show_table(table.assign(role=table["role"].map(lambda r: label(Role, r))),
           {"username": tr("users.username"), "display_name": tr("users.col.display_name"),
            "role": tr("users.role"), **{c: tr(f"users.col.{c}") for c in (
                "area_code", "area_name", "active", "must_change_password", "failed_logins", "locked_until",
                "oidc_subject", "is_demo", "created_at")}})


def _run(change, success: str | None):
    """Apply one change in its own transaction; show the result (``success``) or the refusal."""
    try:
        with db_session(actor, write=True) as s:
            result = change(s)
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return None
    if success:
        st.success(success)
    return result


#: (tab, username, one-time password) of the last account created or reset: kept until the admin
#: confirms having passed it on. A press arriving again reruns the page with a fresh form (see
#: ui.forms), which had wiped the password shown once by the run that made it.
_ONE_TIME = "users_one_time"


def _keep_password(tab: str, username: str, password: str) -> None:
    st.session_state[_ONE_TIME] = (tab, username, password)


def _show_password(tab: str) -> None:
    kept = st.session_state.get(_ONE_TIME)
    if not kept or kept[0] != tab:
        return
    with st.container(border=True):
        st.success(f"{tr('users.created') if tab == 'new' else tr('users.reset_done')}：{kept[1]}")
        st.info(tr("users.one_time"))
        st.code(kept[2], language=None)
        if st.button(tr("users.password_passed_on"), key=f"one_time_done_{tab}", width="stretch"):
            st.session_state.pop(_ONE_TIME, None)
            st.rerun()


new_tab, edit_tab, team_tab = st.tabs([tr("users.tab.new"), tr("users.tab.change"), tr("users.tab.teams")])
new_form = FormRound("user_new")  # a double press creates the user once (see ui.forms)
with new_tab:
    _show_password("new")
with new_tab, st.form(new_form.key(), clear_on_submit=False):
    name = st.text_input(tr("users.username"), max_chars=60, key=new_form.key("username"))
    display = st.text_input(tr("users.display_name"), max_chars=100, key=new_form.key("display"))
    role = translated(st.selectbox, tr("users.role"), ROLES, format_func=label_of(Role), key=new_form.key("role"))
    area = st.text_input(tr("users.area"), max_chars=12, key=new_form.key("area"))
    kept = st.session_state.get(_ONE_TIME)
    if st.form_submit_button(tr("users.create"), type="primary", width="stretch") and not late_press_on_fresh_form(
            new_form, kept[0] if kept else None, name, display, area):
        made = _run(lambda s: users.create_user(s, actor, username=name, display_name=display, role=role,
                                                area_code=area.strip() or None)[1], None)
        if made:
            new_form.next()
            _keep_password("new", name.strip(), made)
            st.rerun()

with edit_tab:
    ids = table["id"].tolist()
    names = dict(zip(table["id"], table["username"], strict=False))
    uid = st.selectbox(tr("users.user"), ids, format_func=names.get)
    _show_password("reset")
    if uid is not None:
        current = table[table["id"] == uid].iloc[0]
        c1, c3 = st.columns(2)
        active_button(actor, c1, uid, bool(current["active"]))
        if c3.button(tr("users.reset"), width="stretch"):
            made = _run(lambda s: users.reset_password(s, actor, uid), None)
            if made:
                _keep_password("reset", names[uid], made)
                st.rerun()
        with st.form(f"user_role_{uid}"):
            # The user's own role and area to start from (keys per user: another user's values
            # must not stay in the form), so saving unchanged changes nothing.
            role = translated(st.selectbox, tr("users.new_role"), ROLES, format_func=label_of(Role),
                              index=ROLES.index(Role(current["role"])), key=f"edit_role_{uid}")
            area = st.text_input(tr("users.area_code"), max_chars=12, key=f"edit_area_{uid}",
                                 value=str(current["area_code"] or ""))
            sso = st.text_input(tr("users.sso"), max_chars=200)
            if st.form_submit_button(tr("users.save"), width="stretch"):
                _run(lambda s: users.change_role(s, actor, uid, role=role, area_code=area.strip() or None),
                     tr("users.role_changed"))
                if sso.strip():
                    _run(lambda s: users.link_sso(s, actor, uid, sso), tr("users.linked"))

with team_tab, st.form("team_accounts"):
    county = st.text_input(tr("users.county"), max_chars=6)
    if st.form_submit_button(tr("users.team_accounts"), width="stretch"):
        made = _run(lambda s: users.team_accounts_xlsx(users.create_team_accounts(
            s, actor, county=county.strip() or None)), tr("users.created"))
        if made:
            st.session_state["team_accounts_xlsx"] = made
if data := st.session_state.get("team_accounts_xlsx"):
    # The sheet holds passwords: it is dropped from the session once downloaded.
    st.download_button(tr("users.download"), data,
                       on_click=lambda: st.session_state.pop("team_accounts_xlsx", None),
                       file_name="team-accounts.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", width="stretch")
