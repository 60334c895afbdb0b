"""Showing greening.maps maps in Streamlit and reading taps back.

``st_folium`` keys its component by a hash of the map's script and copies the value into
``st.session_state[key]`` when it changes; :func:`show_map` reads that copy first, so a tap is
seen the same way in the browser and in ``AppTest`` (which sets ``session_state[key]``).
A tap is acted on once: :func:`new_click` remembers the last one handled for each map.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import streamlit as st

from greening.area_codes import county_prefix
from greening.config import get_settings
from greening.maps import (
    BASEMAPS,
    NO_BASEMAP,
    MapData,
    MapResult,
    available_basemaps,
    build_map,
    picked_to_wgs84,
)
from ui.folium_draw import Prepared, draw, prepare
from ui.i18n_st import lang, tr, tr_key, translated

__all__ = ["basemap_picker", "render", "cached_render", "ReadyMap", "ready", "digest", "show_map", "new_click", "open_tapped_village", "clicked_wgs84", "BASEMAP_KEY",
           "MAP_HEIGHT"]

BASEMAP_KEY = "basemap"
MAP_HEIGHT = 460  # fits a phone screen with the page header above it


def basemap_picker(container=None, key: str = BASEMAP_KEY) -> str:
    """The basemap choice, kept for the whole tab: OSM by default, "no basemap" one tap away.

    The choice lives in ``session_state[key]`` (not a widget key: Streamlit drops a widget's state
    when the user opens another page, and every page has its own picker).
    """
    settings = get_settings()
    options = available_basemaps(settings.tianditu_key)
    if st.session_state.get(key) not in options:
        st.session_state[key] = settings.extra.get("default_basemap", "osm") if "osm" in options else NO_BASEMAP
    widget = f"_{key}_choice"

    def keep():
        st.session_state[key] = st.session_state.get(widget) or st.session_state[key]

    where = container or st
    translated(where.segmented_control, tr("map.basemap"), options, default=st.session_state[key], key=widget,
                            format_func=tr_key("map.basemap."), selection_mode="single",
                            required=True, on_change=keep)
    return st.session_state[key]


def render(data: MapData, *, basemap: str, **kwargs) -> MapResult:
    """Build the map in the tab's language with the configured asset location and Tianditu key."""
    settings = get_settings()
    basemap = basemap if basemap in available_basemaps(settings.tianditu_key) else NO_BASEMAP
    return build_map(data, lang=lang(), basemap=basemap, tianditu_key=settings.tianditu_key,
                     static_base=settings.static_base, **kwargs)


@dataclass(frozen=True, eq=False)
class ReadyMap:
    """A built map already turned into the component's arguments (:mod:`ui.folium_draw`), shared
    read-only by every rerun and user of the same view."""

    prepared: Prepared
    markers_shown: int = 0
    markers_total: int = 0

    @property
    def capped(self) -> bool:
        return self.markers_shown < self.markers_total


def ready(result: MapResult) -> ReadyMap:
    return ReadyMap(prepare(result.map), result.markers_shown, result.markers_total)


@st.cache_resource(max_entries=64, show_spinner=False)
def _built(key: str, _build) -> ReadyMap:
    return ready(_build())


def cached_render(actor, page: str, build, *, village: str | None = None, **params) -> ReadyMap:
    """The map ``build()`` makes, built and rendered once per process for everyone who sees the
    same thing.

    Keyed by the page, the actor's view (role and area, never the user), the tab's language,
    ``params`` (basemap, metric, filters: whatever ``build`` depends on besides the data) and the
    data versions read from the database now (:func:`ui.data.version_keys`). A write anywhere in
    the area, through any replica, changes the key, so the next rerun builds afresh; until then
    every rerun and every other user of that view reuses the built map (the city overview's layers
    took about a second to build per rerun) and its rendered script (folium's templates took a
    tenth of a team's session when rendered on every rerun).

    ``village``: the map shows that one village's own rows alone (种植登记's map), so it is keyed by
    that village's data version (:func:`ui.data.village_keys`): a write in another village of the
    county leaves it.
    """
    from greening.data_version import is_village
    from ui import data

    versions = data.village_keys(village) if is_village(village) else data.version_keys(actor)
    key = repr((page, data.scope_of(actor), lang(), sorted(params.items()), village, versions))
    return _built(key, build)


def digest(values) -> str:
    """A short fingerprint of a list of codes (a filtered map's part of the cache key)."""
    import hashlib

    return hashlib.blake2b("\n".join(sorted(map(str, values))).encode(), digest_size=12).hexdigest()


def show_map(result: MapResult | ReadyMap, *, key: str, returned_objects: list[str] | None = None,
             height: int = MAP_HEIGHT, dynamic=None, center=None, basemap: str = NO_BASEMAP) -> dict:
    """Draw ``result`` with st_folium's component (:func:`ui.folium_draw.draw`); return what the browser sent back (``{}`` when nothing).

    ``dynamic``: a FeatureGroup (e.g. the picked point) that changes between runs; it is added
    in the browser without reloading the map, so the view stays where the user left it.
    ``center``: a WGS 84 ``(lon, lat)`` to move the view to (at street zoom) without reloading,
    e.g. a GPS fix; drawn in ``basemap``'s datum.
    """
    if result.capped:
        st.caption(tr("map.capped", shown=f"{result.markers_shown:,}", total=f"{result.markers_total:,}"))
    view = {}
    if center is not None:
        from greening.maps.geojson import to_datum_xy

        (x,), (y,) = to_datum_xy([center[0]], [center[1]], datum_of(basemap))
        view = {"center": (float(y), float(x)), "zoom": 16}
    shown = result if isinstance(result, ReadyMap) else ready(result)
    value = draw(shown.prepared, key=key, height=height, returned_objects=returned_objects or [],
                 feature_group_to_add=dynamic, **view)
    state = st.session_state.get(key)
    if isinstance(state, dict) and any(state.get(k) for k in (returned_objects or [])):
        return state
    return value or {}


def clicked_wgs84(state: dict, basemap: str) -> tuple[float, float] | None:
    """The tapped point as WGS 84 ``(lon, lat)`` (shifted back from GCJ-02 over Amap)."""
    click = (state or {}).get("last_clicked")
    if not click or click.get("lat") is None or click.get("lng") is None:
        return None
    return picked_to_wgs84(float(click["lat"]), float(click["lng"]), basemap)


def new_click(state: dict, key: str, basemap: str) -> tuple[float, float] | None:
    """The tapped point if it was not handled before for map ``key`` (then remembered), else None."""
    point = clicked_wgs84(state, basemap)
    if point is None:
        return None
    marker = f"_handled_click_{key}"
    raw = (state["last_clicked"]["lat"], state["last_clicked"]["lng"])
    if st.session_state.get(marker) == raw:
        return None
    st.session_state[marker] = raw
    return point


def open_tapped_village(map_key: str, basemap: str, villages, detail: str) -> None:
    """A tap on map ``map_key`` (already in session_state when the run starts) opens the village
    tapped: its page, or a line saying the place is in no village. ``detail`` is the map's
    opening detail (:func:`greening.maps.compact.detail_for`), which sets how near a tap must be."""
    from greening.maps.compact import TAP_REACH_M
    from greening.services.area_views import village_at

    point = new_click(st.session_state.get(map_key) or {}, map_key, basemap)
    if point is None:
        return
    village = village_at(villages, *point, reach_m=TAP_REACH_M[detail])
    if village is not None:
        st.session_state["village_code"] = village["code"]
        st.switch_page("pages/village.py")
    st.info(tr("common.no_village_here"))


def datum_of(basemap: str) -> str:
    return BASEMAPS.get(basemap, BASEMAPS[NO_BASEMAP]).datum


def map_data(actor, *, datum: str, within: str | None = None, villages=None, towns: bool = True,
             counties: bool = True, designations: bool = False, teams: bool = False,
             plantings: bool = False, highlight=None, picked=None, overlay: bool = False) -> MapData:
    """The usual layers of the actor's area (optionally inside the code prefix ``within``), from
    the cached loaders; ``villages`` may be a frame the page already filtered (or one with other
    figures, e.g. :func:`ui.data.village_progress`), else :func:`ui.data.villages`; ``overlay`` adds the
    latest land-cover / canopy raster's picture (hidden until picked in the layer control)."""
    from ui import data

    every_village = data.village_shapes(actor, within)  # outlines only: nothing computed for them
    if villages is None:
        villages = data.villages(actor, within)
    from greening.maps.compact import detail_for

    md = MapData(villages=villages, highlight=set(highlight or ()), picked=picked, detail=detail_for(within))
    if len(every_village):
        # Geometry of every village in the area, whatever subset is drawn: one cache entry per area.
        md.village_geoms = data.geoms(actor, "village", every_village, datum, within)
    if towns:
        md.towns = data.towns(actor, within)
        if len(md.towns):
            md.town_geoms = data.geoms(actor, "town", md.towns, datum, within)
    if counties:
        md.counties = data.counties(actor)
        if within and len(within) >= 6:
            md.counties = md.counties[md.counties["code"].str.startswith(county_prefix(within))]
        md.county_geoms = data.geoms(actor, "county", md.counties, datum, county_prefix(within) if within else None)
    if designations:
        frame = data.designations(actor)
        md.designations = frame[frame["area_code"].fillna("").str.startswith(within)] if within else frame
    if teams:
        frame = data.teams(actor)
        md.teams = frame[frame["village_code"].str.startswith(within)] if within else frame
    if plantings:
        md.plantings, md.planting_total, md.planting_cells = data.planting_layers(actor, within)
    if overlay:
        from ui.greencover_st import overlay_for

        md.overlay = overlay_for(actor)
    return md


def picked_group(point, basemap: str, accuracy_m: float | None = None) -> str:
    """The Leaflet script of a pin at the WGS 84 ``point`` (drawn in the basemap's datum), and of
    the GPS fix's accuracy as a circle of that radius when given: a layer for ``show_map``'s
    ``dynamic``. Kept per point, basemap, accuracy and language: every rerun with a picked point
    draws it, and the same script is the same layer to the browser (nothing is re-added)."""
    where = None if point is None else (float(point[0]), float(point[1]))
    return _picked_script(where, datum_of(basemap), float(accuracy_m) if accuracy_m else None, tr("map.layer.picked"))


@functools.lru_cache(maxsize=1024)
def _picked_script(point, datum: str, accuracy_m: float | None, label: str) -> str:
    import folium

    from greening.maps.geojson import to_datum_xy
    from ui.folium_draw import feature_group_script

    group = folium.FeatureGroup(name=label, control=False)
    if point is not None:
        (x,), (y,) = to_datum_xy([point[0]], [point[1]], datum)
        if accuracy_m:
            folium.Circle([float(y), float(x)], radius=accuracy_m, color="#1565c0", weight=1,
                          fill=True, fill_opacity=0.12, interactive=False).add_to(group)
        folium.Marker([float(y), float(x)], tooltip=label).add_to(group)
    return feature_group_script(group)
