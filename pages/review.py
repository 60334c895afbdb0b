"""核查审核 / Review: town and county leads verify or reject plantings; the four-party spot check."""
import streamlit as st

from greening.permissions import allowed
from ui.i18n_st import tr, tr_key, translated
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.review_queue import decision_queue
from ui.spot_check import spot_check

actor = require_actor("spotcheck.view")  # city officials draw spot checks; leads also decide
page_header(tr("review.title"))
shown = "spot"
if allowed(actor, "planting.review"):
    # One section at a time (tabs would run both on every press): the draw over every record of
    # the period is not made again for each decision.
    shown = translated(st.segmented_control, tr("review.show"), ["queue", "spot"], format_func=tr_key("review.tab."),
                       key="review_section", default="queue", required=True)
if shown == "queue":
    decision_queue(actor)
else:
    spot_check(actor)
