"""总览 City overview: headline figures against the campaign's, and the map of the actor's area."""
import streamlit as st

from greening.maps import METRICS
from greening.services.villages import village_at
from ui import data
from ui.figures import show_headline
from ui.i18n_st import tr, tr_key
from ui.layout import page_header
from ui.maps_st import basemap_picker, datum_of, map_data, new_click, render, show_map
from ui.session import require_actor

actor = require_actor("dashboard.view")
page_header(tr("overview.title" if actor.is_citywide else "overview.title_area"))
show_headline(actor)

left, middle, right = st.columns([2, 3, 1], vertical_alignment="bottom")
metric = left.selectbox(tr("map.metric"), list(METRICS), format_func=tr_key("metric."), key="ov_metric")
basemap = basemap_picker(middle)
heat = right.toggle(tr("map.heat"), key="ov_heat")

# A tap on a village (already in session_state when this run starts) opens its detail.
point = new_click(st.session_state.get("overview_map") or {}, "overview_map", basemap)
if point is not None:
    village = village_at(data.villages(actor), *point)
    if village is not None:
        st.session_state["village_code"] = village["code"]
        st.switch_page("pages/village.py")
    st.info(tr("common.no_village_here"))

md = map_data(actor, datum=datum_of(basemap), designations=True, teams=True, plantings=True, overlay=True)
result = render(md, basemap=basemap, metric=metric, heat=heat)
show_map(result, key="overview_map", returned_objects=["last_clicked"])
st.caption(tr("map.tap_hint"))
