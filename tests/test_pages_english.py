"""English on every page: each page's title, the browser tab's title and the menu's page names follow
the language switch, and a user's saved English is in force again at the next log-in. Headless
(streamlit.testing AppTest) on a copy of the small demo database."""
from __future__ import annotations

import re

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from greening.auth import DEMO_ACCOUNTS, authenticate
from greening.config import REPO_ROOT
from greening.db import make_engine, session_scope
from greening.i18n import t
from tests.fixtures.demo_db import demo_copy_fixtures

APP = str(REPO_ROOT / "app.py")
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
APP_EN = t("app.title", "en")

#: page file -> its English title (the village page's ends with the village's own name)
TITLES_EN = {
    "pages/inbox.py": t("sup.inbox.title", "en"),
    "pages/overview.py": t("overview.title", "en"),
    "pages/county.py": t("county.title", "en", name="Chikan District"),  # the city's first county
    "pages/lagging.py": t("lagging.title", "en"),
    "pages/notices.py": t("sup.notices.title", "en"),
    "pages/ranking.py": t("sup.ranking.title", "en"),
    "pages/designations.py": t("designations.title", "en"),
    "pages/measures.py": t("measures.title", "en"),
    "pages/log_planting.py": t("log.title", "en"),
    "pages/care_check.py": t("care.title", "en"),
    "pages/village.py": t("village.title", "en", name=""),
    "pages/teams.py": t("teams.title", "en"),
    "pages/review.py": t("review.title", "en"),
    "pages/imports.py": t("imports.title", "en"),
    "pages/admin_users.py": t("users.title", "en"),
    "pages/admin_audit.py": t("audit.title", "en"),
    "pages/admin_rasters.py": t("rasters.title", "en"),
}


demo_url, settings = demo_copy_fixtures("englishdb")


@pytest.fixture
def seen(monkeypatch):
    """What the runs told the browser: the tab titles set and the menu's page names."""
    said: dict[str, list] = {"tab": [], "menu": []}
    set_page_config, navigation = streamlit.set_page_config, streamlit.navigation

    def recording_page_config(*args, **kwargs):
        if kwargs.get("page_title"):
            said["tab"].append(kwargs["page_title"])
        return set_page_config(*args, **kwargs)

    def recording_navigation(pages, *args, **kwargs):
        listed = pages.values() if isinstance(pages, dict) else [pages]
        said["menu"] = [p.title for section in listed for p in section
                        if getattr(p, "visibility", "visible") != "hidden"]
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(streamlit, "set_page_config", recording_page_config)
    monkeypatch.setattr(streamlit, "navigation", recording_navigation)
    return said


def _token(username: str) -> str:
    with session_scope(make_engine()) as s:
        return authenticate(s, username, PASSWORDS[username]).token


def _english_app(username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["greening_token"] = _token(username)
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "zh"
    at.run()
    at.radio(key="_lang_switch").set_value("en").run()  # the user switches, as in the sidebar
    assert not at.exception, [e.value for e in at.exception]
    return at


def _title(at: AppTest) -> str:
    titles = [w.value for w in (*at.title, *at.header, *at.subheader)]
    assert titles, "the page has a title"
    return titles[0]


@pytest.mark.parametrize("username", ["admin", "team-suixi"])
def test_every_page_speaks_english_after_the_switch(settings, seen, username):
    """Each page the role opens: its title, the browser tab's title and the menu are English.
    The tab's title had been 湛江乡村绿化 on every page, Chinese on an English page."""
    from ui.app_navigation import PAGES

    at = _english_app(username)
    menu = list(seen["menu"])
    assert menu and not [m for m in menu if CJK.search(m)], menu
    opened = [e for e in PAGES if t(e.title, "en") in menu or (e.area_title and t(e.area_title, "en") in menu) or (e.file == "pages/inbox.py" and any(
        m.startswith(t("nav.inbox", "en")) for m in menu))]
    assert len(opened) >= (17 if username == "admin" else 6), menu
    for entry in opened:
        seen["tab"].clear()
        at.switch_page(entry.file)
        at.run()
        assert not at.exception, (entry.file, [e.value for e in at.exception])
        title, expected = _title(at), TITLES_EN[entry.file]
        if entry.file == "pages/village.py":  # ends with the village's own (Chinese) name
            assert title.startswith(expected), (entry.file, title)
            place = title[len(expected):]
            caption = " · ".join(c.value for c in at.caption)
            assert "遂溪县" not in caption and "赤坎区" not in caption, caption  # the county in English
        else:
            assert title == expected, (entry.file, title)
            place = ""
            assert not CJK.search(title), title
        assert seen["tab"], f"{entry.file}: no tab title was set"
        tab = seen["tab"][-1]
        assert tab == f"{title.rstrip(': ').replace(chr(92), '')} · {APP_EN}", (entry.file, tab)
        assert not CJK.search(tab.replace(place.replace(chr(92), ""), "")), (entry.file, tab)
        assert not [m for m in seen["menu"] if CJK.search(m)], (entry.file, seen["menu"])
        for table in at.table:  # the recent records: species by their English names
            frame = table.value
            if t("common.species", "en") in frame.columns:
                species = [v for v in frame[t("common.species", "en")] if CJK.search(str(v))]
                assert not species, (entry.file, species)


def test_the_chinese_tab_title_names_the_page(settings, seen):
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["greening_token"] = _token("city")
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("pages/lagging.py")
    at.run()
    assert seen["tab"][-1] == f"{t('lagging.title')} · {t('app.title')}"


def test_saved_english_is_in_force_after_logging_in(settings):
    """The log-in page, drawn before anyone is known, had fixed Chinese as the tab's choice: a user
    who had saved English got every page in Chinese after each log-in."""
    from greening.auth import actor_from_token
    from greening.permissions import install_scope
    from greening.services.preferences import set_language

    engine = make_engine()
    token = _token("suixi")
    with session_scope(engine) as s:
        actor = actor_from_token(s, token)
        install_scope(s, actor)
        set_language(s, actor, "en")
    try:
        at = AppTest.from_file(APP, default_timeout=90)
        at.session_state["basemap"] = "none"
        at.run()  # the log-in page, in Chinese
        assert at.text_input(key="login_username").label == "用户名"
        at.session_state["greening_token"] = token  # logged in
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert _title(at) == t("overview.title_area", "en"), _title(at)
        assert at.radio(key="_lang_switch").value == "en"  # the switch says so too
        at.radio(key="_lang_switch").set_value("zh").run()  # and the user can still switch back
        assert _title(at) == t("overview.title_area"), _title(at)
    finally:
        with session_scope(engine) as s:
            install_scope(s, actor)
            set_language(s, actor, "zh")


def test_english_chosen_on_the_log_in_page_is_kept_for_the_user_and_not_for_the_next(settings):
    """English chosen on the log-in page lasted only as long as the tab's session: a reload brought
    the user's saved Chinese back. And the choice stayed with the tab after logging out, for the
    next user, whatever language that user had saved."""
    from greening.auth import actor_from_token
    from greening.permissions import install_scope
    from greening.services.preferences import get_language, set_language

    engine = make_engine()
    token = _token("leizhou")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["basemap"] = "none"
    at.run()
    at.radio(key="_lang_switch").set_value("en").run()  # on the log-in page
    at.session_state["greening_token"] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _title(at) == t("overview.title_area", "en"), _title(at)
    with session_scope(engine) as s:
        actor = actor_from_token(s, token)
        install_scope(s, actor)
        assert get_language(s, actor) == "en"  # a reload (a new session) opens in English
    try:
        next(b for b in at.button if b.label == t("login.logout", "en")).click().run()
        assert at.text_input(key="login_username").label == "User name"  # the screen stays English
        at.session_state["greening_token"] = _token("suixi")  # who saved Chinese
        at.run()
        assert _title(at) == t("overview.title_area"), _title(at)
    finally:
        with session_scope(engine) as s:
            install_scope(s, actor)
            set_language(s, actor, "zh")
