"""审计日志 Audit log: administrators read, filter and export the trail (nobody can edit it)."""
import datetime as dt

import streamlit as st

from greening.auth import actor_from_token
from greening.i18n import STRINGS
from greening.services import audit_trail as trail
from greening.services.audit_view import change_rows, readable_trail
from greening.validation.values import today as local_today
from ui.engine import db_session, engine
from ui.i18n_st import lang, tr
from ui.layout import md_escape, page_header
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


def _name(kind: str, code) -> str:
    """A stored code (``plantings``, ``login_failed``) in words; a code without words as it is."""
    key = f"audit.{kind}.{code}"
    return tr(key) if key in STRINGS else str(code)


table = c2.selectbox(tr("audit.table"), [""] + options["tables"], format_func=lambda v: _name("table", v) if v else every)
action = c3.selectbox(tr("audit.action"), [""] + options["actions"], format_func=lambda v: _name("do", v) if v else every)
c4, c5 = st.columns(2)
today = local_today()  # the days are Beijing's, as the times shown
dates = c4.date_input(tr("audit.dates"), value=(today - dt.timedelta(days=30), today))
record_id = c5.text_input(tr("audit.record_id"), max_chars=40)
since, until = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (None, None)
filters = dict(username=username or None, table=table or None, action=action or None,
               since=since, until=until, record_id=record_id or None)

with db_session(actor) as s:
    df = trail.audit_trail(s, actor, limit=1000, **filters)
st.caption(tr("audit.shown", n=f"{len(df):,}"))
raw = df.set_index("id")[["before", "after"]]
df = readable_trail(df, lang())  # fields as 「field: value」 lines, 「—」 where the trail holds nothing
df = df.assign(action=df["action"].map(lambda v: _name("do", v)),
               table_name=df["table_name"].map(lambda v: _name("table", v)),
               at=df["at"].map(lambda t: t.strftime("%Y-%m-%d %H:%M:%S") if t is not None else ""))
show_table(df, {"id": "#", "at": tr("audit.col.at_local"), "username": tr("users.username"),
                "user_id": tr("audit.col.user_id"), "action": tr("audit.action"),
                **{c: tr(f"audit.col.{c}") for c in ("table_name", "record_id", "scope_code", "before", "after", "note")}})

if len(df):  # one entry's change, a field a line (a table's cell shows the first part only)
    entry = st.selectbox(tr("audit.detail"), df["id"].tolist(), index=None, placeholder=tr("audit.detail_pick"),
                         key="audit_detail")
    if entry is not None:
        row = df.loc[df["id"] == entry].iloc[0]
        st.caption(md_escape(f"#{entry} · {row['at']} · {row['action']} · {row['table_name']} {row['record_id']}"))
        show_table(change_rows(raw.loc[entry, "before"], raw.loc[entry, "after"], lang()),
                   {"field": tr("audit.col.field"), "before": tr("audit.col.before"), "after": tr("audit.col.after")},
                   key="audit_detail_table")

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
                   mime="text/csv", on_click="ignore", width="stretch")
