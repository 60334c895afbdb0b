"""待办 Inbox: notices to acknowledge, answer or verify, escalations, care checks due, rejected plantings."""
import streamlit as st

from greening.i18n import fmt_date, fmt_label
from greening.supervision.inbox import issued_summary
from ui import data
from ui.engine import db_session
from ui.i18n_st import lang, tr
from ui.layout import md_escape, page_header
from ui.login_gate import require_actor
from ui.supervision_st import (
    inbox_of,
    level_text,
    notice_actions,
    notice_histories,
    notice_history,
    notice_pdf_button,
    notice_reasons,
    outbox_failed,
    outbox_failures,
    report_evidence,
    status_text,
)
from ui.tables import phone_table, show_table

actor = require_actor("notice.view")
page_header(tr("sup.inbox.title"))
on = data.report_date()
box = inbox_of(actor)  # the sidebar's count was made from the same computation in this run
summary = None
if actor.role.value in ("county_lead", "city", "admin"):
    with db_session(actor) as s:
        summary = issued_summary(s, actor, on)
# an administrator's notifications that failed are listed at the end of the page, each to be sent
# again: while there are some, something waits (「没有待办事项」 had been said above them)
failed = outbox_failed(actor) if actor.role.value == "admin" else []
if box.total == 0 and not failed:
    st.success(tr("sup.inbox.nothing"))
elif box.total == 0:
    st.warning(tr("sup.inbox.outbox_waiting", n=len(failed)))


def notice_list(title_key, frame, key):
    if not len(frame):
        return
    st.markdown(f"#### {tr(title_key)} · {len(frame)}")
    steps = notice_histories(actor, frame["id"])  # every card's history in one read
    for rec in frame.to_dict("records"):
        late = f" · ⚠ {tr('sup.overdue_days', n=rec['overdue_days'], level=level_text(rec))}" if rec["overdue_days"] else ""
        with st.container(border=True):
            st.markdown(f"**{md_escape(rec['display_number'])}** {md_escape(rec['town_name'] or '')}"
                        f"{md_escape(rec['village_name'])} · {md_escape(status_text(rec))} · "
                        f"{tr('sup.col.deadline')} {fmt_date(rec['deadline'], lang())}{late}")
            notice_reasons(rec)
            reason = rec.get("return_reason")  # NaN in a row of a notice never returned
            if isinstance(reason, str) and reason.strip():
                st.warning(md_escape(fmt_label(tr("sup.col.reason"), reason, lang())))
            notice_history(actor, rec["id"], steps.get(int(rec["id"]), []))
            report_evidence(actor, rec, f"{key}_{rec['id']}")
            notice_actions(actor, rec, f"{key}_{rec['id']}")
            notice_pdf_button(actor, rec["id"], rec["number"], key=f"{key}_pdf_{rec['id']}")


notice_list("sup.to_acknowledge", box.to_acknowledge, "ack")
notice_list("sup.to_report", box.to_report, "rep")
notice_list("sup.to_verify", box.to_verify, "ver")
notice_list("sup.escalated", box.escalated, "esc")
if len(box.care_due):
    st.markdown(f"#### {tr('sup.care_due')} · {len(box.care_due)}")
    care = box.care_due.assign(state=box.care_due["state"].map(lambda v: tr(f"sup.state.{v}")))
    phone_table(care, {"village": tr("sup.col.village"), "planting_id": tr("sup.col.planting"),
                       "species": tr("sup.col.species"), "months": tr("sup.col.months"),
                       "due_on": tr("sup.col.due_on"), "state": tr("sup.col.state")}, key="care_due",
                dates=("due_on",), first=("due_on", "state"))  # on a phone: when and how late first
if len(box.rejected):
    st.markdown(f"#### {tr('sup.rejected')} · {len(box.rejected)}")
    # on a phone each record is a card with the whole reason: a table cut it at the screen's edge
    phone_table(box.rejected, {"id": tr("sup.col.planting"), "village": tr("sup.col.village"),
                               "planted_on": tr("review.col.planted_on"), "reject_reason": tr("sup.col.reason")},
                first=("id", "village", "planted_on"), wrap=("reject_reason",), key="rejected",
                dates=("planted_on",))
if summary is not None and len(summary):
    st.markdown(f"#### {tr('sup.issued_summary')}")
    show_table(summary, {"name": tr("sup.col.town"), "issued": tr("sup.col.issued"), "open": tr("sup.col.open"),
                         "overdue": tr("sup.col.overdue_count"), "closed": tr("sup.col.closed"),
                         "closed_on_time": tr("sup.col.on_time")}, key="issued_summary")
if actor.role.value == "admin":
    outbox_failures(actor, failed)
