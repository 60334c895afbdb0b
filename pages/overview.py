"""总览 City overview: headline figures against the campaign's, and the map of the actor's area."""
import streamlit as st

from greening.maps import METRICS
from ui import data
from ui.figures import show_headline
from ui.i18n_st import tr, tr_key, translated
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.maps_st import (
    basemap_picker,
    cached_render,
    datum_of,
    map_data,
    open_tapped_village,
    render,
    show_map,
)

actor = require_actor("dashboard.view")
page_header(tr("overview.title" if actor.is_citywide else "overview.title_area"))
show_headline(actor)

left, middle, right = st.columns([2, 3, 1], vertical_alignment="bottom")
metric = translated(left.selectbox, tr("map.metric"), list(METRICS), format_func=tr_key("metric."), key="ov_metric")
basemap = basemap_picker(middle)
heat = right.toggle(tr("map.heat"), key="ov_heat")

open_tapped_village("overview_map", basemap, data.villages(actor), "city")  # a tap opens its page

result = cached_render(actor, "overview", lambda: render(
    map_data(actor, datum=datum_of(basemap), designations=True, teams=True, plantings=True, overlay=True),
    basemap=basemap, metric=metric, heat=heat), basemap=basemap, metric=metric, heat=heat)
show_map(result, key="overview_map", returned_objects=["last_clicked"])
st.caption(tr("map.tap_hint"))
