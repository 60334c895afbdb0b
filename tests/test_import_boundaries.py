"""Boundary import (docs/reliability.md case 13, 17): the files land where they belong or are refused clearly;
real files are built in temporary folders with geopandas/pyogrio."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.affinity import scale, translate
from shapely.geometry import Polygon, box
from sqlalchemy import select

from greening.actor import Actor
from greening.geo.gcj02 import geometry_wgs84_to_gcj02
from greening.importers.boundaries import apply_boundary_import, normalise_code, plan_boundary_import
from greening.importers.boundary_files import read_boundary_file
from greening.models import AdminArea, AuditLog, Planting
from greening.models.enums import Role
from greening.permissions import PermissionDenied
from greening.services.plantings import PlantingInput, create_planting
from greening.validation import ImportFileError
from tests.fixtures import campaign

ADMIN = Actor.system("tests")
NEW1, NEW2 = "440802001005", "440802001006"
# Two new villages north of the fixture's grid (row 2), in town 440802001.
SQ1 = box(110.30, 21.22, 110.31, 21.23)
SQ2 = box(110.31, 21.22, 110.32, 21.23)


def frame(rows, code="CJQYDM", name="CJQYMC", crs="EPSG:4326"):
    return gpd.GeoDataFrame({code: [r[0] for r in rows], name: [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs="EPSG:4326").to_crs(crs)


def shapefile(tmp_path, gdf, stem="villages", encoding="UTF-8", cpg=True, prj=True):
    path = tmp_path / f"{stem}.shp"
    pyogrio.write_dataframe(gdf, path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def close(a, b, metres=0.5) -> bool:
    """Same shape within ``metres`` (a symmetric difference thinner than that)."""
    return shapely.symmetric_difference(a, b).area < metres * 1e-5 * max(a.length, b.length)


class TestCodes:
    @pytest.mark.parametrize("raw, code", [
        ("440802001001", "440802001001"), (440802001001, "440802001001"), (440802001001.0, "440802001001"),
        ("440802001", "440802001000"), ("4408020010010000000", "440802001001"), (" 440802001001 ", "440802001001"),
        (None, None), ("", None),
    ])
    def test_normalise_code(self, raw, code):
        assert normalise_code(raw) == code


class TestReading:
    def test_gbk_shapefile_without_cpg(self, tmp_path):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1), (NEW2, "麻斜村", SQ2)]), encoding="GBK", cpg=False)
        assert not path.with_suffix(".cpg").exists()
        layer = read_boundary_file(path)
        assert list(layer.frame["CJQYMC"]) == ["湖光村", "麻斜村"] and layer.encoding == "gb18030"

    def test_cpg_that_lies_is_overruled(self, tmp_path):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1)]), encoding="GBK", cpg=False)
        path.with_suffix(".cpg").write_text("UTF-8")
        assert list(read_boundary_file(path).frame["CJQYMC"]) == ["湖光村"]

    def test_zipped_shapefile_upload(self, tmp_path):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1)]))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                z.write(path.with_suffix(ext), "村界/" + path.with_suffix(ext).name)
        layer = read_boundary_file(buffer.getvalue(), filename="村界.zip")
        assert layer.frame["CJQYMC"].iloc[0] == "湖光村" and layer.crs_source == "file"

    def test_incomplete_shapefile(self, tmp_path):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1)]))
        path.with_suffix(".dbf").unlink()
        with pytest.raises(ImportFileError) as err:
            read_boundary_file(path)
        assert err.value.code == "shapefile_incomplete" and ".dbf" in err.value.zh

    @pytest.mark.parametrize("epsg", ["EPSG:4546", "EPSG:4525"])
    def test_zone_37_with_and_without_prefix(self, tmp_path, epsg):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1)], crs=epsg))
        layer = read_boundary_file(path)
        assert layer.crs == epsg and close(layer.frame.geometry.iloc[0], SQ1)

    @pytest.mark.parametrize("epsg", ["EPSG:4546", "EPSG:4525", "EPSG:4326"])
    def test_missing_prj_is_recognised(self, tmp_path, epsg):
        path = shapefile(tmp_path, frame([(NEW1, "湖光村", SQ1)], crs=epsg), prj=False)
        layer = read_boundary_file(path)
        assert layer.crs_source == "guessed" and layer.crs == epsg and close(layer.frame.geometry.iloc[0], SQ1)

    def test_mislabelled_zone_38_is_refused_naming_the_right_one(self, tmp_path):
        gdf = frame([(NEW1, "湖光村", SQ1)], crs="EPSG:4546").set_crs("EPSG:4526", allow_override=True)
        path = shapefile(tmp_path, gdf)
        with pytest.raises(ImportFileError) as err:
            read_boundary_file(path)
        assert err.value.code == "crs_mismatch" and "EPSG:4546" in err.value.zh and "EPSG:4526" in err.value.zh

    def test_user_crs_overrides_a_wrong_file(self, tmp_path):
        gdf = frame([(NEW1, "湖光村", SQ1)], crs="EPSG:4546").set_crs("EPSG:4526", allow_override=True)
        layer = read_boundary_file(shapefile(tmp_path, gdf), crs="EPSG:4546")
        assert layer.crs_source == "user" and close(layer.frame.geometry.iloc[0], SQ1)

    def test_gcj02_geojson_is_converted(self, tmp_path):
        shifted = geometry_wgs84_to_gcj02(SQ1)
        path = tmp_path / "amap.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": NEW1, "name": "湖光村"},
             "geometry": shapely.geometry.mapping(shifted)}]}), encoding="utf-8")
        layer = read_boundary_file(path, crs="gcj02")
        assert layer.crs == "GCJ-02" and close(layer.frame.geometry.iloc[0], SQ1, metres=0.01)

    def test_points_are_not_boundaries(self, tmp_path):
        gdf = gpd.GeoDataFrame({"code": [NEW1], "name": ["x"]}, geometry=[shapely.Point(110.3, 21.2)], crs=4326)
        path = tmp_path / "points.gpkg"
        pyogrio.write_dataframe(gdf, path)
        with pytest.raises(ImportFileError) as err:
            read_boundary_file(path)
        assert err.value.code == "not_polygons"


@pytest.fixture
def area(db):
    return campaign.build(db)


def plan_of(db, tmp_path, rows, **kw):
    path = tmp_path / "v.gpkg"
    pyogrio.write_dataframe(frame(rows), path)
    return plan_boundary_import(db, path, **kw)


def actions(plan):
    return {i.code: i.action for i in plan.items}


class TestPlan:
    def test_new_villages_are_added(self, db, area, tmp_path):
        plan = plan_of(db, tmp_path, [(NEW1, "湖光村", SQ1), (NEW2, "麻斜村", SQ2)])
        assert actions(plan) == {NEW1: "add", NEW2: "add"} and plan.code_field == "CJQYDM"
        assert abs(plan.items[0].area_m2 - 1.149e6) < 0.01e6  # 1.038 km x 1.107 km
        assert db.scalar(select(AdminArea).where(AdminArea.code == NEW1)) is None  # dry run

    def test_features_of_one_code_are_dissolved(self, db, area, tmp_path):
        plan = plan_of(db, tmp_path, [(NEW1, "湖光村", SQ1), (NEW1, "湖光村", SQ2)])
        (item,) = plan.items
        assert item.features == [1, 2] and item.geometry.geom_type == "MultiPolygon"
        assert shapely.equals(shapely.union_all([SQ1, SQ2]), item.geometry)
        assert "parts_dissolved" in [i.code for i in item.issues]

    def test_small_self_intersection_is_repaired(self, db, area, tmp_path):
        unit = Polygon([(0, 0), (1, 0), (1, 1), (0, 1), (0.01, -0.01)])  # a tiny loop below the base
        assert not unit.is_valid
        bowtie = translate(scale(unit, 0.01, 0.01, origin=(0, 0)), 110.30, 21.22)
        plan = plan_of(db, tmp_path, [(NEW1, "湖光村", bowtie)])
        (item,) = plan.items
        assert item.action == "add" and item.geometry.is_valid
        assert "geometry_repaired" in [i.code for i in item.issues]

    def test_bad_self_intersection_is_refused_with_the_reason(self, db, area, tmp_path):
        unit = Polygon([(0, 0), (1, 0), (0, 1), (1, 1)])  # a symmetric bowtie: its loops cancel out
        bowtie = translate(scale(unit, 0.01, 0.01, origin=(0, 0)), 110.30, 21.22)
        plan = plan_of(db, tmp_path, [(NEW1, "湖光村", bowtie), (NEW2, "麻斜村", SQ2)])
        assert actions(plan) == {NEW1: "refuse", NEW2: "add"}
        item = plan.refused[0]
        assert item.issues[0].code == "geometry_invalid" and "Self-intersection" in item.reason_en

    @pytest.mark.parametrize("code, reason", [
        ("4408020010", "code_bad_format"), ("440899001001", "code_not_zhanjiang"),
        ("440802003001", "town_missing"), ("", "code_missing"), ("440802000000", "code_wrong_level"),
    ])
    def test_code_hierarchy(self, db, area, tmp_path, code, reason):
        plan = plan_of(db, tmp_path, [(code, "某村", SQ1)])
        assert [i.action for i in plan.items] == ["refuse"]
        assert reason in [i.code for i in plan.items[0].issues]

    def test_town_in_the_same_file(self, db, area, tmp_path):
        rows = [("440802003000", "新镇", shapely.union_all([SQ1, SQ2])), ("440802003001", "新村", SQ1)]
        plan = plan_of(db, tmp_path, rows)
        assert actions(plan) == {"440802003000": "add", "440802003001": "add"}
        assert actions(plan_of(db, tmp_path, rows, level="town"))["440802003001"] == "refuse"
        assert actions(plan_of(db, tmp_path, rows, level="village"))["440802003000"] == "refuse"

    def test_user_field_mapping_and_geojson(self, db, area, tmp_path):
        path = tmp_path / "v.geojson"
        pyogrio.write_dataframe(frame([(NEW1, "湖光村", SQ1)], code="MYCODE", name="MYNAME"), path)
        with pytest.raises(ImportFileError) as err:
            plan_boundary_import(db, path)
        assert err.value.code == "no_code_field" and "MYCODE" in err.value.zh
        plan = plan_boundary_import(db, path, code_field="mycode", name_field="MYNAME")
        assert actions(plan) == {NEW1: "add"}


class TestApply:
    def test_apply_adds_changes_retires_and_reassigns_plantings(self, db, area, tmp_path):
        a, b = "440802001001", "440802001002"
        area["villages"][b].is_demo = True
        db.flush()
        lon, lat = campaign.centre(a)
        p, _ = create_planting(db, ADMIN, PlantingInput("p-1", a, dt.date(2024, 3, 12), "榕树", 5, "路旁", lon, lat))
        west = box(110.300, 21.20, 110.304, 21.21)  # 甲村 shrinks to its western part
        east = box(110.304, 21.20, 110.310, 21.21)  # the rest becomes a new village
        plan = plan_of(db, tmp_path, [(a, "甲村", west), (NEW1, "湖光村", east)])
        assert actions(plan) == {a: "change", NEW1: "add", b: "retire"}
        assert plan.plantings.moved == 1
        result = apply_boundary_import(db, ADMIN, plan)
        assert (result.added, result.changed, result.retired, result.plantings.moved) == (1, 1, 1, 1)
        db.expire_all()
        moved = db.get(Planting, p.id)
        assert moved.village_code == NEW1 and moved.claimed_village_code == a
        assert moved.flags == ["outside_claimed_village"] and moved.version == 2
        new = db.scalars(select(AdminArea).where(AdminArea.code == NEW1)).one()
        assert new.parent.code == "440802001000" and new.source == "v.gpkg" and new.scope_prefix == NEW1
        assert db.scalars(select(AdminArea).where(AdminArea.code == b)).one().deleted_at is not None
        note = db.scalars(select(AuditLog).where(AuditLog.table_name == "admin_areas",
                                                 AuditLog.action == "import")).one()
        assert note.after["add"] == 1 and note.after["plantings_moved"] == 1

    def test_refusals_block_apply_unless_accepted(self, db, area, tmp_path):
        plan = plan_of(db, tmp_path, [("440899001001", "外村", SQ1), (NEW2, "麻斜村", SQ2)])
        with pytest.raises(ImportFileError) as err:
            apply_boundary_import(db, ADMIN, plan)
        assert err.value.code == "features_refused"
        assert db.scalar(select(AdminArea).where(AdminArea.code == NEW2)) is None
        apply_boundary_import(db, ADMIN, plan, accept_valid=True)
        assert db.scalar(select(AdminArea).where(AdminArea.code == NEW2)) is not None

    def test_only_admins_import_boundaries(self, db, area, tmp_path):
        plan = plan_of(db, tmp_path, [(NEW1, "湖光村", SQ1)])
        lead = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix="440802")
        with pytest.raises(PermissionDenied):
            apply_boundary_import(db, lead, plan)

    def test_reimport_is_unchanged(self, db, area, tmp_path):
        rows = [(NEW1, "湖光村", SQ1)]
        apply_boundary_import(db, ADMIN, plan_of(db, tmp_path, rows))
        assert actions(plan_of(db, tmp_path, rows)) == {NEW1: "unchanged"}
