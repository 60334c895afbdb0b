"""Light map layers: shapes and points sent as encoded polylines, drawn on a canvas.

A folium ``GeoJson`` layer of 1,722 village polygons is about 1.1 MB of JSON (every coordinate
written out, every feature's properties repeated), re-sent on every rerun. These layers send:

- coordinates as Google's encoded-polyline strings (delta-encoded integers, about 2-3 bytes per
  vertex instead of 20), rounded to a precision that suits the zoom the map opens at;
- colours as indices into a palette, shared tooltip lines (town · county) once;
- tooltips as text that was escaped here (:func:`greening.maps.geojson.esc`); the browser only
  joins the escaped pieces with ``<br>``.

They are ``folium.map.Layer`` subclasses, so the layer control lists them and ``show`` works.
Shapes are SVG paths as before (one per village); the many small circle markers of points go on
a canvas. A click on a polygon still reaches the map (Leaflet bubbles vector-layer clicks), which
is how pages read taps.
"""
from __future__ import annotations

import json

import numpy as np
from branca.element import CssLink, Element, JavascriptLink
from folium.elements import ElementAddToElement
from folium.map import Layer
from jinja2 import Template

__all__ = ["RenderedOnce", "encode_polyline", "decode_polyline", "encode_geometry", "encoded_features", "detail_for", "CompactShapes",
           "CompactPoints", "ZOOM_DETAIL", "TAP_REACH_M", "DECODE_JS", "script_json"]

#: simplification tolerance (degrees) for a map that opens on the city, a county, or a town or
#: village: one pixel is about 0.0017 deg at city zoom, 0.0004 at county zoom. Coordinates are
#: always encoded with 5 decimals (about 1 m), so any cached shape can be drawn on any map.
ZOOM_DETAIL = {"city": 0.0012, "county": 0.0004, "local": 0.0001}
#: how far (metres) a tap in no village still opens the nearest one, on a map that opens at that
#: detail: about three pixels at its zoom (a finger is wider than a small village drawn at city
#: zoom, and a village's outline, a pixel wide, lies partly outside it)
TAP_REACH_M = {"city": 500.0, "county": 130.0, "local": 35.0}
PRECISION = 5

DECODE_JS = """window.grDecode = window.grDecode || function(s, f) {
    var i = 0, lat = 0, lng = 0, out = [];
    function next() {
        var b, shift = 0, r = 0;
        do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << shift; shift += 5; } while (b >= 32);
        return (r & 1) ? ~(r >> 1) : (r >> 1);
    }
    while (i < s.length) { lat += next(); lng += next(); out.push([lat / f, lng / f]); }
    return out;
};
window.grLines = window.grLines || function(parts, shared) {
    return parts.map(function(x) { return typeof x === 'number' ? shared[x] : x; })
                .filter(function(x) { return x; }).join('<br>');
};"""


def encode_polyline(lonlat, precision: int = 5) -> str:
    """Google's encoded polyline of ``lonlat`` (an N×2 array of lon, lat), as (lat, lon) pairs.

    >>> encode_polyline([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]])
    '_p~iF~ps|U_ulLnnqC_mqNvxq`@'
    """
    arr = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if not len(arr):
        return ""
    ints = np.round(arr[:, ::-1] * 10 ** precision).astype(np.int64)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    values = ((deltas << 1) ^ (deltas >> 63)).tolist()
    out: list[str] = []
    for n in values:
        while n >= 0x20:
            out.append(chr((0x20 | (n & 0x1F)) + 63))
            n >>= 5
        out.append(chr(n + 63))
    return "".join(out)


def decode_polyline(text: str, precision: int = PRECISION) -> np.ndarray:
    """The N×2 array of (lon, lat) that :func:`encode_polyline` encoded (what the browser does)."""
    values, shift, result = [], 0, 0
    for ch in text:
        b = ord(ch) - 63
        result |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift = result = 0
    latlon = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0) / 10 ** precision
    return latlon[:, ::-1]


def encode_geometry(geometry: dict, precision: int = PRECISION) -> list[list[str]]:
    """A GeoJSON (Multi)Polygon or (Multi)LineString as polygons of encoded rings (lines: one
    "ring" each). Closing vertices are dropped (Leaflet closes polygons itself)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords
    elif kind == "LineString":
        polygons = [[coords]]
    elif kind == "MultiLineString":
        polygons = [coords]
    else:
        return []
    out = []
    for rings in polygons:
        encoded = []
        for ring in rings:
            arr = np.asarray(ring, dtype=float)
            if kind.endswith("Polygon") and len(arr) > 3 and np.array_equal(arr[0], arr[-1]):
                arr = arr[:-1]
            if len(arr):
                encoded.append(encode_polyline(arr, precision))
        if encoded:
            out.append(encoded)
    return out


def script_json(value) -> str:
    """JSON safe inside a <script>: no ``<``, ``>``, ``&``, quotes or backticks left raw, and no
    ``{{``, ``{%`` or ``{#`` (branca compiles every element's script output as a Jinja template
    once more; in JSON those can only occur inside strings, where ``\\u007b`` means the same)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                         ("`", "\\u0060"), ("{%", "\\u007b%"), ("{#", "\\u007b#")):
        text = text.replace(raw, escaped)
    while "{{" in text:
        text = text.replace("{{", "\\u007b{")
    return text


def detail_for(within: str | None) -> str:
    """The detail of a map of the area ``within`` (a code prefix; None or "4408": the city)."""
    n = len(within or "")
    return "city" if n <= 4 else "county" if n <= 6 else "local"


def encoded_features(frame, id_column: str, *, datum: str = "wgs84", detail: str = "city",
                     coverage: bool = True) -> dict[str, list[list[str]]]:
    """``{id: encoded polygons}`` for each row, simplified for ``detail`` (see ZOOM_DETAIL) and
    shifted to ``datum``: the expensive, cacheable part of a boundary layer."""
    from greening.maps.geojson import geometry_features

    features = geometry_features(frame, id_column, datum=datum, tolerance=ZOOM_DETAIL[detail], coverage=coverage)
    return {key: encode_geometry(g, PRECISION) for key, g in features.items()}


class _Script(Element):
    """Script text placed in the page as it is (``Element(text)`` would compile it as a template)."""

    _template = Template("{{ this.code }}")

    def __init__(self, code: str):
        super().__init__()
        self.code = code


class RenderedOnce:
    """Mixin for large folium layers: render the script once, without compiling the output again.

    branca's ``MacroElement.render`` wraps each element's script output in ``Element(output)``,
    which compiles the text as a Jinja template: for a layer holding a few hundred kB of data
    that costs more than building it. This does what ``JSCSSMixin``, ``Layer`` and
    ``MacroElement`` do at render time, with the output kept as plain text.
    """

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in getattr(self, "default_js", []):
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in getattr(self, "default_css", []):
            figure.header.add_child(CssLink(url), name=name)
        if getattr(self, "show", False) and "layer_name" in self.__dict__:
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        script = self._template.module.__dict__.get("script")
        if script is not None:
            figure.script.add_child(_Script(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _Compact(RenderedOnce, Layer):
    payload: dict
    keys: list[str]  # the feature each entry of the payload draws (set by the layer builders)

    @property
    def payload_json(self) -> str:
        return script_json(self.payload)


class CompactShapes(_Compact):
    """Polygons (filled, with tooltips) or outlines, from encoded rings.

    ``shapes``: one entry per feature, a list of polygons, each a list of encoded rings;
    ``fill``: per feature an index into ``palette`` (or None for outlines); ``tips``: per feature
    a list of escaped strings or indices into ``shared``; ``highlight``: feature positions drawn
    with a red outline.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.decode_js }}
        var {{ this.get_name() }} = (function() {
            var d = {{ this.payload_json }};
            var group = L.featureGroup();
            var hl = {};
            (d.highlight || []).forEach(function(i) { hl[i] = true; });
            d.shapes.forEach(function(polys, i) {
                var latlngs = polys.map(function(rings) {
                    return rings.map(function(s) { return grDecode(s, d.factor); });
                });
                var style = {color: hl[i] ? '#d7301f' : d.color,
                             weight: hl[i] ? 2.5 : d.weight, interactive: d.interactive,
                             fill: d.filled, dashArray: d.dash};
                if (d.filled) { style.fillColor = d.palette[d.fill[i]]; style.fillOpacity = d.opacity; }
                var shape = d.filled ? L.polygon(latlngs, style) : L.polyline(
                    [].concat.apply([], latlngs.map(function(r) {
                        return r.map(function(ring) { return ring.concat([ring[0]]); });
                    })), style);
                if (d.tips) {
                    shape.bindTooltip(grLines(d.tips[i], d.shared), {sticky: false});
                    shape.on('mouseover', function() { this.setStyle({weight: 2, color: '#000000'}); });
                    shape.on('mouseout', function() { this.setStyle({weight: style.weight, color: style.color}); });
                }
                group.addLayer(shape);
            });
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, shapes: list, *, name: str, precision: int = PRECISION, fill: list[int] | None = None,
                 palette: list[str] | None = None, tips: list | None = None, shared: list[str] | None = None,
                 highlight: list[int] | None = None, color: str = "#555555", weight: float = 0.5,
                 opacity: float = 0.75, dash: str | None = None, interactive: bool = True,
                 show: bool = True, control: bool = True):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "CompactShapes"
        self.decode_js = DECODE_JS
        self.payload = {"shapes": shapes, "factor": 10 ** precision, "filled": fill is not None,
                        "fill": fill, "palette": palette or [], "tips": tips, "shared": shared or [],
                        "highlight": highlight or [], "color": color, "weight": weight,
                        "opacity": opacity, "dash": dash, "interactive": interactive}


class CompactPoints(_Compact):
    """Points from one encoded polyline (consecutive points delta-encoded), with tooltips.

    ``icon_html``: a CSS pin (``DivIcon``) for every point, else circle markers of ``colour``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.decode_js }}
        var {{ this.get_name() }} = (function() {
            var d = {{ this.payload_json }};
            var group = L.featureGroup();
            var renderer = L.canvas({padding: 0.2});
            var icon = d.icon ? L.divIcon({html: d.icon, iconSize: [22, 22], iconAnchor: [11, 11],
                                           className: 'gr-divicon'}) : null;
            grDecode(d.points, d.factor).forEach(function(ll, i) {
                var m = icon ? L.marker(ll, {icon: icon}) : L.circleMarker(ll, {renderer: renderer,
                    radius: d.radius, color: '#ffffff', weight: 1, fillColor: d.colour, fillOpacity: 0.9});
                if (d.tips) { m.bindTooltip(grLines(d.tips[i], d.shared)); }
                group.addLayer(m);
            });
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, lonlat, *, name: str, tips: list | None = None, shared: list[str] | None = None,
                 icon_html: str | None = None, colour: str = "#1a9850", radius: float = 5,
                 precision: int = 5, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "CompactPoints"
        self.decode_js = DECODE_JS
        self.payload = {"points": encode_polyline(lonlat, precision), "factor": 10 ** precision,
                        "tips": tips, "shared": shared or [], "icon": icon_html, "colour": colour,
                        "radius": radius}
