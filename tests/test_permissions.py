"""Scope: nobody reads or changes what is outside their area (ORM, services, Core, cache keys)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from greening.actor import Actor
from greening.auth import actor_from_token, scope_for
from greening.auth.roles import AccountMisconfigured
from greening.models import AuditLog, Planting
from greening.models.enums import Role
from greening.permissions import ACTIONS, PermissionDenied, allowed, install_scope, require, scope_clause
from greening.services import review
from tests.fixtures.accounts import (
    LEIZHOU_V1,
    SUIXI_TOWN,
    SUIXI_V1,
    SUIXI_V2,
    add_planting,
    add_user,
    fast_argon2,  # noqa: F401 - fast_argon2 is a fixture
    login,
    world,
)

SUIXI_LEAD = Actor(user_id=None, username="suixi-lead", role=Role.COUNTY_LEAD, scope_prefix="440823")
LEIZHOU_LEAD = Actor(user_id=None, username="leizhou-lead", role=Role.COUNTY_LEAD, scope_prefix="440882")


@pytest.fixture
def two_counties(db):
    w = world(db)
    plantings = {code: [add_planting(db, w, code, f"{code}-{i}") for i in range(2)]
                 for code in (SUIXI_V1, SUIXI_V2, LEIZHOU_V1)}
    return w, plantings


def as_actor(db, actor):
    install_scope(db, actor)
    db.expunge_all()  # nothing loaded by the system actor may leak through the identity map
    return db


class TestReads:
    def test_orm_queries_only_see_the_actors_county(self, db, two_counties):
        as_actor(db, SUIXI_LEAD)
        codes = set(db.scalars(select(Planting.claimed_village_code)))
        assert codes == {SUIXI_V1, SUIXI_V2}
        assert db.scalar(select(func.count()).select_from(Planting)) == 4

    def test_get_by_id_of_another_county_finds_nothing(self, db, two_counties):
        _, plantings = two_counties
        other = plantings[LEIZHOU_V1][0].id
        as_actor(db, SUIXI_LEAD)
        assert db.get(Planting, other) is None

    def test_core_query_with_scope_clause(self, db, two_counties):
        table = Planting.__table__
        stmt = select(table.c.claimed_village_code).where(scope_clause(LEIZHOU_LEAD, table.c.claimed_village_code))
        rows = db.connection().execute(stmt).scalars().all()
        assert set(rows) == {LEIZHOU_V1} and len(rows) == 2

    def test_town_and_team_scopes_narrow_further(self, db, two_counties):
        as_actor(db, Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=SUIXI_V2))
        assert set(db.scalars(select(Planting.claimed_village_code))) == {SUIXI_V2}

    def test_search_text_is_literal(self, db, two_counties):
        evil = Actor(user_id=None, username="x", role=Role.COUNTY_LEAD, scope_prefix="' OR 1=1 --")
        as_actor(db, evil)
        assert db.scalars(select(Planting)).all() == []


class TestWrites:
    def test_service_refuses_another_countys_record_and_writes_nothing(self, db, two_counties):
        _, plantings = two_counties
        target = plantings[LEIZHOU_V1][0]
        audit_before = db.scalar(select(func.count()).select_from(AuditLog))
        as_actor(db, SUIXI_LEAD)
        with pytest.raises(PermissionDenied) as exc:
            review.verify(db, SUIXI_LEAD, target.id, expected_version=1)
        assert "管辖范围" in exc.value.zh
        install_scope(db, Actor.system("tests"))
        db.flush()
        assert db.get(Planting, target.id).status == "submitted"
        assert db.scalar(select(func.count()).select_from(AuditLog)) == audit_before

    def test_team_cannot_log_a_planting_for_another_village(self, db, two_counties):
        w, _ = two_counties
        team = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=SUIXI_V1)
        assert allowed(team, "planting.create", SUIXI_V1)
        with pytest.raises(PermissionDenied):
            require(team, "planting.create", SUIXI_V2)
        # Even a service that forgot to ask is stopped at the flush.
        as_actor(db, team)
        with pytest.raises(PermissionDenied):
            add_planting(db, w, SUIXI_V2, "sneaky")
        db.rollback()

    def test_a_record_cannot_be_moved_out_of_the_area(self, db, two_counties):
        w, _ = two_counties
        as_actor(db, SUIXI_LEAD)
        mine = db.scalars(select(Planting).where(Planting.claimed_village_code == SUIXI_V1)).first()
        mine.claimed_village_code = LEIZHOU_V1
        with pytest.raises(PermissionDenied):
            db.flush()
        db.rollback()

    def test_bulk_update_is_scoped_too(self, db, two_counties):
        as_actor(db, SUIXI_LEAD)
        db.execute(update(Planting).values(note="checked").execution_options(synchronize_session=False))
        install_scope(db, Actor.system("tests"))
        db.expunge_all()
        notes = dict(db.execute(select(Planting.claimed_village_code, Planting.note)).all())
        assert notes[SUIXI_V1] == "checked" and notes[LEIZHOU_V1] is None


class TestRolesAndAreas:
    def test_role_needs_an_area_of_its_level(self, db):
        w = world(db)
        assert scope_for(Role.CITY, None) == "4408" == scope_for(Role.ADMIN, None)
        assert scope_for(Role.COUNTY_LEAD, w.areas["440823000000"]) == "440823"
        assert scope_for(Role.TOWN_LEAD, w.areas[SUIXI_TOWN]) == "440823101"
        assert scope_for(Role.TEAM, w.areas[SUIXI_V1]) == SUIXI_V1
        for role, code in ((Role.COUNTY_LEAD, SUIXI_V1), (Role.TEAM, SUIXI_TOWN), (Role.TOWN_LEAD, None)):
            with pytest.raises(AccountMisconfigured):
                scope_for(role, w.areas.get(code))

    def test_unknown_action_is_a_programming_error(self):
        with pytest.raises(ValueError):
            allowed(SUIXI_LEAD, "planting.teleport")
        assert {"planting.review", "spotcheck.view", "audit.view", "user.manage"} <= set(ACTIONS)

    def test_require_is_allowed_with_a_reason(self, monkeypatch):
        """One rule: require raises exactly when allowed says no, naming why."""
        import greening.permissions as P

        inside, outside = "440823101201", "440882102201"
        for action in ACTIONS:
            for role in Role:
                actor = Actor(user_id=1, username="u", role=role,
                              scope_prefix="4408" if role in (Role.CITY, Role.ADMIN) else "440823")
                for area in (None, inside, outside):
                    if allowed(actor, action, area):
                        require(actor, action, area)
                        continue
                    with pytest.raises(PermissionDenied) as denied:
                        require(actor, action, area)
                    why = "outside your area" if role in ACTIONS[action] else f"may not do this ({action})"
                    assert why in str(denied.value), (action, role, area)
        with pytest.raises(PermissionDenied, match="log in"):
            require(None, "village.view")
        with pytest.raises(ValueError, match="planting.teleport"):
            require(None, "planting.teleport")
        monkeypatch.setattr(P, "allowed", lambda *a, **k: True)
        P.require(None, "user.manage")  # require asks allowed, it does not decide twice

    def test_every_action_is_checked_where_it_is_done(self):
        from greening.config import REPO_ROOT

        sources = [p for d in ("greening", "ui", "pages") for p in (REPO_ROOT / d).rglob("*.py")
                   if p.name != "permissions.py"] + [REPO_ROOT / "app.py"]
        text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
        unchecked = sorted(a for a in ACTIONS if f'"{a}"' not in text)
        assert unchecked == [], unchecked

    def test_only_admins_manage_users_and_read_the_audit(self):
        for role in Role:
            actor = Actor(user_id=1, username="u", role=role)
            assert allowed(actor, "user.manage") == (role is Role.ADMIN)
            assert allowed(actor, "audit.view") == (role is Role.ADMIN)
        assert not allowed(None, "village.view")


class TestCacheKeys:
    def test_users_of_different_counties_never_share_a_cached_result(self, db, two_counties):
        import streamlit as st

        from ui.cache_keys import scope_actor, scope_key

        calls = []

        @st.cache_data(show_spinner=False)
        def villages_seen(scope: str) -> list[str]:
            calls.append(scope)
            actor = scope_actor(scope)
            stmt = select(Planting.claimed_village_code).where(scope_clause(actor, Planting.claimed_village_code))
            return sorted(set(db.scalars(stmt)))

        suixi = Actor(user_id=7, username="a", role=Role.COUNTY_LEAD, scope_prefix="440823")
        suixi_too = Actor(user_id=8, username="b", role=Role.COUNTY_LEAD, scope_prefix="440823")
        try:
            assert villages_seen(scope_key(suixi)) == [SUIXI_V1, SUIXI_V2]
            assert villages_seen(scope_key(LEIZHOU_LEAD)) == [LEIZHOU_V1]
            assert villages_seen(scope_key(suixi_too)) == [SUIXI_V1, SUIXI_V2]
            assert len(calls) == 2  # same scope, same entry; other scope, its own entry
        finally:
            villages_seen.clear()

    def test_scope_key_round_trips(self):
        from ui.cache_keys import scope_actor, scope_key

        team = Actor(user_id=3, username="t", role=Role.TEAM, scope_prefix=SUIXI_V1, team_id=12)
        back = scope_actor(scope_key(team))
        assert (back.role, back.scope_prefix, back.team_id, back.user_id) == (Role.TEAM, SUIXI_V1, 12, None)
        with pytest.raises(ValueError):
            scope_actor("admin|%|")


class TestDemotionMidSession:
    def test_demoted_lead_loses_the_other_town_on_the_next_action(self, db, two_counties):
        from greening.services import users

        user = add_user(db, "lead", Role.COUNTY_LEAD, "440823000000")
        token = login(db, "lead")
        users.change_role(db, Actor.system("tests"), user.id, role=Role.TEAM, area_code=SUIXI_V1)
        actor = actor_from_token(db, token)
        assert not allowed(actor, "planting.review")
        as_actor(db, actor)
        assert set(db.scalars(select(Planting.claimed_village_code))) == {SUIXI_V1}
