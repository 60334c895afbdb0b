"""Data versions: every audited write bumps its county's counter in the same transaction (both
backends); log-ins bump nothing; a rolled-back write leaves the counters alone."""
from __future__ import annotations

from greening import audit
from greening.data_version import EVERYWHERE, scope_of, version_key, versions
from greening.services.plantings import create_planting
from tests.fixtures import campaign
from tests.test_plantings_service import A, planting, team


def _v(db) -> dict[str, int]:
    db.flush()
    return versions(db.connection())


def test_a_planting_bumps_its_county_once(db):
    campaign.build(db)
    before = _v(db)
    create_planting(db, team(A), planting("dv-1"))
    after = _v(db)
    county = A[:6]
    assert after[county] == before.get(county, 0) + 1
    assert {k: v for k, v in after.items() if k != county} == {k: v for k, v in before.items() if k != county}


def test_a_planting_that_falls_in_another_county_bumps_both(db):
    """A team near a county border may log a point that falls in the next county's village (kept,
    flagged ``outside_claimed_village``). Only the claimed county's counter was bumped, so the
    county the point is in kept showing its old maps and figures in every replica."""
    from greening.geodb import to_db
    from greening.models import AdminArea

    campaign.build(db)
    county = AdminArea(code="440803000000", level="county", name="霞山区", scope_prefix="440803")
    db.add(county)
    db.flush()
    town = AdminArea(code="440803001000", level="town", name="三镇", scope_prefix="440803001", parent_id=county.id)
    db.add(town)
    db.flush()
    db.add(AdminArea(code="440803001001", level="village", name="己村", scope_prefix="440803001001",
                     parent_id=town.id, geom=to_db(campaign.square(-1, 0)), area_m2=1.0e6, source="test",
                     source_crs="EPSG:4326"))
    db.flush()  # the new areas' audit rows are written (and bump their counters) by the next flush
    before = _v(db)
    x, y = campaign.centre(A)
    result = create_planting(db, team(A), planting("dv-border", point=(x - campaign.SIZE, y)))
    assert result.planting.village_code == "440803001001"  # where the point is, not the claimed village
    after = _v(db)
    for scope in ("440802", "440803"):
        assert after[scope] == before.get(scope, 0) + 1, scope


def test_the_key_of_an_area_changes_only_with_its_own_counties(db):
    campaign.build(db)
    db.flush()
    conn = db.connection()
    other, mine, city = version_key(conn, "440823"), version_key(conn, A[:9]), version_key(conn, "4408")
    create_planting(db, team(A), planting("dv-2"))
    db.flush()
    assert version_key(conn, "440823") == other
    assert version_key(conn, A[:9]) != mine
    assert version_key(conn, "4408") != city


def test_log_ins_and_exports_bump_nothing(db, system_actor):
    campaign.build(db)
    before = _v(db)
    audit.record(db, system_actor, "login", "users", 1, note="password")
    audit.record(db, system_actor, "export", "audit_log", note="10 rows")
    assert _v(db) == before


def test_a_city_level_change_bumps_everywhere(db, system_actor):
    before = _v(db)
    audit.record(db, system_actor, "import", "measures", None, scope_code="4408")
    assert _v(db)[EVERYWHERE] == before.get(EVERYWHERE, 0) + 1


def test_a_rolled_back_write_leaves_the_counters(db):
    campaign.build(db)
    before = _v(db)
    nested = db.begin_nested()
    create_planting(db, team(A), planting("dv-3"))
    db.flush()
    assert _v(db) != before
    nested.rollback()
    assert _v(db) == before


def test_scope_of():
    assert scope_of("440823101001") == "440823"
    assert scope_of("4408") == EVERYWHERE and scope_of(None) == EVERYWHERE and scope_of("") == EVERYWHERE
