"""Model round trips on both backends, soft deletes, versions and the audit trail."""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import MultiPolygon, Point, Polygon
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from greening.audit import MissingActor
from greening.geodb import from_db, read_gdf, to_db, wkb_column
from greening.models import AdminArea, AuditLog, CareCheck, GreeningTeam, Planting, Species
from greening.permissions import install_scope

SQUARE = MultiPolygon([Polygon([(110.30, 21.20), (110.31, 21.20), (110.31, 21.21), (110.30, 21.21)])])


def make_village(db, code="440802001001", name="测试村"):
    v = AdminArea(code=code, level="village", name=name, scope_prefix=code, geom=to_db(SQUARE),
                  area_m2=1.0e6, source="test", source_crs="EPSG:4326")
    db.add(v)
    db.flush()
    return v


def make_planting(db, village, species, sub="sub-1", count=10):
    p = Planting(submission_id=sub, village_id=village.id, village_code=village.code,
                 claimed_village_id=village.id, claimed_village_code=village.code,
                 planted_on=dt.date(2024, 3, 12), species_id=species.id, tree_count=count,
                 site_type="road_side", lon=110.305, lat=21.205,
                 location=to_db(Point(110.305, 21.205)))
    db.add(p)
    db.flush()
    return p


class TestRoundTrip:
    def test_area_geometry_round_trip(self, db):
        v = make_village(db)
        db.expire_all()
        got = db.get(AdminArea, v.id)
        assert from_db(got.geom).equals(SQUARE)
        gdf = read_gdf(db.connection(), select(AdminArea.code, wkb_column(AdminArea.geom)).where(AdminArea.id == v.id))
        assert gdf.crs.to_epsg() == 4326
        assert gdf.geometry.iloc[0].equals(SQUARE)

    def test_planting_with_team_species_and_check(self, db):
        v = make_village(db)
        sp = Species(name_zh="小叶榄仁", name_latin="Terminalia neotaliala", category="tree")
        db.add(sp)
        team = GreeningTeam(village_id=v.id, village_code=v.code, name="测试村党员护绿队", members=12, party_members=7)
        db.add(team)
        db.flush()
        p = make_planting(db, v, sp)
        db.add(CareCheck(planting_id=p.id, village_code=v.code, kind="survival", checked_on=dt.date(2024, 6, 1), alive_count=9))
        db.flush()
        db.expire_all()
        got = db.scalars(select(Planting).where(Planting.submission_id == "sub-1")).one()
        assert got.species.name_zh == "小叶榄仁"
        assert from_db(got.location).equals(Point(110.305, 21.205))
        assert got.checks[0].alive_count == 9
        assert got.flags == []

    def test_spatial_query_in_database(self, db):
        v = make_village(db)
        sp = Species(name_zh="木棉", category="tree")
        db.add(sp)
        db.flush()
        make_planting(db, v, sp)
        from sqlalchemy import func
        n = db.scalar(select(func.count()).select_from(Planting).join(
            AdminArea, func.ST_Contains(AdminArea.geom, Planting.location)).where(AdminArea.id == v.id))
        assert n == 1

    def test_submission_id_is_unique(self, db):
        v = make_village(db)
        sp = Species(name_zh="榕树", category="tree")
        db.add(sp)
        db.flush()
        make_planting(db, v, sp, sub="dup")
        with pytest.raises(IntegrityError), db.begin_nested():
            make_planting(db, v, sp, sub="dup")

    def test_tree_count_must_be_positive(self, db):
        v = make_village(db)
        sp = Species(name_zh="龙眼", category="fruit")
        db.add(sp)
        db.flush()
        with pytest.raises(IntegrityError), db.begin_nested():
            make_planting(db, v, sp, sub="zero", count=0)


class TestAudit:
    def test_create_update_soft_delete_are_audited(self, db):
        v = make_village(db)
        v.name = "改名村"
        db.flush()
        v.deleted_at = dt.datetime.now(dt.UTC)
        db.flush()
        db.flush()  # the audit rows themselves
        rows = db.scalars(select(AuditLog).where(AuditLog.table_name == "admin_areas",
                                                 AuditLog.record_id == str(v.id)).order_by(AuditLog.id)).all()
        assert [r.action for r in rows] == ["create", "update", "delete"]
        assert rows[1].before["name"] == "测试村" and rows[1].after["name"] == "改名村"
        assert rows[0].username == "system:tests"

    def test_hard_delete_is_refused(self, db):
        v = make_village(db)
        db.delete(v)
        with pytest.raises(MissingActor):
            db.flush()
        db.rollback()

    def test_writing_without_actor_is_impossible(self, engine):
        with Session(engine) as s:
            s.add(Species(name_zh="无主", category="tree"))
            with pytest.raises(MissingActor):
                s.flush()
            s.rollback()

    def test_stale_edit_is_detected(self, fresh_engine, system_actor):
        from greening.db import session_scope
        with session_scope(fresh_engine) as s:
            install_scope(s, system_actor)
            s.add(Species(name_zh="芒果", category="fruit"))
        b = Session(fresh_engine, expire_on_commit=False)
        install_scope(b, system_actor)
        stale = b.scalars(select(Species)).one()
        b.commit()  # ends the read; `stale` keeps version 1
        with session_scope(fresh_engine) as a:
            install_scope(a, system_actor)
            a.scalars(select(Species)).one().name_latin = "Mangifera indica"
        stale.name_latin = "wrong"
        with pytest.raises(StaleDataError):
            b.commit()
        b.close()


class TestAuditFailedFlush:
    def test_failed_flush_leaves_no_phantom_audit_rows(self, db):
        sp = Species(name_zh="沉香", category="tree")
        db.add(sp)
        db.flush()
        before = db.scalar(select(func.count()).select_from(AuditLog))
        with pytest.raises(IntegrityError), db.begin_nested():
            db.add(Species(name_zh="沉香", category="tree"))  # duplicate name: flush fails
            db.flush()
        db.add(Species(name_zh="荔枝", category="fruit"))
        db.flush()
        db.flush()
        rows = db.scalars(select(AuditLog).where(AuditLog.id > 0).order_by(AuditLog.id)).all()[before:]
        assert [r.after["name_zh"] for r in rows] == ["荔枝"]
