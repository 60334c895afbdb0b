"""The app's navigation: the log-in page before log-in, the pages of the user's role after it.

Every page has its own address, the stem of its file (``/county`` for ``pages/county.py``),
and a link to one (a bookmark, a link in a notice) works before and after logging in:

* logged out, the navigation holds the log-in page at ``/`` and, hidden, the same log-in page
  under every page's address. Streamlit keeps the address (no "Page not found" dialog) and, as it
  knows a page by its address, the run right after the log-in opens the page asked for;
* logged in, the role's first page is served at ``/`` (Streamlit's default page) and, hidden,
  under its own address too, so a bookmark of it opens it. The pages the role may not open are
  in the navigation too, hidden, under their addresses, and do nothing but switch to the role's
  first page, where a line says the page asked for is not open to the role. Nothing of such a page runs, and the menu lists none of them.

The page files live in ``pages/``, which Streamlit also takes for its old automatic navigation:
in a server process where no tab has called ``st.navigation`` yet, it runs an address such as
``/county`` straight from the file, without ``app.py``, and lists every file name of the folder in
the sidebar. :func:`through_the_app` (the first thing every page does, in ``require_actor``) turns
that mode off and runs the request through ``app.py`` (``tests/test_browser_deep_link.py``).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from greening.actor import Actor
from greening.permissions import allowed
from ui.i18n_st import tr
from ui.layout import md_escape

__all__ = ["PAGES", "PageEntry", "url_path", "login_navigation", "role_navigation",
           "show_not_open_note", "through_the_app"]

_NOT_OPEN = "greening_page_not_open"  # the title of the page asked for, for the next run
#: the home page's own name inside Streamlit (it is served at "/"; its file's stem is its hidden twin's)
HOME_PATH = "start"


class PageEntry(NamedTuple):
    file: str                  # relative to the app's folder
    title: str                 # interface string key
    icon: str
    section: str               # nav.section.<section>
    action: str | tuple[str, ...]  # allowed to see it: any of these
    area_title: str | None = None  # the title's key for a lead of a county or town (not city-wide)


# Material icons come with Streamlit's own assets: they render without an emoji font and a CDN.
PAGES = [
    PageEntry("pages/inbox.py", "nav.inbox", ":material/inbox:", "overview", "notice.view"),
    PageEntry("pages/overview.py", "nav.overview", ":material/map:", "overview", "dashboard.view",
              area_title="nav.overview_area"),
    PageEntry("pages/county.py", "nav.county", ":material/bar_chart:", "overview", "dashboard.view"),
    PageEntry("pages/lagging.py", "nav.lagging", ":material/warning:", "overview", "lagging.view"),
    PageEntry("pages/notices.py", "nav.notices", ":material/assignment_late:", "overview", "notice.view"),
    PageEntry("pages/ranking.py", "nav.ranking", ":material/leaderboard:", "overview", "ranking.view"),
    PageEntry("pages/designations.py", "nav.designations", ":material/military_tech:", "overview",
              "dashboard.view"),
    PageEntry("pages/measures.py", "nav.measures", ":material/checklist:", "overview", "dashboard.view"),
    PageEntry("pages/log_planting.py", "nav.log_planting", ":material/add_location_alt:", "work",
              "planting.create"),
    PageEntry("pages/care_check.py", "nav.care_check", ":material/park:", "work", "care.create"),
    PageEntry("pages/village.py", "nav.village", ":material/home:", "work", "village.view"),
    PageEntry("pages/teams.py", "nav.teams", ":material/groups:", "work", "village.view"),
    PageEntry("pages/review.py", "nav.review", ":material/fact_check:", "work",
              ("planting.review", "attestation.review")),
    PageEntry("pages/imports.py", "nav.imports", ":material/upload_file:", "work", "import.ledger"),
    PageEntry("pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", "admin", "user.manage"),
    PageEntry("pages/admin_audit.py", "nav.admin_audit", ":material/history:", "admin", "audit.view"),
    PageEntry("pages/admin_rasters.py", "nav.admin_rasters", ":material/satellite_alt:", "admin",
              "raster.import"),
]


def url_path(entry: PageEntry) -> str:
    """The page's address: its file's stem, the one Streamlit gives ``st.Page(file)`` itself."""
    return Path(entry.file).stem


def menu_title(actor: Actor, entry: PageEntry) -> str:
    """The key of ``entry``'s words in ``actor``'s menu: those of the page's own title (a county
    lead's menu said 「City overview」 over a page titled 「Overview of your area」)."""
    return entry.area_title if entry.area_title and not actor.is_citywide else entry.title


def may_open(actor: Actor, entry: PageEntry) -> bool:
    actions = entry.action if isinstance(entry.action, tuple) else (entry.action,)
    return any(allowed(actor, a) for a in actions)


def through_the_app() -> None:
    """Run this request through ``app.py`` when Streamlit ran a page file by itself.

    Streamlit decides once per server process whether the ``pages/`` folder is its old automatic
    navigation (``PagesManager.uses_pages_directory``, set when the first tab connects); the first
    ``st.navigation`` call turns it off. Until then an address like ``/county`` runs
    ``pages/county.py`` alone, with the folder's file names as the menu and no log-in gate of
    ``app.py``. Turned off here, ``app.py`` is run in this same run (not a rerun, which would drop
    a press the request carries); its navigation replaces the automatic one and runs the page
    asked for (Streamlit knows it by the same script hash), and the file's own run stops.
    """
    import runpy

    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        # In this same run (a rerun would drop the presses it carries): app.py's navigation
        # replaces the automatic one and runs the page asked for; then this file run stops.
        runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
        st.stop()


def login_navigation(login_page: Callable[[], None]):
    """The logged-out navigation (no menu): the log-in page at ``/`` and under every page's address."""
    title = tr("login.title")
    pages = [st.Page(login_page, title=title, icon="🌳", default=True)]
    pages += [st.Page(login_page, title=title, icon="🌳", url_path=url_path(e)) for e in PAGES]
    return st.navigation(pages, position="hidden")


def _not_open(asked: str, home) -> Callable[[], None]:
    def page() -> None:
        st.session_state[_NOT_OPEN] = asked
        st.switch_page(home)
    return page


def role_navigation(actor: Actor, *, home_file: str, titles: dict[str, str] | None = None):
    """The navigation of ``actor``'s role: its pages in sections, ``home_file`` first on log-in.

    ``titles``: a page's title other than its string (the inbox with its count). A page the role
    may not open is hidden and only switches to the home page with a note (see the module)."""
    titles = titles or {}
    sections: dict[str, list] = {}
    home = None
    closed: list[PageEntry] = []
    hidden: list = []
    for entry in PAGES:
        if not may_open(actor, entry):
            closed.append(entry)
            continue
        title = titles.get(entry.file, tr(menu_title(actor, entry)))
        if entry.file == home_file:
            # Streamlit serves its default page at "/" only: the page's own address (a bookmark,
            # the address bar after a reload) would be "not found". It gets a hidden twin there.
            page = home = st.Page(entry.file, title=title, icon=entry.icon, url_path=HOME_PATH,
                                  default=True)
            hidden.append(st.Page(entry.file, title=title, icon=entry.icon,
                                  url_path=url_path(entry), visibility="hidden"))
        else:
            page = st.Page(entry.file, title=title, icon=entry.icon, url_path=url_path(entry))
        sections.setdefault(tr(f"nav.section.{entry.section}"), []).append(page)
    if home is None:
        home = next(iter(sections.values()))[0]
    first = next(iter(sections.values()))  # hidden pages go in a section that shows anyway
    first += hidden + [st.Page(_not_open(tr(e.title), home), title=tr("app.title"),
                               url_path=url_path(e), visibility="hidden") for e in closed]
    # Every page of the role listed: collapsed after 10, the town lead's 核查审核 sat behind 「展开其余 4 项」.
    return st.navigation(sections, expanded=True)


def show_not_open_note() -> None:
    """After a switch from a page the role may not open: say so, once, above the home page."""
    asked = st.session_state.pop(_NOT_OPEN, None)
    if asked:
        st.warning(tr("nav.not_open", page=md_escape(asked)), icon=":material/block:")
