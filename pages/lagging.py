"""落后村预警 Lagging villages: ranked with reasons and responsible people, filtered, on the map,
and downloadable."""
import streamlit as st

from ui import data
from ui.downloads import download_buttons
from ui.i18n_st import tr
from ui.lagging_view import export_frame, filter_lagging, lagging_cards
from ui.layout import page_header
from ui.login_gate import require_actor
from ui.maps_st import (
    basemap_picker,
    cached_render,
    datum_of,
    digest,
    map_data,
    open_tapped_village,
    render,
    show_map,
)
from ui.supervision_st import issue_panel

actor = require_actor("lagging.view")
page_header(tr("lagging.title"))
lagging = data.lagging(actor)
if not len(lagging):
    st.success(tr("lagging.none"))
    st.stop()

shown = filter_lagging(lagging)
st.caption(tr("lagging.count_one") if len(shown) == 1 else tr("lagging.count", n=f"{len(shown):,}"))
villages = data.villages(actor)
download_buttons(export_frame(shown, villages), "lagging-villages", key="lag_dl")
issue_panel(actor, shown)
lagging_cards(shown)

basemap = basemap_picker()
open_tapped_village("lagging_map", basemap, villages[villages["code"].isin(shown["code"])], "city")
show_map(cached_render(actor, "lagging", lambda: render(
    map_data(actor, datum=datum_of(basemap), villages=villages[villages["code"].isin(shown["code"])],
             highlight=set(shown["code"])), basemap=basemap, metric="plan_completion"),
    basemap=basemap, shown=digest(shown["code"])), key="lagging_map", returned_objects=["last_clicked"])
st.caption(tr("map.tap_hint"))
