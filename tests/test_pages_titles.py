"""Every menu entry names its page as the page's own title does, for every role in both languages
(a county lead's menu said 「City overview」 over a page titled 「Overview of your area」), headless
on a small demo database.

Each page is run through ``app.py`` (the role's own navigation) and stopped at its title: the title
:func:`ui.layout.page_header` is given is recorded, and nothing below it runs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st

from greening.config import REPO_ROOT
from tests.fixtures.demo_db import demo_copy_fixtures
from tests.fixtures.pages import signed_in_page

#: the inbox's menu entry carries the number of items waiting: 待办（3） / Inbox (3)
COUNT = re.compile(r"（\d+）$| \(\d+\)$")


demo_url, settings = demo_copy_fixtures("titlesdb")


@pytest.fixture
def recorded(monkeypatch):
    """The menu's entries (title per page file) of the last navigation drawn, and the titles pages
    gave :func:`page_header`, which stops the page there."""
    import ui.layout

    seen: dict = {"menu": {}, "titles": []}
    navigation = st.navigation

    def record_menu(pages, **kwargs):
        entries = [p for section in (pages.values() if isinstance(pages, dict) else [pages]) for p in section]
        seen["menu"] = {str(Path(p._page).relative_to(REPO_ROOT)): p.title for p in entries
                        if isinstance(p._page, Path) and p.visibility == "visible"}
        return navigation(pages, **kwargs)

    def record_title(title: str) -> None:
        seen["titles"].append(title)
        st.stop()

    monkeypatch.setattr(st, "navigation", record_menu)
    monkeypatch.setattr(ui.layout, "page_header", record_title)
    return seen


def _agrees(menu: str, title: str, lang: str) -> bool:
    """The page's title is its menu entry's words, or those and then the one area it shows
    (县区看板：遂溪县 / County dashboard: Suixi)."""
    menu = COUNT.sub("", menu)
    return title == menu or (title.startswith(menu + ("：" if lang == "zh" else ": ")) and
                             len(title) > len(menu) + 2)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("user", ["city", "suixi", "suixi-town", "team-suixi", "admin"])
def test_each_menu_entry_names_its_page_as_the_page_does(settings, recorded, user, lang):
    at = signed_in_page(user, None, lang)
    menu = dict(recorded["menu"])
    assert len(menu) >= 4, menu
    differ = {}
    for page, entry in menu.items():
        recorded["titles"].clear()
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert recorded["titles"], f"{page} drew no title"
        title = recorded["titles"][0]
        if not _agrees(entry, title, lang):
            differ[page] = (entry, title)
    assert not differ, differ
