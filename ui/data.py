"""Cached loaders for the pages. Every result that depends on who asks carries the scope in its key.

``st.cache_data`` is shared by every user of the server (docs/reliability.md case 6): each cached
function takes ``scope`` (:func:`ui.session.scope_key`) and the database URL as hashed arguments
and the actor as ``_actor`` (unhashed), so two users of different counties never share a result.
Results are DataFrames, never ORM objects; writes call :func:`invalidate`. Pages call the public
wrappers (``villages(actor)``), which add the scope and database to the key.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from greening.actor import CITY_PREFIX, Actor
from greening.area_codes import county_prefix
from greening.config import get_settings
from greening.db import get_engine

__all__ = ["engine", "scope_of", "invalidate", "villages", "towns", "counties", "geoms", "teams",
           "designations", "plantings", "species", "demo_present", "coverage", "village_detail",
           "weekly", "recent", "rejected", "measures", "lagging", "report_date", "TTL"]

TTL = 300  # seconds; writes clear the caches at once


def engine():
    """The engine of the configured database: the one the log-in gate uses (one pool per URL)."""
    from ui.session import engine as session_engine

    return session_engine()


def _db() -> str:
    # Part of every cache key: tests (and a reconfigured server) point at another database.
    return get_settings().resolved_database_url


def scope_of(actor: Actor) -> str:
    """The cache key of ``actor``'s view: role and area (never the user alone)."""
    try:
        from ui.session import scope_key
    except ImportError:  # pragma: no cover - ui.session is part of the app
        return f"{actor.role}:{actor.scope_prefix}"
    return scope_key(actor)


def invalidate() -> None:
    """After a write: every cached read may be stale."""
    st.cache_data.clear()


# --- cached functions (keys: scope, database, arguments) -------------------------------------

@st.cache_data(ttl=TTL, show_spinner=False)
def _demo_present(db: str) -> bool:
    from greening.services.villages import has_demo_data

    with engine().connect() as conn:
        return has_demo_data(conn)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _coverage(scope: str, db: str, _actor: Actor) -> dict:
    from ui.coverage_adapter import run_coverage

    with engine().connect() as conn:
        return run_coverage(conn, _actor, report_date())


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _areas(scope: str, db: str, level: str, within: str | None, _actor: Actor):
    from greening.services.villages import area_frame

    with engine().connect() as conn:
        frame = area_frame(conn, _actor, level, within=within)
    if level == "village" and len(frame):
        metrics = _coverage(scope, db, _actor).get("villages")
        if metrics is not None and len(metrics):
            keep = ["code"] + [c for c in metrics.columns if c not in frame.columns]
            frame = frame.merge(metrics[keep], on="code", how="left")
    return frame


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=128)
def _geoms(scope: str, db: str, level: str, within: str | None, datum: str, _frame) -> dict:
    from greening.maps import geometry_features

    return geometry_features(_frame, "code", datum=datum, coverage=level != "county")


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _teams(scope: str, db: str, _actor: Actor):
    from greening.services.villages import teams_frame

    with engine().connect() as conn:
        return teams_frame(conn, _actor)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _designations(scope: str, db: str, _actor: Actor):
    from greening.services.villages import designations_frame

    with engine().connect() as conn:
        return designations_frame(conn, _actor)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def _plantings(scope: str, db: str, within: str | None, _actor: Actor):
    from greening.services.villages import planting_points

    with engine().connect() as conn:
        return planting_points(conn, _actor, within=within)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _weekly(scope: str, db: str, within: str | None, by: str, _actor: Actor):
    from greening.coverage.load import report_date as domain_report_date
    from greening.services.villages import weekly_plantings

    with engine().connect() as conn:
        # The chart ends where the figures do: at the report date, not today.
        return weekly_plantings(conn, _actor, within=within, by=by, until=domain_report_date(conn))


@st.cache_data(ttl=3600, show_spinner=False)
def _species(db: str):
    from greening.services.villages import species_frame

    with engine().connect() as conn:
        return species_frame(conn)


@st.cache_data(ttl=3600, show_spinner=False)
def _measures(db: str):
    from greening.services.villages import measures_frame

    with engine().connect() as conn:
        return measures_frame(conn)


@st.cache_data(ttl=3600, show_spinner=False)
def _counties(prefix: str):
    from greening.geo.boundaries import load_counties

    frame = load_counties()
    if prefix != "4408":
        frame = frame[frame["code"].str.startswith(prefix)]
    return frame.reset_index(drop=True)


# --- public wrappers ----------------------------------------------------------------------------

def demo_present() -> bool:
    return _demo_present(_db())


def report_date():
    """The date figures are reported as of (see :func:`greening.coverage.load.report_date`)."""
    from greening.coverage.load import report_date as domain_report_date

    with get_engine(_db()).connect() as conn:
        return domain_report_date(conn)


def coverage(actor: Actor) -> dict:
    """The coverage roll-ups for the actor's area: ``villages``, ``towns``, ``counties``, ``city``,
    ``weekly``, ``lagging`` (see :mod:`ui.coverage_adapter`)."""
    return _coverage(scope_of(actor), _db(), actor)


def lagging(actor: Actor) -> pd.DataFrame:
    """The ranked lagging villages of the actor's area with town and county names."""
    lag = coverage(actor).get("lagging")
    if lag is None or not len(lag):
        return pd.DataFrame(columns=["rank", "code", "name", "town_name", "county_name", "reason_list", "responsible"])
    names = pd.DataFrame(villages(actor).drop(columns="geometry"))[["code", "town_name", "county_name"]]
    return lag.drop(columns=["town_name", "county_name"], errors="ignore").merge(names, on="code", how="left")


def villages(actor: Actor, within: str | None = None):
    """Villages in scope (optionally inside the code prefix ``within``) with metrics and shapes."""
    return _areas(scope_of(actor), _db(), "village", within, actor)


def towns(actor: Actor, within: str | None = None):
    return _areas(scope_of(actor), _db(), "town", within, actor)


def counties(actor: Actor | None = None):
    """The shipped (real) county boundaries inside the actor's county, or all nine."""
    prefix = CITY_PREFIX if actor is None or actor.is_citywide else county_prefix(actor.scope_prefix)
    return _counties(prefix)


def geoms(actor: Actor, level: str, frame, datum: str, within: str | None = None) -> dict:
    """Cached simplified geometry of ``frame`` (one of the frames above) for ``datum``."""
    return _geoms(scope_of(actor), _db(), level, within, datum, frame)


def teams(actor: Actor):
    return _teams(scope_of(actor), _db(), actor)


def designations(actor: Actor):
    return _designations(scope_of(actor), _db(), actor)


def plantings(actor: Actor, within: str | None = None):
    return _plantings(scope_of(actor), _db(), within, actor)


def weekly(actor: Actor, within: str | None = None, by: str = "town"):
    return _weekly(scope_of(actor), _db(), within, by, actor)


def species():
    return _species(_db())


def measures() -> pd.DataFrame:
    return _measures(_db())


def village_detail(actor: Actor, code: str):
    """Not cached: the detail must show a planting the moment it is saved."""
    from greening.services.villages import village_detail as detail

    with engine().connect() as conn:
        return detail(conn, actor, code)


def rejected(actor: Actor, *, village_code: str | None = None, team_id: int | None = None, limit: int = 5):
    """Not cached: a rejection must reach the team at its next look."""
    from greening.services.villages import rejected_plantings_frame

    with engine().connect() as conn:
        return rejected_plantings_frame(conn, actor, village_code=village_code, team_id=team_id, limit=limit)


def recent(actor: Actor, *, village_code: str | None = None, team_id: int | None = None, limit: int = 20):
    from greening.services.villages import recent_plantings_frame

    with engine().connect() as conn:
        return recent_plantings_frame(conn, actor, village_code=village_code, team_id=team_id, limit=limit)
