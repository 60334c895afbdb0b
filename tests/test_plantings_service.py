"""Writing plantings and care checks: validation at the edge, villages found by location,
idempotent submissions, optimistic edits and soft deletes (both backends)."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from greening.actor import Actor
from greening.coverage.join import village_index
from greening.geo.gcj02 import wgs84_to_gcj02
from greening.geodb import to_db
from greening.models import AdminArea, AuditLog, Planting
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services.care import record_check
from greening.services.plantings import (
    OUTSIDE_FLAG,
    PlantingError,
    PlantingInput,
    SubmissionConflict,
    VersionConflict,
    create_planting,
    delete_planting,
    locate_village,
    nearest_village,
    recent_plantings,
    update_planting,
)
from tests.fixtures import campaign

DAY = dt.date(2024, 3, 12)
A, B, C = "440802001001", "440802001002", "440802002001"


@pytest.fixture
def area(db):
    return campaign.build(db)


def team(code=A) -> Actor:
    return Actor(user_id=None, username=f"team-{code}", role=Role.TEAM, scope_prefix=code)


def planting(sub="s-1", code=A, point=None, **kw) -> PlantingInput:
    lon, lat = point or campaign.centre(code)
    base = dict(submission_id=sub, village_code=code, planted_on=DAY, species="榕树", tree_count=12,
                site_type="路旁", lon=lon, lat=lat)
    base.update(kw)
    return PlantingInput(**base)


class TestLocate:
    def test_point_in_village(self, db, area):
        hit = locate_village(db, *campaign.centre(B))
        assert hit.code == B and hit.name == "乙村" and hit.village_id == area["villages"][B].id

    def test_point_in_sea(self, db, area):
        assert locate_village(db, *campaign.SEA) is None
        near, metres = nearest_village(db, *campaign.SEA)
        assert near.code in campaign.VILLAGES and metres > 1000

    def test_border_point_goes_to_lowest_code(self, db, area):
        x = campaign.X0 + campaign.SIZE  # the shared edge of 甲村 and 乙村
        assert locate_village(db, x, campaign.Y0 + 0.005).code == A



@pytest.fixture(scope="module")
def demo_county():
    """The demo's villages of 赤坎区 (Voronoi cells clipped to the coast, default demo seed)."""
    from greening.demo.geography import generate_geography

    g = generate_geography(20240601)
    return g[(g["level"] == "village") & g["code"].str.startswith("440802")].sort_values("code")


class TestOneBorderRule:
    """The form's lookup (spatial-index candidates read in the writer's transaction) and the bulk
    index of the importers and the coverage join give the same village for every point."""

    def test_form_and_bulk_lookups_agree_with_the_rule(self, db, demo_county):
        for code, name, geom in zip(demo_county["code"], demo_county["name"], demo_county.geometry, strict=False):
            db.add(AdminArea(code=code, level="village", name=name, scope_prefix=code, geom=to_db(geom)))
        db.flush()
        rings = shapely.get_rings(shapely.get_parts(demo_county.geometry.to_numpy()))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        same = np.flatnonzero(ring[1:] == ring[:-1])
        vertices = np.unique(xy, axis=0)
        midpoints = (xy[same] + xy[same + 1]) / 2  # on shared borders and on the coast
        x0, y0, x1, y1 = shapely.total_bounds(demo_county.geometry.to_numpy())
        rng = np.random.default_rng(11)
        randoms = np.column_stack([rng.uniform(x0 - 0.02, x1 + 0.02, 2500),
                                   rng.uniform(y0 - 0.02, y1 + 0.02, 2500)])
        outside = np.array([[x0 - 0.05, y0], [x1 + 0.05, y1], [(x0 + x1) / 2, y1 + 0.05]])
        pts = np.concatenate([vertices, midpoints, randoms, outside])
        x, y = pts[:, 0], pts[:, 1]

        # the rule itself, by brute force: the lowest code whose closed polygon holds the point
        codes = demo_county["code"].to_numpy()
        holds = np.array([shapely.intersects_xy(g, x, y) for g in demo_county.geometry])
        expected = [codes[h.argmax()] if h.any() else None for h in holds.T]
        assert (holds[:, :len(vertices)].sum(axis=0) >= 3).sum() > 20  # three-village vertices
        assert (holds.sum(axis=0) >= 2).sum() > 100 and expected.count(None) > 100

        index = village_index(db.connection())
        assert list(index.locate_many(x, y)) == expected
        grid = index.positions(x, y, use_grid=True)
        assert [index.codes[p] if p >= 0 else None for p in grid] == expected
        form = [locate_village(db, float(a), float(b)) for a, b in pts]
        assert [hit.code if hit else None for hit in form] == expected
        names = dict(zip(demo_county["code"], demo_county["name"], strict=False))
        assert all(hit.name == names[hit.code] for hit in form if hit)


class TestCreate:
    def test_created_with_village_hash_and_audit(self, db, area):
        p, created = create_planting(db, Actor.system("t"), planting())
        assert created and p.id and p.village_code == A and p.claimed_village_code == A
        assert p.flags == [] and len(p.content_hash) == 64 and p.source == "form"
        assert p.site_type == "road_side" and p.species.name_zh == "榕树"
        db.flush()
        assert db.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.table_name == "plantings", AuditLog.record_id == str(p.id), AuditLog.action == "create")) == 1

    def test_replay_returns_the_stored_record(self, db, area):
        first, created = create_planting(db, team(), planting())
        again, created_again = create_planting(db, team(), planting())
        assert created and not created_again and again.id == first.id
        assert db.scalar(select(func.count()).select_from(Planting)) == 1

    def test_same_id_different_content_is_a_conflict_and_keeps_the_original(self, db, area):
        first, _ = create_planting(db, team(), planting(tree_count=12))
        with pytest.raises(SubmissionConflict) as err:
            create_planting(db, team(), planting(tree_count=13))
        assert "s-1" in err.value.zh and err.value.code == "id_conflict"
        db.expire_all()
        assert db.get(Planting, first.id).tree_count == 12

    def test_point_in_another_village_is_flagged_naming_it(self, db, area):
        result = create_planting(db, team(A), planting(point=campaign.centre(B)))
        p, created = result
        assert created and p.flags == [OUTSIDE_FLAG]
        assert p.village_code == B and p.claimed_village_code == A
        assert [w.code for w in result.warnings] == [OUTSIDE_FLAG] and "乙村" in result.warnings[0].zh

    def test_point_in_the_sea_is_refused_naming_the_nearest(self, db, area):
        with pytest.raises(PlantingError) as err:
            create_planting(db, team(), planting(point=campaign.SEA))
        assert err.value.code == "in_no_village"
        assert "赤坎区" in err.value.zh and any(v[0] in err.value.zh for v in campaign.VILLAGES.values())
        assert db.scalar(select(func.count()).select_from(Planting)) == 0

    def test_gcj02_point_is_stored_in_wgs84(self, db, area):
        lon, lat = campaign.centre(A)
        glon, glat = wgs84_to_gcj02(lon, lat)
        p, _ = create_planting(db, team(), planting(point=(glon, glat), datum="gcj02"))
        assert math.isclose(p.lon, lon, abs_tol=1e-7) and math.isclose(p.lat, lat, abs_tol=1e-7)
        assert abs(glon - lon) > 0.001  # the shift is hundreds of metres

    def test_text_values_are_parsed(self, db, area):
        lon, lat = campaign.centre(A)
        p, _ = create_planting(db, team(), planting(planted_on="2024年3月12日", tree_count="1,200株",
                                                    area_m2="3亩", lon=str(lon), lat=str(lat),
                                                    party_members="5", villagers=""))
        assert p.planted_on == DAY and p.tree_count == 1200 and p.area_m2 == 2000.0 and p.villagers == 0


class TestRefusals:
    @pytest.mark.parametrize("changes, code, named", [
        ({"tree_count": 0}, "count_not_positive", "0"),
        ({"tree_count": -3}, "count_not_positive", "-3"),
        ({"tree_count": "abc"}, "bad_number", "abc"),
        ({"tree_count": 2.5}, "not_whole_number", "2.5"),
        ({"tree_count": 1_000_000}, "count_too_large", "1000000"),
        ({"planted_on": dt.date.today() + dt.timedelta(days=3)}, "date_future", ""),
        ({"planted_on": "2019-05-01"}, "date_before_campaign", "2019-05-01"),
        ({"planted_on": "12/03/2024"}, "date_unparsable", "12/03/2024"),
        ({"species": "小叶揽仁"}, "species_unknown", "小叶榄仁"),
        ({"species": "桉树"}, "species_unknown", "桉树"),
        ({"site_type": "天上"}, "site_type_unknown", "天上"),
        ({"lat": 95.0}, "location_unparsable", "95"),
        ({"lon": float("nan")}, "location_unparsable", ""),
        ({"lon": "110,36"}, "location_unparsable", "110,36"),
        ({"lon": 21.205, "lat": 110.305}, "location_swapped", "经纬度是否填反"),
        ({"lon": 116.4, "lat": 39.9}, "outside_zhanjiang", "116.4"),
        ({"datum": "BD09"}, "datum_unknown", "BD09"),
        ({"village_code": "440802009999"}, "village_unknown", "440802009999"),
    ])
    def test_bad_value_is_named(self, db, area, changes, code, named):
        with pytest.raises(PlantingError) as err:
            create_planting(db, Actor.system("t"), planting(**changes))
        assert err.value.code == code
        assert named in err.value.zh
        assert err.value.en and str(err.value).startswith(err.value.zh)
        assert db.scalar(select(func.count()).select_from(Planting)) == 0

    def test_team_cannot_claim_another_village(self, db, area):
        with pytest.raises(PermissionDenied):
            create_planting(db, team(A), planting(code=B))

    def test_county_lead_outside_county_is_refused(self, db, area):
        lead = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix="440803")
        with pytest.raises(PermissionDenied):
            create_planting(db, lead, planting())

    def test_city_official_cannot_write(self, db, area):
        with pytest.raises(PermissionDenied):
            create_planting(db, Actor(None, "city", Role.CITY), planting())


class TestEditAndDelete:
    def test_edit_with_current_version(self, db, area):
        p, _ = create_planting(db, team(), planting())
        p.status = "verified"
        db.flush()
        version = p.version
        edited, _ = update_planting(db, team(), p.id, version, {"tree_count": "20"})
        assert edited.tree_count == 20 and edited.version == version + 1 and edited.status == "submitted"

    def test_stale_version_is_a_conflict(self, db, area):
        p, _ = create_planting(db, team(), planting())
        update_planting(db, team(), p.id, p.version, {"tree_count": 20})
        with pytest.raises(VersionConflict) as err:
            update_planting(db, team(), p.id, 1, {"tree_count": 30})
        assert err.value.code == "version_conflict"
        db.expire_all()
        assert db.get(Planting, p.id).tree_count == 20

    def test_moving_the_point_recomputes_the_flag(self, db, area):
        p, _ = create_planting(db, team(A), planting(point=campaign.centre(B)))
        assert p.flags == [OUTSIDE_FLAG]
        lon, lat = campaign.centre(A)
        edited, _ = update_planting(db, team(A), p.id, p.version, {"lon": lon, "lat": lat})
        assert edited.flags == [] and edited.village_code == A

    def test_unknown_field_is_refused(self, db, area):
        p, _ = create_planting(db, team(), planting())
        with pytest.raises(PlantingError):
            update_planting(db, team(), p.id, p.version, {"status": "verified"})

    def test_soft_delete_hides_the_record_and_is_audited(self, db, area):
        p, _ = create_planting(db, team(), planting())
        delete_planting(db, team(), p.id, p.version)
        db.flush()
        assert db.get(Planting, p.id).deleted_at is not None
        assert recent_plantings(db, team()) == []
        actions = db.scalars(select(AuditLog.action).where(AuditLog.table_name == "plantings",
                                                           AuditLog.record_id == str(p.id))).all()
        assert "delete" in actions


class TestRecent:
    def test_team_sees_its_own_village_only(self, db, area):
        create_planting(db, team(A), planting("a1", A))
        create_planting(db, team(B), planting("b1", B))
        install_scope(db, team(A))
        try:
            assert [p.submission_id for p in recent_plantings(db, team(A))] == ["a1"]
        finally:
            install_scope(db, Actor.system("tests"))
        assert {p.submission_id for p in recent_plantings(db, Actor.system("t"))} == {"a1", "b1"}
        with pytest.raises(PermissionDenied):
            recent_plantings(db, team(A), village_code=B)


class TestCare:
    def test_check_recorded_once(self, db, area):
        p, _ = create_planting(db, team(), planting(tree_count=10))
        c, created = record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        again, created_again = record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        assert created and not created_again and again.id == c.id and c.village_code == A

    def test_replay_with_other_content_conflicts(self, db, area):
        p, _ = create_planting(db, team(), planting(tree_count=10))
        record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        with pytest.raises(SubmissionConflict):
            record_check(db, team(), p.id, "survival", "2024-06-01", 8, "张三", None, "c-1")

    def test_a_second_survival_check_of_the_day_is_refused_naming_the_first(self, db, area):
        """A survival check counts the trees alive at a visit: a planting checked again the same day
        under another submission id (another phone, the form sent again after a rerun) was stored
        as a second check. Refused, in both languages, naming the stored check; nothing written.
        A replay of the first stays the first; another day, and care visits, are not limited."""
        from greening.models import CareCheck
        from greening.services.plantings import Conflict

        p, _ = create_planting(db, team(), planting(tree_count=10))
        first, _ = record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        for sid, alive in (("c-2", 9), ("c-3", 8)):
            with pytest.raises(Conflict) as err:
                record_check(db, team(), p.id, "成活率核查", "2024-06-01", alive, "李四", None, sid)
            assert (err.value.code, err.value.field) == ("survival_check_same_day", "checked_on")
            assert err.value.zh == (f"植树记录 #{p.id} 在 2024-06-01 已有成活率核查（核查编号 {first.id}，成活 9 株）；"
                                    "同一天不再记第二次，原核查保留")
            assert err.value.en == (f"planting #{p.id} already has a survival check on 2024-06-01 (check {first.id}, "
                                    "9 alive); a second one on the same day is not recorded, the first is kept")
        again, created = record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        assert again.id == first.id and not created
        record_check(db, team(), p.id, "survival", "2024-06-02", 8, "张三", None, "c-4")
        record_check(db, team(), p.id, "care", "2024-06-01", None, "张三", "浇水", "c-5")
        record_check(db, team(), p.id, "care", "2024-06-01", None, "张三", "除草", "c-6")
        kinds = db.execute(select(CareCheck.kind, CareCheck.checked_on, CareCheck.submission_id)
                           .where(CareCheck.planting_id == p.id).order_by(CareCheck.id)).all()
        assert [(k, d.isoformat(), sid) for k, d, sid in kinds] == [
            ("survival", "2024-06-01", "c-1"), ("survival", "2024-06-02", "c-4"),
            ("care", "2024-06-01", "c-5"), ("care", "2024-06-01", "c-6")]

    def test_the_database_keeps_one_survival_check_per_planting_and_day(self, db, area):
        """The rule holds for a writer that did not see the first check (a race): the partial
        unique index refuses the second row; a deleted check does not count."""
        import datetime as dt

        from sqlalchemy.exc import IntegrityError

        from greening.models import CareCheck

        p, _ = create_planting(db, team(), planting(tree_count=10))
        first, _ = record_check(db, team(), p.id, "survival", "2024-06-01", 9, "张三", None, "c-1")
        day = dt.date(2024, 6, 1)
        with pytest.raises(IntegrityError), db.begin_nested():
            db.add(CareCheck(planting_id=p.id, village_code=A, kind="survival", checked_on=day, alive_count=8))
        first.deleted_at = dt.datetime.now(dt.UTC)
        db.flush()
        again, created = record_check(db, team(), p.id, "survival", "2024-06-01", 8, "张三", None, "c-2")
        assert created and again.id != first.id

    def test_person_responsible_is_kept_as_typed(self, db, area):
        """A name is what the team typed: full-width brackets and punctuation stay (NFKC folded
        李四（队长） into 李四(队长)); only the space around it goes."""
        p, _ = create_planting(db, team(), planting(tree_count=10))
        c, _ = record_check(db, team(), p.id, "care", "2024-06-01", None, " 李四（队长）\u3000", None, "c-n")
        assert c.responsible == "李四（队长）"
        c2, _ = record_check(db, team(), p.id, "care", "2024-06-02", None, "王五，张三：１组", None, "c-m")
        assert c2.responsible == "王五，张三：１组"
        with pytest.raises(PlantingError) as err:
            record_check(db, team(), p.id, "care", "2024-06-03", None, "李\x00四", None, "c-z")
        assert (err.value.code, err.value.field) == ("text_bad_character", "responsible")
        with pytest.raises(PlantingError) as err:
            record_check(db, team(), p.id, "care", "2024-06-03", None, "李" * 61, None, "c-l")
        assert (err.value.code, err.value.field) == ("text_too_long", "responsible")

    def test_replay_of_a_check_stored_with_the_name_folded_is_the_same_check(self, db, area):
        """A check saved while names were still folded (李四(队长)) and sent again by the phone as typed
        is the same check, not a conflict."""
        p, _ = create_planting(db, team(), planting(tree_count=10))
        c, _ = record_check(db, team(), p.id, "care", "2024-06-01", None, "李四(队长)", None, "c-old")
        again, created = record_check(db, team(), p.id, "care", "2024-06-01", None, "李四（队长）", None, "c-old")
        assert again.id == c.id and not created and again.responsible == "李四(队长)"
        with pytest.raises(SubmissionConflict):
            record_check(db, team(), p.id, "care", "2024-06-01", None, "李五（队长）", None, "c-old")

    @pytest.mark.parametrize("kind, day, alive, code", [
        ("survival", "2024-06-01", 11, "alive_exceeds_count"),
        ("survival", "2024-06-01", None, "alive_required"),
        ("survival", "2024-03-01", 5, "check_before_planting"),
        ("watering", "2024-06-01", 5, "check_kind_unknown"),
        ("care", "2099-01-01", None, "date_future"),
    ])
    def test_bad_check_is_refused(self, db, area, kind, day, alive, code):
        p, _ = create_planting(db, team(), planting(tree_count=10))
        with pytest.raises(PlantingError) as err:
            record_check(db, team(), p.id, kind, day, alive, None, None, "c-x")
        assert err.value.code == code

    def test_other_village_cannot_check(self, db, area):
        p, _ = create_planting(db, team(A), planting())
        with pytest.raises((PermissionDenied, PlantingError)):
            record_check(db, team(B), p.id, "care", "2024-06-01", None, None, None, "c-2")


def test_the_migration_keeps_the_last_of_the_survival_checks_stored_twice_a_day(fresh_engine):
    """Migration 0007 on a database holding a planting's survival checks stored two and three times
    on one day (before the rule): the last stored of each day stays, the others are marked deleted
    (not removed); other days and care visits are left as they were."""
    from alembic import command

    from greening.db import read_session, session_scope
    from greening.models import CareCheck
    from greening.schema import alembic_config, upgrade

    with fresh_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
    with session_scope(fresh_engine) as s:
        install_scope(s, Actor.system("tests"))
        campaign.build(s)
        p, _ = create_planting(s, team(), planting(tree_count=10))
        rows = [("survival", "2024-06-01", 9), ("survival", "2024-06-01", 8), ("care", "2024-06-01", None),
                ("survival", "2024-06-01", 7), ("survival", "2024-07-01", 6), ("survival", "2024-07-01", 5),
                ("survival", "2024-08-01", 4), ("care", "2024-08-01", None), ("care", "2024-08-01", None)]
        for kind, on, alive in rows:
            s.add(CareCheck(planting_id=p.id, village_code=A, kind=kind, checked_on=dt.date.fromisoformat(on),
                            alive_count=alive))
    upgrade(fresh_engine)
    with read_session(fresh_engine) as s:
        kept = s.execute(select(CareCheck.kind, CareCheck.checked_on, CareCheck.alive_count,
                                CareCheck.deleted_at.is_(None)).order_by(CareCheck.id)).all()
    assert [(k, d.isoformat(), a, live) for k, d, a, live in kept] == [
        ("survival", "2024-06-01", 9, False), ("survival", "2024-06-01", 8, False), ("care", "2024-06-01", None, True),
        ("survival", "2024-06-01", 7, True), ("survival", "2024-07-01", 6, False), ("survival", "2024-07-01", 5, True),
        ("survival", "2024-08-01", 4, True), ("care", "2024-08-01", None, True), ("care", "2024-08-01", None, True)]
