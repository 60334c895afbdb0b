"""用户管理's presses that a late second press must not turn into something else: 创建 on the fresh
form drawn after an account was made, and 停用/启用 (one button, the one that applies to the user's
current state)."""
from __future__ import annotations

import time

import streamlit as st

from greening.actor import Actor
from ui.engine import db_session
from ui.forms import FormRound
from ui.i18n_st import tr
from ui.layout import show_error

__all__ = ["late_press_on_fresh_form", "active_button", "REPEAT_SECONDS"]

#: a press of 停用/启用 this soon after the last change of the same user is the same press arriving again
REPEAT_SECONDS = 3.0
_TOGGLED = "users_active_toggled"  # (user id, active now, time.monotonic()) of the last change
_SAID = "users_active_said"  # (user id, outcome) said under the button in the run after the change


def late_press_on_fresh_form(form: FormRound, shown_for: str | None, *texts: str) -> bool:
    """True for a press of 创建 on the empty form drawn right after an account was made (the
    one-time password still on screen): the first press's twin arriving late, which had answered
    「用户名 '' 无效」. An empty form pressed otherwise goes on and is told the user name is required."""
    return form.round > 0 and shown_for == "new" and not any((x or "").strip() for x in texts)


def active_button(actor: Actor, container, user_id: int, active: bool) -> None:
    """停用 for an active account, 启用 for a disabled one (never both); the outcome is said under it
    and the table above shows the change at once (the page is drawn again; a line above the tabs
    would have made Streamlit draw them anew, on 新建)."""
    from greening.services import users

    wanted = not active
    pressed = container.button(tr("users.disable" if active else "users.enable"),
                               key=f"user_active_{user_id}_{int(active)}", width="stretch")
    said = st.session_state.pop(_SAID, None)
    if said and said[0] == user_id and not pressed:
        container.success(said[1])
    if not pressed:
        return
    last = st.session_state.get(_TOGGLED)
    if last and last[0] == user_id and time.monotonic() - last[2] < REPEAT_SECONDS and last[1] != wanted:
        # the press that made this state, arriving again on the button that replaced it
        container.success(tr("users.disabled" if not last[1] else "users.enabled"))
        return
    try:
        with db_session(actor, write=True) as s:
            users.set_active(s, actor, user_id, wanted)
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return
    st.session_state[_TOGGLED] = (user_id, wanted, time.monotonic())
    st.session_state[_SAID] = (user_id, tr("users.enabled" if wanted else "users.disabled"))
    st.rerun()
