"""Coverage: which villages are behind on what, and who is responsible.

What pages and commands call (``conn``: a SQLAlchemy Connection, e.g. ``session.connection()``):

- :func:`coverage_for` ``(conn, actor, as_of=None)`` -> :class:`CoverageResult` with ``villages``
  (GeoDataFrame), ``towns``, ``counties``, ``city``, ``measure_status``, ``weekly``,
  ``unassigned``, ``outside`` and ``lagging``, limited to the actor's area;
- :func:`lagging_for` ``(conn, actor, as_of=None)`` -> the lagging list (a DataFrame);
- :func:`village_index` ``(conn)`` -> the cached :class:`VillageIndex` for the planting write path
  (``index.locate(lon, lat)`` -> village code or None).

Modules: ``join`` (spatial joins, :class:`VillageIndex`), ``grid`` (raster fast path),
``metrics`` (per village, composite score), ``rollup`` (towns, counties, city, weekly),
``rules`` (computed rules), ``evaluate`` (the catalogue on the frames), ``lagging``,
``load`` (the database edge), ``compute`` (one computation).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from greening.actor import Actor
from greening.coverage.compute import CoverageResult, compute_coverage
from greening.coverage.inputs import CoverageInputs
from greening.coverage.join import VillageIndex, assign_village, join_points, village_index
from greening.coverage.lagging import seasonal_pace
from greening.coverage.load import load_inputs
from greening.coverage.metrics import ScoreWeights
from greening.permissions import require

__all__ = ["coverage_for", "lagging_for", "catalogue_in_force", "compute_coverage", "load_inputs",
           "CoverageInputs", "CoverageResult", "ScoreWeights", "VillageIndex", "assign_village",
           "join_points", "village_index", "seasonal_pace"]


def catalogue_in_force(conn) -> list:
    """The measures as synchronised into the Measure table, or the catalogue file if empty."""
    from sqlalchemy import select

    from greening.measures import MeasureSpec, load_catalogue
    from greening.models import Measure

    rows = conn.execute(select(Measure).order_by(Measure.id)).mappings().all()
    if not rows:
        return load_catalogue()
    return [MeasureSpec(id=r["id"], plan=r["plan"], level=r["level"], title_zh=r["title_zh"],
                        title_en=r["title_en"] or "", evaluation=r["evaluation"],
                        rule=r["rule"], params=dict(r["params"] or {})) for r in rows]


def coverage_for(conn, actor: Actor, as_of: dt.date | None = None, *, catalogue=None,
                 settings=None, weights: ScoreWeights | None = None) -> CoverageResult:
    """Village, town, county and city coverage and the lagging list, for ``actor``'s area."""
    require(actor, "village.view")
    catalogue = catalogue if catalogue is not None else catalogue_in_force(conn)
    inputs = load_inputs(conn, actor, as_of, catalogue=catalogue)
    return compute_coverage(inputs, catalogue, settings, inputs.as_of, weights=weights)


def lagging_for(conn, actor: Actor, as_of: dt.date | None = None, **kwargs) -> pd.DataFrame:
    """The lagging villages of ``actor``'s area, most severe first (see ``lagging``)."""
    require(actor, "lagging.view")
    return coverage_for(conn, actor, as_of, **kwargs).lagging
