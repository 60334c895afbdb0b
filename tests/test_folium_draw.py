"""A map rendered once (ui.folium_draw) reaches the browser exactly as st_folium would send it, and
a cached map is rendered once however many reruns draw it."""
from __future__ import annotations

import pickle

import pytest
import streamlit_folium

from greening.maps import MapData, build_map
from tests.test_maps import _villages, full_map_data  # noqa: F401 - the fixture is used by name


def _component_calls(monkeypatch) -> list[dict]:
    calls: list[dict] = []

    def record(**kwargs):
        calls.append(kwargs)
        return None

    monkeypatch.setattr(streamlit_folium, "_component_func", record)
    return calls


def _pin():
    import folium

    group = folium.FeatureGroup(name="picked", control=False)
    folium.Marker([21.31, 110.21], tooltip="picked").add_to(group)
    return group


CASES = {
    "every layer, a pin and a GPS view": dict(returned_objects=["last_clicked"], pin=True,
                                              view={"center": (21.31, 110.21), "zoom": 16}),
    "no pin, no returned objects": dict(returned_objects=[], pin=False, view={}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_browser_gets_what_st_folium_would_send(monkeypatch, full_map_data, case, lang):  # noqa: F811
    from ui.folium_draw import draw, prepare

    c = CASES[case]
    built = build_map(full_map_data, basemap="osm", lang=lang, static_base="/app/static/vendor").map
    theirs, ours = pickle.loads(pickle.dumps(built)), pickle.loads(pickle.dumps(built))
    calls = _component_calls(monkeypatch)
    streamlit_folium.st_folium(theirs, key="log_map", height=460, use_container_width=True,
                               returned_objects=c["returned_objects"],
                               feature_group_to_add=_pin() if c["pin"] else None, **c["view"])
    draw(prepare(ours), key="log_map", height=460, returned_objects=c["returned_objects"],
         feature_group_to_add=_pin() if c["pin"] else None, **c["view"])
    assert len(calls) == 2
    expected, got = calls
    assert expected.pop("on_change") is not None and got.pop("on_change") is not None
    assert set(got) == set(expected)
    for name in expected:
        assert got[name] == expected[name], name
    assert "L.map" in got["script"] and got["css_links"]  # not two empty answers


def test_a_prepared_map_is_drawn_again_with_another_pin(monkeypatch):
    """The map's script stays; only the pin's script (``feature_group``) follows the run."""
    import folium

    from ui.folium_draw import draw, prepare

    prepared = prepare(build_map(MapData(villages=_villages()), basemap="none").map)
    calls = _component_calls(monkeypatch)
    for lat in (21.31, 21.32):
        group = folium.FeatureGroup(name="picked", control=False)
        folium.Marker([lat, 110.21]).add_to(group)
        draw(prepared, key="m", height=300, returned_objects=["last_clicked"], feature_group_to_add=group)
    first, second = calls
    assert first["script"] == second["script"] and first["key"] == second["key"]
    assert "21.31" in first["feature_group"] and "21.32" in second["feature_group"]
    assert "map_div.addLayer(feature_group_feature_group_0)" in second["feature_group"]


def test_a_cached_map_is_rendered_once_for_every_rerun(app_engine, monkeypatch):
    from greening.actor import Actor
    from greening.models.enums import Role
    from ui import folium_draw, maps_st

    rendered = []
    real = folium_draw.prepare
    monkeypatch.setattr(maps_st, "prepare", lambda m: rendered.append(1) or real(m))
    calls = _component_calls(monkeypatch)
    city = Actor(user_id=None, username="city", role=Role.CITY, scope_prefix="4408")
    for _ in range(3):
        shown = maps_st.cached_render(city, "test-folium-draw", lambda: build_map(MapData(villages=_villages()),
                                                                               basemap="none"), basemap="none")
        maps_st.show_map(shown, key="m")
    assert len(rendered) == 1
    assert len(calls) == 3 and len({c["script"] for c in calls}) == 1


def test_the_picked_pin_is_one_script_per_point_so_a_rerun_sends_the_same_layer():
    """Every rerun with a picked point draws its pin: the same point gives the very same script (the
    browser sees an unchanged layer and re-adds nothing), another point or a GPS accuracy another."""
    from ui.maps_st import picked_group

    one = picked_group((110.36, 21.27), "none")
    assert picked_group((110.36, 21.27), "none") is one
    assert "L.marker" in one and "21.27" in one and "110.36" in one
    other = picked_group((110.37, 21.27), "none")
    assert other != one and "110.37" in other
    with_fix = picked_group((110.36, 21.27), "none", 35.0)
    assert "L.circle" in with_fix and "35.0" in with_fix and "L.circle" not in one
    assert "L.marker" not in picked_group(None, "none")
