"""On a phone (390×844) in a real browser: the reviewer sees a decision's outcome where they pressed
提交, and wide tables keep their key columns readable while the rest scrolls sideways. Marked
``browser``."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import PHONE, shot
from tests.test_browser_review import _choose_reject, _logged_in, _open
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser

TEAM_VILLAGE = "440823101001"  # team-suixi's village in the demo
#: why the county lead returned one of the team's records: longer than a phone's width, with markup
#: that must show as typed
RETURN_REASON = ("照片中看不到新种的树苗，位置与登记的<b>路旁</b>不符，请到现场重新拍摄近景和远景各一张后"
                 "再次上报，并注明树种和株数。")


@pytest.fixture(scope="module", autouse=True)
def notices_and_checks_due(browser_db):
    """Before the app starts: three notices of 遂溪 villages, overdue on the demo's report date
    (10 June 2024), a verified planting of the team's village from 1 March (its 3-month check
    was due on 1 June), and one the county lead returned with :data:`RETURN_REASON`."""
    import datetime as dt

    from sqlalchemy import select

    from greening.actor import Actor
    from greening.db import make_engine, session_scope
    from greening.models import AdminArea, Planting, User
    from greening.models.enums import Role
    from greening.permissions import install_scope
    from greening.services.plantings import PlantingInput, create_planting
    from greening.services.review import reject
    from greening.supervision import notices

    engine = make_engine(browser_db)
    city = Actor(user_id=None, username="city", role=Role.CITY)
    with session_scope(engine) as s:
        install_scope(s, Actor.system("tests"))
        villages = s.scalars(select(AdminArea.code).where(AdminArea.level == "village",
                                                          AdminArea.code.startswith("440823"))
                             .order_by(AdminArea.code).offset(5).limit(3)).all()
        village = s.scalars(select(AdminArea).where(AdminArea.code == TEAM_VILLAGE)).one()
        user = s.scalars(select(User).where(User.username == "team-suixi")).one()
        team = Actor(user_id=user.id, username=user.username, role=Role.TEAM, scope_prefix=user.scope_prefix,
                     team_id=user.team_id)
        install_scope(s, team)
        made = create_planting(s, team, PlantingInput(
            submission_id="phone-table-care", village_code=TEAM_VILLAGE, planted_on=dt.date(2024, 3, 1),
            species="樟树", tree_count=9, site_type="路旁", lon=village.label_lon, lat=village.label_lat))
        returned = create_planting(s, team, PlantingInput(
            submission_id="phone-returned", village_code=TEAM_VILLAGE, planted_on=dt.date(2024, 5, 2),
            species="樟树", tree_count=45, site_type="路旁", lon=village.label_lon, lat=village.label_lat))
        install_scope(s, Actor.system("tests"))
        s.get(Planting, made.planting.id).status = "verified"
        lead = s.scalars(select(User).where(User.username == "suixi")).one()
        lead = Actor(user_id=lead.id, username=lead.username, role=Role.COUNTY_LEAD, scope_prefix=lead.scope_prefix)
        install_scope(s, lead)
        reject(s, lead, returned.planting.id, expected_version=returned.planting.version, reason=RETURN_REASON)
        install_scope(s, city)
        for code in villages:
            notices.issue_notice(s, city, notices.NoticeDraft(code, "1. 种植进度落后", [], [{"name": "王队长"}]),
                                 issued_on=dt.date(2024, 5, 20), deadline=dt.date(2024, 6, 3))
    engine.dispose()


def _in_view(page, locator) -> dict:
    """The element's box, asserted to lie within the phone's screen."""
    box = locator.bounding_box()
    assert box is not None, "the element is not drawn"
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
    return box


def test_the_outcome_of_a_decision_is_in_view_where_the_reviewer_pressed(app_server, browser, dialogs):
    """The line saying 已退回 appeared at the top of the tab, out of view of a county lead who had
    scrolled down to the form of a record far down the list, pressed twice."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "suixi")
    _open(page, app_server, "review", "审核哪条记录")
    assert page.title() == "核查审核 · 湛江乡村绿化"  # the browser tab names the page (it said 湛江乡村绿化 only)
    _choose_reject(page, "位置与照片不符")  # the oldest record of the page: far down
    button = page.get_by_role("button", name="提交", exact=True)
    button.scroll_into_view_if_needed()
    assert button.bounding_box()["y"] > PHONE["height"] / 3  # the reviewer is far down the page
    button.dblclick()
    outcome = page.get_by_text("已退回：位置与照片不符")
    outcome.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)  # the page has settled (the form and the record's map are gone)
    try:
        _in_view(page, outcome)
    finally:
        shot(page, "review-outcome-phone")
    assert dialogs == []
    page.context.close()


def _phone_table(page, headers: tuple[str, ...]):
    """The one table shown on the phone (the wide one is hidden), with ``headers`` on screen and
    every cell on one line; returns its header texts."""
    table = page.locator('[data-testid="stTable"]').filter(has_text=headers[0]).first
    table.wait_for(timeout=90_000)
    table.scroll_into_view_if_needed()
    shown = table.locator("thead th").all_inner_texts()
    for name in headers:
        cell = table.locator("thead th").nth(shown.index(name))
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)
    heights = table.locator("tbody :is(td,th)").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().height)")
    line = table.locator("tbody tr").first.evaluate("r => parseFloat(getComputedStyle(r).lineHeight) || 24")
    assert heights and max(heights) < 1.8 * line + 16, (heights, line)
    assert not [d for d in page.locator('[data-testid="stDataFrame"]').all() if d.is_visible()], \
        "the sideways-cut data grid is not shown on a phone"
    return shown


def test_the_notices_list_on_a_phone_is_the_number_village_and_state(app_server, browser, dialogs):
    """督办单 on a phone showed 3 of its 7 columns (number, village, town): the state and the days
    overdue, what a city official looks for, were off the screen; then, with those first, the
    number was off it and the table scrolled sideways. The phone's list is the number (〔2024〕1号),
    the village and the state with the days overdue, all on the screen, nothing to scroll."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "city")
    _open(page, app_server, "notices", "查看督办单")
    table = page.locator('.st-key-notices_table_narrow [data-testid="stTable"]')
    try:
        table.wait_for(timeout=90_000)
        table.scroll_into_view_if_needed()
        shown = table.locator("thead th").all_inner_texts()
        assert shown == ["编号", "村", "状态"], shown
        cells = table.locator("thead th, tbody td, tbody th").evaluate_all(
            "cs => cs.map(c => c.getBoundingClientRect().right)")
        assert cells and max(cells) <= PHONE["width"], cells
        widths = table.evaluate("t => [t.scrollWidth, t.clientWidth, t.firstElementChild.scrollWidth, "
                                "t.firstElementChild.clientWidth]")
        assert widths[0] <= widths[1] + 1 and widths[2] <= widths[3] + 1, widths  # no sideways scroll
        states = table.locator("tbody tr").evaluate_all("rs => rs.map(r => r.lastElementChild.innerText)")
        assert any(re.search(r"逾期\s\d+\s天", x) for x in states), states  # the notices are overdue
    finally:
        shot(page, "notices-phone")
    assert dialogs == []
    page.context.close()


def test_the_care_checks_due_on_a_phone_show_the_due_date_and_state(app_server, browser, dialogs):
    """管护核查's list of checks due cut the 应查日期 column at the screen's edge."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "team-suixi")
    _open(page, app_server, "care_check", "本周到期与逾期")
    try:
        shown = _phone_table(page, ("应查日期", "状态", "记录"))
    finally:
        shot(page, "care-due-phone")
    assert shown[:2] == ["应查日期", "状态"], shown
    assert dialogs == []
    page.context.close()


def test_a_returned_record_says_its_whole_reason_on_a_phone(app_server, browser, dialogs):
    """待办's 被退回的植树记录 was a data grid on a phone too: it cut 退回原因 at the screen's edge
    (the grid draws on a canvas: the words were not on the page), and the team could not read why
    its record came back. On a phone each returned record is a card, its reason wrapped whole."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "team-suixi")
    _open(page, app_server, "inbox", "被退回的植树记录")
    try:
        reason = page.get_by_text(f"退回原因：{RETURN_REASON}", exact=True)
        reason.wait_for(timeout=30_000)  # the whole reason, the markup as typed
        reason.scroll_into_view_if_needed()
        box = _in_view(page, reason)
        assert box["height"] > 40, box  # wrapped over lines, not cut on one
        card = page.locator(".gr-card").filter(has=reason)
        assert card.locator(".gr-card-head").inner_text().endswith(" · 2024年5月2日"), card.inner_text()
    finally:
        shot(page, "inbox-returned-phone")
    assert not [d for d in page.locator('[data-testid="stDataFrame"]').all() if d.is_visible()]
    assert dialogs == []
    page.context.close()


def test_the_page_title_is_not_smaller_than_its_section_headings_on_a_phone(app_server, browser, dialogs):
    """On a phone the page's title (村详情：…, an h3) was drawn at 16.8 px under section headings
    (驻村干部与专家, h4) of 24 px: the headings looked like the title."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "suixi")
    _open(page, app_server, f"village?village={TEAM_VILLAGE}", "驻村干部与专家")
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll(
        '[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')).filter(h => h.offsetParent !== null)
        .map(h => [h.tagName, h.innerText.trim().slice(0, 30), parseFloat(getComputedStyle(h).fontSize)])""")
    try:
        title = next(s for s in sizes if s[1].startswith("村详情"))
        headings = [s for s in sizes if s[0] in ("H4", "H5", "H6")]
        assert headings and any(s[1] == "驻村干部与专家" for s in headings), sizes
        assert all(title[2] >= s[2] for s in headings), (title, headings)
        assert title[2] >= 18, title  # still a title on a 390 px screen
    finally:
        shot(page, "village-title-phone")
    assert dialogs == []
    page.context.close()
