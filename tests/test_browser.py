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
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from greening.config import REPO_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts"
HOSTILE_VILLAGE = "<img src=x onerror=alert(1)>`${x}`</script>村"
HOSTILE_TEAM = "\"'><script>alert(2)</script>护绿队"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A demo database with hostile names on one village and one team near the team account."""
    from sqlalchemy import select

    from greening.actor import Actor
    from greening.config import override_settings
    from greening.db import make_engine, session_scope
    from greening.models import AdminArea, GreeningTeam
    from greening.permissions import install_scope
    from greening.setup import initialise

    path = tmp_path_factory.mktemp("browserdb") / "greening.sqlite"
    url = f"sqlite:///{path}"
    with override_settings(database_url=url):
        engine = make_engine(url)
        initialise(engine, demo=True, plantings=2300)
        with session_scope(engine) as s:
            install_scope(s, Actor.system("browser-test"))
            village = s.scalars(select(AdminArea).where(AdminArea.level == "village",
                                                        AdminArea.code.startswith("440823"))
                                .order_by(AdminArea.code).offset(1).limit(1)).one()
            village.name = HOSTILE_VILLAGE
            team = s.scalars(select(GreeningTeam).where(GreeningTeam.village_code.startswith("440823"))
                             .order_by(GreeningTeam.village_code).offset(2).limit(1)).one()
            team.name = HOSTILE_TEAM
        engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(demo_db):
    """``streamlit run app.py`` on a free port; yields its base URL and stops it afterwards."""
    from greening.commands.static import missing_files

    if missing_files():
        pytest.skip("static/vendor is incomplete: run `python -m greening fetch-static`")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    port = _free_port()
    env = {**os.environ, "GREENING_DATABASE_URL": demo_db, "PYTHONPATH": str(REPO_ROOT)}
    log = (ARTIFACTS.mkdir(exist_ok=True) or ARTIFACTS) / "streamlit-server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start; see {log}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        # (launch() always starts from a fresh, temporary user-data directory)
        yield b
        b.close()


@pytest.fixture
def dialogs():
    return []


def _page(browser, base, dialogs, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", permissions=["geolocation"])
    page = context.new_page()

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base, wait_until="domcontentloaded")
    return page


def _login(page, username: str, password: str) -> None:
    page.get_by_label("用户名 / User name").fill(username)
    page.get_by_label("密码 / Password").fill(password)
    page.get_by_role("button", name="登录 / Log in").click()
    page.wait_for_selector("text=退出登录 / Log out", state="attached", timeout=60_000)


def _no_basemap(page) -> None:
    choice = page.get_by_text("无底图", exact=True).first
    choice.wait_for(timeout=90_000)
    choice.click()
    page.wait_for_timeout(1000)


def _map(page):
    page.wait_for_selector(MAP_FRAME, timeout=90_000)
    frame = page.frame_locator(MAP_FRAME).first
    frame.locator(".leaflet-container").wait_for(timeout=60_000)
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    return frame


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_timeout(1500)  # let Leaflet finish drawing
    page.screenshot(path=str(path), full_page=False)
    return path


def _team_village_point(db_url: str, username: str, password: str) -> tuple[float, float]:
    """A point inside the team's own village (its label point), WGS 84 (lon, lat)."""
    from greening.auth import actor_from_token, authenticate
    from greening.db import make_engine, session_scope
    from greening.services.villages import area_frame

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        actor = actor_from_token(s, authenticate(s, username, password).token)
    with engine.connect() as conn:
        row = area_frame(conn, actor, "village").iloc[0]
    engine.dispose()
    return float(row["label_lon"]), float(row["label_lat"])


def _static_ok(base: str, path: str, content_type: str) -> None:
    with urllib.request.urlopen(base + path, timeout=10) as r:
        assert r.status == 200 and content_type in r.headers["Content-Type"], (path, r.headers["Content-Type"])


def test_overview_map_and_a_planting_logged_by_tapping(server, demo_db, browser, dialogs):
    from greening.auth import DEMO_ACCOUNTS

    passwords = {a.username: a.password for a in DEMO_ACCOUNTS}
    gps = _team_village_point(demo_db, "team-suixi", passwords["team-suixi"])
    _static_ok(server, "/app/static/vendor/leaflet/leaflet.js", "javascript")
    _static_ok(server, "/app/static/vendor/leaflet/images/marker-icon.png", "image/png")

    # The city overview on a desktop screen: village shapes from the locally served Leaflet.
    page = _page(browser, server, dialogs, {"width": 1280, "height": 900})
    _login(page, "city", passwords["city"])
    page.wait_for_selector("text=全市总览", timeout=60_000)
    _no_basemap(page)
    frame = _map(page)
    assert frame.locator("path.leaflet-interactive").count() > 1000  # the villages, one path each
    assert page.get_by_text("示例数据 / demo data").first.is_visible()
    _shot(page, "overview-desktop")

    # The same on a phone.
    phone = _page(browser, server, dialogs, {"width": 390, "height": 844})
    _login(phone, "city", passwords["city"])
    _no_basemap(phone)
    _map(phone)
    phone.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    _shot(phone, "overview-phone")
    phone.context.close()

    # A greening team on a phone: tap its village on the map, fill the form, submit.
    team = _page(browser, server, dialogs, {"width": 390, "height": 844})
    _login(team, "team-suixi", passwords["team-suixi"])
    team.wait_for_selector("text=种植登记", timeout=60_000)
    _no_basemap(team)
    frame = _map(team)
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
    team.get_by_label("地点名称（可选）").fill("浏览器测试路口")
    _shot(team, "log-planting-phone")
    team.get_by_role("button", name="提交登记").click()
    team.wait_for_selector("text=已登记", timeout=60_000)
    team.get_by_text("浏览器测试路口").first.wait_for(timeout=30_000)
    _shot(team, "log-planting-saved-phone")

    # The next record by the phone's GPS: the fix is taken as the place at once.
    team.context.set_geolocation({"latitude": gps[1], "longitude": gps[0], "accuracy": 10})
    team.get_by_role("button", name="登记下一条").click()
    _no_basemap(team)
    frame = _map(team)
    team.locator(MAP_FRAME).first.scroll_into_view_if_needed()  # so the tap lands on the button
    team.wait_for_timeout(500)
    frame.locator(".leaflet-control-locate a").first.click()
    team.wait_for_selector(f"text=经度 {gps[0]:.6f}", timeout=60_000)
    team.wait_for_selector("text=该点位于", timeout=60_000)
    team.context.close()

    # The hostile names were on the maps and tables above: no script ran.
    assert dialogs == []
    page.context.close()


def _login_form_shown(page) -> None:
    """The log-in form, and (once the run has finished) nothing of the logged-in pages."""
    page.get_by_label("用户名 / User name").wait_for(timeout=60_000)
    page.wait_for_selector("text=/全市总览|辖区总览/", state="detached", timeout=30_000)
    page.wait_for_selector("text=退出登录 / Log out", state="detached", timeout=30_000)


def _logged_in_page_shown(page) -> None:
    """The overview page (the city's, or a lead's own area) and the log-out button, no log-in form."""
    page.wait_for_selector("text=/全市总览|辖区总览/", timeout=60_000)
    page.wait_for_selector("text=退出登录 / Log out", state="attached", timeout=60_000)
    page.get_by_label("用户名 / User name").wait_for(state="detached", timeout=30_000)


def _session_cookie(context):
    from ui.session import COOKIE_NAME

    found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    return found[0] if found else None


def test_a_reload_keeps_the_log_in_and_a_log_out_ends_it(server, browser, dialogs):
    """A phone reloading the page stays logged in (the cookie); after logging out it does not."""
    from greening.auth import DEMO_ACCOUNTS
    from greening.config import get_settings

    password = {a.username: a.password for a in DEMO_ACCOUNTS}["suixi"]
    page = _page(browser, server, dialogs, {"width": 1280, "height": 900})  # the sidebar open
    _login_form_shown(page)
    _login(page, "suixi", password)
    _logged_in_page_shown(page)
    cookie = None
    for _ in range(40):  # written by the page's script just after the log-in
        cookie = _session_cookie(page.context)
        if cookie:
            break
        page.wait_for_timeout(250)
    assert cookie, "the log-in cookie is set"
    assert cookie["path"] == "/" and cookie["sameSite"] == "Strict" and not cookie["secure"]  # http
    lifetime = cookie["expires"] - time.time()
    assert abs(lifetime - get_settings().session_hours * 3600) < 600, lifetime

    page.reload(wait_until="domcontentloaded")
    _logged_in_page_shown(page)

    # A second tab of the same browser is logged in too; logging out in the first ends both.
    other = page.context.new_page()
    other.goto(server, wait_until="domcontentloaded")
    _logged_in_page_shown(other)

    page.get_by_role("button", name="退出登录 / Log out").click()
    _login_form_shown(page)
    for _ in range(40):
        if _session_cookie(page.context) is None:
            break
        page.wait_for_timeout(250)
    assert _session_cookie(page.context) is None, "logging out clears the cookie"
    page.reload(wait_until="domcontentloaded")
    _login_form_shown(page)
    other.reload(wait_until="domcontentloaded")
    _login_form_shown(other)
    assert dialogs == []
    page.context.close()


def test_screenshots_for_the_readme(server, browser):
    """Copy the screenshots into docs/screenshots when they were made (a separate, cheap step)."""
    made = sorted(ARTIFACTS.glob("*.png"))
    if not made:
        pytest.skip("no screenshots made")
    if os.environ.get("GREENING_UPDATE_SCREENSHOTS") == "1":
        target = REPO_ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for path in made:
            shutil.copyfile(path, target / path.name)
