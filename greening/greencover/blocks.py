"""The reported figure beside the raster's: the union of a village's planting blocks.

Block plantings may carry a polygon (``Planting.block``). A village's block area is the union of
the blocks of its plantings that count (not rejected, not deleted), clipped to the village
boundary and measured in the equal-area CRS, so overlapping blocks count once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["block_areas", "union_areas"]


def union_areas(villages, blocks) -> pd.Series:
    """m² of the union of ``blocks`` (GeoDataFrame: ``village_code``, geometry) inside each
    village of ``villages`` (GeoDataFrame: ``code``, geometry); villages with none are absent."""
    import shapely

    from greening.geo.crs import area_m2

    if blocks is None or not len(blocks):
        return pd.Series(dtype=float)
    shapes = dict(zip(villages["code"].astype(str), villages.geometry, strict=False))
    out = {}
    for code, group in blocks.groupby(blocks["village_code"].astype(str)):
        village = shapes.get(code)
        if village is None:
            continue
        union = shapely.union_all(shapely.make_valid(group.geometry.to_numpy()))
        inside = shapely.intersection(union, village)
        if not inside.is_empty:
            out[code] = float(area_m2(inside))
    return pd.Series(out, dtype=float)


def block_areas(conn, scope_prefix: str, villages) -> pd.Series:
    from sqlalchemy import select

    from greening.geodb import read_gdf, wkb_column
    from greening.models import Planting
    from greening.models.enums import PlantingStatus

    p = Planting
    blocks = read_gdf(conn, select(p.claimed_village_code.label("village_code"),
                                   wkb_column(p.block)).where(
        p.block.is_not(None), p.deleted_at.is_(None), p.status != PlantingStatus.REJECTED,
        p.claimed_village_code.like(scope_prefix + "%")))
    blocks = blocks[blocks.geometry.notna()]
    return union_areas(villages, blocks) if len(blocks) else pd.Series(dtype=float, index=np.array([], dtype=object))
