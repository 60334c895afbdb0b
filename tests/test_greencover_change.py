"""Two years of rasters: change per village, the "reported plantings not visible" flag among the
lagging reasons and first in the spot-check draw, the two computed rules, area-weighted
roll-ups, the planting-block figure, and the import service (both databases)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from rasterio.transform import from_origin
from sqlalchemy import func, select

from greening.config import get_settings, override_settings
from greening.coverage import compute_coverage
from greening.coverage.samples import AS_OF, V1, V2, V3, V4, V5, V6, sample_inputs, sample_villages
from greening.greencover import worker
from greening.greencover.blocks import union_areas
from greening.greencover.change import CoverLayers, cover_columns
from greening.greencover.rasters import RasterRefused
from greening.models import AuditLog, RasterLayer, VillageGreenCover


def _rows(shares: dict[str, float], observed: dict[str, float] | None = None, area=1e6):
    """Cover rows of villages with green ``shares`` of their observed part (1 km² each)."""
    observed = observed or {}
    return pd.DataFrame([{"village_code": c, "area_m2": area, "observed_m2": area * observed.get(c, 1.0),
                          "tree_m2": area * observed.get(c, 1.0) * g, "shrub_m2": 0.0,
                          "green_m2": area * observed.get(c, 1.0) * g} for c, g in shares.items()])


def _with_years(cur: dict, prev: dict, observed=None, trees=None):
    codes = pd.Index(sorted(sample_villages()["code"]))
    c = _rows(cur, observed).assign(year=2024, layer_id=2)
    p = _rows(prev).assign(year=2023, layer_id=1)
    return cover_columns(codes, c, p, None, pd.Series(trees or {}, dtype=float))


def test_two_years_give_the_change_and_the_flag():
    # 1 km² each: V1 9 trees/ha and +2 pp, V2 8 trees/ha and no gain, V4 1 tree/ha
    green = _with_years({V1: 0.30, V2: 0.20, V3: 0.40, V4: 0.25, V5: 0.10, V6: 0.50},
                        {V1: 0.28, V2: 0.20, V3: 0.30, V4: 0.25, V5: 0.10, V6: 0.45},
                        observed={V5: 0.5}, trees={V1: 900, V2: 800, V4: 100})
    with override_settings(cover_flag_trees_per_ha=5.0, cover_flag_min_gain_pp=1.0, cover_max_missing=0.2):
        inputs = sample_inputs(green_cover=green, cover_layers=CoverLayers({}, None, None))
        r = compute_coverage(inputs, [], get_settings(), AS_OF)
    v = r.villages.set_index("code")
    assert 100 * v.loc[V1, "green_change"] == pytest.approx(2.0)
    assert 100 * v.loc[V3, "green_change"] == pytest.approx(10.0)
    assert pd.isna(v.loc[V5, "green_change"])  # half of V5 missing in 2024: not judged
    assert v.loc[V5, "cover_missing"] == pytest.approx(0.5)
    assert v.loc[V5, "green_cover"] == pytest.approx(0.10)  # shown over the observed half
    per_ha = v["trees_since_prev_per_ha"]
    assert per_ha[V2] > 5 and per_ha[V4] < 5
    assert list(v.index[v["not_visible"].fillna(False).astype(bool)]) == [V2]  # V1 gained 2 pp
    lag = r.lagging.set_index("code")
    assert "not_visible" in lag.loc[V2, "reasons"]
    zh = dict((c, z) for c, z, _ in lag.loc[V2, "reason_list"])["not_visible"]
    assert "上报植树未见成效" in zh and "+0.0" in zh


def test_rollups_are_weighted_by_area():
    codes = pd.Index(sorted(sample_villages()["code"]))
    cur = pd.DataFrame({"village_code": [V1, V2], "area_m2": [1e6, 3e6], "observed_m2": [1e6, 3e6],
                        "tree_m2": [5e5, 3e5], "shrub_m2": [0.0, 0.0], "green_m2": [5e5, 3e5],
                        "year": 2024, "layer_id": 2})
    green = cover_columns(codes, cur, None)
    r = compute_coverage(sample_inputs(green_cover=green), [], get_settings(), AS_OF)
    town = r.towns.set_index("code").loc["440823101000"]
    assert town["green_cover"] == pytest.approx(0.8e6 / 4e6)  # not the mean of 50 % and 10 %


def test_rule_parameters_are_checked():
    from greening.coverage.rules import check_params

    assert check_params("green_cover_at_least", {"pct": 250})
    assert not check_params("green_cover_gain_at_least", {"pp": 0.5})


def test_block_union_counts_overlaps_once_and_clips_to_the_village():
    villages = sample_villages([V1])
    b1 = shapely.box(110.000, 21.000, 110.005, 21.005)
    b2 = shapely.box(110.0025, 21.000, 110.0075, 21.005)  # overlaps b1 by half
    b3 = shapely.box(110.009, 21.000, 110.011, 21.005)  # half outside V1
    blocks = pd.DataFrame({"village_code": [V1, V1, V1]})
    import geopandas as gpd

    out = union_areas(villages, gpd.GeoDataFrame(blocks, geometry=[b1, b2, b3], crs=4326))
    from greening.geo.crs import area_m2

    expected = area_m2(shapely.box(110.000, 21.000, 110.0075, 21.005)) + area_m2(shapely.box(110.009, 21.0, 110.01, 21.005))
    assert out[V1] == pytest.approx(expected, rel=1e-6)


# -- through the database ----------------------------------------------------------------------

def _grid_array(share_west: float) -> np.ndarray:
    """Tree (10) in the west ``share_west`` of each 0.01° column of villages, else cropland (40)."""
    res = 0.0005
    w, h = int(0.08 / res), int(0.05 / res)
    cols = np.arange(w)
    frac = (cols % 20 + 0.5) / 20
    row = np.where(frac < share_west, 10, 40).astype(np.uint8)
    return np.tile(row, (h, 1))


def _grid(tmp_path, name, share_west: float):
    """A land-cover raster over the sample villages: tree in the west ``share_west`` of each
    0.01° column of villages (so every village's share is ``share_west``)."""
    res = 0.0005
    a = _grid_array(share_west)
    path = tmp_path / name
    worker.call("write", _args=(path, a), crs="EPSG:4326", transform=from_origin(109.99, 21.03, res, res), nodata=0,
                tags={"name": name})
    return path


@pytest.fixture
def stored(db, tmp_path):
    from tests.test_coverage_db import store

    store(db, sample_inputs())
    with override_settings(data_dir=tmp_path, extra={**get_settings().extra, "overlay_dir": str(tmp_path / "overlays")}):
        yield db, tmp_path


def test_import_two_years_and_read_the_change(stored, system_actor):
    from greening.coverage import coverage_for
    from greening.greencover.layers import import_raster, layers_frame

    db, tmp = stored
    l1 = import_raster(db, system_actor, _grid(tmp, "a.tif", 0.30), kind="landcover", year=2023, source="test A")
    l2 = import_raster(db, system_actor, _grid(tmp, "b.tif", 0.40), kind="landcover", year=2024, source="test B")
    assert l1.villages_computed == 6 and (tmp / "rasters" / l2.stored_name).exists()
    assert (tmp / "overlays" / l2.overlay_name).exists()
    frame = layers_frame(db.connection())
    assert frame["year"].tolist() == [2024, 2023] and frame.loc[0, "sha256"] == l2.sha256
    assert db.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.table_name == "raster_layers", AuditLog.action == "create")) == 2
    with override_settings(cover_flag_trees_per_ha=0.5, cover_flag_min_gain_pp=20.0):
        r = coverage_for(db.connection(), system_actor, AS_OF)
    v = r.villages.set_index("code")
    assert v.loc[V1, "green_cover"] == pytest.approx(0.40, abs=0.002)
    assert 100 * v.loc[V1, "green_change"] == pytest.approx(10.0, abs=0.3)
    assert v.loc[V1, "gc_year"] == 2024 and v.loc[V1, "gc_prev_year"] == 2023
    # V1 reported 90 trees this year on ~115 ha, more than 0.5/ha, and gained < 20 pp: flagged
    assert bool(v.loc[V1, "not_visible"]) and not bool(v.loc[V5, "not_visible"])
    assert r.cover_layers.get(l2.id)["source"] == "test B"
    # the same file again is refused, naming the layer
    with pytest.raises(RasterRefused, match=f"#{l2.id}"):
        import_raster(db, system_actor, tmp / "b.tif", kind="landcover", year=2024)


def test_refused_import_writes_nothing(stored, system_actor):
    from greening.greencover.layers import import_raster

    db, tmp = stored
    a = np.full((50, 50), 10, dtype=np.uint8)
    path = tmp / "gz.tif"
    worker.call("write", _args=(path, a), crs="EPSG:4326", transform=from_origin(113.2, 23.2, 0.001, 0.001), nodata=0)
    with pytest.raises(RasterRefused, match="Zhanjiang"):
        import_raster(db, system_actor, path, kind="landcover", year=2021)
    assert db.scalar(select(func.count()).select_from(RasterLayer)) == 0
    assert db.scalar(select(func.count()).select_from(VillageGreenCover)) == 0
    assert not (tmp / "rasters").exists() or not list((tmp / "rasters").iterdir())
    assert not (tmp / "overlays").exists() or not list((tmp / "overlays").iterdir())


def test_only_an_administrator_imports(stored):
    from greening.actor import Actor
    from greening.greencover.layers import import_raster
    from greening.models.enums import Role
    from greening.permissions import PermissionDenied

    db, tmp = stored
    city = Actor(user_id=5, username="city", role=Role.CITY, scope_prefix="4408")
    with pytest.raises(PermissionDenied):
        import_raster(db, city, tmp / "x.tif", kind="landcover", year=2024)


def test_spot_check_puts_flagged_villages_first(stored, system_actor):
    from greening.greencover.layers import import_raster
    from greening.services.review import spot_check

    db, tmp = stored
    import_raster(db, system_actor, _grid(tmp, "a.tif", 0.30), kind="landcover", year=2023)
    import_raster(db, system_actor, _grid(tmp, "b.tif", 0.30), kind="landcover", year=2024)
    with override_settings(cover_flag_trees_per_ha=0.5, cover_flag_min_gain_pp=1.0, as_of=str(AS_OF)):
        picks = spot_check(db, system_actor, period="2024", seed=1, share=0.01)
    assert picks.loc[0, "village_code"] == V1 and bool(picks.loc[0, "priority"])
    assert "上报植树未见成效" in picks.loc[0, "priority_reason"]
    assert not picks.loc[picks["village_code"] == V6, "priority"].any()


def test_a_county_canopy_mask_does_not_become_the_change_baseline(stored, system_actor):
    """A county's own 0/1 canopy mask of 2024 gives the current figure; the change still compares
    the two land-cover years (against the 2023 land cover the mask would "gain" 60 pp, the
    difference of the products), and the flag follows the land-cover change."""
    from greening.coverage import coverage_for
    from greening.greencover.layers import import_raster

    db, tmp = stored
    import_raster(db, system_actor, _grid(tmp, "a.tif", 0.30), kind="landcover", year=2023, source="LC 2023")
    lc = import_raster(db, system_actor, _grid(tmp, "b.tif", 0.40), kind="landcover", year=2024, source="LC 2024")
    mask = np.where(_grid_array(0.90) == 10, 1, 0).astype(np.uint8)
    path = tmp / "county_mask.tif"
    worker.call("write", _args=(path, mask), crs="EPSG:4326", transform=from_origin(109.99, 21.03, 0.0005, 0.0005),
                nodata=255)
    canopy = import_raster(db, system_actor, path, kind="canopy", year=2024, source="county mask 2024")
    with override_settings(cover_flag_trees_per_ha=0.5, cover_flag_min_gain_pp=20.0):
        r = coverage_for(db.connection(), system_actor, AS_OF)
    v = r.villages.set_index("code")
    assert v.loc[V1, "green_cover"] == pytest.approx(0.90, abs=0.002)
    assert 100 * v.loc[V1, "green_change"] == pytest.approx(10.0, abs=0.3)
    assert bool(v.loc[V1, "not_visible"])
    assert v.loc[V1, "gc_layer_id"] == canopy.id and v.loc[V1, "gc_pair_layer_id"] == lc.id


def test_an_import_reports_its_progress(stored, system_actor):
    """A large raster takes a while: the import says which stage it is in, and how far the village
    part got, in order, in Chinese and English (what the command line prints)."""
    import io

    from greening.commands.greencover import progress_printer
    from greening.greencover.layers import import_raster

    db, tmp = stored
    heard: list[tuple[str, float]] = []
    printed = io.StringIO()
    line = progress_printer(printed)

    def both(stage, fraction):
        heard.append((stage, fraction))
        line(stage, fraction)

    import_raster(db, system_actor, _grid(tmp, "a.tif", 0.30), kind="landcover", year=2023, progress=both)
    stages = list(dict.fromkeys(stage for stage, _ in heard))
    assert stages == ["checksum", "check", "overlay", "villages", "store"]
    villages = [f for stage, f in heard if stage == "villages"]
    assert villages == sorted(villages) and villages[-1] == 1.0
    text = printed.getvalue()
    assert "导入中：计算各村绿化覆盖率（100 %）" in text and "Importing: checking the file" in text


def test_two_tiles_of_one_year_make_one_map(stored, system_actor):
    """Zhanjiang needs two WorldCover tiles (N21E108 and N18E108, meeting at 21°N). A village
    across the edge is observed whole from the two tiles together, not half missing on each (and
    so not judged); two overlapping rasters of one year are alternatives, never summed."""
    from greening.coverage import coverage_for
    from greening.greencover.layers import import_raster

    db, tmp = stored
    a = _grid_array(0.40)  # 100 rows from 21.03 down to 20.98; row 50 is at 21.005, across V1
    north, south = tmp / "N.tif", tmp / "S.tif"
    worker.call("write", _args=(north, a[:50]), crs="EPSG:4326", transform=from_origin(109.99, 21.03, 0.0005, 0.0005),
                nodata=0)
    worker.call("write", _args=(south, a[50:]), crs="EPSG:4326", transform=from_origin(109.99, 21.005, 0.0005, 0.0005),
                nodata=0)
    n = import_raster(db, system_actor, north, kind="landcover", year=2024, source="tile N")
    s = import_raster(db, system_actor, south, kind="landcover", year=2024, source="tile S")
    r = coverage_for(db.connection(), system_actor, AS_OF)
    v = r.villages.set_index("code")
    assert v.loc[V1, "cover_missing"] == pytest.approx(0.0, abs=1e-6)
    assert v.loc[V1, "green_cover_judged"] == pytest.approx(0.40, abs=0.002)
    assert v.loc[V1, "gc_layer_id"] in (n.id, s.id)
    # an overlapping raster of the same year (another product) is not added to them
    import_raster(db, system_actor, _grid(tmp, "other.tif", 0.10), kind="landcover", year=2024, source="other")
    v = coverage_for(db.connection(), system_actor, AS_OF).villages.set_index("code")
    assert v.loc[V1, "green_cover"] == pytest.approx(0.10, abs=0.002)
    assert v.loc[V1, "cover_missing"] == pytest.approx(0.0, abs=1e-6)


def test_a_removed_layer_can_be_imported_again_and_keeps_its_file(stored, system_actor):
    """An administrator removes a layer by mistake and uploads the same file again: it imports as
    a new layer (it failed on the unique stored name, and the failure's clean-up deleted the
    removed layer's file, which is kept for the record)."""
    from greening.greencover.layers import import_raster, layers_frame, remove_layer

    db, tmp = stored
    path = _grid(tmp, "a.tif", 0.30)
    first = import_raster(db, system_actor, path, kind="landcover", year=2023)
    remove_layer(db, system_actor, first.id)
    again = import_raster(db, system_actor, path, kind="landcover", year=2023)
    db.flush()
    assert again.id != first.id and again.stored_name != first.stored_name
    assert (tmp / "rasters" / first.stored_name).exists() and (tmp / "rasters" / again.stored_name).exists()
    assert (tmp / "overlays" / again.overlay_name).exists()
    assert layers_frame(db.connection())["id"].tolist() == [again.id]
