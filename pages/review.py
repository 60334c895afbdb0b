"""核查审核 / Review: town and county leads verify or reject plantings; the four-party spot check."""
import streamlit as st

from greening.permissions import allowed
from ui.i18n_st import tr
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.review_queue import decision_queue
from ui.spot_check import spot_check

actor = require_actor("spotcheck.view")  # city officials draw spot checks; leads also decide
page_header(tr("review.title"))
if allowed(actor, "planting.review"):
    queue_tab, spot_tab = st.tabs([tr("review.tab.queue"), tr("review.tab.spot")])
    with queue_tab:
        decision_queue(actor)
else:
    spot_tab = st.container()
with spot_tab:
    spot_check(actor)
