"""A county's coverage after writes in a few villages: its previous inputs with those villages'
rows read again (greening.coverage.patch) give every figure a computation on inputs read afresh
gives, on both backends; the app's county view does that instead of reading the county again."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, update

from greening.actor import Actor
from greening.coverage.api import catalogue_in_force, patched_coverage
from greening.coverage.compute import compute_coverage
from greening.coverage.load import load_inputs, report_date
from greening.coverage.patch import patch, village_inputs
from greening.db import make_engine
from greening.models import Assignment, Attestation, CareCheck, GreeningTeam, Planting, PlantingPlan
from greening.models.enums import Role
from tests.test_coverage_splice import FRAMES

LEAD = Actor(user_id=None, username="patch-test", role=Role.COUNTY_LEAD, scope_prefix="440823")


def _write_in_villages(engine, codes: list[str]) -> None:
    """Writes of every kind a village's rows see: trees, a deletion, a verification, a plan, a
    team, a check, a person's assignment and an attestation (each where the village has one)."""
    a, b, c = codes[:3]
    with engine.begin() as conn:
        ids = conn.execute(select(Planting.id).where(Planting.claimed_village_code == a)
                           .order_by(Planting.id).limit(3)).scalars().all()
        conn.execute(update(Planting).where(Planting.id == ids[0]).values(tree_count=Planting.tree_count + 5000))
        conn.execute(update(Planting).where(Planting.id == ids[1]).values(deleted_at=dt.datetime(2024, 6, 1)))
        conn.execute(update(Planting).where(Planting.id == ids[2]).values(status="verified"))
        conn.execute(update(PlantingPlan).where(PlantingPlan.village_code == b)
                     .values(planned_count=PlantingPlan.planned_count + 900))
        conn.execute(update(GreeningTeam).where(GreeningTeam.village_code == c).values(active=False))
        conn.execute(update(CareCheck).where(CareCheck.village_code == b).values(alive_count=0))
        conn.execute(update(Assignment).where(Assignment.area_code.in_(codes)).values(deleted_at=dt.datetime(2024, 6, 1)))
        conn.execute(update(Attestation).where(Attestation.area_code.in_(codes)).values(status="confirmed"))


def _same(want, got) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(want, name)), pd.DataFrame(getattr(got, name)),
                                      check_exact=False, rtol=1e-9, obj=name)


def test_patched_inputs_give_the_figures_of_inputs_read_afresh(request, backend, demo_engine, tmp_path_factory):
    from tests.conftest import copy_of_database

    engine = make_engine(copy_of_database(request, backend, demo_engine, tmp_path_factory))
    try:
        with engine.connect() as conn:
            catalogue, as_of = catalogue_in_force(conn), report_date(conn)
            before = load_inputs(conn, LEAD, as_of, catalogue=catalogue)
        busiest = before.plantings["claimed_village_code"].astype(str).value_counts()
        codes = busiest.index[:4].tolist()  # the first has at least three plantings
        assert busiest.iloc[0] >= 3
        _write_in_villages(engine, codes)
        with engine.connect() as conn:
            afresh = load_inputs(conn, LEAD, as_of, catalogue=catalogue)
            result, patched = patched_coverage(conn, LEAD, before, codes)
        want = compute_coverage(afresh, catalogue, as_of=as_of)
        _same(want, result)
        old = compute_coverage(before, catalogue, as_of=as_of).villages.set_index("code")
        new = want.villages.set_index("code")
        assert new.loc[codes[0], "trees"] != old.loc[codes[0], "trees"]  # the writes mattered
        assert new.loc[codes[1], "planned"] != old.loc[codes[1], "planned"]
        assert len(patched.plantings) == len(afresh.plantings)
    finally:
        engine.dispose()


def test_patching_refuses_what_it_cannot_patch(demo_engine):
    with demo_engine.connect() as conn:
        as_of = report_date(conn)
        inputs = load_inputs(conn, LEAD, as_of)
        other = village_inputs(conn, dataclasses.replace(LEAD, role=Role.CITY, scope_prefix="4408"),
                               ["440882001001"], as_of)
    with pytest.raises(ValueError, match="not in the computed area"):
        patch(inputs, other)
    code = str(inputs.villages["code"].iloc[0])
    stale = {code: dataclasses.replace(inputs, as_of=as_of - dt.timedelta(days=1))}
    with pytest.raises(ValueError, match="as of"):
        patch(inputs, stale)
    assert patch(inputs, {}) is inputs
