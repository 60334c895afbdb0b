"""Tests for greening.geo.gcj02 (WGS 84 <-> GCJ-02)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from greening.geo.gcj02 import (
    CHINA_RECTANGLE,
    frame_gcj02_to_wgs84,
    frame_wgs84_to_gcj02,
    gcj02_to_wgs84,
    geometry_gcj02_to_wgs84,
    geometry_wgs84_to_gcj02,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# Published (wgs_lon, wgs_lat, gcj_lon, gcj_lat) pairs:
# - googollee/eviltransform, python/test.py and go/transform_test.go (the TESTS table,
#   given there as wgsLat, wgsLng, gcjLat, gcjLng): Shanghai, Shenzhen, Beijing.
# - wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915) ->
#   [116.41024449916938, 39.91640428150164].
PUBLISHED_PAIRS = [
    pytest.param(121.5272106, 31.1774276, 121.531541859215, 31.17530398364597, id="shanghai"),
    pytest.param(113.912316, 22.543847, 113.9171764808363, 22.540796131694766, id="shenzhen"),
    pytest.param(116.377817, 39.911954, 116.38404722455657, 39.91334545536069, id="beijing"),
    pytest.param(116.404, 39.915, 116.41024449916938, 39.91640428150164, id="coordtransform"),
]

# Zhanjiang grid: lon 109.6-111.0, lat 20.1-22.0.
GRID_LON, GRID_LAT = (
    a.ravel() for a in np.meshgrid(np.linspace(109.6, 111.0, 29), np.linspace(20.1, 22.0, 39))
)

OUTSIDE_CHINA = [
    pytest.param(0.0, 0.0, id="null-island"),
    pytest.param(-0.1278, 51.5074, id="london"),
    pytest.param(139.6917, 35.6895, id="tokyo"),
    pytest.param(151.2093, -33.8688, id="sydney"),
]


def metres_between(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


class TestPublishedPairs:
    @pytest.mark.parametrize("wgs_lon, wgs_lat, gcj_lon, gcj_lat", PUBLISHED_PAIRS)
    def test_forward_matches_published_value(self, wgs_lon, wgs_lat, gcj_lon, gcj_lat):
        lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        assert lon == pytest.approx(gcj_lon, abs=1e-9)
        assert lat == pytest.approx(gcj_lat, abs=1e-9)

    @pytest.mark.parametrize("wgs_lon, wgs_lat, gcj_lon, gcj_lat", PUBLISHED_PAIRS)
    def test_inverse_recovers_published_wgs84(self, wgs_lon, wgs_lat, gcj_lon, gcj_lat):
        lon, lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
        assert metres_between(lon, lat, wgs_lon, wgs_lat) < 0.01

    def test_exact_inverse_beats_one_step_inverse(self):
        # coordtransform's one-step gcj02towgs84(116.404, 39.915) published in test/app.js.
        one_step = (116.39775550083061, 39.91359571849836)
        exact = gcj02_to_wgs84(116.404, 39.915)
        back_one_step = wgs84_to_gcj02(*one_step)
        back_exact = wgs84_to_gcj02(*exact)
        assert metres_between(*back_exact, 116.404, 39.915) < 1e-3
        assert metres_between(*back_one_step, 116.404, 39.915) > 10 * metres_between(
            *back_exact, 116.404, 39.915
        )


class TestZhanjiang:
    def test_shift_is_a_few_hundred_metres(self):
        gcj_lon, gcj_lat = wgs84_to_gcj02(GRID_LON, GRID_LAT)
        shift = metres_between(GRID_LON, GRID_LAT, gcj_lon, gcj_lat)
        assert shift.min() > 400 and shift.max() < 700

    def test_round_trip_wgs84_is_below_a_centimetre(self):
        lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(GRID_LON, GRID_LAT))
        assert metres_between(lon, lat, GRID_LON, GRID_LAT).max() < 0.01

    def test_round_trip_gcj02_is_below_a_centimetre(self):
        lon, lat = wgs84_to_gcj02(*gcj02_to_wgs84(GRID_LON, GRID_LAT))
        assert metres_between(lon, lat, GRID_LON, GRID_LAT).max() < 0.01


class TestInputsAndOutputs:
    @pytest.mark.parametrize("lon, lat", OUTSIDE_CHINA)
    @pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
    def test_outside_china_is_unchanged(self, convert, lon, lat):
        assert convert(lon, lat) == (lon, lat)

    def test_rectangle_contains_zhanjiang(self):
        min_lon, min_lat, max_lon, max_lat = CHINA_RECTANGLE
        assert min_lon < 109.6 and max_lon > 111.0 and min_lat < 20.1 and max_lat > 22.0

    @pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
    def test_scalars_give_floats(self, convert):
        lon, lat = convert(110.36, 21.27)
        assert type(lon) is float and type(lat) is float

    @pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
    def test_vectorised_equals_scalar(self, convert):
        lon, lat = convert(GRID_LON, GRID_LAT)
        one_by_one = np.array([convert(x, y) for x, y in zip(GRID_LON, GRID_LAT, strict=True)])
        np.testing.assert_allclose(lon, one_by_one[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(lat, one_by_one[:, 1], rtol=0, atol=1e-12)

    @pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
    def test_shape_is_kept_and_scalars_broadcast(self, convert):
        lon, lat = convert(GRID_LON.reshape(39, 29), 21.0)
        assert lon.shape == lat.shape == (39, 29)

    @pytest.mark.parametrize("convert", [wgs84_to_gcj02, gcj02_to_wgs84])
    def test_nan_stays_nan_and_does_not_spoil_neighbours(self, convert):
        lon, lat = convert(np.array([np.nan, 110.36]), np.array([21.27, 21.27]))
        assert np.isnan(lon[0])
        assert (lon[1], lat[1]) == convert(110.36, 21.27)


POLYGON_WITH_HOLE = shapely.Polygon(
    [(110.30, 21.20), (110.40, 21.20), (110.40, 21.30), (110.30, 21.30)],
    holes=[[(110.33, 21.23), (110.37, 21.23), (110.37, 21.27), (110.33, 21.27)]],
)
GEOMETRIES = [
    pytest.param(shapely.Point(110.36, 21.27), id="point"),
    pytest.param(shapely.Point(110.36, 21.27, 12.5), id="point-z"),
    pytest.param(shapely.LineString([(110.3, 21.2), (110.4, 21.3)]), id="line"),
    pytest.param(POLYGON_WITH_HOLE, id="polygon-with-hole"),
    pytest.param(
        shapely.MultiPolygon([POLYGON_WITH_HOLE, shapely.box(110.5, 21.0, 110.6, 21.1)]), id="multipolygon"
    ),
    pytest.param(
        shapely.GeometryCollection([shapely.Point(110.1, 20.9), POLYGON_WITH_HOLE]), id="collection"
    ),
]


class TestGeometryHelpers:
    @pytest.mark.parametrize("geometry", GEOMETRIES)
    def test_type_size_and_validity_are_kept(self, geometry):
        shifted = geometry_wgs84_to_gcj02(geometry)
        assert shifted.geom_type == geometry.geom_type
        assert shapely.get_num_coordinates(shifted) == shapely.get_num_coordinates(geometry)
        assert shifted.has_z == geometry.has_z
        assert shifted.is_valid

    @pytest.mark.parametrize("geometry", GEOMETRIES)
    def test_round_trip_restores_geometry(self, geometry):
        back = geometry_gcj02_to_wgs84(geometry_wgs84_to_gcj02(geometry))
        assert shapely.equals_exact(back, geometry, tolerance=1e-9)

    def test_vertices_move_like_points(self):
        shifted = geometry_wgs84_to_gcj02(POLYGON_WITH_HOLE)
        first = shifted.exterior.coords[0]
        assert first == wgs84_to_gcj02(110.30, 21.20)

    def test_rings_stay_closed(self):
        shifted = geometry_gcj02_to_wgs84(POLYGON_WITH_HOLE)
        for ring in (shifted.exterior, *shifted.interiors):
            assert ring.coords[0] == ring.coords[-1]

    def test_arrays_and_empties(self):
        geometries = np.array([POLYGON_WITH_HOLE, shapely.Polygon(), None], dtype=object)
        shifted = geometry_wgs84_to_gcj02(geometries)
        assert shifted[1].is_empty and shifted[2] is None


class TestFrameHelpers:
    def frame(self):
        return gpd.GeoDataFrame(
            {"name": ["赤坎"]}, geometry=[shapely.Point(110.36, 21.27)], crs="EPSG:4326", index=[7]
        )

    def test_geodataframe_keeps_columns_and_index(self):
        original = self.frame()
        shifted = frame_wgs84_to_gcj02(original)
        assert list(shifted.columns) == ["name", "geometry"] and list(shifted.index) == [7]
        assert shifted.crs == "EPSG:4326"
        assert shifted.geometry.iloc[0].coords[0] == wgs84_to_gcj02(110.36, 21.27)
        assert original.geometry.iloc[0].coords[0] == (110.36, 21.27)

    def test_geoseries_round_trip(self):
        series = self.frame().geometry
        back = frame_gcj02_to_wgs84(frame_wgs84_to_gcj02(series))
        assert isinstance(back, gpd.GeoSeries)
        assert back.iloc[0].distance(series.iloc[0]) < 1e-9

    def test_projected_input_is_refused(self):
        projected = self.frame().to_crs("EPSG:4546")
        with pytest.raises(ValueError, match="EPSG:4546"):
            frame_wgs84_to_gcj02(projected)
