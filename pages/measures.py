"""56条措施 The guideline's 56 measures: the catalogue by plan, a coverage matrix (areas × plans),
and attesting a measure with evidence."""
import streamlit as st

from greening.i18n import plan_name
from greening.permissions import allowed
from ui import data
from ui.attest_form import attest_form
from ui.i18n_st import lang, tr
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.tables import checklist_frame, show_table

actor = require_actor("dashboard.view")
page_header(tr("measures.title"))
st.caption(tr("measures.guideline"))
measures = data.measures()
if not len(measures):
    st.info(tr("measures.catalogue_missing"))
    st.stop()
# The attest tab only for roles that may attest (a city official never sees a tab that refuses).
can_attest = allowed(actor, "attestation.create")
tabs = st.tabs([tr("measures.catalogue"), tr("measures.matrix"), *([tr("measures.attest")] if can_attest else [])])
catalogue, matrix = tabs[:2]
with catalogue:
    for plan, group in checklist_frame(measures, None).groupby("plan"):
        with st.expander(f"{plan_name(plan, lang())}（{len(group)}）"):
            show_table(group, {"id": "#", "title": tr("measures.measure"), "level_name": tr("measures.level"),
                               "evaluation_name": tr("measures.evaluation")})
with matrix:
    from ui.coverage_matrix import coverage_matrix

    coverage_matrix(actor, measures)
if can_attest:
    with tabs[2]:
        attest_form(actor, measures)
