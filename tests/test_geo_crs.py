"""Tests for greening.geo.crs: areas, distances, CRS recognition and checks, geometry validation."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from greening.geo.crs import (
    AREA_CRS,
    DISTANCE_CRS,
    STORAGE_CRS,
    ZHANJIANG_BBOX,
    CRSMismatchError,
    area_m2,
    check_in_zhanjiang,
    distance_m,
    guess_crs,
    validate_geometry,
)

GEOD = Geod(ellps="WGS84")

# A 0.01 x 0.01 degree field in Chikan and a point in Leizhou, WGS 84.
FIELD = shapely.box(110.36, 21.27, 110.37, 21.28)
LEIZHOU = shapely.Point(110.09, 20.91)
CHIKAN = shapely.Point(110.36, 21.27)

SQUARE = shapely.box(0, 0, 10, 10)
EMPTY_POLYGON = shapely.Polygon()
# A square whose ring touches itself at (0 10) to close a tiny extra loop.
SELF_TOUCHING_LOOP = shapely.Polygon(
    [(0, 0), (10, 0), (10, 10), (0, 10), (0.1, 10.1), (-0.1, 10.1), (0, 10), (0, 0)]
)
SPIKE = shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 10), (5, 12), (5, 10), (0, 10)])
BOW_TIE = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
OVERLAPPING_PARTS = shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
COLLAPSED = shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])


def to_crs(geometry, crs):
    transformer = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def frame(geometries, crs):
    return gpd.GeoDataFrame(geometry=list(geometries), crs=crs)


class TestConstants:
    def test_crs_definitions(self):
        assert STORAGE_CRS == "EPSG:4326" and DISTANCE_CRS == "EPSG:4546"
        assert "+proj=laea" in AREA_CRS

    def test_bbox_contains_county_towns(self):
        min_lon, min_lat, max_lon, max_lat = ZHANJIANG_BBOX
        for point in (LEIZHOU, CHIKAN, shapely.Point(110.17, 20.33)):
            assert min_lon < point.x < max_lon and min_lat < point.y < max_lat


class TestAreaAndDistance:
    def test_area_matches_geodesic_area(self):
        geodesic = abs(GEOD.geometry_area_perimeter(FIELD)[0])
        assert area_m2(FIELD) == pytest.approx(geodesic, rel=1e-4)

    def test_geoseries_gives_series_with_its_index(self):
        series = gpd.GeoSeries([FIELD, LEIZHOU], index=["a", "b"], crs=STORAGE_CRS)
        result = area_m2(series)
        assert isinstance(result, pd.Series) and list(result.index) == ["a", "b"]
        assert result["b"] == 0

    def test_projected_geoseries_is_reprojected(self):
        square_km = gpd.GeoSeries([shapely.box(400_000, 2_350_000, 401_000, 2_351_000)], crs="EPSG:4546")
        assert area_m2(square_km).iloc[0] == pytest.approx(1e6, rel=1e-3)

    def test_array_gives_array(self):
        result = area_m2(np.array([FIELD, FIELD]))
        assert isinstance(result, np.ndarray) and result.shape == (2,)

    def test_metres_passed_as_degrees_are_refused(self):
        with pytest.raises(ValueError, match="not longitude/latitude"):
            area_m2(shapely.box(400_000, 2_350_000, 401_000, 2_351_000))

    def test_distance_matches_geodesic_distance(self):
        geodesic = GEOD.inv(CHIKAN.x, CHIKAN.y, LEIZHOU.x, LEIZHOU.y)[2]
        assert distance_m(CHIKAN, LEIZHOU) == pytest.approx(geodesic, rel=1e-3)

    def test_distance_broadcasts(self):
        result = distance_m(np.array([CHIKAN, LEIZHOU]), CHIKAN)
        assert result[1] > 40_000 and result[0] == 0


class TestGuessCrs:
    @pytest.mark.parametrize(
        "xs, ys, expected",
        [
            ([109.7, 110.9], [20.3, 21.9], "EPSG:4326"),
            ([356_000, 489_000], [2_240_000, 2_430_000], "EPSG:4546"),
            ([37_356_000, 37_489_000], [2_240_000, 2_430_000], "EPSG:4525"),
            ([110.36, np.nan], [21.27, 21.28], "EPSG:4326"),
        ],
    )
    def test_recognises_zhanjiang_ranges(self, xs, ys, expected):
        assert guess_crs(xs, ys) == expected

    def test_unknown_ranges_are_named_in_the_error(self):
        with pytest.raises(ValueError, match=r"x spans 113\.2 to 113\.4.*EPSG:4546") as info:
            guess_crs([113.2, 113.4], [23.0, 23.2])
        assert "EPSG:4525" in str(info.value)

    def test_swapped_axes_are_hinted(self):
        with pytest.raises(ValueError, match="swapped.*EPSG:4546"):
            guess_crs([2_240_000, 2_430_000], [356_000, 489_000])

    def test_no_finite_values(self):
        with pytest.raises(ValueError, match="no finite x"):
            guess_crs([np.nan], [21.0])


class TestCheckInZhanjiang:
    def test_data_in_zhanjiang_passes(self):
        check_in_zhanjiang(frame([FIELD, LEIZHOU], STORAGE_CRS))
        check_in_zhanjiang(frame([to_crs(FIELD, "EPSG:4525")], "EPSG:4525"))

    def test_shapely_geometries_with_crs_argument(self):
        check_in_zhanjiang([to_crs(LEIZHOU, "EPSG:4546")], crs="EPSG:4546")

    @pytest.mark.parametrize(
        "actual, declared",
        [
            ("EPSG:4525", "EPSG:4526"),  # zone 37 with prefix, labelled zone 38
            ("EPSG:4546", "EPSG:4547"),  # CM 111E, labelled CM 114E: lands ~300 km east
            ("EPSG:4546", "EPSG:4326"),  # metres labelled as degrees
        ],
    )
    def test_mislabelled_crs_names_the_probable_one(self, actual, declared):
        data = frame([to_crs(FIELD, actual), to_crs(LEIZHOU, actual)], None).set_crs(declared)
        with pytest.raises(CRSMismatchError, match=f"fit {actual}") as info:
            check_in_zhanjiang(data)
        assert info.value.probable_crs == actual and info.value.declared_crs == declared

    def test_data_elsewhere_names_its_ranges(self):
        guangzhou = shapely.Point(113.26, 23.13)
        with pytest.raises(CRSMismatchError, match="1 of 2 geometries.*x spans") as info:
            check_in_zhanjiang(frame([FIELD, guangzhou], STORAGE_CRS))
        assert info.value.probable_crs is None

    def test_missing_crs_is_refused(self):
        with pytest.raises(ValueError, match="no CRS"):
            check_in_zhanjiang([FIELD])


class TestValidateGeometry:
    @pytest.mark.parametrize(
        "geometry, message",
        [
            (None, "missing"),
            (math.nan, "missing"),
            (EMPTY_POLYGON, "empty"),
            (shapely.Point(math.nan, 21.0), "NaN"),
            (shapely.Polygon([(0, 0), (1, 0), (1, math.inf), (0, 0)]), "infinite"),
            ("POINT (1 2)", "not a geometry"),
        ],
    )
    def test_unusable_input_is_refused(self, geometry, message):
        with pytest.raises(ValueError, match=message):
            validate_geometry(geometry)

    def test_valid_polygon_becomes_multipolygon(self):
        fixed, note = validate_geometry(SQUARE)
        assert fixed.geom_type == "MultiPolygon" and fixed.equals(SQUARE) and note == ""

    def test_valid_multipolygon_is_returned_as_is(self):
        multi = shapely.MultiPolygon([SQUARE])
        assert validate_geometry(multi) == (multi, "")

    @pytest.mark.parametrize("geometry", [SELF_TOUCHING_LOOP, SPIKE])
    def test_small_defects_are_repaired(self, geometry):
        fixed, note = validate_geometry(geometry)
        assert fixed.is_valid and fixed.geom_type == "MultiPolygon"
        assert "Self-intersection" in note and "area changed by" in note
        assert fixed.area == pytest.approx(geometry.area, rel=0.01)

    def test_large_area_change_is_refused(self):
        with pytest.raises(ValueError, match=r"Self-intersection.*12\.50%"):
            validate_geometry(OVERLAPPING_PARTS)

    def test_area_change_limit_is_configurable(self):
        fixed, note = validate_geometry(OVERLAPPING_PARTS, max_area_change=0.3)
        assert fixed.area == pytest.approx(7.0) and "12.500%" in note

    def test_bow_tie_with_cancelling_loops_is_refused(self):
        with pytest.raises(ValueError, match="zero area"):
            validate_geometry(BOW_TIE)

    def test_repair_leaving_no_polygon_is_refused(self):
        with pytest.raises(ValueError, match="no area left|zero area"):
            validate_geometry(COLLAPSED)

    def test_points_pass_through(self):
        assert validate_geometry(LEIZHOU) == (LEIZHOU, "")
