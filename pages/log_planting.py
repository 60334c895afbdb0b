"""种植登记 Log a planting, phone first: the phone's GPS, a tap on the map or typed coordinates,
see at once which village the point is in, fill in the form, submit once."""
import streamlit as st

from ui import data
from ui.gps import GpsError, gps_button, read_reading
from ui.i18n_st import tr, tr_key
from ui.layout import md_escape, page_header
from ui.maps_st import basemap_picker, datum_of, map_data, new_click, picked_group, render, show_map
from ui.pickers import pick_village
from ui.planting_form import (
    POINT_KEY,
    SOURCE_KEY,
    clear_point,
    confirmation,
    planting_form,
    rejected_notice,
    set_point,
    typed_point,
    where_is,
)
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
rejected_notice(actor, village_code=village_code, team_id=actor.team_id)
st.markdown(f"##### {tr('log.where')}")
how = st.segmented_control(tr("log.how"), ["map", "typed"], format_func=tr_key("log.how."),
                           key="log_how", default="map", required=True)
if how == "typed":
    point = typed_point()
    if point is None:
        clear_point()  # an empty or wrong entry leaves no older point (nor its village) on screen
    else:
        set_point(point, "typed")
else:
    reading = gps_button()
    if reading is not None:
        try:
            fix = read_reading(reading)
        except GpsError as exc:
            st.session_state["log_gps_error"] = str(exc)
        else:
            st.session_state.pop("log_gps_error", None)
            set_point((fix.lon, fix.lat), "gps", fix.accuracy_m)
    if st.session_state.get("log_gps_error"):
        st.error(md_escape(st.session_state["log_gps_error"]))
    st.caption(tr("log.map_hint2"))
    basemap = basemap_picker()
    md = map_data(actor, datum=datum_of(basemap), within=village_code, towns=False, counties=False)
    # A tap arrives in session_state before this run: take it first, so the pin is drawn at once.
    tapped = new_click(st.session_state.get("log_map") or {}, "log_map", basemap)
    if tapped is not None:
        st.session_state.pop("log_gps_error", None)
        set_point(tapped, "map")
    result = render(md, basemap=basemap, metric="plan_completion", layer_control=False)
    source = st.session_state.get(SOURCE_KEY) or {}
    show_map(result, key="log_map", returned_objects=["last_clicked"],
             dynamic=picked_group(st.session_state.get(POINT_KEY), basemap, source.get("accuracy")),
             center=st.session_state.get(POINT_KEY) if source.get("kind") == "gps" else None, basemap=basemap)
point = st.session_state.get(POINT_KEY)
if point is not None:
    where_is(actor, point, village_code)
planting_form(actor, point, village_code)

st.markdown(f"#### {tr('log.recent')}")
recent_table(data.recent(actor, village_code=village_code, limit=10))
