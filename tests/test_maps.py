"""The folium map builders, as pure functions of small hand-made frames (no Streamlit, no database)."""
from __future__ import annotations

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from greening.geo.gcj02 import wgs84_to_gcj02
from greening.maps import (
    MapData,
    asset_urls,
    available_basemaps,
    build_map,
    esc,
    geometry_features,
    picked_to_wgs84,
)
from greening.maps.assets import UnvendoredAsset, localise
from greening.maps.compact import CompactPoints, CompactShapes, decode_polyline, encode_polyline, script_json
from greening.maps.geojson import simplify_coverage
from greening.maps.layers import MAX_HEAT_CELLS, Legend

HOSTILE = ["<img src=x onerror=alert(1)>", "a`b", "${x}", "</script><script>alert(2)</script>", "\"quoted' \\"]
RAW_DANGER = ["<img", "`", "${", "</script", "\\"]


def _villages(names=None) -> gpd.GeoDataFrame:
    """Four villages tiling a square near Suixi, with a wavy shared edge (so simplification matters)."""
    x0, y0, d = 110.20, 21.30, 0.02
    wave = [(x0 + d, y0 + i * d / 10 + 0.0) for i in range(21)]
    wave = [(x + (0.0007 if i % 2 else -0.0007), y) for i, (x, y) in enumerate(wave)]
    left = Polygon([(x0, y0)] + wave + [(x0, y0 + 2 * d)])
    right = Polygon(wave + [(x0 + 2 * d, y0 + 2 * d), (x0 + 2 * d, y0)])
    cut = box(x0 - 1, y0 + d, x0 + 3, y0 + 3)
    geoms = [left.difference(cut), left.intersection(cut), right.difference(cut), right.intersection(cut)]
    names = names or ["甲村", "乙村", "丙村", "丁村"]
    return gpd.GeoDataFrame({
        "code": [f"44082310100{i}" for i in range(1, 5)], "name": names,
        "town_name": ["城月镇"] * 4, "county_name": ["遂溪县"] * 4,
        "coverage": [0.1, 0.5, np.nan, 0.95], "plan_completion": [0.2, 1.2, 0.6, np.nan],
        "survival": [0.9, 0.7, np.nan, 1.0], "trees_per_km2": [10.0, 200.0, 3000.0, np.nan],
    }, geometry=geoms, crs=4326)


def _plantings(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lon": rng.uniform(110.2, 110.24, n), "lat": rng.uniform(21.3, 21.34, n),
                         "tree_count": rng.integers(1, 40, n), "species": "榕树",
                         "planted_on": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
                         "village_name": "甲村"})


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _of_type(m, cls):
    return [e for e in _walk(m) if isinstance(e, cls)]


def _browser_strings(m) -> list[str]:
    """Every piece of text the map hands to the browser as HTML: tooltips, legend, cluster rows."""
    out = []
    for e in _walk(m):
        if isinstance(e, folium.GeoJson):
            out += [str(v) for f in e.data["features"] for v in (f.get("properties") or {}).values()]
        if isinstance(e, (CompactShapes, CompactPoints)):
            out += e.payload["shared"] + [x for tip in (e.payload["tips"] or []) for x in tip if isinstance(x, str)]
        if isinstance(e, folium.plugins.FastMarkerCluster):
            out += e.shared + [x for row in e.data for x in row[2:] if isinstance(x, str)]
        if isinstance(e, Legend):
            out.append(e.html)
        if isinstance(e, folium.Tooltip):
            out.append(e.text)
    return out


@pytest.fixture
def full_map_data():
    designations = pd.DataFrame({"kind": ["demo_town", "demo_village", "industry_model", "courtyard", "theme_forest"],
                                 "name": HOSTILE, "lon": [110.21] * 5, "lat": [21.31] * 5, "area_name": HOSTILE,
                                 "progress": [0.5] * 5})
    teams = pd.DataFrame({"name": HOSTILE[:2], "village_name": HOSTILE[2:4], "leader_name": HOSTILE[3:5],
                          "lon": [110.21, 110.23], "lat": [21.31, 21.33], "trees": [10, 20]})
    towns = gpd.GeoDataFrame({"code": ["440823101000"], "name": [HOSTILE[0]]},
                             geometry=[box(110.2, 21.3, 110.24, 21.34)], crs=4326)
    return MapData(villages=_villages(HOSTILE[:4]), towns=towns, designations=designations, teams=teams,
                   plantings=_plantings(50).assign(species=HOSTILE[1], village_name=HOSTILE[0]),
                   picked=(110.21, 21.31), highlight={"440823101001"})


class TestLayers:
    def test_every_layer_and_the_legend_are_present(self, full_map_data):
        m = build_map(full_map_data, basemap="none").map
        names = {getattr(e, "layer_name", None) for e in _walk(m)}
        for expected in ("村界", "镇界", "示范镇", "示范村", "产业融合典型", "美丽庭院", "其他示范", "护绿队",
                         "种植记录", "种植热力"):
            assert expected in names, expected
        assert _of_type(m, folium.LayerControl)
        assert _of_type(m, folium.plugins.FastMarkerCluster) and _of_type(m, folium.plugins.HeatMap)
        (legend,) = _of_type(m, Legend)
        assert "措施覆盖率" in legend.html and "无数据" in legend.html

    def test_english_labels(self, full_map_data):
        m = build_map(full_map_data, basemap="none", lang="en", metric="survival").map
        names = {getattr(e, "layer_name", None) for e in _walk(m)}
        assert {"Villages", "Greening teams", "Plantings"} <= names
        assert "Survival" in _of_type(m, Legend)[0].html

    @pytest.mark.parametrize("metric", ["coverage", "plan_completion", "survival", "trees_per_km2"])
    def test_choropleth_colours_by_metric_and_greys_missing_values(self, metric):
        m = build_map(MapData(villages=_villages()), basemap="none", metric=metric).map
        (layer,) = [e for e in _of_type(m, CompactShapes) if e.layer_name == "村界"]
        palette = layer.payload["palette"]
        fills = {code: palette[i] for code, i in zip(layer.keys, layer.payload["fill"], strict=True)}
        missing = _villages().set_index("code")[metric].isna()
        assert all((fills[c] == "#d9d9d9") == bool(missing[c]) for c in fills)
        assert len({fills[c] for c in fills if not missing[c]}) >= 2

    def test_highlighted_villages_are_outlined(self, full_map_data):
        m = build_map(full_map_data, basemap="none").map
        (layer,) = [e for e in _of_type(m, CompactShapes) if e.layer_name == "村界"]
        assert [layer.keys[i] for i in layer.payload["highlight"]] == ["440823101001"]

    def test_unknown_metric_or_basemap_is_refused(self):
        with pytest.raises(ValueError, match="metric"):
            build_map(MapData(villages=_villages()), basemap="none", metric="happiness")
        with pytest.raises(ValueError, match="basemap"):
            build_map(MapData(), basemap="google")


class TestEscaping:
    @pytest.mark.parametrize("text", HOSTILE)
    def test_esc_leaves_nothing_active(self, text):
        out = esc(text)
        assert not any(d in out for d in RAW_DANGER)

    def test_hostile_names_reach_the_browser_only_as_text(self, full_map_data):
        m = build_map(full_map_data, basemap="none").map
        strings = _browser_strings(m)
        assert any("&lt;img src=x onerror=alert(1)&gt;" in s for s in strings)
        assert any("&#96;" in s for s in strings) and any("&#36;{x}" in s for s in strings)
        for s in strings:
            assert not any(d in s for d in RAW_DANGER), s

    def test_rendered_page_has_no_live_hostile_markup(self, full_map_data):
        html = build_map(full_map_data, basemap="none").map.get_root().render()
        for raw in ("<img src=x", "</script><script>alert(2)", "a`b", "${x}"):
            assert raw not in html


class TestAssets:
    def test_every_script_and_stylesheet_is_served_locally(self, full_map_data):
        m = build_map(full_map_data, basemap="none", locate=True, static_base="/app/static/vendor").map
        urls = asset_urls(m)
        assert urls and all(u.startswith("/app/static/vendor/") for u in urls), urls
        assert "/app/static/vendor/leaflet/leaflet.js" in urls
        html = m.get_root().render()
        for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "d3js.org", "unpkg"):
            assert cdn not in html

    def test_fetch_static_provides_every_file_the_maps_name(self):
        from greening.commands.static import FOLIUM_FILES, PACKAGES
        from greening.maps.assets import LOCAL_CSS, LOCAL_JS

        fetched = {dest for _v, _i, files in PACKAGES.values() for dest in files.values()}
        fetched |= {dest for _src, dest in FOLIUM_FILES}
        assert set(LOCAL_JS.values()) | set(LOCAL_CSS.values()) <= fetched
        assert "leaflet/images/marker-icon.png" in fetched  # Leaflet finds it beside leaflet.css

    def test_an_unvendored_plugin_is_refused(self):
        m = folium.Map(tiles=None)
        folium.plugins.Fullscreen().add_to(m)
        with pytest.raises(UnvendoredAsset, match="Fullscreen"):
            localise(m, "/static")


class TestBasemaps:
    def test_tianditu_only_with_a_key(self):
        assert "tianditu" not in available_basemaps("")
        assert available_basemaps("k") == ["osm", "tianditu", "amap", "none"]
        m = build_map(MapData(villages=_villages()), basemap="tianditu", tianditu_key="a b&c").map
        urls = [e.tiles for e in _of_type(m, folium.TileLayer)]
        assert len(urls) == 2 and all("tk=a%20b%26c" in u for u in urls)
        assert any("vec_w" in u for u in urls) and any("cva_w" in u for u in urls)
        with pytest.raises(ValueError):
            build_map(MapData(), basemap="tianditu")

    def test_no_basemap_has_no_tiles_but_zoom_limits(self):
        m = build_map(MapData(villages=_villages(), plantings=_plantings(5)), basemap="none").map
        assert not _of_type(m, folium.TileLayer)
        # Leaflet.markercluster throws "Map has no maxZoom specified" without it.
        assert m.options["maxZoom"] == 19

    def test_amap_shifts_every_layer_to_gcj02(self, full_map_data):
        plain = build_map(full_map_data, basemap="osm").map
        amap = build_map(full_map_data, basemap="amap").map

        def village_coords(m):
            (layer,) = [e for e in _of_type(m, CompactShapes) if e.layer_name == "村界"]
            return decode_polyline(layer.payload["shapes"][0][0][0])

        w, g = village_coords(plain), village_coords(amap)
        ex, ey = wgs84_to_gcj02(w[:, 0], w[:, 1])
        assert np.abs(g[:, 0] - ex).max() < 2e-5 and np.abs(g[:, 1] - ey).max() < 2e-5
        assert np.abs(g - w).max() > 1e-3  # the shift is hundreds of metres, not nothing
        wx = _of_type(plain, folium.plugins.FastMarkerCluster)[0].data[0]
        gx = _of_type(amap, folium.plugins.FastMarkerCluster)[0].data[0]
        sx, sy = wgs84_to_gcj02(wx[1], wx[0])
        assert gx[0] == pytest.approx(sy, abs=2e-5) and gx[1] == pytest.approx(sx, abs=2e-5)

    def test_a_point_picked_on_amap_is_stored_in_wgs84(self):
        lon, lat = 110.3594, 21.2707
        glon, glat = wgs84_to_gcj02(lon, lat)
        assert picked_to_wgs84(glat, glon, "amap") == pytest.approx((lon, lat), abs=1e-7)
        assert picked_to_wgs84(lat, lon, "osm") == (lon, lat)


class TestVolume:
    def test_marker_cap_keeps_the_latest_and_reports_it(self):
        plantings = _plantings(10_000)
        result = build_map(MapData(plantings=plantings), basemap="none", max_markers=500)
        (cluster,) = _of_type(result.map, folium.plugins.FastMarkerCluster)
        assert len(cluster.data) == 500 and result.capped
        assert (result.markers_shown, result.markers_total) == (500, 10_000)
        newest = plantings.sort_values("planted_on", ascending=False).head(500)["planted_on"].min()
        dates = [row[3] if isinstance(row[3], str) else cluster.shared[row[3]] for row in cluster.data]
        assert all(d >= str(newest)[:10] for d in dates)

    def test_heat_map_aggregates_a_hundred_thousand_points(self):
        rng = np.random.default_rng(3)
        n = 100_000
        plantings = pd.DataFrame({"lon": rng.uniform(109.7, 110.9, n), "lat": rng.uniform(20.3, 21.9, n),
                                  "tree_count": rng.integers(1, 50, n)})
        result = build_map(MapData(plantings=plantings), basemap="none", heat=True)
        (heat,) = _of_type(result.map, folium.plugins.HeatMap)
        assert 0 < len(heat.data) <= MAX_HEAT_CELLS
        assert result.markers_shown <= 3000


class TestCompact:
    def test_encoded_polylines_round_trip(self):
        rng = np.random.default_rng(5)
        pts = np.column_stack([rng.uniform(109.6, 110.9, 500), rng.uniform(20.2, 21.9, 500)]).round(5)
        assert np.allclose(decode_polyline(encode_polyline(pts)), pts, atol=1e-9)

    def test_shapes_keep_their_coordinates_to_a_metre(self):
        v = _villages()
        m = build_map(MapData(villages=v, detail="local"), basemap="none").map
        (layer,) = [e for e in _of_type(m, CompactShapes) if e.layer_name == "村界"]
        drawn = decode_polyline(layer.payload["shapes"][0][0][0])
        assert shapely.Polygon(drawn).area == pytest.approx(v.geometry.iloc[0].area, rel=0.02)

    def test_script_data_cannot_open_a_template_or_a_tag(self):
        text = script_json({"a": ["{{ x }}", "{%", "{#", "</script>", "`", "{{{"]})
        for raw in ("{{", "{%", "{#", "<", "`"):
            assert raw not in text
        assert __import__("json").loads(text)["a"][0] == "{{ x }}"

    def test_a_city_of_villages_is_light(self):
        """1,722 villages' worth of shapes: a small fraction of the GeoJSON folium would send."""
        x = np.linspace(109.7, 110.9, 43)
        y = np.linspace(20.3, 21.9, 41)
        cells = [box(x[i], y[j], x[i + 1], y[j + 1]) for i in range(42) for j in range(40)]
        v = gpd.GeoDataFrame({"code": [f"4408{k:08d}" for k in range(len(cells))], "name": "村",
                              "town_name": "镇", "county_name": "县", "coverage": 0.5},
                             geometry=[c.buffer(0.002).buffer(-0.002) for c in cells], crs=4326)
        m = build_map(MapData(villages=v), basemap="none", layer_control=False).map
        (layer,) = _of_type(m, CompactShapes)
        compact = len(layer.payload_json)
        geojson = len(folium.GeoJson(v[["code", "geometry"]].to_json()).data.__repr__())
        assert compact < geojson / 4, (compact, geojson)


class TestGeometry:
    def test_coverage_simplify_keeps_the_villages_tiling(self):
        v = _villages()
        simplified = simplify_coverage(v.geometry.values, 0.002)
        assert shapely.get_num_coordinates(simplified).sum() < shapely.get_num_coordinates(v.geometry.values).sum()
        union = shapely.union_all(simplified)
        overlap = sum(shapely.area(simplified)) - union.area
        assert overlap < 1e-9
        assert union.area == pytest.approx(shapely.union_all(v.geometry.values).area, rel=0.02)

    def test_features_are_rounded_to_five_decimals_and_keyed_by_code(self):
        feats = geometry_features(_villages(), "code")
        assert sorted(feats) == sorted(_villages()["code"])
        coords = shapely.get_coordinates(shapely.from_geojson(__import__("json").dumps(feats["440823101001"])))
        assert np.allclose(coords, np.round(coords, 5))


class TestLocate:
    def test_gps_fix_counts_as_a_tap_and_never_alerts(self):
        from streamlit_folium import generate_leaflet_string

        m = build_map(MapData(villages=_villages()), basemap="none", locate=True).map
        script = generate_leaflet_string(m)
        assert "L.control.locate" in script
        # the plugin's defaults call alert(); both are replaced before any location is asked for
        assert "control.options.onLocationError = function" in script
        assert "control.options.onLocationOutsideMapBounds = function" in script
        assert "map.fire('click', {latlng: e.latlng})" in script
        assert "alert(" not in script


def test_an_english_maps_tooltips_name_the_county_in_english_with_a_plain_colon():
    """The English map's village tooltip read 「城月镇 · 遂溪县」 and 「Plan completion：123.1%」 (a
    full-width colon); a team's and a demonstration site's lines too. On an English map: Suixi
    County, 「Plan completion: 120.0%」; the Chinese map keeps 遂溪县 and 「计划完成率：」."""
    teams = pd.DataFrame({"name": ["甲队"], "village_name": ["甲村"], "leader_name": ["张玉"],
                          "lon": [110.21], "lat": [21.31], "trees": [10]})
    designations = pd.DataFrame({"kind": ["demo_town"], "name": ["城月镇"], "lon": [110.21], "lat": [21.31],
                                 "area_name": ["城月镇"], "progress": [0.5]})
    data = MapData(villages=_villages(), teams=teams, designations=designations)
    en = _browser_strings(build_map(data, basemap="none", metric="plan_completion", lang="en").map)
    assert any("Suixi County" in s for s in en) and not any("遂溪县" in s for s in en), en
    assert not any("：" in s for s in en), [s for s in en if "：" in s]
    assert any(s.startswith("Plan completion: ") for s in en), en
    zh = _browser_strings(build_map(data, basemap="none", metric="plan_completion", lang="zh").map)
    assert any("遂溪县" in s for s in zh) and any(s.startswith("计划完成率：") for s in zh), zh
