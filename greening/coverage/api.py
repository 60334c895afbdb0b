"""The entry points pages and commands call: coverage and the lagging list for an actor."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from greening.actor import Actor
from greening.coverage.compute import CoverageResult, compute_coverage
from greening.coverage.inputs import CoverageInputs
from greening.coverage.load import context_prefixes, load_inputs
from greening.coverage.metrics import ScoreWeights
from greening.permissions import require

__all__ = ["coverage_for", "area_coverage", "area_coverage_and_inputs", "patched_coverage", "coverage_context", "lagging_for", "catalogue_in_force"]


def catalogue_in_force(conn) -> list:
    """The measures as synchronised into the Measure table, or the catalogue file if empty."""
    from sqlalchemy import select

    from greening.measures import MeasureSpec, load_catalogue
    from greening.models import Measure

    table = Measure.__table__
    rows = conn.execute(select(table).order_by(table.c.id)).mappings().all()
    if not rows:
        return load_catalogue()
    return [MeasureSpec(id=r["id"], plan=r["plan"], level=r["level"], title_zh=r["title_zh"],
                        title_en=r["title_en"] or "", evaluation=r["evaluation"], rule=r["rule"],
                        params=dict(r["params"] or {})) for r in rows]


def coverage_for(conn, actor: Actor, as_of: dt.date | None = None, *, catalogue=None,
                 settings=None, weights: ScoreWeights | None = None,
                 recompute: bool = False) -> CoverageResult:
    """Village, town, county and city coverage and the lagging list, for ``actor``'s area.

    ``conn``: a SQLAlchemy Connection; ``as_of`` defaults to :func:`greening.coverage.load.report_date`; ``catalogue`` to the Measure
    table (or the catalogue file when the table is empty); ``settings`` to the settings in force.
    ``recompute``: join every planting point again (engine: ``GREENING_COVERAGE_ENGINE``)
    instead of reading the village stored with it.
    """
    return area_coverage(conn, actor, as_of, catalogue=catalogue, settings=settings, weights=weights,
                         recompute=recompute).within(actor.scope_prefix)


def coverage_context(scope_prefix: str, catalogue) -> str:
    """The area whose computation serves ``scope_prefix``: the smallest area holding every row the
    measures of ``catalogue`` judge its villages by (a county for its towns and villages when a
    measure compares a village with its county; the area itself when none does)."""
    act, ros = context_prefixes(scope_prefix, catalogue)
    return min(act, ros, key=len)


def area_coverage(conn, actor: Actor, as_of: dt.date | None = None, *, catalogue=None,
                  settings=None, weights: ScoreWeights | None = None,
                  recompute: bool = False) -> CoverageResult:
    """Coverage of the whole :func:`coverage_context` of ``actor``'s area, the same computation
    for every user whose area has that context (a county's lead, its town leads and its teams),
    so a server computes it once for all of them.

    It holds villages outside ``actor``'s area: show a user only ``result.within(actor.scope_prefix)``
    (which is :func:`coverage_for`).
    """
    return area_coverage_and_inputs(conn, actor, as_of, catalogue=catalogue, settings=settings,
                                    weights=weights, recompute=recompute)[0]


def area_coverage_and_inputs(conn, actor: Actor, as_of: dt.date | None = None, *, catalogue=None,
                             settings=None, weights: ScoreWeights | None = None,
                             recompute: bool = False) -> tuple[CoverageResult, CoverageInputs]:
    """:func:`area_coverage` and the inputs it was computed from (to be patched after writes in a
    few villages, :func:`patched_coverage`)."""
    require(actor, "village.view")
    catalogue = catalogue if catalogue is not None else catalogue_in_force(conn)
    context = coverage_context(actor.scope_prefix, catalogue)
    inputs = load_inputs(conn, dataclasses.replace(actor, scope_prefix=context), as_of, catalogue=catalogue)
    return compute_coverage(inputs, catalogue, settings, inputs.as_of, weights=weights,
                            recompute=recompute), inputs


def patched_coverage(conn, actor: Actor, inputs: CoverageInputs, villages, *, catalogue=None,
                     settings=None) -> tuple[CoverageResult, CoverageInputs]:
    """The coverage of the area of ``inputs`` (a previous computation's, for ``actor``) after
    writes in ``villages`` only: their rows read again and put in place of the old ones
    (:mod:`greening.coverage.patch`), then computed. Returns the result and the patched inputs."""
    from greening.coverage.patch import patch, village_inputs

    require(actor, "village.view")
    catalogue = catalogue if catalogue is not None else catalogue_in_force(conn)
    fresh = village_inputs(conn, actor, villages, inputs.as_of)
    patched = patch(inputs, fresh)
    return compute_coverage(patched, catalogue, settings, patched.as_of), patched


def lagging_for(conn, actor: Actor, as_of: dt.date | None = None, **kwargs) -> pd.DataFrame:
    """The lagging villages of ``actor``'s area, most severe first (see ``lagging``)."""
    require(actor, "lagging.view")
    return coverage_for(conn, actor, as_of, **kwargs).lagging
