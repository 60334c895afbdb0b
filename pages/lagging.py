"""落后村预警 Lagging villages: ranked with reasons and responsible people, filtered, on the map,
and downloadable."""
import streamlit as st

from ui import data
from ui.downloads import download_buttons
from ui.i18n_st import tr
from ui.lagging_view import export_frame, filter_lagging, lagging_cards
from ui.layout import page_header
from ui.maps_st import basemap_picker, datum_of, map_data, render, show_map
from ui.session import require_actor
from ui.supervision_st import issue_panel

actor = require_actor("lagging.view")
page_header(tr("lagging.title"))
lagging = data.lagging(actor)
if not len(lagging):
    st.success(tr("lagging.none"))
    st.stop()

shown = filter_lagging(lagging)
st.caption(tr("lagging.count", n=f"{len(shown):,}"))
villages = data.villages(actor)
download_buttons(export_frame(shown, villages), "lagging-villages", key="lag_dl")
issue_panel(actor, shown)
lagging_cards(shown)

basemap = basemap_picker()
md = map_data(actor, datum=datum_of(basemap), villages=villages[villages["code"].isin(shown["code"])],
              highlight=set(shown["code"]))
show_map(render(md, basemap=basemap, metric="plan_completion"), key="lagging_map")
