"""The city's coverage after writes in one county: its previous computation with that county
computed again (greening.coverage.splice) gives every figure the whole city computed again gives,
on both backends; the app's city view does that instead of computing the city again."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update

from greening.actor import Actor
from greening.coverage.api import area_coverage, catalogue_in_force
from greening.coverage.load import report_date
from greening.coverage.splice import counties_of, splice, spliceable
from greening.db import make_engine
from greening.models import AdminArea, Planting, PlantingPlan
from greening.models.enums import AreaLevel, Role

CITY = Actor(user_id=None, username="splice-test", role=Role.CITY, scope_prefix="4408")
FRAMES = ["villages", "towns", "counties", "city", "measure_status", "weekly", "unassigned", "outside", "lagging"]


def _county(code: str) -> Actor:
    return dataclasses.replace(CITY, role=Role.COUNTY_LEAD, scope_prefix=code)


def assert_same(want, got) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(want, name)), pd.DataFrame(getattr(got, name)),
                                      check_exact=False, rtol=1e-9, obj=name)
    for part in ["4408", "440823", "440823101", "440882"]:  # weekly series of parts, from the spliced source
        pd.testing.assert_frame_equal(want.within(part).weekly, got.within(part).weekly, obj=f"weekly {part}")


def _computations(engine, counties=None):
    with engine.connect() as conn:
        as_of = report_date(conn)
        whole = area_coverage(conn, CITY, as_of)
        fresh = {c: area_coverage(conn, _county(c), as_of) for c in (counties or counties_of(whole))}
    return whole, fresh


def test_every_county_spliced_in_again_gives_the_citys_own_figures(demo_engine):
    whole, fresh = _computations(demo_engine)
    assert len(fresh) == 9
    with demo_engine.connect() as conn:
        assert spliceable(catalogue_in_force(conn), fresh)
    for county, result in fresh.items():
        assert_same(whole, splice(whole, {county: result}))
    assert_same(whole, splice(whole, fresh))
    assert splice(whole, {}) is whole


def _village_of(conn, county: str, skip: int = 0) -> tuple[str, str]:
    row = conn.execute(select(AdminArea.code, AdminArea.name).where(
        AdminArea.level == AreaLevel.VILLAGE, AdminArea.code.like(county + "%"))
        .order_by(AdminArea.code).offset(skip).limit(1)).one()
    return row[0], row[1]


def _write_in_county(engine, county: str, neighbour: str) -> int:
    """Several kinds of change inside ``county``: more trees, a planting deleted, a plan raised,
    and one planting whose point the join placed in a village of ``neighbour`` (across the county
    line). Returns that planting's id."""
    with engine.begin() as conn:
        ids = conn.execute(select(Planting.id).where(
            Planting.claimed_village_code.like(county + "%"), Planting.deleted_at.is_(None))
            .order_by(Planting.id).limit(4)).scalars().all()
        conn.execute(update(Planting).where(Planting.id == ids[0]).values(tree_count=Planting.tree_count + 5000))
        conn.execute(update(Planting).where(Planting.id == ids[1]).values(deleted_at=dt.datetime(2024, 6, 1)))
        village, _ = _village_of(conn, county)
        conn.execute(update(PlantingPlan).where(PlantingPlan.village_code == village)
                     .values(planned_count=PlantingPlan.planned_count + 900))
        across, _ = _village_of(conn, neighbour, skip=3)
        conn.execute(update(Planting).where(Planting.id == ids[2]).values(village_code=across))
    return ids[2]


def test_after_writes_in_one_county_the_spliced_city_is_the_city_computed_again(
        request, backend, demo_engine, tmp_path_factory):
    from tests.conftest import copy_of_database

    engine = make_engine(copy_of_database(request, backend, demo_engine, tmp_path_factory))
    try:
        before, _ = _computations(engine, counties=["440823"])
        _write_in_county(engine, "440823", neighbour="440882")
        after, fresh = _computations(engine, counties=["440823"])
        changed = after.counties.set_index("code")["trees"] - before.counties.set_index("code")["trees"]
        assert changed["440823000000"] != 0 and (changed.drop("440823000000") == 0).all()
        assert_same(after, splice(before, fresh))
    finally:
        engine.dispose()


def test_a_point_across_the_county_line_is_in_the_neighbouring_village_for_the_county_too(
        request, backend, demo_engine, tmp_path_factory):
    """A county's own computation (its lead's pages) listed a planting whose point lies in a
    neighbouring county's village as "in no village"; the city's said which village it is in."""
    from tests.conftest import copy_of_database

    engine = make_engine(copy_of_database(request, backend, demo_engine, tmp_path_factory))
    try:
        moved = _write_in_county(engine, "440823", neighbour="440882")
        with engine.connect() as conn:
            across, name = _village_of(conn, "440882", skip=3)
        whole, fresh = _computations(engine, counties=["440823"])
        for result in (whole, fresh["440823"]):
            assert moved not in set(result.unassigned["id"])
            row = result.outside[result.outside["id"] == moved]
            assert row[["located_village_code", "located_village_name"]].values.tolist() == [[across, name]]
    finally:
        engine.dispose()


def test_splicing_refuses_what_it_cannot_splice(demo_engine):
    whole, fresh = _computations(demo_engine, counties=["440823"])
    with pytest.raises(ValueError, match="not in the computed area"):
        splice(whole.within("440882"), fresh)
    stale = dataclasses.replace(fresh["440823"], as_of=whole.as_of - dt.timedelta(days=1))
    with pytest.raises(ValueError, match="as of"):
        splice(whole, {"440823": stale})
    with pytest.raises(ValueError, match="is of"):
        splice(whole, {"440823": fresh["440823"].within("440823101")})


def test_coverage_reads_every_planting_once_and_gets_the_databases_sums(demo_engine):
    """The coverage computation reads every year's plantings once and derives the campaign year's,
    the care schedule's and the trees since the earlier raster from them: the same figures as
    the database's own selections and sums."""
    from greening.coverage.load import load_inputs
    from greening.greencover.change import load_cover
    from greening.supervision.care_schedule import overdue_summary

    with demo_engine.connect() as conn:
        as_of = report_date(conn)
        inputs = load_inputs(conn, CITY, as_of, catalogue=catalogue_in_force(conn))
        every = pd.read_sql(select(Planting.id, Planting.claimed_village_code, Planting.planted_on,
                                   Planting.tree_count, Planting.status).where(
            Planting.deleted_at.is_(None), Planting.status != "rejected", Planting.planted_on <= as_of), conn)
        codes = inputs.villages["code"].astype(str)
        by_database, _ = load_cover(conn, "4408", as_of, codes, inputs.villages)
        from_frame, _ = load_cover(conn, "4408", as_of, codes, inputs.villages, plantings=every)
    pd.testing.assert_frame_equal(by_database, from_frame)
    assert by_database["trees_since_prev"].notna().sum() > 100  # the demo's rasters: 2022 and 2024
    year = pd.Timestamp(as_of.year, 1, 1)
    assert len(inputs.plantings) == int((pd.to_datetime(every["planted_on"]) >= year).sum())
    assert len(inputs.care_overdue) and int(inputs.care_overdue["overdue"].sum()) > 0
    with demo_engine.connect() as conn:
        verified = every[every["status"] == "verified"].rename(columns={"id": "planting_id",
                                                                      "claimed_village_code": "village_code"})
        from greening.models import CareCheck

        checks = pd.read_sql(select(CareCheck.planting_id, CareCheck.checked_on).where(
            CareCheck.deleted_at.is_(None), CareCheck.checked_on <= as_of), conn)
    want = overdue_summary(verified[["planting_id", "village_code", "planted_on"]], checks, as_of)
    pd.testing.assert_frame_equal(want.reset_index(drop=True), inputs.care_overdue.reset_index(drop=True),
                                  check_dtype=False)
