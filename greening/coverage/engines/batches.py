"""What a worker does with a GeoParquet folder (:func:`.cluster.count_dataset`): pass 1 on a
batch of whole counties' plantings files, pass 2 on the points pass 1 left pending.

Pass 1 (:func:`count_batch`) builds one :class:`~greening.coverage.index.VillageIndex` over the
batch's villages with a raster grid sized for its points, and keeps it on the worker (without its
prepared polygons) for pass 2. Pass 2 (:func:`count_pending`) gets the pending points grouped by
the batch holding their lowest county ``L`` and sent to the worker that ran that batch: the kept
index answers them, mostly by a grid lookup, and by the rule of pass 1 (the lowest village of the
batch holding a point is the answer when it lies in ``L``: all of ``L``'s villages are in the
batch, and every other village holding the point is in a county above ``L``). The few left (in
``L``'s hull but in none of its villages: within a metre of its border) go to
:func:`~.partition.second_pass_many`, the join with every county whose hull holds them.

Before, pass 2 joined every pending point with the villages of every county whose hull holds it,
through a tree of Point objects and unprepared polygons (about 7 µs a point; 1.9 million points
at the national size, most claimed for a county far away).
"""
from __future__ import annotations

import numpy as np

from greening.coverage.engines.partition import (
    DatasetVillages,
    _Kept,
    batch_grid,
    second_pass_many,
    settle,
    village_counties,
)

__all__ = ["count_batch", "count_pending", "KEEP_BATCH_VILLAGES"]

#: Villages of the batch indexes a worker keeps between the passes (each index: the raster grid,
#: about 20 MB at the national density, buckets and tree; the polygons are kept anyway).
KEEP_BATCH_VILLAGES = 300_000
_BATCHES = _Kept(KEEP_BATCH_VILLAGES)


def _key(source: DatasetVillages, counties) -> tuple:
    return (source.token, tuple(sorted(counties)))


def count_batch(folder: str, counties: list[str], files: list[str]):
    """Pass 1 on a batch of plantings files (whole counties), read by the worker itself.

    Returns (codes, counts, outside, pending, worker): points per village of the batch's counties
    (only villages with points), points in no village, the pending points as arrays (lowest
    county position, x, y) and the address of the worker that keeps the batch's index."""
    import shapely

    from greening.coverage.engines.dataset import read_points

    source = DatasetVillages(folder)
    xs, ys = [], []
    for f in files:
        _, x, y = read_points(f)
        xs.append(x)
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    del xs, ys
    index = source.build(counties) if counties else None
    if index is not None:
        batch_grid(index, len(x))
    pos, pending, low = settle(source.counties(), index, x, y)
    if index is not None:
        n = np.bincount(pos[pos >= 0], minlength=len(index.codes))
        hit = np.flatnonzero(n)
        codes, counts = index.codes[hit], n[hit]
        # kept for pass 2 without the prepared polygons (their memory; pass 2 tests few points)
        shapely.destroy_prepared(index.geoms)
        _BATCHES.put(_key(source, counties), (index,))
    else:
        codes, counts = np.array([], dtype=object), np.array([], dtype=np.int64)
    outside = int(np.count_nonzero((pos < 0) & ~pending))
    return codes, counts, outside, (low[pending], x[pending], y[pending]), _worker_address()


def _worker_address() -> str | None:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:  # not on a worker
        return None


def count_pending(folder: str, groups):
    """Pass 2: ``groups`` of (batch counties or None, lowest county positions, x, y).

    Returns (codes, counts, outside). A batch's index is the one kept by pass 1 on this worker,
    or built again if this worker does not hold it (another worker ran the batch, or it was
    dropped); None (a lowest county in no batch: it has villages but no plantings file) goes
    straight to the join with every county holding the point."""
    source = DatasetVillages(folder)
    found: list[np.ndarray] = []
    outside = 0
    for counties, low, x, y in groups:
        if counties:
            kept = _BATCHES.get(_key(source, counties))
            index = kept[0] if kept is not None else source.build(counties)
            assert index is not None, "a batch with counties has villages"
            pos = index.positions(x, y)
            home = village_counties(source.counties(), index)
            settled = (pos >= 0) & (home[np.maximum(pos, 0)] == low)
            found.append(index.codes[pos[settled]])
            x, y = x[~settled], y[~settled]
        if len(x):
            codes = second_pass_many(source, x, y)
            hit = codes != None  # noqa: E711 - object array
            found.append(codes[hit])
            outside += int(np.count_nonzero(~hit))
    if not found or not sum(len(f) for f in found):
        return np.array([], dtype=object), np.array([], dtype=np.int64), outside
    names, counts = np.unique(np.concatenate(found).astype(str), return_counts=True)
    return names.astype(object), counts, outside
