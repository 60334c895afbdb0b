"""Cached loaders for the pages. Every result that depends on who asks carries the scope in its key.

``st.cache_data`` is shared by every user of the server: each cached function takes ``scope``
(:func:`ui.cache_keys.scope_key`) and ``db`` as hashed arguments and the actor as ``_actor``
(unhashed), so two users of different counties never share a result. Results are DataFrames,
never ORM objects. Pages call the public wrappers (``villages(actor)``), which add the scope and
``db`` to the key.

``db`` is the database URL plus the data version of the actor's area, read from the database
each time a wrapper is called (:mod:`greening.data_version`; every write bumps it in its own
transaction). So a planting saved through any app process sharing the database changes the key
in every process: their next rerun reads afresh, not when a time-to-live runs out. The TTL only
bounds how long unused entries stay in memory.
"""
from __future__ import annotations

import dataclasses
import threading

import pandas as pd
import streamlit as st

from greening.actor import CITY_PREFIX, Actor
from greening.area_codes import county_prefix
from greening.config import get_settings
from greening.db import get_engine
from ui.cache_keys import scope_key
from ui.engine import engine as session_engine

__all__ = ["engine", "scope_of", "invalidate", "villages", "village_shapes", "village_progress", "towns", "counties", "geoms", "teams",
           "designations", "plantings", "species", "demo_present", "coverage", "village_detail",
           "weekly", "recent", "rejected", "measures", "lagging", "report_date", "planting_layers", "TTL"]

TTL = 300  # seconds; writes clear the caches at once


def engine():
    """The engine of the configured database: the one the log-in gate uses (one pool per URL)."""
    return session_engine()


def _url() -> str:
    return get_settings().resolved_database_url


def _run_memo() -> dict:
    """What one run of a page has read already: the data versions and the report date.

    A page run reads the counters once, not at every cached loader it calls (each read was a
    pool checkout, a ping and a query, several times a run). Kept on the run's context (a new
    run starts afresh: Streamlit gives each run a new ``cursors`` dict) and dropped as soon as
    this process writes (:func:`greening.data_version.local_writes`), so a page shows its own
    write in the same run and every other process's on the next run, as before. Outside a page
    run (tests, commands) nothing is kept.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from greening.data_version import local_writes

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return {}
    memo = getattr(ctx, "_greening_run_memo", None)
    if memo is None or memo[0] is not ctx.cursors or memo[1] != local_writes():
        memo = (ctx.cursors, local_writes(), {})
        ctx._greening_run_memo = memo  # type: ignore[attr-defined]
    return memo[2]


def _versions() -> dict[str, int]:
    """Every data-version counter, read now (once per page run, see :func:`_run_memo`)."""
    from greening.data_version import versions

    memo = _run_memo()
    if "versions" not in memo:
        with engine().connect() as conn:
            memo["versions"] = versions(conn, villages=())
    return memo["versions"]


def _with_village(code: str) -> dict[str, int]:
    """The counters of :func:`_versions` and village ``code``'s own (read once per run)."""
    from greening.data_version import versions

    memo = _run_memo()
    if ("village", code) not in memo:
        with engine().connect() as conn:
            memo[("village", code)] = versions(conn, villages=[code]).get(code, 0)
    return {**_versions(), code: memo[("village", code)]}


def areas_version() -> str:
    """The database and the boundaries' version: the key of what depends on the village shapes
    alone (cached shapes, the village under a point), changed only by an import."""
    from greening.data_version import AREAS

    return f"{_url()}@{_versions().get(AREAS, 0)}"


def _db(actor: Actor | None = None) -> str:
    """Part of every cache key: the database (tests and a reconfigured server point at another)
    and the data version of ``actor``'s area (everything when None), read now."""
    return _db_of(actor.scope_prefix if actor is not None else "")


def _db_of(prefix: str) -> str:
    """The database and the data version of the area ``prefix``, read now."""
    from greening.data_version import key_of

    return f"{_url()}@{key_of(_versions(), prefix)}"


def version_keys(actor: Actor) -> str:
    """The database, the data version of ``actor``'s area and the boundaries' version, read now:
    what a result built from ``actor``'s data (a whole map) depends on."""
    return f"{_db(actor)}#{areas_version()}"


def village_keys(code: str) -> str:
    """The database, the data version of village ``code``'s own rows and the boundaries' version,
    read now: the key of what is built from that village's rows alone (its progress figures, its
    map on 种植登记, a team's inbox and latest records). A write in another village of the county
    leaves it (:func:`greening.data_version.village_key`)."""
    from greening.data_version import village_key

    return f"{_url()}@{village_key(_with_village(code), code)}#{areas_version()}"


def own_keys(actor: Actor) -> str:
    """:func:`village_keys` of a user whose area is one village (a team), else
    :func:`version_keys`: the key of what is built from the rows of the user's own area alone."""
    from greening.data_version import is_village

    return village_keys(actor.scope_prefix) if is_village(actor.scope_prefix) else version_keys(actor)


def scope_of(actor: Actor) -> str:
    """The cache key of ``actor``'s view: role and area (never the user alone)."""
    return scope_key(actor)


def invalidate() -> None:
    """After a write. Nothing to do: the write bumped the data version, which is in every key
    (clearing this process's caches would not reach the other processes anyway)."""


# --- cached functions (keys: scope, database, arguments) -------------------------------------

@st.cache_data(ttl=TTL, show_spinner=False)
def _demo_present(db: str) -> bool:
    from greening.services.area_views import has_demo_data

    with engine().connect() as conn:
        return has_demo_data(conn)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=8)
def _coverage_context(scope_prefix: str, db: str) -> str:
    from greening.coverage import catalogue_in_force, coverage_context

    with engine().connect() as conn:
        return coverage_context(scope_prefix, catalogue_in_force(conn))


@st.cache_resource(ttl=TTL, show_spinner=False, max_entries=16)
def _area_coverage(context: str, db: str, _actor: Actor):
    """One computation per area context and data version, shared by every user of the context
    (a county's lead, town leads and teams): held once, never handed to a page unfiltered.

    After writes in a few villages, the previous computation of the area with those villages
    read again (:func:`_patched`; in a new process, the one kept on disk); the city's, after
    writes in a few counties, its previous computation with those counties computed again
    (:func:`_spliced`); else the whole area."""
    from greening.coverage.kept import computed

    counters = _versions()
    as_of = report_date()
    result = _spliced(context, counters, as_of, _actor)
    if result is None:
        result = _patched(context, as_of, _actor)
    if result is None:
        with engine().connect() as conn:
            made = computed(conn, _actor, as_of)
        _keep(made)
        result = made.result
    if len(context) < 6:
        _previous()[(_url(), context)] = (counters, as_of, result)
    return result


#: at most this many villages of an area changed since its previous computation are read again
#: and patched in; more, and the area is read again
PATCH_AT_MOST = 20


def _patched(context: str, as_of, actor: Actor):
    """The area's computation from its previous one (this process's, else the one kept on disk,
    :mod:`greening.coverage.kept`) with only the villages written in since read again
    (:func:`greening.coverage.api.patched_coverage`); that one as it is when nothing was written.
    None when there is none, or a change that names no village (a county's ``~`` counter), the
    boundaries, anything city-wide, a new day or too many villages require reading the area."""
    from greening.coverage.kept import changed_villages, kept, patched
    from greening.data_version import versions

    previous = _previous().get((_url(), context, "inputs"))
    with engine().connect() as conn:
        now = versions(conn)
        if previous is None or previous.as_of != as_of:
            previous = kept(conn, get_settings().kept_dir, _url(), context, as_of)
            if previous is None:
                return None
            _previous()[(_url(), context, "inputs")] = previous
        changed = changed_villages(previous.counters, now, context)
        if changed is None or len(changed) > PATCH_AT_MOST:
            return None
        if not changed:
            return previous.result
        made = patched(conn, actor, previous, changed, now)
    _keep(made)
    return made.result


_writing: dict[str, threading.Thread] = {}


def _keep(computation) -> None:
    """Hold ``computation`` as the area's previous one in this process, and write it to disk for
    the next (in the background: at 10^6 plantings the city's is some 200 MB)."""
    from greening.coverage.kept import keep

    _previous()[(_url(), computation.context, "inputs")] = computation
    folder, url = get_settings().kept_dir, _url()
    earlier = _writing.get(computation.context)

    def write() -> None:
        if earlier is not None:
            earlier.join()  # one file at a time per area, the latest last
        keep(folder, url, computation)

    thread = threading.Thread(target=write, daemon=True, name=f"keep-coverage-{computation.context}")
    _writing[computation.context] = thread
    thread.start()


def kept_written() -> None:
    """Wait until the computations being written to disk are (tests, benchmarks)."""
    for thread in list(_writing.values()):
        thread.join()


#: at most this many counties changed since the city's previous computation are computed again
#: and spliced in; more, and the whole city is (one computation is cheaper than nine)
SPLICE_AT_MOST = 4


@st.cache_resource(show_spinner=False)
def _previous() -> dict:
    """The latest computation of each city-wide context in this process, with the counters and
    report date it was made at: ``{(database, context): (counters, as_of, result)}``."""
    return {}


def _spliced(context: str, counters: dict[str, int], as_of, actor: Actor):
    """The computation of ``context`` (the city) as its previous one in this process with the
    counties whose data changed since computed again (:func:`greening.coverage.splice.splice`),
    each through :func:`_area_coverage` (so a county's lead gets the same computation); None when
    there is no previous one, or a change beyond one county (``*``, the boundaries), a new day, a
    catalogue with measures judged beyond a county or too many changed counties require the whole."""
    from greening.coverage import catalogue_in_force
    from greening.coverage.splice import counties_of, splice, spliceable
    from greening.data_version import AREAS, EVERYWHERE

    if len(context) >= 6:
        return None
    previous = _previous().get((_url(), context))
    if previous is None:
        return None
    before, previous_as_of, whole = previous
    if previous_as_of != as_of or any(before.get(k, 0) != counters.get(k, 0) for k in (EVERYWHERE, AREAS)):
        return None
    counties = counties_of(whole)
    changed = [c for c in counties if before.get(c, 0) != counters.get(c, 0)]
    if not changed:
        return whole
    if len(changed) > SPLICE_AT_MOST:
        return None
    with engine().connect() as conn:
        if not spliceable(catalogue_in_force(conn), changed):
            return None
    fresh = {c: _area_coverage(c, _db_of(c), dataclasses.replace(actor, scope_prefix=c)) for c in changed}
    return splice(whole, fresh)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _coverage(scope: str, db: str, context: str, _actor: Actor) -> dict:
    from ui.coverage_adapter import frames_of

    return frames_of(_area_coverage(context, db, _actor).within(_actor.scope_prefix))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _shapes(scope: str, areas: str, level: str, within: str | None, _actor: Actor):
    # Keyed by the boundaries' version: names, parents and shapes change only with the areas.
    from greening.services.area_views import area_frame

    with engine().connect() as conn:
        return area_frame(conn, _actor, level, within=within)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _areas(scope: str, db: str, level: str, within: str | None, _actor: Actor):
    frame = _shapes(scope, areas_version(), level, within, _actor)
    if level == "village" and len(frame):
        metrics = coverage(_actor).get("villages")
        if metrics is not None and len(metrics):
            keep = ["code"] + [c for c in metrics.columns if c not in frame.columns]
            frame = frame.merge(metrics[keep], on="code", how="left")
    return frame


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=256)
def _progress(scope: str, db: str, within: str | None, context: str, _actor: Actor):
    from greening.coverage.progress import village_progress

    frame = _shapes(scope, areas_version(), "village", within, _actor)
    with engine().connect() as conn:
        progress = village_progress(conn, _actor, frame, report_date(), context=context)
    return frame.merge(progress, on="code", how="left")


@st.cache_data(ttl=3600, show_spinner=False, max_entries=128)
def _geoms(scope: str, db: str, level: str, within: str | None, datum: str, detail: str, _frame) -> dict:
    # Keyed by the boundaries' version (not the plantings'): shapes change only with an import;
    # kept on disk by their content, for the next process (greening.maps.shape_cache).
    from greening.maps.shape_cache import stored_features

    return stored_features(_frame, "code", get_settings().shape_cache_dir, datum=datum, detail=detail,
                           coverage=level != "county")


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _teams(scope: str, db: str, _actor: Actor):
    from greening.services.roster_views import teams_frame

    with engine().connect() as conn:
        return teams_frame(conn, _actor)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _designations(scope: str, db: str, _actor: Actor):
    from greening.services.roster_views import designations_frame

    with engine().connect() as conn:
        return designations_frame(conn, _actor, _completion(_actor))


def _completion(actor: Actor) -> pd.Series:
    """Plan completion of each village and town of ``actor``'s area (code -> share, at most
    1.5), from the coverage computation: a demonstration site's progress is its area's completion
    as every other page gives it."""
    cov = coverage(actor)
    parts = [cov[level].set_index("code")[col].astype(float)
             for level, col in (("villages", "plan_completion"), ("towns", "completion")) if len(cov[level])]
    return pd.concat(parts).clip(upper=1.5) if parts else pd.Series(dtype=float)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def _plantings(scope: str, db: str, within: str | None, _actor: Actor):
    from greening.services.planting_views import planting_points

    with engine().connect() as conn:
        return planting_points(conn, _actor, within=within)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def _planting_layers(scope: str, db: str, within: str | None, limit: int, _actor: Actor):
    from greening.data_version import key_of
    from greening.services.map_layers import latest_planting_points, planting_count, planting_heat_cells

    def made(conn):
        return (latest_planting_points(conn, _actor, within=within, limit=limit),
                planting_count(conn, _actor, within=within),
                planting_heat_cells(conn, _actor, within=within))

    what = f"{_actor.scope_prefix}-{within or ''}-{limit}"
    return _kept_or_made("layers", what, key_of(_versions(), within or _actor.scope_prefix), made)


def _kept_or_made(kind: str, what: str, versions: str, make):
    """``make(conn)``, or what a process made of it at the same data ``versions`` and kept on disk
    (:mod:`greening.kept`); what is made is kept in turn."""
    from greening import kept as store

    path = store.path_of(get_settings().kept_dir, _url(), kind, what, versions)
    with engine().connect() as conn:
        found = store.read(conn, path)
        if found is not None:
            return found
        value = make(conn)
        mark = store.audit_mark(conn)
    store.write(path, value, mark)
    return value


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _weekly(scope: str, db: str, within: str | None, by: str, _actor: Actor):
    from greening.coverage.load import report_date as domain_report_date
    from greening.services.planting_views import weekly_plantings

    with engine().connect() as conn:
        # The chart ends where the figures do: at the report date, not today.
        return weekly_plantings(conn, _actor, within=within, by=by, until=domain_report_date(conn))


@st.cache_data(ttl=3600, show_spinner=False)
def _species(db: str):
    from greening.services.catalogue_views import species_frame

    with engine().connect() as conn:
        return species_frame(conn)


@st.cache_data(ttl=3600, show_spinner=False)
def _measures(db: str):
    from greening.services.catalogue_views import measures_frame

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
    import datetime as dt

    memo = _run_memo()
    if "report_date" not in memo:
        # It changes only with the areas (demo areas present or not), the setting and the day.
        memo["report_date"] = _report_date(areas_version(), get_settings().as_of or "", dt.date.today().isoformat())
    return memo["report_date"]


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=16)
def _report_date(areas: str, as_of: str, today: str):
    from greening.coverage.load import report_date as domain_report_date

    with get_engine(_url()).connect() as conn:
        return domain_report_date(conn)


def coverage(actor: Actor) -> dict:
    """The coverage roll-ups for the actor's area: ``villages``, ``towns``, ``counties``, ``city``,
    ``weekly``, ``lagging`` (see :mod:`ui.coverage_adapter`). Computed once per server for the
    whole area the actor's figures are judged in (:func:`greening.coverage.coverage_context`)."""
    from greening.permissions import require

    require(actor, "village.view")
    context = _coverage_context(actor.scope_prefix, _db())
    return _coverage(scope_of(actor), _db_of(context), context, actor)


def lagging(actor: Actor) -> pd.DataFrame:
    """The ranked lagging villages of the actor's area with town and county names."""
    lag = coverage(actor).get("lagging")
    if lag is None or not len(lag):
        return pd.DataFrame(columns=["rank", "code", "name", "town_name", "county_name", "reason_list", "responsible"])
    names = pd.DataFrame(villages(actor).drop(columns="geometry"))[["code", "town_name", "county_name"]]
    return lag.drop(columns=["town_name", "county_name"], errors="ignore").merge(names, on="code", how="left")


def villages(actor: Actor, within: str | None = None):
    """Villages in scope (optionally inside the code prefix ``within``) with metrics and shapes."""
    return _areas(scope_of(actor), _db(actor), "village", within, actor)


def village_shapes(actor: Actor, within: str | None = None):
    """Villages in scope (optionally inside ``within``): names, town and county, shapes; no
    figures (nothing computed: for pickers, names and map outlines)."""
    return _shapes(scope_of(actor), areas_version(), "village", within, actor)


def village_progress(actor: Actor, within: str):
    """The villages inside ``within`` (a team's own village) with their own progress figures
    (:data:`greening.coverage.progress.PROGRESS_COLUMNS`, the values :func:`villages` has)
    computed from their rows alone: a team's map without its whole county's computation."""
    from greening.permissions import require

    require(actor, "village.view")
    from greening.data_version import is_village

    context = _coverage_context(actor.scope_prefix, _db())
    # one village's figures come from its own rows: a planting in the next village leaves them
    keys = village_keys(within) if is_village(within) else _db(actor)
    return _progress(scope_of(actor), keys, within, context, actor)


def towns(actor: Actor, within: str | None = None):
    return _areas(scope_of(actor), _db(actor), "town", within, actor)


def counties(actor: Actor | None = None):
    """The shipped (real) county boundaries inside the actor's county, or all nine."""
    prefix = CITY_PREFIX if actor is None or actor.is_citywide else county_prefix(actor.scope_prefix)
    return _counties(prefix)


def geoms(actor: Actor, level: str, frame, datum: str, within: str | None = None) -> dict:
    """Cached simplified, encoded shapes of ``frame`` (one of the frames above) for ``datum``, as
    detailed as a map of ``within`` needs (:func:`greening.maps.compact.detail_for`)."""
    from greening.maps.compact import detail_for

    return _geoms(scope_of(actor), areas_version(), level, within, datum, detail_for(within), frame)


def teams(actor: Actor):
    return _teams(scope_of(actor), _db(actor), actor)


def designations(actor: Actor):
    return _designations(scope_of(actor), _db(actor), actor)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=64)
def _totals(scope: str, db: str, _actor: Actor) -> dict:
    from greening.data_version import key_of
    from greening.services.totals import campaign_totals
    from ui.engine import db_session

    def made(conn):
        with db_session(_actor) as s:
            return campaign_totals(s, _actor)

    return _kept_or_made("totals", _actor.scope_prefix, key_of(_versions(), _actor.scope_prefix), made)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=32)
def _spot_check(scope: str, db: str, period: str, seed: int, share: float, _actor: Actor) -> pd.DataFrame:
    from greening.services import review
    from ui.engine import db_session

    with db_session(_actor) as s:
        return review.spot_check(s, _actor, period=period, seed=seed, share=share)


def spot_check(actor: Actor, period: str, seed: int, share: float) -> pd.DataFrame:
    """The four-party spot check's draw (:func:`greening.services.review.spot_check`), once per
    data version and choice: it reads every record of the period in the area. A bad period or
    share raises (and is not kept)."""
    return _spot_check(scope_of(actor), _db(actor), period, seed, share, actor)


def totals(actor: Actor) -> dict:
    """The campaign's totals in the actor's area (:func:`greening.services.totals.campaign_totals`),
    once per data version: at 10^6 plantings they are seconds of database work."""
    return _totals(scope_of(actor), _db(actor), actor)


def plantings(actor: Actor, within: str | None = None):
    return _plantings(scope_of(actor), _db(actor), within, actor)


def planting_layers(actor: Actor, within: str | None = None, limit: int = 3000):
    """What a map shows of the plantings: (the ``limit`` latest as points, how many there are,
    trees per grid cell over all of them), computed by the database.

    For more than one county (the city), each county's are kept apart, keyed by its own data
    version, and put together: after a planting only its county is read again (at 10^6 plantings
    the city's heat map and latest points took the database about 2 s)."""
    area = within or actor.scope_prefix
    if len(area) >= 6:
        return _planting_layers(scope_of(actor), _db(actor), within, int(limit), actor)
    shapes = village_shapes(actor, within)
    counties = sorted({str(code)[:6] for code in shapes["code"]}) if len(shapes) else []
    parts = [_planting_layers(scope_of(actor), _db_of(c), c, int(limit), actor) for c in counties]
    if not parts:
        return _planting_layers(scope_of(actor), _db(actor), within, int(limit), actor)
    from greening.services.map_layers import latest_of, merged_cells

    return (latest_of([p[0] for p in parts], int(limit)), sum(int(p[1]) for p in parts),
            merged_cells([p[2] for p in parts]))


def weekly(actor: Actor, within: str | None = None, by: str = "town"):
    return _weekly(scope_of(actor), _db(actor), within, by, actor)


def species():
    return _species(_db())


def measures() -> pd.DataFrame:
    return _measures(_db())


def village_detail(actor: Actor, code: str):
    """Not cached: the detail must show a planting the moment it is saved."""
    from greening.services.village_detail import village_detail as detail

    with engine().connect() as conn:
        return detail(conn, actor, code)


def rejected(actor: Actor, *, village_code: str | None = None, team_id: int | None = None, limit: int = 5):
    """The records a reviewer sent back. Kept per data version of the actor's area: the review
    that rejects one is a write there, so the team sees it at its next look, through any replica."""
    return _rejected(scope_of(actor), _records_key(actor, village_code), village_code, team_id, int(limit), actor)


def recent(actor: Actor, *, village_code: str | None = None, team_id: int | None = None, limit: int = 20,
           ids: list[int] | None = None):
    """The latest records (of a village or a team, or the records ``ids``), kept per data version of
    the actor's area: a save (here or through another replica) is in the next read, and in this
    run's own (after this process's write the versions are read again)."""
    return _recent(scope_of(actor), _records_key(actor, village_code), village_code, team_id, int(limit),
                   None if ids is None else tuple(int(i) for i in ids), actor)


def _records_key(actor: Actor, village_code: str | None) -> str:
    # Records of one village (or of a team, whose records are its village's) depend on that
    # village's rows alone; anything wider on the whole area's counters.
    from greening.data_version import is_village

    return village_keys(village_code) if is_village(village_code) else own_keys(actor)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=1024)
def _rejected(scope: str, db: str, village_code: str | None, team_id: int | None, limit: int, _actor: Actor):
    from greening.services.planting_views import rejected_plantings_frame

    with engine().connect() as conn:
        return rejected_plantings_frame(conn, _actor, village_code=village_code, team_id=team_id, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=1024)
def _recent(scope: str, db: str, village_code: str | None, team_id: int | None, limit: int,
            ids: tuple[int, ...] | None, _actor: Actor):
    from greening.services.planting_views import recent_plantings_frame

    with engine().connect() as conn:
        return recent_plantings_frame(conn, _actor, village_code=village_code, team_id=team_id, limit=limit,
                                      ids=None if ids is None else list(ids))
