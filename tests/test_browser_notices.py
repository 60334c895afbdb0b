"""督办单 in a real browser: the issue panel of the lagging page across a language switch, and the
notices page on a phone (390×844) and a wide screen (1280×900). Marked ``browser``."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import DESKTOP, PHONE, new_page, shot
from tests.test_browser_review import _logged_in, _open

pytestmark = pytest.mark.browser

NOTICES = 8  # notices of 廉江 villages (the hostile village name of the browser database is in 遂溪)


@pytest.fixture(scope="module", autouse=True)
def notices_of_lianjiang(browser_db):
    """:data:`NOTICES` notices, worded as the issue form pre-fills them from the lagging list."""
    import datetime as dt

    from tests.fixtures.notices import issue_notices

    issue_notices(browser_db, "440881", NOTICES,
                  lambda i, code: (f"1. 已连续 {60 + i} 天无植绿或管护记录", ["inactive"],
                                   [{"role": "team_leader", "name": "王队长（示例）"}]),
                  deadline=lambda i: dt.date(2024, 6, 3 + i))


def _switch_language(page, label: str) -> None:
    """Click 中文 or English in the sidebar (opened first on a phone) and wait for the run to end."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(800)
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=120_000)
    close = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if page.viewport_size["width"] <= 640 and close.count() and close.first.is_visible():
        close.first.click()  # the sidebar covers a phone's page
        page.wait_for_timeout(800)


def test_the_issue_panel_stays_open_across_a_language_switch(app_server, browser, dialogs):
    """落后村预警: 下发督办单 opened, then English chosen: the panel closed (its label, in the other
    language, made it another panel for the browser), and the official opened it again to go on."""
    page = new_page(browser, app_server, dialogs, DESKTOP)
    _logged_in(page, "city")
    _open(page, app_server, "lagging", "下发督办单")
    page.get_by_text("下发督办单", exact=True).click()
    page.get_by_text("选择村（可多选）").wait_for(timeout=30_000)
    try:
        _switch_language(page, "English")
        page.get_by_text("Issue supervision notices", exact=True).wait_for(timeout=60_000)
        assert page.get_by_text("Villages (one or more)").is_visible()
        _switch_language(page, "中文")
        page.get_by_text("下发督办单", exact=True).wait_for(timeout=60_000)
        assert page.get_by_text("选择村（可多选）").is_visible()
    finally:
        shot(page, "issue-panel-after-language-switch")
    assert dialogs == []
    page.context.close()


#: (scrollWidth, clientWidth) of every box that scrolls sideways in the phone's table of notices
TABLE_WIDTHS = """() => [...document.querySelectorAll('.st-key-notices_table_narrow [data-testid="stTable"], '
  + '.st-key-notices_table_narrow [data-testid="stTable"] > div')].map(e => [e.scrollWidth, e.clientWidth])"""
#: the width the picker's choice takes and the width its box has (a text box cuts what is longer)
PICK_WIDTHS = """() => { const i = document.querySelector('.st-key-notice_pick input');
  const c = document.createElement('canvas').getContext('2d'); const s = getComputedStyle(i); c.font = s.font;
  const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return [i.value, c.measureText(i.value).width, room]; }"""


def _fits(page, name: str) -> None:
    """The list of notices and the picker's choice fit the screen: nothing to scroll sideways, nothing cut."""
    page.locator(".st-key-notice_pick input").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    try:
        if page.viewport_size["width"] <= 640:
            # the phone's list is drawn once the page knows the screen's width: wait for it
            page.locator(".st-key-notices_table_narrow table tbody tr").first.wait_for(timeout=60_000)
            widths = page.evaluate(TABLE_WIDTHS)
            assert widths and all(scroll <= client + 1 for scroll, client in widths), widths
            cells = page.locator(".st-key-notices_table_narrow table tbody tr").first.locator("td, th")
            boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
            assert boxes and all(b and b["x"] + b["width"] <= page.viewport_size["width"] for b in boxes), boxes
        value, needed, room = page.evaluate(PICK_WIDTHS)
        assert value and needed <= room, (value, needed, room)
    finally:
        shot(page, name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_list_of_notices_and_the_picker_fit_the_screen(app_server, browser, dialogs, viewport):
    """督办单 on a phone: the table's number column was off the screen's edge (the table scrolled
    sideways) and the picker's choice 「湛绿督〔2024〕8号 竹井村（示例） · 已下发待签收」 was cut. The
    phone's list is the number (〔2024〕8号), village and state, wrapping; the picker names the
    number and village (the state, deadline and level are on the notice opened below it)."""
    name = "phone" if viewport == PHONE else "desktop"
    page = new_page(browser, app_server, dialogs, viewport)
    _logged_in(page, "city")
    _open(page, app_server, "notices", "查看督办单")
    _fits(page, f"notices-{name}-zh")
    if viewport == PHONE:
        assert page.locator(".st-key-notices_table_narrow th").all_inner_texts()[0] == "编号"
    else:
        assert page.get_by_text("状态：已下发待签收", exact=False).first.is_visible()
    _switch_language(page, "English")
    page.get_by_text("Open a notice", exact=True).wait_for(timeout=60_000)
    try:
        _fits(page, f"notices-{name}-en")
    finally:
        _switch_language(page, "中文")
    assert dialogs == []
    page.context.close()


def _options_without_notice(page) -> list[str]:
    """The picker's villages that have no open notice (no 「· 有未办结督办单」 mark), as listed."""
    options = page.locator("[role=option]")
    options.first.wait_for(timeout=30_000)
    return [o for o in options.all_inner_texts() if "·" not in o]


def test_a_phone_issues_a_notice_to_a_village_without_one(app_server, browser, dialogs):
    """落后村预警 on a phone, 下发督办单, a village with no open notice chosen, 下发 pressed: nothing
    reached the server. The picker, still focused, had its text box on a line of its own beside
    the chip (Streamlit widens it on focus); the press took the focus away, the box went back up
    beside the chip, and the page moved up a line between the press and its release: the release
    came above the button, no click. (A village with an open notice has a longer chip that takes
    its line alone either way.) The press is made as a finger makes it, where the button is."""
    page = new_page(browser, app_server, dialogs, PHONE)
    _logged_in(page, "city")
    _open(page, app_server, "lagging", "下发督办单")
    try:
        page.get_by_text("下发督办单", exact=True).click()
        picker = page.locator("[data-testid=stMultiSelect]").filter(has_text="选择村（可多选）")
        picker.wait_for(timeout=30_000)
        picker.scroll_into_view_if_needed()
        picker.click()
        choices = _options_without_notice(page)
        assert choices, "no lagging village without an open notice"
        page.locator("[role=option]").filter(has_text=choices[0]).first.click()
        page.keyboard.press("Escape")  # the list closed, the picker still focused
        press = page.locator("[data-testid=stFormSubmitButton] button").filter(has_text="下发")
        page.wait_for_function("() => !document.querySelector('[data-testid=stFormSubmitButton] button').disabled",
                               timeout=60_000)
        page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=60_000)
        press.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = press.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_text("已下发 1 份新督办单", exact=False).wait_for(timeout=60_000)
    finally:
        shot(page, "phone-issue-to-a-village-without-a-notice")
    assert dialogs == []
    page.context.close()
