"""The ``geopandas`` engine, the reference: ``geopandas.sjoin`` and then the border rule.

``predicate="intersects"`` holds a point that lies on a polygon's boundary as well as inside it
(``within`` would drop boundary points); a point on a shared border or vertex therefore matches
several villages, and where villages overlap so does a point inside both. The rule then keeps the
lowest code: positions follow code order, so that is the smallest position per point. Points that
match nothing are in no village (-1), never dropped.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np

from greening.coverage.engines.layer import VillageLayer

__all__ = ["positions", "sjoin_positions"]


def sjoin_positions(villages: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> np.ndarray:
    """Village position per point for frames: ``villages`` in code order, ``points`` in any order
    with a default RangeIndex."""
    vil = gpd.GeoDataFrame({"position": np.arange(len(villages), dtype=np.int64)},
                           geometry=villages.geometry.to_numpy(), crs=villages.crs)
    joined = gpd.sjoin(points[[points.geometry.name]], vil, how="inner", predicate="intersects")
    best = joined.groupby(level=0)["position"].min()  # the border rule: lowest code wins
    out = np.full(len(points), -1, dtype=np.int32)
    out[best.index.to_numpy()] = best.to_numpy()
    return out


def positions(layer: VillageLayer, x: np.ndarray, y: np.ndarray, *, claimed=None) -> np.ndarray:
    villages = gpd.GeoDataFrame({"code": layer.codes}, geometry=layer.geoms, crs=4326)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    return sjoin_positions(villages, points)
