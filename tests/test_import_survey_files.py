"""Boundary files as land-survey offices deliver them (GBK shapefiles in CGCS2000 zone 37, written
with pyogrio): a village with a very large ring, a ring that crosses itself, villages whose town
is not in the database yet; on both backends."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from greening.actor import Actor
from greening.geodb import from_db, to_db
from greening.importers.boundaries import MAX_VERTICES, apply_boundary_import, plan_boundary_import
from greening.maps.geojson import geometry_features, simplify_coverage
from greening.models import AdminArea
from tests.fixtures import campaign

ADMIN = Actor.system("tests")
NEW1 = "440802001005"


@pytest.fixture
def area(db):
    return campaign.build(db)


def survey_shapefile(tmp_path, rows, stem="村级调查区"):
    """A GBK shapefile with CJQYDM/CJQYMC in EPSG:4546, as a land survey exports it; rows in WGS 84."""
    gdf = gpd.GeoDataFrame({"CJQYDM": [r[0] for r in rows], "CJQYMC": [r[1] for r in rows]},
                           geometry=[r[2] for r in rows], crs="EPSG:4326").to_crs("EPSG:4546")
    path = tmp_path / f"{stem}.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    return path


def big_ring(n: int, centre=(110.305, 21.225), radius=0.004) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(np.c_[centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)])


class TestLargeRing:
    def test_the_database_holds_a_500000_vertex_ring_whole(self, db, area):
        """SpatiaLite's WKT parser stored NULL for this ("Parser stack overflow"), silently."""
        ring = shapely.MultiPolygon([big_ring(500_000)])
        village = AdminArea(code=NEW1, level="village", name="大村", scope_prefix=NEW1, geom=to_db(ring))
        db.add(village)
        db.flush()
        stored = db.execute(select(func.ST_NPoints(AdminArea.geom)).where(AdminArea.code == NEW1)).scalar()
        assert stored == 500_001
        db.expire(village)
        assert shapely.equals_exact(from_db(village.geom), ring, tolerance=1e-12)

    def test_import_of_a_big_ring_stores_it_and_locates_points_there(self, db, area, tmp_path):
        path = survey_shapefile(tmp_path, [(NEW1, "大村", big_ring(500_000))])
        plan = plan_boundary_import(db, path)
        assert [i.action for i in plan.items] == ["add"]
        apply_boundary_import(db, ADMIN, plan)
        stored = db.execute(select(func.ST_NPoints(AdminArea.geom)).where(AdminArea.code == NEW1)).scalar()
        assert stored == shapely.get_num_coordinates(plan.items[0].geometry) and stored > 499_000
        from greening.services.plantings import locate_village
        assert locate_village(db, 110.305, 21.225).code == NEW1

    def test_a_ring_above_the_limit_is_refused_naming_it(self, db, area, tmp_path, monkeypatch):
        import greening.importers.boundaries as boundaries

        monkeypatch.setattr(boundaries, "MAX_VERTICES", 5_000)
        path = survey_shapefile(tmp_path, [(NEW1, "大村", big_ring(6_000))])
        plan = plan_boundary_import(db, path)
        (item,) = plan.items
        assert item.action == "refuse" and item.issues[0].code == "geometry_too_complex"
        assert "5,000" in item.reason_zh and "6,001" in item.reason_en
        assert MAX_VERTICES == 1_000_000

    def test_a_shape_the_database_did_not_keep_rolls_everything_back(self, db, area, tmp_path, monkeypatch):
        import greening.importers.boundaries as boundaries
        from greening.validation import ImportFileError

        plan = plan_boundary_import(db, survey_shapefile(tmp_path, [(NEW1, "新村", box(110.30, 21.22, 110.31, 21.23))]))
        monkeypatch.setattr(boundaries, "to_db", lambda geom: None)  # what SpatiaLite's parser did
        with pytest.raises(ImportFileError) as err:
            apply_boundary_import(db, ADMIN, plan)
        assert err.value.code == "geometry_not_stored" and NEW1 in err.value.zh and "NULL" in err.value.en
        assert db.scalar(select(AdminArea).where(AdminArea.code == NEW1)) is None


class TestOneBadGeometry:
    def test_simplify_keeps_going_past_a_missing_boundary(self):
        shapes = [box(0, 0, 1, 1), None, box(1, 0, 2, 1), shapely.Polygon()]
        out = simplify_coverage(shapes, 0.01)
        assert out[1] is None and out[3].is_empty and shapely.equals(out[0], shapes[0])

    def test_map_features_skip_the_village_without_a_boundary(self):
        frame = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, crs=4326,
                                 geometry=[box(110.30, 21.2, 110.31, 21.21), None, box(110.31, 21.2, 110.32, 21.21)])
        assert set(geometry_features(frame, "code", datum="gcj02")) == {"a", "c"}


class TestSelfIntersection:
    def test_crossed_ring_is_refused_saying_where_it_crosses(self, db, area, tmp_path):
        """Read from zone 37, a bowtie's loops almost cancel: the message was "changes the area by 1477773.18%"."""
        bowtie = Polygon([(110.30, 21.22), (110.31, 21.22), (110.30, 21.23), (110.31, 21.23)])
        plan = plan_boundary_import(db, survey_shapefile(tmp_path, [(NEW1, "交叉村", bowtie)]))
        (item,) = plan.items
        assert item.action == "refuse" and item.issues[0].code == "geometry_invalid"
        assert "自相交" in item.reason_zh and "crosses itself" in item.reason_en
        assert "110.305" in item.reason_en and "21.225" in item.reason_en
        assert "%" not in item.reason_zh and "%" not in item.reason_en
        assert "crosses" not in item.reason_zh and "自相交" not in item.reason_en  # each language on its own


class TestTownsFromVillages:
    """A village file whose town was not in the database was refused village by village."""

    ROWS = [("440802003001", "新一村", box(110.30, 21.22, 110.31, 21.23)),
            ("440802003002", "新二村", box(110.31, 21.22, 110.32, 21.23))]

    def file(self, tmp_path, town_field=True):
        gdf = gpd.GeoDataFrame({"CJQYDM": [r[0] for r in self.ROWS], "CJQYMC": [r[1] for r in self.ROWS]},
                               geometry=[r[2] for r in self.ROWS], crs="EPSG:4326")
        if town_field:
            gdf.insert(2, "XZMC", ["三镇", "三镇"])
        path = tmp_path / "村级调查区.shp"
        pyogrio.write_dataframe(gdf.to_crs("EPSG:4546"), path, encoding="GBK")
        return path

    def test_without_the_option_the_dry_run_names_the_missing_town(self, db, area, tmp_path):
        plan = plan_boundary_import(db, self.file(tmp_path))
        assert {i.code: i.action for i in plan.items} == {"440802003001": "refuse", "440802003002": "refuse"}
        assert plan.missing_towns == {"440802003000": ["440802003001", "440802003002"]}
        assert "--create-towns" in plan.items[0].reason_zh

    def test_towns_are_made_from_their_villages_dissolved(self, db, area, tmp_path):
        plan = plan_boundary_import(db, self.file(tmp_path), create_towns=True)
        actions = {i.code: (i.level, i.action) for i in plan.items}
        assert actions == {"440802003000": ("town", "add"), "440802003001": ("village", "add"),
                           "440802003002": ("village", "add")}
        town = next(i for i in plan.items if i.level == "town")
        assert town.name == "三镇" and town.features == [1, 2] and "town_from_villages" in [i.code for i in town.issues]
        union = shapely.union_all([r[2] for r in self.ROWS])
        assert shapely.symmetric_difference(town.geometry, union).area < 1e-9
        apply_boundary_import(db, ADMIN, plan)
        stored = db.scalars(select(AdminArea).where(AdminArea.code == "440802003000")).one()
        assert stored.level == "town" and stored.parent.code == "440802000000" and stored.scope_prefix == "440802003"
        village = db.scalars(select(AdminArea).where(AdminArea.code == "440802003001")).one()
        assert village.parent_id == stored.id

    def test_a_town_without_a_name_field_is_named_from_its_code(self, db, area, tmp_path):
        plan = plan_boundary_import(db, self.file(tmp_path, town_field=False), create_towns=True)
        town = next(i for i in plan.items if i.level == "town")
        assert town.name == "镇街440802003"
