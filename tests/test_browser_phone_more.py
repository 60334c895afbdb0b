"""On a phone (390×844) in a real browser: a long table's 「再显示」 button (ui.tables.phone_table)
spans the screen's width as the page's other buttons do. Marked ``browser``."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import PHONE, shot
from tests.test_browser_review import _logged_in, _open
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser

NOTICES = 55  # more than a phone's table shows at first (ui.tables.PHONE_PAGE)


@pytest.fixture(scope="module", autouse=True)
def many_notices(browser_db):
    """Before the app starts: :data:`NOTICES` notices of 遂溪 villages, one each."""
    from tests.fixtures.notices import issue_notices

    issue_notices(browser_db, "440823", NOTICES, lambda i, code: ("1. 种植进度落后", [], [{"name": "王队长"}]))


def test_show_more_under_a_long_phone_table_spans_the_screen(app_server, browser, dialogs):
    """督办单's 「再显示 5 条」 was as narrow as its words on a phone, beside the full-width buttons."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "city")
    _open(page, app_server, "notices", "查看督办单")
    more = page.get_by_role("button", name=f"再显示 {NOTICES - 50} 条")
    more.wait_for(timeout=60_000)
    more.scroll_into_view_if_needed()
    try:
        box = more.bounding_box()
        block = page.locator(".st-key-notices_table_narrow").bounding_box()
        assert box and block, (box, block)
        assert box["width"] >= block["width"] - 2, (box, block)
        assert box["width"] >= PHONE["width"] - 40, box  # the screen less the page's margins
    finally:
        shot(page, "notices-show-more-phone")
    more.click()
    page.wait_for_selector(f"text=再显示 {NOTICES - 50} 条", state="detached", timeout=60_000)
    assert dialogs == []
    page.context.close()


def test_a_notice_cards_buttons_span_the_card_and_a_double_tap_acknowledges_once(app_server, browser, dialogs):
    """待办 on a phone: 签收 and 下载督办单 PDF were as narrow as their words (the page's CSS widens
    the button inside a box Streamlit sizes to its content); now a thumb's width, the card's. A
    double tap on 签收 acknowledges the notice and says so once."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "team-suixi")
    _open(page, app_server, "inbox", "待签收督办单")
    ack = page.get_by_role("button", name="签收", exact=True).first
    card = ack.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")  # the notice's bordered box
    pdf = card.get_by_role("button", name="下载督办单 PDF")
    ack.scroll_into_view_if_needed()
    try:
        box, pdf_box, card_box = ack.bounding_box(), pdf.bounding_box(), card.bounding_box()
        assert box and pdf_box and card_box, (box, pdf_box, card_box)
        assert box["width"] >= card_box["width"] - 40, (box, card_box)  # the card less its padding
        assert pdf_box["width"] >= card_box["width"] - 40, (pdf_box, card_box)
        assert box["width"] >= PHONE["width"] - 60, box
    finally:
        shot(page, "inbox-ack-phone")
    ack.dblclick()
    page.wait_for_selector("text=现为“已签收待整改”", timeout=60_000)
    page.wait_for_timeout(3_000)  # the second tap's run, if any, is over
    said = page.locator("[data-testid=stAlertContentSuccess]").filter(has_text="现为“已签收待整改”")
    assert said.count() == 1, said.all_inner_texts()
    assert page.locator("[data-testid=stAlertContentError]").count() == 0, \
        page.locator("[data-testid=stAlertContentError]").all_inner_texts()
    shot(page, "inbox-ack-phone-done")
    assert dialogs == []
    page.context.close()


def test_the_village_pages_sections_stand_one_under_another_on_a_phone(app_server, browser, dialogs):
    """村详情 on a phone: the cadres' table beside 成活率 had half the screen (身份 cut, 职务 off the
    screen) and 绿化覆盖率's two figures squeezed their sources into two narrow columns; now each
    takes the screen's width, one under the other."""
    page = _phone(browser, app_server, dialogs)
    _logged_in(page, "team-suixi")
    _open(page, app_server, "village", "驻村干部与专家")
    table = page.locator("[data-testid=stDataFrame]").filter(has_text="身份").first
    survival = page.locator("[data-testid=stMetric]").filter(has_text="成活率").first
    cover = page.locator("[data-testid=stMetric]").filter(has_text="遥感绿化覆盖率").first
    blocks = page.locator("[data-testid=stMetric]").filter(has_text="种植地块覆盖").first
    table.scroll_into_view_if_needed()
    try:
        boxes = {name: el.bounding_box() for name, el in
                 (("table", table), ("survival", survival), ("cover", cover), ("blocks", blocks))}
        assert all(boxes.values()), boxes
        assert boxes["table"]["width"] >= PHONE["width"] - 40, boxes  # the screen less the page's padding
        assert boxes["survival"]["y"] > boxes["table"]["y"] + boxes["table"]["height"] - 1, boxes  # under it
        assert boxes["blocks"]["y"] > boxes["cover"]["y"] + boxes["cover"]["height"] - 1, boxes
    finally:
        shot(page, "village-phone")
    assert dialogs == []
    page.context.close()
