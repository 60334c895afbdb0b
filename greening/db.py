"""Engines and sessions for the two supported databases: SpatiaLite (embedded) and PostGIS.

The SpatiaLite file is the default. Python's own ``sqlite3`` often cannot load extensions, so
the engine uses ``sqlean`` (a drop-in sqlite3 that can) and loads ``mod_spatialite`` on each
connection. Writes start with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy
timeout instead of failing with "database is locked" half-way through a transaction.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator

# pyproj must be loaded before mod_spatialite: both bring a PROJ library, and when SpatiaLite's
# comes first the process aborts at exit ("double free or corruption"), failing any command or
# test run that used the database even though its work completed.
import pyproj  # noqa: F401  (import order matters, see above)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from greening import audit
from greening.config import get_settings

__all__ = [
    "get_engine",
    "make_engine",
    "session_scope",
    "read_session",
    "is_sqlite",
    "refresh_statistics",
    "SpatiaLiteMissing",
]

log = logging.getLogger(__name__)

# Long enough for a city-wide all-or-nothing import (~30 s on SpatiaLite) to finish while a phone
# submission waits for the write lock instead of failing.
BUSY_TIMEOUT_MS = 60_000


class SpatiaLiteMissing(RuntimeError):
    """mod_spatialite could not be loaded; the message says what to install."""


def is_sqlite(bind) -> bool:
    return bind.dialect.name == "sqlite"


def _sqlite_dbapi():
    try:
        import sqlean
    except ImportError as exc:  # pragma: no cover - requirements install it
        raise SpatiaLiteMissing(
            "the Python package 'sqlean.py' is missing: pip install -r requirements.txt"
        ) from exc
    return sqlean.dbapi2


def _load_spatialite(dbapi_conn, library: str) -> None:
    dbapi_conn.enable_load_extension(True)
    try:
        dbapi_conn.load_extension(library)
    except Exception as exc:
        raise SpatiaLiteMissing(
            f"cannot load the SpatiaLite module {library!r} ({exc}). Install it: "
            "Debian/Ubuntu 'apt-get install libsqlite3-mod-spatialite', "
            "macOS 'brew install libspatialite', conda 'conda install -c conda-forge libspatialite'; "
            "or set SPATIALITE_LIBRARY_PATH to the module's path."
        ) from exc
    finally:
        dbapi_conn.enable_load_extension(False)


def _on_sqlite_connect(library: str):
    def listener(dbapi_conn, _record):
        # We issue BEGIN ourselves (see _on_sqlite_begin).
        dbapi_conn.isolation_level = None
        _load_spatialite(dbapi_conn, library)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        if cur.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
            # WGS84 mode: ~1 s instead of ~13 s for the whole EPSG table.
            cur.execute("BEGIN IMMEDIATE")
            if cur.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
                cur.execute("SELECT InitSpatialMetaData(0, 'WGS84')")
            cur.execute("COMMIT")
        _optimize(cur)
        cur.close()

    return listener


def _optimize(cur) -> None:
    """SQLite's own upkeep of the planner's statistics when a connection opens (``PRAGMA
    optimize=0x10002``: tables never analyzed, or grown tenfold since, are analyzed; a
    millisecond when nothing is due). Without statistics the planner takes any index as
    selective: it read every planting through ``deleted_at IS NULL`` instead of the few of one
    village through ``claimed_village_code`` (0.2 s instead of 4 ms at 10^6 plantings). A
    database busy with a writer is left for the next connection."""
    cur.execute("PRAGMA busy_timeout = 0")  # never wait on a writer for this
    try:
        cur.execute("PRAGMA optimize=0x10002")
    except Exception as exc:  # noqa: BLE001 - statistics are an optimisation, never a failure
        log.info("SQLite statistics not refreshed now (%s)", exc)
    finally:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def refresh_statistics(engine: Engine) -> None:
    """Have the database gather its planner statistics again (after a bulk load): ``ANALYZE``."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def _on_sqlite_begin(conn) -> None:
    # Reads begin DEFERRED (they never block each other in WAL mode); write sessions ask for
    # IMMEDIATE so the write lock is taken, waiting on the busy timeout, before anything is read.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine for ``url`` (default: the configured database), ready for spatial work.

    Every session on it is audited: the audit hooks are installed here (see :mod:`greening.audit`).
    """
    audit.install()
    settings = get_settings()
    url = url or settings.resolved_database_url
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            os.makedirs(os.path.dirname(url[len("sqlite:///"):]) or ".", exist_ok=True)
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", settings.spatialite_library)
        engine = create_engine(
            url,
            module=_sqlite_dbapi(),
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            **_pool_options(settings, kwargs),
        )
        event.listen(engine, "connect", _on_sqlite_connect(os.environ["SPATIALITE_LIBRARY_PATH"]))
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, **_pool_options(settings, kwargs))


def _pool_options(settings, kwargs: dict) -> dict:
    """The connection pool's size, overflow and wait from the settings (``kwargs`` win)."""
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow,
            "pool_timeout": settings.db_pool_timeout, **kwargs}


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: the database configured now)."""
    return _shared_engine(url or get_settings().resolved_database_url)


@functools.lru_cache(maxsize=8)
def _shared_engine(url: str) -> Engine:
    return make_engine(url)


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A write session that commits on success and rolls back on any error: all or nothing.

    On SpatiaLite it takes the write lock at its start (BEGIN IMMEDIATE), so concurrent writers
    queue instead of failing half-way.
    """
    engine = engine or get_engine()
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reading only: on SpatiaLite it does not take the write lock."""
    session = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
