"""Review of plantings: verify, reject with a reason, stale versions, the team's view, spot checks."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from greening.actor import Actor
from greening.db import session_scope
from greening.models import AuditLog, Planting
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services import review
from greening.services.review import Conflict, period_range
from tests.fixtures.accounts import LEIZHOU_V1, SUIXI_V1, SUIXI_V2, add_planting, fast_argon2, world  # noqa: F401

TOWN_LEAD = Actor(user_id=None, username="town-lead", role=Role.TOWN_LEAD, scope_prefix="440823101")
COUNTY_LEAD = Actor(user_id=None, username="county-lead", role=Role.COUNTY_LEAD, scope_prefix="440823")
TEAM = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=SUIXI_V1)
CITY = Actor(user_id=None, username="city", role=Role.CITY)


@pytest.fixture
def village_records(db):
    w = world(db)
    return w, [add_planting(db, w, SUIXI_V1, f"s-{i}") for i in range(3)]


class TestDecisions:
    def test_verify_and_reject_with_reason(self, db, village_records):
        _, (a, b, _c) = village_records
        install_scope(db, TOWN_LEAD)
        review.verify(db, TOWN_LEAD, a.id, expected_version=a.version)
        review.reject(db, TOWN_LEAD, b.id, expected_version=b.version, reason="  照片与地点不符  ")
        assert (a.status, a.reject_reason, a.version) == ("verified", None, 2)
        assert (b.status, b.reject_reason) == ("rejected", "照片与地点不符")
        assert b.reviewed_at is not None

    def test_reject_needs_a_reason(self, db, village_records):
        _, (a, *_) = village_records
        for reason in ("", "   ", None):
            with pytest.raises(ValueError, match="原因"):
                review.reject(db, TOWN_LEAD, a.id, expected_version=1, reason=reason)
        assert a.status == "submitted"

    def test_a_stale_version_is_a_conflict(self, db, village_records):
        _, (a, *_) = village_records
        install_scope(db, TOWN_LEAD)
        seen = a.version
        a.tree_count = 8  # the team corrects the count meanwhile
        db.flush()
        with pytest.raises(Conflict) as exc:
            review.verify(db, TOWN_LEAD, a.id, expected_version=seen)
        assert str(exc.value) == "记录已被他人修改，请刷新 / the record changed, reload"
        assert a.status == "submitted"

    def test_roles_outside_review_and_own_records_are_refused(self, db, village_records):
        _, (a, *_) = village_records
        for actor in (TEAM, CITY):
            with pytest.raises(PermissionDenied):
                review.verify(db, actor, a.id, expected_version=1)
        mine = Actor(user_id=a.created_by_id or 99, username="lead", role=Role.TOWN_LEAD, scope_prefix="440823101")
        a.created_by_id = mine.user_id
        db.flush()
        with pytest.raises(PermissionDenied, match="own|submitted"):
            review.verify(db, mine, a.id, expected_version=a.version)

    def test_other_town_is_out_of_reach(self, db, village_records):
        w, _ = village_records
        other = add_planting(db, w, LEIZHOU_V1, "l-1")
        with pytest.raises(PermissionDenied):
            review.reject(db, COUNTY_LEAD, other.id, expected_version=1, reason="x")
        with pytest.raises(PermissionDenied):
            review.verify(db, TOWN_LEAD, 10**9, expected_version=1)


class TestTwoReviewers:
    def test_second_reviewer_is_told_and_audit_shows_both_steps(self, fresh_engine):
        system = Actor.system("tests")
        with session_scope(fresh_engine) as s:
            install_scope(s, system)
            w = world(s)
            pid = add_planting(s, w, SUIXI_V1, "race").id
        # Both reviewers load the queue and see version 1.
        seen = {}
        for who in (TOWN_LEAD, COUNTY_LEAD):
            with session_scope(fresh_engine) as s:
                install_scope(s, who)
                q = review.review_queue(s, who)
                seen[who.username] = int(q.set_index("id").loc[pid, "version"])
        with session_scope(fresh_engine) as s:
            install_scope(s, TOWN_LEAD)
            review.verify(s, TOWN_LEAD, pid, expected_version=seen["town-lead"])
        with pytest.raises(Conflict), session_scope(fresh_engine) as s:
            install_scope(s, COUNTY_LEAD)
            review.reject(s, COUNTY_LEAD, pid, expected_version=seen["county-lead"], reason="数量不实")
        # Reloaded, the county lead can still overrule, and the trail holds both decisions.
        with session_scope(fresh_engine) as s:
            install_scope(s, COUNTY_LEAD)
            review.reject(s, COUNTY_LEAD, pid, expected_version=2, reason="数量不实")
        with session_scope(fresh_engine) as s:
            install_scope(s, system)
            rows = s.scalars(select(AuditLog).where(AuditLog.table_name == "plantings",
                                                    AuditLog.record_id == str(pid)).order_by(AuditLog.id)).all()
            assert [(r.action, r.username) for r in rows] == [
                ("create", "system:tests"), ("update", "town-lead"), ("update", "county-lead")]
            assert rows[1].before["status"] == "submitted" and rows[1].after["status"] == "verified"
            assert rows[2].after == {**rows[2].after, "status": "rejected", "reject_reason": "数量不实"}
            assert s.get(Planting, pid).version == 3


class TestPressedAgain:
    """A reviewer's double press whose first run was cut short sends the same decision for the
    same version twice: the second is answered as done (nothing changes), not as a conflict. On
    a phone the reviewer saw only 「已被处理或修改，本次提交未作任何更改」 after a double tap."""

    @pytest.fixture
    def reviewer(self, db, village_records):
        from tests.fixtures.accounts import add_user

        user = add_user(db, "town-reviewer", Role.TOWN_LEAD, "440823101000")
        actor = Actor(user_id=user.id, username=user.username, role=Role.TOWN_LEAD, scope_prefix="440823101")
        install_scope(db, actor)
        return actor, village_records[1]

    def test_the_same_verify_again_is_done_and_writes_nothing(self, db, reviewer):
        actor, (a, *_) = reviewer
        seen = a.version
        review.verify(db, actor, a.id, expected_version=seen)
        again = review.verify(db, actor, a.id, expected_version=seen)
        assert (again.id, again.status, again.version) == (a.id, "verified", seen + 1)
        assert len(db.scalars(select(AuditLog).where(AuditLog.table_name == "plantings", AuditLog.action == "update",
                                                     AuditLog.record_id == str(a.id))).all()) == 1

    def test_the_same_rejection_again_is_done(self, db, reviewer):
        actor, (_a, b, _c) = reviewer
        review.reject(db, actor, b.id, expected_version=b.version, reason="照片不清")
        assert review.reject(db, actor, b.id, expected_version=b.version - 1, reason=" 照片不清 ").status == "rejected"
        assert b.version == 2

    def test_another_decision_or_reviewer_at_the_old_version_is_still_a_conflict(self, db, reviewer):
        actor, (a, *_) = reviewer
        review.verify(db, actor, a.id, expected_version=1)
        with pytest.raises(Conflict):
            review.reject(db, actor, a.id, expected_version=1, reason="改判")
        with pytest.raises(Conflict):  # the same decision by someone else: they did not see it
            review.verify(db, COUNTY_LEAD, a.id, expected_version=1)
        assert (a.status, a.version) == ("verified", 2)


class TestTeamView:
    def test_rejected_records_stay_visible_to_their_team_with_the_reason(self, db, village_records):
        w, (a, *_) = village_records
        add_planting(db, w, SUIXI_V2, "other-village")
        review.reject(db, TOWN_LEAD, a.id, expected_version=1, reason="坐标在村外")
        install_scope(db, TEAM)
        df = review.team_records(db, TEAM, limit=50)
        assert set(df["village_code"]) == {SUIXI_V1} and len(df) == 3
        row = df.set_index("id").loc[a.id]
        assert (row["status"], row["reject_reason"]) == ("rejected", "坐标在村外")

    def test_review_queue_lists_only_pending_records_of_the_area(self, db, village_records):
        w, (a, *_) = village_records
        add_planting(db, w, LEIZHOU_V1, "far")
        review.verify(db, TOWN_LEAD, a.id, expected_version=1)
        df = review.review_queue(db, COUNTY_LEAD)
        assert len(df) == 2 and set(df["village_code"]) == {SUIXI_V1} and "version" in df


class TestSpotCheck:
    @pytest.fixture
    def many(self, db):
        w = world(db)
        for i in range(40):
            add_planting(db, w, SUIXI_V1, f"v1-{i:02d}", planted_on=dt.date(2024, 3, 1 + i % 28), flush=False)
        for i in range(3):
            add_planting(db, w, SUIXI_V2, f"v2-{i}", planted_on=dt.date(2024, 4, 2), flush=False)
        add_planting(db, w, SUIXI_V2, "v2-last-year", planted_on=dt.date(2023, 4, 2))
        add_planting(db, w, LEIZHOU_V1, "l-0", planted_on=dt.date(2024, 4, 2))
        return w

    def test_share_of_each_village_at_least_one(self, db, many):
        df = review.spot_check(db, COUNTY_LEAD, period="2024", seed=7, share=0.1)
        assert df.groupby("village_code").size().to_dict() == {SUIXI_V1: 4, SUIXI_V2: 1}
        assert set(df["submission_id"]).isdisjoint({"v2-last-year", "l-0"})

    def test_same_inputs_same_list_other_seed_other_list(self, db, many):
        first = review.spot_check(db, COUNTY_LEAD, period="2024", seed=7, share=0.1)
        again = review.spot_check(db, COUNTY_LEAD, period="2024", seed=7, share=0.1)
        other = review.spot_check(db, COUNTY_LEAD, period="2024", seed=8, share=0.1)
        assert first.equals(again)
        assert list(first["submission_id"]) != list(other["submission_id"])

    def test_default_share_from_settings_and_rejected_left_out(self, db, many):
        from greening.config import override_settings

        with override_settings(spot_check_share=0.25):
            df = review.spot_check(db, CITY, period="2024-03", seed=1)
        assert len(df[df["village_code"] == SUIXI_V1]) == 10
        rejected = db.scalars(select(Planting).where(Planting.submission_id == "l-0")).one()
        review.reject(db, Actor.system("tests"), rejected.id, expected_version=1, reason="不实")
        assert LEIZHOU_V1 not in set(review.spot_check(db, CITY, period="2024", seed=1)["village_code"])

    def test_share_float_rounding_does_not_add_a_record(self, db):
        w = world(db)
        for i in range(100):
            add_planting(db, w, SUIXI_V1, f"r-{i}", planted_on=dt.date(2024, 5, 1), flush=False)
        db.flush()
        assert len(review.spot_check(db, TOWN_LEAD, period="2024-Q2", share=0.07)) == 7

    def test_periods(self):
        assert period_range("2024") == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
        assert period_range("2024-12") == (dt.date(2024, 12, 1), dt.date(2025, 1, 1))
        assert period_range("2024-Q4") == (dt.date(2024, 10, 1), dt.date(2025, 1, 1))
        assert period_range("2024-Q1") == (dt.date(2024, 1, 1), dt.date(2024, 4, 1))
        for bad in ("2024-13", "24", "2024-Q5", "' OR 1=1 --", ""):
            with pytest.raises(ValueError):
                period_range(bad)

    def test_team_cannot_draw_and_area_must_be_inside(self, db, many):
        with pytest.raises(PermissionDenied):
            review.spot_check(db, TEAM, period="2024")
        with pytest.raises(PermissionDenied):
            review.spot_check(db, TOWN_LEAD, period="2024", area_code=LEIZHOU_V1)
