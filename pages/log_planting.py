"""种植登记 Log a planting, phone first: tap the map (or use the phone's GPS, or type coordinates),
see at once which village the point is in, fill in the form, submit once."""
import streamlit as st

from ui import data
from ui.i18n_st import tr
from ui.layout import page_header
from ui.maps_st import basemap_picker, datum_of, map_data, new_click, picked_group, render, show_map
from ui.pickers import pick_village
from ui.planting_form import POINT_KEY, confirmation, planting_form, typed_point, where_is
from ui.session import require_actor
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
st.markdown(f"##### {tr('log.where')}")
how = st.segmented_control(tr("log.how"), ["map", "typed"], format_func=lambda h: tr(f"log.how.{h}"),
                           key="log_how", default="map", required=True)
if how == "typed":
    point = typed_point()
    if point is not None:
        st.session_state[POINT_KEY] = point
else:
    st.caption(tr("log.map_hint"))
    basemap = basemap_picker()
    md = map_data(actor, datum=datum_of(basemap), within=village_code, towns=False, counties=False)
    # A tap arrives in session_state before this run: take it first, so the pin is drawn at once.
    tapped = new_click(st.session_state.get("log_map") or {}, "log_map", basemap)
    if tapped is not None:
        st.session_state[POINT_KEY] = tapped
    result = render(md, basemap=basemap, metric="plan_completion", locate=True, layer_control=False)
    show_map(result, key="log_map", returned_objects=["last_clicked"],
             dynamic=picked_group(st.session_state.get(POINT_KEY), basemap))
point = st.session_state.get(POINT_KEY)
if point is not None:
    where_is(actor, point, village_code)
planting_form(actor, point, village_code)

st.markdown(f"#### {tr('log.recent')}")
recent_table(data.recent(actor, village_code=village_code, limit=10))
