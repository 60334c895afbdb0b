"""A server computes a county's coverage once for the county's lead, its town leads and every one
of its teams (their figures are judged in the county: one computation, cut to each user's area),
and computes it again after any write in the county, on whichever replica it was made."""
from __future__ import annotations

import pytest

from greening.actor import Actor
from greening.data_version import bump
from greening.models.enums import Role

pytestmark = pytest.mark.spatialite_only


def _team(code: str) -> Actor:
    return Actor(user_id=None, username=f"team-{code}", role=Role.TEAM, scope_prefix=code)


def test_a_countys_users_share_one_computation(app_engine, monkeypatch):
    import greening.coverage.api as api
    from ui import data

    computed = []
    real = api.area_coverage_and_inputs

    def counting(conn, actor, *args, **kwargs):
        computed.append(actor.scope_prefix)
        return real(conn, actor, *args, **kwargs)

    monkeypatch.setattr(api, "area_coverage_and_inputs", counting)
    users = [_team("440823101001"), _team("440823102003"),
             Actor(user_id=None, username="town", role=Role.TOWN_LEAD, scope_prefix="440823101"),
             Actor(user_id=None, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")]
    for actor in users:
        data.coverage(actor)
    assert computed == ["440823101001"]  # the first user's request computed 遂溪 for all four
    data.coverage(Actor(user_id=None, username="leizhou", role=Role.COUNTY_LEAD, scope_prefix="440882"))
    assert len(computed) == 2  # another county, another computation
    with app_engine.begin() as conn:
        bump(conn, ["440823"])  # a write in 遂溪 through any replica
    data.coverage(users[1])
    data.coverage(users[3])
    assert len(computed) == 3
