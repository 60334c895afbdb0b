"""湛江乡村绿化 — the Streamlit entry: page set-up, log-in gate, and the pages each role may open.

Run: ``streamlit run app.py`` (or ``bash scripts/run.sh``). The pages, their addresses and who may
open them: :mod:`ui.app_navigation`. Every page checks permission again itself.
"""
from __future__ import annotations

import streamlit as st

from greening.models.enums import Role
from greening.permissions import allowed
from ui.app_navigation import login_navigation, role_navigation, show_not_open_note
from ui.engine import db_session
from ui.i18n_st import (
    LANG_KEY,
    LANG_OF_KEY,
    PICKED_LOGGED_OUT_KEY,
    USER_LANG_KEY,
    label,
    lang,
    language_switch,
    set_language_state,
    tr,
)
from ui.layout import apply_css, flashes_said, md_escape
from ui.login_gate import current_actor, logout_button, require_actor
from ui.streamlit_texts import translate_streamlit_texts


def _login_page():
    require_actor()  # shows the log-in form and stops


def _load_language(actor) -> None:
    """The user's saved language, read once per log-in (the tab's own choice, if any, still wins;
    one made on the log-in page is saved as the user's, so a reload or the next log-in keeps it)."""
    if st.session_state.pop(PICKED_LOGGED_OUT_KEY, False):
        _save_language(actor)(lang())
        st.session_state[LANG_OF_KEY] = actor.user_id
        return
    if LANG_KEY in st.session_state or st.session_state.get(LANG_OF_KEY) == actor.user_id:
        return
    from greening.services.preferences import get_language

    with db_session(actor) as s:
        set_language_state(USER_LANG_KEY, get_language(s, actor))
    st.session_state[LANG_OF_KEY] = actor.user_id


def _save_language(actor):
    def save(lang: str) -> None:
        from greening.services.preferences import set_language

        with db_session(actor, write=True) as s:
            set_language(s, actor, lang)
    return save


def _waiting(actor) -> int:
    if not allowed(actor, "notice.view"):
        return 0
    from ui.supervision_st import inbox_count

    return inbox_count(actor)


def main() -> None:
    st.set_page_config(page_icon="🌳", layout="wide", initial_sidebar_state="auto")
    apply_css()
    actor = current_actor()
    if actor is not None:
        _load_language(actor)
    # the browser tab's title in the tab's language (each page's header puts its own name first)
    st.set_page_config(page_title=tr("app.title"))
    translate_streamlit_texts()
    if actor is None:
        login_navigation(_login_page).run()
        return
    home = "pages/log_planting.py" if actor.role is Role.TEAM else "pages/overview.py"
    waiting = _waiting(actor)
    titles = {}
    if waiting:
        home = "pages/inbox.py"  # right after logging in: what is waiting
        titles[home] = tr("nav.inbox_n", n=waiting)
    nav = role_navigation(actor, home_file=home, titles=titles)
    with st.sidebar:
        st.markdown(f"**{tr('app.title')}**")
        st.caption(f"{md_escape(actor.username)} · {label(Role, actor.role)}")
        if waiting:
            st.markdown(f":orange-badge[:material/inbox: {tr('sup.inbox.sidebar', n=waiting)}]")
        language_switch(on_change=_save_language(actor))
        logout_button()
    show_not_open_note()
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    try:
        nav.run()
    except StopException:  # st.stop(): the page ended there, having said what it said
        flashes_said()
        raise
    flashes_said()  # not reached when a press stopped the run: what it said is said again


main()
