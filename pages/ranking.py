"""红黑榜 Monthly ranking: the frozen snapshot of counties and towns, Excel and PDF downloads."""
import datetime as dt

import streamlit as st

from greening.permissions import allowed
from greening.supervision import ranking
from greening.supervision.pdf import NoFont, find_font, ranking_pdf
from ui import data
from ui.engine import db_session
from ui.i18n_st import lang, tr
from ui.layout import page_header, show_error
from ui.login_gate import require_actor
from ui.tables import show_table

actor = require_actor("ranking.view")
page_header(tr("sup.ranking.title"))
today = data.report_date()
with db_session(actor) as s:
    frozen = ranking.months_frozen(s)
current = f"{today.year}-{today.month:02d}"
last = today.replace(day=1) - dt.timedelta(days=1)
months = sorted(set(frozen) | {current, f"{last.year}-{last.month:02d}"}, reverse=True)
month = st.selectbox(tr("sup.ranking.month"), months, key="rank_month")
if (allowed(actor, "ranking.freeze") and month not in frozen
        and st.button(tr("sup.ranking.freeze"), type="primary", key="rank_freeze", width="stretch")):
    try:
        with db_session(actor, write=True) as s:
            n = ranking.freeze_month(s, actor, month, report_day=today)
            # a second press (or another official) finds it frozen and writes nothing: the rows of
            # the stored snapshot are counted (a double press's second run interrupts the first,
            # whose count was never said)
            stored = n or ranking.rows_frozen(s, actor, month)
        # said after the rerun that draws the frozen table (a message before it was never seen)
        # keep what the first press said if it was said
        earlier = st.session_state.get("rank_frozen_note")
        if n or not earlier or earlier[0] != month:
            st.session_state["rank_frozen_note"] = (month, stored, not n)
        st.rerun()
    except ValueError as exc:
        show_error(exc)
note = st.session_state.get("rank_frozen_note")
if note and note[0] == month:
    rows = f"{note[1]:,}"
    st.success(tr("sup.ranking.frozen_before", n=rows) if note[2] else tr("sup.ranking.frozen", n=rows))
with db_session(actor) as s:
    levels = ranking.snapshot(s, actor, month)
if not any(len(v) for v in levels.values()):
    st.info(tr("sup.ranking.none"))
    st.stop()
en = lang() == "en"
for level, title in (("county", "sup.ranking.counties"), ("town", "sup.ranking.towns")):
    st.markdown(f"#### {tr(title)}")
    shown = levels[level].assign(on_time_rate=levels[level]["on_time_rate"].map(
        lambda v: "—" if v is None or v != v else f"{100 * v:.0f}%"))
    # every score with one decimal (90 stood beside 90.1); still numbers, so they sort as numbers
    show_table(shown, {k: ranking.COLUMNS[k][1 if en else 0]
                               for k in ranking.COLUMNS if k != "area_code"}, key=f"rank_{level}", height=300,
               column_config={"score": st.column_config.NumberColumn(format=ranking.SCORE_FORMAT)})
c1, c2 = st.columns(2)
c1.download_button("Excel", ranking.ranking_xlsx(month, levels), file_name=f"红黑榜-{month}.xlsx",
                   key="rank_xlsx", icon=":material/table:", width="stretch")
frozen_at = str(levels["county"]["frozen_at"].iloc[0])[:16] if len(levels["county"]) else ""
demo = data.demo_present()
try:
    find_font()
    c2.download_button("PDF", lambda: ranking_pdf(month, {k: v.to_dict("records") for k, v in levels.items()},
                                                  frozen_at=frozen_at, is_demo=demo),
                       file_name=f"红黑榜-{month}.pdf", mime="application/pdf", key="rank_pdf",
                       icon=":material/picture_as_pdf:", width="stretch")
except (NoFont, ValueError) as exc:
    show_error(exc)
