"""A page opened by its address while logged out (a bookmark, a link in a notice), in a real browser:
``/county`` on a freshly started server, before any tab has opened ``/``.

Before the fix Streamlit took the page folder ``pages/`` for its old automatic navigation in a
server process no tab had yet opened ``/`` in, and ran the page file by itself: the sidebar listed every file name of that folder ("app", "admin audit", ...) before
and after the log-in, for every role. Once some tab had opened ``/``, the same link showed
Streamlit's English "Page not found" dialog instead and, after the log-in, the role's first page
rather than the one asked for. Now the log-in keeps the address and then opens the page when the
role may open it, or the role's home page with a line saying the page is not open to it.

The module's server is its own (``app_server`` is module-scoped): every test here opens a deep
link first. Marked ``browser``; helpers in tests/fixtures/browser.py.
"""
from __future__ import annotations

import pytest

from greening.i18n import t
from tests.fixtures.browser import DESKTOP, PHONE, login, new_page, shot

pytestmark = pytest.mark.browser

NAV = '[data-testid="stSidebarNav"]'
#: what Streamlit's automatic list of the folder showed (file names, in English)
AUTOMATIC = ("app", "admin audit", "admin users", "care check", "log planting")


def _nav_items(page) -> list[str]:
    return [s.strip() for s in page.locator(f'{NAV} [data-testid="stSidebarNavLink"]').all_inner_texts()]


def _open_logged_out(browser, base, dialogs, viewport):
    page = new_page(browser, base, dialogs, viewport, path="county")
    page.get_by_label("用户名", exact=True).wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # the run is over: a navigation or a dialog would be there now
    assert page.locator(NAV).count() == 0, _nav_items(page)  # no page list before the log-in
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[role="dialog"]').count() == 0
    assert page.url.endswith("/county")
    return page


def _settled(page) -> None:
    """The log-in form of the run before has gone, and the run has ended."""
    page.get_by_label("用户名", exact=True).wait_for(state="detached", timeout=60_000)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=120_000)


def _show_sidebar(page) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(800)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_county_lead_logs_in_on_the_county_page_with_the_apps_own_menu(app_server, browser, dialogs,
                                                                        viewport):
    page = _open_logged_out(browser, app_server, dialogs, viewport)
    name = "desktop" if viewport == DESKTOP else "phone"
    shot(page, f"deep-link-county-logged-out-{name}")
    login(page, "suixi")
    page.get_by_role("heading", name=t("county.title", name="遂溪县")).wait_for(timeout=120_000)
    _settled(page)
    assert page.url.endswith("/county")
    page.locator(NAV).wait_for(state="attached", timeout=30_000)
    items = _nav_items(page)
    nav_text = page.locator(NAV).inner_text()
    for section in ("overview", "work"):
        assert t(f"nav.section.{section}") in nav_text
    assert t("nav.section.admin") not in nav_text  # a county lead has no administration pages
    for key in ("nav.overview_area", "nav.county", "nav.lagging", "nav.log_planting", "nav.review"):
        assert any(item.endswith(t(key)) for item in items), (key, items)
    # every page of the role is listed: none behind Streamlit's 「展开其余 N 项」 (a lead's 核查审核 was)
    assert page.locator('[data-testid="stSidebarNavViewButton"]').count() == 0
    for title in ("nav.admin_users", "nav.admin_audit", "nav.admin_rasters"):
        assert not any(item.endswith(t(title)) for item in items), (title, items)
    assert not {item.split("\n")[-1] for item in items} & set(AUTOMATIC), items
    assert page.get_by_text("Page not found").count() == 0
    _show_sidebar(page)
    shot(page, f"deep-link-county-logged-in-{name}")
    assert dialogs == []
    page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_team_opening_the_county_page_gets_its_own_home_page_and_a_note(app_server, browser, dialogs,
                                                                          viewport):
    page = _open_logged_out(browser, app_server, dialogs, viewport)
    login(page, "team-suixi")
    home = page.get_by_role("heading", name=t("sup.inbox.title")).or_(
        page.get_by_role("heading", name=t("log.title")))
    home.first.wait_for(timeout=120_000)
    _settled(page)
    assert not page.url.endswith("/county")
    assert page.get_by_role("heading", name=t("county.title", name="遂溪县")).count() == 0
    page.locator(NAV).wait_for(state="attached", timeout=30_000)
    items = _nav_items(page)
    assert any(item.endswith(t("nav.log_planting")) for item in items), items
    assert not any(item.endswith(t("nav.county")) for item in items), items
    assert not {item.split("\n")[-1] for item in items} & set(AUTOMATIC), items
    assert page.get_by_text(t("nav.not_open", page=t("nav.county"))).count() == 1
    _show_sidebar(page)
    shot(page, f"deep-link-county-team-{'desktop' if viewport == DESKTOP else 'phone'}")
    assert dialogs == []
    page.context.close()


def test_an_address_that_is_no_page_says_so_in_chinese(app_server, browser, dialogs):
    """Streamlit's own dialog for an unknown address, translated (ui/streamlit_texts.py); behind
    it, the log-in form and no page list."""
    page = new_page(browser, app_server, dialogs, PHONE, path="no_such_page")
    dialog = page.locator('[role="dialog"]')
    dialog.get_by_text("页面不存在", exact=True).wait_for(timeout=60_000)
    assert "您要打开的页面不存在，现在显示首页。" in dialog.inner_text()
    assert "Page not found" not in dialog.inner_text()
    page.get_by_label("用户名", exact=True).wait_for(state="attached", timeout=60_000)
    assert page.locator(NAV).count() == 0
    shot(page, "deep-link-unknown-address-phone")
    assert dialogs == []
    page.context.close()


@pytest.mark.parametrize(("username", "viewport"), [("team-suixi", PHONE), ("city", DESKTOP)],
                         ids=["team-phone", "city-desktop"])
def test_the_first_page_of_a_role_opened_by_its_own_address(app_server, browser, dialogs, username,
                                                            viewport):
    """A bookmark of the page a role lands on (a team's /log_planting, the city's /overview, or the
    inbox when something waits) opens it, logged in, without Streamlit's 「页面不存在」 dialog.

    Before the fix the role's first page was served at ``/`` only (Streamlit's default page has
    no address of its own), so its own address was "not found" and the dialog covered the page."""
    page = new_page(browser, app_server, dialogs, viewport)
    login(page, username)
    headings = {"inbox": "sup.inbox.title", "log_planting": "log.title", "overview": "overview.title"}

    def heading(stem):
        return page.get_by_role("heading", name=t(headings[stem]))

    heading("inbox").or_(heading("log_planting")).or_(heading("overview")).first.wait_for(timeout=120_000)
    _settled(page)
    landed = next(stem for stem in headings if heading(stem).count())
    page.goto(f"{app_server}/{landed}", wait_until="domcontentloaded")  # the bookmark, logged in
    page.wait_for_selector("text=退出登录", state="attached", timeout=60_000)
    heading(landed).first.wait_for(timeout=120_000)
    _settled(page)
    page.wait_for_timeout(1500)  # a dialog would be up by now
    assert page.locator('[role="dialog"]').count() == 0, page.locator('[role="dialog"]').inner_text()
    assert page.get_by_text("页面不存在").count() == 0
    assert page.url.endswith(f"/{landed}")
    shot(page, f"deep-link-own-home-{username}")
    assert dialogs == []
    page.context.close()
