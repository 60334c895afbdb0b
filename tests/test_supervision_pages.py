"""Supervision pages headless: the inbox a team sees right after logging in (and acknowledging from
it), the issue panel on the lagging page, the notices page and the ranking page."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from greening.actor import Actor
from greening.db import make_engine, session_scope
from greening.models import SupervisionNotice, User
from greening.models.enums import Role
from greening.permissions import install_scope
from greening.supervision import notices as N
from tests.test_pages_apptest import _app, _no_exception, _texts, app_db, settings  # noqa: F401

TEAM_VILLAGE = "440823101001"  # team-suixi's village in the demo


def _issue(code: str = TEAM_VILLAGE) -> SupervisionNotice:
    with session_scope(make_engine()) as s:
        u = s.scalar(select(User).where(User.username == "city"))
        actor = Actor(user_id=u.id, username="city", role=Role.CITY)
        install_scope(s, actor)
        return N.issue_notice(s, actor, N.NoticeDraft(code, "1. 管护记录不全", [], [{"name": "队长（示例）"}]),
                              issued_on=dt.date(2024, 6, 10))


def test_team_sees_the_notice_on_log_in_and_acknowledges_it(settings):  # noqa: F811
    notice = _issue()
    at = _app("team-suixi")
    _no_exception(at)
    assert [h.value for h in at.subheader][0] == "待办"
    text = _texts(at)
    assert "待签收督办单 · 1" in text and f"湛绿督〔2024〕{notice.seq}号" in text
    at.button(key=f"ack_{notice.id}_ack").click().run()
    _no_exception(at)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        stored = s.get(SupervisionNotice, notice.id)
        assert (stored.status, stored.acknowledged_by) == ("acknowledged", "team-suixi")
    assert "待上报整改 · 1" in _texts(at)


def test_lagging_page_offers_the_issue_panel_to_the_city_only(settings):  # noqa: F811
    city = _app("city", "pages/lagging.py")
    _no_exception(city)
    pick = city.multiselect(key="sup_issue_0_pick")
    # no 全选: with 183 lagging villages it picked the first 50 without a word, one press from 50 notices
    assert pick is not None and not pick.proto.select_all and pick.proto.max_selections == 50
    town = _app("suixi-town", "pages/lagging.py")
    _no_exception(town)
    assert "sup_issue_0_pick" not in [w.key for w in town.multiselect]


def test_notices_and_ranking_pages(settings):  # noqa: F811
    _issue("440823101201")
    at = _app("suixi", "pages/notices.py")
    _no_exception(at)
    assert at.subheader[0].value == "督办单" and at.selectbox(key="notice_pick").options
    at = _app("city", "pages/ranking.py")
    _no_exception(at)
    at.button(key="rank_freeze").click().run()
    _no_exception(at)
    assert "县（市、区）" in _texts(at) and "镇（街道）" in _texts(at)
    # the freeze is confirmed on the page that shows the frozen table (the rerun had wiped it)
    assert any(s.value.startswith("已冻结 ") for s in at.success), [s.value for s in at.success]


def _english(user: str, page: str | None = None):
    at = _app(user, page)
    at.session_state["lang"] = "en"
    at.run()
    _no_exception(at)
    return at


def test_notice_states_are_in_english_on_an_english_page(settings):  # noqa: F811
    notice = _issue("440823101202")
    at = _english("suixi", "pages/notices.py")
    at.selectbox(key="notice_pick").set_value(notice.id).run()
    facts = next(c.value for c in at.caption if c.value.startswith("Status"))
    assert "issued, to acknowledge" in facts and "待签收" not in facts, facts
    table = next(df.value for df in at.dataframe if "Status" in df.value.columns)
    assert "issued, to acknowledge" in set(table["Status"]) and not table["Status"].str.contains("待").any()
    assert set(table["Level"]) <= {"town", "county", "city"}, set(table["Level"])
    town = _english("suixi-town")  # right after logging in: the inbox
    line = next(m.value for m in town.markdown if f"〔2024〕{notice.seq}号" in m.value)
    assert "issued, to acknowledge" in line and "待签收" not in line, line


def test_an_english_notice_names_each_addressees_post_in_english(settings):  # noqa: F811
    """督办单 in English listed its addressees' posts in Chinese: town lead in charge: 李四（镇长）."""
    import re

    with session_scope(make_engine()) as s:
        u = s.scalar(select(User).where(User.username == "city"))
        actor = Actor(user_id=u.id, username="city", role=Role.CITY)
        install_scope(s, actor)
        notice = N.issue_notice(s, actor, N.NoticeDraft("440823101204", "1. 管护记录不全", [], [
            {"role": "town_leader", "name": "李四（镇长）"},
            {"role": "county_leader", "name": "陈五（市委常委、组织部部长）"},
            {"role": "first_secretary", "name": "林六（高级工程师（林业））"}]), issued_on=dt.date(2024, 6, 10))
        nid = notice.id
    at = _english("suixi", "pages/notices.py")
    at.selectbox(key="notice_pick").set_value(nid).run()
    _no_exception(at)
    line = next(c.value for c in at.caption if "Town leader in charge" in c.value)
    # the roles worded as on the lagging cards, people joined with "; " (a 、 only inside a post's
    # brackets): it read 「town lead in charge: 李四 (Town head)、county lead in charge: …」
    assert line.startswith("Town leader in charge\\: ") and "; County leader in charge\\: " in line \
        and "; First secretary / instructor\\: " in line, line
    assert not re.search(r"[)）]、", line), line
    assert "李四 \\(Town head\\)" in line or "李四 (Town head)" in line, line
    posts = re.findall(r"\\?\(([^()]+?(?:\\?\([^()]*\\?\))?)\\?\)", line)
    assert len(posts) == 3 and not [p for p in posts if re.search(r"[\u4e00-\u9fff]", p)], (posts, line)
    assert "（" not in line, line


def test_the_issue_form_keeps_each_addressees_role(settings):  # noqa: F811
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    code = box.options[0].split("（")[-1].rstrip("）") if "（" in box.options[0] else box.options[0]
    box.set_value([code]).run()
    _no_exception(at)
    people = at.text_input(key=f"sup_issue_0_p_{code}").value
    assert "包镇领导：" in people and "包县领导：" in people, people
    next(b for b in at.button if b.label == "下发").click().run()
    _no_exception(at)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        n = s.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code == code)).all()[-1]
        roles = {p["role"] for p in n.addressees}
        assert {"town_leader", "county_leader"} <= roles and "" not in roles, n.addressees


def test_a_second_press_of_issue_does_not_issue_the_batch_again(settings):  # noqa: F811
    """下发 pressed twice (a double press, or a press a second later) issued every notice of the
    batch twice: 50 villages picked, 100 notices, and the message named only the second 50."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    codes = [o.split("（")[-1].rstrip("）") for o in box.options[-2:]]  # villages no other test issues to
    box.set_value(codes).run()
    issue = next(b for b in at.button if b.label == "下发")
    issue.click().run()
    _no_exception(at)
    # The page is drawn again at once with the next batch's form: the pressed 下发 is not on it, so
    # a second press (a double press is delivered for the old button's id) reaches nothing.
    again = [b for b in at.button if b.label == "下发"]
    assert len(again) == 1 and again[0].id != issue.id and again[0].disabled  # nothing picked yet
    at.run()  # and a later rerun issues nothing either
    _no_exception(at)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        made = s.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code.in_(codes))).all()
    assert sorted(n.village_code for n in made) == sorted(codes), [(n.village_code, n.seq) for n in made]
    numbers = [f"〔{n.year}〕{n.seq}号" for n in made]
    shown = [m.value for m in at.success]
    assert any(all(x in m for x in numbers) for m in shown), (numbers, shown)
    assert at.multiselect(key="sup_issue_1_pick").value == []  # a fresh form for the next batch


def test_a_refusal_among_several_villages_names_the_village(settings):  # noqa: F811
    """Issuing to several villages at once, a refused draft is named (the message alone, 请填写督办事由,
    left the official to search every village's fields); nothing is issued."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    first, second = box.options[1:3]  # the first option may be "select all"
    codes = [o.split("（")[-1].rstrip("）") for o in (first, second)]
    box.set_value(codes).run()
    _no_exception(at)
    at.text_area(key=f"sup_issue_0_r_{codes[1]}").set_value("")
    next(b for b in at.button if b.label == "下发").click().run()
    _no_exception(at)
    errors = [e.value for e in at.error]
    name = second.rsplit("（", 1)[0]
    assert errors == [f"{name}：请填写督办事由"], errors
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        assert not s.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code.in_(codes))).all()
    at.session_state["lang"] = "en"
    at.run()
    next(b for b in at.button if b.label == "Issue").click().run()
    # the message is markdown-escaped (a colon could start a :shortcode:); on screen the backslash is not shown
    assert [e.value.replace("\\", "") for e in at.error] == [f"{name}: please fill in the reasons"]


def test_a_report_without_linked_plantings_shows_no_empty_brackets(settings):  # noqa: F811
    """The report's text was followed by "()" when no planting was linked to it."""
    notice = _issue("440823101203")
    team = Actor(user_id=None, username="team-test", role=Role.TEAM, scope_prefix="440823101203")
    with session_scope(make_engine()) as s:
        install_scope(s, team)
        N.acknowledge(s, team, notice.id, on=dt.date(2024, 6, 10))
        N.report(s, team, notice.id, text="已补植 20 株", on=dt.date(2024, 6, 10))
    at = _app("suixi", "pages/notices.py")
    at.selectbox(key="notice_pick").set_value(notice.id).run()
    _no_exception(at)
    assert "已补植 20 株" in [t.value for t in at.text]


def test_a_village_with_an_open_notice_is_marked_and_not_issued_again(settings):  # noqa: F811
    """The city could issue a second notice to a village whose first was still open, with no word
    that one was open: the picker marks it, and by default it is skipped with a message naming it."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    codes = [o.split("（")[-1].rstrip("）") for o in box.options[3:5]]
    first = _issue(codes[0])
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    marked = [o for o in box.options if f"（{codes[0]}）" in o]
    assert len(marked) == 1 and f"已有未办结督办单 湛绿督〔2024〕{first.seq}号" in marked[0], marked
    assert not any("已有未办结" in o for o in box.options if f"（{codes[1]}）" in o)
    box.set_value(codes).run()
    assert "1 个所选村已有未办结督办单" in _texts(at)
    next(b for b in at.button if b.label == "下发").click().run()
    _no_exception(at)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        made = s.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code.in_(codes))).all()
    assert sorted(n.village_code for n in made) == sorted(codes), [(n.village_code, n.seq) for n in made]
    name = marked[0].split("（" + codes[0])[0]
    warnings = [w.value for w in at.warning if "未下发" in w.value]
    assert warnings == [f"未下发 1 个村（已有未办结督办单）：{name}"], [w.value for w in at.warning]


def test_the_picker_marks_the_villages_just_issued_at_once(settings):  # noqa: F811
    """After 下发 the page still showed the old picker, with no mark on the villages just issued
    to; the marks (and a fresh form) came only with the official's next click."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    codes = [o.split("（")[-1].rstrip("）") for o in box.options[5:7]]
    box.set_value(codes).run()
    next(b for b in at.button if b.label == "下发").click().run()
    _no_exception(at)
    fresh = at.multiselect(key="sup_issue_1_pick")  # the next batch's picker, in this same run
    assert fresh.value == []
    marked = [o for o in fresh.options if any(f"（{c}）" in o for c in codes)]
    assert len(marked) == 2 and all("已有未办结督办单 湛绿督〔" in o for o in marked), marked
    assert any("已下发" in m.value for m in at.success), [m.value for m in at.success]


def _press_again(at, codes):
    """The same press of 下发 handled once more after it was saved (a double press whose second
    run came after the first): the old round's form, the same villages and drafts, pressed."""
    at.session_state["sup_issue__round"] = 0
    at.session_state["sup_issue_0_pick"] = codes
    at.run()
    next(b for b in at.button if b.key and b.key.startswith("FormSubmitter:sup_issue_0")).click().run()
    _no_exception(at)


def _notices_of(codes):
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        made = s.scalars(select(SupervisionNotice).where(SupervisionNotice.village_code.in_(codes))).all()
        return {c: sorted(N.display_number(n) for n in made if n.village_code == c) for c in codes}


def test_a_village_that_has_the_notice_just_issued_is_not_said_to_be_issued_again(settings):  # noqa: F811
    """下发 on a village with the open notice the same user issued earlier the same day said
    「已下发：湛绿督〔2024〕1号」: nothing had been issued, but the words told of a new notice. The
    page names the notice the village already has and says that nothing new was issued; a batch
    counts the new notices and the villages already open apart. Still only one notice each."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    name_of = {o.rsplit("（", 1)[1].split("）")[0]: o.rsplit("（", 1)[0] for o in box.options}
    a, b = list(name_of)[7:9]
    box.set_value([a]).run()
    next(x for x in at.button if x.label == "下发").click().run()
    _no_exception(at)
    (first,) = _notices_of([a])[a]
    assert [m.value for m in at.success] == [f"已下发 1 份新督办单：{first}"], [m.value for m in at.success]

    _press_again(at, [a])
    assert _notices_of([a])[a] == [first]  # nothing issued twice
    assert not any("已下发" in m.value for m in at.success), [m.value for m in at.success]
    assert [m.value for m in at.info] == [f"{name_of[a]}已有您今天下发的未办结督办单 {first}，没有下发新的督办单。"], \
        [m.value for m in at.info]

    _press_again(at, [a, b])
    made = _notices_of([a, b])
    assert made[a] == [first] and len(made[b]) == 1
    assert [m.value for m in at.success] == [f"已下发 1 份新督办单：{made[b][0]}"], [m.value for m in at.success]
    assert [m.value for m in at.info] == [f"1 个村已有您今天下发的未办结督办单，未重复下发：{name_of[a]}（{first}）"], \
        [m.value for m in at.info]

    at.session_state["lang"] = "en"
    _press_again(at, [a, b])
    assert _notices_of([a, b]) == made
    assert not at.success, [m.value for m in at.success]
    assert [m.value for m in at.info][0] == "No new notice was issued.", [m.value for m in at.info]
    said = [m.value for m in at.info][1]
    assert said.startswith("2 village(s) already have an open notice you issued today; not issued again: "), said
    assert f"({first})" in said and f"({made[b][0]})" in said, said


def test_a_notice_not_reported_shows_no_report_section(settings):  # noqa: F811
    """With two acknowledged notices in the town, one reported, the other's card in 待办 showed
    「上报的整改情况 · · nan」 and 「nan」: an empty report read from the table as NaN."""
    first, second = _issue("440823101201"), _issue("440823101202")
    town = Actor(user_id=None, username="suixi-town", role=Role.TOWN_LEAD, scope_prefix="440823101")
    with session_scope(make_engine()) as s:
        install_scope(s, town)
        for n in (first, second):
            N.acknowledge(s, town, n.id, on=dt.date(2024, 6, 10))
        N.report(s, town, first.id, text="已补植 30 株", on=dt.date(2024, 6, 10))
    at = _app("suixi-town", "pages/inbox.py")
    _no_exception(at)
    shown = _texts(at) + " ".join(m.value for m in at.markdown) + " ".join(t.value for t in at.text)
    assert f"{second.seq}号" in shown, shown[:500]
    assert "nan" not in shown.lower().replace("nanshan", ""), shown


def test_a_step_says_what_it_did_after_the_page_redraws(settings):  # noqa: F811
    """签收 reran the page so the notice moved to its next list, and the 「已保存」 written before
    the rerun was wiped: the buttons just disappeared. Now the outcome is said after the rerun."""
    notice = _issue()
    at = _app("team-suixi")
    at.button(key=f"ack_{notice.id}_ack").click().run()
    _no_exception(at)
    said = [s.value for s in at.success]
    assert f"已保存：湛绿督〔2024〕{notice.seq}号 现为“已签收待整改”。" in said
    at.run()  # said once, not on every later run
    assert not any("现为" in s.value for s in at.success)


def test_the_verifier_sees_the_reported_text_plantings_and_photos(settings):  # noqa: F811
    """The city's 待核验整改 card showed only the reasons: not what the village reported, nor the
    plantings and photos linked to it; the notices page showed the plantings as bare ids."""
    import io

    from PIL import Image

    from greening.models import Planting
    from greening.photos import store_photo

    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 30)).save(jpeg, "JPEG")

    notice = _issue()
    team = Actor(user_id=None, username="team-suixi", role=Role.TEAM, scope_prefix=TEAM_VILLAGE)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        planting = s.scalar(select(Planting).where(Planting.claimed_village_code == TEAM_VILLAGE,
                                                   Planting.deleted_at.is_(None)).order_by(Planting.id))
        pid, trees = planting.id, planting.tree_count
        install_scope(s, team)
        photo = store_photo(s, team, pid, jpeg.getvalue(), "补植.jpg")
        N.acknowledge(s, team, notice.id, on=dt.date(2024, 6, 10))
        N.report(s, team, notice.id, text="已补植 20 株并浇水", on=dt.date(2024, 6, 11),
                 planting_ids=[pid], photo_ids=[photo.id])
    for page in (None, "pages/notices.py"):
        at = _app("city", page) if page else _app("city")
        if page:
            at.selectbox(key="notice_pick").set_value(notice.id).run()
        _no_exception(at)
        text = _texts(at)
        assert "上报的整改情况" in text and "2024年6月11日" in text
        assert "已补植 20 株并浇水" in [t.value for t in at.text]
        tables = [df.value for df in at.dataframe]
        linked = [t for t in tables if "记录号" in t.columns]
        assert linked and linked[0]["记录号"].tolist() == [pid] and linked[0]["株数"].tolist() == [trees], page
        captions = [img.caption for el in at.image for img in el.proto.imgs]
        assert any(c.startswith("照片 1 · #" + str(pid)) for c in captions), (page, captions)


def test_the_issuers_summary_counts_overdue_notices_under_a_count_heading(settings):  # noqa: F811
    """我下发的督办单（按镇） headed its number of overdue notices 逾期天数 (days overdue)."""
    _issue()
    at = _app("city", "pages/inbox.py")
    _no_exception(at)
    summary = [df.value for df in at.dataframe if "下发" in df.value.columns or "未办结" in df.value.columns]
    assert summary, [list(df.value.columns) for df in at.dataframe]
    assert "逾期件数" in summary[0].columns and "逾期天数" not in summary[0].columns


def test_closing_the_last_notice_of_the_inbox_says_so_on_the_page_shown_next(demo_db_template, tmp_path):
    """The city closed the only notice waiting in its inbox; the rerun landed on the overview (the
    inbox had nothing left) and the 「已保存…已办结」 written for the inbox was never shown. A copy
    of the demo of its own: nothing else may wait for the city."""
    from greening.config import override_settings

    url = demo_db_template.copy(tmp_path)
    with override_settings(database_url=url, extra={**demo_db_template.extra, "default_basemap": "none"}):
        _close_the_only_notice_from_home()


def _close_the_only_notice_from_home() -> None:
    notice = _issue()
    team = Actor(user_id=None, username="team-suixi", role=Role.TEAM, scope_prefix=TEAM_VILLAGE)
    with session_scope(make_engine()) as s:
        install_scope(s, team)
        N.acknowledge(s, team, notice.id, on=dt.date(2024, 6, 10))
        N.report(s, team, notice.id, text="已补植", on=dt.date(2024, 6, 10))
    at = _app("city")  # "/": the inbox while something waits
    assert [h.value for h in at.subheader][0] == "待办"
    at.button(key=f"ver_{notice.id}_close").click().run()
    _no_exception(at)
    assert [h.value for h in at.subheader][0] != "待办"  # nothing waits: "/" is the overview now
    assert f"已保存：湛绿督〔2024〕{notice.seq}号 现为“已办结”。" in [s.value for s in at.success]


def test_an_opened_notice_lists_every_step_it_went_through(settings):  # noqa: F811
    """A notice's card said its state and its latest report and return reason only: what was done
    before (the first report, why it came back the first time) was nowhere on the page. Each step
    has its line, oldest first, on the notices page and on the inbox's card."""
    notice = _issue("440823101203")
    with session_scope(make_engine()) as s:
        users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(["city", "suixi-town"])))}
        town = Actor(user_id=users["suixi-town"].id, username="suixi-town", role=Role.TOWN_LEAD,
                     scope_prefix=users["suixi-town"].scope_prefix)
        city = Actor(user_id=users["city"].id, username="city", role=Role.CITY)
        install_scope(s, town)
        N.acknowledge(s, town, notice.id, on=dt.date(2024, 6, 11))
        N.report(s, town, notice.id, text="补种樟树 30 株", on=dt.date(2024, 6, 12))
        install_scope(s, city)
        N.return_notice(s, city, notice.id, reason="照片看不清", on=dt.date(2024, 6, 13))
        install_scope(s, town)
        N.report(s, town, notice.id, text="重拍照片 6 张", on=dt.date(2024, 6, 14))
        install_scope(s, city)
        N.return_notice(s, city, notice.id, reason="株数不符", on=dt.date(2024, 6, 15))
    expected = ["2024年6月10日 下发：city", "2024年6月11日 签收：suixi-town",
                "2024年6月12日 上报整改：suixi-town · 补种樟树 30 株", "退回（第 1 次）：city · 照片看不清",
                "2024年6月14日 上报整改：suixi-town · 重拍照片 6 张", "退回（第 2 次）：city · 株数不符"]

    def steps_shown(at) -> list[list[str]]:
        blocks = [m.value for m in at.markdown if m.value.startswith("**办理经过**")]
        return [[line[2:].replace("\\", "") for line in b.splitlines() if line.startswith("- ")] for b in blocks]

    at = _app("suixi-town", "pages/notices.py")
    at.selectbox(key="notice_pick").set_value(notice.id).run()
    _no_exception(at)
    assert expected in steps_shown(at), steps_shown(at)
    _issue("440823101205")  # never returned: its card says no reason (it said 「退回原因：nan」)
    at = _app("suixi-town", "pages/inbox.py")
    _no_exception(at)
    assert expected in steps_shown(at), steps_shown(at)
    reasons = [w.value for w in at.warning if w.value.startswith("退回原因")]
    assert reasons and not [r for r in reasons if "nan" in r], reasons


def test_a_notice_history_outside_ones_area_is_not_read(settings):  # noqa: F811
    import pytest

    from greening.permissions import PermissionDenied
    from greening.supervision.history import histories, notice_history

    notice = _issue("440823101204")
    with session_scope(make_engine()) as s:
        u = s.scalar(select(User).where(User.username == "leizhou"))
        other = Actor(user_id=u.id, username="leizhou", role=Role.COUNTY_LEAD, scope_prefix=u.scope_prefix)
        install_scope(s, other)
        assert histories(s, other, [notice.id]) == {}
        with pytest.raises(PermissionDenied):
            notice_history(s, other, notice.id)


def test_a_second_freeze_press_is_not_reported_as_zero_rows(settings, monkeypatch):  # noqa: F811
    """A double-pressed 冻结 said 「已冻结 0 行。」: the second press found the month frozen by the
    first and wrote nothing, and its 0 replaced the first press's confirmation. Then it said
    「本月榜单此前已冻结，未重复写入。」 with no count (the second press's run interrupts the
    first's, whose count was never said): the rows of the stored snapshot are counted."""
    import greening.supervision.ranking as ranking
    from greening.models import RankingSnapshot

    at = _app("city", "pages/ranking.py")
    for month in at.selectbox(key="rank_month").options:
        at.selectbox(key="rank_month").set_value(month).run()
        if "rank_freeze" in [b.key for b in at.button]:
            break
    else:
        raise AssertionError("no month left to freeze")
    real = ranking.freeze_month
    first: list[int] = []

    def frozen_meanwhile(session, actor, month, **kw):  # the first press's run wrote the snapshot
        first.append(real(session, actor, month, **kw))
        return real(session, actor, month, **kw)

    monkeypatch.setattr(ranking, "freeze_month", frozen_meanwhile)
    at.button(key="rank_freeze").click().run()
    _no_exception(at)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        stored = s.scalar(select(func.count(RankingSnapshot.id)).where(RankingSnapshot.month == month))
    assert stored == first[0] > 9  # one snapshot
    said = [s.value for s in at.success]
    assert said == [f"本月榜单已冻结（{stored:,} 行），未重复写入。"], said
    at.session_state["lang"] = "en"
    at.run()
    said = [s.value for s in at.success]
    assert said == [f"This month's ranking is frozen already ({stored:,} rows); nothing was written again."], said


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_score_of_the_ranking_has_one_decimal(settings, lang):  # noqa: F811
    """月度红黑榜 showed 90 beside 90.1: every score is drawn with one decimal, in both tables and
    the Excel download, and stays a number (it sorts as a number)."""
    import io
    import json

    from openpyxl import load_workbook

    from greening.supervision import ranking

    at = _app("city", "pages/ranking.py")
    if lang == "en":
        at.session_state["lang"] = "en"
        at.run()
    if "rank_freeze" in [b.key for b in at.button]:
        at.button(key="rank_freeze").click().run()
    _no_exception(at)
    score = "综合得分" if lang == "zh" else "score"
    assert len(at.dataframe) == 2, [list(f.value.columns) for f in at.dataframe]
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        assert pd.api.types.is_float_dtype(frame.value[score]), frame.value[score].dtype
        assert config.get(score, {}).get("type_config", {}).get("format") == "%.1f", config

    with session_scope(make_engine()) as s:
        city = Actor(user_id=None, username="city", role=Role.CITY, scope_prefix="4408")
        install_scope(s, city)
        month = at.selectbox(key="rank_month").value
        levels = ranking.snapshot(s, city, month)
    book = load_workbook(io.BytesIO(ranking.ranking_xlsx(month, levels)))
    for sheet in book.worksheets:
        head = [c.value for c in sheet[1]]
        cells = [row[head.index("综合得分")] for row in sheet.iter_rows(min_row=2)]
        assert cells and all(isinstance(c.value, int | float) for c in cells if c.value is not None), \
            [c.value for c in cells]
        assert {c.number_format for c in cells} == {"0.0"}, sheet.title


def test_the_notice_picker_names_the_state_in_english_after_the_switch(settings):  # noqa: F811
    """督办单 switched to English mid-page: the picker went on showing the chosen notice with its
    Chinese state (「… · 已下发待签收」): the browser keeps a box's choice as its label. The options
    are the notices' ids, named by number and village only (with the state the choice was cut on a
    phone), the same in both languages; the chosen notice stays chosen and its state is said in
    the tab's language on the notice opened below."""
    notice = _issue("440823101203")
    at = _app("suixi", "pages/notices.py")
    box = at.selectbox(key="notice_pick")
    number = f"湛绿督〔2024〕{notice.seq}号"
    (mine,) = [o for o in box.options if o.startswith(number + " ")]
    assert "·" not in mine and "已下发" not in mine, box.options
    box.set_value(notice.id).run()
    _no_exception(at)
    assert at.selectbox(key="notice_pick").value == notice.id
    assert any(c.value.startswith("状态：已下发待签收") for c in at.caption), [c.value for c in at.caption]
    at.session_state["lang"] = "en"
    at.run()
    _no_exception(at)
    box = at.selectbox(key="notice_pick")
    assert box.value == notice.id and box.label == "Open a notice" and mine in box.options, box.options
    assert any(c.value.replace("\\", "").startswith("Status: issued, to acknowledge") for c in at.caption), \
        [c.value for c in at.caption]
    at.run()
    assert at.selectbox(key="notice_pick").value == notice.id


def test_the_issue_pickers_choice_follows_the_language_switch(settings):  # noqa: F811
    """落后村预警 switched to English with a village picked for 下发: its chip kept the Chinese mark
    「· 已有未办结督办单 …」 (the browser keeps a box's choice as its label). The choice is sent again
    on the first run in English, named in English."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    code = box.options[9].rsplit("（", 1)[1].split("）")[0]
    first = _issue(code)
    at.run()
    at.multiselect(key="sup_issue_0_pick").set_value([code]).run()
    _no_exception(at)
    at.session_state["lang"] = "en"
    at.run()
    _no_exception(at)
    box = at.multiselect(key="sup_issue_0_pick")
    assert box.value == [code] and box.label == "Villages (one or more)"
    mark = f"（{code}） · notice still open: {N.display_number(first)}"
    assert box.proto.set_value and list(box.proto.raw_values) == [o for o in box.options if o.endswith(mark)], \
        (box.proto.set_value, list(box.proto.raw_values))
    at.run()
    assert not at.multiselect(key="sup_issue_0_pick").proto.set_value
    assert at.multiselect(key="sup_issue_0_pick").value == [code]


def test_a_double_press_with_issue_again_ticked_issues_one_notice(settings):  # noqa: F811
    """下发 pressed twice with 「仍下发新督办单」 ticked, the second press arriving while the first
    press's batch was being committed: the tick skipped the check for a press handled twice, and the
    village got two new notices. One new notice, said once as after one press, and the fresh form."""
    from tests.fixtures.double_press import press_again_at_commit

    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    code = box.options[11].rsplit("（", 1)[1].split("）")[0]
    first = N.display_number(_issue(code))  # an open notice: the box 仍下发新督办单 is there to tick
    at.run()
    at.multiselect(key="sup_issue_0_pick").set_value([code]).run()
    at.checkbox(key="sup_issue_0_reissue").check()
    with press_again_at_commit() as commits:
        next(b for b in at.button if b.label == "下发").click().run()
    _no_exception(at)
    assert commits  # the first press's batch was committed before the second press was handled
    made = _notices_of([code])[code]
    assert len(made) == 2 and first in made, made  # the open notice and ONE new one
    (new,) = [x for x in made if x != first]
    said = [m.value for m in at.success if "已下发" in m.value]
    assert len(said) == 1 and new in said[0], _texts(at)
    assert not any("没有下发新的督办单" in m.value for m in at.info), _texts(at)
    assert at.multiselect(key="sup_issue_1_pick").value == []  # the fresh form for the next batch


def test_the_addressees_follow_the_language_switch_unless_edited(settings):  # noqa: F811
    """落后村预警 switched to English with villages picked for 下发: 「Addressed to」 kept the Chinese
    roles (包镇领导：…): the field is filled once and keeps its value. A field as it was filled is
    filled again in the new language; a field the official edited keeps the edit."""
    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    a, b = (o.rsplit("（", 1)[1].split("）")[0] for o in box.options[12:14])
    box.set_value([a, b]).run()
    _no_exception(at)
    zh_a = at.text_input(key=f"sup_issue_0_p_{a}").value
    assert "包镇领导：" in zh_a and "包县领导：" in zh_a, zh_a
    # edited, and sent with a press of 下发 refused (b's reasons emptied: nothing issued)
    at.text_input(key=f"sup_issue_0_p_{b}").input("护绿队队长：张三（示例）")
    at.text_area(key=f"sup_issue_0_r_{b}").input("")
    next(x for x in at.button if x.key and x.key.startswith("FormSubmitter:sup_issue_0")).click().run()
    _no_exception(at)
    assert at.error and not _notices_of([a, b])[a], _texts(at)
    at.session_state["lang"] = "en"
    at.run()
    _no_exception(at)
    field = at.text_input(key=f"sup_issue_0_p_{a}")
    assert field.label.startswith("Addressed to (") and "Town leader in charge: " in field.value \
        and "County leader in charge: " in field.value and "包镇领导" not in field.value, field.value
    assert at.text_input(key=f"sup_issue_0_p_{b}").value == "护绿队队长：张三（示例）"
    at.session_state["lang"] = "zh"
    at.run()
    _no_exception(at)
    assert at.text_input(key=f"sup_issue_0_p_{a}").value == zh_a

def test_a_double_press_of_acknowledge_says_what_it_did(settings):  # noqa: F811
    """签收 pressed twice, the second press arriving as the first press's acknowledgement commits:
    the page says 「已保存：… 现为“已签收待整改”」 once, as after one press (the second run found
    the notice acknowledged, no 签收 button, and the outcome was gone with the first run)."""
    from tests.fixtures.double_press import press_again_at_commit

    notice = _issue()
    at = _app("team-suixi")
    with press_again_at_commit() as commits:
        at.button(key=f"ack_{notice.id}_ack").click().run()
    _no_exception(at)
    said = [s.value for s in at.success if "现为" in s.value]
    assert said == [f"已保存：湛绿督〔2024〕{notice.seq}号 现为“已签收待整改”。"], _texts(at)
    assert commits and not at.error, [e.value for e in at.error]
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        assert s.get(SupervisionNotice, notice.id).status == "acknowledged"


def test_a_double_press_of_report_says_what_it_did(settings):  # noqa: F811
    """上报整改 pressed twice, the second press arriving as the report commits: said once."""
    from tests.fixtures.double_press import press_again_at_commit

    notice = _issue()
    team = Actor(user_id=None, username="team-test", role=Role.TEAM, scope_prefix=TEAM_VILLAGE)
    with session_scope(make_engine()) as s:
        install_scope(s, team)
        N.acknowledge(s, team, notice.id, on=dt.date(2024, 6, 10))
    at = _app("team-suixi")
    at.text_area(key=f"rep_{notice.id}_text").set_value("已补植 30 株")
    with press_again_at_commit() as commits:
        next(b for b in at.button if b.label == "上报整改").click().run()
    _no_exception(at)
    said = [s.value for s in at.success if "现为" in s.value]
    assert said == [f"已保存：湛绿督〔2024〕{notice.seq}号 现为“已报整改待核验”。"], _texts(at)
    assert commits and not at.error, [e.value for e in at.error]


def test_a_double_press_of_issue_says_the_batch_was_issued(settings):  # noqa: F811
    """下发 pressed twice, the second press arriving as the batch commits: the first run was stopped
    before the fresh form's round was kept, so the second run sent the same form again and the page
    said 「已有您今天下发的未办结督办单…没有下发新的督办单」 instead of 「已下发 1 份新督办单」."""
    from tests.fixtures.double_press import press_again_at_commit

    at = _app("city", "pages/lagging.py")
    box = at.multiselect(key="sup_issue_0_pick")
    code = [o.rsplit("（", 1)[1].split("）")[0] for o in box.options][15]
    box.set_value([code]).run()
    with press_again_at_commit() as commits:
        next(x for x in at.button if x.label == "下发").click().run()
    _no_exception(at)
    (first,) = _notices_of([code])[code]
    assert [m.value for m in at.success] == [f"已下发 1 份新督办单：{first}"], _texts(at)
    assert not at.info and commits, [m.value for m in at.info]
    assert at.multiselect(key="sup_issue_1_pick").value == []  # the fresh form for the next batch


def _failed_messages(n: int) -> list[int]:
    import uuid

    from greening.models import OutboxMessage

    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        made = [OutboxMessage(dedup_key=f"test-failed-{uuid.uuid4().hex}", event="issued", channel="wecom", recipient="群机器人",
                              subject="督办单", body="…", status="failed", attempts=5, last_error="HTTP 500")
                for i in range(n)]
        s.add_all(made)
        s.flush()
        return [m.id for m in made]


def _outbox_status(mid: int) -> str:
    from greening.models import OutboxMessage

    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        return s.get(OutboxMessage, mid).status


def _said(at) -> list[str]:
    """The page's success lines other than the inbox's own 「没有待办事项。」."""
    return [m.value for m in at.success if m.value != "没有待办事项。"]


@pytest.mark.parametrize("last", [False, True], ids=["one-of-two", "the-last-one"])
def test_resend_says_what_it_did_after_a_double_press(settings, last):  # noqa: F811
    """重新发送 pressed twice, the second press arriving as the first one's resend commits: the
    「已保存」 was written after the commit and lost with the stopped run. Said once, after the
    rerun, in the outbox's section, the message gone from the list."""
    from tests.fixtures.double_press import press_again_at_commit

    ids = _failed_messages(1 if last else 2)
    at = _app("admin", "pages/inbox.py")
    _no_exception(at)
    mid = ids[-1]
    with press_again_at_commit() as commits:
        at.button(key=f"requeue_{mid}").click().run()
    _no_exception(at)
    assert commits and not at.error, [e.value for e in at.error]
    assert _said(at) == [f"已重新排队：#{mid} 将再次发送。"], _texts(at)
    assert _outbox_status(mid) == "pending"
    assert f"requeue_{mid}" not in [b.key for b in at.button]  # no second press to make
    at.run()  # said once: the next run does not say it again
    assert not _said(at), _texts(at)
    assert (f"requeue_{ids[0]}" in [b.key for b in at.button]) is not last


def test_resend_pressed_twice_in_a_row_is_not_refused(settings):  # noqa: F811
    """重新发送, then pressed again on the list as the first press's run left it (drawn before the
    press was handled, the message still in it): the second press's run wiped the 「已保存」 (and
    offered no button for it). The list is drawn again at once without the message, and what the
    press did is said."""
    (mid,) = _failed_messages(1)
    at = _app("admin", "pages/inbox.py")
    for _ in range(2):
        again = [b for b in at.button if b.key == f"requeue_{mid}"]
        if again:
            again[0].click().run()
            _no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert _said(at) == [f"已重新排队：#{mid} 将再次发送。"], _texts(at)
    assert _outbox_status(mid) == "pending"


@pytest.mark.parametrize("last", [False, True], ids=["one-of-two", "the-last-one"])
def test_resend_pressed_again_after_the_rerun_says_what_it_did(settings, last, monkeypatch):  # noqa: F811
    """重新发送 pressed twice, the second press (on the button as the browser still showed it)
    handled after the rerun that said the resend had run to its end: that press's run no longer
    draws the message's button, had nothing to say, and replaced the page that said it. Said again
    for that press, and the message was queued once."""
    from greening.models import AuditLog
    from tests.fixtures.double_press import press_again_after_the_rerun

    ids = _failed_messages(1 if last else 2)
    at = _app("admin", "pages/inbox.py")
    _no_exception(at)
    mid = ids[-1]
    with press_again_after_the_rerun(monkeypatch) as commits:
        at.button(key=f"requeue_{mid}").click().run()
    _no_exception(at)
    assert commits == [1] and not at.error, (commits, [e.value for e in at.error])
    assert _said(at) == [f"已重新排队：#{mid} 将再次发送。"], _texts(at)
    assert _outbox_status(mid) == "pending"
    assert f"requeue_{mid}" not in [b.key for b in at.button]
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        resends = s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "requeue", AuditLog.table_name == "outbox_messages", AuditLog.record_id == str(mid)))
    assert resends == 1
    at.run()  # said once more at most: a run with no press says nothing
    assert not _said(at), _texts(at)
    assert (f"requeue_{ids[0]}" in [b.key for b in at.button]) is not last


def test_an_administrators_inbox_with_failed_messages_does_not_say_nothing_waits(demo_db_template, tmp_path):
    """An administrator's inbox said 「没有待办事项。」 above the notifications that failed, listed on
    the same page with a 重新发送 each. It names them as the thing to do; once none is left (and
    nothing else waits) it says that nothing waits. (A database of its own: the module's other
    tests leave notices for the administrator to verify.)"""
    from greening.config import override_settings
    from greening.models import OutboxMessage

    url = demo_db_template.copy(tmp_path)
    with override_settings(database_url=url, extra={**demo_db_template.extra, "default_basemap": "none"}):
        _failed_messages(2)
        at = _app("admin", "pages/inbox.py")
        _no_exception(at)
        assert "#### 通知发送失败或未确认 · 2" in [m.value for m in at.markdown], _texts(at)  # the list
        assert "没有待办事项。" not in [m.value for m in at.success], _texts(at)
        assert [w.value for w in at.warning if "发送失败" in w.value] == [
            "待办：2 条通知发送失败或未确认，请核对接收方后在下方重新发送。"], _texts(at)

        with session_scope(make_engine()) as s:  # both dealt with
            install_scope(s, Actor.system("tests"))
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")):
                m.status = "sent"
        at = _app("admin", "pages/inbox.py")
        _no_exception(at)
        assert "没有待办事项。" in [m.value for m in at.success], _texts(at)
        assert not [w.value for w in at.warning if "发送失败" in w.value]


def test_failed_messages_are_an_administrators_to_do_in_the_sidebar_and_after_logging_in(demo_db_template, tmp_path):
    """The sidebar's 待办 count and the page shown right after logging in left out the
    notifications that failed: an administrator with nothing else waiting landed on the overview
    with no count, the failed messages out of sight. They count as things to do; once dealt with,
    the overview again."""
    from greening.config import override_settings
    from greening.models import OutboxMessage

    url = demo_db_template.copy(tmp_path)
    with override_settings(database_url=url, extra={**demo_db_template.extra, "default_basemap": "none"}):
        at = _app("admin")  # nothing waits in the demo for an administrator
        _no_exception(at)
        assert at.subheader[0].value != "待办" and "待办 " not in _texts(at), _texts(at)[:300]
        _failed_messages(2)
        at = _app("admin")
        _no_exception(at)
        assert at.subheader[0].value == "待办", [h.value for h in at.subheader]
        assert any(m.value == ":orange-badge[:material/inbox: 待办 2 项]" for m in at.sidebar.markdown), \
            [m.value for m in at.sidebar.markdown]

        with session_scope(make_engine()) as s:
            install_scope(s, Actor.system("tests"))
            for m in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")):
                m.status = "sent"
        at = _app("admin")
        _no_exception(at)
        assert at.subheader[0].value != "待办", [h.value for h in at.subheader]


def test_the_outbox_list_is_worded_in_the_pages_language_and_fits_a_phone(demo_db_template, tmp_path):
    """The administrator's list of failed notifications had its columns and states in raw English
    (channel, recipient, failed) on the Chinese page, in a table cut at a phone's right edge. Its
    columns, channels and states are worded in the page's language, and a phone shows each message
    as a card (ui.tables.phone_table) with its error whole."""
    from greening.config import override_settings

    url = demo_db_template.copy(tmp_path)
    with override_settings(database_url=url, extra={**demo_db_template.extra, "default_basemap": "none"}):
        _failed_messages(2)
        for lang, cols, channel, state in (
                ("zh", ["编号", "渠道", "接收方", "状态", "已尝试次数", "最近错误"], "企业微信", "发送失败"),
                ("en", ["No.", "Channel", "Receiver", "State", "Attempts", "Last error"], "WeCom", "failed")):
            at = _app("admin", "pages/inbox.py") if lang == "zh" else _english("admin", "pages/inbox.py")
            _no_exception(at)
            wide = next(df.value for df in at.dataframe if cols[1] in df.value.columns)
            assert list(wide.columns) == cols, list(wide.columns)
            assert set(wide[cols[1]]) == {channel} and set(wide[cols[3]]) == {state}, wide
            cards = [h.proto.body for h in at.get("html") if "HTTP 500" in h.proto.body]
            assert cards and channel in cards[0] and cols[5] in cards[0], [h.proto.body[:200] for h in at.get("html")]


#: a notice's reasons as the issue form pre-fills them from the lagging list, and a line typed by hand
LAGGING_REASONS = ("1. 已连续 78 天无植绿或管护记录\n"
                   "2. 37 次管护/成活率核查逾期未做（最早应于 2024年4月4日 完成）\n"
                   "3. 种植进度落后：完成 12%（1,200/10,000 株），按季节进度此时应达 80%\n"
                   "4. 村委会已承诺月底前补植")


def test_an_english_notice_gives_its_reasons_and_county_in_english(settings):  # noqa: F811
    """督办单 in English showed its reasons as stored, in Chinese (「1. 已连续 78 天无植绿或管护记录」),
    and the county in its title in Chinese (遂溪县), while 落后村预警 showed the same reasons in
    English. The reasons the lagging list words are read back in English with their figures; a line
    typed by hand stays as typed; the stored (Chinese) notice is unchanged and shown as issued."""
    with session_scope(make_engine()) as s:
        u = s.scalar(select(User).where(User.username == "city"))
        actor = Actor(user_id=u.id, username="city", role=Role.CITY)
        install_scope(s, actor)
        notice = N.issue_notice(s, actor, N.NoticeDraft("440823101206", LAGGING_REASONS, ["inactive", "care_overdue"],
                                                         [{"role": "team_leader", "name": "王五"}]),
                                issued_on=dt.date(2024, 6, 10))
        nid, number = notice.id, N.display_number(notice)
    english = ("1. No planting or care for 78 days\n"
               "2. 37 care or survival checks overdue (the oldest was due on 4 Apr 2024)\n"
               "3. Behind the seasonal pace: 12% of the plan done (1,200/10,000 trees), 80% expected by now\n"
               "4. 村委会已承诺月底前补植")
    at = _english("suixi", "pages/notices.py")
    at.selectbox(key="notice_pick").set_value(nid).run()
    _no_exception(at)
    inside = [t.value for e in at.expander for t in e.text]
    texts = [t.value for t in at.text]
    assert english in texts and LAGGING_REASONS not in [x for x in texts if x not in inside], texts
    title = next(m.value for m in at.markdown if m.value.startswith(f"**{N.display_number(notice)}**"))
    assert "Suixi County" in title and "遂溪县" not in title, title
    # the notice as issued, in Chinese, one click away
    assert [e.label for e in at.expander] == ["As issued (Chinese, the official record)"], [e.label for e in at.expander]
    assert LAGGING_REASONS in [t.value for t in at.expander[0].text]
    town = _english("suixi-town")  # the inbox's card of the same notice
    assert english in [t.value for t in town.text], [t.value for t in town.text]
    zh = _app("suixi", "pages/notices.py")
    zh.selectbox(key="notice_pick").set_value(nid).run()
    assert LAGGING_REASONS in [t.value for t in zh.text] and not zh.expander
    assert any(m.value.startswith(f"**{number}**") and "遂溪县" in m.value for m in zh.markdown)
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        assert s.get(SupervisionNotice, nid).reasons == LAGGING_REASONS


def test_the_phone_list_of_notices_is_the_number_village_and_state(settings):  # noqa: F811
    """督办单 on a phone: its table had all seven columns on one line each, the number last, off
    the screen's edge. The phone's list: the number without 湛绿督, the village and the state (with
    the days overdue when overdue); the wide table keeps every column."""
    notice = _issue("440823101207")
    for lang, cols, state in (("zh", ["编号", "村", "状态"], "已下发待签收"),
                              ("en", ["Number", "Village", "Status"], "issued, to acknowledge")):
        at = _app("suixi", "pages/notices.py") if lang == "zh" else _english("suixi", "pages/notices.py")
        _no_exception(at)
        phone = at.table[0].value
        assert list(phone.columns) == cols, list(phone.columns)
        row = phone[phone[cols[0]] == f"〔2024〕{notice.seq}号"]
        assert len(row) == 1 and row.iloc[0][cols[2]] == state, phone
        wide = next(df.value for df in at.dataframe if cols[0] in df.value.columns)
        assert len(wide.columns) == 7 and f"湛绿督〔2024〕{notice.seq}号" in set(wide[cols[0]])


def _notice_at(status: str) -> SupervisionNotice:
    """A notice of team-suixi's village, taken as far as ``status`` (issued, acknowledged, reported)."""
    notice = _issue()
    team = Actor(user_id=None, username="team-test", role=Role.TEAM, scope_prefix=TEAM_VILLAGE)
    with session_scope(make_engine()) as s:
        install_scope(s, team)
        if status in ("acknowledged", "reported"):
            N.acknowledge(s, team, notice.id, on=dt.date(2024, 6, 10))
        if status == "reported":
            N.report(s, team, notice.id, text="已补植 30 株", on=dt.date(2024, 6, 11))
    return notice


def _status_of(notice_id: int) -> str:
    with session_scope(make_engine()) as s:
        install_scope(s, Actor.system("tests"))
        return s.get(SupervisionNotice, notice_id).status


STEPS = {  # the step: (who, the state before, the button, the state after)
    "acknowledge": ("suixi-town", "issued", "签收", "已签收待整改", "acknowledged"),
    "report": ("suixi-town", "acknowledged", "上报整改", "已报整改待核验", "reported"),
    "close": ("city", "reported", "核验办结", "已办结", "closed"),
}


def _at_step(step: str):
    """The notices page of the step's user with a notice at the step's state chosen (and the
    report's text typed): (the page, the notice)."""
    user, before, *_ = STEPS[step]
    notice = _notice_at(before)
    at = _app(user, "pages/notices.py")
    _no_exception(at)
    at.selectbox(key="notice_pick").set_value(notice.id).run()
    if step == "report":
        at.text_area(key=f"nt_{notice.id}_text").set_value("已补植 30 株")
    return at, notice


@pytest.mark.parametrize("step", list(STEPS))
def test_a_double_press_of_a_step_on_the_notices_page_says_what_it_did(settings, step):  # noqa: F811
    """督办单 page, 签收 / 上报整改 / 核验办结 pressed twice, the second press arriving as the first
    press's step commits: the step was done once, and its 「已保存：…现为…」 often lost. Said once,
    after the rerun, where the notice is shown."""
    from tests.fixtures.double_press import press_again_at_commit

    _user, _before, label, shown, after = STEPS[step]
    at, notice = _at_step(step)
    with press_again_at_commit() as commits:
        next(b for b in at.button if b.label == label).click().run()
    _no_exception(at)
    assert commits and not at.error, [e.value for e in at.error]
    said = [s.value for s in at.success if "现为" in s.value]
    assert said == [f"已保存：湛绿督〔2024〕{notice.seq}号 现为“{shown}”。"], _texts(at)
    assert _status_of(notice.id) == after
    at.run()  # said once
    assert not [s.value for s in at.success if "现为" in s.value], _texts(at)


@pytest.mark.parametrize("step", list(STEPS))
def test_a_press_again_during_the_rerun_after_a_step_does_not_lose_what_it_did(settings, step, monkeypatch):  # noqa: F811
    """督办单 page, 签收 / 上报整改 / 核验办结 pressed twice ~100 ms apart, the second press (on the
    button as drawn before the first was handled) arriving during the rerun that says the step: that
    run took the 「已保存：…现为…」 out of session state and was stopped before drawing it, and the
    second press's run had nothing to say. Kept until a run that says it has run to its end."""
    from tests.fixtures.double_press import press_again_as_said

    _user, _before, label, shown, after = STEPS[step]
    at, notice = _at_step(step)
    said = press_again_as_said(monkeypatch)
    next(b for b in at.button if b.label == label).click().run()
    _no_exception(at)
    expected = f"已保存：湛绿督〔2024〕{notice.seq}号 现为“{shown}”。"
    assert said and said[0] == expected, said  # the second press came as the rerun took the message
    assert [s.value for s in at.success if "现为" in s.value] == [expected], _texts(at)
    assert _status_of(notice.id) == after and not at.error, [e.value for e in at.error]
    at.run()  # said once
    assert not [s.value for s in at.success if "现为" in s.value], _texts(at)


@pytest.mark.parametrize("step", list(STEPS))
def test_a_press_again_after_the_rerun_of_a_step_says_what_it_did(settings, step, monkeypatch):  # noqa: F811
    """督办单 page, a step's button pressed twice, the second press (on the button as the browser
    still showed it) handled after the rerun that said the step had run to its end: that press's run
    no longer draws the button, had nothing to say, and replaced the page that said it. A second
    press of the button that made the message says it again."""
    from tests.fixtures.double_press import press_again_after_the_rerun

    _user, _before, label, shown, after = STEPS[step]
    at, notice = _at_step(step)
    with press_again_after_the_rerun(monkeypatch) as commits:
        next(b for b in at.button if b.label == label).click().run()
    _no_exception(at)
    assert commits == [1] and not at.error, (commits, [e.value for e in at.error])
    assert [s.value for s in at.success if "现为" in s.value] == [f"已保存：湛绿督〔2024〕{notice.seq}号 现为“{shown}”。"], \
        _texts(at)
    assert _status_of(notice.id) == after
    at.run()  # said once more at most: a run with no press says nothing
    assert not [s.value for s in at.success if "现为" in s.value], _texts(at)
