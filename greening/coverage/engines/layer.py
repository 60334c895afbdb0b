"""The village layer every engine reads: codes in ascending order and their polygons."""
from __future__ import annotations

import numpy as np

from greening.coverage.index import sorted_villages

__all__ = ["VillageLayer", "as_layer", "county_of"]


def county_of(codes) -> np.ndarray:
    """The 6-digit county code of each 12-digit village code (object array)."""
    return np.array([str(c)[:6] for c in codes], dtype=object)


class VillageLayer:
    """Village codes (ascending: position order is the border rule's order) and polygons.

    Light: no index is built here; each engine builds what it needs and may keep it on the layer
    (``cache``) so one layer joined many times is prepared once.
    """

    def __init__(self, codes, geoms):
        self.codes, self.geoms = sorted_villages([str(c) for c in codes], geoms)
        self.cache: dict = {}

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def counties(self) -> np.ndarray:
        return county_of(self.codes)

    @classmethod
    def from_frame(cls, villages, code: str = "code") -> VillageLayer:
        gs = villages.geometry
        if gs.crs is not None and gs.crs.to_epsg() != 4326:
            gs = gs.to_crs(4326)
        return cls(villages[code].to_numpy(dtype=object), gs.to_numpy())


def as_layer(villages) -> VillageLayer:
    """A :class:`VillageLayer` from a layer, a VillageIndex (its index is kept) or a frame."""
    if isinstance(villages, VillageLayer):
        return villages
    from greening.coverage.index import VillageIndex

    if isinstance(villages, VillageIndex):
        layer = VillageLayer.__new__(VillageLayer)
        layer.codes, layer.geoms = villages.codes, villages.geoms
        layer.cache = {"grid_index": villages}
        return layer
    if hasattr(villages, "geometry"):
        return VillageLayer.from_frame(villages)
    raise TypeError(f"not a village layer: {type(villages).__name__}")
