"""The real app in a real browser: ``streamlit run app.py`` against a small demo SpatiaLite database,
driven by headless Chromium (Playwright, Debian's chromium). Marked ``browser``.

It logs in, checks that the overview map renders village shapes from the locally served Leaflet,
logs a planting by tapping the map as a greening team and sees it listed, and fails if any
JavaScript dialog fires (a village and a team carry hostile names). It also checks that a log-in
survives a page reload (the log-in cookie) and that a log-out ends it. Screenshots go to
``test-artifacts/`` (desktop 1280×900 and phone 390×844).
"""
from __future__ import annotations

import os
import shutil
import time

import pytest

from greening.config import REPO_ROOT
from tests.fixtures.browser import (
    DESKTOP,
    IN_CI,
    MAP_FRAME,
    PHONE,
    SHOTS,
    CoalescedPresses,
    demo_passwords,
    logged_in_page_shown,
    login,
    login_form_shown,
    map_frame,
    new_page,
    no_basemap,
    session_cookie,
    shot,
    static_ok,
)

pytestmark = pytest.mark.browser


def _team_village_point(db_url: str, username: str, password: str) -> tuple[float, float]:
    """A point inside the team's own village (its label point), WGS 84 (lon, lat)."""
    from greening.auth import actor_from_token, authenticate
    from greening.db import make_engine, session_scope
    from greening.services.area_views import area_frame

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        actor = actor_from_token(s, authenticate(s, username, password).token)
    with engine.connect() as conn:
        row = area_frame(conn, actor, "village").iloc[0]
    engine.dispose()
    return float(row["label_lon"]), float(row["label_lat"])


def test_overview_map_and_a_planting_logged_by_tapping(app_server, browser_db, browser, dialogs):
    passwords = demo_passwords()
    gps = _team_village_point(browser_db, "team-suixi", passwords["team-suixi"])
    static_ok(app_server, "/app/static/vendor/leaflet/leaflet.js", "javascript")
    static_ok(app_server, "/app/static/vendor/leaflet/images/marker-icon.png", "image/png")

    # The city overview on a desktop screen: village shapes from the locally served Leaflet.
    page = new_page(browser, app_server, dialogs, DESKTOP)
    login(page, "city", passwords["city"])
    page.wait_for_selector("text=全市总览", timeout=60_000)
    no_basemap(page)
    frame = map_frame(page)
    assert frame.locator("path.leaflet-interactive").count() > 1000  # the villages, one path each
    assert page.get_by_text("示例数据 / demo data").first.is_visible()
    shot(page, "overview-desktop")

    # The same on a phone.
    phone = new_page(browser, app_server, dialogs, PHONE)
    login(phone, "city", passwords["city"])
    no_basemap(phone)
    map_frame(phone)
    phone.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    shot(phone, "overview-phone")
    phone.context.close()

    # A greening team on a phone: tap its village on the map, fill the form, submit.
    team = new_page(browser, app_server, dialogs, PHONE)
    login(team, "team-suixi", passwords["team-suixi"])
    team.wait_for_selector("text=1. 种植地点", timeout=60_000)
    no_basemap(team)
    frame = map_frame(team)
    village = frame.locator("path.leaflet-interactive").first
    box = village.bounding_box()
    village.click(position={"x": box["width"] / 2, "y": box["height"] / 2}, force=True)
    team.wait_for_selector("text=该点位于", timeout=60_000)
    icon = frame.locator("img.leaflet-marker-icon").first
    icon.wait_for(timeout=30_000)
    loaded = False
    for _ in range(40):  # the image may still be on its way
        loaded = icon.evaluate("img => img.complete && img.naturalWidth > 0")
        if loaded:
            break
        team.wait_for_timeout(250)
    assert loaded, "Leaflet's marker image loads (images/ beside leaflet.css)"
    team.get_by_label("株数").fill("37")
    team.get_by_text("更多（地点名称、参与人数、备注）").click()
    team.get_by_label("地点名称（可选）").fill("浏览器测试路口")
    shot(team, "log-planting-phone")
    team.get_by_role("button", name="提交登记").click()
    team.wait_for_selector("text=已登记", timeout=60_000)
    team.get_by_text("浏览器测试路口").first.wait_for(timeout=30_000)
    shot(team, "log-planting-saved-phone")

    # The next record by the phone's GPS: the fix is taken as the place at once.
    team.context.set_geolocation({"latitude": gps[1], "longitude": gps[0], "accuracy": 10})
    team.get_by_role("button", name="登记下一条").click()
    no_basemap(team)
    map_frame(team)
    gps_button = 'iframe[title="ui.gps.greening_gps"]'
    team.locator(gps_button).first.scroll_into_view_if_needed()
    team.frame_locator(gps_button).first.locator("button").click()
    team.wait_for_selector(f"text=经度 {gps[0]:.6f}", timeout=60_000)
    team.wait_for_selector("text=该点位于", timeout=60_000)
    team.context.close()

    # The hostile names were on the maps and tables above: no script ran.
    assert dialogs == []
    page.context.close()


def test_a_reload_keeps_the_log_in_and_a_log_out_ends_it(app_server, browser, dialogs):
    """A phone reloading the page stays logged in (the cookie); after logging out it does not."""
    from greening.config import get_settings

    password = demo_passwords()["suixi"]
    page = new_page(browser, app_server, dialogs, DESKTOP)  # the sidebar open
    login_form_shown(page)
    login(page, "suixi", password)
    logged_in_page_shown(page)
    cookie = None
    for _ in range(40):  # written by the page's script just after the log-in
        cookie = session_cookie(page.context)
        if cookie:
            break
        page.wait_for_timeout(250)
    assert cookie, "the log-in cookie is set"
    assert cookie["path"] == "/" and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http
    lifetime = cookie["expires"] - time.time()
    assert abs(lifetime - get_settings().session_hours * 3600) < 600, lifetime

    page.reload(wait_until="domcontentloaded")
    logged_in_page_shown(page)

    # A second tab of the same browser is logged in too; logging out in the first ends both.
    other = page.context.new_page()
    other.goto(app_server, wait_until="domcontentloaded")
    logged_in_page_shown(other)

    page.get_by_role("button", name="退出登录").click()
    login_form_shown(page)
    for _ in range(40):
        if session_cookie(page.context) is None:
            break
        page.wait_for_timeout(250)
    assert session_cookie(page.context) is None, "logging out clears the cookie"
    page.reload(wait_until="domcontentloaded")
    login_form_shown(page)
    other.reload(wait_until="domcontentloaded")
    login_form_shown(other)
    assert dialogs == []
    page.context.close()


def test_a_double_press_of_log_in_merged_by_a_busy_server_logs_in(app_server, browser, dialogs):
    """Both presses reach a busy server as one request with the second press's values; a form
    cleared on submit sent an empty user name and password then (用户名或密码错误, and a failure
    counted towards the lock)."""
    presses = CoalescedPresses()
    page = new_page(browser, app_server, dialogs, PHONE, presses=presses)
    login_form_shown(page)
    page.get_by_label("用户名", exact=True).fill("leizhou")
    page.get_by_label("密码", exact=True).fill(demo_passwords()["leizhou"])
    presses.hold()
    page.get_by_role("button", name="登录", exact=True).dblclick()
    page.wait_for_timeout(500)
    assert presses.release() == 2
    page.wait_for_selector("text=退出登录", state="attached", timeout=60_000)
    assert page.get_by_text("用户名或密码错误").count() == 0
    assert dialogs == []
    page.context.close()


#: the screenshots the tests above take, and the screen each is taken at
EXPECTED_SHOTS = {"overview-desktop": DESKTOP, "overview-phone": PHONE, "log-planting-phone": PHONE,
                  "log-planting-saved-phone": PHONE}


def test_screenshots_for_the_readme(app_server, browser):
    """The screenshots taken in this run are real pictures of the screen they were taken at.

    Each is a PNG of the viewport's size with more than a blank page in it (many colours, the
    map's and the page's). With ``GREENING_UPDATE_SCREENSHOTS=1`` they are copied into
    docs/screenshots for the README.
    """
    from PIL import Image

    if not SHOTS:
        if IN_CI:
            pytest.fail("no screenshots were taken in this run")
        pytest.skip("no screenshots taken in this run (run the whole module)")
    assert set(EXPECTED_SHOTS) <= set(SHOTS), sorted(SHOTS)
    for name, (path, viewport) in SHOTS.items():
        assert viewport == EXPECTED_SHOTS.get(name, viewport), (name, viewport)
        with Image.open(path) as img:
            assert img.format == "PNG", (name, img.format)
            assert img.size == (viewport["width"], viewport["height"]), (name, img.size)
            colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50, f"{name}: {len(colours or [])} colours, a blank page?"
        commonest = max(colours)[0] / (img.size[0] * img.size[1])
        assert commonest < 0.97, f"{name}: {commonest:.0%} of the picture is one colour"
    if os.environ.get("GREENING_UPDATE_SCREENSHOTS") == "1":
        target = REPO_ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for path, _ in SHOTS.values():
            shutil.copyfile(path, target / path.name)
