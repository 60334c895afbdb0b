"""Twenty concurrent writers on each backend (docs/reliability.md case 19, 21): every row present, no
"database is locked", and a double submit of one id leaves exactly one row."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from greening.actor import Actor
from greening.db import read_session, session_scope
from greening.models import AuditLog, Planting
from greening.models.enums import Role
from greening.permissions import install_scope
from greening.services.plantings import PlantingInput, create_planting
from tests.fixtures import campaign

THREADS = 20
PER_THREAD = 3


@pytest.fixture
def seeded(fresh_engine):
    with session_scope(fresh_engine) as s:
        install_scope(s, Actor.system("tests"))
        campaign.build(s)
    return fresh_engine


def _run_threads(target) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def wrapped(i):
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def _input(sub: str, code: str, count: int = 5) -> PlantingInput:
    lon, lat = campaign.centre(code)
    return PlantingInput(submission_id=sub, village_code=code, planted_on=dt.date(2024, 3, 12), species="木棉",
                         tree_count=count, site_type="村旁", lon=lon, lat=lat)


def test_twenty_writers_every_row_present(seeded):
    codes = list(campaign.VILLAGES)

    def write(i):
        code = codes[i % len(codes)]
        actor = Actor(user_id=None, username=f"team{i}", role=Role.TEAM, scope_prefix=code)
        for k in range(PER_THREAD):
            with session_scope(seeded) as s:
                install_scope(s, actor)
                _, created = create_planting(s, actor, _input(f"w{i}-{k}", code, count=i + 1))
                assert created

    errors = _run_threads(write)
    assert not errors, [repr(e) for e in errors]
    with read_session(seeded) as s:
        subs = set(s.scalars(select(Planting.submission_id)))
        total = s.scalar(select(func.sum(Planting.tree_count)))
    assert subs == {f"w{i}-{k}" for i in range(THREADS) for k in range(PER_THREAD)}
    assert total == sum((i + 1) * PER_THREAD for i in range(THREADS))


def test_twenty_double_submits_leave_one_row(seeded):
    code = "440802001001"
    actor = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=code)
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def submit(_i):
        with session_scope(seeded) as s:
            install_scope(s, actor)
            p, created = create_planting(s, actor, _input("same-id", code))
            with lock:
                results.append((p.id, created))

    errors = _run_threads(submit)
    assert not errors, [repr(e) for e in errors]
    with read_session(seeded) as s:
        assert s.scalar(select(func.count()).select_from(Planting)) == 1
        # the losers of the race leave no audit row for a record they never wrote
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.table_name == "plantings")) == 1
    assert len(results) == THREADS
    assert len({pid for pid, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_twenty_survival_checks_of_one_planting_on_one_day_leave_one(seeded):
    """Twenty phones sending a survival check of the same planting for the same day, each with its
    own submission id: one is stored; every other is refused naming it (not a database error)."""
    from greening.models import CareCheck
    from greening.services.care import record_check

    code = "440802001001"
    actor = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=code)
    with session_scope(seeded) as s:
        install_scope(s, actor)
        planting_id = create_planting(s, actor, _input("checked", code, count=10))[0].id
    refused: list[str] = []
    lock = threading.Lock()

    def check(i):
        try:
            with session_scope(seeded) as s:
                install_scope(s, actor)
                record_check(s, actor, planting_id, "survival", "2024-06-01", 9, "张三", None, f"check-{i}")
        except ValueError as exc:
            with lock:
                refused.append(getattr(exc, "code", repr(exc)))

    errors = _run_threads(check)
    assert not errors, [repr(e) for e in errors]
    assert refused == ["survival_check_same_day"] * (THREADS - 1)
    with read_session(seeded) as s:
        assert s.scalar(select(func.count()).select_from(CareCheck)) == 1
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.table_name == "care_checks")) == 1
