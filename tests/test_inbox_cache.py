"""The sidebar's inbox count, drawn on every rerun of every page, is counted once per user, day and
data version of the user's area: again after a write there (through any replica), not per rerun."""
from __future__ import annotations

import pytest

from greening.actor import Actor
from greening.data_version import bump
from greening.models.enums import Role

pytestmark = pytest.mark.spatialite_only


def test_the_inbox_is_counted_again_only_after_a_write_in_the_area(app_engine, monkeypatch):
    import greening.supervision.inbox as inbox_module
    from ui.supervision_st import inbox_count

    counted = []
    real = inbox_module.inbox

    def counting(session, actor, today):
        counted.append(actor.username)
        return real(session, actor, today)

    monkeypatch.setattr(inbox_module, "inbox", counting)
    team = Actor(user_id=7, username="team-a", role=Role.TEAM, scope_prefix="440823101001")
    assert inbox_count(team) == inbox_count(team) == 0
    assert counted == ["team-a"]
    other = Actor(user_id=8, username="team-b", role=Role.TEAM, scope_prefix="440823101002")
    inbox_count(other)
    assert counted == ["team-a", "team-b"]  # each user their own count
    with app_engine.begin() as conn:
        bump(conn, ["440882"])  # a write in another county: nothing to count again
    inbox_count(team)
    assert len(counted) == 2
    with app_engine.begin() as conn:
        bump(conn, ["440823"])  # a write in the team's county, through any replica
    inbox_count(team)
    assert counted == ["team-a", "team-b", "team-a"]
