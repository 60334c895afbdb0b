"""The city's figures on the pages after a write in one county: that county is computed again
(once, for the city and its own lead alike) and spliced into the city's previous computation,
which gives what computing the whole city again gives; a change beyond one county computes the
whole city again."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from sqlalchemy import select, update

from greening.actor import Actor
from greening.data_version import bump
from greening.db import make_engine
from greening.models import Planting
from greening.models.enums import Role
from tests.fixtures.coverage_reads import count_heat_cell_reads, count_reads
from tests.fixtures.demo_db import demo_copy_fixtures

pytestmark = pytest.mark.spatialite_only

demo_url, settings = demo_copy_fixtures("citycoveragedb")

CITY = Actor(user_id=None, username="city-cache", role=Role.CITY, scope_prefix="4408")
LEAD = dataclasses.replace(CITY, username="lead-cache", role=Role.COUNTY_LEAD, scope_prefix="440823")


def _count_computations(monkeypatch) -> list[str]:
    import greening.coverage.api as api

    computed: list[str] = []
    real, patched = api.area_coverage_and_inputs, api.patched_coverage

    def counting(conn, actor, *args, **kwargs):
        computed.append(actor.scope_prefix)
        return real(conn, actor, *args, **kwargs)

    def counting_patched(conn, actor, *args, **kwargs):
        computed.append(actor.scope_prefix)
        return patched(conn, actor, *args, **kwargs)

    monkeypatch.setattr(api, "area_coverage_and_inputs", counting)
    monkeypatch.setattr(api, "patched_coverage", counting_patched)
    return computed


def _more_trees_in(engine, county: str) -> None:
    with engine.begin() as conn:
        first = conn.execute(select(Planting.id).where(Planting.claimed_village_code.like(county + "%"))
                             .order_by(Planting.id).limit(1)).scalar_one()
        conn.execute(update(Planting).where(Planting.id == first).values(tree_count=Planting.tree_count + 4321))
        bump(conn, [county])  # as every audited write does


@pytest.mark.usefixtures("settings")
def test_after_a_write_in_one_county_the_city_computes_that_county_alone(demo_url, monkeypatch):
    from greening.coverage.api import area_coverage
    from greening.coverage.load import report_date
    from ui import data
    from ui.coverage_adapter import frames_of

    computed = _count_computations(monkeypatch)
    engine = make_engine(demo_url)
    try:
        before = data.coverage(CITY)
        assert data.coverage(CITY)["city"].equals(before["city"])
        assert computed == ["4408"]
        _more_trees_in(engine, "440823")
        after = data.coverage(CITY)
        assert computed == ["4408", "440823"], "only the county written in is computed again"
        trees = after["counties"].set_index("code")["trees"] - before["counties"].set_index("code")["trees"]
        assert trees["440823000000"] == 4321 and (trees.drop("440823000000") == 0).all()
        assert int(after["city"]["trees"].iloc[0]) == int(before["city"]["trees"].iloc[0]) + 4321
        with engine.connect() as conn:
            monkeypatch.undo()
            want = frames_of(area_coverage(conn, CITY, report_date(conn)))
        computed = _count_computations(monkeypatch)
        for name in ["villages", "towns", "counties", "city", "lagging", "weekly"]:
            pd.testing.assert_frame_equal(want[name], after[name], check_exact=False, rtol=1e-9, obj=name)
        lead = data.coverage(LEAD)  # the county's lead: the computation the city just made
        assert computed == [] and int(lead["counties"]["trees"].iloc[0]) == int(trees.sum()) + int(
            before["counties"].set_index("code").loc["440823000000", "trees"])
        with engine.begin() as conn:
            bump(conn, ["*"])  # a city-wide change (the catalogue, a city record)
        data.coverage(CITY)
        assert computed == ["4408"], "a change beyond one county: the whole city again"
    finally:
        engine.dispose()


@pytest.mark.usefixtures("settings")
def test_writes_in_many_counties_compute_the_whole_city_again(demo_url, monkeypatch):
    from ui import data

    computed = _count_computations(monkeypatch)
    engine = make_engine(demo_url)
    try:
        data.coverage(CITY)
        counties = ["440802", "440803", "440804", "440811", "440823"]
        assert len(counties) > data.SPLICE_AT_MOST
        for county in counties:
            _more_trees_in(engine, county)
        data.coverage(CITY)
        assert computed[-1] == "4408" and not set(counties) & set(computed)
    finally:
        engine.dispose()


@pytest.mark.usefixtures("settings")
def test_a_demonstration_sites_progress_is_its_areas_plan_completion():
    """Town-level sites (a 绿美示范带 of a town) had no progress: it was summed per nine-digit town
    prefix and looked up by the twelve-digit town code. Now every site takes its village's or
    town's completion from the coverage computation."""
    from ui import data

    sites = data.designations(CITY)
    cov = data.coverage(CITY)
    towns = sites[sites["area_level"] == "town"]
    assert len(towns) > 10 and towns["progress"].notna().all()
    completion = cov["towns"].set_index("code")["completion"].astype(float).clip(upper=1.5)
    assert (towns["progress"] - towns["area_code"].map(completion)).abs().max() < 1e-12
    villages = sites[sites["area_level"] == "village"]
    assert len(villages) > 100 and villages["progress"].notna().all()


@pytest.mark.usefixtures("settings")
def test_after_a_write_in_one_village_only_that_village_is_read_again(demo_url, monkeypatch):
    """The county's lead and the city after a planting in one village: the village's rows are
    read again and patched into the county's previous inputs; the county is not read again, and
    the figures are those of a county read afresh."""
    from greening.coverage.api import area_coverage
    from greening.coverage.load import report_date
    from ui import data
    from ui.coverage_adapter import frames_of

    engine = make_engine(demo_url)
    try:
        data.coverage(CITY), data.coverage(LEAD)
        read = count_reads(monkeypatch)
        with engine.begin() as conn:
            planting = conn.execute(select(Planting.id, Planting.claimed_village_code).where(
                Planting.claimed_village_code.like("440823%")).order_by(Planting.id.desc()).limit(1)).one()
            conn.execute(update(Planting).where(Planting.id == planting[0]).values(tree_count=Planting.tree_count + 777))
            bump(conn, [planting[1]])  # as the audit trail does for a planting
        lead = data.coverage(LEAD)
        assert read == [planting[1]], "only the village written in is read again"
        city = data.coverage(CITY)
        assert read == [planting[1]], "the city splices the county just patched"
        monkeypatch.undo()
        with engine.connect() as conn:
            want = frames_of(area_coverage(conn, LEAD, report_date(conn)))
            want_city = frames_of(area_coverage(conn, CITY, report_date(conn)))
        for name in ["villages", "towns", "counties", "lagging", "weekly"]:
            pd.testing.assert_frame_equal(want[name], lead[name], check_exact=False, rtol=1e-9, obj=name)
        for name in ["villages", "counties", "city", "lagging"]:
            pd.testing.assert_frame_equal(want_city[name], city[name], check_exact=False, rtol=1e-9, obj=name)
        read = count_reads(monkeypatch)
        with engine.begin() as conn:
            bump(conn, ["440823"])  # a change in the county naming no village (a town's record)
        data.coverage(LEAD)
        assert read == ["440823"], "the whole county read again"
    finally:
        engine.dispose()


@pytest.mark.usefixtures("settings")
def test_the_citys_planting_layers_put_together_from_counties_are_the_citys_own(demo_url, monkeypatch):
    """The city's heat map, latest points and count, kept per county: the same as asking the
    database for the city at once; after a planting only its county is asked again."""
    from greening.services import map_layers
    from ui import data

    points, count, cells = data.planting_layers(CITY, limit=500)
    engine = make_engine(demo_url)
    try:
        with engine.connect() as conn:
            want_points = map_layers.latest_planting_points(conn, CITY, limit=500)
            want_count = map_layers.planting_count(conn, CITY)
            want_cells = map_layers.planting_heat_cells(conn, CITY)
        pd.testing.assert_frame_equal(want_points.reset_index(drop=True), points)
        assert count == want_count > 500
        want_cells = want_cells.sort_values(["x", "y"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(want_cells, cells, check_dtype=False)
        asked = count_heat_cell_reads(monkeypatch)
        _more_trees_in(engine, "440882")
        data.planting_layers(CITY, limit=500)
        assert asked == ["440882"]
    finally:
        engine.dispose()


@pytest.mark.usefixtures("settings")
def test_the_headline_figures_are_counted_once_per_data_version(demo_url, monkeypatch):
    """The overview's headline figures were counted by the database on every run of the page (at
    10^6 plantings two seconds of a four-second rerun, the latest survival check of every
    planting among them); now once per data version of the area."""
    import greening.services.totals as totals
    from ui import data
    from ui.figures import headline

    counted: list[str] = []
    real = totals.campaign_totals

    def counting(session, actor):
        counted.append(actor.scope_prefix)
        return real(session, actor)

    monkeypatch.setattr(totals, "campaign_totals", counting)
    data.kept_written()
    first = headline(CITY)
    again = headline(CITY)
    assert again == first and len(counted) <= 1  # 0 when a process before kept the same counts
    engine = make_engine(demo_url)
    try:
        _more_trees_in(engine, "440823")
    finally:
        engine.dispose()
    counted.clear()
    after = headline(CITY)
    assert counted == ["4408"] and after["trees"] == first["trees"] + 4321
