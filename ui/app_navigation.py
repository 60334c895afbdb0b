"""The app's navigation: the log-in page before log-in, the pages of the user's role after it.

Every page has its own address, the stem of its file (``/county`` for ``app_pages/county.py``),
and a link to one (a bookmark, a link in a notice) works before and after logging in:

* logged out, the navigation holds the log-in page at ``/`` and, hidden, the same log-in page
  under every page's address. Streamlit keeps the address (no "Page not found" dialog) and, as it
  knows a page by its address, the run right after the log-in opens the page asked for;
* logged in, the pages the role may not open are in the navigation too, hidden, under their
  addresses, and do nothing but switch to the role's first page, where a line says the page asked
  for is not open to the role. Nothing of such a page runs, and the menu lists none of them.

The page files live in ``app_pages/``, not ``pages/``: Streamlit treats a folder named ``pages``
next to the entry script as its old automatic navigation. In a server process where no tab has
called ``st.navigation`` yet, it then runs an address such as ``/county`` straight from that
folder, without ``app.py``, and shows every file name of the folder in the sidebar
(``tests/test_browser_deep_link.py``).
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
           "show_not_open_note"]

_NOT_OPEN = "greening_page_not_open"  # the title of the page asked for, for the next run


class PageEntry(NamedTuple):
    file: str                  # relative to the app's folder
    title: str                 # interface string key
    icon: str
    section: str               # nav.section.<section>
    action: str | tuple[str, ...]  # allowed to see it: any of these


# Material icons come with Streamlit's own assets: they render without an emoji font and a CDN.
PAGES = [
    PageEntry("app_pages/inbox.py", "nav.inbox", ":material/inbox:", "overview", "notice.view"),
    PageEntry("app_pages/overview.py", "nav.overview", ":material/map:", "overview", "dashboard.view"),
    PageEntry("app_pages/county.py", "nav.county", ":material/bar_chart:", "overview", "dashboard.view"),
    PageEntry("app_pages/lagging.py", "nav.lagging", ":material/warning:", "overview", "lagging.view"),
    PageEntry("app_pages/notices.py", "nav.notices", ":material/assignment_late:", "overview", "notice.view"),
    PageEntry("app_pages/ranking.py", "nav.ranking", ":material/leaderboard:", "overview", "ranking.view"),
    PageEntry("app_pages/designations.py", "nav.designations", ":material/military_tech:", "overview",
              "dashboard.view"),
    PageEntry("app_pages/measures.py", "nav.measures", ":material/checklist:", "overview", "dashboard.view"),
    PageEntry("app_pages/log_planting.py", "nav.log_planting", ":material/add_location_alt:", "work",
              "planting.create"),
    PageEntry("app_pages/care_check.py", "nav.care_check", ":material/park:", "work", "care.create"),
    PageEntry("app_pages/village.py", "nav.village", ":material/home:", "work", "village.view"),
    PageEntry("app_pages/teams.py", "nav.teams", ":material/groups:", "work", "village.view"),
    PageEntry("app_pages/review.py", "nav.review", ":material/fact_check:", "work",
              ("planting.review", "attestation.review")),
    PageEntry("app_pages/imports.py", "nav.imports", ":material/upload_file:", "work", "import.ledger"),
    PageEntry("app_pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", "admin", "user.manage"),
    PageEntry("app_pages/admin_audit.py", "nav.admin_audit", ":material/history:", "admin", "audit.view"),
    PageEntry("app_pages/admin_rasters.py", "nav.admin_rasters", ":material/satellite_alt:", "admin",
              "raster.import"),
]


def url_path(entry: PageEntry) -> str:
    """The page's address: its file's stem, the one Streamlit gives ``st.Page(file)`` itself."""
    return Path(entry.file).stem


def may_open(actor: Actor, entry: PageEntry) -> bool:
    actions = entry.action if isinstance(entry.action, tuple) else (entry.action,)
    return any(allowed(actor, a) for a in actions)


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
    for entry in PAGES:
        if not may_open(actor, entry):
            closed.append(entry)
            continue
        page = st.Page(entry.file, title=titles.get(entry.file, tr(entry.title)), icon=entry.icon,
                       url_path=url_path(entry), default=entry.file == home_file)
        home = page if entry.file == home_file else home
        sections.setdefault(tr(f"nav.section.{entry.section}"), []).append(page)
    if home is None:
        home = next(iter(sections.values()))[0]
    first = next(iter(sections.values()))  # hidden pages go in a section that shows anyway
    first += [st.Page(_not_open(tr(e.title), home), title=tr("app.title"), url_path=url_path(e),
                      visibility="hidden") for e in closed]
    return st.navigation(sections)


def show_not_open_note() -> None:
    """After a switch from a page the role may not open: say so, once, above the home page."""
    asked = st.session_state.pop(_NOT_OPEN, None)
    if asked:
        st.warning(tr("nav.not_open", page=md_escape(asked)), icon=":material/block:")
