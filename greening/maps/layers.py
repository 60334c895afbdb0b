"""The map's layers, each built from a (Geo)DataFrame as one folium element.

Points are drawn as one GeoJSON layer per kind with CSS/vector markers (no icon fonts, no
per-marker JavaScript); plantings as a capped FastMarkerCluster plus a heat map of points
aggregated on a grid, so a city with 10^5 records still sends only a few thousand to the browser.
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

from greening.maps.geojson import esc, to_datum_xy

__all__ = ["METRICS", "MAX_MARKERS", "HEAT_CELL_DEG", "colormap_for", "village_layer",
           "outline_layer", "point_layer", "plantings_cluster", "plantings_heat", "Legend",
           "MARKER_STYLES", "MAP_CSS"]

MAX_MARKERS = 3000
HEAT_CELL_DEG = 0.005  # about 500 m: the heat map sums trees per cell (coarser when needed)
MAX_HEAT_CELLS = 4000
NO_DATA_COLOUR = "#d9d9d9"

#: metric -> (column of the village frame, kind, colours); kind "share" is 0-1, "density" open-ended
METRICS: dict[str, tuple[str, str, list[str]]] = {
    "coverage": ("coverage", "share", ["#fff7bc", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"]),
    "plan_completion": ("plan_completion", "share", ["#fee0d2", "#d9f0a3", "#addd8e", "#78c679", "#31a354", "#006837"]),
    "survival": ("survival", "share", ["#fcbba1", "#fee391", "#d9f0a3", "#78c679", "#31a354", "#006837"]),
    "trees_per_km2": ("trees_per_km2", "density", ["#f7fcf5", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"]),
}

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
</style>
"""


def colormap_for(metric: str, values: pd.Series) -> StepColormap:
    """A stepped colour scale for ``metric``: 0-100 % for shares, 0 to the 95th percentile else."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)}")
    _col, kind, colours = METRICS[metric]
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


def _feature_collection(geometries: dict[str, dict], properties: dict[str, dict]) -> dict:
    feats = [{"type": "Feature", "id": key, "geometry": geometries[key], "properties": props}
             for key, props in properties.items() if key in geometries]
    return {"type": "FeatureCollection", "features": feats}


def _tooltip(data: dict, **kw) -> folium.GeoJsonTooltip | None:
    """The ``tip`` tooltip, or None for a layer without features (folium refuses one there)."""
    return folium.GeoJsonTooltip(fields=["tip"], labels=False, **kw) if data["features"] else None


def village_layer(geometries: dict[str, dict], villages: pd.DataFrame, *, metric: str, cmap: StepColormap,
                  tooltip_rows, name: str, highlight: set[str] | None = None) -> folium.GeoJson:
    """The village choropleth: fill by ``metric``; ``tooltip_rows(row) -> list[str]`` (escaped here)."""
    column = METRICS[metric][0]
    highlight = highlight or set()
    props = {}
    for row in villages.itertuples(index=False):
        value = getattr(row, column, None)
        fill = NO_DATA_COLOUR if value is None or pd.isna(value) else _hex(cmap.rgba_floats_tuple(min(float(value), cmap.vmax)))
        tip = "<br>".join(esc(line) for line in tooltip_rows(row))
        props[str(row.code)] = {"fill": fill, "tip": tip, "hl": str(row.code) in highlight}
    data = _feature_collection(geometries, props)
    return folium.GeoJson(
        data, name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.75,
            "color": "#d7301f" if f["properties"]["hl"] else "#555555",
            "weight": 2.5 if f["properties"]["hl"] else 0.5},
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
        # folium refuses a tooltip on a layer without features (a village without a boundary yet)
        tooltip=_tooltip(data, sticky=False),
        smooth_factor=1.0,
    )


def outline_layer(geometries: dict[str, dict], names: dict[str, str], *, name: str, colour: str,
                  weight: float, show: bool = True, dash: str | None = None) -> folium.GeoJson:
    """Boundaries drawn as lines (counties, towns): not clickable, so taps reach the villages."""
    props = {key: {"tip": esc(names.get(key, ""))} for key in geometries}
    style = {"fill": False, "color": colour, "weight": weight, "interactive": False}
    if dash:
        style["dashArray"] = dash
    return folium.GeoJson(_feature_collection(geometries, props), name=name, show=show,
                          style_function=lambda f: style, interactive=False)


def point_layer(points: pd.DataFrame, *, name: str, datum: str, tooltip_rows, kind: str | None = None,
                colour: str = "#1a9850", radius: float = 5, show: bool = True) -> folium.GeoJson:
    """One GeoJSON layer of points (columns ``lon``, ``lat``): CSS pins for ``kind``, else circles."""
    pts = points.dropna(subset=["lon", "lat"])
    xs, ys = to_datum_xy(pts["lon"].to_numpy(), pts["lat"].to_numpy(), datum)
    feats = []
    for i, row in enumerate(pts.itertuples(index=False)):
        tip = "<br>".join(esc(line) for line in tooltip_rows(row))
        feats.append({"type": "Feature", "id": i, "properties": {"tip": tip},
                      "geometry": {"type": "Point", "coordinates": [round(float(xs[i]), 5), round(float(ys[i]), 5)]}})
    if kind is not None:
        css, glyph = MARKER_STYLES.get(kind, MARKER_STYLES["other"])
        marker = folium.Marker(icon=folium.DivIcon(html=f'<div class="{css}"><span>{glyph}</span></div>',
                                                   icon_size=(22, 22), icon_anchor=(11, 11), class_name="gr-divicon"))
    else:
        marker = folium.CircleMarker(radius=radius, color="#ffffff", weight=1, fill=True,
                                     fill_color=colour, fill_opacity=0.9)
    return folium.GeoJson({"type": "FeatureCollection", "features": feats}, name=name, show=show,
                          marker=marker, tooltip=_tooltip({"features": feats}))


_CLUSTER_CALLBACK = """
function (row) {
    var m = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 5, color: '#ffffff', weight: 1, fillColor: '#238b45', fillOpacity: 0.9});
    m.bindTooltip(row[2]);
    return m;
}
"""


def plantings_cluster(plantings: pd.DataFrame, *, name: str, datum: str, tooltip_rows,
                      max_markers: int = MAX_MARKERS, show: bool = True) -> tuple[folium.plugins.FastMarkerCluster, int]:
    """Clustered planting points, at most ``max_markers`` (the latest); returns (layer, shown)."""
    pts = plantings.dropna(subset=["lon", "lat"])
    if len(pts) > max_markers:
        order = "planted_on" if "planted_on" in pts else None
        pts = (pts.sort_values(order, ascending=False) if order else pts).head(max_markers)
    xs, ys = to_datum_xy(pts["lon"].to_numpy(), pts["lat"].to_numpy(), datum)
    tips = ["<br>".join(esc(line) for line in tooltip_rows(row)) for row in pts.itertuples(index=False)]
    data = [[round(float(y), 5), round(float(x), 5), tip] for x, y, tip in zip(xs, ys, tips, strict=False)]
    layer = folium.plugins.FastMarkerCluster(data, name=name, callback=_CLUSTER_CALLBACK, show=show,
                                             options={"maxClusterRadius": 50, "chunkedLoading": True})
    return layer, len(data)


def plantings_heat(plantings: pd.DataFrame, *, name: str, datum: str, show: bool = False,
                   cell_deg: float = HEAT_CELL_DEG) -> folium.plugins.HeatMap:
    """A heat map of trees planted, summed on a grid of ``cell_deg`` cells (all records, few points)."""
    pts = plantings.dropna(subset=["lon", "lat"])
    xs, ys = to_datum_xy(pts["lon"].to_numpy(), pts["lat"].to_numpy(), datum)
    weights = pts["tree_count"].to_numpy(dtype=float) if "tree_count" in pts else np.ones(len(pts))
    if len(pts):
        while True:  # coarsen the grid until the browser gets at most MAX_HEAT_CELLS points
            cells = pd.DataFrame({"x": np.round(xs / cell_deg) * cell_deg, "y": np.round(ys / cell_deg) * cell_deg,
                                  "w": weights}).groupby(["y", "x"], as_index=False)["w"].sum()
            if len(cells) <= MAX_HEAT_CELLS:
                break
            cell_deg *= 1.5
        top = float(np.nanpercentile(cells["w"], 99)) or 1.0
        cells["w"] = np.clip(cells["w"] / top, 0.05, 1.0)
        data = cells[["y", "x", "w"]].round(5).to_numpy().tolist()
    else:
        data = []
    return folium.plugins.HeatMap(data, name=name, show=show, radius=18, blur=14, min_opacity=0.3)
