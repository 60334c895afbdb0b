"""A folium map turned into ``st_folium``'s component arguments once, then drawn on every run.

``streamlit_folium.st_folium(fig)`` renders the whole map through folium's Jinja templates on
every script run (branca compiles a fresh template for each element it renders): for the log-planting map of one
village that was about a tenth of a team's session on the server, repeated on the tap's and the
form's reruns although the map had not changed. :func:`prepare` does the same work as
``st_folium`` once and keeps the strings; :func:`draw` hands them to the same component with the
arguments that do change between runs (the picked pin, the view, the key), so the browser gets
exactly what ``st_folium`` would have sent (``tests/test_folium_draw.py`` compares the two).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium

__all__ = ["Prepared", "prepare", "draw"]

@dataclass(frozen=True, eq=False)
class Prepared:
    """What ``st_folium`` derives from a map: the Leaflet script, header and HTML, the map's
    element id, its bounds and zoom (the component's initial value) and the assets it links."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict
    zoom: Any
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    #: the component's key per (widget key, hover), made once: hashing a large script per run costs
    hashes: dict = field(default_factory=dict, repr=False)


def _walk(fig):
    import branca.colormap
    import folium.elements

    if isinstance(fig, branca.colormap.ColorMap):
        yield fig
    if isinstance(fig, folium.elements.JSCSSMixin):
        yield fig
    for child in getattr(fig, "_children", {}).values():
        yield from _walk(child)


def _bounds(fmap) -> dict:
    try:
        (s, w), (n, e) = fmap.get_bounds()
    except AttributeError:
        s = w = n = e = None
    return {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}}


def prepare(fmap: folium.Map) -> Prepared:
    """The component's arguments for ``fmap`` (a plain ``folium.Map``), as ``st_folium`` makes
    them. Like ``st_folium`` this renumbers the map's elements, so the map is not drawn again."""
    from streamlit_folium import _get_header, _get_html, _get_map_string, get_full_id

    fmap.get_root().render()
    fmap.render()
    html = _get_html(fmap)
    header = _get_header(fmap)
    script = _get_map_string(fmap)
    css: list[str] = []
    js: list[str] = []
    for elem in _walk(fmap):
        import branca.colormap

        if isinstance(elem, branca.colormap.ColorMap):
            js[:0] = ["https://d3js.org/d3.v4.min.js", "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js"]
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    zoom = fmap.options.get("zoom") if hasattr(fmap, "options") else {}
    return Prepared(script, header, html, get_full_id(fmap), _bounds(fmap), zoom,
                    tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js)))


def _hash_key(prepared: Prepared, key: str | None, return_on_hover: bool) -> str:
    """st_folium's component key for ``prepared``, kept on it (not in a process-wide cache, which
    would keep maps alive after the map cache let them go)."""
    from streamlit_folium import generate_js_hash

    found = prepared.hashes.get((key, return_on_hover))
    if found is None:
        found = prepared.hashes[(key, return_on_hover)] = generate_js_hash(prepared.script, key, return_on_hover)
    return found


def feature_group_script(groups) -> str | None:
    """The Leaflet script that adds ``groups`` (FeatureGroups) to the drawn map, as st_folium
    writes it (rendered against a map whose id is the component's ``map_div``); a script
    rendered before (a ``str``) is passed through."""
    from streamlit_folium import _get_feature_group_string

    if groups is None or isinstance(groups, str):
        return groups
    if isinstance(groups, folium.FeatureGroup):
        groups = [groups]
    host = folium.Map(tiles=None)
    host._id = "div"  # st_folium's own map is renamed map_div before its groups are rendered
    return "".join(_get_feature_group_string(g, map=host, idx=i) for i, g in enumerate(groups)) or ""


def draw(prepared: Prepared, *, key: str | None, height: int, width: int | None = None,
         returned_objects: list[str] | None = None, feature_group_to_add=None, zoom: int | None = None,
         center: tuple[float, float] | None = None, return_on_hover: bool = False, on_change=None):
    """Draw ``prepared`` with st_folium's component; the same value back as ``st_folium``."""
    import streamlit as st
    from streamlit_folium import _component_func

    hash_key = _hash_key(prepared, key, return_on_hover)

    def _on_change():
        if key is not None:
            st.session_state[key] = st.session_state.get(hash_key, {})
        if on_change is not None:
            on_change()

    initial = {"last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
               "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
               "last_active_drawing": None, "bounds": prepared.bounds, "zoom": prepared.zoom,
               "last_circle_radius": None, "last_circle_polygon": None, "selected_layers": None,
               "selected_tags": None, "last_geocoder_result": None}
    default = {k: v for k, v in initial.items() if returned_objects is None or k in returned_objects}
    return _component_func(
        script=prepared.script, header=prepared.header, html=prepared.html, id=prepared.map_id, key=hash_key,
        height=height, width=width, returned_objects=returned_objects, default=default, zoom=zoom, center=center,
        feature_group=feature_group_script(feature_group_to_add), return_on_hover=return_on_hover, layer_control=None,
        pixelated=False, css_links=list(prepared.css_links), js_links=list(prepared.js_links),
        on_change=_on_change, wrap_longitude=False)

