"""A village's own progress figures (a team's map) computed from its rows alone equal what the
whole county's computation gives it, on both backends, including a planting credited where it
lies because the village it was claimed for is gone."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select, text

from greening.actor import Actor
from greening.coverage import catalogue_in_force, coverage_context, coverage_for
from greening.coverage.load import report_date
from greening.coverage.progress import PROGRESS_COLUMNS, village_progress
from greening.models import Planting
from greening.models.enums import Role
from greening.services.area_views import area_frame
from ui.coverage_adapter import frames_of

SUIXI = "440823"


def _county() -> Actor:
    return Actor(user_id=None, username="suixi", role=Role.COUNTY_LEAD, scope_prefix=SUIXI)


def _team(code: str) -> Actor:
    return Actor(user_id=None, username=f"team-{code}", role=Role.TEAM, scope_prefix=code)


def _full(conn, actor: Actor) -> pd.DataFrame:
    frame = frames_of(coverage_for(conn, actor, report_date(conn)))["villages"]
    return frame.set_index("code")[PROGRESS_COLUMNS].sort_index()


def _own(conn, actor: Actor, villages) -> pd.DataFrame:
    context = coverage_context(actor.scope_prefix, catalogue_in_force(conn))
    frame = village_progress(conn, actor, villages, report_date(conn), context=context)
    return frame.set_index("code")[PROGRESS_COLUMNS].sort_index()


def test_every_village_of_a_county_as_the_county_computation_has_it(demo_engine):
    with demo_engine.connect() as conn:
        villages = area_frame(conn, _county(), "village")
        full, own = _full(conn, _county()), _own(conn, _county(), villages)
    assert len(full) == len(villages) > 10
    assert full["planted"].sum() > 0 and full["survival"].notna().any() and full["plan_completion"].notna().any()
    pd.testing.assert_frame_equal(own, full, check_dtype=False)


def test_a_team_sees_its_villages_figures_from_the_county_computation(demo_engine):
    with demo_engine.connect() as conn:
        villages = area_frame(conn, _county(), "village")
        full = _full(conn, _county())
        codes = [c for c in full.index if full.loc[c, "planted"] > 0][:2]  # two villages with plantings
        for code in codes:
            own = _own(conn, _team(code), villages[villages["code"] == code])
            pd.testing.assert_frame_equal(own, full.loc[[code]], check_dtype=False)


def test_only_villages_of_the_actors_area_are_computed(demo_engine):
    with demo_engine.connect() as conn:
        villages = area_frame(conn, _county(), "village")
        mine, other = villages["code"].iloc[0], villages["code"].iloc[1]
        own = _own(conn, _team(mine), villages[villages["code"].isin([mine, other])])
    assert list(own.index) == [mine]


def test_a_planting_whose_claimed_village_is_gone_counts_where_it_lies(demo_engine):
    """The full computation credits such a planting to the village its point lies in."""
    with demo_engine.connect() as conn:
        trans = conn.begin()
        try:
            villages = area_frame(conn, _county(), "village")
            full = _full(conn, _county())
            gone, here = [c for c in full.index if full.loc[c, "planted"] > 0][:2]
            moved = conn.execute(select(Planting.id).where(Planting.claimed_village_code == gone,
                                                           Planting.deleted_at.is_(None))).scalars().all()
            conn.execute(text("UPDATE admin_areas SET deleted_at = CURRENT_TIMESTAMP WHERE code = :c"), {"c": gone})
            conn.execute(Planting.__table__.update().where(Planting.id.in_(moved)).values(village_code=here))
            after = _full(conn, _county())
            assert after.loc[here, "planted"] > full.loc[here, "planted"], "the county computation moved them"
            live = villages[villages["code"] != gone]
            pd.testing.assert_frame_equal(_own(conn, _county(), live), after, check_dtype=False)
            pd.testing.assert_frame_equal(_own(conn, _team(here), live[live["code"] == here]), after.loc[[here]],
                                          check_dtype=False)
        finally:
            trans.rollback()
