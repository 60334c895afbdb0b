"""The map's layers, each built from a (Geo)DataFrame as one folium element.

Villages, towns and counties are sent as encoded polylines drawn on a canvas
(:mod:`greening.maps.compact`); points as one encoded line per kind with CSS/vector markers (no
icon fonts); plantings as a capped FastMarkerCluster of the latest records (short rows, tooltip
text assembled in the browser from escaped pieces) plus a heat map of every record summed on a grid,
so a city with 10^6 records still sends only a few thousand points to the browser.
Every user-supplied string goes through :func:`greening.maps.geojson.esc`.
"""
from __future__ import annotations

import folium
import folium.plugins
import numpy as np
import pandas as pd
from branca.colormap import StepColormap
from branca.element import MacroElement
from jinja2 import Template

from greening.maps.compact import CompactPoints, CompactShapes, RenderedOnce, encode_geometry, script_json
from greening.maps.geojson import PRECISION, esc, to_datum_xy  # 5 decimals, as compact encodes

__all__ = ["METRICS", "MAX_MARKERS", "HEAT_CELL_DEG", "MAX_HEAT_CELLS", "colormap_for", "village_layer",
           "outline_layer", "point_layer", "plantings_cluster", "plantings_heat", "heat_cells", "Legend",
           "MARKER_STYLES", "MAP_CSS"]

MAX_MARKERS = 3000
HEAT_CELL_DEG = 0.005  # about 500 m: the heat map sums trees per cell (coarser when needed)
MAX_HEAT_CELLS = 2500
NO_DATA_COLOUR = "#d9d9d9"

#: metric -> (column of the village frame, kind, colours); kind "share" is 0-1, "density" open-ended
METRICS: dict[str, tuple[str, str, list[str]]] = {
    "coverage": ("coverage", "share", ["#fff7bc", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"]),
    "plan_completion": ("plan_completion", "share", ["#fee0d2", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"]),
    "survival": ("survival", "share", ["#fcbba1", "#fee391", "#d9f0a3", "#78c679", "#31a354", "#006837"]),
    "trees_per_km2": ("trees_per_km2", "density", ["#f7fcf5", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"]),
    "green_cover": ("green_cover", "share", ["#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"]),
    "green_change": ("green_change", "change", ["#8c510a", "#d8b365", "#f6e8c3", "#c7eae5", "#5ab4ac", "#01665e"]),
}
#: the colour steps of a "change" metric: -6 .. +6 percentage points
CHANGE_RANGE = 0.06

#: point layer kind -> (CSS class, glyph): markers drawn with CSS only
MARKER_STYLES = {
    "demo_town": ("gr-pin gr-town", "镇"),
    "demo_village": ("gr-pin gr-village", "村"),
    "industry_model": ("gr-pin gr-model", "产"),
    "courtyard": ("gr-pin gr-yard", "院"),
    "other": ("gr-pin gr-other", "示"),
}

MAP_CSS = """
<style>
.gr-pin{width:22px;height:22px;border-radius:50%;border:2px solid #fff;color:#fff;font:bold 12px/18px
 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;text-align:center;box-shadow:0 0 3px rgba(0,0,0,.6)}
.gr-town{background:#b2182b;border-radius:4px}.gr-village{background:#ef8a62}.gr-model{background:#2166ac;
 border-radius:3px;transform:rotate(45deg)}.gr-model span{display:inline-block;transform:rotate(-45deg)}
.gr-yard{background:#7b3294}.gr-other{background:#4d4d4d}
.gr-legend{background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;font:12px/1.5 sans-serif;
 box-shadow:0 0 4px rgba(0,0,0,.3);max-width:46vw}
.gr-legend i{display:inline-block;width:14px;height:10px;margin-right:5px;border:1px solid #999}
.gr-nobase{background:#eef2ea}
.leaflet-control-locate .gr-locate::before{content:"\\25CE";font-size:20px;line-height:30px;color:#2E7D32}
.leaflet-touch .leaflet-control-layers-toggle{width:40px;height:40px}
.leaflet-container .leaflet-interactive:focus:not(:focus-visible){outline:none}
</style>
"""


def colormap_for(metric: str, values: pd.Series) -> StepColormap:
    """A stepped colour scale for ``metric``: 0-100 % for shares, 0 to the 95th percentile else."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)}")
    _col, kind, colours = METRICS[metric]
    if kind == "change":
        index = list(np.linspace(-CHANGE_RANGE, CHANGE_RANGE, len(colours) + 1))
        return StepColormap(colours, index=index, vmin=-CHANGE_RANGE, vmax=CHANGE_RANGE)
    if kind == "share":
        vmax = 1.0
    else:
        finite = pd.to_numeric(values, errors="coerce").dropna()
        vmax = float(np.nanpercentile(finite, 95)) if len(finite) else 1.0
        vmax = vmax if vmax > 0 else 1.0
    index = list(np.linspace(0.0, vmax, len(colours) + 1))
    return StepColormap(colours, index=index, vmin=0.0, vmax=vmax)


class Legend(MacroElement):
    """A legend control whose HTML is built here (no d3, unlike branca's colormap legend)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(){
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function(map) {
                var div = L.DomUtil.create('div', 'gr-legend');
                div.innerHTML = {{ this.html|tojson }};
                // A tap on the legend never counts as a tap on the map under it.
                L.DomEvent.disableClickPropagation(div);
                var title = div.querySelector('.gr-legend-title');
                if (title) {
                    // Folded to its title on a narrow (phone) map, so it hides no markers; a tap opens it.
                    if (map.getSize().x < {{ this.narrow }}) { div.classList.add('gr-folded'); }
                    L.DomEvent.on(title, 'click', function() { div.classList.toggle('gr-folded'); });
                }
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str, position: str = "bottomright", narrow: int = 520):
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.position = position
        self.narrow = int(narrow)

    @classmethod
    def for_colormap(cls, cmap: StepColormap, caption: str, fmt, no_data: str) -> Legend:
        """Swatches for each step of ``cmap``, labelled with ``fmt(low)``–``fmt(high)``."""
        rows = []
        for i, colour in enumerate(cmap.colors):
            low, high = cmap.index[i], cmap.index[i + 1]
            rows.append(f'<i style="background:{_hex(colour)}"></i>{esc(fmt(low))} – {esc(fmt(high))}')
        rows.append(f'<i style="background:{NO_DATA_COLOUR}"></i>{esc(no_data)}')
        return cls(f'<div class="gr-legend-title"><b>{esc(caption)}</b></div>'
                   f'<div class="gr-legend-body">{"<br>".join(rows)}</div>')


def _hex(colour) -> str:
    r, g, b = (int(round(c * 255)) for c in colour[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


class _FastMarkerCluster(RenderedOnce, folium.plugins.FastMarkerCluster):
    shared: list[str]  # tooltip pieces the rows refer to by index


class _HeatMap(RenderedOnce, folium.plugins.HeatMap):
    pass


def plain_rows(frame: pd.DataFrame, columns=None):
    """``frame``'s rows (only ``columns`` when given) as named tuples of plain Python values
    (iterating Arrow-backed string columns row by row is slow), without the geometry."""
    keep = [c for c in (columns or frame.columns) if c in frame.columns and c != "geometry"]
    plain = pd.DataFrame(frame[keep])
    text = [c for c, kind in plain.dtypes.items() if kind != np.dtype(object) and not pd.api.types.is_numeric_dtype(kind)]
    if text:
        plain = plain.astype(dict.fromkeys(text, object))
    return plain.itertuples(index=False)


def _shapes(geometries: dict, keys: list[str], precision: int) -> list:
    """Encoded polygons for ``keys``: ``geometries`` maps key -> GeoJSON geometry, or -> rings
    already encoded (:func:`greening.maps.compact.encode_geometry`, as the page caches keep them)."""
    out = []
    for key in keys:
        g = geometries[key]
        out.append(encode_geometry(g, precision) if isinstance(g, dict) else g)
    return out


def _interned(lines_per_feature: list[list[str]]) -> tuple[list, list[str]]:
    """Tooltip lines with every line used by two or more features replaced by an index into a
    shared list (town · county names, repeated labels), so each is sent once."""
    counts: dict[str, int] = {}
    for lines in lines_per_feature:
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
    shared = [line for line, n in counts.items() if n > 1]
    index = {line: i for i, line in enumerate(shared)}
    return [[index.get(line, line) for line in lines] for lines in lines_per_feature], shared


def village_layer(geometries: dict, villages: pd.DataFrame, *, metric: str, cmap: StepColormap,
                  tooltip_rows, name: str, highlight: set[str] | None = None,
                  precision: int = PRECISION) -> CompactShapes:
    """The village choropleth: fill by ``metric``; ``tooltip_rows(row) -> list[str]`` (escaped here)."""
    column = METRICS[metric][0]
    highlight = highlight or set()
    keys: list[str] = []
    fills: list[int] = []
    tips: list[list[str]] = []
    marked: list[int] = []
    palette: dict[str, int] = {}
    for row in plain_rows(villages, ["code", "name", "town_name", "county_name", column]):
        code = str(row.code)
        if code not in geometries:
            continue
        value = getattr(row, column, None)
        fill = NO_DATA_COLOUR if value is None or pd.isna(value) else _hex(
            cmap.rgba_floats_tuple(min(max(float(value), cmap.vmin), cmap.vmax)))
        fills.append(palette.setdefault(fill, len(palette)))
        tips.append([esc(line) for line in tooltip_rows(row)])
        if code in highlight:
            marked.append(len(keys))
        keys.append(code)
    tips, shared = _interned(tips)
    layer = CompactShapes(_shapes(geometries, keys, precision), name=name, precision=precision, fill=fills,
                          palette=list(palette), tips=tips, shared=shared, highlight=marked)
    layer.keys = keys
    return layer


def outline_layer(geometries: dict, names: dict[str, str], *, name: str, colour: str,
                  weight: float, show: bool = True, dash: str | None = None,
                  precision: int = PRECISION) -> CompactShapes:
    """Boundaries drawn as lines (counties, towns): not clickable, so taps reach the villages."""
    keys = list(geometries)
    layer = CompactShapes(_shapes(geometries, keys, precision), name=name, precision=precision,
                          color=colour, weight=weight, dash=dash, interactive=False, show=show)
    layer.keys = keys
    return layer


def point_layer(points: pd.DataFrame, *, name: str, datum: str, tooltip_rows, kind: str | None = None,
                colour: str = "#1a9850", radius: float = 5, show: bool = True) -> CompactPoints:
    """One layer of points (columns ``lon``, ``lat``): CSS pins for ``kind``, else circles."""
    pts = points.dropna(subset=["lon", "lat"])
    xs, ys = to_datum_xy(pts["lon"].to_numpy(), pts["lat"].to_numpy(), datum)
    tips, shared = _interned([[esc(line) for line in tooltip_rows(row)] for row in plain_rows(pts)])
    icon = None
    if kind is not None:
        css, glyph = MARKER_STYLES.get(kind, MARKER_STYLES["other"])
        icon = f'<div class="{css}"><span>{glyph}</span></div>'
    return CompactPoints(np.column_stack([xs, ys]), name=name, tips=tips, shared=shared, icon_html=icon,
                         colour=colour, radius=radius, show=show)


_CLUSTER_CALLBACK = """
(function() {
    var shared = %s;
    return function (row) {
        var m = L.circleMarker(new L.LatLng(row[0], row[1]),
            {radius: 5, color: '#ffffff', weight: 1, fillColor: '#238b45', fillOpacity: 0.9});
        m.bindTooltip(row.slice(2).map(function(x) { return typeof x === 'number' ? shared[x] : x; })
                         .filter(function(x) { return x; }).join('<br>'));
        return m;
    };
})()
"""


def plantings_cluster(plantings: pd.DataFrame, *, name: str, datum: str, tooltip_rows,
                      max_markers: int = MAX_MARKERS, show: bool = True) -> tuple[folium.plugins.FastMarkerCluster, int]:
    """Clustered planting points, at most ``max_markers`` (the latest); returns (layer, shown).

    Each row is ``[lat, lon, line, ...]``: the tooltip's escaped lines, those shared by several
    points (species, dates, village names) as indices into one list sent with the callback.
    """
    pts = plantings.dropna(subset=["lon", "lat"])
    if len(pts) > max_markers:
        order = "planted_on" if "planted_on" in pts else None
        pts = (pts.sort_values(order, ascending=False) if order else pts).head(max_markers)
    xs, ys = to_datum_xy(pts["lon"].to_numpy(), pts["lat"].to_numpy(), datum)
    tips, shared = _interned([[esc(line) for line in tooltip_rows(row)] for row in plain_rows(pts)])
    data = [[round(float(y), 5), round(float(x), 5), *tip] for x, y, tip in zip(xs, ys, tips, strict=False)]
    callback = _CLUSTER_CALLBACK % script_json(shared)
    layer = _FastMarkerCluster(data, name=name, callback=callback, show=show,
                                             options={"maxClusterRadius": 50, "chunkedLoading": True})
    layer.shared = shared
    return layer, len(data)


def heat_cells(lon, lat, weights, cell_deg: float = HEAT_CELL_DEG) -> pd.DataFrame:
    """Trees summed on a grid of ``cell_deg`` cells (``x``, ``y`` cell centres, ``w``), coarsened
    until there are at most MAX_HEAT_CELLS cells."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    while True:
        cells = pd.DataFrame({"x": np.round(lon / cell_deg) * cell_deg, "y": np.round(lat / cell_deg) * cell_deg,
                              "w": np.asarray(weights, dtype=float)}).groupby(["y", "x"], as_index=False)[["w"]].sum()
        if len(cells) <= MAX_HEAT_CELLS:
            return cells
        cell_deg *= 1.5


def plantings_heat(plantings: pd.DataFrame | None, *, name: str, datum: str, show: bool = False,
                   cell_deg: float = HEAT_CELL_DEG, cells: pd.DataFrame | None = None) -> folium.plugins.HeatMap:
    """A heat map of trees planted, summed on a grid of ``cell_deg`` cells (all records, few points).

    ``cells`` (``x``, ``y``, ``w`` in WGS 84, e.g. summed by the database over every record) is
    used as given; otherwise the cells are summed from ``plantings``.
    """
    if cells is None:
        pts = plantings.dropna(subset=["lon", "lat"]) if plantings is not None else pd.DataFrame(columns=["lon", "lat"])
        weights = pts["tree_count"].to_numpy(dtype=float) if "tree_count" in pts else np.ones(len(pts))
        cells = heat_cells(pts["lon"].to_numpy(dtype=float), pts["lat"].to_numpy(dtype=float), weights, cell_deg)
    elif len(cells) > MAX_HEAT_CELLS:
        cells = heat_cells(cells["x"], cells["y"], cells["w"], cell_deg * 1.5)
    data = []
    if len(cells):
        xs, ys = to_datum_xy(cells["x"].to_numpy(dtype=float), cells["y"].to_numpy(dtype=float), datum)
        w = cells["w"].to_numpy(dtype=float)
        top = float(np.nanpercentile(w, 99)) or 1.0
        w = np.clip(w / top, 0.05, 1.0)
        data = np.column_stack([np.round(ys, 4), np.round(xs, 4), np.round(w, 2)]).tolist()
    return _HeatMap(data, name=name, show=show, radius=18, blur=14, min_opacity=0.3)
