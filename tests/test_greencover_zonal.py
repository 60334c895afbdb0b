"""Green cover per village from rasters built here: fractional coverage, CRS, missing, nodata,
the import checks, and both engines agreeing with exactextract.

Every rasterio call runs in the raster worker's child process (``greening.greencover.worker``),
as in the product: a test process that opened SpatiaLite must not load GDAL itself.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

from greening.config import get_settings, override_settings
from greening.greencover import worker
from greening.greencover.rasters import RasterRefused, parse_classes
from greening.greencover.zonal import ClassSpec

LC = ClassSpec("landcover", 0, (10, 95), (20,))
RES = 0.0001  # about 10 x 11 m
X0, Y1 = 110.30, 21.20  # raster's top-left corner, in Zhanjiang


def _raster(tmp_path, name, array, *, crs="EPSG:4326", transform=None, nodata=0):
    path = tmp_path / name
    worker.call("write", _args=(path, array), crs=crs, transform=transform or from_origin(X0, Y1, RES, RES),
                nodata=nodata)
    return path


def _villages(*geoms, crs=4326):
    return gpd.GeoDataFrame({"code": [f"44082310100{i + 1}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs=crs)


def _cover(path, villages, spec=LC, engine="scanline"):
    return worker.call("cover", _args=(path, villages, spec), engine=engine)


def _one_pixel_share(village, res=RES):
    """The share of ``village`` one pixel is (both in degrees, same latitude)."""
    return res * res / village.area


@pytest.fixture(scope="module")
def half(tmp_path_factory):
    """A 200 x 200 raster: tree (10) west of 110.31, cropland (40) east of it."""
    tmp = tmp_path_factory.mktemp("half")
    a = np.full((200, 200), 40, dtype=np.uint8)
    a[:, :100] = 10
    return _raster(tmp, "half.tif", a)


@pytest.mark.parametrize("engine", ["scanline", "exactextract"])
def test_half_covered_village_is_fifty_percent_within_a_pixel(half, engine):
    # a village straddling the tree edge, its sides off the pixel grid
    v = shapely.box(110.30537, 21.18313, 110.31463, 21.19187)
    out = _cover(half, _villages(v), engine=engine).iloc[0]
    share = out.tree_m2 / out.observed_m2
    assert abs(share - 0.5) <= _one_pixel_share(v)
    assert out.observed_m2 == pytest.approx(out.area_m2, rel=1e-9)
    assert out.green_m2 == pytest.approx(out.tree_m2)
    assert out.shrub_m2 == pytest.approx(0.0, abs=1e-6)


def test_projected_raster_gives_the_same_answer_as_wgs84(half, tmp_path):
    """The same land cover (tree west of the meridian 110.31) as a 10 m UTM 49N raster."""
    to_utm = Transformer.from_crs(4326, 32649, always_xy=True)
    to_ll = Transformer.from_crs(32649, 4326, always_xy=True)
    x0, _ = to_utm.transform(X0, Y1 - 0.02)
    _, y1 = to_utm.transform(X0, Y1)
    res = 10.0
    w, h = 210, 230
    cx = x0 + (np.arange(w) + 0.5) * res
    cy = y1 - (np.arange(h) + 0.5) * res
    xx, yy = np.meshgrid(cx, cy)
    lon, _ = to_ll.transform(xx, yy)
    a = np.where(lon < 110.31, 10, 40).astype(np.uint8)
    utm = _raster(tmp_path, "utm.tif", a, crs="EPSG:32649", transform=from_origin(x0, y1, res, res))
    half_box = shapely.box(110.30537, 21.18313, 110.31463, 21.19187)
    villages = _villages(half_box, shapely.Point(110.305, 21.19).buffer(0.003, quad_segs=32),
                         shapely.box(110.3113, 21.1805, 110.3181, 21.1900))
    geo = _cover(half, villages)
    proj = _cover(utm, villages)
    share = lambda r: r.tree_m2 / r.observed_m2  # noqa: E731
    # wholly tree and wholly cropland: the same in both grids
    assert share(geo.iloc[1]) == pytest.approx(1.0) and share(proj.iloc[1]) == pytest.approx(1.0)
    assert share(geo.iloc[2]) == pytest.approx(0.0, abs=1e-9) and share(proj.iloc[2]) == pytest.approx(0.0, abs=1e-9)
    # straddling the edge: the UTM grid draws the meridian as a staircase of 10 m pixels, so the
    # answers agree within half a pixel along the edge's length in the village
    edge_m = 970.0
    assert abs(share(geo.iloc[0]) - share(proj.iloc[0])) <= 0.5 * res * edge_m / geo.iloc[0].area_m2
    assert abs(share(proj.iloc[0]) - 0.5) <= 0.5 * res * edge_m / geo.iloc[0].area_m2
    assert np.allclose(proj["observed_m2"], proj["area_m2"], rtol=1e-6)
    assert np.allclose(geo["area_m2"], proj["area_m2"])


def test_village_partly_outside_reports_the_missing_share(half):
    # the raster ends at 110.32; this village runs to 110.33: half of it is outside
    v = shapely.box(110.31, 21.185, 110.33, 21.195)
    out = _cover(half, _villages(v)).iloc[0]
    missing = 1 - out.observed_m2 / out.area_m2
    assert abs(missing - 0.5) <= _one_pixel_share(v)
    assert out.tree_m2 == pytest.approx(0.0, abs=1e-6)  # the observed half is cropland
    # a village wholly outside is wholly missing, not 0 % green
    far = _cover(half, _villages(shapely.box(110.5, 21.0, 110.51, 21.01))).iloc[0]
    assert far.observed_m2 == 0 and far.area_m2 > 0


def test_nodata_is_missing_not_green(tmp_path):
    a = np.full((200, 200), 10, dtype=np.uint8)
    a[:100, :] = 0  # the north half is nodata (cloud)
    path = _raster(tmp_path, "cloud.tif", a)
    v = shapely.box(110.301, 21.181, 110.319, 21.199)
    out = _cover(path, _villages(v)).iloc[0]
    assert abs(out.observed_m2 / out.area_m2 - 0.5) <= _one_pixel_share(v)
    assert out.green_m2 == pytest.approx(out.observed_m2)  # the observed half is all tree
    # a nodata value that is also a class value still counts as missing
    b = np.full((50, 50), 20, dtype=np.uint8)
    spec = ClassSpec("landcover", 20, (10,), (20,))
    path2 = _raster(tmp_path, "shrub-nodata.tif", b, nodata=20)
    out2 = _cover(path2, _villages(shapely.box(110.301, 21.196, 110.303, 21.199)), spec).iloc[0]
    assert out2.observed_m2 == 0 and out2.green_m2 == 0


def test_canopy_height_threshold_and_float_nodata(tmp_path):
    a = np.full((100, 100), 2.0, dtype=np.float32)
    a[:, :50] = 12.0
    a[:, 90:] = -9999
    path = _raster(tmp_path, "height.tif", a, nodata=-9999)
    spec = ClassSpec("canopy", -9999, tree_min=5.0)
    v = shapely.box(X0, Y1 - 0.01, X0 + 0.01, Y1)
    out = _cover(path, _villages(v), spec).iloc[0]
    assert out.tree_m2 / out.observed_m2 == pytest.approx(50 / 90, abs=1e-6)
    assert 1 - out.observed_m2 / out.area_m2 == pytest.approx(0.1, abs=1e-6)
    assert np.isnan(out.shrub_m2)


def test_scanline_agrees_with_exactextract_on_awkward_shapes(tmp_path):
    rng = np.random.default_rng(3)
    a = rng.choice(np.array([0, 10, 20, 40, 95], dtype=np.uint8), size=(300, 300), p=[.1, .3, .2, .3, .1])
    path = _raster(tmp_path, "noise.tif", a)
    ring = shapely.Point(110.31, 21.185).buffer(0.008)
    holed = ring.difference(shapely.Point(110.311, 21.186).buffer(0.003))
    multi = shapely.MultiPolygon([shapely.box(110.301, 21.171, 110.3043, 21.1751),
                                  shapely.box(110.3157, 21.1901, 110.3199, 21.19933)])
    star = shapely.Polygon([(110.32 + 0.01 * np.cos(t) * (1 + (k % 2)), 21.18 + 0.01 * np.sin(t) * (1 + (k % 2)))
                            for k, t in enumerate(np.linspace(0, 2 * np.pi, 17)[:-1])])
    edge = shapely.box(110.295, 21.195, 110.305, 21.205)  # over the raster's corner
    villages = _villages(holed, multi, star, edge)
    ours = _cover(path, villages, engine="scanline")
    ref = _cover(path, villages, engine="exactextract")
    for col in ("observed_m2", "tree_m2", "shrub_m2", "green_m2"):
        assert np.allclose(ours[col], ref[col], rtol=1e-7, atol=1e-3), col


def test_a_raster_over_guangzhou_is_refused(tmp_path):
    a = np.full((100, 100), 10, dtype=np.uint8)
    path = _raster(tmp_path, "guangzhou.tif", a, transform=from_origin(113.20, 23.20, 0.001, 0.001))
    with pytest.raises(RasterRefused, match="与湛江市不重叠.*does not overlap Zhanjiang"):
        worker.call("inspect", _args=(path, "landcover", 2021), settings=get_settings())


def test_checks_name_the_problem(tmp_path):
    a = np.full((100, 100), 10, dtype=np.uint8)
    no_nodata = _raster(tmp_path, "nn.tif", a, nodata=None)
    with pytest.raises(RasterRefused, match="nodata.*--nodata"):
        worker.call("inspect", _args=(no_nodata, "landcover", 2021), settings=get_settings())
    info = worker.call("inspect", _args=(no_nodata, "landcover", 2021), nodata=0, settings=get_settings())
    assert info.nodata == 0 and info.crs == "EPSG:4326"
    no_crs = _raster(tmp_path, "nc.tif", a, crs=None)
    with pytest.raises(RasterRefused, match="坐标参考系.*no coordinate reference system"):
        worker.call("inspect", _args=(no_crs, "landcover", 2021), settings=get_settings())
    heights = _raster(tmp_path, "f.tif", a.astype(np.float32))
    with pytest.raises(RasterRefused, match="integer classes"):
        worker.call("inspect", _args=(heights, "landcover", 2021), settings=get_settings())
    with pytest.raises(RasterRefused, match="年份"):
        worker.call("inspect", _args=(no_nodata, "landcover", 1850), nodata=0, settings=get_settings())
    with override_settings(max_raster_pixels=5000), pytest.raises(RasterRefused, match="GREENING_MAX_RASTER_PIXELS"):
        worker.call("inspect", _args=(no_nodata, "landcover", 2021), nodata=0, settings=get_settings())
    text = tmp_path / "notes.tif"
    text.write_text("not a raster")
    with pytest.raises(RasterRefused, match="cannot be read as a raster"):
        worker.call("inspect", _args=(text, "landcover", 2021), settings=get_settings())


def test_parse_classes():
    assert parse_classes(None, "landcover") == {"tree": [10, 95], "shrub": [20]}
    assert parse_classes("tree=10,shrub=20+30", "landcover") == {"tree": [10], "shrub": [20, 30]}
    assert parse_classes("tree>=5", "canopy") == {"tree_min": 5.0}
    for bad, kind in (("trees=10", "landcover"), ("tree=ten", "landcover"), ("tree=10,shrub=10", "landcover"),
                      ("tree=1.5", "landcover"), ("shrub=2", "canopy")):
        with pytest.raises(RasterRefused):
            parse_classes(bad, kind)
