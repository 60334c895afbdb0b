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
from tests.fixtures.demo_db import demo_copy_fixtures

pytestmark = pytest.mark.spatialite_only

demo_url, settings = demo_copy_fixtures("citycoveragedb")

CITY = Actor(user_id=None, username="city-cache", role=Role.CITY, scope_prefix="4408")
LEAD = dataclasses.replace(CITY, username="lead-cache", role=Role.COUNTY_LEAD, scope_prefix="440823")


def _count_computations(monkeypatch) -> list[str]:
    import greening.coverage.api as api

    computed: list[str] = []
    real = api.area_coverage

    def counting(conn, actor, *args, **kwargs):
        computed.append(actor.scope_prefix)
        return real(conn, actor, *args, **kwargs)

    monkeypatch.setattr(api, "area_coverage", counting)
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
