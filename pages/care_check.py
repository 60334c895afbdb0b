"""管护核查 Log a care or survival check, phone first: pick the planting from the village's checks due
this week and overdue, or by position (GPS or a tap, matched to the nearest planting of the same
species), fill in what was found, submit once."""
import streamlit as st

from ui.care_form import care_confirmation, care_form, due_list, pick_by_position, pick_due
from ui.i18n_st import tr, tr_key, translated
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.pickers import pick_village
from ui.tables import phone_table

actor = require_actor("care.create")
page_header(tr("care.title"))
if care_confirmation():
    st.stop()
village_code = pick_village(actor)
if village_code is None:
    st.stop()
due = due_list(actor, village_code)
st.markdown(f"##### {tr('care.due_title')} · {len(due)}")
if len(due):
    phone_table(due.assign(state=due["state"].map(lambda v: tr(f"sup.state.{v}"))),
                {"planting_id": tr("sup.col.planting"), "species": tr("sup.col.species"),
                 "months": tr("sup.col.months"), "due_on": tr("sup.col.due_on"), "state": tr("sup.col.state")},
                height=220, key="care_due_table", dates=("due_on",), first=("due_on", "state"))
else:
    st.caption(tr("care.none_due"))
how = translated(st.segmented_control, tr("care.how"), ["list", "position"], format_func=tr_key("care.how."),
                           key="care_pick_how", default="list" if len(due) else "position", required=True)
if how == "list":
    care_form(actor, pick_due(due) if len(due) else None)
else:
    pick = pick_by_position(actor, village_code)
    care_form(actor, pick.planting_id, point=pick.point, species_id=pick.species_id, missing=pick.missing)
