"""Coverage computations kept on disk (greening.coverage.kept): a new server process starts from
the last computation of an area instead of reading the area again, with the villages written in
since read again, and never from a computation of another history of the database."""
from __future__ import annotations

import dataclasses
import logging

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import select, update

from greening.actor import Actor
from greening.config import override_settings
from greening.coverage.api import area_coverage_and_inputs
from greening.coverage.kept import Kept, changed_villages, keep, kept, kept_path
from greening.coverage.load import report_date
from greening.data_version import bump, versions
from greening.db import make_engine
from greening.kept import audit_mark
from greening.models import Planting
from greening.models.enums import Role
from tests.fixtures.coverage_reads import count_heat_cell_reads, count_reads
from tests.fixtures.demo_db import demo_copy_fixtures

CITY = Actor(user_id=None, username="kept-test", role=Role.CITY, scope_prefix="4408")
LEAD = dataclasses.replace(CITY, role=Role.COUNTY_LEAD, scope_prefix="440823")
URL = "sqlite:///kept-test"


def test_changed_villages_are_the_villages_of_the_area_whose_counters_moved():
    before = {"*": 3, "areas": 1, "440823": 7, "440823101001": 2, "440882": 4, "440882001001": 1}
    now = {**before, "440823": 9, "440823101001": 3, "440823102003": 1, "440882": 5, "440882001001": 2}
    assert changed_villages(before, now, "440823") == ["440823101001", "440823102003"]
    assert changed_villages(before, now, "4408") == ["440823101001", "440823102003", "440882001001"]
    assert changed_villages(before, before, "4408") == []
    for wide in ({"*": 4}, {"areas": 2}, {"440823~": 1}):
        assert changed_villages(before, {**now, **wide}, "4408") is None
    assert changed_villages(before, {**now, "440823~": 1}, "440823") is None
    assert changed_villages(before, {**now, "440882~": 1}, "440823") is not None  # another county's


def test_a_kept_computation_is_read_back_while_the_database_holds_its_history(
        request, backend, demo_engine, tmp_path_factory, caplog):
    from tests.conftest import copy_of_database

    folder = tmp_path_factory.mktemp("kept")
    engine = make_engine(copy_of_database(request, backend, demo_engine, tmp_path_factory))
    try:
        with engine.connect() as conn:
            as_of = report_date(conn)
            counters = versions(conn)
            result, inputs = area_coverage_and_inputs(conn, LEAD, as_of)
            mark = audit_mark(conn)
        assert mark is not None
        keep(folder, URL, Kept("440823", counters, as_of, mark, inputs, result))
        with engine.connect() as conn:
            back = kept(conn, folder, URL, "440823", as_of)
            assert back is not None and back.counters == counters and back.mark == mark
            pd.testing.assert_frame_equal(pd.DataFrame(back.result.villages), pd.DataFrame(result.villages))
            assert len(back.inputs.plantings) == len(inputs.plantings)
            assert kept(conn, folder, URL, "440882", as_of) is None, "another area"
            assert kept(conn, folder, URL + "-other", "440823", as_of) is None, "another database"
            assert kept(conn, folder, URL, "440823", as_of.replace(day=1) if as_of.day > 1
                        else as_of.replace(day=2)) is None, "another report date"
        with engine.begin() as conn:  # a later write: the history still holds the mark
            bump(conn, ["440823101001"])
        with engine.connect() as conn:
            assert kept(conn, folder, URL, "440823", as_of) is not None
        # the database made again (or restored and written to): another row under the mark's id,
        # or none; the audit log is append-only, so the kept computation's mark is made another
        for other in [(mark[0], "1999-01-01 00:00:00"), (mark[0] + 10**6, mark[1]), None]:
            keep(folder, URL, Kept("440823", counters, as_of, other, inputs, result))
            with engine.connect() as conn:
                assert kept(conn, folder, URL, "440823", as_of) is None, other
        with engine.connect() as conn:
            kept_path(folder, URL, "440823").write_bytes(b"not a pickle")
            with caplog.at_level(logging.WARNING, logger="greening.kept"):
                assert kept(conn, folder, URL, "440823", as_of) is None
            assert "unreadable" in caplog.text
    finally:
        engine.dispose()


demo_url, settings = demo_copy_fixtures("keptdb")


def _new_process() -> None:
    """What a server process starting afresh has: no cached computation in memory."""
    from ui import data

    data.kept_written()
    st.cache_data.clear()
    st.cache_resource.clear()
    data._writing.clear()


@pytest.mark.spatialite_only
@pytest.mark.usefixtures("settings")
def test_a_new_process_starts_from_the_kept_computation(demo_url, monkeypatch, tmp_path):
    from greening.coverage.api import area_coverage
    from ui import data
    from ui.coverage_adapter import frames_of

    engine = make_engine(demo_url)
    try:
        with override_settings(data_dir=tmp_path):
            _new_process()
            first = data.coverage(CITY)
            _new_process()
            read = count_reads(monkeypatch)
            again = data.coverage(CITY)
            assert read == [], "the city is not read again by a new process"
            for name in ["villages", "towns", "counties", "city", "lagging", "weekly"]:
                pd.testing.assert_frame_equal(first[name], again[name], obj=name)

            with engine.begin() as conn:  # a planting changed through another replica
                planting = conn.execute(select(Planting.id, Planting.claimed_village_code).where(
                    Planting.claimed_village_code.like("440882%")).order_by(Planting.id).limit(1)).one()
                conn.execute(update(Planting).where(Planting.id == planting[0])
                             .values(tree_count=Planting.tree_count + 6543))
                bump(conn, [planting[1]])  # as the audit trail does for a planting
            _new_process()
            after = data.coverage(CITY)
            assert read == [planting[1]], "only the village written in is read"
            trees = int(after["city"]["trees"].iloc[0]) - int(first["city"]["trees"].iloc[0])
            assert trees == 6543
            monkeypatch.undo()
            with engine.connect() as conn:
                want = frames_of(area_coverage(conn, CITY, report_date(conn)))
            for name in ["villages", "towns", "counties", "city", "lagging", "weekly"]:
                pd.testing.assert_frame_equal(want[name], after[name], check_exact=False, rtol=1e-9, obj=name)

            read = count_reads(monkeypatch)
            _new_process()
            data.coverage(CITY)
            assert read == [], "the patched computation was kept in turn"
            with engine.begin() as conn:
                bump(conn, ["*"])  # a city-wide change: the kept computation cannot be patched
            _new_process()
            data.coverage(CITY)
            assert read == ["4408"]
    finally:
        _new_process()
        engine.dispose()


@pytest.mark.spatialite_only
@pytest.mark.usefixtures("settings")
def test_a_new_process_takes_the_citys_planting_layers_kept_per_county(demo_url, monkeypatch, tmp_path):
    """The city map's heat cells, count and latest points (seconds at 10^6 plantings) are kept
    per county and data version: a new process asks the database for none of them, and after a
    write only for the county written in."""
    from ui import data

    engine = make_engine(demo_url)
    try:
        with override_settings(data_dir=tmp_path):
            _new_process()
            first = data.planting_layers(CITY, limit=500)
            asked = count_heat_cell_reads(monkeypatch)
            _new_process()
            again = data.planting_layers(CITY, limit=500)
            assert asked == []
            pd.testing.assert_frame_equal(first[0], again[0])
            pd.testing.assert_frame_equal(first[2], again[2])
            assert first[1] == again[1]
            with engine.begin() as conn:
                planting = conn.execute(select(Planting.id, Planting.claimed_village_code).where(
                    Planting.claimed_village_code.like("440882%")).order_by(Planting.id).limit(1)).one()
                conn.execute(update(Planting).where(Planting.id == planting[0])
                             .values(tree_count=Planting.tree_count + 999))
                bump(conn, [planting[1]])
            _new_process()
            after = data.planting_layers(CITY, limit=500)
            assert asked == ["440882"]
            assert after[2]["w"].sum() == first[2]["w"].sum() + 999
    finally:
        _new_process()
        engine.dispose()


@pytest.mark.spatialite_only
@pytest.mark.usefixtures("settings")
def test_the_daily_keep_command_leaves_nothing_for_the_app_to_compute(demo_url, monkeypatch, tmp_path, capsys):
    """``python -m greening keep-coverage`` (deploy/systemd/greening-keep.timer): afterwards the
    app's first city overview and county dashboard read no inputs at all."""
    from greening.cli import main
    from ui import data

    with override_settings(data_dir=tmp_path):
        _new_process()
        assert main(["keep-coverage"]) == 0
        out = capsys.readouterr().out
        assert "kept 4408 as of" in out and "kept 440823 as of" in out
        read = count_reads(monkeypatch)
        city, lead = data.coverage(CITY), data.coverage(LEAD)
        assert read == []
        assert int(city["counties"].set_index("code").loc["440823000000", "trees"]) == int(lead["counties"]["trees"].iloc[0])
    _new_process()
