"""A greening team's session spoken in Streamlit's own websocket protocol, without a browser.

What a browser tab sends and receives (``/_stcore/stream``: ``BackMsg`` rerun requests carrying
widget values, ``ForwardMsg`` deltas back), so the servers get exactly the work a team's phone
gives them: the log-in form, the run that draws 种植登记 with its map, a tap on the map (the map
component's value), the planting form submitted. What it leaves out is the browser's own work
(parsing Streamlit's scripts, laying out the page, drawing the map), which on a 2-core machine
running the servers too would otherwise be measured instead of the servers.

Each session keeps its own cookies (nginx's route cookie), so sessions spread over the replicas
as browsers do. Times are taken when the message that completes a step arrives.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field

__all__ = ["protocol_session"]

MAP_COMPONENT = "streamlit_folium.st_folium"
LOG_PAGE = "种植登记"  # the title of the log-a-planting page in the navigation


@dataclass
class Screen:
    """What the server has drawn in the current run: widgets by label, all texts, the map."""

    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    map_id: str | None = None

    def add(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        if kind == "component_instance":
            if proto.component_name.endswith(MAP_COMPONENT) or MAP_COMPONENT in proto.component_name:
                self.map_id = proto.id
            return
        label = getattr(proto, "label", None)
        if label and getattr(proto, "id", ""):
            self.widgets[label] = (kind, proto)
        for attr in ("body", "label"):
            text = getattr(proto, attr, None)
            if isinstance(text, str) and text:
                self.texts.append(text)

    def has_text(self, part: str) -> bool:
        return any(part in t for t in self.texts)

    def widget(self, label_start: str):
        for label, (kind, proto) in self.widgets.items():
            if label.startswith(label_start):
                return kind, proto
        raise LookupError(f"no widget labelled {label_start!r} on the page: {sorted(self.widgets)[:12]}")


class StreamlitTab:
    """One tab's websocket: send reruns with widget values, follow the runs they start."""

    def __init__(self, base: str):
        self.base = base
        self.cookie = ""
        self.replica = ""  # the replica nginx sent this tab to (its response header)
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # page title -> page script hash, from the navigation
        self.screen = Screen()
        self.finished = 0
        self._ws = None

    async def open(self) -> None:
        import websockets

        def first_get() -> tuple[str, str]:
            with urllib.request.urlopen(self.base + "/", timeout=60) as answer:  # noqa: S310 - loopback
                cookies = "; ".join(c.split(";", 1)[0] for c in answer.headers.get_all("Set-Cookie") or [])
                return cookies, answer.headers.get("X-Greening-Replica", "")

        self.cookie, self.replica = await asyncio.to_thread(first_get)
        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                            additional_headers={"Cookie": self.cookie, "Origin": self.base},
                                            open_timeout=60, ping_interval=None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def rerun(self, states: list | None = None) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        request = msg.rerun_script
        request.query_string = ""
        request.page_script_hash = self.page_hash
        request.page_name = ""
        request.context_info.timezone = "Asia/Shanghai"
        request.context_info.locale = "zh-CN"
        request.context_info.url = self.base + "/"
        for state in states or []:
            request.widget_states.widgets.append(state)
        await self._ws.send(msg.SerializeToString())

    async def until(self, done, timeout: float, *, at_once: bool = False) -> None:
        """Read messages until ``done(screen)`` holds at the end of a run (``at_once``: as soon as
        an element that makes it hold has arrived)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"not seen within {timeout:.0f} s; texts: {self.screen.texts[-5:]}")
            raw = await asyncio.wait_for(self._ws.recv(), timeout=left)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                msg = await asyncio.to_thread(self._cached, msg.ref_hash)
                kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.screen = Screen()
            elif kind == "navigation":
                self.page_hash = msg.navigation.page_script_hash
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self.screen.add(msg.delta.new_element)
            elif kind == "script_finished":
                self.finished += 1
                if done(self.screen):
                    return
            if at_once and done(self.screen):
                return

    def _cached(self, ref: str):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        req = urllib.request.Request(f"{self.base}/_stcore/message?hash={ref}", headers={"Cookie": self.cookie})
        with urllib.request.urlopen(req, timeout=60) as answer:  # noqa: S310 - loopback
            msg = ForwardMsg()
            msg.ParseFromString(answer.read())
            return msg


def _value(kind: str, proto, value):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=proto.id)
    if kind == "button":
        state.trigger_value = True
    elif kind == "number_input":
        if proto.data_type == proto.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    else:
        state.string_value = str(value)
    return state


async def protocol_session(base: str, username: str, password: str, site: str, point: tuple[float, float],
                           timeout: float, out, think: float = 0.0) -> None:
    """One team over the protocol, filling ``out`` (a ``bench.load.Session``): log in, wait for the
    map of 种植登记, tap ``point`` (WGS 84 lon, lat, inside the team's village), submit a planting."""
    tab = StreamlitTab(base)
    try:
        await tab.open()
        out.replica = tab.replica
        await tab.rerun()
        await tab.until(lambda s: "用户名" in s.widgets and s.has_text("登录"), timeout)
        out.steps.append("opened")
        form = tab.screen
        t0 = time.perf_counter()
        await tab.rerun([_value(*form.widget("用户名"), username), _value(*form.widget("密码"), password),
                         _value(*form.widget("登录"), True)])
        # Logged in once the navigation lists the team's pages (the log-in run has only one).
        await tab.until(lambda s: LOG_PAGE in tab.pages, timeout, at_once=True)
        if tab.page_hash != tab.pages[LOG_PAGE]:  # a notice waits: the inbox (待办) opened
            out.steps.append("inbox")
            runs = tab.finished
            await tab.until(lambda s: tab.finished > runs, timeout)
            tab.page_hash = tab.pages[LOG_PAGE]  # picked from the menu
            await tab.rerun()
        await tab.until(lambda s: s.map_id is not None, timeout, at_once=True)
        out.ready_s = time.perf_counter() - t0
        out.steps.append("map")
        runs = tab.finished
        await tab.until(lambda s: tab.finished > runs, timeout)  # the run that drew the map ends
        await asyncio.sleep(think)  # a person looks at the map before tapping
        lon, lat = point
        tap = {"last_clicked": {"lat": lat, "lng": lon}, "last_object_clicked": None, "zoom": 15,
               "center": {"lat": lat, "lng": lon}, "last_active_drawing": None}
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        runs = tab.finished
        await tab.rerun([WidgetState(id=tab.screen.map_id, json_value=json.dumps(tap))])
        await tab.until(lambda s: tab.finished > runs and s.has_text("该点位于"), timeout)
        out.steps.append("tapped")
        page = tab.screen
        await asyncio.sleep(think)  # and fills in the form
        t1 = time.perf_counter()
        await tab.rerun([_value(*page.widget("株数"), 7), _value(*page.widget("地点名称"), site),
                         _value(*page.widget("提交登记"), True)])
        await tab.until(lambda s: s.has_text("已登记"), timeout, at_once=True)
        out.submit_s = time.perf_counter() - t1
        out.steps.append("saved")
    finally:
        await tab.close()
