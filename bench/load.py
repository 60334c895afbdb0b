"""``python -m bench load``: browsers through nginx over several app replicas on one PostGIS.

Each session is a headless Chromium context (its own cookies, so nginx's route cookie spreads the
sessions over the replicas even though every browser comes from 127.0.0.1) that logs in as a
different demo greening team, opens its map page (log a planting), taps its village on the map
and submits one planting. Per configuration (replicas × concurrent sessions):

- page ready: from pressing 登录 until the map has drawn the village shape (p50/p95/p99); a team
  with a notice waiting lands on its inbox (待办) and opens 种植登记 from the sidebar first;
- submit: from pressing 提交登记 until 已登记 is shown (p50/p95/p99);
- failed sessions (any step timing out or erroring), and rows written vs expected (each session's
  planting is found exactly once by its site name: none lost, none doubled);
- peak resident memory of the app processes (sampled every 0.5 s), per replica and in total;
- CPU seconds used meanwhile by the replicas, the browsers, the database and everything else.

Everything is bounded: at most ``--sessions`` contexts at once, ``--timeout`` seconds per session.
The demo is loaded once into a throwaway PostGIS; the extra team accounts are labelled demo
(``is_demo``, display name …（示例）) with a password printed nowhere but in this run's memory.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from greening.config import REPO_ROOT

__all__ = ["run_load", "Pace", "BURST"]

NGINX_SITE = REPO_ROOT / "deploy" / "nginx" / "greening.conf"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ports:
    """Ports from ``base`` upwards (``--port-base``), else free ones."""

    def __init__(self, base: int = 0):
        self.next = base

    def take(self) -> int:
        if not self.next:
            return _free_port()
        self.next += 1
        return self.next - 1


# --- the database and the accounts ------------------------------------------------------------

def prepare_database(url: str, plantings: int, accounts: int, say) -> list[tuple[str, str, tuple[float, float]]]:
    """Load the demo into ``url`` and create ``accounts`` demo team log-ins; returns (user, password,
    a WGS 84 point inside the team's village)."""
    from geoalchemy2.shape import to_shape
    from sqlalchemy import select

    from greening.actor import Actor
    from greening.auth.passwords import hash_password
    from greening.auth.roles import scope_for
    from greening.db import make_engine, session_scope
    from greening.first_run import initialise
    from greening.models import AdminArea, GreeningTeam, User
    from greening.models.enums import Role
    from greening.permissions import install_scope

    engine = make_engine(url)
    t0 = time.perf_counter()
    initialise(engine, demo=True, plantings=plantings)
    say(f"  demo campaign with {plantings:,} plantings loaded in {time.perf_counter() - t0:.0f} s")
    password = secrets.token_urlsafe(12)
    hashed = hash_password(password)
    out = []
    with session_scope(engine) as s:
        install_scope(s, Actor.system("bench load"))
        teams = s.execute(select(GreeningTeam, AdminArea).join(AdminArea, AdminArea.id == GreeningTeam.village_id)
                          .where(GreeningTeam.deleted_at.is_(None)).order_by(GreeningTeam.village_code)).all()
        step = max(1, len(teams) // accounts)
        for team, village in teams[::step][:accounts]:
            username = f"load-{village.code}"
            if s.scalars(select(User.id).where(User.username == username)).first() is None:
                s.add(User(username=username, display_name=f"压测护绿队 {village.code}（示例）", password_hash=hashed,
                           role=Role.TEAM.value, area_id=village.id, scope_prefix=scope_for(Role.TEAM, village),
                           team_id=team.id, active=True, must_change_password=False, is_demo=True))
            inside = to_shape(village.geom).representative_point()
            out.append((username, password, (inside.x, inside.y)))
    engine.dispose()
    return out


def rows_written(url: str, marker: str) -> dict[str, int]:
    """How many live plantings carry each site name starting with ``marker``."""
    from sqlalchemy import func, select

    from greening.db import make_engine
    from greening.models import Planting

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Planting.site_name, func.count()).where(
            Planting.site_name.startswith(marker), Planting.deleted_at.is_(None)).group_by(Planting.site_name)).all()
    engine.dispose()
    return {name: int(n) for name, n in rows}


# --- replicas and nginx -----------------------------------------------------------------------

@dataclass
class Serving:
    base: str
    procs: list[subprocess.Popen]
    nginx: subprocess.Popen
    workdir: Path

    def stop(self) -> None:
        for p in [self.nginx, *self.procs]:
            p.terminate()
        for p in [self.nginx, *self.procs]:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def nginx_config(workdir: Path, listen: int, replica_ports: list[int]) -> Path:
    """deploy/nginx/greening.conf with these replicas and port, in a main configuration of its own."""
    lines, skipping = [], False
    for line in NGINX_SITE.read_text().splitlines():
        if "# replicas:" in line:
            lines.append(line)
            lines += [f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in replica_ports]
            skipping = True
            continue
        if "# end replicas" in line:
            skipping = False
        if skipping:
            continue
        lines.append(f"    listen 127.0.0.1:{listen};" if "# listen" in line else line)
    site = "\n".join(lines)
    temp = workdir / "nginx-temp"
    temp.mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(f"""worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {workdir}/nginx-access.log;
  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy; fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
  types {{ text/html html; application/javascript js; text/css css; image/png png; }}
{site}
}}
""")
    return conf


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.5)


def start_serving(db_url: str, replicas: int, ports: Ports, workdir: Path, serve_module: str = "ui.serve",
                  wait_s: float = 300) -> Serving:
    """PostGIS-backed replicas started as the deployment starts them (``python -m ui.serve run``;
    ``serve_module="streamlit"`` for plain ``streamlit run``) and nginx in front of them.

    Each replica has ``wait_s`` to answer its health check: before it serves it warms the city's
    and the counties' coverage, some 15 CPU s each, four at once on two cores shared with other
    work (120 s was not always enough). When one does not answer, everything started here is
    stopped before the error is raised."""
    env = {**os.environ, "GREENING_DATABASE_URL": db_url, "PYTHONPATH": str(REPO_ROOT),
           "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32),
           "GREENING_DATA_DIR": str(workdir / "data")}
    replica_ports = [ports.take() for _ in range(replicas)]
    procs = []
    for port in replica_ports:
        log = open(workdir / f"replica-{port}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(subprocess.Popen(
            [sys.executable, "-m", serve_module, "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    listen = ports.take()
    conf = nginx_config(workdir, listen, replica_ports)
    nginx_bin = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"
    user = [f"user {os.environ.get('USER') or 'root'};"] if os.geteuid() == 0 else []
    nginx = subprocess.Popen([nginx_bin, "-c", str(conf), "-p", str(workdir), "-g", " ".join(["daemon off;", *user])],
                             stdout=subprocess.DEVNULL, stderr=open(workdir / "nginx.out", "w"))  # noqa: SIM115
    base = f"http://127.0.0.1:{listen}"
    serving = Serving(base, procs, nginx, workdir)
    try:
        for port in replica_ports:
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", wait_s)
        _wait_http(f"{base}/_stcore/health", 30)
    except BaseException:
        # A replica that did not answer in time (its warm-up outlasting the wait on a busy
        # machine) stops this configuration; the replicas and nginx started for it stop too,
        # not left serving after the run and its database have gone.
        serving.stop()
        raise
    return serving


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def proc_stat(pid: int) -> tuple[str, float, int] | None:
    """(command name, user + system CPU seconds, start time in clock ticks) of process ``pid``,
    read from ``/proc/<pid>/stat`` in one read; None when it is gone. The name is the kernel's
    (at most 15 characters: ``postgres``, ``nginx``, ``chrome``, ``headless_shell``, ``python``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    open_at, close_at = raw.find(b"("), raw.rfind(b")")
    if open_at < 0 or close_at < open_at:
        return None
    name = raw[open_at + 1:close_at].decode(errors="replace")
    fields = raw[close_at + 2:].split()  # from the state (field 3) on: utime is 14, stime 15, starttime 22
    try:
        return name, (int(fields[11]) + int(fields[12])) / _TICKS, int(fields[19])
    except (IndexError, ValueError):
        return None


def proc_rss(pid: int) -> int:
    """Resident bytes of process ``pid`` (``/proc/<pid>/statm``), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pids() -> list[int]:
    return [int(e) for e in os.listdir("/proc") if e.isdigit()]


class MemorySampler:
    """Peak resident memory of each process (and of their sum) while running, and the CPU time
    every process on the machine used meanwhile, by kind: the app replicas, the load clients (this
    process: the protocol client's tabs, and the sampler itself), the browsers, the database,
    nginx, the rest (the last CPU time seen of each process, so one that ended still counts).

    Read straight from ``/proc`` (one small read per process every 0.5 s): going through psutil,
    which also read each process's command line to name it, cost the client process a few CPU
    seconds of a burst, on the cores the replicas run on."""

    def __init__(self, procs: list[subprocess.Popen]):
        self.procs = [p.pid for p in procs]
        self.peak = [0] * len(procs)
        self.peak_total = 0
        self._app = set(self.procs)
        self._own = os.getpid()
        self._cpu: dict[tuple[int, int], tuple[str, float]] = {}  # (pid, start time) -> (kind, CPU s)
        self._names: dict[tuple[int, int], str] = {}
        self._cpu_start: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _kind(self, pid: int, name: str) -> str:
        if pid in self._app:
            return "app"
        if pid == self._own:
            return "clients"
        if "chrom" in name or name in {"node", "headless_shell"}:
            return "browser"
        if name.startswith("postgres"):
            return "database"
        if name.startswith("nginx"):
            return "nginx"
        return "other"

    def _cpu_snapshot(self, first: bool = False) -> None:
        for pid in _pids():
            stat = proc_stat(pid)
            if stat is None:
                continue
            name, used, started = stat
            key = (pid, started)
            if first:  # what each process had used before
                self._cpu_start[key] = used
            self._cpu_start.setdefault(key, 0.0)  # started during the run
            self._cpu[key] = (self._kind(pid, name), used)
            self._names[key] = name

    def _run(self) -> None:
        self._cpu_snapshot(first=True)
        while not self._stop.is_set():
            total = 0
            for i, pid in enumerate(self.procs):
                rss = proc_rss(pid)
                self.peak[i] = max(self.peak[i], rss)
                total += rss
            self.peak_total = max(self.peak_total, total)
            with contextlib.suppress(Exception):
                self._cpu_snapshot()
            self._stop.wait(0.5)

    def startup_cpu_seconds(self) -> float:
        """CPU seconds the app processes had used when the run started (their start-up)."""
        return round(sum(v for (pid, _), v in self._cpu_start.items() if pid in self._app), 1)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used during the run per kind of process."""
        out = {"app": 0.0, "clients": 0.0, "browser": 0.0, "database": 0.0, "nginx": 0.0, "other": 0.0}
        for key, (kind, used) in self._cpu.items():
            out[kind] += max(0.0, used - self._cpu_start.get(key, 0.0))
        return {k: round(v, 1) for k, v in out.items()}

    def others(self, most: int = 4) -> list[tuple[str, float]]:
        """The process names that used the most of the "other" CPU seconds (what else ran)."""
        by: dict[str, float] = {}
        for key, (kind, used) in self._cpu.items():
            if kind == "other":
                name = self._names.get(key, "?")
                by[name] = by.get(name, 0.0) + max(0.0, used - self._cpu_start.get(key, 0.0))
        return [(n, round(v, 1)) for n, v in sorted(by.items(), key=lambda kv: -kv[1])[:most] if v >= 0.5]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- one browser session ------------------------------------------------------------------------

@dataclass
class Session:
    username: str
    replica: str = ""
    ready_s: float | None = None
    submit_s: float | None = None
    error: str | None = None
    steps: list[str] = field(default_factory=list)
    began: float | None = None  # perf_counter at the session's start and end (how many ran at once)
    ended: float | None = None


def most_at_once(sessions: list[Session]) -> int:
    """The largest number of sessions in progress at the same moment."""
    edges = sorted([(s.began, 1) for s in sessions if s.began is not None]
                   + [(s.ended, -1) for s in sessions if s.ended is not None], key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


@dataclass(frozen=True)
class Pace:
    """How the sessions arrive and how fast a person works. ``burst`` (the default): every session
    starts at once and each step follows the last at once, the worst case for the servers.
    ``steady``: log-ins arrive ``rate`` per second and each person looks ``think`` seconds at
    the map before tapping, and as long again at the form before submitting (the timed steps,
    page ready and submit, leave the thinking out)."""

    name: str = "burst"
    rate: float = 0.0  # log-ins per second; 0: all at once
    think: float = 0.0

    def start_of(self, i: int) -> float:
        return i / self.rate if self.rate > 0 else 0.0

    def label(self) -> str:
        if self.rate <= 0 and self.think <= 0:
            return "burst (all at once, no pause)"
        return f"steady ({self.rate:g} log-ins/s, {self.think:g} s per step)"


BURST = Pace()


async def open_log_page(page, ms: float) -> None:
    """A team lands on 种植登记, or on its inbox (待办) when a notice waits for it: then, as a
    user would, it opens the phone's sidebar and picks 种植登记."""
    await page.wait_for_selector('[data-testid="stSidebarNav"]', state="attached", timeout=ms)  # logged in
    await page.wait_for_selector('[data-testid="stMain"] [data-testid="stHeading"]', timeout=ms)
    title = (await page.locator('[data-testid="stMain"] [data-testid="stHeading"]').first.inner_text()).strip()
    if title.startswith("种植登记"):
        return
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if await expand.count() and await expand.first.is_visible():
        await expand.first.click(timeout=ms)
    await page.locator('[data-testid="stSidebarNav"] a', has_text="种植登记").first.click(timeout=ms)
    await page.get_by_text("1. 种植地点", exact=True).wait_for(timeout=ms)
    close = page.locator('[data-testid="stSidebarCollapseButton"]')  # on a phone it covers the page
    if await close.count() and await close.first.is_visible():
        await close.first.click(timeout=ms)


async def one_session(browser, base: str, username: str, password: str, site: str, timeout: float,
                      out: Session | None = None, think: float = 0.0) -> Session:
    """One team: log in, wait for its map, tap its village, submit one planting. ``out`` (given by
    the caller) records how far it got, also when the caller's time limit stops it."""
    out = out if out is not None else Session(username)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN")
    ms = timeout * 1000
    try:
        page = await context.new_page()
        response = await page.goto(base, wait_until="domcontentloaded", timeout=ms)
        out.replica = (response.headers.get("x-greening-replica", "") if response else "")
        out.steps.append("opened")
        await page.get_by_label("用户名", exact=True).fill(username, timeout=ms)
        await page.get_by_label("密码", exact=True).fill(password, timeout=ms)
        t0 = time.perf_counter()
        await page.get_by_role("button", name="登录", exact=True).click(timeout=ms)
        await open_log_page(page, ms)
        out.steps.append("log page")
        await page.wait_for_selector(MAP_FRAME, timeout=ms)
        frame = page.frame_locator(MAP_FRAME).first
        village = frame.locator("path.leaflet-interactive").first
        await village.wait_for(timeout=ms)
        out.ready_s = time.perf_counter() - t0
        out.steps.append("map")
        await asyncio.sleep(think)
        # A tap where a thumb would: the map scrolled into view, then the page touched at the
        # village's centre (a forced click on the SVG path did not reach Leaflet on a phone-sized
        # page below the fold: every browser session stopped here).
        await page.locator(MAP_FRAME).first.scroll_into_view_if_needed(timeout=ms)
        await page.wait_for_timeout(500)
        box = await village.bounding_box()
        await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await page.wait_for_selector("text=该点位于", timeout=ms)
        out.steps.append("tapped")
        await page.get_by_label("株数").fill("7", timeout=ms)
        await page.get_by_text("更多（地点名称", exact=False).first.click(timeout=ms)  # optional fields, folded
        await page.get_by_label("地点名称（可选）").fill(site, timeout=ms)
        await asyncio.sleep(think)
        t1 = time.perf_counter()
        await page.get_by_role("button", name="提交登记").click(timeout=ms)
        await page.wait_for_selector("text=已登记", timeout=ms)
        out.submit_s = time.perf_counter() - t1
        out.steps.append("saved")
    except Exception as exc:  # noqa: BLE001 - a failed session is a result, not a crash
        reached = out.steps[-1] if out.steps else "nothing"
        out.error = f"after '{reached}': {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    finally:
        with contextlib.suppress(Exception):
            await context.close()
    return out


async def run_sessions(base: str, accounts: list, marker: str, timeout: float,
                       clients: str = "browser", pace: Pace = BURST) -> list[Session]:
    """Every account's session, started as ``pace`` says (by default all at once): headless
    Chromium contexts (``clients="browser"``) or tabs spoken in Streamlit's protocol
    (``"protocol"``, :mod:`bench.load_protocol`). ``timeout`` bounds each session from its start."""
    async def bounded(i: int, user: str, pw: str, point, browser) -> Session:
        out = Session(user)
        site = f"{marker}{i:03d}"
        await asyncio.sleep(pace.start_of(i))
        out.began = time.perf_counter()
        if browser is None:
            from bench.load_protocol import protocol_session

            work = protocol_session(base, user, pw, site, point, timeout, out, think=pace.think)
        else:
            work = one_session(browser, base, user, pw, site, timeout, out, think=pace.think)
        try:
            await asyncio.wait_for(work, timeout=timeout)
        except TimeoutError:
            reached = out.steps[-1] if out.steps else "nothing"
            out.error = f"TimeoutError: session not done within {timeout:.0f} s (last step: {reached})"
        except Exception as exc:  # noqa: BLE001 - a failed session is a result, not a crash
            if out.error is None:
                reached = out.steps[-1] if out.steps else "nothing"
                out.error = f"after '{reached}': {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
        out.ended = time.perf_counter()
        return out

    if clients == "protocol":
        return list(await asyncio.gather(*(bounded(i, u, pw, pt, None) for i, (u, pw, pt) in enumerate(accounts))))
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return list(await asyncio.gather(*(bounded(i, u, pw, pt, browser)
                                               for i, (u, pw, pt) in enumerate(accounts))))
        finally:
            await browser.close()


# --- the benchmark ------------------------------------------------------------------------------

def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def run_configuration(db_url: str, replicas: int, sessions: int, accounts, ports: Ports, timeout: float,
                      say, tag: str, clients: str = "browser", pace: Pace = BURST) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"greening-load-{replicas}x{sessions}-"))
    serving = start_serving(db_url, replicas, ports, workdir)
    marker = f"压测{tag}-"
    try:
        with MemorySampler(serving.procs) as mem:
            t0 = time.perf_counter()
            results = asyncio.run(run_sessions(serving.base, accounts[:sessions], marker, timeout, clients, pace))
            wall = time.perf_counter() - t0
    finally:
        serving.stop()
    written = rows_written(db_url, marker)
    ok = [r for r in results if r.error is None]
    ready = [r.ready_s for r in results if r.ready_s is not None]
    submit = [r.submit_s for r in results if r.submit_s is not None]
    expected = {f"{marker}{i:03d}" for i, r in enumerate(results) if r.submit_s is not None}
    spread: dict[str, int] = {}
    for r in results:
        spread[r.replica] = spread.get(r.replica, 0) + 1
    row = {"clients": clients, "pace": pace.name, "pace_rate": pace.rate, "pace_think_s": pace.think,
           "replicas": replicas, "most_at_once": most_at_once(results), "sessions": sessions, "failed": len(results) - len(ok), "wall_s": wall,
           "ready_p50": _pct(ready, 50), "ready_p95": _pct(ready, 95), "ready_p99": _pct(ready, 99),
           "submit_p50": _pct(submit, 50), "submit_p95": _pct(submit, 95), "submit_p99": _pct(submit, 99),
           "rows_expected": len(expected), "rows_written": sum(written.values()),
           "rows_lost": len(expected - set(written)), "rows_doubled": sum(1 for n in written.values() if n > 1),
           "peak_mb_each": [round(b / 2**20) for b in mem.peak], "peak_mb_total": round(mem.peak_total / 2**20),
           "spread": spread, "cpu_s": mem.cpu_seconds(), "app_startup_cpu_s": mem.startup_cpu_seconds(),
           "other_cpu_s": mem.others(),
           "app_cpu_s_per_session": round(mem.cpu_seconds()["app"] / max(1, sessions), 2),
           "errors": sorted({r.error for r in results if r.error})[:5]}
    say(f"  {clients:>8}, {pace.label()}: {replicas} replicas × {sessions:>2} sessions: failed {row['failed']}, page ready p50/p95/p99 "
        f"{_fmt(row['ready_p50'])}/{_fmt(row['ready_p95'])}/{_fmt(row['ready_p99'])} s, submit "
        f"{_fmt(row['submit_p50'])}/{_fmt(row['submit_p95'])}/{_fmt(row['submit_p99'])} s, rows "
        f"{row['rows_written']}/{row['rows_expected']} (lost {row['rows_lost']}, doubled {row['rows_doubled']}), "
        f"peak memory {row['peak_mb_total']} MB ({'+'.join(map(str, row['peak_mb_each']))}), "
        f"sessions per replica {sorted(spread.values(), reverse=True)}, at most {row['most_at_once']} in progress at once, "
        f"{wall:.0f} s")
    say("    CPU seconds used meanwhile: " + ", ".join(f"{k} {v:.0f}" for k, v in row["cpu_s"].items())
        + f" (the machine had {wall * (os.cpu_count() or 1):.0f}); app per session {row['app_cpu_s_per_session']:.2f}"
        + f"; the replicas' start-up before the sessions: {row['app_startup_cpu_s']:.0f}"
        + ("; other: " + ", ".join(f"{n} {v:.0f}" for n, v in row["other_cpu_s"]) if row["other_cpu_s"] else ""))
    for err in row["errors"]:
        say(f"    error: {err}")
    return row


def run_load(configs: list[tuple[int, int]], *, plantings: int, timeout: float, port_base: int, say,
             clients: tuple[str, ...] = ("protocol", "browser"), paces: tuple[Pace, ...] = (BURST,)) -> dict:
    import signal

    from greening.devtools.postgis_cluster import start_cluster

    def _stop(_sig, _frame):  # a TERM still stops the replicas, nginx and the database
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, _stop)
    ports = Ports(port_base)
    cluster = start_cluster("greening_load")
    try:
        need = max(s for _r, s in configs)
        accounts = prepare_database(cluster.url, plantings, need, say)
        if len(accounts) < need:
            raise RuntimeError(f"only {len(accounts)} team accounts could be made; {need} needed")
        rows = []
        for i, (replicas, sessions) in enumerate(configs):
            for kind in clients:
                for pace in paces:
                    rows.append(run_configuration(cluster.url, replicas, sessions, accounts, ports, timeout, say,
                                                  tag=f"{i}-{kind[0]}-{pace.name[0]}-{replicas}x{sessions}",
                                                  clients=kind, pace=pace))
        return {"configurations": rows}
    finally:
        cluster.stop()
