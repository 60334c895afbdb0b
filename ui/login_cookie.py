"""Staying logged in across a reload: the tab's session token, also kept in a cookie.

``session_state`` is lost when the page is reloaded (a phone browser does that to a backgrounded
tab), so after a password log-in the same opaque token is also kept in a cookie for this site
(:data:`COOKIE_NAME`, ``SameSite=Strict``, ``Secure`` over https, expiring with the log-in
session). A run whose tab holds no token reads that cookie from the connection's request
(``st.context.cookies``); :mod:`ui.login_gate` adopts it only when
:func:`greening.auth.actor_from_token` accepts it; nothing else is taken from the browser. The
cookie is written and cleared by a tiny script in a hidden same-origin iframe (Streamlit cannot
set response headers); logging out clears it, and the revocation in the database ends it anyway.
Anyone who can run script on this site can read the cookie (it cannot be ``HttpOnly``).
"""
from __future__ import annotations

import json
import re

import streamlit as st

from greening.config import get_settings

__all__ = ["TOKEN_KEY", "COOKIE_NAME", "browser_cookie", "adopt_cookie_token", "remember", "forget",
           "cookie_script", "sync"]

TOKEN_KEY = "greening_token"  # the tab's session token in st.session_state
COOKIE_NAME = "greening_session"
_COOKIE_WRITE = "greening_cookie_write"  # ("set" | "clear", token) for the next run
_COOKIE_TRIED = "greening_cookie_tried"  # the cookie value this tab has already tried
_COOKIE_BOX = "greening_cookie"  # key of the hidden container holding the cookie script
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")  # secrets.token_urlsafe


def browser_cookie() -> str | None:
    """The log-in cookie sent with the request that opened this tab's connection, if any."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no browser connection (bare mode): no cookie
        return None
    return value if isinstance(value, str) else None


def adopt_cookie_token() -> str | None:
    """The token in this browser's log-in cookie, adopted by the tab once per cookie value.

    ``st.context.cookies`` holds the cookies of the request that opened this connection, so they
    stay the same for the life of the tab: a value already tried (or logged out) is not tried
    again. The caller checks the token against the database like any other.
    """
    value = browser_cookie()
    if not value or not _TOKEN_SHAPE.match(value):
        return None
    if st.session_state.get(_COOKIE_TRIED) == value:
        return None
    st.session_state[_COOKIE_TRIED] = value
    st.session_state[TOKEN_KEY] = value
    return value


def remember(token: str) -> None:
    """Have the browser keep ``token`` in the log-in cookie (written on the next run)."""
    st.session_state[_COOKIE_WRITE] = ("set", token)


def forget(token: str) -> None:
    """Have the browser drop the log-in cookie on the next run, if it still holds ``token``.

    The cookie is shared by the browser's tabs: one that has since logged in as someone else
    keeps its log-in.
    """
    st.session_state[_COOKIE_WRITE] = ("clear", token)


def cookie_script(action: str, token: str) -> str:
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


def sync() -> None:
    """Write or clear the log-in cookie when a log-in or log-out asked for it (once)."""
    pending = st.session_state.pop(_COOKIE_WRITE, None)
    if not pending or not _TOKEN_SHAPE.match(pending[1] or ""):
        return
    # A srcdoc iframe in Streamlit's sandbox (allow-scripts allow-same-origin) shares the app's
    # origin, so its script may set the page's cookie. The container is hidden (no blank gap).
    st.html(f"<style>.st-key-{_COOKIE_BOX}{{display:none}}</style>")
    with st.container(key=_COOKIE_BOX):
        st.iframe(cookie_script(*pending), height=1)
