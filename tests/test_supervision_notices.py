"""Supervision notices: issuing, every allowed and refused transition by role and scope, numbers,
overdue and escalation at fixed dates, audit and outbox rows written with the event."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from greening.actor import Actor
from greening.config import override_settings
from greening.models import AuditLog, OutboxMessage, SupervisionNotice
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.supervision import notices as N
from greening.supervision.states import (
    STATES,
    TRANSITIONS,
    IllegalTransition,
    NoticeClock,
    closed_on_time,
    escalation_level,
    is_overdue,
)
from tests.fixtures.accounts import LEIZHOU_V1, SUIXI_V1, SUIXI_V2, add_planting, fast_argon2, world  # noqa: F401

DAY = dt.date(2024, 6, 10)
CITY = Actor(user_id=None, username="city", role=Role.CITY)
ADMIN = Actor(user_id=None, username="admin", role=Role.ADMIN)
SUIXI = Actor(user_id=None, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")
LEIZHOU = Actor(user_id=None, username="leizhou", role=Role.COUNTY_LEAD, scope_prefix="440882")
TOWN = Actor(user_id=None, username="suixi-town", role=Role.TOWN_LEAD, scope_prefix="440823101")
OTHER_TOWN = Actor(user_id=None, username="other-town", role=Role.TOWN_LEAD, scope_prefix="440823102")
TEAM = Actor(user_id=None, username="team-suixi", role=Role.TEAM, scope_prefix=SUIXI_V1)
TEAM_V2 = Actor(user_id=None, username="team-v2", role=Role.TEAM, scope_prefix=SUIXI_V2)
PEOPLE = [{"role": "team_leader", "role_zh": "护绿队队长", "name": "王队长"}]


def draft(code=SUIXI_V1, reasons="1. 种植进度落后"):
    return N.NoticeDraft(code, reasons, ["behind_pace"], list(PEOPLE))


def issue(db, actor=CITY, code=SUIXI_V1, **kw):
    install_scope(db, actor)
    return N.issue_notice(db, actor, draft(code), issued_on=kw.pop("issued_on", DAY), **kw)


def put_in(db, notice, state):
    install_scope(db, Actor.system("tests"))
    notice.status = state
    if state in ("reported", "closed"):
        notice.reported_on = DAY
    db.flush()


def do(db, actor, verb, notice):
    install_scope(db, actor)
    if verb == "acknowledge":
        return N.acknowledge(db, actor, notice.id, on=DAY)
    if verb == "report":
        return N.report(db, actor, notice.id, text="补种 200 株", on=DAY)
    if verb == "close":
        return N.close(db, actor, notice.id, on=DAY)
    return N.return_notice(db, actor, notice.id, reason="照片不清", on=DAY)


class TestIssuing:
    def test_numbers_run_per_year_and_defaults(self, db):
        world(db)
        a, b = issue(db), issue(db, code=SUIXI_V2)
        c = issue(db, issued_on=dt.date(2025, 1, 2))
        assert (a.number, b.number, c.number) == ("2024-0001", "2024-0002", "2025-0001")
        assert N.display_number(b) == "湛绿督〔2024〕2号"
        assert a.deadline == DAY + dt.timedelta(days=14) and a.status == "issued"
        assert a.issuer_scope == "4408" and a.addressees == PEOPLE
        d = N.issue_notice(db, CITY, draft(reasons="种植进度落后：完成 12%（10/80 株）"), issued_on=DAY)
        assert d.reasons == "种植进度落后：完成 12%（10/80 株）"  # full-width punctuation kept

    def test_deadline_setting_and_bad_input(self, db):
        world(db)
        with override_settings(notice_deadline_days=5):
            assert issue(db).deadline == dt.date(2024, 6, 15)
        with pytest.raises(N.NoticeError, match="整改时限 2024-06-10 须晚于下发日期"):
            issue(db, deadline=DAY)
        with pytest.raises(N.NoticeError, match="请填写督办事由"):
            N.issue_notice(db, CITY, draft(reasons="  "), issued_on=DAY)
        with pytest.raises(N.NoticeError, match="控制字符"):
            N.issue_notice(db, CITY, draft(reasons="a\x00b"), issued_on=DAY)
        with pytest.raises(N.NoticeError, match="受文责任人"):
            N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "x", [], [{"name": " "}]), issued_on=DAY)
        with pytest.raises(N.NoticeError, match="村代码 440823101299 不存在"):
            N.issue_notice(db, CITY, draft("440823101299"), issued_on=DAY)
        assert db.scalar(select(SupervisionNotice.id).where(SupervisionNotice.deadline == DAY)) is None

    @pytest.mark.parametrize("actor,code,ok", [
        (CITY, LEIZHOU_V1, True), (ADMIN, SUIXI_V1, True), (SUIXI, SUIXI_V1, True),
        (SUIXI, LEIZHOU_V1, False), (TOWN, SUIXI_V1, False), (TEAM, SUIXI_V1, False)])
    def test_who_may_issue_where(self, db, actor, code, ok):
        world(db)
        if ok:
            assert issue(db, actor, code).village_code == code
        else:
            with pytest.raises(PermissionDenied):
                issue(db, actor, code)

    def test_draft_from_a_lagging_row(self):
        row = {"code": SUIXI_V1, "reason_list": [("behind_pace", "种植进度落后", "Behind"),
                                                 ("no_plan", "未制定计划", "No plan")],
               "team_leader": "王队长", "first_secretary": None, "town_leader": "李镇长（副镇长）",
               "county_leader": ""}
        d = N.draft_from_lagging(row)
        assert d.reasons == "1. 种植进度落后\n2. 未制定计划" and d.reason_codes == ["behind_pace", "no_plan"]
        assert [p["name"] for p in d.addressees] == ["王队长", "李镇长（副镇长）"]

    def test_each_addressee_keeps_their_role(self, db):
        """The lagging list joins several people of one role with 、; each becomes an addressee
        with that role, and the editable text of the issue form keeps the roles."""
        row = {"code": SUIXI_V1, "reason_list": [("behind_pace", "种植进度落后", "Behind")],
               "team_leader": "王队长", "first_secretary": "张三（第一书记）、李四（党建指导员）",
               "town_leader": "赵镇长（副镇长）", "county_leader": "钱县长（副县长）"}
        d = N.draft_from_lagging(row)
        assert [(p["role"], p["name"]) for p in d.addressees] == [
            ("team_leader", "王队长"), ("first_secretary", "张三（第一书记）"), ("first_secretary", "李四（党建指导员）"),
            ("town_leader", "赵镇长（副镇长）"), ("county_leader", "钱县长（副县长）")]
        text = N.addressee_text(d.addressees)
        assert text.startswith("护绿队队长：王队长、第一书记/党建指导员：张三（第一书记）、")
        # edited: one person dropped, one typed without a role, one typed with an English role
        edited = text.replace("、包镇领导：赵镇长（副镇长）", "") + "、孙干事、county leader in charge：周县长"
        people = N.parse_addressees(edited, d.addressees)
        assert [(p["role"], p["role_zh"], p["name"]) for p in people] == [
            ("team_leader", "护绿队队长", "王队长"), ("first_secretary", "第一书记/党建指导员", "张三（第一书记）"),
            ("first_secretary", "第一书记/党建指导员", "李四（党建指导员）"),
            ("county_leader", "包县领导", "钱县长（副县长）"), ("", "", "孙干事"),
            ("county_leader", "包县领导", "周县长")]
        assert N.parse_addressees("王队长", d.addressees)[0]["role"] == "team_leader"  # a known name keeps its role
        world(db)
        install_scope(db, CITY)
        stored = N.issue_notice(db, CITY, N.NoticeDraft(SUIXI_V1, "x", [], people), issued_on=DAY)
        db.flush()
        assert [p["role"] for p in db.get(SupervisionNotice, stored.id).addressees] == [
            "team_leader", "first_secretary", "first_secretary", "county_leader", "", "county_leader"]

    def test_posts_in_english_and_a_post_with_a_comma_read_back(self):
        """In English each addressee's post is in English (李四 (Town head), not 李四（镇长）), and the
        line read back names the person as stored; a post with 、 in it (市委常委、组织部部长) is one
        person, not two (the second half was taken for a person of no role)."""
        row = {"code": SUIXI_V1, "reason_list": [("behind_pace", "种植进度落后", "Behind")],
               "team_leader": "王队长", "town_leader": "李四（镇长）",
               "county_leader": "陈五（市委常委、组织部部长）、林六（高级工程师（林业））"}
        d = N.draft_from_lagging(row)
        en = N.addressee_text(d.addressees, "en")
        assert "李四 (Town head)" in en and "(Municipal Party Standing Committee member, Head of the " \
            "Organisation Department)" in en and "林六 (Senior engineer (forestry))" in en, en
        titles = re.findall(r"\(([^()]*(?:\([^()]*\))?[^()]*)\)", en)
        assert titles and not [x for x in titles if re.search(r"[\u4e00-\u9fff]", x)], titles
        for line in (en, N.addressee_text(d.addressees)):
            people = N.parse_addressees(line, d.addressees)
            assert [(p["role"], p["name"]) for p in people] == [(p["role"], p["name"]) for p in d.addressees], line

    def test_audit_and_outbox_in_the_same_transaction(self, db):
        world(db)
        with override_settings(notify_wecom="440823=http://127.0.0.1:9/wecom;440882=http://127.0.0.1:9/lz",
                               notify_email="4408=city@example.org"):
            n = issue(db)
            msgs = db.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == n.id)).all()
            # a city notice reaches the city's address too; never another county's robot
            assert sorted((m.channel, m.recipient) for m in msgs) == [
                ("email", "city@example.org"), ("wecom", "http://127.0.0.1:9/wecom")]
            assert "湛绿督〔2024〕1号" in msgs[0].body and msgs[0].status == "pending"
            put_in(db, n, "acknowledged")
            do(db, TEAM, "report", n)
            assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.event == "reported")) is not None
        audit = db.scalars(select(AuditLog).where(AuditLog.table_name == "supervision_notices",
                                                  AuditLog.record_id == str(n.id))).all()
        assert [a.action for a in audit] == ["create", "update", "update"]
        assert audit[-1].after["status"] == "reported" and audit[-1].username == "team-suixi"


VERBS = ("acknowledge", "report", "close", "return")


class TestStateMachine:
    @pytest.mark.parametrize("state", STATES)
    @pytest.mark.parametrize("verb", VERBS)
    def test_every_state_and_verb(self, db, state, verb):
        world(db)
        n = issue(db)
        put_in(db, n, state)
        actor = TEAM if verb in ("acknowledge", "report") else CITY
        if (state, verb) in TRANSITIONS:
            assert do(db, actor, verb, n).status == TRANSITIONS[(state, verb)]
        else:
            with pytest.raises(IllegalTransition):
                do(db, actor, verb, n)
            assert n.status == state

    @pytest.mark.parametrize("verb,state", [("acknowledge", "issued"), ("report", "acknowledged")])
    @pytest.mark.parametrize("actor,ok", [(TEAM, True), (TOWN, True), (TEAM_V2, False), (OTHER_TOWN, False),
                                          (SUIXI, False), (CITY, False), (ADMIN, False), (LEIZHOU, False)])
    def test_who_answers(self, db, verb, state, actor, ok):
        world(db)
        n = issue(db)
        put_in(db, n, state)
        if ok:
            assert do(db, actor, verb, n).status != state
        else:
            with pytest.raises(PermissionDenied):
                do(db, actor, verb, n)

    @pytest.mark.parametrize("verb", ["close", "return"])
    @pytest.mark.parametrize("issuer,actor,ok", [
        (CITY, CITY, True), (CITY, ADMIN, True), (CITY, SUIXI, False), (SUIXI, SUIXI, True),
        (SUIXI, CITY, True), (SUIXI, LEIZHOU, False), (SUIXI, TOWN, False), (SUIXI, TEAM, False)])
    def test_who_verifies(self, db, verb, issuer, actor, ok):
        world(db)
        n = issue(db, issuer)
        put_in(db, n, "reported")
        if ok:
            assert do(db, actor, verb, n).status in ("closed", "returned")
        else:
            with pytest.raises(PermissionDenied):
                do(db, actor, verb, n)
            assert n.status == "reported"

    def test_return_and_report_again_then_close(self, db):
        world(db)
        n = issue(db)
        do(db, TEAM, "acknowledge", n)
        do(db, TEAM, "report", n)
        do(db, CITY, "return", n)
        assert (n.status, n.return_reason, n.times_returned) == ("returned", "照片不清", 1)
        do(db, TOWN, "report", n)
        do(db, CITY, "close", n)
        assert (n.status, n.closed_on, n.closed_by) == ("closed", DAY, "city")

    def test_a_stale_version_is_refused(self, db):
        world(db)
        n = issue(db)
        seen = n.version
        do(db, TOWN, "acknowledge", n)
        install_scope(db, TEAM)
        with pytest.raises(N.StaleNotice, match="已被他人处理"):
            N.report(db, TEAM, n.id, text="x", on=DAY, expected_version=seen)

    def test_report_links_only_this_villages_plantings(self, db):
        w = world(db)
        mine, other = add_planting(db, w, SUIXI_V1, "m-1"), add_planting(db, w, SUIXI_V2, "o-1")
        n = issue(db)
        put_in(db, n, "acknowledged")
        install_scope(db, TEAM)
        with pytest.raises(N.NoticeError, match=rf"植树记录 \[{other.id}\] 不属于本村"):
            N.report(db, TEAM, n.id, text="补种", on=DAY, planting_ids=[mine.id, other.id])
        assert n.status == "acknowledged"
        N.report(db, TEAM, n.id, text="补种", on=DAY, planting_ids=[mine.id])
        assert n.report_planting_ids == [mine.id]

    def test_out_of_scope_notice_is_not_even_named(self, db):
        world(db)
        n = issue(db, code=LEIZHOU_V1)
        install_scope(db, SUIXI)
        with pytest.raises(PermissionDenied) as refused:
            N.load_notice(db, SUIXI, n.id)
        assert refused.value.zh == f"督办单 {n.id} 不存在或不在您的管辖范围内。"
        assert db.get(SupervisionNotice, n.id) is n  # identity map; a fresh query is scoped:
        db.expunge_all()
        assert db.scalars(select(SupervisionNotice)).all() == []


class TestClock:
    DEADLINE = dt.date(2024, 6, 24)

    @pytest.mark.parametrize("on,state,level,late", [
        (dt.date(2024, 6, 24), "issued", "town", 0),
        (dt.date(2024, 6, 25), "issued", "county", 1),
        (dt.date(2024, 7, 1), "acknowledged", "county", 7),
        (dt.date(2024, 7, 2), "returned", "city", 8),
        (dt.date(2024, 7, 2), "reported", "town", 0),
        (dt.date(2024, 9, 1), "closed", "town", 0),
    ])
    def test_overdue_and_escalation_at_fixed_dates(self, on, state, level, late):
        clock = NoticeClock.of(state, self.DEADLINE, None, on, 7)
        assert (clock.level, clock.overdue_days) == (level, late)
        assert is_overdue(state, self.DEADLINE, on) == (late > 0)
        assert escalation_level(state, self.DEADLINE, on, 30) == ("town" if late == 0 else "county")

    def test_closed_on_time(self):
        assert closed_on_time("closed", self.DEADLINE, self.DEADLINE)
        assert not closed_on_time("closed", self.DEADLINE, self.DEADLINE + dt.timedelta(days=1))
        assert not closed_on_time("reported", self.DEADLINE, self.DEADLINE)


class TestOneOpenNoticePerVillage:
    """A village could be issued a second notice while its first was still open, and nothing said
    so: a batch now skips villages with an open notice (unless asked to issue again) and says which."""

    def test_a_batch_skips_villages_with_an_open_notice(self, db):
        from greening.supervision.issuing import issue_batch, open_notices

        world(db)
        first = issue(db, code=SUIXI_V1, issued_on=DAY - dt.timedelta(days=7))
        assert open_notices(db, CITY) == {SUIXI_V1: [N.display_number(first)]}
        out = issue_batch(db, CITY, [draft(SUIXI_V1), draft(SUIXI_V2)], issued_on=DAY)
        assert [n.village_code for n in out.issued] == [SUIXI_V2]
        assert out.skipped == {SUIXI_V1: [N.display_number(first)]}
        install_scope(db, Actor.system("tests"))
        assert len(db.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code == SUIXI_V1)).all()) == 1

    def test_the_same_batch_pressed_again_is_said_to_be_issued_not_skipped(self, db):
        """A double press of 下发 whose second run came after the first was saved said
        「没有下发新的督办单。未下发 50 个村（已有未办结督办单）」: the official would think nothing
        was issued, and might issue again. The same drafts, by the same user, the same day, are
        the notices just issued; another user's, another day's or other reasons are still skipped."""
        from greening.supervision.issuing import issue_batch

        world(db)
        install_scope(db, CITY)
        first = issue_batch(db, CITY, [draft(SUIXI_V1), draft(SUIXI_V2)], issued_on=DAY)
        made = {n.village_code: N.display_number(n) for n in first.issued}
        assert sorted(made) == [SUIXI_V1, SUIXI_V2] and first.repeated == {} and first.skipped == {}
        again = issue_batch(db, CITY, [draft(SUIXI_V1), draft(SUIXI_V2)], issued_on=DAY)
        assert again.issued == [] and again.skipped == {}
        assert again.repeated == made  # each village named with the notice it got, not a new one
        other_reasons = issue_batch(db, CITY, [draft(SUIXI_V1, reasons="2. 管护记录不全")], issued_on=DAY)
        assert other_reasons.skipped == {SUIXI_V1: [made[SUIXI_V1]]} and other_reasons.repeated == {}
        next_day = issue_batch(db, CITY, [draft(SUIXI_V1)], issued_on=DAY + dt.timedelta(days=1))
        assert next_day.skipped and not next_day.repeated
        install_scope(db, SUIXI)
        county = issue_batch(db, SUIXI, [draft(SUIXI_V1)], issued_on=DAY)
        assert county.skipped and not county.repeated
        install_scope(db, Actor.system("tests"))
        assert len(db.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code == SUIXI_V1)).all()) == 1

    def test_reissue_on_request_and_a_closed_notice_does_not_count(self, db):
        from greening.supervision.issuing import issue_batch, open_notices

        world(db)
        first = issue(db, code=SUIXI_V1)
        again = issue_batch(db, CITY, [draft(SUIXI_V1)], issued_on=DAY, reissue_open=True)
        assert [n.village_code for n in again.issued] == [SUIXI_V1] and again.skipped == {}
        for n in (first, *again.issued):
            put_in(db, n, "closed")
        install_scope(db, CITY)
        assert open_notices(db, CITY) == {}
        assert [n.village_code for n in issue_batch(db, CITY, [draft(SUIXI_V1)], issued_on=DAY).issued] == [SUIXI_V1]

    def test_open_notices_stay_in_the_readers_area(self, db):
        from greening.supervision.issuing import open_notices

        world(db)
        issue(db, code=SUIXI_V1)
        issue(db, code=LEIZHOU_V1)
        install_scope(db, SUIXI)
        assert set(open_notices(db, SUIXI)) == {SUIXI_V1}


def test_the_notification_writes_the_deadline_as_pages_do(db):
    """The message to the village's robots said 整改时限：2024-06-24 (ISO) where every page says 2024年6月24日."""
    world(db)
    with override_settings(notify_wecom="440823=http://127.0.0.1:9/wecom"):
        n = issue(db)
    install_scope(db, Actor.system("tests"))
    bodies = [m.body for m in db.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == n.id))]
    assert bodies and all("整改时限：2024年6月24日" in b and "deadline 24 Jun 2024" in b for b in bodies), bodies
    assert not any("2024-06-24" in b for b in bodies), bodies


class TestPressedAgain:
    """A step pressed twice (a double tap, a press a second later before the page redrew) is
    answered as done: the second press names the version the first one changed, by the same user
    with the same values. Before, it was refused as 「督办单 1 已被他人处理，请刷新」 over a report
    that had been saved."""

    STEPS = {"acknowledge": ("issued", TEAM), "report": ("acknowledged", TEAM), "close": ("reported", CITY),
             "return": ("reported", CITY)}

    @staticmethod
    def _step(db, actor, verb, notice, seen, **kw):
        install_scope(db, actor)
        if verb == "acknowledge":
            return N.acknowledge(db, actor, notice.id, on=DAY, expected_version=seen)
        if verb == "report":
            return N.report(db, actor, notice.id, text=kw.get("text", "补种 200 株"), on=DAY, expected_version=seen)
        if verb == "close":
            return N.close(db, actor, notice.id, on=DAY, expected_version=seen)
        return N.return_notice(db, actor, notice.id, reason=kw.get("reason", "照片不清"), on=DAY,
                               expected_version=seen)

    @staticmethod
    def _trail(db, notice):
        audit = db.scalars(select(AuditLog).where(AuditLog.table_name == "supervision_notices",
                                                  AuditLog.record_id == str(notice.id))).all()
        sent = db.scalars(select(OutboxMessage).where(OutboxMessage.notice_id == notice.id)).all()
        return len(audit), len(sent)

    @pytest.mark.parametrize("verb", list(STEPS))
    def test_the_same_step_pressed_again_is_done_and_writes_nothing(self, db, verb):
        world(db)
        n = issue(db)
        state, actor = self.STEPS[verb]
        put_in(db, n, state)
        seen = n.version
        first = self._step(db, actor, verb, n, seen)
        db.flush()
        after = (first.status, first.version, self._trail(db, n))
        again = self._step(db, actor, verb, n, seen)
        db.flush()
        assert (again.status, again.version, self._trail(db, n)) == after
        assert again.version == seen + 1

    def test_another_user_at_the_old_version_is_still_told_it_changed(self, db):
        world(db)
        n = issue(db)
        seen = n.version
        self._step(db, TOWN, "acknowledge", n, seen)
        db.flush()
        with pytest.raises(N.StaleNotice) as stale:
            self._step(db, TEAM, "acknowledge", n, seen)
        assert stale.value.zh == "督办单 湛绿督〔2024〕1号 已被他人处理，请刷新页面查看其现状"

    @pytest.mark.parametrize("verb, other", [("report", {"text": "另一份报告"}), ("return", {"reason": "另一个原因"})])
    def test_another_text_or_reason_at_the_old_version_is_still_a_conflict(self, db, verb, other):
        world(db)
        n = issue(db)
        state, actor = self.STEPS[verb]
        put_in(db, n, state)
        seen = n.version
        self._step(db, actor, verb, n, seen)
        db.flush()
        with pytest.raises(N.StaleNotice):
            self._step(db, actor, verb, n, seen, **other)


def test_a_title_with_a_list_mark_stays_one_addressee():
    """「张霞国（市政协副主席）、苏达永（市委常委、宣传部部长）」 was read as three people, one of them
    「宣传部部长）」."""
    d = N.draft_from_lagging({"code": SUIXI_V1, "reasons_zh": "x",
                              "county_leader": "张霞国（市政协副主席）、苏达永（市委常委、宣传部部长）"})
    assert [p["name"] for p in d.addressees] == ["张霞国（市政协副主席）", "苏达永（市委常委、宣传部部长）"]


def test_the_english_addressee_line_reads_back_as_written():
    """In English the line joins people with "; " and names their roles as the lagging cards do
    (Town leader in charge), and it reads back to the same people and roles."""
    people = [{"role": "team_leader", "name": "王队长"},
              {"role": "town_leader", "name": "李四（镇长）"},
              {"role": "county_leader", "name": "苏达永（市委常委、宣传部部长）"}]
    line = N.addressee_text(people, "en")
    assert line.startswith("Team leader: 王队长; Town leader in charge: 李四 ") and "、" not in line.split("(")[0], line
    back = N.parse_addressees(line, people)
    assert [(p["role"], p["name"]) for p in back] == [(p["role"], p["name"]) for p in people], back
