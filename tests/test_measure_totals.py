"""`python -m greening` totals: the 56 measures under six plans and how many are met across the area."""
from __future__ import annotations

import re

import pandas as pd

from greening.actor import Actor
from greening.commands.demo import format_totals
from greening.measures import MeasureSpec
from greening.models.enums import Role
from greening.permissions import install_scope
from greening.services.measure_totals import measure_totals, measure_totals_from
from greening.services.totals import campaign_totals


def _spec(mid: str, plan: int) -> MeasureSpec:
    return MeasureSpec(id=mid, plan=plan, level="village", title_zh=mid, title_en=mid, evaluation="rule")


def test_a_measure_counts_as_met_only_where_every_village_meets_it():
    catalogue = [_spec("1.1", 1), _spec("1.2", 1), _spec("2.1", 2), _spec("2.2", 2)]
    status = pd.DataFrame({"1.1": [True, True, pd.NA], "1.2": [True, False, True],
                           "2.1": [pd.NA, pd.NA, pd.NA], "2.2": [False, False, False]},
                          index=["a", "b", "c"], dtype="boolean")
    t = measure_totals_from(catalogue, status)
    assert (t.measures, t.plans, t.satisfied, t.applicable) == (4, 2, 1, 3)
    assert (t.pairs_met, t.pairs_applicable) == (4, 8) and t.coverage == 0.5
    assert t.by_plan == [(1, 2, 1), (2, 2, 0)]


def test_the_demo_city_and_a_county(demo_engine):
    city = Actor.system("tests")
    with demo_engine.connect() as conn:
        t = measure_totals(conn, city)
        county = measure_totals(conn, Actor(None, "lead", Role.COUNTY_LEAD, scope_prefix="440823"))
    assert (t.measures, t.plans) == (56, 6)
    assert sum(n for _p, n, _d in t.by_plan) == 56 and [p for p, _n, _d in t.by_plan] == [1, 2, 3, 4, 5, 6]
    assert 0 < t.satisfied == sum(d for _p, _n, d in t.by_plan) <= t.applicable <= 56
    assert 0 < t.pairs_met < t.pairs_applicable
    assert county.pairs_applicable < t.pairs_applicable
    from sqlalchemy.orm import Session

    with Session(demo_engine) as session:
        install_scope(session, city)
        text = format_totals(campaign_totals(session, city), t)
    assert re.search(r"措施（条）\s+56\s+\(文章: 56条\)", text)
    assert re.search(r"计划（个）\s+6\s+\(文章: 六大计划\)", text)
    assert re.search(rf"全市已落实的措施\s+{t.satisfied}/56\s", text)
    assert "1. 能力提升兴绿" in text and "6. 担当作为促绿" in text
