"""The ``grid`` engine: :class:`~greening.coverage.index.VillageIndex` (STRtree buckets, prepared
polygons, the raster-grid fast path for large batches), unchanged; the default on one machine."""
from __future__ import annotations

import numpy as np

from greening.coverage.engines.layer import VillageLayer
from greening.coverage.index import VillageIndex

__all__ = ["positions", "index_of"]


def index_of(layer: VillageLayer) -> VillageIndex:
    """The layer's VillageIndex, built once per layer."""
    index = layer.cache.get("grid_index")
    if index is None:
        index = layer.cache["grid_index"] = VillageIndex(layer.codes, layer.geoms)
    return index


def positions(layer: VillageLayer, x: np.ndarray, y: np.ndarray, *, claimed=None,
              use_grid: bool | None = None) -> np.ndarray:
    """``use_grid``: None chooses by batch size, True forces the raster grid, False never."""
    return index_of(layer).positions(x, y, use_grid=use_grid)
