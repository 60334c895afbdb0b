"""One record under review: its point on a small map over the village it was reported for (and the
village the point lies in, if another). Its photos are shown by the one photo view,
:func:`ui.photos_view.record_photos`."""
from __future__ import annotations

import streamlit as st

from greening.maps import NO_BASEMAP, MapData
from greening.maps.geojson import to_datum_xy
from ui.i18n_st import tr
from ui.layout import md_escape

__all__ = ["record_map", "SMALL_MAP_HEIGHT"]

SMALL_MAP_HEIGHT = 260


def record_map(actor, row: dict) -> None:
    """The record's point on a small map with its claimed village (and the one it lies in)."""
    from ui import data
    from ui.maps_st import datum_of, render, show_map

    claimed = str(row["village_code"])
    located = row.get("located_code")
    codes = {claimed} | ({str(located)} if isinstance(located, str) and located else set())
    villages = data.villages(actor, claimed[:9])
    drawable = villages[villages.geometry.notna() & ~villages.geometry.is_empty] if len(villages) else villages
    shown = drawable[drawable["code"].isin(codes)] if len(drawable) else drawable
    basemap = st.session_state.get("basemap", NO_BASEMAP)
    lon, lat = float(row["lon"]), float(row["lat"])
    # The villages drawn as outlines (no colour scale, no legend): the map is about the point.
    md = MapData(towns=shown if len(shown) else None, picked=(lon, lat))
    bounds = None
    if len(shown):
        every = data.geoms(actor, "village", drawable, datum_of(basemap), claimed[:9])
        md.town_geoms = {code: geom for code, geom in every.items() if code in codes}
    else:  # no boundary to show: the point and about a kilometre around it
        (x,), (y,) = to_datum_xy([lon], [lat], datum_of(basemap))
        bounds = [[float(y) - 0.005, float(x) - 0.005], [float(y) + 0.005, float(x) + 0.005]]
    if located and located != claimed:
        name = villages.set_index("code")["name"].get(located, located)
        st.caption(tr("review.detail.located", name=md_escape(name)))
    result = render(md, basemap=basemap, layer_control=False, bounds=bounds)
    show_map(result, key=f"review_map_{int(row['id'])}", height=SMALL_MAP_HEIGHT)
