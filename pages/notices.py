"""督办单 Supervision notices: every notice of the user's area, its status on the report date, one opened."""
import streamlit as st

from greening.supervision.inbox import notice_frame
from greening.supervision.notices import addressee_text
from ui import data
from ui.engine import db_session
from ui.i18n_st import lang, tr, translated
from ui.layout import md_escape, page_header
from ui.login_gate import require_actor
from ui.supervision_st import (
    notice_actions,
    notice_facts,
    notice_history,
    notice_pdf_button,
    notice_place,
    notice_reasons,
    notices_table,
    report_evidence,
)
from ui.tables import phone_table

actor = require_actor("notice.view")
page_header(tr("sup.notices.title"))
with db_session(actor) as s:
    frame = notice_frame(s, actor, data.report_date())
if not len(frame):
    st.info(tr("common.no_data"))
    st.stop()
frame = notices_table(frame)
phone_table(frame, {"display_number": tr("sup.col.number"), "village_name": tr("sup.col.village"),
                    "town_name": tr("sup.col.town"), "status_text": tr("sup.col.status"),
                    "deadline": tr("sup.col.deadline"), "overdue_days": tr("sup.col.overdue"),
                    "level_text": tr("sup.col.level")}, height=320, key="notices_table", dates=("deadline",),
            first=("village_name", "status_text", "overdue_days"),
            # a phone: the number, village and state (days overdue in it), wrapping: no sideways scroll
            narrow={"short_number": tr("sup.col.number"), "village_name": tr("sup.col.village"),
                    "state_text": tr("sup.col.status")})
# number and village: the whole choice fits a phone's box (with the state it was cut); the state,
# deadline and level are on the notice opened below. The ids are the options (ui.i18n_st.translated).
labels = {int(r["id"]): f"{r['display_number']} {r['village_name']}" for r in frame.to_dict("records")}
picked = translated(st.selectbox, tr("sup.notices.pick"), list(labels), format_func=labels.get, key="notice_pick")
rec = frame[frame["id"] == picked].iloc[0].to_dict()
with st.container(border=True):
    st.markdown(f"**{md_escape(rec['display_number'])}** · {md_escape(notice_place(rec))}")
    st.caption(md_escape(notice_facts(rec)))
    st.caption(md_escape(addressee_text(rec["addressees"], lang())))
    notice_reasons(rec)  # in English as the lagging page words them; the notice keeps them as issued
    notice_history(actor, picked)  # every step, each on its line
    report_evidence(actor, rec, f"nt_{picked}")
    notice_actions(actor, rec, f"nt_{picked}")
    notice_pdf_button(actor, picked, rec["number"], key=f"nt_pdf_{picked}")
