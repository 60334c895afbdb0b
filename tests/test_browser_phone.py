"""On a phone (390×844) in a real browser: the reviewer sees a decision's outcome where they pressed
提交, and wide tables keep their key columns readable while the rest scrolls sideways. Marked
``browser``."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import PHONE, shot
from tests.test_browser_review import _choose_reject, _logged_in, _open
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser


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
