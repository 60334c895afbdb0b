"""The village choropleth's green-cover metrics and the raster overlay served by the app."""
from __future__ import annotations

import pandas as pd

from greening.coverage.samples import V1, V2, V3, sample_villages
from greening.maps import METRICS, MapData, build_map
from greening.maps.layers import colormap_for


def _villages():
    v = sample_villages([V1, V2, V3])
    v["green_cover"] = [0.34, 0.12, None]
    v["green_change"] = [0.012, -0.004, None]
    return v


def test_green_cover_and_change_are_map_metrics():
    assert METRICS["green_cover"][:2] == ("green_cover", "share")
    assert METRICS["green_change"][:2] == ("green_change", "change")
    cmap = colormap_for("green_change", pd.Series([0.5, -0.5]))
    assert cmap.vmin == -cmap.vmax and cmap.vmax > 0  # a diverging scale around no change
    html = build_map(MapData(villages=_villages()), metric="green_change", basemap="none").map.get_root().render()
    assert "+1.2 个百分点" in html and "-0.4 个百分点" in html
    en = build_map(MapData(villages=_villages()), metric="green_cover", basemap="none", lang="en").map.get_root().render()
    assert "Green cover (raster)" in en and "34" in en


def test_overlay_is_served_by_the_app():
    overlay = {"url": "/app/static/rasters/landcover-2024-abc.png", "bounds": [[20.2, 109.6], [21.9, 110.9]],
               "name": "土地覆盖影像 2024"}
    html = build_map(MapData(villages=_villages(), overlay=overlay), basemap="none").map.get_root().render()
    assert '"/app/static/rasters/landcover-2024-abc.png"' in html
    name = "土地覆盖影像 2024".encode("unicode_escape").decode()
    assert "L.imageOverlay" in html and name in html  # in the layer control
    assert "cdn." not in html.lower() and "unpkg" not in html.lower()


def test_an_overlay_of_two_tiles_draws_both_as_one_layer():
    parts = [{"url": "/app/static/rasters/landcover-2021-north.png", "bounds": [[21.0, 109.6], [21.9, 110.9]]},
             {"url": "/app/static/rasters/landcover-2021-south.png", "bounds": [[20.2, 109.6], [21.0, 110.9]]}]
    overlay = {**parts[0], "name": "土地覆盖影像 2021", "parts": parts}
    html = build_map(MapData(villages=_villages(), overlay=overlay), basemap="none").map.get_root().render()
    assert '"/app/static/rasters/landcover-2021-north.png"' in html
    assert '"/app/static/rasters/landcover-2021-south.png"' in html
    name = "土地覆盖影像 2021".encode("unicode_escape").decode()
    assert html.count(name) == 1  # one entry in the layer control for the two pictures


def test_a_canopy_overlay_is_not_called_land_cover(monkeypatch):
    """A county lead whose figures come from the county's own canopy mask sees that raster on the
    map: its layer-control entry says canopy, not land cover."""
    import ui.greencover_st as g
    from greening.greencover.change import CoverLayers

    row = {"id": 3, "kind": "canopy", "year": 2024, "classes": {"tree_min": 1.0}, "bounds": [109.6, 20.9, 110.4, 21.6],
           "overlay_name": "canopy-2024-abc.png", "overlay_bounds": [[20.9, 109.6], [21.6, 110.4]]}
    monkeypatch.setattr(g, "_layers", lambda actor: CoverLayers({3: row}, row, None))
    overlay = g.overlay_for(None)
    assert overlay["name"] == "冠层影像 2024" and overlay["url"].endswith("/canopy-2024-abc.png")
