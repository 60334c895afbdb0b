"""Leaflet and plugin files served by the app itself (``static/vendor``), never from a CDN.

folium elements name the JavaScript and CSS they need (``default_js``/``default_css``, pairs of
name and URL, pointing at public CDNs). :func:`localise` rewrites them on each element of a built
map to the pinned copies that ``python -m greening fetch-static`` put under ``static/vendor``, which
Streamlit serves at ``/app/static/vendor`` (the ``static_base`` setting). The map's own defaults
(jQuery, Bootstrap, Font Awesome, awesome-markers, glyphicons) are dropped: the maps here draw
their markers with plain CSS and need none of them, and a phone on a rural network loads less.
"""
from __future__ import annotations

import folium
from branca.element import Element

__all__ = ["LOCAL_JS", "LOCAL_CSS", "UnvendoredAsset", "localise", "asset_urls"]

#: folium resource name -> file under static/vendor (see greening/commands/static.py)
LOCAL_JS = {
    "leaflet": "leaflet/leaflet.js",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "leaflet-heat.js": "leaflet.heat/leaflet-heat.min.js",
    "Control_locate_min_js": "leaflet.locatecontrol/L.Control.Locate.min.js",
}
LOCAL_CSS = {
    "leaflet_css": "leaflet/leaflet.css",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "Control_locate_min_css": "leaflet.locatecontrol/L.Control.Locate.min.css",
}
# folium.Map's own defaults that no map here uses.
_DROPPED = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
            "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}


class UnvendoredAsset(ValueError):
    """A map element needs a file that static/vendor does not hold: add it to fetch-static."""


def _walk(element: Element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _local(pairs, table, base, element):
    out = []
    for name, _url in pairs:
        if name in table:
            out.append((name, f"{base}/{table[name]}"))
        elif name not in _DROPPED:
            raise UnvendoredAsset(
                f"{type(element).__name__} needs {name!r}, which is not in static/vendor: "
                "add it to greening/commands/static.py and greening/maps/assets.py")
    return out


def localise(m: folium.Map, static_base: str) -> folium.Map:
    """Point every element of ``m`` at the vendored files under ``static_base``; returns ``m``."""
    base = static_base.rstrip("/")
    for element in _walk(m):
        if hasattr(element, "default_js"):
            element.default_js = _local(element.default_js, LOCAL_JS, base, element)
        if hasattr(element, "default_css"):
            element.default_css = _local(element.default_css, LOCAL_CSS, base, element)
    return m


def asset_urls(m: folium.Map) -> list[str]:
    """Every JS/CSS URL the elements of ``m`` ask the browser to load (for tests and checks)."""
    urls = []
    for element in _walk(m):
        urls += [u for _n, u in getattr(element, "default_js", [])]
        urls += [u for _n, u in getattr(element, "default_css", [])]
    return list(dict.fromkeys(urls))
