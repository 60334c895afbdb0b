"""plantings partitioned by county on PostGIS (migration 0006, docs/database.md): rows land in their
county's partition, the submission id and the planting id stay unique across partitions, a county
query reads one partition, and the migration moves the rows both ways. SpatiaLite keeps one table."""
from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError, IntegrityError

from greening.actor import Actor
from greening.backup import database_stats
from greening.county_partitions import county_partitions, ensure_county_partitions, is_partitioned
from greening.db import make_engine, read_session, session_scope
from greening.geodb import to_db
from greening.importers.ledger import apply_ledger, validate_ledger
from greening.importers.template import TEMPLATE_HEADERS
from greening.models import AdminArea, CareCheck, Planting
from greening.models.enums import Role
from greening.permissions import install_scope, scope_clause
from greening.schema import alembic_config, current_revision, upgrade
from greening.services.care import record_check
from greening.services.plantings import PlantingInput, SubmissionConflict, create_planting, update_planting
from tests.conftest import copy_of_database
from tests.fixtures import campaign
from tests.test_import_ledger import csv_bytes, template_row

A = "440802001001"
OTHER = campaign.SECOND_VILLAGE  # a village of 霞山区, a second county, east of the five squares
DAY = dt.date(2024, 3, 12)


@pytest.fixture
def area(db):
    built = campaign.build(db)
    campaign.add_second_county(db)
    return built


def other_centre() -> tuple[float, float]:
    return campaign.second_centre()


def team(code: str) -> Actor:
    return Actor(user_id=None, username=f"team-{code}", role=Role.TEAM, scope_prefix=code)


def county_lead(prefix: str) -> Actor:
    return Actor(user_id=None, username=f"lead-{prefix}", role=Role.COUNTY_LEAD, scope_prefix=prefix)


def entry(sub: str, code: str = A, point=None, **kw) -> PlantingInput:
    lon, lat = point or (other_centre() if code == OTHER else campaign.centre(code))
    values = dict(submission_id=sub, village_code=code, planted_on=DAY, species="榕树", tree_count=12,
                  site_type="路旁", lon=lon, lat=lat)
    values.update(kw)
    return PlantingInput(**values)


def partition_of(db, planting_id: int) -> str:
    return db.execute(text("SELECT tableoid::regclass::text FROM plantings WHERE id = :id"),
                      {"id": planting_id}).scalar_one()


def submission_row(db, planting_id: int):
    return db.execute(text("SELECT submission_id FROM planting_submissions WHERE planting_id = :id"),
                      {"id": planting_id}).scalar_one_or_none()


# -- the table ---------------------------------------------------------------------------------

def test_plantings_is_partitioned_on_postgis_only(db, backend):
    assert is_partitioned(db) is (backend == "postgis")
    if backend == "spatialite":
        assert county_partitions(db) == [] and ensure_county_partitions(db) == []


@pytest.mark.postgis_only
def test_range_partitioned_by_claimed_village_code_with_a_default(db, area):
    strategy, key = db.execute(text(
        "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
        "JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
        "WHERE p.partrelid = 'plantings'::regclass")).one()
    assert (strategy, key) == ("r", "claimed_village_code")
    assert ensure_county_partitions(db) == ["440802", "440803"]
    assert ensure_county_partitions(db) == []  # once
    bounds = dict(db.execute(text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'plantings'::regclass")).all())
    assert bounds["plantings_c440802"] == "FOR VALUES FROM ('440802') TO ('440803')"
    assert bounds["plantings_c440803"] == "FOR VALUES FROM ('440803') TO ('440804')"
    assert bounds["plantings_default"] == "DEFAULT"
    assert [p.county for p in county_partitions(db)][-1] is None  # the default partition, last


@pytest.mark.postgis_only
def test_a_bad_county_prefix_is_refused_by_the_partition_function(db):
    with pytest.raises(DataError, match="6-digit county prefix"), db.begin_nested():
        db.execute(text("SELECT plantings_add_county_partition('4408; DROP TABLE plantings')"))
    assert db.execute(text("SELECT to_regclass('plantings')")).scalar() == "plantings"


@pytest.mark.postgis_only
def test_rows_wait_in_the_default_partition_and_move_with_their_submission(db, area):
    early, _ = create_planting(db, team(A), entry("early"))
    db.flush()
    check, _ = record_check(db, team(A), early.id, "care", DAY, None, "张三", None, "check-early")
    db.flush()
    waiting, _ = create_planting(db, team(OTHER), entry("waiting", OTHER))
    db.flush()
    assert partition_of(db, early.id) == partition_of(db, waiting.id) == "plantings_default"  # no partitions yet
    ensure_county_partitions(db)  # two counties moved out of the default partition in one transaction
    assert partition_of(db, early.id) == "plantings_c440802" and partition_of(db, waiting.id) == "plantings_c440803"
    assert submission_row(db, early.id) == "early" and submission_row(db, waiting.id) == "waiting"
    assert db.get(CareCheck, check.id).planting_id == early.id  # the reference survived the move
    later, _ = create_planting(db, team(OTHER), entry("later", OTHER))
    db.flush()
    assert partition_of(db, later.id) == "plantings_c440803"
    counts = {p.name: p.rows for p in county_partitions(db)}
    assert counts == {"plantings_c440802": 1, "plantings_c440803": 2, "plantings_default": 0}
    with pytest.raises(SubmissionConflict):  # the moved rows' ids are still known
        create_planting(db, team(A), entry("waiting"))


# -- the guarantees -----------------------------------------------------------------------------

def test_resubmission_in_another_county_is_a_conflict_not_a_second_row(db, area, backend):
    ensure_county_partitions(db)
    first, created = create_planting(db, team(A), entry("s-1"))
    again, created_again = create_planting(db, team(A), entry("s-1"))
    assert created and not created_again and again.id == first.id
    with pytest.raises(SubmissionConflict) as err:
        create_planting(db, team(OTHER), entry("s-1", OTHER))
    assert err.value.code == "id_conflict" and "s-1" in err.value.zh
    assert db.scalar(select(func.count()).select_from(Planting)) == 1


def test_duplicate_submission_id_refused_by_the_database_across_counties(db, area, backend):
    ensure_county_partitions(db)
    create_planting(db, team(A), entry("dup"))
    db.flush()
    lon, lat = other_centre()
    other = db.scalars(select(AdminArea).where(AdminArea.code == OTHER)).one()
    twin = Planting(submission_id="dup", claimed_village_id=other.id, claimed_village_code=OTHER,
                    village_id=other.id, village_code=OTHER, planted_on=DAY,
                    species_id=area["species"]["榕树"].id, tree_count=3, site_type="road_side",
                    lon=lon, lat=lat, location=to_db(campaign.square(5, 0).centroid))
    with pytest.raises(IntegrityError, match="submission_id"), db.begin_nested():
        db.add(twin)
    assert db.scalar(select(func.count()).select_from(Planting).where(Planting.submission_id == "dup")) == 1


@pytest.mark.postgis_only
def test_duplicate_planting_id_refused_across_partitions(db, area):
    ensure_county_partitions(db)
    p, _ = create_planting(db, team(A), entry("one"))
    db.flush()
    with pytest.raises(IntegrityError, match="duplicate planting id"), db.begin_nested():
        db.execute(text(
            "INSERT INTO plantings (id, submission_id, claimed_village_id, claimed_village_code, planted_on, "
            "species_id, tree_count, site_type, party_members, villagers, status, source, flags, lon, lat, "
            "location, is_demo) SELECT id, 'another', (SELECT id FROM admin_areas WHERE code = :other), :other, "
            "planted_on, species_id, tree_count, site_type, 0, 0, status, source, flags, lon, lat, location, "
            "false FROM plantings WHERE id = :id"), {"id": p.id, "other": OTHER})


def test_moving_a_planting_to_another_county_keeps_its_id_checks_and_replay(db, area, backend):
    ensure_county_partitions(db)
    editor = Actor.system("tests")
    created = create_planting(db, team(A), entry("moves"))
    p = created.planting
    db.flush()
    check, _ = record_check(db, team(A), p.id, "care", DAY, None, "李四", None, "check-moves")
    db.flush()
    lon, lat = other_centre()
    update_planting(db, editor, p.id, p.version, {"village_code": OTHER, "lon": lon, "lat": lat})
    db.flush()
    db.expire_all()
    moved = db.get(Planting, p.id)
    assert moved.claimed_village_code == OTHER and moved.village_code == OTHER
    assert db.get(CareCheck, check.id).planting_id == p.id
    if backend == "postgis":
        assert partition_of(db, p.id) == "plantings_c440803" and submission_row(db, p.id) == "moves"
    # a late replay of the original submission is still recognised, not stored again
    replay, stored_again = create_planting(db, editor, entry("moves"))
    assert not stored_again and replay.id == p.id


@pytest.mark.postgis_only
def test_hard_delete_frees_the_submission_id_unless_a_check_refers_to_it(db, area):
    ensure_county_partitions(db)
    lone, _ = create_planting(db, team(A), entry("lone"))
    checked, _ = create_planting(db, team(A), entry("checked", tree_count=7))
    db.flush()
    record_check(db, team(A), checked.id, "care", DAY, None, "王五", None, "check-checked")
    db.flush()
    db.execute(text("DELETE FROM plantings WHERE id = :id"), {"id": lone.id})
    assert submission_row(db, lone.id) is None
    with pytest.raises(IntegrityError, match="fk_care_checks_planting_id_planting_submissions"), \
            db.begin_nested():
        db.execute(text("DELETE FROM plantings WHERE id = :id"), {"id": checked.id})
    assert submission_row(db, checked.id) == "checked"


@pytest.mark.postgis_only
def test_a_county_query_reads_one_partition(db, area):
    ensure_county_partitions(db)
    stmt = select(func.count()).select_from(Planting).where(scope_clause(county_lead("440803"),
                                                                          Planting.claimed_village_code))
    sql = str(stmt.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(db.execute(text("EXPLAIN " + sql)).scalars())
    assert "plantings_c440803" in plan
    assert "plantings_c440802" not in plan and "plantings_default" not in plan, plan


# -- the ledger import ----------------------------------------------------------------------------

def test_ledger_rows_stored_meanwhile_are_skipped_not_duplicated(db, area, backend):
    ensure_county_partitions(db)
    admin = Actor.system("tests")
    data = csv_bytes(TEMPLATE_HEADERS, [template_row("L-1", A), template_row("L-2", OTHER, point=other_centre())])
    report = validate_ledger(db, admin, data, "台账.csv")
    assert report.valid_rows == 2, report.issues
    create_planting(db, team(OTHER), entry("L-2", OTHER))  # a phone stores L-2 before the import is applied
    db.flush()
    result = apply_ledger(db, admin, report)
    assert (result.inserted, result.skipped) == (1, 1)
    subs = db.scalars(select(Planting.submission_id).order_by(Planting.submission_id)).all()
    assert subs == ["L-1", "L-2"]
    if backend == "postgis":
        stored = db.scalars(select(Planting).where(Planting.submission_id == "L-1")).one()
        assert partition_of(db, stored.id) == "plantings_c440802" and submission_row(db, stored.id) == "L-1"


# -- the migration ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_migration_moves_the_demo_into_partitions_and_back(request, backend, demo_engine, tmp_path_factory):
    """Upgrade a database holding the demo from 0005 to 0006, down again and up again: the same rows.

    The demo is a copy of the run's demo campaign (``demo_engine``, 3,000 plantings) taken down to
    0005 first: loading a demo of its own cost 15-30 s per backend.
    """
    engine = make_engine(copy_of_database(request, backend, demo_engine, tmp_path_factory))
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")
        assert current_revision(engine) == "0005"
        with read_session(engine) as s:
            assert not is_partitioned(s) and s.scalar(select(func.count()).select_from(Planting)) >= 2_400
        with engine.connect() as conn:
            before = database_stats(conn)
        upgrade(engine)
        with read_session(engine) as s:
            assert is_partitioned(s) is (backend == "postgis")
            parts = county_partitions(s)
            planted = s.scalar(select(func.count()).select_from(Planting))
            counties = s.scalar(select(func.count()).select_from(AdminArea).where(AdminArea.level == "county"))
        with engine.connect() as conn:
            after = database_stats(conn)
        assert after["plantings_sha256"] == before["plantings_sha256"]
        assert {k: v for k, v in after["counts"].items()} == before["counts"]
        if backend == "postgis":
            assert len(parts) == counties + 1 and sum(p.rows for p in parts) == planted
            assert parts[-1].county is None and parts[-1].rows == 0  # every demo county has its partition
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM planting_submissions")).scalar() == planted
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0005")
        with read_session(engine) as s:
            assert not is_partitioned(s)
        with engine.connect() as conn:
            assert database_stats(conn)["plantings_sha256"] == before["plantings_sha256"]
            if backend == "postgis":
                assert conn.execute(text("SELECT to_regclass('planting_submissions')")).scalar() is None
        upgrade(engine)
        with session_scope(engine) as s:  # and the upgraded demo still takes a submission
            install_scope(s, Actor.system("tests"))
            village = s.scalars(select(AdminArea).where(AdminArea.level == "village",
                                                        AdminArea.geom.is_not(None)).limit(1)).one()
            point = s.scalar(select(func.ST_AsText(func.ST_PointOnSurface(AdminArea.geom)))
                             .where(AdminArea.id == village.id))
            lon, lat = (float(v) for v in point[len("POINT("):-1].split())
            _, created = create_planting(s, Actor.system("tests"), PlantingInput(
                submission_id="after-migration", village_code=village.code, planted_on=DAY, species="榕树",
                tree_count=5, site_type="路旁", lon=lon, lat=lat))
            assert created
    finally:
        engine.dispose()


def test_a_prefix_range_holds_exactly_the_codes_the_prefix_starts():
    from greening.area_codes import prefix_upper_bound

    assert prefix_upper_bound("4408") == "4409" and prefix_upper_bound("440829") == "440830"
    assert prefix_upper_bound("440823109") == "440823110"
    assert prefix_upper_bound("999") is None and prefix_upper_bound("44a8") is None
    codes = ["440822999999", "440823000000", "440823101201", "440823999999", "440824000000", "4408230"]
    for prefix in ("440823", "4408231", "44082310"):
        upper = prefix_upper_bound(prefix)
        assert [c for c in codes if prefix <= c < upper] == [c for c in codes if c.startswith(prefix)]


def test_ledger_row_stored_by_a_concurrent_writer_is_skipped(fresh_engine, backend):
    """A phone stores one of the file's ids while the import waits for it: the import skips that row
    (on PostGIS its INSERT fails on the key when the phone commits, and is run again)."""
    import threading

    with session_scope(fresh_engine) as s:
        install_scope(s, Actor.system("tests"))
        campaign.build(s)
        ensure_county_partitions(s)
    admin = Actor.system("tests")
    data = csv_bytes(TEMPLATE_HEADERS, [template_row("C-1", A), template_row("C-2", "440802001002")])
    with read_session(fresh_engine) as s:
        install_scope(s, admin)
        report = validate_ledger(s, admin, data, "台账.csv")
    assert report.valid_rows == 2, report.issues
    stored, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def phone():
        try:
            with session_scope(fresh_engine) as s:
                install_scope(s, team("440802001002"))
                create_planting(s, team("440802001002"), entry("C-2", "440802001002", point=campaign.centre("440802001002")))
                s.flush()
                stored.set()
                release.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            stored.set()

    writer = threading.Thread(target=phone)
    writer.start()
    assert stored.wait(timeout=30) and not failures
    timer = threading.Timer(1.0, release.set)  # the phone commits while the import waits on it
    timer.start()
    with session_scope(fresh_engine) as s:
        install_scope(s, admin)
        result = apply_ledger(s, admin, report)
    writer.join(timeout=30)
    assert not failures, failures
    assert (result.inserted, result.skipped) == (1, 1)
    with read_session(fresh_engine) as s:
        subs = s.scalars(select(Planting.submission_id).order_by(Planting.submission_id)).all()
    assert subs == ["C-1", "C-2"]
