"""The log-in gate: who is using this browser tab, re-checked against the database on every run.

Pages and ``app.py`` call :func:`require_actor` first (each page checks again; a page may be
opened directly). Only the session token lives in ``st.session_state``; the user, role and area
are re-read from the database on every run (:func:`greening.auth.actor_from_token`), so a
disabled user, a changed role or a log-out in another tab takes effect on the next click.

Caching: ``st.cache_data`` is shared by every user. A cached function whose result depends on
who asks takes :func:`scope_key` as an argument and rebuilds the scope from it, so two users
with different areas never share an entry::

    @st.cache_data(ttl=300)
    def plantings(scope: str, year: int) -> pd.DataFrame:
        actor = scope_actor(scope)
        with db_session(actor) as s:
            return some_service(s, actor, year)

    df = plantings(scope_key(actor), 2024)

Staying logged in across a reload: ``session_state`` is lost when the page is reloaded (a phone
browser does that to a backgrounded tab), so after a password log-in the same opaque token is also
kept in a cookie for this site (:data:`COOKIE_NAME`, ``SameSite=Strict``, ``Secure`` over https,
expiring with the log-in session). A run whose tab holds no token reads that cookie from the
connection's request (``st.context.cookies``) and adopts it only when
:func:`greening.auth.actor_from_token` accepts it; nothing else is taken from the browser. The
cookie is written and cleared by a tiny script in a hidden same-origin iframe (Streamlit cannot
set response headers); logging out clears it, and the revocation in the database ends it anyway.
Anyone who can run script on this site can read the cookie (it cannot be ``HttpOnly``).

Single sign-on: when ``settings.oidc_enabled`` is on and ``.streamlit/secrets.toml`` has an
``[auth]`` section, the log-in form also offers Streamlit's OIDC log-in (``st.login``); the
identity is mapped to a user by :func:`greening.auth.oidc_login` (unknown identities are refused).
"""
from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.orm import Session

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
from greening.db import get_engine, read_session, session_scope
from greening.i18n import error_text
from greening.models.enums import Role
from greening.permissions import PermissionDenied, allowed, install_scope
from ui.i18n_st import lang, language_switch, tr
from ui.layout import md_escape, show_error

__all__ = ["current_actor", "require_actor", "login_form", "password_change_form", "logout_button",
           "scope_key", "scope_actor", "db_session", "engine", "TOKEN_KEY", "COOKIE_NAME"]

TOKEN_KEY = "greening_token"
_FLASH = "greening_auth_flash"
_SSO_PAUSED = "greening_sso_paused"
COOKIE_NAME = "greening_session"
_COOKIE_WRITE = "greening_cookie_write"  # ("set" | "clear", token) for the next run
_COOKIE_TRIED = "greening_cookie_tried"  # the cookie value this tab has already tried
_COOKIE_BOX = "greening_cookie"  # key of the hidden container holding the cookie script
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")  # secrets.token_urlsafe


def engine():
    """The engine of the configured database (one per URL for the whole process)."""
    return get_engine(get_settings().resolved_database_url)


@contextlib.contextmanager
def db_session(actor: Actor, *, write: bool = False) -> Iterator[Session]:
    """A database session bound to ``actor``: reads scoped to its area, writes audited as it.

    ``write=True`` commits at the end (all or nothing); otherwise nothing is written.
    """
    with (session_scope if write else read_session)(engine()) as session:
        install_scope(session, actor)
        yield session


# --- who is logged in -------------------------------------------------------------------------

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


# --- the log-in cookie --------------------------------------------------------------------------

def _browser_cookie() -> str | None:
    """The log-in cookie sent with the request that opened this tab's connection, if any."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no browser connection (bare mode): no cookie
        return None
    return value if isinstance(value, str) else None


def _cookie_token() -> str | None:
    """The token in this browser's log-in cookie, adopted by the tab once per cookie value.

    ``st.context.cookies`` holds the cookies of the request that opened this connection, so they
    stay the same for the life of the tab: a value already tried (or logged out) is not tried
    again. The caller checks the token against the database like any other.
    """
    value = _browser_cookie()
    if not value or not _TOKEN_SHAPE.match(value):
        return None
    if st.session_state.get(_COOKIE_TRIED) == value:
        return None
    st.session_state[_COOKIE_TRIED] = value
    st.session_state[TOKEN_KEY] = value
    return value


def _remember_in_cookie(token: str) -> None:
    """Have the browser keep ``token`` in the log-in cookie (written on the next run)."""
    st.session_state[_COOKIE_WRITE] = ("set", token)


def _forget_cookie(token: str) -> None:
    """Have the browser drop the log-in cookie on the next run, if it still holds ``token``.

    The cookie is shared by the browser's tabs: one that has since logged in as someone else
    keeps its log-in.
    """
    st.session_state[_COOKIE_WRITE] = ("clear", token)


def _cookie_script(action: str, token: str) -> str:
    """The script that sets the cookie to ``token``, or clears it while it holds ``token``."""
    if action not in ("set", "clear") or not _TOKEN_SHAPE.match(token):
        raise ValueError("not a session token")
    max_age = get_settings().session_hours * 3600 if action == "set" else 0
    cookie = f"{COOKIE_NAME}={token if action == 'set' else ''}; Path=/; Max-Age={max_age}; SameSite=Strict"
    # Only [A-Za-z0-9_-] reach the page (checked above); json.dumps makes them JS string literals.
    return ("<script>(function(){var w=window.parent,d=w.document;"
            + ("" if action == "set" else
               f"if((' '+d.cookie+';').indexOf(' '+{json.dumps(COOKIE_NAME + '=' + token)}+';')<0)return;")
            + f"d.cookie={json.dumps(cookie)}+(w.location.protocol==='https:'?'; Secure':'');"
            "})();</script>")


def _sync_cookie() -> None:
    """Write or clear the log-in cookie when a log-in or log-out asked for it (once)."""
    pending = st.session_state.pop(_COOKIE_WRITE, None)
    if not pending or not _TOKEN_SHAPE.match(pending[1] or ""):
        return
    # A srcdoc iframe in Streamlit's sandbox (allow-scripts allow-same-origin) shares the app's
    # origin, so its script may set the page's cookie. The container is hidden (no blank gap).
    st.html(f"<style>.st-key-{_COOKIE_BOX}{{display:none}}</style>")
    with st.container(key=_COOKIE_BOX):
        st.iframe(_cookie_script(*pending), height=1)


def _gate() -> _Gate:
    token = st.session_state.get(TOKEN_KEY) or _sso_token() or _cookie_token()
    if not token:
        return _Gate()
    try:
        with read_session(engine()) as s:
            return _Gate(actor=actor_from_token(s, token))
    except PasswordChangeRequired:
        return _Gate(must_change_password=True)
    except SessionEnded as exc:
        st.session_state.pop(TOKEN_KEY, None)
        _forget_cookie(token)
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
    gate = _gate()
    _sync_cookie()
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
    """The log-in form, in the tab's language (the switch is in the sidebar)."""
    settings = get_settings()
    language_switch(container=st)  # on the page itself: a phone's sidebar starts closed
    st.subheader(tr("login.title"))
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.warning(md_escape(error_text(flash, lang())) if isinstance(flash, BaseException) else flash)
    with st.form("greening_login", clear_on_submit=True):
        username = st.text_input(tr("login.username"), key="login_username", max_chars=60,
                                 autocomplete="username")
        password = st.text_input(tr("login.password"), key="login_password", type="password",
                                 max_chars=256, autocomplete="current-password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if submitted:
        result = log_in(engine(), username, password)
        if result.ok:
            st.session_state[TOKEN_KEY] = result.token
            _remember_in_cookie(result.token)
            st.rerun()
        if result.reason == "busy":
            st.warning(tr("login.busy"))
        elif result.reason == "unknown_subject":
            st.error(result.message)
        else:
            st.error(tr("login.failed"))
    st.caption(tr("login.lock_note", n=settings.login_max_failures, minutes=settings.login_lock_minutes))
    if _sso_configured() and st.button(tr("login.sso"), key="login_sso"):
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
    with st.form("greening_change_password", clear_on_submit=True):
        current = None if forced else st.text_input(tr("password.current"), type="password",
                                                    key="pw_current", autocomplete="current-password")
        new = st.text_input(tr("password.new"), type="password",
                            key="pw_new", max_chars=256, autocomplete="new-password")
        repeat = st.text_input(tr("password.repeat"), type="password",
                               key="pw_repeat", max_chars=256, autocomplete="new-password")
        submitted = st.form_submit_button(tr("password.submit"), type="primary")
    if not submitted:
        return
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
    if not token or not st.button(tr("login.logout"), key=key):
        return
    with session_scope(engine()) as s:
        logout(s, token)
    st.session_state.pop(TOKEN_KEY, None)
    _forget_cookie(token)
    st.session_state[_SSO_PAUSED] = True
    if _sso_configured() and st.user.get("is_logged_in", False):
        st.logout()
    st.rerun()


# --- cache keys -------------------------------------------------------------------------------

def scope_key(actor: Actor) -> str:
    """What a cached, scope-dependent result must be keyed by: role, area prefix and team."""
    return f"{actor.role.value}|{actor.scope_prefix}|{actor.team_id or ''}"


def scope_actor(key: str) -> Actor:
    """A read-only Actor for a :func:`scope_key` (inside cached loaders: filters, never writes)."""
    role, prefix, team = key.split("|")
    if not prefix.isdigit() or not prefix.startswith("4408"):
        raise ValueError(f"bad scope key {key!r}")
    return Actor(user_id=None, username=f"scope:{key}", role=Role(role), scope_prefix=prefix,
                 team_id=int(team) if team else None)
