"""Data versions: every audited write bumps its county's counter (and a village's own, when it names
one) in the same transaction (both backends); log-ins bump nothing; a rolled-back write leaves the
counters alone; a village's key changes with its own rows and with changes of its county that
name no village, not with the county's other villages."""
from __future__ import annotations

from greening import audit
from greening.data_version import EVERYWHERE, bump, is_village, scope_of, version_key, versions, village_key
from greening.services.plantings import create_planting
from tests.fixtures import campaign
from tests.test_plantings_service import A, planting, team


def _v(db) -> dict[str, int]:
    db.flush()
    return versions(db.connection())


def test_a_planting_bumps_its_county_and_its_village_once(db):
    campaign.build(db)
    before = _v(db)
    create_planting(db, team(A), planting("dv-1"))
    after = _v(db)
    county = A[:6]
    assert after[county] == before.get(county, 0) + 1
    assert after[A] == before.get(A, 0) + 1
    assert {k: v for k, v in after.items() if k not in (county, A)} == \
        {k: v for k, v in before.items() if k not in (county, A)}  # not the county's common counter


def test_a_village_key_changes_with_its_own_rows_not_with_the_next_village(db, system_actor):
    """Every team of a county built its map, inbox and latest records again whenever any village of
    the county planted (their caches were keyed by the county): a busy county's teams never hit."""
    campaign.build(db)
    neighbour = A[:9] + ("002" if A[9:] != "002" else "003")
    conn = db.connection()

    def keys():
        db.flush()
        counters = versions(conn, villages=[A, neighbour])
        return village_key(counters, A), village_key(counters, neighbour), version_key(conn, A[:6])

    mine, theirs, county = keys()
    create_planting(db, team(A), planting("dv-village"))
    mine2, theirs2, county2 = keys()
    assert mine2 != mine and county2 != county
    assert theirs2 == theirs, "a planting in village A leaves the next village's key"
    audit.record(db, system_actor, "import", "plantings", None, scope_code=A[:6])  # a bulk import's summary
    mine3, theirs3, county3 = keys()
    assert mine3 != mine2 and theirs3 != theirs2 and county3 != county2, "a county-wide change reaches every village"
    audit.record(db, system_actor, "import", "measures", None, scope_code="4408")
    mine4, theirs4, _ = keys()
    assert mine4 != mine3 and theirs4 != theirs3, "a city-level change reaches every village"


def test_a_page_run_reads_the_counters_of_counties_not_of_every_village(db):
    campaign.build(db)
    create_planting(db, team(A), planting("dv-read"))
    db.flush()
    conn = db.connection()
    assert A in versions(conn) and not any(is_village(k) for k in versions(conn, villages=()))
    assert {k for k in versions(conn, villages=[A]) if is_village(k)} == {A}
    bump(conn, [A[:6]])  # a bulk write outside the audit naming its county
    assert versions(conn)[A[:6] + "~"] >= 1


def test_a_planting_that_falls_in_another_county_bumps_both(db):
    """A team near a county border may log a point that falls in the next county's village (kept,
    flagged ``outside_claimed_village``). Only the claimed county's counter was bumped, so the
    county the point is in kept showing its old maps and figures in every replica."""
    campaign.build(db)
    other = campaign.add_second_county(db)
    before = _v(db)
    result = create_planting(db, team(A), planting("dv-border", point=campaign.second_centre()))
    assert result.planting.village_code == other  # where the point is, not the claimed village
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
