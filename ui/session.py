"""The app's session glue, by job (this module gathers their names for the pages):

* :mod:`ui.engine`: the engine and :func:`db_session`, a session bound to the acting user;
* :mod:`ui.login_gate`: who is logged in (:func:`require_actor`, :func:`current_actor`) and the
  log-in, password and log-out forms;
* :mod:`ui.login_cookie`: the session token kept in a cookie across a reload;
* :mod:`ui.cache_keys`: :func:`scope_key` / :func:`scope_actor` for scope-dependent caches.
"""
from __future__ import annotations

from ui.cache_keys import scope_actor, scope_key
from ui.engine import db_session, engine
from ui.layout import show_error
from ui.login_cookie import COOKIE_NAME, TOKEN_KEY
from ui.login_gate import current_actor, login_form, logout_button, password_change_form, require_actor

__all__ = ["current_actor", "require_actor", "login_form", "password_change_form", "logout_button",
           "scope_key", "scope_actor", "db_session", "engine", "show_error", "TOKEN_KEY", "COOKIE_NAME"]
