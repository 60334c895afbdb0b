"""Built maps are reused by every rerun and user of the same view until the data changes (on any
replica: the key holds the data versions read from the database)."""
from __future__ import annotations

from greening.actor import Actor
from greening.data_version import AREAS, bump
from greening.maps import MapData, MapResult, build_map
from greening.models.enums import Role


def _city() -> Actor:
    return Actor(user_id=None, username="city", role=Role.CITY, scope_prefix="4408")


def test_a_built_map_is_reused_until_a_write_in_the_area(app_engine):
    from ui.maps_st import cached_render

    built = []

    def build() -> MapResult:
        built.append(1)
        return build_map(MapData(picked=(110.36, 21.27)), basemap="none")

    first = cached_render(_city(), "test-page", build, basemap="none")
    again = cached_render(_city(), "test-page", build, basemap="none")
    assert len(built) == 1
    assert again is first  # built and rendered once, shared read-only (ui.folium_draw.Prepared)
    cached_render(_city(), "test-page", build, basemap="osm")  # another parameter, another map
    assert len(built) == 2
    county = Actor(user_id=None, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")
    cached_render(county, "test-page", build, basemap="none")  # another view
    assert len(built) == 3
    with app_engine.begin() as conn:  # a write in 遂溪 (through any replica): the city's key changes
        bump(conn, ["440823"])
    cached_render(_city(), "test-page", build, basemap="none")
    assert len(built) == 4
    with app_engine.begin() as conn:  # a boundary import changes every map
        bump(conn, [AREAS])
    cached_render(county, "test-page", build, basemap="none")
    assert len(built) == 5


def test_a_write_elsewhere_keeps_a_countys_map(app_engine):
    from ui.maps_st import cached_render

    built = []

    def build() -> MapResult:
        built.append(1)
        return build_map(MapData(picked=(110.36, 21.27)), basemap="none")

    county = Actor(user_id=None, username="leizhou", role=Role.COUNTY_LEAD, scope_prefix="440882")
    cached_render(county, "test-page-2", build)
    with app_engine.begin() as conn:
        bump(conn, ["440823"])
    cached_render(county, "test-page-2", build)
    assert len(built) == 1
