"""湛江乡村绿化 — the Streamlit entry: page set-up, log-in gate, and the pages each role may open.

Run: ``streamlit run app.py`` (or ``bash scripts/run.sh``). Every page checks permission again
itself, since a page can be opened directly by its URL.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from greening.models.enums import Role
from greening.permissions import allowed
from ui.engine import db_session
from ui.i18n_st import LANG_KEY, label, language_switch, tr
from ui.layout import apply_css, md_escape
from ui.login_gate import current_actor, logout_button, require_actor
from ui.streamlit_texts import translate_streamlit_texts

HERE = Path(__file__).resolve().parent

# (file, title key, icon, section, action that must be allowed to see it). Material icons come
# with Streamlit's own assets: they render without an emoji font and without a CDN.
PAGES = [
    ("pages/inbox.py", "nav.inbox", ":material/inbox:", "overview", "notice.view"),
    ("pages/overview.py", "nav.overview", ":material/map:", "overview", "dashboard.view"),
    ("pages/county.py", "nav.county", ":material/bar_chart:", "overview", "dashboard.view"),
    ("pages/lagging.py", "nav.lagging", ":material/warning:", "overview", "lagging.view"),
    ("pages/notices.py", "nav.notices", ":material/assignment_late:", "overview", "notice.view"),
    ("pages/ranking.py", "nav.ranking", ":material/leaderboard:", "overview", "ranking.view"),
    ("pages/designations.py", "nav.designations", ":material/military_tech:", "overview", "dashboard.view"),
    ("pages/measures.py", "nav.measures", ":material/checklist:", "overview", "dashboard.view"),
    ("pages/log_planting.py", "nav.log_planting", ":material/add_location_alt:", "work", "planting.create"),
    ("pages/care_check.py", "nav.care_check", ":material/park:", "work", "care.create"),
    ("pages/village.py", "nav.village", ":material/home:", "work", "village.view"),
    ("pages/teams.py", "nav.teams", ":material/groups:", "work", "village.view"),
    ("pages/review.py", "nav.review", ":material/fact_check:", "work", ("planting.review", "attestation.review")),
    ("pages/imports.py", "nav.imports", ":material/upload_file:", "work", "import.ledger"),
    ("pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", "admin", "user.manage"),
    ("pages/admin_audit.py", "nav.admin_audit", ":material/history:", "admin", "audit.view"),
    ("pages/admin_rasters.py", "nav.admin_rasters", ":material/satellite_alt:", "admin", "raster.import"),
]


def _login_page():
    require_actor()  # shows the log-in form and stops


def _visible(actor, action) -> bool:
    actions = action if isinstance(action, tuple) else (action,)
    return any(allowed(actor, a) for a in actions)


def _load_language(actor) -> None:
    if LANG_KEY in st.session_state:
        return
    from greening.services.preferences import get_language

    with db_session(actor) as s:
        st.session_state["user_language"] = get_language(s, actor)


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
    st.set_page_config(page_title="湛江乡村绿化", page_icon="🌳", layout="wide",
                       initial_sidebar_state="auto")
    apply_css()
    actor = current_actor()
    if actor is not None:
        _load_language(actor)
    translate_streamlit_texts()
    if actor is None:
        st.navigation([st.Page(_login_page, title=tr("login.title"), icon="🌳")], position="hidden").run()
        return
    sections: dict[str, list] = {}
    default_file = "pages/log_planting.py" if actor.role is Role.TEAM else "pages/overview.py"
    waiting = _waiting(actor)
    if waiting:
        default_file = "pages/inbox.py"  # right after logging in: what is waiting
    for file, title, icon, section, action in PAGES:
        if not (HERE / file).exists() or not _visible(actor, action):
            continue
        name = tr("nav.inbox_n", n=waiting) if file == "pages/inbox.py" and waiting else tr(title)
        page = st.Page(file, title=name, icon=icon, default=file == default_file)
        sections.setdefault(tr(f"nav.section.{section}"), []).append(page)
    nav = st.navigation(sections)
    with st.sidebar:
        st.markdown(f"**{tr('app.title')}**")
        st.caption(f"{md_escape(actor.username)} · {label(Role, actor.role)}")
        if waiting:
            st.markdown(f":orange-badge[:material/inbox: {tr('sup.inbox.sidebar', n=waiting)}]")
        language_switch(on_change=_save_language(actor))
        logout_button()
    nav.run()


main()
