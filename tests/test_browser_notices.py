"""督办单 in a real browser: the issue panel of the lagging page across a language switch, and the
notices page on a phone (390×844) and a wide screen (1280×900). Marked ``browser``."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import DESKTOP, new_page, shot
from tests.test_browser_review import _logged_in, _open

pytestmark = pytest.mark.browser


def _switch_language(page, label: str) -> None:
    """Click 中文 or English in the sidebar (opened first on a phone) and wait for the run to end."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(800)
    page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=120_000)


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
