"""审计日志 Audit log: administrators read, filter and export the trail (nobody can edit it)."""
import datetime as dt

import streamlit as st

from greening.auth import actor_from_token
from greening.services import audit_trail as trail
from ui.engine import db_session, engine
from ui.i18n_st import tr
from ui.layout import page_header
from ui.login_cookie import TOKEN_KEY
from ui.login_gate import require_actor
from ui.tables import show_table

actor = require_actor("audit.view")
page_header(tr("audit.title"))

with db_session(actor) as s:
    options = trail.audit_filter_options(s, actor)
c1, c2, c3 = st.columns(3)
every = tr("common.all")  # fixed now: AppTest reads format_func again after the run (see ui.i18n_st.tr_key)
username = c1.text_input(tr("audit.username"), max_chars=60)
table = c2.selectbox(tr("audit.table"), [""] + options["tables"], format_func=lambda v: v or every)
action = c3.selectbox(tr("audit.action"), [""] + options["actions"], format_func=lambda v: v or every)
c4, c5 = st.columns(2)
today = dt.date.today()
dates = c4.date_input(tr("audit.dates"), value=(today - dt.timedelta(days=30), today))
record_id = c5.text_input(tr("audit.record_id"), max_chars=40)
since, until = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (None, None)
filters = dict(username=username or None, table=table or None, action=action or None,
               since=since, until=until, record_id=record_id or None)

with db_session(actor) as s:
    df = trail.audit_trail(s, actor, limit=1000, **filters)
st.caption(tr("audit.shown", n=f"{len(df):,}"))
show_table(df, {"id": "#", "at": tr("audit.col.at"), "username": tr("users.username"),
                "user_id": tr("audit.col.user_id"), "action": tr("audit.action"),
                **{c: tr(f"audit.col.{c}") for c in ("table_name", "record_id", "scope_code", "before", "after", "note")}})

token = st.session_state.get(TOKEN_KEY)


def _export() -> bytes:
    # Runs when the button is clicked: check the user again, and record the export.
    from greening.db import session_scope
    from greening.permissions import install_scope

    with session_scope(engine()) as s:
        who = actor_from_token(s, token)
        install_scope(s, who)
        return trail.export_audit_csv(s, who, **filters)


st.download_button(tr("audit.export"), _export, file_name=f"audit-{today.isoformat()}.csv",
                   mime="text/csv", on_click="ignore")
