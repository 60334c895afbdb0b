"""A greening team on a phone, in a real browser (headless Chromium at 390×844 with touch and a
phone's user agent): the GPS button at two positions and with location refused, and a one-finger
swipe on the map scrolling the page to the submit button. Marked ``browser``; the app server,
Chromium and log-in helpers are the shared ones in tests/fixtures/browser.py."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import MAP_FRAME, PHONE, login, map_frame, new_page, no_basemap, shot

pytestmark = pytest.mark.browser

GPS_FRAME = 'iframe[title="ui.gps.greening_gps"]'
#: the Leaflet map object of the folium frame (folium names it map_<id>)
MAP_CENTRE = ("() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k].getCenter);"
              " const c = window[k].getCenter(); return [c.lat, c.lng]; }")


def _phone(browser, base: str, dialogs: list[str], *, geolocation: dict | None = None, allow: bool = True):
    """A phone: 390×844, touch, a phone's user agent; location allowed (or not) and set."""
    return new_page(
        browser, base, dialogs, PHONE, is_mobile=True, has_touch=True,
        user_agent="Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0.0.0 Mobile Safari/537.36",
        permissions=["geolocation"] if allow else [], geolocation=geolocation)


def _team_point(db_url: str, username: str) -> tuple[float, float]:
    from greening.auth import actor_from_token, authenticate
    from greening.db import make_engine, session_scope
    from greening.services.area_views import area_frame
    from tests.fixtures.browser import demo_passwords

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        actor = actor_from_token(s, authenticate(s, username, demo_passwords()[username]).token)
    with engine.connect() as conn:
        row = area_frame(conn, actor, "village").iloc[0]
    engine.dispose()
    return float(row["label_lon"]), float(row["label_lat"])


def _open_log_page(page) -> None:
    """The log-a-planting page: a team lands on it, or on its inbox when something waits; then
    the page is opened from the (phone-collapsed) sidebar."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector("text=1. 种植地点", timeout=15_000)
        return
    except PlaywrightTimeout:
        pass
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
    page.locator('[data-testid="stSidebarNav"] a', has_text="种植登记").first.click()
    page.wait_for_selector("text=1. 种植地点", timeout=60_000)


def _press_gps(page) -> None:
    page.wait_for_selector(GPS_FRAME, timeout=60_000)
    page.locator(GPS_FRAME).first.scroll_into_view_if_needed()
    page.frame_locator(GPS_FRAME).first.locator("button").tap()


def _captions(page) -> list[str]:
    return page.locator("[data-testid=stCaptionContainer]").all_inner_texts()


def _choose_basemap(page, name: str) -> None:
    choice = page.get_by_text(name, exact=True).first
    choice.wait_for(timeout=90_000)
    choice.click()
    page.wait_for_timeout(1000)


def test_gps_takes_the_browsers_position_at_two_places_with_its_accuracy(app_server, browser_db, browser, dialogs):
    lon, lat = _team_point(browser_db, "team-suixi")
    page = _phone(browser, app_server, dialogs, geolocation={"latitude": lat, "longitude": lon, "accuracy": 12})
    login(page, "team-suixi")
    _open_log_page(page)
    # Over Amap the map is drawn in GCJ-02; the fix must still be stored as the browser gave it.
    _choose_basemap(page, "高德地图")
    map_frame(page)
    _press_gps(page)
    page.wait_for_selector(f"text=经度 {lon:.6f}，纬度 {lat:.6f}", timeout=60_000)
    page.wait_for_selector("text=精度约 ±12 米", timeout=30_000)
    page.wait_for_selector("text=该点位于", timeout=30_000)
    shot(page, "team-gps-first-phone")

    # A second place about 700 m east, less precise: the point follows the browser again.
    lon2 = lon + 0.0067
    page.context.set_geolocation({"latitude": lat, "longitude": lon2, "accuracy": 35})
    _press_gps(page)
    page.wait_for_selector(f"text=经度 {lon2:.6f}，纬度 {lat:.6f}", timeout=60_000)
    page.wait_for_selector("text=精度约 ±35 米", timeout=30_000)
    assert not any(f"经度 {lon:.6f}，" in c for c in _captions(page))
    # The pin is on the map, where the browser said.
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator("img.leaflet-marker-icon").first.wait_for(timeout=30_000)
    assert dialogs == []
    page.context.close()


def test_gps_refused_says_so_and_picks_no_point(app_server, browser, dialogs):
    page = _phone(browser, app_server, dialogs, allow=False)
    login(page, "team-suixi")
    _open_log_page(page)
    no_basemap(page)
    map_frame(page)
    _press_gps(page)
    page.wait_for_selector("text=浏览器拒绝了定位权限", timeout=60_000)
    assert not any("位置：经度" in c for c in _captions(page))
    shot(page, "team-gps-denied-phone")
    assert dialogs == []  # no alert() either
    page.context.close()


def _swipe(page, x: float, y: float, dy: float, steps: int = 12) -> None:
    """One finger from (x, y) moving ``dy`` pixels (negative: up, i.e. scroll the page down)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y + dy * i / steps}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_one_finger_on_the_map_scrolls_the_page_to_submit(app_server, browser, dialogs):
    page = _phone(browser, app_server, dialogs)
    login(page, "team-suixi")
    _open_log_page(page)
    no_basemap(page)
    frame = map_frame(page)
    the_map = page.locator(MAP_FRAME).first
    the_map.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    submit = page.get_by_role("button", name="提交登记")
    centre = frame.locator("body").evaluate(MAP_CENTRE)
    for _ in range(4):  # swipe up on the middle of the map until the submit button is on screen
        box = the_map.bounding_box()
        top, bottom = max(box["y"], 0), min(box["y"] + box["height"], PHONE["height"])
        if bottom - top < 120:
            break
        before = submit.bounding_box()["y"]
        _swipe(page, box["x"] + box["width"] / 2, (top + bottom) / 2 + 50, -300)
        page.wait_for_timeout(700)
        assert submit.bounding_box()["y"] < before - 150, "a one-finger swipe on the map scrolls the page"
        assert frame.locator("body").evaluate(MAP_CENTRE) == centre, "and does not move the map"
    submit.scroll_into_view_if_needed()
    shot(page, "team-swipe-phone")
    submit.tap()  # reached; nothing chosen yet, so nothing is saved and the form says what is missing
    page.wait_for_selector("text=请先选择种植地点", timeout=30_000)
    page.wait_for_selector("text=请填写株数", timeout=30_000)
    assert dialogs == []
    page.context.close()


def test_the_teams_recent_records_are_readable_on_a_phone(app_server, browser, dialogs):
    """本队最近登记 squeezed seven columns into 390 px: the status wrapped one character per line
    (待 / 审 / 核). The table now keeps each cell on one line and scrolls sideways."""
    page = _phone(browser, app_server, dialogs)
    login(page, "team-suixi")
    _open_log_page(page)
    table = page.locator('[data-testid="stTable"]').last
    table.wait_for(timeout=60_000)
    table.scroll_into_view_if_needed()
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index("状态")
    heights = table.locator(f"tbody tr td:nth-child({column + 1}), tbody tr th:nth-child({column + 1})").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().height)")
    line = table.locator("tbody tr").first.evaluate("r => parseFloat(getComputedStyle(r).lineHeight) || 24")
    assert heights and max(heights) < 1.8 * line + 16, (heights, line)
    status = table.locator(f"tbody tr:first-child :is(td,th):nth-child({column + 1})").bounding_box()
    assert status["x"] + status["width"] <= PHONE["width"], "the state is on screen without scrolling"
    shot(page, "team-recent-phone")
    assert dialogs == []
    page.context.close()


def test_a_tap_on_the_village_leaves_no_black_frame_around_it(app_server, browser, dialogs):
    """After a tap on the village, Chromium drew its focus ring, a black rectangle, round the
    village's shape on the map (the shape is focusable, and :focus outlined it). A tap now leaves
    no ring; the keyboard's focus (:focus-visible) still shows one."""
    page = _phone(browser, app_server, dialogs)
    login(page, "team-suixi")
    _open_log_page(page)
    no_basemap(page)
    frame = map_frame(page)
    village = frame.locator("path.leaflet-interactive").first
    village.wait_for(timeout=30_000)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = village.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("text=该点位于", timeout=30_000)
    focused = map_frame(page).locator("body").evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), outline: getComputedStyle(e).outlineStyle}; }""")
    shot(page, "team-tap-no-ring-phone")
    assert not (focused["tag"] == "path" and focused["outline"] not in ("none", "")), focused
    assert dialogs == []
    page.context.close()
