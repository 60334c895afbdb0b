"""Test fixtures: every database test runs on a real SpatiaLite file and on a real PostGIS.

PostGIS comes from ``GREENING_TEST_POSTGRES_URL`` or, failing that, a throwaway cluster started
here. When neither is possible the PostGIS half is skipped, except under CI (``CI=true``), where a
missing backend is an error: a green run must have tested both.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.db import make_engine
from greening.permissions import install_scope
from greening.schema import upgrade
from tests.fixtures.accounts import FAST_ARGON2
from tests.fixtures.browser import app_server, browser, browser_db, dialogs  # noqa: F401 - fixtures
from tests.fixtures.demo_db import demo_db_template  # noqa: F401 - fixture

BACKENDS = ["spatialite", "postgis"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    """Tests that need one backend only (page tests through ``app_engine``, and tests marked
    ``spatialite_only``) are not collected for PostGIS, rather than skipped there: under CI a
    skipped backend is a failure, and these are not skipped, they are not asked for. Tests marked
    ``postgis_only`` (what only PostgreSQL has, e.g. the partitions of plantings) likewise are
    not collected for SpatiaLite."""
    keep, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        backend = params.get("backend", "spatialite")
        one = "app_engine" in getattr(item, "fixturenames", ()) or item.get_closest_marker("spatialite_only")
        pg_only = item.get_closest_marker("postgis_only") and backend != "postgis"
        (dropped if (one and backend != "spatialite") or pg_only else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    # Modules that drive a browser or are marked slow go first (in their own order): the test
    # command hands whole modules to two processes in this order, and a long module handed out
    # last would end the run alone on one process while the other waits.
    heavy = {item.nodeid.split("::")[0] for item in keep
             if item.get_closest_marker("browser") or item.get_closest_marker("slow")}
    items[:] = sorted(keep, key=lambda item: item.nodeid.split("::")[0] not in heavy)


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """Under CI a skipped test fails the run: a green CI run ran everything it collected."""
    for eng in _demo_engines.values():
        eng.dispose()
    if IN_CI and _SKIPPED and exitstatus == pytest.ExitCode.OK:
        print(f"\nCI: {len(_SKIPPED)} test(s) skipped, which fails the run: {_SKIPPED[:10]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _data_folder(tmp_path_factory):
    """The run's own data folder (photos, backups, results kept between processes), never the
    checkout's ``data/``, for this process and the app servers it starts (``GREENING_DATA_DIR``);
    a test may still point the settings at another."""
    from greening.config import override_settings

    folder = tmp_path_factory.mktemp("data")
    before = os.environ.get("GREENING_DATA_DIR")
    os.environ["GREENING_DATA_DIR"] = str(folder)
    try:
        with override_settings(data_dir=folder):
            yield
    finally:
        if before is None:
            os.environ.pop("GREENING_DATA_DIR", None)
        else:
            os.environ["GREENING_DATA_DIR"] = before


@pytest.fixture(scope="session")
def postgis_server():
    """A PostGIS server for the whole run: (cluster or None, base URL)."""
    url = os.environ.get("GREENING_TEST_POSTGRES_URL")
    if url:
        yield None, url
        return
    from greening.devtools.postgis_cluster import start_cluster

    try:
        cluster = start_cluster()
    except Exception as exc:  # noqa: BLE001 - reported below
        if IN_CI:
            pytest.fail(f"PostGIS is required in CI but could not start: {exc}")
        pytest.skip(f"PostGIS not available: {exc}")
    yield cluster, cluster.url
    cluster.stop()


def new_database(request, backend: str, tmp_path_factory) -> str:
    """A fresh, migrated, empty database of ``backend``; returns its URL."""
    if backend == "spatialite":
        path = tmp_path_factory.mktemp("db") / "greening.sqlite"
        url = f"sqlite:///{path}"
    else:
        cluster, base = request.getfixturevalue("postgis_server")
        name = "t_" + uuid.uuid4().hex[:12]
        if cluster is not None:
            url = cluster.create_database(name)
        else:  # an external server: make a database through it
            from sqlalchemy import create_engine, text

            admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1),
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = base.rsplit("/", 1)[0] + "/" + name
            e = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with e.begin() as c:
                c.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
            e.dispose()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def copy_of_database(request, backend: str, source, tmp_path_factory) -> str:
    """A new database holding a copy of ``source`` (an engine of ``backend``); returns its URL.

    SpatiaLite: the file is copied (after a checkpoint, so the copy has every row). PostGIS:
    ``CREATE DATABASE ... TEMPLATE``, which needs no other connection to ``source``, so its pool is
    emptied first and idle connections of other engines to it are ended (they reconnect when next
    used). Either way the copy is as independent as a fresh
    load and takes a second or two instead of a load's 15-30 s.
    """
    import shutil

    from sqlalchemy import create_engine, text

    if backend == "spatialite":
        with source.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        source.dispose()
        target = tmp_path_factory.mktemp("db-copy") / "greening.sqlite"
        shutil.copyfile(source.url.database, target)
        return f"sqlite:///{target}"
    _cluster, base = request.getfixturevalue("postgis_server")
    name = "t_" + uuid.uuid4().hex[:12]
    source.dispose()
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            # Idle connections other engines keep in their pools (a command run against the demo's
            # URL caches its engine) would make the copy fail: end them; pools reconnect (pre-ping).
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db "
                           "AND pid <> pg_backend_pid() AND state = 'idle'"), {"db": source.url.database})
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.url.database}"'))
    finally:
        admin.dispose()
    return source.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def engine(request, backend, tmp_path_factory):
    """A migrated, empty database of each backend, shared by the session (tests roll back)."""
    eng = make_engine(new_database(request, backend, tmp_path_factory))
    yield eng
    eng.dispose()


@pytest.fixture
def fresh_engine(request, backend, tmp_path_factory):
    """A brand-new database for tests that must commit (concurrency, imports, backups)."""
    eng = make_engine(new_database(request, backend, tmp_path_factory))
    yield eng
    eng.dispose()


@pytest.fixture
def system_actor() -> Actor:
    return Actor.system("tests")


@pytest.fixture
def db(engine, system_actor):
    """A session inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    install_scope(session, system_actor)
    yield session
    session.close()
    outer.rollback()
    conn.close()


# -- the demo campaign ------------------------------------------------------------------------

DEMO_TEST_SEED = 20240601  # the default GREENING_DEMO_SEED
DEMO_TEST_PLANTINGS = 3_000
_demo_summaries: dict = {}


_demo_engines: dict = {}


def demo_engine_of(request, backend: str, tmp_path_factory):
    """The run's small demo campaign on ``backend`` (3,000 plantings, the default seed), loaded on
    first use and kept to the end of the run; read-only (take a :func:`copy_of_database` to change
    it). Behind the ``demo_engine`` fixture, and callable from a module that is not parametrized
    by ``backend`` (tests/test_replicas.py needs the PostGIS one only).

    The measure catalogue is synced first when ``greening.measures`` exists, so the demo's
    attestations are there too. The load's :class:`~greening.demo.DemoSummary` is the
    ``demo_summary`` fixture.
    """
    if backend in _demo_engines:
        return _demo_engines[backend]
    from greening.db import session_scope
    from greening.demo import load_demo

    eng = make_engine(new_database(request, backend, tmp_path_factory))
    try:
        from greening.measures import sync_catalogue
    except ImportError:
        sync_catalogue = None
    if sync_catalogue is not None:
        with session_scope(eng) as session:
            install_scope(session, Actor.system("tests"))
            sync_catalogue(session)
    from greening.config import get_settings, override_settings

    rasters = tmp_path_factory.mktemp(f"demo-rasters-{backend}")
    # the demo's land-cover rasters and their overlays go to a temporary folder, not the repository
    with override_settings(extra={**get_settings().extra, "raster_dir": str(rasters / "files"),
                                  "overlay_dir": str(rasters / "overlays")}):
        _demo_summaries[backend] = load_demo(eng, plantings=DEMO_TEST_PLANTINGS, seed=DEMO_TEST_SEED)
    _demo_engines[backend] = eng
    return eng


@pytest.fixture(scope="session")
def demo_engine(request, backend, tmp_path_factory):
    """The run's demo campaign per backend (:func:`demo_engine_of`); read-only."""
    eng = demo_engine_of(request, backend, tmp_path_factory)
    yield eng
    eng.dispose()  # its connections (a later use reconnects)


@pytest.fixture(scope="session")
def demo_summary(demo_engine, backend):
    """What loading the ``demo_engine`` campaign reported (counts, laggards)."""
    return _demo_summaries[backend]


@pytest.fixture
def app_engine(request, backend):
    """A fresh database that the app (pages, log-in gate) is pointed at, with cheap Argon2.

    Page tests run on SpatiaLite only: the pages are database-agnostic and the services they call
    are tested on both backends.
    """
    assert backend == "spatialite", "not collected for other backends (pytest_collection_modifyitems)"
    from greening.config import override_settings

    engine = request.getfixturevalue("fresh_engine")
    url = engine.url.render_as_string(hide_password=False)
    with override_settings(database_url=url, extra=FAST_ARGON2):
        yield engine


@pytest.fixture(scope="session")
def dask_client():
    """A LocalCluster of 2 single-threaded worker processes and its client, started once; the
    dask coverage engine uses the active client."""
    from greening.coverage.engines.cluster import dask_client as start_client

    with start_client(n_workers=2) as client:
        yield client
