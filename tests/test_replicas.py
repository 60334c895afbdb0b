"""Two app processes on one PostGIS agree (app replicas behind a proxy).

Each process (tests/replica_app.py) runs the app's pages headless with its own Streamlit caches.
A planting saved through one appears in the other's overview map on its next rerun; a log-in made
on one is valid on the other; logging out on one ends the session on both.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from greening.auth import DEMO_ACCOUNTS
from greening.config import REPO_ROOT

pytestmark = pytest.mark.slow  # app processes / pytest runs of their own

PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}


@pytest.fixture(scope="module")
def shared_postgis(request, tmp_path_factory):
    """A PostGIS database holding a small demo campaign and the demo accounts; yields its URL.

    A copy of the run's PostGIS demo (``demo_engine_of``) with the demo accounts added, as
    ``python -m greening init`` makes them: loading a demo of its own cost 20-45 s."""
    cluster, base = request.getfixturevalue("postgis_server")
    if cluster is None:  # a server given by GREENING_TEST_POSTGRES_URL cannot be restarted per replica
        pytest.skip("needs the throwaway PostGIS cluster")  # (under CI a skip fails the run)
    from greening.actor import Actor
    from greening.auth import seed_demo_users
    from greening.config import override_settings
    from greening.db import make_engine, session_scope
    from greening.permissions import install_scope
    from tests.conftest import copy_of_database, demo_engine_of

    url = copy_of_database(request, "postgis", demo_engine_of(request, "postgis", tmp_path_factory),
                           tmp_path_factory)
    with override_settings(database_url=url):
        engine = make_engine(url)
        with session_scope(engine) as session:
            install_scope(session, Actor.system("init"))
            assert seed_demo_users(session), "the demo accounts are created"
        engine.dispose()
    return url


class App:
    """One app process, driven line by line."""

    def __init__(self, url: str):
        env = {**os.environ, "GREENING_DATABASE_URL": url, "PYTHONPATH": str(REPO_ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.replica_app"], cwd=REPO_ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the app process ended"
        answer = json.loads(line)
        assert not answer.get("error"), answer["error"]
        return answer

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def apps(shared_postgis):
    a, b = App(shared_postgis), App(shared_postgis)
    yield a, b
    a.close()
    b.close()


def _village_point(url: str, username: str) -> tuple[float, float]:
    """A point inside the user's village whose 5-decimal coordinates no demo planting has."""
    from sqlalchemy import text

    from greening.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        code = conn.execute(text("SELECT scope_prefix FROM users WHERE username = :u"), {"u": username}).scalar()
        lon, lat = conn.execute(text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM admin_areas WHERE code = :c"),
            {"c": code}).one()
    engine.dispose()
    return round(lat, 4) + 0.00003, round(lon, 4) + 0.00007


def _shows(maps: list[str], lat: float, lng: float) -> bool:
    return any(str(round(lat, 5)) in m and str(round(lng, 5)) in m for m in maps)


def test_replicas_agree_on_plantings_and_log_ins(apps, shared_postgis):
    a, b = apps
    lat, lng = _village_point(shared_postgis, "team-suixi")

    # A log-in made through A is valid on B.
    city = a(op="login", tab="city", user="city", password=PASSWORDS["city"],
             page="pages/measures.py")
    assert city["logged_in"] and city["token"]
    overview = b(op="open", tab="overview", token=city["token"], page="pages/overview.py")
    assert overview["logged_in"], overview["texts"]
    assert overview["maps"], "the overview draws its map"
    assert not _shows(overview["maps"], lat, lng)
    again = b(op="rerun", tab="overview")  # B's caches now hold the overview
    assert not _shows(again["maps"], lat, lng)

    # A planting saved through A appears in B's overview on its next rerun.
    team = a(op="login", tab="team", user="team-suixi", password=PASSWORDS["team-suixi"])
    assert team["logged_in"]
    a(op="open", tab="log", token=team["token"], page="pages/log_planting.py")
    # The team's own map on B (kept per village's data version) holds still until the team's
    # village changes, through any replica.
    own = b(op="open", tab="team_b", token=team["token"], page="pages/log_planting.py")
    assert own["maps"] and b(op="rerun", tab="team_b")["maps"] == own["maps"]
    saved = a(op="plant", tab="log", lat=lat, lng=lng, count=37)
    assert any("已登记" in t for t in saved["texts"]), saved["texts"]
    after = b(op="rerun", tab="overview")
    assert _shows(after["maps"], lat, lng), "B's overview shows the planting saved through A"
    assert b(op="rerun", tab="team_b")["maps"] != own["maps"], "B's team map counts the planting saved through A"

    # Logging out on A ends the session on B too.
    a(op="open", tab="city2", token=city["token"])  # the app's own navigation, with its sidebar
    a(op="logout", tab="city2")
    ended = b(op="rerun", tab="overview")
    assert not ended["logged_in"]
