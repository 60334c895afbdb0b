"""Coverage: which villages are behind on what, and who is responsible.

What pages and commands call (``conn``: a SQLAlchemy Connection, e.g. ``session.connection()``):

- :func:`coverage_for` ``(conn, actor, as_of=None)`` -> :class:`CoverageResult` with ``villages``
  (GeoDataFrame), ``towns``, ``counties``, ``city``, ``measure_status``, ``weekly``,
  ``unassigned``, ``outside`` and ``lagging``, limited to the actor's area;
- :func:`area_coverage` ``(conn, actor)``: the same computation for the whole area the actor's
  figures are judged in (:func:`coverage_context`, a county for its teams), shared by every user
  of that area; ``result.within(actor.scope_prefix)`` is what the actor may see;
- :func:`lagging_for` ``(conn, actor, as_of=None)`` -> the lagging list (a DataFrame);
- :func:`village_progress` ``(conn, actor, villages, as_of, context=...)`` -> a few villages' own
  figures (planned, planted, plan completion, survival, trees per km²) from their rows alone,
  equal to what the whole computation gives them (a team's map: no county computed);
- :func:`village_index` ``(conn)`` -> the :class:`VillageIndex` of the villages as ``conn``'s
  transaction sees them (``index.locate(lon, lat)`` -> village code or None; ``locate_many``).

Modules: ``index`` (points to villages) and ``grid`` (its raster fast path), ``join`` (the
index as a transaction sees it, codes, nesting, areas), ``metrics`` (per village, composite
score), ``progress`` (a village's own figures), ``rollup`` (towns, counties, city, weekly),
``rules`` (computed rules), ``evaluate`` (the catalogue on the frames), ``lagging``, ``load`` (the database edge), ``compute`` (one
computation), ``api`` (the entry points above). Names are imported on first use, so
``greening.coverage.index`` alone stays light.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "coverage_for": "api", "area_coverage": "api", "coverage_context": "api",
    "lagging_for": "api", "catalogue_in_force": "api",
    "compute_coverage": "compute", "CoverageResult": "compute", "CoverageInputs": "inputs",
    "load_inputs": "load", "ScoreWeights": "metrics", "VillageIndex": "index",
    "join_points": "index", "village_index": "join", "seasonal_pace": "lagging",
    "village_progress": "progress",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"greening.coverage.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'greening.coverage' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
