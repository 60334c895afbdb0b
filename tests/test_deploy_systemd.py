"""The systemd units in deploy/systemd: valid for systemd, and the replica they describe starts.

The units are checked as installed (paths rewritten from /opt/greening to this checkout):
``systemd-analyze verify`` must report nothing, and the replica's ``ExecStart`` command line, with
``%i`` set to a free port and the settings of the environment file, must serve the app.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from greening.config import REPO_ROOT
from tests.conftest import IN_CI
from tests.fixtures.browser import free_port

UNITS = REPO_ROOT / "deploy" / "systemd"


def _unit(name: str) -> dict[str, list[str]]:
    """``key -> [values]`` of a unit file, continuation lines joined."""
    out: dict[str, list[str]] = {}
    text = (UNITS / name).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def _installed(tmp_path: Path) -> Path:
    """The units as a machine would have them, pointing at this checkout and its Python."""
    where = tmp_path / "units"
    where.mkdir()
    venv = Path(sys.executable).parent.parent
    for f in UNITS.iterdir():
        text = f.read_text(encoding="utf-8").replace("/opt/greening/.venv", str(venv))
        text = text.replace("/opt/greening", str(REPO_ROOT)).replace("/etc/greening/greening.env",
                                                                     str(where / "greening.env"))
        (where / f.name).write_text(text, encoding="utf-8")
    shutil.copy(where / "greening@.service", where / "greening@8501.service")
    (where / "greening.env").write_text((UNITS / "greening.env.example").read_text(encoding="utf-8"))
    return where


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if IN_CI:
            pytest.fail("systemd-analyze is required in CI (scripts/setup.sh --dev installs systemd)")
        pytest.skip("systemd-analyze is not installed")
    where = _installed(tmp_path)
    run = subprocess.run([tool, "verify", str(where / "greening@8501.service"), str(where / "greening.target"),
                          str(where / "greening-keep.service"), str(where / "greening-keep.timer")],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    # the user greening does not exist on a test machine; anything else is a fault in the units
    problems = [line for line in (run.stdout + run.stderr).splitlines()
                if line.strip() and "greening" in line and "User" not in line and "user" not in line]
    assert problems == [], run.stdout + run.stderr


def test_the_target_wants_the_replicas_nginx_balances_over():
    wanted = _unit("greening.target")["Wants"][0].split()
    ports = sorted(int(w.split("@")[1].split(".")[0]) for w in wanted)
    conf = (REPO_ROOT / "deploy" / "nginx" / "greening.conf").read_text(encoding="utf-8")
    assert ports and all(f"127.0.0.1:{p}" in conf for p in ports), (ports, conf[:400])
    assert _unit("greening@.service")["PartOf"] == ["greening.target"]


def test_the_replicas_command_line_serves_the_app(tmp_path):
    """ExecStart as written (the instance's port for %i), with the environment file's settings
    pointed at a throwaway SpatiaLite database: the replica answers its health check."""
    unit = _unit("greening@.service")
    port = free_port()
    venv = Path(sys.executable).parent.parent
    command = shlex.split(unit["ExecStart"][0].replace("%i", str(port)).replace("/opt/greening/.venv", str(venv)))
    assert command[1:4] == ["-m", "ui.serve", "run"] and "--server.address" in command
    assert unit["WorkingDirectory"] == ["/opt/greening"]
    env = dict(os.environ)
    for line in (UNITS / "greening.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env["GREENING_DATABASE_URL"] = ""  # the example points at a PostGIS this test does not have
    env["GREENING_DATA_DIR"] = str(tmp_path / "data")
    subprocess.run([sys.executable, "-m", "greening", "init", "--no-demo"], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, "the replica exited"
                assert time.time() < deadline, "the replica did not answer in 90 s"
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_replica_imports_the_pages_modules_before_it_serves():
    """``python -m ui.serve`` imports what the pages use before the port opens (not in the first
    visitor's page run), and leaves the commands' optional engines out."""
    import json

    out = subprocess.run([sys.executable, "-c", "import json, sys\nfrom ui.serve import preload\npreload()\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=True)
    modules = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert {"ui.planting_form", "ui.data", "ui.supervision_st", "greening.maps", "greening.coverage.progress",
            "greening.supervision.inbox", "greening.models", "geopandas", "folium"} <= modules
    assert not {m for m in modules if m.split(".")[0] in {"dask", "duckdb", "playwright"}}
    # Declared outside a page run, a custom component is never registered, so never served:
    # the map and the GPS button would stay blank.
    assert "streamlit_folium" not in modules and "ui.gps" not in modules


def test_a_replica_warms_a_teams_first_reads_and_writes_nothing(demo_engine):
    """``ui.serve.warm`` makes the log-in lookup and a team's inbox once (against the configured
    database, which it only reads), and never stops a server whose database is not there yet."""
    from sqlalchemy import func, select

    from greening.config import override_settings
    from greening.models import AuditLog
    from ui.serve import warm

    url = demo_engine.url.render_as_string(hide_password=False)
    with demo_engine.connect() as conn:
        audit = conn.scalar(select(func.count()).select_from(AuditLog))
    with override_settings(database_url=url):
        assert warm() == ["log-in lookup", "a team's inbox", "coverage of the city and 9 counties"]
    with demo_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditLog)) == audit
    with override_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none"):
        assert warm() == []


def test_the_warm_up_computes_the_coverage_the_first_overview_reads(demo_engine, monkeypatch):
    """A replica's first city overview or county dashboard waited for the coverage computation
    (the city's some 3 s): the warm-up computes it into the cache the pages read, so the page's
    first run finds it."""
    import greening.coverage.api as api
    from greening.actor import CITY_PREFIX, Actor
    from greening.config import override_settings
    from greening.models.enums import Role
    from ui import data
    from ui.serve import warm

    computed: list[str] = []
    real = api.area_coverage

    def counting(conn, actor, *args, **kwargs):
        computed.append(actor.scope_prefix)
        return real(conn, actor, *args, **kwargs)

    monkeypatch.setattr(api, "area_coverage", counting)
    url = demo_engine.url.render_as_string(hide_password=False)
    with override_settings(database_url=url):
        warm()
        made = len(computed)
        city = Actor(user_id=1, username="city", role=Role.CITY, scope_prefix=CITY_PREFIX)
        lead = Actor(user_id=2, username="suixi", role=Role.COUNTY_LEAD, scope_prefix="440823")
        assert len(data.coverage(city)["villages"]) == 1722
        assert len(data.coverage(lead)["villages"]) > 0
    assert len(computed) == made, "the pages' first reads found the warm-up's computation"


def test_a_replica_skips_streamlits_prompt_check_at_its_first_element(monkeypatch):
    """Streamlit looks, at the first element a process draws, whether it runs from a Python prompt
    (``inspect.stack()`` over every frame, each looked up among all modules loaded: 0.3-0.5 CPU s
    after the preload, inside the first visitor's log-in form). A replica is served, never at a
    prompt: ``ui.serve`` marks the check done before the first page run."""
    import streamlit.env_util as env_util
    from streamlit import delta_generator

    from ui.serve import served_by_streamlit

    looked: list[bool] = []
    monkeypatch.setattr(env_util, "is_repl", lambda: looked.append(True) or False)
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    served_by_streamlit()
    delta_generator._maybe_print_use_warning()
    assert looked == [], "the first element of a replica's page run inspected the stack"


def test_a_replica_freezes_what_start_up_loaded_before_it_serves(monkeypatch):
    """What start-up loaded (some 320,000 objects with the coverage warmed) lives as long as the
    process; each full garbage collection walked it all (0.25-0.3 CPU s, twice in a burst of 12
    log-ins on one replica). ``ui.serve`` collects once and freezes it after the warm-up, before
    Streamlit starts serving."""
    import gc

    import streamlit.web.cli as cli

    import ui.serve as serve

    calls: list[str] = []
    for name in ("preload", "served_by_streamlit", "warm"):
        monkeypatch.setattr(serve, name, lambda name=name: calls.append(name))
    real_freeze = serve.freeze_loaded
    monkeypatch.setattr(serve, "freeze_loaded", lambda: calls.append("freeze_loaded"))
    monkeypatch.setattr(cli, "main", lambda prog_name: calls.append("streamlit") or 0)
    with pytest.raises(SystemExit):
        serve.main()
    assert calls == ["preload", "served_by_streamlit", "warm", "freeze_loaded", "streamlit"]
    try:
        kept = [object() for _ in range(1000)]  # noqa: F841 - alive while frozen
        assert real_freeze() >= 1000 and gc.get_freeze_count() >= 1000
    finally:
        gc.unfreeze()
