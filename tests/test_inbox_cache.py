"""The sidebar's inbox count, drawn on every rerun of every page, is counted once per role and area,
day and data version of the area: again after a write there (through any replica), not per rerun;
the inbox page shows the same computation."""
from __future__ import annotations

import pytest

from greening.actor import Actor
from greening.data_version import bump
from greening.models.enums import Role

pytestmark = pytest.mark.spatialite_only


def _count_inbox_computations(monkeypatch) -> list[str]:
    """The user names the inbox is computed for, in order, from now on."""
    import greening.supervision.inbox as inbox_module

    counted: list[str] = []
    real = inbox_module.inbox

    def counting(session, actor, today):
        counted.append(actor.username)
        return real(session, actor, today)

    monkeypatch.setattr(inbox_module, "inbox", counting)
    return counted


def test_the_inbox_is_counted_again_only_after_a_write_in_the_area(app_engine, monkeypatch):
    from ui.supervision_st import inbox_count

    counted = _count_inbox_computations(monkeypatch)
    team = Actor(user_id=7, username="team-a", role=Role.TEAM, scope_prefix="440823101001")
    assert inbox_count(team) == inbox_count(team) == 0
    assert counted == ["team-a"]
    other = Actor(user_id=8, username="team-b", role=Role.TEAM, scope_prefix="440823101002")
    inbox_count(other)
    assert counted == ["team-a", "team-b"]  # each area its own count
    with app_engine.begin() as conn:
        bump(conn, ["440882"])  # a write in another county: nothing to count again
    inbox_count(team)
    assert len(counted) == 2
    with app_engine.begin() as conn:
        bump(conn, ["440823"])  # a write in the team's county naming no village, through any replica
    inbox_count(team)
    assert counted == ["team-a", "team-b", "team-a"]


def test_a_teams_inbox_is_counted_again_after_its_own_village_changes_not_the_next_one(app_engine, monkeypatch):
    """A planting anywhere in the county made every team of the county count its inbox again (and
    build its map and latest records again): in a busy county the teams' caches never held."""
    from ui.supervision_st import inbox_count

    counted = _count_inbox_computations(monkeypatch)
    team = Actor(user_id=9, username="team-d", role=Role.TEAM, scope_prefix="440823101011")
    lead = Actor(user_id=10, username="county-d", role=Role.COUNTY_LEAD, scope_prefix="440823")
    inbox_count(team), inbox_count(lead)
    assert counted == ["team-d", "county-d"]
    with app_engine.begin() as conn:
        bump(conn, ["440823101012"])  # the next village of the county planted
    inbox_count(team), inbox_count(lead)
    assert counted == ["team-d", "county-d", "county-d"], "the county's lead counts again, the team does not"
    with app_engine.begin() as conn:
        bump(conn, ["440823101011"])  # the team's own village
    inbox_count(team)
    assert counted[-1] == "team-d" and len(counted) == 4


def test_users_of_one_area_and_the_inbox_page_share_one_computation(app_engine, monkeypatch):
    from ui.supervision_st import inbox_count, inbox_of

    counted = _count_inbox_computations(monkeypatch)
    first = Actor(user_id=21, username="team-c1", role=Role.TEAM, scope_prefix="440823101003", team_id=5)
    second = Actor(user_id=22, username="team-c2", role=Role.TEAM, scope_prefix="440823101003", team_id=5)
    assert inbox_count(first) == 0
    box = inbox_of(second)  # another member of the same team, and the page's own read
    assert box.total == 0 and set(box.counts) >= {"to_acknowledge", "care_due", "rejected"}
    assert counted == ["team-c1"]
    lead = Actor(user_id=23, username="town-c", role=Role.TOWN_LEAD, scope_prefix="440823101")
    inbox_of(lead)
    assert counted == ["team-c1", "town-c"]  # another role and area: its own
