"""The overview map on a phone, in a real browser (headless Chromium at 390×844 with touch and a
phone's user agent): a finger's tap on a village opens that village's page, for a county lead.
Marked ``browser``; the app server, Chromium and log-in helpers are the shared ones
in tests/fixtures/browser.py."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import MAP_FRAME, login, map_frame, no_basemap, shot
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser

#: a point of the map frame, near its middle, where the topmost element is a village's shape
#: (not a cluster, a pin or a control), or null
VILLAGE_POINT = """() => {
    for (let r = 0; r < 40; r++) for (let a = 0; a < 16; a++) {
        const x = innerWidth / 2 + r * 6 * Math.cos(a * Math.PI / 8);
        const y = innerHeight / 2 + r * 6 * Math.sin(a * Math.PI / 8);
        const el = document.elementFromPoint(x, y);
        if (el && el.tagName === 'path' && el.classList.contains('leaflet-interactive')) return [x, y];
    }
    return null;
}"""


@pytest.mark.parametrize(("username", "path"), [("suixi", ""), ("city", ""), ("suixi", "county")],
                         ids=["county-lead-overview", "city-overview", "county-lead-county-page"])
def test_a_finger_tap_on_a_village_opens_its_page(app_server, browser, dialogs, username, path):
    """The city case failed: at city zoom a small village is a few pixels wide and the tap found
    its outline, a pixel outside the village, and was told 该位置不在任何村界内. The county page
    did not open villages at all."""
    page = _phone(browser, app_server, dialogs)
    login(page, username)
    page.wait_for_selector("text=/全市总览|辖区总览/", timeout=60_000)
    if path:
        page.goto(f"{app_server}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector("text=点击村庄查看详情", timeout=120_000)
    no_basemap(page)
    frame = map_frame(page)
    the_map = page.locator(MAP_FRAME).first
    the_map.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    point = frame.locator("body").evaluate(VILLAGE_POINT)
    assert point is not None, "a village's shape is on screen to tap"
    box = the_map.bounding_box()
    page.touchscreen.tap(box["x"] + point[0], box["y"] + point[1])
    try:
        page.wait_for_url("**/village?village=*", timeout=60_000)
    except Exception:
        shot(page, f"failed-overview-tap-{username}")
        raise AssertionError(f"no village page after the tap at {point}: "
                             f"{page.inner_text('body')[-400:]}") from None
    title = page.locator("h1, h2, h3").filter(has_text="村详情：").first
    title.wait_for(timeout=60_000)
    code = page.url.rsplit("=", 1)[1]
    assert len(code) == 12 and (username == "city" or code.startswith("440823"))
    assert title.inner_text().strip() != "村详情："  # names the village tapped
    shot(page, f"{path or 'overview'}-tap-{username}-phone")
    assert dialogs == []
    page.context.close()
