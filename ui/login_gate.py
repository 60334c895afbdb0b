"""The log-in gate: who is using this browser tab, re-checked against the database on every run.

Pages and ``app.py`` call :func:`require_actor` first (each page checks again; a page may be
opened directly). Only the session token lives in ``st.session_state`` (or the log-in cookie, see
:mod:`ui.login_cookie`); the user, role and area are re-read from the database on every run
(:func:`greening.auth.actor_from_token`), so a disabled user, a changed role or a log-out in
another tab takes effect on the next click. The log-in, password-change and log-out forms are here.

Single sign-on: when ``settings.oidc_enabled`` is on and ``.streamlit/secrets.toml`` has an
``[auth]`` section, the log-in form also offers Streamlit's OIDC log-in (``st.login``); the
identity is mapped to a user by :func:`greening.auth.oidc_login` (unknown identities are refused).
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from greening.actor import Actor
from greening.auth import (
    PasswordChangeRequired,
    SessionEnded,
    WeakPassword,
    actor_from_token,
    change_password,
    logout,
    oidc_login,
)
from greening.auth.login import log_in
from greening.config import get_settings
from greening.db import read_session, session_scope
from greening.i18n import error_text
from greening.permissions import PermissionDenied, allowed
from ui import login_cookie
from ui.engine import engine
from ui.forms import FormRound
from ui.i18n_st import forget_tab_choice, lang, language_switch, tr
from ui.layout import md_escape, show_error
from ui.login_cookie import TOKEN_KEY

__all__ = ["current_actor", "require_actor", "login_form", "password_change_form", "logout_button"]

_FLASH = "greening_auth_flash"
_SSO_PAUSED = "greening_sso_paused"
_FAILED = "greening_login_failed"  # set by a failed log-in: the next run empties the password field


@dataclass(frozen=True)
class _Gate:
    actor: Actor | None = None
    must_change_password: bool = False


def _sso_configured() -> bool:
    if not get_settings().oidc_enabled:
        return False
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file: single sign-on is simply off
        return False


def _sso_token() -> str | None:
    """Turn a single sign-on identity into a session token, once per tab."""
    if not _sso_configured() or st.session_state.get(_SSO_PAUSED):
        return None
    if not st.user.get("is_logged_in", False):
        return None
    with session_scope(engine()) as s:
        result = oidc_login(s, subject=st.user.get("sub"), email=st.user.get("email"),
                            email_verified=bool(st.user.get("email_verified", False)))
    if not result.ok:
        st.session_state[_FLASH] = result.message
        st.session_state[_SSO_PAUSED] = True
        return None
    st.session_state[TOKEN_KEY] = result.token
    return result.token


def _gate() -> _Gate:
    token = st.session_state.get(TOKEN_KEY) or _sso_token() or login_cookie.adopt_cookie_token()
    if not token:
        return _Gate()
    from ui.data import _run_memo

    # Once per page run: app.py and the page both ask (each a few queries); the next run asks the
    # database again, so a log-out or a disabled account elsewhere still ends this tab's log-in.
    memo = _run_memo()
    if ("gate", token) in memo:
        return memo[("gate", token)]
    try:
        with read_session(engine()) as s:
            gate = memo[("gate", token)] = _Gate(actor=actor_from_token(s, token))
            return gate
    except PasswordChangeRequired:
        gate = memo[("gate", token)] = _Gate(must_change_password=True)
        return gate
    except SessionEnded as exc:
        st.session_state.pop(TOKEN_KEY, None)
        login_cookie.forget(token)
        st.session_state[_FLASH] = exc
        # A stale SSO identity in this tab must not log it straight back in: the user has to
        # choose "sign in" again.
        st.session_state[_SSO_PAUSED] = True
        return _Gate()


def current_actor() -> Actor | None:
    """The logged-in user of this tab, read afresh from the database; None when not logged in."""
    return _gate().actor


def require_actor(action: str | None = None, area_code: str | None = None) -> Actor:
    """The logged-in user, who may do ``action`` (on ``area_code``); otherwise stop the page.

    Not logged in: shows the log-in form and stops, so the page reads no data. Logged in with a
    one-time password: shows the password change form and stops. Not allowed: says so and stops.
    """
    from ui.app_navigation import through_the_app

    through_the_app()  # a page file run by itself, not through app.py: run it through app.py
    gate = _gate()
    login_cookie.sync()
    if gate.must_change_password:
        password_change_form(forced=True)
        st.stop()
    if gate.actor is None:
        login_form()
        st.stop()
    if action is not None and not allowed(gate.actor, action, area_code):
        st.error(tr("login.no_access"))
        st.stop()
    return gate.actor


# --- forms ------------------------------------------------------------------------------------

def login_form() -> None:
    """The log-in form, in the tab's language (the switch is in the sidebar).

    Not cleared on submit: on a busy server the two presses of a double press are merged into one
    request carrying the second press's values, and a cleared form would have sent an empty user
    name and password (a failed log-in, counted towards the lock). After a failed attempt the page
    is drawn again with the password field emptied (set before the field is drawn).
    """
    settings = get_settings()
    language_switch(container=st)  # on the page itself: a phone's sidebar starts closed
    st.subheader(tr("login.title"))
    flash = st.session_state.pop(_FLASH, None)
    if isinstance(flash, tuple):  # (st function name, text) of the last failed attempt
        getattr(st, flash[0])(flash[1])
    elif flash:
        st.warning(md_escape(error_text(flash, lang())) if isinstance(flash, BaseException) else flash)
    if st.session_state.pop(_FAILED, False):
        st.session_state["login_password"] = ""
    with st.form("greening_login", clear_on_submit=False):
        username = st.text_input(tr("login.username"), key="login_username", max_chars=60,
                                 autocomplete="username")
        password = st.text_input(tr("login.password"), key="login_password", type="password",
                                 max_chars=256, autocomplete="current-password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary", width="stretch")
    if submitted:
        result = log_in(engine(), username, password)
        if result.ok:
            st.session_state[TOKEN_KEY] = result.token
            login_cookie.remember(result.token)
            st.rerun()
        if result.reason == "busy":
            st.session_state[_FLASH] = ("warning", tr("login.busy"))
        elif result.reason == "unknown_subject":
            st.session_state[_FLASH] = ("error", result.message)
        else:
            st.session_state[_FLASH] = ("error", tr("login.failed"))
        st.session_state[_FAILED] = True
        st.rerun()
    st.caption(tr("login.lock_note", n=settings.login_max_failures, minutes=settings.login_lock_minutes))
    if _sso_configured() and st.button(tr("login.sso"), key="login_sso", width="stretch"):
        st.session_state.pop(_SSO_PAUSED, None)
        st.login()


def password_change_form(*, forced: bool = False) -> None:
    """Change the password of the logged-in user (``forced``: right after a one-time password)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return
    if forced:
        st.subheader(tr("password.title"))
        st.info(tr("password.one_time"))
    form = FormRound("greening_change_password")  # not cleared by the browser: see ui.forms
    with st.form(form.key(), clear_on_submit=False):
        current = None if forced else st.text_input(tr("password.current"), type="password",
                                                    key=form.key("current"), autocomplete="current-password")
        new = st.text_input(tr("password.new"), type="password",
                            key=form.key("new"), max_chars=256, autocomplete="new-password")
        repeat = st.text_input(tr("password.repeat"), type="password",
                               key=form.key("repeat"), max_chars=256, autocomplete="new-password")
        submitted = st.form_submit_button(tr("password.submit"), type="primary", width="stretch")
    if not submitted:
        return
    form.next()  # whatever the outcome, the passwords typed are not kept on screen after this run
    if new != repeat:
        st.error(tr("password.differ"))
        return
    try:
        with session_scope(engine()) as s:
            change_password(s, token, new, current_password=current)
    except (WeakPassword, PermissionDenied) as exc:
        show_error(exc)
        return
    st.success(tr("password.changed"))
    st.rerun()


def logout_button(*, key: str = "greening_logout") -> None:
    """A log-out button: ends this user's sessions in every tab (see greening.auth.logout)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token or not st.button(tr("login.logout"), key=key, width="stretch"):
        return
    with session_scope(engine()) as s:
        logout(s, token)
    st.session_state.pop(TOKEN_KEY, None)
    forget_tab_choice()
    login_cookie.forget(token)
    st.session_state[_SSO_PAUSED] = True
    if _sso_configured() and st.user.get("is_logged_in", False):
        st.logout()
    st.rerun()
