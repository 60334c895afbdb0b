"""One app process for tests/test_replicas.py: the app's pages run headless (AppTest) in this
process, with this process's own Streamlit caches, on the database of ``GREENING_DATABASE_URL``.

Driven by JSON lines on stdin, one answer per line on stdout:

- ``{"op": "login", "tab": T, "user": U, "password": P, "page": P}``: a new tab logs in through
  the form, then opens page P;
- ``{"op": "open", "tab": T, "token": K, "page": P}``: a new tab holding token K opens page P;
- ``{"op": "rerun", "tab": T}``: the tab runs again (a click anywhere);
- ``{"op": "plant", "tab": T, "lat": y, "lng": x, "count": n}``: on the log-a-planting page,
  tap (x, y) and submit ``n`` trees;
- ``{"op": "logout", "tab": T}``: log the tab's user out (what the log-out button does).

Each answer: ``{"logged_in": bool, "token": K | null, "maps": [component script, ...],
"texts": [...], "error": message | null}``.
"""
from __future__ import annotations

import json
import logging
import sys
import traceback

from streamlit.testing.v1 import AppTest

from greening.config import REPO_ROOT

APP = str(REPO_ROOT / "app.py")
TIMEOUT = 120
tabs: dict[str, AppTest] = {}


def _new_tab(token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if token:
        at.session_state["greening_token"] = token
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "zh"
    return at


def _component_args(at: AppTest) -> list[str]:
    """The serialized arguments of every custom component on the page (the maps' scripts)."""
    out = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "component_instance" and child.proto.json_args:
                out.append(child.proto.json_args)
            walk(child)

    walk(at._tree)
    return out


def _token(at: AppTest) -> str | None:
    try:
        return at.session_state["greening_token"]
    except KeyError:
        return None


def _state(at: AppTest) -> dict:
    logged_in = "greening_token" in at.session_state and not any(
        w.key == "login_username" for w in at.text_input)
    texts = [str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning)]
    return {"logged_in": logged_in,
            "token": _token(at),
            "maps": _component_args(at), "texts": texts,
            "error": "; ".join(str(e.value) for e in at.exception) or None}


def handle(cmd: dict) -> dict:
    op, name = cmd["op"], cmd.get("tab", "main")
    if op == "login":
        at = tabs[name] = _new_tab()
        at.run()
        at.text_input(key="login_username").set_value(cmd["user"])
        at.text_input(key="login_password").set_value(cmd["password"])
        next(b for b in at.button if "登录" in b.label).click().run()
        at.run()
        if cmd.get("page"):  # the log-in page gives way to the page asked for
            at.switch_page(cmd["page"])
            at.run()
    elif op == "open":
        at = tabs[name] = _new_tab(cmd.get("token"))
        at.run()
        if cmd.get("page"):
            at.switch_page(cmd["page"])
            at.run()
    elif op == "rerun":
        at = tabs[name]
        at.run()
    elif op == "plant":
        at = tabs[name]
        at.session_state["log_map"] = {"last_clicked": {"lat": cmd["lat"], "lng": cmd["lng"]}}
        at.run()
        at.number_input(key="log_count").set_value(int(cmd["count"]))
        next(b for b in at.button if b.label in ("提交登记", "Submit")).click().run()
    elif op == "logout":
        # What the sidebar's log-out button does (ui.login_gate.logout_button); AppTest does not
        # deliver clicks to a widget in the sidebar of an st.navigation app.
        from greening.auth import logout
        from greening.db import session_scope
        from ui.engine import engine

        at = tabs[name]
        with session_scope(engine()) as s:
            logout(s, at.session_state["greening_token"])
        at.session_state["greening_token"] = at.session_state["greening_token"]
        at.run()
    else:
        raise ValueError(f"unknown op {op!r}")
    return _state(at)


def main() -> None:
    logging.disable(logging.WARNING)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            answer = {"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
