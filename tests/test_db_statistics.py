"""SQLite's planner statistics: gathered after the demo load and kept up when a connection opens.
Without them SQLite took the ``deleted_at`` index (every row qualifies) for every scoped read:
one village's plantings at 10^6 records took 0.2 s instead of 4 ms."""
from __future__ import annotations

import logging
import shutil

from greening.db import make_engine

VILLAGE_PLANTINGS = ("SELECT id FROM plantings WHERE deleted_at IS NULL AND claimed_village_code >= '440823101001' "
                     "AND claimed_village_code < '440823101002'")


def _plan(engine) -> str:
    with engine.connect() as conn:
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + VILLAGE_PLANTINGS))


def _statistics(engine) -> int:
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
            return 0
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'plantings'").scalar_one()


def _copy(demo_db_template, tmp_path, name: str) -> str:
    target = tmp_path / name
    shutil.copyfile(demo_db_template.path, target)
    return f"sqlite:///{target}"


def test_the_demo_load_leaves_statistics_and_a_village_is_read_by_its_index(demo_db_template, tmp_path):
    engine = make_engine(_copy(demo_db_template, tmp_path, "a.sqlite"))
    try:
        assert _statistics(engine) > 0
        assert "ix_plantings_claimed_village_code" in _plan(engine)
    finally:
        engine.dispose()


def _drop_statistics(url: str) -> None:
    import sqlean

    raw = sqlean.connect(url[len("sqlite:///"):])
    raw.execute("DROP TABLE IF EXISTS sqlite_stat1")
    raw.execute("DROP TABLE IF EXISTS sqlite_stat4")
    raw.commit()
    raw.close()


def test_a_database_without_statistics_gets_them_when_the_app_connects(demo_db_template, tmp_path):
    url = _copy(demo_db_template, tmp_path, "b.sqlite")
    _drop_statistics(url)
    engine = make_engine(url)
    try:
        assert _statistics(engine) > 0, "the connection gathered them"
        assert "ix_plantings_claimed_village_code" in _plan(engine)
    finally:
        engine.dispose()


def test_a_connection_does_not_wait_on_a_writer_to_gather_statistics(demo_db_template, tmp_path, caplog):
    import sqlean

    url = _copy(demo_db_template, tmp_path, "c.sqlite")
    _drop_statistics(url)
    writer = sqlean.connect(url[len("sqlite:///"):], isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("BEGIN IMMEDIATE")  # a long import holding the write lock
    engine = make_engine(url)
    try:
        with caplog.at_level(logging.INFO, logger="greening.db"), engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM plantings").scalar_one() > 0
        assert "not refreshed now" in caplog.text  # skipped at once, not after the 60 s busy timeout
        writer.execute("COMMIT")
        engine.dispose()
        assert _statistics(make_engine(url)) > 0  # the next connection gathers them
    finally:
        writer.close()
        engine.dispose()
