"""Engines: one contract for "which village is each point in", three ways to answer it.

    assign_villages(lons, lats, villages, engine=None, claimed=None) -> codes (None: in no village)
    village_positions(lons, lats, villages, engine=None, claimed=None) -> positions (-1: none)
    count_per_village(lons, lats, villages, engine=None, claimed=None) -> (counts, outside)

``villages``: a :class:`VillageLayer`, a :class:`~greening.coverage.index.VillageIndex` or a
GeoDataFrame with a ``code`` column (WGS 84). Positions and counts follow the layer's code order.
``claimed``: the village code each point was reported for (optional); the dask engine partitions
by its county, the others ignore it. The answer never depends on it.

The border rule is the same for every engine: a point belongs to the village with the lowest code
among those whose polygon, boundary included, holds it; a point in none is reported (-1 / None),
never dropped.

- ``geopandas`` (:mod:`.sjoin`): ``geopandas.sjoin(points, villages, predicate="intersects")``,
  then the lowest code per point. The reference the others are tested against.
- ``grid`` (:mod:`.grid`): :class:`~greening.coverage.index.VillageIndex` with its raster grid;
  the default, the fastest on one machine.
- ``dask`` (:mod:`.cluster`): dask-geopandas on a ``distributed`` cluster; points partitioned by
  county, each partition joined with its own county's villages, a second pass for points near or
  outside their county (:mod:`.partition`). ``GREENING_DASK_SCHEDULER`` names an existing cluster.

The engine comes from the ``engine`` argument, else the ``GREENING_COVERAGE_ENGINE`` setting.
"""
from __future__ import annotations

import numpy as np

from greening.coverage.engines.layer import VillageLayer, as_layer
from greening.validation.errors import Refusal

__all__ = ["ENGINES", "VillageLayer", "as_layer", "resolve_engine", "assign_villages",
           "village_positions", "count_per_village"]

ENGINES = ("grid", "geopandas", "dask")


def resolve_engine(engine: str | None = None) -> str:
    """The engine to use: ``engine``, else the setting; an unknown name is refused."""
    if engine is None:
        from greening.config import get_settings

        engine = get_settings().coverage_engine
    name = (engine or "grid").strip().lower()
    if name not in ENGINES:
        raise Refusal.of("coverage_engine_unknown", engine=engine, choices_zh=" / ".join(ENGINES),
                         choices=", ".join(ENGINES))
    return name


def village_positions(lons, lats, villages, engine: str | None = None, *, claimed=None,
                      **options) -> np.ndarray:
    """Position (int32, in the layer's code order) of each point's village, -1 in none."""
    name = resolve_engine(engine)
    layer = as_layer(villages)
    x = np.ascontiguousarray(lons, dtype=float)
    y = np.ascontiguousarray(lats, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"lon/lat arrays differ in shape: {x.shape} vs {y.shape}")
    if claimed is not None and len(claimed) != len(x):
        raise ValueError(f"{len(claimed)} claimed codes for {len(x)} points")
    if not len(layer) or not len(x):
        return np.full(len(x), -1, dtype=np.int32)
    if name == "grid":
        from greening.coverage.engines import grid as module
    elif name == "geopandas":
        from greening.coverage.engines import sjoin as module  # type: ignore[no-redef]
    else:
        from greening.coverage.engines import cluster as module  # type: ignore[no-redef]
    return module.positions(layer, x, y, claimed=claimed, **options)


def assign_villages(lons, lats, villages, engine: str | None = None, *, claimed=None,
                    **options) -> np.ndarray:
    """Village code (object array; None in no village) of each point."""
    layer = as_layer(villages)
    pos = village_positions(lons, lats, layer, engine, claimed=claimed, **options)
    out = np.full(len(pos), None, dtype=object)
    hit = pos >= 0
    out[hit] = layer.codes[pos[hit]]
    return out


def count_per_village(lons, lats, villages, engine: str | None = None, *, claimed=None,
                      **options) -> tuple[np.ndarray, int]:
    """(points per village in the layer's code order, points in no village)."""
    layer = as_layer(villages)
    if resolve_engine(engine) == "grid" and not options:
        from greening.coverage.engines.grid import index_of

        return index_of(layer).count_points([(lons, lats)])
    pos = village_positions(lons, lats, layer, engine, claimed=claimed, **options)
    n = len(layer)
    counts = np.bincount(np.where(pos >= 0, pos, n), minlength=n + 1)
    return counts[:n].astype(np.int64), int(counts[n])
