"""种植登记 Log a planting, phone first: the phone's GPS, a tap on the map or typed coordinates,
see at once which village the point is in, fill in the form, submit once."""
import streamlit as st

from ui import data
from ui.i18n_st import tr
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.pickers import pick_village
from ui.planting_form import confirmation, planting_form, point_picker, rejected_notice, where_is
from ui.tables import recent_table

actor = require_actor("planting.create")
page_header(tr("log.title"))
if confirmation(actor):
    st.markdown(f"#### {tr('log.recent')}")
    recent_table(data.recent(actor, team_id=actor.team_id, limit=10))
    st.stop()

village_code = pick_village(actor)
if village_code is None:
    st.stop()
rejected_notice(actor, village_code=village_code, team_id=actor.team_id)
st.markdown(f"##### {tr('log.where')}")
point = point_picker(actor, village_code)
if point is not None:
    where_is(actor, point, village_code)
planting_form(actor, point, village_code)

st.markdown(f"#### {tr('log.recent')}")
recent_table(data.recent(actor, village_code=village_code, limit=10))
