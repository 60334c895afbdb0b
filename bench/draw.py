"""``python -m bench draw``: how long the city overview takes to draw in Chromium.

Against the configured database (``GREENING_DATABASE_URL`` / ``GREENING_DATA_DIR``, the demo
accounts), one ``streamlit run`` on a free port and headless Chromium at 1280×900 and at 390×844:
log in as ``city``, then open the overview afresh several times. For each opening it records the
page's first paint (the browser's ``first-paint`` entry) and the moment the map's frame holds
Leaflet's village shapes (polled every 50 ms), and reports the median gap and the first (cold)
one. The target (issue: light maps) is a map drawn within 2 s of the page's first paint.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.load import CHROMIUM, CHROMIUM_ARGS, PHONE, _free_port, _wait_http
from greening.config import REPO_ROOT

__all__ = ["run_draw"]

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
DESKTOP = {"width": 1280, "height": 900}
_SHAPES = "() => document.querySelectorAll('path.leaflet-interactive').length"


def _open_once(page, base: str, timeout: float) -> dict:
    page.goto(f"{base}/overview", wait_until="domcontentloaded")
    start = time.time()
    drawn = None
    while time.time() - start < timeout:
        frame = next((f for f in page.frames if "st_folium" in f.url), None)
        try:
            count = frame.evaluate(_SHAPES) if frame is not None else 0
        except Exception:  # noqa: BLE001 - the frame was replaced while being read
            count = 0
        if count > 100:
            drawn = time.time()
            break
        page.wait_for_timeout(50)
    paint = page.evaluate("() => { const p = performance.getEntriesByName('first-paint')[0];"
                          " return p ? performance.timeOrigin + p.startTime : null; }")
    if drawn is None or paint is None:
        return {"ok": False}
    return {"ok": True, "after_first_paint_s": drawn - paint / 1000.0}


def run_draw(say, repeats: int = 5, timeout: float = 120.0) -> dict:
    from playwright.sync_api import sync_playwright

    from greening.auth import DEMO_ACCOUNTS
    from ui.login_cookie import COOKIE_NAME

    password = next(a.password for a in DEMO_ACCOUNTS if a.username == "city")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=REPO_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    out: dict = {"repeats": repeats, "screens": {}}
    try:
        _wait_http(f"{base}/_stcore/health", 90)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name, viewport in (("1280x900", DESKTOP), ("390x844", PHONE)):
                context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=viewport is PHONE)
                page = context.new_page()
                page.goto(base, wait_until="domcontentloaded")
                page.get_by_label("用户名", exact=True).fill("city")
                page.get_by_label("密码", exact=True).fill(password)
                page.get_by_role("button", name="登录", exact=True).click()
                page.wait_for_selector("text=退出登录", state="attached", timeout=timeout * 1000)
                for _ in range(200):  # the log-in cookie, written by the page: later openings need it
                    if any(c["name"] == COOKIE_NAME for c in context.cookies()):
                        break
                    page.wait_for_timeout(100)
                runs = [_open_once(page, base, timeout) for _ in range(repeats + 1)]
                gaps = [r["after_first_paint_s"] for r in runs if r["ok"]]
                row = {"first_s": gaps[0] if gaps else None,
                       "median_s": statistics.median(gaps[1:]) if len(gaps) > 1 else None,
                       "failed": sum(not r["ok"] for r in runs)}
                out["screens"][name] = row
                say(f"  overview at {name}: map drawn {row['median_s'] or float('nan'):.2f} s after first paint "
                    f"(median of {repeats}; first opening {row['first_s'] or float('nan'):.2f} s; "
                    f"{row['failed']} not drawn within {timeout:.0f} s)")
                context.close()
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return out
