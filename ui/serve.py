"""Start one app process (a replica): ``python -m ui.serve run app.py --server.port 8501 ...``.

The same as ``streamlit run`` with the same arguments, except that the modules the pages use
(the domain package, geopandas, folium, SQLAlchemy's models, the Streamlit glue) are imported
before the server starts listening. Under ``streamlit run`` they were imported inside the first
visitor's page run: some 5 CPU seconds on this 2-core machine, paid by the first users of every
replica after each start (their page waited, and so did everyone whose run needed the
interpreter meanwhile). The work is the same; it happens before the health check answers.

Then :func:`warm` opens the database and makes, once, the reads of a team's first page runs (the
log-in's account lookup, a team's inbox): the engine's first connection and the first compilation
of those statements cost the first team of every replica about a second of CPU (1.6-1.7 CPU s
for its session against 0.7 for the next ones). It also computes the coverage of the city and of
each county (:func:`_warm_coverage`), which the first overview and county dashboard of a replica
waited for. A database that cannot be reached or holds no
villages yet is left alone: the page says so to its first visitor, as without the warm-up.

Modules that declare a custom component at import (``streamlit_folium``, ``ui.gps``) are left
out: Streamlit registers a component only when it is declared inside a page run, and one
declared here would never be served (the map and the GPS button would stay blank). Streamlit
also logs once that the [server] options changed: the command line's options are read after the
preload's first look at the configuration, still before the server starts, and are in force.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys

__all__ = ["preload", "served_by_streamlit", "warm", "freeze_loaded", "main"]

#: packages whose every module is imported (engines of the coverage benchmark and the importers
#: pull in optional heavy libraries used only by commands: left to be imported when used)
PACKAGES = ["ui", "greening.models", "greening.maps", "greening.coverage", "greening.services",
            "greening.supervision", "greening.auth", "greening.validation"]
#: declare custom components at import: must be imported inside a page run (see above)
COMPONENTS = ("streamlit_folium", "ui.gps")
SKIP = ("greening.coverage.engines", *COMPONENTS)
MODULES = ["geopandas", "folium", "folium.plugins", "greening.strings", "greening.i18n"]


def preload() -> list[str]:
    """Import what the pages use; returns the modules imported."""
    before = {name for name in COMPONENTS if name in sys.modules}
    done = []
    for name in MODULES:
        importlib.import_module(name)
        done.append(name)
    for package in PACKAGES:
        module = importlib.import_module(package)
        done.append(package)
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{package}."):
            if info.name.startswith(SKIP):
                continue
            importlib.import_module(info.name)
            done.append(info.name)
    early = [name for name in COMPONENTS if name in sys.modules and name not in before]
    if early:  # a module above imports one of them at its top: its component would never be served
        raise RuntimeError(f"preloading imported {early}, which declare components: import them inside functions")
    return done


def served_by_streamlit() -> None:
    """Tell Streamlit, before the first page run, that it is served (not run from a REPL).

    At the first element any page run draws, Streamlit checks once whether the script was
    started from a Python prompt, to print a hint (``delta_generator._maybe_print_use_warning``):
    ``inspect.stack()`` over the running script's frames, which looks each frame's module up among
    every module loaded. After :func:`preload` that was 0.3-0.5 CPU s, paid inside the first
    visitor's log-in form on every replica. A replica is started by ``streamlit run``'s own
    entry (this module), never from a prompt, so the hint is marked as given and the check not made."""
    from streamlit import delta_generator

    delta_generator._use_warning_has_been_displayed = True


def warm() -> list[str]:
    """Run the reads every team's first page runs make, once, in read-only sessions; returns
    what was warmed (nothing when the database cannot be read)."""
    import datetime as dt
    import logging

    from sqlalchemy import select

    from greening.actor import Actor
    from greening.auth.sessions import read_account
    from greening.db import read_session
    from greening.models import AdminArea
    from greening.models.enums import Role
    from greening.supervision.inbox import inbox
    from ui.engine import db_session, engine

    done = []
    try:
        with read_session(engine()) as session:
            read_account(session, "warmup", "-")  # nobody of that name: the lookup is compiled, no log-in
            done.append("log-in lookup")
            village = session.scalars(select(AdminArea.code).where(AdminArea.level == "village",
                                                                  AdminArea.deleted_at.is_(None))
                                      .order_by(AdminArea.code).limit(1)).first()
        if village is not None:
            team = Actor(user_id=None, username="warmup", role=Role.TEAM, scope_prefix=village)
            with db_session(team) as session:
                inbox(session, team, dt.date.today())
            done.append("a team's inbox")
            done += _warm_coverage()
    except Exception as exc:  # noqa: BLE001 - a warm-up never stops a server from starting
        logging.getLogger(__name__).warning("warm-up skipped: %s", exc)
    return done


def _warm_coverage() -> list[str]:
    """Compute the coverage of the city and of every county into the cache the pages read
    (:func:`ui.data.coverage`, kept per process and data version): the first overview or county
    dashboard of a replica otherwise waited for it (the city's some 3 s, each county's 0.2-0.5 s).
    The cache is the process's own, so what is computed here is what the first page run finds."""
    from sqlalchemy import select

    from greening.actor import CITY_PREFIX, Actor
    from greening.models import AdminArea
    from greening.models.enums import AreaLevel, Role
    from ui import data
    from ui.engine import engine

    with engine().connect() as conn:
        counties = [c for (c,) in conn.execute(select(AdminArea.code).where(
            AdminArea.level == AreaLevel.COUNTY, AdminArea.deleted_at.is_(None)).order_by(AdminArea.code))]
    viewers = [Actor(user_id=None, username="warmup", role=Role.CITY, scope_prefix=CITY_PREFIX)]
    viewers += [Actor(user_id=None, username="warmup", role=Role.COUNTY_LEAD, scope_prefix=code[:6])
                for code in counties]
    for viewer in viewers:
        data.coverage(viewer)
    return [f"coverage of the city and {len(counties)} counties"]


def freeze_loaded() -> int:
    """Leave what start-up loaded out of the garbage collector's full collections; returns how
    many objects that is.

    After :func:`preload` and :func:`warm` a replica holds some 320,000 objects the collector
    tracks (modules, models, the city's and the counties' coverage computations), and each full
    collection walked them all: 0.25-0.3 CPU s each, several times during a burst of log-ins, on
    the cores the page runs need. They live as long as the process, so they are collected once,
    then frozen (``gc.freeze``): later collections look only at what page runs made since. Nothing
    frozen is garbage (collected first), and what pages allocate is collected as before."""
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def main() -> None:
    preload()
    served_by_streamlit()
    warm()
    freeze_loaded()
    from streamlit.web.cli import main as streamlit_main

    sys.exit(streamlit_main(prog_name="streamlit"))


if __name__ == "__main__":
    main()
