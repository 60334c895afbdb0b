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


@pytest.mark.parametrize("username", ["suixi"])
def test_a_finger_tap_on_a_village_opens_its_page(app_server, browser, dialogs, username):
    page = _phone(browser, app_server, dialogs)
    login(page, username)
    page.wait_for_selector("text=/全市总览|辖区总览/", timeout=60_000)
    no_basemap(page)
    frame = map_frame(page)
    the_map = page.locator(MAP_FRAME).first
    the_map.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    point = frame.locator("body").evaluate(VILLAGE_POINT)
    assert point is not None, "a village's shape is on screen to tap"
    box = the_map.bounding_box()
    page.touchscreen.tap(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url("**/village?village=*", timeout=60_000)
    title = page.locator("h1, h2, h3").filter(has_text="村详情：").first
    title.wait_for(timeout=60_000)
    code = page.url.rsplit("=", 1)[1]
    assert len(code) == 12 and (username == "city" or code.startswith("440823"))
    assert title.inner_text().strip() != "村详情："  # names the village tapped
    shot(page, f"overview-tap-{username}-phone")
    assert dialogs == []
    page.context.close()


#: the designation pins and cluster bubbles on the map: how many, which overlap, and whether a tap
#: at each one's centre reaches it (not something drawn over it)
PINS_AND_CLUSTERS = """() => {
    const box = (el) => el.getBoundingClientRect();
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const onScreen = (r) => r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
    // what can be seen: the pins and bubbles inside the map's frame
    const pins = [...document.querySelectorAll('.gr-divicon .gr-pin')].filter((el) => onScreen(box(el)));
    const clusters = [...document.querySelectorAll('.marker-cluster')].filter((el) => onScreen(box(el)));
    const overlaps = [];
    pins.forEach((p, i) => {
        const a = box(p);
        clusters.forEach((c) => { if (hit(a, box(c))) overlaps.push(['pin-cluster', p.textContent, c.textContent]); });
        pins.slice(i + 1).forEach((q) => { if (hit(a, box(q))) overlaps.push(['pin-pin', p.textContent, q.textContent]); });
    });
    const reaches = (el, sel) => {
        const r = box(el);
        const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
        return !!top && top.closest(sel) === el;
    };
    return {pins: pins.length, clusters: clusters.length, overlaps,
            pins_blocked: pins.filter((p) => !reaches(p, '.gr-pin')).map((p) => p.textContent),
            // a bubble under a pin (one under the map's own zoom or layer buttons is Leaflet's way)
            clusters_blocked: clusters.filter((c) => {
                const r = box(c);
                const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
                return !!top && !!top.closest('.gr-divicon');
            }).map((c) => c.textContent)};
}"""


def test_city_overview_pins_and_clusters_do_not_overlap_on_a_phone(app_server, browser, dialogs):
    """The 镇/产 pins used to sit on the cluster bubbles at 390×844 (28 overlaps on the demo)."""
    page = _phone(browser, app_server, dialogs)
    login(page, "city")
    page.wait_for_selector("text=全市总览", timeout=60_000)
    no_basemap(page)
    frame = map_frame(page)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    frame.locator(".marker-cluster").first.wait_for(timeout=60_000)
    frame.locator(".gr-divicon .gr-pin").first.wait_for(timeout=60_000)
    for step in ("start", "zoomed in", "zoomed in twice"):
        page.wait_for_timeout(1500)  # the clusters settle, then the pins are placed
        seen = frame.locator("body").evaluate(PINS_AND_CLUSTERS)
        assert seen["pins"] >= (18 if step == "start" else 3) and seen["clusters"] > 0, (step, seen)
        assert seen["overlaps"] == [], (step, seen["overlaps"])
        assert seen["pins_blocked"] == [] and seen["clusters_blocked"] == [], (step, seen)
        shot(page, f"overview-pins-city-phone-{step.replace(' ', '-')}")
        if step != "zoomed in twice":
            frame.locator(".leaflet-control-zoom-in").tap()
    assert dialogs == []
    page.context.close()
