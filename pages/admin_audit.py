"""审计日志 / Audit log: administrators read, filter and export the trail (nobody can edit it)."""
import datetime as dt

import streamlit as st

from greening.auth import actor_from_token
from greening.services import audit_trail as trail
from ui.session import TOKEN_KEY, db_session, engine, require_actor

actor = require_actor("audit.view")
st.title("审计日志 / Audit log")

with db_session(actor) as s:
    options = trail.audit_filter_options(s, actor)
c1, c2, c3 = st.columns(3)
username = c1.text_input("用户名包含 / User name contains", max_chars=60)
table = c2.selectbox("数据表 / Table", [""] + options["tables"], format_func=lambda v: v or "全部 / all")
action = c3.selectbox("操作 / Action", [""] + options["actions"], format_func=lambda v: v or "全部 / all")
c4, c5 = st.columns(2)
today = dt.date.today()
dates = c4.date_input("日期范围 / Date range", value=(today - dt.timedelta(days=30), today))
record_id = c5.text_input("记录编号 / Record id", max_chars=40)
since, until = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (None, None)
filters = dict(username=username or None, table=table or None, action=action or None,
               since=since, until=until, record_id=record_id or None)

with db_session(actor) as s:
    df = trail.audit_trail(s, actor, limit=1000, **filters)
st.caption(f"显示最近 {len(df)} 条 / showing the latest {len(df)} rows")
st.dataframe(df, hide_index=True)

token = st.session_state.get(TOKEN_KEY)


def _export() -> bytes:
    # Runs when the button is clicked: check the user again, and record the export.
    from greening.db import session_scope
    from greening.permissions import install_scope

    with session_scope(engine()) as s:
        who = actor_from_token(s, token)
        install_scope(s, who)
        return trail.export_audit_csv(s, who, **filters)


st.download_button("导出 CSV / Export CSV", _export, file_name=f"audit-{today.isoformat()}.csv",
                   mime="text/csv", on_click="ignore")
