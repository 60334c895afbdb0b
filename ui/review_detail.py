"""One record under review: its photos as thumbnails with their flags in words, and its point on a
small map over the village it was reported for (and the village the point lies in, if another)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from greening.maps import NO_BASEMAP, MapData
from greening.maps.geojson import to_datum_xy
from ui.i18n_st import tr
from ui.layout import md_escape

__all__ = ["record_photos_view", "record_map", "SMALL_MAP_HEIGHT"]

SMALL_MAP_HEIGHT = 260
_PER_ROW = 3


def record_photos_view(photos: list[tuple[int, list[str], Path | None]]) -> None:
    """``(photo id, flags, thumbnail path or None)`` of one record, three to a row."""
    from ui.review_queue import flag_words

    st.markdown(f"**{tr('review.col.photos')}**")
    if not photos:
        st.caption(tr("review.detail.no_photos"))
        return
    for start in range(0, len(photos), _PER_ROW):
        columns = st.columns(_PER_ROW)
        for column, (_pid, flags, path) in zip(columns, photos[start:start + _PER_ROW], strict=False):
            with column:
                if path is None:
                    st.caption(tr("review.detail.photo_missing"))
                else:
                    st.image(path.read_bytes(), width="stretch")
                if flags:
                    st.warning(md_escape(flag_words(flags)))
                else:
                    st.caption(tr("review.detail.photo_ok"))


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
