"""folium maps of the campaign, built as plain objects from (Geo)DataFrames; no Streamlit here.

:func:`build_map` draws whatever layers it is given over a chosen basemap, with the map's
JavaScript served locally (:mod:`greening.maps.assets`); pages pass the result to ``st_folium``.

Frames it understands (extra columns are ignored):

- ``villages``: GeoDataFrame with ``code``, ``name``, ``town_name``, ``county_name``, geometry and
  the metric columns of :data:`greening.maps.layers.METRICS` (missing ones show as "no data");
- ``towns`` / ``counties``: GeoDataFrames with ``code``, ``name`` and geometry;
- ``designations``: ``kind``, ``name``, ``lon``, ``lat`` (optional ``area_name``, ``progress``);
- ``teams``: ``name``, ``village_name``, ``lon``, ``lat`` (optional ``leader_name``, ``members``, ``trees``);
- ``plantings``: ``lon``, ``lat``, ``tree_count`` (optional ``species``, ``planted_on``, ``village_name``).

Precomputed geometry (``village_geoms`` etc., from :func:`encoded_features`, or GeoJSON geometry
dicts from :func:`geometry_features`) lets a caller cache the expensive simplification per area,
datum and detail (``MapData.detail``: the zoom the map opens at). Shapes reach the browser as
encoded polylines drawn on a canvas (:mod:`greening.maps.compact`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import folium.plugins
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from greening.i18n import fmt_int, fmt_label, fmt_num, fmt_pct, normalise_lang, t
from greening.maps.assets import asset_urls, localise
from greening.maps.basemaps import BASEMAPS, NO_BASEMAP, add_basemap, available_basemaps, picked_to_wgs84
from greening.maps.chrome import add_phone_chrome
from greening.maps.compact import encoded_features
from greening.maps.geojson import esc, geometry_features, to_datum_xy
from greening.maps.layers import (
    MAP_CSS,
    MAX_MARKERS,
    METRICS,
    Legend,
    colormap_for,
    outline_layer,
    plantings_cluster,
    plantings_heat,
    point_layer,
    village_layer,
)

__all__ = ["MapData", "MapResult", "build_map", "geometry_features", "encoded_features", "esc", "METRICS", "BASEMAPS",
           "NO_BASEMAP", "MAX_MARKERS", "available_basemaps", "picked_to_wgs84", "asset_urls",
           "DESIGNATION_LAYERS", "ZHANJIANG_BOUNDS"]

SHOWN_DESIGNATIONS = {"demo_town", "industry_model"}
ZHANJIANG_BOUNDS = [[20.2, 109.65], [21.95, 110.95]]  # [[south, west], [north, east]]

#: designation kind -> layer-name key; kinds not listed go to "other designations"
DESIGNATION_LAYERS = {
    "demo_town": "map.layer.demo_towns",
    "demo_village": "map.layer.demo_villages",
    "industry_model": "map.layer.industry_models",
    "courtyard": "map.layer.courtyards",
}


@dataclass
class MapData:
    """What to draw. Every part is optional."""

    villages: pd.DataFrame | None = None
    village_geoms: dict[str, dict] | None = None
    towns: pd.DataFrame | None = None
    town_geoms: dict[str, dict] | None = None
    counties: pd.DataFrame | None = None
    county_geoms: dict[str, dict] | None = None
    designations: pd.DataFrame | None = None
    teams: pd.DataFrame | None = None
    plantings: pd.DataFrame | None = None
    picked: tuple[float, float] | None = None  # WGS 84 (lon, lat)
    highlight: set[str] = field(default_factory=set)  # village codes drawn with a red outline
    #: how much detail the shapes keep: "city", "county" or "local" (greening.maps.compact.ZOOM_DETAIL)
    detail: str = "city"
    #: plantings in the area when ``plantings`` holds only the latest ones
    planting_total: int | None = None
    #: trees summed per grid cell over every record (``x``, ``y``, ``w``), for the heat map
    planting_cells: pd.DataFrame | None = None
    #: a raster picture under the villages: {"url", "bounds": [[s, w], [n, e]] (WGS 84), "name"}
    overlay: dict | None = None


@dataclass
class MapResult:
    map: folium.Map
    markers_shown: int = 0
    markers_total: int = 0

    @property
    def capped(self) -> bool:
        return self.markers_shown < self.markers_total


def _metric_text(metric: str, value, lang: str) -> str:
    if value is None or pd.isna(value):
        return t("map.no_value", lang)
    kind = METRICS[metric][1]
    if kind == "change":
        return t("gc.pp", lang, value=f"{100 * float(value):+.1f}")
    return fmt_num(value, 0, lang) if kind == "density" else fmt_pct(value, lang)


def _geoms(frame, given, datum, coverage, detail):
    if given is not None:
        return given
    return encoded_features(frame, "code", datum=datum, detail=detail, coverage=coverage)


def build_map(data: MapData, *, lang: str = "zh", basemap: str = "osm", metric: str = "coverage",
              heat: bool = False, tianditu_key: str = "", static_base: str = "/app/static/vendor",
              max_markers: int = MAX_MARKERS, locate: bool = False, layer_control: bool = True,
              bounds: list[list[float]] | None = None) -> MapResult:
    """A folium map of ``data`` over ``basemap``, its scripts served from ``static_base``.

    Over Amap (GCJ-02) every layer is shifted to GCJ-02 so it lines up with the tiles; precomputed
    geometry passed in must then be GCJ-02 too (``encoded_features(..., datum="gcj02")``).
    ``locate`` adds a GPS button whose fix counts as a tap on the map (the log-a-planting page).
    """
    if basemap not in BASEMAPS:
        raise ValueError(f"unknown basemap {basemap!r}; expected one of {sorted(BASEMAPS)}")
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {sorted(METRICS)}")
    datum = BASEMAPS[basemap].datum
    # Zoom limits on the map itself: with no tile layer (no basemap) Leaflet has none, and
    # MarkerCluster refuses to start without a maxZoom.
    m = folium.Map(location=[21.2, 110.3], zoom_start=9, tiles=None, control_scale=True,
                   max_zoom=19, min_zoom=7, maxZoom=19, minZoom=7)
    root: Any = m.get_root()  # a branca Figure (the stubs type it as a plain Element)
    root.header.add_child(Element(MAP_CSS), name="greening_css")
    if basemap == NO_BASEMAP:
        root.header.add_child(Element("<style>.leaflet-container{background:#eef2ea}</style>"),
                                      name="greening_nobase")
    else:
        add_basemap(m, basemap, tianditu_key)
    result = MapResult(m)
    if data.overlay:
        _add_overlay(m, data.overlay, datum)
    _add_boundaries(m, data, datum, lang, metric)
    _add_points(m, data, datum, lang)
    _add_plantings(m, data, datum, lang, heat, max_markers, result)
    if data.picked is not None:
        (x,), (y,) = to_datum_xy([data.picked[0]], [data.picked[1]], datum)
        folium.Marker([float(y), float(x)], tooltip=esc(t("map.layer.picked", lang))).add_to(m)
    if locate:
        _add_locate(m, lang)
    add_phone_chrome(m, t("map.two_fingers", lang))
    if layer_control:
        folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.fit_bounds(bounds or _bounds(data, datum))
    localise(m, static_base)
    return result


def _county(r, lang: str):
    """A village's county in ``lang`` (Suixi County on an English map; the stored name otherwise)."""
    stored = getattr(r, "county_name", None)
    code = str(getattr(r, "code", "") or "")
    if normalise_lang(lang) == "en" and code:
        from greening.area_codes import county_prefix
        from greening.geo.boundaries import COUNTIES

        names = COUNTIES.get(county_prefix(code))
        if names and names[1]:
            return names[1]
    return stored


def _add_boundaries(m, data: MapData, datum: str, lang: str, metric: str) -> None:
    if data.villages is not None and len(data.villages):
        villages = data.villages
        geoms = _geoms(villages, data.village_geoms, datum, True, data.detail)
        column = METRICS[metric][0]
        values = villages[column] if column in villages else pd.Series(dtype=float)
        cmap = colormap_for(metric, values)
        label = t(f"metric.{metric}", lang)

        def rows(r):
            value = getattr(r, column, None)
            return [getattr(r, "name", ""),
                    " · ".join(str(v) for v in (getattr(r, "town_name", None), _county(r, lang)) if v),
                    fmt_label(label, _metric_text(metric, value, lang), lang)]

        village_layer(geoms, villages, metric=metric, cmap=cmap, tooltip_rows=rows,
                      name=t("map.layer.villages", lang), highlight=data.highlight).add_to(m)
        kind = METRICS[metric][1]
        fmt = ((lambda v: fmt_num(v, 0, lang)) if kind == "density" else
               (lambda v: f"{100 * v:+.0f}") if kind == "change" else (lambda v: fmt_pct(v, lang, 0)))
        m.add_child(Legend.for_colormap(cmap, label, fmt, t("map.no_value", lang)))
    if data.towns is not None and len(data.towns):
        geoms = _geoms(data.towns, data.town_geoms, datum, True, data.detail)
        names = dict(zip(data.towns["code"].astype(str), data.towns["name"], strict=False))
        outline_layer(geoms, names, name=t("map.layer.towns", lang), colour="#6a51a3", weight=1.2,
                      dash="4 3").add_to(m)
    if data.counties is not None and len(data.counties):
        geoms = _geoms(data.counties, data.county_geoms, datum, False, data.detail)
        names = dict(zip(data.counties["code"].astype(str), data.counties["name"], strict=False))
        outline_layer(geoms, names, name=t("map.layer.counties", lang), colour="#252525", weight=2.2).add_to(m)


def _add_overlay(m, overlay: dict, datum: str) -> None:
    """The raster's picture (a PNG served by the app), hidden until picked in the layer control;
    a map made of several tiles (``overlay["parts"]``, each with ``url`` and ``bounds``) is one
    entry in the control with a picture per tile."""
    parts = overlay.get("parts") or [overlay]
    show = bool(overlay.get("show", False))
    target = m
    if len(parts) > 1:
        target = folium.FeatureGroup(name=esc(overlay.get("name", "")), show=show).add_to(m)
    for part in parts:
        (s, w), (n, e) = part["bounds"]
        xs, ys = to_datum_xy([w, e], [s, n], datum)
        layer = folium.raster_layers.ImageOverlay(
            image="data:image/png;base64,", bounds=[[float(ys[0]), float(xs[0])], [float(ys[1]), float(xs[1])]],
            name=esc(overlay.get("name", "")), opacity=0.8, show=show, interactive=False, zindex=1,
            control=len(parts) == 1)
        # folium reads a string that is not an absolute URL as a local file; the app's own path
        # (/app/static/...) is set afterwards so the browser loads it from the app, never a CDN
        layer.url = part["url"]
        layer.add_to(target)


def _add_points(m, data: MapData, datum: str, lang: str) -> None:
    if data.designations is not None and len(data.designations):
        frame = data.designations
        kinds = frame["kind"].where(frame["kind"].isin(list(DESIGNATION_LAYERS)), "other")
        for kind, group in frame.groupby(kinds, sort=False):
            key = DESIGNATION_LAYERS.get(kind, "map.layer.other_designations")

            def rows(r):
                out = [getattr(r, "name", ""), getattr(r, "area_name", None)]
                progress = getattr(r, "progress", None)
                if progress is not None and not pd.isna(progress):
                    out.append(fmt_label(t('designations.progress', lang), fmt_pct(progress, lang), lang))
                return [x for x in out if x]

            # Towns and models are few and shown; the hundreds of demonstration villages and
            # courtyards are one tap away in the layer control, so the map stays readable.
            point_layer(group, name=t(key, lang), datum=datum, tooltip_rows=rows, kind=kind,
                        show=kind in SHOWN_DESIGNATIONS).add_to(m)
    if data.teams is not None and len(data.teams):
        def team_rows(r):
            out = [getattr(r, "name", ""), getattr(r, "village_name", None)]
            if getattr(r, "leader_name", None):
                out.append(fmt_label(t('teams.leader', lang), r.leader_name, lang))
            if getattr(r, "trees", None) is not None and not pd.isna(r.trees):
                out.append(fmt_label(t('teams.trees', lang), fmt_int(r.trees, lang), lang))
            return [x for x in out if x]

        point_layer(data.teams, name=t("map.layer.teams", lang), datum=datum, tooltip_rows=team_rows,
                    colour="#d7301f", radius=4,
                    show=data.villages is None or not len(data.villages)).add_to(m)


def _add_plantings(m, data: MapData, datum: str, lang: str, heat: bool, max_markers: int,
                   result: MapResult) -> None:
    if data.plantings is None or not len(data.plantings):
        return

    def rows(r):
        out = [f"{getattr(r, 'species', '') or ''} × {fmt_int(getattr(r, 'tree_count', None), lang)}"]
        if getattr(r, "planted_on", None) is not None:
            out.append(str(r.planted_on)[:10])
        if getattr(r, "village_name", None):
            out.append(r.village_name)
        return out

    layer, shown = plantings_cluster(data.plantings, name=t("map.layer.plantings", lang), datum=datum,
                                     tooltip_rows=rows, max_markers=max_markers, show=not heat)
    layer.add_to(m)
    located = int(data.plantings[["lon", "lat"]].notna().all(axis=1).sum())
    result.markers_shown = shown
    result.markers_total = max(located, data.planting_total or 0)
    plantings_heat(data.plantings, name=t("map.layer.heat", lang), datum=datum, show=heat,
                   cells=data.planting_cells).add_to(m)


class _LocateAsClick(MacroElement):
    """When the GPS fix arrives, treat it as a tap on the map (streamlit-folium reads map clicks).

    Also replaces the plugin's default error handlers, which call ``alert()``: a refused or
    failed location is reported in the control's tooltip instead of a dialog.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function(map, control) {
            control.options.onLocationError = function(err) {
                control._link.title = {{ this.failed|tojson }} + ' ' + err.message;
                console.warn('locate: ' + err.message);
            };
            control.options.onLocationOutsideMapBounds = function(c) { c.stop(); };
            map.on('locationfound', function(e) { map.fire('click', {latlng: e.latlng}); });
        })({{ this._parent.get_name() }}, {{ this.control.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, control, failed: str):
        super().__init__()
        self._name = "LocateAsClick"
        self.control = control
        self.failed = failed


def _add_locate(m, lang: str) -> None:
    control = folium.plugins.LocateControl(
        position="topleft", icon="gr-locate", iconLoading="gr-locate", setView="once", flyTo=False,
        initialZoomLevel=16, drawCircle=True, showPopup=False,
        strings={"title": t("log.how.gps", lang)},
        locateOptions={"enableHighAccuracy": True, "maxZoom": 17})
    control.add_to(m)
    m.add_child(_LocateAsClick(control, t("log.gps_failed", lang)))


def _bounds(data: MapData, datum: str) -> list[list[float]]:
    for frame in (data.villages, data.towns, data.counties):
        if frame is not None and len(frame) and hasattr(frame, "total_bounds"):
            x0, y0, x1, y1 = frame.total_bounds
            (x0, x1), (y0, y1) = to_datum_xy([x0, x1], [y0, y1], datum)
            return [[float(y0), float(x0)], [float(y1), float(x1)]]
    for frame in (data.plantings, data.designations, data.teams):
        if frame is not None and len(frame.dropna(subset=["lon", "lat"])):
            f = frame.dropna(subset=["lon", "lat"])
            xs, ys = to_datum_xy(f["lon"].to_numpy(), f["lat"].to_numpy(), datum)
            pad = 0.01
            return [[float(ys.min()) - pad, float(xs.min()) - pad], [float(ys.max()) + pad, float(xs.max()) + pad]]
    return ZHANJIANG_BOUNDS
